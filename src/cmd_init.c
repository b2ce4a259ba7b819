/* xpin init: draft xpin.json from the flake's packages for one system. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "commands.h"
#include "elf.h"
#include "flakelock.h"
#include "jtext.h"
#include "nix.h"

enum { O_FORCE = 1, O_SYSTEM };

static const struct opt_spec opts[] = {
	{ O_FORCE, 'f', "force", NULL, "overwrite an existing xpin.json" },
	{ O_SYSTEM, 0, "system", "SYSTEM",
	  "list the packages of SYSTEM (default: Nix's builtins.currentSystem)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_init_help = {
	"init", "[-f] [--system SYSTEM] [--json]",
	"draft xpin.json from the flake's packages and flake.lock's inputs",
	opts
};

/* Evaluating a real nixpkgs-based flake can take minutes; never forever. */
#define EVAL_TIMEOUT 1800

/* Run nix with args, its standard output into out (init's errors: nix
 * that cannot run is XPIN_BUILD, a failed evaluation XPIN_USAGE). */
static int nix_eval(struct buf *out, const char *const *args,
		    const char *what, struct xerr *err)
{
	struct nix_cmd c = { args, what, out, -1, EVAL_TIMEOUT, 0, "" };

	return nix_run(&c, err);
}

/* A Nix system name that can sit in an attribute path: "x86_64-linux". */
static bool valid_system(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64 || !strchr(s, '-') || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* The host as Nix would name it, from uname: "aarch64-darwin". */
static int uname_system(struct buf *out, struct xerr *err)
{
	struct utsname u;
	const char *arch;
	size_t i;

	if (uname(&u) < 0)
		return xerr_set(err, XPIN_USAGE, "uname: %s", strerror(errno));
	arch = u.machine;
	if (!strcmp(arch, "arm64"))
		arch = "aarch64";
	else if (!strcmp(arch, "amd64"))
		arch = "x86_64";
	else if (!strcmp(arch, "i386") || !strcmp(arch, "i486") ||
		 !strcmp(arch, "i586"))
		arch = "i686";
	out->len = 0;
	buf_printf(out, "%s-", arch);
	for (i = 0; u.sysname[i]; i++) {
		char c = (char)tolower((unsigned char)u.sysname[i]);
		buf_add(out, &c, 1);
	}
	buf_cstr(out);
	return 0;
}

/* Nix's builtins.currentSystem; uname's answer if Nix runs but cannot say. */
static int host_system(struct buf *out, struct xerr *err)
{
	const char *args[] = { "eval", "--raw", "--impure", "--expr",
			       "builtins.currentSystem", NULL };

	if (nix_eval(out, args, "nix eval builtins.currentSystem", err) == 0) {
		buf_cstr(out);
		if (valid_system(out->data))
			return 0;
	} else if (err->code == XPIN_BUILD) {
		return -1;
	}
	*err = (struct xerr)XERR_INIT;
	return uname_system(out, err);
}

/* Run nix eval --json with args: its answer, which must be an array of
 * strings. */
static json_t *eval_names(const char *const *args, const char *what,
			  struct xerr *err)
{
	struct nix_cmd c = { args, what, NULL, -1, EVAL_TIMEOUT, 0, "" };
	json_t *v = nix_run_json(&c, err);
	size_t i;

	if (!v)
		return NULL;
	if (!json_is_array(v))
		goto bad;
	for (i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i)))
			goto bad;
	return v;
bad:
	json_decref(v);
	xerr_set(err, XPIN_USAGE, "%s gave no list of names", what);
	return NULL;
}

/* A package name written into an attribute path: plain, or quoted. */
static bool plain_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_-'+", s[i]))
			return false;
	return i > 0;
}

static bool usable_name(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == '"' || s[i] == '\\' ||
		    s[i] == '$' || s[i] == 0x7f)
			return false;
	return i > 0;
}

/* What a package's name (and the system) suggest it is built for. */
struct guess {
	char triple[128];       /* "" when not guessed */
	bool is_static;         /* musl, or "static" in the name */
	bool from_package;      /* the package's own platform, not its name */
};

static void guess_target(struct guess *out, const char *name,
			 const char *system)
{
	/* First match wins: aarch64 before arm, x86_64 before anything. */
	static const struct {
		const char *word, *arch, *abi;
	} arches[] = {
		{ "aarch64", "aarch64", "" }, { "arm64", "aarch64", "" },
		{ "x86_64", "x86_64", "" }, { "x86-64", "x86_64", "" },
		{ "amd64", "x86_64", "" }, { "i686", "i686", "" },
		{ "i386", "i686", "" }, { "riscv64", "riscv64", "" },
		{ "armv7", "armv7l", "eabihf" }, { "armv6", "armv6l", "eabihf" },
		{ "powerpc64le", "powerpc64le", "" }, { "ppc64le", "powerpc64le", "" },
		{ "s390x", "s390x", "" }, { "loongarch64", "loongarch64", "" },
	};
	/* Names of binaries that are not Linux ELF files. */
	static const char *const foreign[] = { "darwin", "macos", "apple",
		"windows", "mingw", "wasm", "wasi", NULL };
	char low[256], sysarch[64];
	const char *arch = NULL, *abi = "", *dash = strchr(system, '-');
	struct elf_target et;
	struct xerr e2 = XERR_INIT;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; name[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	out->is_static = strstr(low, "musl") || strstr(low, "static");
	for (i = 0; foreign[i]; i++)
		if (strstr(low, foreign[i]))
			return;
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]) && !arch; i++)
		if (strstr(low, arches[i].word)) {
			arch = arches[i].arch;
			abi = arches[i].abi;
		}
	/* A package of a non-Linux system is native to it, unless its name
	 * says Linux. */
	if (dash && strcmp(dash + 1, "linux") && !strstr(low, "linux") &&
	    !strstr(low, "musl") && !strstr(low, "gnu"))
		return;
	if (!arch) {
		snprintf(sysarch, sizeof(sysarch), "%.*s",
			 dash ? (int)(dash - system) : (int)strlen(system), system);
		arch = sysarch;
		if (!strncmp(arch, "armv", 4))
			abi = "eabihf";
	}
	snprintf(out->triple, sizeof(out->triple), "%s-unknown-linux-%s%s", arch,
		 strstr(low, "musl") ? "musl" : "gnu", abi);
	if (elf_target_parse(&et, out->triple, &e2) < 0)
		out->triple[0] = '\0';
}

/*
 * What each package says it is built for, where it says: nixpkgs's
 * stdenv.hostPlatform.config ("aarch64-unknown-linux-musl") and isStatic,
 * as {NAME: {config, static} or null}. NULL (with a warning) when Nix
 * cannot tell; the names are then all there is to go on.
 */
static json_t *package_platforms(const char *ref, const struct gopts *g)
{
	const char *a[] = { "eval", "--json", ref, "--apply",
			    "builtins.mapAttrs (n: p: let "
			    "r = builtins.tryEval (p.stdenv.hostPlatform.config or null); "
			    "s = builtins.tryEval (p.stdenv.hostPlatform.isStatic or false); "
			    "in if r.success && builtins.isString r.value "
			    "then { config = r.value; static = s.success && s.value == true; } "
			    "else null)", NULL };
	struct nix_cmd c = { a, "nix eval of the packages' platforms", NULL, -1,
			     EVAL_TIMEOUT, 0, "" };
	struct xerr err = XERR_INIT;
	json_t *v = nix_run_json(&c, &err);

	if (v && json_is_object(v))
		return v;
	json_decref(v);
	cli_warn(g, "cannot read the packages' platforms (%s); guessing from their names",
		 err.msg[0] ? err.msg : "not an object");
	return NULL;
}

/* The triple the package itself gives, when it gives one xpin knows. */
static bool package_target(struct guess *out, const json_t *platforms,
			   const char *name)
{
	const json_t *p = json_object_get(platforms, name);
	const char *config = json_string_value(json_object_get(p, "config"));
	struct elf_target et;
	struct xerr e2 = XERR_INIT;

	if (!config)
		return false;
	memset(out, 0, sizeof(*out));
	out->from_package = true;
	/* xpin checks Linux ELF files: a darwin or windows package has none. */
	if (strlen(config) < sizeof(out->triple) && strstr(config, "-linux") &&
	    elf_target_parse(&et, config, &e2) == 0)
		snprintf(out->triple, sizeof(out->triple), "%s", config);
	out->is_static = json_is_true(json_object_get(p, "static")) ||
			 strstr(config, "musl");
	return true;
}

/* The draft: targets from the packages (their platform, else their
 * names), pins from flake.lock. from gets NAME: "package" or "name". */
static json_t *draft(const char *system, json_t *names, const char *skip,
		     const json_t *platforms, json_t *from, struct xerr *err)
{
	json_t *doc = json_object(), *targets = json_object(),
	       *pins = json_array(), *v;
	struct flakelock *lk = NULL;
	struct flakelock_pin *fp = NULL;
	size_t nfp = 0, i;
	struct stat st;

	json_object_set_new(doc, "targets", targets);
	json_object_set_new(doc, "pins", pins);
	json_array_foreach(names, i, v) {
		const char *name = json_string_value(v);
		struct guess gs;
		struct buf attr = BUF_INIT;
		json_t *t;

		if ((skip && !strcmp(name, skip)) || !usable_name(name))
			continue;
		if (!package_target(&gs, platforms, name))
			guess_target(&gs, name, system);
		json_object_set_new(from, name,
				    json_string(gs.from_package ? "package" : "name"));
		buf_printf(&attr, plain_name(name) ? "packages.%s.%s"
			   : "packages.%s.\"%s\"", system, name);
		t = json_pack("{s:s}", "attr", attr.data);
		buf_release(&attr);
		if (gs.triple[0])
			json_object_set_new(t, "triple", json_string(gs.triple));
		if (gs.is_static)
			json_object_set_new(t, "expect", json_pack("{s:[s,s]}",
					    "linkage", "static", "static-pie"));
		json_object_set_new(targets, name, t);
	}
	if (stat("flake.lock", &st) == 0) {
		lk = flakelock_open("flake.lock", err);
		if (!lk || flakelock_pins(&fp, &nfp, lk, err) < 0)
			goto fail;
		for (i = 0; i < nfp; i++)
			if (!strchr(fp[i].path, '/') && !fp[i].follows)
				json_array_append_new(pins, json_string(fp[i].path));
	}
	flakelock_pins_free(fp, nfp);
	flakelock_free(lk);
	return doc;
fail:
	flakelock_pins_free(fp, nfp);
	flakelock_free(lk);
	json_decref(doc);
	return NULL;
}

static void print_summary(const struct gopts *g, const json_t *doc,
			  const json_t *from, const char *system, const char *skip,
			  const char *alias, const char *const *unusable,
			  size_t nunusable)
{
	const json_t *targets = json_object_get(doc, "targets"),
		     *pins = json_object_get(doc, "pins"), *t, *v;
	const char *name;
	size_t i, n = json_object_size(targets);

	printf("wrote xpin.json: %zu target%s from packages.%s, pins: ", n,
	       n == 1 ? "" : "s", system);
	if (!json_array_size(pins))
		printf("none\n");
	json_array_foreach(pins, i, v)
		printf("%s%s", json_string_value(v),
		       i + 1 < json_array_size(pins) ? ", " : "\n");
	json_object_foreach((json_t *)targets, name, t) {
		const json_t *tr = json_object_get(t, "triple");
		bool pkg = !strcmp(json_string_value(json_object_get(from, name)),
				   "package");
		const char *ts = tr ? json_string_value(tr)
			       : pkg ? "(no triple: the package is not for Linux)"
				     : "(no triple: not named as a Linux binary)";

		printf("  %s%-30s%s %s", cli_c(g, "bold"), name,
		       cli_c(g, "reset"), ts);
		if (json_object_get(t, "expect"))
			printf("%*s static", (int)(28 - (strlen(ts) < 28 ? strlen(ts) : 28)), "");
		if (tr)
			printf("  (%s)", pkg ? "the package's platform" : "guessed from its name");
		printf("\n");
	}
	if (skip)
		printf("skipped '%s': the same package as '%s'\n", skip, alias);
	for (i = 0; i < nunusable; i++)
		printf("skipped '%s': a name xpin does not write into an attribute path\n",
		       unusable[i]);
	printf("review each \"triple\" and \"expect\" before 'xpin lock'\n");
}

struct init_args {
	struct buf system;
	bool force;
};

static int parse_args(struct init_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	int o;

	opt_init(&op, argc, argv, &cmd_init_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END) {
		switch (o) {
		case O_FORCE:
			a->force = true;
			break;
		case O_SYSTEM:
			if (!valid_system(val))
				return xerr_set(err, XPIN_USAGE,
						"'%s' is not a Nix system like x86_64-linux",
						val);
			a->system.len = 0;
			buf_puts(&a->system, val);
			buf_cstr(&a->system);
			break;
		case OPT_HELP:
			return OPT_HELP;
		case OPT_ARG:
			return xerr_set(err, XPIN_USAGE, "unexpected argument '%s'", val);
		default:
			return -1;
		}
	}
	return 0;
}

/* The flake's package names for system (ref: .#packages.SYSTEM). */
static json_t *package_names(const char *ref, const char *system,
			     struct xerr *err)
{
	const char *a[] = { "eval", "--json", ref, "--apply",
			    "builtins.attrNames", NULL };
	json_t *names;
	char what[128];

	snprintf(what, sizeof(what), "nix eval %.100s", ref);
	names = eval_names(a, what, err);
	if (names && !json_array_size(names)) {
		xerr_set(err, XPIN_USAGE, "the flake has no packages for %s", system);
		json_decref(names);
		names = NULL;
	}
	return names;
}

/* "default" is usually another package under a second name: *alias gets
 * that name (NULL when it is not). -1 only when Nix cannot build. */
static int default_alias(json_t **same, const char **alias, const char *ref,
			 const struct gopts *g, struct xerr *err)
{
	const char *a[] = { "eval", "--json", ref, "--apply",
			    "ps: let d = ps.default.drvPath or false; in "
			    "builtins.filter (n: n != \"default\" && "
			    "(let r = builtins.tryEval "
			    "((builtins.getAttr n ps).drvPath or null); "
			    "in r.success && r.value == d)) "
			    "(builtins.attrNames ps)", NULL };
	struct xerr e2 = XERR_INIT;
	int ret = 0;

	*alias = NULL;
	if (!(*same = eval_names(a, "nix eval of 'default'", &e2))) {
		if (e2.code == XPIN_BUILD) {
			*err = e2;
			ret = -1;
		} else {
			cli_warn(g, "cannot tell whether 'default' is another package (%s); keeping it",
				 e2.msg);
		}
	} else if (json_array_size(*same)) {
		*alias = json_string_value(json_array_get(*same, 0));
	}
	return ret;
}

/* Draft xpin.json from the packages of a->system, write it, report. */
static int init(struct init_args *a, const struct gopts *g, struct xerr *err)
{
	struct buf ref = BUF_INIT, text = BUF_INIT;
	json_t *names = NULL, *same = NULL, *doc = NULL, *plat = NULL,
	       *from = json_object(), *v;
	const char *alias = NULL, **unusable = NULL;
	size_t nunusable = 0, i;
	bool has_default = false;
	int ret = -1;

	buf_printf(&ref, ".#packages.%s", a->system.data);
	if (!(names = package_names(ref.data, a->system.data, err)))
		goto out;
	if (!(unusable = calloc(json_array_size(names), sizeof(*unusable)))) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	json_array_foreach(names, i, v) {
		has_default |= !strcmp(json_string_value(v), "default");
		if (!usable_name(json_string_value(v)))
			unusable[nunusable++] = json_string_value(v);
	}
	if (nunusable == json_array_size(names)) {
		xerr_set(err, XPIN_USAGE, "no package of %s has a name xpin can use",
			 a->system.data);
		goto out;
	}
	/* Skip an alias, so the same build is not locked twice. */
	if (has_default && json_array_size(names) - nunusable > 1 &&
	    default_alias(&same, &alias, ref.data, g, err) < 0)
		goto out;
	plat = package_platforms(ref.data, g);
	if (!(doc = draft(a->system.data, names, alias ? "default" : NULL, plat,
			  from, err)))
		goto out;
	if (jtext_dump_file(&text, doc) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (util_write_atomic("xpin.json", text.data, text.len, 0644, err) < 0)
		goto out;
	if (g->json)
		fwrite(text.data, 1, text.len, stdout);
	else if (!g->quiet)
		print_summary(g, doc, from, a->system.data, alias ? "default" : NULL,
			      alias, unusable, nunusable);
	ret = XPIN_OK;
out:
	free(unusable);
	json_decref(names);
	json_decref(same);
	json_decref(doc);
	json_decref(plat);
	json_decref(from);
	buf_release(&ref);
	buf_release(&text);
	return ret;
}

int cmd_init(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct init_args a = { .system = BUF_INIT };
	struct stat st;
	int rc = parse_args(&a, argc, argv, g, &err);

	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_init_help);
		rc = XPIN_OK;
		goto out;
	}
	/* Cheap refusals before asking Nix anything. */
	if (rc == 0 && lstat("xpin.json", &st) == 0 && !a.force)
		rc = xerr_set(&err, XPIN_USAGE, "xpin.json exists; use -f to overwrite it");
	if (rc == 0 && stat("flake.nix", &st) < 0)
		rc = xerr_set(&err, XPIN_USAGE,
			      "no flake.nix here; run it in the flake's folder (or use -C DIR)");
	if (rc == 0 && !a.system.len)
		rc = host_system(&a.system, &err);
	if (rc == 0)
		rc = init(&a, g, &err);
	if (rc < 0)
		rc = cli_error(g, &err);
out:
	buf_release(&a.system);
	return rc;
}
