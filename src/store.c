/* store: path info, ping and copies of a Nix store, local or remote. */
#define _GNU_SOURCE
#include "store.h"

#include <string.h>
#include <unistd.h>

#include "jtext.h"
#include "nix.h"

#define STORE_ARGS 16

/* args, with "--store URI" after the first two words when s names a
 * store, into argv (at most STORE_ARGS, NULL-ended). */
static void with_store(const char **argv, const char *const *args,
		       size_t words, const struct store_run *s)
{
	size_t i, j = 0;

	for (i = 0; args[i] && j + 3 < STORE_ARGS; i++) {
		if (i == words && s->store) {
			argv[j++] = "--store";
			argv[j++] = s->store;
		}
		argv[j++] = args[i];
	}
	if (i <= words && s->store && j + 3 < STORE_ARGS) {
		argv[j++] = "--store";
		argv[j++] = s->store;
	}
	argv[j] = NULL;
}

static const char *name_of(const struct store_run *s)
{
	return s->store ? s->store : "the local store";
}

/* One info object of nix path-info --json into out. */
static void read_info(struct store_info *out, const json_t *o)
{
	const json_t *sigs = json_object_get(o, "signatures");
	const char *nar = json_string_value(json_object_get(o, "narHash"));
	const char *sig = json_string_value(json_array_get(sigs, 0));
	const json_t *valid = json_object_get(o, "valid");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) || (valid && !json_is_true(valid)) || !nar)
		return;
	out->valid = true;
	out->ultimate = json_is_true(json_object_get(o, "ultimate"));
	snprintf(out->nar_hash, sizeof(out->nar_hash), "%s", nar);
	if (sig)
		snprintf(out->signer, sizeof(out->signer), "%.*s",
			 (int)strcspn(sig, ":"), sig);
}

int store_path_info(struct store_info *out, const char *const *paths,
		    size_t n, const struct store_run *s, struct xerr *err)
{
	const char *args[STORE_ARGS] = { "path-info", "--json" }, *argv[STORE_ARGS];
	struct buf what = BUF_INIT;
	struct nix_cmd c = { argv, NULL, NULL, s->log_fd, s->timeout, 0, "" };
	json_t *doc;
	size_t i, k;
	int ret = -1;

	if (n > STORE_ARGS - 6)
		return xerr_set(err, XPIN_USAGE, "too many outputs to ask about");
	for (i = 0; i < n; i++)
		args[2 + i] = paths[i];
	with_store(argv, args, 2, s);
	buf_printf(&what, "nix path-info (%s)", name_of(s));
	c.what = what.data;
	if (!(doc = nix_run_json(&c, err))) {
		err->code = XPIN_BUILD;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const json_t *o = json_object_get(doc, paths[i]), *e;

		/* Before 2.19: a list of objects that name their path. */
		json_array_foreach(doc, k, e)
			if (util_str_eq(json_string_value(json_object_get(e, "path")),
					paths[i]))
				o = e;
		read_info(&out[i], o);
	}
	ret = 0;
out:
	json_decref(doc);
	buf_release(&what);
	return ret;
}

/* What was written to fd from offset from on, into out. */
static void read_since(struct buf *out, int fd, off_t from)
{
	char b[4096];
	ssize_t got;

	while ((got = pread(fd, b, sizeof(b), from)) > 0) {
		buf_add(out, b, (size_t)got);
		from += got;
	}
}

/* "Version: 2.8.0" in text (the line nix store ping prints), into v. */
static void find_version(struct buf *v, const char *text)
{
	const char *p = strstr(text, "Version: ");

	if (p) {
		p += strlen("Version: ");
		buf_add(v, p, strcspn(p, " \r\n"));
	}
}

int store_ping(struct buf *version, const struct store_run *s,
	       struct xerr *err)
{
	const char *args[] = { "store", "ping", NULL }, *argv[STORE_ARGS];
	struct buf what = BUF_INIT, out = BUF_INIT, log = BUF_INIT;
	struct nix_cmd c = { argv, NULL, &out, s->log_fd, s->timeout, 0, "" };
	off_t from = lseek(s->log_fd, 0, SEEK_CUR);
	int ret = 0;

	with_store(argv, args, 2, s);
	buf_printf(&what, "nix store ping (%s)", name_of(s));
	c.what = what.data;
	version->len = 0;
	if (nix_run(&c, err) < 0) {
		if (c.status != 127)
			xerr_set(err, XPIN_BUILD, "store '%.300s' cannot be reached: %.600s",
				 name_of(s), c.reason[0] ? c.reason : "nix store ping failed");
		err->code = XPIN_BUILD;
		ret = -1;
	} else {
		if (from >= 0)
			read_since(&log, s->log_fd, from);
		find_version(version, buf_cstr(&out));
		if (!version->len)
			find_version(version, buf_cstr(&log));
	}
	buf_release(&what);
	buf_release(&out);
	buf_release(&log);
	return ret;
}

int store_copy_back(const char *const *paths, size_t n, const char *root,
		    const struct store_run *s, struct xerr *err)
{
	const char *argv[STORE_ARGS] = { "copy", "--no-check-sigs", "--from",
					 s->store, "--to", root };
	struct buf what = BUF_INIT;
	struct nix_cmd c = { argv, NULL, NULL, s->log_fd, s->timeout, 0, "" };
	size_t i;
	int ret;

	if (!s->store || n > STORE_ARGS - 7)
		return xerr_set(err, XPIN_USAGE, "nothing to copy back");
	for (i = 0; i < n; i++)
		argv[6 + i] = paths[i];
	argv[6 + n] = NULL;
	buf_printf(&what, "nix copy --from %s", s->store);
	c.what = what.data;
	ret = nix_run(&c, err);
	if (ret < 0)
		err->code = XPIN_BUILD;
	buf_release(&what);
	return ret;
}

bool store_substituted_from(struct buf *uri, const char *log,
			    const char *path)
{
	struct buf needle = BUF_INIT;
	const char *p, *q;
	bool found = false;

	buf_printf(&needle, "copying path '%s' from '", path);
	p = strstr(log, buf_cstr(&needle));
	if (p) {
		p += needle.len;
		q = strchr(p, '\'');
		if (q && q > p) {
			uri->len = 0;
			found = buf_add(uri, p, (size_t)(q - p)) == 0;
		}
	}
	buf_release(&needle);
	return found;
}
