/*
 * manifest: xpin.lock, the signed record of a release (xpin.lock(5)), as
 * typed records: the pinned inputs, and per target how it was built and
 * every artifact it gave. JSON appears only at the edges: manifest_parse
 * reads the text (checking every field's type), manifest_json gives the
 * canonical document (deterministic, no timestamps) that jtext_dump_file
 * writes. The one value kept as JSON inside is an ELF artifact's report,
 * the object `xpin elf --json` prints (elf_json): it is recorded and
 * compared whole, and its warnings are also held typed.
 *
 * Ownership: each struct owns its strings and arrays (the matching
 * _release); names are kept sorted bytewise, as the document sorts them.
 */
#ifndef XPIN_MANIFEST_H
#define XPIN_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elf.h"
#include "jtext.h"
#include "util.h"

#define MANIFEST_FORMAT 1

struct flakelock;

/* The policy applied to each ELF artifact of a target. */
struct manifest_policy {
	struct elf_policy elf;        /* its target and linkages are set
				       * from the next four */
	struct elf_target target;
	bool has_target;
	const char *const *linkage;   /* accepted linkages, NULL for any */
	size_t nlinkage;
};

struct manifest_strings {
	char **v;
	size_t n;
};
void manifest_strings_release(struct manifest_strings *s);
/* Add v unless s has it already. */
int manifest_strings_add(struct manifest_strings *s, const char *v);

struct manifest_warning {
	char *code, *message;
};

/* A regular file (symlink NULL) or a symbolic link. */
struct manifest_artifact {
	char *name;                   /* path inside the output; "." for
				       * an output that is itself a file */
	char *symlink;                /* the link's target */
	uint64_t size;
	char sha256[65];
	bool executable;
	char *elf_error;              /* began like ELF but did not parse */
	json_t *elf;                  /* the ELF report, or NULL */
	struct manifest_warning *warnings; /* the policy's, as in elf */
	size_t nwarnings;
};

struct manifest_artifacts {
	struct manifest_artifact *v;  /* sorted by name */
	size_t n;
};
void manifest_artifacts_release(struct manifest_artifacts *a);
const struct manifest_artifact *
manifest_artifact_find(const struct manifest_artifacts *a, const char *name);

/* A Nix output by name ("out", "dev") and its store path. */
struct manifest_output {
	char *name, *path;
};

/* What a command build varied (xpin.lock(5)). */
struct manifest_variation {
	char *build_dir, *tz, *lc_all, *umask;
	int64_t source_date_epoch;
};

/* One build of a nix target (xpin.lock(5), "builds"): where it ran and
 * whether it gave the first build's bytes. */
struct manifest_build {
	char *store;                  /* "local", or the other store's URI */
	char *nix;                    /* that store's Nix version, NULL for
				       * local (the manifest's nixVersion) */
	char *substituted;            /* the output came from this cache
				       * ("unknown" when Nix did not say),
				       * not a build; NULL: built there */
	char *nar_hash;               /* of the "out" output it gave */
	bool agrees;                  /* the first build's bytes, every
				       * output */
};

struct manifest_target {
	char *name;
	char *builder;                /* "nix" or "command" */
	char *attr, *command, *triple, *drv_path, *nar_hash; /* or NULL */
	bool reproducible;
	struct manifest_strings differs; /* between the two builds */
	struct manifest_output *outputs; /* sorted by name */
	size_t noutputs;
	bool has_outputs;             /* false: null (command builds) */
	struct manifest_variation *variations;
	size_t nvariations;
	bool has_variations;          /* false: null (nix builds) */
	struct manifest_build *builds; /* in order; none for command builds
				       * and manifests made before them */
	size_t nbuilds;
	struct manifest_artifacts artifacts;
	size_t nwarn;                 /* policy warnings over all artifacts */
};
void manifest_target_release(struct manifest_target *t);
/* Append a build record (strings copied, NULL allowed but for store). */
int manifest_add_build(struct manifest_target *t, const char *store,
		       const char *nix, const char *substituted,
		       const char *nar_hash, bool agrees);
/* A deep copy of src into out; -1 when out of memory. */
int manifest_target_copy(struct manifest_target *out,
			 const struct manifest_target *src);

/* A pinned input as flake.lock locks it, or the input it follows. */
struct manifest_input {
	char *path;
	char *follows;
	char *type, *source, *rev, *ref, *nar_hash;
	int64_t last_modified;        /* -1: none */
};
bool manifest_input_equal(const struct manifest_input *a,
			  const struct manifest_input *b);
/* The input's object as xpin.lock records it. */
json_t *manifest_input_json(const struct manifest_input *in);

struct manifest {
	char *commit;                 /* NULL outside git */
	bool dirty;
	char flake_lock_sha256[65];   /* "" when there is no flake.lock */
	struct manifest_input *inputs; /* sorted by path */
	size_t ninputs;
	char *nix_version;            /* NULL when nothing was built by Nix */
	struct manifest_target *targets; /* sorted by name */
	size_t ntargets;
};
#define MANIFEST_INIT { 0 }
void manifest_release(struct manifest *m);
const struct manifest_target *manifest_target_find(const struct manifest *m,
						   const char *name);
const struct manifest_input *manifest_input_find(const struct manifest *m,
						 const char *path);
/* Add (or replace) a target, which m takes over: *t is left empty. */
int manifest_put_target(struct manifest *m, struct manifest_target *t);

/*
 * Add what is at fspath to arts under key: a regular file, a symlink, or
 * a folder, whose files are added as key/rel (key "" adds them at the
 * top). fspath itself, and anything inside a folder, is never followed
 * when it is a link: a link is recorded by its target. *nwarn counts the
 * policy warnings raised.
 */
int manifest_add_path(struct manifest_artifacts *arts, const char *key,
		      const char *fspath, const struct manifest_policy *pol,
		      size_t *nwarn, struct xerr *err);

/*
 * manifest_add_path, and the NAR hash of fspath (`nix hash path`) into
 * nar_out from the same reads: each file is read once, for its sha256, its
 * part of the NAR and the ELF reader (whole up to 64 MiB; a larger one
 * is streamed, and the ELF reader reads what it needs of it again).
 */
int manifest_add_path_nar(struct manifest_artifacts *arts,
			  unsigned char nar_out[32], const char *key,
			  const char *fspath,
			  const struct manifest_policy *pol, size_t *nwarn,
			  struct xerr *err);

/* What manifest_add_inside returns when nothing is at the artifact's
 * path (err says so too; callers word their own message). */
#define MANIFEST_ABSENT (-2)

/*
 * Add the artifact rel (relative, no "", "." or ".." part) of the folder
 * root under key rel, as manifest_add_path does, reading nothing outside
 * root: every folder from root down to rel's last part must be a real
 * folder, and a symbolic link among them is refused (XPIN_USAGE), never
 * followed; the walk cannot be raced, each folder being opened from the
 * one before it. rel itself may be a link, recorded as one.
 */
int manifest_add_inside(struct manifest_artifacts *arts, const char *root,
			const char *rel, const struct manifest_policy *pol,
			size_t *nwarn, struct xerr *err);

/* Names of a and b whose artifacts differ, or are only in one, sorted,
 * added to out. contents_only compares what the files hold (sha256, a
 * link's target) and not their ELF facts. */
int manifest_diff(struct manifest_strings *out,
		  const struct manifest_artifacts *a,
		  const struct manifest_artifacts *b, bool contents_only);

/* The pinned inputs from flake.lock. -1 (XPIN_USAGE) when a pin is not
 * an input of the lock. */
int manifest_inputs(struct manifest_input **out, size_t *n,
		    const struct flakelock *lk, char *const *pins,
		    size_t npins, struct xerr *err);
void manifest_inputs_free(struct manifest_input *v, size_t n);

/* Parse xpin.lock's text (name is used in errors) into out. */
int manifest_parse(struct manifest *out, const char *text, size_t len,
		   const char *name, struct xerr *err);
int manifest_load(struct manifest *out, const char *path, struct xerr *err);

/* The canonical document, and one target's entry in it; NULL when out of
 * memory. */
json_t *manifest_json(const struct manifest *m);
json_t *manifest_target_json(const struct manifest_target *t);
/* Its "builds", a list (empty when none were recorded). */
json_t *manifest_builds_json(const struct manifest_target *t);

#endif
