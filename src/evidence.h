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


/*
 * in-toto (evidence_intoto.c), in the 0.9 metadata in-toto 1.x and 2.x
 * read, signed as securesystemslib signs: Ed25519 over the canonical JSON
 * of "signed", {"signatures": [{"keyid", "sig"}], "signed": ...}.
 */

/* Far enough to outlive the release: xpin.lock's own signature does not
 * expire, and in-toto requires a date. */
#define EVIDENCE_INTOTO_EXPIRES "2100-01-01T00:00:00Z"
/* The layout's one inspection, and its link's name. */
#define EVIDENCE_INTOTO_INSPECTION "check-artifacts"

/* securesystemslib's canonical JSON of v appended to out: keys sorted,
 * no whitespace, strings with only '"' and '\' escaped; a number with a
 * fraction is refused. */
int evidence_canonical_json(struct buf *out, const json_t *v,
			    struct xerr *err);
/* The Ed25519 public key pk as securesystemslib writes a public key file
 * (keytype, scheme, keyval.public in hex, keyid_hash_algorithms). */
json_t *evidence_intoto_pubkey(const unsigned char pk[32]);
/* Its keyid: SHA-256 of that object's canonical JSON, 64 hex digits. */
int evidence_intoto_keyid(char out[65], const unsigned char pk[32],
			  struct xerr *err);
/* The artifact a of t as in-toto names it: "TARGET/PATH", or "TARGET"
 * for an output that is itself a file (out is reset first). */
int evidence_intoto_product(struct buf *out, const struct manifest_target *t,
			    const struct manifest_artifact *a);
/* The link of target t (its "signed" part): the source commit, flake.lock
 * and the pinned inputs as materials, t's files as products. NULL when
 * out of memory. */
json_t *evidence_intoto_link(const struct manifest *m,
			     const struct manifest_target *t);
/* The layout for the n targets t: a step per target, signed by the key
 * pk, and an inspection that checks the files in the folder it runs in. */
json_t *evidence_intoto_layout(const struct manifest *m,
			       const struct manifest_target *const *t, size_t n,
			       const unsigned char pk[32], struct xerr *err);
/* payload signed with sk, whose public half must be pk: the signature is
 * checked before the document is returned. */
json_t *evidence_intoto_sign(const json_t *payload,
			     const struct sign_secret *sk,
			     const unsigned char pk[32], struct xerr *err);

#endif
