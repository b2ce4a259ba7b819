/* flakelock: load, validate, query, edit and write Nix's flake.lock. */
#include "flakelock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flakeurl.h"
#include "jtext.h"

struct flakelock {
	char *text;         /* the original bytes */
	size_t len;
	size_t bom;         /* 3 when text starts with a UTF-8 byte-order
			     * mark (Nix reads such a file; jansson does
			     * not), else 0: the JSON is text + bom */
	char file[256];
	json_t *doc;
	json_t *nodes;      /* borrowed from doc */
	const char *root;   /* key of the root node */
	int version;
	int max_depth;      /* bound on nested follows resolution */
	char **edited;      /* node keys whose "locked" changed */
	size_t nedited;
	struct xerr *err;   /* where validation reports, while loading */
	struct flakeurl_rules url_rules; /* how pins' url prints */
};

#define MAX_PATH_ELEMS 8

static int lock_err(const struct flakelock *lk, const char *const *path,
		    size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fill lk->err with the position of the value at path (or of its nearest
 * parent that exists) in the original text. */
static int lock_err(const struct flakelock *lk, const char *const *path,
		    size_t n, const char *fmt, ...)
{
	struct xerr *err = lk->err;
	size_t start = 0, end = 0;
	int line = 0, col = 0;
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (; n > 0; n--)
		if (jtext_locate(lk->text + lk->bom, lk->len - lk->bom, path, n,
				 &start, &end) == 0) {
			jtext_linecol(lk->text, start + lk->bom, &line, &col);
			break;
		}
	return xerr_setpos(err, XPIN_USAGE, lk->file, line, col, "%s", msg);
}

bool flakelock_valid_rev(const char *s)
{
	return s && strlen(s) == 40 && util_is_hex(s, 40);
}

bool flakelock_valid_nar_hash(const char *s)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	if (!s || strlen(s) != 51 || strncmp(s, "sha256-", 7) || s[50] != '=')
		return false;
	for (i = 7; i < 50; i++)
		if (!s[i] || !strchr(b64, s[i]))
			return false;
	/* 32 bytes leave the last two bits of the last digit unused. */
	return (strchr(b64, s[49]) - b64) % 4 == 0;
}

bool flakelock_type_has_rev(const char *type)
{
	static const char *const types[] = { "github", "gitlab", "sourcehut",
					     "git", "hg", NULL };
	size_t i;

	for (i = 0; type && types[i]; i++)
		if (!strcmp(type, types[i]))
			return true;
	return false;
}

/* Known attributes of "locked", "original" and "info", by JSON type. */
static const char *const string_attrs[] = {
	"type", "owner", "repo", "rev", "ref", "narHash", "url", "host",
	"dir", "path", "id", NULL
};
static const char *const int_attrs[] = { "lastModified", "revCount", NULL };
static const char *const bool_attrs[] = { "submodules", "shallow", "allRefs",
					  NULL };

static bool in_list(const char *const *list, const char *k)
{
	for (; *list; list++)
		if (!strcmp(*list, k))
			return true;
	return false;
}

static int check_attrs(const struct flakelock *lk, const char *node,
		       const char *which, json_t *obj)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj)) {
		const char *p[] = { "nodes", node, which };
		return lock_err(lk, p, 3, "node '%s': \"%s\" must be an object",
				node, which);
	}
	json_object_foreach(obj, k, v) {
		const char *p[] = { "nodes", node, which, k };
		if (in_list(string_attrs, k) && !json_is_string(v))
			return lock_err(lk, p, 4, "node '%s': \"%s\" must be a string",
					node, k);
		if (in_list(int_attrs, k) &&
		    (!json_is_integer(v) || json_integer_value(v) < 0))
			return lock_err(lk, p, 4,
					"node '%s': \"%s\" must be a non-negative integer",
					node, k);
		if (in_list(bool_attrs, k) && !json_is_boolean(v))
			return lock_err(lk, p, 4, "node '%s': \"%s\" must be true or false",
					node, k);
		if (!strcmp(k, "rev") && strcmp(which, "original") &&
		    !flakelock_valid_rev(json_string_value(v)))
			return lock_err(lk, p, 4, "node '%s': \"rev\" must be 40 hex digits",
					node);
	}
	if (strcmp(which, "info") && !json_is_string(json_object_get(obj, "type"))) {
		const char *p[] = { "nodes", node, which };
		return lock_err(lk, p, 3, "node '%s': \"%s\" has no \"type\"",
				node, which);
	}
	return 0;
}

static void join_path(char *out, size_t n, json_t *arr, size_t upto)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < upto && i < json_array_size(arr); i++) {
		int w = snprintf(out + o, n - o, "%s%s", i ? "/" : "",
				 json_string_value(json_array_get(arr, i)));
		if (w < 0 || (size_t)w >= n - o)
			break;
		o += (size_t)w;
	}
}

/*
 * Resolve a follows path (array of input names, from the root) to a node
 * key. NULL with why filled when an element is missing or the follows
 * chain does not end.
 */
static const char *resolve(const struct flakelock *lk, json_t *arr,
			   int depth, char *why, size_t nwhy)
{
	const char *key = lk->root;
	size_t i;

	if (depth > lk->max_depth) {
		snprintf(why, nwhy, "follows cycle");
		return NULL;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		const char *name = json_string_value(json_array_get(arr, i));
		json_t *node = json_object_get(lk->nodes, key);
		json_t *ref = json_object_get(json_object_get(node, "inputs"),
					      name);
		char at[512];

		if (!ref) {
			join_path(at, sizeof(at), arr, i);
			snprintf(why, nwhy, "no input '%.100s' in '%.300s'", name,
				 i ? at : "the root flake");
			return NULL;
		}
		if (json_is_string(ref))
			key = json_string_value(ref);
		else if (!(key = resolve(lk, ref, depth + 1, why, nwhy)))
			return NULL;
	}
	return key;
}

static int check_node(const struct flakelock *lk, const char *key,
		      json_t *node)
{
	json_t *inputs, *v;
	const char *k;

	if (!json_is_object(node)) {
		const char *p[] = { "nodes", key };
		return lock_err(lk, p, 2, "node '%s' must be an object", key);
	}
	inputs = json_object_get(node, "inputs");
	if (inputs && !json_is_object(inputs)) {
		const char *p[] = { "nodes", key, "inputs" };
		return lock_err(lk, p, 3, "node '%s': \"inputs\" must be an object",
				key);
	}
	json_object_foreach(inputs, k, v) {
		const char *p[] = { "nodes", key, "inputs", k };
		size_t i;

		if (json_is_string(v)) {
			if (!json_object_get(lk->nodes, json_string_value(v)))
				return lock_err(lk, p, 4,
						"input '%s' of node '%s' refers to missing node '%s'",
						k, key, json_string_value(v));
			continue;
		}
		if (!json_is_array(v))
			return lock_err(lk, p, 4,
					"input '%s' of node '%s' must be a node name or a follows path",
					k, key);
		for (i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)))
				return lock_err(lk, p, 4,
						"follows path of input '%s' of node '%s' must hold strings",
						k, key);
	}
	if ((v = json_object_get(node, "flake")) && !json_is_boolean(v)) {
		const char *p[] = { "nodes", key, "flake" };
		return lock_err(lk, p, 3, "node '%s': \"flake\" must be true or false",
				key);
	}
	if ((v = json_object_get(node, "parent"))) {
		const char *p[] = { "nodes", key, "parent" };
		size_t i;
		if (!json_is_array(v))
			return lock_err(lk, p, 3, "node '%s': \"parent\" must be an array",
					key);
		for (i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)))
				return lock_err(lk, p, 3,
						"node '%s': \"parent\" must hold strings", key);
	}
	if ((v = json_object_get(node, "locked")) &&
	    check_attrs(lk, key, "locked", v) < 0)
		return -1;
	if ((v = json_object_get(node, "original")) &&
	    check_attrs(lk, key, "original", v) < 0)
		return -1;
	if ((v = json_object_get(node, "info")) &&
	    check_attrs(lk, key, "info", v) < 0)
		return -1;
	return 0;
}

/* Every node an input names must be a locked node; every follows must end. */
static int check_refs(const struct flakelock *lk)
{
	const char *key, *k;
	json_t *node, *v;

	json_object_foreach(lk->nodes, key, node) {
		json_object_foreach(json_object_get(node, "inputs"), k, v) {
			const char *p[] = { "nodes", key, "inputs", k };
			char why[512];

			if (json_is_string(v)) {
				json_t *t = json_object_get(lk->nodes,
							    json_string_value(v));
				if (!json_object_get(t, "locked") ||
				    !json_object_get(t, "original"))
					return lock_err(lk, p, 4,
							"input '%s' of node '%s' names node '%s', which has no \"locked\" and \"original\"",
							k, key, json_string_value(v));
				continue;
			}
			if (!resolve(lk, v, 0, why, sizeof(why)))
				return lock_err(lk, p, 4,
						"input '%s' of node '%s' follows a path that does not resolve: %s",
						k, key, why);
		}
	}
	return 0;
}

struct flakelock *flakelock_load(const char *text, size_t len,
				 const char *file, struct xerr *err)
{
	struct flakelock *lk;
	json_t *v, *node;
	const char *key;
	size_t nrefs = 0;

	static const struct flakeurl_rules newest = FLAKEURL_RULES_NEWEST;

	lk = calloc(1, sizeof(*lk));
	if (!lk || !(lk->text = malloc(len + 1))) {
		free(lk);
		xerr_set(err, XPIN_USAGE, "out of memory");
		return NULL;
	}
	memcpy(lk->text, text, len);
	lk->text[len] = '\0';
	lk->len = len;
	lk->bom = len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
	snprintf(lk->file, sizeof(lk->file), "%s", file);
	lk->err = err;

	lk->doc = jtext_load(text + lk->bom, len - lk->bom, file, err);
	if (!lk->doc) {
		if (err->line == 1)
			err->col += (int)lk->bom;
		goto fail;
	}
	if (!json_is_object(lk->doc)) {
		xerr_setpos(err, XPIN_USAGE, file, 1, 1,
			    "a flake.lock must hold a JSON object");
		goto fail;
	}
	v = json_object_get(lk->doc, "version");
	if (!v && json_object_get(lk->doc, "inputs")) {
		xerr_setpos(err, XPIN_USAGE, file, 1, 1,
			    "this flake.lock predates lock version 5; run 'nix flake update' to upgrade it");
		goto fail;
	}
	if (!json_is_integer(v)) {
		const char *p[] = { "version" };
		lock_err(lk, p, v ? 1 : 0, "\"version\" must be an integer");
		goto fail;
	}
	lk->version = json_integer_value(v) > 100 ? 100 : (int)json_integer_value(v);
	if (json_integer_value(v) < 5 && json_integer_value(v) >= 3) {
		const char *p[] = { "version" };
		lock_err(lk, p, 1,
			 "flake.lock version %d is too old for xpin (it reads 5 to 7); run 'nix flake update' to upgrade it",
			 lk->version);
		goto fail;
	}
	if (json_integer_value(v) < 5 || json_integer_value(v) > 7) {
		const char *p[] = { "version" };
		lock_err(lk, p, 1, "unsupported flake.lock version %" JSON_INTEGER_FORMAT
			 " (xpin reads 5 to 7)", json_integer_value(v));
		goto fail;
	}
	lk->nodes = json_object_get(lk->doc, "nodes");
	if (!json_is_object(lk->nodes)) {
		const char *p[] = { "nodes" };
		lock_err(lk, p, 1, "\"nodes\" must be an object");
		goto fail;
	}
	v = json_object_get(lk->doc, "root");
	if (!json_is_string(v)) {
		const char *p[] = { "root" };
		lock_err(lk, p, v ? 1 : 0, "\"root\" must name the root node");
		goto fail;
	}
	lk->root = json_string_value(v);
	if (!json_object_get(lk->nodes, lk->root)) {
		const char *p[] = { "root" };
		lock_err(lk, p, 1, "root node '%s' is not in \"nodes\"", lk->root);
		goto fail;
	}
	json_object_foreach(lk->nodes, key, node) {
		if (check_node(lk, key, node) < 0)
			goto fail;
		nrefs += json_object_size(json_object_get(node, "inputs"));
	}
	lk->max_depth = (int)(nrefs < 100000 ? nrefs : 100000) + 1;
	lk->url_rules = newest;
	if (check_refs(lk) < 0)
		goto fail;
	lk->err = NULL;
	return lk;
fail:
	lk->err = NULL;
	flakelock_free(lk);
	return NULL;
}

struct flakelock *flakelock_open(const char *path, struct xerr *err)
{
	struct buf text = BUF_INIT;
	struct flakelock *lk = NULL;

	/* Real locks are kilobytes; a cap keeps a hostile file bounded. */
	if (util_read_file(&text, path, 64u << 20, err) == 0)
		lk = flakelock_load(buf_cstr(&text), text.len, path, err);
	buf_release(&text);
	return lk;
}

void flakelock_free(struct flakelock *lk)
{
	size_t i;

	if (!lk)
		return;
	for (i = 0; i < lk->nedited; i++)
		free(lk->edited[i]);
	free(lk->edited);
	json_decref(lk->doc);
	free(lk->text);
	free(lk);
}

int flakelock_version(const struct flakelock *lk)
{
	return lk->version;
}

void flakelock_set_url_rules(struct flakelock *lk,
			     const struct flakeurl_rules *r)
{
	lk->url_rules = *r;
}

/* A locked attribute; version 5 keeps some in "info", which wins there. */
static json_t *attr(json_t *node, const char *k)
{
	json_t *v = json_object_get(json_object_get(node, "info"), k);

	return v ? v : json_object_get(json_object_get(node, "locked"), k);
}

static const char *sattr(json_t *node, const char *k)
{
	return json_string_value(attr(node, k));
}

static int64_t iattr(json_t *node, const char *k)
{
	json_t *v = attr(node, k);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

/* "owner/repo", a url, a path or an id: where the input comes from. */
static char *make_source(json_t *node)
{
	const char *type = sattr(node, "type"), *host = sattr(node, "host");
	const char *dir = sattr(node, "dir");
	struct buf b = BUF_INIT;

	if (type && (!strcmp(type, "github") || !strcmp(type, "gitlab") ||
		     !strcmp(type, "sourcehut")))
		buf_printf(&b, "%s%s%s/%s", host ? host : "", host ? "/" : "",
			   sattr(node, "owner") ? sattr(node, "owner") : "?",
			   sattr(node, "repo") ? sattr(node, "repo") : "?");
	else if (sattr(node, "url"))
		buf_puts(&b, sattr(node, "url"));
	else if (sattr(node, "path"))
		buf_puts(&b, sattr(node, "path"));
	else if (sattr(node, "id"))
		buf_puts(&b, sattr(node, "id"));
	if (dir)
		buf_printf(&b, "?dir=%s", dir);
	{
		char *r = strdup(buf_cstr(&b));
		buf_release(&b);
		return r;
	}
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void fill_pin(struct flakelock_pin *p, const struct flakelock *lk,
		     const char *key, json_t *node)
{
	json_t *flake = json_object_get(node, "flake");
	const char *ref = sattr(node, "ref");

	if (!ref)
		ref = json_string_value(json_object_get(
			json_object_get(node, "original"), "ref"));
	p->node = strdup(key);
	p->type = dup_or_null(sattr(node, "type"));
	p->rev = dup_or_null(sattr(node, "rev"));
	p->ref = dup_or_null(ref);
	p->nar_hash = dup_or_null(sattr(node, "narHash"));
	p->last_modified = iattr(node, "lastModified");
	p->rev_count = iattr(node, "revCount");
	p->flake = !json_is_false(flake);
	p->source = make_source(node);
	p->url = flakeurl_locked(json_object_get(node, "locked"),
				 json_object_get(node, "info"), &lk->url_rules);
}

void flakelock_pin_release(struct flakelock_pin *p)
{
	free(p->path);
	free(p->node);
	free(p->follows);
	free(p->type);
	free(p->rev);
	free(p->ref);
	free(p->nar_hash);
	free(p->source);
	free(p->url);
	memset(p, 0, sizeof(*p));
}

void flakelock_pins_free(struct flakelock_pin *pins, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		flakelock_pin_release(&pins[i]);
	free(pins);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct walk {
	const struct flakelock *lk;
	struct flakelock_pin *pins;
	size_t n, cap;
	json_t *visited;
};

static int walk(struct walk *w, const char *key, const char *prefix)
{
	json_t *inputs = json_object_get(json_object_get(w->lk->nodes, key),
					 "inputs");
	size_t i = 0, count = json_object_size(inputs);
	const char **names, *k;
	json_t *v;
	int ret = 0;

	if (!count)
		return 0;
	names = malloc(count * sizeof(*names));
	if (!names)
		return -1;
	json_object_foreach(inputs, k, v)
		names[i++] = k;
	qsort(names, count, sizeof(*names), cmp_str);
	for (i = 0; i < count && ret == 0; i++) {
		struct flakelock_pin *p;
		struct buf path = BUF_INIT;

		if (w->n == w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 16;
			p = realloc(w->pins, cap * sizeof(*p));
			if (!p) {
				ret = -1;
				break;
			}
			w->pins = p;
			w->cap = cap;
		}
		p = &w->pins[w->n++];
		memset(p, 0, sizeof(*p));
		p->last_modified = p->rev_count = -1;
		p->flake = true;
		buf_printf(&path, "%s%s%s", prefix ? prefix : "",
			   prefix ? "/" : "", names[i]);
		p->path = strdup(buf_cstr(&path));
		buf_release(&path);
		v = json_object_get(inputs, names[i]);
		if (json_is_array(v)) {
			char joined[1024];
			join_path(joined, sizeof(joined), v, json_array_size(v));
			p->follows = strdup(joined);
			continue;
		}
		k = json_string_value(v);
		fill_pin(p, w->lk, k, json_object_get(w->lk->nodes, k));
		if (!json_object_get(w->visited, k)) {
			json_object_set_new(w->visited, k, json_true());
			ret = walk(w, k, p->path);
		}
	}
	free(names);
	return ret;
}

int flakelock_pins(struct flakelock_pin **out, size_t *n,
		   const struct flakelock *lk, struct xerr *err)
{
	struct walk w = { lk, NULL, 0, 0, json_object() };

	json_object_set_new(w.visited, lk->root, json_true());
	if (!w.visited || walk(&w, lk->root, NULL) < 0) {
		json_decref(w.visited);
		flakelock_pins_free(w.pins, w.n);
		return xerr_set(err, XPIN_USAGE, "out of memory");
	}
	json_decref(w.visited);
	*out = w.pins;
	*n = w.n;
	return 0;
}

/* Known (non-follows) input paths, for "no such input" messages. */
static void known_inputs(char *out, size_t n, const struct flakelock *lk)
{
	struct flakelock_pin *pins = NULL;
	size_t np = 0, i, o = 0;

	out[0] = '\0';
	if (flakelock_pins(&pins, &np, lk, NULL) < 0)
		return;
	for (i = 0; i < np; i++) {
		int w;
		if (pins[i].follows)
			continue;
		w = snprintf(out + o, n - o, "%s%s", o ? ", " : "", pins[i].path);
		if (w < 0 || (size_t)w >= n - o) {
			if (n > 5)
				strcpy(out + n - 5, "...");
			break;
		}
		o += (size_t)w;
	}
	flakelock_pins_free(pins, np);
}

int flakelock_find(struct flakelock_pin *out, const struct flakelock *lk,
		   const char *path, struct xerr *err)
{
	json_t *arr = json_array(), *node, *ref = NULL;
	char *copy = strdup(path), *save = NULL, *elem;
	const char *key = lk->root;
	char why[512], known[512];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->last_modified = out->rev_count = -1;
	if (!arr || !copy) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	for (elem = strtok_r(copy, "/", &save); elem;
	     elem = strtok_r(NULL, "/", &save)) {
		if (ref) {
			if (json_is_array(ref)) {
				key = resolve(lk, ref, 0, why, sizeof(why));
				if (!key)
					goto unknown;
			} else {
				key = json_string_value(ref);
			}
		}
		node = json_object_get(lk->nodes, key);
		ref = json_object_get(json_object_get(node, "inputs"), elem);
		if (!ref)
			goto unknown;
		json_array_append_new(arr, json_string(elem));
	}
	if (!ref)
		goto unknown;
	out->path = strdup(path);
	if (json_is_array(ref)) {
		join_path(why, sizeof(why), ref, json_array_size(ref));
		out->follows = strdup(why);
	} else {
		key = json_string_value(ref);
		fill_pin(out, lk, key, json_object_get(lk->nodes, key));
	}
	ret = 0;
	goto out;
unknown:
	known_inputs(known, sizeof(known), lk);
	xerr_set(err, XPIN_USAGE, "no input '%s' in %s (inputs: %s)", path,
		 lk->file, known[0] ? known : "none");
out:
	json_decref(arr);
	free(copy);
	return ret;
}

static int mark_edited(struct flakelock *lk, const char *key)
{
	char **e;
	size_t i;

	for (i = 0; i < lk->nedited; i++)
		if (!strcmp(lk->edited[i], key))
			return 0;
	e = realloc(lk->edited, (lk->nedited + 1) * sizeof(*e));
	if (!e)
		return -1;
	lk->edited = e;
	if (!(e[lk->nedited] = strdup(key)))
		return -1;
	lk->nedited++;
	return 0;
}

/* Set one locked attribute; drop a version-5 "info" copy so ours wins. */
static int set_attr(json_t *node, const char *k, json_t *v)
{
	json_t *info = json_object_get(node, "info");

	if (info)
		json_object_del(info, k);
	return json_object_set_new(json_object_get(node, "locked"), k, v);
}

int flakelock_pinnable(struct flakelock_pin *out, const struct flakelock *lk,
		       const char *path, struct xerr *err)
{
	if (flakelock_find(out, lk, path, err) < 0)
		return -1;
	if (out->follows && !out->follows[0]) {
		xerr_set(err, XPIN_USAGE,
			 "input '%s' follows the root flake itself, which has no locked revision to pin",
			 path);
		flakelock_pin_release(out);
		return -1;
	}
	if (out->follows) {
		xerr_set(err, XPIN_USAGE,
			 "input '%s' follows '%s'; pin '%s' instead", path,
			 out->follows, out->follows);
		flakelock_pin_release(out);
		return -1;
	}
	if (!flakelock_type_has_rev(out->type)) {
		xerr_set(err, XPIN_USAGE,
			 "input '%s' is of type '%s', which has no revision to pin",
			 path, out->type ? out->type : "?");
		flakelock_pin_release(out);
		return -1;
	}
	return 0;
}

const char *flakelock_locked_string(const struct flakelock *lk,
				    const char *node, const char *key)
{
	return sattr(json_object_get(lk->nodes, node), key);
}

int flakelock_locked_bool(const struct flakelock *lk, const char *node,
			  const char *key)
{
	json_t *v = attr(json_object_get(lk->nodes, node), key);

	return json_is_boolean(v) ? json_is_true(v) : -1;
}

int flakelock_set(struct flakelock *lk, const char *path,
		  const struct flakelock_update *u, struct xerr *err)
{
	static const struct { const char *attr; size_t off; } needs[] = {
		{ "narHash", offsetof(struct flakelock_update, nar_hash) },
		{ "lastModified", offsetof(struct flakelock_update, last_modified) },
		{ "revCount", offsetof(struct flakelock_update, rev_count) },
	};
	struct flakelock_pin pin;
	json_t *node;
	bool rev_changes;
	size_t i;
	int ret = -1;

	if (flakelock_pinnable(&pin, lk, path, err) < 0)
		return -1;
	if (u->rev && !flakelock_valid_rev(u->rev)) {
		xerr_set(err, XPIN_USAGE,
			 "rev '%s' for input '%s' must be 40 hex digits", u->rev,
			 path);
		goto out;
	}
	if (u->nar_hash && !flakelock_valid_nar_hash(u->nar_hash)) {
		xerr_set(err, XPIN_USAGE,
			 "narHash '%s' must be 'sha256-' and 44 base64 characters",
			 u->nar_hash);
		goto out;
	}
	node = json_object_get(lk->nodes, pin.node);
	rev_changes = u->rev && (!pin.rev || strcmp(u->rev, pin.rev));
	for (i = 0; rev_changes && i < sizeof(needs) / sizeof(needs[0]); i++) {
		const char *p = (const char *)u + needs[i].off;
		bool given = !strcmp(needs[i].attr, "narHash")
				     ? *(const char *const *)(const void *)p != NULL
				     : *(const int64_t *)(const void *)p >= 0;
		if (attr(node, needs[i].attr) && !given) {
			xerr_set(err, XPIN_USAGE,
				 "input '%s' needs a new %s for rev %.12s (the lock's is for %.12s)",
				 path, needs[i].attr, u->rev, pin.rev ? pin.rev : "?");
			goto out;
		}
	}
	if ((u->rev && set_attr(node, "rev", json_string(u->rev)) < 0) ||
	    (u->nar_hash &&
	     set_attr(node, "narHash", json_string(u->nar_hash)) < 0) ||
	    (u->last_modified >= 0 &&
	     set_attr(node, "lastModified", json_integer(u->last_modified)) < 0) ||
	    (u->rev_count >= 0 &&
	     set_attr(node, "revCount", json_integer(u->rev_count)) < 0) ||
	    mark_edited(lk, pin.node) < 0) {
		xerr_set(err, XPIN_USAGE, "out of memory");
		goto out;
	}
	ret = 0;
out:
	flakelock_pin_release(&pin);
	return ret;
}

struct span {
	size_t start, end;
	const char *node;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The file's own layout: its line end and its indentation unit, read off
 * the first line break and the line after it (as Nix writes it: "\n" and
 * two spaces). */
struct layout {
	bool crlf;
	char unit[16];
};

static void read_layout(struct layout *l, const char *text, size_t len)
{
	const char *nl = memchr(text, '\n', len), *p;
	size_t n = 0;

	l->crlf = nl && nl > text && nl[-1] == '\r';
	snprintf(l->unit, sizeof(l->unit), "  ");
	if (!nl)
		return;
	for (p = nl + 1; p < text + len && (*p == ' ' || *p == '\t') &&
			 n + 1 < sizeof(l->unit); p++)
		l->unit[n++] = *p;
	if (n)
		l->unit[n] = '\0';
}

/* Append what jtext_dump wrote (two-space indents, "\n") in layout l. A
 * dump holds no raw line break inside a string, so every "\n" is one. */
static int restyle(struct buf *out, const struct buf *dump,
		   const struct layout *l)
{
	const char *p = dump->data, *end = dump->data + dump->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;
		size_t depth;

		while (q < (nl ? nl : end) && *q == ' ')
			q++;
		for (depth = (size_t)(q - p) / 2; depth; depth--)
			if (buf_puts(out, l->unit) < 0)
				return -1;
		if (buf_add(out, q, (size_t)((nl ? nl : end) - q)) < 0)
			return -1;
		if (!nl)
			break;
		if (buf_puts(out, l->crlf ? "\r\n" : "\n") < 0)
			return -1;
		p = nl + 1;
	}
	return 0;
}

/* Version 7: replace the edited "locked" objects in the original text,
 * written in the file's own line ends and indentation. */
static int splice(struct buf *out, const struct flakelock *lk)
{
	struct span *sp;
	struct buf dump = BUF_INIT;
	struct layout l;
	size_t i, at = 0;
	int ret = -1;

	read_layout(&l, lk->text, lk->len);

	sp = calloc(lk->nedited ? lk->nedited : 1, sizeof(*sp));
	if (!sp)
		return -1;
	for (i = 0; i < lk->nedited; i++) {
		const char *p[] = { "nodes", lk->edited[i], "locked" };
		if (jtext_locate(lk->text + lk->bom, lk->len - lk->bom, p, 3,
				 &sp[i].start, &sp[i].end) < 0)
			goto out;
		sp[i].start += lk->bom;
		sp[i].end += lk->bom;
		sp[i].node = lk->edited[i];
	}
	qsort(sp, lk->nedited, sizeof(*sp), cmp_span);
	for (i = 0; i < lk->nedited; i++) {
		json_t *locked = json_object_get(
			json_object_get(lk->nodes, sp[i].node), "locked");
		dump.len = 0;
		if (buf_add(out, lk->text + at, sp[i].start - at) < 0 ||
		    jtext_dump(&dump, locked, 3) < 0 || restyle(out, &dump, &l) < 0)
			goto out;
		at = sp[i].end;
	}
	if (buf_add(out, lk->text + at, lk->len - at) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&dump);
	free(sp);
	return ret;
}

/* Versions 5 and 6: the whole file as Nix writes version 7. */
static int upgrade(struct buf *out, const struct flakelock *lk)
{
	json_t *doc = json_deep_copy(lk->doc), *nodes, *node, *info, *v;
	const char *key, *k;
	int ret;

	if (!doc)
		return -1;
	nodes = json_object_get(doc, "nodes");
	json_object_foreach(nodes, key, node) {
		info = json_object_get(node, "info");
		if (!info)
			continue;
		json_object_foreach(info, k, v)
			json_object_set(json_object_get(node, "locked"), k, v);
		json_object_del(node, "info");
	}
	json_object_set_new(doc, "version", json_integer(7));
	ret = jtext_dump_file(out, doc);
	json_decref(doc);
	return ret;
}

int flakelock_serialize(struct buf *out, const struct flakelock *lk,
			struct xerr *err)
{
	int ret;

	out->len = 0;
	if (lk->version == 7)
		ret = lk->nedited ? splice(out, lk)
				  : buf_add(out, lk->text, lk->len);
	else
		ret = upgrade(out, lk);
	if (ret < 0)
		return xerr_set(err, XPIN_USAGE, "cannot write %s: out of memory",
				lk->file);
	return 0;
}
