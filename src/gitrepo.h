/*
 * gitrepo: everything xpin reads from git, through libgit2 (no `git`
 * subprocess): open a repository (bare or not, a mirror or a clone),
 * resolve a ref to a commit, commit facts (committer time, the number of
 * commits reachable), commits between two revisions, a file at a
 * revision, a walk over a commit's tree in NAR order, the NAR hash of that
 * tree, and an export of it to a folder.
 *
 * Trees are read as `git archive` writes them when GITREPO_EXPORT_IGNORE
 * is given (this is what forge tarballs for github/gitlab inputs hold,
 * and what Nix 2.8's git fetcher hashes): paths whose .gitattributes say
 * `export-ignore` are left out, and files whose attributes ask for CRLF
 * line ends (`eol=crlf`, `text eol=crlf`, `text=auto eol=crlf`) get them.
 * The rules, and why they are not libgit2's, are gitattr's (gitattr.h):
 * attributes from the .gitattributes files inside the tree only (not
 * $GIT_DIR/info/attributes or the user's configuration, which a forge
 * does not have either), with git's default configuration. A file that
 * `git archive` would rewrite in a way xpin does not reproduce
 * (export-subst with a $Format:...$ in it, ident with a $Id in it, a
 * working-tree-encoding other than UTF-8) fails with code 2 rather than
 * giving a wrong hash. Without the flag the tree is read as stored, which
 * is what current Nix hashes for git inputs.
 * Submodules (gitlinks) are not supported: they fail with code 2 unless
 * export-ignore'd.
 *
 * Errors: every function fills err (code XPIN_USAGE, one line) and
 * returns -1: "not a git repository", "unknown ref", "rev ... is not in
 * ...", libgit2's own message for anything else. A struct gitrepo is
 * freed with gitrepo_free; strings given to callbacks live only for the
 * call.
 */
#ifndef XPIN_GITREPO_H
#define XPIN_GITREPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define GITREPO_EXPORT_IGNORE 0x1u /* the tree as `git archive` writes it */

struct gitrepo;

/* Open the repository at path exactly (a work tree, its .git, or a bare
 * repository or mirror; parent folders are not searched). */
struct gitrepo *gitrepo_open(const char *path, struct xerr *err);
void gitrepo_free(struct gitrepo *r);
/* How many threads gitrepo_walk (and so gitrepo_nar_hash and
 * gitrepo_export) inflates blobs on, ahead of the callbacks, which stay on
 * the caller's thread and in NAR order either way: 0 reads each blob on
 * the caller's thread when its turn comes. The default is one per CPU
 * (at most GITREPO_READERS_MAX), none on a machine with one CPU. */
#define GITREPO_READERS_MAX 4
void gitrepo_set_readers(struct gitrepo *r, unsigned n);
/* True for a shallow clone, whose commit counts would be wrong. */
bool gitrepo_is_shallow(struct gitrepo *r);

/*
 * Resolve ref to a commit id (40 hex digits in out): a full or short sha,
 * HEAD, a branch or tag name (annotated tags are peeled to their commit),
 * a full name (refs/heads/main, refs/tags/v1), a remote-tracking branch
 * (origin/main, or just main when exactly one remote has it and nothing
 * local does), or any revision expression libgit2 knows (main~2).
 */
int gitrepo_resolve(char out[41], struct gitrepo *r, const char *ref,
		    struct xerr *err);
/* Whether rev (40 hex digits) is a commit in the repository. */
bool gitrepo_has_commit(struct gitrepo *r, const char *rev);

struct gitrepo_commit {
	char rev[41];
	char object[41];  /* what the ref named before peeling: an annotated
			   * tag's own id, else rev; Nix 2.8 locks ref=TAG
			   * with this id as "rev" */
	char tree[41];
	int64_t time;     /* committer time: what Nix records as lastModified */
};
/* Facts of a commit (rev: anything gitrepo_resolve takes). */
int gitrepo_commit_info(struct gitrepo_commit *out, struct gitrepo *r,
			const char *rev, struct xerr *err);
/* Commits reachable from rev, itself included (`git rev-list --count`):
 * what Nix records as revCount. */
int gitrepo_rev_count(uint64_t *out, struct gitrepo *r, const char *rev,
		      struct xerr *err);
/* Commits reachable from to but not from from (`git rev-list --count
 * from..to`): the commits a move from `from` to `to` brings in. */
int gitrepo_count_between(uint64_t *out, struct gitrepo *r,
			  const char *from, const char *to, struct xerr *err);

/* The file at path (slash-separated, from the root) at rev, at most max
 * bytes, NUL-terminated in out. Code 2 if absent or not a file. */
int gitrepo_read_file(struct buf *out, struct gitrepo *r, const char *rev,
		      const char *path, size_t max, struct xerr *err);

/*
 * The walk. fn is called for every node of rev's tree in NAR order
 * (depth first, each folder's entries sorted by name bytewise): a
 * GITREPO_DIR when a folder starts (the root first, with name ""), its
 * entries, and GITREPO_DIR_END when it ends. Files and symlinks carry
 * their contents (the link target for a symlink), with the flags applied
 * (see above). A callback returning < 0 stops the walk, which then
 * returns -1 with err as the callback left it. Memory: one tree per level
 * of depth, and one blob at a time, or with readers (gitrepo_set_readers)
 * a bounded queue of blobs read ahead (8 MiB, and one blob per reader).
 */
enum gitrepo_kind {
	GITREPO_DIR,
	GITREPO_DIR_END,
	GITREPO_FILE,
	GITREPO_EXEC,     /* an executable file */
	GITREPO_SYMLINK,
};

struct gitrepo_node {
	enum gitrepo_kind kind;
	const char *name;    /* entry name, "" for the root */
	size_t name_len;
	const char *path;    /* from the root, slash-separated, "" for root */
	const void *data;    /* contents or link target; NULL for folders */
	size_t size;
};

typedef int (*gitrepo_visit_fn)(void *ctx, const struct gitrepo_node *n,
				struct xerr *err);

int gitrepo_walk(struct gitrepo *r, const char *rev, unsigned flags,
		 gitrepo_visit_fn fn, void *ctx, struct xerr *err);

/* NAR hash (SHA-256) of rev's tree, read from the object store: equal to
 * `nix hash path` of `git archive REV` unpacked with GITREPO_EXPORT_IGNORE,
 * of the stored tree without. */
int gitrepo_nar_hash(unsigned char out[32], struct gitrepo *r,
		     const char *rev, unsigned flags, struct xerr *err);

/* Write rev's tree into folder dir (created; it must not exist or be
 * empty): a scratch copy for a build. Files are created new
 * (O_EXCL|O_NOFOLLOW, their git mode exactly) and not synced: not the
 * atomic writer, as there is no old file to keep and nothing that must
 * outlive a crash. */
int gitrepo_export(struct gitrepo *r, const char *rev, const char *dir,
		   unsigned flags, struct xerr *err);

/* Tags matching the glob pattern (fnmatch, as `git tag -l`), oldest
 * commit first (ties by name); *out is a NULL-terminated array the caller
 * frees with gitrepo_strings_free. */
int gitrepo_tags(char ***out, size_t *n, struct gitrepo *r,
		 const char *pattern, struct xerr *err);
void gitrepo_strings_free(char **v);

/* The work tree's HEAD commit (out, with its time), and whether tracked
 * files differ from it or untracked, not ignored files exist (*dirty),
 * leaving out the paths in skip (NULL-terminated, may be NULL). */
/* HEAD names a branch with no commit yet (a fresh `git init`). */
bool gitrepo_head_unborn(struct gitrepo *r);
int gitrepo_head_state(struct gitrepo_commit *out, bool *dirty,
		       struct gitrepo *r, const char *const *skip,
		       struct xerr *err);

#endif
