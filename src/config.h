/*
 * config: xpin.json, the project's targets and policy (xpin.json(5)).
 *
 *   { "pins": ["nixpkgs", ...],
 *     "rebuild_on": ["ssh-ng://builder", ...],
 *     "targets": { NAME: { "attr": "packages.x86_64-linux.foo" | "command":
 *                          "make release", "artifacts": ["out/tool"],
 *                          "triple": "x86_64-unknown-linux-musl",
 *                          "timeout": 3600,
 *                          "expect": { "linkage": [...], "glibc_max": "2.17",
 *                                      "libc": ["musl", ...],
 *                                      "allow_nix_store": false,
 *                                      "allow_execstack": false } } } }
 *
 * Unknown keys are errors naming the key and its position. A struct
 * config owns everything in it (config_release).
 */
#ifndef XPIN_CONFIG_H
#define XPIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct config_target {
	char *name;
	char *attr;             /* a flake output attribute, or NULL */
	char *command;          /* a shell command, or NULL */
	char **artifacts;       /* command targets: files it leaves */
	size_t nartifacts;
	char *triple;           /* NULL when not given */
	char **linkage;         /* accepted linkages, NULL for any */
	size_t nlinkage;
	char *glibc_max;        /* NULL for no limit */
	char **libc;            /* accepted libcs ("glibc", "musl", "none"),
				 * NULL for the triple's rule */
	size_t nlibc;
	bool allow_nix_store;
	bool allow_execstack;
	unsigned timeout;       /* seconds per build */
};

struct config {
	char **pins;
	size_t npins;
	char **rebuild_on;      /* other stores that build each nix target
				 * once more in a lock (URIs) */
	size_t nrebuild_on;
	struct config_target *targets; /* sorted by name */
	size_t ntargets;
};
#define CONFIG_INIT { NULL, 0, NULL, 0, NULL, 0 }

#define CONFIG_DEFAULT_TIMEOUT 3600
#define CONFIG_NAME_MAX 100

/* A target name: 1 to CONFIG_NAME_MAX letters, digits, '.', '_', '-' and
 * '+', not starting with '.' or '-' (it names log files and folders). */
bool config_valid_target_name(const char *s);
/* An artifact: a relative path of plain parts (no "", "." or "..", no
 * control character). That no part is a symbolic link is for the reader
 * of the build's folder to check. */
bool config_valid_artifact(const char *s);

/* A Nix store URI for rebuild_on and --rebuild-on: SCHEME://REST, no
 * blank or control character, not starting with '-'. */
bool config_valid_store(const char *s);

/* Load and validate path (named as given in errors). */
int config_load(struct config *out, const char *path, struct xerr *err);
void config_release(struct config *c);
/* The target called name, or NULL. */
const struct config_target *config_find(const struct config *c,
					const char *name);

#endif
