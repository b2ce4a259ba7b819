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
