/*
 * project: the release layer's view of a project folder: its xpin.json,
 * flake.lock (with its sha256) and HEAD commit, the targets asked for,
 * each target's policy, the pins a manifest recorded against flake.lock,
 * and a lock's manifest from the targets' records. Used by release.c.
 * A struct project owns what it holds (project_release).
 */
#ifndef XPIN_PROJECT_H
#define XPIN_PROJECT_H

#include <stdbool.h>

#include "build.h"
#include "config.h"
#include "gitrepo.h"
#include "manifest.h"

struct flakelock;

struct project {
	struct config cfg;
	struct flakelock *lock;     /* NULL when there is no flake.lock */
	char lock_sha256[65];       /* "" when there is no flake.lock */
	struct gitrepo_commit head; /* valid when has_head */
	bool has_head, dirty;       /* dirty: tracked files changed, or
				     * untracked ones, xpin.lock and its
				     * signature left out */
	bool clean;                 /* has_head, and nothing differs from
				     * it, those two included: the tree Nix
				     * evaluates is the commit's */
	struct gitrepo *repo;       /* the repository, kept open for more
				     * questions; NULL outside git */
};

/* Load dir's xpin.json (config: another path, or NULL), flake.lock and
 * git state. A pin that flake.lock does not have is an error. */
int project_open(struct project *p, const char *dir, const char *config,
		 struct xerr *err);
/* project_open in its two steps, so that work that needs no git can go
 * on while libgit2 starts: the files (p is released on failure), then
 * the git state (on failure, p is the caller's to release). */
int project_open_files(struct project *p, const char *dir,
		       const char *config, struct xerr *err);
int project_open_git(struct project *p, const char *dir, struct xerr *err);
void project_release(struct project *p);

/* Whether dir's HEAD, flake.lock and cleanliness (clean) are still what
 * p read: *same; -1 with err when they cannot be read. */
int project_unchanged(bool *same, const struct project *p, const char *dir,
		      struct xerr *err);

/* The targets named (all of them, in name order, when n is 0). Unknown
 * names are an error listing the known ones. *out is the caller's (free). */
int project_select(const struct config_target ***out, size_t *nout,
		   const struct project *p, char *const *names, size_t n,
		   struct xerr *err);

/* The ELF policy a target's triple and "expect" give. */
int project_policy(struct manifest_policy *out, const struct config_target *t,
		   struct xerr *err);

/*
 * Compare the pins a manifest recorded with p's flake.lock. *report gets
 * (for --json) an array of {input, ok, locked, current}; returns the
 * number of inputs that differ (first gets a one-line description of the
 * first), or -1.
 */
int project_check_pins(json_t **report, struct buf *first,
		       const struct project *p, const struct manifest *m,
		       struct xerr *err);

/* The whole manifest of a lock: p's state and inputs, the n targets built
 * (copied), and the records of old (the previous manifest, may be NULL)
 * of targets still in xpin.json but not built this time. */
int project_manifest(struct manifest *out, const struct project *p,
		     const struct manifest_target *const *built, size_t n,
		     const char *nix_version, const struct manifest *old,
		     struct xerr *err);

#endif
