/* flakeurl: a locked input as the flake URL Nix prints for it. */
#include "flakeurl.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A parsed URL as Nix's ParsedURL holds it; the query is a JSON object of
 * strings, standing for Nix's std::map (sorted when written). */
struct url {
	struct buf scheme, authority, path, fragment;
	bool has_authority;
	json_t *query;
};

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* Nix's percentEncode. Bytes from 0x80 are written as one %XX each; Nix
 * widens a signed char there on some machines, which no lock has needed. */
static void encode(struct buf *b, const char *s, const char *keep,
		   const struct flakeurl_rules *r)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (unreserved(c) || strchr(keep, c))
			buf_add(b, s, 1);
		else
			buf_printf(b, r->rfc3986 ? "%%%02X" : "%%%02x", c);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Nix's percentDecode of s[0..n) ("%zz" stays as it is). */
static void decode(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			char c = (char)(hi * 16 + lo);

			buf_add(b, &c, 1);
			i += 2;
		} else {
			buf_add(b, &s[i], 1);
		}
	}
}

static void set(json_t *q, const char *k, const char *v)
{
	json_object_set_new(q, k, json_string(v));
}

/* std::map::insert: a key already there keeps its value. */
static void add(json_t *q, const char *k, const char *v)
{
	if (!json_object_get(q, k))
		set(q, k, v);
}

/* Nix's decodeQuery: "k=v" pairs split at '&', the value percent-decoded,
 * the first of a repeated key kept, a pair without '=' dropped. */
static void parse_query(json_t *q, const char *s, size_t n)
{
	const char *end = s + n;

	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(stop - s));

		if (eq && eq > s) {
			struct buf k = BUF_INIT, v = BUF_INIT;

			buf_add(&k, s, (size_t)(eq - s));
			decode(&v, eq + 1, (size_t)(stop - eq - 1));
			add(q, buf_cstr(&k), buf_cstr(&v));
			buf_release(&k);
			buf_release(&v);
		}
		s = stop + (amp ? 1 : 0);
	}
}

/* scheme ":" ["//" authority] path ["?" query] ["#" fragment] */
static void parse_url(struct url *u, const char *s,
		      const struct flakeurl_rules *r)
{
	const char *colon = strchr(s, ':'), *hash, *qm, *p;

	if (!colon) {
		buf_puts(&u->path, s);
		return;
	}
	buf_add(&u->scheme, s, (size_t)(colon - s));
	p = colon + 1;
	hash = strchr(p, '#');
	if (hash)
		decode(&u->fragment, hash + 1, strlen(hash + 1));
	else
		hash = p + strlen(p);
	qm = memchr(p, '?', (size_t)(hash - p));
	if (qm)
		parse_query(u->query, qm + 1, (size_t)(hash - qm - 1));
	else
		qm = hash;
	if (qm - p >= 2 && p[0] == '/' && p[1] == '/') {
		const char *slash;

		p += 2;
		slash = memchr(p, '/', (size_t)(qm - p));
		if (!slash)
			slash = qm;
		u->has_authority = true;
		buf_add(&u->authority, p, (size_t)(slash - p));
		p = slash;
	}
	/* Newer Nix decodes the path and encodes it again on output. */
	if (r->rfc3986)
		decode(&u->path, p, (size_t)(qm - p));
	else
		buf_add(&u->path, p, (size_t)(qm - p));
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ParsedURL::to_string. */
static char *url_string(struct url *u, const struct flakeurl_rules *r)
{
	struct buf b = BUF_INIT;
	size_t n = json_object_size(u->query), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v;
	char *s;

	buf_printf(&b, "%s:", buf_cstr(&u->scheme));
	if (u->has_authority)
		buf_printf(&b, "//%s", buf_cstr(&u->authority));
	if (r->rfc3986)
		encode(&b, buf_cstr(&u->path), ":@/", r);
	else
		buf_puts(&b, buf_cstr(&u->path));
	if (keys) {
		json_object_foreach(u->query, k, v)
			keys[i++] = k;
		qsort(keys, n, sizeof(*keys), cmp_key);
		for (i = 0; i < n; i++) {
			const char *keep = r->rfc3986 ? ":@/?" : "!$&'()*+,;=:@";

			buf_puts(&b, i ? "&" : "?");
			encode(&b, keys[i], keep, r);
			buf_puts(&b, "=");
			encode(&b, json_string_value(json_object_get(u->query,
								     keys[i])),
			       keep, r);
		}
	}
	if (u->fragment.len) {
		buf_puts(&b, "#");
		encode(&b, buf_cstr(&u->fragment),
		       r->rfc3986 ? "" : "!$&'()*+,;=:@", r);
	}
	free(keys);
	s = strdup(buf_cstr(&b));
	buf_release(&b);
	return s;
}

/* An attribute: extra's first (version 5 keeps some in "info"). */
static const json_t *get(const json_t *attrs, const json_t *extra,
			 const char *k)
{
	const json_t *v = json_object_get(extra, k);

	return v ? v : json_object_get(attrs, k);
}

static const char *str(const json_t *attrs, const json_t *extra,
		       const char *k)
{
	return json_string_value(get(attrs, extra, k));
}

static bool is_true(const json_t *attrs, const json_t *extra, const char *k)
{
	return json_is_true(get(attrs, extra, k));
}

/* Nix's attrsToQuery for one attribute (path inputs print them all). */
static void set_attr(json_t *q, const char *k, const json_t *v)
{
	char n[32];

	if (json_is_string(v)) {
		set(q, k, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
		set(q, k, n);
	} else if (json_is_boolean(v)) {
		set(q, k, json_is_true(v) ? "1" : "0");
	}
}

static void forge(struct url *u, const json_t *a, const json_t *x,
		  const char *type, const struct flakeurl_rules *r)
{
	const char *owner = str(a, x, "owner"), *repo = str(a, x, "repo");
	const char *rev = str(a, x, "rev"), *ref = str(a, x, "ref");

	buf_puts(&u->scheme, type);
	buf_printf(&u->path, "%s/%s", owner ? owner : "", repo ? repo : "");
	if (rev || ref)
		buf_printf(&u->path, "/%s", rev ? rev : ref);
	if (r->forge_nar_hash && str(a, x, "narHash"))
		set(u->query, "narHash", str(a, x, "narHash"));
	if (r->forge_host && str(a, x, "host"))
		set(u->query, "host", str(a, x, "host"));
}

/* A git or hg input's url: VCS+SCHEME://... (plain git:// stays as it
 * is), with its rev and ref. */
static void vcs_url(struct url *u, const json_t *a, const json_t *x,
		    const struct flakeurl_rules *r, const char *vcs)
{
	struct buf scheme = BUF_INIT;

	parse_url(u, str(a, x, "url") ? str(a, x, "url") : "", r);
	if (strcmp(buf_cstr(&u->scheme), vcs)) {
		buf_printf(&scheme, "%s+%s", vcs, buf_cstr(&u->scheme));
		buf_release(&u->scheme);
		u->scheme = scheme;
	}
	if (str(a, x, "rev"))
		set(u->query, "rev", str(a, x, "rev"));
	if (str(a, x, "ref"))
		set(u->query, "ref", str(a, x, "ref"));
}

static void git(struct url *u, const json_t *a, const json_t *x,
		const struct flakeurl_rules *r)
{
	static const char *const flags[] = { "shallow", "lfs", "exportIgnore",
					     "verifyCommit" };
	size_t i;

	vcs_url(u, a, x, r, "git");
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (is_true(a, x, flags[i]))
			set(u->query, flags[i], "1");
	if (r->git_submodules && is_true(a, x, "submodules"))
		set(u->query, "submodules", "1");
	if (str(a, x, "keytype") && str(a, x, "publicKey")) {
		set(u->query, "keytype", str(a, x, "keytype"));
		set(u->query, "publicKey", str(a, x, "publicKey"));
	}
}

static void hg(struct url *u, const json_t *a, const json_t *x,
	       const struct flakeurl_rules *r)
{
	vcs_url(u, a, x, r, "hg");
}

static void path(struct url *u, const json_t *a, const json_t *x)
{
	const json_t *objs[2] = { a, x };
	const char *k;
	json_t *v;
	size_t i;

	buf_puts(&u->scheme, "path");
	buf_puts(&u->path, str(a, x, "path") ? str(a, x, "path") : "");
	for (i = 0; i < 2; i++)
		json_object_foreach((json_t *)objs[i], k, v)
			if (strcmp(k, "path") && strcmp(k, "type") &&
			    strcmp(k, "dir") && strcmp(k, "__final"))
				set_attr(u->query, k, v);
}

static void indirect(struct url *u, const json_t *a, const json_t *x)
{
	const char *ref = str(a, x, "ref"), *rev = str(a, x, "rev");

	buf_puts(&u->scheme, "flake");
	buf_puts(&u->path, str(a, x, "id") ? str(a, x, "id") : "");
	if (ref)
		buf_printf(&u->path, "/%s", ref);
	if (rev)
		buf_printf(&u->path, "/%s", rev);
}

char *flakeurl_locked(const json_t *a, const json_t *x,
		      const struct flakeurl_rules *r)
{
	const char *type = str(a, x, "type"), *dir = str(a, x, "dir");
	struct url u = { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, false,
			 json_object() };
	char *s;

	if (!type)
		type = "";
	if (!strcmp(type, "github") || !strcmp(type, "gitlab") ||
	    !strcmp(type, "sourcehut")) {
		forge(&u, a, x, type, r);
	} else if (!strcmp(type, "git")) {
		git(&u, a, x, r);
	} else if (!strcmp(type, "hg")) {
		hg(&u, a, x, r);
	} else if (!strcmp(type, "path")) {
		path(&u, a, x);
	} else if (!strcmp(type, "indirect")) {
		indirect(&u, a, x);
	} else if (str(a, x, "url")) {
		/* tarball, file: the URL and the content's narHash */
		parse_url(&u, str(a, x, "url"), r);
		if (str(a, x, "narHash"))
			set(u.query, "narHash", str(a, x, "narHash"));
	} else {
		buf_puts(&u.scheme, type);
	}
	/* The flake's subdirectory, unless the URL already names one. */
	if (dir && dir[0])
		add(u.query, "dir", dir);
	s = url_string(&u, r);
	buf_release(&u.scheme);
	buf_release(&u.authority);
	buf_release(&u.path);
	buf_release(&u.fragment);
	json_decref(u.query);
	return s;
}
