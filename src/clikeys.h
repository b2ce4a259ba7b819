/*
 * clikeys: where the commands that sign or check find keys and passwords
 * (the environment, default files, the terminal). CLI layer only.
 */
#ifndef XPIN_CLIKEYS_H
#define XPIN_CLIKEYS_H

#include "sign.h"
#include "util.h"

/*
 * XPIN_SECRET_KEY and XPIN_PASSWORD move from the environment into locked
 * memory (their text in the environment's own memory overwritten too), so
 * that no program xpin starts (nix, builders) inherits or can read them.
 * Called once by main, before any thread or child exists.
 */
void clikeys_take_env(void);
/* The value such a variable had: 1 with *out, 0 when it was not set, -1
 * with err when it could not be kept (too long, a NUL, no memory). */
int clikeys_env(const struct sign_password **out, const char *name,
		struct xerr *err);

/* The secret key: path (-s), else XPIN_SECRET_KEY (the key file's
 * contents), else $XDG_CONFIG_HOME/xpin/xpin.key (~/.config/...). */
struct sign_secret *clikeys_secret(const char *path, struct xerr *err);
/* --password-file, else XPIN_PASSWORD, else the first line of standard
 * input when it is not a terminal, else typed with echo off. */
struct sign_password *clikeys_password(const char *file, const char *key,
				       struct xerr *err);
/* The secret key, decrypted when it is encrypted. */
struct sign_secret *clikeys_unlocked_secret(const char *path,
					    const char *pwfile,
					    struct xerr *err);
/* The public key: -P KEY (base64) or -p FILE, else ./xpin.pub. */
int clikeys_public(struct sign_pub *out, const char *file, const char *b64,
		   struct xerr *err);
/* SOURCE_DATE_EPOCH when set, else now: the time a signature states. */
int64_t clikeys_now(void);

#endif
