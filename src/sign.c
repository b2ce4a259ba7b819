/* sign: minisign keys and signatures on libsodium (formats in sign.h). */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <sodium.h>

#include "hash.h"

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
/* minisign reads comment lines with fgets into 1024- and 8192-byte
 * buffers: a line (without its newline) longer than this is refused. */
#define UNTRUSTED_LINE_MAX 1022
#define TRUSTED_LINE_MAX 8190

/* Binary layouts; all members are byte arrays, so there is no padding. */
struct raw_pub {
	unsigned char alg[2];
	unsigned char keyid[8];
	unsigned char pk[32];
};
struct raw_sig {
	unsigned char alg[2];
	unsigned char keyid[8];
	unsigned char sig[64];
};
struct raw_keynum_sk {
	unsigned char keyid[8];
	unsigned char sk[64];
	unsigned char chk[32];
};
struct raw_sec {
	unsigned char alg[2];
	unsigned char kdf[2];
	unsigned char chk_alg[2];
	unsigned char salt[32];
	unsigned char opslimit[8];
	unsigned char memlimit[8];
	struct raw_keynum_sk ks;
};
_Static_assert(sizeof(struct raw_pub) == 42, "public key layout");
_Static_assert(sizeof(struct raw_sig) == 74, "signature layout");
_Static_assert(sizeof(struct raw_sec) == 158, "secret key layout");
_Static_assert(crypto_pwhash_scryptsalsa208sha256_SALTBYTES == 32, "salt");

#define B64_LEN(n) (((n) + 2) / 3 * 4)

struct sign_password {
	size_t len;
	char s[SIGN_PASSWORD_MAX + 1];
};

struct sign_secret {
	struct raw_sec raw;
	bool opened; /* raw.ks is in clear and checked */
	char name[256];
};

int sign_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

/* --- secure memory, and no core dumps while a secret is alive --- */

static int guard_count;
static struct rlimit guard_core;
static bool guard_core_saved;
#ifdef __linux__
static int guard_dumpable = -1;
#endif

static void guard_enter(void)
{
	struct rlimit none;

	if (guard_count++ > 0)
		return;
	guard_core_saved = getrlimit(RLIMIT_CORE, &guard_core) == 0;
	if (guard_core_saved) {
		/* The soft limit only: an unprivileged process could not raise
		 * a lowered hard limit back. */
		none = guard_core;
		none.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &none);
	}
#ifdef __linux__
	guard_dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

static void guard_leave(void)
{
	if (guard_count <= 0 || --guard_count > 0)
		return;
#ifdef __linux__
	if (guard_dumpable > 0)
		prctl(PR_SET_DUMPABLE, guard_dumpable, 0, 0, 0);
#endif
	if (guard_core_saved)
		setrlimit(RLIMIT_CORE, &guard_core);
}

static void *secure_alloc(size_t n)
{
	void *p = sodium_malloc(n);

	if (!p)
		return NULL;
	guard_enter();
	sodium_memzero(p, n);
	return p;
}

static void secure_free(void *p)
{
	if (!p)
		return;
	sodium_free(p); /* wipes */
	guard_leave();
}

/* --- small helpers --- */

static uint64_t le64_load(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void le64_store(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

void sign_keyid_hex(char out[17], const unsigned char keyid[SIGN_KEYID_BYTES])
{
	snprintf(out, 17, "%016" PRIX64, le64_load(keyid));
}

/* An algorithm tag for messages: "Ex" when printable, else hex bytes. */
static void alg_name(char out[16], const unsigned char a[2])
{
	if (a[0] > 0x20 && a[0] < 0x7f && a[1] > 0x20 && a[1] < 0x7f)
		snprintf(out, 16, "\"%c%c\"", a[0], a[1]);
	else
		snprintf(out, 16, "0x%02x 0x%02x", a[0], a[1]);
}

struct line {
	const char *p;
	size_t len; /* without "\n" and a "\r" before it */
	size_t raw; /* without "\n" */
	bool nl;    /* ended with "\n" */
};

static bool next_line(const char **pos, const char *end, struct line *l)
{
	const char *nl;

	if (*pos >= end)
		return false;
	nl = memchr(*pos, '\n', (size_t)(end - *pos));
	l->p = *pos;
	l->raw = nl ? (size_t)(nl - *pos) : (size_t)(end - *pos);
	l->len = l->raw && l->p[l->raw - 1] == '\r' ? l->raw - 1 : l->raw;
	l->nl = nl != NULL;
	*pos = nl ? nl + 1 : end;
	return true;
}

/* Nothing but line ends left. */
static bool only_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r')
			return false;
	return true;
}

/* Decode a base64 line of exactly n bytes, through scratch (size > the
 * encoded length) so the decoder sees a C string. */
static int decode_line(unsigned char *out, size_t n, const struct line *l,
		       char *scratch, size_t scratch_size)
{
	int r;

	if (l->len != B64_LEN(n) || l->len >= scratch_size)
		return -1;
	memcpy(scratch, l->p, l->len);
	scratch[l->len] = '\0';
	r = hash_unbase64(out, n, scratch);
	sodium_memzero(scratch, l->len);
	return r;
}

/* The comment line of a key file: present, ended, not too long. */
static int key_comment_line(const char **pos, const char *end,
			    const char *name, const char *what,
			    struct xerr *err)
{
	struct line l;

	if (!next_line(pos, end, &l) || !l.nl)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 1, 0,
				   "not a minisign %s: it needs a comment line, then the key",
				   what);
	if (l.raw > UNTRUSTED_LINE_MAX)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 1, 0,
				   "comment line is longer than %d bytes",
				   UNTRUSTED_LINE_MAX);
	return 0;
}

/* --- public keys --- */

static int pub_from_raw(struct sign_pub *out, const struct raw_pub *r,
			const char *name, int line, struct xerr *err)
{
	char a[16];

	if (memcmp(r->alg, "Ed", 2)) {
		alg_name(a, r->alg);
		return xerr_setpos(err, XPIN_SIGNATURE, name, line, 0,
				   "unsupported public key algorithm %s (expected \"Ed\")",
				   a);
	}
	memcpy(out->keyid, r->keyid, sizeof(out->keyid));
	memcpy(out->pk, r->pk, sizeof(out->pk));
	return 0;
}

int sign_pub_parse_base64(struct sign_pub *out, const char *b64,
			  struct xerr *err)
{
	struct raw_pub r;

	if (hash_unbase64((unsigned char *)&r, sizeof(r), b64) < 0)
		return xerr_set(err, XPIN_SIGNATURE,
				"public key '%.80s' is not base64 of %zu bytes",
				b64, sizeof(r));
	return pub_from_raw(out, &r, NULL, 0, err);
}

int sign_pub_parse(struct sign_pub *out, const char *text, size_t len,
		   const char *name, struct xerr *err)
{
	const char *pos = text, *end = text + len;
	char scratch[B64_LEN(sizeof(struct raw_pub)) + 1];
	struct raw_pub r;
	struct line l;

	if (memchr(text, '\0', len))
		return xerr_setpos(err, XPIN_SIGNATURE, name, 0, 0,
				   "not a minisign public key: it contains a NUL byte");
	if (key_comment_line(&pos, end, name, "public key", err) < 0)
		return -1;
	if (!next_line(&pos, end, &l) ||
	    decode_line((unsigned char *)&r, sizeof(r), &l, scratch,
			sizeof(scratch)) < 0)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
				   "the public key is not base64 of %zu bytes",
				   sizeof(r));
	if (!only_blank(pos, end))
		return xerr_setpos(err, XPIN_SIGNATURE, name, 3, 0,
				   "unexpected text after the public key");
	return pub_from_raw(out, &r, name, 2, err);
}

int sign_pub_load(struct sign_pub *out, const char *path, struct xerr *err)
{
	struct buf b = BUF_INIT;
	int ret;

	if (util_read_file(&b, path, 65536, err) < 0) {
		buf_release(&b);
		return -1;
	}
	ret = sign_pub_parse(out, buf_cstr(&b), b.len, path, err);
	buf_release(&b);
	return ret;
}

void sign_pub_base64(char out[57], const struct sign_pub *pk)
{
	struct raw_pub r;

	memcpy(r.alg, "Ed", 2);
	memcpy(r.keyid, pk->keyid, sizeof(r.keyid));
	memcpy(r.pk, pk->pk, sizeof(r.pk));
	hash_base64(out, (const unsigned char *)&r, sizeof(r));
}

int sign_pub_format(struct buf *out, const struct sign_pub *pk)
{
	char id[17], b64[57];

	sign_keyid_hex(id, pk->keyid);
	sign_pub_base64(b64, pk);
	return buf_printf(out, UNTRUSTED_PREFIX "minisign public key %s\n%s\n",
			  id, b64);
}

/* --- passwords --- */

struct sign_password *sign_password_new(const char *s, size_t len,
					struct xerr *err)
{
	struct sign_password *pw;

	if (len > SIGN_PASSWORD_MAX) {
		xerr_set(err, XPIN_USAGE, "password is longer than %d bytes",
			 SIGN_PASSWORD_MAX);
		return NULL;
	}
	if (memchr(s, '\0', len)) {
		xerr_set(err, XPIN_USAGE, "password contains a NUL byte");
		return NULL;
	}
	pw = secure_alloc(sizeof(*pw));
	if (!pw) {
		xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
		return NULL;
	}
	memcpy(pw->s, s, len);
	pw->s[len] = '\0';
	pw->len = len;
	return pw;
}

/* Read one line into pw; what names the source in messages. */
static int read_line_fd(struct sign_password *pw, int fd, const char *what,
			struct xerr *err)
{
	bool any = false, too_long = false, nul = false;
	char c = 0;
	ssize_t n;

	pw->len = 0;
	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			xerr_set(err, XPIN_USAGE, "cannot read the password from %s: %s",
				 what, strerror(errno));
			goto fail;
		}
		if (n == 0 || c == '\n')
			break;
		any = true;
		if (c == '\0')
			nul = true;
		if (pw->len < SIGN_PASSWORD_MAX + 1)
			pw->s[pw->len++] = c;
		else
			too_long = true;
	}
	if (!any && n == 0) {
		xerr_set(err, XPIN_USAGE, "no password: %s is empty", what);
		goto fail;
	}
	if (pw->len && pw->s[pw->len - 1] == '\r')
		pw->len--;
	if (too_long || pw->len > SIGN_PASSWORD_MAX) {
		xerr_set(err, XPIN_USAGE, "password is longer than %d bytes",
			 SIGN_PASSWORD_MAX);
		goto fail;
	}
	if (nul) {
		xerr_set(err, XPIN_USAGE, "password contains a NUL byte");
		goto fail;
	}
	pw->s[pw->len] = '\0';
	sodium_memzero(&c, sizeof(c));
	return 0;
fail:
	sodium_memzero(&c, sizeof(c));
	sodium_memzero(pw->s, sizeof(pw->s));
	pw->len = 0;
	return -1;
}

struct sign_password *sign_password_read(int fd, struct xerr *err)
{
	struct sign_password *pw;
	struct termios saved, quiet;
	bool tty = isatty(fd), restore = false;
	int r;

	pw = secure_alloc(sizeof(*pw));
	if (!pw) {
		xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
		return NULL;
	}
	/* Echo is off while a password is read even when the caller did not
	 * call sign_echo_off; nothing already typed is discarded here. */
	if (tty && tcgetattr(fd, &saved) == 0 && (saved.c_lflag & ECHO)) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(fd, TCSANOW, &quiet) == 0;
	}
	r = read_line_fd(pw, fd, tty ? "the terminal" : "standard input", err);
	if (restore)
		tcsetattr(fd, TCSANOW, &saved);
	if (r < 0) {
		secure_free(pw);
		return NULL;
	}
	return pw;
}

void sign_echo_off(struct sign_echo *e, int fd)
{
	struct termios quiet;

	e->active = false;
	if (!isatty(fd) || tcgetattr(fd, &e->saved) != 0)
		return;
	quiet = e->saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	e->active = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
}

void sign_echo_restore(struct sign_echo *e, int fd)
{
	if (e->active)
		tcsetattr(fd, TCSANOW, &e->saved);
	e->active = false;
}

struct sign_password *sign_password_read_file(const char *path,
					      struct xerr *err)
{
	struct sign_password *pw;
	char what[300];
	int fd, r;

	fd = util_open_regular(path, err);
	if (fd < 0)
		return NULL;
	pw = secure_alloc(sizeof(*pw));
	if (!pw) {
		close(fd);
		xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
		return NULL;
	}
	snprintf(what, sizeof(what), "'%s'", path);
	r = read_line_fd(pw, fd, what, err);
	close(fd);
	if (r < 0) {
		secure_free(pw);
		return NULL;
	}
	return pw;
}

bool sign_password_equal(const struct sign_password *a,
			 const struct sign_password *b)
{
	return a->len == b->len && sodium_memcmp(a->s, b->s, a->len) == 0;
}

size_t sign_password_len(const struct sign_password *pw)
{
	return pw->len;
}

const char *sign_password_text(const struct sign_password *pw)
{
	return pw->s;
}

void sign_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

void sign_password_free(struct sign_password *pw)
{
	secure_free(pw);
}

/* --- secret keys --- */

static void seckey_chk(unsigned char out[32], const struct raw_sec *r)
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, 32);
	crypto_generichash_update(&h, r->alg, sizeof(r->alg));
	crypto_generichash_update(&h, r->ks.keyid, sizeof(r->ks.keyid));
	crypto_generichash_update(&h, r->ks.sk, sizeof(r->ks.sk));
	crypto_generichash_final(&h, out, 32);
	sodium_memzero(&h, sizeof(h));
}

struct scratch {
	unsigned char chk[32];
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char stream[sizeof(struct raw_keynum_sk)];
	struct raw_sec raw;
	char text[512];
};

/* A clear keynum_sk is sound: its checksum matches (minisign 0.11 leaves
 * it zero in unencrypted keys, so zero passes there) and the Ed25519 seed
 * gives the stored public half. */
static bool keynum_sound(struct scratch *s, const struct raw_sec *r,
			 bool zero_chk_ok)
{
	bool ok = true;

	seckey_chk(s->chk, r);
	if (sodium_memcmp(s->chk, r->ks.chk, 32) != 0 &&
	    !(zero_chk_ok && sodium_is_zero(r->ks.chk, 32)))
		ok = false;
	if (crypto_sign_seed_keypair(s->pk, s->sk, r->ks.sk) != 0 ||
	    sodium_memcmp(s->sk, r->ks.sk, sizeof(s->sk)) != 0)
		ok = false;
	return ok;
}

struct sign_secret *sign_secret_parse(const char *text, size_t len,
				      const char *name, struct xerr *err)
{
	const char *pos = text, *end = text + len;
	struct sign_secret *sk = NULL;
	struct scratch *s = NULL;
	struct line l;
	char a[16];

	if (!name)
		name = "secret key";
	sk = secure_alloc(sizeof(*sk));
	s = secure_alloc(sizeof(*s));
	if (!sk || !s) {
		xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
		goto fail;
	}
	snprintf(sk->name, sizeof(sk->name), "%s", name);
	if (memchr(text, '\0', len)) {
		xerr_setpos(err, XPIN_SIGNATURE, name, 0, 0,
			    "not a minisign secret key: it contains a NUL byte");
		goto fail;
	}
	if (key_comment_line(&pos, end, name, "secret key", err) < 0)
		goto fail;
	if (!next_line(&pos, end, &l) ||
	    decode_line((unsigned char *)&sk->raw, sizeof(sk->raw), &l,
			s->text, sizeof(s->text)) < 0) {
		xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
			    "the secret key is not base64 of %zu bytes",
			    sizeof(sk->raw));
		goto fail;
	}
	if (!only_blank(pos, end)) {
		xerr_setpos(err, XPIN_SIGNATURE, name, 3, 0,
			    "unexpected text after the secret key");
		goto fail;
	}
	if (memcmp(sk->raw.alg, "Ed", 2)) {
		alg_name(a, sk->raw.alg);
		xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
			    "unsupported signature algorithm %s (expected \"Ed\")", a);
		goto fail;
	}
	if (memcmp(sk->raw.chk_alg, "B2", 2)) {
		alg_name(a, sk->raw.chk_alg);
		xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
			    "unsupported checksum algorithm %s (expected \"B2\")", a);
		goto fail;
	}
	if (memcmp(sk->raw.kdf, "Sc", 2) && memcmp(sk->raw.kdf, "\0\0", 2)) {
		alg_name(a, sk->raw.kdf);
		xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
			    "unsupported key derivation %s (expected \"Sc\" or none)",
			    a);
		goto fail;
	}
	secure_free(s);
	return sk;
fail:
	secure_free(s);
	secure_free(sk);
	return NULL;
}

struct sign_secret *sign_secret_read(const char *path, struct xerr *err)
{
	struct sign_secret *sk = NULL;
	char *text = NULL;
	size_t len = 0, cap = 16384;
	struct stat st;
	ssize_t n;
	int fd;

	fd = util_open_regular(path, err);
	if (fd < 0)
		return NULL;
	text = secure_alloc(cap);
	if (!text) {
		xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
		goto out;
	}
	for (;;) {
		n = util_read_some(fd, text + len, cap - len, path, err);
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap) {
			xerr_setpos(err, XPIN_SIGNATURE, path, 0, 0,
				    "not a minisign secret key: larger than %zu bytes",
				    cap - 1);
			goto out;
		}
	}
	sk = sign_secret_parse(text, len, path, err);
	/* As ssh does with private keys: one others can read is no secret. */
	if (sk && (fstat(fd, &st) < 0 || (st.st_mode & 077))) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0,
			    "others can read or change this secret key (mode %04o)",
			    (unsigned)(st.st_mode & 07777));
		xerr_hint(err, "chmod 600 '%s', and make a new key pair if others may have read it",
			  path);
		secure_free(sk);
		sk = NULL;
	}
out:
	close(fd);
	secure_free(text);
	return sk;
}

struct sign_secret *sign_secret_generate(struct xerr *err)
{
	struct sign_secret *sk;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];

	sk = secure_alloc(sizeof(*sk));
	if (!sk) {
		xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
		return NULL;
	}
	memcpy(sk->raw.alg, "Ed", 2);
	memcpy(sk->raw.chk_alg, "B2", 2);
	randombytes_buf(sk->raw.ks.keyid, sizeof(sk->raw.ks.keyid));
	crypto_sign_keypair(pk, sk->raw.ks.sk);
	seckey_chk(sk->raw.ks.chk, &sk->raw);
	sk->opened = true;
	snprintf(sk->name, sizeof(sk->name), "new secret key");
	return sk;
}

bool sign_secret_encrypted(const struct sign_secret *sk)
{
	return !sk->opened && !memcmp(sk->raw.kdf, "Sc", 2);
}

int sign_secret_decrypt(struct sign_secret *sk, const struct sign_password *pw,
			struct xerr *err)
{
	struct scratch *s;
	uint64_t ops, mem;
	size_t i;
	int ret = -1;

	if (sk->opened)
		return 0;
	s = secure_alloc(sizeof(*s));
	if (!s)
		return xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
	s->raw = sk->raw;
	if (!memcmp(sk->raw.kdf, "Sc", 2)) {
		if (!pw) {
			xerr_setpos(err, XPIN_SIGNATURE, sk->name, 0, 0,
				    "the secret key is encrypted and no password was given");
			goto out;
		}
		ops = le64_load(sk->raw.opslimit);
		mem = le64_load(sk->raw.memlimit);
		if (mem > SIZE_MAX) {
			xerr_setpos(err, XPIN_SIGNATURE, sk->name, 0, 0,
				    "wrong password or corrupt secret key");
			goto out;
		}
		if (crypto_pwhash_scryptsalsa208sha256(
			    s->stream, sizeof(s->stream), pw->s, pw->len,
			    sk->raw.salt, ops, (size_t)mem) != 0) {
			xerr_setpos(err, XPIN_SIGNATURE, sk->name, 0, 0,
				    "cannot derive the key from the password (scrypt opslimit %" PRIu64 ", memlimit %" PRIu64 "): %s",
				    ops, mem, strerror(errno));
			goto out;
		}
		for (i = 0; i < sizeof(s->stream); i++)
			((unsigned char *)&s->raw.ks)[i] ^= s->stream[i];
		if (!keynum_sound(s, &s->raw, false)) {
			xerr_setpos(err, XPIN_SIGNATURE, sk->name, 0, 0,
				    "wrong password or corrupt secret key");
			goto out;
		}
	} else if (!keynum_sound(s, &s->raw, true)) {
		xerr_setpos(err, XPIN_SIGNATURE, sk->name, 0, 0,
			    "corrupt secret key: its checksum or public half does not match");
		goto out;
	}
	sk->raw = s->raw;
	sk->opened = true;
	ret = 0;
out:
	secure_free(s);
	return ret;
}

static int need_open(const struct sign_secret *sk, struct xerr *err)
{
	if (sk->opened)
		return 0;
	return xerr_setpos(err, XPIN_SIGNATURE, sk->name, 0, 0,
			   "the secret key has not been decrypted");
}

int sign_secret_pub(struct sign_pub *out, const struct sign_secret *sk,
		    struct xerr *err)
{
	if (need_open(sk, err) < 0)
		return -1;
	memcpy(out->keyid, sk->raw.ks.keyid, sizeof(out->keyid));
	crypto_sign_ed25519_sk_to_pk(out->pk, sk->raw.ks.sk);
	return 0;
}

void sign_secret_free(struct sign_secret *sk)
{
	secure_free(sk);
}

/* --- key files --- */

/* Whether path may be written: absent, or (when replacing) a regular
 * file. Checked for both key files before either is written. */
static int writable_check(const char *path, bool replace, struct xerr *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return 0;
	if (!replace)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "already exists; not overwriting it");
	if (S_ISLNK(st.st_mode))
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "is a symbolic link; not replacing it");
	if (!S_ISREG(st.st_mode))
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "exists and is not a regular file");
	return 0;
}

/* The secret key file text into s->text; s->raw gets the stored form. */
static int seckey_text(struct scratch *s, size_t *len,
		       const struct sign_secret *sk,
		       const struct sign_password *pw,
		       const struct sign_kdf *kdf, struct xerr *err)
{
	uint64_t ops = crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE;
	uint64_t mem = crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE;
	const char *comment;
	size_t i, n;

	s->raw = sk->raw;
	memset(s->raw.salt, 0, sizeof(s->raw.salt));
	memset(s->raw.opslimit, 0, 8);
	memset(s->raw.memlimit, 0, 8);
	seckey_chk(s->raw.ks.chk, &s->raw);
	if (pw) {
		if (kdf) {
			ops = kdf->opslimit;
			mem = kdf->memlimit;
		}
		memcpy(s->raw.kdf, "Sc", 2);
		randombytes_buf(s->raw.salt, sizeof(s->raw.salt));
		/* As minisign: halve the limits until the memory is there. */
		while (mem > SIZE_MAX ||
		       crypto_pwhash_scryptsalsa208sha256(
			       s->stream, sizeof(s->stream), pw->s, pw->len,
			       s->raw.salt, ops, (size_t)mem) != 0) {
			ops /= 2;
			mem /= 2;
			if (ops < crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_MIN ||
			    mem < crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_MIN)
				return xerr_set(err, XPIN_USAGE,
						"cannot derive a key from the password: not enough memory");
		}
		le64_store(s->raw.opslimit, ops);
		le64_store(s->raw.memlimit, mem);
		for (i = 0; i < sizeof(s->stream); i++)
			((unsigned char *)&s->raw.ks)[i] ^= s->stream[i];
		comment = "xpin encrypted secret key";
	} else {
		memcpy(s->raw.kdf, "\0\0", 2);
		comment = "xpin unencrypted secret key";
	}
	n = (size_t)snprintf(s->text, sizeof(s->text), UNTRUSTED_PREFIX "%s\n",
			     comment);
	hash_base64(s->text + n, (const unsigned char *)&s->raw,
		    sizeof(s->raw));
	n += B64_LEN(sizeof(s->raw));
	s->text[n++] = '\n';
	s->text[n] = '\0';
	*len = n;
	return 0;
}

int sign_keypair_save(const char *pubpath, const char *secpath,
		      const struct sign_secret *sk,
		      const struct sign_password *pw,
		      const struct sign_kdf *kdf, unsigned flags,
		      struct xerr *err)
{
	struct buf pubtext = BUF_INIT;
	struct scratch *s = NULL;
	struct sign_pub pub;
	bool force = flags & SIGN_FORCE;
	size_t len = 0;
	int ret = -1;

	if (sign_secret_pub(&pub, sk, err) < 0)
		return -1;
	/* A pair an interrupted keygen left is settled before it is judged. */
	if (util_pair_recover(secpath, pubpath, err) < 0 ||
	    writable_check(secpath, force, err) < 0 ||
	    writable_check(pubpath, force, err) < 0)
		return -1;
	if (sign_pub_format(&pubtext, &pub) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	s = secure_alloc(sizeof(*s));
	if (!s) {
		xerr_set(err, XPIN_USAGE, "cannot allocate secure memory");
		goto out;
	}
	if (seckey_text(s, &len, sk, pw, kdf, err) < 0)
		goto out;
	/* The secret first, the public key last, as one replacement. */
	if (util_write_pair(secpath, s->text, len, 0600, pubpath, pubtext.data,
			    pubtext.len, 0644, err) < 0)
		goto out;
	ret = 0;
out:
	secure_free(s);
	buf_release(&pubtext);
	return ret;
}

/* --- signing --- */

int sign_default_trusted(struct buf *out, const char *path, int64_t now)
{
	const char *base = strrchr(path, '/');

	return buf_printf(out, "timestamp:%lld\tfile:%s\thashed",
			  (long long)now, base ? base + 1 : path);
}

static int check_comment(const char *c, size_t max, const char *what,
			 struct xerr *err)
{
	size_t n = strlen(c);

	if (strpbrk(c, "\r\n"))
		return xerr_set(err, XPIN_USAGE, "the %s must be one line", what);
	if (n > max)
		return xerr_set(err, XPIN_USAGE,
				"the %s is %zu bytes; minisign reads at most %zu",
				what, n, max);
	return 0;
}

static int verify_hashed(const struct sign_sig *sig, const struct sign_pub *pk,
			 const unsigned char *msg, size_t msglen,
			 struct xerr *err);

/* Sign msg (the BLAKE2b-512 hash, or the data for legacy) into out. */
static int sign_msg(struct buf *out, const struct sign_secret *sk,
		    const unsigned char *msg, size_t msglen,
		    const struct sign_opts *opts, struct xerr *err)
{
	const char *untrusted = opts->untrusted ? opts->untrusted
						: SIGN_DEFAULT_UNTRUSTED;
	unsigned char *global_msg = NULL, global[64];
	char b64sig[B64_LEN(sizeof(struct raw_sig)) + 1], b64g[B64_LEN(64) + 1];
	struct sign_pub own, check;
	struct sign_sig *back = NULL;
	struct raw_sig r;
	size_t tlen, start = out->len;
	char id1[17], id2[17];
	int ret = -1;

	if (need_open(sk, err) < 0)
		return -1;
	if (!opts->trusted)
		return xerr_set(err, XPIN_USAGE, "a trusted comment is required");
	if (check_comment(opts->trusted, SIGN_TRUSTED_MAX, "trusted comment",
			  err) < 0 ||
	    check_comment(untrusted, SIGN_UNTRUSTED_MAX, "untrusted comment",
			  err) < 0)
		return -1;
	if (sign_secret_pub(&own, sk, err) < 0)
		return -1;
	check = opts->check ? *opts->check : own;
	memcpy(r.alg, "ED", 2);
	memcpy(r.keyid, sk->raw.ks.keyid, sizeof(r.keyid));
	crypto_sign_detached(r.sig, NULL, msg, msglen, sk->raw.ks.sk);
	tlen = strlen(opts->trusted);
	global_msg = malloc(sizeof(r.sig) + tlen);
	back = malloc(sizeof(*back));
	if (!global_msg || !back) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	memcpy(global_msg, r.sig, sizeof(r.sig));
	memcpy(global_msg + sizeof(r.sig), opts->trusted, tlen);
	crypto_sign_detached(global, NULL, global_msg, sizeof(r.sig) + tlen,
			     sk->raw.ks.sk);
	hash_base64(b64sig, (const unsigned char *)&r, sizeof(r));
	hash_base64(b64g, global, sizeof(global));
	if (buf_printf(out, UNTRUSTED_PREFIX "%s\n%s\n" TRUSTED_PREFIX "%s\n%s\n",
		       untrusted, b64sig, opts->trusted, b64g) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	/* Read back what we wrote, and check it as a verifier would. */
	if (sign_sig_parse(back, out->data + start, out->len - start,
			   "new signature", err) < 0)
		goto out;
	if (verify_hashed(back, &check, msg, msglen, err) < 0) {
		sign_keyid_hex(id1, check.keyid);
		sign_keyid_hex(id2, own.keyid);
		xerr_set(err, XPIN_SIGNATURE,
			 "the new signature does not verify with public key %s (the secret key's is %s)",
			 id1, id2);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 && out->data) {
		out->len = start;
		out->data[start] = '\0';
	}
	free(global_msg);
	free(back);
	return ret;
}

int sign_buffer(struct buf *out, const struct sign_secret *sk,
		const void *data, size_t len, const struct sign_opts *opts,
		struct xerr *err)
{
	unsigned char h[crypto_generichash_BYTES_MAX];

	crypto_generichash(h, sizeof(h), data, len, NULL, 0);
	return sign_msg(out, sk, h, sizeof(h), opts, err);
}

int sign_file(struct buf *out, const struct sign_secret *sk, const char *path,
	      const struct sign_opts *opts, struct xerr *err)
{
	unsigned char h[64];

	if (need_open(sk, err) < 0 || hash_blake2b_file(h, path, err) < 0)
		return -1;
	return sign_msg(out, sk, h, sizeof(h), opts, err);
}

/* --- signatures --- */

int sign_sig_parse(struct sign_sig *out, const char *text, size_t len,
		   const char *name, struct xerr *err)
{
	const char *pos = text, *end = text + len;
	char scratch[B64_LEN(sizeof(struct raw_sig)) + 1], a[16];
	size_t plen = strlen(TRUSTED_PREFIX), ulen = strlen(UNTRUSTED_PREFIX);
	struct raw_sig r;
	struct line l;

	memset(out, 0, sizeof(*out));
	if (!name)
		name = "signature";
	snprintf(out->name, sizeof(out->name), "%s", name);
	if (memchr(text, '\0', len))
		return xerr_setpos(err, XPIN_SIGNATURE, name, 0, 0,
				   "not a minisign signature: it contains a NUL byte");
	if (!next_line(&pos, end, &l) || !l.nl)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 1, 0,
				   "not a minisign signature: it is not four lines");
	if (l.raw > UNTRUSTED_LINE_MAX)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 1, 0,
				   "untrusted comment line is too long (%zu bytes; at most %d)",
				   l.raw, UNTRUSTED_LINE_MAX);
	if (l.len < ulen || memcmp(l.p, UNTRUSTED_PREFIX, ulen))
		return xerr_setpos(err, XPIN_SIGNATURE, name, 1, 0,
				   "not a minisign signature: the first line must start with \"" UNTRUSTED_PREFIX "\"");
	memcpy(out->untrusted, l.p + ulen, l.len - ulen);
	if (!next_line(&pos, end, &l) || !l.nl)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
				   "not a minisign signature: it is not four lines");
	if (decode_line((unsigned char *)&r, sizeof(r), &l, scratch,
			sizeof(scratch)) < 0)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
				   "the signature is not base64 of %zu bytes (truncated or damaged)",
				   sizeof(r));
	if (!memcmp(r.alg, "ED", 2)) {
		out->prehashed = true;
	} else if (!memcmp(r.alg, "Ed", 2)) {
		out->prehashed = false;
	} else {
		alg_name(a, r.alg);
		return xerr_setpos(err, XPIN_SIGNATURE, name, 2, 0,
				   "unsupported signature algorithm %s (expected \"ED\" or legacy \"Ed\")",
				   a);
	}
	memcpy(out->keyid, r.keyid, sizeof(out->keyid));
	memcpy(out->sig, r.sig, sizeof(out->sig));
	if (!next_line(&pos, end, &l) || !l.nl)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 3, 0,
				   "not a minisign signature: it is not four lines");
	if (l.raw > TRUSTED_LINE_MAX)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 3, 0,
				   "trusted comment line is too long (%zu bytes; at most %d)",
				   l.raw, TRUSTED_LINE_MAX);
	if (l.len < plen || memcmp(l.p, TRUSTED_PREFIX, plen))
		return xerr_setpos(err, XPIN_SIGNATURE, name, 3, 0,
				   "the third line must start with \"" TRUSTED_PREFIX "\"");
	if (memchr(l.p, '\r', l.len))
		return xerr_setpos(err, XPIN_SIGNATURE, name, 3, 0,
				   "the trusted comment contains a carriage return");
	memcpy(out->trusted, l.p + plen, l.len - plen);
	if (!next_line(&pos, end, &l) ||
	    decode_line(out->global, sizeof(out->global), &l, scratch,
			sizeof(scratch)) < 0)
		return xerr_setpos(err, XPIN_SIGNATURE, name, 4, 0,
				   "the global signature is not base64 of 64 bytes (truncated or damaged)");
	if (!only_blank(pos, end))
		return xerr_setpos(err, XPIN_SIGNATURE, name, 5, 0,
				   "unexpected text after the global signature");
	return 0;
}

int sign_sig_load(struct sign_sig *out, const char *path, struct xerr *err)
{
	struct buf b = BUF_INIT;
	int ret;

	if (util_read_file(&b, path, (size_t)1 << 20, err) < 0) {
		buf_release(&b);
		return -1;
	}
	ret = sign_sig_parse(out, buf_cstr(&b), b.len, path, err);
	buf_release(&b);
	return ret;
}

/* Check sig against pk, msg being the data (legacy) or its hash. */
static int verify_hashed(const struct sign_sig *sig, const struct sign_pub *pk,
			 const unsigned char *msg, size_t msglen,
			 struct xerr *err)
{
	unsigned char *gm;
	size_t tlen = strlen(sig->trusted);
	char id1[17], id2[17];
	int r;

	if (memcmp(sig->keyid, pk->keyid, sizeof(pk->keyid))) {
		sign_keyid_hex(id1, sig->keyid);
		sign_keyid_hex(id2, pk->keyid);
		return xerr_setpos(err, XPIN_SIGNATURE, sig->name, 0, 0,
				   "key id mismatch: signed by key %s, but the public key is %s",
				   id1, id2);
	}
	sign_keyid_hex(id1, pk->keyid);
	if (crypto_sign_verify_detached(sig->sig, msg, msglen, pk->pk) != 0)
		return xerr_setpos(err, XPIN_SIGNATURE, sig->name, 0, 0,
				   "bad signature: the file is not what key %s signed",
				   id1);
	gm = malloc(sizeof(sig->sig) + tlen);
	if (!gm)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	memcpy(gm, sig->sig, sizeof(sig->sig));
	memcpy(gm + sizeof(sig->sig), sig->trusted, tlen);
	r = crypto_sign_verify_detached(sig->global, gm, sizeof(sig->sig) + tlen,
					pk->pk);
	free(gm);
	if (r != 0)
		return xerr_setpos(err, XPIN_SIGNATURE, sig->name, 0, 0,
				   "bad global signature: the trusted comment was not signed by key %s",
				   id1);
	return 0;
}

static int legacy_allowed(const struct sign_sig *sig, unsigned flags,
			  struct xerr *err)
{
	if (!sig->prehashed && (flags & SIGN_PREHASHED_ONLY))
		return xerr_setpos(err, XPIN_SIGNATURE, sig->name, 0, 0,
				   "legacy (not prehashed) \"Ed\" signature refused");
	return 0;
}

int sign_verify(const struct sign_sig *sig, const struct sign_pub *pk,
		const void *data, size_t len, unsigned flags,
		struct xerr *err)
{
	unsigned char h[64];

	if (legacy_allowed(sig, flags, err) < 0)
		return -1;
	if (!sig->prehashed)
		return verify_hashed(sig, pk, data, len, err);
	crypto_generichash(h, sizeof(h), data, len, NULL, 0);
	return verify_hashed(sig, pk, h, sizeof(h), err);
}

int sign_verify_file(const struct sign_sig *sig, const struct sign_pub *pk,
		     const char *path, unsigned flags, struct xerr *err)
{
	struct buf b = BUF_INIT;
	unsigned char h[64];
	int ret;

	if (legacy_allowed(sig, flags, err) < 0)
		return -1;
	if (sig->prehashed) {
		if (hash_blake2b_file(h, path, err) < 0)
			return -1;
		return verify_hashed(sig, pk, h, sizeof(h), err);
	}
	/* A legacy signature covers the data itself. */
	if (util_read_file(&b, path, (size_t)1 << 30, err) < 0) {
		buf_release(&b);
		return -1;
	}
	ret = verify_hashed(sig, pk, (const unsigned char *)buf_cstr(&b),
			    b.len, err);
	buf_release(&b);
	return ret;
}

int sign_ed25519(unsigned char sig[64], unsigned char pk[32],
		 const struct sign_secret *sk, const void *msg, size_t len,
		 struct xerr *err)
{
	if (need_open(sk, err) < 0)
		return -1;
	crypto_sign_detached(sig, NULL, msg, len, sk->raw.ks.sk);
	/* The public half is the second half of libsodium's secret key. */
	memcpy(pk, sk->raw.ks.sk + 32, 32);
	return 0;
}

bool sign_ed25519_check(const unsigned char sig[64], const unsigned char pk[32],
			const void *msg, size_t len)
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}
