/* gitattr: .gitattributes and git archive's content rules (see gitattr.h). */
#include "gitattr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- wildmatch: git's glob matching (wildmatch.c), as .gitattributes use it --- */

enum { WM_MATCH = 0, WM_NOMATCH = 1, WM_ABORT_ALL = -1,
       WM_ABORT_TO_STARSTAR = -2 };

static bool glob_special(unsigned char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

/* git's ctype is ASCII-only and its isspace leaves out \v and \f. */
static bool in_class(const unsigned char *s, size_t n, unsigned char c,
		     bool *ok)
{
	bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	bool digit = c >= '0' && c <= '9', print = c >= 0x20 && c <= 0x7e;
	bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
	bool alpha = upper || lower;

	*ok = true;
#define CC(name) (n == sizeof(name) - 1 && !memcmp(s, name, n))
	if (CC("alnum"))
		return alpha || digit;
	if (CC("alpha"))
		return alpha;
	if (CC("blank"))
		return c == ' ' || c == '\t';
	if (CC("cntrl"))
		return c < 0x20 || c == 0x7f;
	if (CC("digit"))
		return digit;
	if (CC("graph"))
		return print && !space;
	if (CC("lower"))
		return lower;
	if (CC("print"))
		return print;
	if (CC("punct"))
		return print && !space && !alpha && !digit;
	if (CC("space"))
		return space;
	if (CC("upper"))
		return upper;
	if (CC("xdigit"))
		return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
#undef CC
	*ok = false;
	return false;
}

static int dowild(const unsigned char *p, const unsigned char *text,
		  bool pathname)
{
	const unsigned char *pattern = p;
	unsigned char p_ch;

	for (; (p_ch = *p) != '\0'; text++, p++) {
		int matched, negated;
		bool match_slash;
		unsigned char t_ch, prev_ch;

		if ((t_ch = *text) == '\0' && p_ch != '*')
			return WM_ABORT_ALL;
		switch (p_ch) {
		case '\\':
			p_ch = *++p;
			/* fall through */
		default:
			if (t_ch != p_ch)
				return WM_NOMATCH;
			continue;
		case '?':
			if (pathname && t_ch == '/')
				return WM_NOMATCH;
			continue;
		case '*':
			if (*++p == '*') {
				const unsigned char *prev_p = p - 2;

				while (*++p == '*')
					;
				if ((prev_p < pattern || *prev_p == '/') &&
				    (*p == '\0' || *p == '/' ||
				     (p[0] == '\\' && p[1] == '/'))) {
					/* "**" as a whole path component
					 * matches no folder too: a/ ** /b
					 * matches a/b. */
					if (p[0] == '/' &&
					    dowild(p + 1, text, pathname) == WM_MATCH)
						return WM_MATCH;
					match_slash = true;
				} else {
					match_slash = false;
				}
			} else {
				match_slash = !pathname;
			}
			if (*p == '\0') {
				if (!match_slash && strchr((const char *)text, '/'))
					return WM_NOMATCH;
				return WM_MATCH;
			} else if (!match_slash && *p == '/') {
				const char *slash = strchr((const char *)text, '/');

				if (!slash)
					return WM_NOMATCH;
				text = (const unsigned char *)slash;
				break;
			}
			for (;;) {
				if (t_ch == '\0')
					break;
				if (!glob_special(*p)) {
					p_ch = *p;
					while ((t_ch = *text) != '\0' &&
					       (match_slash || t_ch != '/')) {
						if (t_ch == p_ch)
							break;
						text++;
					}
					if (t_ch != p_ch)
						return WM_NOMATCH;
				}
				matched = dowild(p, text, pathname);
				if (matched != WM_NOMATCH) {
					if (!match_slash ||
					    matched != WM_ABORT_TO_STARSTAR)
						return matched;
				} else if (!match_slash && t_ch == '/') {
					return WM_ABORT_TO_STARSTAR;
				}
				t_ch = *++text;
			}
			return WM_ABORT_ALL;
		case '[':
			p_ch = *++p;
			if (p_ch == '^')
				p_ch = '!';
			negated = p_ch == '!';
			if (negated)
				p_ch = *++p;
			prev_ch = 0;
			matched = 0;
			do {
				if (!p_ch)
					return WM_ABORT_ALL;
				if (p_ch == '\\') {
					p_ch = *++p;
					if (!p_ch)
						return WM_ABORT_ALL;
					if (t_ch == p_ch)
						matched = 1;
				} else if (p_ch == '-' && prev_ch && p[1] &&
					   p[1] != ']') {
					p_ch = *++p;
					if (p_ch == '\\') {
						p_ch = *++p;
						if (!p_ch)
							return WM_ABORT_ALL;
					}
					if (t_ch <= p_ch && t_ch >= prev_ch)
						matched = 1;
					p_ch = 0;
				} else if (p_ch == '[' && p[1] == ':') {
					const unsigned char *s;
					bool ok;

					for (s = p += 2; (p_ch = *p) && p_ch != ']'; p++)
						;
					if (!p_ch)
						return WM_ABORT_ALL;
					if (p - s < 1 || p[-1] != ':') {
						/* no ":]": a plain '[' */
						p = s - 2;
						p_ch = '[';
						if (t_ch == p_ch)
							matched = 1;
						continue;
					}
					if (in_class(s, (size_t)(p - s - 1), t_ch, &ok))
						matched = 1;
					if (!ok)
						return WM_ABORT_ALL;
					p_ch = 0;
				} else if (t_ch == p_ch) {
					matched = 1;
				}
			} while (prev_ch = p_ch, (p_ch = *++p) != ']');
			if (matched == negated || (pathname && t_ch == '/'))
				return WM_NOMATCH;
			continue;
		}
	}
	return *text ? WM_NOMATCH : WM_MATCH;
}

bool gitattr_wildmatch(const char *pattern, const char *text, unsigned flags)
{
	return dowild((const unsigned char *)pattern, (const unsigned char *)text,
		      (flags & GITATTR_WM_PATHNAME) != 0) == WM_MATCH;
}

/* --- .gitattributes, as `git archive` reads them from the tree --- */

/* Attribute values: a string, or one of these sentinels. */
static const char v_true[] = "(true)", v_false[] = "(false)",
		  v_unset[] = "(unset)";
#define V_UNKNOWN NULL

/* The attributes that change what `git archive` writes. */
enum { AT_EXPORT_IGNORE, AT_EXPORT_SUBST, AT_IDENT, AT_TEXT, AT_CRLF,
       AT_EOL, AT_ENCODING, AT_BINARY, AT_FIXED };
static const char *const fixed_names[AT_FIXED] = {
	"export-ignore", "export-subst", "ident", "text", "crlf", "eol",
	"working-tree-encoding", "binary",
};

#define PAT_NODIR 0x1u
#define PAT_ENDSWITH 0x2u
#define PAT_MUSTBEDIR 0x4u

/* git ignores lines this long and files this large (CVE-2022-23521). */
#define ATTR_MAX_LINE 2048
#define ATTR_MAX_FILE (100 * 1024 * 1024)

struct attr_state {
	size_t id;
	const char *value; /* sentinel, or a string owned by the file */
};

struct attr_rule {
	char *pattern;     /* NUL-terminated, owned */
	size_t len, nowild;
	unsigned flags;
	struct attr_state *states; /* owned */
	size_t nstates;
};

struct attr_file {
	char *base;        /* folder it sits in, "" for the root */
	size_t baselen;
	struct attr_rule *rules;
	size_t nrules;
	char **strings;    /* values owned by this file */
	size_t nstrings;
};

struct macro {
	const struct attr_state *states;
	size_t n;
};

struct gitattr {
	struct attr_file *files; /* a stack: root first */
	size_t nfiles, capfiles;
	char **names;            /* interned: fixed_names, then macros */
	size_t nnames;
	struct macro *macros;    /* per name */
	const char **values;     /* per name: the result of attr_eval */
	struct attr_rule *macro_defs; /* the root file's [attr] lines */
	size_t nmacro_defs;
	char **strings;
	size_t nstrings;
};

static const struct attr_state binary_states[] = {
	{ AT_TEXT, v_false },
};

static void rule_release(struct attr_rule *r)
{
	free(r->pattern);
	free(r->states);
	r->pattern = NULL;
	r->states = NULL;
}

static void file_release(struct attr_file *f)
{
	size_t i;

	for (i = 0; i < f->nrules; i++)
		rule_release(&f->rules[i]);
	for (i = 0; i < f->nstrings; i++)
		free(f->strings[i]);
	free(f->rules);
	free(f->strings);
	free(f->base);
	memset(f, 0, sizeof(*f));
}

struct gitattr *gitattr_new(void)
{
	struct gitattr *a = calloc(1, sizeof(*a));
	size_t i;

	if (!a)
		return NULL;
	a->names = calloc(AT_FIXED, sizeof(*a->names));
	a->macros = calloc(AT_FIXED, sizeof(*a->macros));
	a->values = calloc(AT_FIXED, sizeof(*a->values));
	if (!a->names || !a->macros || !a->values)
		goto fail;
	for (i = 0; i < AT_FIXED; i++) {
		a->names[i] = strdup(fixed_names[i]);
		if (!a->names[i])
			goto fail;
		a->nnames++;
	}
	a->macros[AT_BINARY].states = binary_states;
	a->macros[AT_BINARY].n = 1;
	return a;
fail:
	gitattr_free(a);
	return NULL;
}

void gitattr_free(struct gitattr *a)
{
	size_t i;

	if (!a)
		return;
	while (a->nfiles)
		file_release(&a->files[--a->nfiles]);
	for (i = 0; a->names && i < a->nnames; i++)
		free(a->names[i]);
	for (i = 0; i < a->nmacro_defs; i++)
		rule_release(&a->macro_defs[i]);
	for (i = 0; i < a->nstrings; i++)
		free(a->strings[i]);
	free(a->strings);
	free(a->macro_defs);
	free(a->files);
	free(a->names);
	free(a->macros);
	free(a->values);
	free(a);
}

static long attr_lookup(const struct gitattr *a, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < a->nnames; i++)
		if (strlen(a->names[i]) == len && !memcmp(a->names[i], name, len))
			return (long)i;
	return -1;
}

static int attr_intern(struct gitattr *a, const char *name, size_t len)
{
	char **names;
	struct macro *macros;
	const char **values;

	if (attr_lookup(a, name, len) >= 0)
		return 0;
	names = realloc(a->names, (a->nnames + 1) * sizeof(*names));
	if (names)
		a->names = names;
	macros = realloc(a->macros, (a->nnames + 1) * sizeof(*macros));
	if (macros)
		a->macros = macros;
	values = realloc(a->values, (a->nnames + 1) * sizeof(*values));
	if (values)
		a->values = values;
	if (!names || !macros || !values)
		return -1;
	names[a->nnames] = strndup(name, len);
	if (!names[a->nnames])
		return -1;
	memset(&macros[a->nnames], 0, sizeof(*macros));
	values[a->nnames] = V_UNKNOWN;
	a->nnames++;
	return 0;
}

static const char blank[] = " \t\r\n";

static bool attr_name_valid(const char *s, size_t n)
{
	if (n == 0 || *s == '-')
		return false;
	for (; n; n--, s++)
		if (!(*s == '-' || *s == '.' || *s == '_' ||
		      (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

/* git's unquote_c_style: 0 and *end past the closing quote, or -1. */
static int unquote(struct buf *out, const char *q, const char **end)
{
	if (*q++ != '"')
		return -1;
	for (;;) {
		size_t len = strcspn(q, "\"\\");
		int ch, ac;

		if (buf_add(out, q, len) < 0)
			return -1;
		q += len;
		switch (*q++) {
		case '"':
			*end = q;
			return 0;
		case '\\':
			break;
		default:
			return -1;
		}
		switch ((ch = (unsigned char)*q++)) {
		case 'a': ch = '\a'; break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'v': ch = '\v'; break;
		case '\\': case '"': break;
		case '0': case '1': case '2': case '3':
			ac = (ch - '0') << 6;
			if ((ch = *q++) < '0' || ch > '7')
				return -1;
			ac |= (ch - '0') << 3;
			if ((ch = *q++) < '0' || ch > '7')
				return -1;
			ch = ac | (ch - '0');
			break;
		default:
			return -1;
		}
		if (buf_add(out, &(char){ (char)ch }, 1) < 0)
			return -1;
	}
}

static size_t simple_length(const char *p)
{
	size_t n = 0;

	while (p[n] && !glob_special((unsigned char)p[n]))
		n++;
	return n;
}

/*
 * One token of the attribute list: *id (-1 when the attribute is not one
 * we track) and *value. Returns the next token, or NULL when the name is
 * invalid (git then drops the whole line). With a == NULL, only checks.
 */
static const char *parse_state(struct gitattr *a, char ***strings,
			       size_t *nstrings, const char *cp, long *id,
			       const char **value, int *oom)
{
	const char *ep = cp + strcspn(cp, blank), *eq = strchr(cp, '=');
	size_t len;

	if (eq && ep < eq)
		eq = NULL;
	len = eq ? (size_t)(eq - cp) : (size_t)(ep - cp);
	if (*cp == '-' || *cp == '!') {
		*value = *cp == '-' ? v_false : v_unset;
		cp++;
		len--;
	} else if (!eq) {
		*value = v_true;
	} else {
		*value = NULL;
	}
	if (!attr_name_valid(cp, len))
		return NULL;
	*id = a ? attr_lookup(a, cp, len) : -1;
	if (*id >= 0 && !*value) {
		char **t = realloc(*strings, (*nstrings + 1) * sizeof(**strings));
		char *v = strndup(eq + 1, (size_t)(ep - eq - 1));

		if (t)
			*strings = t;
		if (!t || !v) {
			free(v);
			*oom = 1;
			return NULL;
		}
		(*strings)[(*nstrings)++] = v;
		*value = v;
	}
	return ep + strspn(ep, blank);
}

enum line_kind { LINE_SKIP, LINE_RULE, LINE_MACRO };

/*
 * Parse one line into r (pattern, flags and the states we track), the
 * way git's parse_attr_line does. Returns a line_kind, or -1 when out of
 * memory. A macro line outside the root file is skipped, as git does.
 */
static int parse_line(struct gitattr *a, char ***strings, size_t *nstrings,
		      const char *line, bool macro_ok, struct attr_rule *r)
{
	struct buf pat = BUF_INIT;
	const char *cp, *name, *states, *tok;
	size_t namelen, n = 0;
	bool is_macro = false;
	int oom = 0, kind = LINE_SKIP;

	memset(r, 0, sizeof(*r));
	cp = line + strspn(line, blank);
	if (!*cp || *cp == '#')
		return LINE_SKIP;
	if (strlen(line) >= ATTR_MAX_LINE)
		return LINE_SKIP;
	name = cp;
	if (*cp == '"' && unquote(&pat, cp, &states) == 0) {
		if (buf_grow(&pat, 1) < 0)
			goto oom;
		pat.data[pat.len] = '\0';
		name = pat.data;
		namelen = pat.len;
	} else {
		namelen = strcspn(name, blank);
		states = name + namelen;
	}
	if (namelen > strlen("[attr]") && !strncmp(name, "[attr]", 6)) {
		if (!macro_ok)
			goto out;
		is_macro = true;
		name += 6;
		name += strspn(name, blank);
		namelen = strcspn(name, blank);
		if (!attr_name_valid(name, namelen))
			goto out;
	}
	states += strspn(states, blank);
	/* first pass: every name valid, and how many */
	for (tok = states; *tok; n++) {
		long id;
		const char *v;

		tok = parse_state(NULL, NULL, NULL, tok, &id, &v, &oom);
		if (!tok)
			goto out;
	}
	r->states = calloc(n ? n : 1, sizeof(*r->states));
	if (!r->states)
		goto oom;
	for (tok = states; *tok;) {
		long id;
		const char *v;

		tok = parse_state(a, strings, nstrings, tok, &id, &v, &oom);
		if (!tok)
			goto oom;
		if (id >= 0) {
			r->states[r->nstates].id = (size_t)id;
			r->states[r->nstates].value = v;
			r->nstates++;
		}
	}
	r->pattern = strndup(name, namelen);
	if (!r->pattern)
		goto oom;
	if (is_macro) {
		r->len = namelen;
		kind = LINE_MACRO;
		goto out;
	}
	/* the pattern, as git's parse_path_pattern reads it */
	if (r->pattern[0] == '!')
		goto out; /* negative patterns are ignored in attributes */
	r->len = namelen;
	if (r->len && r->pattern[r->len - 1] == '/') {
		r->pattern[--r->len] = '\0';
		r->flags |= PAT_MUSTBEDIR;
	}
	if (!memchr(r->pattern, '/', r->len))
		r->flags |= PAT_NODIR;
	r->nowild = simple_length(r->pattern);
	if (r->nowild > r->len)
		r->nowild = r->len;
	if (r->pattern[0] == '*' &&
	    !r->pattern[1 + simple_length(r->pattern + 1)])
		r->flags |= PAT_ENDSWITH;
	kind = LINE_RULE;
out:
	buf_release(&pat);
	if (kind == LINE_SKIP)
		rule_release(r);
	return kind;
oom:
	buf_release(&pat);
	rule_release(r);
	memset(r, 0, sizeof(*r));
	return -1;
}

/* Lines of text up to its first NUL, as git reads an attributes blob. */
static char *next_line(char **sp)
{
	char *line = *sp, *ep;

	if (!*line)
		return NULL;
	ep = strchr(line, '\n');
	if (ep) {
		*ep = '\0';
		*sp = ep + 1;
	} else {
		*sp = line + strlen(line);
	}
	return line;
}

static char *skip_bom(char *line, int lineno)
{
	return lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3) ? line + 3 : line;
}

/* The root file's macro names, interned before its rules are parsed: a
 * rule may use a macro defined below it, or a macro another. */
static int intern_macros(struct gitattr *a, const char *text)
{
	char *copy = strdup(text), *sp = copy, *line, **tmp = NULL;
	size_t ntmp = 0, i;
	struct attr_rule r;
	int kind, lineno, bad = !copy;

	for (lineno = 1; !bad && (line = next_line(&sp)); lineno++) {
		kind = parse_line(a, &tmp, &ntmp, skip_bom(line, lineno), true, &r);
		if (kind < 0 || (kind == LINE_MACRO &&
				 attr_intern(a, r.pattern, r.len) < 0))
			bad = 1;
		if (kind >= 0)
			rule_release(&r);
	}
	for (i = 0; i < ntmp; i++)
		free(tmp[i]);
	free(tmp);
	free(copy);
	return bad ? -1 : 0;
}

/* Keep a parsed line (taking r): a macro definition, or a rule of f. */
static int keep_line(struct gitattr *a, struct attr_file *f, int kind,
		     struct attr_rule *r)
{
	struct attr_rule **v = &f->rules, *t;
	size_t *n = &f->nrules;

	if (kind == LINE_MACRO) {
		if (attr_lookup(a, r->pattern, r->len) < 0) {
			rule_release(r);
			return 0;
		}
		v = &a->macro_defs;
		n = &a->nmacro_defs;
	}
	t = realloc(*v, (*n + 1) * sizeof(*t));
	if (!t) {
		rule_release(r);
		return -1;
	}
	*v = t;
	t[(*n)++] = *r;
	return 0;
}

/* The last definition of a macro wins. */
static void apply_macros(struct gitattr *a)
{
	size_t i;

	for (i = 0; i < a->nmacro_defs; i++) {
		long id = attr_lookup(a, a->macro_defs[i].pattern,
				      a->macro_defs[i].len);

		a->macros[id].states = a->macro_defs[i].states;
		a->macros[id].n = a->macro_defs[i].nstates;
	}
}

int gitattr_push(struct gitattr *a, const char *base, const void *data,
		 size_t size)
{
	struct attr_file f = { 0 };
	char *text = NULL, *sp, *line;
	struct attr_rule r;
	bool root = a->nfiles == 0 && !*base;
	int kind, lineno, ret = -1;

	if (size >= ATTR_MAX_FILE)
		size = 0; /* git ignores such a file */
	text = strndup(data, size);
	f.base = strdup(base);
	if (!text || !f.base || (root && intern_macros(a, text) < 0))
		goto out;
	f.baselen = strlen(base);
	sp = text;
	for (lineno = 1; (line = next_line(&sp)); lineno++) {
		kind = parse_line(a, root ? &a->strings : &f.strings,
				  root ? &a->nstrings : &f.nstrings,
				  skip_bom(line, lineno), root, &r);
		if (kind < 0 || (kind != LINE_SKIP && keep_line(a, &f, kind, &r) < 0))
			goto out;
	}
	if (root)
		apply_macros(a);
	if (a->nfiles == a->capfiles) {
		size_t cap = a->capfiles ? a->capfiles * 2 : 8;
		struct attr_file *t = realloc(a->files, cap * sizeof(*t));

		if (!t)
			goto out;
		a->files = t;
		a->capfiles = cap;
	}
	a->files[a->nfiles++] = f;
	memset(&f, 0, sizeof(f));
	ret = 0;
out:
	file_release(&f);
	free(text);
	return ret;
}

void gitattr_pop(struct gitattr *a)
{
	if (a->nfiles)
		file_release(&a->files[--a->nfiles]);
}

size_t gitattr_depth(const struct gitattr *a)
{
	return a->nfiles;
}

static int wild(const char *pattern, const char *text, size_t tlen,
		bool pathname)
{
	char small[256], *copy = small;
	int m;

	if (text[tlen] != '\0') {
		if (tlen >= sizeof(small) && !(copy = malloc(tlen + 1)))
			return WM_NOMATCH;
		memcpy(copy, text, tlen);
		copy[tlen] = '\0';
		text = copy;
	}
	m = dowild((const unsigned char *)pattern, (const unsigned char *)text,
		   pathname);
	if (copy != small)
		free(copy);
	return m;
}

static bool match_basename(const char *name, size_t len,
			   const struct attr_rule *r)
{
	if (r->nowild == r->len)
		return r->len == len && !memcmp(r->pattern, name, len);
	if (r->flags & PAT_ENDSWITH)
		return r->len - 1 <= len &&
		       !memcmp(r->pattern + 1, name + len - (r->len - 1),
			       r->len - 1);
	return wild(r->pattern, name, len, false) == WM_MATCH;
}

static bool match_pathname(const char *path, size_t pathlen,
			   const char *base, size_t baselen,
			   const struct attr_rule *r)
{
	const char *pattern = r->pattern, *name;
	size_t patlen = r->len, prefix = r->nowild, namelen;

	if (*pattern == '/') {
		pattern++;
		patlen--;
		prefix--;
	}
	if (pathlen < baselen + 1 || (baselen && path[baselen] != '/') ||
	    memcmp(path, base, baselen))
		return false;
	namelen = baselen ? pathlen - baselen - 1 : pathlen;
	name = path + pathlen - namelen;
	if (prefix) {
		if (prefix > namelen || memcmp(pattern, name, prefix))
			return false;
		pattern += prefix;
		patlen -= prefix;
		name += prefix;
		namelen -= prefix;
		if (!patlen && !namelen)
			return true;
	}
	return wild(pattern, name, namelen, true) == WM_MATCH;
}

static bool path_matches(const char *path, size_t len, size_t base_off,
			 bool isdir, const struct attr_rule *r,
			 const struct attr_file *f)
{
	if ((r->flags & PAT_MUSTBEDIR) && !isdir)
		return false;
	if (r->flags & PAT_NODIR)
		return match_basename(path + base_off, len - base_off, r);
	return match_pathname(path, len, f->base, f->baselen, r);
}

static void fill_one(struct gitattr *a, const struct attr_state *s, size_t n)
{
	for (; n > 0; n--) {
		const struct attr_state *st = &s[n - 1];

		if (a->values[st->id] != V_UNKNOWN)
			continue;
		a->values[st->id] = st->value;
		if (st->value == v_true && a->macros[st->id].n)
			fill_one(a, a->macros[st->id].states,
				 a->macros[st->id].n);
	}
}

/* As git's collect_some_attrs: the deepest file first, the last matching
 * line first, the first value found for each attribute wins. */
void gitattr_eval(struct gitattr *a, const char *path, size_t len, bool isdir)
{
	size_t base_off = len, i, j;

	while (base_off > 0 && path[base_off - 1] != '/')
		base_off--;

	for (i = 0; i < a->nnames; i++)
		a->values[i] = V_UNKNOWN;
	for (i = a->nfiles; i > 0; i--) {
		const struct attr_file *f = &a->files[i - 1];

		for (j = f->nrules; j > 0; j--)
			if (path_matches(path, len, base_off, isdir,
					 &f->rules[j - 1], f))
				fill_one(a, f->rules[j - 1].states,
					 f->rules[j - 1].nstates);
	}
}

static bool attr_is_true(const struct gitattr *a, size_t id)
{
	return a->values[id] == v_true;
}

/* A string value, or NULL for set/unset/unspecified. */
static const char *attr_string(const struct gitattr *a, size_t id)
{
	const char *v = a->values[id];

	if (v == V_UNKNOWN || v == v_true || v == v_false || v == v_unset)
		return NULL;
	return v;
}

bool gitattr_export_ignore(const struct gitattr *a)
{
	return attr_is_true(a, AT_EXPORT_IGNORE);
}

const char *gitattr_value(const struct gitattr *a, const char *name)
{
	long id = attr_lookup(a, name, strlen(name));
	const char *v;

	if (id < 0)
		return NULL;
	v = a->values[id];
	if (v == v_true)
		return "set";
	if (v == v_false)
		return "unset";
	if (v == V_UNKNOWN || v == v_unset)
		return "unspecified";
	return v;
}

/* --- content as `git archive` writes it --- */

enum crlf_action { CRLF_UNDEFINED, CRLF_BINARY, CRLF_TEXT, CRLF_TEXT_INPUT,
		   CRLF_TEXT_CRLF, CRLF_AUTO, CRLF_AUTO_INPUT, CRLF_AUTO_CRLF };

static enum crlf_action check_crlf(const struct gitattr *a, size_t id)
{
	const char *s = attr_string(a, id);

	if (a->values[id] == v_true)
		return CRLF_TEXT;
	if (a->values[id] == v_false)
		return CRLF_BINARY;
	if (s && !strcmp(s, "input"))
		return CRLF_TEXT_INPUT;
	if (s && !strcmp(s, "auto"))
		return CRLF_AUTO;
	return CRLF_UNDEFINED;
}

/* git's convert_attrs with core.autocrlf=false and core.eol=lf: whether
 * the file is written with CRLF line ends. */
static enum crlf_action crlf_action(const struct gitattr *a)
{
	enum crlf_action act = check_crlf(a, AT_TEXT);
	const char *eol = attr_string(a, AT_EOL);

	if (act == CRLF_UNDEFINED)
		act = check_crlf(a, AT_CRLF);
	if (act != CRLF_BINARY && eol) {
		if (act == CRLF_AUTO && !strcmp(eol, "lf"))
			act = CRLF_AUTO_INPUT;
		else if (act == CRLF_AUTO && !strcmp(eol, "crlf"))
			act = CRLF_AUTO_CRLF;
		else if (!strcmp(eol, "lf"))
			act = CRLF_TEXT_INPUT;
		else if (!strcmp(eol, "crlf"))
			act = CRLF_TEXT_CRLF;
	}
	if (act == CRLF_TEXT)
		act = CRLF_TEXT_INPUT;
	if (act == CRLF_UNDEFINED)
		act = CRLF_BINARY;
	return act;
}

struct text_stat {
	size_t nul, lonecr, lonelf, crlf, printable, nonprintable;
};

static void gather_stats(struct text_stat *s, const unsigned char *p,
			 size_t n)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '\r') {
			if (i + 1 < n && p[i + 1] == '\n') {
				s->crlf++;
				i++;
			} else {
				s->lonecr++;
			}
		} else if (c == '\n') {
			s->lonelf++;
		} else if (c == 127) {
			s->nonprintable++;
		} else if (c < 32) {
			if (c == '\b' || c == '\t' || c == 033 || c == 014) {
				s->printable++;
			} else {
				if (c == 0)
					s->nul++;
				s->nonprintable++;
			}
		} else {
			s->printable++;
		}
	}
	/* a DOS end-of-file mark is not binary */
	if (n >= 1 && p[n - 1] == 032)
		s->nonprintable--;
}

static bool will_convert_lf_to_crlf(const struct text_stat *s,
				    enum crlf_action act)
{
	if (act != CRLF_TEXT_CRLF && act != CRLF_AUTO_CRLF)
		return false;
	if (!s->lonelf)
		return false;
	if (act == CRLF_AUTO_CRLF) {
		if (s->lonecr || s->crlf)
			return false;
		if (s->lonecr || s->nul ||
		    (s->printable >> 7) < s->nonprintable)
			return false;
	}
	return true;
}

/* Offset of the first kw in p[0..n), or n. */
static size_t find(const char *p, size_t n, const char *kw)
{
	size_t k = strlen(kw), i;

	for (i = 0; i + k <= n; i++) {
		const char *q = memchr(p + i, kw[0], n - i);

		if (!q)
			break;
		i = (size_t)(q - p);
		if (i + k <= n && !memcmp(q, kw, k))
			return i;
	}
	return n;
}

/* Whether kw followed by after1 or after2 occurs in p[0..n). */
static bool has_keyword(const char *p, size_t n, const char *kw, char after1,
			char after2)
{
	size_t k = strlen(kw), i = 0, at;

	while ((at = find(p + i, n - i, kw)) < n - i) {
		i += at + k;
		if (i < n && (p[i] == after1 || p[i] == after2))
			return true;
	}
	return false;
}

void gitattr_content_rule(struct gitattr_content *out, const struct gitattr *a)
{
	const char *enc = attr_string(a, AT_ENCODING);

	out->bad_encoding = a->values[AT_ENCODING] == v_true ||
			    a->values[AT_ENCODING] == v_false ||
			    (enc && *enc && strcasecmp(enc, "utf-8") &&
			     strcasecmp(enc, "utf8"));
	out->ident = attr_is_true(a, AT_IDENT);
	out->export_subst = attr_is_true(a, AT_EXPORT_SUBST);
	out->crlf = (unsigned char)crlf_action(a);
}

int gitattr_content_apply(const struct gitattr_content *c, const char *path,
			  const void *bytes, size_t size, const void **out,
			  size_t *out_size, char **conv, struct xerr *err)
{
	const char *data = bytes;
	enum crlf_action act = (enum crlf_action)c->crlf;
	struct text_stat st;
	size_t i, j;

	*out = data;
	*out_size = size;
	if (c->bad_encoding)
		return xerr_set(err, XPIN_USAGE,
				"'%s': working-tree-encoding in .gitattributes is not supported",
				path);
	if (c->ident && has_keyword(data, size, "$Id", '$', ':'))
		return xerr_set(err, XPIN_USAGE,
				"'%s': ident in .gitattributes would expand $Id$ here, which is not supported",
				path);
	if (c->export_subst) {
		size_t f = find(data, size, "$Format:");

		if (f < size && memchr(data + f + 8, '$', size - f - 8))
			return xerr_set(err, XPIN_USAGE,
					"'%s': export-subst in .gitattributes would rewrite $Format:...$ here, which is not supported",
					path);
	}
	if (act != CRLF_TEXT_CRLF && act != CRLF_AUTO_CRLF)
		return 0;
	gather_stats(&st, (const unsigned char *)data, size);
	if (!will_convert_lf_to_crlf(&st, act))
		return 0;
	*conv = malloc(size + st.lonelf);
	if (!*conv)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = j = 0; i < size; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			(*conv)[j++] = '\r';
		(*conv)[j++] = data[i];
	}
	*out = *conv;
	*out_size = j;
	return 0;
}

int gitattr_archive_content(const struct gitattr *a, const char *path,
			    const void *data, size_t size, const void **out,
			    size_t *out_size, char **conv, struct xerr *err)
{
	struct gitattr_content c;

	gitattr_content_rule(&c, a);
	return gitattr_content_apply(&c, path, data, size, out, out_size, conv,
				     err);
}
