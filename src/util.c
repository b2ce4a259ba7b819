/* util: errors, buffers, file reads, the atomic writer, temp folders. */
#define _GNU_SOURCE
#include "util.h"

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * What xpin made and must not leave behind when a signal stops it: its
 * temporary folders and the temporaries of the atomic writer. Slots are
 * claimed with a compare-and-swap, so threads and the handler can share
 * them without a lock; the handler uses only async-signal-safe calls.
 */
#define MAX_TEMPS 64
#define TEMP_PATH 1024
enum { SLOT_FREE, SLOT_BUSY, SLOT_DIR, SLOT_FILE };
static volatile sig_atomic_t temp_state[MAX_TEMPS];
static char temp_path[MAX_TEMPS][TEMP_PATH];

static int temp_add(const char *path, int kind)
{
	size_t i, n = strlen(path);

	if (n >= TEMP_PATH)
		return -1;
	for (i = 0; i < MAX_TEMPS; i++)
		if (__sync_bool_compare_and_swap(&temp_state[i], SLOT_FREE,
						 SLOT_BUSY)) {
			memcpy(temp_path[i], path, n + 1);
			__sync_synchronize();
			temp_state[i] = kind;
			return (int)i;
		}
	return -1;
}

static void temp_del(const char *path)
{
	size_t i;

	for (i = 0; i < MAX_TEMPS; i++)
		if ((temp_state[i] == SLOT_DIR || temp_state[i] == SLOT_FILE) &&
		    !strcmp(temp_path[i], path) &&
		    __sync_bool_compare_and_swap(&temp_state[i], temp_state[i],
						 SLOT_BUSY)) {
			temp_path[i][0] = '\0';
			__sync_synchronize();
			temp_state[i] = SLOT_FREE;
		}
}


static int verr(struct xerr *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int verr(struct xerr *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int xerr_set(struct xerr *err, int code, const char *fmt, ...)
{
	va_list ap;
	if (err) {
		err->file[0] = '\0';
		err->line = err->col = 0;
		err->hint[0] = '\0';
	}
	va_start(ap, fmt);
	verr(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int xerr_setpos(struct xerr *err, int code, const char *file, int line,
		int col, const char *fmt, ...)
{
	va_list ap;
	if (err) {
		snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
		err->line = line;
		err->col = col;
		err->hint[0] = '\0';
	}
	va_start(ap, fmt);
	verr(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int xerr_hint(struct xerr *err, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
	return -1;
}

void xerr_format(char *out, size_t n, const struct xerr *err)
{
	if (err->file[0] && err->line > 0 && err->col > 0)
		snprintf(out, n, "%s:%d:%d: %s", err->file, err->line,
			 err->col, err->msg);
	else if (err->file[0] && err->line > 0)
		snprintf(out, n, "%s:%d: %s", err->file, err->line, err->msg);
	else if (err->file[0])
		snprintf(out, n, "%s: %s", err->file, err->msg);
	else
		snprintf(out, n, "%s", err->msg);
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return -1;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *buf_cstr(struct buf *b)
{
	return b->data ? b->data : "";
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

struct read_ctx {
	struct buf *out;
	size_t max;
	const char *path;
	struct xerr *err;
};

static int read_chunk(void *ctx, const void *p, size_t n)
{
	struct read_ctx *c = ctx;

	if (c->out->len + n > c->max)
		return xerr_setpos(c->err, XPIN_USAGE, c->path, 0, 0,
				   "file is larger than %zu bytes", c->max);
	if (buf_add(c->out, p, n) < 0)
		return xerr_set(c->err, XPIN_USAGE, "out of memory");
	return 0;
}

int util_read_file(struct buf *out, const char *path, size_t max,
		   struct xerr *err)
{
	struct read_ctx c = { out, max, path, err };

	if (util_stream_file(path, read_chunk, &c, err) < 0)
		return -1;
	if (buf_grow(out, 0) < 0)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	out->data[out->len] = '\0';
	return 0;
}

static int write_whole(const char *path, const void *data, size_t len,
		       unsigned mode, bool replace, struct xerr *err);

/* path + ".xpin-new" */
static int new_name(struct buf *out, const char *path)
{
	out->len = 0;
	return buf_printf(out, "%s.xpin-new", path);
}

static bool present(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int util_pair_recover(const char *a, const char *b, struct xerr *err)
{
	struct buf na = BUF_INIT, nb = BUF_INIT;
	int ret = -1;

	if (new_name(&na, a) < 0 || new_name(&nb, b) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (present(na.data)) {
		/* Not both staged yet, or staged and not begun: the old pair
		 * stands. */
		unlink(na.data);
		unlink(nb.data);
		util_sync_parent(na.data);
		util_sync_parent(nb.data);
	} else if (present(nb.data)) {
		/* The first is replaced: finish with the second. */
		if (rename(nb.data, b) < 0) {
			xerr_setpos(err, XPIN_USAGE, b, 0, 0,
				    "cannot finish an interrupted replacement: %s",
				    strerror(errno));
			goto out;
		}
		util_sync_parent(b);
	}
	ret = 0;
out:
	buf_release(&na);
	buf_release(&nb);
	return ret;
}

bool util_pair_half(const char *a, const char *b)
{
	struct buf na = BUF_INIT, nb = BUF_INIT;
	bool half = new_name(&na, a) == 0 && new_name(&nb, b) == 0 &&
		    !present(na.data) && present(nb.data);

	buf_release(&na);
	buf_release(&nb);
	return half;
}

int util_write_pair(const char *a, const void *da, size_t la, unsigned ma,
		    const char *b, const void *db, size_t lb, unsigned mb,
		    struct xerr *err)
{
	struct buf na = BUF_INIT, nb = BUF_INIT;
	sigset_t old;
	int ret = -1;

	if (new_name(&na, a) < 0 || new_name(&nb, b) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (util_pair_recover(a, b, err) < 0)
		goto out;
	util_block_signals(&old);
	/* a's new version first: while it is staged, the old pair stands;
	 * once it is renamed, only b's waits, and util_pair_recover knows to
	 * finish. Each is written whole (the atomic writer) before it is
	 * named. */
	if (write_whole(na.data, da, la, ma, false, err) < 0 ||
	    write_whole(nb.data, db, lb, mb, false, err) < 0) {
		unlink(na.data);
		unlink(nb.data);
		goto restore;
	}
	if (rename(na.data, a) < 0) {
		xerr_setpos(err, XPIN_USAGE, a, 0, 0, "cannot replace: %s",
			    strerror(errno));
		unlink(na.data);
		unlink(nb.data);
		goto restore;
	}
	util_sync_parent(a);
	if (rename(nb.data, b) < 0) {
		xerr_setpos(err, XPIN_USAGE, b, 0, 0,
			    "cannot replace: %s (its new version waits at %s)",
			    strerror(errno), nb.data);
		goto restore;
	}
	util_sync_parent(b);
	ret = 0;
restore:
	util_restore_signals(&old);
out:
	buf_release(&na);
	buf_release(&nb);
	return ret;
}

ssize_t util_read_some(int fd, void *p, size_t cap, const char *path,
		       struct xerr *err)
{
	ssize_t n;

	do
		n = read(fd, p, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		xerr_setpos(err, XPIN_USAGE, path, 0, 0, "cannot read: %s",
			    strerror(errno));
	return n;
}

int util_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A file in path's folder with no name yet (O_TMPFILE): a kill leaves
 * nothing of it. -1 when the file system cannot. */
static int open_unnamed(const char *path, unsigned mode)
{
	struct buf dir = BUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		buf_puts(&dir, ".");
	else if (slash == path)
		buf_puts(&dir, "/");
	else
		buf_add(&dir, path, (size_t)(slash - path));
	fd = open(buf_cstr(&dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, (mode_t)mode);
	buf_release(&dir);
	return fd;
}

/* Name the unnamed file at fd; name must not exist. */
static int name_unnamed(int fd, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
}

static int write_fail(struct xerr *err, const char *path, const char *what)
{
	int e = errno;

	return xerr_setpos(err, XPIN_USAGE, path, 0, 0, "%s: %s", what,
			   e == EFBIG ? "the file size limit (ulimit -f) is reached"
				      : strerror(e));
}

/* data, whole and synced, in a file that appears at path only then: a
 * new name (exclusive: path must not exist), or replacing what is there
 * (through a temporary name, removed on failure and by a signal). */
static int write_whole(const char *path, const void *data, size_t len,
		       unsigned mode, bool replace, struct xerr *err)
{
	static unsigned long seq;
	struct buf tmp = BUF_INIT;
	int fd, ret = -1;
	bool named = false;

	fd = open_unnamed(path, mode);
	if (fd < 0) {
		/* No O_TMPFILE: a named temporary from the start. */
		if (buf_printf(&tmp, "%s.xpin-tmp-XXXXXX", path) < 0)
			return xerr_set(err, XPIN_USAGE, "out of memory");
		fd = mkostemp(tmp.data, O_CLOEXEC);
		if (fd < 0) {
			write_fail(err, path, "cannot create a temporary file beside it");
			goto out;
		}
		temp_add(tmp.data, SLOT_FILE);
		named = true;
	}
	/* Held until the file has its name: sweep_stale leaves it alone. */
	flock(fd, LOCK_EX);
	if (fchmod(fd, (mode_t)mode) < 0 || util_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0) {
		write_fail(err, path, "cannot write");
		goto out;
	}
	if (!named && !replace) {
		if (name_unnamed(fd, path) == 0) {
			ret = 0;
			goto out;
		}
		if (errno == EEXIST) {
			write_fail(err, path, "cannot create");
			goto out;
		}
	}
	if (!named) {
		buf_printf(&tmp, "%s.xpin-tmp-%ld-%lu", path, (long)getpid(),
			   __sync_add_and_fetch(&seq, 1));
		temp_add(tmp.data, SLOT_FILE);
		if (name_unnamed(fd, tmp.data) < 0) {
			write_fail(err, path, "cannot create a temporary file beside it");
			goto out;
		}
		named = true;
	}
	if (replace ? rename(tmp.data, path) < 0 : link(tmp.data, path) < 0) {
		write_fail(err, path, replace ? "cannot replace" : "cannot create");
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (named && (ret < 0 || !replace))
		unlink(tmp.data);
	if (tmp.len)
		temp_del(tmp.data);
	buf_release(&tmp);
	if (ret == 0)
		util_sync_parent(path);
	return ret;
}

/* Remove the temporaries of path that a writer killed with SIGKILL left
 * (a kill between naming one and renaming it, two system calls apart).
 * A live writer holds a lock on its temporary until it is renamed, so
 * only a dead writer's can be locked here. */
static void sweep_stale(const char *path)
{
	struct buf dir = BUF_INIT, full = BUF_INIT;
	struct xerr err = XERR_INIT;
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	size_t blen = strlen(base), i, n = 0;
	char **names = NULL;

	if (slash)
		buf_add(&dir, path, (size_t)(slash - path) + 1);
	if (util_list_dir(&names, &n, dir.len ? buf_cstr(&dir) : ".", &err) < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		int fd;

		if (strncmp(names[i], base, blen) ||
		    strncmp(names[i] + blen, ".xpin-tmp-", 10))
			continue;
		full.len = 0;
		buf_printf(&full, "%s%s", buf_cstr(&dir), names[i]);
		fd = open(buf_cstr(&full),
			  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(buf_cstr(&full));
		close(fd);
	}
	util_names_free(names, n);
	buf_release(&dir);
	buf_release(&full);
}

int util_write_atomic(const char *path, const void *data, size_t len,
		      unsigned mode, struct xerr *err)
{
	struct stat st;

	sweep_stale(path);
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	return write_whole(path, data, len, mode, true, err);
}

void util_sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct buf dir = BUF_INIT;
	int fd;

	if (slash)
		buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		buf_puts(&dir, ".");
	fd = open(buf_cstr(&dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	buf_release(&dir);
}

int util_open_regular(const char *path, struct xerr *err)
{
	struct stat st;
	int fd, flags;

	/* O_NONBLOCK: a FIFO opens at once instead of waiting for a writer,
	 * and is then refused like a device. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   S_ISDIR(st.st_mode) ? "is a folder, not a file"
						       : "is not a regular file");
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		close(fd);
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot read: %s", strerror(errno));
	}
	return fd;
}

int util_stream_fd(int fd, const char *name,
		   int (*fn)(void *ctx, const void *p, size_t n), void *ctx,
		   struct xerr *err)
{
	char chunk[65536];
	ssize_t n;
	int ret = 0;

	while (ret == 0) {
		n = util_read_some(fd, chunk, sizeof(chunk), name, err);
		if (n < 0)
			ret = -1;
		else if (n == 0)
			break;
		else
			ret = fn(ctx, chunk, (size_t)n) < 0 ? -1 : 0;
	}
	return ret;
}

int util_stream_file(const char *path,
		     int (*fn)(void *ctx, const void *p, size_t n),
		     void *ctx, struct xerr *err)
{
	int fd, ret;

	fd = util_open_regular(path, err);
	if (fd < 0)
		return -1;
	ret = util_stream_fd(fd, path, fn, ctx, err);
	close(fd);
	return ret;
}

int util_mkdtemp(struct buf *out, const char *prefix, struct xerr *err)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	out->len = 0;
	if (buf_printf(out, "%s/%s-XXXXXX", tmp, prefix) < 0)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	if (!mkdtemp(out->data))
		return xerr_set(err, XPIN_USAGE,
				"cannot create a temporary folder in '%s': %s",
				tmp, strerror(errno));
	temp_add(out->data, SLOT_DIR);
	return 0;
}

int util_mkdtemp_beside(struct buf *out, const char *path, struct xerr *err)
{
	out->len = 0;
	if (buf_printf(out, "%s.xpin-XXXXXX", path) < 0)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	if (!mkdtemp(out->data))
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot create a folder beside it: %s",
				   strerror(errno));
	temp_add(out->data, SLOT_DIR);
	return 0;
}

int util_mkdir_p(const char *path, struct xerr *err)
{
	char *p = strdup(path), *s;
	int ret = 0;

	if (!p)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (s = p + 1; ret == 0; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			ret = xerr_setpos(err, XPIN_USAGE, p, 0, 0,
					  "cannot create the folder: %s",
					  strerror(errno));
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return ret;
}

void util_names_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int util_list_fd(char ***out, size_t *count, int fd, const char *name,
		 struct xerr *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dir;
	int own;

	*out = NULL;
	*count = 0;
	/* closedir closes what fdopendir was given: the caller keeps fd. */
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	dir = own < 0 ? NULL : fdopendir(own);
	if (!dir) {
		int e = errno;

		if (own >= 0)
			close(own);
		return xerr_setpos(err, XPIN_USAGE, name, 0, 0,
				   "cannot open the folder: %s", strerror(e));
	}
	/* The duplicate shares fd's offset: read from the start. */
	rewinddir(dir);
	for (;;) {
		errno = 0;
		d = readdir(dir);
		if (!d)
			break;
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **t = realloc(names, ncap * sizeof(*names));

			if (!t)
				goto nomem;
			names = t;
			cap = ncap;
		}
		if (!(names[n] = strdup(d->d_name)))
			goto nomem;
		n++;
	}
	if (errno) {
		xerr_setpos(err, XPIN_USAGE, name, 0, 0,
			    "cannot read the folder: %s", strerror(errno));
		closedir(dir);
		util_names_free(names, n);
		return -1;
	}
	closedir(dir);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*count = n;
	return 0;
nomem:
	closedir(dir);
	util_names_free(names, n);
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

int util_list_dir(char ***out, size_t *count, const char *path,
		  struct xerr *err)
{
	int fd, ret;

	*out = NULL;
	*count = 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot open the folder: %s",
				   strerror(errno));
	ret = util_list_fd(out, count, fd, path, err);
	close(fd);
	return ret;
}

static int rmtree_at(int dfd, const char *name)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, ret = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* A read-only folder (a Nix build output) must be opened. */
		fchmodat(dfd, name, 0700, 0);
		fd = openat(dfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -1;
	}
	fchmod(fd, 0700);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (rmtree_at(dirfd(d), e->d_name) < 0)
			ret = -1;
	}
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		ret = -1;
	return ret;
}

int util_rmtree(const char *path)
{
	int ret = rmtree_at(AT_FDCWD, path);

	temp_del(path);
	return ret;
}

void util_keep_temp(const char *path)
{
	temp_del(path);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void child(const struct util_proc *p, int outfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), log = p->log_fd;

	setpgid(0, 0);
	/* Killed with xpin even when xpin is killed outright (SIGKILL): the
	 * thread that started it waits for it, so it outlives it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* What xpin ignores or blocks for itself is not the build's. */
	signal(SIGXFSZ, SIG_DFL);
	{
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	if (log < 0)
		log = null;
	dup2(null, 0);
	dup2(outfd >= 0 ? outfd : log, 1);
	dup2(log, 2);
	if (p->umask >= 0)
		umask((mode_t)p->umask);
	if (p->cwd && chdir(p->cwd) < 0) {
		dprintf(2, "xpin: cannot change to '%s': %s\n", p->cwd,
			strerror(errno));
		_exit(127);
	}
	if (p->env)
		execvpe(p->argv[0], (char *const *)p->argv,
			(char *const *)p->env);
	else
		execvp(p->argv[0], (char *const *)p->argv);
	dprintf(2, "xpin: cannot run '%s': %s\n", p->argv[0], strerror(errno));
	_exit(127);
}

/*
 * Builds run in process groups of their own, so that a timeout can stop
 * everything a build started; the terminal's Ctrl-C then reaches xpin
 * only. These hold the groups running now, for util_forward_signals.
 */
#define MAX_GROUPS 64
static volatile sig_atomic_t groups[MAX_GROUPS];

static void group_add(pid_t pid)
{
	size_t i;

	for (i = 0; i < MAX_GROUPS; i++)
		if (__sync_bool_compare_and_swap(&groups[i], 0, (sig_atomic_t)pid))
			return;
}

static void group_del(pid_t pid)
{
	size_t i;

	for (i = 0; i < MAX_GROUPS; i++)
		__sync_bool_compare_and_swap(&groups[i], (sig_atomic_t)pid, 0);
}

/* rm -r of the folder open at fd, with system calls only (no malloc, no
 * stdio), for the signal handler. Depth is bounded. */
static void rm_contents_safe(int fd, int depth)
{
	char buf[2048];
	long n;
	int rounds = 0, progress = 1;

	while (progress && rounds++ < 1000) {
		progress = 0;
		lseek(fd, 0, SEEK_SET);
		while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
			long off = 0;

			while (off < n) {
				struct {
					uint64_t ino;
					int64_t off;
					unsigned short reclen;
					unsigned char type;
					char name[];
				} *d = (void *)(buf + off);
				const char *nm = d->name;

				off += d->reclen;
				if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
					continue;
				if (unlinkat(fd, nm, 0) == 0) {
					progress = 1;
					continue;
				}
				if (depth < 32) {
					int sub;

					fchmodat(fd, nm, 0700, 0);
					sub = openat(fd, nm, O_RDONLY | O_DIRECTORY |
							     O_NOFOLLOW | O_CLOEXEC);
					if (sub >= 0) {
						rm_contents_safe(sub, depth + 1);
						close(sub);
					}
				}
				if (unlinkat(fd, nm, AT_REMOVEDIR) == 0)
					progress = 1;
			}
		}
	}
}

static void temps_remove_safe(void)
{
	size_t i;

	for (i = 0; i < MAX_TEMPS; i++) {
		int fd;

		if (temp_state[i] == SLOT_FILE) {
			unlink(temp_path[i]);
		} else if (temp_state[i] == SLOT_DIR) {
			fd = open(temp_path[i], O_RDONLY | O_DIRECTORY |
						 O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				rm_contents_safe(fd, 0);
				close(fd);
			}
			rmdir(temp_path[i]);
		}
	}
}

/* Stop every build group: TERM, a grace of up to two seconds, then KILL,
 * reaping what is ours so nothing is left to write into our folders. */
static void stop_groups_safe(void)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	size_t i;
	int k, alive = 1;

	for (i = 0; i < MAX_GROUPS; i++)
		if (groups[i] > 0)
			kill(-(pid_t)groups[i], SIGTERM);
	for (k = 0; alive && k < 100; k++) {
		alive = 0;
		for (i = 0; i < MAX_GROUPS; i++) {
			pid_t g = (pid_t)groups[i];

			if (g <= 0)
				continue;
			while (waitpid(-g, NULL, WNOHANG) > 0)
				;
			if (kill(-g, 0) == 0)
				alive = 1;
		}
		if (alive)
			nanosleep(&tick, NULL);
	}
	for (i = 0; i < MAX_GROUPS; i++)
		if (groups[i] > 0) {
			kill(-(pid_t)groups[i], SIGKILL);
			while (waitpid(-(pid_t)groups[i], NULL, 0) > 0)
				;
		}
}

static void put(const char *s)
{
	ssize_t r = write(2, s, strlen(s));
	(void)r;
}

static void forward(int sig)
{
	static volatile sig_atomic_t once;

	if (__sync_lock_test_and_set(&once, 1))
		return;
	stop_groups_safe();
	temps_remove_safe();
	put("xpin: stopped by SIG");
	put(sig == SIGINT ? "INT" : sig == SIGTERM ? "TERM" : "HUP");
	put("; its builds were stopped and its temporary files removed\n");
	signal(sig, SIG_DFL);
	raise(sig);
}

void util_forward_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigfillset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A file size limit makes write fail with EFBIG (one line, exit 2,
	 * the old file kept) rather than killing xpin without a word. */
	signal(SIGXFSZ, SIG_IGN);
}

void util_block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void util_restore_signals(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* A descriptor that polls readable when pid exits (Linux), or -1. */
static int exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

int util_spawn(int *status, const struct util_proc *p, struct xerr *err)
{
	int fds[2] = { -1, -1 }, ws = 0, ret = -1, pidfd = -1;
	int64_t deadline = p->timeout ? now_ms() + (int64_t)p->timeout * 1000 : 0;
	bool timed_out = false, reaped = false;
	pid_t pid;

	if (p->out && pipe2(fds, O_CLOEXEC) < 0)
		return xerr_set(err, XPIN_BUILD, "cannot make a pipe: %s",
				strerror(errno));
	pid = fork();
	if (pid < 0) {
		xerr_set(err, XPIN_BUILD, "cannot start '%s': %s", p->argv[0],
			 strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(p, fds[1]);
	setpgid(pid, pid);
	group_add(pid);
	pidfd = exit_fd(pid);
	if (fds[1] >= 0) {
		close(fds[1]);
		fds[1] = -1;
	}
	/* Wait for output, the exit and the deadline at once: no polling
	 * delay is added to a build. Without pidfd, look every 10 ms. */
	while (!reaped) {
		struct pollfd pf[2];
		int npf = 0, wait_ms = pidfd >= 0 ? -1 : 10;
		pid_t r;

		if (deadline) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				kill(-pid, SIGKILL);
				timed_out = true;
				deadline = 0;
				wait_ms = pidfd >= 0 ? -1 : 10;
			} else if (wait_ms < 0 || left < wait_ms) {
				wait_ms = left > 1000000 ? 1000000 : (int)left;
			}
		}
		if (fds[0] >= 0)
			pf[npf++] = (struct pollfd){ fds[0], POLLIN, 0 };
		if (pidfd >= 0)
			pf[npf++] = (struct pollfd){ pidfd, POLLIN, 0 };
		if (poll(pf, (nfds_t)npf, wait_ms) < 0 && errno != EINTR)
			break;
		if (fds[0] >= 0 && pf[0].revents) {
			char chunk[8192];
			ssize_t n = read(fds[0], chunk, sizeof(chunk));

			if (n > 0) {
				buf_add(p->out, chunk, (size_t)n);
				continue;
			}
			if (n == 0 || errno != EINTR) {
				close(fds[0]);
				fds[0] = -1;
			}
		}
		r = waitpid(pid, &ws, WNOHANG);
		if (r == pid)
			reaped = true;
		else if (r < 0 && errno != EINTR)
			break;
	}
	/* Nothing of the group may outlive the build. */
	kill(-pid, SIGKILL);
	group_del(pid);
	/* What the child wrote before it exited is still in the pipe. */
	if (fds[0] >= 0 && fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0) {
		char chunk[8192];
		ssize_t n;

		while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
			buf_add(p->out, chunk, (size_t)n);
	}
	if (timed_out) {
		xerr_set(err, XPIN_BUILD, "'%s' ran longer than %u s and was stopped",
			 p->argv[0], p->timeout);
		goto out;
	}
	if (!reaped) {
		xerr_set(err, XPIN_BUILD, "lost track of '%s'", p->argv[0]);
		goto out;
	}
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	ret = 0;
out:
	if (pidfd >= 0)
		close(pidfd);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return ret;
}

bool util_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool util_is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

void util_date(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(out, 32, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 32, "@%lld", (long long)t);
}
