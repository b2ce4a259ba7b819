/* xpin sign: write FILE.minisig for each FILE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
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

/* The secret key: -s, else XPIN_SECRET_KEY (the key file's contents), else
 * the default file. */
static struct sign_secret *load_secret(const char *path, struct xerr *err)
{
	const char *env = getenv("XPIN_SECRET_KEY"), *xdg, *home;
	struct sign_secret *sk;
	struct buf def = BUF_INIT;

	if (path)
		return sign_secret_read(path, err);
	if (env && *env)
		return sign_secret_parse(env, strlen(env), "XPIN_SECRET_KEY",
					 err);
	xdg = getenv("XDG_CONFIG_HOME");
	home = getenv("HOME");
	if (xdg && *xdg)
		buf_printf(&def, "%s/xpin/xpin.key", xdg);
	else if (home && *home)
		buf_printf(&def, "%s/.config/xpin/xpin.key", home);
	else {
		xerr_set(err, XPIN_USAGE,
			 "no secret key: use -s or set XPIN_SECRET_KEY");
		return NULL;
	}
	sk = sign_secret_read(buf_cstr(&def), err);
	if (!sk && err->code == XPIN_USAGE && access(buf_cstr(&def), F_OK) < 0)
		xerr_hint(err, "create one with 'xpin keygen', or use -s or XPIN_SECRET_KEY");
	buf_release(&def);
	return sk;
}

/* --password-file, XPIN_PASSWORD, the first line of standard input when
 * it is not a terminal, or typed at the terminal. */
static struct sign_password *get_password(const char *file, const char *key,
					  struct xerr *err)
{
	const char *env = getenv("XPIN_PASSWORD");
	struct sign_password *pw;
	struct sign_echo echo;

	if (file)
		return sign_password_read_file(file, err);
	if (env)
		return sign_password_new(env, strlen(env), err);
	if (!isatty(0))
		return sign_password_read(0, err);
	sign_echo_off(&echo, 0);
	fprintf(stderr, "Password for %s: ", key);
	fflush(stderr);
	pw = sign_password_read(0, err);
	sign_echo_restore(&echo, 0);
	return pw;
}

/* SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
static int64_t now(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (s && *s) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (!*end && !errno && v >= 0)
			return v;
	}
	return (int64_t)time(NULL);
}

int cmd_sign(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser p;
	struct sign_secret *sk = NULL;
	struct sign_password *pw = NULL;
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
	if (!(sk = load_secret(secpath, &err)))
		goto fail;
	if (sign_secret_encrypted(sk)) {
		pw = get_password(pwfile, secpath ? secpath : "the secret key",
				  &err);
		if (!pw)
			goto fail;
	}
	if (sign_secret_decrypt(sk, pw, &err) < 0)
		goto fail;
	sign_password_free(pw);
	pw = NULL;
	for (i = 0; i < nfiles; i++) {
		sig.len = name.len = tc.len = 0;
		so.trusted = trusted;
		if (!trusted) {
			if (sign_default_trusted(&tc, files[i], now()) < 0) {
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
	sign_password_free(pw);
	sign_secret_free(sk);
	buf_release(&sig);
	buf_release(&name);
	buf_release(&tc);
	free(files);
	return ret;
}
