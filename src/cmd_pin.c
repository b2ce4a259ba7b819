/* xpin pin: re-pin flake.lock inputs to a revision. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clipin.h"
#include "commands.h"
#include "flakelock.h"
#include "jtext.h"

enum { O_LOCK = 1, O_NAR, O_LASTMOD, O_REVCOUNT, O_DRY, O_MIRROR, O_EXPORT,
       O_RULES };

static const struct opt_spec opts[] = {
	{ O_MIRROR, 'm', "mirror", "INPUT=DIR", "compute the facts from a local git mirror (repeatable; before XPIN_MIRRORS and ~/.config/xpin/mirrors)" },
	{ O_RULES, 0, "nix-rules", "VERSION", "hash git inputs, and print URLs, as this Nix version does (default: the installed Nix's)" },
	{ O_EXPORT, 0, "export-ignore", "yes|no", "git inputs: apply git archive's attributes or not, whatever the Nix version" },
	{ O_NAR, 0, "nar-hash", "HASH", "the new narHash (sha256-...)" },
	{ O_LASTMOD, 0, "last-modified", "T", "the new lastModified (unix time)" },
	{ O_REVCOUNT, 0, "rev-count", "N", "the new revCount (git inputs)" },
	{ O_DRY, 'n', "dry-run", NULL, "print the change, write nothing" },
	{ O_LOCK, 0, "lock", "FILE", "the lock file (default flake.lock)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_pin_help = {
	"pin", "INPUT=REF... [--mirror INPUT=DIR]... [--nix-rules VERSION] [--export-ignore yes|no] [--dry-run]\n"
	       "INPUT=REV [--nar-hash HASH] [--last-modified T] [--rev-count N] [--dry-run]",
	"re-pin flake.lock inputs, named by input path, to a revision, branch or tag",
	opts
};

static int parse_count(int64_t *out, const char *s, const char *what,
		       struct xerr *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0 || !isdigit((unsigned char)*s))
		return xerr_set(err, XPIN_USAGE,
				"%s '%s' must be a non-negative integer", what, s);
	*out = v;
	return 0;
}

struct change {
	struct flakelock_pin old, new;
	const char *ref;                 /* as given (points into argv) */
	struct clipin_facts facts;
	const char *mirror;              /* CLIPIN_MIRROR: the folder */
	bool counted;                    /* ahead/behind known */
	uint64_t ahead, behind;
};

static json_t *int_or_null(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *side_json(const struct flakelock_pin *p)
{
	char date[32] = "";

	if (p->last_modified >= 0)
		util_date(date, p->last_modified);
	return json_pack("{s:s?, s:s?, s:s?, s:o, s:s?, s:o}", "rev", p->rev,
			 "url", p->url, "narHash", p->nar_hash, "lastModified",
			 int_or_null(p->last_modified), "date",
			 date[0] ? date : NULL, "revCount",
			 int_or_null(p->rev_count));
}

static bool changed(const struct change *c)
{
	return !util_str_eq(c->old.url, c->new.url) ||
	       !util_str_eq(c->old.nar_hash, c->new.nar_hash) ||
	       c->old.last_modified != c->new.last_modified ||
	       c->old.rev_count != c->new.rev_count;
}

static const char *how_name(enum clipin_how h)
{
	switch (h) {
	case CLIPIN_GIVEN:
		return "given";
	case CLIPIN_MIRROR:
		return "mirror";
	case CLIPIN_NIX:
		return "nix";
	case CLIPIN_LOCK:
		break;
	}
	return "lock";
}

static json_t *change_json(const struct change *c)
{
	const struct clipin_facts *f = &c->facts;
	json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:s}", "path",
			      c->old.path, "node", c->old.node, "ref", c->ref,
			      "old", side_json(&c->old), "new",
			      side_json(&c->new), "changed", changed(c),
			      "facts", how_name(f->how));

	json_object_set_new(o, "mirror", c->mirror ? json_string(c->mirror)
						   : json_null());
	json_object_set_new(o, "exportIgnore", f->how == CLIPIN_MIRROR
						       ? json_boolean(f->export_ignore)
						       : json_null());
	json_object_set_new(o, "rule", f->how == CLIPIN_MIRROR
				       ? clipin_rule_json(f) : json_null());
	json_object_set_new(o, "commitsAhead",
			    c->counted ? json_integer((json_int_t)c->ahead)
				       : json_null());
	json_object_set_new(o, "commitsBehind",
			    c->counted ? json_integer((json_int_t)c->behind)
				       : json_null());
	return o;
}

/* "153 commits ahead", "1 commit behind", "3 commits ahead, 2 behind". */
static void distance(char *out, size_t n, const struct change *c)
{
	out[0] = '\0';
	if (!c->counted || (!c->ahead && !c->behind))
		return;
	if (c->ahead && c->behind)
		snprintf(out, n, ", %llu commit%s ahead, %llu behind",
			 (unsigned long long)c->ahead, c->ahead == 1 ? "" : "s",
			 (unsigned long long)c->behind);
	else
		snprintf(out, n, ", %llu commit%s %s",
			 (unsigned long long)(c->ahead ? c->ahead : c->behind),
			 (c->ahead ? c->ahead : c->behind) == 1 ? "" : "s",
			 c->ahead ? "ahead" : "behind");
}

static void print_facts(const struct change *c)
{
	const struct clipin_facts *f = &c->facts;
	char rule[96];

	switch (f->how) {
	case CLIPIN_MIRROR:
		clipin_rule_describe(rule, sizeof(rule), f);
		printf("    facts from mirror %s, export-ignore %s (%s)\n", c->mirror,
		       f->export_ignore ? "applied" : "not applied", rule);
		break;
	case CLIPIN_NIX:
		printf("    facts from nix flake prefetch%s\n",
		       f->fetch_tree ? " and builtins.fetchTree" : "");
		break;
	case CLIPIN_GIVEN:
		printf("    facts given\n");
		break;
	case CLIPIN_LOCK:
		break;
	}
}

static void report(const struct gopts *g, const struct change *c, size_t n,
		   bool dry, bool written)
{
	char d1[32], d2[32], dist[96];
	size_t i;

	if (g->json) {
		json_t *arr = json_array(), *doc;

		for (i = 0; i < n; i++)
			json_array_append_new(arr, change_json(&c[i]));
		doc = json_pack("{s:o, s:b, s:b}", "inputs", arr, "dryRun", dry,
				"written", written);
		cli_print_json(doc);
		json_decref(doc);
		return;
	}
	if (g->quiet)
		return;
	for (i = 0; i < n; i++) {
		const struct flakelock_pin *o = &c[i].old, *w = &c[i].new;

		if (!changed(&c[i])) {
			printf("• Input '%s' is already at '%s'\n", o->path, o->url);
			print_facts(&c[i]);
			continue;
		}
		strcpy(d1, "?");
		strcpy(d2, "?");
		if (o->last_modified >= 0)
			util_date(d1, o->last_modified);
		if (w->last_modified >= 0)
			util_date(d2, w->last_modified);
		distance(dist, sizeof(dist), &c[i]);
		printf("• Updated input '%s':\n    '%s' (%s)\n  → '%s' (%s%s)\n",
		       o->path, o->url, d1, w->url, d2, dist);
		print_facts(&c[i]);
	}
	if (dry)
		printf("(dry run: flake.lock not written)\n");
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The new locked facts of one input, by the first way that applies:
 * given on the command line, its mirror, the lock itself (a full rev it
 * already has), Nix. */
static int get_facts(struct change *c, struct flakelock_update *u,
		     const struct flakelock *lk, const struct flakelock_update *given,
		     const struct clipin_mirrors *mirrors, struct clipin_rules *rules,
		     char *ref, const struct gopts *g, struct xerr *err)
{
	const struct clipin_mirror *m = clipin_mirror_for(mirrors, c->old.path);
	struct clipin_facts *f = &c->facts;

	*u = *given;
	if (given->nar_hash || given->last_modified >= 0 ||
	    given->rev_count >= 0) {
		/* As before mirrors: the rev is written as given, lower case. */
		lower(ref);
		u->rev = ref;
		f->how = CLIPIN_GIVEN;
		return 0;
	}
	if (strlen(ref) == 40 && util_is_hex(ref, 40))
		lower(ref);
	if (m) {
		if (clipin_mirror_facts(f, lk, &c->old, m->dir, ref, rules,
					err) < 0)
			return -1;
		c->mirror = m->dir;
		if (c->old.rev)
			c->counted = clipin_count(&c->ahead, &c->behind, m->dir,
						  c->old.rev, f->commit);
	} else if (c->old.rev && !strcmp(ref, c->old.rev)) {
		u->rev = ref;
		f->how = CLIPIN_LOCK;
		return 0;
	} else if (clipin_nix_facts(f, lk, &c->old, ref, g->verbose ? 2 : -1,
				    err) < 0) {
		return -1;
	}
	u->rev = f->rev;
	u->nar_hash = f->nar_hash;
	u->last_modified = f->last_modified;
	u->rev_count = f->rev_count;
	return 0;
}

struct pin_args {
	const char *lock;
	struct flakelock_update fields;  /* given on the command line */
	struct clipin_mirrors mirrors;
	struct clipin_rules rules;
	bool dry;
	char **pairs;                    /* INPUT=REF, in argv */
	size_t npairs;
};

static int parse_opt(struct pin_args *a, int o, const char *val,
		     struct xerr *err)
{
	switch (o) {
	case O_LOCK:
		a->lock = val;
		return 0;
	case O_NAR:
		a->fields.nar_hash = val;
		return 0;
	case O_LASTMOD:
		return parse_count(&a->fields.last_modified, val,
				   "--last-modified", err);
	case O_REVCOUNT:
		return parse_count(&a->fields.rev_count, val, "--rev-count", err);
	case O_DRY:
		a->dry = true;
		return 0;
	case O_MIRROR:
		return clipin_mirrors_arg(&a->mirrors, val, err);
	case O_EXPORT:
		return clipin_rules_export_ignore(&a->rules, val, err);
	case O_RULES:
		return clipin_rules_arg(&a->rules, val, err);
	case OPT_ARG:
		a->pairs[a->npairs++] = (char *)val;
		return 0;
	}
	return -1;
}

static int parse_args(struct pin_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	int o;

	opt_init(&op, argc, argv, &cmd_pin_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END)
		if (o == OPT_HELP || parse_opt(a, o, val, err) < 0)
			return o == OPT_HELP ? OPT_HELP : -1;
	if (a->npairs == 0)
		return xerr_set(err, XPIN_USAGE,
				"name an input to pin, as INPUT=REF (see 'xpin pin --help')");
	if (a->npairs > 1 && (a->fields.nar_hash || a->fields.last_modified >= 0 ||
			      a->fields.rev_count >= 0))
		return xerr_set(err, XPIN_USAGE,
				"--nar-hash, --last-modified and --rev-count apply to one input; pin one at a time");
	return 0;
}

/* Pin every INPUT=REF in lk; changes[] gets one entry per input tried. */
static int pin_all(struct change *changes, size_t *nchanges,
		   struct flakelock *lk, struct pin_args *a,
		   const struct gopts *g, struct xerr *err)
{
	size_t i;

	for (i = 0; i < a->npairs; i++) {
		struct flakelock_update u;
		struct change *c = &changes[*nchanges];
		char *eq = strchr(a->pairs[i], '=');

		if (!eq || eq == a->pairs[i] || !eq[1])
			return xerr_set(err, XPIN_USAGE,
					"'%s' is not INPUT=REF (for example nixpkgs=<40 hex digits> or nixpkgs=nixos-unstable)",
					a->pairs[i]);
		*eq = '\0';
		c->ref = eq + 1;
		if (flakelock_pinnable(&c->old, lk, a->pairs[i], err) < 0)
			return -1;
		(*nchanges)++;
		if (get_facts(c, &u, lk, &a->fields, &a->mirrors, &a->rules,
			      eq + 1, g, err) < 0 ||
		    flakelock_set(lk, a->pairs[i], &u, err) < 0 ||
		    flakelock_find(&c->new, lk, a->pairs[i], err) < 0)
			return -1;
	}
	return 0;
}

/* Open the lock, pin, write it when it changed, report. */
static int pin(struct pin_args *a, const struct gopts *g, struct xerr *err)
{
	struct flakelock *lk = NULL;
	struct change *changes = NULL;
	struct buf out = BUF_INIT, orig = BUF_INIT;
	size_t nchanges = 0, i;
	bool written = false;
	int ret = -1;

	if (clipin_mirrors_load(&a->mirrors, err) < 0)
		goto out;
	lk = flakelock_open(a->lock, err);
	if (!lk || clipin_mirrors_check(&a->mirrors, lk, err) < 0)
		goto out;
	clipin_url_rules(lk, &a->rules);
	changes = calloc(a->npairs, sizeof(*changes));
	if (!changes) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (flakelock_serialize(&orig, lk, err) < 0 ||
	    pin_all(changes, &nchanges, lk, a, g, err) < 0 ||
	    flakelock_serialize(&out, lk, err) < 0)
		goto out;
	if (!a->dry && (out.len != orig.len || memcmp(out.data, orig.data, out.len))) {
		if (util_write_atomic(a->lock, out.data, out.len, 0644, err) < 0)
			goto out;
		written = true;
	}
	report(g, changes, nchanges, a->dry, written);
	ret = XPIN_OK;
out:
	for (i = 0; i < nchanges; i++) {
		flakelock_pin_release(&changes[i].old);
		flakelock_pin_release(&changes[i].new);
	}
	free(changes);
	buf_release(&out);
	buf_release(&orig);
	flakelock_free(lk);
	return ret;
}

int cmd_pin(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct pin_args a = { .lock = "flake.lock",
			      .fields = FLAKELOCK_UPDATE_INIT,
			      .mirrors = CLIPIN_MIRRORS_INIT,
			      .rules = CLIPIN_RULES_INIT };
	int rc;

	a.pairs = calloc((size_t)argc + 1, sizeof(*a.pairs));
	rc = a.pairs ? parse_args(&a, argc, argv, g, &err)
		     : xerr_set(&err, XPIN_USAGE, "out of memory");
	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_pin_help);
		rc = XPIN_OK;
	} else if (rc == 0) {
		rc = pin(&a, g, &err);
	}
	if (rc < 0)
		rc = cli_error(g, &err);
	free(a.pairs);
	clipin_mirrors_release(&a.mirrors);
	return rc;
}
