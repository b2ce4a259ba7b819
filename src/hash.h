/*
 * hash: streaming SHA-256 and BLAKE2b-512 (libsodium), and the encodings
 * xpin writes hashes in: hex, base64, SRI ("sha256-<base64>") and Nix's
 * base32. Contexts live on the caller's stack; nothing is allocated.
 */
#ifndef XPIN_HASH_H
#define XPIN_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HASH_SHA256_LEN 32
#define HASH_BLAKE2B_LEN 64

/* Opaque storage big enough for libsodium's states (checked in hash.c). */
struct hash_sha256 { _Alignas(64) unsigned char state[128]; };
struct hash_blake2b { _Alignas(64) unsigned char state[512]; };

int hash_init(void); /* sodium_init once; 0 or -1 */

void hash_sha256_init(struct hash_sha256 *h);
void hash_sha256_update(struct hash_sha256 *h, const void *p, size_t n);
void hash_sha256_final(struct hash_sha256 *h, unsigned char out[32]);
void hash_sha256(unsigned char out[32], const void *p, size_t n);
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
