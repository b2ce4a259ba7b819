/* cliexport_intoto: xpin export in-toto and in-toto-key. */
#include "cliexport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evidence.h"
#include "jtext.h"

static int write_json(const char *path, const json_t *v, struct xerr *err)
{
	struct buf text = BUF_INIT;
	int ret;

	if (!v)
		return err->code ? -1 : xerr_set(err, XPIN_USAGE, "out of memory");
	ret = jtext_dump_file(&text, v) < 0
		      ? xerr_set(err, XPIN_USAGE, "out of memory")
		      : util_write_atomic(path, text.data, text.len, 0644, err);
	buf_release(&text);
	return ret;
}

static void wrote(const struct export_ctx *c, const char *path)
{
	if (c->g->quiet)
		return;
	fputs("wrote ", stdout);
	cli_put_safe(path);
	putchar('\n');
}

int export_intoto_key(const struct export_ctx *c, struct xerr *err)
{
	const char *path = c->out ? c->out : "xpin.pub.intoto";
	json_t *key = evidence_intoto_pubkey(c->pub->pk);
	int ret = write_json(path, key, err);

	json_decref(key);
	if (ret == 0)
		wrote(c, path);
	return ret;
}

/* The folder must be new, or empty: in-toto-verify reads every link it
 * finds there for a step. */
static int check_dir(const char *dir, struct xerr *err)
{
	struct stat st;
	char **names = NULL;
	size_t n = 0;

	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0
				       : xerr_set(err, XPIN_USAGE, "cannot read '%s': %s",
						  dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return xerr_set(err, XPIN_USAGE,
				"'%s' exists and is not a folder: name a new folder with -o",
				dir);
	if (util_list_dir(&names, &n, dir, err) < 0)
		return -1;
	util_names_free(names, n);
	if (n)
		return xerr_set(err, XPIN_USAGE,
				"'%s' is not empty: name a new or empty folder with -o",
				dir);
	return 0;
}

static int write_signed(const char *path, const json_t *payload,
			const struct sign_secret *sk, const struct export_ctx *c,
			struct xerr *err)
{
	json_t *doc;
	int ret;

	if (!payload)
		return err->code ? -1 : xerr_set(err, XPIN_USAGE, "out of memory");
	doc = evidence_intoto_sign(payload, sk, c->pub->pk, err);
	ret = doc ? write_json(path, doc, err) : -1;
	json_decref(doc);
	return ret;
}

int export_intoto(const struct export_ctx *c, struct xerr *err)
{
	const char *dir = c->out ? c->out : "in-toto";
	struct sign_secret *sk = NULL;
	struct buf tmp = BUF_INIT, path = BUF_INIT;
	json_t *payload = NULL;
	char keyid[65];
	size_t i;
	int ret = -1;

	for (i = 0; i < c->n; i++)
		if (strchr(c->t[i]->name, '/') || c->t[i]->name[0] == '.')
			return xerr_set(err, XPIN_USAGE,
					"target '%s' cannot name a link file", c->t[i]->name);
	if (check_dir(dir, err) < 0 ||
	    evidence_intoto_keyid(keyid, c->pub->pk, err) < 0)
		return -1;
	sk = export_secret(c, err);
	if (!sk || util_mkdtemp_beside(&tmp, dir, err) < 0)
		goto out;
	for (i = 0; i < c->n; i++) {
		path.len = 0;
		payload = evidence_intoto_link(c->m, c->t[i]);
		if (buf_printf(&path, "%s/%s.%.8s.link", tmp.data, c->t[i]->name,
			       keyid) < 0 ||
		    write_signed(path.data, payload, sk, c, err) < 0)
			goto out;
		json_decref(payload);
		payload = NULL;
	}
	path.len = 0;
	payload = evidence_intoto_layout(c->m, c->t, c->n, c->pub->pk, err);
	if (!payload || buf_printf(&path, "%s/root.layout", tmp.data) < 0 ||
	    write_signed(path.data, payload, sk, c, err) < 0)
		goto out;
	/* rename(2) replaces an empty folder, and refuses one that was
	 * filled meanwhile. */
	if (chmod(tmp.data, 0755) < 0 || rename(tmp.data, dir) < 0) {
		xerr_set(err, XPIN_USAGE, "cannot write '%s': %s", dir,
			 strerror(errno));
		goto out;
	}
	util_sync_parent(dir);
	wrote(c, dir);
	ret = 0;
out:
	if (!err->code && ret < 0)
		xerr_set(err, XPIN_USAGE, "out of memory");
	if (ret < 0 && tmp.len)
		util_rmtree(tmp.data);
	json_decref(payload);
	buf_release(&tmp);
	buf_release(&path);
	sign_secret_free(sk);
	return ret;
}
