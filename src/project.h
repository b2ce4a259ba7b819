/*
 * project: what lock, verify and audit share: the project's xpin.json,
 * flake.lock (with its sha256) and HEAD commit, the targets asked for,
 * each target's policy, and the assembly of the manifest from build
 * results. A struct project owns what it holds (project_release).
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
	bool has_head, dirty;
};

/* Load dir's xpin.json (config: another path, or NULL), flake.lock and
 * git state. A pin that flake.lock does not have is an error. */
int project_open(struct project *p, const char *dir, const char *config,
		 struct xerr *err);
void project_release(struct project *p);

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
 * an array of {input, ok, locked, current}; returns the number of inputs
 * that differ (first gets a one-line description of the first), or -1.
 */
int project_check_pins(json_t **report, struct buf *first,
		       const struct project *p, const json_t *manifest,
		       struct xerr *err);

/* Artifacts of a rebuild that do not match the manifest's entry prev,
 * including those a rebuild changed although the store matched: a sorted
 * JSON array of names. */
json_t *project_compare(const struct build_result *r, const json_t *prev);

/* The manifest entry of one built target. */
json_t *project_target_json(const struct build_result *r);

/* The whole manifest. Targets not built this time are carried over from
 * old (the previous manifest, may be NULL). */
json_t *project_manifest(const struct project *p, const struct build_result *r,
			 size_t n, const char *nix_version, const json_t *old,
			 struct xerr *err);

#endif
