/* evidence_sums: artifact names, SHA256SUMS, and a folder of copies. */
#include "evidence_sums.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"

static int nomem(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

/* Every '/'-separated part of name is a real name. */
static bool parts_ok(const char *name)
{
	const char *p = name;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct evidence_file *)a)->name,
		      ((const struct evidence_file *)b)->name);
}

int evidence_files_list(struct evidence_files *out,
			const struct manifest_target *const *t, size_t n,
			struct xerr *err)
{
	size_t i, j, total = 0;

	out->v = NULL;
	out->n = 0;
	for (i = 0; i < n; i++)
		total += t[i]->artifacts.n;
	if (!(out->v = calloc(total + 1, sizeof(*out->v))))
		return nomem(err);
	for (i = 0; i < n; i++)
		for (j = 0; j < t[i]->artifacts.n; j++) {
			const struct manifest_artifact *a = &t[i]->artifacts.v[j];
			struct evidence_file *f = &out->v[out->n];
			struct buf name = BUF_INIT;

			if ((strcmp(a->name, ".")
			     ? buf_printf(&name, "%s/%s", t[i]->name, a->name)
			     : buf_puts(&name, t[i]->name)) < 0) {
				evidence_files_release(out);
				return nomem(err);
			}
			f->name = name.data;
			f->t = t[i];
			f->a = a;
			out->n++;
			if (!parts_ok(f->name)) {
				xerr_set(err, XPIN_USAGE,
					 "target '%s': artifact '%s' is not a relative path without '.' or '..' parts",
					 t[i]->name, a->name);
				evidence_files_release(out);
				return -1;
			}
		}
	qsort(out->v, out->n, sizeof(*out->v), by_name);
	return 0;
}

void evidence_files_release(struct evidence_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i].name);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

int evidence_sums(struct buf *out, const struct evidence_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		const char *p = f->v[i].name;
		bool esc = strpbrk(p, "\\\n\r") != NULL;
		int ret = 0;

		if (f->v[i].a->symlink)
			continue;
		ret |= buf_printf(out, "%s%s  ", esc ? "\\" : "",
				  f->v[i].a->sha256);
		for (; *p && ret == 0; p++)
			ret = *p == '\\' ? buf_puts(out, "\\\\")
			    : *p == '\n' ? buf_puts(out, "\\n")
			    : *p == '\r' ? buf_puts(out, "\\r")
					 : buf_add(out, p, 1);
		if (ret < 0 || buf_puts(out, "\n") < 0)
			return -1;
	}
	return 0;
}

int evidence_sums_trusted(struct buf *out, const char *name,
			  const struct manifest *m, const char *lock,
			  size_t lock_len, const struct sign_pub *pub)
{
	unsigned char d[HASH_SHA256_LEN];
	char hex[2 * HASH_SHA256_LEN + 1], id[17];

	hash_sha256(d, lock, lock_len);
	hash_hex(hex, d, sizeof(d));
	sign_keyid_hex(id, pub->keyid);
	return buf_printf(out, "file:%s\tcommit:%s\txpin.lock:%s\tkey:%s", name,
			  m->commit ? m->commit : "none", hex, id);
}

/* --- the folder of copies ------------------------------------------------- */

/* Where f's bytes are: the folder *root and the path *rel inside it
 * ("." for root itself). A nix target's artifact is under the output its
 * name begins with ("dev/..." in the output dev), else under out. */
static int source_of(const char **root, const char **rel,
		     const struct evidence_file *f, const char *project,
		     struct xerr *err)
{
	const struct manifest_target *t = f->t;
	const char *name = f->a->name;
	size_t i;

	if (strcmp(t->builder, "nix")) {
		*root = project;
		*rel = name;
		return 0;
	}
	for (i = 0; i < t->noutputs; i++) {
		const struct manifest_output *o = &t->outputs[i];
		size_t n = strlen(o->name);

		if (!strcmp(o->name, "out") || strncmp(name, o->name, n) ||
		    (name[n] != '\0' && name[n] != '/'))
			continue;
		*root = o->path;
		*rel = name[n] ? name + n + 1 : ".";
		return 0;
	}
	for (i = 0; i < t->noutputs; i++)
		if (!strcmp(t->outputs[i].name, "out")) {
			*root = t->outputs[i].path;
			*rel = name;
			return 0;
		}
	return xerr_set(err, XPIN_USAGE,
			"target '%s': xpin.lock records no output for artifact '%s'",
			t->name, name);
}

/*
 * Open rel inside root, following no link from root down: each folder
 * is opened from the one before it. With create, the folders are made
 * (0755) and *out is the last one's descriptor, *last the name left in
 * it; otherwise *out is the file itself, opened to read.
 */
static int walk(int *out, const char **last, const char *root, int rootfd,
		const char *rel, bool create, struct xerr *err)
{
	struct buf part = BUF_INIT;
	const char *name = rel, *slash;
	int fd, next;

	*out = -1;
	fd = rootfd >= 0 ? dup(rootfd)
			 : open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return xerr_setpos(err, XPIN_USAGE, root, 0, 0,
				   "cannot open the folder: %s", strerror(errno));
	while ((slash = strchr(name, '/'))) {
		part.len = 0;
		if (buf_add(&part, name, (size_t)(slash - name)) < 0) {
			close(fd);
			return nomem(err);
		}
		if (create && mkdirat(fd, part.data, 0755) == 0)
			fchmodat(fd, part.data, 0755, 0);
		next = openat(fd, part.data,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0) {
			xerr_setpos(err, XPIN_USAGE, root, 0, 0,
				    "cannot open the folder '%.*s' (a link is not followed): %s",
				    (int)(slash - rel), rel, strerror(errno));
			buf_release(&part);
			return -1;
		}
		fd = next;
		name = slash + 1;
	}
	buf_release(&part);
	*last = name;
	if (create) {
		*out = fd;
		return 0;
	}
	*out = openat(fd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
				O_CLOEXEC);
	close(fd);
	if (*out < 0)
		return xerr_setpos(err, XPIN_USAGE, root, 0, 0,
				   "cannot open '%s': %s", rel, strerror(errno));
	return 0;
}

static int open_source(int *out, const struct evidence_file *f,
		       const char *project, struct xerr *err)
{
	const char *root = NULL, *rel = NULL, *last;
	struct stat st;

	if (source_of(&root, &rel, f, project, err) < 0)
		return -1;
	if (!strcmp(rel, ".")) {
		*out = open(root, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK |
				  O_CLOEXEC);
		if (*out < 0)
			return xerr_setpos(err, XPIN_USAGE, root, 0, 0,
					   "cannot open: %s", strerror(errno));
	} else if (walk(out, &last, root, -1, rel, false, err) < 0) {
		return -1;
	}
	if (fstat(*out, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(*out);
		*out = -1;
		return xerr_setpos(err, XPIN_USAGE, root, 0, 0,
				   "'%s' is not a regular file", rel);
	}
	return 0;
}

/* Copy the open file in to out, checking what it holds against f's
 * record. */
static int copy_checked(int in, int out, const struct evidence_file *f,
			struct xerr *err)
{
	struct hash_sha256 h;
	unsigned char d[HASH_SHA256_LEN];
	char hex[2 * HASH_SHA256_LEN + 1];
	char chunk[1 << 16];
	uint64_t size = 0;
	ssize_t n;

	hash_sha256_init(&h);
	while ((n = read(in, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || util_write_all(out, chunk, (size_t)n) < 0) {
			hash_sha256_release(&h);
			return xerr_set(err, XPIN_USAGE, "%s: cannot %s: %s",
					f->name, n < 0 ? "read" : "write",
					strerror(errno));
		}
		hash_sha256_update(&h, chunk, (size_t)n);
		size += (uint64_t)n;
	}
	hash_sha256_final(&h, d);
	hash_hex(hex, d, sizeof(d));
	if (strcmp(hex, f->a->sha256) || size != f->a->size) {
		xerr_set(err, XPIN_CHECK_FAILED,
			 "%s: sha256 %s (%llu bytes), but xpin.lock records %s (%llu bytes)",
			 f->name, hex, (unsigned long long)size, f->a->sha256,
			 (unsigned long long)f->a->size);
		xerr_hint(err, "the file changed since it was locked: rebuild it, or run 'xpin verify'");
		return -1;
	}
	return 0;
}

static int put_file(int rootfd, const char *tmp, const struct evidence_file *f,
		    const char *project, struct xerr *err)
{
	const char *last;
	int dirfd = -1, in = -1, out = -1, ret = -1;

	if (walk(&dirfd, &last, tmp, rootfd, f->name, true, err) < 0)
		goto out;
	if (f->a->symlink) {
		if (symlinkat(f->a->symlink, dirfd, last) < 0)
			xerr_set(err, XPIN_USAGE, "%s: cannot create the link: %s",
				 f->name, strerror(errno));
		else
			ret = 0;
		goto out;
	}
	if (open_source(&in, f, project, err) < 0) {
		char msg[sizeof(err->msg)];

		if (!strcmp(err->file, "."))
			err->file[0] = '\0';
		xerr_format(msg, sizeof(msg), err);
		xerr_set(err, XPIN_USAGE, "%s: %.900s", f->name, msg);
		xerr_hint(err, "%s", strcmp(f->t->builder, "nix")
				     ? "build the target in the project folder first"
				     : "build the target first, so that its output is in the store");
		goto out;
	}
	out = openat(dirfd, last, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				  O_CLOEXEC, 0600);
	if (out < 0) {
		xerr_set(err, XPIN_USAGE, "%s: cannot create: %s", f->name,
			 strerror(errno));
		goto out;
	}
	if (copy_checked(in, out, f, err) < 0)
		goto out;
	if (fchmod(out, f->a->executable ? 0755 : 0644) < 0 || fsync(out) < 0) {
		xerr_set(err, XPIN_USAGE, "%s: cannot write: %s", f->name,
			 strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

static int put_blob(int rootfd, const struct evidence_blob *b,
		    struct xerr *err)
{
	int fd = openat(rootfd, b->name, O_WRONLY | O_CREAT | O_EXCL |
					 O_NOFOLLOW | O_CLOEXEC, 0600);
	int ret = 0;

	if (fd < 0)
		return xerr_set(err, XPIN_USAGE, "%s: cannot create: %s",
				b->name, strerror(errno));
	if (util_write_all(fd, b->data, b->len) < 0 || fchmod(fd, 0644) < 0 ||
	    fsync(fd) < 0)
		ret = xerr_set(err, XPIN_USAGE, "%s: cannot write: %s", b->name,
			       strerror(errno));
	close(fd);
	return ret;
}

/* dir may be taken: nothing there, or an empty folder. */
static int check_dest(const char *dir, struct xerr *err)
{
	char **names = NULL;
	size_t n = 0;
	struct stat st;

	if (lstat(dir, &st) < 0)
		return errno == ENOENT
		       ? 0
		       : xerr_setpos(err, XPIN_USAGE, dir, 0, 0, "cannot read: %s",
				     strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return xerr_setpos(err, XPIN_USAGE, dir, 0, 0,
				   "exists and is not a folder");
	if (util_list_dir(&names, &n, dir, err) < 0)
		return -1;
	util_names_free(names, n);
	if (n)
		return xerr_setpos(err, XPIN_USAGE, dir, 0, 0,
				   "the folder is not empty: export files writes a new one (choose another with -o)");
	return 0;
}

int evidence_copy(const char *dir, const struct evidence_files *f,
		  const char *project, const struct evidence_blob *blobs,
		  size_t nblobs, struct xerr *err)
{
	struct buf tmp = BUF_INIT;
	size_t i;
	int rootfd = -1, ret = -1;
	bool made = false;

	if (check_dest(dir, err) < 0 || util_mkdtemp_beside(&tmp, dir, err) < 0)
		goto out;
	made = true;
	rootfd = open(tmp.data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0 || fchmod(rootfd, 0755) < 0) {
		xerr_setpos(err, XPIN_USAGE, tmp.data, 0, 0,
			    "cannot open the folder: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < f->n; i++)
		if (put_file(rootfd, tmp.data, &f->v[i], project, err) < 0)
			goto out;
	for (i = 0; i < nblobs; i++)
		if (put_blob(rootfd, &blobs[i], err) < 0)
			goto out;
	if (fsync(rootfd) < 0 || rename(tmp.data, dir) < 0) {
		xerr_setpos(err, XPIN_USAGE, dir, 0, 0, "cannot write: %s",
			    strerror(errno));
		goto out;
	}
	util_keep_temp(tmp.data);
	util_sync_parent(dir);
	ret = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	if (ret < 0 && made) {
		util_rmtree(tmp.data);
		util_keep_temp(tmp.data);
	}
	buf_release(&tmp);
	return ret;
}
