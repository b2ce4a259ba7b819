/* config: load and validate xpin.json. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "jtext.h"

struct ctx {
	const char *path;
	struct buf text;
	struct xerr *err;
};

static int cfg_err(struct ctx *c, const char *const *p, size_t n,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int cfg_err(struct ctx *c, const char *const *p, size_t n,
		   const char *fmt, ...)
{
	char msg[512];
	size_t s, e;
	int line = 0, col = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (; n > 0; n--)
		if (jtext_locate(c->text.data, c->text.len, p, n, &s, &e) == 0) {
			jtext_linecol(c->text.data, s, &line, &col);
			break;
		}
	return xerr_setpos(c->err, XPIN_USAGE, c->path, line, col, "%s", msg);
}

/* Refuse keys outside allowed, naming the first unknown one. */
static int check_keys(struct ctx *c, json_t *obj, const char *const *allowed,
		      const char *const *p, size_t n)
{
	const char *k, *path[4];
	json_t *v;
	size_t i;

	json_object_foreach(obj, k, v) {
		bool ok = false;
		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], k))
				ok = true;
		if (ok)
			continue;
		for (i = 0; i < n; i++)
			path[i] = p[i];
		path[n] = k;
		return cfg_err(c, path, n + 1, "unknown key \"%s\"", k);
	}
	return 0;
}

static int strings(struct ctx *c, char ***out, size_t *nout, json_t *arr,
		   const char *const *p, size_t n, const char *what)
{
	size_t i;

	if (!json_is_array(arr))
		return cfg_err(c, p, n, "%s must be an array of strings", what);
	*out = calloc(json_array_size(arr) + 1, sizeof(char *));
	if (!*out)
		return xerr_set(c->err, XPIN_USAGE, "out of memory");
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s) || !json_string_length(s))
			return cfg_err(c, p, n, "%s must be an array of strings",
				       what);
		(*out)[i] = strdup(json_string_value(s));
		(*nout)++;
	}
	return 0;
}

static char *opt_string(struct ctx *c, json_t *obj, const char *key,
			const char *const *p, size_t n, int *bad)
{
	json_t *v = json_object_get(obj, key);
	const char *path[4];
	size_t i;

	if (!v)
		return NULL;
	if (json_is_string(v) && json_string_length(v))
		return strdup(json_string_value(v));
	for (i = 0; i < n; i++)
		path[i] = p[i];
	path[n] = key;
	cfg_err(c, path, n + 1, "\"%s\" must be a non-empty string", key);
	*bad = 1;
	return NULL;
}

bool config_valid_target_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CONFIG_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-+", s[i]))
			return false;
	return true;
}

bool config_valid_artifact(const char *s)
{
	const char *p = s, *e;

	if (!*s || strlen(s) > 4096)
		return false;
	for (;; p = e + 1) {
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if (e == p || (e - p == 1 && p[0] == '.') ||
		    (e - p == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (; p < e; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				return false;
		if (!*e)
			return true;
	}
}

/* s with control characters shown as '?', for one-line messages. */
static const char *shown(char out[128], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < 127; i++)
		out[i] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	return out;
}

static int load_target(struct ctx *c, struct config_target *t,
		       const char *name, json_t *v)
{
	static const char *const keys[] = { "attr", "command", "artifacts",
		"triple", "expect", "timeout", NULL };
	static const char *const ekeys[] = { "linkage", "glibc_max", "libc",
		"allow_nix_store", "allow_execstack", NULL };
	static const char *const linkages[] = { "static", "static-pie",
		"dynamic", "shared-object", NULL };
	const char *p[] = { "targets", name, "expect", NULL };
	json_t *e, *x;
	int bad = 0;
	size_t i, j;

	char sh[128];

	t->name = strdup(name);
	t->timeout = CONFIG_DEFAULT_TIMEOUT;
	if (!config_valid_target_name(name))
		return cfg_err(c, p, 2,
			       "target name '%s' must be a plain name: letters, digits, '.', '_', '-' and '+', not starting with '.' or '-'",
			       shown(sh, name));
	if (!json_is_object(v))
		return cfg_err(c, p, 2, "target '%s' must be an object", name);
	if (check_keys(c, v, keys, p, 2) < 0)
		return -1;
	t->attr = opt_string(c, v, "attr", p, 2, &bad);
	t->command = opt_string(c, v, "command", p, 2, &bad);
	t->triple = opt_string(c, v, "triple", p, 2, &bad);
	if (bad)
		return -1;
	if (t->attr && (t->attr[0] == '-' || strpbrk(t->attr, " \t\n\r#?"))) {
		const char *tp[] = { "targets", name, "attr" };
		return cfg_err(c, tp, 3,
			       "\"attr\" '%s' must be an attribute path, such as packages.x86_64-linux.tool",
			       shown(sh, t->attr));
	}
	if (!t->attr == !t->command)
		return cfg_err(c, p, 2,
			       "target '%s' needs either \"attr\" or \"command\"",
			       name);
	if ((x = json_object_get(v, "artifacts"))) {
		const char *ap[] = { "targets", name, "artifacts" };
		if (strings(c, &t->artifacts, &t->nartifacts, x, ap, 3,
			    "\"artifacts\"") < 0)
			return -1;
		for (i = 0; i < t->nartifacts; i++)
			if (!config_valid_artifact(t->artifacts[i]))
				return cfg_err(c, ap, 3,
					       "artifact '%s' must be a relative path inside the build folder, without '.' or '..' parts",
					       shown(sh, t->artifacts[i]));
	}
	if (t->command && !t->nartifacts)
		return cfg_err(c, p, 2, "command target '%s' needs \"artifacts\"",
			       name);
	if (t->attr && t->nartifacts)
		return cfg_err(c, p, 2,
			       "target '%s': \"artifacts\" is for command targets; a flake attribute's output is taken whole",
			       name);
	if (t->triple) {
		struct elf_target et;
		if (elf_target_parse(&et, t->triple, c->err) < 0) {
			const char *tp[] = { "targets", name, "triple" };
			return cfg_err(c, tp, 3, "%s", c->err->msg);
		}
	}
	if ((x = json_object_get(v, "timeout"))) {
		const char *tp[] = { "targets", name, "timeout" };
		if (!json_is_integer(x) || json_integer_value(x) <= 0 ||
		    json_integer_value(x) > 7 * 86400)
			return cfg_err(c, tp, 3,
				       "\"timeout\" must be seconds, from 1 to 604800");
		t->timeout = (unsigned)json_integer_value(x);
	}
	e = json_object_get(v, "expect");
	if (!e)
		return 0;
	if (!json_is_object(e))
		return cfg_err(c, p, 3, "\"expect\" must be an object");
	if (check_keys(c, e, ekeys, p, 3) < 0)
		return -1;
	if ((x = json_object_get(e, "linkage"))) {
		const char *lp[] = { "targets", name, "expect", "linkage" };
		if (json_is_string(x)) {
			t->linkage = calloc(2, sizeof(char *));
			t->linkage[0] = strdup(json_string_value(x));
			t->nlinkage = 1;
		} else if (strings(c, &t->linkage, &t->nlinkage, x, lp, 4,
				   "\"linkage\"") < 0) {
			return -1;
		}
		for (i = 0; i < t->nlinkage; i++) {
			bool ok = false;
			for (j = 0; linkages[j]; j++)
				ok |= !strcmp(linkages[j], t->linkage[i]);
			if (!ok)
				return cfg_err(c, lp, 4,
					       "linkage '%s' is not one of static, static-pie, dynamic, shared-object",
					       t->linkage[i]);
		}
	}
	if ((x = json_object_get(e, "libc"))) {
		const char *lp[] = { "targets", name, "expect", "libc" };
		enum elf_libc l;

		if (json_is_string(x)) {
			t->libc = calloc(2, sizeof(char *));
			if (!t->libc || !(t->libc[0] = strdup(json_string_value(x))))
				return xerr_set(c->err, XPIN_USAGE, "out of memory");
			t->nlibc = 1;
		} else if (strings(c, &t->libc, &t->nlibc, x, lp, 4,
				   "\"libc\"") < 0) {
			return -1;
		}
		if (t->nlibc == 0)
			return cfg_err(c, lp, 4,
				       "\"libc\" must list at least one of glibc, musl, none");
		for (i = 0; i < t->nlibc; i++)
			if (!elf_libc_parse(&l, t->libc[i]) ||
			    l == ELF_LIBC_UNKNOWN)
				return cfg_err(c, lp, 4,
					       "libc '%s' is not one of glibc, musl, none",
					       shown(sh, t->libc[i]));
	}
	t->glibc_max = opt_string(c, e, "glibc_max", p, 3, &bad);
	if (bad)
		return -1;
	if (t->glibc_max && !elf_glibc_version_valid(t->glibc_max)) {
		const char *gp[] = { "targets", name, "expect", "glibc_max" };
		return cfg_err(c, gp, 4, "\"glibc_max\" must be a version like 2.17");
	}
	if ((x = json_object_get(e, "allow_nix_store"))) {
		const char *bp[] = { "targets", name, "expect", "allow_nix_store" };
		if (!json_is_boolean(x))
			return cfg_err(c, bp, 4, "\"allow_nix_store\" must be true or false");
		t->allow_nix_store = json_is_true(x);
	}
	if ((x = json_object_get(e, "allow_execstack"))) {
		const char *bp[] = { "targets", name, "expect", "allow_execstack" };
		if (!json_is_boolean(x))
			return cfg_err(c, bp, 4, "\"allow_execstack\" must be true or false");
		t->allow_execstack = json_is_true(x);
	}
	return 0;
}

bool config_valid_store(const char *s)
{
	const char *p = strstr(s, "://");

	if (!p || p == s || *s == '-' || !p[3])
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int cmp_target(const void *a, const void *b)
{
	return strcmp(((const struct config_target *)a)->name,
		      ((const struct config_target *)b)->name);
}

int config_load(struct config *out, const char *path, struct xerr *err)
{
	static const char *const keys[] = { "pins", "rebuild_on", "targets", NULL };
	struct ctx c = { path, BUF_INIT, err };
	json_t *doc = NULL, *v, *t;
	const char *k;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (util_read_file(&c.text, path, 1u << 20, err) < 0)
		goto out;
	doc = jtext_load(c.text.data, c.text.len, path, err);
	if (!doc)
		goto out;
	if (!json_is_object(doc)) {
		xerr_setpos(err, XPIN_USAGE, path, 1, 1, "xpin.json must hold an object");
		goto out;
	}
	if (check_keys(&c, doc, keys, NULL, 0) < 0)
		goto out;
	if ((v = json_object_get(doc, "pins"))) {
		const char *p[] = { "pins" };
		if (strings(&c, &out->pins, &out->npins, v, p, 1, "\"pins\"") < 0)
			goto out;
	}
	if ((v = json_object_get(doc, "rebuild_on"))) {
		const char *p[] = { "rebuild_on" };
		size_t i;

		if (strings(&c, &out->rebuild_on, &out->nrebuild_on, v, p, 1,
			    "\"rebuild_on\"") < 0)
			goto out;
		for (i = 0; i < out->nrebuild_on; i++)
			if (!config_valid_store(out->rebuild_on[i])) {
				cfg_err(&c, p, 1, "\"rebuild_on\" must list store URIs (such as ssh-ng://builder)");
				goto out;
			}
	}
	v = json_object_get(doc, "targets");
	if (!json_is_object(v) || json_object_size(v) == 0) {
		const char *p[] = { "targets" };
		cfg_err(&c, p, 1, "\"targets\" must be an object naming at least one target");
		goto out;
	}
	out->targets = calloc(json_object_size(v), sizeof(*out->targets));
	if (!out->targets) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	json_object_foreach(v, k, t) {
		if (load_target(&c, &out->targets[out->ntargets++], k, t) < 0)
			goto out;
	}
	qsort(out->targets, out->ntargets, sizeof(*out->targets), cmp_target);
	ret = 0;
out:
	if (ret < 0)
		config_release(out);
	json_decref(doc);
	buf_release(&c.text);
	return ret;
}

static void free_list(char **l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++)
		free(l[i]);
	free(l);
}

void config_release(struct config *c)
{
	size_t i;

	free_list(c->pins, c->npins);
	free_list(c->rebuild_on, c->nrebuild_on);
	for (i = 0; i < c->ntargets; i++) {
		struct config_target *t = &c->targets[i];
		free(t->name);
		free(t->attr);
		free(t->command);
		free(t->triple);
		free(t->glibc_max);
		free_list(t->artifacts, t->nartifacts);
		free_list(t->linkage, t->nlinkage);
		free_list(t->libc, t->nlibc);
	}
	free(c->targets);
	memset(c, 0, sizeof(*c));
}

const struct config_target *config_find(const struct config *c,
					const char *name)
{
	size_t i;

	for (i = 0; i < c->ntargets; i++)
		if (!strcmp(c->targets[i].name, name))
			return &c->targets[i];
	return NULL;
}
