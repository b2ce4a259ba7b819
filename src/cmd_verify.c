/* xpin verify: for CI: signature, pins, rebuild, compare, policy. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clikeys.h"
#include "cliexport.h"
#include "commands.h"
#include "clirelease.h"
#include "evidence.h"
#include "release.h"

enum { O_PUB = 1, O_KEY, O_NOBUILD, O_NO_EVAL_CACHE, O_JOBS, O_CONFIG,
       O_EXPORT, O_BUILD_ON };

static const struct opt_spec opts[] = {
	{ O_PUB, 'p', "public-key", "PUB", "the signer's public key file (default xpin.pub)" },
	{ O_KEY, 'P', "public-key-base64", "KEY", "the signer's public key, base64" },
	{ O_NOBUILD, 0, "no-build", NULL, "check the outputs already present instead of rebuilding" },
	{ O_NO_EVAL_CACHE, 0, "no-eval-cache", NULL,
	  "with --no-build, ask Nix for every derivation, not the evaluation cache" },
	{ O_JOBS, 'j', "jobs", "N", "build N targets at a time (default 1)" },
	{ O_CONFIG, 'c', "config", "FILE", "the configuration (default xpin.json)" },
	{ O_EXPORT, 0, "export", "KIND",
	  "when all holds, write that evidence for what was checked (as 'xpin export KIND')" },
	{ O_BUILD_ON, 0, "build-on", "STORE",
	  "build each nix target once more on this Nix store (ssh-ng://host; again for one more build each)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_verify_help = {
	"verify", "[TARGET...] [-p PUB | -P KEY] [--no-build [--no-eval-cache]] [-j N] [--build-on STORE]... [--export KIND] [--json]",
	"check xpin.lock: its signature, the pins, a rebuild of each target, the policy",
	opts
};


struct verify_args {
	const char *pubfile, *b64, *export;
	bool no_eval_cache;
	struct release_opts ro;
};

static int parse_args(struct verify_args *a, char **names, int argc,
		      char **argv, struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	int o;

	opt_init(&op, argc, argv, &cmd_verify_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END) {
		switch (o) {
		case O_PUB:
			a->pubfile = val;
			break;
		case O_KEY:
			a->b64 = val;
			break;
		case O_NOBUILD:
			a->ro.nobuild = true;
			break;
		case O_NO_EVAL_CACHE:
			a->no_eval_cache = true;
			break;
		case O_JOBS:
			if (cli_jobs(&a->ro.jobs, val, err) < 0)
				return -1;
			break;
		case O_CONFIG:
			a->ro.config = val;
			break;
		case O_BUILD_ON:
			if (cli_store((char **)a->ro.stores, &a->ro.nstores, val,
				      "--build-on", err) < 0)
				return -1;
			break;
		case O_EXPORT:
			if (!cliexport_kind(val, err))
				return -1;
			a->export = val;
			break;
		case OPT_HELP:
			return OPT_HELP;
		case OPT_ARG:
			names[a->ro.nnames++] = (char *)val;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static void print_json(json_t *rep, const struct release *rel, int rc)
{
	json_object_set_new(rep, "targets", release_report(rel, RELEASE_VERIFY));
	json_object_set_new(rep, "ok", json_boolean(rc == XPIN_OK));
	json_object_set_new(rep, "exit", json_integer(rc));
	cli_print_json(rep);
}

/* Pins and rebuild of the signed manifest m: the exit code, or -1. */
static int check(struct release *rel, const struct manifest *m, json_t *rep,
		 const struct verify_args *a, const struct gopts *g,
		 struct xerr *err)
{
	int ret;

	if (!g->json && !g->quiet)
		printf("signature: ok\n");
	ret = release_open(rel, m, &a->ro, err);
	if (rel->pins)
		json_object_set(rep, "inputs", rel->pins);
	if (ret < 0)
		return -1;
	if (!g->json && !g->quiet)
		printf("pins: ok (%zu inputs)\n", m->ninputs);
	ret = release_build(rel, &a->ro, err);
	if (ret >= 0)
		clirelease_print(g, rel, RELEASE_VERIFY, NULL);
	return ret;
}

/* --export KIND: the evidence of the targets checked. */
static int export_checked(const struct verify_args *a, const struct manifest *m,
			  const struct buf *text, const struct sign_pub *pub,
			  const struct gopts *g, struct xerr *err)
{
	struct export_ctx c = { .g = g, .m = m, .lock_text = text->data,
				.lock_len = text->len, .pub = pub };
	int ret;

	if (evidence_targets(&c.t, &c.n, m, a->ro.names, a->ro.nnames, err) < 0)
		return -1;
	ret = cliexport_kind(a->export, err)(&c, err);
	free(c.t);
	return ret;
}

/* Signature, pins, rebuild: the exit code, or -1 with err. */
static int verify(struct release *rel, struct manifest *m, json_t *rep,
		  const struct verify_args *a, const struct gopts *g,
		  struct xerr *err)
{
	struct buf text = BUF_INIT;
	struct sign_pub pub;
	int ret;

	ret = clirelease_load_signed(m, rep, a->pubfile, a->b64, &text, &pub, err);
	if (ret == 0)
		ret = check(rel, m, rep, a, g, err);
	if (ret == XPIN_OK && a->export &&
	    export_checked(a, m, &text, &pub, g, err) < 0)
		ret = -1;
	buf_release(&text);
	return ret;
}


int cmd_verify(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct cli_progress prog;
	struct verify_args a = { .ro = { .mode = RELEASE_VERIFY, .dir = ".",
					 .jobs = 1, .path_env = getenv("PATH"),
					 .progress = cli_progress,
					 .progress_ctx = &prog } };
	struct release rel = RELEASE_INIT;
	struct manifest m = MANIFEST_INIT;
	struct buf cache = BUF_INIT, nix_id = BUF_INIT;
	struct clirelease_git git;
	json_t *rep = json_object();
	/* The target names, then the stores. */
	char **names = calloc(2 * ((size_t)argc + 1), sizeof(*names));
	int rc;

	cli_progress_init(&prog, g);
	a.ro.names = names;
	a.ro.stores = names ? names + argc + 1 : NULL;
	rc = names && rep ? parse_args(&a, names, argc, argv, g, &err)
			  : xerr_set(&err, XPIN_USAGE, "out of memory");
	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_verify_help);
		rc = XPIN_OK;
		goto out;
	}
	if (rc == 0) {
		clirelease_git_start(&git, a.ro.dir);
		if (a.ro.nobuild && !a.no_eval_cache &&
		    clirelease_eval_cache(&cache, &nix_id) == 0) {
			a.ro.eval_cache = cache.data;
			a.ro.nix_identity = nix_id.data;
		}
		rc = verify(&rel, &m, rep, &a, g, &err);
		clirelease_git_join(&git);
	}
	if (rc < 0 && g->json) {
		rc = err.code ? err.code : XPIN_USAGE;
		json_object_set_new(rep, "error", json_string(err.msg));
	} else if (rc < 0) {
		rc = cli_error(g, &err);
	}
	if (g->json && rep)
		print_json(rep, &rel, rc);
out:
	free(names);
	buf_release(&cache);
	buf_release(&nix_id);
	manifest_release(&m);
	json_decref(rep);
	release_release(&rel);
	return rc;
}
