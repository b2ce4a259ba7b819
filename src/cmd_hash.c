/* xpin hash: sha256 of files (sha256sum format), or the NAR hash of a
 * path or of a commit's tree (what `nix hash path` prints). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "clipin.h"
#include "gitrepo.h"
#include "hash.h"
#include "jtext.h"
#include "nar.h"

enum { O_NAR = 1, O_GIT, O_REV, O_EXPORT_IGNORE, O_SRI, O_BASE32, O_BASE16 };

static const struct opt_spec opts[] = {
	{ O_NAR, 0, "nar", NULL, "NAR hash of each PATH, as 'nix hash path'" },
	{ O_GIT, 0, "git", "REPO", "with --nar: hash a commit's tree from REPO" },
	{ O_REV, 0, "rev", "REV", "with --git: commit, branch or tag (default HEAD)" },
	{ O_EXPORT_IGNORE, 0, "export-ignore", "yes|no",
	  "with --git: the tree as git archive writes it (default yes)" },
	{ O_SRI, 0, "sri", NULL, "print sha256-<base64> (the default)" },
	{ O_BASE32, 0, "base32", NULL, "print Nix's base32" },
	{ O_BASE16, 0, "base16", NULL, "print hex" },
	OPT_SPEC_END
};

const struct cmd_help cmd_hash_help = {
	"hash",
	"[FILE...]\n"
	"--nar [--base32|--base16] PATH...\n"
	"--nar --git REPO [--rev REV] [--export-ignore=yes|no] [--base32|--base16]",
	"print the sha256 of files, or the NAR hash of a path or a git tree",
	opts,
};

/* sha256sum's escaping: a name with '\\', '\n' or '\r' gets a leading
 * backslash on the line and those characters escaped. */
static void print_sum_line(const char *hex, const char *name)
{
	const char *p;

	if (strpbrk(name, "\\\n\r"))
		putchar('\\');
	printf("%s  ", hex);
	for (p = name; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", stdout);
		else if (*p == '\n')
			fputs("\\n", stdout);
		else if (*p == '\r')
			fputs("\\r", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

/* Print v and drop it: 0, or XPIN_USAGE when out of memory. */
static int print_json(json_t *v)
{
	int ret = v ? cli_print_json(v) : -1;

	if (!v)
		fprintf(stderr, "xpin: out of memory\n");
	json_decref(v);
	return ret < 0 ? XPIN_USAGE : 0;
}

static int hash_files(const struct gopts *g, const char **files, int n)
{
	static const char *stdin_only[] = { "-" };
	json_t *arr = g->json ? json_array() : NULL;
	struct xerr err = XERR_INIT;
	int i;

	if (n == 0) {
		files = stdin_only;
		n = 1;
	}
	for (i = 0; i < n; i++) {
		const char *f = files[i], *path = strcmp(f, "-") ? f : "/dev/stdin";
		unsigned char d[32];
		char hex[65];
		struct stat st;

		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			xerr_set(&err, XPIN_USAGE,
				 "'%s' is a folder (use --nar for its NAR hash)", f);
			json_decref(arr);
			return cli_error(g, &err);
		}
		if (hash_sha256_file(d, path, &err) < 0) {
			json_decref(arr);
			return cli_error(g, &err);
		}
		hash_hex(hex, d, 32);
		if (arr)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "path",
							     f, "sha256", hex));
		else
			print_sum_line(hex, f);
	}
	return arr ? print_json(arr) : 0;
}

static json_t *hash_object(const unsigned char d[32])
{
	char sri[NAR_FMT_MAX], b32[NAR_FMT_MAX], b16[NAR_FMT_MAX];

	nar_format(sri, d, NAR_SRI);
	nar_format(b32, d, NAR_BASE32);
	nar_format(b16, d, NAR_BASE16);
	return json_pack("{s:s, s:s, s:s}", "narHash", sri, "base32", b32,
			 "base16", b16);
}

static int hash_paths(const struct gopts *g, const char **paths, int n,
		      enum nar_fmt fmt)
{
	json_t *arr = g->json ? json_array() : NULL;
	struct xerr err = XERR_INIT;
	int i;

	for (i = 0; i < n; i++) {
		unsigned char d[32];
		char s[NAR_FMT_MAX];

		if (nar_hash_path(d, paths[i], &err) < 0) {
			json_decref(arr);
			return cli_error(g, &err);
		}
		if (arr) {
			json_t *o = hash_object(d);

			json_object_set_new(o, "path", json_string(paths[i]));
			json_array_append_new(arr, o);
		} else {
			nar_format(s, d, fmt);
			printf("%s\n", s);
		}
	}
	return arr ? print_json(arr) : 0;
}

static int hash_git(const struct gopts *g, const char *repo, const char *rev,
		    bool export_ignore, enum nar_fmt fmt)
{
	unsigned flags = export_ignore ? GITREPO_EXPORT_IGNORE : 0;
	struct xerr err = XERR_INIT;
	struct gitrepo_commit c;
	struct gitrepo *r;
	unsigned char d[32];
	char s[NAR_FMT_MAX];
	uint64_t count = 0;
	int ret = 0;

	r = gitrepo_open(repo, &err);
	if (!r)
		return cli_error(g, &err);
	if (gitrepo_commit_info(&c, r, rev, &err) < 0 ||
	    gitrepo_nar_hash(d, r, c.rev, flags, &err) < 0 ||
	    (g->json && !gitrepo_is_shallow(r) &&
	     gitrepo_rev_count(&count, r, c.rev, &err) < 0)) {
		ret = cli_error(g, &err);
		goto out;
	}
	if (g->json) {
		json_t *o = hash_object(d);

		json_object_set_new(o, "repo", json_string(repo));
		json_object_set_new(o, "ref", json_string(rev));
		json_object_set_new(o, "rev", json_string(c.rev));
		json_object_set_new(o, "lastModified", json_integer(c.time));
		json_object_set_new(o, "exportIgnore", json_boolean(export_ignore));
		if (!gitrepo_is_shallow(r))
			json_object_set_new(o, "revCount",
					    json_integer((json_int_t)count));
		ret = print_json(o);
	} else {
		nar_format(s, d, fmt);
		printf("%s\n", s);
	}
out:
	gitrepo_free(r);
	return ret;
}

struct hash_args {
	const char *repo, *rev, **args;
	int nargs;
	enum nar_fmt fmt;
	bool nar, export_ignore, fmt_set, ei_set;
};

static int parse_args(struct hash_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser p;
	const char *val;
	int id;

	opt_init(&p, argc, argv, &cmd_hash_help, g);
	while ((id = opt_next(&p, &val, err)) != OPT_END) {
		switch (id) {
		case OPT_HELP:
			return OPT_HELP;
		case OPT_ERROR:
			return -1;
		case OPT_ARG:
			a->args[a->nargs++] = val;
			break;
		case O_NAR:
			a->nar = true;
			break;
		case O_GIT:
			a->repo = val;
			break;
		case O_REV:
			a->rev = val;
			break;
		case O_EXPORT_IGNORE:
			a->ei_set = true;
			if (clipin_parse_export_ignore(&a->export_ignore, val, err) < 0)
				return -1;
			break;
		case O_SRI:
		case O_BASE32:
		case O_BASE16:
			a->fmt = id == O_SRI ? NAR_SRI :
				 id == O_BASE32 ? NAR_BASE32 : NAR_BASE16;
			a->fmt_set = true;
			break;
		}
	}
	if (!a->nar && (a->repo || a->rev || a->ei_set || a->fmt_set))
		return xerr_set(err, XPIN_USAGE,
				"--git, --rev, --export-ignore and the formats go with --nar");
	if (!a->repo && (a->rev || a->ei_set))
		return xerr_set(err, XPIN_USAGE, "--rev and --export-ignore go with --git");
	if (a->repo && a->nargs)
		return xerr_set(err, XPIN_USAGE,
				"--git hashes a commit's tree; give no PATH with it");
	if (a->nar && !a->repo && !a->nargs)
		return xerr_set(err, XPIN_USAGE, "--nar needs a PATH (or --git REPO)");
	return 0;
}

int cmd_hash(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct hash_args a = { .fmt = NAR_SRI, .export_ignore = true };
	int ret;

	a.args = calloc((size_t)argc + 1, sizeof(*a.args));
	ret = a.args ? parse_args(&a, argc, argv, g, &err)
		     : xerr_set(&err, XPIN_USAGE, "out of memory");
	if (ret == OPT_HELP) {
		opt_usage(stdout, &cmd_hash_help);
		ret = XPIN_OK;
	} else if (ret < 0) {
		ret = cli_error(g, &err);
	} else if (a.repo) {
		ret = hash_git(g, a.repo, a.rev ? a.rev : "HEAD",
			       a.export_ignore, a.fmt);
	} else if (a.nar) {
		ret = hash_paths(g, a.args, a.nargs, a.fmt);
	} else {
		ret = hash_files(g, a.args, a.nargs);
	}
	free(a.args);
	return ret;
}
