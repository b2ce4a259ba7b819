/* main: global options, the command table, dispatch. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "clikeys.h"
#include "commands.h"
#include "hash.h"

#ifndef XPIN_VERSION
#define XPIN_VERSION "0.1.0"
#endif

struct command {
	cmd_fn fn;
	const struct cmd_help *help; /* name, synopsis, one-line summary */
};

static const struct command commands[] = {
	{ cmd_init, &cmd_init_help },
	{ cmd_pins, &cmd_pins_help },
	{ cmd_pin, &cmd_pin_help },
	{ cmd_lock, &cmd_lock_help },
	{ cmd_verify, &cmd_verify_help },
	{ cmd_export, &cmd_export_help },
	{ cmd_audit, &cmd_audit_help },
	{ cmd_keygen, &cmd_keygen_help },
	{ cmd_sign, &cmd_sign_help },
	{ cmd_checksig, &cmd_checksig_help },
	{ cmd_hash, &cmd_hash_help },
	{ cmd_elf, &cmd_elf_help },
	{ cmd_diff, &cmd_diff_help },
	{ NULL, NULL }
};

static const struct command *find_command(const char *name)
{
	const struct command *c;

	for (c = commands; c->fn; c++)
		if (!strcmp(c->help->name, name))
			return c;
	return NULL;
}

static void overview(FILE *f)
{
	const struct command *c;

	fprintf(f,
		"usage: xpin [-C DIR] [--json] [-q] [-v] [--color=WHEN] COMMAND [ARGS]\n"
		"       xpin --version | --help | help COMMAND\n\n"
		"Pin and prove cross-compiled releases built from a Nix flake.\n\n"
		"commands:\n");
	for (c = commands; c->fn; c++)
		fprintf(f, "  %-10s %s\n", c->help->name, c->help->summary);
	fprintf(f,
		"\nglobal options:\n"
		"  -C DIR           run as if started in DIR\n"
		"  --json           machine-readable output on stdout\n"
		"  -q, --quiet      print only errors\n"
		"  -v, --verbose    say more (repeatable)\n"
		"  --color=WHEN     auto, always or never (NO_COLOR is honoured)\n"
		"  --version        print the version\n"
		"  -h, --help       show this help\n\n"
		"exit status: 0 ok, 1 a check failed, 2 usage or bad input,\n"
		"3 signature or key, 4 a build failed.  See 'man xpin'.\n");
}

/* Closest command name, for "did you mean". */
static const char *suggest(const char *name)
{
	const struct command *cmd;
	size_t best_d = 3;
	const char *best = NULL;

	for (cmd = commands; cmd->fn; cmd++) {
		const char *c = cmd->help->name;
		size_t la = strlen(name), lb = strlen(c), x, y;
		size_t d[32][32];

		if (la >= 31 || lb >= 31)
			continue;
		for (x = 0; x <= la; x++)
			d[x][0] = x;
		for (y = 0; y <= lb; y++)
			d[0][y] = y;
		for (x = 1; x <= la; x++)
			for (y = 1; y <= lb; y++) {
				size_t s = d[x - 1][y - 1] +
					   (name[x - 1] != c[y - 1]);
				size_t del = d[x - 1][y] + 1, ins = d[x][y - 1] + 1;
				d[x][y] = s < del ? (s < ins ? s : ins)
						  : (del < ins ? del : ins);
			}
		if (d[la][lb] < best_d) {
			best_d = d[la][lb];
			best = c;
		}
	}
	return best;
}

static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "xpin: cannot write to standard output: %s\n",
			strerror(errno));
		return rc ? rc : XPIN_USAGE;
	}
	return rc;
}

enum { M_DIR = 1, M_VERSION };

/* xpin's own options, before the command; the common ones (--json, -q,
 * -v, --color, -h) are cli.c's, the same as after it. */
static const struct opt_spec main_opts[] = {
	{ M_DIR, 'C', NULL, "DIR", "run as if started in DIR" },
	{ M_VERSION, 0, "version", NULL, "print the version" },
	OPT_SPEC_END
};
static const struct cmd_help main_help = { "", "", "", main_opts };

/* The options before the command: the command's index in argv, 0 when
 * xpin is done (*rc says how it went). */
static int parse_main(struct gopts *g, int argc, char **argv, int *rc)
{
	struct xerr err = XERR_INIT;
	struct opt_parser p;
	const char *val;
	int o;

	opt_init(&p, argc, argv, &main_help, g);
	while ((o = opt_next(&p, &val, &err)) != OPT_END) {
		switch (o) {
		case M_DIR:
			g->dir = val;
			break;
		case M_VERSION:
			printf("xpin %s\n", XPIN_VERSION);
			*rc = finish(0);
			return 0;
		case OPT_HELP:
			overview(stdout);
			*rc = finish(0);
			return 0;
		case OPT_ARG:
			return p.i - 1;
		default:
			*rc = cli_error(g, &err);
			return 0;
		}
	}
	overview(stderr);
	*rc = XPIN_USAGE;
	return 0;
}

int main(int argc, char **argv)
{
	struct gopts g = { 0 };
	const struct command *cmd;
	int i, rc = XPIN_OK;

	cli_resolve_color(&g, 0);
	g.progress = isatty(2);
	util_forward_signals();
	/* libsodium, before any thread or secret exists. */
	if (hash_init() < 0) {
		fprintf(stderr, "xpin: cannot initialise libsodium\n");
		return XPIN_USAGE;
	}
	clikeys_take_env();
	i = parse_main(&g, argc, argv, &rc);
	if (!i)
		return rc;
	if (!strcmp(argv[i], "help")) {
		if (i + 1 >= argc) {
			overview(stdout);
			return finish(0);
		}
		cmd = find_command(argv[i + 1]);
		if (!cmd) {
			fprintf(stderr, "xpin: no such command '%s' (see 'xpin help')\n",
				argv[i + 1]);
			return XPIN_USAGE;
		}
		opt_usage(stdout, cmd->help);
		return finish(0);
	}
	cmd = find_command(argv[i]);
	if (!cmd) {
		const char *s = suggest(argv[i]);
		if (s)
			fprintf(stderr, "xpin: '%s' is not an xpin command; did you mean '%s'? (see 'xpin --help')\n",
				argv[i], s);
		else
			fprintf(stderr, "xpin: '%s' is not an xpin command (see 'xpin --help')\n",
				argv[i]);
		return XPIN_USAGE;
	}
	if (g.dir && chdir(g.dir) < 0) {
		fprintf(stderr, "xpin: cannot change to '%s': %s\n", g.dir,
			strerror(errno));
		return XPIN_USAGE;
	}
	return finish(cmd->fn(argc - i, argv + i, &g));
}
