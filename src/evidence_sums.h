/*
 * evidence_sums: a release's artifact files by the names evidence gives
 * them, SHA256SUMS over them, and a folder holding copies of them
 * (xpin export sums and files; export slsa names its subjects the same).
 *
 * Names: TARGET/PATH for the artifact PATH of target TARGET, and TARGET
 * alone for an output that is itself a file (artifact "."). Every part
 * of a name must be a real name: not empty, "." or "..". Symbolic link
 * artifacts are listed (a folder of copies recreates them) but have no
 * line in SHA256SUMS: they hold no bytes of their own, and sha256sum -c
 * would check what they point to, which is listed under its own name
 * when it is an artifact.
 *
 * The caller owns what it gets: evidence_files_release, buf_release.
 */
#ifndef XPIN_EVIDENCE_SUMS_H
#define XPIN_EVIDENCE_SUMS_H

#include <stddef.h>

#include "manifest.h"
#include "sign.h"
#include "util.h"

struct evidence_file {
	char *name;                          /* TARGET/PATH */
	const struct manifest_target *t;     /* the manifest's */
	const struct manifest_artifact *a;
};

struct evidence_files {
	struct evidence_file *v;             /* sorted by name, bytewise */
	size_t n;
};
#define EVIDENCE_FILES_INIT { NULL, 0 }

/* Every artifact of the n targets t (links too), sorted; XPIN_USAGE for
 * a name with an empty, "." or ".." part. */
int evidence_files_list(struct evidence_files *out,
			const struct manifest_target *const *t, size_t n,
			struct xerr *err);
void evidence_files_release(struct evidence_files *f);

/* Append SHA256SUMS, as GNU sha256sum (coreutils 9.1) prints it: one
 * "HEX  NAME\n" line per regular file, in f's order; a name holding a
 * backslash, newline or carriage return is written with those escaped
 * (\\, \n, \r) and the line starts with a backslash. */
int evidence_sums(struct buf *out, const struct evidence_files *f);

/* The trusted comment of the sums' signature, which names what they
 * come from rather than a time, so that the same manifest gives the same
 * signature: "file:NAME\tcommit:HEX\txpin.lock:SHA256\tkey:ID" (commit
 * "none" outside git), appended to out. */
int evidence_sums_trusted(struct buf *out, const char *name,
			  const struct manifest *m, const char *lock,
			  size_t lock_len, const struct sign_pub *pub);

/* A file written at the top of the copies' folder (SHA256SUMS). */
struct evidence_blob {
	const char *name;
	const void *data;
	size_t len;
};

/*
 * Copy every file of f into the new folder dir, as dir/NAME, with the
 * nblobs blobs at its top. dir must not exist, or be an empty folder
 * (else XPIN_USAGE). A nix target's file is read from its output in the
 * store, a command target's from the project folder (its artifacts'
 * paths inside it); no link on the way is followed. Each file's size and
 * sha256 are checked against the manifest as it is copied: a difference
 * is XPIN_CHECK_FAILED naming the file. Folders are 0755, files 0755
 * when the manifest records them executable, else 0644; links are
 * recreated with their recorded target. Everything is written in a
 * folder beside dir, renamed to dir at the end: a failure leaves nothing.
 */
int evidence_copy(const char *dir, const struct evidence_files *f,
		  const char *project, const struct evidence_blob *blobs,
		  size_t nblobs, struct xerr *err);

#endif
