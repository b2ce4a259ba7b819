/* xpin audit: re-prove old releases from the repository's history. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clikeys.h"
#include "commands.h"
#include "project.h"

enum { O_PUB = 1, O_KEY, O_TAGS, O_NOBUILD, O_TRUST, O_JOBS };

static const struct opt_spec opts[] = {
	{ O_PUB, 'p', "public-key", "PUB", "the signer's public key file (default xpin.pub here)" },
	{ O_KEY, 'P', "public-key-base64", "KEY", "the signer's public key, base64" },
	{ O_TAGS, 0, "tags", "GLOB", "audit every tag matching GLOB, oldest first" },
	{ O_NOBUILD, 0, "no-build", NULL, "check the outputs already present instead of rebuilding" },
	{ O_TRUST, 0, "trust-tree-key", NULL, "use the xpin.pub found in the audited tree" },
	{ O_JOBS, 'j', "jobs", "N", "build N targets at a time (default 1)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_audit_help = {
	"audit", "REV... [-p PUB | -P KEY] [--tags GLOB] [--no-build] [--trust-tree-key] [--json]",
	"re-prove old releases: signature, pins and a rebuild of each at its commit",
	opts
};

struct audit_opts {
	const char *pubfile, *b64;
	bool nobuild, trust_tree;
	unsigned jobs;
	const struct gopts *g;
};


static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The key: -P, -p, or with --trust-tree-key the tree's own xpin.pub. */
static int audit_key(struct sign_pub *pub, json_t *rep, struct gitrepo *repo,
		     const char *commit, const struct audit_opts *ao,
		     struct xerr *err)
{
	struct buf text = BUF_INIT;
	int ret;

	if (ao->b64 || ao->pubfile || !ao->trust_tree) {
		json_object_set_new(rep, "key", json_string(
			ao->b64 ? "given (-P)" : ao->pubfile ? ao->pubfile : "xpin.pub"));
		return clikeys_public(pub, ao->pubfile, ao->b64, err);
	}
	if (gitrepo_read_file(&text, repo, commit, "xpin.pub", 4096, err) < 0) {
		err->code = XPIN_SIGNATURE;
		return -1;
	}
	json_object_set_new(rep, "key", json_string("the audited tree's xpin.pub (--trust-tree-key)"));
	ret = sign_pub_parse(pub, text.data, text.len, "xpin.pub", err);
	buf_release(&text);
	return ret;
}

/* One release. Returns its exit code; rep gets the details. */
static int audit_one(json_t *rep, struct gitrepo *repo, const char *rev,
		     const struct audit_opts *ao)
{
	const struct gopts *g = ao->g;
	struct xerr err = XERR_INIT;
	struct gitrepo_commit c;
	struct buf lock = BUF_INIT, sig = BUF_INIT, tmp = BUF_INIT, first = BUF_INIT;
	struct sign_pub pub;
	struct sign_sig ss;
	struct project proj;
	struct cli_progress prog;
	struct build_opts bo = { NULL, NULL, getenv("PATH"), NULL, 0,
				 cli_progress, &prog, "." };
	const struct config_target **targets = NULL;
	struct manifest_policy *pols = NULL;
	struct build_result *res = NULL;
	const json_t **prev = NULL;
	json_t *m = NULL, *pins = NULL, *trep = json_object(), *v;
	char **names = NULL;
	const char *k;
	size_t n = 0, nn = 0, i;
	bool have_proj = false;
	int rc = XPIN_OK;

	cli_progress_init(&prog, g);
	json_object_set_new(rep, "rev", json_string(rev));
	if (gitrepo_commit_info(&c, repo, rev, &err) < 0)
		goto fail;
	json_object_set_new(rep, "commit", json_string(c.rev));
	if (gitrepo_read_file(&lock, repo, c.rev, "xpin.lock", 64u << 20, &err) < 0 ||
	    gitrepo_read_file(&sig, repo, c.rev, "xpin.lock.minisig", 1u << 16, &err) < 0)
		goto fail;
	if (audit_key(&pub, rep, repo, c.rev, ao, &err) < 0)
		goto fail;
	if (sign_sig_parse(&ss, sig.data, sig.len, "xpin.lock.minisig", &err) < 0 ||
	    sign_verify(&ss, &pub, lock.data, lock.len, SIGN_PREHASHED_ONLY, &err) < 0) {
		err.code = XPIN_SIGNATURE;
		goto fail;
	}
	json_object_set_new(rep, "signature", json_pack("{s:b, s:s}", "ok", 1,
			    "trusted_comment", ss.trusted));
	m = manifest_parse(lock.data, lock.len, "xpin.lock", &err);
	if (!m)
		goto fail;
	/* The commit's tree, exported; the work tree is never touched. */
	if (util_mkdtemp(&tmp, "xpin-audit", &err) < 0)
		goto fail;
	buf_puts(&tmp, "/tree");
	if (gitrepo_export(repo, c.rev, tmp.data, 0, &err) < 0 ||
	    project_open(&proj, tmp.data, NULL, &err) < 0)
		goto fail;
	have_proj = true;
	if (project_check_pins(&pins, &first, &proj, m, &err) != 0) {
		xerr_set(&err, XPIN_CHECK_FAILED, "%s", first.len ? first.data : err.msg);
		goto fail;
	}
	names = calloc(json_object_size(json_object_get(m, "targets")) + 1, sizeof(*names));
	json_object_foreach(json_object_get(m, "targets"), k, v)
		names[nn++] = (char *)k;
	qsort(names, nn, sizeof(*names), cmp_name);
	if (project_select(&targets, &n, &proj, names, nn, &err) < 0)
		goto fail;
	pols = calloc(n + 1, sizeof(*pols));
	res = calloc(n + 1, sizeof(*res));
	prev = calloc(n + 1, sizeof(*prev));
	for (i = 0; i < n; i++) {
		prev[i] = json_object_get(json_object_get(m, "targets"), targets[i]->name);
		if (project_policy(&pols[i], targets[i], &err) < 0)
			goto fail;
	}
	tmp.len -= strlen("/tree");
	tmp.data[tmp.len] = '\0';
	bo.log_dir = tmp.data;
	buf_puts(&tmp, "/tree");
	bo.project = tmp.data;
	bo.commit = c.rev;
	bo.commit_time = c.time;
	build_all(res, targets, pols, prev, n, ao->jobs,
		  ao->nobuild ? BUILD_PRESENT : BUILD_ONCE, &bo);
	rc = verify_report(trep, res, prev, n, rev, g);
	if (rc)
		xerr_set(&err, rc, "%zu target%s checked, not all hold", n, n == 1 ? "" : "s");
	json_object_set_new(rep, "targets_checked", json_integer((json_int_t)n));
	goto out;
fail:
	rc = err.code ? err.code : XPIN_USAGE;
	if (!g->json) {
		char msg[sizeof(err.msg)];
		snprintf(msg, sizeof(msg), "%s", err.msg);
		xerr_set(&err, rc, "%.200s: %.800s", rev, msg);
		cli_error(g, &err);
		snprintf(err.msg, sizeof(err.msg), "%s", msg);
	}
out:
	json_object_set_new(rep, "exit", json_integer(rc));
	json_object_set_new(rep, "inputs", pins ? pins : json_array());
	json_object_set_new(rep, "targets", trep);
	if (rc)
		json_object_set_new(rep, "error", json_string(err.msg));
	for (i = 0; res && i < n; i++)
		build_result_release(&res[i]);
	free(res);
	free(pols);
	free(prev);
	free(targets);
	free(names);
	if (have_proj)
		project_release(&proj);
	if (tmp.len) {
		/* Cleaned up on every path, logs with it. */
		tmp.len -= tmp.len > 5 && !strcmp(tmp.data + tmp.len - 5, "/tree") ? 5 : 0;
		tmp.data[tmp.len] = '\0';
		util_rmtree(tmp.data);
	}
	json_decref(m);
	buf_release(&lock);
	buf_release(&sig);
	buf_release(&tmp);
	buf_release(&first);
	return rc;
}

int cmd_audit(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser op;
	struct audit_opts ao = { NULL, NULL, false, false, 1, g };
	struct gitrepo *repo = NULL;
	const char *tags = NULL, *val;
	char **revs, **tagged = NULL;
	size_t nrevs = 0, ntagged = 0, i;
	json_t *all = json_array();
	int o, rc = XPIN_OK;

	revs = calloc((size_t)argc, sizeof(*revs));
	if (!revs)
		return XPIN_USAGE;
	opt_init(&op, argc, argv, &cmd_audit_help, g);
	while ((o = opt_next(&op, &val, &err)) != OPT_END) {
		switch (o) {
		case O_PUB:
			ao.pubfile = val;
			break;
		case O_KEY:
			ao.b64 = val;
			break;
		case O_TAGS:
			tags = val;
			break;
		case O_NOBUILD:
			ao.nobuild = true;
			break;
		case O_TRUST:
			ao.trust_tree = true;
			break;
		case O_JOBS:
			if (cli_jobs(&ao.jobs, val, &err) < 0)
				goto fail;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_audit_help);
			goto out;
		case OPT_ARG:
			revs[nrevs++] = (char *)val;
			break;
		default:
			goto fail;
		}
	}
	if (!nrevs && !tags) {
		xerr_set(&err, XPIN_USAGE, "name a release to audit, or --tags GLOB (see 'xpin audit --help')");
		goto fail;
	}
	repo = gitrepo_open(".", &err);
	if (!repo)
		goto fail;
	if (tags) {
		if (gitrepo_tags(&tagged, &ntagged, repo, tags, &err) < 0)
			goto fail;
		if (!ntagged) {
			xerr_set(&err, XPIN_USAGE, "no tag matches '%s'", tags);
			goto fail;
		}
	}
	for (i = 0; i < nrevs + ntagged; i++) {
		const char *rev = i < nrevs ? revs[i] : tagged[i - nrevs];
		json_t *rep = json_object();
		int r;

		r = audit_one(rep, repo, rev, &ao);
		if (r > rc)
			rc = r;
		if (!g->json && !g->quiet) {
			if (r == XPIN_OK)
				printf("%s%s%s %s: signature, pins and %lld targets hold\n",
				       cli_c(g, "green"), "ok", cli_c(g, "reset"), rev,
				       (long long)json_integer_value(json_object_get(rep, "targets_checked")));
			else
				printf("%sFAIL%s %s (exit %d): %s\n", cli_c(g, "red"),
				       cli_c(g, "reset"), rev, r,
				       json_string_value(json_object_get(rep, "error")));
		}
		json_array_append_new(all, rep);
	}
	if (!g->json && !g->quiet && json_array_size(all) > 1) {
		json_t *rep;
		printf("\n%-20s %-12s %s\n", "release", "commit", "result");
		json_array_foreach(all, i, rep) {
			const char *c = json_string_value(json_object_get(rep, "commit"));
			int r = (int)json_integer_value(json_object_get(rep, "exit"));
			printf("%-20s %-12.12s %s\n",
			       json_string_value(json_object_get(rep, "rev")),
			       c ? c : "-", r == 0 ? "ok" : r == 1 ? "check failed"
			       : r == 3 ? "signature" : r == 4 ? "build failed" : "bad input");
		}
	}
	if (g->json) {
		struct buf b = BUF_INIT;
		json_t *doc = json_pack("{s:O, s:i}", "releases", all, "exit", rc);
		jtext_dump_file(&b, doc);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
		json_decref(doc);
	}
	goto out;
fail:
	rc = cli_error(g, &err);
out:
	gitrepo_strings_free(tagged);
	gitrepo_free(repo);
	json_decref(all);
	free(revs);
	return rc;
}
