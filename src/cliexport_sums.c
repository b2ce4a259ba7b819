/* cliexport_sums: xpin export sums and files. */
#include <string.h>

#include "cliexport.h"
#include "evidence_sums.h"

/* SHA256SUMS of c's targets and its signature, for a file called name. */
static int sums_signed(struct buf *sums, struct buf *sig,
		       const struct export_ctx *c, const char *name,
		       const struct evidence_files *f, struct xerr *err)
{
	struct sign_secret *sk = NULL;
	struct buf tc = BUF_INIT;
	struct sign_opts so = { NULL, NULL, c->pub };
	int ret = -1;

	if (evidence_sums(sums, f) < 0 ||
	    evidence_sums_trusted(&tc, name, c->m, c->lock_text, c->lock_len,
				  c->pub) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	so.trusted = tc.data;
	if (!(sk = export_secret(c, err)) ||
	    sign_buffer(sig, sk, sums->data, sums->len, &so, err) < 0)
		goto out;
	ret = 0;
out:
	sign_secret_free(sk);
	buf_release(&tc);
	return ret;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

int export_sums(const struct export_ctx *c, struct xerr *err)
{
	struct evidence_files f = EVIDENCE_FILES_INIT;
	struct buf sums = BUF_INIT, sig = BUF_INIT, signame = BUF_INIT;
	const char *out = c->out ? c->out : "SHA256SUMS";
	int ret = -1;

	if (evidence_files_list(&f, c->t, c->n, err) < 0 ||
	    sums_signed(&sums, &sig, c, base_name(out), &f, err) < 0)
		goto out;
	if (buf_printf(&signame, "%s.minisig", out) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	if (util_write_pair(out, sums.data ? sums.data : "", sums.len, 0644,
			    signame.data, sig.data, sig.len, 0644, err) < 0)
		goto out;
	if (c->g->verbose)
		fprintf(stderr, "xpin: wrote %s and %s\n", out, signame.data);
	ret = 0;
out:
	evidence_files_release(&f);
	buf_release(&sums);
	buf_release(&sig);
	buf_release(&signame);
	return ret;
}

int export_files(const struct export_ctx *c, struct xerr *err)
{
	struct evidence_files f = EVIDENCE_FILES_INIT;
	struct buf sums = BUF_INIT, sig = BUF_INIT;
	const char *out = c->out ? c->out : "release";
	int ret = -1;

	if (evidence_files_list(&f, c->t, c->n, err) < 0 ||
	    sums_signed(&sums, &sig, c, "SHA256SUMS", &f, err) < 0)
		goto out;
	{
		const struct evidence_blob blobs[] = {
			{ "SHA256SUMS", sums.data ? sums.data : "", sums.len },
			{ "SHA256SUMS.minisig", sig.data, sig.len },
		};

		if (evidence_copy(out, &f, ".", blobs, 2, err) < 0)
			goto out;
	}
	if (c->g->verbose)
		fprintf(stderr, "xpin: wrote %s\n", out);
	ret = 0;
out:
	evidence_files_release(&f);
	buf_release(&sums);
	buf_release(&sig);
	return ret;
}
