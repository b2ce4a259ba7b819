/* evalcache: entries round-trip; what is not a valid entry of ours is a
 * miss and is replaced; folders that are links or not ours are refused;
 * the key follows each of its inputs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evalcache.h"
#include "unit.h"

#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DRV "/nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-hello-x86_64-linux-gnu-1.0.0.drv"
#define DRV2 "/nix/store/d9kji8ifi08nj5j84jlvazhkzf4yzfvp-hello-x86_64-linux-musl-1.0.0.drv"

static void write_text(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	T_ASSERT(f != NULL);
	if (!f)
		return;
	T_INTEQ(fwrite(text, 1, n, f), n);
	fclose(f);
}

static void read_text(char *out, size_t cap, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(out, 1, cap - 1, f);
		fclose(f);
	}
	out[n] = '\0';
}

/* A fresh root with its path and the entry's path. */
static void setup(struct buf *root, char *entry, size_t n)
{
	struct xerr err = XERR_INIT;

	T_INTEQ(util_mkdtemp(root, "xpin-unit-evalcache", &err), 0);
	snprintf(entry, n, "%s/xpin/eval/%s", root->data, KEY);
}

void test_evalcache__round_trip(void)
{
	struct buf root = BUF_INIT, got = BUF_INIT, p = BUF_INIT;
	struct xerr err = XERR_INIT;
	char entry[1024], text[256];
	struct stat st;

	setup(&root, entry, sizeof(entry));
	/* Nothing there yet, not even the folders: a miss, nothing made. */
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 0);
	buf_printf(&p, "%s/xpin", root.data);
	T_ASSERT(lstat(p.data, &st) < 0);
	T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), 0);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 1);
	T_STREQ(buf_cstr(&got), DRV);
	read_text(text, sizeof(text), entry);
	T_STREQ(text, DRV "\n");
	T_ASSERT(lstat(entry, &st) == 0 && (st.st_mode & 0777) == 0600);
	T_ASSERT(lstat(p.data, &st) == 0 && S_ISDIR(st.st_mode) &&
		 (st.st_mode & 0777) == 0700);
	buf_puts(&p, "/eval");
	T_ASSERT(lstat(p.data, &st) == 0 && S_ISDIR(st.st_mode) &&
		 (st.st_mode & 0777) == 0700);
	/* Another answer replaces the first. */
	T_INTEQ(evalcache_put(root.data, KEY, DRV2, &err), 0);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 1);
	T_STREQ(buf_cstr(&got), DRV2);
	/* A root that is not there yet is made (its parent is not). */
	p.len = 0;
	buf_printf(&p, "%s/cache", root.data);
	T_INTEQ(evalcache_put(p.data, KEY, DRV, &err), 0);
	T_INTEQ(evalcache_get(&got, p.data, KEY, &err), 1);
	buf_puts(&p, "/no/such");
	T_INTEQ(evalcache_put(p.data, KEY, DRV, &err), -1);
	/* A key that is not one is refused, not looked up. */
	T_INTEQ(evalcache_get(&got, root.data, "../../x", &err), -1);
	T_INTEQ(evalcache_put(root.data, "../../x", DRV, &err), -1);
	/* Nor is what is not a derivation path stored. */
	T_INTEQ(evalcache_put(root.data, KEY, "/nix/store/x.drv\nmore", &err), -1);
	util_rmtree(root.data);
	buf_release(&root);
	buf_release(&got);
	buf_release(&p);
}

/* Each malformed entry is a miss; put then replaces it. */
void test_evalcache__malformed_miss(void)
{
	static const char *const bad[] = {
		"",
		"\n",
		DRV,                       /* no newline */
		DRV "\n\n",
		DRV "\n" DRV "\n",
		DRV "\r\n",
		" " DRV "\n",
		"nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n",
		"/nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a\n",
		"/nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drvx\n",
		"/nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y-a.drv\n",   /* 31 */
		"/nix/store/e3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n",  /* e */
		"/nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a b.drv\n",
		"/nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-.drv\n",
		"/nix//store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n",
		"/nix/../etc/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n",
		"/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n",
		"/nix/store/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a\x01.drv\n",
		"/nix/st\xc3\xb6re/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n",
		NULL,
	};
	struct buf root = BUF_INIT, got = BUF_INIT;
	struct xerr err = XERR_INIT;
	char entry[1024], big[EVALCACHE_MAX + 64];
	size_t i;

	setup(&root, entry, sizeof(entry));
	T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), 0);
	for (i = 0; bad[i]; i++) {
		write_text(entry, bad[i], strlen(bad[i]));
		if (evalcache_get(&got, root.data, KEY, &err) != 0) {
			char m[64];
			snprintf(m, sizeof(m), "bad[%zu] is not a miss", i);
			unit_fail(__FILE__, __LINE__, m);
		}
		T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), 0);
		T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 1);
		T_STREQ(buf_cstr(&got), DRV);
	}
	/* Size: a valid path whose folder is padded to make the entry
	 * EVALCACHE_MAX bytes is read; one byte more is a miss. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "/nix/", 5);
	memcpy(big + EVALCACHE_MAX - 40, "/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n", 40);
	write_text(entry, big, EVALCACHE_MAX);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 1);
	T_INTEQ(got.len, EVALCACHE_MAX - 1);
	memcpy(big + EVALCACHE_MAX - 39, "/r3zvdgz0ph8x4vq7b4dik8qyqc7xy2y5-a.drv\n", 40);
	write_text(entry, big, EVALCACHE_MAX + 1);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 0);
	util_rmtree(root.data);
	buf_release(&root);
	buf_release(&got);
}

/* An entry that is a link (to a valid entry elsewhere), a FIFO or a
 * folder is a miss; put replaces it without touching what a link names. */
void test_evalcache__not_regular_miss(void)
{
	struct buf root = BUF_INIT, got = BUF_INIT, other = BUF_INIT;
	struct xerr err = XERR_INIT;
	char entry[1024], text[256];
	struct stat st;

	setup(&root, entry, sizeof(entry));
	T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), 0);
	buf_printf(&other, "%s/elsewhere", root.data);
	write_text(other.data, DRV2 "\n", strlen(DRV2) + 1);
	T_ASSERT(unlink(entry) == 0 && symlink(other.data, entry) == 0);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 0);
	T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), 0);
	T_ASSERT(lstat(entry, &st) == 0 && S_ISREG(st.st_mode) &&
		 (st.st_mode & 0777) == 0600);
	read_text(text, sizeof(text), other.data);
	T_STREQ(text, DRV2 "\n");
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 1);
	T_STREQ(buf_cstr(&got), DRV);

	T_ASSERT(unlink(entry) == 0 && mkfifo(entry, 0600) == 0);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 0);
	T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), 0);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 1);

	T_ASSERT(unlink(entry) == 0 && mkdir(entry, 0700) == 0);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 0);
	T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), 0);
	T_INTEQ(evalcache_get(&got, root.data, KEY, &err), 1);
	T_STREQ(buf_cstr(&got), DRV);
	util_rmtree(root.data);
	buf_release(&root);
	buf_release(&got);
	buf_release(&other);
}

/* xpin/ or xpin/eval/ as a link (to a cache with the entry), a file, or
 * a folder others may write: refused, and nothing written through it. */
void test_evalcache__folder_refused(void)
{
	static const char *const own[] = { "xpin", "xpin/eval" };
	struct buf root = BUF_INIT, got = BUF_INIT, p = BUF_INIT,
		   real = BUF_INIT;
	struct xerr err = XERR_INIT;
	char entry[1024], text[256], planted[1024];
	size_t i;

	for (i = 0; i < 2; i++) {
		setup(&root, entry, sizeof(entry));
		/* A real cache elsewhere, holding the entry. */
		real.len = 0;
		buf_printf(&real, "%s/real", root.data);
		T_INTEQ(evalcache_put(real.data, KEY, DRV2, &err), 0);
		p.len = 0;
		buf_printf(&p, "%s/%s", root.data, own[i]);
		if (i == 1) {
			char x[1024];
			snprintf(x, sizeof(x), "%s/xpin", root.data);
			T_ASSERT(mkdir(x, 0700) == 0);
		}
		buf_puts(&real, i == 0 ? "/xpin" : "/xpin/eval");
		T_ASSERT(symlink(real.data, p.data) == 0);
		err = (struct xerr)XERR_INIT;
		T_INTEQ(evalcache_get(&got, root.data, KEY, &err), -1);
		T_ASSERT(strstr(err.msg, "is a link or not a folder") != NULL);
		T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), -1);
		snprintf(planted, sizeof(planted), "%s/xpin/eval/%s", root.data,
			 KEY);
		read_text(text, sizeof(text), planted);
		T_STREQ(text, DRV2 "\n");
		/* A file in its place is refused too. */
		T_ASSERT(unlink(p.data) == 0);
		write_text(p.data, "x", 1);
		T_INTEQ(evalcache_get(&got, root.data, KEY, &err), -1);
		T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), -1);
		/* So is a folder that others may write. */
		T_ASSERT(unlink(p.data) == 0 && mkdir(p.data, 0700) == 0 &&
			 chmod(p.data, 0777) == 0);
		T_INTEQ(evalcache_put(root.data, KEY, DRV, &err), -1);
		T_ASSERT(strstr(err.msg, "writable by others") != NULL);
		T_INTEQ(evalcache_get(&got, root.data, KEY, &err), -1);
		util_rmtree(root.data);
		buf_release(&root);
	}
	buf_release(&got);
	buf_release(&p);
	buf_release(&real);
}

/* The key: 64 hex digits, the SHA-256 of the encoding evalcache.h
 * gives; and another value of any one input gives another key. */
void test_evalcache__key(void)
{
	struct evalcache c = { "/c", "/src/app", KEY, "", "nix 2.8" }, d;
	const char *attr = "packages.x86_64-linux.tool.drvPath";
	char base[65], k[65];
	/* printf 'xpin evalcache 1\nflake 8:/src/app\nattr 34:packages.x86_64-linux.tool.drvPath\ncommit 64:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nflake.lock 0:\nnix 7:nix 2.8\n' | sha256sum */
	const char *want =
		"53f860668a512a1ae6cbc078eec9cbf3eae588a44bd25e3e392405591f6b3be3";

	evalcache_key(base, &c, attr);
	T_STREQ(base, want);
	/* The root is where, not what: it is no part of the key. */
	d = c;
	d.root = "/elsewhere";
	evalcache_key(k, &d, attr);
	T_STREQ(k, base);
#define CHANGED(field, value)                                   \
	do {                                                    \
		d = c;                                          \
		d.field = value;                                \
		evalcache_key(k, &d, attr);                     \
		T_ASSERT(strcmp(k, base) != 0);                 \
	} while (0)
	CHANGED(project, "/src/app2");
	CHANGED(commit, "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	CHANGED(lock_sha256, "00");
	CHANGED(nix, "nix 2.26");
#undef CHANGED
	evalcache_key(k, &c, "packages.x86_64-linux.other.drvPath");
	T_ASSERT(strcmp(k, base) != 0);
	/* A '#' moved between the folder and the attribute. */
	d = c;
	d.project = "/src/app#packages";
	evalcache_key(k, &d, "x86_64-linux.tool.drvPath");
	T_ASSERT(strcmp(k, base) != 0);
	evalcache_key(base, &c, "x#y");
	d.project = "/src/app#x";
	evalcache_key(k, &d, "y");
	T_ASSERT(strcmp(k, base) != 0);
}
