/* nar: NAR serialisation into SHA-256, from disk or from events. */
#include "nar.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read size for file contents: big enough to keep syscalls cheap, small
 * enough that a large file never sits in memory. */
#define NAR_CHUNK (128 * 1024)

static const unsigned char zeros[8];

/*
 * The pipe: the walk fills fixed buffers in stream order (file contents
 * are read straight into them) and a hashing thread feeds them to the
 * SHA-256 in that order, so that reading and hashing overlap.
 */
struct nar_pipe {
	pthread_mutex_t lock;
	pthread_cond_t filled, emptied;
	unsigned char *buf[NAR_PIPE_BUFS];
	size_t len[NAR_PIPE_BUFS];
	uint64_t head;      /* next buffer to hash */
	uint64_t tail;      /* the buffer being filled */
	size_t fill;        /* bytes in it */
	bool done;          /* no more buffers come */
	struct hash_sha256 *sha;
	pthread_t th;
};

static void *pipe_hasher(void *arg)
{
	struct nar_pipe *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		size_t i;

		while (p->head == p->tail && !p->done)
			pthread_cond_wait(&p->filled, &p->lock);
		if (p->head == p->tail)
			break;
		i = p->head % NAR_PIPE_BUFS;
		pthread_mutex_unlock(&p->lock);
		hash_sha256_update(p->sha, p->buf[i], p->len[i]);
		pthread_mutex_lock(&p->lock);
		p->head++;
		pthread_cond_signal(&p->emptied);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void pipe_free(struct nar_pipe *p)
{
	size_t i;

	for (i = 0; i < NAR_PIPE_BUFS; i++)
		free(p->buf[i]);
	pthread_cond_destroy(&p->filled);
	pthread_cond_destroy(&p->emptied);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* A pipe hashing into sha, its thread started; NULL (nothing to undo)
 * when there is one CPU, or no memory or thread to be had. */
static struct nar_pipe *pipe_start(struct hash_sha256 *sha)
{
	struct nar_pipe *p;
	size_t i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || !(p = calloc(1, sizeof(*p))))
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->emptied, NULL);
	p->sha = sha;
	for (i = 0; i < NAR_PIPE_BUFS; i++)
		if (!(p->buf[i] = malloc(NAR_PIPE_BUF))) {
			pipe_free(p);
			return NULL;
		}
	if (pthread_create(&p->th, NULL, pipe_hasher, p) != 0) {
		pipe_free(p);
		return NULL;
	}
	return p;
}

/* Hand the buffer being filled to the hasher, and wait for a free one. */
static void pipe_submit(struct nar_pipe *p)
{
	pthread_mutex_lock(&p->lock);
	p->len[p->tail % NAR_PIPE_BUFS] = p->fill;
	p->tail++;
	p->fill = 0;
	pthread_cond_signal(&p->filled);
	while (p->tail - p->head == NAR_PIPE_BUFS)
		pthread_cond_wait(&p->emptied, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

/* Room at the end of the buffer being filled: *cap bytes, at least 1. */
static unsigned char *pipe_space(struct nar_pipe *p, size_t *cap)
{
	if (p->fill == NAR_PIPE_BUF)
		pipe_submit(p);
	*cap = NAR_PIPE_BUF - p->fill;
	return p->buf[p->tail % NAR_PIPE_BUFS] + p->fill;
}

static void pipe_put(struct nar_pipe *p, const void *data, size_t n)
{
	const unsigned char *s = data;

	while (n) {
		size_t cap, k;
		unsigned char *d = pipe_space(p, &cap);

		k = n < cap ? n : cap;
		memcpy(d, s, k);
		p->fill += k;
		s += k;
		n -= k;
	}
}

/* The rest of the stream hashed (when flush) or dropped, the thread
 * joined and the pipe freed. */
static void pipe_end(struct nar_pipe *p, bool flush)
{
	if (flush && p->fill)
		pipe_submit(p);
	pthread_mutex_lock(&p->lock);
	if (!flush)
		p->head = p->tail;
	p->done = true;
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->th, NULL);
	pipe_free(p);
}

static void put(struct nar_enc *e, const void *p, size_t n)
{
	if (e->pipe)
		pipe_put(e->pipe, p, n);
	else
		hash_sha256_update(&e->sha, p, n);
}

static void put_u64(struct nar_enc *e, uint64_t n)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(n >> (8 * i));
	put(e, b, 8);
}

static void put_pad(struct nar_enc *e, uint64_t n)
{
	if (n % 8)
		put(e, zeros, 8 - (size_t)(n % 8));
}

static void put_bytes(struct nar_enc *e, const void *p, size_t n)
{
	put_u64(e, n);
	put(e, p, n);
	put_pad(e, n);
}

static void put_str(struct nar_enc *e, const char *s)
{
	put_bytes(e, s, strlen(s));
}

/* Close a node, and the entry around it unless it is the root. */
static void node_end(struct nar_enc *e)
{
	put_str(e, ")");
	if (e->depth > 0)
		put_str(e, ")");
}

void nar_format(char out[NAR_FMT_MAX], const unsigned char d[32],
		enum nar_fmt f)
{
	switch (f) {
	case NAR_BASE32:
		hash_nix32(out, d, 32);
		break;
	case NAR_BASE16:
		hash_hex(out, d, 32);
		break;
	default:
		hash_sri_sha256(out, d);
		break;
	}
}

void nar_enc_init(struct nar_enc *e)
{
	memset(e, 0, sizeof(*e));
	hash_sha256_init(&e->sha);
	put_str(e, "nix-archive-1");
}

int nar_enc_entry(struct nar_enc *e, const char *name, size_t len,
		  struct xerr *err)
{
	/* Nix refuses these when it unpacks a NAR; a git tree from a
	 * hostile repository can hold them. */
	if (len == 0 || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.') ||
	    memchr(name, '/', len) || memchr(name, '\0', len))
		return xerr_set(err, XPIN_USAGE,
				"invalid file name '%.*s' in the tree",
				(int)(len > 200 ? 200 : len), name);
	put_str(e, "entry");
	put_str(e, "(");
	put_str(e, "name");
	put_bytes(e, name, len);
	put_str(e, "node");
	return 0;
}

void nar_enc_dir_begin(struct nar_enc *e)
{
	put_str(e, "(");
	put_str(e, "type");
	put_str(e, "directory");
	e->depth++;
}

void nar_enc_dir_end(struct nar_enc *e)
{
	e->depth--;
	node_end(e);
}

void nar_enc_symlink(struct nar_enc *e, const void *target, size_t len)
{
	put_str(e, "(");
	put_str(e, "type");
	put_str(e, "symlink");
	put_str(e, "target");
	put_bytes(e, target, len);
	node_end(e);
}

void nar_enc_file_begin(struct nar_enc *e, bool executable, uint64_t size)
{
	put_str(e, "(");
	put_str(e, "type");
	put_str(e, "regular");
	if (executable) {
		put_str(e, "executable");
		put_str(e, "");
	}
	put_str(e, "contents");
	put_u64(e, size);
	e->file_size = size;
}

void nar_enc_file_data(struct nar_enc *e, const void *p, size_t n)
{
	put(e, p, n);
}

void nar_enc_file_end(struct nar_enc *e)
{
	put_pad(e, e->file_size);
	node_end(e);
}

void nar_enc_file(struct nar_enc *e, bool executable, const void *data,
		  uint64_t size)
{
	nar_enc_file_begin(e, executable, size);
	nar_enc_file_data(e, data, (size_t)size);
	nar_enc_file_end(e);
}

void nar_enc_final(struct nar_enc *e, unsigned char out[32])
{
	if (e->pipe)
		pipe_end(e->pipe, true);
	e->pipe = NULL;
	hash_sha256_final(&e->sha, out);
}

void nar_enc_release(struct nar_enc *e)
{
	if (!e)
		return;
	if (e->pipe)
		pipe_end(e->pipe, false);
	e->pipe = NULL;
	hash_sha256_release(&e->sha);
}

/* --- a tree on disk --- */

/* chunk: NAR_CHUNK bytes, one buffer for the whole walk (a fresh one per
 * file would be an mmap and munmap per file: glibc maps an allocation
 * this size). */
static int dump_file(struct nar_enc *e, const char *path,
		     const struct stat *lst, unsigned char *chunk,
		     struct xerr *err)
{
	struct stat st;
	uint64_t total = 0;
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0, "cannot open: %s",
			    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_ino != lst->st_ino) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0,
			    "changed while being read");
		goto out;
	}
	nar_enc_file_begin(e, (st.st_mode & S_IXUSR) != 0,
			   (uint64_t)st.st_size);
	for (;;) {
		/* Through the pipe, contents are read straight into its
		 * buffer: no copy. */
		size_t cap = NAR_CHUNK;
		unsigned char *dst = e->pipe ? pipe_space(e->pipe, &cap) : chunk;

		n = util_read_some(fd, dst, cap, path, err);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > (uint64_t)st.st_size)
			break;
		if (e->pipe)
			e->pipe->fill += (size_t)n;
		else
			nar_enc_file_data(e, chunk, (size_t)n);
	}
	if (total != (uint64_t)st.st_size) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0,
			    "changed size while being read");
		goto out;
	}
	nar_enc_file_end(e);
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int dump_symlink(struct nar_enc *e, const char *path,
			const struct stat *st, struct xerr *err)
{
	size_t cap = st->st_size > 0 ? (size_t)st->st_size + 1 : 256;
	char *target = NULL;
	ssize_t n;
	int ret = -1;

	for (;;) {
		char *t = realloc(target, cap);
		if (!t) {
			xerr_set(err, XPIN_USAGE, "out of memory");
			goto out;
		}
		target = t;
		n = readlink(path, target, cap);
		if (n < 0) {
			xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				    "cannot read the link: %s", strerror(errno));
			goto out;
		}
		if ((size_t)n < cap)
			break;
		cap *= 2;
	}
	nar_enc_symlink(e, target, (size_t)n);
	ret = 0;
out:
	free(target);
	return ret;
}

static int dump_path(struct nar_enc *e, struct buf *path,
		     unsigned char *chunk, struct xerr *err)
{
	char **names = NULL;
	size_t n = 0, i, len = path->len;
	struct stat st;
	int ret = -1;

	if (lstat(buf_cstr(path), &st) < 0)
		return xerr_setpos(err, XPIN_USAGE, buf_cstr(path), 0, 0,
				   "cannot read: %s", strerror(errno));
	if (S_ISREG(st.st_mode))
		return dump_file(e, path->data, &st, chunk, err);
	if (S_ISLNK(st.st_mode))
		return dump_symlink(e, path->data, &st, err);
	if (!S_ISDIR(st.st_mode))
		return xerr_setpos(err, XPIN_USAGE, path->data, 0, 0,
				   "not a file, folder or symlink; a NAR cannot hold it");
	if (util_list_dir(&names, &n, path->data, err) < 0)
		return -1;
	nar_enc_dir_begin(e);
	for (i = 0; i < n; i++) {
		size_t nl = strlen(names[i]);

		if (nar_enc_entry(e, names[i], nl, err) < 0)
			goto out;
		if (buf_add(path, "/", 1) < 0 ||
		    buf_add(path, names[i], nl) < 0) {
			xerr_set(err, XPIN_USAGE, "out of memory");
			goto out;
		}
		if (dump_path(e, path, chunk, err) < 0)
			goto out;
		path->len = len;
		path->data[len] = '\0';
	}
	nar_enc_dir_end(e);
	ret = 0;
out:
	util_names_free(names, n);
	return ret;
}

int nar_hash_path(unsigned char out[32], const char *path, struct xerr *err)
{
	struct buf p = BUF_INIT;
	unsigned char *chunk = malloc(NAR_CHUNK);
	struct nar_enc e;
	int ret = -1;

	nar_enc_init(&e);
	e.pipe = pipe_start(&e.sha);
	if (!chunk || buf_puts(&p, path) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (dump_path(&e, &p, chunk, err) < 0)
		goto out;
	nar_enc_final(&e, out);
	ret = 0;
out:
	nar_enc_release(&e);
	buf_release(&p);
	free(chunk);
	return ret;
}
