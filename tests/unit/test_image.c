/*
 * image: views, strings and comparisons that cross, span and evict its
 * windows, checked against the bytes written; a file that shrinks under
 * the reader. Then the two readers built on it: diff of two files through
 * the windows must say exactly what diff_buffers says of the same bytes
 * held whole (differences at window edges, a path longer than a window's
 * look around, an ELF file whose tables lie windows away), and
 * elf_read_file must agree with elf_read on every ELF vector.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "elf.h"
#include "image.h"
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

	T_ASSERT(util_mkdtemp(&b, "xpin-unit-image", &err) == 0);
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

/* A file image of name; false when it cannot be opened. */
static bool open_image(struct image *im, const char *name, uint64_t len)
{
	int fd = open(tpath(name), O_RDONLY | O_CLOEXEC);

	T_ASSERT(fd >= 0);
	if (fd < 0)
		return false;
	image_from_fd(im, fd, len);
	return true;
}

/* Bytes no two nearby offsets share, none of them NUL. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(1 + (i * 7 + i / 251) % 255);
}

void test_image__views_cross_and_evict_windows(void)
{
	const size_t len = 5 * IMAGE_WINDOW + 123;
	const uint64_t offs[] = {
		0, 1, IMAGE_WINDOW - 1, IMAGE_WINDOW - 4096, 3 * IMAGE_WINDOW + 5,
		len - IMAGE_WINDOW, 2 * IMAGE_WINDOW + 4095, 4 * IMAGE_WINDOW,
		IMAGE_WINDOW / 2, 0, len - 1, 7,
	};
	unsigned char *m = malloc(len), tmp[3 * 4096];
	struct image im = IMAGE_INIT;
	size_t i, k;

	setup();
	T_ASSERT(m != NULL);
	if (!m)
		return;
	for (i = 0; i < len; i++)
		m[i] = pattern(i);
	put_file("f", m, len);
	if (open_image(&im, "f", len)) {
		/* More places than windows, then back: eviction refills. */
		for (k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			size_t n = len - offs[k] < IMAGE_WINDOW
					   ? (size_t)(len - offs[k])
					   : IMAGE_WINDOW;
			const unsigned char *v = image_view(&im, offs[k], n);

			T_ASSERT(v && !memcmp(v, m + offs[k], n));
			v = image_view(&im, offs[k], 1);
			T_ASSERT(v && *v == m[offs[k]]);
		}
		T_ASSERT(image_read(&im, tmp, 2 * IMAGE_WINDOW - 4096,
				    sizeof(tmp)) == 0);
		T_ASSERT(!memcmp(tmp, m + 2 * IMAGE_WINDOW - 4096, sizeof(tmp)));
		T_ASSERT(image_view(&im, len, 0) != NULL);
		T_ASSERT(image_error(&im) == NULL);
		/* Larger than a window, or past the end: refused, and sticky. */
		T_ASSERT(image_view(&im, 0, IMAGE_WINDOW + 1) == NULL);
		T_ASSERT(image_error(&im) != NULL);
		T_ASSERT(image_view(&im, 0, 1) == NULL);
		image_release(&im);
	}
	if (open_image(&im, "f", len)) {
		T_ASSERT(image_view(&im, len - 2, 3) == NULL);
		T_ASSERT(image_error(&im) != NULL);
		image_release(&im);
	}
	free(m);
	teardown();
}

void test_image__strings(void)
{
	const size_t len = 3 * IMAGE_WINDOW;
	const size_t at = IMAGE_WINDOW - 10, slen = IMAGE_WINDOW + 100;
	unsigned char *m = malloc(len);
	struct image im = IMAGE_INIT, mem;
	const char *s;
	size_t i;

	setup();
	T_ASSERT(m != NULL);
	if (!m)
		return;
	for (i = 0; i < len; i++)
		m[i] = pattern(i);
	/* "ab" at 100; a string of slen bytes from at, crossing two window
	 * edges; no NUL at all in the last window. */
	memcpy(m + 100, "ab", 3);
	m[at + slen] = '\0';
	put_file("f", m, len);
	image_from_buffer(&mem, m, len);
	if (open_image(&im, "f", len)) {
		T_STREQ(image_str(&im, 100, 3), "ab");
		T_STREQ(image_str(&im, 101, 2), "b");
		T_ASSERT(image_str(&im, 100, 2) == NULL);
		s = image_str(&im, at, slen + 1);
		T_ASSERT(s && strlen(s) == slen && !memcmp(s, m + at, slen));
		T_ASSERT(image_str(&im, at, slen) == NULL);
		s = image_str(&im, at + slen - 3, 4);
		T_ASSERT(s && strlen(s) == 3);
		T_ASSERT(image_str(&im, at + slen + 1,
				   len - (at + slen + 1)) == NULL);
		T_ASSERT(image_error(&im) == NULL);
		image_release(&im);
	}
	T_STREQ(image_str(&mem, 100, 3), "ab");
	s = image_str(&mem, at, slen + 1);
	T_ASSERT(s && strlen(s) == slen);
	T_ASSERT(image_str(&mem, at, slen) == NULL);
	image_release(&mem);
	free(m);
	teardown();
}

void test_image__same(void)
{
	const size_t len = 3 * IMAGE_WINDOW + 17;
	unsigned char *m = malloc(len);
	struct image a = IMAGE_INIT, b = IMAGE_INIT;
	size_t i;

	setup();
	T_ASSERT(m != NULL);
	if (!m)
		return;
	for (i = 0; i < len; i++)
		m[i] = pattern(i);
	put_file("a", m, len);
	m[2 * IMAGE_WINDOW + 3] ^= 1;
	put_file("b", m, len);
	if (open_image(&a, "a", len) && open_image(&b, "b", len)) {
		T_ASSERT(image_same(&a, 0, &b, 0, 2 * IMAGE_WINDOW + 3));
		T_ASSERT(!image_same(&a, 0, &b, 0, 2 * IMAGE_WINDOW + 4));
		T_ASSERT(image_same(&a, 2 * IMAGE_WINDOW + 4, &b,
				    2 * IMAGE_WINDOW + 4,
				    len - 2 * IMAGE_WINDOW - 4));
		T_ASSERT(image_same(&a, 10, &a, 10, len - 10));
		T_ASSERT(image_error(&a) == NULL && image_error(&b) == NULL);
	}
	image_release(&a);
	image_release(&b);
	free(m);
	teardown();
}

/* A file that ends before the size it had when opened is an error, not
 * zeros and not a SIGBUS, and it stays one. */
void test_image__file_shrinks(void)
{
	const size_t len = 2 * IMAGE_WINDOW;
	unsigned char *m = calloc(1, len);
	struct image im = IMAGE_INIT;

	setup();
	T_ASSERT(m != NULL);
	if (!m)
		return;
	put_file("f", m, len);
	if (open_image(&im, "f", len)) {
		T_ASSERT(image_view(&im, 0, 16) != NULL);
		T_ASSERT(truncate(tpath("f"), IMAGE_WINDOW / 2) == 0);
		T_ASSERT(image_view(&im, len - 16, 16) == NULL);
		T_STREQ(image_error(&im), "file shrank while it was read");
		T_ASSERT(image_view(&im, 0, 16) == NULL);
		image_release(&im);
	}
	free(m);
	teardown();
}

/* What diff says of two files, and of the same bytes held whole: the same
 * JSON. Returns the hints of the entry. */
static unsigned diff_agrees(const char *what, const unsigned char *a, size_t na,
			const unsigned char *b, size_t nb)
{
	struct diff_report rf = DIFF_REPORT_INIT, rb = DIFF_REPORT_INIT;
	struct buf jf = BUF_INIT, jb = BUF_INIT;
	struct xerr err = XERR_INIT;
	unsigned hints = 0;
	json_t *j;

	put_file("a", a, na);
	put_file("b", b, nb);
	T_ASSERT(diff_paths(&rf, tpath("a"), tpath("b"), &err) == 0);
	T_ASSERT(diff_buffers(&rb, "a", a, na, b, nb, &err) == 0);
	T_INTEQ(rf.n, 1);
	if (rf.n == 1)
		hints = rf.v[0].hints;
	if ((j = diff_json(&rf, "A", "B"))) {
		T_ASSERT(jtext_dump_file(&jf, j) == 0);
		json_decref(j);
	}
	if ((j = diff_json(&rb, "A", "B"))) {
		T_ASSERT(jtext_dump_file(&jb, j) == 0);
		json_decref(j);
	}
	T_ASSERT(jf.len > 0);
	if (strcmp(buf_cstr(&jf), buf_cstr(&jb)))
		unit_fail(__FILE__, __LINE__, what);
	buf_release(&jf);
	buf_release(&jb);
	diff_report_release(&rf);
	diff_report_release(&rb);
	return hints;
}

void test_image__diff_across_windows(void)
{
	const size_t len = 4 * IMAGE_WINDOW + 777, w = IMAGE_WINDOW;
	unsigned char *a = malloc(len + 16), *b = malloc(len + 16);
	size_t i;

	setup();
	T_ASSERT(a && b);
	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	for (i = 0; i < len + 16; i++)
		a[i] = b[i] = (unsigned char)(0x80 + i % 97);
	/* A time across the first window edge. */
	memcpy(a + w - 5, " 1764000000 ", 12);
	memcpy(b + w - 5, " 1764000999 ", 12);
	/* A build folder in a path-like string of 3000 bytes (longer than
	 * TOKEN_MAX each way), across the second edge. */
	memset(a + 2 * w - 1500, 'x', 3000);
	memcpy(a + 2 * w - 1500, "/tmp/nix-build-a-1/", 19);
	memcpy(b + 2 * w - 1500, a + 2 * w - 1500, 3000);
	memcpy(b + 2 * w - 1500, "/tmp/nix-build-b-1/", 19);
	a[2 * w + 10] = 'y';
	/* Differing bytes either side of the third edge, 8 apart: one run. */
	b[3 * w - 4] ^= 0x55;
	b[3 * w + 4] ^= 0x55;
	T_INTEQ(diff_agrees("runs at window edges", a, len, b, len),
		DIFF_HINT_TIMESTAMP | DIFF_HINT_BUILD_PATH);
	/* B longer: the run at the end. */
	diff_agrees("b longer", a, len, b, len + 16);
	free(a);
	free(b);
	teardown();
}

static void put(unsigned char *p, size_t off, unsigned n, uint64_t v)
{
	unsigned i;

	for (i = 0; i < n; i++)
		p[off + i] = (unsigned char)(v >> (8 * i));
}

/* The first run of diff over the files a and b of len bytes (and the same
 * from diff_buffers): its hint, and its detail copied to detail. */
static enum diff_hint first_hint(char *detail, size_t n, const char *what,
				 const unsigned char *a, const unsigned char *b,
				 size_t len)
{
	struct diff_report r = DIFF_REPORT_INIT;
	struct xerr err = XERR_INIT;
	enum diff_hint h = DIFF_HINT_NONE;

	diff_agrees(what, a, len, b, len);
	detail[0] = '\0';
	T_ASSERT(diff_paths(&r, tpath("a"), tpath("b"), &err) == 0);
	if (r.n == 1 && r.v[0].nruns >= 1) {
		h = r.v[0].runs[0].hint;
		snprintf(detail, n, "%s",
			 r.v[0].runs[0].detail ? r.v[0].runs[0].detail : "");
	}
	diff_report_release(&r);
	return h;
}

/* The guesses read a window around a run, not the whole file: it must
 * reach as far as they look (TOKEN_MAX each way, from up to PATH_NEAR on),
 * and a binary time is still placed by its offset in the file. */
void test_image__diff_looks_far_enough(void)
{
	static const char head[] = "/nix/store/abc-x/";
	static const char tail[] = "/nix/store/abc-x/lib";
	const size_t len = 4 * IMAGE_WINDOW, p = 2 * IMAGE_WINDOW - 100;
	unsigned char *a = malloc(len), *b = malloc(len);
	char detail[512];
	size_t i;

	setup();
	T_ASSERT(a && b);
	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	for (i = 0; i < len; i++)
		a[i] = (unsigned char)(0x80 + i % 97);
	/* A store path 900 bytes after the difference. */
	memcpy(a + p, "/src/", 5);
	memset(a + p + 5, 'k', 890);
	memcpy(a + p + 895, tail, sizeof(tail) - 1);
	memcpy(b, a, len);
	b[p + 1] = 't';
	T_INTEQ(first_hint(detail, sizeof(detail), "store path after", a, b,
			   len),
		DIFF_HINT_STORE_PATH);
	/* ... and 900 bytes before it. */
	for (i = p; i < p + 2000; i++)
		a[i] = (unsigned char)(0x80 + i % 97);
	memcpy(a + p, head, sizeof(head) - 1);
	memset(a + p + 17, 'k', 890);
	memcpy(a + p + 907, "/lib", 4);
	memcpy(b, a, len);
	b[p + 909] = 'x';
	T_INTEQ(first_hint(detail, sizeof(detail), "store path before", a, b,
			   len),
		DIFF_HINT_STORE_PATH);
	/* An 8-byte time at file offset 3 windows + 8. */
	memcpy(b, a, len);
	put(a, 3 * IMAGE_WINDOW + 8, 8, 1764000000);
	put(b, 3 * IMAGE_WINDOW + 8, 8, 1764000123);
	T_INTEQ(first_hint(detail, sizeof(detail), "binary time", a, b, len),
		DIFF_HINT_TIMESTAMP);
	T_ASSERT(strstr(detail, "integers at +0x30008: 1764000000 vs 1764000123") != NULL);
	/* The same with its first differing byte off the 8-byte grid (the
	 * window then starts off it too). */
	put(b, 3 * IMAGE_WINDOW + 8, 8, 1764000000 + (1u << 16));
	T_INTEQ(first_hint(detail, sizeof(detail), "binary time, unaligned",
			   a, b, len),
		DIFF_HINT_TIMESTAMP);
	T_ASSERT(strstr(detail, "integers at +0x30008: 1764000000 vs 1764065536") != NULL);
	free(a);
	free(b);
	teardown();
}


/* An ELF64 file: .rodata of ro bytes at 0x100, then the build-id note,
 * the section names and the section header table, all windows away from
 * the ELF header. */
enum { RO = 3 * IMAGE_WINDOW + 100 };
#define BIG_NOTE (0x100 + RO)
#define BIG_STR (BIG_NOTE + 0x40)
#define BIG_SHOFF (BIG_STR + 0x40)
#define BIG_SIZE (BIG_SHOFF + 4 * 64)

static void big_elf(unsigned char *m)
{
	static const char strtab[] = "\0.rodata\0.note.gnu.build-id\0.shstrtab";
	const uint64_t sh[4][4] = {
		{ 0, 0, 0, 0 },
		{ 1, 1, 0x100, RO },
		{ 9, 7, BIG_NOTE, 0x24 },
		{ 28, 3, BIG_STR, sizeof(strtab) },
	};
	size_t i;

	memset(m, 0, BIG_SIZE);
	for (i = 0x100; i < 0x100 + RO; i++)
		m[i] = (unsigned char)(0x80 + i % 97);
	memcpy(m, "\177ELF\2\1\1", 7);
	put(m, 16, 2, 3);
	put(m, 18, 2, 62);
	put(m, 40, 8, BIG_SHOFF);
	put(m, 52, 2, 64);
	put(m, 58, 2, 64);
	put(m, 60, 2, 4);
	put(m, 62, 2, 3);
	put(m, BIG_NOTE, 4, 4);
	put(m, BIG_NOTE + 4, 4, 20);
	put(m, BIG_NOTE + 8, 4, 3);
	memcpy(m + BIG_NOTE + 12, "GNU", 4);
	memset(m + BIG_NOTE + 16, 0xab, 20);
	memcpy(m + BIG_STR, strtab, sizeof(strtab));
	for (i = 1; i < 4; i++) {
		put(m, BIG_SHOFF + 64 * i, 4, sh[i][0]);
		put(m, BIG_SHOFF + 64 * i + 4, 4, sh[i][1]);
		put(m, BIG_SHOFF + 64 * i + 24, 8, sh[i][2]);
		put(m, BIG_SHOFF + 64 * i + 32, 8, sh[i][3]);
	}
}

void test_image__diff_elf_across_windows(void)
{
	unsigned char *a = malloc(BIG_SIZE), *b = malloc(BIG_SIZE);

	setup();
	T_ASSERT(a && b);
	if (!a || !b) {
		free(a);
		free(b);
		return;
	}
	big_elf(a);
	big_elf(b);
	memcpy(a + 0x100 + 2 * IMAGE_WINDOW - 4, "at 1764000000.", 14);
	memcpy(b + 0x100 + 2 * IMAGE_WINDOW - 4, "at 1764000123.", 14);
	b[BIG_NOTE + 30] = 0xcd;
	T_INTEQ(diff_agrees("an ELF file's sections", a, BIG_SIZE, b,
			    BIG_SIZE),
		DIFF_HINT_TIMESTAMP);
	/* Only the build-id, with the whole file compared around it. */
	memcpy(b + 0x100 + 2 * IMAGE_WINDOW - 4, "at 1764000000.", 14);
	T_INTEQ(diff_agrees("only the build-id", a, BIG_SIZE, b, BIG_SIZE),
		DIFF_HINT_BUILD_ID_ONLY);
	/* One byte outside every section, windows after the note: not only
	 * the build-id any more. */
	a[BIG_NOTE + 0x30] = 1;
	T_INTEQ(diff_agrees("a byte between sections", a, BIG_SIZE, b,
			    BIG_SIZE),
		DIFF_HINT_NONE);
	free(a);
	free(b);
	teardown();
}

/* The facts of every ELF vector, or its error, are the same read from the
 * file through the windows as from its bytes in memory. */
void test_image__elf_file_matches_buffer(void)
{
	DIR *d = opendir("vectors/elf");
	struct dirent *de;
	int n = 0;

	T_ASSERT(d != NULL);
	while (d && (de = readdir(d))) {
		struct elf_facts ff = ELF_FACTS_INIT, fb = ELF_FACTS_INIT;
		struct xerr ef = XERR_INIT, eb = XERR_INIT;
		struct buf bytes = BUF_INIT, jf = BUF_INIT, jb = BUF_INIT;
		char path[1024];
		int rf, rb;
		json_t *j;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "vectors/elf/%s/%s.elf",
			 de->d_name, de->d_name);
		if (access(path, R_OK) != 0)
			continue;
		n++;
		rf = elf_read_file(&ff, path, &ef);
		T_ASSERT(util_read_file(&bytes, path, 1u << 30, &eb) == 0);
		rb = elf_read(&fb, (const unsigned char *)bytes.data,
			      bytes.len, &eb);
		T_INTEQ(rf, rb);
		if (rf < 0) {
			T_STREQ(ef.msg, eb.msg);
		} else {
			if ((j = elf_json(path, &ff, NULL))) {
				T_ASSERT(jtext_dump_file(&jf, j) == 0);
				json_decref(j);
			}
			if ((j = elf_json(path, &fb, NULL))) {
				T_ASSERT(jtext_dump_file(&jb, j) == 0);
				json_decref(j);
			}
			T_ASSERT(jf.len > 0);
			if (strcmp(buf_cstr(&jf), buf_cstr(&jb)))
				unit_fail(__FILE__, __LINE__, path);
		}
		elf_facts_release(&ff);
		elf_facts_release(&fb);
		buf_release(&bytes);
		buf_release(&jf);
		buf_release(&jb);
	}
	if (d)
		closedir(d);
	T_ASSERT(n >= 20);
}

/* image_open: a regular file's image, a symlink followed or refused, a
 * folder told apart, a missing file's errno. */
void test_image__open(void)
{
	struct image im = IMAGE_INIT;
	struct stat st;
	const unsigned char *v;

	setup();
	put_file("f", "hello", 5);
	T_ASSERT(symlink("f", tpath("l")) == 0);
	T_INTEQ(image_open(&im, &st, tpath("f"), false), 0);
	T_INTEQ(im.len, 5);
	v = image_view(&im, 0, 5);
	T_ASSERT(v && !memcmp(v, "hello", 5));
	image_release(&im);
	T_INTEQ(image_open(&im, &st, tpath("l"), true), 0);
	T_INTEQ(im.len, 5);
	image_release(&im);
	errno = 0;
	T_INTEQ(image_open(&im, &st, tpath("l"), false), -1);
	T_INTEQ(errno, ELOOP);
	T_INTEQ(image_open(&im, &st, tmpdir, true), 1);
	T_ASSERT(S_ISDIR(st.st_mode));
	T_INTEQ(im.len, 0);
	T_ASSERT(im.fd >= 0);
	image_release(&im);
	T_INTEQ(im.fd, -1);
	errno = 0;
	T_INTEQ(image_open(&im, &st, tpath("none"), true), -1);
	T_INTEQ(errno, ENOENT);
	teardown();
}

/* elf_list_sections on a file image, against vectors/elf/x86_64-static's
 * readelf.txt (readelf -W -a): 30 entries; .text at 0x1100, 0x770af
 * bytes, flags AX; .tbss NOBITS, so no file bytes; the tables' places
 * from the ELF header. */
void test_image__elf_sections_match_readelf(void)
{
	struct elf_sections l = ELF_SECTIONS_INIT;
	struct image im = IMAGE_INIT;
	struct xerr err = XERR_INIT;
	struct stat st;

	T_INTEQ(image_open(&im, &st,
			   "vectors/elf/x86_64-static/x86_64-static.elf", false),
		0);
	T_INTEQ(elf_list_sections(&l, &im, &err), 1);
	T_INTEQ(l.n, 30);
	if (l.n == 30) {
		T_ASSERT(l.v[0].name == NULL && l.v[0].type == 0);
		T_STREQ(l.v[7].name, ".text");
		T_INTEQ(l.v[7].type, 1);
		T_INTEQ(l.v[7].flags, 6);
		T_INTEQ(l.v[7].offset, 0x1100);
		T_INTEQ(l.v[7].size, 0x770af);
		T_ASSERT(l.v[7].in_file);
		T_STREQ(l.v[14].name, ".tbss");
		T_INTEQ(l.v[14].type, 8);
		T_ASSERT(!l.v[14].in_file);
		T_STREQ(l.v[29].name, ".shstrtab");
	}
	T_INTEQ(l.ehsize, 64);
	T_INTEQ(l.phoff, 64);
	T_INTEQ(l.phsize, 10 * 56);
	T_INTEQ(l.shoff, 760472);
	T_INTEQ(l.shsize, 30 * 64);
	T_ASSERT(!l.big_endian);
	elf_sections_release(&l);
	image_release(&im);

	/* Not ELF: not listed, and why. */
	image_from_buffer(&im, "not elf", 7);
	T_INTEQ(elf_list_sections(&l, &im, &err), 0);
	T_ASSERT(strstr(err.msg, "not an ELF file") != NULL);
	T_ASSERT(l.v == NULL && l.n == 0);
	image_release(&im);
}
