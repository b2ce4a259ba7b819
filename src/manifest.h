/*
 * manifest: xpin.lock, the signed record of a release (xpin.lock(5)):
 * canonical JSON, deterministic (no timestamps), built from the pinned
 * inputs and the build results, loaded back and compared by verify.
 *
 * Artifacts: every regular file of an output by relative path, with size,
 * sha256 and, for an ELF file, the object `xpin elf --json` prints (facts
 * and policy warnings); a symlink as {"symlink": TARGET}.
 * The caller owns every json_t returned (json_decref).
 */
#ifndef XPIN_MANIFEST_H
#define XPIN_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "elf.h"
#include "jtext.h"
#include "util.h"

#define MANIFEST_FORMAT 1

struct flakelock;

/* The policy applied to each ELF artifact of a target. */
struct manifest_policy {
	struct elf_policy elf;
	struct elf_target target;     /* used when elf.target is set */
	const char *const *linkage;   /* accepted linkages, NULL for any */
	size_t nlinkage;
};

/*
 * Add what is at fspath to arts (an object) under key: a regular file, a
 * symlink, or a folder, whose files are added as key/rel (key "" adds
 * them at the top). *nwarn counts the policy warnings raised.
 */
int manifest_add_path(json_t *arts, const char *key, const char *fspath,
		      const struct manifest_policy *pol, size_t *nwarn,
		      struct xerr *err);

/* Keys of a and b whose entries differ, or are only in one, sorted: a
 * JSON array of strings. what is "sha256" to compare contents only, or
 * NULL to compare whole entries (contents and ELF facts). */
json_t *manifest_diff(const json_t *a, const json_t *b, const char *what);

/* The pinned inputs: for each input path, type, source, rev, ref,
 * narHash, lastModified from flake.lock. -1 (XPIN_USAGE) when a pin is
 * not an input of the lock. */
int manifest_inputs(json_t **out, const struct flakelock *lk,
		    char *const *pins, size_t npins, struct xerr *err);

/* Load xpin.lock (its text is written canonically with jtext_dump_file);
 * parse takes the text itself (name is used in errors). */
json_t *manifest_load(const char *path, struct xerr *err);
json_t *manifest_parse(const char *text, size_t len, const char *name,
		       struct xerr *err);

#endif
