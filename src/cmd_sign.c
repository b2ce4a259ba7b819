/* xpin sign: write FILE.minisig for each FILE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "clikeys.h"
#include "commands.h"
#include "sign.h"

enum { O_SEC = 1, O_PUB, O_TRUSTED, O_UNTRUSTED, O_PWFILE };

static const struct opt_spec opts[] = {
	{ O_SEC, 's', "secret-key", "SEC",
	  "secret key file (default: $XPIN_SECRET_KEY, else $XDG_CONFIG_HOME/xpin/xpin.key)" },
	{ O_PUB, 'p', "public-key", "PUB",
	  "check each new signature with this key (default: xpin.pub if present)" },
	{ O_TRUSTED, 't', "trusted-comment", "TEXT",
	  "signed comment (default: timestamp:<unix>\\tfile:<name>\\thashed)" },
	{ O_UNTRUSTED, 'c', "untrusted-comment", "TEXT",
	  "unsigned comment line (default: minisign's)" },
	{ O_PWFILE, 0, "password-file", "FILE",
	  "read the password from the first line of FILE" },
	OPT_SPEC_END
};

const struct cmd_help cmd_sign_help = {
	"sign", "[-s SEC] [-p PUB] [-t TEXT] [-c TEXT] [--password-file FILE] FILE...",
	"sign files, minisign-compatible (FILE.minisig)", opts
};

int cmd_sign(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser p;
	struct sign_secret *sk = NULL;
	struct sign_pub check;
	struct sign_opts so = { NULL, NULL, NULL };
	struct buf sig = BUF_INIT, name = BUF_INIT, tc = BUF_INIT;
	const char *secpath = NULL, *pubpath = NULL, *pwfile = NULL;
	const char *trusted = NULL, *val, **files;
	struct stat st;
	int o, nfiles = 0, i, ret = XPIN_USAGE;

	files = calloc((size_t)argc, sizeof(*files));
	if (!files) {
		xerr_set(&err, XPIN_USAGE, "out of memory");
		return cli_error(g, &err);
	}
	opt_init(&p, argc, argv, &cmd_sign_help, g);
	while ((o = opt_next(&p, &val, &err)) != OPT_END) {
		switch (o) {
		case O_SEC:
			secpath = val;
			break;
		case O_PUB:
			pubpath = val;
			break;
		case O_TRUSTED:
			trusted = val;
			break;
		case O_UNTRUSTED:
			so.untrusted = val;
			break;
		case O_PWFILE:
			pwfile = val;
			break;
		case OPT_ARG:
			files[nfiles++] = val;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_sign_help);
			free(files);
			return 0;
		default:
			goto fail;
		}
	}
	if (!nfiles) {
		xerr_set(&err, XPIN_USAGE,
			 "no file to sign (see 'xpin sign --help')");
		goto fail;
	}
	if (sign_init() < 0) {
		xerr_set(&err, XPIN_USAGE, "cannot initialise libsodium");
		goto fail;
	}
	/* Fail on a missing file before asking for a password. */
	for (i = 0; i < nfiles; i++) {
		if (stat(files[i], &st) < 0) {
			xerr_setpos(&err, XPIN_USAGE, files[i], 0, 0,
				    "cannot open: %s", strerror(errno));
			goto fail;
		}
		if (!S_ISREG(st.st_mode)) {
			xerr_setpos(&err, XPIN_USAGE, files[i], 0, 0,
				    "not a regular file");
			goto fail;
		}
	}
	if (pubpath || lstat("xpin.pub", &st) == 0) {
		if (sign_pub_load(&check, pubpath ? pubpath : "xpin.pub",
				  &err) < 0)
			goto fail;
		so.check = &check;
	}
	if (!(sk = clikeys_unlocked_secret(secpath, pwfile, &err)))
		goto fail;
	for (i = 0; i < nfiles; i++) {
		sig.len = name.len = tc.len = 0;
		so.trusted = trusted;
		if (!trusted) {
			if (sign_default_trusted(&tc, files[i], clikeys_now()) < 0) {
				xerr_set(&err, XPIN_USAGE, "out of memory");
				goto fail;
			}
			so.trusted = tc.data;
		}
		if (buf_printf(&name, "%s.minisig", files[i]) < 0) {
			xerr_set(&err, XPIN_USAGE, "out of memory");
			goto fail;
		}
		if (sign_file(&sig, sk, files[i], &so, &err) < 0 ||
		    util_write_atomic(name.data, sig.data, sig.len, 0644,
				      &err) < 0)
			goto fail;
		if (g->verbose)
			fprintf(stderr, "xpin: wrote %s\n", name.data);
	}
	ret = 0;
	goto out;
fail:
	ret = cli_error(g, &err);
out:
	sign_secret_free(sk);
	buf_release(&sig);
	buf_release(&name);
	buf_release(&tc);
	free(files);
	return ret;
}
