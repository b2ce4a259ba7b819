/* xpin keygen: a new minisign key pair. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "jtext.h"
#include "sign.h"

enum { O_PUB = 1, O_SEC, O_UNENC, O_FORCE, O_PWFILE };

static const struct opt_spec opts[] = {
	{ O_PUB, 'p', "public-key", "PUB", "public key file (default: xpin.pub)" },
	{ O_SEC, 's', "secret-key", "SEC",
	  "secret key file (default: $XDG_CONFIG_HOME/xpin/xpin.key)" },
	{ O_UNENC, 'W', "unencrypted", NULL,
	  "store the secret key without a password (for CI)" },
	{ O_FORCE, 'f', "force", NULL, "replace an existing key pair" },
	{ O_PWFILE, 0, "password-file", "FILE",
	  "read the password from the first line of FILE" },
	OPT_SPEC_END
};

const struct cmd_help cmd_keygen_help = {
	"keygen", "[-p PUB] [-s SEC] [-W] [-f] [--password-file FILE]",
	"create a minisign key pair for signing xpin.lock", opts
};

/* $XDG_CONFIG_HOME/xpin/xpin.key, or ~/.config/xpin/xpin.key. */
static int default_secret(struct buf *out, struct xerr *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		return buf_printf(out, "%s/xpin/xpin.key", xdg);
	if (home && *home)
		return buf_printf(out, "%s/.config/xpin/xpin.key", home);
	return xerr_set(err, XPIN_USAGE,
			"neither XDG_CONFIG_HOME nor HOME is set; name the secret key with -s");
}

/* Create the folders above path (mode 0700), as for a default key path. */
static int make_parents(const char *path, struct xerr *err)
{
	struct buf dir = BUF_INIT;
	char *p;
	int ret = 0;

	if (buf_puts(&dir, path) < 0) {
		buf_release(&dir);
		return xerr_set(err, XPIN_USAGE, "out of memory");
	}
	for (p = dir.data + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir.data, 0700) < 0 && errno != EEXIST) {
			ret = xerr_setpos(err, XPIN_USAGE, dir.data, 0, 0,
					  "cannot create the folder: %s",
					  strerror(errno));
			break;
		}
		*p = '/';
	}
	buf_release(&dir);
	return ret;
}

static int refuse_existing(const char *path, struct xerr *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	xerr_setpos(err, XPIN_USAGE, path, 0, 0, "already exists");
	return xerr_hint(err, "use -f to replace the key pair");
}

/*
 * The new key's password: --password-file, XPIN_PASSWORD, the first line
 * of standard input when it is not a terminal, or typed twice.
 */
static struct sign_password *new_password(const char *file, struct xerr *err)
{
	struct sign_password *pw = NULL, *again = NULL;
	const char *env = getenv("XPIN_PASSWORD");

	if (file)
		pw = sign_password_read_file(file, err);
	else if (env)
		pw = sign_password_new(env, strlen(env), err);
	else if (!isatty(0))
		pw = sign_password_read(0, err);
	else {
		struct sign_echo echo;

		sign_echo_off(&echo, 0);
		fputs("Password for the new secret key: ", stderr);
		fflush(stderr);
		pw = sign_password_read(0, err);
		if (pw) {
			fputs("Password (again): ", stderr);
			fflush(stderr);
			again = sign_password_read(0, err);
			if (!again || !sign_password_equal(pw, again)) {
				if (again)
					xerr_set(err, XPIN_USAGE,
						 "the passwords do not match");
				sign_password_free(pw);
				pw = NULL;
			}
			sign_password_free(again);
		}
		sign_echo_restore(&echo, 0);
	}
	if (pw && sign_password_len(pw) == 0) {
		sign_password_free(pw);
		xerr_set(err, XPIN_USAGE, "empty password");
		xerr_hint(err, "use -W for a secret key without a password");
		return NULL;
	}
	return pw;
}

int cmd_keygen(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser p;
	struct buf secdef = BUF_INIT;
	struct sign_secret *sk = NULL;
	struct sign_password *pw = NULL;
	struct sign_pub pub;
	const char *pubpath = "xpin.pub", *secpath = NULL, *pwfile = NULL;
	const char *val;
	bool unencrypted = false, force = false;
	char id[17], b64[57];
	int o, ret = XPIN_USAGE;

	opt_init(&p, argc, argv, &cmd_keygen_help, g);
	while ((o = opt_next(&p, &val, &err)) != OPT_END) {
		switch (o) {
		case O_PUB:
			pubpath = val;
			break;
		case O_SEC:
			secpath = val;
			break;
		case O_UNENC:
			unencrypted = true;
			break;
		case O_FORCE:
			force = true;
			break;
		case O_PWFILE:
			pwfile = val;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_keygen_help);
			return 0;
		case OPT_ARG:
			xerr_set(&err, XPIN_USAGE,
				 "unexpected argument '%s' (see 'xpin keygen --help')",
				 val);
			return cli_error(g, &err);
		default:
			return cli_error(g, &err);
		}
	}
	if (sign_init() < 0) {
		xerr_set(&err, XPIN_USAGE, "cannot initialise libsodium");
		return cli_error(g, &err);
	}
	if (!secpath) {
		if (default_secret(&secdef, &err) < 0)
			goto fail;
		secpath = secdef.data;
	}
	if (!strcmp(secpath, pubpath)) {
		xerr_set(&err, XPIN_USAGE,
			 "the public and the secret key cannot both be '%s'",
			 pubpath);
		goto fail;
	}
	/* Before asking for a password that would be wasted. */
	if (!force && (refuse_existing(secpath, &err) < 0 ||
		       refuse_existing(pubpath, &err) < 0))
		goto fail;
	if (!unencrypted && !(pw = new_password(pwfile, &err)))
		goto fail;
	if (!(sk = sign_secret_generate(&err)) ||
	    sign_secret_pub(&pub, sk, &err) < 0)
		goto fail;
	if (secdef.data && make_parents(secpath, &err) < 0)
		goto fail;
	if (sign_keypair_save(pubpath, secpath, sk, pw, NULL,
			      force ? SIGN_FORCE : 0, &err) < 0)
		goto fail;
	sign_password_free(pw);
	pw = NULL;
	sign_secret_free(sk);
	sk = NULL;

	sign_keyid_hex(id, pub.keyid);
	sign_pub_base64(b64, &pub);
	if (g->json) {
		struct buf out = BUF_INIT;
		json_t *j = json_pack("{s:s, s:b, s:s, s:s, s:s}", "keyid", id,
				      "encrypted", !unencrypted, "public_key", b64,
				      "public_key_file", pubpath,
				      "secret_key_file", secpath);

		if (!j || jtext_dump_file(&out, j) < 0) {
			json_decref(j);
			buf_release(&out);
			xerr_set(&err, XPIN_USAGE, "out of memory");
			goto fail;
		}
		fwrite(out.data, 1, out.len, stdout);
		json_decref(j);
		buf_release(&out);
	} else if (!g->quiet) {
		printf("public key file: %s\n", pubpath);
		printf("secret key file: %s (%s; keep it secret)\n", secpath,
		       unencrypted ? "not encrypted" : "encrypted");
		printf("key id: %s\n", id);
		printf("public key: %s\n", b64);
	}
	buf_release(&secdef);
	return 0;
fail:
	sign_password_free(pw);
	sign_secret_free(sk);
	ret = cli_error(g, &err);
	buf_release(&secdef);
	return ret;
}
