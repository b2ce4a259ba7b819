/* xpin audit: re-prove old releases from the repository's history. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clikeys.h"
#include "cliexport.h"
#include "commands.h"
#include "clirelease.h"
#include "evidence.h"
#include "release.h"

enum { O_PUB = 1, O_KEY, O_TAGS, O_NOBUILD, O_TRUST, O_JOBS, O_EXPORT, O_BUILD_ON };

static const struct opt_spec opts[] = {
	{ O_PUB, 'p', "public-key", "PUB", "the signer's public key file (default xpin.pub here)" },
	{ O_KEY, 'P', "public-key-base64", "KEY", "the signer's public key, base64" },
	{ O_TAGS, 0, "tags", "GLOB", "audit every tag matching GLOB, oldest first" },
	{ O_NOBUILD, 0, "no-build", NULL, "check the outputs already present instead of rebuilding" },
	{ O_TRUST, 0, "trust-tree-key", NULL, "use the xpin.pub found in the audited tree" },
	{ O_JOBS, 'j', "jobs", "N", "build N targets at a time (default 1)" },
	{ O_EXPORT, 0, "export", "KIND",
	  "one release: when it holds, write that evidence of it (sums, slsa, in-toto, in-toto-key)" },
	{ O_BUILD_ON, 0, "build-on", "STORE",
	  "build each nix target once more on this Nix store (ssh-ng://host; again for one more build each)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_audit_help = {
	"audit", "REV... [-p PUB | -P KEY] [--tags GLOB] [--no-build] [--trust-tree-key] [--build-on STORE]... [--export KIND] [--json]",
	"re-prove old releases: signature, pins and a rebuild of each at its commit",
	opts
};

struct audit_opts {
	const char *pubfile, *b64, *export;
	bool nobuild, trust_tree;
	unsigned jobs;
	char **stores;       /* --build-on */
	size_t nstores;
	const struct gopts *g;
	const char *label;   /* the release being audited */
};


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

/* The release's xpin.lock, as its commit holds it, signature checked. */
static int load_signed(struct manifest *m, struct buf *lock,
		       struct sign_pub *pub, json_t *rep, struct gitrepo *repo,
		       const struct gitrepo_commit *c,
		       const struct audit_opts *ao, struct xerr *err)
{
	struct buf sig = BUF_INIT;
	struct sign_sig ss;
	int ret = -1;

	if (gitrepo_read_file(lock, repo, c->rev, "xpin.lock", 64u << 20, err) < 0 ||
	    gitrepo_read_file(&sig, repo, c->rev, "xpin.lock.minisig", 1u << 16, err) < 0 ||
	    audit_key(pub, rep, repo, c->rev, ao, err) < 0)
		goto out;
	ret = release_signed_manifest(m, &ss, buf_cstr(lock), lock->len,
				      buf_cstr(&sig), sig.len, pub, err);
	if (ret == 0)
		json_object_set_new(rep, "signature", json_pack(
			"{s:b, s:s}", "ok", 1, "trusted_comment", ss.trusted));
out:
	buf_release(&sig);
	return ret;
}

/* --export KIND: the evidence of the release audited (its whole manifest). */
static int export_audited(const struct audit_opts *ao, const struct manifest *m,
			  const struct buf *lock, const struct sign_pub *pub,
			  struct xerr *err)
{
	struct export_ctx c = { .g = ao->g, .m = m, .lock_text = lock->data,
				.lock_len = lock->len, .pub = pub };
	int ret;

	if (evidence_targets(&c.t, &c.n, m, NULL, 0, err) < 0)
		return -1;
	ret = cliexport_kind(ao->export, err)(&c, err);
	free(c.t);
	return ret;
}

/* Pins and a rebuild of the commit's tree, exported under tmp; the work
 * tree is never touched. The exit code, or -1 with err. */
static int audit_tree(struct release *rel, const struct manifest *m,
		      struct gitrepo *repo, const struct gitrepo_commit *c,
		      struct buf *tmp, const struct audit_opts *ao,
		      struct xerr *err)
{
	struct cli_progress prog;
	struct buf tree = BUF_INIT;
	struct release_opts ro = {
		.mode = RELEASE_VERIFY, .nobuild = ao->nobuild, .jobs = ao->jobs,
		.path_env = getenv("PATH"), .repo = ".", .commit = c,
		.progress = cli_progress, .progress_ctx = &prog,
		.stores = ao->stores, .nstores = ao->nstores,
	};
	int ret = -1;

	cli_progress_init(&prog, ao->g);
	if (util_mkdtemp(tmp, "xpin-audit", err) < 0)
		goto out;
	buf_printf(&tree, "%s/tree", tmp->data);
	ro.dir = tree.data;
	if (gitrepo_export(repo, c->rev, tree.data, 0, err) < 0 ||
	    release_open(rel, m, &ro, err) < 0)
		goto out;
	ret = release_build(rel, &ro, err);
	if (ret >= 0)
		clirelease_print(ao->g, rel, RELEASE_VERIFY, ao->label);
out:
	buf_release(&tree);
	return ret;
}

/* One release. Returns its exit code; rep gets the details. */
static int audit_one(json_t *rep, struct gitrepo *repo, const char *rev,
		     struct audit_opts *ao)
{
	const struct gopts *g = ao->g;
	struct xerr err = XERR_INIT;
	struct gitrepo_commit c;
	struct release rel = RELEASE_INIT;
	struct buf tmp = BUF_INIT, lock = BUF_INIT;
	struct manifest m = MANIFEST_INIT;
	struct sign_pub pub;
	int rc = -1;

	ao->label = rev;
	json_object_set_new(rep, "rev", json_string(rev));
	if (gitrepo_commit_info(&c, repo, rev, &err) == 0) {
		json_object_set_new(rep, "commit", json_string(c.rev));
		if (load_signed(&m, &lock, &pub, rep, repo, &c, ao, &err) == 0)
			rc = audit_tree(&rel, &m, repo, &c, &tmp, ao, &err);
		if (rc == XPIN_OK && ao->export &&
		    export_audited(ao, &m, &lock, &pub, &err) < 0)
			rc = -1;
	}
	if (rc > 0)
		xerr_set(&err, rc, "%zu target%s checked, not all hold",
			 rel.n, rel.n == 1 ? "" : "s");
	if (rc < 0) {
		rc = err.code ? err.code : XPIN_USAGE;
		if (!g->json) {
			struct xerr shown = err;
			xerr_set(&shown, rc, "%.200s: %.800s", rev, err.msg);
			cli_error(g, &shown);
		}
	}
	json_object_set_new(rep, "exit", json_integer(rc));
	json_object_set_new(rep, "inputs", rel.pins ? json_incref(rel.pins) : json_array());
	json_object_set_new(rep, "targets", release_report(&rel, RELEASE_VERIFY));
	if (rel.built)
		json_object_set_new(rep, "targets_checked", json_integer((json_int_t)rel.n));
	if (rc)
		json_object_set_new(rep, "error", json_string(err.msg));
	release_release(&rel);
	if (tmp.len)
		util_rmtree(tmp.data);
	buf_release(&tmp);
	buf_release(&lock);
	manifest_release(&m);
	return rc;
}

static int parse_args(struct audit_opts *ao, const char **tags,
		      char **revs, size_t *nrevs, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	int o;

	opt_init(&op, argc, argv, &cmd_audit_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END) {
		switch (o) {
		case O_PUB:
			ao->pubfile = val;
			break;
		case O_KEY:
			ao->b64 = val;
			break;
		case O_TAGS:
			*tags = val;
			break;
		case O_NOBUILD:
			ao->nobuild = true;
			break;
		case O_TRUST:
			ao->trust_tree = true;
			break;
		case O_JOBS:
			if (cli_jobs(&ao->jobs, val, err) < 0)
				return -1;
			break;
		case O_BUILD_ON:
			if (cli_store(ao->stores, &ao->nstores, val, "--build-on",
				      err) < 0)
				return -1;
			break;
		case O_EXPORT:
			/* The artifacts of a command target are not in the work
			 * tree of an old release: files is for its checkout. */
			if (!strcmp(val, "files"))
				return xerr_set(err, XPIN_USAGE,
						"audit --export files: check the release out and run 'xpin export files' there");
			if (!cliexport_kind(val, err))
				return -1;
			ao->export = val;
			break;
		case OPT_HELP:
			return OPT_HELP;
		case OPT_ARG:
			revs[(*nrevs)++] = (char *)val;
			break;
		default:
			return -1;
		}
	}
	if (!*nrevs && !*tags)
		return xerr_set(err, XPIN_USAGE, "name a release to audit, or --tags GLOB (see 'xpin audit --help')");
	if (ao->export && (*nrevs != 1 || *tags))
		return xerr_set(err, XPIN_USAGE, "--export writes the evidence of one release: name one REV");
	return 0;
}

/* One line for each release as it is done. */
static void print_release(const struct gopts *g, const char *rev, int r,
			  const json_t *rep)
{
	if (g->json || g->quiet)
		return;
	if (r == XPIN_OK)
		printf("%s%s%s %s: signature, pins and %lld targets hold\n",
		       cli_c(g, "green"), "ok", cli_c(g, "reset"), rev,
		       (long long)json_integer_value(json_object_get(rep, "targets_checked")));
	else
		printf("%sFAIL%s %s (exit %d): %s\n", cli_c(g, "red"),
		       cli_c(g, "reset"), rev, r,
		       json_string_value(json_object_get(rep, "error")));
}

/* Several releases: a table at the end. */
static void print_table(const struct gopts *g, const json_t *all)
{
	const json_t *rep;
	size_t i;

	if (g->json || g->quiet || json_array_size(all) < 2)
		return;
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

/* Every release named, then every tag matching tags: the worst exit
 * code, or -1 with err when the repository or its tags cannot be read. */
static int audit_all(json_t *all, char *const *revs, size_t nrevs,
		     const char *tags, struct audit_opts *ao, struct xerr *err)
{
	struct gitrepo *repo = gitrepo_open(".", err);
	char **tagged = NULL;
	size_t ntagged = 0, i;
	int rc = -1;

	if (!repo)
		goto out;
	if (tags && gitrepo_tags(&tagged, &ntagged, repo, tags, err) < 0)
		goto out;
	if (tags && !ntagged) {
		xerr_set(err, XPIN_USAGE, "no tag matches '%s'", tags);
		goto out;
	}
	rc = XPIN_OK;
	for (i = 0; i < nrevs + ntagged; i++) {
		const char *rev = i < nrevs ? revs[i] : tagged[i - nrevs];
		json_t *rep = json_object();
		int r = audit_one(rep, repo, rev, ao);

		if (r > rc)
			rc = r;
		print_release(ao->g, rev, r, rep);
		json_array_append_new(all, rep);
	}
out:
	gitrepo_strings_free(tagged);
	gitrepo_free(repo);
	return rc;
}

int cmd_audit(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct audit_opts ao = { .jobs = 1, .g = g };
	const char *tags = NULL;
	/* The releases, then the stores. */
	char **revs = calloc(2 * ((size_t)argc + 1), sizeof(*revs));
	size_t nrevs = 0;
	json_t *all = json_array();
	int rc;

	ao.stores = revs ? revs + argc + 1 : NULL;
	rc = revs && all ? parse_args(&ao, &tags, revs, &nrevs, argc, argv, g, &err)
			 : xerr_set(&err, XPIN_USAGE, "out of memory");
	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_audit_help);
		rc = XPIN_OK;
	} else if (rc == 0) {
		rc = audit_all(all, revs, nrevs, tags, &ao, &err);
	}
	if (rc < 0) {
		rc = cli_error(g, &err);
	} else if (all && json_array_size(all)) {
		print_table(g, all);
		if (g->json) {
			json_t *doc = json_pack("{s:O, s:i}", "releases", all, "exit", rc);
			cli_print_json(doc);
			json_decref(doc);
		}
	}
	json_decref(all);
	free(revs);
	return rc;
}
