/* release: the pipeline lock, verify and audit share. */
#include "release.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nix.h"

/* The manifest's target names, in its order (sorted); *out is the
 * caller's (free). */
static int manifest_names(char ***out, size_t *n, const struct manifest *m,
			  struct xerr *err)
{
	char **names = calloc(m->ntargets + 1, sizeof(*names));
	size_t i;

	if (!names)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = 0; i < m->ntargets; i++)
		names[i] = m->targets[i].name;
	*out = names;
	*n = m->ntargets;
	return 0;
}

/* verify: flake.lock pins what the manifest recorded, and is the file
 * the manifest was made with. */
static int check_pins(struct release *r, struct xerr *err)
{
	struct buf first = BUF_INIT;
	const char *want = r->manifest->flake_lock_sha256,
		   *now = r->proj.lock_sha256;
	int bad = project_check_pins(&r->pins, &first, &r->proj, r->manifest,
				     err);

	if (bad > 0)
		xerr_set(err, XPIN_CHECK_FAILED, "%s", buf_cstr(&first));
	buf_release(&first);
	if (bad)
		return -1;
	if (strcmp(want, now))
		return xerr_set(err, XPIN_CHECK_FAILED,
				!want[0] ? "xpin.lock was made without a flake.lock, but there is one now"
				: !now[0] ? "xpin.lock was made with a flake.lock, but there is none now"
				: "flake.lock is not the one xpin.lock was made with (sha256 %.16s..., recorded %.16s...): an input it does not pin, or how one is written, has changed; run 'xpin lock'",
				now, want);
	return 0;
}

/* verify: the manifest was made at the commit checked, or before it on
 * the same line of history. A manifest of another branch, of a later
 * commit, or of no commit at all describes something else. */
static int check_commit(const struct release *r, const struct release_opts *o,
			struct xerr *err)
{
	const struct gitrepo_commit *c = o->commit;
	const char *made = r->manifest->commit;
	struct gitrepo *repo;
	uint64_t ahead = 0;
	int ret;

	if (!c && r->proj.has_head)
		c = &r->proj.head;
	if (!c || (made && !strcmp(made, c->rev)))
		return 0;
	if (!made)
		return xerr_set(err, XPIN_CHECK_FAILED,
				"xpin.lock was made outside git, but %.12s is checked; run 'xpin lock'",
				c->rev);
	/* The project's own repository is open already. */
	repo = !o->repo && r->proj.repo ? r->proj.repo
					: gitrepo_open(o->repo ? o->repo : o->dir, err);
	if (!repo)
		return -1;
	/* Commits of `made` that `c` does not have: none for an ancestor. */
	ret = gitrepo_count_between(&ahead, repo, c->rev, made, err);
	if (repo != r->proj.repo)
		gitrepo_free(repo);
	if (ret < 0)
		return xerr_set(err, XPIN_CHECK_FAILED,
				"xpin.lock was made at commit %.12s, which this repository does not have",
				made);
	if (ahead)
		return xerr_set(err, XPIN_CHECK_FAILED,
				"xpin.lock was made at commit %.12s, which is not %.12s or an ancestor of it",
				made, c->rev);
	return 0;
}

/* verify: the target is the one the manifest signed. */
static int check_target(const struct config_target *t,
			const struct manifest_target *rec, struct xerr *err)
{
	const char *what = !util_str_eq(t->attr, rec->attr) ? "attr"
			   : !util_str_eq(t->command, rec->command) ? "command"
			   : !util_str_eq(t->triple, rec->triple) ? "triple" : NULL;

	if (!what)
		return 0;
	return xerr_set(err, XPIN_CHECK_FAILED,
			"target '%s': its %s in xpin.json is not the one xpin.lock signed; run 'xpin lock'",
			t->name, what);
}

/* Each selected target's manifest entry and policy. */
static int prepare_targets(struct release *r, const struct config_target **sel,
			   const struct release_opts *o, struct xerr *err)
{
	size_t i;

	r->t = calloc(r->n + 1, sizeof(*r->t));
	if (!r->t)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = 0; i < r->n; i++) {
		struct release_target *t = &r->t[i];

		t->target = sel[i];
		if (project_policy(&t->pol, t->target, err) < 0)
			return -1;
		if (o->mode == RELEASE_VERIFY) {
			t->prev = manifest_target_find(r->manifest, t->target->name);
			if (!t->prev)
				return xerr_set(err, XPIN_CHECK_FAILED,
						"target '%s' is not in xpin.lock; run 'xpin lock'",
						t->target->name);
			if (check_target(t->target, t->prev, err) < 0)
				return -1;
		} else if (t->target->command && !r->proj.has_head && !o->commit) {
			return xerr_set(err, XPIN_USAGE,
					"target '%s' is built from the commit's tree, but this is not a git repository with a commit",
					t->target->name);
		}
	}
	return 0;
}

/* The targets o names (verify: none names the manifest's), selected and
 * prepared into r->t. */
static int select_targets(struct release *r, const struct release_opts *o,
			  struct xerr *err)
{
	const struct config_target **sel = NULL;
	char **all = NULL;
	char *const *names = o->names;
	size_t nnames = o->nnames;
	int ret = -1;

	if (o->mode == RELEASE_VERIFY && !nnames) {
		if (manifest_names(&all, &nnames, r->manifest, err) < 0)
			goto out;
		names = all;
	}
	if (project_select(&sel, &r->n, &r->proj, names, nnames, err) < 0 ||
	    prepare_targets(r, sel, o, err) < 0)
		goto out;
	ret = 0;
out:
	free(all);
	free(sel);
	return ret;
}

/* verify --no-build: the outputs present, read on a thread of their own
 * (build_present_scan) while release_open waits for git. */
static void *scan_thread(void *arg)
{
	struct release *r = arg;
	size_t i;

	for (i = 0; i < r->n; i++)
		build_present_scan(&r->t[i].res, r->t[i].target, r->t[i].prev,
				   &r->t[i].pol);
	return NULL;
}

static void scan_join(struct release *r)
{
	if (r->scanning)
		pthread_join(r->scan_th, NULL);
	r->scanning = false;
}

int release_open(struct release *r, const struct manifest *manifest,
		 const struct release_opts *o, struct xerr *err)
{
	struct xerr sel_err = XERR_INIT;
	bool early = o->mode == RELEASE_VERIFY && o->nobuild;
	int sel = 0, ret = -1;

	r->manifest = manifest;
	if (project_open_files(&r->proj, o->dir, o->config, err) < 0)
		goto out;
	r->have_proj = true;
	/* A check of what is present selects its targets before git has
	 * answered (a verify's selection needs none of it) and reads their
	 * outputs meanwhile; an error of the selection is still told after
	 * those of git, the pins and the commit, as before. */
	if (early) {
		sel = select_targets(r, o, &sel_err);
		if (sel == 0)
			r->scanning = pthread_create(&r->scan_th, NULL,
						     scan_thread, r) == 0;
	}
	if (project_open_git(&r->proj, o->dir, err) < 0)
		goto out;
	if (o->mode == RELEASE_VERIFY &&
	    (check_pins(r, err) < 0 || check_commit(r, o, err) < 0))
		goto out;
	if (early && sel < 0) {
		*err = sel_err;
		goto out;
	}
	if (!early && select_targets(r, o, err) < 0)
		goto out;
	ret = 0;
out:
	/* Nothing read is judged when the check stops here. */
	if (ret < 0)
		scan_join(r);
	return ret;
}

struct nixver {
	struct buf *out;
	struct xerr err;
	int ret;
};

/* `nix --version` runs beside the builds rather than before them. */
static void *nix_version_thread(void *arg)
{
	struct nixver *v = arg;

	v->ret = nix_version_text(v->out, &v->err);
	return NULL;
}

/* The verdict of a target that built. A check's differences are the
 * artifacts that do not match the manifest, and those a rebuild changed
 * although the store matched. */
static int judge(struct release_target *t, enum release_mode mode)
{
	const struct manifest_target *rec = &t->res.rec;
	const struct manifest_strings *between = &rec->differs;
	size_t i;

	if (t->res.failed) {
		t->verdict = t->res.failed;
		return 0;
	}
	if (mode == RELEASE_VERIFY &&
	    manifest_diff(&t->differs, &t->prev->artifacts, &rec->artifacts,
			  false) < 0)
		return -1;
	/* The same outputs from another derivation are another release. */
	if (mode == RELEASE_VERIFY && t->prev->drv_path && rec->drv_path &&
	    strcmp(t->prev->drv_path, rec->drv_path))
		snprintf(t->changed, sizeof(t->changed),
			 "the flake gives %.280s, xpin.lock has %.280s",
			 rec->drv_path, t->prev->drv_path);
	for (i = 0; i < between->n; i++)
		if (manifest_strings_add(&t->differs, between->v[i]) < 0)
			return -1;
	if (mode == RELEASE_LOCK)
		t->verdict = rec->reproducible && !rec->nwarn
				     ? XPIN_OK : XPIN_CHECK_FAILED;
	else
		t->verdict = t->differs.n || rec->nwarn || t->changed[0] ||
				     !rec->reproducible
				     ? XPIN_CHECK_FAILED : XPIN_OK;
	return 0;
}

static void build_opts_for(struct build_opts *bo, const struct release *r,
			   const struct release_opts *o)
{
	const struct gitrepo_commit *c = o->commit;

	if (!c && r->proj.has_head)
		c = &r->proj.head;
	*bo = (struct build_opts){
		.project = o->dir,
		.path_env = o->path_env,
		.commit = c ? c->rev : NULL,
		.commit_time = c ? c->time : 0,
		.progress = o->progress,
		.progress_ctx = o->progress_ctx,
		.repo = o->repo,
		.stores = o->stores,
		.nstores = o->nstores,
	};
	if (!o->nstores && o->mode == RELEASE_LOCK) {
		bo->stores = r->proj.cfg.rebuild_on;
		bo->nstores = r->proj.cfg.nrebuild_on;
	}
}

/* The evaluation cache for o, into c (its project folder made absolute
 * into *abs, the caller's): only a check of what is present, at the
 * project's own HEAD, in a work tree Nix sees as that commit. */
static bool eval_cache_for(struct evalcache *c, char **abs,
			   const struct release *r, const struct release_opts *o)
{
	if (!o->nobuild || !o->eval_cache || !o->nix_identity || o->commit ||
	    !r->proj.clean || !(*abs = realpath(o->dir, NULL)))
		return false;
	*c = (struct evalcache){ o->eval_cache, *abs, r->proj.head.rev,
				 r->proj.lock_sha256, o->nix_identity };
	return true;
}

/* What Nix evaluated goes into the cache, unless the project changed
 * meanwhile: the key would not say what Nix read. A cache that cannot
 * be written is left as it is; the check itself was made. */
static void eval_cache_store(const struct release *r,
			     const struct release_opts *o,
			     const struct evalcache *c)
{
	struct xerr ignored = XERR_INIT;
	bool any = false, same = false;
	size_t i;

	for (i = 0; i < r->n; i++)
		any |= r->t[i].res.eval_key[0] != '\0';
	if (!any || project_unchanged(&same, &r->proj, o->dir, &ignored) < 0 ||
	    !same)
		return;
	for (i = 0; i < r->n; i++)
		if (r->t[i].res.eval_key[0] && r->t[i].res.rec.drv_path)
			evalcache_put(c->root, r->t[i].res.eval_key,
				      r->t[i].res.rec.drv_path, &ignored);
}

int release_build(struct release *r, const struct release_opts *o,
		  struct xerr *err)
{
	struct build_opts bo;
	struct build_logs logs = BUILD_LOGS_INIT;
	struct build_job *jobs = calloc(r->n + 1, sizeof(*jobs));
	struct nixver nv = { &r->nix_version, XERR_INIT, 0 };
	struct evalcache ec;
	char *abs = NULL;
	pthread_t vth;
	bool any_nix = false, started = false, kept = false, oom = false;
	size_t i;

	scan_join(r);
	if (!jobs)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = 0; i < r->n; i++) {
		jobs[i] = (struct build_job){ r->t[i].target, r->t[i].prev,
					      &r->t[i].pol, &r->t[i].res };
		any_nix |= r->t[i].target->attr != NULL;
	}
	any_nix &= o->mode == RELEASE_LOCK;
	if (any_nix)
		started = pthread_create(&vth, NULL, nix_version_thread, &nv) == 0;
	if (any_nix && !started)
		nix_version_thread(&nv);
	build_opts_for(&bo, r, o);
	bo.logs = &logs;
	if (eval_cache_for(&ec, &abs, r, o))
		bo.eval_cache = &ec;
	if (o->nobuild)
		build_present_batch(jobs, r->n, &bo);
	build_all(jobs, r->n, o->jobs, o->nobuild ? BUILD_PRESENT
			: o->mode == RELEASE_LOCK ? BUILD_TWICE : BUILD_ONCE, &bo);
	if (started)
		pthread_join(vth, NULL);
	free(jobs);
	if (bo.eval_cache)
		eval_cache_store(r, o, &ec);
	free(abs);
	r->logs = logs.dir;
	pthread_mutex_destroy(&logs.lock);
	if (logs.err.code) {
		/* No folder for the logs: nothing that logs could run. */
		*err = logs.err;
		return -1;
	}
	r->worst = XPIN_OK;
	r->failed = 0;
	r->built = true;
	for (i = 0; i < r->n; i++) {
		const struct release_target *t = &r->t[i];

		oom |= judge(&r->t[i], o->mode) < 0;
		/* The logs are kept when a build failed: they say why. A
		 * target refused for what it gave (XPIN_USAGE) is told in
		 * its one line. */
		kept |= t->res.failed == XPIN_BUILD || t->res.keep;
		if (r->failed < t->res.failed)
			r->failed = t->res.failed;
		if (r->worst < t->verdict)
			r->worst = t->verdict;
	}
	if (!kept && r->logs.len) {
		util_rmtree(r->logs.data);
		buf_release(&r->logs);
	} else if (r->logs.len) {
		util_keep_temp(r->logs.data);
	}
	if (oom)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	if (!kept && any_nix && nv.ret < 0) {
		*err = nv.err;
		err->code = XPIN_BUILD;
		return -1;
	}
	return r->worst;
}

int release_manifest(struct manifest *out, const struct release *r,
		     const struct manifest *old, struct xerr *err)
{
	const struct manifest_target **built = calloc(r->n + 1, sizeof(*built));
	size_t i;
	int ret;

	if (!built)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = 0; i < r->n; i++)
		built[i] = &r->t[i].res.rec;
	ret = project_manifest(out, &r->proj, built, r->n,
			       r->nix_version.len ? r->nix_version.data : NULL,
			       old, err);
	free(built);
	return ret;
}

static json_t *names_json(const struct manifest_strings *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n; i++)
		json_array_append_new(a, json_string(s->v[i]));
	return a;
}

json_t *release_report(const struct release *r, enum release_mode mode)
{
	json_t *rep = json_object();
	size_t i;

	for (i = 0; rep && r->built && i < r->n; i++) {
		const struct release_target *t = &r->t[i];
		json_t *o;

		if (mode == RELEASE_LOCK)
			o = json_pack("{s:b, s:o, s:I, s:o}", "reproducible",
				      t->res.rec.reproducible, "differs",
				      names_json(&t->differs), "warnings",
				      (json_int_t)t->res.rec.nwarn, "builds",
				      manifest_builds_json(&t->res.rec));
		else if (t->res.failed)
			o = json_pack("{s:b, s:s}", "ok", 0, "error",
				      t->res.err.msg);
		else
			o = json_pack("{s:b, s:o, s:I, s:s?, s:o}", "ok",
				      t->verdict == XPIN_OK, "differs",
				      names_json(&t->differs), "warnings",
				      (json_int_t)t->res.rec.nwarn, "derivation",
				      t->changed[0] ? t->changed : NULL, "builds",
				      manifest_builds_json(&t->res.rec));
		json_object_set_new(rep, t->target->name, o);
	}
	return rep;
}

void release_release(struct release *r)
{
	size_t i;

	scan_join(r);
	for (i = 0; r->t && i < r->n; i++) {
		build_result_release(&r->t[i].res);
		manifest_strings_release(&r->t[i].differs);
	}
	free(r->t);
	json_decref(r->pins);
	buf_release(&r->logs);
	buf_release(&r->nix_version);
	if (r->have_proj)
		project_release(&r->proj);
	*r = (struct release)RELEASE_INIT;
}

int release_signed_manifest(struct manifest *out, struct sign_sig *sig,
			    const char *text, size_t len, const char *sigtext,
			    size_t siglen, const struct sign_pub *pub,
			    struct xerr *err)
{
	memset(out, 0, sizeof(*out));
	if (sign_sig_parse(sig, sigtext, siglen, "xpin.lock.minisig", err) < 0 ||
	    sign_verify(sig, pub, text, len, SIGN_PREHASHED_ONLY, err) < 0) {
		err->code = XPIN_SIGNATURE;
		return -1;
	}
	return manifest_parse(out, text, len, "xpin.lock", err);
}
