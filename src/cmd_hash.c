/* xpin hash: sha256 of files (sha256sum format), or the NAR hash of a
 * path or of a commit's tree (what `nix hash path` prints). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
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

static int print_json(const struct gopts *g, json_t *v)
{
	struct buf out = BUF_INIT;
	struct xerr err = XERR_INIT;
	int ret = 0;

	if (!v || jtext_dump_file(&out, v) < 0) {
		xerr_set(&err, XPIN_USAGE, "out of memory");
		ret = cli_error(g, &err);
	} else {
		fwrite(out.data, 1, out.len, stdout);
	}
	buf_release(&out);
	json_decref(v);
	return ret;
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
	return arr ? print_json(g, arr) : 0;
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
	return arr ? print_json(g, arr) : 0;
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
		ret = print_json(g, o);
	} else {
		nar_format(s, d, fmt);
		printf("%s\n", s);
	}
out:
	gitrepo_free(r);
	return ret;
}

int cmd_hash(int argc, char **argv, struct gopts *g)
{
	const char *val, *repo = NULL, *rev = NULL, **args = NULL;
	enum nar_fmt fmt = NAR_SRI;
	struct xerr err = XERR_INIT;
	struct opt_parser p;
	bool nar = false, export_ignore = true, fmt_set = false, ei_set = false;
	int id, nargs = 0, ret;

	args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args) {
		xerr_set(&err, XPIN_USAGE, "out of memory");
		return cli_error(g, &err);
	}
	opt_init(&p, argc, argv, &cmd_hash_help, g);
	while ((id = opt_next(&p, &val, &err)) != OPT_END) {
		switch (id) {
		case OPT_HELP:
			opt_usage(stdout, &cmd_hash_help);
			free(args);
			return 0;
		case OPT_ERROR:
			free(args);
			return cli_error(g, &err);
		case OPT_ARG:
			args[nargs++] = val;
			break;
		case O_NAR:
			nar = true;
			break;
		case O_GIT:
			repo = val;
			break;
		case O_REV:
			rev = val;
			break;
		case O_EXPORT_IGNORE:
			ei_set = true;
			if (!strcmp(val, "yes")) {
				export_ignore = true;
			} else if (!strcmp(val, "no")) {
				export_ignore = false;
			} else {
				xerr_set(&err, XPIN_USAGE,
					 "--export-ignore must be yes or no, not '%s'", val);
				free(args);
				return cli_error(g, &err);
			}
			break;
		case O_SRI:
		case O_BASE32:
		case O_BASE16:
			fmt = id == O_SRI ? NAR_SRI :
			      id == O_BASE32 ? NAR_BASE32 : NAR_BASE16;
			fmt_set = true;
			break;
		}
	}
	if (!nar && (repo || rev || ei_set || fmt_set))
		xerr_set(&err, XPIN_USAGE,
			 "--git, --rev, --export-ignore and the formats go with --nar");
	else if (!repo && (rev || ei_set))
		xerr_set(&err, XPIN_USAGE, "--rev and --export-ignore go with --git");
	else if (repo && nargs)
		xerr_set(&err, XPIN_USAGE,
			 "--git hashes a commit's tree; give no PATH with it");
	else if (nar && !repo && !nargs)
		xerr_set(&err, XPIN_USAGE, "--nar needs a PATH (or --git REPO)");
	if (err.code) {
		free(args);
		return cli_error(g, &err);
	}
	if (repo)
		ret = hash_git(g, repo, rev ? rev : "HEAD", export_ignore, fmt);
	else if (nar)
		ret = hash_paths(g, args, nargs, fmt);
	else
		ret = hash_files(g, args, nargs);
	free(args);
	return ret;
}
