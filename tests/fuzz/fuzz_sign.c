/* libFuzzer target: the minisign public key, secret key and signature
 * parsers, and what follows a successful parse (verification; opening and
 * signing with an unencrypted key). Encrypted keys are parsed but never
 * decrypted: scrypt would cost a second per input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"

/* vectors/sign/key-plain/key-plain.pub (minisign 0.11). */
static const char pub_b64[] =
	"RWTpu65YwfZEkxc0CERjH4miovmjcdeTGj7fjQIAFZwHEpUaOnvzWE7K";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static struct sign_pub fixed;
	struct xerr err = XERR_INIT;
	struct sign_pub pub, own;
	struct sign_sig sig;
	struct sign_secret *sk;
	struct sign_opts so = { "fuzz", NULL, NULL };
	struct buf out = BUF_INIT;
	const char *text = (const char *)data;
	char *cstr;

	if (!ready) {
		if (sign_init() < 0 ||
		    sign_pub_parse_base64(&fixed, pub_b64, &err) < 0)
			abort();
		ready = 1;
	}

	if (sign_pub_parse(&pub, text, size, "fuzz.pub", &err) == 0) {
		struct buf b = BUF_INIT;
		if (sign_pub_format(&b, &pub) < 0 ||
		    sign_pub_parse(&own, b.data, b.len, "again", &err) < 0 ||
		    memcmp(&own, &pub, sizeof(own)))
			abort(); /* what we write must read back the same */
		buf_release(&b);
	}

	cstr = malloc(size + 1);
	if (!cstr)
		return 0;
	memcpy(cstr, data, size);
	cstr[size] = '\0';
	sign_pub_parse_base64(&pub, cstr, &err);
	free(cstr);

	if (sign_sig_parse(&sig, text, size, "fuzz.minisig", &err) == 0) {
		sign_verify(&sig, &fixed, "m", 1, 0, &err);
		sign_verify(&sig, &fixed, data, size, SIGN_PREHASHED_ONLY, &err);
	}

	sk = sign_secret_parse(text, size, "fuzz.key", &err);
	if (sk && !sign_secret_encrypted(sk) &&
	    sign_secret_decrypt(sk, NULL, &err) == 0 &&
	    sign_secret_pub(&own, sk, &err) == 0) {
		/* A key that opens must sign, and its signature must verify. */
		if (sign_buffer(&out, sk, data, size, &so, &err) < 0 ||
		    sign_sig_parse(&sig, out.data, out.len, "new", &err) < 0 ||
		    sign_verify(&sig, &own, data, size, SIGN_PREHASHED_ONLY,
				&err) < 0)
			abort();
	}
	sign_secret_free(sk);
	buf_release(&out);
	return 0;
}
