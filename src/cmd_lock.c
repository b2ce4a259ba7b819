/* xpin lock: build every target twice, hash, check, record, sign. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clikeys.h"
#include "commands.h"
#include "flakelock.h"
#include "clirelease.h"
#include "release.h"

enum { O_SEC = 1, O_JOBS, O_PWFILE, O_NOSIGN, O_CONFIG, O_REBUILD_ON };

static const struct opt_spec opts[] = {
	{ O_SEC, 's', "secret-key", "SEC",
	  "secret key (default: $XPIN_SECRET_KEY, else $XDG_CONFIG_HOME/xpin/xpin.key)" },
	{ O_JOBS, 'j', "jobs", "N", "build N targets at a time (default 1)" },
	{ O_PWFILE, 0, "password-file", "FILE", "read the key's password from FILE" },
	{ O_NOSIGN, 0, "no-sign", NULL, "write xpin.lock without signing it" },
	{ O_CONFIG, 'c', "config", "FILE", "the configuration (default xpin.json)" },
	{ O_REBUILD_ON, 0, "rebuild-on", "STORE",
	  "build each nix target's second build on this Nix store (ssh-ng://host; again for one more build each; default: xpin.json's rebuild_on)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_lock_help = {
	"lock", "[TARGET...] [-s SEC] [-j N] [--password-file FILE] [--no-sign] [--rebuild-on STORE]...",
	"build each target twice, hash and check it, write and sign xpin.lock",
	opts
};


/* The manifest's text and its signature, both made before either file is
 * written: a key that cannot sign leaves the old xpin.lock in place. */
static int write_manifest(const struct manifest *man,
			  const struct sign_secret *sk, struct xerr *err)
{
	struct sign_pub pub;
	struct sign_opts so = { NULL, NULL, NULL };
	struct buf text = BUF_INIT, tc = BUF_INIT, sig = BUF_INIT;
	json_t *m = manifest_json(man);
	char keyid[17];
	int ret = -1;

	if (!m || jtext_dump_file(&text, m) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (sk) {
		if (sign_secret_pub(&pub, sk, err) < 0)
			goto out;
		sign_keyid_hex(keyid, pub.keyid);
		buf_printf(&tc, "timestamp:%lld\tfile:xpin.lock\tkey:%s",
			   (long long)clikeys_now(), keyid);
		so.trusted = tc.data;
		if (sign_buffer(&sig, sk, text.data, text.len, &so, err) < 0)
			goto out;
	}
	/* Signed, the two are one replacement: no interruption leaves a new
	 * xpin.lock beside the old signature without its own waiting. */
	if (sk ? util_write_pair("xpin.lock", text.data, text.len, 0644,
				 "xpin.lock.minisig", sig.data, sig.len, 0644,
				 err) < 0
	       : util_write_atomic("xpin.lock", text.data, text.len, 0644,
				   err) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&text);
	buf_release(&tc);
	buf_release(&sig);
	json_decref(m);
	return ret;
}

struct lock_args {
	const char *secpath, *pwfile;
	bool nosign;
	struct release_opts ro;
};

static int parse_args(struct lock_args *a, char **names, int argc,
		      char **argv, struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	int o;

	opt_init(&op, argc, argv, &cmd_lock_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END) {
		switch (o) {
		case O_SEC:
			a->secpath = val;
			break;
		case O_JOBS:
			if (cli_jobs(&a->ro.jobs, val, err) < 0)
				return -1;
			break;
		case O_PWFILE:
			a->pwfile = val;
			break;
		case O_NOSIGN:
			a->nosign = true;
			break;
		case O_CONFIG:
			a->ro.config = val;
			break;
		case O_REBUILD_ON:
			if (cli_store((char **)a->ro.stores, &a->ro.nstores, val,
				      "--rebuild-on", err) < 0)
				return -1;
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

/* The new manifest, written and signed; the old one's records of the
 * targets not built this time are kept. */
static int record(const struct release *rel, const struct sign_secret *sk,
		  struct xerr *err)
{
	struct manifest old = MANIFEST_INIT, m = MANIFEST_INIT;
	bool have_old = false;
	int ret;

	if (access("xpin.lock", F_OK) == 0) {
		struct xerr e2 = XERR_INIT;
		have_old = manifest_load(&old, "xpin.lock", &e2) == 0;
	}
	ret = release_manifest(&m, rel, have_old ? &old : NULL, err);
	if (ret == 0)
		ret = write_manifest(&m, sk, err);
	manifest_release(&m);
	manifest_release(&old);
	return ret;
}

static void print_json(const struct release *rel)
{
	json_t *rep = release_report(rel, RELEASE_LOCK);

	cli_print_json(rep);
	json_decref(rep);
}

/* Build, record, sign: the exit code, or -1 with err. */
static int lock(struct release *rel, const struct lock_args *a,
		const struct gopts *g, struct xerr *err)
{
	struct sign_secret *sk = NULL;
	int ret = -1;

	if (release_open(rel, NULL, &a->ro, err) < 0)
		goto out;
	/* The key first: a wrong password should not cost a build. */
	if (!a->nosign &&
	    !(sk = clikeys_unlocked_secret(a->secpath, a->pwfile, err)))
		goto out;
	if (rel->proj.dirty)
		cli_warn(g, "the work tree has uncommitted changes; xpin.lock records it as dirty");
	ret = release_build(rel, &a->ro, err);
	if (ret < 0)
		goto out;
	if (rel->failed) {
		/* A target failed: nothing is written. */
		clirelease_print(g, rel, RELEASE_LOCK, NULL);
		ret = rel->failed;
		goto out;
	}
	if (record(rel, sk, err) < 0) {
		ret = -1;
		goto out;
	}
	if (g->json)
		print_json(rel);
	else
		clirelease_print(g, rel, RELEASE_LOCK, NULL);
	if (!g->json && !g->quiet)
		printf("wrote xpin.lock%s\n",
		       a->nosign ? " (not signed)" : " and xpin.lock.minisig");
out:
	sign_secret_free(sk);
	return ret;
}

int cmd_lock(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct cli_progress prog;
	struct lock_args a = { .ro = { .mode = RELEASE_LOCK, .dir = ".",
				       .jobs = 1, .path_env = getenv("PATH"),
				       .progress = cli_progress,
				       .progress_ctx = &prog } };
	struct release rel = RELEASE_INIT;
	/* The target names, then the stores. */
	char **names = calloc(2 * ((size_t)argc + 1), sizeof(*names));
	int rc;

	cli_progress_init(&prog, g);
	a.ro.names = names;
	a.ro.stores = names ? names + argc + 1 : NULL;
	rc = names ? parse_args(&a, names, argc, argv, g, &err)
		   : xerr_set(&err, XPIN_USAGE, "out of memory");
	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_lock_help);
		rc = XPIN_OK;
	} else if (rc == 0) {
		rc = lock(&rel, &a, g, &err);
	}
	if (rc < 0)
		rc = cli_error(g, &err);
	free(names);
	release_release(&rel);
	return rc;
}
