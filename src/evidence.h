/*
 * evidence: a signed manifest (xpin.lock) written in the formats others
 * read, for `xpin export`. Every writer is deterministic: the same
 * manifest (and key) gives the same bytes.
 *
 * - sums: SHA256SUMS in sha256sum's format, one line per artifact file
 *   ("HEX  TARGET/PATH"), sorted by name (evidence_sums.c);
 * - slsa: per target, an in-toto Statement v1 whose predicate is SLSA
 *   Provenance v1, in a DSSE envelope signed with xpin's Ed25519 key, one
 *   JSON line each (evidence_slsa.c);
 * - in-toto: per target an in-toto 0.9 link, and a layout requiring them,
 *   signed with the same key in securesystemslib's form (evidence_intoto.c).
 *
 * Targets: the manifest's, or the n names given (unknown ones are an
 * error). The caller owns every buf and json_t it gets.
 */
#ifndef XPIN_EVIDENCE_H
#define XPIN_EVIDENCE_H

#include <stddef.h>

#include "manifest.h"
#include "sign.h"
#include "util.h"

/* The manifest's targets that names selects (all when n is 0), in the
 * manifest's (sorted) order; *out is the caller's (free). */
int evidence_targets(const struct manifest_target ***out, size_t *nout,
		     const struct manifest *m, char *const *names, size_t n,
		     struct xerr *err);

#endif
