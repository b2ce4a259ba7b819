/* xpin export: the signed xpin.lock as evidence others read. */
#include <stdlib.h>
#include <string.h>

#include "clikeys.h"
#include "cliexport.h"
#include "clirelease.h"
#include "commands.h"
#include "evidence.h"

enum { O_OUT = 1, O_PUB, O_KEY, O_SEC, O_PWFILE };

static const struct opt_spec opts[] = {
	{ O_OUT, 'o', "output", "PATH", "where to write (each kind has its default)" },
	{ O_PUB, 'p', "public-key", "PUB", "the signer's public key file (default xpin.pub)" },
	{ O_KEY, 'P', "public-key-base64", "KEY", "the signer's public key, base64" },
	{ O_SEC, 's', "secret-key", "SEC",
	  "secret key for the kinds that sign (default: $XPIN_SECRET_KEY, else $XDG_CONFIG_HOME/xpin/xpin.key)" },
	{ O_PWFILE, 0, "password-file", "FILE", "read the key's password from FILE" },
	OPT_SPEC_END
};

const struct cmd_help cmd_export_help = {
	"export", "KIND [-o PATH] [-p PUB | -P KEY] [-s SEC] [--password-file FILE] [TARGET...]",
	"write the signed xpin.lock as evidence others read (KIND: sums, files, slsa, in-toto, in-toto-key)",
	opts
};

struct export_args {
	const char *kind, *out, *pubfile, *b64, *secpath, *pwfile;
	char **names;
	size_t nnames;
};

static int parse_args(struct export_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	int o;

	opt_init(&op, argc, argv, &cmd_export_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END) {
		switch (o) {
		case O_OUT:
			a->out = val;
			break;
		case O_PUB:
			a->pubfile = val;
			break;
		case O_KEY:
			a->b64 = val;
			break;
		case O_SEC:
			a->secpath = val;
			break;
		case O_PWFILE:
			a->pwfile = val;
			break;
		case OPT_HELP:
			return OPT_HELP;
		case OPT_ARG:
			if (!a->kind)
				a->kind = val;
			else
				a->names[a->nnames++] = (char *)val;
			break;
		default:
			return -1;
		}
	}
	if (!a->kind)
		return xerr_set(err, XPIN_USAGE,
				"which evidence? sums, files, slsa, in-toto or in-toto-key (see 'xpin export --help')");
	return 0;
}

static int run(const struct export_args *a, const struct gopts *g,
	       struct xerr *err)
{
	struct manifest m = MANIFEST_INIT;
	struct buf text = BUF_INIT;
	struct sign_pub pub;
	struct export_ctx c = { .g = g, .m = &m, .out = a->out,
				.secpath = a->secpath, .pwfile = a->pwfile,
				.pub = &pub };
	export_fn fn = cliexport_kind(a->kind, err);
	int ret = -1;

	if (!fn)
		return -1;
	if (clirelease_load_signed(&m, NULL, a->pubfile, a->b64, &text, &pub,
				   err) < 0)
		goto out;
	c.lock_text = text.data;
	c.lock_len = text.len;
	if (evidence_targets(&c.t, &c.n, &m, a->names, a->nnames, err) < 0)
		goto out;
	ret = fn(&c, err) < 0 ? -1 : XPIN_OK;
out:
	free(c.t);
	manifest_release(&m);
	buf_release(&text);
	return ret;
}

int cmd_export(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct export_args a = { .names = calloc((size_t)argc + 1, sizeof(char *)) };
	int rc = a.names ? parse_args(&a, argc, argv, g, &err)
			 : xerr_set(&err, XPIN_USAGE, "out of memory");

	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_export_help);
		rc = XPIN_OK;
	} else if (rc == 0) {
		rc = run(&a, g, &err);
	}
	if (rc < 0)
		rc = cli_error(g, &err);
	free(a.names);
	return rc;
}
