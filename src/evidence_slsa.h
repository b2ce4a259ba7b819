/*
 * evidence_slsa: SLSA Provenance v1 for a target of a signed manifest,
 * as an in-toto Statement v1 in a DSSE v1 envelope signed with xpin's
 * Ed25519 key (xpin export slsa; xpin-export(1) documents every field).
 *
 * - subject: the target's regular files, named as evidence_sums names
 *   them (TARGET/PATH), digest {"sha256"};
 * - buildType EVIDENCE_SLSA_NIX or EVIDENCE_SLSA_COMMAND, builder.id
 *   EVIDENCE_SLSA_BUILDER: URIs under the reserved domain xpin.invalid
 *   (RFC 2606), so no one else can define them; xpin-export(1) is their
 *   specification;
 * - digests: gitCommit for git revisions, sha256 for files, and
 *   "nixNarSha256" for a Nix narHash: the same SHA-256 in lowercase hex,
 *   under a name of its own because it hashes the NAR serialisation of a
 *   tree, not a file's bytes (digest_set.md: a new name says how its
 *   value is made);
 * - DSSE keyid: the minisign key id, as minisign prints it.
 *
 * JSON is compact with sorted keys, so the same manifest and key give
 * the same bytes. The caller owns what it gets (json_decref,
 * buf_release).
 */
#ifndef XPIN_EVIDENCE_SLSA_H
#define XPIN_EVIDENCE_SLSA_H

#include <stddef.h>

#include "manifest.h"
#include "sign.h"
#include "util.h"

#define EVIDENCE_SLSA_NIX "https://xpin.invalid/buildtypes/nix-flake/v1"
#define EVIDENCE_SLSA_COMMAND "https://xpin.invalid/buildtypes/command/v1"
#define EVIDENCE_SLSA_BUILDER "https://xpin.invalid/builders/lock/v1"
#define EVIDENCE_DSSE_TYPE "application/vnd.in-toto+json"

/* The Statement for target t of m; NULL (err set) when out of memory or
 * a recorded value cannot be expressed. */
json_t *evidence_slsa_statement(const struct manifest *m,
				const struct manifest_target *t,
				struct xerr *err);

/* DSSE's pre-authentication encoding, appended to out:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in
 * decimal bytes. */
int evidence_dsse_pae(struct buf *out, const char *type, const void *body,
		      size_t len);

/* One line of the .intoto.jsonl: the envelope of t's Statement, signed
 * with sk (whose public key is pub, checked before it is returned), and
 * "\n", appended to out. */
int evidence_slsa_line(struct buf *out, const struct manifest *m,
		       const struct manifest_target *t,
		       const struct sign_secret *sk, const struct sign_pub *pub,
		       struct xerr *err);

#endif
