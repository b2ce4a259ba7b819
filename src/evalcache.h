/*
 * evalcache: what a pure evaluation of a flake gave, kept between runs,
 * as Nix's own evaluation cache keeps its answers. verify --no-build asks
 * Nix for each target's derivation path (nix eval PROJECT#ATTR.drvPath);
 * that answer is a function of the flake's source, its locked inputs,
 * the Nix that evaluates it and Nix's configuration, so it is looked up
 * here by a key over exactly those (evalcache_key) before Nix is run.
 *
 * An entry is one small file under ROOT/xpin/eval/, named by its key
 * (64 hex digits) and holding the derivation path and a newline. ROOT is
 * the user's cache folder, taken as given (made 0700 when it is missing,
 * its parents not); the folders xpin/ and eval/ under it are this
 * module's: made 0700, and refused (-1) when one is a link, not a
 * folder, another user's, or writable by others. An entry that is a
 * link, not a regular file, larger than EVALCACHE_MAX bytes or not one
 * derivation path is a miss, and evalcache_put replaces it; new entries
 * are written through util_write_atomic.
 *
 * Nothing here decides when the cache may be used (the caller: a clean
 * work tree at a commit) or reads the environment: every input is given.
 * Whoever can write ROOT can plant answers, as with Nix's own cache.
 */
#ifndef XPIN_EVALCACHE_H
#define XPIN_EVALCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* The largest entry read: a derivation path and its newline. */
#define EVALCACHE_MAX 1024

/* What an evaluation depends on besides the attribute evaluated. */
struct evalcache {
	const char *root;        /* the user's cache folder */
	const char *project;     /* the flake's folder, absolute */
	const char *commit;      /* the commit its clean work tree is at */
	const char *lock_sha256; /* sha256 (hex) of its flake.lock, "" none */
	const char *nix;         /* what tells the Nix that evaluates and its
				  * configuration apart (see clirelease.c) */
};

/* One field of a key's encoding, "NAME LEN:VALUE\n" (LEN in decimal
 * bytes), appended to out; also how the caller spells the nix part.
 * -1 when out of memory. */
int evalcache_field(struct buf *out, const char *name, const char *value);

/* The key (64 hex digits) of evaluating c->project#attr, attr as Nix is
 * given it ("packages.x86_64-linux.tool.drvPath"): the SHA-256 of
 *   "xpin evalcache 1\n" then, for flake (c->project), attr, commit,
 *   flake.lock (c->lock_sha256) and nix in that order, "NAME LEN:VALUE\n"
 * (LEN in decimal bytes), so no two different inputs encode alike. */
void evalcache_key(char out[65], const struct evalcache *c, const char *attr);

/* Whether s (n bytes) is what an entry may hold: an absolute path, no
 * empty, "." or ".." part, printable ASCII, whose last part is a store
 * path name (32 nix32 digits, '-', a name) ending in ".drv". */
bool evalcache_drv_ok(const char *s, size_t n);

/* The entry of key, without its newline, into out: 1 when there is a
 * valid one, 0 on a miss (none, or one that is not valid), -1 with err
 * when the cache's folders are refused. Nothing is created. */
int evalcache_get(struct buf *out, const char *root, const char *key,
		  struct xerr *err);

/* Store drv (evalcache_drv_ok) as key's entry, making the folders as
 * needed and replacing whatever is there. -1 with err when it cannot. */
int evalcache_put(const char *root, const char *key, const char *drv,
		  struct xerr *err);

#endif
