/*
 * clirelease: how lock, verify and audit print a release's verdicts
 * (struct release, from release.c). CLI layer only.
 */
#ifndef XPIN_CLIRELEASE_H
#define XPIN_CLIRELEASE_H

#include <pthread.h>
#include <stdbool.h>

#include "cli.h"
#include "release.h"

/*
 * Print r's verdicts. A lock prints one line per target with what
 * differs and each policy warning on stdout, or, when a build failed,
 * only the failures. A check prints its failures on stderr, prefixed
 * "LABEL: " when label is given, and (no label) an ok line per target on
 * stdout. Either way, a kept log folder is named last. --json prints no
 * verdict here (release_report gives them) but a lock's failures.
 */
void clirelease_print(const struct gopts *g, const struct release *r,
		      enum release_mode mode, const char *label);

/*
 * ./xpin.lock, read once, with its signature (xpin.lock.minisig, or the
 * one an interrupted lock left waiting) checked over what was read, with
 * the public key -p FILE, -P KEY or ./xpin.pub: then parsed into m. The
 * signature's trusted comment goes into rep (may be NULL) as "signature";
 * text_out and pub_out (may be NULL) get the bytes signed and the key.
 * Errors of the signature have XPIN_SIGNATURE.
 */
int clirelease_load_signed(struct manifest *m, json_t *rep,
			   const char *pubfile, const char *b64,
			   struct buf *text_out, struct sign_pub *pub_out,
			   struct xerr *err);

/*
 * verify --no-build's evaluation cache (evalcache.h), from the
 * environment: the user's cache folder ($XDG_CACHE_HOME, else
 * $HOME/.cache) into dir, and into nix_id what tells the Nix that runs
 * apart: the `nix` PATH gives (its path, real path and stat), the
 * variables Nix reads for its configuration and store (and those that
 * point git, which Nix runs on the flake, elsewhere), and the bytes of
 * each nix.conf Nix would read (`include` lines are not followed). -1,
 * and no cache, when either cannot be told: no such folder, no `nix`, a
 * configuration file that is there but cannot be read.
 */
int clirelease_eval_cache(struct buf *dir, struct buf *nix_id);

/*
 * libgit2 started on a thread of its own while the caller goes on (reads
 * and checks the signature, loads the configuration): its start parses
 * the system's CA bundle, a few milliseconds with Debian 12's libgit2
 * (see gitrepo.c), which a check would otherwise wait for when it first
 * opens the repository. The thread opens dir's repository and closes
 * it; clirelease_git_join waits for it.
 */
struct clirelease_git {
	pthread_t th;
	bool started;
	const char *dir;
};
void clirelease_git_start(struct clirelease_git *g, const char *dir);
void clirelease_git_join(struct clirelease_git *g);

#endif
