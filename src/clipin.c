/* clipin: mirrors and the locked facts of an input, for pin and pins. */
#include "clipin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flakeurl.h"
#include "gitrepo.h"
#include "jtext.h"
#include "nix.h"
#include "pinfacts.h"

enum { SRC_ARG = 1, SRC_ENV, SRC_FILE };

static int nomem(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

const struct clipin_mirror *clipin_mirror_for(const struct clipin_mirrors *m,
					      const char *input)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].input, input))
			return &m->v[i];
	return NULL;
}

void clipin_mirrors_release(struct clipin_mirrors *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].input);
		free(m->v[i].dir);
		free(m->v[i].origin);
	}
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Start a new source: entries from here on rank below those before. */
static void begin_source(struct clipin_mirrors *m, int source)
{
	m->source = source;
	m->first = m->n;
}

/*
 * Add input=dir from the current source. base: folder a relative dir is
 * taken from (NULL: as given); home: what "~/" stands for (NULL: no
 * expansion). An input an earlier source named keeps its mirror; one this
 * source names twice is refused.
 */
static int add(struct clipin_mirrors *m, const char *input, size_t ilen,
	       const char *dir, size_t dlen, const char *base,
	       const char *home, const char *origin, struct xerr *err)
{
	struct clipin_mirror *e;
	struct buf path = BUF_INIT;
	size_t i;

	if (!ilen || !dlen)
		return xerr_set(err, XPIN_USAGE,
				"%s: '%.*s%s%.*s' is not INPUT=DIR (for example nixpkgs=/srv/mirrors/nixpkgs)",
				origin, (int)ilen, input, dir ? "=" : "",
				(int)dlen, dir ? dir : "");
	for (i = 0; i < m->n; i++) {
		if (strlen(m->v[i].input) != ilen ||
		    memcmp(m->v[i].input, input, ilen))
			continue;
		if (i < m->first)
			return 0;
		if (!strcmp(origin, m->v[i].origin))
			return xerr_set(err, XPIN_USAGE,
					"%s: a second mirror for input '%.*s'",
					origin, (int)ilen, input);
		return xerr_set(err, XPIN_USAGE,
				"%s: a second mirror for input '%.*s' (the first is at %s)",
				origin, (int)ilen, input, m->v[i].origin);
	}
	if (home && dlen >= 2 && !strncmp(dir, "~/", 2)) {
		buf_printf(&path, "%s/%.*s", home, (int)(dlen - 2), dir + 2);
	} else if (base && dir[0] != '/') {
		buf_printf(&path, "%s/%.*s", base, (int)dlen, dir);
	} else {
		buf_add(&path, dir, dlen);
	}
	e = realloc(m->v, (m->n + 1) * sizeof(*e));
	if (!e) {
		buf_release(&path);
		return nomem(err);
	}
	m->v = e;
	e = &m->v[m->n];
	e->input = strndup(input, ilen);
	e->dir = strdup(buf_cstr(&path));
	e->origin = strdup(origin);
	e->from_arg = m->source == SRC_ARG;
	buf_release(&path);
	if (!e->input || !e->dir || !e->origin) {
		free(e->input);
		free(e->dir);
		free(e->origin);
		return nomem(err);
	}
	m->n++;
	return 0;
}

/* Split "INPUT=DIR" at the first '='. */
static int add_pair(struct clipin_mirrors *m, const char *s, size_t len,
		    const char *base, const char *home, const char *origin,
		    struct xerr *err)
{
	const char *eq = memchr(s, '=', len);

	if (!eq)
		return add(m, s, len, NULL, 0, base, home, origin, err);
	return add(m, s, (size_t)(eq - s), eq + 1, len - (size_t)(eq - s) - 1,
		   base, home, origin, err);
}

int clipin_mirrors_arg(struct clipin_mirrors *m, const char *arg,
		       struct xerr *err)
{
	if (m->source != SRC_ARG)
		begin_source(m, SRC_ARG);
	return add_pair(m, arg, strlen(arg), NULL, NULL, "--mirror", err);
}

static int load_env(struct clipin_mirrors *m, struct xerr *err)
{
	const char *env = getenv("XPIN_MIRRORS"), *home = getenv("HOME"), *p;

	begin_source(m, SRC_ENV);
	for (p = env; p && *p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		/* Empty entries ("a=b::c=d", a trailing ':') are allowed, as in
		 * PATH-like variables. */
		if (n && add_pair(m, p, n, NULL, home, "XPIN_MIRRORS", err) < 0)
			return -1;
		p += n + (end != NULL);
	}
	return 0;
}

/* $XDG_CONFIG_HOME/xpin/mirrors, else ~/.config/xpin/mirrors. */
static int mirrors_file(struct buf *out)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return buf_printf(out, "%s/xpin/mirrors", xdg);
	if (home && home[0])
		return buf_printf(out, "%s/.config/xpin/mirrors", home);
	return -1;
}

static int load_file(struct clipin_mirrors *m, struct xerr *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT, origin = BUF_INIT;
	const char *home = getenv("HOME");
	char *base = NULL, *line, *next, *slash;
	struct stat st;
	int lineno = 0, ret = -1;

	begin_source(m, SRC_FILE);
	if (mirrors_file(&path) < 0 ||
	    (stat(buf_cstr(&path), &st) < 0 && errno == ENOENT)) {
		ret = 0;
		goto out;
	}
	if (util_read_file(&text, buf_cstr(&path), 1u << 20, err) < 0)
		goto out;
	base = strdup(buf_cstr(&path));
	if (!base) {
		nomem(err);
		goto out;
	}
	slash = strrchr(base, '/');
	*slash = '\0';
	for (line = text.data; line; line = next) {
		char *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' ||
				      end[-1] == '\r'))
			*--end = '\0';
		if (!*line || *line == '#')
			continue;
		origin.len = 0;
		buf_printf(&origin, "%s:%d", buf_cstr(&path), lineno);
		if (add_pair(m, line, (size_t)(end - line), base, home,
			     buf_cstr(&origin), err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(base);
	buf_release(&path);
	buf_release(&text);
	buf_release(&origin);
	return ret;
}

int clipin_mirrors_load(struct clipin_mirrors *m, struct xerr *err)
{
	if (load_env(m, err) < 0 || load_file(m, err) < 0)
		return -1;
	return 0;
}

int clipin_mirrors_check(const struct clipin_mirrors *m,
			 const struct flakelock *lk, struct xerr *err)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		struct flakelock_pin pin;

		if (!m->v[i].from_arg)
			continue;
		if (flakelock_find(&pin, lk, m->v[i].input, err) < 0)
			return -1;
		flakelock_pin_release(&pin);
	}
	return 0;
}

int clipin_parse_export_ignore(bool *out, const char *s, struct xerr *err)
{
	if (!strcmp(s, "yes"))
		*out = true;
	else if (!strcmp(s, "no"))
		*out = false;
	else
		return xerr_set(err, XPIN_USAGE,
				"--export-ignore must be yes or no, not '%s'", s);
	return 0;
}

int clipin_rules_export_ignore(struct clipin_rules *r, const char *s,
			       struct xerr *err)
{
	bool on = true;

	if (clipin_parse_export_ignore(&on, s, err) < 0)
		return -1;
	r->export_ignore = on;
	return 0;
}

static bool is_forge(const char *type)
{
	return type && (!strcmp(type, "github") || !strcmp(type, "gitlab") ||
			!strcmp(type, "sourcehut"));
}

int clipin_rules_arg(struct clipin_rules *r, const char *version,
		     struct xerr *err)
{
	struct nix_version v;

	if (nix_version_parse(&v, version, err) < 0) {
		xerr_set(err, XPIN_USAGE,
			 "--nix-rules: '%.100s' is not a Nix version (such as 2.8 or 2.26)",
			 version);
		return -1;
	}
	nix_rules_for(&r->nix, &v);
	r->known = true;
	r->asked = false;
	return 0;
}

int clipin_rules_resolve(struct clipin_rules *r, struct xerr *err)
{
	struct buf text = BUF_INIT;
	struct nix_version v;
	int ret = -1;

	if (r->known)
		return 0;
	if (nix_version_text(&text, err) < 0 ||
	    nix_version_parse(&v, buf_cstr(&text), err) < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		xerr_set(err, XPIN_USAGE,
			 "cannot tell how the Nix that reads this lock hashes git inputs (%.600s): give --nix-rules VERSION",
			 msg);
		goto out;
	}
	nix_rules_for(&r->nix, &v);
	r->known = r->asked = true;
	ret = 0;
out:
	buf_release(&text);
	return ret;
}

void clipin_url_rules(struct flakelock *lk, struct clipin_rules *r)
{
	struct flakeurl_rules u = FLAKEURL_RULES_NEWEST;
	struct xerr ignored = XERR_INIT;

	if (clipin_rules_resolve(r, &ignored) == 0) {
		u.rfc3986 = r->nix.url_rfc3986;
		u.forge_nar_hash = r->nix.url_forge_nar_hash;
		u.forge_host = r->nix.url_forge_host;
		u.git_submodules = r->nix.url_git_submodules;
	}
	flakelock_set_url_rules(lk, &u);
}

void clipin_rule_describe(char *out, size_t n, const struct clipin_facts *f)
{
	char v[32];

	switch (f->rule_from) {
	case CLIPIN_RULE_FORGE:
		snprintf(out, n, "forge archive");
		return;
	case CLIPIN_RULE_OPTION:
		snprintf(out, n, "--export-ignore");
		return;
	case CLIPIN_RULE_GIVEN:
	case CLIPIN_RULE_NIX:
		nix_version_format(v, &f->rule_nix);
		snprintf(out, n, "Nix %s rules%s", v,
			 f->rule_from == CLIPIN_RULE_GIVEN ? ", --nix-rules" : "");
		return;
	}
	out[0] = '\0';
}

json_t *clipin_rule_json(const struct clipin_facts *f)
{
	static const char *const from[] = { "forge", "option", "given", "nix" };
	char v[32];
	bool nix = f->rule_from == CLIPIN_RULE_GIVEN ||
		   f->rule_from == CLIPIN_RULE_NIX;

	nix_version_format(v, &f->rule_nix);
	return json_pack("{s:s, s:o, s:b}", "from", from[f->rule_from],
			 "nixVersion", nix ? json_string(v) : json_null(),
			 "exportIgnore", f->export_ignore);
}

int clipin_mirror_facts(struct clipin_facts *out, const struct flakelock *lk,
			const struct flakelock_pin *pin, const char *dir,
			const char *ref, struct clipin_rules *rules,
			struct xerr *err)
{
	const char *type = pin->type ? pin->type : "?";
	enum clipin_rule_from from = CLIPIN_RULE_FORGE;
	bool archive = true;

	if (!strcmp(type, "git")) {
		if (rules->export_ignore >= 0) {
			from = CLIPIN_RULE_OPTION;
			archive = rules->export_ignore == 1;
		} else {
			if (clipin_rules_resolve(rules, err) < 0)
				return -1;
			from = rules->asked ? CLIPIN_RULE_NIX : CLIPIN_RULE_GIVEN;
			archive = rules->nix.git_archive;
		}
	}
	if (clipin_mirror_facts_as(out, lk, pin, dir, ref, archive, err) < 0)
		return -1;
	out->rule_from = from;
	if (rules->known)
		out->rule_nix = rules->nix.version;
	return 0;
}

/* "refs/heads/main" and "refs/tags/v1" name what "main" and "v1" name:
 * Nix 2.20 and later write the default branch's ref in full. */
static bool same_ref(const char *a, const char *b)
{
	static const char *const pre[] = { "refs/heads/", "refs/tags/", NULL };
	size_t i;

	if (!a || !b)
		return false;
	for (i = 0; pre[i]; i++) {
		size_t n = strlen(pre[i]);

		if (!strncmp(a, pre[i], n))
			a += n;
		if (!strncmp(b, pre[i], n))
			b += n;
	}
	return !strcmp(a, b);
}

int clipin_mirror_facts_as(struct clipin_facts *out, const struct flakelock *lk,
			   const struct flakelock_pin *pin, const char *dir,
			   const char *ref, bool git_archive, struct xerr *err)
{
	struct pinfacts f;
	const char *type = pin->type ? pin->type : "?";
	const char *locked_ref = flakelock_locked_string(lk, pin->node, "ref");
	unsigned flags = 0;
	bool git = !strcmp(type, "git");

	memset(out, 0, sizeof(*out));
	if (!git && !is_forge(type))
		return xerr_set(err, XPIN_USAGE,
				"input '%s' is of type '%s': a git mirror cannot give its facts",
				pin->path, type);
	if (git && flakelock_locked_bool(lk, pin->node, "submodules") == 1)
		return xerr_set(err, XPIN_USAGE,
				"input '%s' fetches git submodules, which xpin cannot hash from a mirror; pin it without one",
				pin->path);
	if (!git || git_archive)
		flags |= GITREPO_EXPORT_IGNORE;
	/* Nix records no revCount for a shallow git input. */
	if (git && flakelock_locked_bool(lk, pin->node, "shallow") != 1)
		flags |= PINFACTS_REV_COUNT;
	if (pinfacts_from_mirror(&f, dir, ref, flags, err) < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		snprintf(err->msg, sizeof(err->msg), "input '%.200s': %.800s", pin->path,
			 msg);
		return -1;
	}
	/* Nix (2.8 and 2.26 alike) locks a git input that follows an
	 * annotated tag by the tag object's id (what `git rev-parse TAG`
	 * prints); forges answer with the commit. */
	memcpy(out->rev, git && same_ref(locked_ref, ref)
				 ? f.ref_object : f.rev, sizeof(out->rev));
	memcpy(out->commit, f.rev, sizeof(out->commit));
	memcpy(out->nar_hash, f.nar_hash, sizeof(out->nar_hash));
	out->last_modified = f.last_modified;
	out->rev_count = f.has_rev_count ? (int64_t)f.rev_count : -1;
	out->how = CLIPIN_MIRROR;
	out->export_ignore = f.export_ignore;
	return 0;
}

bool clipin_count(uint64_t *ahead, uint64_t *behind, const char *dir,
		  const char *from, const char *to)
{
	struct xerr err = XERR_INIT;
	struct gitrepo *r = gitrepo_open(dir, &err);
	bool ok;

	if (!r)
		return false;
	ok = gitrepo_count_between(ahead, r, from, to, &err) == 0 &&
	     gitrepo_count_between(behind, r, to, from, &err) == 0;
	gitrepo_free(r);
	return ok;
}

/* --- asking Nix --- */

/* A query value, percent-encoded where a URL needs it. */
static void put_query(struct buf *b, char *sep, const char *key,
		      const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	buf_printf(b, "%c%s=", *sep, key);
	*sep = '&';
	for (p = (const unsigned char *)val; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			buf_add(b, p, 1);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			buf_add(b, e, 3);
		}
	}
}

/* The flake reference of the input at ref: a full rev as rev=, anything
 * else as ref= (Nix resolves it). */
static int flake_ref(struct buf *out, const struct flakelock *lk,
		     const struct flakelock_pin *pin, const char *ref,
		     struct xerr *err)
{
	const char *type = pin->type ? pin->type : "?", *node = pin->node;
	const char *url = flakelock_locked_string(lk, node, "url");
	const char *locked_ref = flakelock_locked_string(lk, node, "ref");
	bool full = flakelock_valid_rev(ref);
	char sep = '?';

	if (is_forge(type)) {
		const char *owner = flakelock_locked_string(lk, node, "owner");
		const char *repo = flakelock_locked_string(lk, node, "repo");
		const char *host = flakelock_locked_string(lk, node, "host");

		if (!owner || !repo)
			return xerr_set(err, XPIN_USAGE,
					"input '%s' has no owner and repo in %s",
					pin->path, "its locked node");
		buf_printf(out, "%s:%s/%s", type, owner, repo);
		put_query(out, &sep, full ? "rev" : "ref", ref);
		if (host)
			put_query(out, &sep, "host", host);
		return 0;
	}
	if (!url)
		return xerr_set(err, XPIN_USAGE, "input '%s' has no url to fetch",
				pin->path);
	if (strchr(url, '?'))
		sep = '&';
	buf_printf(out, "%s+%s", !strcmp(type, "git") ? "git" : "hg", url);
	if (full) {
		if (locked_ref)
			put_query(out, &sep, "ref", locked_ref);
		put_query(out, &sep, "rev", ref);
	} else {
		put_query(out, &sep, "ref", ref);
	}
	if (!strcmp(type, "git")) {
		static const char *const bools[] = { "submodules", "shallow",
						     "allRefs", NULL };
		size_t i;

		for (i = 0; bools[i]; i++)
			if (flakelock_locked_bool(lk, node, bools[i]) == 1)
				put_query(out, &sep, bools[i], "1");
	}
	return 0;
}

/* Run nix with args and read its JSON object: errors name the input, and
 * are XPIN_USAGE even when nix cannot be run (the pin cannot be made). */
static json_t *nix_json(const char *const *args, int log_fd, const char *what,
			const char *path, struct xerr *err)
{
	struct nix_cmd c = { args, what, NULL, log_fd, 0, 0, "" };
	json_t *doc = nix_run_json(&c, err);
	char msg[sizeof(err->msg)];

	if (doc && !json_is_object(doc)) {
		json_decref(doc);
		doc = NULL;
		xerr_set(err, XPIN_USAGE, "%s printed no JSON object", what);
	}
	if (!doc) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		xerr_set(err, XPIN_USAGE, "input '%s': %.900s", path, msg);
	}
	return doc;
}

/* Escape s for a Nix string literal. */
static void nix_string(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '$')
			buf_puts(b, "\\");
		buf_add(b, s, 1);
	}
	buf_puts(b, "\"");
}

/* Take rev, lastModified and revCount from what Nix says it locked;
 * false when rev is missing, or lastModified and need_lm (Nix records
 * none for an hg input). */
static bool take_locked(struct clipin_facts *out, json_t *o, bool need_lm)
{
	const char *rev = json_string_value(json_object_get(o, "rev"));
	json_t *lm = json_object_get(o, "lastModified");
	json_t *rc = json_object_get(o, "revCount");
	bool has_lm = json_is_integer(lm) && json_integer_value(lm) >= 0;

	if (!flakelock_valid_rev(rev) || (need_lm && !has_lm))
		return false;
	memcpy(out->rev, rev, 41);
	memcpy(out->commit, rev, 41);
	out->last_modified = has_lm ? json_integer_value(lm) : -1;
	out->rev_count = json_is_integer(rc) && json_integer_value(rc) >= 0
				 ? json_integer_value(rc) : -1;
	return true;
}

int clipin_nix_facts(struct clipin_facts *out, const struct flakelock *lk,
		     const struct flakelock_pin *pin, const char *ref,
		     int log_fd, struct xerr *err)
{
	struct buf url = BUF_INIT, tmp = BUF_INIT, reg = BUF_INIT,
		   expr = BUF_INIT;
	json_t *doc = NULL;
	const char *hash;
	int ret = -1;
	static const char empty_registry[] = "{\"flakes\":[],\"version\":2}\n";
	/* Nix records no lastModified for some types (hg); the lock says. */
	bool need_lm = pin->last_modified >= 0;

	memset(out, 0, sizeof(*out));
	out->how = CLIPIN_NIX;
	if (flake_ref(&url, lk, pin, ref, err) < 0)
		goto out;
	/* `nix flake prefetch` looks every reference up in the flake
	 * registries, downloading the global one, even for a direct
	 * reference like ours that no registry can change: an empty registry
	 * lets it work offline. */
	if (util_mkdtemp(&tmp, "xpin-nix", err) < 0)
		goto out;
	buf_printf(&reg, "%s/registry.json", buf_cstr(&tmp));
	if (util_write_atomic(buf_cstr(&reg), empty_registry,
			      sizeof(empty_registry) - 1, 0644, err) < 0)
		goto out;
	{
		const char *args[] = { "flake", "prefetch", "--json",
				       "--flake-registry", buf_cstr(&reg),
				       buf_cstr(&url), NULL };
		doc = nix_json(args, log_fd, "nix flake prefetch", pin->path, err);
		if (!doc)
			goto out;
	}
	hash = json_string_value(json_object_get(doc, "hash"));
	if (!flakelock_valid_nar_hash(hash)) {
		xerr_set(err, XPIN_USAGE,
			 "input '%s': nix flake prefetch gave no narHash", pin->path);
		goto out;
	}
	memcpy(out->nar_hash, hash, sizeof(out->nar_hash));
	/* Newer Nix says what it locked; Nix 2.8 gives only the hash. */
	if (!take_locked(out, json_object_get(doc, "locked"), need_lm)) {
		const char *th;

		json_decref(doc);
		doc = NULL;
		buf_puts(&expr, "let t = builtins.fetchTree ");
		nix_string(&expr, buf_cstr(&url));
		buf_puts(&expr, "; in { inherit (t) rev narHash; "
				"lastModified = t.lastModified or null; "
				"revCount = t.revCount or null; }");
		{
			const char *args[] = { "eval", "--json", "--impure",
					       "--expr", buf_cstr(&expr), NULL };
			doc = nix_json(args, log_fd, "builtins.fetchTree",
				       pin->path, err);
			if (!doc)
				goto out;
		}
		th = json_string_value(json_object_get(doc, "narHash"));
		if (!take_locked(out, doc, need_lm) || !th) {
			xerr_set(err, XPIN_USAGE,
				 need_lm ? "input '%s': builtins.fetchTree gave no rev and lastModified"
					 : "input '%s': builtins.fetchTree gave no rev",
				 pin->path);
			goto out;
		}
		if (strcmp(th, out->nar_hash)) {
			xerr_set(err, XPIN_USAGE,
				 "input '%s': nix flake prefetch and builtins.fetchTree disagree (%s, %s): did '%s' move? try again",
				 pin->path, out->nar_hash, th, ref);
			goto out;
		}
		out->fetch_tree = true;
	}
	ret = 0;
out:
	if (tmp.len)
		util_rmtree(buf_cstr(&tmp));
	json_decref(doc);
	buf_release(&url);
	buf_release(&tmp);
	buf_release(&reg);
	buf_release(&expr);
	return ret;
}
