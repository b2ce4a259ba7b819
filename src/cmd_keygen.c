/* xpin keygen: a new minisign key pair. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "clikeys.h"
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
	const struct sign_password *env;

	if (clikeys_env(&env, "XPIN_PASSWORD", err) < 0)
		return NULL;
	if (file)
		pw = sign_password_read_file(file, err);
	else if (env)
		pw = sign_password_new(sign_password_text(env),
				       sign_password_len(env), err);
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

struct keygen_args {
	const char *pubpath, *secpath, *pwfile;
	bool unencrypted, force;
};

static int parse_args(struct keygen_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser p;
	const char *val;
	int o;

	opt_init(&p, argc, argv, &cmd_keygen_help, g);
	while ((o = opt_next(&p, &val, err)) != OPT_END) {
		switch (o) {
		case O_PUB:
			a->pubpath = val;
			break;
		case O_SEC:
			a->secpath = val;
			break;
		case O_UNENC:
			a->unencrypted = true;
			break;
		case O_FORCE:
			a->force = true;
			break;
		case O_PWFILE:
			a->pwfile = val;
			break;
		case OPT_HELP:
			return OPT_HELP;
		case OPT_ARG:
			return xerr_set(err, XPIN_USAGE,
					"unexpected argument '%s' (see 'xpin keygen --help')",
					val);
		default:
			return -1;
		}
	}
	return 0;
}

/* Make and save the key pair; pub gets its public half. */
static int make_keys(struct sign_pub *pub, const struct keygen_args *a,
		     bool default_path, struct xerr *err)
{
	struct sign_secret *sk = NULL;
	struct sign_password *pw = NULL;
	int ret = -1;

	if (!strcmp(a->secpath, a->pubpath)) {
		xerr_set(err, XPIN_USAGE,
			 "the public and the secret key cannot both be '%s'",
			 a->pubpath);
		goto out;
	}
	/* Before asking for a password that would be wasted. */
	if (!a->force && (refuse_existing(a->secpath, err) < 0 ||
			  refuse_existing(a->pubpath, err) < 0))
		goto out;
	if (!a->unencrypted && !(pw = new_password(a->pwfile, err)))
		goto out;
	if (!(sk = sign_secret_generate(err)) ||
	    sign_secret_pub(pub, sk, err) < 0 ||
	    (default_path && make_parents(a->secpath, err) < 0) ||
	    sign_keypair_save(a->pubpath, a->secpath, sk, pw, NULL,
			      a->force ? SIGN_FORCE : 0, err) < 0)
		goto out;
	ret = 0;
out:
	sign_password_free(pw);
	sign_secret_free(sk);
	return ret;
}

static int print_keys(const struct sign_pub *pub, const struct keygen_args *a,
		      const struct gopts *g)
{
	char id[17], b64[57];
	json_t *j;
	int ret;

	sign_keyid_hex(id, pub->keyid);
	sign_pub_base64(b64, pub);
	if (g->json) {
		j = json_pack("{s:s, s:b, s:s, s:s, s:s}", "keyid", id,
			      "encrypted", !a->unencrypted, "public_key", b64,
			      "public_key_file", a->pubpath,
			      "secret_key_file", a->secpath);
		ret = j ? cli_print_json(j) : -1;
		json_decref(j);
		return ret < 0 ? XPIN_USAGE : XPIN_OK;
	}
	if (!g->quiet) {
		printf("public key file: %s\n", a->pubpath);
		printf("secret key file: %s (%s; keep it secret)\n", a->secpath,
		       a->unencrypted ? "not encrypted" : "encrypted");
		printf("key id: %s\n", id);
		printf("public key: %s\n", b64);
	}
	return XPIN_OK;
}

int cmd_keygen(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct keygen_args a = { .pubpath = "xpin.pub" };
	struct buf secdef = BUF_INIT;
	struct sign_pub pub;
	int rc = parse_args(&a, argc, argv, g, &err);

	if (rc == OPT_HELP) {
		opt_usage(stdout, &cmd_keygen_help);
		return XPIN_OK;
	}
	if (rc == 0 && sign_init() < 0)
		rc = xerr_set(&err, XPIN_USAGE, "cannot initialise libsodium");
	if (rc == 0 && !a.secpath && (rc = default_secret(&secdef, &err)) == 0)
		a.secpath = secdef.data;
	if (rc == 0)
		rc = make_keys(&pub, &a, secdef.data != NULL, &err);
	rc = rc < 0 ? cli_error(g, &err) : print_keys(&pub, &a, g);
	buf_release(&secdef);
	return rc;
}
