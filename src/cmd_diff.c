/* xpin diff: how two artifacts or output trees differ, and why they might. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "diff.h"
#include "jtext.h"

enum { O_SHORT = 1 };

static const struct opt_spec opts[] = {
	{ O_SHORT, 's', "short", NULL,
	  "one line per difference, as xpin lock and verify print it" },
	OPT_SPEC_END
};

const struct cmd_help cmd_diff_help = {
	"diff", "[--short] [--json] A B",
	"explain how two files or output folders differ: files, ELF sections, offsets, likely causes",
	opts
};

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

static void print_run(const struct gopts *g, const struct diff_run *r,
		      const char *indent)
{
	uint64_t back = r->off - r->ctx_off;

	printf("%sA 0x%08llx |%s|\n", indent, ull(r->file_a - back), r->ctx_a);
	printf("%sB 0x%08llx |%s|\n", indent, ull(r->file_b - back), r->ctx_b);
	if (r->hint)
		printf("%s%s%s%s: %s\n", indent, cli_c(g, "yellow"),
		       diff_hint_phrase(r->hint), cli_c(g, "reset"),
		       r->detail ? r->detail : "");
}

static void print_section(const struct gopts *g, const struct diff_section *s)
{
	printf("  %s", cli_c(g, "bold"));
	cli_put_safe(s->name);
	printf("%s: ", cli_c(g, "reset"));
	if (!s->in_a || !s->in_b) {
		printf("only in %s (%llu bytes)\n", s->in_a ? "A" : "B",
		       ull(s->in_a ? s->size_a : s->size_b));
		return;
	}
	if (s->has_run)
		printf("first difference at +0x%llx (file offset 0x%llx), ",
		       ull(s->run.off), ull(s->run.file_a));
	if (s->size_a == s->size_b)
		printf("%llu of %llu bytes differ\n", ull(s->ndiff),
		       ull(s->size_a));
	else
		printf("%llu bytes differ, %llu bytes in A, %llu in B\n",
		       ull(s->ndiff), ull(s->size_a), ull(s->size_b));
	if (s->has_run)
		print_run(g, &s->run, "      ");
}

static void print_bytes(const struct gopts *g, const struct diff_entry *e)
{
	size_t i;

	if (e->elf)
		printf(" differs (ELF, %zu of %zu sections", e->nsections,
		       e->nsections_total);
	else
		printf(" differs (");
	printf("%s%llu byte%s, first at 0x%llx", e->elf ? "; " : "",
	       ull(e->ndiff), e->ndiff == 1 ? " differs" : "s differ",
	       ull(e->first));
	if (e->size_a != e->size_b)
		printf("; %llu bytes in A, %llu in B", ull(e->size_a),
		       ull(e->size_b));
	printf(")\n");
	if (e->hints & DIFF_HINT_BUILD_ID_ONLY)
		printf("  %s%s%s\n", cli_c(g, "yellow"),
		       diff_hint_phrase(DIFF_HINT_BUILD_ID_ONLY),
		       cli_c(g, "reset"));
	for (i = 0; i < e->nsections; i++)
		print_section(g, &e->sections[i]);
	for (i = 0; i < e->nruns; i++) {
		printf("  %s0x%llx%s: %llu byte%s\n", cli_c(g, "bold"),
		       ull(e->runs[i].off), cli_c(g, "reset"),
		       ull(e->runs[i].len), e->runs[i].len == 1 ? "" : "s");
		print_run(g, &e->runs[i], "      ");
	}
}

static const char *type_word(enum diff_type t)
{
	switch (t) {
	case DIFF_T_FILE: return "file";
	case DIFF_T_DIR: return "folder";
	case DIFF_T_SYMLINK: return "symlink";
	default: return "special file";
	}
}

static void print_entry(const struct gopts *g, const struct diff_entry *e)
{
	printf("%s", cli_c(g, "bold"));
	cli_put_safe(e->path[0] ? e->path : ".");
	printf("%s:", cli_c(g, "reset"));
	if (e->status != DIFF_CHANGED) {
		printf(" only in %s (%s)\n", e->status == DIFF_ONLY_A ? "A" : "B",
		       type_word(e->status == DIFF_ONLY_A ? e->type_a
							   : e->type_b));
		return;
	}
	if (e->what & DIFF_WHAT_TYPE) {
		printf(" a %s in A, a %s in B\n", type_word(e->type_a),
		       type_word(e->type_b));
		return;
	}
	if (e->what & DIFF_WHAT_TARGET) {
		printf(" symlink target '");
		cli_put_safe(e->target_a);
		printf("' in A, '");
		cli_put_safe(e->target_b);
		printf("' in B\n");
	}
	if (e->what & DIFF_WHAT_MODE)
		printf(" %s\n", e->exec_a ? "executable in A, not in B"
					  : "not executable in A, executable in B");
	if (e->what & DIFF_WHAT_BYTES) {
		if (e->what & DIFF_WHAT_MODE) {
			printf("%s", cli_c(g, "bold"));
			cli_put_safe(e->path[0] ? e->path : ".");
			printf("%s:", cli_c(g, "reset"));
		}
		print_bytes(g, e);
	}
}

static void print_human(const struct gopts *g, const struct diff_report *r)
{
	static const enum diff_hint hints[] = {
		DIFF_HINT_TIMESTAMP, DIFF_HINT_BUILD_PATH,
		DIFF_HINT_STORE_PATH, DIFF_HINT_BUILD_ID_ONLY,
	};
	unsigned all = 0;
	size_t i;
	int n = 0;

	if (r->n == 0) {
		printf("no differences\n");
		return;
	}
	for (i = 0; i < r->n; i++) {
		print_entry(g, &r->v[i]);
		all |= r->v[i].hints;
	}
	printf("%zu differ, %zu only in A, %zu only in B", r->changed,
	       r->only_a, r->only_b);
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (all & hints[i])
			printf("%s%s", n++ ? ", " : "; likely causes: ",
			       diff_hint_code(hints[i]));
	putchar('\n');
}

int cmd_diff(int argc, char **argv, struct gopts *g)
{
	struct diff_report r = DIFF_REPORT_INIT;
	struct xerr err = XERR_INIT;
	struct opt_parser op;
	struct buf out = BUF_INIT;
	const char *val, *paths[2] = { NULL, NULL };
	json_t *j = NULL;
	bool short_form = false;
	int o, rc = XPIN_OK, npaths = 0;

	opt_init(&op, argc, argv, &cmd_diff_help, g);
	while ((o = opt_next(&op, &val, &err)) != OPT_END) {
		switch (o) {
		case O_SHORT:
			short_form = true;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_diff_help);
			return XPIN_OK;
		case OPT_ARG:
			if (npaths == 2) {
				xerr_set(&err, XPIN_USAGE,
					 "too many paths: '%s' (see 'xpin diff --help')",
					 val);
				return cli_error(g, &err);
			}
			paths[npaths++] = val;
			break;
		default:
			return cli_error(g, &err);
		}
	}
	if (npaths != 2) {
		xerr_set(&err, XPIN_USAGE,
			 "give two files or two folders to compare (see 'xpin diff --help')");
		return cli_error(g, &err);
	}
	if (diff_paths(&r, paths[0], paths[1], &err) < 0)
		return cli_error(g, &err);
	if (g->json) {
		if (!(j = diff_json(&r, paths[0], paths[1])) ||
		    jtext_dump_file(&out, j) < 0) {
			xerr_set(&err, XPIN_USAGE, "out of memory");
			rc = cli_error(g, &err);
			goto out;
		}
		fwrite(out.data, 1, out.len, stdout);
	} else if (short_form && !g->quiet) {
		if (diff_summary(&out, &r, 0) < 0) {
			xerr_set(&err, XPIN_USAGE, "out of memory");
			rc = cli_error(g, &err);
			goto out;
		}
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	} else if (!g->quiet) {
		print_human(g, &r);
	}
	rc = r.n ? XPIN_CHECK_FAILED : XPIN_OK;
out:
	json_decref(j);
	buf_release(&out);
	diff_report_release(&r);
	return rc;
}
