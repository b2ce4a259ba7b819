/*
 * build: the builders. A nix target is built with `nix build --json`,
 * then rebuilt with `nix build --rebuild --keep-failed`; a command target
 * is run in two fresh exports of the commit's tree at different paths with
 * varied TZ, LC_ALL, umask and HOME and the same SOURCE_DATE_EPOCH. Either
 * way xpin hashes what came out itself (manifest_add_path) into the
 * target's typed record (struct manifest_target) and compares.
 *
 * A build is a build only where it ran: an output that Nix substituted
 * from a cache is recorded as such (rec.builds) and, for a check, built
 * here again. Each store in o->stores (a remote store such as
 * ssh-ng://host, evaluation staying local) builds the target once more;
 * its output is compared by NAR hash and, when it differs, copied back
 * into the log folder and explained.
 *
 * Every build runs with a timeout and logs to a file in o->logs's folder,
 * which failure messages name; the folder is made when the first log is
 * opened, so a check that runs nothing makes none. A struct build_result
 * owns what it holds (build_result_release).
 *
 * verify --no-build asks Nix for the derivation the flake gives each nix
 * target; with o->eval_cache, the answer comes from the evaluation cache
 * (evalcache.h) when it has one, and Nix runs only on a miss.
 */
#ifndef XPIN_BUILD_H
#define XPIN_BUILD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "evalcache.h"
#include "jtext.h"
#include "manifest.h"
#include "util.h"

typedef void (*build_progress_fn)(void *ctx, const char *target,
				  const char *what);

/* The build logs' folder, made by the first build that logs; build_all's
 * threads share it. The caller removes or keeps dir, and releases it. */
struct build_logs {
	pthread_mutex_t lock;
	struct buf dir;          /* empty until made */
	struct xerr err;         /* why it could not be made (err.code) */
};
#define BUILD_LOGS_INIT { PTHREAD_MUTEX_INITIALIZER, BUF_INIT, XERR_INIT }

struct build_opts {
	const char *project;     /* the project folder (holds flake.nix) */
	struct build_logs *logs; /* where build logs go */
	const char *path_env;    /* PATH given to command builds */
	const char *commit;      /* the commit command builds export */
	int64_t commit_time;     /* its committer time: SOURCE_DATE_EPOCH */
	build_progress_fn progress; /* may be NULL; called from any thread */
	void *progress_ctx;
	const char *repo;        /* the git repository commands export from
				  * (NULL: project) */
	char *const *stores;     /* other machines' Nix stores that build
				  * each nix target once more (lock: these
				  * are its second builds) */
	size_t nstores;
	/* BUILD_PRESENT: the evaluation cache, or NULL for none. Its
	 * answers are read here; a new one is only given back (eval_key),
	 * for the caller to store once it knows the tree did not change. */
	const struct evalcache *eval_cache;
};

enum build_mode {
	BUILD_TWICE,      /* xpin lock: build, rebuild, compare */
	BUILD_ONCE,       /* xpin verify: one real build */
	BUILD_PRESENT,    /* xpin verify --no-build: what is there already */
};

struct build_result {
	const struct config_target *target;
	struct manifest_target rec; /* what xpin.lock records: builder,
				     * outputs, artifacts (the first build's),
				     * differs (between the builds),
				     * variations, narHash, reproducible */
	bool nix_differs;        /* Nix itself reported a difference */
	int failed;              /* 0, or the exit code (XPIN_BUILD, ...) */
	struct xerr err;         /* why, when failed */
	char log[512];           /* the log of the last build run */
	bool keep;               /* the logs' folder holds what a reader
				  * needs: another store's differing output */
	struct buf why;          /* not reproducible: diff's short form */
	char eval_key[65];       /* Nix evaluated the derivation (rec's
				  * drv_path) where the cache had none: its
				  * key there; else "" */
	bool scanned;            /* build_present_scan read the outputs */
	char *batch_drv;         /* build_present_batch's answer, until
				  * build_target takes it */
};

/* Build t as mode says. Returns 0 when the builds ran (r->rec's
 * reproducible and nwarn tell the rest), -1 with r->failed and r->err
 * otherwise. prev: for BUILD_ONCE and BUILD_PRESENT, the manifest's
 * record of the target (its output paths), or NULL. */
int build_target(struct build_result *r, const struct config_target *t,
		 enum build_mode mode, const struct manifest_target *prev,
		 const struct manifest_policy *pol, const struct build_opts *o);
void build_result_release(struct build_result *r);

/*
 * BUILD_PRESENT's first part, for a nix target, ahead of build_target:
 * the outputs the manifest recorded (prev) there and read into r's
 * record, all that needs neither git nor Nix, so it can run while the
 * caller answers those. build_target in BUILD_PRESENT mode then asks for
 * the derivation only. -1 with r->failed as build_target; a command
 * target is left to build_target (0).
 */
int build_present_scan(struct build_result *r, const struct config_target *t,
		       const struct manifest_target *prev,
		       const struct manifest_policy *pol);

/* One target to build: build_all fills res. */
struct build_job {
	const struct config_target *target;
	const struct manifest_target *prev; /* see build_target */
	const struct manifest_policy *pol;
	struct build_result *res;
};

/*
 * BUILD_PRESENT, ahead of build_all, for the nix jobs build_present_scan
 * read and that did not fail: each derivation from o->eval_cache where
 * it has it (looked up once here), the others from one run of `nix
 * build --dry-run --json REF...`, which resolves each
 * reference as `nix build` does, builds nothing and prints what each
 * would build in the order given. Nix then evaluates the flake and its
 * inputs (nixpkgs, say) once for all of them, where one `nix eval` per
 * target evaluates them again each time. Each job's build_target takes
 * its answer. When that run fails or prints anything else, no answer is
 * given and each target asks Nix on its own, so a failure is told for
 * the target it is about.
 */
void build_present_batch(const struct build_job *jobs, size_t n,
			 const struct build_opts *o);

/* Run build_target for n jobs, at most parallel at a time (threads). */
void build_all(const struct build_job *jobs, size_t n, unsigned parallel,
	       enum build_mode mode, const struct build_opts *o);

#endif
