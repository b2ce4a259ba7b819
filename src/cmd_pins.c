/* xpin pins: list every input of flake.lock; --check: prove the locked
 * narHashes against local mirrors. */
#include <stdlib.h>
#include <string.h>

#include "clipin.h"
#include "commands.h"
#include "flakelock.h"
#include "jtext.h"

enum { O_LOCK = 1, O_CHECK, O_MIRROR, O_EXPORT, O_RULES };

static const struct opt_spec opts[] = {
	{ O_LOCK, 0, "lock", "FILE", "the lock file (default flake.lock)" },
	{ O_CHECK, 0, "check", NULL, "recompute each narHash from its mirror and compare" },
	{ O_MIRROR, 'm', "mirror", "INPUT=DIR", "--check: a local git mirror of an input (repeatable)" },
	{ O_RULES, 0, "nix-rules", "VERSION", "print URLs as this Nix version does, and with --check hash git inputs as it does (default: the installed Nix's)" },
	{ O_EXPORT, 0, "export-ignore", "yes|no", "--check, git inputs: apply git archive's attributes or not, whatever the Nix version" },
	OPT_SPEC_END
};

const struct cmd_help cmd_pins_help = {
	"pins", "[--nix-rules VERSION] [--lock FILE] [--json]\n"
		"--check [--mirror INPUT=DIR]... [--nix-rules VERSION] [--export-ignore yes|no] [--lock FILE] [--json]",
	"list every input of flake.lock, or --check each narHash against a git mirror",
	opts
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *int_or_null(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *pin_json(const struct flakelock_pin *p)
{
	char date[32] = "";

	if (p->last_modified >= 0)
		util_date(date, p->last_modified);
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
			 "path", p->path,
			 "node", str_or_null(p->node),
			 "follows", str_or_null(p->follows),
			 "type", str_or_null(p->type),
			 "source", str_or_null(p->follows ? NULL : p->source),
			 "url", str_or_null(p->follows ? NULL : p->url),
			 "rev", str_or_null(p->rev),
			 "ref", str_or_null(p->ref),
			 "lastModified", int_or_null(p->last_modified),
			 "date", str_or_null(date[0] ? date : NULL),
			 "narHash", str_or_null(p->nar_hash),
			 "flake", p->follows ? true : p->flake,
			 "revCount", int_or_null(p->rev_count));
}

static void print_pin(const struct gopts *g, const struct flakelock_pin *p)
{
	char date[32];

	if (p->follows) {
		printf("%s%s%s follows %s\n", cli_c(g, "bold"), p->path,
		       cli_c(g, "reset"),
		       p->follows[0] ? p->follows : "the root flake");
		return;
	}
	printf("%s%s%s (%s%s)\n", cli_c(g, "bold"), p->path, cli_c(g, "reset"),
	       p->type ? p->type : "?", p->flake ? "" : ", not a flake");
	if (p->source && p->source[0])
		printf("  source        %s\n", p->source);
	if (p->url && p->url[0])
		printf("  url           %s\n", p->url);
	if (p->ref)
		printf("  ref           %s\n", p->ref);
	if (p->rev)
		printf("  rev           %s\n", p->rev);
	if (p->rev_count >= 0)
		printf("  revCount      %lld\n", (long long)p->rev_count);
	if (p->last_modified >= 0) {
		util_date(date, p->last_modified);
		printf("  lastModified  %s (%lld)\n", date,
		       (long long)p->last_modified);
	}
	if (p->nar_hash)
		printf("  narHash       %s\n", p->nar_hash);
}

enum check_status { CHECK_OK, CHECK_MISMATCH, CHECK_UNCHECKED };

struct check {
	const struct flakelock_pin *pin;
	enum check_status status;
	const char *reason;             /* CHECK_UNCHECKED: why */
	const char *mirror;
	struct clipin_facts facts;      /* computed, when checked */
	bool bad_nar, bad_time, bad_count;
	bool other_rule;                /* the lock's narHash is the git
					 * input's tree under the other
					 * rule (the other Nix versions') */
};

/* Why an input cannot be checked against a mirror, or NULL. */
static const char *uncheckable(const struct flakelock *lk,
			       const struct flakelock_pin *p)
{
	const char *t = p->type ? p->type : "";

	if (strcmp(t, "git") && strcmp(t, "github") && strcmp(t, "gitlab") &&
	    strcmp(t, "sourcehut"))
		return "not a git-backed input";
	if (!p->rev)
		return "no rev in the lock";
	if (!p->nar_hash)
		return "no narHash in the lock";
	if (!strcmp(t, "git") &&
	    flakelock_locked_bool(lk, p->node, "submodules") == 1)
		return "fetches submodules";
	return NULL;
}

static int check_one(struct check *c, const struct flakelock *lk,
		     const struct clipin_mirrors *mirrors, struct clipin_rules *rules,
		     struct xerr *err)
{
	const struct clipin_mirror *m = clipin_mirror_for(mirrors, c->pin->path);
	const struct flakelock_pin *p = c->pin;
	struct clipin_facts *f = &c->facts;

	c->status = CHECK_UNCHECKED;
	if (!m) {
		c->reason = "no mirror";
		return 0;
	}
	c->mirror = m->dir;
	if ((c->reason = uncheckable(lk, p)))
		return 0;
	if (clipin_mirror_facts(f, lk, p, m->dir, p->rev, rules, err) < 0)
		return -1;
	c->bad_nar = strcmp(f->nar_hash, p->nar_hash) != 0;
	c->bad_time = p->last_modified >= 0 &&
		      p->last_modified != f->last_modified;
	c->bad_count = p->rev_count >= 0 && f->rev_count >= 0 &&
		       p->rev_count != f->rev_count;
	c->status = c->bad_nar || c->bad_time || c->bad_count ? CHECK_MISMATCH
							      : CHECK_OK;
	/* A lock made by a Nix that hashes git inputs the other way (2.20
	 * and later do not apply git archive's attributes) is worth telling
	 * apart from a wrong one. */
	if (c->bad_nar && !strcmp(p->type, "git")) {
		struct clipin_facts other;

		if (clipin_mirror_facts_as(&other, lk, p, m->dir, p->rev,
					   !f->export_ignore, err) < 0)
			return -1;
		c->other_rule = !strcmp(other.nar_hash, p->nar_hash);
	}
	return 0;
}

static const char *status_name(enum check_status s)
{
	return s == CHECK_OK ? "ok" : s == CHECK_MISMATCH ? "mismatch"
							   : "unchecked";
}

static json_t *facts_json(const char *nar, int64_t lm, int64_t rc)
{
	return json_pack("{s:s, s:o, s:o}", "narHash", nar, "lastModified",
			 int_or_null(lm), "revCount", int_or_null(rc));
}

static json_t *check_json(const struct check *c)
{
	const struct flakelock_pin *p = c->pin;
	bool done = c->status != CHECK_UNCHECKED;
	json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:s}", "path", p->path,
			      "node", str_or_null(p->node), "type",
			      str_or_null(p->type), "rev", str_or_null(p->rev),
			      "status", status_name(c->status));
	json_t *bad = json_array();

	json_object_set_new(o, "reason", str_or_null(c->reason));
	json_object_set_new(o, "mirror", str_or_null(c->mirror));
	json_object_set_new(o, "exportIgnore",
			    done ? json_boolean(c->facts.export_ignore)
				 : json_null());
	json_object_set_new(o, "rule", done ? clipin_rule_json(&c->facts)
					    : json_null());
	json_object_set_new(o, "expected",
			    p->nar_hash ? facts_json(p->nar_hash, p->last_modified,
						     p->rev_count)
					: json_null());
	json_object_set_new(o, "computed",
			    done ? facts_json(c->facts.nar_hash,
					      c->facts.last_modified,
					      c->facts.rev_count)
				 : json_null());
	if (c->bad_nar)
		json_array_append_new(bad, json_string("narHash"));
	if (c->bad_time)
		json_array_append_new(bad, json_string("lastModified"));
	if (c->bad_count)
		json_array_append_new(bad, json_string("revCount"));
	json_object_set_new(o, "mismatched", bad);
	json_object_set_new(o, "otherRuleMatches", json_boolean(c->other_rule));
	return o;
}

static void print_check(const struct gopts *g, const struct check *c)
{
	const struct flakelock_pin *p = c->pin;
	const struct clipin_facts *f = &c->facts;
	const char *sep = "";
	char rule[96];

	clipin_rule_describe(rule, sizeof(rule), f);
	switch (c->status) {
	case CHECK_OK:
		printf("%sok%s         %s (mirror %s, export-ignore %s; %s)\n",
		       cli_c(g, "green"), cli_c(g, "reset"), p->path, c->mirror,
		       f->export_ignore ? "applied" : "not applied", rule);
		return;
	case CHECK_UNCHECKED:
		printf("%sunchecked%s  %s (%s)\n", cli_c(g, "yellow"),
		       cli_c(g, "reset"), p->path, c->reason);
		return;
	case CHECK_MISMATCH:
		break;
	}
	printf("%smismatch%s   %s:", cli_c(g, "red"), cli_c(g, "reset"), p->path);
	if (c->bad_nar) {
		printf(" narHash %s in the lock, %s computed", p->nar_hash,
		       f->nar_hash);
		sep = ";";
	}
	if (c->bad_time) {
		printf("%s lastModified %lld in the lock, %lld computed", sep,
		       (long long)p->last_modified, (long long)f->last_modified);
		sep = ";";
	}
	if (c->bad_count)
		printf("%s revCount %lld in the lock, %lld computed", sep,
		       (long long)p->rev_count, (long long)f->rev_count);
	printf(" (mirror %s, export-ignore %s; %s)\n", c->mirror,
	       f->export_ignore ? "applied" : "not applied", rule);
	if (c->other_rule)
		printf("           the lock's narHash is the tree with export-ignore %s, as Nix %s hashes git inputs: try --nix-rules %s\n",
		       f->export_ignore ? "not applied" : "applied",
		       f->export_ignore ? "2.20 and later" : "before 2.20",
		       f->export_ignore ? "2.26" : "2.8");
}

/* --check: every input with a mirror, recomputed; exit 1 on a mismatch. */
static int check(const struct gopts *g, const struct flakelock *lk,
		 const struct flakelock_pin *pins, size_t n,
		 const struct clipin_mirrors *mirrors, struct clipin_rules *rules)
{
	struct xerr err = XERR_INIT;
	struct check *cs = calloc(n ? n : 1, sizeof(*cs));
	struct buf bad = BUF_INIT;
	size_t i, nc = 0, counts[3] = { 0, 0, 0 };
	int rc = XPIN_OK;

	if (!cs) {
		xerr_set(&err, XPIN_USAGE, "out of memory");
		return cli_error(g, &err);
	}
	for (i = 0; i < n; i++) {
		if (pins[i].follows)
			continue;
		cs[nc].pin = &pins[i];
		if (check_one(&cs[nc], lk, mirrors, rules, &err) < 0) {
			rc = cli_error(g, &err);
			goto out;
		}
		counts[cs[nc].status]++;
		if (cs[nc].status == CHECK_MISMATCH)
			buf_printf(&bad, "%s%s", bad.len ? ", " : "",
				   pins[i].path);
		nc++;
	}
	if (g->json) {
		json_t *arr = json_array(), *doc;
		struct buf b = BUF_INIT;

		for (i = 0; i < nc; i++)
			json_array_append_new(arr, check_json(&cs[i]));
		doc = json_pack("{s:o, s:I, s:I, s:I}", "inputs", arr, "ok",
				(json_int_t)counts[CHECK_OK], "mismatch",
				(json_int_t)counts[CHECK_MISMATCH], "unchecked",
				(json_int_t)counts[CHECK_UNCHECKED]);
		jtext_dump_file(&b, doc);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
		json_decref(doc);
	} else if (!g->quiet) {
		for (i = 0; i < nc; i++)
			print_check(g, &cs[i]);
		printf("%zu ok, %zu mismatch%s, %zu unchecked\n",
		       counts[CHECK_OK], counts[CHECK_MISMATCH],
		       counts[CHECK_MISMATCH] == 1 ? "" : "es",
		       counts[CHECK_UNCHECKED]);
	}
	if (counts[CHECK_MISMATCH]) {
		xerr_set(&err, XPIN_CHECK_FAILED,
			 "%s does not match %s mirror: %s",
			 counts[CHECK_MISMATCH] == 1 ? "an input" : "inputs",
			 counts[CHECK_MISMATCH] == 1 ? "its" : "their",
			 buf_cstr(&bad));
		rc = cli_error(g, &err);
	}
out:
	buf_release(&bad);
	free(cs);
	return rc;
}

struct pins_args {
	const char *lock;
	struct clipin_mirrors mirrors;
	struct clipin_rules rules;
	bool check;
};

static int parse_opt(struct pins_args *a, int o, const char *val,
		     struct xerr *err)
{
	switch (o) {
	case O_LOCK:
		a->lock = val;
		return 0;
	case O_CHECK:
		a->check = true;
		return 0;
	case O_MIRROR:
		return clipin_mirrors_arg(&a->mirrors, val, err);
	case O_EXPORT:
		return clipin_rules_export_ignore(&a->rules, val, err);
	case O_RULES:
		return clipin_rules_arg(&a->rules, val, err);
	case OPT_ARG:
		return xerr_set(err, XPIN_USAGE,
				"unexpected argument '%s' (see 'xpin pins --help')",
				val);
	}
	return -1;
}

static int parse_args(struct pins_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	bool check_opts = false;
	int o;

	opt_init(&op, argc, argv, &cmd_pins_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END) {
		if (o == OPT_HELP)
			return OPT_HELP;
		if (parse_opt(a, o, val, err) < 0)
			return -1;
		check_opts |= o == O_MIRROR || o == O_EXPORT;
	}
	if (check_opts && !a->check)
		return xerr_set(err, XPIN_USAGE,
				"--mirror and --export-ignore go with --check");
	return 0;
}

static void list(const struct gopts *g, const struct flakelock_pin *pins,
		 size_t n)
{
	size_t i;

	if (g->json) {
		json_t *arr = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(arr, pin_json(&pins[i]));
		cli_print_json(arr);
		json_decref(arr);
		return;
	}
	for (i = 0; i < n; i++)
		print_pin(g, &pins[i]);
	if (n == 0 && !g->quiet)
		printf("no inputs\n");
}

static int pins(struct pins_args *a, const struct gopts *g, struct xerr *err)
{
	struct flakelock *lk = NULL;
	struct flakelock_pin *pv = NULL;
	size_t n = 0;
	int ret = -1;

	if (a->check && clipin_mirrors_load(&a->mirrors, err) < 0)
		goto out;
	lk = flakelock_open(a->lock, err);
	if (lk)
		clipin_url_rules(lk, &a->rules);
	if (!lk || flakelock_pins(&pv, &n, lk, err) < 0 ||
	    clipin_mirrors_check(&a->mirrors, lk, err) < 0)
		goto out;
	if (a->check) {
		ret = check(g, lk, pv, n, &a->mirrors, &a->rules);
	} else {
		list(g, pv, n);
		ret = XPIN_OK;
	}
out:
	flakelock_pins_free(pv, n);
	flakelock_free(lk);
	return ret;
}

int cmd_pins(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct pins_args a = { .lock = "flake.lock",
			       .mirrors = CLIPIN_MIRRORS_INIT,
			       .rules = CLIPIN_RULES_INIT };
	int rc = parse_args(&a, argc, argv, g, &err);

	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_pins_help);
		rc = XPIN_OK;
	} else if (rc == 0) {
		rc = pins(&a, g, &err);
	}
	if (rc < 0)
		rc = cli_error(g, &err);
	clipin_mirrors_release(&a.mirrors);
	return rc;
}
