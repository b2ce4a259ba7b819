/* manifest: the xpin.lock model, its text, and what a build adds to it. */
#define _GNU_SOURCE
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flakelock.h"
#include "hash.h"
#include "nar.h"

static int nomem(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

/* strdup that keeps NULL; *ok turns false when memory runs out. */
static char *dup_or_null(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*ok = false;
	return d;
}

void manifest_strings_release(struct manifest_strings *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int strings_push(struct manifest_strings *s, const char *v)
{
	char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));

	if (!nv)
		return -1;
	s->v = nv;
	if (!(s->v[s->n] = strdup(v)))
		return -1;
	s->n++;
	return 0;
}

int manifest_strings_add(struct manifest_strings *s, const char *v)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], v))
			return 0;
	return strings_push(s, v);
}

/*
 * Artifacts and targets are arrays kept sorted by the name each element
 * holds (a char * at name_off): where name is, or would go, in the n
 * elements of size bytes at v.
 */
static size_t sorted_slot(const void *v, size_t n, size_t size,
			  size_t name_off, const char *name, bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *at = *(char *const *)((const char *)v + mid * size +
						  name_off);
		int c = strcmp(at, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The array v of n elements grown by one, with a gap at i (its bytes
 * left as they were) for the caller to fill; NULL, v untouched, when out
 * of memory. */
static void *sorted_gap(void *v, size_t n, size_t size, size_t i)
{
	char *nv = realloc(v, (n + 1) * size);

	if (nv)
		memmove(nv + (i + 1) * size, nv + i * size, (n - i) * size);
	return nv;
}

/* --- artifacts ---------------------------------------------------------- */

static void artifact_release(struct manifest_artifact *a)
{
	size_t i;

	for (i = 0; i < a->nwarnings; i++) {
		free(a->warnings[i].code);
		free(a->warnings[i].message);
	}
	free(a->warnings);
	free(a->name);
	free(a->symlink);
	free(a->elf_error);
	json_decref(a->elf);
	memset(a, 0, sizeof(*a));
}

void manifest_artifacts_release(struct manifest_artifacts *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		artifact_release(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static size_t artifact_slot(const struct manifest_artifacts *a,
			    const char *name, bool *found)
{
	return sorted_slot(a->v, a->n, sizeof(*a->v),
			   offsetof(struct manifest_artifact, name), name, found);
}

const struct manifest_artifact *
manifest_artifact_find(const struct manifest_artifacts *a, const char *name)
{
	bool found;
	size_t i = artifact_slot(a, name, &found);

	return found ? &a->v[i] : NULL;
}

/* Take over *x (left empty), replacing an artifact of the same name. */
static int artifact_put(struct manifest_artifacts *a,
			struct manifest_artifact *x)
{
	bool found;
	size_t i = artifact_slot(a, x->name, &found);
	struct manifest_artifact *nv;

	if (found) {
		artifact_release(&a->v[i]);
	} else {
		if (!(nv = sorted_gap(a->v, a->n, sizeof(*nv), i)))
			return -1;
		a->v = nv;
		a->n++;
	}
	a->v[i] = *x;
	memset(x, 0, sizeof(*x));
	return 0;
}

static int artifact_copy(struct manifest_artifact *out,
			 const struct manifest_artifact *src)
{
	bool ok = true;
	size_t i;

	*out = *src;
	out->name = dup_or_null(src->name, &ok);
	out->symlink = dup_or_null(src->symlink, &ok);
	out->elf_error = dup_or_null(src->elf_error, &ok);
	out->elf = src->elf ? json_deep_copy(src->elf) : NULL;
	ok &= !src->elf || out->elf;
	out->warnings = src->nwarnings ? calloc(src->nwarnings,
						sizeof(*out->warnings)) : NULL;
	ok &= !src->nwarnings || out->warnings;
	out->nwarnings = out->warnings ? src->nwarnings : 0;
	for (i = 0; i < out->nwarnings; i++) {
		out->warnings[i].code = dup_or_null(src->warnings[i].code, &ok);
		out->warnings[i].message = dup_or_null(src->warnings[i].message,
						       &ok);
	}
	if (!ok)
		artifact_release(out);
	return ok ? 0 : -1;
}

static bool artifact_equal(const struct manifest_artifact *a,
			   const struct manifest_artifact *b,
			   bool contents_only)
{
	if (!a || !b || !a->symlink != !b->symlink)
		return false;
	if (a->symlink)
		return !strcmp(a->symlink, b->symlink);
	if (contents_only)
		return !strcmp(a->sha256, b->sha256);
	return a->size == b->size && !strcmp(a->sha256, b->sha256) &&
	       a->executable == b->executable &&
	       util_str_eq(a->elf_error, b->elf_error) &&
	       (a->elf ? b->elf && json_equal(a->elf, b->elf) : !b->elf);
}

int manifest_diff(struct manifest_strings *out,
		  const struct manifest_artifacts *a,
		  const struct manifest_artifacts *b, bool contents_only)
{
	size_t i = 0, k = 0;

	/* Both lists are sorted: one merge walk. */
	while (i < a->n || k < b->n) {
		int c = i == a->n ? 1 : k == b->n ? -1
			: strcmp(a->v[i].name, b->v[k].name);
		const char *name = c <= 0 ? a->v[i].name : b->v[k].name;
		bool same = c == 0 && artifact_equal(&a->v[i], &b->v[k],
						     contents_only);

		if (!same && strings_push(out, name) < 0)
			return -1;
		i += c <= 0;
		k += c >= 0;
	}
	return 0;
}

/* --- what a build adds ---------------------------------------------------- */

/* Whether the file open on fd starts like ELF. */
static bool is_elf(int fd)
{
	unsigned char magic[4];

	return pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\177ELF", 4);
}

/* The facts, report and warnings of the ELF file at path into x: its
 * bytes when the caller has them whole (data), else read from fd. */
static int add_elf(struct manifest_artifact *x, int fd,
		   const unsigned char *data, size_t len, const char *path,
		   const struct manifest_policy *pol, struct xerr *err)
{
	struct elf_facts f = ELF_FACTS_INIT;
	struct elf_warnings w = ELF_WARNINGS_INIT;
	struct elf_policy ep = pol->elf;
	size_t i;
	int ret = -1;

	if ((data ? elf_read_bytes(&f, data, len, path, err)
		  : elf_read_fd(&f, fd, path, err)) < 0) {
		/* A file that starts like ELF but does not parse is
		 * recorded by its bytes alone; the error is the fact. */
		x->elf_error = strdup(err->msg);
		return x->elf_error ? 0 : nomem(err);
	}
	ep.target = pol->has_target ? &pol->target : NULL;
	ep.linkage = pol->linkage;
	ep.nlinkage = pol->nlinkage;
	if (elf_check(&w, &f, &ep, err) < 0)
		goto out;
	if (!(x->elf = elf_json(x->name, &f, &w)) ||
	    (w.n && !(x->warnings = calloc(w.n, sizeof(*x->warnings))))) {
		nomem(err);
		goto out;
	}
	for (i = 0; i < w.n; i++, x->nwarnings++)
		if (!(x->warnings[i].code = strdup(w.v[i].code)) ||
		    !(x->warnings[i].message = strdup(w.v[i].message))) {
			nomem(err);
			goto out;
		}
	ret = 0;
out:
	elf_warnings_release(&w);
	elf_facts_release(&f);
	return ret;
}

/* Files up to this size are read whole, once, for their sha256, their
 * part of the NAR and the ELF reader; a larger one is streamed for the
 * first two and the ELF reader reads what it needs of it again. */
#define WHOLE_MAX ((size_t)64 << 20)

static int changed(const char *path, struct xerr *err)
{
	return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
			   "changed size while being read");
}

/* The whole file open on fd, of size bytes, into *out (malloc'd). */
static int read_whole(unsigned char **out, int fd, size_t size,
		      const char *path, struct xerr *err)
{
	unsigned char *p = malloc(size + 1);
	size_t got = 0;
	ssize_t n;

	*out = NULL;
	if (!p)
		return nomem(err);
	/* one byte more than the size, to see a file that grew */
	while (got <= size) {
		n = util_read_some(fd, p + got, size + 1 - got, path, err);
		if (n < 0) {
			free(p);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		free(p);
		return changed(path, err);
	}
	*out = p;
	return 0;
}

/* A file too large to hold: streamed (util_stream_fd) into its sha256 and
 * the NAR, stopping where it grows past its size. */
struct stream {
	struct hash_sha256 h;
	struct nar_enc *nar;
	uint64_t size, total;
};

static int stream_chunk(void *ctx, const void *p, size_t n)
{
	struct stream *s = ctx;

	s->total += (uint64_t)n;
	if (s->total > s->size)
		return -1;
	hash_sha256_update(&s->h, p, n);
	if (s->nar)
		nar_enc_file_data(s->nar, p, n);
	return 0;
}

static int stream_file(unsigned char d[32], int fd, uint64_t size,
		       const char *path, struct nar_enc *nar,
		       struct xerr *err)
{
	struct stream s = { .nar = nar, .size = size };
	int ret = -1;

	hash_sha256_init(&s.h);
	if (util_stream_fd(fd, path, stream_chunk, &s, err) < 0 &&
	    s.total <= size)
		goto out;
	if (s.total != size) {
		changed(path, err);
		goto out;
	}
	hash_sha256_final(&s.h, d);
	ret = 0;
out:
	hash_sha256_release(&s.h);
	return ret;
}

/* The regular file open on fd (st its fstat), at path; its NAR node into
 * nar when not NULL. */
static int add_file(struct manifest_artifacts *arts, const char *key, int fd,
		    const char *path, const struct stat *st,
		    const struct manifest_policy *pol, size_t *nwarn,
		    struct nar_enc *nar, struct xerr *err)
{
	struct manifest_artifact x = { 0 };
	uint64_t size = (uint64_t)st->st_size;
	unsigned char d[32], *data = NULL;
	int ret = -1;

	if (!(x.name = strdup(key))) {
		nomem(err);
		goto out;
	}
	if (nar)
		nar_enc_file_begin(nar, (st->st_mode & S_IXUSR) != 0, size);
	if (size <= WHOLE_MAX) {
		if (read_whole(&data, fd, (size_t)size, path, err) < 0)
			goto out;
		hash_sha256(d, data, (size_t)size);
		if (nar)
			nar_enc_file_data(nar, data, (size_t)size);
	} else if (stream_file(d, fd, size, path, nar, err) < 0) {
		goto out;
	}
	if (nar)
		nar_enc_file_end(nar);
	hash_hex(x.sha256, d, 32);
	x.size = size;
	x.executable = (st->st_mode & 0111) != 0;
	if ((data ? size >= 4 && !memcmp(data, "\177ELF", 4) : is_elf(fd)) &&
	    add_elf(&x, fd, data, (size_t)size, path, pol, err) < 0)
		goto out;
	*nwarn += x.nwarnings;
	if (artifact_put(arts, &x) < 0) {
		nomem(err);
		goto out;
	}
	ret = 0;
out:
	free(data);
	artifact_release(&x);
	return ret;
}

/* The link name in the folder open on dirfd, at path. */
static int add_symlink(struct manifest_artifacts *arts, const char *key,
		       int dirfd, const char *name, const char *path,
		       struct nar_enc *nar, struct xerr *err)
{
	struct manifest_artifact x = { 0 };
	char target[4096];
	ssize_t len = readlinkat(dirfd, name, target, sizeof(target) - 1);
	int ret = 0;

	if (len < 0)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot read the link: %s", strerror(errno));
	target[len] = '\0';
	if (nar)
		nar_enc_symlink(nar, target, (size_t)len);
	x.name = strdup(key);
	x.symlink = strdup(target);
	if (!x.name || !x.symlink || artifact_put(arts, &x) < 0)
		ret = nomem(err);
	artifact_release(&x);
	return ret;
}

/*
 * Add name, in the folder open on dirfd (AT_FDCWD: name is a path), to
 * arts under key; path names it in errors. name itself, and whatever a
 * folder holds, is never followed when it is a link: each is opened
 * O_NOFOLLOW from the folder that holds it, so nothing can be swapped for
 * a link between the look and the read.
 */
static int add_at(struct manifest_artifacts *arts, const char *key,
		  int dirfd, const char *name, const char *path,
		  const struct manifest_policy *pol, size_t *nwarn,
		  struct nar_enc *nar, struct xerr *err)
{
	struct stat st, now;
	char **names = NULL;
	size_t n = 0, i;
	int fd = -1, ret = -1;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot read: %s", strerror(errno));
	if (S_ISLNK(st.st_mode))
		return add_symlink(arts, key[0] ? key : ".", dirfd, name, path,
				   nar, err);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "not a file, link or folder");
	/* O_NONBLOCK: should it have become a FIFO since, the open does
	 * not wait for a writer, and fstat refuses it. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
		    O_NONBLOCK | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
	if (fd < 0) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0, "cannot open: %s",
			    strerror(errno));
		goto out;
	}
	if (fstat(fd, &now) < 0 ||
	    (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0,
			    "changed while it was read");
		goto out;
	}
	if (S_ISREG(now.st_mode)) {
		ret = add_file(arts, key[0] ? key : ".", fd, path, &now, pol,
			       nwarn, nar, err);
		goto out;
	}
	/* util_list_fd sorts names bytewise, as NAR wants them */
	ret = util_list_fd(&names, &n, fd, path, err);
	if (ret == 0 && nar)
		nar_enc_dir_begin(nar);
	for (i = 0; i < n && ret == 0; i++) {
		struct buf k = BUF_INIT, p = BUF_INIT;

		if (buf_printf(&k, "%s%s%s", key, key[0] ? "/" : "", names[i]) < 0 ||
		    buf_printf(&p, "%s/%s", path, names[i]) < 0)
			ret = nomem(err);
		else if (nar && nar_enc_entry(nar, names[i], strlen(names[i]),
					      err) < 0)
			ret = -1;
		else
			ret = add_at(arts, k.data, fd, names[i], p.data, pol,
				     nwarn, nar, err);
		buf_release(&k);
		buf_release(&p);
	}
	if (ret == 0 && nar)
		nar_enc_dir_end(nar);
out:
	util_names_free(names, n);
	if (fd >= 0)
		close(fd);
	return ret;
}

int manifest_add_path(struct manifest_artifacts *arts, const char *key,
		      const char *fspath, const struct manifest_policy *pol,
		      size_t *nwarn, struct xerr *err)
{
	return add_at(arts, key, AT_FDCWD, fspath, fspath, pol, nwarn, NULL,
		      err);
}

int manifest_add_path_nar(struct manifest_artifacts *arts,
			  unsigned char nar_out[32], const char *key,
			  const char *fspath,
			  const struct manifest_policy *pol, size_t *nwarn,
			  struct xerr *err)
{
	struct nar_enc e;
	int ret;

	nar_enc_init(&e);
	ret = add_at(arts, key, AT_FDCWD, fspath, fspath, pol, nwarn, &e, err);
	if (ret == 0)
		nar_enc_final(&e, nar_out);
	else
		nar_enc_release(&e);
	return ret;
}

static int absent(struct xerr *err, const char *rel)
{
	xerr_set(err, XPIN_USAGE, "artifact '%s' is not there", rel);
	return MANIFEST_ABSENT;
}

int manifest_add_inside(struct manifest_artifacts *arts, const char *root,
			const char *rel, const struct manifest_policy *pol,
			size_t *nwarn, struct xerr *err)
{
	struct buf part = BUF_INIT, path = BUF_INIT;
	const char *name = rel, *slash;
	struct stat st;
	int fd, next, ret = -1;

	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return xerr_setpos(err, XPIN_USAGE, root, 0, 0,
				   "cannot open the folder: %s", strerror(errno));
	if (buf_printf(&path, "%s/%s", root, rel) < 0) {
		nomem(err);
		goto out;
	}
	/* Each folder on the way is opened from the one before it, and
	 * only when it is not a link. */
	while ((slash = strchr(name, '/'))) {
		part.len = 0;
		if (buf_add(&part, name, (size_t)(slash - name)) < 0) {
			nomem(err);
			goto out;
		}
		next = openat(fd, part.data,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int e = errno;

			if (fstatat(fd, part.data, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				xerr_set(err, XPIN_USAGE,
					 "artifact '%s': '%.*s' is a symbolic link; artifacts are read only inside the build folder",
					 rel, (int)(slash - rel), rel);
			else if (e == ENOENT || e == ENOTDIR)
				ret = absent(err, rel);
			else
				xerr_setpos(err, XPIN_USAGE, path.data, 0, 0,
					    "cannot open the folder '%.*s': %s",
					    (int)(slash - rel), rel, strerror(e));
			goto out;
		}
		close(fd);
		fd = next;
		name = slash + 1;
	}
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
		ret = absent(err, rel);
		goto out;
	}
	ret = add_at(arts, rel, fd, name, path.data, pol, nwarn, NULL, err);
out:
	close(fd);
	buf_release(&part);
	buf_release(&path);
	return ret;
}

/* --- targets and inputs --------------------------------------------------- */

void manifest_target_release(struct manifest_target *t)
{
	size_t i;

	free(t->name);
	free(t->builder);
	free(t->attr);
	free(t->command);
	free(t->triple);
	free(t->drv_path);
	free(t->nar_hash);
	manifest_strings_release(&t->differs);
	for (i = 0; i < t->noutputs; i++) {
		free(t->outputs[i].name);
		free(t->outputs[i].path);
	}
	free(t->outputs);
	for (i = 0; i < t->nvariations; i++) {
		struct manifest_variation *v = &t->variations[i];
		free(v->build_dir);
		free(v->tz);
		free(v->lc_all);
		free(v->umask);
	}
	free(t->variations);
	for (i = 0; i < t->nbuilds; i++) {
		free(t->builds[i].store);
		free(t->builds[i].nix);
		free(t->builds[i].substituted);
		free(t->builds[i].nar_hash);
	}
	free(t->builds);
	manifest_artifacts_release(&t->artifacts);
	memset(t, 0, sizeof(*t));
}

int manifest_add_build(struct manifest_target *t, const char *store,
		       const char *nix, const char *substituted,
		       const char *nar_hash, bool agrees)
{
	struct manifest_build *v = realloc(t->builds,
					   (t->nbuilds + 1) * sizeof(*v)), *b;
	bool ok = true;

	if (!v)
		return -1;
	t->builds = v;
	b = &v[t->nbuilds++];
	b->store = dup_or_null(store, &ok);
	b->nix = dup_or_null(nix, &ok);
	b->substituted = dup_or_null(substituted, &ok);
	b->nar_hash = dup_or_null(nar_hash, &ok);
	b->agrees = agrees;
	return ok && b->store ? 0 : -1;
}

int manifest_target_copy(struct manifest_target *out,
			 const struct manifest_target *src)
{
	bool ok = true;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->name = dup_or_null(src->name, &ok);
	out->builder = dup_or_null(src->builder, &ok);
	out->attr = dup_or_null(src->attr, &ok);
	out->command = dup_or_null(src->command, &ok);
	out->triple = dup_or_null(src->triple, &ok);
	out->drv_path = dup_or_null(src->drv_path, &ok);
	out->nar_hash = dup_or_null(src->nar_hash, &ok);
	out->reproducible = src->reproducible;
	out->nwarn = src->nwarn;
	out->has_outputs = src->has_outputs;
	out->has_variations = src->has_variations;
	for (i = 0; ok && i < src->differs.n; i++)
		ok = strings_push(&out->differs, src->differs.v[i]) == 0;
	if (ok && src->noutputs &&
	    !(out->outputs = calloc(src->noutputs, sizeof(*out->outputs))))
		ok = false;
	for (i = 0; ok && i < src->noutputs; i++, out->noutputs++) {
		out->outputs[i].name = dup_or_null(src->outputs[i].name, &ok);
		out->outputs[i].path = dup_or_null(src->outputs[i].path, &ok);
	}
	if (ok && src->nvariations &&
	    !(out->variations = calloc(src->nvariations, sizeof(*out->variations))))
		ok = false;
	for (i = 0; ok && i < src->nvariations; i++, out->nvariations++) {
		const struct manifest_variation *v = &src->variations[i];
		struct manifest_variation *w = &out->variations[i];
		w->build_dir = dup_or_null(v->build_dir, &ok);
		w->tz = dup_or_null(v->tz, &ok);
		w->lc_all = dup_or_null(v->lc_all, &ok);
		w->umask = dup_or_null(v->umask, &ok);
		w->source_date_epoch = v->source_date_epoch;
	}
	for (i = 0; ok && i < src->nbuilds; i++) {
		const struct manifest_build *b = &src->builds[i];
		ok = manifest_add_build(out, b->store, b->nix, b->substituted,
					b->nar_hash, b->agrees) == 0;
	}
	if (ok && src->artifacts.n &&
	    !(out->artifacts.v = calloc(src->artifacts.n, sizeof(*out->artifacts.v))))
		ok = false;
	for (i = 0; ok && i < src->artifacts.n; i++, out->artifacts.n++)
		ok = artifact_copy(&out->artifacts.v[i], &src->artifacts.v[i]) == 0;
	if (!ok)
		manifest_target_release(out);
	return ok ? 0 : -1;
}

static void input_release(struct manifest_input *in)
{
	free(in->path);
	free(in->follows);
	free(in->type);
	free(in->source);
	free(in->rev);
	free(in->ref);
	free(in->nar_hash);
	memset(in, 0, sizeof(*in));
}

void manifest_inputs_free(struct manifest_input *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		input_release(&v[i]);
	free(v);
}

bool manifest_input_equal(const struct manifest_input *a,
			  const struct manifest_input *b)
{
	return a && b && util_str_eq(a->follows, b->follows) &&
	       util_str_eq(a->type, b->type) && util_str_eq(a->source, b->source) &&
	       util_str_eq(a->rev, b->rev) && util_str_eq(a->ref, b->ref) &&
	       util_str_eq(a->nar_hash, b->nar_hash) &&
	       a->last_modified == b->last_modified;
}

json_t *manifest_input_json(const struct manifest_input *in)
{
	if (in->follows)
		return json_pack("{s:s}", "follows", in->follows);
	return json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:o}",
			 "type", in->type, "source", in->source, "rev", in->rev,
			 "ref", in->ref, "narHash", in->nar_hash, "lastModified",
			 in->last_modified >= 0 ? json_integer(in->last_modified)
						: json_null());
}

static int cmp_target(const void *a, const void *b)
{
	return strcmp(((const struct manifest_target *)a)->name,
		      ((const struct manifest_target *)b)->name);
}

static int cmp_input(const void *a, const void *b)
{
	return strcmp(((const struct manifest_input *)a)->path,
		      ((const struct manifest_input *)b)->path);
}

int manifest_inputs(struct manifest_input **out, size_t *n,
		    const struct flakelock *lk, char *const *pins,
		    size_t npins, struct xerr *err)
{
	struct manifest_input *v = calloc(npins + 1, sizeof(*v));
	size_t i;
	bool ok = v != NULL;

	*out = NULL;
	*n = 0;
	for (i = 0; ok && i < npins; i++) {
		struct flakelock_pin p;

		if (flakelock_find(&p, lk, pins[i], err) < 0) {
			manifest_inputs_free(v, i);
			return -1;
		}
		v[i].path = dup_or_null(pins[i], &ok);
		v[i].follows = dup_or_null(p.follows, &ok);
		v[i].last_modified = p.follows ? -1 : p.last_modified;
		if (!p.follows) {
			v[i].type = dup_or_null(p.type, &ok);
			v[i].source = dup_or_null(p.source, &ok);
			v[i].rev = dup_or_null(p.rev, &ok);
			v[i].ref = dup_or_null(p.ref, &ok);
			v[i].nar_hash = dup_or_null(p.nar_hash, &ok);
		}
		flakelock_pin_release(&p);
	}
	if (!ok) {
		manifest_inputs_free(v, npins);
		return nomem(err);
	}
	if (npins)
		qsort(v, npins, sizeof(*v), cmp_input);
	*out = v;
	*n = npins;
	return 0;
}

/* --- the whole manifest ----------------------------------------------------- */

void manifest_release(struct manifest *m)
{
	size_t i;

	free(m->commit);
	manifest_inputs_free(m->inputs, m->ninputs);
	free(m->nix_version);
	for (i = 0; i < m->ntargets; i++)
		manifest_target_release(&m->targets[i]);
	free(m->targets);
	memset(m, 0, sizeof(*m));
}

static size_t target_slot(const struct manifest *m, const char *name,
			  bool *found)
{
	return sorted_slot(m->targets, m->ntargets, sizeof(*m->targets),
			   offsetof(struct manifest_target, name), name, found);
}

const struct manifest_target *manifest_target_find(const struct manifest *m,
						   const char *name)
{
	bool found;
	size_t i = target_slot(m, name, &found);

	return found ? &m->targets[i] : NULL;
}

const struct manifest_input *manifest_input_find(const struct manifest *m,
						 const char *path)
{
	size_t i;

	for (i = 0; i < m->ninputs; i++)
		if (!strcmp(m->inputs[i].path, path))
			return &m->inputs[i];
	return NULL;
}

int manifest_put_target(struct manifest *m, struct manifest_target *t)
{
	bool found;
	size_t i = target_slot(m, t->name, &found);
	struct manifest_target *nv;

	if (found) {
		manifest_target_release(&m->targets[i]);
	} else {
		if (!(nv = sorted_gap(m->targets, m->ntargets, sizeof(*nv), i)))
			return -1;
		m->targets = nv;
		m->ntargets++;
	}
	m->targets[i] = *t;
	memset(t, 0, sizeof(*t));
	return 0;
}

/* --- the document ---------------------------------------------------------- */

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *artifact_json(const struct manifest_artifact *a)
{
	json_t *o;

	if (a->symlink)
		return json_pack("{s:s}", "symlink", a->symlink);
	o = json_pack("{s:I, s:s, s:b}", "size", (json_int_t)a->size,
		      "sha256", a->sha256, "executable", a->executable);
	if (o && a->elf)
		json_object_set(o, "elf", a->elf);
	if (o && a->elf_error)
		json_object_set_new(o, "elf_error", json_string(a->elf_error));
	return o;
}

static json_t *strings_json(const struct manifest_strings *s)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < s->n; i++)
		json_array_append_new(a, json_string(s->v[i]));
	return a;
}

json_t *manifest_builds_json(const struct manifest_target *t)
{
	json_t *builds = json_array();
	size_t i;

	for (i = 0; builds && i < t->nbuilds; i++) {
		const struct manifest_build *b = &t->builds[i];
		json_array_append_new(builds, json_pack(
			"{s:s, s:o, s:o, s:o, s:b}", "store", b->store,
			"nix", str_or_null(b->nix),
			"substitutedFrom", str_or_null(b->substituted),
			"narHash", str_or_null(b->nar_hash), "agrees", b->agrees));
	}
	return builds;
}

json_t *manifest_target_json(const struct manifest_target *t)
{
	json_t *outputs = t->has_outputs ? json_object() : json_null();
	json_t *vars = t->has_variations ? json_array() : json_null();
	json_t *builds = t->nbuilds ? manifest_builds_json(t) : NULL;
	json_t *arts = json_object();
	size_t i;

	for (i = 0; outputs && i < t->noutputs; i++)
		json_object_set_new(outputs, t->outputs[i].name,
				    json_string(t->outputs[i].path));
	for (i = 0; vars && i < t->nvariations; i++) {
		const struct manifest_variation *v = &t->variations[i];
		json_array_append_new(vars, json_pack(
			"{s:s, s:s, s:s, s:s, s:I}", "build_dir", v->build_dir,
			"TZ", v->tz, "LC_ALL", v->lc_all, "umask", v->umask,
			"SOURCE_DATE_EPOCH", (json_int_t)v->source_date_epoch));
	}
	for (i = 0; arts && i < t->artifacts.n; i++)
		json_object_set_new(arts, t->artifacts.v[i].name,
				    artifact_json(&t->artifacts.v[i]));
	return json_pack("{s:s?, s:o*, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "builder", t->builder,
			 "builds", builds,
			 "attr", str_or_null(t->attr),
			 "command", str_or_null(t->command),
			 "triple", str_or_null(t->triple),
			 "drvPath", str_or_null(t->drv_path),
			 "reproducible", t->reproducible,
			 "differs", strings_json(&t->differs),
			 "narHash", str_or_null(t->nar_hash),
			 "outputs", outputs,
			 "artifacts", arts,
			 "policy", json_pack("{s:b, s:I}", "ok", t->nwarn == 0,
					     "warnings", (json_int_t)t->nwarn),
			 "variations", vars);
}

json_t *manifest_json(const struct manifest *m)
{
	json_t *targets = json_object(), *inputs = json_object();
	size_t i;

	for (i = 0; inputs && i < m->ninputs; i++)
		json_object_set_new(inputs, m->inputs[i].path,
				    manifest_input_json(&m->inputs[i]));
	for (i = 0; targets && i < m->ntargets; i++)
		json_object_set_new(targets, m->targets[i].name,
				    manifest_target_json(&m->targets[i]));
	return json_pack("{s:i, s:{s:o, s:b}, s:o, s:o, s:o, s:o}",
			 "format", MANIFEST_FORMAT,
			 "project", "commit", str_or_null(m->commit),
			 "dirty", m->dirty,
			 "flakeLock", m->flake_lock_sha256[0]
				 ? json_pack("{s:s}", "sha256", m->flake_lock_sha256)
				 : json_null(),
			 "inputs", inputs,
			 "nix", m->nix_version
				 ? json_pack("{s:s}", "version", m->nix_version)
				 : json_null(),
			 "targets", targets);
}

/* --- reading it back -------------------------------------------------------- */

/* Where a value is, for errors: "targets.tool.artifacts.bin/x". */
struct rd {
	const char *file;
	struct xerr *err;
	char where[512];
};

static int rd_fail(struct rd *r, const char *key, const char *what)
{
	return xerr_setpos(r->err, XPIN_USAGE, r->file, 0, 0,
			   "%s%s\"%s\" must be %s", r->where,
			   r->where[0] ? ": " : "", key, what);
}

/* A string, or null or absent (NULL). */
static int rd_str(struct rd *r, char **out, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return rd_fail(r, key, "a string or null");
	if (!(*out = strdup(json_string_value(v))))
		return nomem(r->err);
	return 0;
}

static int rd_bool(struct rd *r, bool *out, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return rd_fail(r, key, "true or false");
	*out = json_is_true(v);
	return 0;
}

/* A non-negative integer, or null or absent (-1). */
static int rd_count(struct rd *r, int64_t *out, const json_t *o,
		    const char *key)
{
	const json_t *v = json_object_get(o, key);

	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return rd_fail(r, key, "a non-negative integer or null");
	*out = json_integer_value(v);
	return 0;
}

/* An object (or, with nullable, null or absent: *out NULL). */
static int rd_object(struct rd *r, const json_t **out, const json_t *o,
		     const char *key, bool nullable)
{
	const json_t *v = json_object_get(o, key);

	*out = json_is_object(v) ? v : NULL;
	if (*out || (nullable && (!v || json_is_null(v))))
		return 0;
	return rd_fail(r, key, nullable ? "an object or null" : "an object");
}

static void rd_at(struct rd *r, const char *a, const char *b, const char *c)
{
	snprintf(r->where, sizeof(r->where), "%s%s%s%s%s", a, b ? "." : "",
		 b ? b : "", c ? "." : "", c ? c : "");
}

static int rd_warnings(struct rd *r, struct manifest_artifact *x)
{
	const json_t *ws = json_object_get(x->elf, "warnings"), *w;
	size_t i, n = json_array_size(ws);

	if (ws && !json_is_array(ws))
		return rd_fail(r, "warnings", "an array");
	if (n && !(x->warnings = calloc(n, sizeof(*x->warnings))))
		return nomem(r->err);
	json_array_foreach(ws, i, w) {
		struct manifest_warning *mw = &x->warnings[x->nwarnings++];

		if (!json_is_object(w) || rd_str(r, &mw->code, w, "code") < 0 ||
		    rd_str(r, &mw->message, w, "message") < 0 ||
		    !mw->code || !mw->message)
			return rd_fail(r, "warnings", "{code, message} objects");
	}
	return 0;
}

static int rd_artifact(struct rd *r, struct manifest_artifacts *arts,
		       const char *name, const json_t *o)
{
	struct manifest_artifact x = { 0 };
	const json_t *sha = json_object_get(o, "sha256"), *elf;
	int64_t size;
	int ret = -1;

	if (!json_is_object(o)) {
		ret = rd_fail(r, name, "an object");
		goto out;
	}
	if (!(x.name = strdup(name))) {
		ret = nomem(r->err);
		goto out;
	}
	if (rd_str(r, &x.symlink, o, "symlink") < 0)
		goto out;
	if (!x.symlink) {
		if (!json_is_string(sha) || strlen(json_string_value(sha)) != 64 ||
		    !util_is_hex(json_string_value(sha), 64)) {
			ret = rd_fail(r, "sha256", "64 hex digits");
			goto out;
		}
		memcpy(x.sha256, json_string_value(sha), 65);
		if (rd_count(r, &size, o, "size") < 0 ||
		    rd_bool(r, &x.executable, o, "executable") < 0 ||
		    rd_str(r, &x.elf_error, o, "elf_error") < 0 ||
		    rd_object(r, &elf, o, "elf", true) < 0)
			goto out;
		x.size = size < 0 ? 0 : (uint64_t)size;
		x.elf = elf ? json_deep_copy(elf) : NULL;
		if (x.elf && rd_warnings(r, &x) < 0)
			goto out;
	}
	if (artifact_put(arts, &x) < 0) {
		ret = nomem(r->err);
		goto out;
	}
	ret = 0;
out:
	artifact_release(&x);
	return ret;
}

static int rd_strings(struct rd *r, struct manifest_strings *out,
		      const json_t *o, const char *key)
{
	const json_t *a = json_object_get(o, key), *v;
	size_t i;

	if (a && !json_is_array(a))
		return rd_fail(r, key, "an array of strings");
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return rd_fail(r, key, "an array of strings");
		else if (strings_push(out, json_string_value(v)) < 0)
			return nomem(r->err);
	return 0;
}

static int rd_outputs(struct rd *r, struct manifest_target *t, const json_t *o)
{
	const json_t *outs, *v;
	const char *k;

	if (rd_object(r, &outs, o, "outputs", true) < 0)
		return -1;
	t->has_outputs = outs != NULL;
	if (outs && !(t->outputs = calloc(json_object_size(outs) + 1,
					  sizeof(*t->outputs))))
		return nomem(r->err);
	json_object_foreach((json_t *)outs, k, v) {
		struct manifest_output *mo = &t->outputs[t->noutputs];

		if (!json_is_string(v))
			return rd_fail(r, k, "a store path");
		mo->name = strdup(k);
		mo->path = strdup(json_string_value(v));
		t->noutputs++;
		if (!mo->name || !mo->path)
			return nomem(r->err);
	}
	return 0;
}

static int rd_variations(struct rd *r, struct manifest_target *t,
			 const json_t *o)
{
	const json_t *a = json_object_get(o, "variations"), *v;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return rd_fail(r, "variations", "an array or null");
	t->has_variations = true;
	if (json_array_size(a) &&
	    !(t->variations = calloc(json_array_size(a), sizeof(*t->variations))))
		return nomem(r->err);
	json_array_foreach(a, i, v) {
		struct manifest_variation *w = &t->variations[t->nvariations++];
		int64_t sde;

		if (!json_is_object(v) || rd_str(r, &w->build_dir, v, "build_dir") < 0 ||
		    rd_str(r, &w->tz, v, "TZ") < 0 ||
		    rd_str(r, &w->lc_all, v, "LC_ALL") < 0 ||
		    rd_str(r, &w->umask, v, "umask") < 0 ||
		    rd_count(r, &sde, v, "SOURCE_DATE_EPOCH") < 0 ||
		    !w->build_dir || !w->tz || !w->lc_all || !w->umask)
			return rd_fail(r, "variations", "{build_dir, TZ, LC_ALL, umask, SOURCE_DATE_EPOCH} objects");
		w->source_date_epoch = sde;
	}
	return 0;
}

static int rd_builds(struct rd *r, struct manifest_target *t,
		     const json_t *o)
{
	const json_t *a = json_object_get(o, "builds"), *v;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return rd_fail(r, "builds", "an array or null");
	json_array_foreach(a, i, v) {
		char *store = NULL, *nix = NULL, *sub = NULL, *nar = NULL;
		bool agrees = false;
		int ret = json_is_object(v) &&
			  rd_str(r, &store, v, "store") == 0 && store &&
			  rd_str(r, &nix, v, "nix") == 0 &&
			  rd_str(r, &sub, v, "substitutedFrom") == 0 &&
			  rd_str(r, &nar, v, "narHash") == 0 &&
			  rd_bool(r, &agrees, v, "agrees") == 0
			  ? manifest_add_build(t, store, nix, sub, nar, agrees)
			  : -2;
		free(store);
		free(nix);
		free(sub);
		free(nar);
		if (ret == -2)
			return rd_fail(r, "builds", "{store, nix, substitutedFrom, narHash, agrees} objects");
		if (ret < 0)
			return nomem(r->err);
	}
	return 0;
}

static int rd_target(struct rd *r, struct manifest_target *t,
		     const char *name, const json_t *o)
{
	const json_t *arts, *pol, *v;
	const char *k;
	int64_t nwarn;

	rd_at(r, "targets", name, NULL);
	if (!json_is_object(o))
		return rd_fail(r, name, "an object");
	if (!(t->name = strdup(name)))
		return nomem(r->err);
	if (rd_str(r, &t->builder, o, "builder") < 0 ||
	    rd_str(r, &t->attr, o, "attr") < 0 ||
	    rd_str(r, &t->command, o, "command") < 0 ||
	    rd_str(r, &t->triple, o, "triple") < 0 ||
	    rd_str(r, &t->drv_path, o, "drvPath") < 0 ||
	    rd_str(r, &t->nar_hash, o, "narHash") < 0 ||
	    rd_bool(r, &t->reproducible, o, "reproducible") < 0 ||
	    rd_strings(r, &t->differs, o, "differs") < 0 ||
	    rd_outputs(r, t, o) < 0 || rd_variations(r, t, o) < 0 ||
	    rd_builds(r, t, o) < 0 ||
	    rd_object(r, &pol, o, "policy", true) < 0 ||
	    rd_count(r, &nwarn, pol, "warnings") < 0 ||
	    rd_object(r, &arts, o, "artifacts", true) < 0)
		return -1;
	t->nwarn = nwarn < 0 ? 0 : (size_t)nwarn;
	json_object_foreach((json_t *)arts, k, v) {
		snprintf(r->where, sizeof(r->where), "targets.%.200s.artifacts.%.200s",
			 name, k);
		if (rd_artifact(r, &t->artifacts, k, v) < 0)
			return -1;
	}
	return 0;
}

static int rd_inputs(struct rd *r, struct manifest *m, const json_t *doc)
{
	const json_t *ins, *v;
	const char *k;

	if (rd_object(r, &ins, doc, "inputs", true) < 0)
		return -1;
	if (ins && !(m->inputs = calloc(json_object_size(ins) + 1,
					sizeof(*m->inputs))))
		return nomem(r->err);
	json_object_foreach((json_t *)ins, k, v) {
		struct manifest_input *in = &m->inputs[m->ninputs++];

		rd_at(r, "inputs", k, NULL);
		if (!json_is_object(v))
			return rd_fail(r, k, "an object");
		if (!(in->path = strdup(k)))
			return nomem(r->err);
		if (rd_str(r, &in->follows, v, "follows") < 0 ||
		    rd_str(r, &in->type, v, "type") < 0 ||
		    rd_str(r, &in->source, v, "source") < 0 ||
		    rd_str(r, &in->rev, v, "rev") < 0 ||
		    rd_str(r, &in->ref, v, "ref") < 0 ||
		    rd_str(r, &in->nar_hash, v, "narHash") < 0 ||
		    rd_count(r, &in->last_modified, v, "lastModified") < 0)
			return -1;
	}
	if (m->ninputs)
		qsort(m->inputs, m->ninputs, sizeof(*m->inputs), cmp_input);
	return 0;
}

/* The header: project, flakeLock, nix. */
static int rd_header(struct rd *r, struct manifest *m, const json_t *doc)
{
	const json_t *proj, *fl, *nix;
	char *sha = NULL;
	int ret = -1;

	if (rd_object(r, &proj, doc, "project", true) < 0 ||
	    rd_str(r, &m->commit, proj, "commit") < 0 ||
	    rd_bool(r, &m->dirty, proj, "dirty") < 0 ||
	    rd_object(r, &fl, doc, "flakeLock", true) < 0 ||
	    rd_str(r, &sha, fl, "sha256") < 0 ||
	    rd_object(r, &nix, doc, "nix", true) < 0 ||
	    rd_str(r, &m->nix_version, nix, "version") < 0)
		goto out;
	if (sha && (strlen(sha) != 64 || !util_is_hex(sha, 64))) {
		rd_at(r, "flakeLock", NULL, NULL);
		rd_fail(r, "sha256", "64 hex digits");
		goto out;
	}
	if (sha)
		memcpy(m->flake_lock_sha256, sha, 65);
	ret = 0;
out:
	free(sha);
	return ret;
}

int manifest_parse(struct manifest *out, const char *text, size_t len,
		   const char *name, struct xerr *err)
{
	struct rd r = { name, err, "" };
	json_t *doc = jtext_load(text, len, name, err), *v;
	const json_t *targets = json_object_get(doc, "targets"), *t;
	const char *k;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (!doc)
		return -1;
	v = json_object_get(doc, "format");
	if (!json_is_object(doc) || !json_is_integer(v) ||
	    json_integer_value(v) != MANIFEST_FORMAT || !json_is_object(targets)) {
		xerr_setpos(err, XPIN_USAGE, name, 0, 0,
			    "not an xpin.lock of format %d", MANIFEST_FORMAT);
		goto out;
	}
	if (rd_header(&r, out, doc) < 0 || rd_inputs(&r, out, doc) < 0)
		goto out;
	if (!(out->targets = calloc(json_object_size(targets) + 1,
				    sizeof(*out->targets)))) {
		nomem(err);
		goto out;
	}
	json_object_foreach((json_t *)targets, k, t)
		if (rd_target(&r, &out->targets[out->ntargets++], k, t) < 0)
			goto out;
	qsort(out->targets, out->ntargets, sizeof(*out->targets), cmp_target);
	ret = 0;
out:
	json_decref(doc);
	if (ret < 0)
		manifest_release(out);
	return ret;
}

int manifest_load(struct manifest *out, const char *path, struct xerr *err)
{
	struct buf text = BUF_INIT;
	int ret = util_read_file(&text, path, 64u << 20, err);

	memset(out, 0, sizeof(*out));
	if (ret == 0)
		ret = manifest_parse(out, buf_cstr(&text), text.len, path, err);
	buf_release(&text);
	return ret;
}
