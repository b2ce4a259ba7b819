/*
 * clipin: what `xpin pin` and `xpin pins --check` share. CLI layer only
 * (it reads the environment and the user's configuration, and runs Nix):
 *
 * - which local git mirror serves an input: --mirror INPUT=DIR first,
 *   then XPIN_MIRRORS (INPUT=DIR entries separated by ':'), then the
 *   mirrors file, $XDG_CONFIG_HOME/xpin/mirrors or ~/.config/xpin/mirrors
 *   (one INPUT=DIR a line, '#' comments); the first source that names an
 *   input wins for it;
 * - the locked facts of an input at a ref (rev, narHash, lastModified,
 *   revCount), computed from its mirror (pinfacts), or asked of Nix
 *   (nix_run).
 *
 * A struct clipin_mirrors owns its strings (clipin_mirrors_release).
 */
#ifndef XPIN_CLIPIN_H
#define XPIN_CLIPIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flakelock.h"
#include "jtext.h"
#include "nix.h"
#include "util.h"

struct clipin_mirror {
	char *input;    /* input path, as `xpin pins` lists it */
	char *dir;      /* the repository, as given (files: made absolute) */
	char *origin;   /* "--mirror", "XPIN_MIRRORS", or "FILE:LINE" */
	bool from_arg;  /* given on the command line */
};

struct clipin_mirrors {
	struct clipin_mirror *v;
	size_t n;
	int source;     /* internal: the source being added (precedence) */
	size_t first;   /* internal: index where that source starts */
};
#define CLIPIN_MIRRORS_INIT { NULL, 0, 0, 0 }

/* Add one --mirror INPUT=DIR; refuses a malformed one and an input named
 * twice. Call for every --mirror before clipin_mirrors_load. */
int clipin_mirrors_arg(struct clipin_mirrors *m, const char *arg,
		       struct xerr *err);
/* Add XPIN_MIRRORS, then the mirrors file, under what the command line
 * gave (an input already named keeps its mirror). A malformed entry, or an
 * input named twice in one source, fails naming where it is. */
int clipin_mirrors_load(struct clipin_mirrors *m, struct xerr *err);
/* The mirror of an input path, NULL when none. */
const struct clipin_mirror *clipin_mirror_for(const struct clipin_mirrors *m,
					      const char *input);
/* Every command-line mirror must name an input of lk (a typo would
 * otherwise be silently ignored). */
int clipin_mirrors_check(const struct clipin_mirrors *m,
			 const struct flakelock *lk, struct xerr *err);
void clipin_mirrors_release(struct clipin_mirrors *m);

/* "yes" or "no" for --export-ignore. */
int clipin_parse_export_ignore(bool *out, const char *s, struct xerr *err);

/*
 * Which rule hashes a git input from a mirror: --export-ignore when given,
 * else the rules of the Nix that will read the lock: --nix-rules VERSION,
 * else the installed Nix's (`nix --version`, asked once, only when a git
 * input first needs it). Forge inputs are archives under every rule.
 */
enum clipin_rule_from {
	CLIPIN_RULE_FORGE,   /* github, gitlab, sourcehut: always archives */
	CLIPIN_RULE_OPTION,  /* --export-ignore */
	CLIPIN_RULE_GIVEN,   /* --nix-rules */
	CLIPIN_RULE_NIX,     /* the installed Nix */
};

struct clipin_rules {
	int export_ignore;        /* --export-ignore: 1, 0, -1 when not given */
	bool known;               /* nix filled in (given, or asked) */
	bool asked;               /* nix is the installed Nix's */
	struct nix_rules nix;
};
#define CLIPIN_RULES_INIT { -1, false, false, { { 0, 0, 0 }, false, false, false, false, false } }

/* --export-ignore yes|no; --nix-rules VERSION. */
int clipin_rules_export_ignore(struct clipin_rules *r, const char *s,
			       struct xerr *err);
int clipin_rules_arg(struct clipin_rules *r, const char *version,
		     struct xerr *err);
/* The Nix rules in force, asking `nix --version` when none was given; a
 * Nix that cannot be run fails, naming --nix-rules. */
int clipin_rules_resolve(struct clipin_rules *r, struct xerr *err);

/* Have lk's pins print their url as the Nix that reads the lock does:
 * --nix-rules, else the installed Nix; with no Nix to ask, as the newest
 * Nix does (a listing or a report needs no Nix; what must know the
 * version asks again and fails there). */
void clipin_url_rules(struct flakelock *lk, struct clipin_rules *r);

enum clipin_how {
	CLIPIN_GIVEN,   /* on the command line */
	CLIPIN_MIRROR,  /* computed from a mirror */
	CLIPIN_NIX,     /* asked of Nix */
	CLIPIN_LOCK,    /* the lock's own: nothing to do */
};

struct clipin_facts {
	char rev[41];          /* what the lock records as "rev" */
	char commit[41];       /* the commit itself (differs from rev for a
				* git input locked by an annotated tag) */
	char nar_hash[52];
	int64_t last_modified;
	int64_t rev_count;     /* -1: the input records none */
	enum clipin_how how;
	bool export_ignore;    /* CLIPIN_MIRROR: the rule narHash used */
	enum clipin_rule_from rule_from; /* CLIPIN_MIRROR: who chose it */
	struct nix_version rule_nix;     /* CLIPIN_RULE_GIVEN, _NIX: whose */
	bool fetch_tree;       /* CLIPIN_NIX: builtins.fetchTree filled in
				* what `nix flake prefetch` did not say */
};

/* How f's rule was chosen, for a report: "Nix 2.26.3 rules",
 * "--export-ignore", "forge archive" (out: at least 64 bytes). */
void clipin_rule_describe(char *out, size_t n, const struct clipin_facts *f);
/* The same for --json: {"from": "forge"|"option"|"given"|"nix",
 * "nixVersion": "2.26.3" or null, "exportIgnore": bool}. */
json_t *clipin_rule_json(const struct clipin_facts *f);

/*
 * The facts of input pin (of lock lk) at ref, from the mirror dir:
 * resolves ref with libgit2 and hashes the tree as Nix would for the
 * input's type. For a git input whose locked ref is ref itself, rev is
 * what ref names before peeling (an annotated tag's own id), as Nix 2.8
 * records it. Refuses types and attributes a mirror cannot reproduce
 * (mercurial, submodules). A git input is hashed under rules (resolved
 * here when it has to be).
 */
int clipin_mirror_facts(struct clipin_facts *out, const struct flakelock *lk,
			const struct flakelock_pin *pin, const char *dir,
			const char *ref, struct clipin_rules *rules,
			struct xerr *err);
/* The same with the git rule given: archive semantics or the stored tree
 * (pins --check tries the other rule to explain a mismatch). */
int clipin_mirror_facts_as(struct clipin_facts *out, const struct flakelock *lk,
			   const struct flakelock_pin *pin, const char *dir,
			   const char *ref, bool git_archive, struct xerr *err);

/*
 * The facts of input pin at ref, asked of Nix: `nix flake prefetch
 * --json` on the input's flake reference at ref, and, when that does not
 * give the rev and lastModified (Nix 2.8 gives only the hash),
 * builtins.fetchTree on the same reference, whose narHash must agree.
 * Nix's messages go to log_fd (-1: kept, and the error line reported).
 */
int clipin_nix_facts(struct clipin_facts *out, const struct flakelock *lk,
		     const struct flakelock_pin *pin, const char *ref,
		     int log_fd, struct xerr *err);

/* Commits a move from `from` to `to` brings in (*ahead) and leaves out
 * (*behind), when the mirror has both; false when it cannot say. */
bool clipin_count(uint64_t *ahead, uint64_t *behind, const char *dir,
		  const char *from, const char *to);

#endif
