/* evalcache: a cache of pure flake evaluations, one file per key. */
#define _GNU_SOURCE
#include "evalcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"

/* The folders under the root that are this module's, outermost first. */
static const char *const own_dirs[] = { "xpin", "eval" };

int evalcache_field(struct buf *out, const char *name, const char *value)
{
	size_t n = strlen(value);

	if (buf_printf(out, "%s %zu:", name, n) < 0 || buf_add(out, value, n) < 0 ||
	    buf_puts(out, "\n") < 0)
		return -1;
	return 0;
}

void evalcache_key(char out[65], const struct evalcache *c, const char *attr)
{
	struct buf text = BUF_INIT;
	unsigned char d[32];

	/* The version: a change of what is hashed, or how, changes it.
	 * PROJECT#ATTR as two fields: a '#' in either cannot move it. Out
	 * of memory gives a key no entry has. */
	if (buf_puts(&text, "xpin evalcache 1\n") < 0 ||
	    evalcache_field(&text, "flake", c->project) < 0 ||
	    evalcache_field(&text, "attr", attr) < 0 ||
	    evalcache_field(&text, "commit", c->commit) < 0 ||
	    evalcache_field(&text, "flake.lock", c->lock_sha256) < 0 ||
	    evalcache_field(&text, "nix", c->nix) < 0) {
		snprintf(out, 65, "%s", "");
		buf_release(&text);
		return;
	}
	hash_sha256(d, text.data, text.len);
	hash_hex(out, d, 32);
	buf_release(&text);
}

static bool nix32_digit(char c)
{
	/* Nix's base32 leaves out e, o, u and t. */
	return (c >= '0' && c <= '9') ||
	       (c >= 'a' && c <= 'z' && c != 'e' && c != 'o' && c != 'u' &&
		c != 't');
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("+-._?=", c);
}

bool evalcache_drv_ok(const char *s, size_t n)
{
	const char *base, *part;
	size_t i, nbase;

	if (n < 2 || n >= EVALCACHE_MAX || s[0] != '/')
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	/* Every part of the folder is a name: no "//", "/./" or "/../". */
	for (part = s + 1; (base = memchr(part, '/', (size_t)(s + n - part)));
	     part = base + 1)
		if (base == part || (base - part == 1 && part[0] == '.') ||
		    (base - part == 2 && part[0] == '.' && part[1] == '.'))
			return false;
	if (part == s + 1)
		return false; /* a store path is never at the root */
	base = part;
	nbase = (size_t)(s + n - base);
	if (nbase < 32 + 1 + 1 + 4 || base[32] != '-' ||
	    memcmp(base + nbase - 4, ".drv", 4))
		return false;
	for (i = 0; i < 32; i++)
		if (!nix32_digit(base[i]))
			return false;
	for (i = 33; i < nbase; i++)
		if (!name_char(base[i]))
			return false;
	return true;
}

/* The folder name under fd, made 0700 first when create, opened without
 * following a link into *out, and ours alone: 0, 1 when it is not there
 * (and not made), -1 with err. path names it in errors. */
static int open_own(int *out, int fd, const char *name, bool create,
		    const char *path, struct xerr *err)
{
	struct stat st;
	int sub;

	if (create && mkdirat(fd, name, 0700) < 0 && errno != EEXIST)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot create the folder: %s", strerror(errno));
	sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0 && errno == ENOENT)
		return 1;
	if (sub < 0 && (errno == ELOOP || errno == ENOTDIR))
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "is a link or not a folder: not used as a cache");
	if (sub < 0)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot open the folder: %s", strerror(errno));
	if (fstat(sub, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		close(sub);
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "is another user's or writable by others: not used as a cache");
	}
	*out = sub;
	return 0;
}

/* ROOT/xpin/eval opened into *out (its path into path): 0, 1 when a
 * folder is missing and create is false, -1 with err. The root is the
 * user's and may be a link; when it is missing, it alone is made. */
static int open_cache(int *out, struct buf *path, const char *root,
		      bool create, struct xerr *err)
{
	int fd, sub = -1, ret = 0;
	size_t i;

	buf_puts(path, root);
	if (create && mkdir(root, 0700) < 0 && errno != EEXIST)
		return xerr_setpos(err, XPIN_USAGE, root, 0, 0,
				   "cannot create the folder: %s", strerror(errno));
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !create)
		return 1;
	if (fd < 0)
		return xerr_setpos(err, XPIN_USAGE, root, 0, 0,
				   "cannot open the folder: %s", strerror(errno));
	for (i = 0; ret == 0 && i < sizeof(own_dirs) / sizeof(own_dirs[0]); i++) {
		buf_printf(path, "/%s", own_dirs[i]);
		ret = open_own(&sub, fd, own_dirs[i], create, buf_cstr(path), err);
		close(fd);
		fd = ret == 0 ? sub : -1;
	}
	if (ret == 0)
		*out = fd;
	return ret;
}

/* The entry name under fd, read when it is a regular file of at most
 * EVALCACHE_MAX bytes: 1, else 0. */
static int read_entry(struct buf *out, int dirfd, const char *name)
{
	char data[EVALCACHE_MAX + 1];
	struct xerr ignored = XERR_INIT;
	struct stat st;
	size_t len = 0;
	ssize_t n = 1;
	int fd, ret = 0;

	/* O_NONBLOCK: a FIFO planted there opens at once, and is refused. */
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
					 O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > EVALCACHE_MAX)
		goto out;
	while (n > 0 && len < sizeof(data)) {
		n = util_read_some(fd, data + len, sizeof(data) - len, name,
				   &ignored);
		if (n < 0)
			goto out;
		len += (size_t)n;
	}
	/* One path and its newline, nothing more. */
	if (len < 2 || len > EVALCACHE_MAX || data[len - 1] != '\n' ||
	    !evalcache_drv_ok(data, len - 1))
		goto out;
	out->len = 0;
	if (buf_add(out, data, len - 1) < 0)
		goto out;
	ret = 1;
out:
	close(fd);
	return ret;
}

static bool key_ok(const char *key)
{
	return strlen(key) == 64 && util_is_hex(key, 64);
}

int evalcache_get(struct buf *out, const char *root, const char *key,
		  struct xerr *err)
{
	struct buf path = BUF_INIT;
	int fd = -1, ret;

	if (!key_ok(key)) {
		ret = xerr_set(err, XPIN_USAGE, "'%.80s' is not a cache key", key);
		goto out;
	}
	ret = open_cache(&fd, &path, root, false, err);
	if (ret != 0) {
		ret = ret > 0 ? 0 : -1;
		goto out;
	}
	ret = read_entry(out, fd, key);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&path);
	return ret;
}

int evalcache_put(const char *root, const char *key, const char *drv,
		  struct xerr *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct stat st;
	int fd = -1, ret = -1;

	if (!key_ok(key) || !evalcache_drv_ok(drv, strlen(drv))) {
		xerr_set(err, XPIN_USAGE, "not a cache entry: '%.80s' = '%.200s'",
			 key, drv);
		goto out;
	}
	if (open_cache(&fd, &path, root, true, err) != 0)
		goto out;
	buf_printf(&path, "/%s", key);
	/* A link or anything else that is not a file gives way first, so
	 * the writer neither follows it nor takes its mode. */
	if (fstatat(fd, key, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISREG(st.st_mode) &&
	    (S_ISDIR(st.st_mode) ? util_rmtree(path.data)
				 : unlinkat(fd, key, 0)) < 0) {
		xerr_setpos(err, XPIN_USAGE, path.data, 0, 0,
			    "cannot remove: %s", strerror(errno));
		goto out;
	}
	if (buf_printf(&text, "%s\n", drv) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	ret = util_write_atomic(path.data, text.data, text.len, 0600, err);
out:
	if (fd >= 0)
		close(fd);
	buf_release(&path);
	buf_release(&text);
	return ret;
}
