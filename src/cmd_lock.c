/* xpin lock: build every target twice, hash, check, record, sign. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clikeys.h"
#include "nix.h"
#include "commands.h"
#include "flakelock.h"
#include "project.h"

enum { O_SEC = 1, O_JOBS, O_PWFILE, O_NOSIGN, O_CONFIG };

static const struct opt_spec opts[] = {
	{ O_SEC, 's', "secret-key", "SEC",
	  "secret key (default: $XPIN_SECRET_KEY, else $XDG_CONFIG_HOME/xpin/xpin.key)" },
	{ O_JOBS, 'j', "jobs", "N", "build N targets at a time (default 1)" },
	{ O_PWFILE, 0, "password-file", "FILE", "read the key's password from FILE" },
	{ O_NOSIGN, 0, "no-sign", NULL, "write xpin.lock without signing it" },
	{ O_CONFIG, 'c', "config", "FILE", "the configuration (default xpin.json)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_lock_help = {
	"lock", "[TARGET...] [-s SEC] [-j N] [--password-file FILE] [--no-sign]",
	"build each target twice, hash and check it, write and sign xpin.lock",
	opts
};


/* The reasons a target fails: not reproducible, policy warnings. */
static void report(const struct gopts *g, const struct build_result *r)
{
	const struct config_target *t = r->target;
	size_t i, nart = json_object_size(r->artifacts);
	bool ok = r->reproducible && r->nwarn == 0;
	const char *k;
	json_t *a, *w;

	if (g->quiet && ok)
		return;
	printf("%s%s%s %s: %s, %zu artifact%s, policy %s\n",
	       cli_c(g, ok ? "green" : "red"), ok ? "ok" : "FAIL", cli_c(g, "reset"),
	       t->name, r->reproducible ? "reproducible" : "NOT reproducible",
	       nart, nart == 1 ? "" : "s", r->nwarn ? "broken" : "ok");
	for (i = 0; i < json_array_size(r->differs); i++)
		printf("  differs: %s\n",
		       json_string_value(json_array_get(r->differs, i)));
	if (!r->reproducible && !json_array_size(r->differs))
		printf("  Nix reports a difference that no artifact's sha256 shows\n");
	if (r->why.len) {
		const char *line = r->why.data, *nl;
		for (; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (!nl)
				break;
			printf("    %.*s\n", (int)(nl - line), line);
		}
	}
	json_object_foreach(r->artifacts, k, a) {
		json_t *ws = json_object_get(json_object_get(a, "elf"), "warnings");
		json_array_foreach(ws, i, w)
			printf("  %s: %s: %s\n", k,
			       json_string_value(json_object_get(w, "code")),
			       json_string_value(json_object_get(w, "message")));
	}
}

struct nixver {
	struct buf out;
	struct xerr err;
	int ret;
};

/* `nix --version` runs beside the builds rather than before them. */
static void *nix_version_thread(void *arg)
{
	struct nixver *v = arg;

	v->ret = nix_version_text(&v->out, &v->err);
	return NULL;
}

/* The manifest's text and its signature, both made before either file is
 * written: a key that cannot sign leaves the old xpin.lock in place. */
static int write_manifest(const json_t *m, const struct sign_secret *sk,
			  struct xerr *err)
{
	struct sign_pub pub;
	struct sign_opts so = { NULL, NULL, NULL };
	struct buf text = BUF_INIT, tc = BUF_INIT, sig = BUF_INIT;
	char keyid[17];
	int ret = -1;

	if (jtext_dump_file(&text, m) < 0) {
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
	if (util_write_atomic("xpin.lock", text.data, text.len, 0644, err) < 0 ||
	    (sk && util_write_atomic("xpin.lock.minisig", sig.data, sig.len,
				     0644, err) < 0))
		goto out;
	ret = 0;
out:
	buf_release(&text);
	buf_release(&tc);
	buf_release(&sig);
	return ret;
}

int cmd_lock(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser op;
	struct project proj;
	struct cli_progress prog;
	struct build_opts bo = { ".", NULL, getenv("PATH"), NULL, 0,
				 cli_progress, &prog, NULL };
	const struct config_target **targets = NULL;
	struct manifest_policy *pols = NULL;
	struct build_result *res = NULL;
	struct buf logs = BUF_INIT;
	struct nixver nixv = { BUF_INIT, XERR_INIT, 0 };
	pthread_t vth;
	bool vth_started = false;
	json_t *m = NULL, *old = NULL;
	struct sign_secret *sk = NULL;
	const char *secpath = NULL, *pwfile = NULL, *config = NULL, *val;
	char **names;
	size_t nnames = 0, n = 0, i;
	unsigned jobs = 1;
	bool nosign = false, have_proj = false, any_nix = false, failed = false;
	int o, rc = XPIN_OK;

	cli_progress_init(&prog, g);
	names = calloc((size_t)argc, sizeof(*names));
	if (!names)
		return XPIN_USAGE;
	opt_init(&op, argc, argv, &cmd_lock_help, g);
	while ((o = opt_next(&op, &val, &err)) != OPT_END) {
		switch (o) {
		case O_SEC:
			secpath = val;
			break;
		case O_JOBS:
			if (cli_jobs(&jobs, val, &err) < 0)
				goto fail;
			break;
		case O_PWFILE:
			pwfile = val;
			break;
		case O_NOSIGN:
			nosign = true;
			break;
		case O_CONFIG:
			config = val;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_lock_help);
			goto out;
		case OPT_ARG:
			names[nnames++] = (char *)val;
			break;
		default:
			goto fail;
		}
	}
	if (project_open(&proj, ".", config, &err) < 0)
		goto fail;
	have_proj = true;
	if (project_select(&targets, &n, &proj, names, nnames, &err) < 0)
		goto fail;
	pols = calloc(n + 1, sizeof(*pols));
	res = calloc(n + 1, sizeof(*res));
	if (!pols || !res)
		goto fail;
	for (i = 0; i < n; i++) {
		if (project_policy(&pols[i], targets[i], &err) < 0)
			goto fail;
		any_nix |= targets[i]->attr != NULL;
		if (targets[i]->command && !proj.has_head) {
			xerr_set(&err, XPIN_USAGE,
				 "target '%s' is built from the commit's tree, but this is not a git repository with a commit",
				 targets[i]->name);
			goto fail;
		}
	}
	/* The key first: a wrong password should not cost a build. */
	if (!nosign && !(sk = clikeys_unlocked_secret(secpath, pwfile, &err)))
		goto fail;
	if (proj.dirty)
		cli_warn(g, "the work tree has uncommitted changes; xpin.lock records it as dirty");
	if (util_mkdtemp(&logs, "xpin-logs", &err) < 0)
		goto fail;
	bo.log_dir = logs.data;
	bo.commit = proj.has_head ? proj.head.rev : NULL;
	bo.commit_time = proj.has_head ? proj.head.time : 0;
	if (any_nix)
		vth_started = pthread_create(&vth, NULL, nix_version_thread, &nixv) == 0;
	if (any_nix && !vth_started)
		nix_version_thread(&nixv);
	build_all(res, targets, pols, NULL, n, jobs, BUILD_TWICE, &bo);
	if (vth_started)
		pthread_join(vth, NULL);
	vth_started = false;
	for (i = 0; i < n; i++)
		if (res[i].failed) {
			cli_error(g, &res[i].err);
			failed = true;
		}
	if (!failed && any_nix && nixv.ret < 0) {
		cli_error(g, &nixv.err);
		failed = true;
	}
	if (failed) {
		fprintf(stderr, "xpin: build logs are in %s\n", logs.data);
		rc = XPIN_BUILD;
		goto out;
	}
	if (access("xpin.lock", F_OK) == 0) {
		struct xerr e2 = XERR_INIT;
		old = manifest_load("xpin.lock", &e2);
	}
	m = project_manifest(&proj, res, n, any_nix ? nixv.out.data : NULL, old, &err);
	if (!m || write_manifest(m, sk, &err) < 0)
		goto fail;
	if (g->json) {
		struct buf b = BUF_INIT;
		json_t *rep = json_object();
		for (i = 0; i < n; i++)
			json_object_set_new(rep, res[i].target->name,
					    json_pack("{s:b, s:O, s:I}", "reproducible",
						      res[i].reproducible, "differs",
						      res[i].differs, "warnings",
						      (json_int_t)res[i].nwarn));
		jtext_dump_file(&b, rep);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
		json_decref(rep);
	} else {
		for (i = 0; i < n; i++)
			report(g, &res[i]);
		if (!g->quiet)
			printf("wrote xpin.lock%s\n", nosign ? " (not signed)" : " and xpin.lock.minisig");
	}
	for (i = 0; i < n; i++)
		if (!res[i].reproducible || res[i].nwarn)
			rc = XPIN_CHECK_FAILED;
	util_rmtree(logs.data);
	goto out;
fail:
	rc = cli_error(g, &err);
out:
	for (i = 0; res && i < n; i++)
		build_result_release(&res[i]);
	free(res);
	free(pols);
	free(targets);
	free(names);
	sign_secret_free(sk);
	json_decref(m);
	json_decref(old);
	buf_release(&logs);
	if (vth_started)
		pthread_join(vth, NULL);
	buf_release(&nixv.out);
	if (have_proj)
		project_release(&proj);
	return rc;
}
