/*
 * pinfacts: what a flake.lock "locked" node records for a git-backed
 * input, computed from a local mirror with gitrepo, by Nix's rules: rev
 * (the commit; an annotated tag's own id beside it, which Nix locks for
 * a git input that names the tag), narHash (SRI SHA-256 of the tree's
 * NAR: the stored tree, or `git archive`'s with GITREPO_EXPORT_IGNORE),
 * lastModified (the committer time) and revCount (commits reachable, the
 * commit included), which a shallow clone cannot give.
 *
 * Errors: code 2 (XPIN_USAGE), one line, as gitrepo's.
 */
#ifndef XPIN_PINFACTS_H
#define XPIN_PINFACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "gitrepo.h"
#include "util.h"

/* flags: GITREPO_EXPORT_IGNORE for archive semantics (github, gitlab,
 * tarball inputs, and git inputs as Nix 2.8 locks them), and: */
#define PINFACTS_REV_COUNT 0x100u /* count commits too (git inputs) */

struct pinfacts {
	char rev[41];           /* commit id, 40 hex digits */
	char ref_object[41];    /* the ref's own object: differs from rev for
				 * an annotated tag (see gitrepo_commit) */
	char nar_hash[52];      /* "sha256-<base64>" */
	int64_t last_modified;  /* committer time of rev */
	uint64_t rev_count;     /* when has_rev_count */
	bool has_rev_count;
	bool export_ignore;     /* which rule the narHash was computed under */
};

/* Open mirror_dir, resolve ref, hash the tree; with PINFACTS_REV_COUNT,
 * refused on a shallow mirror. */
int pinfacts_from_mirror(struct pinfacts *out, const char *mirror_dir,
			 const char *ref, unsigned flags, struct xerr *err);

#endif
