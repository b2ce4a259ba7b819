/*
 * release: the one pipeline behind lock, verify and audit. Given a
 * project folder, the targets asked for and a mode, it opens the project,
 * checks the pins a signed manifest recorded, selects the targets and
 * their policies, builds them (twice for a lock, once or not at all for
 * a check), compares what came out, and gives one typed verdict per
 * target. It never prints: the CLI layer's clirelease prints verdicts.
 *
 * A struct release owns everything it holds (release_release), except
 * the manifest it checks against, which stays the caller's.
 */
#ifndef XPIN_RELEASE_H
#define XPIN_RELEASE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "build.h"
#include "project.h"
#include "sign.h"

enum release_mode {
	RELEASE_LOCK,     /* build twice; the verdict is reproducibility */
	RELEASE_VERIFY,   /* rebuild once; the verdict is the manifest's */
};

struct release_opts {
	enum release_mode mode;
	bool nobuild;              /* verify: check the outputs present */
	const char *dir;           /* the project folder */
	const char *config;        /* xpin.json elsewhere, or NULL */
	char *const *names;        /* targets asked for; none: every one */
	size_t nnames;
	unsigned jobs;             /* builds at a time */
	const char *path_env;      /* PATH of command builds */
	const char *repo;          /* repository command builds export from
				    * (NULL: dir) */
	const struct gitrepo_commit *commit; /* what is built (NULL: dir's
					       * HEAD) */
	build_progress_fn progress; /* may be NULL */
	void *progress_ctx;
	char *const *stores;       /* other stores building each nix target
				    * once more (lock: instead of xpin.json's
				    * rebuild_on; verify: besides the build
				    * here) */
	size_t nstores;
	/* verify --no-build: the evaluation cache (evalcache.h) under this
	 * folder, used when the work tree is clean at its HEAD (and commit
	 * is NULL), with what identifies Nix; either NULL: none. */
	const char *eval_cache;
	const char *nix_identity;
};

/* One target's verdict. */
struct release_target {
	const struct config_target *target;
	const struct manifest_target *prev; /* verify: its manifest record */
	struct manifest_policy pol;
	struct build_result res;
	struct manifest_strings differs; /* lock: between the two builds;
				      * verify: against the manifest */
	char changed[640];           /* verify: a recorded fact (the
				      * derivation) that is not so now, or "" */
	int verdict;                 /* XPIN_OK, XPIN_CHECK_FAILED, or the
				      * build's failure code */
};

struct release {
	struct project proj;
	bool have_proj;
	const struct manifest *manifest; /* verify: the signed one (caller's) */
	json_t *pins;                /* verify: [{input, ok, locked, current}] */
	struct release_target *t;
	size_t n;
	struct buf logs;             /* the build logs' folder, kept (and
				      * named here) only when a build failed */
	struct buf nix_version;      /* lock with a nix target */
	int worst;                   /* the highest verdict */
	int failed;                  /* the highest failure code of a
				      * target that could not be built or
				      * read (XPIN_BUILD, XPIN_USAGE), or 0 */
	bool built;                  /* release_build has judged them */
	pthread_t scan_th;           /* verify --no-build: reads the outputs
				      * present from release_open on */
	bool scanning;
};
#define RELEASE_INIT { .logs = BUF_INIT, .nix_version = BUF_INIT }

/*
 * Open o->dir's project and select the targets. In RELEASE_VERIFY mode,
 * XPIN_CHECK_FAILED unless the manifest describes what is checked: the
 * pins it recorded match flake.lock (r->pins reports each) and so do the
 * whole file's bytes (flakeLock.sha256); the commit it was made at is the
 * commit checked or an ancestor of it (the commit that adds xpin.lock
 * comes after the one locked); and each target, in it, has the attr,
 * command and triple it signed, so nothing unsigned is run. No names
 * means the manifest's targets. A check of what is present (nobuild)
 * reads the outputs on a second thread meanwhile (build_present_scan),
 * which release_build or release_release joins; Nix is asked nothing
 * before these checks have passed.
 */
int release_open(struct release *r, const struct manifest *manifest,
		 const struct release_opts *o, struct xerr *err);

/* Build, compare and judge every selected target (the verdicts, and
 * r->worst, which is also returned). -1 with err when the release as a
 * whole cannot go on: no log folder, or (lock) no Nix version to record
 * although every target built. The evaluations Nix made for the cache
 * are stored in it when the project's HEAD, cleanliness and flake.lock
 * are still what release_open read. */
int release_build(struct release *r, const struct release_opts *o,
		  struct xerr *err);

/* A lock's new manifest; targets not built this time are carried over
 * from old (the previous manifest, may be NULL). */
int release_manifest(struct manifest *out, const struct release *r,
		     const struct manifest *old, struct xerr *err);

/* The per-target report of --json, {name: {...}}, empty before
 * release_build (lock: reproducible,
 * differs, warnings; verify: ok, differs, warnings or error). */
json_t *release_report(const struct release *r, enum release_mode mode);

void release_release(struct release *r);

/*
 * A signed manifest: parse sigtext (xpin.lock.minisig) into sig, check it
 * over text (xpin.lock) with pub, then parse that same text, so what is
 * read is what was signed. Errors of the signature have XPIN_SIGNATURE.
 */
int release_signed_manifest(struct manifest *out, struct sign_sig *sig,
			    const char *text, size_t len, const char *sigtext,
			    size_t siglen, const struct sign_pub *pub,
			    struct xerr *err);

#endif
