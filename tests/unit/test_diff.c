/*
 * diff on files and trees made here byte by byte, so each expected offset
 * and cause is set by construction: decimal, binary and date-string times,
 * build folders and store paths, text that must not pass for a time, a
 * minimal ELF64 image (field offsets from the System V gABI: e_shoff at
 * 40, e_shnum at 60, Elf64_Shdr of 64 bytes) whose .rodata or build-id
 * differs, malformed section tables, folder walks and the short form.
 * Builds by real compilers are checked against readelf and cmp by
 * tests/cli/t070*-diff-*.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "unit.h"

static char tmpdir[512];

static const char *tpath(const char *name)
{
	static char p[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", tmpdir, name);
	return p[k];
}

static void setup(void)
{
	struct buf b = BUF_INIT;
	struct xerr err = XERR_INIT;

	T_ASSERT(util_mkdtemp(&b, "xpin-unit-diff", &err) == 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s", buf_cstr(&b));
	buf_release(&b);
}

static void teardown(void)
{
	util_rmtree(tmpdir);
}

static void put_file(const char *name, const void *data, size_t len)
{
	struct xerr err = XERR_INIT;

	T_ASSERT(util_write_atomic(tpath(name), data, len, 0644, &err) == 0);
}

/* Diff two byte strings as files a and b: the report's one entry. */
static int diff2(struct diff_report *r, const void *a, size_t na,
		 const void *b, size_t nb)
{
	struct xerr err = XERR_INIT;

	put_file("a", a, na);
	put_file("b", b, nb);
	return diff_paths(r, tpath("a"), tpath("b"), &err);
}

static const struct diff_run *first_run(const struct diff_report *r)
{
	if (r->n != 1 || r->v[0].nruns < 1)
		return NULL;
	return &r->v[0].runs[0];
}

void test_diff__decimal_seconds(void)
{
	static const char a[] = "built at 1764000000; ok";
	static const char b[] = "built at 1764003600; ok";
	struct diff_report r = DIFF_REPORT_INIT;
	const struct diff_run *run;

	setup();
	T_ASSERT(diff2(&r, a, sizeof(a) - 1, b, sizeof(b) - 1) == 0);
	T_ASSERT((run = first_run(&r)) != NULL);
	if (run) {
		T_INTEQ(run->off, 15);
		T_INTEQ(run->len, 2);
		T_INTEQ(run->hint, DIFF_HINT_TIMESTAMP);
		T_STREQ(run->detail,
			"1764000000 vs 1764003600 (unix time in seconds: 2025-11-24 16:00:00 vs 2025-11-24 17:00:00 UTC)");
		T_STREQ(run->ctx_a, "built at 1764000000; ok");
	}
	T_INTEQ(r.v[0].hints, DIFF_HINT_TIMESTAMP);
	diff_report_release(&r);
	teardown();
}

void test_diff__decimal_nanoseconds(void)
{
	static const char a[] = "T=1764000000123456789\n";
	static const char b[] = "T=1764000001987654321\n";
	struct diff_report r = DIFF_REPORT_INIT;
	const struct diff_run *run;

	setup();
	T_ASSERT(diff2(&r, a, sizeof(a) - 1, b, sizeof(b) - 1) == 0);
	T_ASSERT((run = first_run(&r)) != NULL);
	if (run) {
		T_INTEQ(run->hint, DIFF_HINT_TIMESTAMP);
		T_ASSERT(strstr(run->detail, "unix time in nanoseconds") != NULL);
	}
	diff_report_release(&r);
	teardown();
}

/* Digits that are not a time: out of range, or a length no unit has. */
void test_diff__decimal_not_a_time(void)
{
	static const char *const pairs[][2] = {
		{ "n=9999999999;", "n=9999999998;" },     /* 2286 */
		{ "n=17640000001;", "n=17640000002;" },   /* 11 digits */
		{ "n=0764000000;", "n=0764000001;" },     /* 1994 */
		{ "version 1.2.3", "version 1.2.4" },
	};
	size_t i;

	setup();
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct diff_report r = DIFF_REPORT_INIT;
		const struct diff_run *run;

		T_ASSERT(diff2(&r, pairs[i][0], strlen(pairs[i][0]),
			       pairs[i][1], strlen(pairs[i][1])) == 0);
		T_ASSERT((run = first_run(&r)) != NULL);
		if (run)
			T_INTEQ(run->hint, DIFF_HINT_NONE);
		T_INTEQ(r.v[0].hints, 0);
		diff_report_release(&r);
	}
	teardown();
}

static void le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void test_diff__binary_time(void)
{
	unsigned char a[32], b[32];
	struct diff_report r = DIFF_REPORT_INIT;
	const struct diff_run *run;

	setup();
	memset(a, 0xee, sizeof(a));
	memset(b, 0xee, sizeof(b));
	le64(a + 8, 1764000000);
	le64(b + 8, 1764000001);
	T_ASSERT(diff2(&r, a, sizeof(a), b, sizeof(b)) == 0);
	T_ASSERT((run = first_run(&r)) != NULL);
	if (run) {
		T_INTEQ(run->off, 8);
		T_INTEQ(run->len, 1);
		T_INTEQ(run->hint, DIFF_HINT_TIMESTAMP);
		T_STREQ(run->detail,
			"8-byte little-endian integers at +0x8: 1764000000 vs 1764000001 (unix time in seconds: 2025-11-24 16:00:00 vs 2025-11-24 16:00:01 UTC)");
	}
	diff_report_release(&r);

	/* Nanoseconds a second apart count; years apart they do not. */
	le64(a + 8, 1764000000000000000ull);
	le64(b + 8, 1764000001000000000ull);
	T_ASSERT(diff2(&r, a, sizeof(a), b, sizeof(b)) == 0);
	T_ASSERT((run = first_run(&r)) != NULL && run->hint == DIFF_HINT_TIMESTAMP);
	diff_report_release(&r);
	le64(b + 8, 1064000001000000000ull);
	T_ASSERT(diff2(&r, a, sizeof(a), b, sizeof(b)) == 0);
	T_ASSERT((run = first_run(&r)) != NULL && run->hint == DIFF_HINT_NONE);
	diff_report_release(&r);

	/* Not at an 8-byte aligned offset: not tried; the aligned word
	 * around it, ee ee ee ee ee 00 81 24, reads as nanoseconds in 2053:
	 * past a year from now, not a time either. */
	memset(a, 0xee, sizeof(a));
	memset(b, 0xee, sizeof(b));
	le64(a + 5, 1764000000);
	le64(b + 5, 1764000001);
	T_ASSERT(diff2(&r, a, sizeof(a), b, sizeof(b)) == 0);
	T_ASSERT((run = first_run(&r)) != NULL && run->hint == DIFF_HINT_NONE);
	diff_report_release(&r);
	teardown();
}

/* Text read as an 8-byte integer falls in the nanosecond range easily:
 * "0/a-b/c1" is 0x3163...30 little-endian. */
void test_diff__text_is_not_a_binary_time(void)
{
	static const char a[] = "0/a-b/c1xxxxxxxx";
	static const char b[] = "0/a-b/c2xxxxxxxx";
	struct diff_report r = DIFF_REPORT_INIT;
	const struct diff_run *run;

	setup();
	T_ASSERT(diff2(&r, a, 16, b, 16) == 0);
	T_ASSERT((run = first_run(&r)) != NULL);
	if (run)
		T_ASSERT(run->hint != DIFF_HINT_TIMESTAMP);
	diff_report_release(&r);
	teardown();
}

void test_diff__date_strings(void)
{
	static const char *const pairs[][3] = {
		{ "on Nov 24 2026 at", "on Nov 25 2026 at",
		  "\"Nov 24 2026\" vs \"Nov 25 2026\"" },
		{ "on Nov  4 2026 at", "on Nov  5 2026 at",
		  "\"Nov  4 2026\" vs \"Nov  5 2026\"" },
		{ "at 10:11:59.", "at 10:12:00.", "\"10:11:59\" vs \"10:12:00\"" },
		{ "d=2026-11-24T", "d=2026-11-25T",
		  "\"2026-11-24\" vs \"2026-11-25\"" },
	};
	size_t i;

	setup();
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct diff_report r = DIFF_REPORT_INIT;
		const struct diff_run *run;

		T_ASSERT(diff2(&r, pairs[i][0], strlen(pairs[i][0]),
			       pairs[i][1], strlen(pairs[i][1])) == 0);
		T_ASSERT((run = first_run(&r)) != NULL);
		if (run) {
			T_INTEQ(run->hint, DIFF_HINT_TIMESTAMP);
			T_STREQ(run->detail, pairs[i][2]);
		}
		diff_report_release(&r);
	}
	teardown();
}

void test_diff__paths(void)
{
	static const char *const pairs[][4] = {
		{ "\0/tmp/nix-build-hello.drv-0/source/x.c\0",
		  "\0/tmp/nix-build-hello.drv-1/source/x.c\0",
		  "a Nix build folder: \"/tmp/nix-build-hello.drv-0/source/x.c\" vs \"/tmp/nix-build-hello.drv-1/source/x.c\"",
		  "build-path" },
		{ "\0/home/u/a/x.c\0", "\0/home/u/bb/x.c\0",
		  "\"/home/u/a/x.c\" vs \"/home/u/bb/x.c\"", "build-path" },
		{ "-I/nix/store/aaaa-glibc/include ",
		  "-I/nix/store/bbbb-glibc/include ",
		  "\"-I/nix/store/aaaa-glibc/include\" vs \"-I/nix/store/bbbb-glibc/include\"",
		  "store-path" },
	};
	size_t i;

	setup();
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct diff_report r = DIFF_REPORT_INIT;
		const struct diff_run *run;
		size_t na = strlen(pairs[i][0] + 1) + 2;
		size_t nb = strlen(pairs[i][1] + 1) + 2;

		if (pairs[i][0][0]) {
			na = strlen(pairs[i][0]);
			nb = strlen(pairs[i][1]);
		}
		T_ASSERT(diff2(&r, pairs[i][0], na, pairs[i][1], nb) == 0);
		T_ASSERT((run = first_run(&r)) != NULL);
		if (run) {
			T_STREQ(diff_hint_code(run->hint), pairs[i][3]);
			T_STREQ(run->detail, pairs[i][2]);
		}
		diff_report_release(&r);
	}
	teardown();
}

/* A longer string aligned further on: padding where the other starts. */
void test_diff__path_moved(void)
{
	static const char a[] = "\1\0\2\0/b/a/x.c\0";
	static const char b[] = "\1\0\2\0\0\0\0\0/b/longer/x.c\0";
	struct diff_report r = DIFF_REPORT_INIT;
	const struct diff_run *run;

	setup();
	T_ASSERT(diff2(&r, a, sizeof(a) - 1, b, sizeof(b) - 1) == 0);
	T_ASSERT((run = first_run(&r)) != NULL);
	if (run) {
		T_INTEQ(run->off, 4);
		T_INTEQ(run->hint, DIFF_HINT_BUILD_PATH);
		T_STREQ(run->detail, "\"/b/a/x.c\" vs \"/b/longer/x.c\"");
		T_STREQ(run->ctx_a, "..../b/a/x.c.");
		T_STREQ(run->ctx_b, "......../b/longer/x.c.");
	}
	diff_report_release(&r);
	teardown();
}

void test_diff__runs_and_sizes(void)
{
	unsigned char a[200], b[210];
	struct diff_report r = DIFF_REPORT_INIT;
	const struct diff_entry *e;

	setup();
	memset(a, 'x', sizeof(a));
	memset(b, 'x', sizeof(b));
	b[10] = 'y';
	b[15] = 'y';                  /* within DIFF_RUN_GAP: one run */
	b[50] = 'y';                  /* a second run */
	b[100] = 'y';
	b[150] = 'y';
	b[180] = 'y';                 /* the fifth: counted, not recorded */
	T_ASSERT(diff2(&r, a, sizeof(a), b, sizeof(b)) == 0);
	T_INTEQ(r.n, 1);
	e = &r.v[0];
	T_INTEQ(e->what, DIFF_WHAT_BYTES);
	T_INTEQ(e->first, 10);
	T_INTEQ(e->ndiff, 6 + 10);
	T_INTEQ(e->size_a, 200);
	T_INTEQ(e->size_b, 210);
	T_INTEQ(e->nruns, DIFF_MAX_RUNS);
	T_ASSERT(!e->elf);
	if (e->nruns == DIFF_MAX_RUNS) {
		T_INTEQ(e->runs[0].off, 10);
		T_INTEQ(e->runs[0].len, 6);
		T_INTEQ(e->runs[1].off, 50);
		T_INTEQ(e->runs[3].off, 150);
		T_INTEQ(e->runs[0].ctx_off, 0);
		T_STREQ(e->runs[0].ctx_b, "xxxxxxxxxxyxxxxyxxxxxxxxxxxxxxxx");
	}
	diff_report_release(&r);

	/* One a prefix of the other: the run is where the shorter ends. */
	T_ASSERT(diff2(&r, a, 20, a, 25) == 0);
	T_ASSERT(r.n == 1 && r.v[0].nruns == 1);
	if (r.n == 1 && r.v[0].nruns == 1) {
		T_INTEQ(r.v[0].runs[0].off, 20);
		T_INTEQ(r.v[0].runs[0].len, 5);
		T_STREQ(r.v[0].runs[0].ctx_a, "xxxxxxxxxxxxxxxx");
		T_STREQ(r.v[0].runs[0].ctx_b, "xxxxxxxxxxxxxxxxxxxxx");
	}
	diff_report_release(&r);

	/* Identical, and both empty. */
	T_ASSERT(diff2(&r, a, sizeof(a), a, sizeof(a)) == 0);
	T_INTEQ(r.n, 0);
	T_ASSERT(diff2(&r, "", 0, "", 0) == 0);
	T_INTEQ(r.n, 0);
	diff_report_release(&r);
	teardown();
}

/* A minimal ELF64 little-endian image: [1] .rodata at 0x100 (0x40 bytes),
 * [2] .note.gnu.build-id at 0x140 (0x24), [3] .shstrtab at 0x180, the
 * section headers at 0x200. */
enum { E_RODATA = 0x100, E_NOTE = 0x140, E_STR = 0x180, E_SHOFF = 0x200,
       E_SIZE = 0x300 };

static void put(unsigned char *p, size_t off, unsigned n, uint64_t v)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[off + i] = (unsigned char)(v >> (8 * i));
}

static void shdr(unsigned char *m, unsigned i, uint32_t name, uint32_t type,
		 uint64_t off, uint64_t size)
{
	size_t h = E_SHOFF + 64 * i;

	put(m, h, 4, name);
	put(m, h + 4, 4, type);
	put(m, h + 24, 8, off);
	put(m, h + 32, 8, size);
}

static void elf_image(unsigned char *m, const char *rodata, size_t len)
{
	static const char strtab[] = "\0.rodata\0.note.gnu.build-id\0.shstrtab";

	memset(m, 0, E_SIZE);
	memcpy(m, "\177ELF\2\1\1", 7);
	put(m, 16, 2, 3);            /* ET_DYN */
	put(m, 18, 2, 62);           /* EM_X86_64 */
	put(m, 40, 8, E_SHOFF);
	put(m, 52, 2, 64);
	put(m, 58, 2, 64);
	put(m, 60, 2, 4);
	put(m, 62, 2, 3);
	memcpy(m + E_RODATA, rodata, len);
	put(m, E_NOTE, 4, 4);
	put(m, E_NOTE + 4, 4, 20);
	put(m, E_NOTE + 8, 4, 3);
	memcpy(m + E_NOTE + 12, "GNU", 4);
	memset(m + E_NOTE + 16, 0xab, 20);
	memcpy(m + E_STR, strtab, sizeof(strtab));
	shdr(m, 1, 1, 1, E_RODATA, 0x40);
	shdr(m, 2, 9, 7, E_NOTE, 0x24);
	shdr(m, 3, 28, 3, E_STR, sizeof(strtab));
}

#define RO_A "\1\0\2\0built 1764000000123456789"
#define RO_B "\1\0\2\0built 1764000001123456789"

static const struct diff_section *section(const struct diff_entry *e,
					  const char *name)
{
	size_t i;

	for (i = 0; i < e->nsections; i++)
		if (!strcmp(e->sections[i].name, name))
			return &e->sections[i];
	return NULL;
}

void test_diff__elf_sections(void)
{
	unsigned char a[E_SIZE], b[E_SIZE];
	struct diff_report r = DIFF_REPORT_INIT;
	const struct diff_section *s;
	struct buf sum = BUF_INIT;

	setup();
	elf_image(a, RO_A, sizeof(RO_A) - 1);
	elf_image(b, RO_B, sizeof(RO_B) - 1);
	b[E_NOTE + 20] = 0xcd;
	T_ASSERT(diff2(&r, a, E_SIZE, b, E_SIZE) == 0);
	T_INTEQ(r.n, 1);
	T_ASSERT(r.v[0].elf);
	T_INTEQ(r.v[0].nsections, 2);
	/* the ELF header, 3 sections, the section headers */
	T_INTEQ(r.v[0].nsections_total, 5);
	T_INTEQ(r.v[0].nruns, 0);
	T_INTEQ(r.v[0].first, E_RODATA + 19);
	T_ASSERT((s = section(&r.v[0], ".rodata")) != NULL);
	if (s) {
		T_ASSERT(s->in_a && s->in_b && s->has_run);
		T_INTEQ(s->size_a, 0x40);
		T_INTEQ(s->ndiff, 1);
		T_INTEQ(s->run.off, 4 + 6 + 9);
		T_INTEQ(s->run.file_a, E_RODATA + 19);
		T_INTEQ(s->run.hint, DIFF_HINT_TIMESTAMP);
		T_STREQ(s->run.ctx_a, ".built 1764000000123456789.......");
	}
	T_ASSERT((s = section(&r.v[0], ".note.gnu.build-id")) != NULL);
	if (s)
		T_INTEQ(s->run.hint, DIFF_HINT_NONE);
	T_INTEQ(r.v[0].hints, DIFF_HINT_TIMESTAMP);
	T_ASSERT(diff_summary(&sum, &r, 5) == 0);
	T_STREQ(buf_cstr(&sum),
		"a: .rodata differs at +0x13 (1 byte), looks like a timestamp; also .note.gnu.build-id\n");
	buf_release(&sum);
	diff_report_release(&r);

	/* Only the build-id. */
	elf_image(b, RO_A, sizeof(RO_A) - 1);
	b[E_NOTE + 20] = 0xcd;
	T_ASSERT(diff2(&r, a, E_SIZE, b, E_SIZE) == 0);
	T_ASSERT(r.n == 1 && r.v[0].nsections == 1);
	T_INTEQ(r.v[0].hints, DIFF_HINT_BUILD_ID_ONLY);
	T_ASSERT(diff_summary(&sum, &r, 5) == 0);
	T_STREQ(buf_cstr(&sum),
		"a: only the build-id differs (.note.gnu.build-id)\n");
	buf_release(&sum);
	diff_report_release(&r);

	/* The build-id and a byte outside every section: not "only". */
	b[E_SIZE - 1] = 1;
	a[E_SIZE - 1] = 2;
	b[0x90] = 7;
	T_ASSERT(diff2(&r, a, E_SIZE, b, E_SIZE) == 0);
	T_ASSERT(r.n == 1 && !(r.v[0].hints & DIFF_HINT_BUILD_ID_ONLY));
	diff_report_release(&r);
	teardown();
}

/* Malformed section tables: compared as bytes, never read out of bounds
 * (make check-asan watches). */
void test_diff__elf_malformed(void)
{
	unsigned char a[E_SIZE], b[E_SIZE];
	struct diff_report r = DIFF_REPORT_INIT;

	setup();
	elf_image(a, "one", 3);
	elf_image(b, "two", 3);
	/* e_shnum past the end of the file */
	put(a, 60, 2, 0x7fff);
	put(b, 60, 2, 0x7fff);
	T_ASSERT(diff2(&r, a, E_SIZE, b, E_SIZE) == 0);
	T_ASSERT(r.n == 1 && !r.v[0].elf && r.v[0].nruns == 1);
	diff_report_release(&r);

	/* e_shoff past the end; a wrong e_shentsize */
	elf_image(a, "one", 3);
	elf_image(b, "two", 3);
	put(a, 40, 8, 0xffffffffffffff00ull);
	put(b, 58, 2, 40);
	T_ASSERT(diff2(&r, a, E_SIZE, b, E_SIZE) == 0);
	T_ASSERT(r.n == 1 && !r.v[0].elf);
	diff_report_release(&r);

	/* The name table index out of range; a section past the end of the
	 * file: still ELF, names made up, no bytes compared there. */
	elf_image(a, "one", 3);
	elf_image(b, "two", 3);
	put(a, 62, 2, 200);
	put(b, 62, 2, 200);
	shdr(a, 2, 9, 7, 0x7ffffffffff0ull, 0x100);
	shdr(b, 2, 9, 7, 0x7ffffffffff0ull, 0x200);
	T_ASSERT(diff2(&r, a, E_SIZE, b, E_SIZE) == 0);
	T_ASSERT(r.n == 1 && r.v[0].elf);
	if (r.n == 1) {
		const struct diff_section *s;

		T_ASSERT((s = section(&r.v[0], "[1]")) != NULL && s->has_run);
		T_ASSERT((s = section(&r.v[0], "[2]")) != NULL);
		if (s) {
			T_ASSERT(!s->has_run);
			T_INTEQ(s->size_a, 0x100);
			T_INTEQ(s->size_b, 0x200);
		}
	}
	diff_report_release(&r);

	/* e_phnum PN_XNUM: the count is section 0's sh_info (gABI), here 0,
	 * as elf_read takes it; the sections are still compared. */
	elf_image(a, "one", 3);
	elf_image(b, "two", 3);
	put(a, 56, 2, 0xffff);
	put(b, 56, 2, 0xffff);
	T_ASSERT(diff2(&r, a, E_SIZE, b, E_SIZE) == 0);
	T_ASSERT(r.n == 1 && r.v[0].elf);
	T_ASSERT(r.n == 1 && section(&r.v[0], ".rodata") != NULL);
	diff_report_release(&r);

	/* Cut inside the ELF header. */
	T_ASSERT(diff2(&r, a, 40, b, 41) == 0);
	T_ASSERT(r.n == 1 && !r.v[0].elf);
	diff_report_release(&r);
	teardown();
}

static void mkdirs(const char *rel)
{
	T_ASSERT(mkdir(tpath(rel), 0755) == 0);
}

void test_diff__tree(void)
{
	struct diff_report r = DIFF_REPORT_INIT;
	struct xerr err = XERR_INIT;
	struct buf sum = BUF_INIT;
	size_t i;
	static const char *const want[][2] = {
		{ "kind", "c" }, { "link", "c" }, { "only-a", "a" },
		{ "only-b", "b" }, { "sub/data", "c" }, { "tool", "c" },
	};

	setup();
	mkdirs("A");
	mkdirs("B");
	mkdirs("A/sub");
	mkdirs("B/sub");
	mkdirs("A/real");
	mkdirs("B/real");
	mkdirs("A/only-a");
	mkdirs("B/kind");
	put_file("A/kind", "f", 1);
	put_file("A/real/x", "same", 4);
	put_file("B/real/x", "same", 4);
	put_file("A/sub/data", "abc", 3);
	put_file("B/sub/data", "abd", 3);
	put_file("A/tool", "#!", 2);
	put_file("B/tool", "#!", 2);
	T_ASSERT(chmod(tpath("A/tool"), 0755) == 0);
	put_file("B/only-b", "", 0);
	T_ASSERT(symlink("real/x", tpath("A/link")) == 0);
	T_ASSERT(symlink("real/y", tpath("B/link")) == 0);
	/* The same target, whose folder differs: not followed, equal. */
	T_ASSERT(symlink("..", tpath("A/up")) == 0);
	T_ASSERT(symlink("..", tpath("B/up")) == 0);
	T_ASSERT(diff_paths(&r, tpath("A"), tpath("B"), &err) == 0);
	T_ASSERT(r.dirs);
	T_INTEQ(r.n, 6);
	T_INTEQ(r.only_a, 1);
	T_INTEQ(r.only_b, 1);
	T_INTEQ(r.changed, 4);
	for (i = 0; i < r.n && i < 6; i++) {
		T_STREQ(r.v[i].path, want[i][0]);
		T_INTEQ(r.v[i].status, want[i][1][0] == 'a'   ? DIFF_ONLY_A
				       : want[i][1][0] == 'b' ? DIFF_ONLY_B
							      : DIFF_CHANGED);
	}
	T_ASSERT(diff_summary(&sum, &r, 0) == 0);
	T_STREQ(buf_cstr(&sum),
		"kind: a file in A, a folder in B\n"
		"link: symlink target 'real/x' vs 'real/y'\n"
		"only-a: only in A\n"
		"only-b: only in B\n"
		"sub/data: differs at 0x2 (1 byte)\n"
		"tool: executable in A, not in B\n");
	buf_release(&sum);
	T_ASSERT(diff_summary(&sum, &r, 3) == 0);
	T_STREQ(buf_cstr(&sum),
		"kind: a file in A, a folder in B\n"
		"link: symlink target 'real/x' vs 'real/y'\n"
		"... and 4 more\n");
	buf_release(&sum);
	diff_report_release(&r);
	teardown();
}

void test_diff__bad_input(void)
{
	struct diff_report r = DIFF_REPORT_INIT;
	struct xerr err = XERR_INIT;

	setup();
	put_file("f", "x", 1);
	mkdirs("d");
	T_INTEQ(diff_paths(&r, tpath("missing"), tpath("f"), &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "missing") != NULL);
	T_INTEQ(r.n, 0);
	err = (struct xerr)XERR_INIT;
	T_INTEQ(diff_paths(&r, tpath("f"), tpath("d"), &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "compare two files or two folders") != NULL);
	teardown();
}

void test_diff__json(void)
{
	static const char a[] = "at 1764000000.";
	static const char b[] = "at 1764000009.";
	struct diff_report r = DIFF_REPORT_INIT;
	struct buf out = BUF_INIT;
	json_t *j, *e, *run;

	setup();
	T_ASSERT(diff2(&r, a, sizeof(a) - 1, b, sizeof(b) - 1) == 0);
	T_ASSERT((j = diff_json(&r, "A", "B")) != NULL);
	if (j) {
		T_ASSERT(json_is_false(json_object_get(j, "identical")));
		T_INTEQ(json_integer_value(json_object_get(j, "differing")), 1);
		e = json_array_get(json_object_get(j, "entries"), 0);
		T_STREQ(json_string_value(json_object_get(e, "status")), "differs");
		T_STREQ(json_string_value(json_array_get(json_object_get(e, "hints"), 0)),
			"timestamp");
		T_STREQ(json_string_value(json_object_get(e, "summary")),
			"a: differs at 0xc (1 byte), looks like a timestamp");
		run = json_array_get(json_object_get(e, "runs"), 0);
		T_INTEQ(json_integer_value(json_object_get(run, "offset")), 12);
		T_STREQ(json_string_value(json_object_get(run, "context_b")), b);
		T_ASSERT(jtext_dump_file(&out, j) == 0);
		json_decref(j);
	}
	buf_release(&out);
	diff_report_release(&r);
	teardown();
}
