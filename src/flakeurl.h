/*
 * flakeurl: a locked input as the flake URL Nix prints for it (the
 * `Inputs:` tree of `nix flake metadata`, `nix flake update`'s report),
 * under the rules of one Nix version: each fetcher's toURL, the flake's
 * `dir` added to the query, the query sorted by key and percent-encoded.
 *
 * The caller owns the attributes (a JSON object, borrowed for the call)
 * and frees the returned string.
 */
#ifndef XPIN_FLAKEURL_H
#define XPIN_FLAKEURL_H

#include <stdbool.h>

#include <jansson.h>

/* What differs between Nix versions (see nix_rules_for). */
struct flakeurl_rules {
	bool rfc3986;         /* encode all but RFC 3986's unreserved (and
			       * ":@/?" in a query, ":@/" in a path), upper
			       * case hex; else keep the sub-delimiters too,
			       * lower case hex, and leave paths alone */
	bool forge_nar_hash;  /* github, gitlab, sourcehut: ?narHash= */
	bool forge_host;      /* github, gitlab, sourcehut: ?host= */
	bool git_submodules;  /* git: submodules=1 */
};
/* The newest Nix's rules: what xpin prints when it knows no Nix. */
#define FLAKEURL_RULES_NEWEST { true, true, true, true }

/* The URL of locked attributes attrs ("type", "url", "rev", ...), with
 * extra (version 5's "info", or NULL) merged in over them. Never NULL
 * (aborts only where malloc does). */
char *flakeurl_locked(const json_t *attrs, const json_t *extra,
		      const struct flakeurl_rules *r);

#endif
