/* gitrepo: libgit2 behind a small API (see gitrepo.h); .gitattributes and
 * git archive's content rules are gitattr's. */
#include "gitrepo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "gitattr.h"
#include "gitpack.h"
#include "nar.h"

struct gitrepo {
	git_repository *repo;
	git_odb *odb;
	char *path;
	int readers;   /* gitrepo_set_readers; -1: one per CPU */
	struct gitpack *packs; /* the walk's blob reader, opened by the
				* first walk */
};

/* Copy libgit2's last error into err, after what we were doing. */
__attribute__((format(printf, 2, 3)))
static int git_fail(struct xerr *err, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return xerr_set(err, XPIN_USAGE, "%s: %s", what,
			e && e->message ? e->message : "unknown libgit2 error");
}

static int nomem(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

static void git_shutdown(void)
{
	git_libgit2_shutdown();
}

static int git_init_rc;

/* Once per process, whichever thread opens a repository first: libgit2's
 * init and options are global, and a shutdown per open would tear them
 * down under another thread's walk. The one shutdown runs at exit, after
 * the build threads are joined, so leak checkers see libgit2's globals
 * freed. */
static void git_init(void)
{
	/* The init also sets up libgit2's TLS stream, though xpin never
	 * talks to a remote: Debian 12's libgit2 1.5 (mbedTLS) parses the
	 * whole CA bundle, about 8 ms, and its OpenSSL stream, in a build
	 * that has it, loads it through SSL_CTX_set_default_verify_paths. No
	 * option can be set before the init, and GIT_OPT_SET_SSL_CERT_LOCATIONS
	 * only parses again afterwards, so the cost stays; it is paid once,
	 * on the first repository opened. */
	git_init_rc = git_libgit2_init();
	if (git_init_rc < 0)
		return;
	/* A walk reads each object once: libgit2's object cache would only
	 * make memory grow with the size of the tree, and mapping a mirror's
	 * packs whole (gigabytes for nixpkgs) with the size of the history.
	 * A walk's blobs do not go through these windows at all (gitpack),
	 * only trees, commits and what no pack holds whole; small windows
	 * keep those bounded. */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)32 << 20);
	/* libgit2 hashes every object it reads again to check it against
	 * its id (SHA-1 with collision detection: a third of a walk's time).
	 * git archive, and so Nix 2.8's git fetcher, does not; zlib's adler32
	 * still catches a damaged pack, and a narHash made from altered
	 * contents differs from the one a lock recorded. */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	atexit(git_shutdown);
}

struct gitrepo *gitrepo_open(const char *path, struct xerr *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct gitrepo *r;
	struct stat st;
	int rc;

	if (stat(path, &st) < 0) {
		xerr_set(err, XPIN_USAGE, "cannot open the repository '%s': %s",
			 path, strerror(errno));
		return NULL;
	}
	pthread_once(&once, git_init);
	if (git_init_rc < 0) {
		git_fail(err, "cannot start libgit2");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r)
		r->readers = -1;
	if (!r || !(r->path = strdup(path))) {
		free(r);
		nomem(err);
		return NULL;
	}
	rc = git_repository_open_ext(&r->repo, path,
				     GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND) {
		xerr_set(err, XPIN_USAGE, "'%s' is not a git repository", path);
		goto fail;
	}
	if (rc < 0) {
		git_fail(err, "cannot open the repository '%s'", path);
		goto fail;
	}
	if (git_repository_odb(&r->odb, r->repo) < 0) {
		git_fail(err, "cannot read the objects of '%s'", path);
		goto fail;
	}
	return r;
fail:
	gitrepo_free(r);
	return NULL;
}

void gitrepo_free(struct gitrepo *r)
{
	if (!r)
		return;
	gitpack_free(r->packs);
	git_odb_free(r->odb);
	git_repository_free(r->repo);
	free(r->path);
	free(r);
}

void gitrepo_set_readers(struct gitrepo *r, unsigned n)
{
	r->readers = n > GITREPO_READERS_MAX ? GITREPO_READERS_MAX : (int)n;
}

bool gitrepo_is_shallow(struct gitrepo *r)
{
	return git_repository_is_shallow(r->repo) == 1;
}

/* --- resolving --- */

/*
 * refs/remotes/<remote>/<name> when exactly one remote has it: a clone
 * (not a mirror) of nixpkgs has no local nixos-unstable branch.
 */
static int resolve_remote(git_object **out, struct gitrepo *r,
			  const char *name, struct xerr *err)
{
	git_reference_iterator *it = NULL;
	const char *ref;
	char found[1024] = "";
	int n = 0, ret = -1;

	if (git_reference_iterator_glob_new(&it, r->repo, "refs/remotes/*") < 0)
		return git_fail(err, "cannot list the refs of '%s'", r->path);
	while (git_reference_next_name(&ref, it) == 0) {
		const char *rest = ref + strlen("refs/remotes/");
		const char *slash = strchr(rest, '/');

		if (!slash || strcmp(slash + 1, name))
			continue;
		if (n++ == 0)
			snprintf(found, sizeof(found), "%s", ref);
	}
	if (n == 0) {
		xerr_set(err, XPIN_USAGE, "unknown ref '%s' in '%s'", name,
			 r->path);
		goto out;
	}
	if (n > 1) {
		xerr_set(err, XPIN_USAGE,
			 "'%s' is a branch of %d remotes in '%s'; name one (such as '%s')",
			 name, n, r->path, found + strlen("refs/remotes/"));
		goto out;
	}
	if (git_revparse_single(out, r->repo, found) < 0) {
		git_fail(err, "cannot read '%s'", found);
		goto out;
	}
	ret = 0;
out:
	git_reference_iterator_free(it);
	return ret;
}

/* The commit ref names; object (when not NULL) gets the id of what ref
 * names before peeling: an annotated tag's own id. */
static int lookup_commit_object(git_commit **out, char *object,
				struct gitrepo *r, const char *ref,
				struct xerr *err)
{
	git_object *obj = NULL, *peeled = NULL;
	size_t len = strlen(ref);
	int rc, ret = -1;

	*out = NULL;
	if (!len)
		return xerr_set(err, XPIN_USAGE, "empty ref");
	if (len == 40 && util_is_hex(ref, 40)) {
		git_oid oid;

		if (git_oid_fromstr(&oid, ref) < 0)
			return git_fail(err, "bad rev '%s'", ref);
		rc = git_object_lookup(&obj, r->repo, &oid, GIT_OBJECT_ANY);
		if (rc == GIT_ENOTFOUND)
			return xerr_set(err, XPIN_USAGE,
					"rev %s is not in '%s'", ref, r->path);
	} else {
		rc = git_revparse_single(&obj, r->repo, ref);
		if (rc == GIT_EAMBIGUOUS)
			return xerr_set(err, XPIN_USAGE,
					"short sha '%s' is ambiguous in '%s'",
					ref, r->path);
		if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
			rc = resolve_remote(&obj, r, ref, err) < 0 ? -2 : 0;
		if (rc == -2)
			return -1;
	}
	if (rc < 0)
		return git_fail(err, "cannot resolve '%s'", ref);
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		xerr_set(err, XPIN_USAGE, "'%s' does not name a commit in '%s'",
			 ref, r->path);
		goto out;
	}
	*out = (git_commit *)peeled;
	peeled = NULL;
	if (object)
		git_oid_tostr(object, 41, git_object_id(obj));
	ret = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return ret;
}

static int lookup_commit(git_commit **out, struct gitrepo *r, const char *ref,
			 struct xerr *err)
{
	return lookup_commit_object(out, NULL, r, ref, err);
}

int gitrepo_resolve(char out[41], struct gitrepo *r, const char *ref,
		    struct xerr *err)
{
	git_commit *c;

	if (lookup_commit(&c, r, ref, err) < 0)
		return -1;
	git_oid_tostr(out, 41, git_commit_id(c));
	git_commit_free(c);
	return 0;
}

bool gitrepo_has_commit(struct gitrepo *r, const char *rev)
{
	git_commit *c = NULL;
	git_oid oid;
	bool ok;

	if (strlen(rev) != 40 || !util_is_hex(rev, 40) ||
	    git_oid_fromstr(&oid, rev) < 0)
		return false;
	ok = git_commit_lookup(&c, r->repo, &oid) == 0;
	git_commit_free(c);
	return ok;
}

int gitrepo_commit_info(struct gitrepo_commit *out, struct gitrepo *r,
			const char *rev, struct xerr *err)
{
	git_commit *c;

	if (lookup_commit_object(&c, out->object, r, rev, err) < 0)
		return -1;
	git_oid_tostr(out->rev, sizeof(out->rev), git_commit_id(c));
	git_oid_tostr(out->tree, sizeof(out->tree), git_commit_tree_id(c));
	out->time = (int64_t)git_commit_time(c);
	git_commit_free(c);
	return 0;
}

/* Commits reachable from `to` and not from `from` (NULL: none hidden). */
static int count_commits(uint64_t *out, struct gitrepo *r, const char *from,
			 const char *to, struct xerr *err)
{
	git_commit *a = NULL, *b = NULL;
	git_revwalk *w = NULL;
	git_oid oid;
	uint64_t n = 0;
	int rc, ret = -1;

	if (lookup_commit(&b, r, to, err) < 0)
		goto out;
	if (from && lookup_commit(&a, r, from, err) < 0)
		goto out;
	if (git_revwalk_new(&w, r->repo) < 0 ||
	    git_revwalk_push(w, git_commit_id(b)) < 0 ||
	    (a && git_revwalk_hide(w, git_commit_id(a)) < 0)) {
		git_fail(err, "cannot walk the history of '%s'", r->path);
		goto out;
	}
	while ((rc = git_revwalk_next(&oid, w)) == 0)
		n++;
	if (rc != GIT_ITEROVER) {
		git_fail(err, "cannot walk the history of '%s'", r->path);
		goto out;
	}
	*out = n;
	ret = 0;
out:
	git_revwalk_free(w);
	git_commit_free(a);
	git_commit_free(b);
	return ret;
}

int gitrepo_rev_count(uint64_t *out, struct gitrepo *r, const char *rev,
		      struct xerr *err)
{
	return count_commits(out, r, NULL, rev, err);
}

int gitrepo_count_between(uint64_t *out, struct gitrepo *r,
			  const char *from, const char *to, struct xerr *err)
{
	return count_commits(out, r, from, to, err);
}

int gitrepo_read_file(struct buf *out, struct gitrepo *r, const char *rev,
		      const char *path, size_t max, struct xerr *err)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	git_blob *b = NULL;
	int ret = -1;

	if (lookup_commit(&c, r, rev, err) < 0)
		goto out;
	if (git_commit_tree(&t, c) < 0) {
		git_fail(err, "cannot read the tree of '%s'", rev);
		goto out;
	}
	if (git_tree_entry_bypath(&te, t, path) < 0 ||
	    git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
		xerr_set(err, XPIN_USAGE, "'%s' is not a file at %s in '%s'",
			 path, rev, r->path);
		goto out;
	}
	if (git_blob_lookup(&b, r->repo, git_tree_entry_id(te)) < 0) {
		git_fail(err, "cannot read '%s'", path);
		goto out;
	}
	if ((uint64_t)git_blob_rawsize(b) > max) {
		xerr_set(err, XPIN_USAGE, "'%s' at %s is too large (over %zu bytes)",
			 path, rev, max);
		goto out;
	}
	out->len = 0;
	if (buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b)) < 0 ||
	    buf_grow(out, 1) < 0) {
		nomem(err);
		goto out;
	}
	out->data[out->len] = '\0';
	ret = 0;
out:
	git_blob_free(b);
	git_tree_entry_free(te);
	git_tree_free(t);
	git_commit_free(c);
	return ret;
}

/* --- the walk --- */

/* git (2.44 and later) refuses trees deeper than this by default. */
#define WALK_MAX_DEPTH 4096

struct walk {
	struct gitrepo *r;
	unsigned depth;
	bool archive;        /* GITREPO_EXPORT_IGNORE */
	gitrepo_visit_fn fn;
	void *ctx;
	struct buf path;
	struct gitattr *attrs;
	struct xerr *err;
	const git_tree *tree; /* the root */
	struct ahead *ahead;  /* NULL: each blob is read when its turn comes */
	struct gitpack_reader *pr; /* the serial walk's pack reader */
};

struct ahead;
static int ahead_push(struct ahead *a, enum gitrepo_kind kind,
		      const char *path, size_t path_len, size_t name_len,
		      const git_tree_entry *te, const struct gitattr *attrs,
		      struct xerr *err);

static int cmp_entries(const void *x, const void *y)
{
	return strcmp(git_tree_entry_name(*(const git_tree_entry *const *)x),
		      git_tree_entry_name(*(const git_tree_entry *const *)y));
}

static bool bad_name(const char *name)
{
	return !*name || !strcmp(name, ".") || !strcmp(name, "..") ||
	       strchr(name, '/');
}

/* A folder's entries in NAR order (*out, the caller frees it), each name
 * checked; its .gitattributes pushed when the walk reads as git archive
 * (*pushed). */
static int read_folder(const git_tree_entry ***out, bool *pushed,
		       struct walk *w, const git_tree *tree)
{
	size_t n = git_tree_entrycount(tree), i;
	const git_tree_entry **ents = malloc((n ? n : 1) * sizeof(*ents));
	git_odb_object *obj = NULL;
	int ret = -1;

	*pushed = false;
	if (!ents)
		return nomem(w->err);
	for (i = 0; i < n; i++)
		ents[i] = git_tree_entry_byindex(tree, i);
	/* git keeps a tree sorted as if folder names ended in '/'; NAR
	 * wants plain bytewise order */
	qsort(ents, n, sizeof(*ents), cmp_entries);
	for (i = 0; i < n; i++) {
		const char *en = git_tree_entry_name(ents[i]);

		if (bad_name(en) || (i && !strcmp(en, git_tree_entry_name(ents[i - 1])))) {
			xerr_set(w->err, XPIN_USAGE,
				 "invalid or duplicate entry '%s' in folder '%s' of the tree",
				 en, buf_cstr(&w->path));
			goto out;
		}
		if (!w->archive || strcmp(en, ".gitattributes") ||
		    git_tree_entry_type(ents[i]) != GIT_OBJECT_BLOB)
			continue;
		if (git_odb_read(&obj, w->r->odb, git_tree_entry_id(ents[i])) < 0) {
			git_fail(w->err, "cannot read '%s/.gitattributes'",
				 buf_cstr(&w->path));
			goto out;
		}
		if (gitattr_push(w->attrs, buf_cstr(&w->path),
				 git_odb_object_data(obj),
				 git_odb_object_size(obj)) < 0) {
			nomem(w->err);
			goto out;
		}
		*pushed = true;
	}
	*out = ents;
	ents = NULL;
	ret = 0;
out:
	git_odb_object_free(obj);
	free(ents);
	return ret;
}

/* A folder starts or ends: w->path is the folder's. */
static int visit_folder(struct walk *w, enum gitrepo_kind kind,
			const char *name)
{
	struct gitrepo_node node = { 0 };

	if (w->ahead)
		return ahead_push(w->ahead, kind, buf_cstr(&w->path), w->path.len,
				  strlen(name), NULL, NULL, w->err);
	node.kind = kind;
	node.name = name;
	node.name_len = strlen(name);
	node.path = buf_cstr(&w->path);
	return w->fn(w->ctx, &node, w->err);
}

static enum gitrepo_kind blob_kind(const git_tree_entry *te)
{
	git_filemode_t mode = git_tree_entry_filemode(te);

	return mode == GIT_FILEMODE_LINK ? GITREPO_SYMLINK
	       : mode == GIT_FILEMODE_BLOB_EXECUTABLE ? GITREPO_EXEC
						      : GITREPO_FILE;
}

/* Where a walk's blob comes from: the pack reader (its own bytes), or
 * libgit2 for what no pack holds whole (loose objects, alternates). */
struct blob_src {
	struct gitpack_reader *pr; /* may be NULL */
	git_odb *odb;
};

/*
 * The bytes of a file or symlink as the walk gives them: *data and *size
 * point into *raw (the pack reader's) or *obj (libgit2's), or into *conv
 * when rule (NULL: the bytes as stored) rewrote them; the caller frees
 * all three, also on failure.
 */
static int read_blob(void **raw, git_odb_object **obj, const void **data,
		     size_t *size, char **conv, const struct blob_src *src,
		     const git_oid *id, const char *path,
		     const struct gitattr_content *rule, struct xerr *err)
{
	int rc = 0, type = 0;

	if (src->pr &&
	    (rc = gitpack_read(raw, size, &type, src->pr, id->id, err)) < 0)
		return -1;
	if (rc && type != GITPACK_BLOB)
		return xerr_set(err, XPIN_USAGE, "cannot read '%s': not a file",
				path);
	if (rc) {
		*data = *raw;
	} else {
		if (git_odb_read(obj, src->odb, id) < 0 ||
		    git_odb_object_type(*obj) != GIT_OBJECT_BLOB)
			return git_fail(err, "cannot read '%s'", path);
		*data = git_odb_object_data(*obj);
		*size = git_odb_object_size(*obj);
	}
	if (rule && gitattr_content_apply(rule, path, *data, *size, data, size,
					  conv, err) < 0)
		return -1;
	return 0;
}

/* A file or symlink: w->path is its path. */
static int visit_blob(struct walk *w, const git_tree_entry *te)
{
	struct gitrepo_node node = { 0 };
	struct gitattr_content rule;
	struct blob_src src = { w->pr, w->r->odb };
	git_odb_object *obj = NULL;
	void *raw = NULL;
	char *conv = NULL;
	int ret = -1;

	node.kind = blob_kind(te);
	if (w->ahead)
		return ahead_push(w->ahead, node.kind, w->path.data, w->path.len,
				  strlen(git_tree_entry_name(te)), te,
				  w->archive && node.kind != GITREPO_SYMLINK
					  ? w->attrs : NULL,
				  w->err);
	if (w->archive && node.kind != GITREPO_SYMLINK)
		gitattr_content_rule(&rule, w->attrs);
	node.name = git_tree_entry_name(te);
	node.name_len = strlen(node.name);
	node.path = w->path.data;
	if (read_blob(&raw, &obj, &node.data, &node.size, &conv, &src,
		      git_tree_entry_id(te), w->path.data,
		      w->archive && node.kind != GITREPO_SYMLINK ? &rule : NULL,
		      w->err) < 0)
		goto out;
	ret = w->fn(w->ctx, &node, w->err) < 0 ? -1 : 0;
out:
	free(conv);
	free(raw);
	git_odb_object_free(obj);
	return ret;
}

static int walk_tree(struct walk *w, const git_tree *tree, const char *name);

/* One entry of a folder whose path is w->path[0..len). */
static int walk_entry(struct walk *w, const git_tree_entry *te, size_t len)
{
	const char *en = git_tree_entry_name(te);
	git_filemode_t mode = git_tree_entry_filemode(te);
	git_tree *sub = NULL;
	int ret;

	w->path.len = len;
	if (buf_printf(&w->path, "%s%s", len ? "/" : "", en) < 0)
		return nomem(w->err);
	if (w->archive) {
		gitattr_eval(w->attrs, w->path.data, w->path.len,
			     mode == GIT_FILEMODE_TREE || mode == GIT_FILEMODE_COMMIT);
		if (gitattr_export_ignore(w->attrs))
			return 0;
	}
	if (mode == GIT_FILEMODE_COMMIT)
		return xerr_set(w->err, XPIN_USAGE,
				"'%s' is a submodule (gitlink); submodules are not supported",
				w->path.data);
	if (mode != GIT_FILEMODE_TREE)
		return visit_blob(w, te);
	if (git_tree_lookup(&sub, w->r->repo, git_tree_entry_id(te)) < 0)
		return git_fail(w->err, "cannot read the folder '%s'", w->path.data);
	ret = walk_tree(w, sub, en);
	git_tree_free(sub);
	return ret;
}

static int walk_tree(struct walk *w, const git_tree *tree, const char *name)
{
	size_t n = git_tree_entrycount(tree), i, len = w->path.len;
	const git_tree_entry **ents = NULL;
	bool pushed = false;
	int ret = -1;

	if (++w->depth > WALK_MAX_DEPTH) {
		xerr_set(w->err, XPIN_USAGE, "the tree is nested deeper than %d folders at '%s'",
			 WALK_MAX_DEPTH, buf_cstr(&w->path));
		goto out;
	}
	if (read_folder(&ents, &pushed, w, tree) < 0 ||
	    visit_folder(w, GITREPO_DIR, name) < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (walk_entry(w, ents[i], len) < 0)
			goto out;
	w->path.len = len;
	if (w->path.data)
		w->path.data[len] = '\0';
	if (visit_folder(w, GITREPO_DIR_END, name) < 0)
		goto out;
	ret = 0;
out:
	w->depth--;
	w->path.len = len;
	if (w->path.data)
		w->path.data[len] = '\0';
	if (pushed)
		gitattr_pop(w->attrs);
	free(ents);
	return ret;
}

/*
 * Reading ahead. Inflating blobs is most of a walk's time, and the
 * callbacks (hashing, writing files) most of the rest, so with more than
 * one CPU the walk runs on three sides: a walker thread goes through the
 * trees (and .gitattributes) in NAR order and queues each node, reader
 * threads take the queued blobs in that order and inflate them, each
 * through its own repository handle (libgit2 objects are one thread's at
 * a time; its pack files and their windows are shared, behind libgit2's
 * own locks), and the caller's thread hands the nodes to the callback in
 * order as they become ready. The queue holds at most AHEAD_SLOTS nodes
 * and stops readers starting a blob once AHEAD_BYTES of read blobs wait:
 * memory is bounded by that, a blob per reader and the callback's own,
 * whatever the size of the tree. Errors keep their place: a failure of
 * the walker or of a reader is queued where the serial walk would have
 * met it, and reported when the callbacks reach it.
 */
#define AHEAD_SLOTS 256
#define AHEAD_BYTES ((size_t)8 << 20)
/* The pack readers' delta bases, all readers together. */
#define BASE_CACHE ((size_t)16 << 20)

struct ahead_node {
	enum gitrepo_kind kind;
	bool ready;              /* a folder at once; a blob once read */
	bool failed;             /* err says why, at this place of the walk */
	char *path;              /* owned; the name is its last name_len bytes */
	size_t path_len, name_len;
	git_oid id;
	bool convert;            /* rule applies (a file in an archive walk) */
	struct gitattr_content rule;
	void *raw;
	git_odb_object *obj;
	char *conv;
	const void *data;
	size_t size;
	struct xerr *err;
};

struct ahead {
	pthread_mutex_t lock;
	pthread_cond_t to_caller, to_readers, to_walker;
	struct ahead_node q[AHEAD_SLOTS];
	uint64_t head;           /* next node for the callback */
	uint64_t claim;          /* next node a reader may take, unless
				  * head is past it */
	uint64_t tail;           /* next free slot */
	size_t bytes;            /* of blobs read and not yet handed over */
	bool done;               /* the walker has queued its last node */
	bool stop;               /* the caller wants no more */
	/* Who sleeps: a wake-up per node would cost more than the node, so
	 * each side is woken only when it has something to do, the walker
	 * once the queue is half empty, readers once the bytes waiting are
	 * down by half. */
	bool caller_waits, walker_waits;
	unsigned readers_wait;
	struct walk *w;
	git_repository *repos[GITREPO_READERS_MAX];
	git_odb *odbs[GITREPO_READERS_MAX];
	unsigned nreaders;
};

static bool is_blob(enum gitrepo_kind k)
{
	return k != GITREPO_DIR && k != GITREPO_DIR_END;
}

static void node_clear(struct ahead_node *n)
{
	free(n->path);
	free(n->conv);
	free(n->raw);
	git_odb_object_free(n->obj);
	free(n->err);
	memset(n, 0, sizeof(*n));
}

/* Queue a node (the walker's side): -1 when the caller stopped. */
static int ahead_queue(struct ahead *a, const struct ahead_node *n,
		       struct xerr *err)
{
	pthread_mutex_lock(&a->lock);
	if (!a->stop && a->tail - a->head == AHEAD_SLOTS) {
		a->walker_waits = true;
		while (!a->stop && a->tail - a->head > AHEAD_SLOTS / 2)
			pthread_cond_wait(&a->to_walker, &a->lock);
		a->walker_waits = false;
	}
	if (a->stop) {
		pthread_mutex_unlock(&a->lock);
		return xerr_set(err, XPIN_USAGE, "walk stopped");
	}
	a->q[a->tail % AHEAD_SLOTS] = *n;
	a->tail++;
	if (n->ready && a->caller_waits && a->head == a->tail - 1)
		pthread_cond_signal(&a->to_caller);
	else if (!n->ready && a->readers_wait)
		pthread_cond_signal(&a->to_readers);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

static int ahead_push(struct ahead *a, enum gitrepo_kind kind,
		      const char *path, size_t path_len, size_t name_len,
		      const git_tree_entry *te, const struct gitattr *attrs,
		      struct xerr *err)
{
	struct ahead_node n = { 0 };

	n.kind = kind;
	n.ready = !is_blob(kind);
	n.path_len = path_len;
	n.name_len = name_len;
	if (!(n.path = strndup(path, path_len)))
		return nomem(err);
	if (te)
		git_oid_cpy(&n.id, git_tree_entry_id(te));
	if (attrs) {
		n.convert = true;
		gitattr_content_rule(&n.rule, attrs);
	}
	if (ahead_queue(a, &n, err) < 0) {
		free(n.path);
		return -1;
	}
	return 0;
}

static void *ahead_walker(void *arg)
{
	struct ahead *a = arg;
	struct walk *w = a->w;
	struct ahead_node n = { 0 };
	struct xerr err = XERR_INIT;

	w->err = &err;
	if (walk_tree(w, w->tree, "") < 0) {
		n.kind = GITREPO_DIR;
		n.ready = n.failed = true;
		/* Out of memory here leaves nothing to report: the caller
		 * then says so itself. */
		n.err = malloc(sizeof(*n.err));
		if (n.err)
			*n.err = err;
		if (ahead_queue(a, &n, &err) < 0)
			free(n.err);
	}
	pthread_mutex_lock(&a->lock);
	a->done = true;
	pthread_cond_broadcast(&a->to_caller);
	pthread_cond_broadcast(&a->to_readers);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

struct ahead_reader {
	struct ahead *a;
	struct blob_src src;
};

static void *ahead_reader(void *arg)
{
	struct ahead_reader *self = arg;
	struct ahead *a = self->a;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		struct ahead_node *n;
		struct xerr err = XERR_INIT;
		git_odb_object *obj = NULL;
		const void *data = NULL;
		void *raw = NULL;
		char *conv = NULL;
		size_t size = 0;
		int rc;

		/* The caller may have gone past nodes no reader had to
		 * take (folders are ready when queued): their slots may
		 * already hold newer nodes. */
		if (a->claim < a->head)
			a->claim = a->head;
		while (a->claim < a->tail &&
		       !is_blob(a->q[a->claim % AHEAD_SLOTS].kind))
			a->claim++;
		if (a->stop || (a->done && a->claim == a->tail))
			break;
		if (a->claim == a->tail || a->bytes >= AHEAD_BYTES) {
			a->readers_wait++;
			pthread_cond_wait(&a->to_readers, &a->lock);
			a->readers_wait--;
			continue;
		}
		/* The node stays in its slot until the caller has it, and
		 * nobody else writes it until it is ready. */
		n = &a->q[a->claim++ % AHEAD_SLOTS];
		pthread_mutex_unlock(&a->lock);
		rc = read_blob(&raw, &obj, &data, &size, &conv, &self->src,
			       &n->id, n->path, n->convert ? &n->rule : NULL,
			       &err);
		if (rc < 0 && (n->err = malloc(sizeof(*n->err))))
			*n->err = err;
		pthread_mutex_lock(&a->lock);
		n->raw = raw;
		n->obj = obj;
		n->conv = conv;
		n->data = data;
		n->size = size;
		n->failed = rc < 0;
		n->ready = true;
		a->bytes += size;
		if (a->caller_waits && n == &a->q[a->head % AHEAD_SLOTS])
			pthread_cond_signal(&a->to_caller);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

static unsigned readers_for(const struct gitrepo *r)
{
	long cpus;

	if (r->readers >= 0)
		return (unsigned)r->readers;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 2)
		return 0;
	return cpus > GITREPO_READERS_MAX ? GITREPO_READERS_MAX : (unsigned)cpus;
}

/* Hand the queued nodes to w->fn in order (the caller's side). */
static int ahead_deliver(struct ahead *a, struct walk *w, struct xerr *err)
{
	int ret = 0;

	for (;;) {
		struct ahead_node *n;
		struct gitrepo_node node = { 0 };

		pthread_mutex_lock(&a->lock);
		while (!(a->head < a->tail && a->q[a->head % AHEAD_SLOTS].ready) &&
		       !(a->done && a->head == a->tail)) {
			a->caller_waits = true;
			pthread_cond_wait(&a->to_caller, &a->lock);
			a->caller_waits = false;
		}
		if (a->head == a->tail) {
			pthread_mutex_unlock(&a->lock);
			return 0;
		}
		n = &a->q[a->head % AHEAD_SLOTS];
		pthread_mutex_unlock(&a->lock);
		if (n->failed) {
			if (n->err)
				*err = *n->err;
			else
				nomem(err);
			ret = -1;
		} else {
			node.kind = n->kind;
			node.path = n->path;
			node.name = n->path + n->path_len - n->name_len;
			node.name_len = n->name_len;
			node.data = n->data;
			node.size = n->size;
			ret = w->fn(w->ctx, &node, err) < 0 ? -1 : 0;
		}
		pthread_mutex_lock(&a->lock);
		a->bytes -= n->size;
		node_clear(n);
		a->head++;
		if (a->walker_waits && a->tail - a->head <= AHEAD_SLOTS / 2)
			pthread_cond_signal(&a->to_walker);
		if (a->readers_wait && a->claim < a->tail &&
		    a->bytes <= AHEAD_BYTES / 2)
			pthread_cond_broadcast(&a->to_readers);
		pthread_mutex_unlock(&a->lock);
		if (ret < 0)
			return -1;
	}
}

/*
 * The walk of w->tree with reading ahead on n reader threads: 1 when it
 * ran (*ret its result), 0 when the threads could not be had, nothing
 * having been handed to the callback (the caller then walks serially).
 */
static int walk_ahead(int *ret, struct walk *w, unsigned n, struct xerr *err)
{
	struct ahead *a = calloc(1, sizeof(*a));
	struct ahead_reader rd[GITREPO_READERS_MAX];
	pthread_t rth[GITREPO_READERS_MAX], wth;
	unsigned i, started = 0;
	bool walker = false;
	uint64_t k;

	if (!a)
		return 0;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->to_caller, NULL);
	pthread_cond_init(&a->to_readers, NULL);
	pthread_cond_init(&a->to_walker, NULL);
	a->w = w;
	/* One repository handle per reader, opened here so that a failure
	 * only means fewer readers. */
	for (i = 0; i < n; i++) {
		git_repository *repo = NULL;
		git_odb *odb = NULL;

		if (git_repository_open_ext(&repo, w->r->path,
					    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
		    git_repository_odb(&odb, repo) < 0) {
			git_repository_free(repo);
			break;
		}
		a->repos[a->nreaders] = repo;
		a->odbs[a->nreaders++] = odb;
	}
	for (i = 0; i < a->nreaders; i++) {
		rd[i] = (struct ahead_reader){ a, { NULL, a->odbs[i] } };
		if (w->r->packs &&
		    !(rd[i].src.pr = gitpack_reader_new(w->r->packs,
							BASE_CACHE / a->nreaders)))
			break;
		if (pthread_create(&rth[started], NULL, ahead_reader, &rd[i]) != 0) {
			gitpack_reader_free(rd[i].src.pr);
			break;
		}
		started++;
	}
	if (started) {
		w->ahead = a;
		walker = pthread_create(&wth, NULL, ahead_walker, a) == 0;
	}
	if (walker)
		*ret = ahead_deliver(a, w, err);
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_broadcast(&a->to_walker);
	pthread_cond_broadcast(&a->to_readers);
	pthread_mutex_unlock(&a->lock);
	if (walker)
		pthread_join(wth, NULL);
	for (i = 0; i < started; i++) {
		pthread_join(rth[i], NULL);
		gitpack_reader_free(rd[i].src.pr);
	}
	for (k = a->head; k < a->tail; k++)
		node_clear(&a->q[k % AHEAD_SLOTS]);
	for (i = 0; i < a->nreaders; i++) {
		git_odb_free(a->odbs[i]);
		git_repository_free(a->repos[i]);
	}
	pthread_cond_destroy(&a->to_walker);
	pthread_cond_destroy(&a->to_readers);
	pthread_cond_destroy(&a->to_caller);
	pthread_mutex_destroy(&a->lock);
	free(a);
	w->ahead = NULL;
	w->err = err;
	return walker;
}

/* The repository's packs, for the walk's blobs: opened once. No packs
 * at all leaves every blob to libgit2. */
static int open_packs(struct gitrepo *r, struct xerr *err)
{
	git_buf dir = GIT_BUF_INIT;
	int ret = 0;

	if (r->packs)
		return 0;
	if (git_repository_item_path(&dir, r->repo, GIT_REPOSITORY_ITEM_OBJECTS) < 0)
		return 0;
	r->packs = gitpack_open(dir.ptr, err);
	if (!r->packs)
		ret = -1;
	else if (!gitpack_count(r->packs)) {
		gitpack_free(r->packs);
		r->packs = NULL;
	}
	git_buf_dispose(&dir);
	return ret;
}

int gitrepo_walk(struct gitrepo *r, const char *rev, unsigned flags,
		 gitrepo_visit_fn fn, void *ctx, struct xerr *err)
{
	struct walk w = { 0 };
	git_commit *c = NULL;
	git_tree *t = NULL;
	unsigned readers = readers_for(r);
	int ret = -1;

	w.r = r;
	w.archive = (flags & GITREPO_EXPORT_IGNORE) != 0;
	w.fn = fn;
	w.ctx = ctx;
	w.err = err;
	if (w.archive && !(w.attrs = gitattr_new())) {
		nomem(err);
		goto out;
	}
	if (lookup_commit(&c, r, rev, err) < 0)
		goto out;
	if (git_commit_tree(&t, c) < 0) {
		git_fail(err, "cannot read the tree of '%s'", rev);
		goto out;
	}
	if (buf_puts(&w.path, "") < 0 || open_packs(r, err) < 0) {
		nomem(err);
		goto out;
	}
	w.tree = t;
	if (readers && walk_ahead(&ret, &w, readers, err))
		goto out;
	if (r->packs && !(w.pr = gitpack_reader_new(r->packs, BASE_CACHE))) {
		nomem(err);
		goto out;
	}
	ret = walk_tree(&w, t, "");
out:
	gitpack_reader_free(w.pr);
	gitattr_free(w.attrs);
	buf_release(&w.path);
	git_tree_free(t);
	git_commit_free(c);
	return ret;
}

/* --- what the walk is for --- */

static int nar_visit(void *ctx, const struct gitrepo_node *n,
		     struct xerr *err)
{
	struct nar_enc *e = ctx;

	if (n->kind != GITREPO_DIR_END && n->name_len &&
	    nar_enc_entry(e, n->name, n->name_len, err) < 0)
		return -1;
	switch (n->kind) {
	case GITREPO_DIR:
		nar_enc_dir_begin(e);
		break;
	case GITREPO_DIR_END:
		nar_enc_dir_end(e);
		break;
	case GITREPO_SYMLINK:
		nar_enc_symlink(e, n->data, n->size);
		break;
	case GITREPO_FILE:
	case GITREPO_EXEC:
		nar_enc_file(e, n->kind == GITREPO_EXEC, n->data, n->size);
		break;
	}
	return 0;
}

int gitrepo_nar_hash(unsigned char out[32], struct gitrepo *r,
		     const char *rev, unsigned flags, struct xerr *err)
{
	struct nar_enc e;

	nar_enc_init(&e);
	if (gitrepo_walk(r, rev, flags, nar_visit, &e, err) < 0) {
		nar_enc_release(&e);
		return -1;
	}
	nar_enc_final(&e, out);
	return 0;
}

struct export {
	struct buf path;
	size_t root_len;
};

static bool dir_is_empty(const char *path)
{
	struct xerr err = XERR_INIT;
	char **names;
	size_t n;

	if (util_list_dir(&names, &n, path, &err) < 0)
		return false;
	util_names_free(names, n);
	return n == 0;
}

/*
 * A file of the export, created where nothing was (no symlink followed).
 * Not the atomic writer: an export is a scratch copy in a fresh folder
 * that a build reads and then removes, so there is no old file to keep
 * and nothing to make last past a crash; two fsyncs per file made an
 * export of a few hundred files spend most of its time waiting on disk.
 */
static int write_new(const char *path, const void *data, size_t len,
		     unsigned mode, struct xerr *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      0600);

	if (fd < 0)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot create: %s", strerror(errno));
	/* the mode exactly, whatever the umask, as the atomic writer does */
	if (fchmod(fd, mode) < 0 || util_write_all(fd, data, len) < 0) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0, "cannot write: %s",
			    strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot write: %s", strerror(errno));
	return 0;
}

static int export_visit(void *ctx, const struct gitrepo_node *n,
			struct xerr *err)
{
	struct export *x = ctx;
	const char *p;

	if (n->kind == GITREPO_DIR_END)
		return 0;
	/* git itself never checks out a .git: it would be live config */
	if (n->name_len && !strcasecmp(n->name, ".git"))
		return xerr_set(err, XPIN_USAGE,
				"'%s': the tree holds a .git entry; refusing to export it",
				n->path);
	x->path.len = x->root_len;
	if ((n->path[0] && buf_printf(&x->path, "/%s", n->path) < 0) ||
	    buf_grow(&x->path, 1) < 0)
		return nomem(err);
	x->path.data[x->path.len] = '\0';
	p = x->path.data;
	switch (n->kind) {
	case GITREPO_DIR:
		if (mkdir(p, 0755) < 0 &&
		    !(errno == EEXIST && !n->path[0] && dir_is_empty(p)))
			return xerr_setpos(err, XPIN_USAGE, p, 0, 0,
					   errno == EEXIST ? "already exists and is not empty"
					   : "cannot create the folder: %s",
					   strerror(errno));
		return 0;
	case GITREPO_SYMLINK: {
		char *target = strndup(n->data, n->size);
		int rc;

		if (!target)
			return nomem(err);
		if (strlen(target) != n->size) {
			free(target);
			return xerr_set(err, XPIN_USAGE,
					"'%s': symlink target holds a NUL byte",
					n->path);
		}
		rc = symlink(target, p);
		free(target);
		if (rc < 0)
			return xerr_setpos(err, XPIN_USAGE, p, 0, 0,
					   "cannot create the symlink: %s",
					   strerror(errno));
		return 0;
	}
	case GITREPO_FILE:
	case GITREPO_EXEC:
		return write_new(p, n->data, n->size,
				 n->kind == GITREPO_EXEC ? 0755 : 0644, err);
	default:
		return 0;
	}
}

int gitrepo_export(struct gitrepo *r, const char *rev, const char *dir,
		   unsigned flags, struct xerr *err)
{
	struct export x = { BUF_INIT, 0 };
	int ret;

	if (buf_puts(&x.path, dir) < 0)
		return nomem(err);
	while (x.path.len > 1 && x.path.data[x.path.len - 1] == '/')
		x.path.len--;
	x.root_len = x.path.len;
	ret = gitrepo_walk(r, rev, flags, export_visit, &x, err);
	buf_release(&x.path);
	return ret;
}

bool gitrepo_head_unborn(struct gitrepo *r)
{
	return git_repository_head_unborn(r->repo) == 1;
}

int gitrepo_head_state(struct gitrepo_commit *out, bool *dirty,
		       struct gitrepo *r, const char *const *skip,
		       struct xerr *err)
{
	git_status_options so;
	git_status_list *st = NULL;
	size_t i, n;

	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	if (gitrepo_commit_info(out, r, "HEAD", err) < 0)
		return -1;
	*dirty = false;
	if (git_repository_is_bare(r->repo))
		return 0;
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		   GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&st, r->repo, &so) < 0)
		return git_fail(err, "cannot read the status of '%s'", r->path);
	n = git_status_list_entrycount(st);
	for (i = 0; i < n && !*dirty; i++) {
		const git_status_entry *e = git_status_byindex(st, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir
							      : e->head_to_index;
		const char *path = d ? d->new_file.path : NULL;
		size_t k;
		bool skipped = false;

		for (k = 0; path && skip && skip[k]; k++)
			skipped |= !strcmp(path, skip[k]);
		*dirty = !skipped;
	}
	git_status_list_free(st);
	return 0;
}

struct tag_time {
	char *name;
	int64_t time;
};

static int cmp_tag_time(const void *a, const void *b)
{
	const struct tag_time *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->name, y->name);
}

int gitrepo_tags(char ***out, size_t *n, struct gitrepo *r,
		 const char *pattern, struct xerr *err)
{
	git_strarray names = { NULL, 0 };
	struct tag_time *tt = NULL;
	char **v = NULL;
	size_t i, k = 0;
	int ret = -1;

	if (git_tag_list_match(&names, pattern, r->repo) < 0)
		return git_fail(err, "cannot list the tags of '%s'", r->path);
	tt = calloc(names.count + 1, sizeof(*tt));
	v = calloc(names.count + 1, sizeof(*v));
	if (!tt || !v) {
		nomem(err);
		goto out;
	}
	for (i = 0; i < names.count; i++) {
		struct gitrepo_commit c;
		/* A tag of something other than a commit is skipped. */
		if (gitrepo_commit_info(&c, r, names.strings[i], NULL) < 0)
			continue;
		tt[k].name = names.strings[i];
		tt[k++].time = c.time;
	}
	qsort(tt, k, sizeof(*tt), cmp_tag_time);
	for (i = 0; i < k; i++)
		if (!(v[i] = strdup(tt[i].name))) {
			nomem(err);
			goto out;
		}
	*out = v;
	*n = k;
	v = NULL;
	ret = 0;
out:
	gitrepo_strings_free(v);
	free(tt);
	git_strarray_dispose(&names);
	return ret;
}

void gitrepo_strings_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
