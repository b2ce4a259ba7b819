/*
 * gitattr: the .gitattributes of a git tree as `git archive` reads them,
 * and the bytes `git archive` writes for a file under them. It knows no
 * repository: gitrepo's walk hands in each folder's .gitattributes blob
 * as it enters the folder (gitattr_push) and drops it as it leaves
 * (gitattr_pop), asks for the attributes of each entry (gitattr_eval),
 * then whether it is left out and what its bytes become.
 *
 * The rules are git's own (2.39: attr.c, wildmatch.c, convert.c,
 * archive.c), with git's default configuration (core.autocrlf=false,
 * core.eol=lf, core.ignorecase=false) and attributes from the tree only:
 * no $GIT_DIR/info/attributes, no core.attributesFile, no system file,
 * as on a forge. That is: patterns with and without a slash, a trailing
 * slash for folders only, `**`, C-quoted patterns, `!pattern` lines
 * ignored, invalid attribute names dropping their line, lines of 2048
 * bytes or more and files of 100 MiB or more ignored; [attr] macros from
 * the root file only (the last definition wins, a macro may be used above
 * its definition and may name another macro), the builtin `binary`
 * (-text; libgit2's also says -crlf); the deepest file and its last
 * matching line first.
 *
 * Why not libgit2's git_attr_get_ext (GIT_ATTR_CHECK_INCLUDE_COMMIT with
 * attr_commit_id, GIT_ATTR_CHECK_NO_SYSTEM, INDEX_ONLY): on the tree
 * vectors it answers otherwise than git in libgit2 1.5, and its sources
 * (attr_file.c) are unchanged in these points since: it reads
 * `!pattern` as "every path but this one"; it never matches a folder
 * pattern (`build/`) in a bare repository; it has no quoted patterns,
 * keeps lines with an invalid attribute name and lines over 2048 bytes;
 * it expands a macro when the line is parsed, so a macro used above its
 * definition or naming another macro depends on what was loaded before;
 * and it always adds $GIT_DIR/info/attributes, core.attributesFile (or
 * ~/.config/git/attributes) and, in a repository with a work tree, the
 * index (or the work tree) to the commit's files.
 *
 * Memory: a struct gitattr owns every file pushed on it and the strings
 * gitattr_value returns (valid until the next push, pop or free).
 */
#ifndef XPIN_GITATTR_H
#define XPIN_GITATTR_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct gitattr;

/* An empty stack (no file: nothing set); NULL when out of memory. */
struct gitattr *gitattr_new(void);
void gitattr_free(struct gitattr *a);

/* Push the .gitattributes blob (size bytes, read up to its first NUL) of
 * folder base (slash-separated from the root, "" for the root itself):
 * -1 when out of memory. Only the root file's [attr] lines count. */
int gitattr_push(struct gitattr *a, const char *base, const void *blob,
		 size_t size);
/* Drop the file pushed last. */
void gitattr_pop(struct gitattr *a);
/* How many files are pushed. */
size_t gitattr_depth(const struct gitattr *a);

/* The attributes of path (len bytes from the root, no trailing slash; a
 * folder or gitlink when isdir) under the files pushed, kept until the
 * next gitattr_eval. */
void gitattr_eval(struct gitattr *a, const char *path, size_t len, bool isdir);
/* After gitattr_eval: whether `git archive` leaves the path out. */
bool gitattr_export_ignore(const struct gitattr *a);
/* After gitattr_eval, as `git check-attr` prints it: "set", "unset",
 * "unspecified" or the value, for export-ignore, export-subst, ident,
 * text, crlf, eol, working-tree-encoding, binary and the root's macros;
 * NULL for any other name. */
const char *gitattr_value(const struct gitattr *a, const char *name);

/*
 * After gitattr_eval of a regular file's path: the bytes `git archive`
 * writes for data: *out is data itself, or *conv (malloc'd, the caller
 * frees it) with CRLF line ends where eol=crlf asks for them (git's
 * convert_to_working_tree without a filter). Fails with code 2 for what
 * it does not reproduce: export-subst over a $Format:...$, ident over a
 * $Id$ or $Id:...$, a working-tree-encoding other than UTF-8.
 */
int gitattr_archive_content(const struct gitattr *a, const char *path,
			    const void *data, size_t size, const void **out,
			    size_t *out_size, char **conv, struct xerr *err);

/*
 * The same in two steps, for a reader that converts the bytes later, on
 * another thread, after the walk has moved on: gitattr_content_rule keeps
 * what the attributes gitattr_eval found say about a file's bytes (a
 * plain value that owns nothing), gitattr_content_apply applies it as
 * gitattr_archive_content does.
 */
struct gitattr_content {
	unsigned char crlf;  /* how line ends are written */
	bool ident, export_subst, bad_encoding;
};
void gitattr_content_rule(struct gitattr_content *out, const struct gitattr *a);
int gitattr_content_apply(const struct gitattr_content *c, const char *path,
			  const void *data, size_t size, const void **out,
			  size_t *out_size, char **conv, struct xerr *err);

/* git's wildmatch(pattern, text, flags): GITATTR_WM_PATHNAME for
 * WM_PATHNAME (wildcards do not match '/', `**` spans folders). */
#define GITATTR_WM_PATHNAME 0x1u
bool gitattr_wildmatch(const char *pattern, const char *text, unsigned flags);

#endif
