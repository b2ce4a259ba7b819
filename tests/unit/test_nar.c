/* nar: the encoder and the disk walk. Expected hashes are Nix 2.8's:
 * `nix hash path [--base32|--base16] P` on the tree each test describes,
 * or vectors/nar/<case>/expected. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nar.h"
#include "unit.h"
#include "util.h"

static void sri(char out[NAR_FMT_MAX], const unsigned char d[32])
{
	nar_format(out, d, NAR_SRI);
}

static void enc_sri(char out[NAR_FMT_MAX], struct nar_enc *e)
{
	unsigned char d[32];

	nar_enc_final(e, d);
	sri(out, d);
}

/* mkdir e; nix hash path e */
void test_nar__enc_empty_dir(void)
{
	struct nar_enc e;
	char s[NAR_FMT_MAX];

	nar_enc_init(&e);
	nar_enc_dir_begin(&e);
	nar_enc_dir_end(&e);
	enc_sri(s, &e);
	T_STREQ(s, "sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo=");
}

/* printf abc >abc; nix hash path abc; chmod +x: abcx; ln -s abc lnk */
void test_nar__enc_root_nodes(void)
{
	struct nar_enc e;
	char s[NAR_FMT_MAX];

	nar_enc_init(&e);
	nar_enc_file(&e, false, "abc", 3);
	enc_sri(s, &e);
	T_STREQ(s, "sha256-EacbR1TYEvSuogFhxTO9qhEqxchTAT5l06qWQLVzUjA=");

	nar_enc_init(&e);
	nar_enc_file(&e, true, "abc", 3);
	enc_sri(s, &e);
	T_STREQ(s, "sha256-BFg+FOyiSZ/6mThSOJ46GTqrXaIKvDtiWnXT+YdtyZ4=");

	nar_enc_init(&e);
	nar_enc_symlink(&e, "abc", 3);
	enc_sri(s, &e);
	T_STREQ(s, "sha256-BhKPIaUCKvJBY28d4UX94h/ICUzF+TRFLNqv22tZoUs=");
}

/* t/f = "one", t/sub/g empty, t/sub/h -> ../f; nix hash path t */
void test_nar__enc_nested(void)
{
	struct xerr err = XERR_INIT;
	struct nar_enc e;
	char s[NAR_FMT_MAX];

	nar_enc_init(&e);
	nar_enc_dir_begin(&e);
	T_INTEQ(nar_enc_entry(&e, "f", 1, &err), 0);
	nar_enc_file(&e, false, "one", 3);
	T_INTEQ(nar_enc_entry(&e, "sub", 3, &err), 0);
	nar_enc_dir_begin(&e);
	T_INTEQ(nar_enc_entry(&e, "g", 1, &err), 0);
	nar_enc_file(&e, false, "", 0);
	T_INTEQ(nar_enc_entry(&e, "h", 1, &err), 0);
	nar_enc_symlink(&e, "../f", 4);
	nar_enc_dir_end(&e);
	nar_enc_dir_end(&e);
	enc_sri(s, &e);
	T_STREQ(s, "sha256-LyDD7Nrhl+8gGx2MWqkCwxIcSvL4nS+GBjSotBAx8Io=");
}

/* Feeding a file in pieces gives the NAR of the whole. */
void test_nar__enc_streamed_file(void)
{
	static unsigned char data[100003];
	unsigned char a[32], b[32];
	struct nar_enc e;
	size_t i, step;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	nar_enc_init(&e);
	nar_enc_file(&e, true, data, sizeof(data));
	nar_enc_final(&e, a);
	for (step = 1; step < 70000; step = step * 3 + 1) {
		nar_enc_init(&e);
		nar_enc_file_begin(&e, true, sizeof(data));
		for (i = 0; i < sizeof(data); i += step)
			nar_enc_file_data(&e, data + i,
					  i + step > sizeof(data) ? sizeof(data) - i : step);
		nar_enc_file_end(&e);
		nar_enc_final(&e, b);
		T_ASSERT(!memcmp(a, b, 32));
	}
}

void test_nar__enc_refuses_bad_names(void)
{
	static const struct { const char *s; size_t n; } bad[] = {
		{ "", 0 }, { ".", 1 }, { "..", 2 }, { "a/b", 3 }, { "a\0b", 3 },
	};
	struct nar_enc e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xerr err = XERR_INIT;

		nar_enc_init(&e);
		nar_enc_dir_begin(&e);
		T_INTEQ(nar_enc_entry(&e, bad[i].s, bad[i].n, &err), -1);
		T_INTEQ(err.code, XPIN_USAGE);
		nar_enc_release(&e);
	}
	{
		struct xerr err = XERR_INIT;

		nar_enc_init(&e);
		nar_enc_dir_begin(&e);
		T_INTEQ(nar_enc_entry(&e, "...", 3, &err), 0);
		T_INTEQ(nar_enc_entry(&e, ".a", 2, &err), 0);
		nar_enc_release(&e);
		nar_enc_release(&e);
		nar_enc_release(NULL);
	}
}

/* The three forms of one digest, as nix hash path prints them. */
void test_nar__format(void)
{
	static const char hex[] =
		"a50a5ab6d992f5598edd92105059fae9acfc192981e08bd88534c2167e92526a";
	unsigned char d[32];
	char s[NAR_FMT_MAX];

	T_INTEQ(hash_unhex(d, 32, hex), 0);
	nar_format(s, d, NAR_SRI);
	T_STREQ(s, "sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo=");
	nar_format(s, d, NAR_BASE32);
	T_STREQ(s, "0sjjj9z1dhilhpc8pq4154czrb79z9cm044jvn75kxcjv6v5l2m5");
	nar_format(s, d, NAR_BASE16);
	T_STREQ(s, hex);
}

/* A vector tree from mktree.sh, hashed from disk: the "path" value. */
static void check_vector(const char *name)
{
	struct buf dir = BUF_INIT, cmd = BUF_INIT, exp = BUF_INIT,
		   path = BUF_INIT;
	struct xerr err = XERR_INIT;
	unsigned char d[32];
	char s[NAR_FMT_MAX], want[NAR_FMT_MAX] = "", *p;

	T_INTEQ(util_mkdtemp(&dir, "xpin-unit-nar", &err), 0);
	buf_printf(&cmd, "sh vectors/nar/mktree.sh build %s '%s/t'", name,
		   buf_cstr(&dir));
	T_INTEQ(system(buf_cstr(&cmd)), 0);
	buf_printf(&path, "vectors/nar/%s/expected", name);
	T_INTEQ(util_read_file(&exp, buf_cstr(&path), 1 << 16, &err), 0);
	p = strstr(buf_cstr(&exp), "\npath=");
	T_ASSERT(p != NULL);
	if (p)
		sscanf(p + 6, "%71s", want);
	buf_puts(&dir, "/t");
	T_INTEQ(nar_hash_path(d, buf_cstr(&dir), &err), 0);
	sri(s, d);
	T_STREQ(s, want);
	dir.len -= 2;
	dir.data[dir.len] = '\0';
	util_rmtree(buf_cstr(&dir));
	buf_release(&dir);
	buf_release(&cmd);
	buf_release(&exp);
	buf_release(&path);
}

void test_nar__path_vectors(void)
{
	check_vector("order");
	check_vector("symlink");
	check_vector("empty");
	check_vector("unicode");
}

void test_nar__path_refusals(void)
{
	struct buf dir = BUF_INIT, p = BUF_INIT;
	struct xerr err = XERR_INIT;
	unsigned char d[32];

	T_INTEQ(nar_hash_path(d, "/nonexistent/xpin/path", &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_INTEQ(util_mkdtemp(&dir, "xpin-unit-nar", &err), 0);
	buf_printf(&p, "%s/fifo", buf_cstr(&dir));
	T_INTEQ(mkfifo(buf_cstr(&p), 0600), 0);
	memset(&err, 0, sizeof(err));
	T_INTEQ(nar_hash_path(d, buf_cstr(&dir), &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.file, "fifo") != NULL);
	util_rmtree(buf_cstr(&dir));
	buf_release(&dir);
	buf_release(&p);
}

static int write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ret;

	if (!f)
		return -1;
	ret = fwrite(p, 1, n, f) == n ? 0 : -1;
	return fclose(f) == 0 ? ret : -1;
}

/* nar_hash_path hashes through its pipe (on more than one CPU): file
 * sizes around and over the pipe's buffers, and many small files that
 * end buffers mid-header, against the same tree given to the encoder by
 * hand, which hashes as it goes. */
void test_nar__path_through_pipe(void)
{
	static const size_t sizes[] = { NAR_PIPE_BUF - 1, NAR_PIPE_BUF,
					NAR_PIPE_BUF + 1,
					3 * NAR_PIPE_BUF + 5 };
	struct buf dir = BUF_INIT, p = BUF_INIT;
	struct xerr err = XERR_INIT;
	unsigned char *data = malloc(3 * NAR_PIPE_BUF + 5);
	unsigned char got[32], want[32];
	struct nar_enc e;
	char name[32];
	size_t i, k;

	T_ASSERT(data != NULL);
	if (!data)
		return;
	for (i = 0; i < 3 * NAR_PIPE_BUF + 5; i++)
		data[i] = (unsigned char)(i * 7 + i / 4096);
	T_INTEQ(util_mkdtemp(&dir, "xpin-unit-nar", &err), 0);
	nar_enc_init(&e);
	nar_enc_dir_begin(&e);
	/* names sort as written: big0..big3, then s0000.. */
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "big%zu", i);
		p.len = 0;
		buf_printf(&p, "%s/%s", buf_cstr(&dir), name);
		T_INTEQ(write_bytes(buf_cstr(&p), data, sizes[i]), 0);
		T_INTEQ(nar_enc_entry(&e, name, strlen(name), &err), 0);
		nar_enc_file(&e, false, data, sizes[i]);
	}
	for (k = 0; k < 3000; k++) {
		snprintf(name, sizeof(name), "s%04zu", k);
		p.len = 0;
		buf_printf(&p, "%s/%s", buf_cstr(&dir), name);
		T_INTEQ(write_bytes(buf_cstr(&p), data + k, k % 700), 0);
		T_INTEQ(nar_enc_entry(&e, name, strlen(name), &err), 0);
		nar_enc_file(&e, false, data + k, k % 700);
	}
	nar_enc_dir_end(&e);
	nar_enc_final(&e, want);
	T_INTEQ(nar_hash_path(got, buf_cstr(&dir), &err), 0);
	T_ASSERT(!memcmp(got, want, 32));
	util_rmtree(buf_cstr(&dir));
	buf_release(&dir);
	buf_release(&p);
	free(data);
}
