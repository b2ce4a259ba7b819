/* cli: option parsing, usage, error printing, colour. */
#include "cli.h"

#include "config.h"
#include "jtext.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { G_JSON = 10001, G_QUIET, G_VERBOSE, G_COLOR, G_HELP };

static const struct opt_spec global_specs[] = {
	{ G_JSON, 0, "json", NULL, "machine-readable output on stdout" },
	{ G_QUIET, 'q', "quiet", NULL, "print only errors" },
	{ G_VERBOSE, 'v', "verbose", NULL, "say more (repeatable)" },
	{ G_COLOR, 0, "color", "WHEN", "auto, always or never" },
	{ G_HELP, 'h', "help", NULL, "show this help" },
	OPT_SPEC_END
};

void opt_init(struct opt_parser *p, int argc, char **argv,
	      const struct cmd_help *help, struct gopts *g)
{
	memset(p, 0, sizeof(*p));
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
	p->help = help;
	p->g = g;
}

static const struct opt_spec *find_long(const struct opt_spec *s,
					const char *name, size_t n)
{
	for (; s && s->id; s++)
		if (s->longname && strlen(s->longname) == n &&
		    !strncmp(s->longname, name, n))
			return s;
	return NULL;
}

static const struct opt_spec *find_short(const struct opt_spec *s, char c)
{
	for (; s && s->id; s++)
		if (s->shortname == c)
			return s;
	return NULL;
}

int cli_color_mode(const char *s)
{
	if (!strcmp(s, "auto"))
		return 0;
	if (!strcmp(s, "always"))
		return 1;
	if (!strcmp(s, "never"))
		return 2;
	return -1;
}

void cli_resolve_color(struct gopts *g, int mode)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	bool auto_ok = !(nc && *nc) && !(term && !strcmp(term, "dumb"));

	g->color = mode == 1 || (mode == 0 && auto_ok && isatty(1));
	g->err_color = mode == 1 || (mode == 0 && auto_ok && isatty(2));
}

/* Apply a global option; returns OPT_HELP, 0 when consumed, or OPT_ERROR. */
static int apply_global(struct opt_parser *p, int id, const char *val,
			struct xerr *err)
{
	int m;

	switch (id) {
	case G_JSON:
		p->g->json = true;
		return 0;
	case G_QUIET:
		p->g->quiet = true;
		p->g->progress = false;
		return 0;
	case G_VERBOSE:
		p->g->verbose++;
		return 0;
	case G_COLOR:
		m = cli_color_mode(val);
		if (m < 0) {
			xerr_set(err, XPIN_USAGE,
				 "--color must be auto, always or never, not '%s'",
				 val);
			return OPT_ERROR;
		}
		cli_resolve_color(p->g, m);
		return 0;
	case G_HELP:
		return OPT_HELP;
	}
	return 0;
}

/* what: "unknown option", "needs a value", "takes no value". */
static int usage_error(struct opt_parser *p, struct xerr *err,
		       const char *what, const char *name)
{
	xerr_set(err, XPIN_USAGE, "option '%s' %s (see 'xpin %s%s--help')",
		 name, what, p->help->name, *p->help->name ? " " : "");
	return OPT_ERROR;
}

int opt_next(struct opt_parser *p, const char **val, struct xerr *err)
{
	const struct opt_spec *s;
	const char *a;
	int r;

	*val = NULL;
	for (;;) {
		if (p->cluster && *p->cluster) {
			char c = *p->cluster++;
			char name[3] = { '-', c, 0 };
			bool global = false;

			s = find_short(p->help->opts, c);
			if (!s) {
				s = find_short(global_specs, c);
				global = s != NULL;
			}
			if (!s)
				return usage_error(p, err, "is unknown", name);
			if (s->argname) {
				if (*p->cluster) {
					*val = p->cluster;
				} else if (p->i < p->argc) {
					*val = p->argv[p->i++];
				} else {
					return usage_error(p, err, "needs a value", name);
				}
				p->cluster = NULL;
			}
			if (!global)
				return s->id;
			r = apply_global(p, s->id, *val, err);
			if (r)
				return r;
			continue;
		}
		p->cluster = NULL;
		if (p->i >= p->argc)
			return OPT_END;
		a = p->argv[p->i++];
		if (p->only_args || a[0] != '-' || !a[1]) {
			*val = a;
			return OPT_ARG;
		}
		if (!strcmp(a, "--")) {
			p->only_args = true;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			bool global = false;

			s = find_long(p->help->opts, name, n);
			if (!s) {
				s = find_long(global_specs, name, n);
				global = s != NULL;
			}
			if (!s)
				return usage_error(p, err, "is unknown", a);
			if (s->argname) {
				if (eq)
					*val = eq + 1;
				else if (p->i < p->argc)
					*val = p->argv[p->i++];
				else
					return usage_error(p, err, "needs a value", a);
			} else if (eq) {
				return usage_error(p, err, "takes no value", a);
			}
			if (!global)
				return s->id;
			r = apply_global(p, s->id, *val, err);
			if (r)
				return r;
			continue;
		}
		p->cluster = a + 1;
	}
}

static void print_opts(FILE *f, const struct opt_spec *s)
{
	char left[96];

	for (; s && s->id; s++) {
		int n = 0;
		if (s->shortname && s->longname)
			n = snprintf(left, sizeof(left), "-%c, --%s",
				     s->shortname, s->longname);
		else if (s->shortname)
			n = snprintf(left, sizeof(left), "-%c", s->shortname);
		else
			n = snprintf(left, sizeof(left), "    --%s", s->longname);
		if (s->argname && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s",
				 s->argname);
		fprintf(f, "  %-26s %s\n", left, s->help);
	}
}

void opt_usage(FILE *f, const struct cmd_help *help)
{
	const char *line = help->synopsis, *nl;

	do {
		nl = strchr(line, '\n');
		fprintf(f, "%s xpin %s %.*s\n", line == help->synopsis ?
			"usage:" : "   or:", help->name,
			nl ? (int)(nl - line) : (int)strlen(line), line);
		line = nl ? nl + 1 : NULL;
	} while (line && *line);
	fprintf(f, "\n%s\n", help->summary);
	if (help->opts && help->opts->id) {
		fprintf(f, "\noptions:\n");
		print_opts(f, help->opts);
	}
	fprintf(f, "\ncommon options:\n");
	print_opts(f, global_specs);
	fprintf(f, "\nSee 'man xpin-%s' for more.\n", help->name);
}

int cli_error(const struct gopts *g, const struct xerr *err)
{
	char line[2048];

	xerr_format(line, sizeof(line), err);
	fprintf(stderr, "%sxpin:%s %s%s%s\n",
		g && g->err_color ? "\033[1;31m" : "",
		g && g->err_color ? "\033[0m" : "", line,
		err->hint[0] ? "; " : "", err->hint);
	return err->code ? err->code : XPIN_USAGE;
}

void cli_warn(const struct gopts *g, const char *fmt, ...)
{
	va_list ap;

	if (g && g->quiet)
		return;
	fprintf(stderr, "%sxpin: warning:%s ",
		g && g->err_color ? "\033[1;33m" : "",
		g && g->err_color ? "\033[0m" : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_progress_init(struct cli_progress *p, const struct gopts *g)
{
	pthread_mutex_init(&p->lock, NULL);
	p->g = g;
	p->start = time(NULL);
}

void cli_progress(void *ctx, const char *target, const char *what)
{
	struct cli_progress *p = ctx;

	if (!p->g->progress)
		return;
	pthread_mutex_lock(&p->lock);
	fprintf(stderr, "xpin: %s: %s (%lds)\n", target, what,
		(long)(time(NULL) - p->start));
	pthread_mutex_unlock(&p->lock);
}

int cli_store(char **stores, size_t *n, const char *val, const char *opt,
	      struct xerr *err)
{
	if (!config_valid_store(val))
		return xerr_set(err, XPIN_USAGE,
				"%s takes a Nix store URI such as ssh-ng://builder, not '%.200s'",
				opt, val);
	stores[(*n)++] = (char *)val;
	return 0;
}

int cli_jobs(unsigned *out, const char *val, struct xerr *err)
{
	char *end;
	long v = strtol(val, &end, 10);

	if (*end || end == val || v < 1 || v > 64)
		return xerr_set(err, XPIN_USAGE, "-j takes 1 to 64, not '%s'", val);
	*out = (unsigned)v;
	return 0;
}

const char *cli_c(const struct gopts *g, const char *what)
{
	if (!g || !g->color)
		return "";
	if (!strcmp(what, "bold"))
		return "\033[1m";
	if (!strcmp(what, "red"))
		return "\033[31m";
	if (!strcmp(what, "green"))
		return "\033[32m";
	if (!strcmp(what, "yellow"))
		return "\033[33m";
	return "\033[0m";
}

int cli_print_json(const json_t *v)
{
	struct buf b = BUF_INIT;
	int ret = jtext_dump_file(&b, v);

	if (ret == 0)
		fwrite(b.data, 1, b.len, stdout);
	else
		fprintf(stderr, "xpin: out of memory\n");
	buf_release(&b);
	return ret;
}

void cli_put_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}
