/* xpin verify: for CI: signature, pins, rebuild, compare, policy. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clikeys.h"
#include "commands.h"
#include "flakelock.h"
#include "project.h"

enum { O_PUB = 1, O_KEY, O_NOBUILD, O_JOBS, O_CONFIG };

static const struct opt_spec opts[] = {
	{ O_PUB, 'p', "public-key", "PUB", "the signer's public key file (default xpin.pub)" },
	{ O_KEY, 'P', "public-key-base64", "KEY", "the signer's public key, base64" },
	{ O_NOBUILD, 0, "no-build", NULL, "check the outputs already present instead of rebuilding" },
	{ O_JOBS, 'j', "jobs", "N", "build N targets at a time (default 1)" },
	{ O_CONFIG, 'c', "config", "FILE", "the configuration (default xpin.json)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_verify_help = {
	"verify", "[TARGET...] [-p PUB | -P KEY] [--no-build] [-j N] [--json]",
	"check xpin.lock: its signature, the pins, a rebuild of each target, the policy",
	opts
};


/* Step 1: the signature over xpin.lock. */
static int check_signature(json_t *rep, const char *pubfile, const char *b64,
			   struct xerr *err)
{
	struct sign_pub pub;
	struct sign_sig sig;

	if (clikeys_public(&pub, pubfile, b64, err) < 0)
		return -1;
	if (sign_sig_load(&sig, "xpin.lock.minisig", err) < 0) {
		err->code = XPIN_SIGNATURE;
		return -1;
	}
	if (sign_verify_file(&sig, &pub, "xpin.lock", SIGN_PREHASHED_ONLY,
			     err) < 0)
		return -1;
	json_object_set_new(rep, "signature", json_pack("{s:b, s:s}", "ok", 1,
				"trusted_comment", sig.trusted));
	return 0;
}

/* Step 2: flake.lock pins what xpin.lock recorded. */
static int check_pins(json_t *rep, const struct project *p, const json_t *m,
		      struct xerr *err)
{
	struct buf first = BUF_INIT;
	json_t *list = NULL;
	int bad = project_check_pins(&list, &first, p, m, err);

	json_object_set_new(rep, "inputs", list ? list : json_array());
	if (bad > 0)
		xerr_set(err, XPIN_CHECK_FAILED, "%s", buf_cstr(&first));
	buf_release(&first);
	return bad ? -1 : 0;
}

int verify_report(json_t *trep, const struct build_result *res,
		  const json_t *const *prev, size_t n, const char *label,
		  const struct gopts *g)
{
	const char *sep = label ? ": " : "";
	size_t i, k;
	int rc = XPIN_OK;

	if (!label)
		label = "";
	for (i = 0; i < n; i++) {
		const struct build_result *r = &res[i];
		json_t *diff;
		int trc;

		if (r->failed) {
			if (!g->json)
				cli_error(g, &r->err);
			if (rc < r->failed)
				rc = r->failed;
			json_object_set_new(trep, r->target->name, json_pack(
				"{s:b, s:s}", "ok", 0, "error", r->err.msg));
			continue;
		}
		diff = project_compare(r, prev[i]);
		trc = json_array_size(diff) || r->nwarn ? XPIN_CHECK_FAILED : XPIN_OK;
		if (rc < trc)
			rc = trc;
		json_object_set_new(trep, r->target->name, json_pack(
			"{s:b, s:o, s:I}", "ok", trc == XPIN_OK, "differs", diff,
			"warnings", (json_int_t)r->nwarn));
		if (g->json)
			continue;
		for (k = 0; k < json_array_size(diff); k++)
			fprintf(stderr, "xpin: %s%starget '%s': artifact '%s' differs from xpin.lock\n",
				label, sep, r->target->name,
				json_string_value(json_array_get(diff, k)));
		if (r->why.len)
			fprintf(stderr, "%s", r->why.data);
		if (r->nwarn)
			fprintf(stderr, "xpin: %s%starget '%s': %zu policy warning%s (see 'xpin elf')\n",
				label, sep, r->target->name, r->nwarn,
				r->nwarn == 1 ? "" : "s");
		if (trc == XPIN_OK && !g->quiet && !*label)
			printf("target %s: ok (%zu artifacts match)\n", r->target->name,
			       json_object_size(json_object_get(prev[i], "artifacts")));
	}
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_verify(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser op;
	struct project proj;
	struct cli_progress prog;
	struct build_opts bo = { ".", NULL, getenv("PATH"), NULL, 0,
				 cli_progress, &prog, NULL };
	const struct config_target **targets = NULL;
	const json_t **prev = NULL;
	struct manifest_policy *pols = NULL;
	struct build_result *res = NULL;
	struct buf logs = BUF_INIT;
	json_t *m = NULL, *rep = json_object(), *trep = json_object();
	const char *pubfile = NULL, *b64 = NULL, *config = NULL, *val;
	char **names;
	size_t nnames = 0, n = 0, i;
	unsigned jobs = 1;
	bool nobuild = false, have_proj = false;
	int o, rc = XPIN_OK;

	cli_progress_init(&prog, g);
	names = calloc((size_t)argc, sizeof(*names));
	if (!names)
		return XPIN_USAGE;
	opt_init(&op, argc, argv, &cmd_verify_help, g);
	while ((o = opt_next(&op, &val, &err)) != OPT_END) {
		switch (o) {
		case O_PUB:
			pubfile = val;
			break;
		case O_KEY:
			b64 = val;
			break;
		case O_NOBUILD:
			nobuild = true;
			break;
		case O_JOBS:
			if (cli_jobs(&jobs, val, &err) < 0)
				goto fail;
			break;
		case O_CONFIG:
			config = val;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_verify_help);
			goto out;
		case OPT_ARG:
			names[nnames++] = (char *)val;
			break;
		default:
			goto fail;
		}
	}
	/* The signature first: nothing in an unsigned file is worth reading. */
	if (access("xpin.lock", F_OK) < 0) {
		xerr_set(&err, XPIN_USAGE, "no xpin.lock here; make one with 'xpin lock'");
		goto fail;
	}
	if (check_signature(rep, pubfile, b64, &err) < 0)
		goto fail;
	m = manifest_load("xpin.lock", &err);
	if (!m)
		goto fail;
	if (!nnames) {
		char **all = realloc(names, (json_object_size(json_object_get(
				m, "targets")) + 1) * sizeof(*names));
		if (!all)
			goto fail;
		names = all;
	}
	if (!g->json && !g->quiet)
		printf("signature: ok\n");
	if (project_open(&proj, ".", config, &err) < 0)
		goto fail;
	have_proj = true;
	if (check_pins(rep, &proj, m, &err) < 0)
		goto fail;
	if (!g->json && !g->quiet)
		printf("pins: ok (%zu inputs)\n", json_object_size(json_object_get(m, "inputs")));
	if (!nnames) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(m, "targets"), k, v)
			names[nnames++] = (char *)k;
		qsort(names, nnames, sizeof(*names), cmp_name);
	}
	if (project_select(&targets, &n, &proj, names, nnames, &err) < 0)
		goto fail;
	pols = calloc(n + 1, sizeof(*pols));
	res = calloc(n + 1, sizeof(*res));
	prev = calloc(n + 1, sizeof(*prev));
	if (!pols || !res || !prev)
		goto fail;
	for (i = 0; i < n; i++) {
		prev[i] = json_object_get(json_object_get(m, "targets"), targets[i]->name);
		if (!prev[i]) {
			xerr_set(&err, XPIN_CHECK_FAILED,
				 "target '%s' is not in xpin.lock; run 'xpin lock'",
				 targets[i]->name);
			goto fail;
		}
		if (project_policy(&pols[i], targets[i], &err) < 0)
			goto fail;
	}
	if (util_mkdtemp(&logs, "xpin-logs", &err) < 0)
		goto fail;
	bo.log_dir = logs.data;
	bo.commit = proj.has_head ? proj.head.rev : NULL;
	bo.commit_time = proj.has_head ? proj.head.time : 0;
	build_all(res, targets, pols, prev, n, jobs,
		  nobuild ? BUILD_PRESENT : BUILD_ONCE, &bo);
	rc = verify_report(trep, res, prev, n, NULL, g);
	if (rc == XPIN_BUILD)
		fprintf(stderr, "xpin: build logs are in %s\n", logs.data);
	else
		util_rmtree(logs.data);
	goto out;
fail:
	rc = g->json ? (err.code ? err.code : XPIN_USAGE) : cli_error(g, &err);
	if (g->json)
		json_object_set_new(rep, "error", json_string(err.msg));
out:
	if (g->json) {
		struct buf b = BUF_INIT;
		json_object_set(rep, "targets", trep);
		json_object_set_new(rep, "ok", json_boolean(rc == XPIN_OK));
		json_object_set_new(rep, "exit", json_integer(rc));
		jtext_dump_file(&b, rep);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
	}
	for (i = 0; res && i < n; i++)
		build_result_release(&res[i]);
	free(res);
	free(pols);
	free(prev);
	free(targets);
	free(names);
	json_decref(m);
	json_decref(rep);
	json_decref(trep);
	buf_release(&logs);
	if (have_proj)
		project_release(&proj);
	return rc;
}
