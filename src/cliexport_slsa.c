/* cliexport_slsa: xpin export slsa. */
#include "cliexport.h"
#include "evidence_slsa.h"

int export_slsa(const struct export_ctx *c, struct xerr *err)
{
	struct sign_secret *sk = NULL;
	struct buf out = BUF_INIT;
	const char *path = c->out ? c->out : "xpin.intoto.jsonl";
	size_t i;
	int ret = -1;

	if (!(sk = export_secret(c, err)))
		goto out;
	for (i = 0; i < c->n; i++)
		if (evidence_slsa_line(&out, c->m, c->t[i], sk, c->pub, err) < 0)
			goto out;
	if (util_write_atomic(path, out.data ? out.data : "", out.len, 0644,
			      err) < 0)
		goto out;
	if (c->g->verbose)
		fprintf(stderr, "xpin: wrote %s\n", path);
	ret = 0;
out:
	sign_secret_free(sk);
	buf_release(&out);
	return ret;
}
