#include <stdlib.h>

#include "flakelock.h"
#include "jtext.h"
#include "unit.h"

static const char lock7[] =
	"{\n"
	"  \"nodes\": {\n"
	"    \"a\": {\n"
	"      \"inputs\": {\n"
	"        \"n\": [\n"
	"          \"n\"\n"
	"        ]\n"
	"      },\n"
	"      \"locked\": {\n"
	"        \"lastModified\": 1,\n"
	"        \"narHash\": \"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\",\n"
	"        \"owner\": \"o\",\n"
	"        \"repo\": \"a\",\n"
	"        \"rev\": \"1111111111111111111111111111111111111111\",\n"
	"        \"type\": \"github\"\n"
	"      },\n"
	"      \"original\": {\n"
	"        \"owner\": \"o\",\n"
	"        \"repo\": \"a\",\n"
	"        \"type\": \"github\"\n"
	"      },\n"
	"      \"x-unknown\": \"kept \\u00e9\"\n"
	"    },\n"
	"    \"n\": {\n"
	"      \"locked\": {\n"
	"        \"path\": \"/p\",\n"
	"        \"type\": \"path\"\n"
	"      },\n"
	"      \"original\": {\n"
	"        \"path\": \"/p\",\n"
	"        \"type\": \"path\"\n"
	"      }\n"
	"    },\n"
	"    \"root\": {\n"
	"      \"inputs\": {\n"
	"        \"a\": \"a\",\n"
	"        \"n\": \"n\",\n"
	"        \"self\": []\n"
	"      }\n"
	"    }\n"
	"  },\n"
	"  \"root\": \"root\",\n"
	"  \"version\": 7\n"
	"}\n";

void test_flakelock__pins_and_follows(void)
{
	struct xerr err = XERR_INIT;
	struct flakelock *lk = flakelock_load(lock7, sizeof(lock7) - 1,
					      "flake.lock", &err);
	struct flakelock_pin *pins = NULL;
	size_t n = 0;

	T_ASSERT(lk != NULL);
	if (!lk)
		return;
	T_INTEQ(flakelock_pins(&pins, &n, lk, &err), 0);
	T_INTEQ(n, 4);
	if (n == 4) {
		T_STREQ(pins[0].path, "a");
		/* the newest Nix's form, with no rules set */
		T_STREQ(pins[0].url,
			"github:o/a/1111111111111111111111111111111111111111"
			"?narHash=sha256-47DEQpj8HBSa%2B/TImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D");
		T_STREQ(pins[1].path, "a/n");
		T_STREQ(pins[1].follows, "n");
		T_STREQ(pins[2].path, "n");
		T_STREQ(pins[2].type, "path");
		T_STREQ(pins[3].path, "self");
		T_STREQ(pins[3].follows, "");
	}
	flakelock_pins_free(pins, n);
	flakelock_free(lk);
}

/* An edit changes only the node's "locked" text; the unknown field with
 * its \u escape survives as written. */
void test_flakelock__splice_keeps_other_bytes(void)
{
	struct xerr err = XERR_INIT;
	struct flakelock *lk = flakelock_load(lock7, sizeof(lock7) - 1,
					      "flake.lock", &err);
	struct flakelock_update u = FLAKELOCK_UPDATE_INIT;
	struct buf out = BUF_INIT;
	const char *at;

	T_ASSERT(lk != NULL);
	if (!lk)
		return;
	u.rev = "2222222222222222222222222222222222222222";
	u.nar_hash = "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
	u.last_modified = 2;
	T_INTEQ(flakelock_set(lk, "a", &u, &err), 0);
	T_INTEQ(flakelock_serialize(&out, lk, &err), 0);
	at = strstr(buf_cstr(&out), "\"rev\": \"2222");
	T_ASSERT(at != NULL);
	T_ASSERT(strstr(buf_cstr(&out), "\"kept \\u00e9\"") != NULL);
	T_INTEQ(out.len, sizeof(lock7) - 1);
	T_INTEQ(flakelock_set(lk, "a/n", &u, &err), -1);
	T_ASSERT(strstr(err.msg, "follows 'n'") != NULL);
	T_INTEQ(flakelock_set(lk, "n", &u, &err), -1);
	T_ASSERT(strstr(err.msg, "no revision") != NULL);
	buf_release(&out);
	flakelock_free(lk);
}

void test_flakelock__error_position(void)
{
	struct xerr err = XERR_INIT;
	char *bad = strdup(lock7), *p = strstr(bad, "\"lastModified\": 1");
	struct flakelock *lk;

	memcpy(p + 16, "\"", 1); /* "lastModified": "... : not an integer */
	memcpy(p + 15, "\"1\"", 3);
	lk = flakelock_load(bad, strlen(bad), "flake.lock", &err);
	T_ASSERT(lk == NULL);
	/* If the edit broke the JSON the error is still positioned. */
	T_ASSERT(err.line > 0);
	flakelock_free(lk);
	free(bad);
}

void test_flakelock__valid_nar_hash(void)
{
	T_ASSERT(flakelock_valid_nar_hash(
		"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
	T_ASSERT(!flakelock_valid_nar_hash(
		"sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="));
	T_ASSERT(!flakelock_valid_nar_hash("sha256-abc"));
	T_ASSERT(!flakelock_valid_nar_hash(
		"sha512-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
	T_ASSERT(flakelock_valid_rev("0123456789abcdef0123456789abcdef01234567"));
	T_ASSERT(!flakelock_valid_rev("0123456789ABCDEF0123456789abcdef01234567"));
}

void test_jtext__locate_and_dump(void)
{
	const char text[] = "{\"a\": {\"b\\u0063\": [1, {\"d\": \"x\"}]}, \"z\": 2}";
	const char *path[] = { "a", "bc", "#1", "d" };
	size_t s = 0, e = 0;
	json_t *v;
	struct buf b = BUF_INIT;

	T_INTEQ(jtext_locate(text, sizeof(text) - 1, path, 4, &s, &e), 0);
	T_INTEQ(e - s, 3);
	T_ASSERT(!strncmp(text + s, "\"x\"", 3));
	v = json_pack("{s:s, s:[], s:{}, s:i, s:s}", "b", "\x01\xc3\xa9/",
		      "a", "c", "B", -3, "\xc3\xa9", "");
	jtext_dump_file(&b, v);
	T_STREQ(buf_cstr(&b), "{\n  \"B\": -3,\n  \"a\": [],\n  \"b\": \"\\u0001\xc3\xa9/\",\n"
			      "  \"c\": {},\n  \"\xc3\xa9\": \"\"\n}\n");
	json_decref(v);
	buf_release(&b);
}
