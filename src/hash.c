/* hash: SHA-256 on libcrypto or libsodium, BLAKE2b on libsodium, and hash
 * encodings. */
#include "hash.h"

#include <string.h>

#include <sodium.h>
#ifndef XPIN_SHA256_SODIUM
#include <pthread.h>

#include <openssl/evp.h>
#endif

_Static_assert(sizeof(crypto_hash_sha256_state) <=
	       sizeof(((struct hash_sha256 *)0)->state), "sha256 state");
_Static_assert(sizeof(crypto_generichash_state) <=
	       sizeof(((struct hash_blake2b *)0)->state), "blake2b state");

#ifndef XPIN_SHA256_SODIUM
/* Fetched once: EVP_sha256() would look the implementation up in the
 * provider store at every EVP_DigestInit_ex. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

static EVP_MD *sha256_evp(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md;
}
#endif

int hash_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

enum hash_sha256_impl hash_sha256_default(void)
{
#ifdef XPIN_SHA256_SODIUM
	return HASH_SHA256_SODIUM;
#else
	return HASH_SHA256_LIBCRYPTO;
#endif
}

const char *hash_sha256_impl_name(enum hash_sha256_impl impl)
{
	return impl == HASH_SHA256_LIBCRYPTO ? "libcrypto" : "libsodium";
}

int hash_sha256_init_impl(struct hash_sha256 *h, enum hash_sha256_impl impl)
{
	if (impl == HASH_SHA256_SODIUM) {
		crypto_hash_sha256_init((crypto_hash_sha256_state *)h->state);
		h->evp = NULL;
		return 0;
	}
#ifdef XPIN_SHA256_SODIUM
	return -1;
#else
	{
		EVP_MD *md = sha256_evp();
		EVP_MD_CTX *c = md ? EVP_MD_CTX_new() : NULL;

		if (!c || !EVP_DigestInit_ex(c, md, NULL)) {
			EVP_MD_CTX_free(c);
			return -1;
		}
		h->evp = c;
		return 0;
	}
#endif
}

void hash_sha256_init(struct hash_sha256 *h)
{
	if (hash_sha256_init_impl(h, hash_sha256_default()) < 0)
		hash_sha256_init_impl(h, HASH_SHA256_SODIUM);
}

/* EVP_DigestUpdate and EVP_DigestFinal_ex cannot fail for SHA-256 in
 * OpenSSL's default provider once the context exists (only past 2^61
 * bytes of input), so their results are not checked. */
void hash_sha256_update(struct hash_sha256 *h, const void *p, size_t n)
{
#ifndef XPIN_SHA256_SODIUM
	if (h->evp) {
		EVP_DigestUpdate(h->evp, p, n);
		return;
	}
#endif
	crypto_hash_sha256_update((crypto_hash_sha256_state *)h->state, p, n);
}

void hash_sha256_final(struct hash_sha256 *h, unsigned char out[32])
{
#ifndef XPIN_SHA256_SODIUM
	if (h->evp) {
		EVP_DigestFinal_ex(h->evp, out, NULL);
		hash_sha256_release(h);
		return;
	}
#endif
	crypto_hash_sha256_final((crypto_hash_sha256_state *)h->state, out);
}

void hash_sha256_release(struct hash_sha256 *h)
{
	if (!h)
		return;
#ifndef XPIN_SHA256_SODIUM
	EVP_MD_CTX_free(h->evp);
#endif
	h->evp = NULL;
}

void hash_sha256(unsigned char out[32], const void *p, size_t n)
{
	struct hash_sha256 h;

	hash_sha256_init(&h);
	hash_sha256_update(&h, p, n);
	hash_sha256_final(&h, out);
}

static int sha256_chunk(void *ctx, const void *p, size_t n)
{
	hash_sha256_update(ctx, p, n);
	return 0;
}

int hash_sha256_file(unsigned char out[32], const char *path,
		     struct xerr *err)
{
	struct hash_sha256 h;

	hash_sha256_init(&h);
	if (util_stream_file(path, sha256_chunk, &h, err) < 0) {
		hash_sha256_release(&h);
		return -1;
	}
	hash_sha256_final(&h, out);
	return 0;
}

int hash_sha256_fd(unsigned char out[32], int fd, const char *name,
		   struct xerr *err)
{
	struct hash_sha256 h;

	hash_sha256_init(&h);
	if (util_stream_fd(fd, name, sha256_chunk, &h, err) < 0) {
		hash_sha256_release(&h);
		return -1;
	}
	hash_sha256_final(&h, out);
	return 0;
}

static int blake2b_chunk(void *ctx, const void *p, size_t n)
{
	hash_blake2b_update(ctx, p, n);
	return 0;
}

int hash_blake2b_file(unsigned char out[64], const char *path,
		      struct xerr *err)
{
	struct hash_blake2b h;

	hash_blake2b_init(&h);
	if (util_stream_file(path, blake2b_chunk, &h, err) < 0)
		return -1;
	hash_blake2b_final(&h, out);
	return 0;
}

void hash_blake2b_init(struct hash_blake2b *h)
{
	crypto_generichash_init((crypto_generichash_state *)h->state, NULL, 0,
				64);
}

void hash_blake2b_update(struct hash_blake2b *h, const void *p, size_t n)
{
	crypto_generichash_update((crypto_generichash_state *)h->state, p, n);
}

void hash_blake2b_final(struct hash_blake2b *h, unsigned char out[64])
{
	crypto_generichash_final((crypto_generichash_state *)h->state, out, 64);
}

void hash_hex(char *out, const unsigned char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void hash_base64(char *out, const unsigned char *p, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = b64[p[i] >> 2];
		out[o++] = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		out[o++] = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		out[o++] = b64[p[i + 2] & 63];
	}
	if (n - i == 1) {
		out[o++] = b64[p[i] >> 2];
		out[o++] = b64[(p[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		out[o++] = b64[p[i] >> 2];
		out[o++] = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		out[o++] = b64[(p[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	out[o] = '\0';
}

long hash_base64_len(const char *s)
{
	size_t len = strlen(s), pad = 0, i;

	if (len == 0 || len % 4)
		return len == 0 ? 0 : -1;
	if (s[len - 1] == '=')
		pad++;
	if (s[len - 2] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (!strchr(b64, s[i]) || !s[i])
			return -1;
	return (long)(len / 4 * 3 - pad);
}

int hash_unbase64(unsigned char *out, size_t n, const char *s)
{
	size_t len = strlen(s), i, o = 0;
	long dl = hash_base64_len(s);
	unsigned v = 0;
	int bits = 0;

	if (dl < 0 || (size_t)dl != n)
		return -1;
	for (i = 0; i < len && s[i] != '='; i++) {
		v = (v << 6) | (unsigned)(strchr(b64, s[i]) - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
			v &= (1u << bits) - 1;
		}
	}
	/* Canonical: the unused low bits must be zero. */
	return (o == n && v == 0) ? 0 : -1;
}

static const char nix32_chars[] = "0123456789abcdfghijklmnpqrsvwxyz";

void hash_nix32(char *out, const unsigned char *p, size_t n)
{
	size_t len = (n * 8 - 1) / 5 + 1, k;

	for (k = 0; k < len; k++) {
		size_t nb = (len - 1 - k) * 5, i = nb / 8, j = nb % 8;
		unsigned c = (unsigned)(p[i] >> j);
		if (i + 1 < n)
			c |= (unsigned)p[i + 1] << (8 - j);
		out[k] = nix32_chars[c & 0x1f];
	}
	out[len] = '\0';
}

int hash_unnix32(unsigned char *out, size_t n, const char *s)
{
	size_t len = (n * 8 - 1) / 5 + 1, k;

	if (strlen(s) != len)
		return -1;
	memset(out, 0, n);
	for (k = 0; k < len; k++) {
		const char *c = strchr(nix32_chars, s[len - 1 - k]);
		size_t b = k * 5, i = b / 8, j = b % 8;
		unsigned d;

		if (!c || !*c)
			return -1;
		d = (unsigned)(c - nix32_chars);
		out[i] |= (unsigned char)(d << j);
		if (i + 1 < n)
			out[i + 1] |= (unsigned char)(d >> (8 - j));
		else if (d >> (8 - j))
			return -1;
	}
	return 0;
}

void hash_sri_sha256(char out[52], const unsigned char d[32])
{
	memcpy(out, "sha256-", 7);
	hash_base64(out + 7, d, 32);
}

int hash_unhex(unsigned char *out, size_t n, const char *s)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (v < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return 0;
}
