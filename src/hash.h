/*
 * hash: streaming SHA-256 and BLAKE2b-512, and the encodings xpin writes
 * hashes in: hex, base64, SRI ("sha256-<base64>") and Nix's base32.
 *
 * SHA-256 is libcrypto's (OpenSSL EVP), which uses the CPU's SHA
 * instructions where there are some (x86 SHA-NI, ARMv8 SHA-2), with
 * libsodium's portable C as the fallback: when libcrypto cannot give a
 * context, and in a build made with XPIN_SHA256=sodium. Both give the same
 * digests (test_hash__sha256_impls). BLAKE2b is libsodium's.
 *
 * Contexts live on the caller's stack. A libcrypto SHA-256 context holds a
 * small allocation from hash_sha256_init to hash_sha256_final; a context
 * abandoned before its final is freed with hash_sha256_release.
 */
#ifndef XPIN_HASH_H
#define XPIN_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HASH_SHA256_LEN 32
#define HASH_BLAKE2B_LEN 64

/* Opaque: libsodium's state (size checked in hash.c), or libcrypto's
 * context when evp is not NULL. */
struct hash_sha256 {
	_Alignas(64) unsigned char state[128];
	void *evp;
};
struct hash_blake2b { _Alignas(64) unsigned char state[512]; };

int hash_init(void); /* sodium_init once; 0 or -1 */

/* Where SHA-256 comes from. */
enum hash_sha256_impl {
	HASH_SHA256_LIBCRYPTO, /* OpenSSL EVP: CPU instructions where present */
	HASH_SHA256_SODIUM,    /* libsodium: portable C, the reference */
};

void hash_sha256_init(struct hash_sha256 *h);
void hash_sha256_update(struct hash_sha256 *h, const void *p, size_t n);
/* The digest; h is released (and may be initialised again). */
void hash_sha256_final(struct hash_sha256 *h, unsigned char out[32]);
/* Frees what h holds without a digest; NULL-safe, and a no-op after
 * hash_sha256_final. */
void hash_sha256_release(struct hash_sha256 *h);
void hash_sha256(unsigned char out[32], const void *p, size_t n);
/* The implementation hash_sha256_init uses when libcrypto is willing:
 * HASH_SHA256_SODIUM in a build made with XPIN_SHA256=sodium. */
enum hash_sha256_impl hash_sha256_default(void);
const char *hash_sha256_impl_name(enum hash_sha256_impl impl);
/* hash_sha256_init with a chosen implementation, so tests can hold one
 * against the other: -1 (h untouched) when impl is not built in or cannot
 * give a context. */
int hash_sha256_init_impl(struct hash_sha256 *h, enum hash_sha256_impl impl);
/* SHA-256 of a file's contents, streamed. */
int hash_sha256_file(unsigned char out[32], const char *path,
		     struct xerr *err);
/* The same for the file open on fd, from where it is to its end (the
 * caller keeps fd); errors name name. */
int hash_sha256_fd(unsigned char out[32], int fd, const char *name,
		   struct xerr *err);

void hash_blake2b_init(struct hash_blake2b *h);
void hash_blake2b_update(struct hash_blake2b *h, const void *p, size_t n);
void hash_blake2b_final(struct hash_blake2b *h, unsigned char out[64]);
/* BLAKE2b-512 of a file's contents, streamed. */
int hash_blake2b_file(unsigned char out[64], const char *path,
		      struct xerr *err);

/* Encoders write a NUL-terminated string; out must be large enough:
 * hex 2n+1, base64 4*ceil(n/3)+1, nix32 ceil(8n/5)+1. */
void hash_hex(char *out, const unsigned char *p, size_t n);
void hash_base64(char *out, const unsigned char *p, size_t n);
void hash_nix32(char *out, const unsigned char *p, size_t n);
/* "sha256-" + base64 of 32 bytes: 7 + 44 + 1 bytes. */
void hash_sri_sha256(char out[52], const unsigned char d[32]);

/* Strict decoders: 0 on success, -1 when s is not exactly n bytes' worth. */
int hash_unhex(unsigned char *out, size_t n, const char *s);
int hash_unbase64(unsigned char *out, size_t n, const char *s);
int hash_unnix32(unsigned char *out, size_t n, const char *s);
/* Decoded length of padded base64 s, or -1 when it is not base64. */
long hash_base64_len(const char *s);

#endif
