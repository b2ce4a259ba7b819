/* build: nix and command builders, twice, with logs and timeouts. */
#define _GNU_SOURCE
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "gitrepo.h"
#include "hash.h"
#include "nar.h"
#include "nix.h"
#include "store.h"

static void progress(const struct build_opts *o, const char *target,
		     const char *what)
{
	if (o->progress)
		o->progress(o->progress_ctx, target, what);
}

/* The logs' folder, made on first use: its path, or NULL with r->err. */
static const char *log_dir(struct build_result *r, const struct build_opts *o)
{
	struct build_logs *l = o->logs;
	const char *dir = NULL;

	pthread_mutex_lock(&l->lock);
	if (!l->dir.len && !l->err.code &&
	    util_mkdtemp(&l->dir, "xpin-logs", &l->err) < 0)
		buf_release(&l->dir);
	if (l->dir.len)
		dir = l->dir.data;
	else
		r->err = l->err;
	pthread_mutex_unlock(&l->lock);
	return dir;
}

static int open_log(struct build_result *r, const struct build_opts *o,
		    const char *suffix)
{
	const char *dir = log_dir(r, o);
	int fd;

	if (!dir)
		return -1;
	snprintf(r->log, sizeof(r->log), "%s/%s.%s.log", dir, r->target->name,
		 suffix);
	/* The folder is xpin's own (0700) and fresh: a file already there,
	 * or a link, is not ours to write through. */
	fd = open(r->log, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		xerr_set(&r->err, XPIN_BUILD, "cannot write the log '%s': %s",
			 r->log, strerror(errno));
	return fd;
}

static int fail(struct build_result *r, int code)
{
	r->failed = code ? code : XPIN_BUILD;
	r->err.code = r->failed;
	return -1;
}

/* Run argv, logging to a fresh log; stdout captured in out when given. */
static int run(struct build_result *r, const struct build_opts *o,
	       const char *suffix, const char *const *argv, const char *cwd,
	       const char *const *env, int um, struct buf *out, int *status)
{
	struct util_proc p = { argv, cwd, env, -1, out, r->target->timeout, um };
	int fd = open_log(r, o, suffix), ret;

	if (fd < 0)
		return fail(r, XPIN_BUILD);
	p.log_fd = fd;
	ret = util_spawn(status, &p, &r->err);
	close(fd);
	if (ret < 0) {
		char msg[sizeof(r->err.msg)];
		snprintf(msg, sizeof(msg), "%.600s (log: %.300s)", r->err.msg, r->log);
		xerr_set(&r->err, XPIN_BUILD, "target '%s': %s", r->target->name, msg);
		return fail(r, XPIN_BUILD);
	}
	return 0;
}

static int cmp_output(const void *a, const void *b)
{
	return strcmp(((const struct manifest_output *)a)->name,
		      ((const struct manifest_output *)b)->name);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Artifacts of every output: keys are paths inside the output, prefixed
 * with the output's name when it is not "out". With nar_hash, the NAR hash
 * of the output "out" too (SRI, malloc'd into *nar_hash; NULL when there
 * is no such output), from the same reads. */
static int scan_outputs(struct manifest_artifacts *arts, char **nar_hash,
			const struct manifest_target *rec, const char *suffix,
			const struct manifest_policy *pol, size_t *nwarn,
			struct xerr *err)
{
	size_t i;

	for (i = 0; i < rec->noutputs; i++) {
		const struct manifest_output *out = &rec->outputs[i];
		bool is_out = !strcmp(out->name, "out");
		struct buf path = BUF_INIT;
		unsigned char d[32];
		char sri[52];
		int ret;

		buf_printf(&path, "%s%s", out->path, suffix);
		ret = nar_hash && is_out
			      ? manifest_add_path_nar(arts, d, "", path.data, pol,
						      nwarn, err)
			      : manifest_add_path(arts, is_out ? "" : out->name,
						  path.data, pol, nwarn, err);
		buf_release(&path);
		if (ret < 0)
			return -1;
		if (nar_hash && is_out) {
			hash_sri_sha256(sri, d);
			free(*nar_hash);
			if (!(*nar_hash = strdup(sri)))
				return xerr_set(err, XPIN_USAGE, "out of memory");
		}
	}
	return 0;
}

/* The outputs nix build --json names ({"out": PATH, ...}), as recorded. */
static int set_outputs(struct manifest_target *rec, const json_t *outputs)
{
	const char *name;
	json_t *v;

	rec->has_outputs = true;
	rec->outputs = calloc(json_object_size(outputs) + 1, sizeof(*rec->outputs));
	if (!rec->outputs)
		return -1;
	json_object_foreach((json_t *)outputs, name, v) {
		struct manifest_output *o = &rec->outputs[rec->noutputs];

		if (!json_is_string(v))
			continue;
		o->name = strdup(name);
		o->path = strdup(json_string_value(v));
		rec->noutputs++;
		if (!o->name || !o->path)
			return -1;
	}
	qsort(rec->outputs, rec->noutputs, sizeof(*rec->outputs), cmp_output);
	return 0;
}

/* A copy of what the manifest recorded of the outputs. */
static int copy_outputs(struct manifest_target *rec,
			const struct manifest_target *prev)
{
	size_t i;

	rec->has_outputs = true;
	rec->outputs = calloc(prev->noutputs + 1, sizeof(*rec->outputs));
	if (!rec->outputs)
		return -1;
	for (i = 0; i < prev->noutputs; i++, rec->noutputs++) {
		rec->outputs[i].name = strdup(prev->outputs[i].name);
		rec->outputs[i].path = strdup(prev->outputs[i].path);
		if (!rec->outputs[i].name || !rec->outputs[i].path)
			return -1;
	}
	return 0;
}

static int nix_ref(struct buf *ref, const struct build_opts *o,
		   const struct config_target *t)
{
	return buf_printf(ref, "%s#%s", o->project, t->attr);
}

/* Run nix with args for r's target, logging to a fresh log; with doc,
 * its JSON answer there, with out its output. -1 with r->err (not yet
 * failed: a rebuild that kept a differing output is no failure) and
 * *status when it ran. */
static int run_nix(struct build_result *r, const struct build_opts *o,
		   const char *suffix, const char *const *args,
		   const char *what, json_t **doc, struct buf *out, int *status)
{
	struct nix_cmd c = { args, what, out, -1, r->target->timeout, 0, "" };
	struct xerr e = XERR_INIT;
	int fd = open_log(r, o, suffix), ret = 0;

	*status = -1;
	if (fd < 0)
		return -1;
	c.log_fd = fd;
	if (doc)
		ret = (*doc = nix_run_json(&c, &e)) ? 0 : -1;
	else
		ret = nix_run(&c, &e);
	close(fd);
	*status = c.status;
	if (ret < 0)
		xerr_set(&r->err, XPIN_BUILD, "target '%s': %.600s (log: %.300s)",
			 r->target->name, e.msg, r->log);
	return ret;
}

/* `nix build --json`: drvPath and outputs of the (maybe cached) build. */
static int nix_build(struct build_result *r, const struct build_opts *o,
		     const char *suffix)
{
	struct buf ref = BUF_INIT, what = BUF_INIT;
	json_t *doc = NULL, *first;
	int status, ret = -1;
	const char *args[] = { "build", "--no-link", "--json", "-L", NULL, NULL };

	nix_ref(&ref, o, r->target);
	args[4] = ref.data;
	buf_printf(&what, "nix build %s", ref.data);
	if (run_nix(r, o, suffix, args, what.data, &doc, NULL, &status) < 0) {
		fail(r, XPIN_BUILD);
		goto out;
	}
	first = json_array_get(doc, 0);
	if (!json_is_string(json_object_get(first, "drvPath")) ||
	    !json_is_object(json_object_get(first, "outputs"))) {
		xerr_set(&r->err, XPIN_BUILD,
			 "target '%s': nix build --json gave no drvPath and outputs (log: %s)",
			 r->target->name, r->log);
		fail(r, XPIN_BUILD);
		goto out;
	}
	r->rec.drv_path = strdup(json_string_value(json_object_get(first, "drvPath")));
	if (!r->rec.drv_path || set_outputs(&r->rec, json_object_get(first, "outputs")) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		fail(r, XPIN_USAGE);
		goto out;
	}
	ret = 0;
out:
	json_decref(doc);
	buf_release(&ref);
	buf_release(&what);
	return ret;
}

/* `nix build --rebuild --keep-failed`: 0 when Nix found the same bytes,
 * 1 when it kept a differing ".check" output, -1 when it failed. */
static int nix_rebuild(struct build_result *r, const struct build_opts *o)
{
	struct buf ref = BUF_INIT, what = BUF_INIT;
	const char *args[] = { "build", "--rebuild", "--keep-failed",
			       "--no-link", "-L", NULL, NULL };
	int status, ret = 0;
	size_t i;
	bool kept = false;

	nix_ref(&ref, o, r->target);
	args[5] = ref.data;
	buf_printf(&what, "nix build --rebuild %s", ref.data);
	if (run_nix(r, o, "rebuild", args, what.data, NULL, NULL, &status) == 0)
		goto out;
	for (i = 0; status > 0 && i < r->rec.noutputs; i++) {
		struct buf check = BUF_INIT;
		buf_printf(&check, "%s.check", r->rec.outputs[i].path);
		kept |= exists(check.data);
		buf_release(&check);
	}
	if (kept) {
		r->err = (struct xerr)XERR_INIT;
		ret = 1;
	} else {
		ret = fail(r, XPIN_BUILD);
	}
out:
	buf_release(&ref);
	buf_release(&what);
	return ret;
}

/* Why two builds differ, in diff's short form, into r->why. prefix
 * names what a and b are within the target (NULL: the whole output). */
static void explain(struct build_result *r, const char *a, const char *b,
		    const char *prefix)
{
	struct diff_report d;
	struct xerr e = XERR_INIT;
	struct buf s = BUF_INIT;
	const char *line, *nl;

	if (diff_paths(&d, a, b, &e) < 0)
		return;
	diff_summary(&s, &d, 8);
	for (line = buf_cstr(&s); *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		buf_printf(&r->why, "%s%s%.*s\n", prefix ? prefix : "",
			   prefix ? ": " : "",
			   nl ? (int)(nl - line) : (int)strlen(line), line);
		if (!nl)
			break;
	}
	buf_release(&s);
	diff_report_release(&d);
}

/* t's derivation in the evaluation cache: 1 with it in out, else 0;
 * key gets its key there ("" without a cache). */
static int cached_drv(char key[65], struct buf *out,
		      const struct config_target *t, const struct build_opts *o)
{
	struct buf attr = BUF_INIT;
	struct xerr ignored = XERR_INIT;
	int ret = 0;

	key[0] = '\0';
	if (!o->eval_cache || buf_printf(&attr, "%s.drvPath", t->attr) < 0)
		goto out;
	evalcache_key(key, o->eval_cache, attr.data);
	ret = evalcache_get(out, o->eval_cache->root, key, &ignored) == 1;
out:
	buf_release(&attr);
	return ret;
}

/* The derivation the flake gives the target now (nix eval, which builds
 * nothing), into r->rec.drv_path: build_present_batch's answer when it
 * gave one, else from the evaluation cache when it has it, else from Nix
 * (and r->eval_key says where it belongs). */
static int nix_drv_path(struct build_result *r, const struct build_opts *o)
{
	struct buf ref = BUF_INIT, what = BUF_INIT, out = BUF_INIT;
	const char *args[] = { "eval", "--raw", NULL, NULL };
	char key[65];
	int status, ret = -1;

	if (r->batch_drv) {
		r->rec.drv_path = r->batch_drv;
		r->batch_drv = NULL;
		return 0;
	}
	if (cached_drv(key, &out, r->target, o)) {
		if (!(r->rec.drv_path = strdup(out.data))) {
			xerr_set(&r->err, XPIN_USAGE, "out of memory");
			fail(r, XPIN_USAGE);
			goto out;
		}
		ret = 0;
		goto out;
	}
	nix_ref(&ref, o, r->target);
	buf_puts(&ref, ".drvPath");
	args[2] = ref.data;
	buf_printf(&what, "nix eval %s", ref.data);
	if (run_nix(r, o, "eval", args, what.data, NULL, &out, &status) < 0) {
		fail(r, XPIN_BUILD);
		goto out;
	}
	if (!out.len || !(r->rec.drv_path = strdup(buf_cstr(&out)))) {
		xerr_set(&r->err, XPIN_BUILD, "target '%s': %s printed no path",
			 r->target->name, what.data);
		fail(r, XPIN_BUILD);
		goto out;
	}
	/* Only what looks like a derivation path is worth keeping. */
	if (key[0] && evalcache_drv_ok(out.data, out.len))
		memcpy(r->eval_key, key, sizeof(key));
	ret = 0;
out:
	buf_release(&ref);
	buf_release(&what);
	buf_release(&out);
	return ret;
}

/* verify --no-build: the outputs the manifest recorded, as they are. */
static int present_outputs(struct build_result *r,
			   const struct manifest_target *prev,
			   const struct manifest_policy *pol)
{
	size_t i;

	if (!prev || !prev->noutputs) {
		xerr_set(&r->err, XPIN_USAGE,
			 "target '%s': the manifest records no output paths",
			 r->target->name);
		return fail(r, XPIN_USAGE);
	}
	for (i = 0; i < prev->noutputs; i++)
		if (!exists(prev->outputs[i].path)) {
			xerr_set(&r->err, XPIN_USAGE,
				 "target '%s': output %s is not in the store (build it, or drop --no-build)",
				 r->target->name, prev->outputs[i].path);
			return fail(r, XPIN_USAGE);
		}
	if (copy_outputs(&r->rec, prev) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		return fail(r, XPIN_USAGE);
	}
	r->rec.reproducible = true;
	/* The artifacts are what is compared; no build is recorded, so the
	 * output's NAR hash would be read for nothing. */
	if (scan_outputs(&r->rec.artifacts, NULL, &r->rec, "", pol,
			 &r->rec.nwarn, &r->err) < 0)
		return fail(r, XPIN_USAGE);
	return 0;
}

/* verify --no-build: the outputs (unless build_present_scan read them
 * already), then the derivation the flake gives now. */
static int nix_present(struct build_result *r, const struct manifest_target *prev,
		       const struct manifest_policy *pol,
		       const struct build_opts *o)
{
	if (!r->scanned && present_outputs(r, prev, pol) < 0)
		return -1;
	if (r->failed)
		return -1;
	return nix_drv_path(r, o);
}

/* Nix kept a differing .check output: what differs, and why. */
static int nix_check_differs(struct build_result *r,
			     const struct manifest_policy *pol)
{
	struct manifest_artifacts check = { NULL, 0 };
	size_t i, ignored = 0;
	int ret = 0;

	r->nix_differs = true;
	if (scan_outputs(&check, NULL, &r->rec, ".check", pol, &ignored,
			 &r->err) < 0 ||
	    manifest_diff(&r->rec.differs, &r->rec.artifacts, &check, true) < 0)
		ret = fail(r, XPIN_USAGE);
	manifest_artifacts_release(&check);
	/* verify then compares both the output in the store and the rebuild
	 * (through differs) with the manifest. */
	for (i = 0; ret == 0 && i < r->rec.noutputs; i++) {
		const struct manifest_output *out = &r->rec.outputs[i];
		struct buf path = BUF_INIT;

		buf_printf(&path, "%s.check", out->path);
		explain(r, out->path, path.data,
			strcmp(out->name, "out") ? out->name : NULL);
		buf_release(&path);
	}
	return ret;
}

#define MAX_OUTPUTS 10

/* The outputs' store paths, in the record's order. */
static int out_paths(struct build_result *r, const char **paths)
{
	size_t i;

	if (r->rec.noutputs > MAX_OUTPUTS) {
		xerr_set(&r->err, XPIN_USAGE, "target '%s': more than %d outputs",
			 r->target->name, MAX_OUTPUTS);
		return fail(r, XPIN_USAGE);
	}
	for (i = 0; i < r->rec.noutputs; i++)
		paths[i] = r->rec.outputs[i].path;
	return 0;
}

/* r->err, which says what failed, as the target's failure with code. */
static int target_fail(struct build_result *r, int code)
{
	char msg[sizeof(r->err.msg)];

	xerr_format(msg, sizeof(msg), &r->err);
	xerr_set(&r->err, code, "target '%s': %.600s (log: %.300s)",
		 r->target->name, msg, r->log);
	return fail(r, code);
}

/* The NAR hash of path (SRI) into sri. */
static int nar_sri(struct build_result *r, const char *path, char sri[52])
{
	unsigned char d[32];

	if (nar_hash_path(d, path, &r->err) < 0)
		return fail(r, XPIN_USAGE);
	hash_sri_sha256(sri, d);
	return 0;
}

/* Where build 1's outputs came from: *sub stays empty when this
 * machine's Nix built them; else it names the cache, from the build's
 * log (build_log) or the signature's key. */
static int local_origin(struct build_result *r, const struct build_opts *o,
			const char *build_log, struct buf *sub)
{
	const char *paths[MAX_OUTPUTS];
	struct store_info info[MAX_OUTPUTS];
	struct store_run s = { NULL, -1, r->target->timeout };
	struct buf log = BUF_INIT;
	struct xerr e = XERR_INIT;
	bool substituted = false;
	size_t i, n = r->rec.noutputs;
	int ret;

	if (out_paths(r, paths) < 0 || (s.log_fd = open_log(r, o, "origin")) < 0)
		return fail(r, XPIN_BUILD);
	ret = store_path_info(info, paths, n, &s, &r->err);
	close(s.log_fd);
	if (ret < 0)
		return target_fail(r, XPIN_BUILD);
	for (i = 0; i < n; i++)
		substituted |= !info[i].ultimate;
	if (!substituted)
		return 0;
	if (util_read_file(&log, build_log, 64u << 20, &e) == 0)
		for (i = 0; !sub->len && i < n; i++)
			store_substituted_from(sub, buf_cstr(&log), paths[i]);
	for (i = 0; !sub->len && i < n; i++)
		if (info[i].signer[0])
			buf_printf(sub, "unknown (signed by %s)", info[i].signer);
	if (!sub->len)
		buf_puts(sub, "unknown");
	buf_release(&log);
	return 0;
}

/* Run nix with args in s's log; on failure r->err says "WHAT failed:
 * REASON" and *reason holds Nix's reason. */
static int nix_in_log(struct build_result *r, const struct store_run *s,
		      const char *const *args, const char *what, char *reason,
		      size_t nreason)
{
	struct nix_cmd c = { args, what, NULL, s->log_fd, s->timeout, 0, "" };
	int ret = nix_run(&c, &r->err);

	snprintf(reason, nreason, "%s", c.reason);
	return ret;
}

/* What differs between this machine's outputs and store's copies of
 * them under root: the artifacts (into r->rec.differs, with both
 * sha256s in r->why) and diff's account of why. */
static int explain_store(struct build_result *r, const char *store,
			 const char *root, const struct manifest_policy *pol)
{
	struct manifest_artifacts there = { NULL, 0 };
	struct manifest_strings names = { NULL, 0 };
	struct buf path = BUF_INIT, prefix = BUF_INIT;
	size_t i, ignored = 0;
	int ret = -1;

	for (i = 0; i < r->rec.noutputs; i++) {
		const struct manifest_output *out = &r->rec.outputs[i];

		path.len = prefix.len = 0;
		buf_printf(&path, "%s%s", root, out->path);
		buf_printf(&prefix, "on %s%s%s", store, strcmp(out->name, "out") ? ": " : "",
			   strcmp(out->name, "out") ? out->name : "");
		if (manifest_add_path(&there, strcmp(out->name, "out") ? out->name : "",
				      path.data, pol, &ignored, &r->err) < 0)
			goto out;
		explain(r, out->path, path.data, prefix.data);
	}
	if (manifest_diff(&names, &r->rec.artifacts, &there, true) < 0)
		goto out;
	for (i = 0; i < names.n; i++) {
		const struct manifest_artifact *a =
			manifest_artifact_find(&r->rec.artifacts, names.v[i]);
		const struct manifest_artifact *b =
			manifest_artifact_find(&there, names.v[i]);

		buf_printf(&r->why, "on %s: artifact '%s': sha256 %s here, %s there\n",
			   store, names.v[i], a ? a->sha256 : "(none)",
			   b ? b->sha256 : "(none)");
		if (manifest_strings_add(&r->rec.differs, names.v[i]) < 0)
			goto out;
	}
	buf_printf(&r->why, "on %s: its output is copied to %s (compare with 'xpin diff')\n",
		   store, root);
	ret = 0;
out:
	manifest_artifacts_release(&there);
	manifest_strings_release(&names);
	buf_release(&path);
	buf_release(&prefix);
	return ret < 0 ? fail(r, XPIN_USAGE) : 0;
}

/* One more build of the target on the k-th other store: reachable, built
 * there (again, when it held the output already or substituted it), its
 * NAR hashes compared with this machine's, and on a difference copied
 * back and explained. The build record says which. */
static int build_on(struct build_result *r, const struct build_opts *o,
		    size_t k, const struct manifest_policy *pol)
{
	const char *store = o->stores[k], *paths[MAX_OUTPUTS];
	struct store_info before[MAX_OUTPUTS], after[MAX_OUTPUTS];
	struct store_run s = { store, -1, r->target->timeout };
	struct buf ver = BUF_INIT, ref = BUF_INIT, what = BUF_INIT, root = BUF_INIT;
	char suffix[32], reason[512], sri[52], *nar = NULL;
	bool again = false, agrees = true, self = false;
	size_t i, n = r->rec.noutputs;
	int ret = -1;

	snprintf(suffix, sizeof(suffix), "on%zu", k + 1);
	if (out_paths(r, paths) < 0 || (s.log_fd = open_log(r, o, suffix)) < 0)
		return fail(r, XPIN_BUILD);
	if (store_ping(&ver, &s, &r->err) < 0 ||
	    store_path_info(before, paths, n, &s, &r->err) < 0) {
		target_fail(r, XPIN_BUILD);
		goto out;
	}
	nix_ref(&ref, o, r->target);
	buf_printf(&what, "the build on %s", store);
	{
		const char *args[] = { "build", "--no-link", "-L", "--eval-store",
				       "auto", "--store", store, ref.data, NULL };
		if (nix_in_log(r, &s, args, what.data, reason, sizeof(reason)) < 0) {
			target_fail(r, XPIN_BUILD);
			goto out;
		}
	}
	if (store_path_info(after, paths, n, &s, &r->err) < 0) {
		target_fail(r, XPIN_BUILD);
		goto out;
	}
	for (i = 0; i < n; i++)
		again |= before[i].valid || !after[i].ultimate;
	if (again) {
		const char *args[] = { "build", "--rebuild", "--no-link", "-L",
				       "--eval-store", "auto", "--store", store,
				       ref.data, NULL };
		/* It held the output already, or a cache gave it: build. */
		buf_printf(&what, " (again)");
		if (nix_in_log(r, &s, args, what.data, reason, sizeof(reason)) < 0) {
			if (!strstr(reason, "may not be deterministic")) {
				target_fail(r, XPIN_BUILD);
				goto out;
			}
			r->err = (struct xerr)XERR_INIT;
			self = true;
			buf_printf(&r->why, "on %s: a build there differs from the output it held: %s\n",
				   store, reason);
		}
	}
	for (i = 0; i < n; i++) {
		if (nar_sri(r, paths[i], sri) < 0)
			goto out;
		agrees &= !strcmp(sri, after[i].nar_hash);
		if (!strcmp(r->rec.outputs[i].name, "out"))
			nar = after[i].nar_hash;
	}
	if (manifest_add_build(&r->rec, store, ver.len ? ver.data : NULL, NULL,
			       nar, agrees && !self) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		fail(r, XPIN_USAGE);
		goto out;
	}
	if (!agrees) {
		/* The log opened above made the folder. */
		buf_printf(&root, "%s/%s.%s.store", o->logs->dir.data,
			   r->target->name, suffix);
		if (store_copy_back(paths, n, root.data, &s, &r->err) < 0) {
			target_fail(r, XPIN_BUILD);
			goto out;
		}
		r->keep = true;
		if (explain_store(r, store, root.data, pol) < 0)
			goto out;
	}
	r->rec.reproducible &= agrees && !self;
	ret = 0;
out:
	close(s.log_fd);
	buf_release(&ver);
	buf_release(&ref);
	buf_release(&what);
	buf_release(&root);
	return ret;
}

/* Build 1 as recorded: here, or substituted from a cache. */
static int record_first(struct build_result *r, const struct build_opts *o,
			const char *build_log, bool *substituted)
{
	struct buf sub = BUF_INIT;
	int ret = local_origin(r, o, build_log, &sub);

	*substituted = sub.len != 0;
	if (ret == 0 && manifest_add_build(&r->rec, "local", NULL,
					   sub.len ? sub.data : NULL,
					   r->rec.nar_hash, true) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		ret = fail(r, XPIN_USAGE);
	}
	buf_release(&sub);
	return ret;
}

/* nix build --rebuild here: 0 the same bytes, 1 a differing .check kept
 * (explained), -1 failed; recorded as a local build. */
static int rebuild_here(struct build_result *r, const struct build_opts *o,
			const struct manifest_policy *pol)
{
	struct buf check = BUF_INIT;
	char sri[52] = "";
	size_t i;
	int rb = nix_rebuild(r, o);

	if (rb < 0)
		return -1;
	for (i = 0; rb == 1 && i < r->rec.noutputs; i++)
		if (!strcmp(r->rec.outputs[i].name, "out")) {
			buf_printf(&check, "%s.check", r->rec.outputs[i].path);
			if (exists(check.data) && nar_sri(r, check.data, sri) < 0)
				rb = -1;
		}
	buf_release(&check);
	if (rb < 0)
		return -1;
	if (manifest_add_build(&r->rec, "local", NULL, NULL,
			       rb == 0 ? r->rec.nar_hash : sri[0] ? sri : NULL,
			       rb == 0) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		return fail(r, XPIN_USAGE);
	}
	r->rec.reproducible = rb == 0;
	return rb == 1 ? nix_check_differs(r, pol) : 0;
}

/*
 * lock: build 1, then build 2 here (nix build --rebuild) or, with other
 * stores, one build on each. verify: one real build here: when the
 * output was already in the store, or a cache gave it, a rebuild; then
 * one more on each other store.
 */
static int build_nix(struct build_result *r, enum build_mode mode,
		     const struct manifest_target *prev,
		     const struct manifest_policy *pol,
		     const struct build_opts *o)
{
	bool present = prev && prev->noutputs, substituted, here;
	char build_log[sizeof(r->log)];
	size_t i;

	if (mode == BUILD_PRESENT)
		return nix_present(r, prev, pol, o);
	/* verify: a real build, even when the output is already there. */
	for (i = 0; prev && i < prev->noutputs; i++)
		present &= exists(prev->outputs[i].path);
	progress(o, r->target->name, mode == BUILD_TWICE ? "build 1/2" : "build");
	if (nix_build(r, o, "build") < 0)
		return -1;
	snprintf(build_log, sizeof(build_log), "%s", r->log);
	if (scan_outputs(&r->rec.artifacts, &r->rec.nar_hash, &r->rec, "", pol,
			 &r->rec.nwarn, &r->err) < 0)
		return fail(r, XPIN_USAGE);
	if (record_first(r, o, build_log, &substituted) < 0)
		return -1;
	r->rec.reproducible = true;
	here = mode == BUILD_TWICE ? o->nstores == 0 : present || substituted;
	if (here) {
		progress(o, r->target->name,
			 mode == BUILD_TWICE ? "build 2/2" : "rebuild");
		if (rebuild_here(r, o, pol) < 0)
			return -1;
	}
	for (i = 0; i < o->nstores; i++) {
		progress(o, r->target->name, o->stores[i]);
		if (build_on(r, o, i, pol) < 0)
			return -1;
	}
	return 0;
}

/* A command target's artifact art, read inside root only (a link on
 * the way is refused), into arts; an error names the target.
 * MANIFEST_ABSENT when nothing is there. */
static int add_artifact(struct build_result *r,
			struct manifest_artifacts *arts, const char *root,
			const char *art, const struct manifest_policy *pol,
			size_t *nwarn)
{
	char msg[sizeof(r->err.msg)];
	int ret = manifest_add_inside(arts, root, art, pol, nwarn, &r->err);

	if (ret < 0 && ret != MANIFEST_ABSENT) {
		xerr_format(msg, sizeof(msg), &r->err);
		xerr_set(&r->err, XPIN_USAGE, "target '%s': %.900s",
			 r->target->name, msg);
	}
	return ret;
}

/* The two command builds differ in everything a build should not depend on. */
static const struct variation {
	const char *dir;     /* folder shape under the temporary folder */
	const char *tz, *lc_all;
	int umask;
} variations[2] = {
	{ "src", "UTC", "C", 022 },
	{ "build-b/a/longer/path/src", "Pacific/Kiritimati", "C.UTF-8", 077 },
};

/* Build in a fresh temporary folder, which *keep gets (the caller
 * removes it); the tree is at keep/variations[which].dir. */
static int run_command(struct build_result *r, const struct build_opts *o,
		       int which, struct manifest_artifacts *arts,
		       const struct manifest_policy *pol, size_t *nwarn,
		       struct buf *keep)
{
	const struct variation *v = &variations[which];
	struct buf tmp = BUF_INIT, src = BUF_INIT, home = BUF_INIT, tdir = BUF_INIT;
	struct buf e_path = BUF_INIT, e_home = BUF_INIT, e_tz = BUF_INIT,
		   e_lc = BUF_INIT, e_sde = BUF_INIT, e_tmp = BUF_INIT;
	struct gitrepo *repo = NULL;
	const char *argv[] = { "/bin/sh", "-c", r->target->command, NULL };
	char suffix[24];
	size_t i;
	int status = 0, ret = -1;

	if (util_mkdtemp(&tmp, "xpin-build", &r->err) < 0) {
		fail(r, XPIN_BUILD);
		goto out;
	}
	buf_printf(&src, "%s/%s", tmp.data, v->dir);
	buf_printf(&home, "%s/home", tmp.data);
	buf_printf(&tdir, "%s/tmp", tmp.data);
	if (mkdir(home.data, 0700) < 0 || mkdir(tdir.data, 0700) < 0) {
		xerr_set(&r->err, XPIN_BUILD, "cannot make folders in %s", tmp.data);
		fail(r, XPIN_BUILD);
		goto out;
	}
	repo = gitrepo_open(o->repo ? o->repo : o->project, &r->err);
	if (!repo || util_mkdir_p(src.data, &r->err) < 0 ||
	    gitrepo_export(repo, o->commit, src.data, 0, &r->err) < 0) {
		char msg[sizeof(r->err.msg)];
		xerr_format(msg, sizeof(msg), &r->err);
		xerr_set(&r->err, XPIN_BUILD, "target '%s': %.900s",
			 r->target->name, msg);
		fail(r, XPIN_BUILD);
		goto out;
	}
	buf_printf(&e_path, "PATH=%s", o->path_env ? o->path_env : "/usr/bin:/bin");
	buf_printf(&e_home, "HOME=%s", home.data);
	buf_printf(&e_tz, "TZ=%s", v->tz);
	buf_printf(&e_lc, "LC_ALL=%s", v->lc_all);
	buf_printf(&e_sde, "SOURCE_DATE_EPOCH=%lld", (long long)o->commit_time);
	buf_printf(&e_tmp, "TMPDIR=%s", tdir.data);
	{
		const char *env[] = { e_path.data, e_home.data, e_tz.data,
				      e_lc.data, e_sde.data, e_tmp.data, NULL };
		snprintf(suffix, sizeof(suffix), "build%d", which + 1);
		if (run(r, o, suffix, argv, src.data, env, v->umask, NULL,
			&status) < 0)
			goto out;
	}
	if (status != 0) {
		xerr_set(&r->err, XPIN_BUILD,
			 "target '%s': '%s' failed (exit %d; log: %s)",
			 r->target->name, r->target->command, status, r->log);
		fail(r, XPIN_BUILD);
		goto out;
	}
	for (i = 0; i < r->target->nartifacts; i++) {
		int added = add_artifact(r, arts, src.data,
					 r->target->artifacts[i], pol, nwarn);

		if (added == MANIFEST_ABSENT) {
			xerr_set(&r->err, XPIN_BUILD,
				 "target '%s': the build left no '%s' (log: %s)",
				 r->target->name, r->target->artifacts[i], r->log);
			fail(r, XPIN_BUILD);
			goto out;
		}
		if (added < 0) {
			fail(r, XPIN_USAGE);
			goto out;
		}
	}
	ret = 0;
out:
	gitrepo_free(repo);
	if (tmp.data)
		buf_puts(keep, tmp.data);
	buf_release(&tmp);
	buf_release(&src);
	buf_release(&home);
	buf_release(&tdir);
	buf_release(&e_path);
	buf_release(&e_home);
	buf_release(&e_tz);
	buf_release(&e_lc);
	buf_release(&e_sde);
	buf_release(&e_tmp);
	return ret;
}

/* verify --no-build: the artifacts as they are in the work tree. */
static int command_present(struct build_result *r,
			   const struct manifest_policy *pol,
			   const struct build_opts *o)
{
	size_t i;

	r->rec.reproducible = true;
	for (i = 0; i < r->target->nartifacts; i++) {
		int added = add_artifact(r, &r->rec.artifacts, o->project,
					 r->target->artifacts[i], pol,
					 &r->rec.nwarn);

		if (added == MANIFEST_ABSENT)
			xerr_set(&r->err, XPIN_USAGE,
				 "target '%s': artifact '%s' is not present (build it, or drop --no-build)",
				 r->target->name, r->target->artifacts[i]);
		if (added < 0)
			return fail(r, XPIN_USAGE);
	}
	return 0;
}

/* What the builds varied, as the manifest records it. */
static int record_variations(struct manifest_target *rec, size_t n,
			     int64_t commit_time)
{
	size_t i;

	rec->has_variations = true;
	rec->variations = calloc(n, sizeof(*rec->variations));
	if (!rec->variations)
		return -1;
	for (i = 0; i < n; i++, rec->nvariations++) {
		struct manifest_variation *v = &rec->variations[i];
		v->build_dir = strdup(variations[i].dir);
		v->tz = strdup(variations[i].tz);
		v->lc_all = strdup(variations[i].lc_all);
		v->umask = strdup(i == 0 ? "022" : "077");
		v->source_date_epoch = commit_time;
		if (!v->build_dir || !v->tz || !v->lc_all || !v->umask)
			return -1;
	}
	return 0;
}

static int build_command(struct build_result *r, enum build_mode mode,
			 const struct manifest_policy *pol,
			 const struct build_opts *o)
{
	struct manifest_artifacts second = { NULL, 0 };
	struct buf dir[2] = { BUF_INIT, BUF_INIT };
	size_t i, ignored = 0;
	int ret = -1;

	if (mode == BUILD_PRESENT)
		return command_present(r, pol, o);
	if (record_variations(&r->rec, mode == BUILD_TWICE ? 2 : 1,
			      o->commit_time) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		return fail(r, XPIN_USAGE);
	}
	progress(o, r->target->name, mode == BUILD_TWICE ? "build 1/2" : "build");
	if (run_command(r, o, 0, &r->rec.artifacts, pol, &r->rec.nwarn, &dir[0]) < 0)
		goto out;
	r->rec.reproducible = true;
	ret = 0;
	if (mode != BUILD_TWICE)
		goto out;
	progress(o, r->target->name, "build 2/2");
	ret = -1;
	if (run_command(r, o, 1, &second, pol, &ignored, &dir[1]) < 0)
		goto out;
	if (manifest_diff(&r->rec.differs, &r->rec.artifacts, &second, true) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		fail(r, XPIN_USAGE);
		goto out;
	}
	r->rec.reproducible = r->rec.differs.n == 0;
	for (i = 0; i < r->rec.differs.n; i++) {
		const char *a = r->rec.differs.v[i];
		struct buf pa = BUF_INIT, pb = BUF_INIT;
		buf_printf(&pa, "%s/%s/%s", dir[0].data, variations[0].dir, a);
		buf_printf(&pb, "%s/%s/%s", dir[1].data, variations[1].dir, a);
		explain(r, pa.data, pb.data, NULL);
		buf_release(&pa);
		buf_release(&pb);
	}
	ret = 0;
out:
	for (i = 0; i < 2; i++) {
		if (dir[i].data)
			util_rmtree(dir[i].data);
		buf_release(&dir[i]);
	}
	manifest_artifacts_release(&second);
	return ret;
}

/* The target's own part of its record. */
static int record_target(struct manifest_target *rec,
			 const struct config_target *t)
{
	bool ok = (rec->name = strdup(t->name)) != NULL;

	ok &= (rec->builder = strdup(t->attr ? "nix" : "command")) != NULL;
	if (ok && t->attr)
		ok = (rec->attr = strdup(t->attr)) != NULL;
	if (ok && t->command)
		ok = (rec->command = strdup(t->command)) != NULL;
	if (ok && t->triple)
		ok = (rec->triple = strdup(t->triple)) != NULL;
	return ok ? 0 : -1;
}

int build_target(struct build_result *r, const struct config_target *t,
		 enum build_mode mode, const struct manifest_target *prev,
		 const struct manifest_policy *pol, const struct build_opts *o)
{
	struct build_opts oo = *o;
	int ret;

	/* A check rebuilds a command target as the lock built it: at the
	 * SOURCE_DATE_EPOCH it recorded and signed, not at the commit that
	 * added xpin.lock later. */
	if (mode != BUILD_TWICE && prev && prev->has_variations &&
	    prev->nvariations)
		oo.commit_time = prev->variations[0].source_date_epoch;
	if (mode == BUILD_PRESENT && r->scanned && r->target == t) {
		/* build_present_scan began the record. */
		ret = nix_present(r, prev, pol, o);
		progress(o, t->name, ret < 0 ? "failed" : "done");
		return ret;
	}
	memset(r, 0, sizeof(*r));
	r->target = t;
	if (record_target(&r->rec, t) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		ret = fail(r, XPIN_USAGE);
	} else {
		ret = t->attr ? build_nix(r, mode, prev, pol, o)
			      : build_command(r, mode, pol, &oo);
	}
	progress(o, t->name, ret < 0 ? "failed" : "done");
	return ret;
}

int build_present_scan(struct build_result *r, const struct config_target *t,
		       const struct manifest_target *prev,
		       const struct manifest_policy *pol)
{
	memset(r, 0, sizeof(*r));
	r->target = t;
	if (!t->attr)
		return 0;
	r->scanned = true;
	if (record_target(&r->rec, t) < 0) {
		xerr_set(&r->err, XPIN_USAGE, "out of memory");
		return fail(r, XPIN_USAGE);
	}
	return present_outputs(r, prev, pol);
}

void build_result_release(struct build_result *r)
{
	free(r->batch_drv);
	buf_release(&r->why);
	manifest_target_release(&r->rec);
	memset(r, 0, sizeof(*r));
}

void build_present_batch(const struct build_job *jobs, size_t n,
			 const struct build_opts *o)
{
	const char **args = calloc(n + 4, sizeof(*args));
	struct buf *refs = calloc(n + 1, sizeof(*refs)), out = BUF_INIT;
	size_t *which = calloc(n + 1, sizeof(*which));
	struct nix_cmd c = { NULL, "nix build --dry-run --json", NULL, -1, 0, 0, "" };
	struct xerr ignored = XERR_INIT;
	json_t *doc = NULL;
	size_t i, k = 0;
	bool k_done = false;

	if (!args || !refs || !which)
		goto out;
	args[0] = "build";
	args[1] = "--dry-run";
	args[2] = "--json";
	for (i = 0; i < n; i++) {
		struct build_result *r = jobs[i].res;

		/* a target whose outputs were not read first is left to
		 * build_target, which starts its record afresh */
		if (!jobs[i].target->attr || !r->scanned || r->failed)
			continue;
		if (cached_drv(r->eval_key, &out, jobs[i].target, o)) {
			r->batch_drv = strdup(out.data);
			r->eval_key[0] = '\0';
			continue;
		}
		if (nix_ref(&refs[k], o, jobs[i].target) < 0) {
			r->eval_key[0] = '\0';
			goto out;
		}
		/* the longest time one of them may take, none if one has none */
		if (!k || (c.timeout && (!jobs[i].target->timeout ||
					 jobs[i].target->timeout > c.timeout)))
			c.timeout = jobs[i].target->timeout;
		args[3 + k] = refs[k].data;
		which[k++] = i;
	}
	/* one target gains nothing from it */
	if (k < 2)
		goto out;
	c.args = args;
	doc = nix_run_json(&c, &ignored);
	if (!json_is_array(doc) || json_array_size(doc) != k)
		goto out;
	for (i = 0; i < k; i++) {
		const char *d = json_string_value(
			json_object_get(json_array_get(doc, i), "drvPath"));

		if (!d || !evalcache_drv_ok(d, strlen(d)))
			goto out;
	}
	for (i = 0; i < k; i++) {
		struct build_result *r = jobs[which[i]].res;

		r->batch_drv = strdup(json_string_value(
			json_object_get(json_array_get(doc, i), "drvPath")));
		if (!r->batch_drv)
			r->eval_key[0] = '\0';
	}
	k_done = true;
out:
	/* the targets Nix did not answer ask on their own, and key their
	 * answers then */
	for (i = 0; !k_done && which && i < k; i++)
		jobs[which[i]].res->eval_key[0] = '\0';
	buf_release(&out);
	json_decref(doc);
	for (i = 0; refs && i < k; i++)
		buf_release(&refs[i]);
	free(refs);
	free(which);
	free(args);
}

struct pool {
	pthread_mutex_t lock;
	size_t next, n;
	const struct build_job *jobs;
	enum build_mode mode;
	const struct build_opts *o;
};

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		const struct build_job *j;
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		j = &p->jobs[i];
		build_target(j->res, j->target, p->mode, j->prev, j->pol, p->o);
	}
}

void build_all(const struct build_job *jobs, size_t n, unsigned parallel,
	       enum build_mode mode, const struct build_opts *o)
{
	struct pool p = { PTHREAD_MUTEX_INITIALIZER, 0, n, jobs, mode, o };
	pthread_t th[64];
	unsigned i, started = 0;

	if (parallel < 1)
		parallel = 1;
	if (parallel > 64)
		parallel = 64;
	if (parallel > n)
		parallel = (unsigned)n;
	for (i = 1; i < parallel; i++)
		if (pthread_create(&th[started], NULL, worker, &p) == 0)
			started++;
	worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}
