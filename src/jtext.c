/* jtext: JSON load, canonical dump, and value positions in text. */
#include "jtext.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *jtext_load(const char *text, size_t len, const char *file,
		   struct xerr *err)
{
	json_error_t je;
	json_t *v;

	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		/* jansson words invalid UTF-8 as a decoding failure. */
		bool utf8 = strstr(je.text, "unable to decode byte") != NULL;
		xerr_setpos(err, XPIN_USAGE, file, je.line > 0 ? je.line : 0,
			    je.column > 0 ? je.column : 0, "invalid JSON: %s%s",
			    utf8 ? "invalid UTF-8: " : "", je.text);
		return NULL;
	}
	return v;
}

static int dump_string(struct buf *out, const char *s, size_t n)
{
	size_t i, run = 0;

	if (buf_add(out, "\"", 1) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20) {
				snprintf(u, sizeof(u), "\\u%04x", c);
				esc = u;
			}
		}
		if (!esc)
			continue;
		if (buf_add(out, s + run, i - run) < 0 || buf_puts(out, esc) < 0)
			return -1;
		run = i + 1;
	}
	if (buf_add(out, s + run, n - run) < 0)
		return -1;
	return buf_add(out, "\"", 1);
}

/* Shortest text that reads back as the same double, as nlohmann prints. */
static int dump_real(struct buf *out, double d)
{
	char s[40];
	int p;

	if (!isfinite(d))
		return buf_puts(out, "null");
	for (p = 1; p <= 17; p++) {
		snprintf(s, sizeof(s), "%.*g", p, d);
		if (strtod(s, NULL) == d)
			break;
	}
	if (!strpbrk(s, ".eE"))
		strcat(s, ".0");
	return buf_puts(out, s);
}

static int indent(struct buf *out, int depth)
{
	if (buf_grow(out, (size_t)depth * 2) < 0)
		return -1;
	memset(out->data + out->len, ' ', (size_t)depth * 2);
	out->len += (size_t)depth * 2;
	out->data[out->len] = '\0';
	return 0;
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int jtext_dump(struct buf *out, const json_t *v, int depth)
{
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char **keys;
		const char *k;
		json_t *x;

		n = json_object_size(v);
		if (n == 0)
			return buf_puts(out, "{}");
		keys = malloc(n * sizeof(*keys));
		if (!keys)
			return -1;
		i = 0;
		json_object_foreach((json_t *)v, k, x)
			keys[i++] = k;
		/* strcmp compares as unsigned char: bytewise, as Nix sorts. */
		qsort(keys, n, sizeof(*keys), cmp_keys);
		buf_puts(out, "{\n");
		for (i = 0; i < n; i++) {
			indent(out, depth + 1);
			dump_string(out, keys[i], strlen(keys[i]));
			buf_puts(out, ": ");
			if (jtext_dump(out, json_object_get(v, keys[i]),
				       depth + 1) < 0) {
				free(keys);
				return -1;
			}
			buf_puts(out, i + 1 < n ? ",\n" : "\n");
		}
		free(keys);
		indent(out, depth);
		return buf_puts(out, "}");
	}
	case JSON_ARRAY:
		n = json_array_size(v);
		if (n == 0)
			return buf_puts(out, "[]");
		buf_puts(out, "[\n");
		for (i = 0; i < n; i++) {
			indent(out, depth + 1);
			if (jtext_dump(out, json_array_get(v, i), depth + 1) < 0)
				return -1;
			buf_puts(out, i + 1 < n ? ",\n" : "\n");
		}
		indent(out, depth);
		return buf_puts(out, "]");
	case JSON_STRING:
		return dump_string(out, json_string_value(v),
				   json_string_length(v));
	case JSON_INTEGER:
		return buf_printf(out, "%" JSON_INTEGER_FORMAT,
				  json_integer_value(v));
	case JSON_REAL:
		return dump_real(out, json_real_value(v));
	case JSON_TRUE:
		return buf_puts(out, "true");
	case JSON_FALSE:
		return buf_puts(out, "false");
	case JSON_NULL:
		return buf_puts(out, "null");
	}
	return -1;
}

int jtext_dump_file(struct buf *out, const json_t *v)
{
	if (jtext_dump(out, v, 0) < 0)
		return -1;
	return buf_add(out, "\n", 1);
}

/* A scanner over text already known to be valid JSON. */
struct scan {
	const char *s;
	size_t n, i;
};

static void ws(struct scan *sc)
{
	while (sc->i < sc->n && strchr(" \t\r\n", sc->s[sc->i]) && sc->s[sc->i])
		sc->i++;
}

static unsigned hex4(const char *p)
{
	unsigned v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		char c = p[k];
		v <<= 4;
		v |= (unsigned)(c <= '9' ? c - '0' : (c | 32) - 'a' + 10);
	}
	return v;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = (char)cp;
		buf_add(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 63));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 63));
		u[2] = (char)(0x80 | (cp & 63));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 63));
		u[2] = (char)(0x80 | ((cp >> 6) & 63));
		u[3] = (char)(0x80 | (cp & 63));
		buf_add(b, u, 4);
	}
}

/* Read a string at sc->i (on the quote), decoded into out when given. */
static void read_string(struct scan *sc, struct buf *out)
{
	sc->i++;
	while (sc->i < sc->n && sc->s[sc->i] != '"') {
		char c = sc->s[sc->i];
		if (c != '\\') {
			if (out)
				buf_add(out, &c, 1);
			sc->i++;
			continue;
		}
		c = sc->i + 1 < sc->n ? sc->s[sc->i + 1] : '\\';
		sc->i += 2;
		if (c == 'u' && sc->i + 4 <= sc->n) {
			unsigned cp = hex4(sc->s + sc->i);
			sc->i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && sc->i + 6 <= sc->n &&
			    sc->s[sc->i] == '\\' && sc->s[sc->i + 1] == 'u') {
				unsigned lo = hex4(sc->s + sc->i + 2);
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				sc->i += 6;
			}
			if (out)
				put_utf8(out, cp);
		} else if (out) {
			char d = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n'
				 : c == 'r' ? '\r' : c == 't' ? '\t' : c;
			buf_add(out, &d, 1);
		}
	}
	sc->i++;
}

static void skip_value(struct scan *sc)
{
	int depth = 0;

	ws(sc);
	do {
		char c;
		if (sc->i >= sc->n)
			return;
		c = sc->s[sc->i];
		if (c == '"') {
			read_string(sc, NULL);
		} else if (c == '{' || c == '[') {
			depth++;
			sc->i++;
		} else if (c == '}' || c == ']') {
			depth--;
			sc->i++;
		} else if (depth == 0) {
			while (sc->i < sc->n && !strchr(",}] \t\r\n", sc->s[sc->i]))
				sc->i++;
		} else {
			sc->i++;
		}
	} while (depth > 0);
}

int jtext_locate(const char *text, size_t len, const char *const *path,
		 size_t npath, size_t *start, size_t *end)
{
	struct scan sc = { text, len, 0 };
	struct buf key = BUF_INIT;
	size_t k;
	int ret = -1;

	for (k = 0; k < npath; k++) {
		bool found = false;

		ws(&sc);
		if (sc.i >= sc.n)
			goto out;
		if (sc.s[sc.i] == '{') {
			sc.i++;
			for (;;) {
				ws(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] != '"')
					goto out;
				key.len = 0;
				buf_add(&key, "", 0);
				read_string(&sc, &key);
				ws(&sc);
				sc.i++; /* ':' */
				if (!strcmp(buf_cstr(&key), path[k]) &&
				    strlen(path[k]) == key.len) {
					found = true;
					break;
				}
				skip_value(&sc);
				ws(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] != ',')
					goto out;
				sc.i++;
			}
		} else if (sc.s[sc.i] == '[' && path[k][0] == '#') {
			long want = strtol(path[k] + 1, NULL, 10), at = 0;
			sc.i++;
			ws(&sc);
			if (sc.i < sc.n && sc.s[sc.i] == ']')
				goto out;
			for (;;) {
				if (at == want) {
					found = true;
					break;
				}
				skip_value(&sc);
				ws(&sc);
				if (sc.i >= sc.n || sc.s[sc.i] != ',')
					goto out;
				sc.i++;
				at++;
			}
		}
		if (!found)
			goto out;
	}
	ws(&sc);
	*start = sc.i;
	skip_value(&sc);
	*end = sc.i;
	ret = 0;
out:
	buf_release(&key);
	return ret;
}

void jtext_linecol(const char *text, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}
