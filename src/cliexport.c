/* cliexport: the kinds of evidence, and the key that signs them. */
#include "cliexport.h"

#include <string.h>

#include "clikeys.h"

static const struct {
	const char *name;
	export_fn fn;
} kinds[] = {
	{ "sums", export_sums },
	{ "files", export_files },
	{ "slsa", export_slsa },
	{ "in-toto", export_intoto },
	{ "in-toto-key", export_intoto_key },
};

export_fn cliexport_kind(const char *name, struct xerr *err)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, name))
			return kinds[i].fn;
	xerr_set(err, XPIN_USAGE,
		 "'%s' is not a kind of evidence: sums, files, slsa, in-toto or in-toto-key",
		 name);
	return NULL;
}

struct sign_secret *export_secret(const struct export_ctx *c, struct xerr *err)
{
	struct sign_secret *sk = clikeys_unlocked_secret(c->secpath, c->pwfile, err);
	struct sign_pub pub;

	if (sk && (sign_secret_pub(&pub, sk, err) < 0 ||
		   memcmp(pub.pk, c->pub->pk, sizeof(pub.pk)))) {
		if (!err->code)
			xerr_set(err, XPIN_SIGNATURE,
				 "the secret key is not the one that signed xpin.lock");
		sign_secret_free(sk);
		return NULL;
	}
	return sk;
}

