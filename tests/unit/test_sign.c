#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "hash.h"
#include "sign.h"
#include "unit.h"

/* A public key file exactly as minisign 0.11 wrote it (minisign -G). */
static const char minisign_pub[] =
	"untrusted comment: minisign public key C37179B21FBEB376\n"
	"RWR2s74fsnlxwzVIRKkqPRBj3VvuQB8Rax5XqK6np7oPSkDPaj/Us2o+\n";

/* Scrypt's smallest limits, so encrypted keys cost milliseconds here. */
static const struct sign_kdf fast_kdf = { 32768, 16777216 };

static struct sign_secret *new_key(struct sign_pub *pub)
{
	struct xerr err = XERR_INIT;
	struct sign_secret *sk = sign_secret_generate(&err);

	T_ASSERT(sk != NULL);
	if (sk && pub)
		T_INTEQ(sign_secret_pub(pub, sk, &err), 0);
	return sk;
}

void test_sign__minisign_public_key(void)
{
	struct xerr err = XERR_INIT;
	struct sign_pub pk;
	struct buf b = BUF_INIT;
	char id[17];

	T_INTEQ(sign_pub_parse(&pk, minisign_pub, strlen(minisign_pub),
			       "a.pub", &err), 0);
	sign_keyid_hex(id, pk.keyid);
	T_STREQ(id, "C37179B21FBEB376");
	/* Written back, it is minisign's file byte for byte. */
	T_INTEQ(sign_pub_format(&b, &pk), 0);
	T_STREQ(buf_cstr(&b), minisign_pub);
	T_INTEQ(sign_pub_parse_base64(
			&pk, "RWR2s74fsnlxwzVIRKkqPRBj3VvuQB8Rax5XqK6np7oPSkDPaj/Us2o+",
			&err), 0);
	/* A changed algorithm, a short key, a missing line. */
	T_INTEQ(sign_pub_parse_base64(
			&pk, "RXR2s74fsnlxwzVIRKkqPRBj3VvuQB8Rax5XqK6np7oPSkDPaj/Us2o+",
			&err), -1);
	T_INTEQ(err.code, XPIN_SIGNATURE);
	T_INTEQ(sign_pub_parse_base64(&pk, "RWR2s74fsnlxwzVIRKkqPRBj", &err), -1);
	T_INTEQ(sign_pub_parse(&pk, minisign_pub, 56, "a.pub", &err), -1);
	T_INTEQ(err.code, XPIN_SIGNATURE);
	buf_release(&b);
}

void test_sign__sign_and_verify(void)
{
	struct xerr err = XERR_INIT;
	struct sign_pub pub, other_pub;
	struct sign_secret *sk = new_key(&pub), *other = new_key(&other_pub);
	struct sign_opts so = { "a trusted comment", NULL, NULL };
	struct sign_sig sig;
	struct buf out = BUF_INIT;

	if (!sk || !other)
		goto out;
	T_INTEQ(sign_buffer(&out, sk, "hello\n", 6, &so, &err), 0);
	T_ASSERT(!strncmp(out.data, "untrusted comment: " SIGN_DEFAULT_UNTRUSTED "\n", 54));
	T_INTEQ(sign_sig_parse(&sig, out.data, out.len, "x.minisig", &err), 0);
	T_ASSERT(sig.prehashed);
	T_INTEQ(sign_verify(&sig, &pub, "hello\n", 6, SIGN_PREHASHED_ONLY, &err), 0);
	T_ASSERT(!strcmp(sig.trusted, "a trusted comment"));

	T_INTEQ(sign_verify(&sig, &pub, "hellO\n", 6, 0, &err), -1);
	T_INTEQ(err.code, XPIN_SIGNATURE);
	T_ASSERT(strstr(err.msg, "bad signature") != NULL);
	T_INTEQ(sign_verify(&sig, &other_pub, "hello\n", 6, 0, &err), -1);
	T_ASSERT(strstr(err.msg, "key id mismatch") != NULL);
	sig.trusted[0] = 'A';
	T_INTEQ(sign_verify(&sig, &pub, "hello\n", 6, 0, &err), -1);
	T_ASSERT(strstr(err.msg, "bad global signature") != NULL);
	/* The same key, message and comments give the same bytes. */
	{
		struct buf again = BUF_INIT;
		T_INTEQ(sign_buffer(&again, sk, "hello\n", 6, &so, &err), 0);
		T_STREQ(buf_cstr(&again), buf_cstr(&out));
		buf_release(&again);
	}
out:
	buf_release(&out);
	sign_secret_free(sk);
	sign_secret_free(other);
}

void test_sign__sign_refusals(void)
{
	struct xerr err = XERR_INIT;
	struct sign_pub other_pub;
	struct sign_secret *sk = new_key(NULL), *other = new_key(&other_pub);
	struct sign_opts so = { "ok", NULL, NULL };
	struct buf out = BUF_INIT;
	char *big;

	if (!sk || !other)
		goto out;
	buf_puts(&out, "kept");
	so.check = &other_pub;
	T_INTEQ(sign_buffer(&out, sk, "x", 1, &so, &err), -1);
	T_INTEQ(err.code, XPIN_SIGNATURE);
	T_STREQ(buf_cstr(&out), "kept");
	so.check = NULL;
	so.trusted = "two\nlines";
	T_INTEQ(sign_buffer(&out, sk, "x", 1, &so, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	so.trusted = NULL;
	T_INTEQ(sign_buffer(&out, sk, "x", 1, &so, &err), -1);
	big = malloc(SIGN_TRUSTED_MAX + 2);
	if (big) {
		memset(big, 'x', SIGN_TRUSTED_MAX);
		big[SIGN_TRUSTED_MAX] = '\0';
		so.trusted = big;
		T_INTEQ(sign_buffer(&out, sk, "x", 1, &so, &err), 0);
		big[SIGN_TRUSTED_MAX] = 'x';
		big[SIGN_TRUSTED_MAX + 1] = '\0';
		T_INTEQ(sign_buffer(&out, sk, "x", 1, &so, &err), -1);
		free(big);
	}
out:
	buf_release(&out);
	sign_secret_free(sk);
	sign_secret_free(other);
}

/* Build a signature text around the lines of a real one. */
static void sig_with(struct buf *out, const char *untrusted_line,
		     const char *sigline, const char *trusted_line,
		     const char *global, const char *tail)
{
	out->len = 0;
	buf_printf(out, "%s\n%s\n%s\n%s%s", untrusted_line, sigline,
		   trusted_line, global, tail);
}

void test_sign__signature_limits(void)
{
	struct xerr err = XERR_INIT;
	struct sign_secret *sk = new_key(NULL);
	struct sign_opts so = { "t", NULL, NULL };
	struct buf good = BUF_INIT, b = BUF_INIT, line = BUF_INIT;
	struct sign_sig sig;
	char sigline[101], global[89];

	if (!sk || sign_buffer(&good, sk, "m", 1, &so, &err) < 0)
		goto out;
	T_INTEQ(sscanf(good.data, "%*[^\n]\n%100s\n%*[^\n]\n%88s", sigline,
		       global), 2);
	/* Untrusted comment line: 1022 bytes pass, 1023 do not. */
	buf_puts(&line, "untrusted comment: ");
	while (line.len < 1022)
		buf_puts(&line, "u");
	sig_with(&b, line.data, sigline, "trusted comment: t", global, "\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), 0);
	buf_puts(&line, "u");
	sig_with(&b, line.data, sigline, "trusted comment: t", global, "\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), -1);
	T_INTEQ(err.code, XPIN_SIGNATURE);
	T_INTEQ(err.line, 1);
	/* Trusted comment line: 8190 bytes pass, 8191 do not. */
	line.len = 0;
	buf_puts(&line, "trusted comment: ");
	while (line.len < 8190)
		buf_puts(&line, "t");
	sig_with(&b, "untrusted comment: u", sigline, line.data, global, "\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), 0);
	T_INTEQ(strlen(sig.trusted), SIGN_TRUSTED_MAX);
	buf_puts(&line, "t");
	sig_with(&b, "untrusted comment: u", sigline, line.data, global, "\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), -1);
	T_INTEQ(err.line, 3);
	/* No final newline is fine, so are blank lines after; text is not. */
	sig_with(&b, "untrusted comment: u", sigline, "trusted comment: t", global, "");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), 0);
	sig_with(&b, "untrusted comment: u", sigline, "trusted comment: t", global, "\n\n\r\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), 0);
	sig_with(&b, "untrusted comment: u", sigline, "trusted comment: t", global, "\nmore\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), -1);
	T_INTEQ(err.line, 5);
	/* A NUL anywhere, a CR inside the trusted comment. */
	sig_with(&b, "untrusted comment: u", sigline, "trusted comment: t", global, "\n");
	b.data[20] = '\0';
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), -1);
	sig_with(&b, "untrusted comment: u", sigline, "trusted comment: a\rb", global, "\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), -1);
	/* Base64 with a character too few or too many. */
	sigline[99] = '\0';
	sig_with(&b, "untrusted comment: u", sigline, "trusted comment: t", global, "\n");
	T_INTEQ(sign_sig_parse(&sig, b.data, b.len, "s", &err), -1);
	T_INTEQ(err.line, 2);
out:
	buf_release(&good);
	buf_release(&b);
	buf_release(&line);
	sign_secret_free(sk);
}

static void tmpfile_path(struct buf *out, const struct buf *dir,
			 const char *name)
{
	out->len = 0;
	buf_printf(out, "%s/%s", dir->data, name);
}

void test_sign__encrypted_key_files(void)
{
	struct xerr err = XERR_INIT;
	struct buf dir = BUF_INIT, pubp = BUF_INIT, secp = BUF_INIT;
	struct sign_pub pub, pub2, pub3;
	struct sign_secret *sk = new_key(&pub), *back = NULL;
	struct sign_password *pw, *wrong;
	struct stat st;

	pw = sign_password_new("right", 5, &err);
	wrong = sign_password_new("wrong", 5, &err);
	if (!sk || !pw || !wrong || util_mkdtemp(&dir, "xpin-unit", &err) < 0)
		goto out;
	tmpfile_path(&pubp, &dir, "k.pub");
	tmpfile_path(&secp, &dir, "k.key");
	T_INTEQ(sign_keypair_save(pubp.data, secp.data, sk, pw, &fast_kdf, 0,
				  &err), 0);
	T_INTEQ(stat(secp.data, &st), 0);
	T_INTEQ(st.st_mode & 0777, 0600);
	T_INTEQ(sign_pub_load(&pub2, pubp.data, &err), 0);
	T_ASSERT(!memcmp(&pub, &pub2, sizeof(pub)));

	back = sign_secret_read(secp.data, &err);
	T_ASSERT(back != NULL);
	if (!back)
		goto out;
	T_ASSERT(sign_secret_encrypted(back));
	T_INTEQ(sign_secret_decrypt(back, NULL, &err), -1);
	T_INTEQ(sign_secret_decrypt(back, wrong, &err), -1);
	T_INTEQ(err.code, XPIN_SIGNATURE);
	T_ASSERT(!strcmp(err.msg, "wrong password or corrupt secret key"));
	/* A failed attempt leaves the key as it was: the right one works. */
	T_ASSERT(sign_secret_encrypted(back));
	T_INTEQ(sign_secret_decrypt(back, pw, &err), 0);
	T_ASSERT(!sign_secret_encrypted(back));
	T_INTEQ(sign_secret_pub(&pub3, back, &err), 0);
	T_ASSERT(!memcmp(&pub, &pub3, sizeof(pub)));

	/* Never overwritten without SIGN_FORCE; replaced with it, 0600. */
	T_INTEQ(sign_keypair_save(pubp.data, secp.data, sk, NULL, NULL, 0,
				  &err), -1);
	T_ASSERT(strstr(err.msg, "already exists") != NULL);
	chmod(secp.data, 0644);
	T_INTEQ(sign_keypair_save(pubp.data, secp.data, sk, NULL, NULL,
				  SIGN_FORCE, &err), 0);
	T_INTEQ(stat(secp.data, &st), 0);
	T_INTEQ(st.st_mode & 0777, 0600);
out:
	if (dir.data)
		util_rmtree(dir.data);
	buf_release(&dir);
	buf_release(&pubp);
	buf_release(&secp);
	sign_password_free(pw);
	sign_password_free(wrong);
	sign_secret_free(sk);
	sign_secret_free(back);
}

/* An unencrypted key as minisign 0.11 writes it (checksum left zero) is
 * accepted; one whose public half does not match its seed is not. */
void test_sign__unencrypted_key_checks(void)
{
	struct xerr err = XERR_INIT;
	struct buf dir = BUF_INIT, pubp = BUF_INIT, secp = BUF_INIT, text = BUF_INIT;
	struct sign_secret *sk = new_key(NULL), *back = NULL;
	unsigned char raw[158];
	char line[213], *nl;

	if (!sk || util_mkdtemp(&dir, "xpin-unit", &err) < 0)
		goto out;
	tmpfile_path(&pubp, &dir, "k.pub");
	tmpfile_path(&secp, &dir, "k.key");
	if (sign_keypair_save(pubp.data, secp.data, sk, NULL, NULL, 0, &err) < 0 ||
	    util_read_file(&text, secp.data, 4096, &err) < 0)
		goto out;
	nl = strchr(text.data, '\n');
	T_ASSERT(nl && strlen(nl + 1) == 213);
	if (!nl || strlen(nl + 1) != 213)
		goto out;
	memcpy(line, nl + 1, 212);
	line[212] = '\0';
	T_INTEQ(hash_unbase64(raw, sizeof(raw), line), 0);
	T_ASSERT(!memcmp(raw, "Ed\0\0B2", 6));
	memset(raw + 126, 0, 32); /* minisign 0.11's zero checksum */
	hash_base64(line, raw, sizeof(raw));
	memcpy(nl + 1, line, 212);
	back = sign_secret_parse(text.data, text.len, "k.key", &err);
	T_ASSERT(back && !sign_secret_encrypted(back));
	T_INTEQ(back ? sign_secret_decrypt(back, NULL, &err) : -1, 0);
	sign_secret_free(back);
	raw[120] ^= 1; /* the stored public half */
	hash_base64(line, raw, sizeof(raw));
	memcpy(nl + 1, line, 212);
	back = sign_secret_parse(text.data, text.len, "k.key", &err);
	T_INTEQ(back ? sign_secret_decrypt(back, NULL, &err) : 0, -1);
	T_ASSERT(strstr(err.msg, "corrupt secret key") != NULL);
	/* An unknown key derivation is refused when parsing. */
	raw[2] = 'X';
	hash_base64(line, raw, sizeof(raw));
	memcpy(nl + 1, line, 212);
	sign_secret_free(back);
	back = sign_secret_parse(text.data, text.len, "k.key", &err);
	T_ASSERT(back == NULL);
	T_ASSERT(strstr(err.msg, "key derivation") != NULL);
out:
	if (dir.data)
		util_rmtree(dir.data);
	buf_release(&dir);
	buf_release(&pubp);
	buf_release(&secp);
	buf_release(&text);
	sign_secret_free(sk);
	sign_secret_free(back);
}

void test_sign__password_lines(void)
{
	struct xerr err = XERR_INIT;
	struct sign_password *a, *b, *c;
	int fds[2];
	char big[1100];

	if (pipe(fds) < 0)
		return;
	T_INTEQ(write(fds[1], "pw\r\nrest", 8), 8);
	close(fds[1]);
	a = sign_password_read(fds[0], &err);
	b = sign_password_new("pw", 2, &err);
	T_ASSERT(a && b && sign_password_equal(a, b));
	/* Only the first line was consumed. */
	c = sign_password_read(fds[0], &err);
	T_ASSERT(c && sign_password_len(c) == 4);
	sign_password_free(c);
	c = sign_password_read(fds[0], &err);
	T_ASSERT(c == NULL);
	T_INTEQ(err.code, XPIN_USAGE);
	close(fds[0]);
	sign_password_free(a);
	sign_password_free(b);

	memset(big, 'p', sizeof(big));
	a = sign_password_new(big, SIGN_PASSWORD_MAX, &err);
	T_ASSERT(a != NULL);
	sign_password_free(a);
	T_ASSERT(sign_password_new(big, SIGN_PASSWORD_MAX + 1, &err) == NULL);
	T_ASSERT(sign_password_new("a\0b", 3, &err) == NULL);
	if (pipe(fds) < 0)
		return;
	T_INTEQ(write(fds[1], big, 1024), 1024);
	close(fds[1]);
	T_ASSERT(sign_password_read(fds[0], &err) == NULL);
	close(fds[0]);
}

void test_sign__default_trusted_comment(void)
{
	struct buf b = BUF_INIT;

	/* minisign 0.11's shape (vectors/sign/good-default). */
	T_INTEQ(sign_default_trusted(&b, "dir/sub/b.txt", 1700000000), 0);
	T_STREQ(buf_cstr(&b), "timestamp:1700000000\tfile:b.txt\thashed");
	buf_release(&b);
}

void test_sign__no_core_dumps_while_secret(void)
{
	struct xerr err = XERR_INIT;
	struct rlimit before, during, after;
	struct sign_secret *sk;
#ifdef __linux__
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
#endif

	T_INTEQ(getrlimit(RLIMIT_CORE, &before), 0);
	sk = sign_secret_generate(&err);
	T_ASSERT(sk != NULL);
	T_INTEQ(getrlimit(RLIMIT_CORE, &during), 0);
	T_INTEQ(during.rlim_cur, 0);
#ifdef __linux__
	T_INTEQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
#endif
	sign_secret_free(sk);
	T_INTEQ(getrlimit(RLIMIT_CORE, &after), 0);
	T_INTEQ(after.rlim_cur, before.rlim_cur);
#ifdef __linux__
	T_INTEQ(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), dumpable);
#endif
}
