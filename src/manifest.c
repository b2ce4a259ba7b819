/* manifest: the xpin.lock model. */
#define _GNU_SOURCE
#include "manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flakelock.h"
#include "hash.h"

static int add_warning(struct elf_warnings *w, const char *code,
		       const char *msg)
{
	struct elf_warning *v = realloc(w->v, (w->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	w->v = v;
	v[w->n].code = code;
	v[w->n].message = strdup(msg);
	w->n++;
	return 0;
}

static bool is_elf(const char *path)
{
	unsigned char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes;

	if (fd < 0)
		return false;
	yes = read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return yes;
}

static int add_file(json_t *arts, const char *key, const char *path,
		    const struct stat *st, const struct manifest_policy *pol,
		    size_t *nwarn, struct xerr *err)
{
	unsigned char d[32];
	char hex[65];
	json_t *e;

	if (hash_sha256_file(d, path, err) < 0)
		return -1;
	hash_hex(hex, d, 32);
	e = json_pack("{s:I, s:s, s:b}", "size", (json_int_t)st->st_size,
		      "sha256", hex, "executable", (st->st_mode & 0111) != 0);
	if (!e)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	if (is_elf(path)) {
		struct elf_facts f = ELF_FACTS_INIT;
		struct elf_warnings w = ELF_WARNINGS_INIT;
		const char *ln;
		json_t *ej;
		size_t i;
		bool ok = pol->nlinkage == 0;

		if (elf_read_file(&f, path, err) < 0) {
			/* A file that starts like ELF but does not parse is
			 * recorded by its bytes alone; the error is the fact. */
			json_object_set_new(e, "elf_error", json_string(err->msg));
		} else {
			if (elf_check(&w, &f, &pol->elf, err) < 0) {
				elf_facts_release(&f);
				json_decref(e);
				return -1;
			}
			ln = elf_linkage_name(f.linkage);
			for (i = 0; i < pol->nlinkage; i++)
				ok |= ln && !strcmp(ln, pol->linkage[i]);
			if (!ok && f.linkage != ELF_LINK_SHARED) {
				char msg[256];
				snprintf(msg, sizeof(msg),
					 "linkage is %s, but the target expects %s%s",
					 ln ? ln : "none", pol->linkage[0],
					 pol->nlinkage > 1 ? " (or another listed)" : "");
				add_warning(&w, "linkage", msg);
			}
			*nwarn += w.n;
			ej = elf_json(key, &f, &w);
			json_object_set_new(e, "elf", ej ? ej : json_null());
			elf_warnings_release(&w);
			elf_facts_release(&f);
		}
	}
	json_object_set_new(arts, key, e);
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int manifest_add_path(json_t *arts, const char *key, const char *fspath,
		      const struct manifest_policy *pol, size_t *nwarn,
		      struct xerr *err)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int ret = 0;

	if (lstat(fspath, &st) < 0)
		return xerr_setpos(err, XPIN_USAGE, fspath, 0, 0,
				   "cannot read: %s", strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t len = readlink(fspath, target, sizeof(target) - 1);
		if (len < 0)
			return xerr_setpos(err, XPIN_USAGE, fspath, 0, 0,
					   "cannot read the link: %s", strerror(errno));
		target[len] = '\0';
		json_object_set_new(arts, key[0] ? key : ".",
				    json_pack("{s:s}", "symlink", target));
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return add_file(arts, key[0] ? key : ".", fspath, &st, pol,
				nwarn, err);
	if (!S_ISDIR(st.st_mode))
		return xerr_setpos(err, XPIN_USAGE, fspath, 0, 0,
				   "not a file, link or folder");
	d = opendir(fspath);
	if (!d)
		return xerr_setpos(err, XPIN_USAGE, fspath, 0, 0,
				   "cannot read: %s", strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) *
						   sizeof(*names));
			if (!nn) {
				ret = xerr_set(err, XPIN_USAGE, "out of memory");
				break;
			}
			names = nn;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n && ret == 0; i++) {
		struct buf k = BUF_INIT, p = BUF_INIT;
		buf_printf(&k, "%s%s%s", key, key[0] ? "/" : "", names[i]);
		buf_printf(&p, "%s/%s", fspath, names[i]);
		ret = manifest_add_path(arts, k.data, p.data, pol, nwarn, err);
		buf_release(&k);
		buf_release(&p);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

json_t *manifest_diff(const json_t *a, const json_t *b, const char *what)
{
	json_t *out = json_array(), *keys = json_object(), *v;
	const char **names, *k;
	size_t n = 0, i;

	json_object_foreach((json_t *)a, k, v)
		json_object_set_new(keys, k, json_true());
	json_object_foreach((json_t *)b, k, v)
		json_object_set_new(keys, k, json_true());
	names = malloc((json_object_size(keys) + 1) * sizeof(*names));
	if (!names || !out) {
		free(names);
		json_decref(keys);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(keys, k, v)
		names[n++] = k;
	/* Sorted, so reports and manifests are deterministic. */
	qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++) {
		json_t *x = json_object_get(a, names[i]), *y = json_object_get(b, names[i]);
		bool same;
		if (!x || !y)
			same = false;
		else if (what && (json_object_get(x, what) ||
				  json_object_get(y, what)))
			same = json_equal(json_object_get(x, what),
					  json_object_get(y, what));
		else
			same = json_equal(x, y);
		if (!same)
			json_array_append_new(out, json_string(names[i]));
	}
	free(names);
	json_decref(keys);
	return out;
}

int manifest_inputs(json_t **out, const struct flakelock *lk,
		    char *const *pins, size_t npins, struct xerr *err)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < npins; i++) {
		struct flakelock_pin p;
		if (flakelock_find(&p, lk, pins[i], err) < 0) {
			json_decref(o);
			return -1;
		}
		if (p.follows) {
			json_object_set_new(o, pins[i], json_pack("{s:s}",
					    "follows", p.follows));
		} else {
			json_object_set_new(o, pins[i], json_pack(
				"{s:s?, s:s?, s:s?, s:s?, s:s?, s:o}",
				"type", p.type, "source", p.source, "rev", p.rev,
				"ref", p.ref, "narHash", p.nar_hash,
				"lastModified", p.last_modified >= 0
					? json_integer(p.last_modified) : json_null()));
		}
		flakelock_pin_release(&p);
	}
	*out = o;
	return 0;
}

json_t *manifest_parse(const char *text, size_t len, const char *name,
		       struct xerr *err)
{
	json_t *m = jtext_load(text, len, name, err), *v;

	if (!m)
		return NULL;
	v = json_object_get(m, "format");
	if (!json_is_object(m) || !json_is_integer(v) ||
	    json_integer_value(v) != MANIFEST_FORMAT ||
	    !json_is_object(json_object_get(m, "targets"))) {
		json_decref(m);
		xerr_setpos(err, XPIN_USAGE, name, 0, 0,
			    "not an xpin.lock of format %d", MANIFEST_FORMAT);
		return NULL;
	}
	return m;
}

json_t *manifest_load(const char *path, struct xerr *err)
{
	struct buf text = BUF_INIT;
	json_t *m = NULL;

	if (util_read_file(&text, path, 64u << 20, err) == 0)
		m = manifest_parse(text.data, text.len, path, err);
	buf_release(&text);
	return m;
}
