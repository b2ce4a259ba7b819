/* project: config, flake.lock, git state, policies, manifest assembly. */
#include "project.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flakelock.h"
#include "hash.h"

int project_open(struct project *p, const char *dir, const char *config,
		 struct xerr *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct gitrepo *repo = NULL;
	unsigned char d[32];
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
	path.len = 0;
	buf_printf(&path, "%s/flake.lock", dir);
	if (access(path.data, F_OK) == 0) {
		if (util_read_file(&text, path.data, 64u << 20, err) < 0)
			goto out;
		p->lock = flakelock_load(text.data, text.len, "flake.lock", err);
		if (!p->lock)
			goto out;
		hash_sha256(d, text.data, text.len);
		hash_hex(p->lock_sha256, d, 32);
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
	repo = gitrepo_open(dir, NULL);
	if (repo) {
		/* What xpin lock writes does not make the tree dirty. */
		static const char *const outputs[] = { "xpin.lock",
						       "xpin.lock.minisig", NULL };
		struct xerr e2 = XERR_INIT;
		p->has_head = gitrepo_head_state(&p->head, &p->dirty, repo,
						 outputs, &e2) == 0;
	}
	ret = 0;
out:
	gitrepo_free(repo);
	buf_release(&path);
	buf_release(&text);
	if (ret < 0)
		project_release(p);
	return ret;
}

void project_release(struct project *p)
{
	config_release(&p->cfg);
	flakelock_free(p->lock);
	memset(p, 0, sizeof(*p));
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
	if (t->triple) {
		if (elf_target_parse(&out->target, t->triple, err) < 0)
			return -1;
		out->elf.target = &out->target;
	}
	return 0;
}

int project_check_pins(json_t **report, struct buf *first,
		       const struct project *p, const json_t *manifest,
		       struct xerr *err)
{
	json_t *want = json_object_get(manifest, "inputs"), *now = NULL, *v;
	const char *name;
	char **names;
	size_t n = 0;
	int bad = 0;

	*report = json_array();
	if (!json_object_size(want))
		return 0;
	if (!p->lock) {
		buf_printf(first, "xpin.lock pins %zu inputs, but there is no flake.lock",
			   json_object_size(want));
		return (int)json_object_size(want);
	}
	names = calloc(json_object_size(want) + 1, sizeof(*names));
	if (!names)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	json_object_foreach((json_t *)want, name, v)
		names[n++] = (char *)name;
	if (manifest_inputs(&now, p->lock, names, n, err) < 0) {
		/* An input the manifest pins is gone from flake.lock. */
		buf_printf(first, "%s", err->msg);
		free(names);
		return 1;
	}
	free(names);
	json_object_foreach((json_t *)want, name, v) {
		json_t *cur = json_object_get(now, name);
		bool same = json_equal(v, cur);
		const char *r1 = json_string_value(json_object_get(v, "rev"));
		const char *r2 = json_string_value(json_object_get(cur, "rev"));

		json_array_append_new(*report, json_pack("{s:s, s:b, s:O, s:O}",
			"input", name, "ok", same, "locked", v,
			"current", cur ? cur : json_null()));
		if (same)
			continue;
		if (!bad++)
			buf_printf(first,
				   "input '%s' is pinned to %s in flake.lock, but xpin.lock has %s",
				   name, r2 ? r2 : "something else", r1 ? r1 : "no rev");
	}
	json_decref(now);
	return bad;
}

json_t *project_compare(const struct build_result *r, const json_t *prev)
{
	json_t *diff = manifest_diff(json_object_get(prev, "artifacts"),
				     r->artifacts, NULL), *v;
	size_t i;

	json_array_foreach(r->differs, i, v) {
		size_t k;
		bool seen = false;
		for (k = 0; k < json_array_size(diff); k++)
			seen |= json_equal(json_array_get(diff, k), v);
		if (!seen)
			json_array_append(diff, v);
	}
	return diff;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *project_target_json(const struct build_result *r)
{
	const struct config_target *t = r->target;
	json_t *o;

	o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:O, s:o, s:o, s:O, s:o}",
		      "builder", r->builder,
		      "attr", str_or_null(t->attr),
		      "command", str_or_null(t->command),
		      "triple", str_or_null(t->triple),
		      "drvPath", str_or_null(r->drv_path),
		      "reproducible", r->reproducible,
		      "differs", r->differs,
		      "narHash", str_or_null(r->nar_hash),
		      "outputs", r->outputs ? json_incref(r->outputs) : json_null(),
		      "artifacts", r->artifacts,
		      "policy", json_pack("{s:b, s:I}", "ok", r->nwarn == 0,
					  "warnings", (json_int_t)r->nwarn));
	if (o)
		json_object_set(o, "variations",
				r->variations ? r->variations : json_null());
	return o;
}

json_t *project_manifest(const struct project *p, const struct build_result *r,
			 size_t n, const char *nix_version, const json_t *old,
			 struct xerr *err)
{
	json_t *m, *targets = json_object(), *inputs = NULL, *v;
	const char *k;
	size_t i;

	if (p->lock && manifest_inputs(&inputs, p->lock, p->cfg.pins,
				       p->cfg.npins, err) < 0) {
		json_decref(targets);
		return NULL;
	}
	/* Targets still in xpin.json but not rebuilt this time keep their
	 * previous record. */
	json_object_foreach(json_object_get(old, "targets"), k, v)
		if (config_find(&p->cfg, k))
			json_object_set(targets, k, v);
	for (i = 0; i < n; i++)
		json_object_set_new(targets, r[i].target->name,
				    project_target_json(&r[i]));
	m = json_pack("{s:i, s:{s:o, s:b}, s:o, s:o, s:o, s:o}",
		      "format", MANIFEST_FORMAT,
		      "project", "commit",
		      p->has_head ? json_string(p->head.rev) : json_null(),
		      "dirty", p->dirty,
		      "flakeLock", p->lock_sha256[0]
			      ? json_pack("{s:s}", "sha256", p->lock_sha256)
			      : json_null(),
		      "inputs", inputs ? inputs : json_object(),
		      "nix", nix_version ? json_pack("{s:s}", "version", nix_version)
					 : json_null(),
		      "targets", targets);
	if (!m)
		xerr_set(err, XPIN_USAGE, "out of memory");
	return m;
}
