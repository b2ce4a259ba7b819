/* evidence_intoto against securesystemslib's own output (vectors/intoto). */
#include <stdlib.h>

#include "evidence.h"
#include "jtext.h"
#include "unit.h"

static void slurp(struct buf *out, const char *path)
{
	struct xerr err = XERR_INIT;

	out->len = 0;
	T_INTEQ(util_read_file(out, path, 1 << 20, &err), 0);
}

void test_evidence__canonical_json(void)
{
	struct xerr err = XERR_INIT;
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	json_t *v;

	slurp(&in, "vectors/intoto/canonical/input.json");
	slurp(&want, "vectors/intoto/canonical/expected");
	v = jtext_load(in.data, in.len, "input.json", &err);
	T_ASSERT(v != NULL);
	T_INTEQ(evidence_canonical_json(&got, v, &err), 0);
	T_INTEQ(got.len, want.len);
	T_STREQ(buf_cstr(&got), buf_cstr(&want));
	json_decref(v);
	buf_release(&in);
	buf_release(&want);
	buf_release(&got);
}

void test_evidence__canonical_refuses_reals(void)
{
	struct xerr err = XERR_INIT;
	struct buf got = BUF_INIT;
	json_t *v = json_pack("{s:f}", "x", 1.5);

	T_INTEQ(evidence_canonical_json(&got, v, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	json_decref(v);
	buf_release(&got);
}

void test_evidence__intoto_key(void)
{
	struct xerr err = XERR_INIT;
	struct buf text = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct sign_pub pub;
	char keyid[65];
	json_t *key;

	slurp(&text, "vectors/intoto/key/key.pub");
	T_INTEQ(sign_pub_parse(&pub, text.data, text.len, "key.pub", &err), 0);
	key = evidence_intoto_pubkey(pub.pk);
	T_ASSERT(key != NULL);
	T_INTEQ(evidence_canonical_json(&got, key, &err), 0);
	slurp(&want, "vectors/intoto/key/canonical");
	T_STREQ(buf_cstr(&got), buf_cstr(&want));
	T_INTEQ(evidence_intoto_keyid(keyid, pub.pk, &err), 0);
	slurp(&want, "vectors/intoto/key/keyid");
	if (want.len && want.data[want.len - 1] == '\n')
		want.data[--want.len] = '\0';
	T_STREQ(keyid, buf_cstr(&want));
	json_decref(key);
	buf_release(&text);
	buf_release(&want);
	buf_release(&got);
}
