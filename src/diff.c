/* diff: what differs between two build outputs, and why it might. */
#include "diff.h"

#include "elf.h"
#include "image.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A plausible time: from 2000-01-01 UTC to a year from now (2100 when
 * the clock cannot be read), in unix seconds. */
#define TS_MIN 946684800ull
#define TS_MAX 4102444800ull
#define TS_AHEAD (366ull * 86400)
/* Two binary times in milli-, micro- or nanoseconds must be this close to
 * count (seconds need not be: an audit compares builds years apart). */
#define TS_NEAR (366ull * 86400)
/* Longest path-like string a hint looks at, each way from a difference. */
#define TOKEN_MAX 1024
/* How far past a difference the other side's path may start. */
#define PATH_NEAR 32
/* Shown of a hint's strings before "...". */
#define SHOW_MAX 120

static const char BUILD_ID[] = ".note.gnu.build-id";

static int oom(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static uint64_t absdiff(uint64_t x, uint64_t y)
{
	return x > y ? x - y : y - x;
}

/* ---- files ---- */

/* A regular file, read through image's windows: memory stays the same
 * however large the two files are. */
static int open_file(struct image *im, const char *path, bool follow,
		     struct xerr *err)
{
	struct stat st;
	int k = image_open(im, &st, path, follow);

	if (k < 0)
		return xerr_set(err, XPIN_USAGE, "cannot read '%s': %s", path,
				strerror(errno));
	if (k > 0) {
		image_release(im);
		return xerr_set(err, XPIN_USAGE,
				"cannot read '%s': not a regular file", path);
	}
	return 0;
}

/* ---- comparing bytes into runs ---- */

struct scan {
	struct diff_run *runs;
	size_t max, n;
	bool any, open;
	uint64_t first, ndiff, last;
};

/* Differing bytes [off, off+len) were found, in increasing order. */
static void scan_note(struct scan *s, uint64_t off, uint64_t len)
{
	struct diff_run *r;

	if (!s->any) {
		s->any = true;
		s->first = off;
	}
	s->ndiff += len;
	if (s->open && off - s->last <= DIFF_RUN_GAP) {
		r = &s->runs[s->n - 1];
		r->len = off + len - r->off;
		s->last = off + len - 1;
		return;
	}
	s->open = false;
	if (s->n >= s->max)
		return;
	r = &s->runs[s->n++];
	memset(r, 0, sizeof(*r));
	r->off = off;
	r->len = len;
	s->open = true;
	s->last = off + len - 1;
}

/* Compare [oa, oa+na) of A with [ob, ob+nb) of B, a window at a time;
 * offsets noted are from their starts. A read error stops the scan (the
 * caller reports it). */
static void scan_bytes(struct scan *s, struct image *ia, uint64_t oa,
		       uint64_t na, struct image *ib, uint64_t ob, uint64_t nb)
{
	uint64_t n = na < nb ? na : nb, w, i, j;

	for (w = 0; w < n; w += IMAGE_WINDOW) {
		size_t k = n - w < IMAGE_WINDOW ? (size_t)(n - w) : IMAGE_WINDOW;
		const unsigned char *a = image_view(ia, oa + w, k);
		const unsigned char *b = a ? image_view(ib, ob + w, k) : NULL;

		if (!b)
			return;
		for (i = 0; i < k; i += 4096) {
			uint64_t blk = k - i < 4096 ? k - i : 4096;

			if (!memcmp(a + i, b + i, (size_t)blk))
				continue;
			for (j = i; j < i + blk; j++)
				if (a[j] != b[j])
					scan_note(s, w + j, 1);
		}
	}
	if (na != nb)
		scan_note(s, n, absdiff(na, nb));
}

static void context(char *out, const unsigned char *p, uint64_t n,
		    uint64_t from, uint64_t to)
{
	size_t k = 0;
	uint64_t i;

	for (i = from; i < to && i < n; i++)
		out[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	out[k] = '\0';
}

/* ---- likely causes ---- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void utc(char out[32], uint64_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, 32, "@%llu", (unsigned long long)secs);
}

static const char *const unit_name[] = { "seconds", "milliseconds",
					 "microseconds", "nanoseconds" };
static const uint64_t unit_div[] = { 1, 1000, 1000000, 1000000000 };

/* What the likely-cause guesses need to know. */
struct guess {
	bool on;          /* guess at all (not in a build-id) */
	bool big;         /* the file's byte order, for binary integers */
	uint64_t ts_max;  /* the latest plausible time */
};

static bool in_range(const struct guess *g, uint64_t secs)
{
	return secs >= TS_MIN && secs < g->ts_max;
}

static char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *strf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	char tmp[1024];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (buf_puts(&b, tmp) < 0) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

/* The span of digits around off in p (none when p[off] is no digit). */
static uint64_t digits_at(const unsigned char *p, uint64_t n, uint64_t off,
			  uint64_t *start)
{
	uint64_t l = off, r = off;

	if (off >= n || !is_digit(p[off]))
		return 0;
	while (l > 0 && off - l < 24 && is_digit(p[l - 1]))
		l--;
	while (r < n && r - off < 24 && is_digit(p[r]))
		r++;
	*start = l;
	return r - l;
}

/* A decimal time: 10, 13, 16 or 19 digits (seconds to nanoseconds). */
static int decimal_time(const struct guess *g, const unsigned char *p,
			uint64_t start, uint64_t len, uint64_t *secs)
{
	uint64_t v = 0, i;
	int u;

	switch (len) {
	case 10: u = 0; break;
	case 13: u = 1; break;
	case 16: u = 2; break;
	case 19: u = 3; break;
	default: return -1;
	}
	for (i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(p[start + i] - '0');
	*secs = v / unit_div[u];
	return in_range(g, *secs) ? u : -1;
}

static enum diff_hint guess_decimal(char **detail, const struct guess *g,
				    const unsigned char *a, uint64_t na,
				    const unsigned char *b, uint64_t nb,
				    uint64_t off)
{
	uint64_t sa = 0, sb = 0, la, lb, ta, tb;
	char da[32], db[32];
	int ua, ub;

	la = digits_at(a, na, off, &sa);
	lb = digits_at(b, nb, off, &sb);
	if (!la || !lb)
		return DIFF_HINT_NONE;
	ua = decimal_time(g, a, sa, la, &ta);
	ub = decimal_time(g, b, sb, lb, &tb);
	if (ua < 0 || ub < 0)
		return DIFF_HINT_NONE;
	utc(da, ta);
	utc(db, tb);
	*detail = strf("%.*s vs %.*s (unix time in %s: %s vs %s UTC)",
		       (int)la, (const char *)a + sa, (int)lb,
		       (const char *)b + sb, unit_name[ua], da, db);
	return DIFF_HINT_TIMESTAMP;
}

static uint64_t get64(const unsigned char *p, bool big)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[big ? 7 - i : i] << (8 * i);
	return v;
}

static bool printable8(const unsigned char *p)
{
	int i;

	for (i = 0; i < 8; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return false;
	return true;
}

static int binary_unit(const struct guess *g, uint64_t va, uint64_t vb)
{
	int u;

	for (u = 0; u < 4; u++) {
		uint64_t sa = va / unit_div[u], sb = vb / unit_div[u];

		if (in_range(g, sa) && in_range(g, sb) &&
		    (u == 0 || absdiff(sa, sb) <= TS_NEAR))
			return u;
	}
	return -1;
}

/* An 8-byte integer (in the file's byte order) at an 8-byte aligned file
 * offset that holds every differing byte of the run and reads as a time on
 * both sides. Unaligned windows are not tried: across a pointer or an
 * offset that moved they read as plausible times too often. a and b start
 * at offset at of a section that starts at file offset base. */
static enum diff_hint guess_binary(char **detail, const struct guess *g,
				   const unsigned char *a, uint64_t na,
				   const unsigned char *b, uint64_t nb,
				   uint64_t off, uint64_t len, uint64_t base,
				   uint64_t at)
{
	uint64_t lo = off + len > 8 ? off + len - 8 : 0, s, n = na < nb ? na : nb;
	int u;

	if (len > 8)
		return DIFF_HINT_NONE;
	for (s = lo; s <= off; s++) {
		uint64_t va, vb;
		char da[32], db[32];

		if ((base + at + s) % 8 != 0 || s + 8 > n)
			continue;
		/* Eight printable bytes are text, not a time (text read as
		 * an integer easily falls in the nanosecond range). */
		if (printable8(a + s) || printable8(b + s))
			continue;
		va = get64(a + s, g->big);
		vb = get64(b + s, g->big);
		if (va == vb || (u = binary_unit(g, va, vb)) < 0)
			continue;
		utc(da, va / unit_div[u]);
		utc(db, vb / unit_div[u]);
		*detail = strf("8-byte %s-endian integers at +0x%llx: %llu vs %llu (unix time in %s: %s vs %s UTC)",
			       g->big ? "big" : "little",
			       (unsigned long long)(at + s),
			       (unsigned long long)va, (unsigned long long)vb,
			       unit_name[u], da, db);
		return DIFF_HINT_TIMESTAMP;
	}
	return DIFF_HINT_NONE;
}

static bool num2(const unsigned char *p, unsigned max)
{
	return is_digit(p[0]) && is_digit(p[1]) &&
	       (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0') <= max;
}

static bool year4(const unsigned char *p)
{
	unsigned y;

	if (!is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[2]) ||
	    !is_digit(p[3]))
		return false;
	y = (unsigned)(p[0] - '0') * 1000 + (unsigned)(p[1] - '0') * 100 +
	    (unsigned)(p[2] - '0') * 10 + (unsigned)(p[3] - '0');
	return y >= 1990 && y < 2200;
}

/* "hh:mm:ss" (__TIME__, date(1)) */
static bool is_clock(const unsigned char *p)
{
	return num2(p, 23) && p[2] == ':' && num2(p + 3, 59) && p[5] == ':' &&
	       num2(p + 6, 60);
}

/* "2026-11-24" */
static bool is_iso_date(const unsigned char *p)
{
	return year4(p) && p[4] == '-' && num2(p + 5, 12) && p[7] == '-' &&
	       num2(p + 8, 31) && (p[5] != '0' || p[6] != '0') &&
	       (p[8] != '0' || p[9] != '0');
}

/* "Nov 24 2026" or "Nov  4 2026" (__DATE__) */
static bool is_c_date(const unsigned char *p)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t m;

	for (m = 0; m < 12; m++)
		if (!memcmp(p, months + 3 * m, 3))
			break;
	return m < 12 && p[3] == ' ' && (p[4] == ' ' || is_digit(p[4])) &&
	       is_digit(p[5]) && p[6] == ' ' && year4(p + 7);
}

static const struct {
	size_t len;
	bool (*match)(const unsigned char *p);
} date_forms[] = {
	{ 11, is_c_date },
	{ 10, is_iso_date },
	{ 8, is_clock },
};

/* A date or clock string that holds the first differing byte on both
 * sides. */
static enum diff_hint guess_date(char **detail, const unsigned char *a,
				 uint64_t na, const unsigned char *b,
				 uint64_t nb, uint64_t off)
{
	uint64_t n = na < nb ? na : nb, st;
	size_t f;

	for (f = 0; f < sizeof(date_forms) / sizeof(date_forms[0]); f++) {
		size_t len = date_forms[f].len;

		for (st = off + 1 >= len ? off + 1 - len : 0; st <= off; st++) {
			if (st + len > n || !date_forms[f].match(a + st) ||
			    !date_forms[f].match(b + st))
				continue;
			*detail = strf("\"%.*s\" vs \"%.*s\"", (int)len,
				       (const char *)a + st, (int)len,
				       (const char *)b + st);
			return DIFF_HINT_TIMESTAMP;
		}
	}
	return DIFF_HINT_NONE;
}

static bool path_char(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("/._-+~@=%#,:", c));
}

/* The path-like string around off (or just before it, when off is where
 * one side's string ends). */
static uint64_t token_at(const unsigned char *p, uint64_t n, uint64_t off,
			 uint64_t *start)
{
	uint64_t l, r;

	if (off < n && path_char(p[off]))
		l = off;
	else if (off > 0 && off - 1 < n && path_char(p[off - 1]))
		l = off - 1;
	else
		return 0;
	r = l;
	while (l > 0 && off - l < TOKEN_MAX && path_char(p[l - 1]))
		l--;
	while (r < n && r - off < TOKEN_MAX && path_char(p[r]))
		r++;
	*start = l;
	return r - l;
}

static bool has(const unsigned char *p, uint64_t n, const char *what)
{
	size_t k = strlen(what);
	uint64_t i;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(p + i, what, k))
			return true;
	return false;
}

static bool path_like(const unsigned char *p, uint64_t n)
{
	bool slash = false, alpha = false;
	uint64_t i;

	for (i = 0; i < n; i++) {
		slash |= p[i] == '/';
		alpha |= is_alpha(p[i]);
	}
	return slash && alpha;
}

static bool nix_build_dir(const unsigned char *p, uint64_t n)
{
	return has(p, n, "/tmp/nix-build-") || has(p, n, "/build/") ||
	       (n >= 6 && !memcmp(p, "/build", 6) && (n == 6 || p[6] == '/'));
}

/* The path-like string at off, or the first one that starts within
 * PATH_NEAR bytes after it: a longer string may have been aligned further
 * on, leaving padding where the other side's string starts. */
static uint64_t path_near(const unsigned char *p, uint64_t n, uint64_t off,
			  uint64_t *start)
{
	uint64_t i, len;

	for (i = 0; i <= PATH_NEAR && off + i <= n; i++) {
		if (i > 0 && (off + i >= n || !path_char(p[off + i]) ||
			      path_char(p[off + i - 1])))
			continue;
		len = token_at(p, n, off + i, start);
		if (len && path_like(p + *start, len))
			return len;
	}
	return 0;
}

static enum diff_hint guess_path(char **detail, const unsigned char *a,
				 uint64_t na, const unsigned char *b,
				 uint64_t nb, uint64_t off)
{
	uint64_t sa = 0, sb = 0, la, lb;
	bool build, store;

	la = path_near(a, na, off, &sa);
	lb = path_near(b, nb, off, &sb);
	if (!la || !lb || (la == lb && !memcmp(a + sa, b + sb, la)))
		return DIFF_HINT_NONE;
	build = nix_build_dir(a + sa, la) || nix_build_dir(b + sb, lb);
	store = has(a + sa, la, "/nix/store/") || has(b + sb, lb, "/nix/store/");
	*detail = strf("%s\"%.*s%s\" vs \"%.*s%s\"",
		       build ? "a Nix build folder: " : "",
		       (int)(la > SHOW_MAX ? SHOW_MAX : la),
		       (const char *)a + sa, la > SHOW_MAX ? "..." : "",
		       (int)(lb > SHOW_MAX ? SHOW_MAX : lb),
		       (const char *)b + sb, lb > SHOW_MAX ? "..." : "");
	return store && !build ? DIFF_HINT_STORE_PATH : DIFF_HINT_BUILD_PATH;
}

/* How far each way from a run's first byte the contexts and guesses
 * look: a path-like string of up to TOKEN_MAX bytes either side, starting
 * up to PATH_NEAR bytes on, and some slack. Only this window of the two
 * sides is read. */
#define LOOK_BEFORE (TOKEN_MAX + 64)
#define LOOK_AFTER (TOKEN_MAX + PATH_NEAR + 64)

/* Fill a run's file offsets, contexts and likely cause. The run's offsets
 * are relative to the section (or file) [base_a, base_a + na) of A and
 * [base_b, base_b + nb) of B. */
static int finish_run(struct diff_run *r, struct image *ia, uint64_t base_a,
		      uint64_t na, struct image *ib, uint64_t base_b,
		      uint64_t nb, const struct guess *g, struct xerr *err)
{
	uint64_t span = r->len < DIFF_CONTEXT_SPAN ? r->len : DIFF_CONTEXT_SPAN;
	uint64_t lo = r->off > LOOK_BEFORE ? r->off - LOOK_BEFORE : 0;
	uint64_t ea = na < r->off + LOOK_AFTER ? na : r->off + LOOK_AFTER;
	uint64_t eb = nb < r->off + LOOK_AFTER ? nb : r->off + LOOK_AFTER;
	uint64_t wa = ea > lo ? ea - lo : 0, wb = eb > lo ? eb - lo : 0;
	uint64_t o = r->off - lo;
	const unsigned char *a, *b;
	char *d = NULL;

	r->file_a = base_a + r->off;
	r->file_b = base_b + r->off;
	r->ctx_off = r->off > DIFF_CONTEXT ? r->off - DIFF_CONTEXT : 0;
	r->hint = DIFF_HINT_NONE;
	r->detail = NULL;
	/* A read error leaves the run bare; compare_files reports it. */
	a = image_view(ia, base_a + lo, (size_t)wa);
	b = a ? image_view(ib, base_b + lo, (size_t)wb) : NULL;
	if (!b)
		return 0;
	context(r->ctx_a, a, wa, r->ctx_off - lo, o + span + DIFF_CONTEXT);
	context(r->ctx_b, b, wb, r->ctx_off - lo, o + span + DIFF_CONTEXT);
	if (!g->on)
		return 0;
	r->hint = guess_date(&d, a, wa, b, wb, o);
	if (!r->hint)
		r->hint = guess_decimal(&d, g, a, wa, b, wb, o);
	if (!r->hint)
		r->hint = guess_path(&d, a, wa, b, wb, o);
	if (!r->hint)
		r->hint = guess_binary(&d, g, a, wa, b, wb, o, r->len, base_a,
				       lo);
	if (r->hint && !d)
		return oom(err);
	r->detail = d;
	return 0;
}

/* ---- an ELF file's sections, as elf.c lists them ---- */

struct esec {
	char *name;
	uint32_t type;
	uint64_t off, size;   /* sh_offset, sh_size */
	bool bytes;           /* [off, off+size) is file content in the file */
	size_t pair;          /* the matching section of the other file */
	bool paired;
};

struct eimg {
	bool big;
	struct esec *s;
	size_t n;
};

static void eimg_release(struct eimg *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->s[i].name);
	free(e->s);
	e->s = NULL;
	e->n = 0;
}

static int esec_add(struct eimg *e, const char *name, uint32_t type,
		    uint64_t off, uint64_t size, bool bytes)
{
	struct esec *s = &e->s[e->n];

	memset(s, 0, sizeof(*s));
	if (!(s->name = strdup(name)))
		return -1;
	s->type = type;
	s->off = off;
	s->size = size;
	s->bytes = bytes;
	e->n++;
	return 0;
}

/*
 * The sections of an ELF image, with the ELF header, program header table
 * and section header table as three more (compared as bytes, so type 1);
 * a section without a name is called by its index, "[5]". 1 when im is ELF
 * with a section table elf.c lists, 0 when it is not (or cannot be read:
 * compare it as bytes), -1 when out of memory.
 */
static int list_sections(struct eimg *out, struct image *im)
{
	struct elf_sections l = ELF_SECTIONS_INIT;
	struct xerr why = XERR_INIT;
	int k = elf_list_sections(&l, im, &why);
	size_t i;

	memset(out, 0, sizeof(*out));
	if (k <= 0)
		return k;
	if (!(out->s = calloc(l.n + 3, sizeof(*out->s))))
		goto oom;
	out->big = l.big_endian;
	if (esec_add(out, "(ELF header)", 1, 0, l.ehsize, true) < 0 ||
	    (l.phsize && esec_add(out, "(program headers)", 1, l.phoff,
				  l.phsize, true) < 0))
		goto oom;
	for (i = 1; i < l.n; i++) {
		const struct elf_section *e = &l.v[i];
		char tmp[32];

		snprintf(tmp, sizeof(tmp), "[%zu]", i);
		if (esec_add(out, e->name ? e->name : tmp, e->type, e->offset,
			     e->size, e->in_file) < 0)
			goto oom;
	}
	if (esec_add(out, "(section headers)", 1, l.shoff, l.shsize, true) < 0)
		goto oom;
	elf_sections_release(&l);
	return 1;
oom:
	elf_sections_release(&l);
	eimg_release(out);
	return -1;
}

struct sref {
	const char *name;
	size_t i;
};

static int sref_cmp(const void *x, const void *y)
{
	const struct sref *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

static struct sref *sorted_refs(const struct eimg *e)
{
	struct sref *r = calloc(e->n ? e->n : 1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	for (i = 0; i < e->n; i++) {
		r[i].name = e->s[i].name;
		r[i].i = i;
	}
	qsort(r, e->n, sizeof(*r), sref_cmp);
	return r;
}

/* Pair the k-th section of a name in A with the k-th of that name in B. */
static int pair_sections(struct eimg *a, struct eimg *b)
{
	struct sref *ra = sorted_refs(a), *rb = sorted_refs(b);
	size_t i = 0, j = 0;

	if (!ra || !rb) {
		free(ra);
		free(rb);
		return -1;
	}
	while (i < a->n && j < b->n) {
		int c = strcmp(ra[i].name, rb[j].name);

		if (c == 0) {
			a->s[ra[i].i].pair = rb[j].i;
			a->s[ra[i].i].paired = true;
			b->s[rb[j].i].pair = ra[i].i;
			b->s[rb[j].i].paired = true;
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	free(ra);
	free(rb);
	return 0;
}

/* ---- entries ---- */

static void run_release(struct diff_run *r)
{
	free(r->detail);
	r->detail = NULL;
}

static void entry_release(struct diff_entry *e)
{
	size_t i;

	free(e->path);
	free(e->target_a);
	free(e->target_b);
	for (i = 0; i < e->nsections; i++) {
		free(e->sections[i].name);
		run_release(&e->sections[i].run);
	}
	free(e->sections);
	for (i = 0; i < e->nruns; i++)
		run_release(&e->runs[i]);
	free(e->runs);
	memset(e, 0, sizeof(*e));
}

void diff_report_release(struct diff_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		entry_release(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Move e into r (which then owns it). */
static int report_add(struct diff_report *r, struct diff_entry *e,
		      struct xerr *err)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		struct diff_entry *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			entry_release(e);
			return oom(err);
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *e;
	memset(e, 0, sizeof(*e));
	if (r->v[r->n - 1].status == DIFF_ONLY_A)
		r->only_a++;
	else if (r->v[r->n - 1].status == DIFF_ONLY_B)
		r->only_b++;
	else
		r->changed++;
	return 0;
}

/* Compare one pair of sections into out; false when they are the same. */
static int compare_section(struct diff_section *out, bool *differs,
			   struct image *ia, const struct esec *sa,
			   struct image *ib, const struct esec *sb,
			   const struct guess *g, struct xerr *err)
{
	struct scan sc = { 0 };
	struct guess gs = *g;

	memset(out, 0, sizeof(*out));
	*differs = false;
	out->in_a = sa != NULL;
	out->in_b = sb != NULL;
	out->size_a = sa ? sa->size : 0;
	out->size_b = sb ? sb->size : 0;
	if (sa && sb && sa->bytes && sb->bytes) {
		sc.runs = &out->run;
		sc.max = 1;
		scan_bytes(&sc, ia, sa->off, sa->size, ib, sb->off, sb->size);
		out->ndiff = sc.ndiff;
		*differs = sc.any || sa->type != sb->type;
	} else {
		out->ndiff = absdiff(out->size_a, out->size_b);
		*differs = !sa || !sb || sa->type != sb->type ||
			   sa->size != sb->size || sa->bytes != sb->bytes;
	}
	if (!*differs)
		return 0;
	if (!(out->name = strdup(sa ? sa->name : sb->name)))
		return oom(err);
	if (sc.n) {
		out->has_run = true;
		/* A build-id is a hash: any guess there would be noise. */
		gs.on = strcmp(out->name, BUILD_ID) != 0;
		if (finish_run(&out->run, ia, sa->off, sa->size, ib, sb->off,
			       sb->size, &gs, err) < 0) {
			free(out->name);
			out->name = NULL;
			return -1;
		}
	}
	return 0;
}

static int add_section(struct diff_entry *e, size_t *cap,
		       struct diff_section *s, struct xerr *err)
{
	if (e->nsections == *cap) {
		size_t n = *cap ? 2 * *cap : 8;
		struct diff_section *v = realloc(e->sections, n * sizeof(*v));

		if (!v) {
			free(s->name);
			run_release(&s->run);
			return oom(err);
		}
		e->sections = v;
		*cap = n;
	}
	e->sections[e->nsections++] = *s;
	if (s->has_run)
		e->hints |= s->run.hint;
	return 0;
}

/* Only .note.gnu.build-id differs, at the same place, and nothing else in
 * the file (padding included). */
static bool build_id_only(const struct diff_entry *e, struct image *ia,
			  struct image *ib, const struct eimg *ea)
{
	const struct esec *s = NULL;
	size_t i;

	if (e->nsections != 1 || strcmp(e->sections[0].name, BUILD_ID) ||
	    ia->len != ib->len)
		return false;
	for (i = 0; i < ea->n; i++)
		if (!strcmp(ea->s[i].name, BUILD_ID))
			s = &ea->s[i];
	if (!s || !s->bytes || !e->sections[0].in_b ||
	    e->sections[0].size_a != e->sections[0].size_b)
		return false;
	return e->sections[0].has_run &&
	       e->sections[0].run.file_a == e->sections[0].run.file_b &&
	       s->off + e->sections[0].run.off == e->sections[0].run.file_a &&
	       image_same(ia, 0, ib, 0, s->off) &&
	       image_same(ia, s->off + s->size, ib, s->off + s->size,
			  ia->len - s->off - s->size);
}

static int compare_elf(struct diff_entry *e, struct image *ia,
		       struct eimg *ea, struct image *ib,
		       struct eimg *eb, uint64_t ts_max, struct xerr *err)
{
	struct guess g = { true, ea->big, ts_max };
	struct diff_section s;
	size_t i, cap = 0;
	bool differs;

	if (pair_sections(ea, eb) < 0)
		return oom(err);
	e->elf = true;
	e->nsections_total = ea->n;
	for (i = 0; i < ea->n; i++) {
		const struct esec *sb = ea->s[i].paired ? &eb->s[ea->s[i].pair]
							 : NULL;

		if (compare_section(&s, &differs, ia, &ea->s[i], ib, sb, &g,
				    err) < 0)
			return -1;
		if (differs && add_section(e, &cap, &s, err) < 0)
			return -1;
	}
	for (i = 0; i < eb->n; i++) {
		if (eb->s[i].paired)
			continue;
		e->nsections_total++;
		if (compare_section(&s, &differs, ia, NULL, ib, &eb->s[i], &g,
				    err) < 0 ||
		    (differs && add_section(e, &cap, &s, err) < 0))
			return -1;
	}
	if (build_id_only(e, ia, ib, ea))
		e->hints |= DIFF_HINT_BUILD_ID_ONLY;
	return 0;
}

/* The bytes of two images: e->what gets DIFF_WHAT_BYTES when they differ,
 * with where and why. */
static int compare_bytes(struct diff_entry *e, struct image *ia,
			 struct image *ib, uint64_t ts_max,
			 struct xerr *err)
{
	struct guess g = { true, false, ts_max };
	struct eimg ea = { 0 }, eb = { 0 };
	struct diff_run runs[DIFF_MAX_RUNS];
	struct scan sc = { 0 };
	int ret = -1, ka = 0, kb = 0;
	size_t i;

	e->size_a = ia->len;
	e->size_b = ib->len;
	if (ia->len == ib->len && image_same(ia, 0, ib, 0, ia->len))
		return 0;
	e->what |= DIFF_WHAT_BYTES;
	sc.runs = runs;
	sc.max = DIFF_MAX_RUNS;
	scan_bytes(&sc, ia, 0, ia->len, ib, 0, ib->len);
	e->first = sc.first;
	e->ndiff = sc.ndiff;
	if ((ka = list_sections(&ea, ia)) < 0 ||
	    (kb = list_sections(&eb, ib)) < 0)
		goto oom;
	if (ka && kb && compare_elf(e, ia, &ea, ib, &eb, ts_max, err) < 0)
		goto out;
	/* An ELF file's bytes outside its sections are shown only when no
	 * section explains the difference. */
	if (e->elf && e->nsections) {
		ret = 0;
		goto out;
	}
	if (!(e->runs = calloc(sc.n ? sc.n : 1, sizeof(*e->runs))))
		goto oom;
	g.big = ka && ea.big;
	for (i = 0; i < sc.n; i++) {
		e->runs[i] = runs[i];
		e->nruns++;
		if (finish_run(&e->runs[i], ia, 0, ia->len, ib, 0, ib->len,
			       &g, err) < 0)
			goto out;
		e->hints |= e->runs[i].hint;
	}
	ret = 0;
	goto out;
oom:
	oom(err);
out:
	eimg_release(&ea);
	eimg_release(&eb);
	return ret;
}

static int compare_files(struct diff_entry *e, const char *pa, const char *pb,
			 bool follow, uint64_t ts_max, struct xerr *err)
{
	struct image ia = IMAGE_INIT, ib = IMAGE_INIT;
	int ret = -1;

	const char *why;

	if (open_file(&ia, pa, follow, err) == 0 &&
	    open_file(&ib, pb, follow, err) == 0)
		ret = compare_bytes(e, &ia, &ib, ts_max, err);
	/* A failed read is the reason, whatever was made of the bytes. */
	if ((why = image_error(&ia)) || (why = image_error(&ib)))
		ret = xerr_set(err, XPIN_USAGE, "cannot read '%s': %s",
			       image_error(&ia) ? pa : pb, why);
	image_release(&ia);
	image_release(&ib);
	return ret;
}

static uint64_t ts_max_now(void)
{
	time_t now = time(NULL);

	if (now == (time_t)-1 || now <= 0)
		return TS_MAX;
	return (uint64_t)now + TS_AHEAD;
}

int diff_buffers(struct diff_report *out, const char *name,
		 const unsigned char *a, size_t na, const unsigned char *b,
		 size_t nb, struct xerr *err)
{
	struct diff_report r = DIFF_REPORT_INIT;
	struct diff_entry e = { 0 };
	struct image ia = IMAGE_INIT, ib = IMAGE_INIT;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	image_from_buffer(&ia, a, na);
	image_from_buffer(&ib, b, nb);
	e.status = DIFF_CHANGED;
	e.type_a = e.type_b = DIFF_T_FILE;
	if (compare_bytes(&e, &ia, &ib, ts_max_now(), err) < 0)
		goto out;
	ret = 0;
	if (e.what) {
		if (!(e.path = strdup(name)))
			ret = oom(err);
		else
			ret = report_add(&r, &e, err);
	}
out:
	entry_release(&e);
	image_release(&ia);
	image_release(&ib);
	if (ret < 0)
		diff_report_release(&r);
	else
		*out = r;
	return ret;
}

static enum diff_type type_of(mode_t m)
{
	if (S_ISREG(m))
		return DIFF_T_FILE;
	if (S_ISDIR(m))
		return DIFF_T_DIR;
	if (S_ISLNK(m))
		return DIFF_T_SYMLINK;
	return DIFF_T_OTHER;
}

static char *read_link(const char *path, struct xerr *err)
{
	size_t cap = 256;

	for (;;) {
		char *p = malloc(cap);
		ssize_t n;

		if (!p) {
			oom(err);
			return NULL;
		}
		n = readlink(path, p, cap);
		if (n < 0) {
			xerr_set(err, XPIN_USAGE, "cannot read symlink '%s': %s",
				 path, strerror(errno));
			free(p);
			return NULL;
		}
		if ((size_t)n < cap) {
			p[n] = '\0';
			return p;
		}
		free(p);
		if (cap > (1u << 20)) {
			xerr_set(err, XPIN_USAGE, "symlink '%s' is too long", path);
			return NULL;
		}
		cap *= 2;
	}
}

/* One comparison under way. */
struct ctx {
	struct diff_report *r;
	uint64_t ts_max;
};

static int walk(struct ctx *c, const char *pa, const char *pb,
		const char *rel, struct xerr *err);

static char *join(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;

	if ((dir[0] && buf_puts(&b, dir) < 0) ||
	    (dir[0] && buf_puts(&b, "/") < 0) || buf_puts(&b, name) < 0) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

static int lstat_err(const char *path, struct stat *st, bool follow,
		     struct xerr *err)
{
	if ((follow ? stat(path, st) : lstat(path, st)) < 0)
		return xerr_set(err, XPIN_USAGE, "cannot read '%s': %s", path,
				strerror(errno));
	return 0;
}

/* One name present on both sides (rel: its path in the report). */
static int compare_node(struct ctx *c, const char *pa, const char *pb,
			const char *rel, const struct stat *sa,
			const struct stat *sb, bool follow, struct xerr *err)
{
	struct diff_entry e = { 0 };
	int ret = -1;

	e.status = DIFF_CHANGED;
	e.type_a = type_of(sa->st_mode);
	e.type_b = type_of(sb->st_mode);
	if (e.type_a != e.type_b) {
		e.what |= DIFF_WHAT_TYPE;
	} else if (e.type_a == DIFF_T_DIR) {
		return walk(c, pa, pb, rel, err);
	} else if (e.type_a == DIFF_T_SYMLINK) {
		if (!(e.target_a = read_link(pa, err)) ||
		    !(e.target_b = read_link(pb, err)))
			goto out;
		if (strcmp(e.target_a, e.target_b))
			e.what |= DIFF_WHAT_TARGET;
	} else if (e.type_a == DIFF_T_FILE) {
		e.exec_a = (sa->st_mode & S_IXUSR) != 0;
		e.exec_b = (sb->st_mode & S_IXUSR) != 0;
		if (e.exec_a != e.exec_b)
			e.what |= DIFF_WHAT_MODE;
		if (compare_files(&e, pa, pb, follow, c->ts_max, err) < 0)
			goto out;
	}
	ret = 0;
	if (e.what) {
		if (!(e.path = strdup(rel)))
			ret = oom(err);
		else
			ret = report_add(c->r, &e, err);
	}
out:
	entry_release(&e);
	return ret;
}

static int add_only(struct diff_report *r, enum diff_status st,
		    const char *full, const char *rel, struct xerr *err)
{
	struct diff_entry e = { 0 };
	struct stat s;

	if (lstat_err(full, &s, false, err) < 0)
		return -1;
	e.status = st;
	if (st == DIFF_ONLY_A)
		e.type_a = type_of(s.st_mode);
	else
		e.type_b = type_of(s.st_mode);
	if (S_ISREG(s.st_mode)) {
		e.size_a = st == DIFF_ONLY_A ? (uint64_t)s.st_size : 0;
		e.size_b = st == DIFF_ONLY_B ? (uint64_t)s.st_size : 0;
	}
	if (!(e.path = strdup(rel)))
		return oom(err);
	return report_add(r, &e, err);
}

/* Two folders, merged by name: rel is their path in the report. */
static int walk(struct ctx *cx, const char *pa, const char *pb,
		const char *rel, struct xerr *err)
{
	char **na = NULL, **nb = NULL;
	size_t i = 0, j = 0, nna = 0, nnb = 0;
	int ret = -1;

	if (util_list_dir(&na, &nna, pa, err) < 0 ||
	    util_list_dir(&nb, &nnb, pb, err) < 0)
		goto out;
	while (i < nna || j < nnb) {
		int c = i >= nna ? 1 : j >= nnb ? -1 : strcmp(na[i], nb[j]);
		const char *name = c <= 0 ? na[i] : nb[j];
		char *fa = join(pa, name), *fb = join(pb, name);
		char *fr = join(rel, name);
		struct stat sa, sb;
		int k;

		if (!fa || !fb || !fr)
			k = oom(err);
		else if (c < 0)
			k = add_only(cx->r, DIFF_ONLY_A, fa, fr, err);
		else if (c > 0)
			k = add_only(cx->r, DIFF_ONLY_B, fb, fr, err);
		else if (lstat_err(fa, &sa, false, err) < 0 ||
			 lstat_err(fb, &sb, false, err) < 0)
			k = -1;
		else
			k = compare_node(cx, fa, fb, fr, &sa, &sb, false, err);
		free(fa);
		free(fb);
		free(fr);
		if (k < 0)
			goto out;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	ret = 0;
out:
	util_names_free(na, nna);
	util_names_free(nb, nnb);
	return ret;
}

static const char *base_name(const char *p)
{
	size_t n = strlen(p);
	const char *s;

	while (n > 1 && p[n - 1] == '/')
		n--;
	for (s = p + n; s > p && s[-1] != '/'; s--)
		;
	return s;
}

int diff_paths(struct diff_report *out, const char *a, const char *b,
	       struct xerr *err)
{
	struct diff_report r = DIFF_REPORT_INIT;
	struct ctx c = { &r, ts_max_now() };
	struct stat sa, sb;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (lstat_err(a, &sa, true, err) < 0 || lstat_err(b, &sb, true, err) < 0)
		return -1;
	if (S_ISDIR(sa.st_mode) != S_ISDIR(sb.st_mode))
		return xerr_set(err, XPIN_USAGE,
				"'%s' is a %s and '%s' a %s: compare two files or two folders",
				a, S_ISDIR(sa.st_mode) ? "folder" : "file", b,
				S_ISDIR(sb.st_mode) ? "folder" : "file");
	if (!S_ISDIR(sa.st_mode) &&
	    (!S_ISREG(sa.st_mode) || !S_ISREG(sb.st_mode)))
		return xerr_set(err, XPIN_USAGE,
				"'%s' is neither a regular file nor a folder",
				S_ISREG(sa.st_mode) ? b : a);
	r.dirs = S_ISDIR(sa.st_mode);
	if (r.dirs) {
		ret = walk(&c, a, b, "", err);
	} else {
		size_t n = strlen(base_name(a));
		char *rel = xstrndup(base_name(a), n);

		while (rel && n > 1 && rel[n - 1] == '/')
			rel[--n] = '\0';
		ret = rel ? compare_node(&c, a, b, rel, &sa, &sb, true, err)
			  : oom(err);
		free(rel);
	}
	if (ret < 0) {
		diff_report_release(&r);
		return -1;
	}
	*out = r;
	return 0;
}

/* ---- the short form and JSON ---- */

const char *diff_hint_code(enum diff_hint h)
{
	switch (h) {
	case DIFF_HINT_TIMESTAMP: return "timestamp";
	case DIFF_HINT_BUILD_PATH: return "build-path";
	case DIFF_HINT_STORE_PATH: return "store-path";
	case DIFF_HINT_BUILD_ID_ONLY: return "build-id-only";
	default: return NULL;
	}
}

const char *diff_hint_phrase(enum diff_hint h)
{
	switch (h) {
	case DIFF_HINT_TIMESTAMP: return "looks like a timestamp";
	case DIFF_HINT_BUILD_PATH: return "looks like an embedded build path";
	case DIFF_HINT_STORE_PATH: return "a /nix/store path differs";
	case DIFF_HINT_BUILD_ID_ONLY: return "only the build-id differs";
	default: return NULL;
	}
}

static const char *type_word(enum diff_type t)
{
	switch (t) {
	case DIFF_T_FILE: return "file";
	case DIFF_T_DIR: return "folder";
	case DIFF_T_SYMLINK: return "symlink";
	case DIFF_T_OTHER: return "special file";
	default: return "nothing";
	}
}

/* Untrusted text on one line: control bytes and DEL as '?'. */
static int put_clean(struct buf *out, const char *s)
{
	for (; *s; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;

		if (buf_add(out, &c, 1) < 0)
			return -1;
	}
	return 0;
}

/* The section a one-line summary names: the first with a likely cause,
 * else the first real section that is not the build-id. */
static const struct diff_section *featured(const struct diff_entry *e)
{
	size_t i;

	for (i = 0; i < e->nsections; i++)
		if (e->sections[i].has_run && e->sections[i].run.hint)
			return &e->sections[i];
	for (i = 0; i < e->nsections; i++)
		if (e->sections[i].name[0] != '(' &&
		    strcmp(e->sections[i].name, BUILD_ID))
			return &e->sections[i];
	return e->nsections ? &e->sections[0] : NULL;
}

/* "differs at 0x40 (3 bytes)"; in a section "+0x40". */
static int summary_run(struct buf *out, bool in_section,
		       const struct diff_run *r)
{
	int k = buf_printf(out, "%s at %s0x%llx (%llu byte%s)",
			   in_section ? " differs" : "differs",
			   in_section ? "+" : "",
			   (unsigned long long)r->off,
			   (unsigned long long)r->len, r->len == 1 ? "" : "s");

	if (k >= 0 && r->hint)
		k = buf_printf(out, ", %s", diff_hint_phrase(r->hint));
	return k;
}

static int summary_bytes(struct buf *out, const struct diff_entry *e)
{
	const struct diff_section *s = featured(e);
	size_t i, more = 0, shown = 0;
	int k = 0;

	if (e->hints & DIFF_HINT_BUILD_ID_ONLY)
		return buf_printf(out, "only the build-id differs (%s)", BUILD_ID);
	if (!s && e->nruns)
		return summary_run(out, false, &e->runs[0]);
	if (!s)
		return buf_printf(out, "%llu bytes differ",
				  (unsigned long long)e->ndiff);
	if (put_clean(out, s->name) < 0)
		return -1;
	if (!s->in_a || !s->in_b)
		k = buf_printf(out, " only in %s", s->in_a ? "A" : "B");
	else if (s->has_run)
		k = summary_run(out, true, &s->run);
	else
		k = buf_printf(out, " differs (size %llu vs %llu)",
			       (unsigned long long)s->size_a,
			       (unsigned long long)s->size_b);
	for (i = 0; k >= 0 && i < e->nsections; i++) {
		if (&e->sections[i] == s)
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		k = buf_puts(out, shown ? ", " : "; also ");
		if (k >= 0)
			k = put_clean(out, e->sections[i].name);
		shown++;
	}
	if (k >= 0 && more)
		k = buf_printf(out, " and %zu more", more);
	return k;
}

static int summary_entry(struct buf *out, const struct diff_entry *e)
{
	int k;

	if (put_clean(out, e->path[0] ? e->path : ".") < 0 ||
	    buf_puts(out, ": ") < 0)
		return -1;
	if (e->status != DIFF_CHANGED)
		return buf_printf(out, "only in %s\n",
				  e->status == DIFF_ONLY_A ? "A" : "B");
	if (e->what & DIFF_WHAT_TYPE)
		k = buf_printf(out, "a %s in A, a %s in B", type_word(e->type_a),
			       type_word(e->type_b));
	else if (e->what & DIFF_WHAT_TARGET)
		k = buf_puts(out, "symlink target '") < 0 ||
				    put_clean(out, e->target_a) < 0 ||
				    buf_puts(out, "' vs '") < 0 ||
				    put_clean(out, e->target_b) < 0 ||
				    buf_puts(out, "'") < 0
			    ? -1
			    : 0;
	else if (e->what & DIFF_WHAT_BYTES)
		k = summary_bytes(out, e);
	else
		k = 0;
	if (k >= 0 && (e->what & DIFF_WHAT_MODE))
		k = buf_printf(out, "%s%s",
			       e->what & DIFF_WHAT_BYTES ? "; " : "",
			       e->exec_a ? "executable in A, not in B"
					 : "not executable in A, executable in B");
	if (k >= 0)
		k = buf_puts(out, "\n");
	return k;
}

int diff_summary(struct buf *out, const struct diff_report *r,
		 size_t max_lines)
{
	size_t i, n = r->n;

	if (max_lines && n > max_lines)
		n = max_lines - 1;
	for (i = 0; i < n; i++)
		if (summary_entry(out, &r->v[i]) < 0)
			return -1;
	if (n < r->n)
		return buf_printf(out, "... and %zu more\n", r->n - n);
	return 0;
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A JSON string of bytes that may not be UTF-8: other bytes as '?'. */
static json_t *jpath(const char *s)
{
	json_t *v = json_string(s);
	struct buf b = BUF_INIT;

	if (v || !s)
		return s ? v : json_null();
	for (; *s; s++) {
		char c = (unsigned char)*s >= 0x80 ? '?' : *s;

		if (buf_add(&b, &c, 1) < 0) {
			buf_release(&b);
			return NULL;
		}
	}
	v = json_string(buf_cstr(&b));
	buf_release(&b);
	return v;
}

static json_t *run_json(const struct diff_run *r)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o}",
			 "offset", (json_int_t)r->off, "length",
			 (json_int_t)r->len, "file_offset_a",
			 (json_int_t)r->file_a, "file_offset_b",
			 (json_int_t)r->file_b, "context_offset",
			 (json_int_t)r->ctx_off, "context_a", r->ctx_a,
			 "context_b", r->ctx_b, "hint",
			 jstr(diff_hint_code(r->hint)), "detail",
			 jstr(r->detail));
}

static json_t *type_json(enum diff_type t)
{
	if (t == DIFF_T_NONE)
		return json_null();
	return json_string(t == DIFF_T_OTHER ? "special" : type_word(t));
}

static json_t *entry_json(const struct diff_entry *e)
{
	static const char *const what[] = { "type", "target", "mode", "bytes" };
	static const unsigned hints[] = { DIFF_HINT_TIMESTAMP,
					  DIFF_HINT_BUILD_PATH,
					  DIFF_HINT_STORE_PATH,
					  DIFF_HINT_BUILD_ID_ONLY };
	struct buf line = BUF_INIT;
	json_t *o, *arr;
	size_t i;
	int k = 0;

	o = json_pack("{s:o, s:s, s:o, s:o}", "path", jpath(e->path), "status",
		      e->status == DIFF_ONLY_A   ? "only-in-a"
		      : e->status == DIFF_ONLY_B ? "only-in-b"
						 : "differs",
		      "type_a", type_json(e->type_a), "type_b",
		      type_json(e->type_b));
	if (!o)
		return NULL;
	if (e->status != DIFF_CHANGED) {
		if (e->type_a == DIFF_T_FILE || e->type_b == DIFF_T_FILE)
			k |= json_object_set_new(o, "size",
						 json_integer((json_int_t)(e->size_a + e->size_b)));
		return k ? (json_decref(o), NULL) : o;
	}
	arr = json_array();
	for (i = 0; arr && i < 4; i++)
		if (e->what & (1u << i))
			k |= json_array_append_new(arr, json_string(what[i]));
	k |= json_object_set_new(o, "what", arr);
	arr = json_array();
	for (i = 0; arr && i < 4; i++)
		if (e->hints & hints[i])
			k |= json_array_append_new(
				arr, json_string(diff_hint_code(hints[i])));
	k |= json_object_set_new(o, "hints", arr);
	if (summary_entry(&line, e) < 0)
		k = -1;
	else if (line.len)
		line.data[--line.len] = '\0';
	k |= json_object_set_new(o, "summary", jpath(buf_cstr(&line)));
	buf_release(&line);
	if (e->type_a == DIFF_T_SYMLINK && e->type_b == DIFF_T_SYMLINK)
		k |= json_object_set_new(o, "target_a", jpath(e->target_a)) |
		     json_object_set_new(o, "target_b", jpath(e->target_b));
	if (e->type_a == DIFF_T_FILE && e->type_b == DIFF_T_FILE) {
		k |= json_object_set_new(o, "executable_a", json_boolean(e->exec_a));
		k |= json_object_set_new(o, "executable_b", json_boolean(e->exec_b));
		k |= json_object_set_new(o, "size_a", json_integer((json_int_t)e->size_a));
		k |= json_object_set_new(o, "size_b", json_integer((json_int_t)e->size_b));
	}
	if (e->what & DIFF_WHAT_BYTES) {
		k |= json_object_set_new(o, "first_offset",
					 json_integer((json_int_t)e->first));
		k |= json_object_set_new(o, "differing_bytes",
					 json_integer((json_int_t)e->ndiff));
		k |= json_object_set_new(o, "elf", json_boolean(e->elf));
		arr = json_array();
		for (i = 0; arr && i < e->nsections; i++) {
			const struct diff_section *s = &e->sections[i];

			k |= json_array_append_new(arr, json_pack(
				"{s:o, s:b, s:b, s:I, s:I, s:I, s:o}",
				"name", jpath(s->name), "in_a", s->in_a,
				"in_b", s->in_b, "size_a", (json_int_t)s->size_a,
				"size_b", (json_int_t)s->size_b,
				"differing_bytes", (json_int_t)s->ndiff, "first",
				s->has_run ? run_json(&s->run) : json_null()));
		}
		k |= json_object_set_new(o, "sections", arr);
		arr = json_array();
		for (i = 0; arr && i < e->nruns; i++)
			k |= json_array_append_new(arr, run_json(&e->runs[i]));
		k |= json_object_set_new(o, "runs", arr);
	}
	if (k) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *diff_json(const struct diff_report *r, const char *a, const char *b)
{
	json_t *arr = json_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < r->n; i++) {
		json_t *e = entry_json(&r->v[i]);

		if (!e || json_array_append_new(arr, e) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return json_pack("{s:o, s:o, s:b, s:I, s:I, s:I, s:o}", "a", jpath(a),
			 "b", jpath(b), "identical", r->n == 0, "only_in_a",
			 (json_int_t)r->only_a, "only_in_b",
			 (json_int_t)r->only_b, "differing",
			 (json_int_t)r->changed, "entries", arr);
}
