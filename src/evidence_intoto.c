/* evidence_intoto: in-toto 0.9 links and layout over xpin.lock. */
#include "evidence.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

static const char *const keyid_algos[] = { "sha256", "sha512" };

json_t *evidence_intoto_pubkey(const unsigned char pk[32])
{
	char hex[65];
	json_t *algos = json_array();
	size_t i;

	hash_hex(hex, pk, 32);
	for (i = 0; algos && i < sizeof(keyid_algos) / sizeof(keyid_algos[0]); i++)
		if (json_array_append_new(algos, json_string(keyid_algos[i])) < 0) {
			json_decref(algos);
			return NULL;
		}
	return json_pack("{s:s, s:s, s:{s:s}, s:o}", "keytype", "ed25519",
			 "scheme", "ed25519", "keyval", "public", hex,
			 "keyid_hash_algorithms", algos);
}

static int canon_string(struct buf *out, const char *s, size_t n)
{
	size_t i, from = 0;

	if (buf_add(out, "\"", 1) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] == '"' || s[i] == '\\') {
			if (buf_add(out, s + from, i - from) < 0 ||
			    buf_add(out, "\\", 1) < 0)
				return -1;
			from = i;
		}
	if (buf_add(out, s + from, n - from) < 0)
		return -1;
	return buf_add(out, "\"", 1);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int canon(struct buf *out, const json_t *v, struct xerr *err)
{
	const char **keys = NULL;
	const char *k;
	json_t *e;
	size_t i, n;
	int ret = -1;

	switch (json_typeof(v)) {
	case JSON_STRING:
		ret = canon_string(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		ret = buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_TRUE:
		ret = buf_puts(out, "true");
		break;
	case JSON_FALSE:
		ret = buf_puts(out, "false");
		break;
	case JSON_NULL:
		ret = buf_puts(out, "null");
		break;
	case JSON_ARRAY:
		ret = buf_puts(out, "[");
		for (i = 0; ret == 0 && i < json_array_size(v); i++)
			if ((i && buf_puts(out, ",") < 0) ||
			    canon(out, json_array_get(v, i), err) < 0)
				ret = -1;
		if (ret == 0)
			ret = buf_puts(out, "]");
		break;
	case JSON_OBJECT:
		n = json_object_size(v);
		keys = calloc(n + 1, sizeof(*keys));
		if (!keys)
			break;
		i = 0;
		json_object_foreach((json_t *)v, k, e)
			keys[i++] = k;
		/* Bytewise order of UTF-8 is the code point order Python's
		 * sorted() gives. */
		qsort(keys, n, sizeof(*keys), cmp_key);
		ret = buf_puts(out, "{");
		for (i = 0; ret == 0 && i < n; i++)
			if ((i && buf_puts(out, ",") < 0) ||
			    canon_string(out, keys[i], strlen(keys[i])) < 0 ||
			    buf_puts(out, ":") < 0 ||
			    canon(out, json_object_get(v, keys[i]), err) < 0)
				ret = -1;
		if (ret == 0)
			ret = buf_puts(out, "}");
		break;
	case JSON_REAL:
		return xerr_set(err, XPIN_USAGE,
				"canonical JSON has no numbers with a fraction");
	}
	free(keys);
	if (ret < 0 && !err->code)
		xerr_set(err, XPIN_USAGE, "out of memory");
	return ret < 0 ? -1 : 0;
}

int evidence_canonical_json(struct buf *out, const json_t *v, struct xerr *err)
{
	return canon(out, v, err);
}

int evidence_intoto_keyid(char out[65], const unsigned char pk[32],
			  struct xerr *err)
{
	struct buf text = BUF_INIT;
	unsigned char d[32];
	json_t *key = evidence_intoto_pubkey(pk);
	int ret = -1;

	if (!key) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (canon(&text, key, err) < 0)
		goto out;
	hash_sha256(d, text.data, text.len);
	hash_hex(out, d, sizeof(d));
	ret = 0;
out:
	json_decref(key);
	buf_release(&text);
	return ret;
}

int evidence_intoto_product(struct buf *out, const struct manifest_target *t,
			    const struct manifest_artifact *a)
{
	out->len = 0;
	if (!strcmp(a->name, "."))
		return buf_puts(out, t->name);
	return buf_printf(out, "%s/%s", t->name, a->name);
}

/* A pattern that fnmatch matches against s alone: each of its special
 * characters in brackets. */
static int glob_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		int r = strchr("*?[", *s) ? buf_printf(out, "[%c]", *s)
					  : buf_add(out, s, 1);

		if (r < 0)
			return -1;
	}
	return 0;
}

static json_t *hex_digest(const char *algo, const char *hex)
{
	return json_pack("{s:s}", algo, hex);
}

/* The materials: the source commit (unless the tree was dirty), the
 * flake.lock and each pinned input's NAR hash. */
static json_t *materials(const struct manifest *m)
{
	json_t *mat = json_object();
	struct buf name = BUF_INIT;
	size_t i, len;
	bool ok = mat != NULL;

	if (ok && m->commit && !m->dirty) {
		len = strlen(m->commit);
		if ((len == 40 || len == 64) && util_is_hex(m->commit, len))
			ok = !json_object_set_new(mat, "source",
						  hex_digest(len == 40 ? "sha1" : "sha256",
							     m->commit));
	}
	if (ok && m->flake_lock_sha256[0])
		ok = !json_object_set_new(mat, "flake.lock",
					  hex_digest("sha256", m->flake_lock_sha256));
	for (i = 0; ok && i < m->ninputs; i++) {
		const struct manifest_input *in = &m->inputs[i];
		unsigned char d[32];
		char hex[65];

		if (in->follows || !in->nar_hash ||
		    strncmp(in->nar_hash, "sha256-", 7) ||
		    hash_unbase64(d, sizeof(d), in->nar_hash + 7) < 0)
			continue;
		hash_hex(hex, d, sizeof(d));
		name.len = 0;
		ok = buf_printf(&name, "inputs/%s", in->path) == 0 &&
		     !json_object_set_new(mat, buf_cstr(&name),
					  hex_digest("sha256", hex));
	}
	buf_release(&name);
	if (!ok) {
		json_decref(mat);
		return NULL;
	}
	return mat;
}

json_t *evidence_intoto_link(const struct manifest *m,
			     const struct manifest_target *t)
{
	json_t *prod = json_object(), *mat = materials(m);
	struct buf name = BUF_INIT;
	size_t i;
	bool ok = prod && mat;

	for (i = 0; ok && i < t->artifacts.n; i++) {
		const struct manifest_artifact *a = &t->artifacts.v[i];

		/* in-toto hashes what a link points to: a link is no
		 * product of its own. */
		if (a->symlink)
			continue;
		ok = evidence_intoto_product(&name, t, a) == 0 &&
		     !json_object_set_new(prod, buf_cstr(&name),
					  hex_digest("sha256", a->sha256));
	}
	buf_release(&name);
	if (!ok) {
		json_decref(prod);
		json_decref(mat);
		return NULL;
	}
	return json_pack("{s:s, s:s, s:o, s:o, s:{}, s:[], s:{}}", "_type",
			 "link", "name", t->name, "materials", mat, "products",
			 prod, "byproducts", "command", "environment");
}

static json_t *rule(const char *verb, const char *pat, const char *suffix)
{
	struct buf b = BUF_INIT;
	json_t *r = NULL;

	if (glob_escape(&b, pat) == 0 && buf_puts(&b, suffix) == 0)
		r = json_pack("[s, s]", verb, buf_cstr(&b));
	buf_release(&b);
	return r;
}

static json_t *match_rule(const char *pat, const char *suffix, const char *step)
{
	struct buf b = BUF_INIT;
	json_t *r = NULL;

	if (glob_escape(&b, pat) == 0 && buf_puts(&b, suffix) == 0)
		r = json_pack("[s, s, s, s, s, s]", "MATCH", buf_cstr(&b),
			      "WITH", "PRODUCTS", "FROM", step);
	buf_release(&b);
	return r;
}

static json_t *step(const struct manifest_target *t, const char *keyid)
{
	return json_pack("{s:s, s:s, s:[], s:[[s, s]], s:[o, o, [s, s]], s:[s], s:i}",
			 "_type", "step", "name", t->name, "expected_command",
			 "expected_materials", "ALLOW", "*", "expected_products",
			 rule("CREATE", t->name, ""), rule("CREATE", t->name, "/*"),
			 "DISALLOW", "*", "pubkeys", keyid, "threshold", 1);
}

/* The inspection's product rules, over what it finds in the folder it
 * runs in: each target's files must be there (REQUIRE) and be those its
 * link names (MATCH); anything else under a target's name fails
 * (DISALLOW), but for the links it holds, which in-toto cannot tell from
 * the files they name. Other files are allowed. */
static json_t *inspection_rules(const struct manifest_target *const *t, size_t n)
{
	json_t *rules = json_array();
	struct buf name = BUF_INIT;
	size_t i, j;
	bool ok = rules != NULL;

	for (i = 0; ok && i < n; i++)
		for (j = 0; ok && j < t[i]->artifacts.n; j++) {
			const struct manifest_artifact *a = &t[i]->artifacts.v[j];

			/* REQUIRE takes a name, ALLOW a pattern. */
			ok = evidence_intoto_product(&name, t[i], a) == 0 &&
			     !json_array_append_new(rules,
				     a->symlink ? rule("ALLOW", buf_cstr(&name), "")
						: json_pack("[s, s]", "REQUIRE",
							    buf_cstr(&name)));
		}
	for (i = 0; ok && i < n; i++)
		ok = !json_array_append_new(rules, match_rule(t[i]->name, "", t[i]->name)) &&
		     !json_array_append_new(rules, match_rule(t[i]->name, "/*", t[i]->name)) &&
		     !json_array_append_new(rules, rule("DISALLOW", t[i]->name, "")) &&
		     !json_array_append_new(rules, rule("DISALLOW", t[i]->name, "/*"));
	buf_release(&name);
	if (!ok) {
		json_decref(rules);
		return NULL;
	}
	return rules;
}

json_t *evidence_intoto_layout(const struct manifest *m,
			       const struct manifest_target *const *t, size_t n,
			       const unsigned char pk[32], struct xerr *err)
{
	json_t *steps = NULL, *keys = NULL, *key = NULL, *doc = NULL;
	struct buf readme = BUF_INIT;
	char keyid[65];
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i]->name, EVIDENCE_INTOTO_INSPECTION)) {
			xerr_set(err, XPIN_USAGE,
				 "target '%s' has the name of the layout's inspection",
				 t[i]->name);
			return NULL;
		}
	if (evidence_intoto_keyid(keyid, pk, err) < 0)
		return NULL;
	steps = json_array();
	key = evidence_intoto_pubkey(pk);
	if (!steps || !key || json_object_set_new(key, "keyid", json_string(keyid)) < 0)
		goto out;
	keys = json_pack("{s:O}", keyid, key);
	for (i = 0; keys && i < n; i++)
		if (json_array_append_new(steps, step(t[i], keyid)) < 0)
			goto out;
	if (!keys ||
	    buf_printf(&readme, "The release xpin.lock records%s%s: a step per target, "
		       "whose link names the files it built; the inspection '%s' "
		       "checks them in the folder in-toto-verify runs in, "
		       "laid out as xpin export files writes it (TARGET/PATH).",
		       m->commit ? " at commit " : "", m->commit ? m->commit : "",
		       EVIDENCE_INTOTO_INSPECTION) < 0)
		goto out;
	doc = json_pack("{s:s, s:s, s:s, s:O, s:O, s:[{s:s, s:s, s:[], s:o, s:[s]}]}",
			"_type", "layout", "expires", EVIDENCE_INTOTO_EXPIRES,
			"readme", buf_cstr(&readme), "keys", keys, "steps", steps,
			"inspect", "_type", "inspection", "name",
			EVIDENCE_INTOTO_INSPECTION, "expected_materials",
			"expected_products", inspection_rules(t, n), "run", "true");
out:
	if (!doc && !err->code)
		xerr_set(err, XPIN_USAGE, "out of memory");
	json_decref(steps);
	json_decref(keys);
	json_decref(key);
	buf_release(&readme);
	return doc;
}

json_t *evidence_intoto_sign(const json_t *payload, const struct sign_secret *sk,
			     const unsigned char pk[32], struct xerr *err)
{
	struct buf text = BUF_INIT;
	unsigned char sig[64], signer[32];
	char keyid[65], hex[129];
	json_t *doc = NULL;

	if (canon(&text, payload, err) < 0 ||
	    sign_ed25519(sig, signer, sk, text.data, text.len, err) < 0)
		goto out;
	if (memcmp(signer, pk, sizeof(signer)) ||
	    !sign_ed25519_check(sig, pk, text.data, text.len)) {
		xerr_set(err, XPIN_SIGNATURE,
			 "the new in-toto signature does not verify with the key that signed xpin.lock");
		goto out;
	}
	if (evidence_intoto_keyid(keyid, pk, err) < 0)
		goto out;
	hash_hex(hex, sig, sizeof(sig));
	doc = json_pack("{s:[{s:s, s:s}], s:O}", "signatures", "keyid", keyid,
			"sig", hex, "signed", (json_t *)payload);
	if (!doc)
		xerr_set(err, XPIN_USAGE, "out of memory");
out:
	buf_release(&text);
	return doc;
}
