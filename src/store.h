/*
 * store: what xpin asks of a Nix store, the local one or another machine's
 * (a remote store such as ssh-ng://builder): whether paths are valid
 * there, their NAR hashes, whether that store's Nix built them or
 * substituted them from a cache, its Nix version, and a copy of a path
 * back into a local folder. Every question is a run of nix (nix_run).
 *
 * `nix path-info --json` answers with a list of {path, ...} before Nix
 * 2.19 and with an object {path: {...} | null} from 2.19 on; both are
 * read. A path is "ultimate" when the store's own Nix built it
 * (ValidPathInfo::ultimate); a substituted path is not, and its
 * signatures name the cache's key.
 */
#ifndef XPIN_STORE_H
#define XPIN_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Where a run of nix for the store logs, and for how long it may run. */
struct store_run {
	const char *store;   /* a store URI, or NULL for the local store */
	int log_fd;          /* an open log file */
	unsigned timeout;    /* seconds; 0 for none */
};

struct store_info {
	bool valid;
	bool ultimate;       /* built by that store's Nix */
	char nar_hash[96];   /* SRI ("sha256-..."), "" when not valid */
	char signer[128];    /* the first signature's key name, or "" */
};

/* The info of each of n paths (out[i] for paths[i]); a path the store
 * does not have is !valid. -1 with err (XPIN_BUILD) when nix failed. */
int store_path_info(struct store_info *out, const char *const *paths,
		    size_t n, const struct store_run *s, struct xerr *err);

/* The store answers: its Nix version ("2.8.0") into version, "" when it
 * does not say. XPIN_BUILD "store 'URI' cannot be reached: REASON". */
int store_ping(struct buf *version, const struct store_run *s,
	       struct xerr *err);

/* Copy n paths (with what they refer to) from s->store into a local
 * store whose root folder is root (ROOT/nix/store/...). */
int store_copy_back(const char *const *paths, size_t n, const char *root,
		    const struct store_run *s, struct xerr *err);

/* The substituter Nix said it copied path from ("copying path 'P' from
 * 'URI'") in the log text, into uri; false when the log does not say. */
bool store_substituted_from(struct buf *uri, const char *log,
			    const char *path);

#endif
