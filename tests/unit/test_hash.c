#include <stdint.h>
#include <stdlib.h>

#include "hash.h"
#include "unit.h"

/* Expected values: `printf abc | sha256sum`, and Nix's
 * `nix hash to-base32 sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=`
 * (Nix 2.8). */
void test_hash__sha256_abc(void)
{
	unsigned char d[32];
	char hex[65], sri[52], n32[53];

	hash_sha256(d, "abc", 3);
	hash_hex(hex, d, 32);
	T_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash_sri_sha256(sri, d);
	T_STREQ(sri, "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
	hash_nix32(n32, d, 32);
	T_STREQ(n32, "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s");
}

void test_hash__roundtrips(void)
{
	unsigned char d[32], e[32];
	char b[80];
	int i;

	for (i = 0; i < 32; i++)
		d[i] = (unsigned char)(i * 37 + 11);
	hash_base64(b, d, 32);
	T_INTEQ(hash_unbase64(e, 32, b), 0);
	T_ASSERT(!memcmp(d, e, 32));
	hash_nix32(b, d, 32);
	T_INTEQ(hash_unnix32(e, 32, b), 0);
	T_ASSERT(!memcmp(d, e, 32));
	hash_hex(b, d, 32);
	T_INTEQ(hash_unhex(e, 32, b), 0);
	T_ASSERT(!memcmp(d, e, 32));
	T_INTEQ(hash_unbase64(e, 32, "not base64"), -1);
	T_INTEQ(hash_unbase64(e, 3, "AAA="), -1);
}

/* Both SHA-256 implementations built in: libsodium always, libcrypto
 * unless the build is XPIN_SHA256=sodium. */
static int sha256_impls(enum hash_sha256_impl out[2])
{
	struct hash_sha256 h;
	int n = 0;

	out[n++] = HASH_SHA256_SODIUM;
	if (hash_sha256_init_impl(&h, HASH_SHA256_LIBCRYPTO) == 0) {
		hash_sha256_release(&h);
		out[n++] = HASH_SHA256_LIBCRYPTO;
	}
	return n;
}

/* SHA-256 of p[0..n) with impl, fed in pieces of step bytes (0: whole). */
static void sha256_with(unsigned char out[32], enum hash_sha256_impl impl,
			const unsigned char *p, size_t n, size_t step)
{
	struct hash_sha256 h;
	size_t i;

	if (hash_sha256_init_impl(&h, impl) < 0) {
		memset(out, 0, 32);
		T_ASSERT(!"hash_sha256_init_impl failed");
		return;
	}
	if (!step)
		step = n ? n : 1;
	for (i = 0; i < n; i += step)
		hash_sha256_update(&h, p + i, n - i < step ? n - i : step);
	hash_sha256_final(&h, out);
}

/* A reproducible byte stream (xorshift64*). */
static void fill(unsigned char *p, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (unsigned char)((x * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

/* The default implementation is the one the build asked for, and libcrypto
 * is there exactly when it was asked for. */
void test_hash__sha256_default(void)
{
	enum hash_sha256_impl impls[2];
	int n = sha256_impls(impls);

#ifdef XPIN_SHA256_SODIUM
	T_INTEQ(hash_sha256_default(), HASH_SHA256_SODIUM);
	T_INTEQ(n, 1);
#else
	T_INTEQ(hash_sha256_default(), HASH_SHA256_LIBCRYPTO);
	T_INTEQ(n, 2);
#endif
	T_STREQ(hash_sha256_impl_name(HASH_SHA256_LIBCRYPTO), "libcrypto");
	T_STREQ(hash_sha256_impl_name(HASH_SHA256_SODIUM), "libsodium");
}

/* Known answers, from GNU coreutils 9.1's sha256sum: for N in the table,
 * `head -c N /dev/zero | tr '\0' a | sha256sum` (N around the 55/56/64
 * byte padding edges, and FIPS 180-2's million 'a's), and
 * `head -c 67108864 /dev/zero | sha256sum`, each through every built-in
 * implementation, whole and in pieces of odd sizes. */
void test_hash__sha256_known_answers(void)
{
	static const struct { size_t n; const char *hex; } as[] = {
		{ 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
		{ 128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e" },
		{ 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	};
	static const char zeros64m[] =
		"3b6a07d0d404fab4e23b6d34bc6696a6a312dd92821332385e5af7c01c421351";
	static const size_t steps[] = { 0, 1, 7, 64, 65, 4093 };
	const size_t big = (size_t)64 << 20;
	enum hash_sha256_impl impls[2];
	unsigned char d[32], *p = malloc(big);
	char hex[65];
	int n = sha256_impls(impls), k;
	size_t i, s;

	T_ASSERT(p);
	if (!p)
		return;
	memset(p, 'a', 1000000);
	for (k = 0; k < n; k++) {
		for (i = 0; i < sizeof(as) / sizeof(as[0]); i++)
			for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
				if (as[i].n > 100000 && steps[s] && steps[s] < 64)
					continue;
				sha256_with(d, impls[k], p, as[i].n, steps[s]);
				hash_hex(hex, d, 32);
				T_STREQ(hex, as[i].hex);
			}
	}
	memset(p, 0, big);
	for (k = 0; k < n; k++) {
		sha256_with(d, impls[k], p, big, 0);
		hash_hex(hex, d, 32);
		T_STREQ(hex, zeros64m);
		sha256_with(d, impls[k], p, big, 1000003);
		hash_hex(hex, d, 32);
		T_STREQ(hex, zeros64m);
	}
	hash_sha256(d, "abc", 3);
	hash_hex(hex, d, 32);
	T_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(p);
}

/* libcrypto against libsodium, the reference, on pseudo-random data: every
 * length 0..4096, whole and split at every 61st point and in 1-, 3- and
 * 63-byte pieces; then 64 MiB fed in pieces of cycling odd sizes against
 * libsodium's digest of the whole. */
void test_hash__sha256_impls(void)
{
	static const size_t odd[] = { 1, 3, 63, 65, 127, 4097, 65537, 1000003 };
	const size_t big = (size_t)64 << 20;
	enum hash_sha256_impl impls[2];
	unsigned char *p = malloc(big), ref[32], d[32];
	struct hash_sha256 h;
	size_t n, cut, i, k;

	T_ASSERT(p);
	if (!p)
		return;
	if (sha256_impls(impls) < 2) {
		printf("# libcrypto SHA-256 not built in (XPIN_SHA256=sodium)\n");
		free(p);
		return;
	}
	fill(p, big, 0x9e3779b97f4a7c15ULL);
	for (n = 0; n <= 4096; n++) {
		sha256_with(ref, HASH_SHA256_SODIUM, p, n, 0);
		sha256_with(d, HASH_SHA256_LIBCRYPTO, p, n, 0);
		T_ASSERT(!memcmp(ref, d, 32));
		for (k = 1; k <= 63; k += k == 1 ? 2 : 60) {
			sha256_with(d, HASH_SHA256_LIBCRYPTO, p, n, k);
			T_ASSERT(!memcmp(ref, d, 32));
		}
		for (cut = 0; cut <= n; cut += 61) {
			T_INTEQ(hash_sha256_init_impl(&h, HASH_SHA256_LIBCRYPTO), 0);
			hash_sha256_update(&h, p, cut);
			hash_sha256_update(&h, p + cut, n - cut);
			hash_sha256_final(&h, d);
			T_ASSERT(!memcmp(ref, d, 32));
		}
		if (memcmp(ref, d, 32)) {
			printf("#   first difference at length %zu\n", n);
			break;
		}
	}
	sha256_with(ref, HASH_SHA256_SODIUM, p, big, 0);
	T_INTEQ(hash_sha256_init_impl(&h, HASH_SHA256_LIBCRYPTO), 0);
	for (i = 0, k = 0; i < big; k++) {
		size_t step = odd[k % (sizeof(odd) / sizeof(odd[0]))];

		step = big - i < step ? big - i : step;
		hash_sha256_update(&h, p + i, step);
		i += step;
	}
	hash_sha256_final(&h, d);
	T_ASSERT(!memcmp(ref, d, 32));
	hash_sha256(d, p, big);
	T_ASSERT(!memcmp(ref, d, 32));
	free(p);
}
