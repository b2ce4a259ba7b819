/*
 * cli: what every command shares: the global options, the option parser
 * (whose tables also print the usage, so help cannot drift from parsing),
 * error printing, colour. Only main.c and cmd_*.c include this.
 */
#ifndef XPIN_CLI_H
#define XPIN_CLI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

struct gopts {
	const char *dir;   /* -C DIR, already chdir'd to by main */
	bool json;         /* --json: machine output on stdout */
	bool quiet;        /* -q */
	int verbose;       /* -v, repeatable */
	bool color;        /* --color resolved against stdout */
	bool err_color;    /* the same, against stderr */
	bool progress;     /* stderr is a terminal and not -q */
};

struct opt_spec {
	int id;             /* > 0, returned by opt_next */
	char shortname;     /* 0 when none */
	const char *longname;
	const char *argname; /* NULL for a flag */
	const char *help;
};
#define OPT_SPEC_END { 0, 0, NULL, NULL, NULL }

struct cmd_help {
	const char *name;       /* "pins" */
	const char *synopsis;   /* lines after "usage: xpin pins " */
	const char *summary;    /* one line */
	const struct opt_spec *opts;
};

enum { OPT_END = 0, OPT_ARG = -1, OPT_HELP = -2, OPT_ERROR = -3 };

struct opt_parser {
	int argc, i;
	char **argv;
	const char *cluster; /* rest of a bundle of short flags */
	bool only_args;      /* after "--" */
	const struct cmd_help *help;
	struct gopts *g;
};

void opt_init(struct opt_parser *p, int argc, char **argv,
	      const struct cmd_help *help, struct gopts *g);
/*
 * Next option: its id (value in *val when it takes one), OPT_ARG for an
 * operand (in *val), OPT_HELP for -h/--help, OPT_END, or OPT_ERROR with err
 * filled. Global options (--json, -q, -v, --color) are handled here.
 */
int opt_next(struct opt_parser *p, const char **val, struct xerr *err);
void opt_usage(FILE *f, const struct cmd_help *help);
/* Parse a --color value; -1 when invalid. */
int cli_color_mode(const char *s);
void cli_resolve_color(struct gopts *g, int mode);

/* Print "xpin: <err>" on stderr, one line; returns err->code (2 if unset). */
int cli_error(const struct gopts *g, const struct xerr *err);
/* Print "xpin: warning: ..." on stderr unless -q. */
void cli_warn(const struct gopts *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Progress of long work on stderr, when it is a terminal and not -q:
 * "xpin: TARGET: WHAT (12s)". Safe to call from build threads. */
struct cli_progress {
	pthread_mutex_t lock;
	const struct gopts *g;
	time_t start;
};
void cli_progress_init(struct cli_progress *p, const struct gopts *g);
void cli_progress(void *ctx, const char *target, const char *what);
/* Parse -j N (1 to 64). */
/* A store URI given to --rebuild-on or --build-on (opt), appended to
 * stores (room for one more); XPIN_USAGE when it is not one. */
int cli_store(char **stores, size_t *n, const char *val, const char *opt,
	      struct xerr *err);
int cli_jobs(unsigned *out, const char *val, struct xerr *err);

/* v in its canonical text (jtext_dump_file) on standard output; -1
 * (said on stderr) when out of memory. */
struct json_t;
int cli_print_json(const struct json_t *v);

/* ANSI colour around s when enabled: "bold", "red", "green", "yellow". */
const char *cli_c(const struct gopts *g, const char *what);

/* Print s on stdout with control bytes shown as \xNN: names from files
 * (an ELF's strings, a tree's paths) go to a terminal. */
void cli_put_safe(const char *s);

#endif
