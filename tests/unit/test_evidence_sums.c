/* evidence_sums and evidence_slsa: names, SHA256SUMS lines, DSSE's PAE. */
#include <stdlib.h>

#include "evidence_slsa.h"
#include "evidence_sums.h"
#include "unit.h"

/* A target with the artifacts names (sha256 all 'a'; "@" marks a link). */
static void target(struct manifest_target *t, const char *name,
		   const char *const *names, size_t n)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->name = (char *)name;
	t->builder = (char *)"command";
	t->artifacts.v = calloc(n, sizeof(*t->artifacts.v));
	t->artifacts.n = n;
	for (i = 0; i < n; i++) {
		struct manifest_artifact *a = &t->artifacts.v[i];

		a->name = (char *)names[i] + (names[i][0] == '@');
		if (names[i][0] == '@')
			a->symlink = (char *)"x";
		memset(a->sha256, 'a', 64);
	}
}

void test_evidence__sums_as_sha256sum(void)
{
	/* GNU sha256sum 9.1 escapes \, newline and CR and marks the line. */
	static const char *const n1[] = { "b\\c", "z", "@link", "n\nl", "c\rr" };
	static const char *const n2[] = { "." };
	struct manifest_target t[2];
	const struct manifest_target *sel[] = { &t[0], &t[1] };
	struct evidence_files f = EVIDENCE_FILES_INIT;
	struct buf out = BUF_INIT;
	struct xerr err = XERR_INIT;
	char a[65];

	memset(a, 'a', 64);
	a[64] = '\0';
	target(&t[0], "t", n1, 5);
	target(&t[1], "one", n2, 1);
	T_INTEQ(evidence_files_list(&f, sel, 2, &err), 0);
	T_INTEQ(f.n, 6);
	T_INTEQ(evidence_sums(&out, &f), 0);
	{
		struct buf want = BUF_INIT;

		buf_printf(&want, "%s  one\n\\%s  t/b\\\\c\n\\%s  t/c\\rr\n"
			   "\\%s  t/n\\nl\n%s  t/z\n", a, a, a, a, a);
		T_STREQ(buf_cstr(&out), buf_cstr(&want));
		buf_release(&want);
	}
	evidence_files_release(&f);
	buf_release(&out);
	free(t[0].artifacts.v);
	free(t[1].artifacts.v);
}

void test_evidence__bad_names(void)
{
	static const char *const bad[] = { "..", "a/../b", "a//b", "a/", "/a", "a/." };
	const struct manifest_target *sel[1];
	struct manifest_target t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct evidence_files f = EVIDENCE_FILES_INIT;
		struct xerr err = XERR_INIT;

		target(&t, "t", &bad[i], 1);
		sel[0] = &t;
		T_INTEQ(evidence_files_list(&f, sel, 1, &err), -1);
		T_INTEQ(err.code, XPIN_USAGE);
		T_INTEQ(f.n, 0);
		free(t.artifacts.v);
	}
}

void test_evidence__dsse_pae(void)
{
	/* The example of DSSE v1's protocol.md. */
	struct buf out = BUF_INIT;

	T_INTEQ(evidence_dsse_pae(&out, "http://example.com/HelloWorld",
				  "hello world", 11), 0);
	T_STREQ(buf_cstr(&out), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
	buf_release(&out);
}
