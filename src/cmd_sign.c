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

struct sign_args {
	const char *secpath, *pubpath, *pwfile, *trusted, *untrusted;
	const char **files;
	size_t nfiles;
};

static int parse_args(struct sign_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser p;
	const char *val;
	int o;

	opt_init(&p, argc, argv, &cmd_sign_help, g);
	while ((o = opt_next(&p, &val, err)) != OPT_END) {
		switch (o) {
		case O_SEC:
			a->secpath = val;
			break;
		case O_PUB:
			a->pubpath = val;
			break;
		case O_TRUSTED:
			a->trusted = val;
			break;
		case O_UNTRUSTED:
			a->untrusted = val;
			break;
		case O_PWFILE:
			a->pwfile = val;
			break;
		case OPT_ARG:
			a->files[a->nfiles++] = val;
			break;
		case OPT_HELP:
			return OPT_HELP;
		default:
			return -1;
		}
	}
	if (!a->nfiles)
		return xerr_set(err, XPIN_USAGE,
				"no file to sign (see 'xpin sign --help')");
	return 0;
}

/* Every file a regular one: checked before a password is asked for. */
static int check_files(const struct sign_args *a, struct xerr *err)
{
	struct stat st;
	size_t i;

	for (i = 0; i < a->nfiles; i++) {
		if (stat(a->files[i], &st) < 0)
			return xerr_setpos(err, XPIN_USAGE, a->files[i], 0, 0,
					   "cannot open: %s", strerror(errno));
		if (!S_ISREG(st.st_mode))
			return xerr_setpos(err, XPIN_USAGE, a->files[i], 0, 0,
					   "not a regular file");
	}
	return 0;
}

/* FILE.minisig for one file. */
static int sign_one(const struct sign_secret *sk, const char *file,
		    struct sign_opts *so, const struct sign_args *a,
		    const struct gopts *g, struct xerr *err)
{
	struct buf sig = BUF_INIT, name = BUF_INIT, tc = BUF_INIT;
	int ret = -1;

	so->trusted = a->trusted;
	if (!a->trusted) {
		if (sign_default_trusted(&tc, file, clikeys_now()) < 0) {
			xerr_set(err, XPIN_USAGE, "out of memory");
			goto out;
		}
		so->trusted = tc.data;
	}
	if (buf_printf(&name, "%s.minisig", file) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (sign_file(&sig, sk, file, so, err) < 0 ||
	    util_write_atomic(name.data, sig.data, sig.len, 0644, err) < 0)
		goto out;
	if (g->verbose)
		fprintf(stderr, "xpin: wrote %s\n", name.data);
	ret = 0;
out:
	buf_release(&sig);
	buf_release(&name);
	buf_release(&tc);
	return ret;
}

static int sign_all(const struct sign_args *a, const struct gopts *g,
		    struct xerr *err)
{
	struct sign_secret *sk = NULL;
	struct sign_pub check;
	struct sign_opts so = { NULL, a->untrusted, NULL };
	struct stat st;
	size_t i;
	int ret = -1;

	if (sign_init() < 0) {
		xerr_set(err, XPIN_USAGE, "cannot initialise libsodium");
		goto out;
	}
	if (check_files(a, err) < 0)
		goto out;
	/* A key pair keygen was stopped in the middle of is settled first. */
	if (a->secpath &&
	    util_pair_recover(a->secpath, a->pubpath ? a->pubpath : "xpin.pub",
			      err) < 0)
		goto out;
	if (a->pubpath || lstat("xpin.pub", &st) == 0) {
		if (sign_pub_load(&check, a->pubpath ? a->pubpath : "xpin.pub",
				  err) < 0)
			goto out;
		so.check = &check;
	}
	if (!(sk = clikeys_unlocked_secret(a->secpath, a->pwfile, err)))
		goto out;
	for (i = 0; i < a->nfiles; i++)
		if (sign_one(sk, a->files[i], &so, a, g, err) < 0)
			goto out;
	ret = XPIN_OK;
out:
	sign_secret_free(sk);
	return ret;
}

int cmd_sign(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct sign_args a = { .files = NULL };
	int rc;

	a.files = calloc((size_t)argc + 1, sizeof(*a.files));
	rc = a.files ? parse_args(&a, argc, argv, g, &err)
		     : xerr_set(&err, XPIN_USAGE, "out of memory");
	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_sign_help);
		rc = XPIN_OK;
	} else if (rc == 0) {
		rc = sign_all(&a, g, &err);
	}
	if (rc < 0)
		rc = cli_error(g, &err);
	free(a.files);
	return rc;
}
