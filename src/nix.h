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
 *
 * It is also the one place xpin starts Nix (nix_run): every run gets the
 * feature switch flakes need, the same rule for the reason of a failure,
 * and its JSON read through jtext (nix_run_json).
 */
#ifndef XPIN_NIX_H
#define XPIN_NIX_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "util.h"

/* One run of nix: what to run, and where its output goes. */
struct nix_cmd {
	/* nix's arguments after the feature switch, NULL-ended */
	const char *const *args;
	const char *what;   /* for messages: "nix build .#tool" */
	struct buf *out;    /* its standard output, or NULL */
	/* Its standard error (and output unless captured): a regular file
	 * is read back for the reason; -1: a temporary file of its own. */
	int log_fd;
	unsigned timeout;   /* seconds; 0 for none */
	int status;         /* set by nix_run: the exit status */
	char reason[512];   /* set by nix_run when it failed: nix_reason */
};

/*
 * Run nix with NIX's feature switch and c->args. 0 when it exited 0; -1
 * with err otherwise: XPIN_BUILD "cannot run 'nix': ...; is Nix installed
 * and on PATH?" when it could not be started, util_spawn's error when it
 * ran past the timeout, and XPIN_USAGE "WHAT failed: REASON" (or "(exit
 * N)" when Nix said nothing) when it ran and failed; c->status tells.
 */
int nix_run(struct nix_cmd *c, struct xerr *err);
/* nix_run, then its standard output parsed with jtext_load: NULL with err
 * (XPIN_USAGE "WHAT printed no JSON") when it printed none. */
json_t *nix_run_json(struct nix_cmd *c, struct xerr *err);

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

/* The rules of the Nix that will read a lock. The url_ ones say how that
 * Nix prints a locked input as a URL (`nix flake metadata`, man
 * xpin-pins(1), NIX VERSIONS). */
struct nix_rules {
	struct nix_version version;
	bool git_archive;   /* git inputs hashed as `git archive` writes them */
	bool url_rfc3986;   /* percent-encoding keeps RFC 3986's unreserved
			     * characters only (and ":@/?" in a query, ":@/"
			     * in a path), in upper case; before, it kept the
			     * sub-delimiters too and left paths alone */
	bool url_forge_nar_hash; /* github, gitlab, sourcehut: ?narHash= */
	bool url_forge_host;     /* github, gitlab, sourcehut: ?host= */
	bool url_git_submodules; /* git: submodules=1 */
};
void nix_rules_for(struct nix_rules *out, const struct nix_version *v);

/* The most telling line of Nix's stderr in f, read from where f stands:
 * its last "error: ..." with text (newer Nix prints "error:" alone, then
 * a trace, then the cause), without colour, with git's "fatal: ..." when
 * git failed under it; or the line xpin's child wrote when it could not
 * run nix. "" when none. */
void nix_reason(char *out, size_t n, FILE *f);

#endif
