/*
 * flakelock: Nix's flake.lock as a model: load (versions 5, 6 and 7) with
 * validation, list the inputs reachable from the root, resolve an input
 * path, re-pin a node's "locked" attributes, and write the file back as Nix
 * writes it.
 *
 * A struct flakelock owns the parsed JSON and a copy of the original text.
 * A struct flakelock_pin owns copies of its strings (so it outlives edits
 * of the lock); flakelock_pin_release or flakelock_pins_free frees them.
 */
#ifndef XPIN_FLAKELOCK_H
#define XPIN_FLAKELOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct flakelock;
struct flakeurl_rules;

/* Parse and validate text; file names it in errors ("flake.lock").
 * Returns NULL with err filled (code XPIN_USAGE, position when known). */
struct flakelock *flakelock_load(const char *text, size_t len,
				 const char *file, struct xerr *err);
/* Read and load the file at path (errors name it as given). */
struct flakelock *flakelock_open(const char *path, struct xerr *err);
void flakelock_free(struct flakelock *lk);
int flakelock_version(const struct flakelock *lk);

/* One input reachable from the root, named by its input path. */
struct flakelock_pin {
	char *path;           /* "rust-overlay/nixpkgs" */
	char *node;           /* node key, NULL for a follows */
	char *follows;        /* the input path it follows ("" = the root
			       * flake), NULL when not a follows */
	char *type;           /* locked.type */
	char *source;         /* "NixOS/nixpkgs", a url, a path, an id */
	char *url;            /* the locked reference as the flake URL
			       * Nix prints (flakeurl_locked) */
	char *rev, *ref, *nar_hash;        /* NULL when absent */
	int64_t last_modified, rev_count;  /* -1 when absent */
	bool flake;           /* false for `flake: false` inputs */
};

/* The Nix rules pins' url follows (copied; default: the newest Nix's,
 * FLAKEURL_RULES_NEWEST). */
void flakelock_set_url_rules(struct flakelock *lk,
			     const struct flakeurl_rules *r);

/* Every input path reachable from the root, depth first in key order; a
 * node reached twice is listed on each path but descended into once. */
int flakelock_pins(struct flakelock_pin **out, size_t *n,
		   const struct flakelock *lk, struct xerr *err);
void flakelock_pins_free(struct flakelock_pin *pins, size_t n);

/* Fill one pin for an input path; -1 with err when the path is unknown. */
int flakelock_find(struct flakelock_pin *out, const struct flakelock *lk,
		   const char *path, struct xerr *err);
void flakelock_pin_release(struct flakelock_pin *pin);

/* New locked facts for a node. Fields left NULL / -1 are not changed. */
struct flakelock_update {
	const char *rev;        /* 40 lowercase hex digits */
	const char *nar_hash;   /* "sha256-" + 44 base64 characters */
	int64_t last_modified;  /* -1: keep */
	int64_t rev_count;      /* -1: keep */
};
#define FLAKELOCK_UPDATE_INIT { NULL, NULL, -1, -1 }

/* True when a locked type names a revision xpin can re-pin. */
bool flakelock_type_has_rev(const char *type);

/*
 * Re-pin the node an input path names: only its "locked" object changes.
 * Refuses (err, XPIN_USAGE) a follows, an unknown path, a type without a
 * revision, a malformed rev or narHash, and an update that would leave a
 * stale narHash, lastModified or revCount from the old revision.
 */
int flakelock_set(struct flakelock *lk, const char *path,
		  const struct flakelock_update *u, struct xerr *err);

/*
 * The file's new text. A version 7 lock keeps every byte outside the
 * edited "locked" objects, which are written as Nix writes them; versions
 * 5 and 6 are written whole as version 7 (lastModified and narHash moved
 * from "info" into "locked"), canonically as Nix does.
 */
int flakelock_serialize(struct buf *out, const struct flakelock *lk,
			struct xerr *err);

/*
 * Like flakelock_find, and refuses (err, XPIN_USAGE) what flakelock_set
 * would refuse before looking at the update: a follows, an unknown path,
 * a type without a revision. Lets a command check an input before it
 * spends time computing the new facts.
 */
int flakelock_pinnable(struct flakelock_pin *out, const struct flakelock *lk,
		       const char *path, struct xerr *err);

/* An attribute of a node's "locked" object (version 5's "info" first):
 * the string, NULL when absent or not a string; the boolean as 1 or 0,
 * -1 when absent or not a boolean. Strings live until lk is edited or
 * freed. */
const char *flakelock_locked_string(const struct flakelock *lk,
				    const char *node, const char *key);
int flakelock_locked_bool(const struct flakelock *lk, const char *node,
			  const char *key);

/* Parse checks shared with the commands. */
bool flakelock_valid_rev(const char *s);
bool flakelock_valid_nar_hash(const char *s);

#endif
