/* gitrepo: libgit2 behind a small API (see gitrepo.h). */
#include "gitrepo.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "hash.h"
#include "nar.h"

struct gitrepo {
	git_repository *repo;
	git_odb *odb;
	char *path;
};

/* Copy libgit2's last error into err, after what we were doing. */
__attribute__((format(printf, 2, 3)))
static int git_fail(struct xerr *err, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return xerr_set(err, XPIN_USAGE, "%s: %s", what,
			e && e->message ? e->message : "unknown libgit2 error");
}

static int nomem(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

struct gitrepo *gitrepo_open(const char *path, struct xerr *err)
{
	struct gitrepo *r;
	struct stat st;
	int rc;

	if (stat(path, &st) < 0) {
		xerr_set(err, XPIN_USAGE, "cannot open the repository '%s': %s",
			 path, strerror(errno));
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		free(r);
		nomem(err);
		return NULL;
	}
	git_libgit2_init();
	/* A walk reads each object once: libgit2's object cache would only
	 * make memory grow with the size of the tree, and mapping a mirror's
	 * packs whole (gigabytes for nixpkgs) with the size of the history.
	 * Small windows cost nothing measurable (tests/bench/nar.sh). */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)4 << 20);
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)32 << 20);
	rc = git_repository_open_ext(&r->repo, path,
				     GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (rc == GIT_ENOTFOUND) {
		xerr_set(err, XPIN_USAGE, "'%s' is not a git repository", path);
		goto fail;
	}
	if (rc < 0) {
		git_fail(err, "cannot open the repository '%s'", path);
		goto fail;
	}
	if (git_repository_odb(&r->odb, r->repo) < 0) {
		git_fail(err, "cannot read the objects of '%s'", path);
		goto fail;
	}
	return r;
fail:
	gitrepo_free(r);
	return NULL;
}

void gitrepo_free(struct gitrepo *r)
{
	if (!r)
		return;
	git_odb_free(r->odb);
	if (r->repo) {
		git_repository_free(r->repo);
	}
	free(r->path);
	free(r);
	git_libgit2_shutdown();
}

bool gitrepo_is_shallow(struct gitrepo *r)
{
	return git_repository_is_shallow(r->repo) == 1;
}

/* --- resolving --- */

/*
 * refs/remotes/<remote>/<name> when exactly one remote has it: a clone
 * (not a mirror) of nixpkgs has no local nixos-unstable branch.
 */
static int resolve_remote(git_object **out, struct gitrepo *r,
			  const char *name, struct xerr *err)
{
	git_reference_iterator *it = NULL;
	const char *ref;
	char found[1024] = "";
	int n = 0, ret = -1;

	if (git_reference_iterator_glob_new(&it, r->repo, "refs/remotes/*") < 0)
		return git_fail(err, "cannot list the refs of '%s'", r->path);
	while (git_reference_next_name(&ref, it) == 0) {
		const char *rest = ref + strlen("refs/remotes/");
		const char *slash = strchr(rest, '/');

		if (!slash || strcmp(slash + 1, name))
			continue;
		if (n++ == 0)
			snprintf(found, sizeof(found), "%s", ref);
	}
	if (n == 0) {
		xerr_set(err, XPIN_USAGE, "unknown ref '%s' in '%s'", name,
			 r->path);
		goto out;
	}
	if (n > 1) {
		xerr_set(err, XPIN_USAGE,
			 "'%s' is a branch of %d remotes in '%s'; name one (such as '%s')",
			 name, n, r->path, found + strlen("refs/remotes/"));
		goto out;
	}
	if (git_revparse_single(out, r->repo, found) < 0) {
		git_fail(err, "cannot read '%s'", found);
		goto out;
	}
	ret = 0;
out:
	git_reference_iterator_free(it);
	return ret;
}

/* The commit ref names; object (when not NULL) gets the id of what ref
 * names before peeling: an annotated tag's own id. */
static int lookup_commit_object(git_commit **out, char *object,
				struct gitrepo *r, const char *ref,
				struct xerr *err)
{
	git_object *obj = NULL, *peeled = NULL;
	size_t len = strlen(ref);
	int rc, ret = -1;

	*out = NULL;
	if (!len)
		return xerr_set(err, XPIN_USAGE, "empty ref");
	if (len == 40 && util_is_hex(ref, 40)) {
		git_oid oid;

		if (git_oid_fromstr(&oid, ref) < 0)
			return git_fail(err, "bad rev '%s'", ref);
		rc = git_object_lookup(&obj, r->repo, &oid, GIT_OBJECT_ANY);
		if (rc == GIT_ENOTFOUND)
			return xerr_set(err, XPIN_USAGE,
					"rev %s is not in '%s'", ref, r->path);
	} else {
		rc = git_revparse_single(&obj, r->repo, ref);
		if (rc == GIT_EAMBIGUOUS)
			return xerr_set(err, XPIN_USAGE,
					"short sha '%s' is ambiguous in '%s'",
					ref, r->path);
		if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC)
			rc = resolve_remote(&obj, r, ref, err) < 0 ? -2 : 0;
		if (rc == -2)
			return -1;
	}
	if (rc < 0)
		return git_fail(err, "cannot resolve '%s'", ref);
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		xerr_set(err, XPIN_USAGE, "'%s' does not name a commit in '%s'",
			 ref, r->path);
		goto out;
	}
	*out = (git_commit *)peeled;
	peeled = NULL;
	if (object)
		git_oid_tostr(object, 41, git_object_id(obj));
	ret = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return ret;
}

static int lookup_commit(git_commit **out, struct gitrepo *r, const char *ref,
			 struct xerr *err)
{
	return lookup_commit_object(out, NULL, r, ref, err);
}

int gitrepo_resolve(char out[41], struct gitrepo *r, const char *ref,
		    struct xerr *err)
{
	git_commit *c;

	if (lookup_commit(&c, r, ref, err) < 0)
		return -1;
	git_oid_tostr(out, 41, git_commit_id(c));
	git_commit_free(c);
	return 0;
}

bool gitrepo_has_commit(struct gitrepo *r, const char *rev)
{
	git_commit *c = NULL;
	git_oid oid;
	bool ok;

	if (strlen(rev) != 40 || !util_is_hex(rev, 40) ||
	    git_oid_fromstr(&oid, rev) < 0)
		return false;
	ok = git_commit_lookup(&c, r->repo, &oid) == 0;
	git_commit_free(c);
	return ok;
}

int gitrepo_commit_info(struct gitrepo_commit *out, struct gitrepo *r,
			const char *rev, struct xerr *err)
{
	git_commit *c;

	if (lookup_commit_object(&c, out->object, r, rev, err) < 0)
		return -1;
	git_oid_tostr(out->rev, sizeof(out->rev), git_commit_id(c));
	git_oid_tostr(out->tree, sizeof(out->tree), git_commit_tree_id(c));
	out->time = (int64_t)git_commit_time(c);
	git_commit_free(c);
	return 0;
}

/* Commits reachable from `to` and not from `from` (NULL: none hidden). */
static int count_commits(uint64_t *out, struct gitrepo *r, const char *from,
			 const char *to, struct xerr *err)
{
	git_commit *a = NULL, *b = NULL;
	git_revwalk *w = NULL;
	git_oid oid;
	uint64_t n = 0;
	int rc, ret = -1;

	if (lookup_commit(&b, r, to, err) < 0)
		goto out;
	if (from && lookup_commit(&a, r, from, err) < 0)
		goto out;
	if (git_revwalk_new(&w, r->repo) < 0 ||
	    git_revwalk_push(w, git_commit_id(b)) < 0 ||
	    (a && git_revwalk_hide(w, git_commit_id(a)) < 0)) {
		git_fail(err, "cannot walk the history of '%s'", r->path);
		goto out;
	}
	while ((rc = git_revwalk_next(&oid, w)) == 0)
		n++;
	if (rc != GIT_ITEROVER) {
		git_fail(err, "cannot walk the history of '%s'", r->path);
		goto out;
	}
	*out = n;
	ret = 0;
out:
	git_revwalk_free(w);
	git_commit_free(a);
	git_commit_free(b);
	return ret;
}

int gitrepo_rev_count(uint64_t *out, struct gitrepo *r, const char *rev,
		      struct xerr *err)
{
	return count_commits(out, r, NULL, rev, err);
}

int gitrepo_count_between(uint64_t *out, struct gitrepo *r,
			  const char *from, const char *to, struct xerr *err)
{
	return count_commits(out, r, from, to, err);
}

int gitrepo_read_file(struct buf *out, struct gitrepo *r, const char *rev,
		      const char *path, size_t max, struct xerr *err)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_tree_entry *te = NULL;
	git_blob *b = NULL;
	int ret = -1;

	if (lookup_commit(&c, r, rev, err) < 0)
		goto out;
	if (git_commit_tree(&t, c) < 0) {
		git_fail(err, "cannot read the tree of '%s'", rev);
		goto out;
	}
	if (git_tree_entry_bypath(&te, t, path) < 0 ||
	    git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
		xerr_set(err, XPIN_USAGE, "'%s' is not a file at %s in '%s'",
			 path, rev, r->path);
		goto out;
	}
	if (git_blob_lookup(&b, r->repo, git_tree_entry_id(te)) < 0) {
		git_fail(err, "cannot read '%s'", path);
		goto out;
	}
	if ((uint64_t)git_blob_rawsize(b) > max) {
		xerr_set(err, XPIN_USAGE, "'%s' at %s is too large (over %zu bytes)",
			 path, rev, max);
		goto out;
	}
	out->len = 0;
	if (buf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b)) < 0 ||
	    buf_grow(out, 1) < 0) {
		nomem(err);
		goto out;
	}
	out->data[out->len] = '\0';
	ret = 0;
out:
	git_blob_free(b);
	git_tree_entry_free(te);
	git_tree_free(t);
	git_commit_free(c);
	return ret;
}

/* --- wildmatch: git's glob matching, as .gitattributes patterns use it --- */

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

struct attrs {
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

static int attrs_init(struct attrs *a)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->names = calloc(AT_FIXED, sizeof(*a->names));
	a->macros = calloc(AT_FIXED, sizeof(*a->macros));
	a->values = calloc(AT_FIXED, sizeof(*a->values));
	if (!a->names || !a->macros || !a->values)
		return -1;
	for (i = 0; i < AT_FIXED; i++) {
		a->names[i] = strdup(fixed_names[i]);
		if (!a->names[i])
			return -1;
	}
	a->nnames = AT_FIXED;
	a->macros[AT_BINARY].states = binary_states;
	a->macros[AT_BINARY].n = 1;
	return 0;
}

static void attrs_release(struct attrs *a)
{
	size_t i;

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
	memset(a, 0, sizeof(*a));
}

static long attr_lookup(const struct attrs *a, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < a->nnames; i++)
		if (strlen(a->names[i]) == len && !memcmp(a->names[i], name, len))
			return (long)i;
	return -1;
}

static int attr_intern(struct attrs *a, const char *name, size_t len)
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
static const char *parse_state(struct attrs *a, char ***strings,
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
static int parse_line(struct attrs *a, char ***strings, size_t *nstrings,
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

/* Push the .gitattributes blob of folder base onto the stack. */
static int attrs_push(struct attrs *a, const char *base, const char *blob,
		      size_t size, bool root)
{
	struct attr_file f = { 0 };
	char *text = NULL, *sp, *line;
	struct attr_rule r;
	int kind, lineno, ret = -1;

	if (size >= ATTR_MAX_FILE)
		size = 0; /* git ignores such a file */
	text = strndup(blob, size);
	f.base = strdup(base);
	if (!text || !f.base)
		goto out;
	f.baselen = strlen(base);
	if (root) {
		/* macros first: a rule may use one defined below it */
		char *copy = strdup(text), **tmp = NULL;
		size_t ntmp = 0, i;
		int bad = !copy;

		sp = copy;
		for (lineno = 1; !bad && (line = next_line(&sp)); lineno++) {
			if (lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3))
				line += 3;
			kind = parse_line(a, &tmp, &ntmp, line, true, &r);
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
		if (bad)
			goto out;
	}
	sp = text;
	for (lineno = 1; (line = next_line(&sp)); lineno++) {
		struct attr_rule *t;

		if (lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3))
			line += 3;
		kind = parse_line(a, root ? &a->strings : &f.strings,
				  root ? &a->nstrings : &f.nstrings, line, root,
				  &r);
		if (kind < 0)
			goto out;
		if (kind == LINE_SKIP)
			continue;
		if (kind == LINE_MACRO) {
			long id = attr_lookup(a, r.pattern, r.len);

			if (id < 0) {
				rule_release(&r);
				continue;
			}
			t = realloc(a->macro_defs,
				    (a->nmacro_defs + 1) * sizeof(*t));
			if (!t) {
				rule_release(&r);
				goto out;
			}
			a->macro_defs = t;
			t[a->nmacro_defs++] = r;
			continue;
		}
		t = realloc(f.rules, (f.nrules + 1) * sizeof(*t));
		if (!t) {
			rule_release(&r);
			goto out;
		}
		f.rules = t;
		t[f.nrules++] = r;
	}
	if (root) {
		size_t i;

		/* the last definition of a macro wins */
		for (i = 0; i < a->nmacro_defs; i++) {
			long id = attr_lookup(a, a->macro_defs[i].pattern,
					      a->macro_defs[i].len);
			a->macros[id].states = a->macro_defs[i].states;
			a->macros[id].n = a->macro_defs[i].nstates;
		}
	}
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

static void fill_one(struct attrs *a, const struct attr_state *s, size_t n)
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

/* Attributes of path (from the root, no trailing slash), as git's
 * collect_some_attrs computes them: the deepest file first, the last
 * matching line first, the first value found for each attribute wins. */
static void attr_eval(struct attrs *a, const char *path, size_t len,
		      bool isdir)
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

static bool attr_is_true(const struct attrs *a, size_t id)
{
	return a->values[id] == v_true;
}

/* A string value, or NULL for set/unset/unspecified. */
static const char *attr_string(const struct attrs *a, size_t id)
{
	const char *v = a->values[id];

	if (v == V_UNKNOWN || v == v_true || v == v_false || v == v_unset)
		return NULL;
	return v;
}

/* --- content as `git archive` writes it --- */

enum crlf_action { CRLF_UNDEFINED, CRLF_BINARY, CRLF_TEXT, CRLF_TEXT_INPUT,
		   CRLF_TEXT_CRLF, CRLF_AUTO, CRLF_AUTO_INPUT, CRLF_AUTO_CRLF };

static enum crlf_action check_crlf(const struct attrs *a, size_t id)
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
static enum crlf_action crlf_action(const struct attrs *a)
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

/*
 * The bytes `git archive` writes for a regular file whose attributes are
 * in a->values: *out is data itself, or a new buffer in *conv.
 */
static int archive_content(struct attrs *a, const char *path,
			   const char *data, size_t size, const char **out,
			   size_t *out_size, char **conv, struct xerr *err)
{
	const char *enc = attr_string(a, AT_ENCODING);
	struct text_stat st;
	enum crlf_action act;
	size_t i, j;

	*out = data;
	*out_size = size;
	if (a->values[AT_ENCODING] == v_true ||
	    a->values[AT_ENCODING] == v_false ||
	    (enc && *enc && strcasecmp(enc, "utf-8") && strcasecmp(enc, "utf8")))
		return xerr_set(err, XPIN_USAGE,
				"'%s': working-tree-encoding in .gitattributes is not supported",
				path);
	if (attr_is_true(a, AT_IDENT) && has_keyword(data, size, "$Id", '$', ':'))
		return xerr_set(err, XPIN_USAGE,
				"'%s': ident in .gitattributes would expand $Id$ here, which is not supported",
				path);
	if (attr_is_true(a, AT_EXPORT_SUBST)) {
		size_t f = find(data, size, "$Format:");

		if (f < size && memchr(data + f + 8, '$', size - f - 8))
			return xerr_set(err, XPIN_USAGE,
					"'%s': export-subst in .gitattributes would rewrite $Format:...$ here, which is not supported",
					path);
	}
	act = crlf_action(a);
	if (act != CRLF_TEXT_CRLF && act != CRLF_AUTO_CRLF)
		return 0;
	gather_stats(&st, (const unsigned char *)data, size);
	if (!will_convert_lf_to_crlf(&st, act))
		return 0;
	*conv = malloc(size + st.lonelf);
	if (!*conv)
		return nomem(err);
	for (i = j = 0; i < size; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			(*conv)[j++] = '\r';
		(*conv)[j++] = data[i];
	}
	*out = *conv;
	*out_size = j;
	return 0;
}

/* --- the walk --- */

/* git (2.44 and later) refuses trees deeper than this by default. */
#define WALK_MAX_DEPTH 4096

struct walk {
	struct gitrepo *r;
	unsigned depth;
	unsigned flags;
	gitrepo_visit_fn fn;
	void *ctx;
	struct buf path;
	struct attrs attrs;
	struct xerr *err;
};

static int cmp_entries(const void *x, const void *y)
{
	return strcmp(git_tree_entry_name(*(const git_tree_entry *const *)x),
		      git_tree_entry_name(*(const git_tree_entry *const *)y));
}

static bool bad_name(const char *name)
{
	return !*name || !strcmp(name, ".") || !strcmp(name, "..") ||
	       strchr(name, '/');
}

static int walk_tree(struct walk *w, const git_tree *tree, const char *name)
{
	size_t n = git_tree_entrycount(tree), i, len = w->path.len;
	const git_tree_entry **ents = NULL;
	bool pushed = false, archive = w->flags & GITREPO_EXPORT_IGNORE;
	struct gitrepo_node node = { 0 };
	git_odb_object *obj = NULL;
	git_tree *sub = NULL;
	char *conv = NULL;
	int ret = -1;

	if (++w->depth > WALK_MAX_DEPTH) {
		xerr_set(w->err, XPIN_USAGE, "the tree is nested deeper than %d folders at '%s'",
			 WALK_MAX_DEPTH, buf_cstr(&w->path));
		goto out;
	}
	ents = malloc((n ? n : 1) * sizeof(*ents));
	if (!ents) {
		nomem(w->err);
		goto out;
	}
	for (i = 0; i < n; i++)
		ents[i] = git_tree_entry_byindex(tree, i);
	/* git keeps a tree sorted as if folder names ended in '/'; NAR
	 * wants plain bytewise order */
	qsort(ents, n, sizeof(*ents), cmp_entries);
	for (i = 0; i < n; i++) {
		const char *en = git_tree_entry_name(ents[i]);

		if (bad_name(en) || (i && !strcmp(en, git_tree_entry_name(ents[i - 1])))) {
			xerr_set(w->err, XPIN_USAGE,
				 "invalid or duplicate entry '%s' in folder '%s' of the tree",
				 en, buf_cstr(&w->path));
			goto out;
		}
		if (archive && !strcmp(en, ".gitattributes") &&
		    git_tree_entry_type(ents[i]) == GIT_OBJECT_BLOB) {
			if (git_odb_read(&obj, w->r->odb, git_tree_entry_id(ents[i])) < 0) {
				git_fail(w->err, "cannot read '%s/.gitattributes'",
					 buf_cstr(&w->path));
				goto out;
			}
			if (attrs_push(&w->attrs, buf_cstr(&w->path),
				       git_odb_object_data(obj),
				       git_odb_object_size(obj),
				       w->attrs.nfiles == 0 && len == 0) < 0) {
				nomem(w->err);
				goto out;
			}
			pushed = true;
			git_odb_object_free(obj);
			obj = NULL;
		}
	}
	node.kind = GITREPO_DIR;
	node.name = name;
	node.name_len = strlen(name);
	node.path = buf_cstr(&w->path);
	if (w->fn(w->ctx, &node, w->err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		const git_tree_entry *te = ents[i];
		const char *en = git_tree_entry_name(te);
		git_filemode_t mode = git_tree_entry_filemode(te);
		bool isdir = mode == GIT_FILEMODE_TREE || mode == GIT_FILEMODE_COMMIT;

		w->path.len = len;
		if (buf_printf(&w->path, "%s%s", len ? "/" : "", en) < 0) {
			nomem(w->err);
			goto out;
		}
		if (archive && w->attrs.nfiles) {
			attr_eval(&w->attrs, w->path.data, w->path.len, isdir);
			if (attr_is_true(&w->attrs, AT_EXPORT_IGNORE))
				continue;
		} else if (archive) {
			size_t k;

			for (k = 0; k < w->attrs.nnames; k++)
				w->attrs.values[k] = V_UNKNOWN;
		}
		if (mode == GIT_FILEMODE_COMMIT) {
			xerr_set(w->err, XPIN_USAGE,
				 "'%s' is a submodule (gitlink); submodules are not supported",
				 w->path.data);
			goto out;
		}
		if (mode == GIT_FILEMODE_TREE) {
			if (git_tree_lookup(&sub, w->r->repo, git_tree_entry_id(te)) < 0) {
				git_fail(w->err, "cannot read the folder '%s'",
					 w->path.data);
				goto out;
			}
			if (walk_tree(w, sub, en) < 0)
				goto out;
			git_tree_free(sub);
			sub = NULL;
			continue;
		}
		if (git_odb_read(&obj, w->r->odb, git_tree_entry_id(te)) < 0 ||
		    git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
			git_fail(w->err, "cannot read '%s'", w->path.data);
			goto out;
		}
		memset(&node, 0, sizeof(node));
		node.name = en;
		node.name_len = strlen(en);
		node.path = w->path.data;
		node.data = git_odb_object_data(obj);
		node.size = git_odb_object_size(obj);
		if (mode == GIT_FILEMODE_LINK) {
			node.kind = GITREPO_SYMLINK;
		} else {
			node.kind = mode == GIT_FILEMODE_BLOB_EXECUTABLE ?
				    GITREPO_EXEC : GITREPO_FILE;
			if (archive &&
			    archive_content(&w->attrs, w->path.data, node.data,
					    node.size, (const char **)&node.data,
					    &node.size, &conv, w->err) < 0)
				goto out;
		}
		if (w->fn(w->ctx, &node, w->err) < 0)
			goto out;
		free(conv);
		conv = NULL;
		git_odb_object_free(obj);
		obj = NULL;
	}
	w->path.len = len;
	if (w->path.data)
		w->path.data[len] = '\0';
	memset(&node, 0, sizeof(node));
	node.kind = GITREPO_DIR_END;
	node.name = name;
	node.name_len = strlen(name);
	node.path = buf_cstr(&w->path);
	if (w->fn(w->ctx, &node, w->err) < 0)
		goto out;
	ret = 0;
out:
	w->depth--;
	w->path.len = len;
	if (w->path.data)
		w->path.data[len] = '\0';
	if (pushed)
		file_release(&w->attrs.files[--w->attrs.nfiles]);
	free(conv);
	git_odb_object_free(obj);
	git_tree_free(sub);
	free(ents);
	return ret;
}

int gitrepo_walk(struct gitrepo *r, const char *rev, unsigned flags,
		 gitrepo_visit_fn fn, void *ctx, struct xerr *err)
{
	struct walk w = { 0 };
	git_commit *c = NULL;
	git_tree *t = NULL;
	int ret = -1;

	w.r = r;
	w.flags = flags;
	w.fn = fn;
	w.ctx = ctx;
	w.err = err;
	if (attrs_init(&w.attrs) < 0) {
		nomem(err);
		goto out;
	}
	if (lookup_commit(&c, r, rev, err) < 0)
		goto out;
	if (git_commit_tree(&t, c) < 0) {
		git_fail(err, "cannot read the tree of '%s'", rev);
		goto out;
	}
	if (buf_puts(&w.path, "") < 0) {
		nomem(err);
		goto out;
	}
	ret = walk_tree(&w, t, "");
out:
	attrs_release(&w.attrs);
	buf_release(&w.path);
	git_tree_free(t);
	git_commit_free(c);
	return ret;
}

/* --- what the walk is for --- */

static int nar_visit(void *ctx, const struct gitrepo_node *n,
		     struct xerr *err)
{
	struct nar_enc *e = ctx;

	if (n->kind != GITREPO_DIR_END && n->name_len &&
	    nar_enc_entry(e, n->name, n->name_len, err) < 0)
		return -1;
	switch (n->kind) {
	case GITREPO_DIR:
		nar_enc_dir_begin(e);
		break;
	case GITREPO_DIR_END:
		nar_enc_dir_end(e);
		break;
	case GITREPO_SYMLINK:
		nar_enc_symlink(e, n->data, n->size);
		break;
	case GITREPO_FILE:
	case GITREPO_EXEC:
		nar_enc_file(e, n->kind == GITREPO_EXEC, n->data, n->size);
		break;
	}
	return 0;
}

int gitrepo_nar_hash(unsigned char out[32], struct gitrepo *r,
		     const char *rev, unsigned flags, struct xerr *err)
{
	struct nar_enc e;

	nar_enc_init(&e);
	if (gitrepo_walk(r, rev, flags, nar_visit, &e, err) < 0)
		return -1;
	nar_enc_final(&e, out);
	return 0;
}

struct export {
	struct buf path;
	size_t root_len;
};

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

static int export_visit(void *ctx, const struct gitrepo_node *n,
			struct xerr *err)
{
	struct export *x = ctx;
	const char *p;

	if (n->kind == GITREPO_DIR_END)
		return 0;
	/* git itself never checks out a .git: it would be live config */
	if (n->name_len && !strcasecmp(n->name, ".git"))
		return xerr_set(err, XPIN_USAGE,
				"'%s': the tree holds a .git entry; refusing to export it",
				n->path);
	x->path.len = x->root_len;
	if ((n->path[0] && buf_printf(&x->path, "/%s", n->path) < 0) ||
	    buf_grow(&x->path, 1) < 0)
		return nomem(err);
	x->path.data[x->path.len] = '\0';
	p = x->path.data;
	switch (n->kind) {
	case GITREPO_DIR:
		if (mkdir(p, 0755) < 0 &&
		    !(errno == EEXIST && !n->path[0] && dir_is_empty(p)))
			return xerr_setpos(err, XPIN_USAGE, p, 0, 0,
					   errno == EEXIST ? "already exists and is not empty"
					   : "cannot create the folder: %s",
					   strerror(errno));
		return 0;
	case GITREPO_SYMLINK: {
		char *target = strndup(n->data, n->size);
		int rc;

		if (!target)
			return nomem(err);
		if (strlen(target) != n->size) {
			free(target);
			return xerr_set(err, XPIN_USAGE,
					"'%s': symlink target holds a NUL byte",
					n->path);
		}
		rc = symlink(target, p);
		free(target);
		if (rc < 0)
			return xerr_setpos(err, XPIN_USAGE, p, 0, 0,
					   "cannot create the symlink: %s",
					   strerror(errno));
		return 0;
	}
	case GITREPO_FILE:
	case GITREPO_EXEC:
		return util_write_atomic(p, n->data, n->size,
					 n->kind == GITREPO_EXEC ? 0755 : 0644,
					 err);
	default:
		return 0;
	}
}

int gitrepo_export(struct gitrepo *r, const char *rev, const char *dir,
		   unsigned flags, struct xerr *err)
{
	struct export x = { BUF_INIT, 0 };
	int ret;

	if (buf_puts(&x.path, dir) < 0)
		return nomem(err);
	while (x.path.len > 1 && x.path.data[x.path.len - 1] == '/')
		x.path.len--;
	x.root_len = x.path.len;
	ret = gitrepo_walk(r, rev, flags, export_visit, &x, err);
	buf_release(&x.path);
	return ret;
}

int gitrepo_pin_facts(struct gitrepo_facts *out, const char *mirror_dir,
		      const char *ref, unsigned flags, struct xerr *err)
{
	struct gitrepo_commit c;
	struct gitrepo *r;
	unsigned char d[32];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	r = gitrepo_open(mirror_dir, err);
	if (!r)
		return -1;
	if (gitrepo_commit_info(&c, r, ref, err) < 0)
		goto out;
	if ((flags & GITREPO_REV_COUNT) && gitrepo_is_shallow(r)) {
		xerr_set(err, XPIN_USAGE,
			 "'%s' is a shallow clone: revCount needs the full history (git fetch --unshallow)",
			 mirror_dir);
		goto out;
	}
	if (gitrepo_nar_hash(d, r, c.rev, flags & GITREPO_EXPORT_IGNORE,
			     err) < 0)
		goto out;
	if ((flags & GITREPO_REV_COUNT) &&
	    gitrepo_rev_count(&out->rev_count, r, c.rev, err) < 0)
		goto out;
	memcpy(out->rev, c.rev, sizeof(out->rev));
	memcpy(out->ref_object, c.object, sizeof(out->ref_object));
	hash_sri_sha256(out->nar_hash, d);
	out->last_modified = c.time;
	out->has_rev_count = (flags & GITREPO_REV_COUNT) != 0;
	out->export_ignore = (flags & GITREPO_EXPORT_IGNORE) != 0;
	ret = 0;
out:
	gitrepo_free(r);
	return ret;
}

bool gitrepo_head_unborn(struct gitrepo *r)
{
	return git_repository_head_unborn(r->repo) == 1;
}

int gitrepo_head_state(struct gitrepo_commit *out, bool *dirty,
		       struct gitrepo *r, const char *const *skip,
		       struct xerr *err)
{
	git_status_options so;
	git_status_list *st = NULL;
	size_t i, n;

	git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
	if (gitrepo_commit_info(out, r, "HEAD", err) < 0)
		return -1;
	*dirty = false;
	if (git_repository_is_bare(r->repo))
		return 0;
	so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	so.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED |
		   GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&st, r->repo, &so) < 0)
		return git_fail(err, "cannot read the status of '%s'", r->path);
	n = git_status_list_entrycount(st);
	for (i = 0; i < n && !*dirty; i++) {
		const git_status_entry *e = git_status_byindex(st, i);
		const git_diff_delta *d = e->index_to_workdir ? e->index_to_workdir
							      : e->head_to_index;
		const char *path = d ? d->new_file.path : NULL;
		size_t k;
		bool skipped = false;

		for (k = 0; path && skip && skip[k]; k++)
			skipped |= !strcmp(path, skip[k]);
		*dirty = !skipped;
	}
	git_status_list_free(st);
	return 0;
}

struct tag_time {
	char *name;
	int64_t time;
};

static int cmp_tag_time(const void *a, const void *b)
{
	const struct tag_time *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->name, y->name);
}

int gitrepo_tags(char ***out, size_t *n, struct gitrepo *r,
		 const char *pattern, struct xerr *err)
{
	git_strarray names = { NULL, 0 };
	struct tag_time *tt = NULL;
	char **v = NULL;
	size_t i, k = 0;
	int ret = -1;

	if (git_tag_list_match(&names, pattern, r->repo) < 0)
		return git_fail(err, "cannot list the tags of '%s'", r->path);
	tt = calloc(names.count + 1, sizeof(*tt));
	v = calloc(names.count + 1, sizeof(*v));
	if (!tt || !v) {
		nomem(err);
		goto out;
	}
	for (i = 0; i < names.count; i++) {
		struct gitrepo_commit c;
		/* A tag of something other than a commit is skipped. */
		if (gitrepo_commit_info(&c, r, names.strings[i], NULL) < 0)
			continue;
		tt[k].name = names.strings[i];
		tt[k++].time = c.time;
	}
	qsort(tt, k, sizeof(*tt), cmp_tag_time);
	for (i = 0; i < k; i++)
		if (!(v[i] = strdup(tt[i].name))) {
			nomem(err);
			goto out;
		}
	*out = v;
	*n = k;
	v = NULL;
	ret = 0;
out:
	gitrepo_strings_free(v);
	free(tt);
	git_strarray_dispose(&names);
	return ret;
}

void gitrepo_strings_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
