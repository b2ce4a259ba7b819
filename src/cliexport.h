/*
 * cliexport: what `xpin export KIND` writes, one file per kind of
 * evidence (cliexport_sums.c: sums and files; cliexport_slsa.c: slsa;
 * cliexport_intoto.c: in-toto and in-toto-key), over the signed manifest
 * cmd_export.c has read and checked. CLI layer: they write files and
 * read the secret key through clikeys.
 *
 * Each writer is deterministic (the same manifest and key give the same
 * bytes) and writes only what it names: out (-o) or its default, through
 * the atomic writer; a folder (export files) is created new.
 */
#ifndef XPIN_CLIEXPORT_H
#define XPIN_CLIEXPORT_H

#include <stddef.h>

#include "cli.h"
#include "manifest.h"
#include "sign.h"

struct export_ctx {
	const struct gopts *g;
	const struct manifest *m;          /* the signed xpin.lock */
	const char *lock_text;             /* its bytes, as signed */
	size_t lock_len;
	const struct manifest_target **t;  /* the targets asked for */
	size_t n;
	const char *out;                   /* -o, or NULL for the default */
	const char *secpath, *pwfile;      /* -s, --password-file, or NULL */
	const struct sign_pub *pub;        /* the key xpin.lock verified with */
};

/* The secret key (-s, XPIN_SECRET_KEY or the default), opened; it must
 * be the one whose public key checked xpin.lock. */
struct sign_secret *export_secret(const struct export_ctx *c, struct xerr *err);

typedef int (*export_fn)(const struct export_ctx *c, struct xerr *err);
/* The writer of a kind ("sums", ...), or NULL with err naming them all. */
export_fn cliexport_kind(const char *name, struct xerr *err);

int export_sums(const struct export_ctx *c, struct xerr *err);
int export_files(const struct export_ctx *c, struct xerr *err);
int export_slsa(const struct export_ctx *c, struct xerr *err);
int export_intoto(const struct export_ctx *c, struct xerr *err);
int export_intoto_key(const struct export_ctx *c, struct xerr *err);

#endif
