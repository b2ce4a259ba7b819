/*
 * nix: what xpin knows of the Nix program itself: its version, the rules
 * of that version that change what xpin computes, and the one line of its
 * error output worth quoting.
 *
 * Nix versions differ in how they fetch a `git` input (man xpin-pin(1),
 * NIX VERSIONS): before 2.20 the git fetcher unpacked `git archive`, so
 * export-ignore, export-subst, ident and text/eol attributes shaped the
 * tree it hashed; from 2.20 on it reads the stored tree with libgit2.
 * Forge inputs (github, gitlab, sourcehut) are archives in every version.
 */
#ifndef XPIN_NIX_H
#define XPIN_NIX_H

#include <stdbool.h>
#include <stdio.h>

#include "util.h"

/* xpin needs flakes; Nix 2.8 has them behind this switch. */
#define NIX_FEATURES "--extra-experimental-features", "nix-command flakes"

struct nix_version {
	unsigned major, minor, patch;
};

/* "nix (Nix) 2.26.3", "2.26.3" or "2.8": the first MAJOR.MINOR[.PATCH]
 * in s. Fails with XPIN_USAGE when there is none. */
int nix_version_parse(struct nix_version *out, const char *s,
		      struct xerr *err);
/* "2.26.3" */
void nix_version_format(char out[32], const struct nix_version *v);
/* What `nix --version` prints, trailing newline removed; XPIN_BUILD when
 * nix cannot be run. */
int nix_version_text(struct buf *out, struct xerr *err);

/* The rules of the Nix that will read a lock. */
struct nix_rules {
	struct nix_version version;
	bool git_archive;   /* git inputs hashed as `git archive` writes them */
};
void nix_rules_for(struct nix_rules *out, const struct nix_version *v);

/* The most telling line of Nix's stderr in f: its last "error: ..." with
 * text (newer Nix prints "error:" alone, then a trace, then the cause),
 * without colour, with git's "fatal: ..." when git failed under it; or
 * the line xpin's child wrote when it could not run nix. "" when none. */
void nix_reason(char *out, size_t n, FILE *f);

#endif
