/* project: config, flake.lock, git state, policies, manifest assembly. */
#include "project.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flakelock.h"
#include "hash.h"

/* HEAD and whether the work tree is dirty, and clean. A folder that is
 * not a git repository has neither; one that is but cannot be read is an
 * error, not a project without a commit. */
static int git_state(struct project *p, const char *dir, struct xerr *err)
{
	/* What xpin lock writes does not make the tree dirty. */
	static const char *const outputs[] = { "xpin.lock", "xpin.lock.minisig",
					       NULL };
	struct buf dotgit = BUF_INIT;
	struct gitrepo *repo;
	struct stat st;
	bool is_repo, changed = false;
	int ret = 0;

	buf_printf(&dotgit, "%s/.git", dir);
	is_repo = lstat(buf_cstr(&dotgit), &st) == 0;
	buf_release(&dotgit);
	if (!is_repo)
		return 0;
	repo = gitrepo_open(dir, err);
	if (!repo)
		return -1;
	/* Nothing changed at all is the common case, and one look; only a
	 * changed tree is looked at again for what is not xpin's own. */
	if (gitrepo_head_state(&p->head, &changed, repo, NULL, err) == 0) {
		p->has_head = true;
		p->clean = !changed;
		if (changed &&
		    gitrepo_head_state(&p->head, &p->dirty, repo, outputs, err) < 0)
			ret = -1;
	} else if (!gitrepo_head_unborn(repo)) {
		ret = -1;
	}
	if (ret == 0)
		p->repo = repo;
	else
		gitrepo_free(repo);
	return ret;
}

/* The sha256 (hex) of dir's flake.lock into out, "" when there is none;
 * its text into text when given. */
static int lock_state(char out[65], struct buf *text, const char *dir,
		      struct xerr *err)
{
	struct buf path = BUF_INIT, own = BUF_INIT;
	unsigned char d[32];
	int ret = 0;

	if (!text)
		text = &own;
	out[0] = '\0';
	buf_printf(&path, "%s/flake.lock", dir);
	if (access(path.data, F_OK) == 0) {
		ret = util_read_file(text, path.data, 64u << 20, err);
		if (ret == 0) {
			hash_sha256(d, text->data, text->len);
			hash_hex(out, d, 32);
		}
	}
	buf_release(&path);
	buf_release(&own);
	return ret;
}

int project_open_files(struct project *p, const char *dir,
		       const char *config, struct xerr *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	size_t i;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	if (config)
		buf_puts(&path, config);
	else
		buf_printf(&path, "%s/xpin.json", dir);
	if (config_load(&p->cfg, path.data, err) < 0) {
		if (!config && access(path.data, F_OK) < 0)
			xerr_hint(err, "write one, or draft it with 'xpin init'");
		goto out;
	}
	if (lock_state(p->lock_sha256, &text, dir, err) < 0)
		goto out;
	if (p->lock_sha256[0]) {
		p->lock = flakelock_load(text.data, text.len, "flake.lock", err);
		if (!p->lock)
			goto out;
	}
	for (i = 0; i < p->cfg.npins; i++) {
		struct flakelock_pin pin;
		if (!p->lock) {
			xerr_set(err, XPIN_USAGE,
				 "xpin.json pins '%s', but there is no flake.lock",
				 p->cfg.pins[i]);
			goto out;
		}
		if (flakelock_find(&pin, p->lock, p->cfg.pins[i], err) < 0)
			goto out;
		flakelock_pin_release(&pin);
	}
	ret = 0;
out:
	buf_release(&path);
	buf_release(&text);
	if (ret < 0)
		project_release(p);
	return ret;
}

int project_open_git(struct project *p, const char *dir, struct xerr *err)
{
	return git_state(p, dir, err);
}

int project_open(struct project *p, const char *dir, const char *config,
		 struct xerr *err)
{
	if (project_open_files(p, dir, config, err) < 0)
		return -1;
	if (project_open_git(p, dir, err) < 0) {
		project_release(p);
		return -1;
	}
	return 0;
}

void project_release(struct project *p)
{
	config_release(&p->cfg);
	flakelock_free(p->lock);
	gitrepo_free(p->repo);
	memset(p, 0, sizeof(*p));
}

int project_unchanged(bool *same, const struct project *p, const char *dir,
		      struct xerr *err)
{
	struct project now;
	char sha[65];
	int ret = -1;

	memset(&now, 0, sizeof(now));
	*same = false;
	if (lock_state(sha, NULL, dir, err) < 0 || git_state(&now, dir, err) < 0)
		goto out;
	*same = !strcmp(sha, p->lock_sha256) && now.has_head == p->has_head &&
		now.clean == p->clean &&
		(!p->has_head || !strcmp(now.head.rev, p->head.rev));
	ret = 0;
out:
	gitrepo_free(now.repo);
	return ret;
}

int project_select(const struct config_target ***out, size_t *nout,
		   const struct project *p, char *const *names, size_t n,
		   struct xerr *err)
{
	const struct config_target **v;
	size_t i, count = n ? n : p->cfg.ntargets;

	v = calloc(count + 1, sizeof(*v));
	if (!v)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = 0; i < count; i++) {
		v[i] = n ? config_find(&p->cfg, names[i]) : &p->cfg.targets[i];
		if (!v[i]) {
			struct buf known = BUF_INIT;
			size_t k;
			for (k = 0; k < p->cfg.ntargets; k++)
				buf_printf(&known, "%s%s", k ? ", " : "",
					   p->cfg.targets[k].name);
			xerr_set(err, XPIN_USAGE, "no target '%s' in xpin.json (targets: %s)",
				 names[i], buf_cstr(&known));
			buf_release(&known);
			free(v);
			return -1;
		}
	}
	*out = v;
	*nout = count;
	return 0;
}

int project_policy(struct manifest_policy *out, const struct config_target *t,
		   struct xerr *err)
{
	memset(out, 0, sizeof(*out));
	out->elf.glibc_max = t->glibc_max;
	out->elf.allow_nix_store = t->allow_nix_store;
	out->elf.allow_execstack = t->allow_execstack;
	out->linkage = (const char *const *)t->linkage;
	out->nlinkage = t->nlinkage;
	out->elf.libc = (const char *const *)t->libc;
	out->elf.nlibc = t->nlibc;
	if (t->triple) {
		if (elf_target_parse(&out->target, t->triple, err) < 0)
			return -1;
		out->has_target = true;
	}
	return 0;
}

/* One line on how input cur in flake.lock differs from want, recorded. */
static void pin_change(struct buf *out, const struct manifest_input *want,
		       const struct manifest_input *cur)
{
	const char *p = want->path;

	if (!util_str_eq(want->rev, cur->rev))
		buf_printf(out, "input '%s' is pinned to %s in flake.lock, but xpin.lock has %s",
			   p, cur->rev ? cur->rev : "something else",
			   want->rev ? want->rev : "no rev");
	else if (!util_str_eq(want->nar_hash, cur->nar_hash))
		buf_printf(out, "input '%s': flake.lock has narHash %s, but xpin.lock has %s (the same rev)",
			   p, cur->nar_hash ? cur->nar_hash : "none",
			   want->nar_hash ? want->nar_hash : "none");
	else if (!util_str_eq(want->follows, cur->follows))
		buf_printf(out, "input '%s' follows %s in flake.lock, but %s in xpin.lock",
			   p, cur->follows ? cur->follows : "nothing",
			   want->follows ? want->follows : "nothing");
	else
		buf_printf(out, "input '%s' is locked otherwise in flake.lock than in xpin.lock (its source, ref or lastModified; the same rev)",
			   p);
}

int project_check_pins(json_t **report, struct buf *first,
		       const struct project *p, const struct manifest *m,
		       struct xerr *err)
{
	struct manifest_input *now = NULL;
	char **names;
	size_t n = 0, i;
	int bad = 0;

	*report = json_array();
	if (!m->ninputs)
		return 0;
	if (!p->lock) {
		buf_printf(first, "xpin.lock pins %zu inputs, but there is no flake.lock",
			   m->ninputs);
		return (int)m->ninputs;
	}
	names = calloc(m->ninputs + 1, sizeof(*names));
	if (!names)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = 0; i < m->ninputs; i++)
		names[i] = m->inputs[i].path;
	if (manifest_inputs(&now, &n, p->lock, names, m->ninputs, err) < 0) {
		/* An input the manifest pins is gone from flake.lock. */
		buf_printf(first, "%s", err->msg);
		free(names);
		return 1;
	}
	free(names);
	/* Both lists are sorted by path and hold the same paths. */
	for (i = 0; i < m->ninputs; i++) {
		const struct manifest_input *want = &m->inputs[i], *cur = &now[i];
		bool same = manifest_input_equal(want, cur);

		json_array_append_new(*report, json_pack("{s:s, s:b, s:o, s:o}",
			"input", want->path, "ok", same,
			"locked", manifest_input_json(want),
			"current", manifest_input_json(cur)));
		if (same)
			continue;
		if (!bad++)
			pin_change(first, want, cur);
	}
	manifest_inputs_free(now, n);
	return bad;
}

int project_manifest(struct manifest *out, const struct project *p,
		     const struct manifest_target *const *built, size_t n,
		     const char *nix_version, const struct manifest *old,
		     struct xerr *err)
{
	struct manifest_target t = { 0 };
	size_t i;

	memset(out, 0, sizeof(*out));
	if (p->lock && manifest_inputs(&out->inputs, &out->ninputs, p->lock,
				       p->cfg.pins, p->cfg.npins, err) < 0)
		return -1;
	out->dirty = p->dirty;
	memcpy(out->flake_lock_sha256, p->lock_sha256, sizeof(p->lock_sha256));
	if ((p->has_head && !(out->commit = strdup(p->head.rev))) ||
	    (nix_version && !(out->nix_version = strdup(nix_version))))
		goto nomem;
	/* Targets still in xpin.json but not rebuilt this time keep their
	 * previous record. */
	for (i = 0; old && i < old->ntargets; i++)
		if (config_find(&p->cfg, old->targets[i].name) &&
		    (manifest_target_copy(&t, &old->targets[i]) < 0 ||
		     manifest_put_target(out, &t) < 0))
			goto nomem;
	for (i = 0; i < n; i++)
		if (manifest_target_copy(&t, built[i]) < 0 ||
		    manifest_put_target(out, &t) < 0)
			goto nomem;
	return 0;
nomem:
	manifest_target_release(&t);
	manifest_release(out);
	return xerr_set(err, XPIN_USAGE, "out of memory");
}
