/* gitrepo (and pinfacts over it) against the repository
 * vectors/git-lock/mkrepo.sh builds: the facts `nix flake lock` recorded
 * for it (vectors/git-lock/expected.nix-V), the counts `git rev-list
 * --count` gave (vectors/git-lock/between), and what git itself says
 * (git show, git clone). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitrepo.h"
#include "hash.h"
#include "nar.h"
#include "pinfacts.h"
#include "unit.h"
#include "util.h"

static struct buf fixture_dir = BUF_INIT;

static void fixture_cleanup(void)
{
	if (fixture_dir.len)
		util_rmtree(buf_cstr(&fixture_dir));
	buf_release(&fixture_dir);
}

/* The folder holding repo/ (built once per run, removed at exit). */
static const char *fixture(void)
{
	struct xerr err = XERR_INIT;

	if (fixture_dir.len)
		return fixture_dir.data;
	if (util_mkdtemp(&fixture_dir, "xpin-unit-git", &err) < 0)
		return "/nonexistent";
	atexit(fixture_cleanup);
	if (unit_sh("sh vectors/git-lock/mkrepo.sh '%s/repo' >/dev/null",
	       fixture_dir.data) != 0)
		unit_fail(__FILE__, __LINE__, "mkrepo.sh failed");
	return fixture_dir.data;
}

static const char *repo_path(void)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/repo", fixture());
	return p;
}

/* sha of a commit name from vectors/git-lock/commits */
static void commit_sha(char out[41], const char *name)
{
	struct buf b = BUF_INIT;
	struct xerr err = XERR_INIT;
	char *line;
	size_t n = strlen(name);

	out[0] = '\0';
	if (util_read_file(&b, "vectors/git-lock/commits", 1 << 16, &err) < 0)
		return;
	for (line = strtok(b.data, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, name, n) && line[n] == ' ')
			snprintf(out, 41, "%s", line + n + 1);
	buf_release(&b);
}

/* One expected.nix-V of vectors/git-lock: what Nix V locked, hashed by
 * gitrepo under V's rule (git archive's tree before 2.20, the stored tree
 * from 2.20 on). */
static void facts_match(const char *file, bool archive)
{
	struct buf b = BUF_INIT;
	struct xerr err = XERR_INIT;
	char *save = NULL, *line;
	int rows = 0;

	T_INTEQ(util_read_file(&b, file, 1 << 16, &err), 0);
	if (!b.data)
		return;
	for (line = strtok_r(b.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *q, *rev, *nar, *lm, *count, *arg, *s2 = NULL;
		struct pinfacts f;
		struct xerr e = XERR_INIT;

		if (line[0] == '#')
			continue;
		q = strtok_r(line, "\t", &s2);
		rev = strtok_r(NULL, "\t", &s2);
		nar = strtok_r(NULL, "\t", &s2);
		lm = strtok_r(NULL, "\t", &s2);
		count = strtok_r(NULL, "\t", &s2);
		T_ASSERT(q && rev && nar && lm && count);
		if (!q || !rev || !nar || !lm || !count)
			break;
		arg = strstr(q, "rev=");
		arg = arg ? arg + 4 : q + 4; /* "ref=" */
		T_INTEQ(pinfacts_from_mirror(&f, repo_path(), arg,
					     (archive ? GITREPO_EXPORT_IGNORE : 0) |
						     PINFACTS_REV_COUNT,
					     &e), 0);
		if (e.code)
			printf("#   %s: %s\n", q, e.msg);
		/* Nix records what the ref names, an annotated tag's own id
		 * included; xpin's rev is always the commit */
		T_STREQ(f.ref_object, rev);
		if (!strcmp(q, "ref=v1.0"))
			T_ASSERT(strcmp(f.rev, rev) != 0);
		else
			T_STREQ(f.rev, rev);
		T_STREQ(f.nar_hash, nar);
		T_INTEQ(f.last_modified, strtoll(lm, NULL, 10));
		T_ASSERT(f.has_rev_count);
		T_INTEQ(f.rev_count, strtoll(count, NULL, 10));
		T_ASSERT(f.export_ignore == archive);
		rows++;
	}
	T_ASSERT(rows >= 10);
	buf_release(&b);
}

void test_gitrepo__facts_match_nix_flake_lock(void)
{
	facts_match("vectors/git-lock/expected.nix-2.8", true);
	facts_match("vectors/git-lock/expected.nix-2.26", false);
}

void test_gitrepo__count_between(void)
{
	struct buf b = BUF_INIT;
	struct xerr err = XERR_INIT;
	struct gitrepo *r;
	char *save = NULL, *line;
	int rows = 0;

	r = gitrepo_open(repo_path(), &err);
	T_ASSERT(r != NULL);
	T_INTEQ(util_read_file(&b, "vectors/git-lock/between", 1 << 16, &err), 0);
	for (line = strtok_r(b.data, "\n", &save); r && line;
	     line = strtok_r(NULL, "\n", &save)) {
		char from[41], to[41], a[64], c[64];
		long want;
		uint64_t n = 99;

		if (line[0] == '#' || sscanf(line, "%63s %63s %ld", a, c, &want) != 3)
			continue;
		commit_sha(from, a);
		commit_sha(to, c);
		T_INTEQ(gitrepo_count_between(&n, r, from, to, &err), 0);
		T_INTEQ(n, want);
		rows++;
	}
	T_ASSERT(rows >= 5);
	gitrepo_free(r);
	buf_release(&b);
}

void test_gitrepo__resolve_forms(void)
{
	struct xerr err = XERR_INIT;
	struct gitrepo *r = gitrepo_open(repo_path(), &err);
	char c4[41], c2[41], side2[41], out[41], shortsha[8];

	T_ASSERT(r != NULL);
	if (!r)
		return;
	commit_sha(c4, "c4");
	commit_sha(c2, "c2");
	commit_sha(side2, "side2");
	snprintf(shortsha, sizeof(shortsha), "%.7s", c4);
	T_INTEQ(gitrepo_resolve(out, r, "HEAD", &err), 0);
	T_STREQ(out, c4);
	T_INTEQ(gitrepo_resolve(out, r, shortsha, &err), 0);
	T_STREQ(out, c4);
	T_INTEQ(gitrepo_resolve(out, r, "refs/heads/side", &err), 0);
	T_STREQ(out, side2);
	T_INTEQ(gitrepo_resolve(out, r, "v0.9", &err), 0);
	T_STREQ(out, c2);
	T_INTEQ(gitrepo_resolve(out, r, "v1.0", &err), 0);
	T_STREQ(out, c4);
	T_INTEQ(gitrepo_resolve(out, r, "main~3", &err), 0);
	T_STREQ(out, c2);
	T_ASSERT(gitrepo_has_commit(r, c2));
	T_ASSERT(!gitrepo_has_commit(r, "0123456789abcdef0123456789abcdef01234567"));
	T_ASSERT(!gitrepo_has_commit(r, shortsha));
	T_ASSERT(!gitrepo_is_shallow(r));
	gitrepo_free(r);
}

void test_gitrepo__errors(void)
{
	struct xerr err = XERR_INIT;
	struct gitrepo *r;
	struct pinfacts f;
	char out[41];

	T_ASSERT(gitrepo_open(fixture(), &err) == NULL);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "not a git repository") != NULL);
	memset(&err, 0, sizeof(err));
	T_INTEQ(pinfacts_from_mirror(&f, "/nonexistent/mirror", "main", 0, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);

	r = gitrepo_open(repo_path(), &err);
	T_ASSERT(r != NULL);
	if (!r)
		return;
	memset(&err, 0, sizeof(err));
	T_INTEQ(gitrepo_resolve(out, r, "no-such-ref", &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "unknown ref 'no-such-ref'") != NULL);
	memset(&err, 0, sizeof(err));
	T_INTEQ(gitrepo_resolve(out, r, "0123456789abcdef0123456789abcdef01234567",
				&err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "is not in") != NULL);
	memset(&err, 0, sizeof(err));
	T_INTEQ(gitrepo_resolve(out, r, "", &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(!strchr(err.msg, '\n'));
	gitrepo_free(r);
}

/* Expected bytes: `git show REV:PATH`. */
void test_gitrepo__read_file(void)
{
	struct xerr err = XERR_INIT;
	struct buf b = BUF_INIT, cmd = BUF_INIT, want = BUF_INIT;
	struct gitrepo *r = gitrepo_open(repo_path(), &err);
	char c3[41], chunk[256];
	FILE *p;
	size_t n;

	T_ASSERT(r != NULL);
	if (!r)
		return;
	commit_sha(c3, "c3");
	buf_printf(&cmd, UNIT_GITENV "git -C '%s' show %s:README", repo_path(), c3);
	p = popen(buf_cstr(&cmd), "r");
	T_ASSERT(p != NULL);
	while (p && (n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(&want, chunk, n);
	if (p)
		pclose(p);
	T_INTEQ(gitrepo_read_file(&b, r, c3, "README", 1 << 20, &err), 0);
	T_INTEQ(b.len, want.len);
	T_STREQ(buf_cstr(&b), buf_cstr(&want));
	T_INTEQ(gitrepo_read_file(&b, r, c3, "bin/tool", 1 << 20, &err), 0);
	T_ASSERT(!strncmp(buf_cstr(&b), "#!/bin/sh", 9));
	memset(&err, 0, sizeof(err));
	T_INTEQ(gitrepo_read_file(&b, r, c3, "no/such/file", 1 << 20, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	memset(&err, 0, sizeof(err));
	T_INTEQ(gitrepo_read_file(&b, r, c3, "bin", 1 << 20, &err), -1);
	memset(&err, 0, sizeof(err));
	T_INTEQ(gitrepo_read_file(&b, r, c3, "README", 3, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	gitrepo_free(r);
	buf_release(&b);
	buf_release(&cmd);
	buf_release(&want);
}

/* An export hashes, from disk, to what nix flake lock recorded. */
void test_gitrepo__export(void)
{
	struct xerr err = XERR_INIT;
	struct buf dir = BUF_INIT, p = BUF_INIT;
	struct gitrepo *r = gitrepo_open(repo_path(), &err);
	unsigned char d[32];
	char s[NAR_FMT_MAX];
	struct stat st;
	mode_t mask;

	T_ASSERT(r != NULL);
	if (!r)
		return;
	buf_printf(&dir, "%s/export", fixture());
	mask = umask(077);
	T_INTEQ(gitrepo_export(r, "v1.0", buf_cstr(&dir), GITREPO_EXPORT_IGNORE,
			       &err), 0);
	umask(mask);
	T_INTEQ(nar_hash_path(d, buf_cstr(&dir), &err), 0);
	nar_format(s, d, NAR_SRI);
	/* vectors/git-lock/expected.nix-2.8, ref=v1.0 */
	T_STREQ(s, "sha256-eHGlDUf7qFvfT4hLXoysi3pIETW7OMZj6EdL3luMyTQ=");
	buf_printf(&p, "%s/bin/tool", buf_cstr(&dir));
	T_ASSERT(stat(buf_cstr(&p), &st) == 0 && (st.st_mode & S_IXUSR));
	/* 0755 and 0644 whatever the umask, as the tree says */
	T_INTEQ(st.st_mode & 07777, 0755);
	p.len = 0;
	buf_printf(&p, "%s/README", buf_cstr(&dir));
	T_ASSERT(stat(buf_cstr(&p), &st) == 0);
	T_INTEQ(st.st_mode & 07777, 0644);
	p.len = 0;
	p.len = 0;
	buf_printf(&p, "%s/link", buf_cstr(&dir));
	T_ASSERT(lstat(buf_cstr(&p), &st) == 0 && S_ISLNK(st.st_mode));
	p.len = 0;
	buf_printf(&p, "%s/notes", buf_cstr(&dir));
	T_ASSERT(lstat(buf_cstr(&p), &st) < 0);
	/* not into a folder that holds something */
	memset(&err, 0, sizeof(err));
	T_INTEQ(gitrepo_export(r, "v1.0", buf_cstr(&dir), 0, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	util_rmtree(buf_cstr(&dir));
	T_INTEQ(gitrepo_export(r, "v1.0", buf_cstr(&dir), 0, &err), 0);
	T_ASSERT(lstat(buf_cstr(&p), &st) == 0 && S_ISDIR(st.st_mode));
	util_rmtree(buf_cstr(&dir));
	gitrepo_free(r);
	buf_release(&dir);
	buf_release(&p);
}

struct seen {
	char names[64][64];
	int depth, n, bad;
};

static int record(void *ctx, const struct gitrepo_node *n, struct xerr *err)
{
	struct seen *s = ctx;

	(void)err;
	if (n->kind == GITREPO_DIR)
		s->depth++;
	if (n->kind == GITREPO_DIR_END)
		s->depth--;
	/* the root's entries, in the order given */
	if (((n->kind == GITREPO_DIR && s->depth == 2) ||
	     (n->kind != GITREPO_DIR && n->kind != GITREPO_DIR_END && s->depth == 1)) &&
	    s->n < 64)
		snprintf(s->names[s->n++], 64, "%s", n->name);
	if (n->kind == GITREPO_SYMLINK && strcmp(n->path, "link"))
		s->bad++;
	return 0;
}

/* The walk gives NAR order (a < a.b < a0), not git's (a.b < a/ < a0). */
void test_gitrepo__walk_order(void)
{
	struct xerr err = XERR_INIT;
	struct gitrepo *r = gitrepo_open(repo_path(), &err);
	struct seen s = { .depth = 0 };
	char c4[41];
	int i;

	T_ASSERT(r != NULL);
	if (!r)
		return;
	commit_sha(c4, "c4");
	T_INTEQ(gitrepo_walk(r, c4, 0, record, &s, &err), 0);
	T_INTEQ(s.depth, 0);
	T_INTEQ(s.bad, 0);
	T_ASSERT(s.n >= 8);
	for (i = 1; i < s.n; i++)
		T_ASSERT(strcmp(s.names[i - 1], s.names[i]) < 0);
	T_STREQ(s.names[0], ".gitattributes");
	T_STREQ(s.names[1], "README");
	T_STREQ(s.names[2], "a");
	T_STREQ(s.names[3], "a.b");
	T_STREQ(s.names[4], "a0");
	gitrepo_free(r);
}

static int stop_at_second(void *ctx, const struct gitrepo_node *n,
			  struct xerr *err)
{
	int *calls = ctx;

	(void)n;
	if (++*calls == 2)
		return xerr_set(err, XPIN_CHECK_FAILED, "stopped");
	return 0;
}

void test_gitrepo__walk_stops_on_callback_error(void)
{
	struct xerr err = XERR_INIT;
	struct gitrepo *r = gitrepo_open(repo_path(), &err);
	int calls = 0;

	T_ASSERT(r != NULL);
	if (!r)
		return;
	T_INTEQ(gitrepo_walk(r, "HEAD", 0, stop_at_second, &calls, &err), -1);
	T_INTEQ(calls, 2);
	T_INTEQ(err.code, XPIN_CHECK_FAILED);
	T_ASSERT(!strcmp(err.msg, "stopped"));
	gitrepo_free(r);
}

/* A shallow clone (git clone --depth 1) cannot give revCount. */
void test_gitrepo__shallow(void)
{
	struct xerr err = XERR_INIT;
	struct pinfacts f;
	struct buf dir = BUF_INIT;
	struct gitrepo *r;

	buf_printf(&dir, "%s/shallow", fixture());
	T_INTEQ(unit_sh("git clone -q --depth 1 'file://%s' '%s'", repo_path(),
		   buf_cstr(&dir)), 0);
	r = gitrepo_open(buf_cstr(&dir), &err);
	T_ASSERT(r && gitrepo_is_shallow(r));
	gitrepo_free(r);
	T_INTEQ(pinfacts_from_mirror(&f, buf_cstr(&dir), "HEAD",
				     GITREPO_EXPORT_IGNORE | PINFACTS_REV_COUNT,
				     &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "shallow") != NULL);
	memset(&err, 0, sizeof(err));
	T_INTEQ(pinfacts_from_mirror(&f, buf_cstr(&dir), "HEAD",
				     GITREPO_EXPORT_IGNORE, &err), 0);
	T_STREQ(f.nar_hash, "sha256-eHGlDUf7qFvfT4hLXoysi3pIETW7OMZj6EdL3luMyTQ=");
	T_ASSERT(!f.has_rev_count);
	buf_release(&dir);
}

/*
 * Reading ahead (gitrepo_set_readers) against the serial walk, on a
 * repository larger than the queue: more nodes than its slots, more bytes
 * than it holds, folders several deep, links, executables, files git
 * archive writes with CRLF and a folder it leaves out. Commit "bad"
 * holds, late in NAR order, a file whose ident attribute xpin refuses
 * (a reader's error) and a gitlink (the walker's).
 */
static const char *big_repo(void)
{
	static char p[4096];

	if (p[0])
		return p;
	snprintf(p, sizeof(p), "%s/big", fixture());
	if (unit_sh("git init -q -b main '%s' && awk '"
	       "function blob(path, mode, body) {"
	       "  print \"M \" mode \" inline \" path;"
	       "  print \"data \" length(body); printf \"%%s\", body }"
	       "function tree(bad,   d, s, f, body, k) {"
	       "  print \"data 0\";"
	       "  blob(\".gitattributes\", 100644,"
	       "       \"*.crlf text eol=crlf\\nd07/ export-ignore\\nzz/*.id ident\\n\");"
	       "  for (d = 0; d < 12; d++) for (s = 0; s < 8; s++) for (f = 0; f < 20; f++) {"
	       "    body = sprintf(\"line %%d %%d %%d\\nsecond line\\n\", d, s, f);"
	       "    if (f == 3) for (k = 0; k < 14; k++) body = body body;"
	       "    blob(sprintf(\"d%%02d/s%%d/f%%02d.%%s\", d, s, f, f %% 5 ? \"txt\" : \"crlf\"),"
	       "         f == 1 ? 100755 : 100644, body);"
	       "    if (f == 2) blob(sprintf(\"d%%02d/s%%d/l%%02d\", d, s, f), 120000, \"f01.txt\") }"
	       "  if (bad) { blob(\"zz/a.id\", 100644, \"$Id$\\n\");"
	       "    print \"M 160000 0123456789012345678901234567890123456789 zz/b\" } }"
	       "BEGIN { print \"commit refs/heads/main\";"
	       "  print \"committer t <t@xpin.invalid> 1700000000 +0000\"; tree(0);"
	       "  print \"commit refs/heads/bad\";"
	       "  print \"committer t <t@xpin.invalid> 1700000100 +0000\"; tree(1) }'"
	       " | git -C '%s' fast-import --quiet", p, p) != 0)
		unit_fail(__FILE__, __LINE__, "cannot make the repository");
	return p;
}

struct trace {
	struct hash_sha256 h;  /* of every node handed over, in order */
	int calls, stop_at;
};

static int trace_node(void *ctx, const struct gitrepo_node *n,
		      struct xerr *err)
{
	struct trace *t = ctx;
	unsigned char k = (unsigned char)n->kind;
	uint64_t size = n->size;

	hash_sha256_update(&t->h, &k, 1);
	hash_sha256_update(&t->h, n->path, strlen(n->path) + 1);
	hash_sha256_update(&t->h, n->name, n->name_len);
	hash_sha256_update(&t->h, &size, sizeof(size));
	if (n->size)
		hash_sha256_update(&t->h, n->data, n->size);
	if (++t->calls == t->stop_at)
		return xerr_set(err, XPIN_CHECK_FAILED, "stopped at %d", t->calls);
	return 0;
}

/* The walk with n readers: its result, the trace of what it handed over
 * (hex in out) and the calls made. */
static int traced_walk(char out[65], int *calls, struct xerr *err,
		       unsigned readers, const char *rev, unsigned flags,
		       int stop_at)
{
	struct gitrepo *r = gitrepo_open(big_repo(), err);
	struct trace t = { .stop_at = stop_at };
	unsigned char d[32];
	int ret;

	T_ASSERT(r != NULL);
	if (!r)
		return -2;
	gitrepo_set_readers(r, readers);
	hash_sha256_init(&t.h);
	ret = gitrepo_walk(r, rev, flags, trace_node, &t, err);
	hash_sha256_final(&t.h, d);
	hash_hex(out, d, 32);
	*calls = t.calls;
	gitrepo_free(r);
	return ret;
}

void test_gitrepo__read_ahead_same_walk(void)
{
	static const unsigned readers[] = { 1, 2, 4 };
	unsigned f, i;

	for (f = 0; f < 2; f++) {
		unsigned flags = f ? GITREPO_EXPORT_IGNORE : 0;
		struct xerr err = XERR_INIT;
		char want[65], got[65];
		int calls, n;

		T_INTEQ(traced_walk(want, &calls, &err, 0, "main", flags, 0), 0);
		/* 12 * 8 * 21 entries and 12 * 9 + 1 folders, each twice */
		T_ASSERT(calls > (f ? 1900 : 2200));
		for (i = 0; i < sizeof(readers) / sizeof(*readers); i++) {
			T_INTEQ(traced_walk(got, &n, &err, readers[i], "main",
					    flags, 0), 0);
			T_STREQ(got, want);
			T_INTEQ(n, calls);
		}
	}
}

void test_gitrepo__read_ahead_nar_hash(void)
{
	struct xerr err = XERR_INIT;
	struct gitrepo *r = gitrepo_open(big_repo(), &err);
	unsigned char a[32], b[32];
	unsigned f;

	T_ASSERT(r != NULL);
	if (!r)
		return;
	for (f = 0; f < 2; f++) {
		unsigned flags = f ? GITREPO_EXPORT_IGNORE : 0;

		gitrepo_set_readers(r, 0);
		T_INTEQ(gitrepo_nar_hash(a, r, "main", flags, &err), 0);
		gitrepo_set_readers(r, 3);
		T_INTEQ(gitrepo_nar_hash(b, r, "main", flags, &err), 0);
		T_ASSERT(!memcmp(a, b, 32));
	}
	gitrepo_free(r);
}

/* A callback's error stops the walk at once, readers or not. */
void test_gitrepo__read_ahead_callback_stops(void)
{
	static const int stops[] = { 1, 2, 300, 1999 };
	unsigned i;

	for (i = 0; i < sizeof(stops) / sizeof(*stops); i++) {
		struct xerr e0 = XERR_INIT, e1 = XERR_INIT;
		char t0[65], t1[65];
		int c0, c1;

		T_INTEQ(traced_walk(t0, &c0, &e0, 0, "main", 0, stops[i]), -1);
		T_INTEQ(traced_walk(t1, &c1, &e1, 2, "main", 0, stops[i]), -1);
		T_INTEQ(c0, stops[i]);
		T_INTEQ(c1, stops[i]);
		T_STREQ(t1, t0);
		T_INTEQ(e1.code, XPIN_CHECK_FAILED);
		T_STREQ(e1.msg, e0.msg);
	}
}

/* A reader's error (the ident file, with export-ignore) and the walker's
 * (the gitlink, without) come where the serial walk meets them, after the
 * same nodes. */
void test_gitrepo__read_ahead_errors_in_order(void)
{
	unsigned f;

	for (f = 0; f < 2; f++) {
		unsigned flags = f ? GITREPO_EXPORT_IGNORE : 0;
		struct xerr e0 = XERR_INIT, e1 = XERR_INIT;
		char t0[65], t1[65];
		int c0, c1;

		T_INTEQ(traced_walk(t0, &c0, &e0, 0, "bad", flags, 0), -1);
		T_INTEQ(traced_walk(t1, &c1, &e1, 2, "bad", flags, 0), -1);
		T_ASSERT(strstr(e0.msg, f ? "ident" : "submodule") != NULL);
		T_STREQ(e1.msg, e0.msg);
		T_INTEQ(e1.code, e0.code);
		T_INTEQ(c1, c0);
		T_STREQ(t1, t0);
	}
}
