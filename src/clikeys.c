/* clikeys: key and password sources for the commands. */
#include "clikeys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* xpin's secrets, taken out of the environment by clikeys_take_env. */
static struct {
	const char *name;
	struct sign_password *value;  /* NULL when it was not set */
	struct xerr err;              /* why it could not be kept */
} env_secrets[] = { { "XPIN_SECRET_KEY", NULL, XERR_INIT },
		    { "XPIN_PASSWORD", NULL, XERR_INIT } };
#define NSECRETS (sizeof(env_secrets) / sizeof(env_secrets[0]))

void clikeys_take_env(void)
{
	size_t i;

	for (i = 0; i < NSECRETS; i++) {
		char *v = getenv(env_secrets[i].name);
		size_t n;

		if (!v)
			continue;
		n = strlen(v);
		env_secrets[i].value = sign_password_new(v, n, &env_secrets[i].err);
		/* The text itself too: /proc/PID/environ shows the memory
		 * the environment started in, whatever environ says now. */
		sign_wipe(v, n);
		unsetenv(env_secrets[i].name);
	}
}

int clikeys_env(const struct sign_password **out, const char *name,
		struct xerr *err)
{
	size_t i;

	*out = NULL;
	for (i = 0; i < NSECRETS; i++) {
		if (strcmp(env_secrets[i].name, name))
			continue;
		if (env_secrets[i].err.code)
			return xerr_set(err, env_secrets[i].err.code, "%s: %s",
					name, env_secrets[i].err.msg);
		*out = env_secrets[i].value;
		return env_secrets[i].value ? 1 : 0;
	}
	return 0;
}

struct sign_secret *clikeys_secret(const char *path, struct xerr *err)
{
	const struct sign_password *env;
	const char *xdg, *home;
	struct sign_secret *sk;
	struct buf def = BUF_INIT;

	if (path)
		return sign_secret_read(path, err);
	if (clikeys_env(&env, "XPIN_SECRET_KEY", err) < 0)
		return NULL;
	if (env && sign_password_len(env))
		return sign_secret_parse(sign_password_text(env),
					 sign_password_len(env),
					 "XPIN_SECRET_KEY", err);
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

struct sign_password *clikeys_password(const char *file, const char *key,
				       struct xerr *err)
{
	const struct sign_password *env;
	struct sign_echo echo;
	struct sign_password *pw;

	if (file)
		return sign_password_read_file(file, err);
	if (clikeys_env(&env, "XPIN_PASSWORD", err) < 0)
		return NULL;
	if (env)
		return sign_password_new(sign_password_text(env),
					 sign_password_len(env), err);
	/* Echo goes off before the prompt, so nothing typed after it shows. */
	sign_echo_off(&echo, 0);
	if (isatty(0)) {
		fprintf(stderr, "Password for %s: ", key);
		fflush(stderr);
	}
	pw = sign_password_read(0, err);
	sign_echo_restore(&echo, 0);
	if (isatty(0))
		fputc('\n', stderr);
	return pw;
}

struct sign_secret *clikeys_unlocked_secret(const char *path,
					    const char *pwfile,
					    struct xerr *err)
{
	struct sign_secret *sk = clikeys_secret(path, err);
	struct sign_password *pw = NULL;

	if (!sk)
		return NULL;
	/* An unencrypted key is opened without a password. */
	if (sign_secret_encrypted(sk) &&
	    !(pw = clikeys_password(pwfile, path ? path : "the secret key", err))) {
		sign_secret_free(sk);
		return NULL;
	}
	if (sign_secret_decrypt(sk, pw, err) < 0) {
		sign_password_free(pw);
		sign_secret_free(sk);
		return NULL;
	}
	sign_password_free(pw);
	return sk;
}

int clikeys_public(struct sign_pub *out, const char *file, const char *b64,
		   struct xerr *err)
{
	if (b64)
		return sign_pub_parse_base64(out, b64, err);
	return sign_pub_load(out, file ? file : "xpin.pub", err);
}

int64_t clikeys_now(void)
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
