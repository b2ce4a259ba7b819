/*
 * sign: minisign keys and signatures, on libsodium.
 *
 * The formats are minisign's (0.11), so either program checks the other's
 * signatures and uses the other's keys:
 *
 *   public key   "untrusted comment: ...\n"
 *                base64("Ed" keyid[8] pk[32]) "\n"
 *   secret key   "untrusted comment: ...\n"
 *                base64("Ed" kdf[2] "B2" salt[32] opslimit[8] memlimit[8]
 *                       keyid[8] sk[64] chk[32]) "\n"
 *                kdf "Sc": the last 104 bytes are XORed with
 *                scrypt(password, salt, opslimit, memlimit) (little-endian
 *                limits); kdf "\0\0": stored in clear (minisign -W).
 *                chk = BLAKE2b-256("Ed" keyid sk).
 *   signature    "untrusted comment: ...\n"
 *                base64(alg[2] keyid[8] sig[64]) "\n"
 *                "trusted comment: TEXT\n"
 *                base64(global[64]) "\n"
 *                alg "ED": sig signs BLAKE2b-512(data); legacy "Ed": sig
 *                signs the data. global signs sig || TEXT.
 *
 * Secrets (a secret key, a password) live in sodium_malloc memory owned by
 * this module: callers hold opaque handles and release them with
 * sign_secret_free() / sign_password_free(), which wipe. While any secret
 * is alive, core dumps are off (RLIMIT_CORE 0, and not dumpable on Linux);
 * the previous settings come back when the last one is freed.
 *
 * Nothing here prints, prompts or reads the environment: commands decide
 * where a password or a key comes from and pass it in. Key, signature and
 * password problems are XPIN_SIGNATURE errors; unreadable files and bad
 * arguments XPIN_USAGE.
 */
#ifndef XPIN_SIGN_H
#define XPIN_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "util.h"

#define SIGN_KEYID_BYTES 8
/* Longest comment texts minisign reads back (its 1024- and 8192-byte line
 * buffers, less the prefix and the newline). */
#define SIGN_UNTRUSTED_MAX 1003
#define SIGN_TRUSTED_MAX 8173
/* Longest password minisign reads (1024-byte buffer, less the newline). */
#define SIGN_PASSWORD_MAX 1023
/* minisign's untrusted comment on signatures. */
#define SIGN_DEFAULT_UNTRUSTED "signature from minisign secret key"

int sign_init(void); /* sodium_init once; 0 or -1 */

struct sign_pub {
	unsigned char keyid[SIGN_KEYID_BYTES];
	unsigned char pk[32];
};

/* Key id as minisign prints it: the 8 bytes as a little-endian number in
 * 16 upper-case hex digits. */
void sign_keyid_hex(char out[17], const unsigned char keyid[SIGN_KEYID_BYTES]);

/* A public key file's contents: a comment line, then the base64 line.
 * name is used in error messages. */
int sign_pub_parse(struct sign_pub *out, const char *text, size_t len,
		   const char *name, struct xerr *err);
/* The base64 line alone (minisign -P). */
int sign_pub_parse_base64(struct sign_pub *out, const char *b64,
			  struct xerr *err);
int sign_pub_load(struct sign_pub *out, const char *path, struct xerr *err);
/* 56 base64 characters and a NUL. */
void sign_pub_base64(char out[57], const struct sign_pub *pk);
/* A public key file: "untrusted comment: minisign public key <ID>\n<b64>\n"
 * appended to out. */
int sign_pub_format(struct buf *out, const struct sign_pub *pk);

/* Passwords: at most SIGN_PASSWORD_MAX bytes, no NUL; may be empty. */
struct sign_password;
struct sign_password *sign_password_new(const char *s, size_t len,
					struct xerr *err);
/* One line from fd (without its "\n" or "\r\n"). Reads byte by byte, so
 * nothing past the line is consumed. End of input before any byte is an
 * error. At a terminal echo is off while it reads; call sign_echo_off
 * before printing the prompt, so that nothing typed just after the prompt
 * is echoed either. */
struct sign_password *sign_password_read(int fd, struct xerr *err);
/* Terminal echo off on fd, when fd is a terminal (a no-op otherwise);
 * sign_echo_restore puts back what sign_echo_off found. Input typed ahead
 * is discarded, so nothing typed before the prompt is taken as the
 * password. */
struct sign_echo {
	struct termios saved;
	bool active;
};
void sign_echo_off(struct sign_echo *e, int fd);
void sign_echo_restore(struct sign_echo *e, int fd);
/* The first line of a file. */
struct sign_password *sign_password_read_file(const char *path,
					      struct xerr *err);
bool sign_password_equal(const struct sign_password *a,
			 const struct sign_password *b);
size_t sign_password_len(const struct sign_password *pw);
/* Its text, NUL-terminated; wiped with it by sign_password_free. */
const char *sign_password_text(const struct sign_password *pw);
/* Overwrite n bytes at p with zeros, in a way no compiler drops. */
void sign_wipe(void *p, size_t n);
void sign_password_free(struct sign_password *pw);

/* scrypt limits for encrypting a key; NULL means minisign's
 * (OPSLIMIT_SENSITIVE, MEMLIMIT_SENSITIVE: about 1 GiB and seconds). */
struct sign_kdf {
	uint64_t opslimit, memlimit;
};

/*
 * A secret key. sign_secret_parse/sign_secret_read give a key that may
 * still be encrypted (sign_secret_encrypted); sign_secret_decrypt opens it
 * with a password (pw is ignored for an unencrypted key). A wrong password
 * and a damaged key both fail with "wrong password or corrupt secret key".
 */
struct sign_secret;
struct sign_secret *sign_secret_parse(const char *text, size_t len,
				      const char *name, struct xerr *err);
struct sign_secret *sign_secret_read(const char *path, struct xerr *err);
struct sign_secret *sign_secret_generate(struct xerr *err);
bool sign_secret_encrypted(const struct sign_secret *sk);
int sign_secret_decrypt(struct sign_secret *sk, const struct sign_password *pw,
			struct xerr *err);
/* The public half of a decrypted key. */
int sign_secret_pub(struct sign_pub *out, const struct sign_secret *sk,
		    struct xerr *err);
void sign_secret_free(struct sign_secret *sk);

enum { SIGN_FORCE = 1 };
/*
 * Write a new key pair: the secret key (encrypted with pw under kdf, or in
 * clear when pw is NULL) at secpath with mode 0600 and the public key at
 * pubpath with mode 0644, as one replacement (util_write_pair: the secret
 * first, the public key last; a pair an interrupted run left is settled
 * first). Without SIGN_FORCE an existing file (or symlink) at either path
 * is refused; with it, a symlink or non-file still is. A failure leaves
 * the old pair and no new file behind.
 */
int sign_keypair_save(const char *pubpath, const char *secpath,
		      const struct sign_secret *sk,
		      const struct sign_password *pw,
		      const struct sign_kdf *kdf, unsigned flags,
		      struct xerr *err);

struct sign_opts {
	const char *trusted;   /* trusted comment: one line, required */
	const char *untrusted; /* NULL: SIGN_DEFAULT_UNTRUSTED */
	/* The new signature must verify with this key before it is returned
	 * (NULL: the secret key's own public half). */
	const struct sign_pub *check;
};

/* minisign's default trusted comment: "timestamp:<now>\tfile:<basename of
 * path>\thashed", appended to out. */
int sign_default_trusted(struct buf *out, const char *path, int64_t now);

/*
 * Sign data (prehashed, "ED"); out gets the whole .minisig text. The result
 * is parsed back and checked with opts->check before it is returned.
 */
int sign_buffer(struct buf *out, const struct sign_secret *sk,
		const void *data, size_t len, const struct sign_opts *opts,
		struct xerr *err);
/* The same over a file's contents, streamed. */
int sign_file(struct buf *out, const struct sign_secret *sk, const char *path,
	      const struct sign_opts *opts, struct xerr *err);

/* A parsed .minisig. After a successful sign_verify*, trusted is the
 * trusted comment the key holder signed. */
struct sign_sig {
	bool prehashed; /* "ED"; false for legacy "Ed" */
	unsigned char keyid[SIGN_KEYID_BYTES];
	unsigned char sig[64];
	unsigned char global[64];
	char untrusted[SIGN_UNTRUSTED_MAX + 1];
	char trusted[SIGN_TRUSTED_MAX + 1];
	char name[256]; /* for error messages */
};

int sign_sig_parse(struct sign_sig *out, const char *text, size_t len,
		   const char *name, struct xerr *err);
int sign_sig_load(struct sign_sig *out, const char *path, struct xerr *err);

enum { SIGN_PREHASHED_ONLY = 1 }; /* refuse legacy "Ed" signatures */
/* 0 when sig is pk's signature of data with an intact trusted comment;
 * otherwise -1 and an XPIN_SIGNATURE error naming the reason. */
int sign_verify(const struct sign_sig *sig, const struct sign_pub *pk,
		const void *data, size_t len, unsigned flags,
		struct xerr *err);
int sign_verify_file(const struct sign_sig *sig, const struct sign_pub *pk,
		     const char *path, unsigned flags, struct xerr *err);

/*
 * Plain Ed25519 (RFC 8032) over msg with the opened key sk: the 64-byte
 * signature other formats carry (DSSE, in-toto), not minisign's. pk gets
 * the 32-byte public key.
 */
int sign_ed25519(unsigned char sig[64], unsigned char pk[32],
		 const struct sign_secret *sk, const void *msg, size_t len,
		 struct xerr *err);
/* Whether sig is pk's plain Ed25519 signature of msg. */
bool sign_ed25519_check(const unsigned char sig[64],
			const unsigned char pk[32], const void *msg, size_t len);

#endif
