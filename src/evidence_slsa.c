/* evidence_slsa: SLSA Provenance v1 in DSSE envelopes. */
#include "evidence_slsa.h"

#include <stdlib.h>
#include <string.h>

#include "evidence_sums.h"
#include "hash.h"

static int nomem(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

/* obj[key] = v, taking v; false when v is NULL or the set fails. */
static bool put(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

/* obj[key] = s when s is set (an absent field, as the specs read
 * unset, null and empty alike). */
static bool put_str(json_t *obj, const char *key, const char *s)
{
	return !s || put(obj, key, json_string(s));
}

/* A narHash ("sha256-" and base64) as hex, into out; false when it is
 * not a SHA-256 SRI. */
static bool nar_hex(char out[65], const char *sri)
{
	unsigned char d[HASH_SHA256_LEN];

	if (!sri || strncmp(sri, "sha256-", 7) ||
	    hash_unbase64(d, sizeof(d), sri + 7) < 0)
		return false;
	hash_hex(out, d, sizeof(d));
	return true;
}

/* A git revision's type: a revision of these is a commit id. */
static bool git_rev(const struct manifest_input *in)
{
	static const char *const types[] = { "git", "github", "gitlab",
					     "sourcehut" };
	size_t i, n = in->rev ? strlen(in->rev) : 0;

	if ((n != 40 && n != 64) || !util_is_hex(in->rev, n) || !in->type)
		return false;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(in->type, types[i]))
			return true;
	return false;
}

/* The input as a Nix flake reference without its revision:
 * "github:NixOS/nixpkgs", "git+https://...", "path:/...", or the
 * tarball's own URL. */
static json_t *input_uri(const struct manifest_input *in)
{
	struct buf u = BUF_INIT;
	const char *t = in->type ? in->type : "";
	json_t *j;
	int ret;

	if (!in->source)
		return NULL;
	if (!strcmp(t, "github") || !strcmp(t, "gitlab") ||
	    !strcmp(t, "sourcehut") || !strcmp(t, "path") ||
	    !strcmp(t, "indirect"))
		ret = buf_printf(&u, "%s:%s", t, in->source);
	else if ((!strcmp(t, "git") || !strcmp(t, "hg")) &&
		 strncmp(in->source, t, strlen(t)))
		ret = buf_printf(&u, "%s+%s", t, in->source);
	else
		ret = buf_puts(&u, in->source);
	j = ret < 0 ? NULL : json_string(u.data);
	buf_release(&u);
	return j;
}

/* resolvedDependencies: the project's commit, flake.lock and (nix) each
 * pinned input that is not a follows. */
static json_t *dependencies(const struct manifest *m, bool nix)
{
	json_t *deps = json_array(), *d;
	char hex[65];
	size_t i;
	bool ok = deps != NULL;

	if (ok && m->commit) {
		d = json_pack("{s:s, s:{s:s}, s:{s:b}}", "name", "project",
			      "digest", "gitCommit", m->commit, "annotations",
			      "dirty", m->dirty);
		ok = d && json_array_append_new(deps, d) == 0;
	}
	if (ok && nix && m->flake_lock_sha256[0]) {
		d = json_pack("{s:s, s:{s:s}}", "name", "flake.lock", "digest",
			      "sha256", m->flake_lock_sha256);
		ok = d && json_array_append_new(deps, d) == 0;
	}
	for (i = 0; ok && nix && i < m->ninputs; i++) {
		const struct manifest_input *in = &m->inputs[i];
		json_t *dig = json_object(), *ann = json_object();

		if (in->follows) {
			json_decref(dig);
			json_decref(ann);
			continue;
		}
		d = json_pack("{s:s}", "name", in->path);
		ok = d && dig && ann &&
		     (!git_rev(in) || put_str(dig, "gitCommit", in->rev)) &&
		     (!nar_hex(hex, in->nar_hash) ||
		      put_str(dig, "nixNarSha256", hex)) &&
		     put_str(ann, "type", in->type) &&
		     put_str(ann, "ref", in->ref) &&
		     (git_rev(in) || put_str(ann, "rev", in->rev)) &&
		     (in->last_modified < 0 ||
		      put(ann, "lastModified", json_integer(in->last_modified)));
		if (ok && in->source)
			ok = put(d, "uri", input_uri(in));
		if (ok && json_object_size(dig))
			ok = put(d, "digest", json_incref(dig));
		if (ok && json_object_size(ann))
			ok = put(d, "annotations", json_incref(ann));
		json_decref(dig);
		json_decref(ann);
		ok = ok && json_array_append_new(deps, d) == 0;
		if (!ok)
			json_decref(d);
	}
	if (!ok) {
		json_decref(deps);
		return NULL;
	}
	return deps;
}

static json_t *build_definition(const struct manifest *m,
				const struct manifest_target *t)
{
	bool nix = !strcmp(t->builder, "nix");
	json_t *def = json_object(), *ext = json_object(), *in = json_object();
	json_t *tj = NULL;
	bool ok = def && ext && in;

	ok = ok && put_str(ext, "target", t->name) &&
	     put_str(ext, nix ? "attr" : "command", nix ? t->attr : t->command) &&
	     put_str(ext, "triple", t->triple);
	if (ok && nix) {
		ok = put_str(in, "derivation", t->drv_path);
	} else if (ok && t->has_variations) {
		/* The variations as xpin.lock records them. */
		tj = manifest_target_json(t);
		ok = tj && put(in, "variations",
			       json_incref(json_object_get(tj, "variations")));
	}
	ok = ok && put(def, "buildType", json_string(nix ? EVIDENCE_SLSA_NIX
							 : EVIDENCE_SLSA_COMMAND)) &&
	     put(def, "externalParameters", json_incref(ext)) &&
	     (!json_object_size(in) ||
	      put(def, "internalParameters", json_incref(in))) &&
	     put(def, "resolvedDependencies", dependencies(m, nix));
	json_decref(tj);
	json_decref(ext);
	json_decref(in);
	if (!ok) {
		json_decref(def);
		return NULL;
	}
	return def;
}

/* byproducts: the output's NAR hash (nix), and what the two builds
 * gave: whether they agreed, and the artifacts that differed. */
static json_t *byproducts(const struct manifest_target *t)
{
	json_t *bp = json_array(), *diffs = json_array(), *rebuild, *d;
	char hex[65], *text = NULL, *b64 = NULL;
	size_t i, len;
	bool ok = bp && diffs;

	for (i = 0; ok && i < t->differs.n; i++)
		ok = json_array_append_new(diffs, json_string(t->differs.v[i])) == 0;
	for (i = 0; ok && i < t->noutputs; i++) {
		if (strcmp(t->outputs[i].name, "out") || !nar_hex(hex, t->nar_hash))
			continue;
		d = json_pack("{s:s, s:{s:s}}", "name", t->outputs[i].path,
			      "digest", "nixNarSha256", hex);
		ok = d && json_array_append_new(bp, d) == 0;
	}
	rebuild = ok ? json_pack("{s:i, s:b, s:O}", "builds", 2, "reproducible",
				 t->reproducible, "differs", diffs)
		     : NULL;
	text = rebuild ? json_dumps(rebuild, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(rebuild);
	ok = ok && text;
	if (ok) {
		len = strlen(text);
		ok = (b64 = malloc(4 * ((len + 2) / 3) + 1)) != NULL;
	}
	if (ok) {
		hash_base64(b64, (const unsigned char *)text, len);
		d = json_pack("{s:s, s:s, s:s}", "name", "xpin-rebuild",
			      "mediaType", "application/json", "content", b64);
		ok = d && json_array_append_new(bp, d) == 0;
	}
	free(text);
	free(b64);
	json_decref(diffs);
	if (!ok) {
		json_decref(bp);
		return NULL;
	}
	return bp;
}

static json_t *run_details(const struct manifest *m,
			   const struct manifest_target *t)
{
	json_t *run = json_object(), *builder;
	bool ok;

	builder = json_pack("{s:s}", "id", EVIDENCE_SLSA_BUILDER);
	ok = run && builder;
	/* "nix (Nix) 2.8.0", as nix --version prints it: the version alone. */
	if (ok && !strcmp(t->builder, "nix") && m->nix_version) {
		const char *v = strrchr(m->nix_version, ' ');

		ok = put(builder, "version",
			 json_pack("{s:s}", "nix", v ? v + 1 : m->nix_version));
	}
	ok = ok && put(run, "builder", json_incref(builder)) &&
	     put(run, "byproducts", byproducts(t));
	json_decref(builder);
	if (!ok) {
		json_decref(run);
		return NULL;
	}
	return run;
}

json_t *evidence_slsa_statement(const struct manifest *m,
				const struct manifest_target *t,
				struct xerr *err)
{
	const struct manifest_target *one[] = { t };
	struct evidence_files f = EVIDENCE_FILES_INIT;
	json_t *st = NULL, *subj = json_array(), *pred = json_object();
	size_t i;
	bool ok = subj && pred;

	if (evidence_files_list(&f, one, 1, err) < 0)
		goto out;
	for (i = 0; ok && i < f.n; i++) {
		json_t *s;

		if (f.v[i].a->symlink)
			continue;
		s = json_pack("{s:s, s:{s:s}}", "name", f.v[i].name, "digest",
			      "sha256", f.v[i].a->sha256);
		ok = s && json_array_append_new(subj, s) == 0;
	}
	ok = ok && put(pred, "buildDefinition", build_definition(m, t)) &&
	     put(pred, "runDetails", run_details(m, t));
	if (ok)
		st = json_pack("{s:s, s:O, s:s, s:O}", "_type",
			       "https://in-toto.io/Statement/v1", "subject", subj,
			       "predicateType", "https://slsa.dev/provenance/v1",
			       "predicate", pred);
	if (!st)
		nomem(err);
out:
	evidence_files_release(&f);
	json_decref(subj);
	json_decref(pred);
	return st;
}

int evidence_dsse_pae(struct buf *out, const char *type, const void *body,
		      size_t len)
{
	if (buf_printf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, len) < 0 ||
	    buf_add(out, body, len) < 0)
		return -1;
	return 0;
}

int evidence_slsa_line(struct buf *out, const struct manifest *m,
		       const struct manifest_target *t,
		       const struct sign_secret *sk, const struct sign_pub *pub,
		       struct xerr *err)
{
	struct buf pae = BUF_INIT;
	unsigned char sig[64], pk[32];
	char sig64[89], id[17], *payload = NULL, *p64 = NULL, *line = NULL;
	json_t *st = evidence_slsa_statement(m, t, err), *env = NULL;
	size_t len;
	int ret = -1;

	if (!st)
		goto out;
	if (!(payload = json_dumps(st, JSON_SORT_KEYS | JSON_COMPACT))) {
		nomem(err);
		goto out;
	}
	len = strlen(payload);
	if (evidence_dsse_pae(&pae, EVIDENCE_DSSE_TYPE, payload, len) < 0 ||
	    !(p64 = malloc(4 * ((len + 2) / 3) + 1))) {
		nomem(err);
		goto out;
	}
	if (sign_ed25519(sig, pk, sk, pae.data, pae.len, err) < 0)
		goto out;
	/* The new signature must check with the key xpin.lock verified. */
	if (memcmp(pk, pub->pk, sizeof(pk)) ||
	    !sign_ed25519_check(sig, pub->pk, pae.data, pae.len)) {
		xerr_set(err, XPIN_SIGNATURE,
			 "target '%s': the new DSSE signature does not check with the public key",
			 t->name);
		goto out;
	}
	hash_base64(p64, (const unsigned char *)payload, len);
	hash_base64(sig64, sig, sizeof(sig));
	sign_keyid_hex(id, pub->keyid);
	env = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payload", p64,
			"payloadType", EVIDENCE_DSSE_TYPE, "signatures", "keyid",
			id, "sig", sig64);
	if (!env || !(line = json_dumps(env, JSON_SORT_KEYS | JSON_COMPACT)) ||
	    buf_puts(out, line) < 0 || buf_puts(out, "\n") < 0) {
		nomem(err);
		goto out;
	}
	ret = 0;
out:
	json_decref(st);
	json_decref(env);
	free(payload);
	free(p64);
	free(line);
	buf_release(&pae);
	return ret;
}
