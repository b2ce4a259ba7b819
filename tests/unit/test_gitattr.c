/* gitattr on its own: git's wildmatch, .gitattributes parsed and
 * evaluated, and the bytes `git archive` writes. Every expected value was
 * computed by git 2.39.5 (GIT_CONFIG_NOSYSTEM=1 GIT_ATTR_NOSYSTEM=1, no
 * global configuration), with the command named above each table; none
 * comes from xpin. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gitattr.h"
#include "unit.h"
#include "util.h"

/*
 * wildmatch(pattern, text, flags). Expected: `git check-attr m -- TEXT`
 * with a .gitattributes of the one line "PATTERN m" (flags 0: a pattern
 * without '/' matched against a name without '/', git's basename match)
 * or "/PATTERN m" (flags 1: WM_PATHNAME against the whole path); "set"
 * is a match.
 */
static const struct {
	const char *pattern, *text;
	unsigned flags;
	bool match;
} wm[] = {
	{ "foo", "foo", 0, true },
	{ "foo", "foo", 1, true },
	{ "foo", "bar", 0, false },
	{ "foo", "bar", 1, false },
	{ "???", "foo", 0, true },
	{ "???", "foo", 1, true },
	{ "??", "foo", 0, false },
	{ "??", "foo", 1, false },
	{ "*", "foo", 0, true },
	{ "*", "foo", 1, true },
	{ "f*", "foo", 0, true },
	{ "f*", "foo", 1, true },
	{ "*f", "foo", 0, false },
	{ "*f", "foo", 1, false },
	{ "*foo*", "foo", 0, true },
	{ "*foo*", "foo", 1, true },
	{ "*ob*a*r*", "foobar", 0, true },
	{ "*ob*a*r*", "foobar", 1, true },
	{ "*ab", "aaaaaaabababab", 0, true },
	{ "*ab", "aaaaaaabababab", 1, true },
	{ "foo\\*", "foo*", 0, true },
	{ "foo\\*", "foo*", 1, true },
	{ "foo\\*bar", "foobar", 0, false },
	{ "foo\\*bar", "foobar", 1, false },
	{ "f\\\\oo", "f\\oo", 0, true },
	{ "f\\\\oo", "f\\oo", 1, true },
	{ "*[al]?", "ball", 0, true },
	{ "*[al]?", "ball", 1, true },
	{ "[ten]", "ten", 0, false },
	{ "[ten]", "ten", 1, false },
	{ "**[!te]", "ten", 0, true },
	{ "**[!te]", "ten", 1, true },
	{ "**[!ten]", "ten", 0, false },
	{ "**[!ten]", "ten", 1, false },
	{ "t[a-g]n", "ten", 0, true },
	{ "t[a-g]n", "ten", 1, true },
	{ "t[!a-g]n", "ten", 0, false },
	{ "t[!a-g]n", "ten", 1, false },
	{ "t[!a-g]n", "ton", 0, true },
	{ "t[!a-g]n", "ton", 1, true },
	{ "t[^a-g]n", "ton", 0, true },
	{ "t[^a-g]n", "ton", 1, true },
	{ "a[]]b", "a]b", 0, true },
	{ "a[]]b", "a]b", 1, true },
	{ "a[]-]b", "a-b", 0, true },
	{ "a[]-]b", "a-b", 1, true },
	{ "a[]-]b", "a]b", 0, true },
	{ "a[]-]b", "a]b", 1, true },
	{ "a[]-]b", "aab", 0, false },
	{ "a[]-]b", "aab", 1, false },
	{ "a[]a-]b", "aab", 0, true },
	{ "a[]a-]b", "aab", 1, true },
	{ "]", "]", 0, true },
	{ "]", "]", 1, true },
	{ "[!]-]", "]", 0, false },
	{ "[!]-]", "]", 1, false },
	{ "[!]-]", "a", 0, true },
	{ "[!]-]", "a", 1, true },
	{ "\\a", "a", 0, true },
	{ "\\a", "a", 1, true },
	{ "*X*i", "XYZi", 0, true },
	{ "*X*i", "XYZi", 1, true },
	{ "[a-c]b*", "cbxx", 0, true },
	{ "[a-c]b*", "cbxx", 1, true },
	{ "[a-y]*[^c]", "abd", 0, true },
	{ "[a-y]*[^c]", "abd", 1, true },
	{ "a*[^c]", "abd", 0, true },
	{ "a*[^c]", "abd", 1, true },
	{ "[a-c]b*", "ebd", 0, false },
	{ "[a-c]b*", "ebd", 1, false },
	{ "[[:alpha:]][[:digit:]][[:upper:]]", "a1B", 0, true },
	{ "[[:alpha:]][[:digit:]][[:upper:]]", "a1B", 1, true },
	{ "[[:digit:][:upper:][:space:]]", "a", 0, false },
	{ "[[:digit:][:upper:][:space:]]", "a", 1, false },
	{ "[[:digit:][:upper:][:space:]]", "A", 0, true },
	{ "[[:digit:][:upper:][:space:]]", "A", 1, true },
	{ "[[:digit:][:upper:][:space:]]", "1", 0, true },
	{ "[[:digit:][:upper:][:space:]]", "1", 1, true },
	{ "[[:digit:][:upper:][:spaci:]]", "1", 0, false },
	{ "[[:digit:][:upper:][:spaci:]]", "1", 1, false },
	{ "[[:space:]]", " ", 0, true },
	{ "[[:space:]]", " ", 1, true },
	{ "[[:space:]]", "x", 0, false },
	{ "[[:space:]]", "x", 1, false },
	{ "[[:xdigit:]]", "5", 0, true },
	{ "[[:xdigit:]]", "5", 1, true },
	{ "[[:xdigit:]]", "f", 0, true },
	{ "[[:xdigit:]]", "f", 1, true },
	{ "[[:xdigit:]]", "D", 0, true },
	{ "[[:xdigit:]]", "D", 1, true },
	{ "[[:xdigit:]]", "g", 0, false },
	{ "[[:xdigit:]]", "g", 1, false },
	{ "[[:punct:]]", "_", 0, true },
	{ "[[:punct:]]", "_", 1, true },
	{ "[[:punct:]]", "a", 0, false },
	{ "[[:punct:]]", "a", 1, false },
	{ "[[:alnum:][:alpha:][:blank:][:cntrl:][:digit:][:graph:][:lower:][:print:][:punct:][:space:][:upper:][:xdigit:]]", "5", 0, true },
	{ "[[:alnum:][:alpha:][:blank:][:cntrl:][:digit:][:graph:][:lower:][:print:][:punct:][:space:][:upper:][:xdigit:]]", "5", 1, true },
	{ "[[:lower:]]", "A", 0, false },
	{ "[[:lower:]]", "A", 1, false },
	{ "[[:upper:]]", "A", 0, true },
	{ "[[:upper:]]", "A", 1, true },
	{ "[[:graph:]]", "x", 0, true },
	{ "[[:graph:]]", "x", 1, true },
	{ "[[:print:]]", "x", 0, true },
	{ "[[:print:]]", "x", 1, true },
	{ "[a-z]", "B", 0, false },
	{ "[a-z]", "B", 1, false },
	{ "[[:alpha:]-z]", "-", 0, true },
	{ "[[:alpha:]-z]", "-", 1, true },
	{ "[[:alpha:]]]", "a]", 0, true },
	{ "[[:alpha:]]]", "a]", 1, true },
	{ "[[:", "[[:", 0, false },
	{ "[[:", "[[:", 1, false },
	{ "[[:alpha:", "[[:alpha:", 0, false },
	{ "[[:alpha:", "[[:alpha:", 1, false },
	{ "[ab", "[ab", 0, false },
	{ "[ab", "[ab", 1, false },
	{ "[!", "[!", 0, false },
	{ "[!", "[!", 1, false },
	{ "[-]", "-", 0, true },
	{ "[-]", "-", 1, true },
	{ "[x-]", "-", 0, true },
	{ "[x-]", "-", 1, true },
	{ "[x-]", "x", 0, true },
	{ "[x-]", "x", 1, true },
	{ "[--A]", "5", 0, true },
	{ "[--A]", "5", 1, true },
	{ "[\\\\-^]", "]", 0, true },
	{ "[\\\\-^]", "]", 1, true },
	{ "[\\\\-^]", "[", 0, false },
	{ "[\\\\-^]", "[", 1, false },
	{ "[\\-_]", "-", 0, true },
	{ "[\\-_]", "-", 1, true },
	{ "[\\]]", "]", 0, true },
	{ "[\\]]", "]", 1, true },
	{ "[\\]]", "\\]", 0, false },
	{ "[\\]]", "\\]", 1, false },
	{ "[\\]]", "\\", 0, false },
	{ "[\\]]", "\\", 1, false },
	{ "a[]b", "ab", 0, false },
	{ "a[]b", "ab", 1, false },
	{ "a[]b", "a[]b", 0, false },
	{ "a[]b", "a[]b", 1, false },
	{ "ab[", "ab[", 0, false },
	{ "ab[", "ab[", 1, false },
	{ "[!a-c]", "d", 0, true },
	{ "[!a-c]", "d", 1, true },
	{ "[^a-c]", "b", 0, false },
	{ "[^a-c]", "b", 1, false },
	{ "*.c", "x.c", 0, true },
	{ "*.c", "x.c", 1, true },
	{ "*.c", "x.cc", 0, false },
	{ "*.c", "x.cc", 1, false },
	{ "-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1", 0, true },
	{ "-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1", 1, true },
	{ "XXX*xxx", "XXXxxxxxxxxxxxxxxxxxx", 0, true },
	{ "XXX*xxx", "XXXxxxxxxxxxxxxxxxxxx", 1, true },
	{ "*a*b*c*d*e*f*g*h*i*j*k*l*m*n", "aaaaaaaaaaaaaaaaaaaaaaaaaabcdefghijklmn", 0, true },
	{ "*a*b*c*d*e*f*g*h*i*j*k*l*m*n", "aaaaaaaaaaaaaaaaaaaaaaaaaabcdefghijklmn", 1, true },
	{ "**", "foo", 0, true },
	{ "**", "foo", 1, true },
	{ "***", "x", 0, true },
	{ "***", "x", 1, true },
	{ "?*?", "ab", 0, true },
	{ "?*?", "ab", 1, true },
	{ "?*?", "a", 0, false },
	{ "?*?", "a", 1, false },
	{ "foo*bar", "foo/baz/bar", 1, false },
	{ "foo**bar", "foo/baz/bar", 1, false },
	{ "foo/**/bar", "foo/bar", 1, true },
	{ "foo/**/bar", "foo/baz/bar", 1, true },
	{ "foo/**/**/bar", "foo/b/a/z/bar", 1, true },
	{ "foo/**/bar", "foo/b/a/z/bar", 1, true },
	{ "foo/**/bar", "foo/barx", 1, false },
	{ "**/foo", "foo", 1, true },
	{ "**/foo", "XXX/foo", 1, true },
	{ "**/foo", "bar/baz/foo", 1, true },
	{ "*/foo", "bar/baz/foo", 1, false },
	{ "**/bar*", "foo/bar/baz", 1, false },
	{ "**/bar/*", "deep/foo/bar/baz", 1, true },
	{ "**/bar/*", "deep/foo/bar", 1, false },
	{ "**/bar/**", "deep/foo/bar/baz", 1, true },
	{ "*/bar/**", "foo/bar/baz/x", 1, true },
	{ "**/bar/*/*", "deep/foo/bar/baz/x", 1, true },
	{ "foo?bar", "foo/bar", 1, false },
	{ "foo[/]bar", "foo/bar", 1, false },
	{ "foo[^a-z]bar", "foo/bar", 1, false },
	{ "*/x", "a/b/x", 1, false },
	{ "a/**", "a/b/c", 1, true },
	{ "a/**", "a/b", 1, true },
	{ "a/*", "a/b/c", 1, false },
	{ "a/*/c", "a/b/c", 1, true },
	{ "a/*/c", "a/b/x/c", 1, false },
	{ "**/*", "a/b", 1, true },
	{ "a**b/c", "axxb/c", 1, true },
	{ "a/**b", "a/xb", 1, true },
	{ "a/**b", "a/x/b", 1, false },
	{ "**/a/**/b", "x/a/b", 1, true },
	{ "*", "foo/bar", 1, false },
	{ "*/*", "foo/bar", 1, true },
	{ "f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo/bar", 1, false },
	{ "f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", 1, true },
	{ "*/*/*", "foo/bba/arr", 1, true },
	{ "*/*/*", "foo/bar", 1, false },
};

void test_gitattr__wildmatch(void)
{
	size_t i;

	for (i = 0; i < sizeof(wm) / sizeof(wm[0]); i++) {
		char m[512];

		if (gitattr_wildmatch(wm[i].pattern, wm[i].text, wm[i].flags) ==
		    wm[i].match)
			continue;
		snprintf(m, sizeof(m), "wildmatch('%s', '%s', %u) should be %s",
			 wm[i].pattern, wm[i].text, wm[i].flags,
			 wm[i].match ? "a match" : "no match");
		unit_fail(__FILE__, __LINE__, m);
	}
}

static const char *const attr_names[] = {
	"export-ignore", "export-subst", "ident", "text", "crlf", "eol",
	"working-tree-encoding", "binary",
};

struct attr_src {
	const char *base;  /* the folder holding it, "" for the root */
	const char *text;
	size_t len;
};

struct attr_row {
	const char *path;
	bool isdir;
	const char *want;  /* the values of attr_names, space-separated */
};

/* Push the files of path's folders (root first), as the walk does when
 * it reaches path; a folder's own file does not apply to the folder. */
static struct gitattr *attrs_for(const struct attr_src *f, size_t nf,
				 const char *path)
{
	struct gitattr *a = gitattr_new();
	size_t i;

	T_ASSERT(a != NULL);
	for (i = 0; a && i < nf; i++) {
		size_t n = strlen(f[i].base);

		if (n && (strncmp(path, f[i].base, n) || path[n] != '/'))
			continue;
		T_INTEQ(gitattr_push(a, f[i].base, f[i].text, f[i].len), 0);
	}
	return a;
}

static void check_rows(const struct attr_src *f, size_t nf,
		       const struct attr_row *rows, size_t nrows)
{
	size_t i, k;

	for (i = 0; i < nrows; i++) {
		struct gitattr *a = attrs_for(f, nf, rows[i].path);
		char got[512] = "", m[1200];

		if (!a)
			return;
		gitattr_eval(a, rows[i].path, strlen(rows[i].path), rows[i].isdir);
		for (k = 0; k < sizeof(attr_names) / sizeof(attr_names[0]); k++) {
			const char *v = gitattr_value(a, attr_names[k]);

			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%s%s", k ? " " : "", v ? v : "(null)");
		}
		if (strcmp(got, rows[i].want)) {
			snprintf(m, sizeof(m), "'%s': '%s' != '%s'", rows[i].path,
				 got, rows[i].want);
			unit_fail(__FILE__, __LINE__, m);
		}
		T_ASSERT(gitattr_export_ignore(a) ==
			 !strncmp(rows[i].want, "set ", 4));
		gitattr_free(a);
	}
}

/* Three .gitattributes (the root's, sub/'s, sub/deeper/'s): a BOM,
 * comments, negative and escaped patterns, `**`, a line over 2048 bytes,
 * folder-only patterns, quoted patterns, an invalid attribute name, a CRLF
 * line end, every text/eol/crlf form, macros (used above their definition,
 * naming another macro, defined below the root: ignored), precedence of
 * deeper files and later lines, unset (-) and unspecified (!). */
static const char set1_root_head[] =
	"\357\273\277# a BOM, then comments and blank lines\n"
	"\n"
	"[attr]rootm export-ignore\n"
	"*.p export-ignore\n"
	"!neg.txt export-ignore\n"
	"\\!esc.txt export-ignore\n"
	"**/ss/** export-ignore\n"
	"lead/**/tail.txt export-ignore\n";
/* then "long.txt", 2050 spaces, "export-ignore\n" (git ignores the line) */
static const char set1_root_tail[] =
	"*.TXT export-ignore\n"
	"file-as-dir/ export-ignore\n"
	"dir-slash/ export-ignore\n"
	"\"quoted name.q\" export-ignore\n"
	"\"tab\\there.q\" export-ignore\n"
	"bad.b export-ignore @bad\n"
	"crlf.c export-ignore\r\n"
	"*.t1 text\n"
	"*.t2 -text\n"
	"*.t3 text=auto\n"
	"*.t4 eol=crlf\n"
	"*.t5 crlf=input\n"
	"*.t6 text !text\n"
	"*.t7 binary\n"
	"*.t8 binary text\n"
	"*.t9 -crlf\n"
	"*.ta text=auto eol=lf\n"
	"*.id ident\n"
	"*.es export-subst\n"
	"*.enc working-tree-encoding=UTF-16\n"
	"[attr]mymac text eol=crlf\n"
	"*.mm mymac\n"
	"*.mm2 mymac -eol\n"
	"*.mu -mymac\n"
	"sub/*.q2 export-ignore\n"
	"/anch.r export-ignore\n"
	"[attr]chain1 chain2\n"
	"[attr]chain2 export-ignore\n"
	"*.ch chain1\n"
	"later.lm latermac\n"
	"[attr]latermac export-ignore\n"
	"twice.tw export-ignore\n"
	"twice.tw -export-ignore\n"
	"*.un export-ignore\n"
	"x.un !export-ignore\n"
	"*.val export-ignore=yes\n"
	"*.rm rootm\n";
static const char set1_sub[] =
	"[attr]subm export-ignore\n"
	"*.sm subm\n"
	"*.rm2 rootm\n"
	"*.p -export-ignore\n"
	"/anch.r export-ignore\n"
	"deeper/*.s export-ignore\n"
	"*.q2 -export-ignore\n"
	"*.t1 -text\n";
static const char set1_deeper[] =
	"*.p export-ignore\n";

/* Expected: those files committed (git add, git commit), the tree read
 * into a temporary index (GIT_INDEX_FILE=idx git read-tree HEAD), then
 * `GIT_INDEX_FILE=idx git check-attr --cached --stdin` with the names of
 * attr_names, a folder asked for with a trailing '/': what `git archive
 * HEAD` consults. */
static const struct attr_row set1_rows[] = {
	{ "a.p", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/a.p", false, "unset unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/deeper/a.p", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/x/a.p", false, "unset unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "!neg.txt", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "neg.txt", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "!esc.txt", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "esc.txt", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "ss/f", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a/ss/f", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a/b/ss/c/f", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "ssx/f", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "ss", true, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a/ss", true, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "lead/tail.txt", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "lead/a/b/tail.txt", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "leadx/tail.txt", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "long.txt", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "UP.TXT", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "low.txt", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "file-as-dir", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "dir-slash", true, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "dir-slash/f", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "quoted name.q", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "tab\there.q", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "bad.b", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "crlf.c", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.t1", false, "unspecified unspecified unspecified set unspecified unspecified unspecified unspecified" },
	{ "sub/a.t1", false, "unspecified unspecified unspecified unset unspecified unspecified unspecified unspecified" },
	{ "a.t2", false, "unspecified unspecified unspecified unset unspecified unspecified unspecified unspecified" },
	{ "a.t3", false, "unspecified unspecified unspecified auto unspecified unspecified unspecified unspecified" },
	{ "a.t4", false, "unspecified unspecified unspecified unspecified unspecified crlf unspecified unspecified" },
	{ "a.t5", false, "unspecified unspecified unspecified unspecified input unspecified unspecified unspecified" },
	{ "a.t6", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.t7", false, "unspecified unspecified unspecified unset unspecified unspecified unspecified set" },
	{ "a.t8", false, "unspecified unspecified unspecified set unspecified unspecified unspecified set" },
	{ "a.t9", false, "unspecified unspecified unspecified unspecified unset unspecified unspecified unspecified" },
	{ "a.ta", false, "unspecified unspecified unspecified auto unspecified lf unspecified unspecified" },
	{ "a.id", false, "unspecified unspecified set unspecified unspecified unspecified unspecified unspecified" },
	{ "a.es", false, "unspecified set unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.enc", false, "unspecified unspecified unspecified unspecified unspecified unspecified UTF-16 unspecified" },
	{ "a.mm", false, "unspecified unspecified unspecified set unspecified crlf unspecified unspecified" },
	{ "a.mm2", false, "unspecified unspecified unspecified set unspecified unset unspecified unspecified" },
	{ "a.mu", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.sm", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/a.sm", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.rm", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/a.rm", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/a.rm2", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/a.q2", false, "unset unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/b/a.q2", false, "unset unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "anch.r", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/anch.r", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/x/anch.r", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/deeper/x.s", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/deeper/y/x.s", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.ch", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "later.lm", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "twice.tw", false, "unset unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.un", false, "set unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "x.un", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "a.val", false, "yes unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub", true, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "sub/deeper", true, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "lead", true, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
	{ "lead/a", true, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
};

void test_gitattr__attributes_as_git_check_attr(void)
{
	struct buf root = BUF_INIT;
	struct attr_src f[3];

	buf_puts(&root, set1_root_head);
	buf_puts(&root, "long.txt");
	while (root.len < sizeof(set1_root_head) - 1 + 8 + 2050)
		buf_puts(&root, " ");
	buf_puts(&root, "export-ignore\n");
	buf_puts(&root, set1_root_tail);
	f[0] = (struct attr_src){ "", root.data, root.len };
	f[1] = (struct attr_src){ "sub", set1_sub, sizeof(set1_sub) - 1 };
	f[2] = (struct attr_src){ "sub/deeper", set1_deeper,
				  sizeof(set1_deeper) - 1 };
	check_rows(f, 3, set1_rows, sizeof(set1_rows) / sizeof(set1_rows[0]));
	buf_release(&root);
}

/* The builtin macro `binary` redefined, and a macro defined twice (the
 * last definition wins). Expected: as for set1_rows. */
static const char set2_root[] =
	"[attr]binary export-ignore\n"
	"[attr]twice text\n"
	"[attr]twice eol=crlf\n"
	"*.b binary\n"
	"*.tw twice\n";
static const struct attr_row set2_rows[] = {
	{ "a.b", false, "set unspecified unspecified unspecified unspecified unspecified unspecified set" },
	{ "a.tw", false, "unspecified unspecified unspecified unspecified unspecified crlf unspecified unspecified" },
	{ "c", false, "unspecified unspecified unspecified unspecified unspecified unspecified unspecified unspecified" },
};

void test_gitattr__macros_redefined(void)
{
	struct attr_src f = { "", set2_root, sizeof(set2_root) - 1 };

	check_rows(&f, 1, set2_rows, sizeof(set2_rows) / sizeof(set2_rows[0]));
}

/* The stack the walk keeps: a deeper file outranks the root's while it
 * is pushed, and no longer once popped (the rule of set1_rows' sub/a.p). */
void test_gitattr__push_pop(void)
{
	struct gitattr *a = gitattr_new();

	T_ASSERT(a != NULL);
	if (!a)
		return;
	T_INTEQ(gitattr_depth(a), 0);
	gitattr_eval(a, "a.p", 3, false);
	T_STREQ(gitattr_value(a, "export-ignore"), "unspecified");
	T_ASSERT(gitattr_value(a, "no-such-attribute") == NULL);
	T_INTEQ(gitattr_push(a, "", "*.p export-ignore\n", 18), 0);
	T_INTEQ(gitattr_push(a, "sub", "*.p -export-ignore\n", 19), 0);
	T_INTEQ(gitattr_depth(a), 2);
	gitattr_eval(a, "sub/a.p", 7, false);
	T_STREQ(gitattr_value(a, "export-ignore"), "unset");
	T_ASSERT(!gitattr_export_ignore(a));
	gitattr_pop(a);
	T_INTEQ(gitattr_depth(a), 1);
	gitattr_eval(a, "sub/a.p", 7, false);
	T_ASSERT(gitattr_export_ignore(a));
	gitattr_pop(a);
	gitattr_pop(a);
	T_INTEQ(gitattr_depth(a), 0);
	gitattr_free(a);
	gitattr_free(NULL);
}

/*
 * Content: the files of vectors/nar/mktree.sh's eol case, as stored and
 * as `git archive` wrote them (mktree.sh build eol DIR; mktree.sh commit
 * DIR; git archive --format=tar HEAD).
 */
static const char eol_attrs[] =
	"*.bat text eol=crlf\n*.crlf eol=crlf\nauto.* text=auto eol=crlf\n*.lf eol=lf\n*.bin binary\nbin.crlf -text\ntextonly.txt text\nauto-only.txt text=auto\ncrlfattr.txt crlf\nsubst.txt export-subst\nident.txt ident\n";
static const struct {
	const char *path, *stored;
	size_t stored_len;
	const char *archived;
	size_t archived_len;
} eol_rows[] = {
	{ "auto-only.txt", "a\nb\n", 4, "a\nb\n", 4 },
	{ "auto.bin", "\000\001\002\nabc\n", 8, "\000\001\002\nabc\n", 8 },
	{ "auto.eof", "a\nb\n\032", 5, "a\r\nb\r\n\032", 7 },
	{ "auto.mixed", "a\r\nb\n", 5, "a\r\nb\n", 5 },
	{ "auto.txt", "x\ny\n", 4, "x\r\ny\r\n", 6 },
	{ "bin.crlf", "a\nb\n", 4, "a\nb\n", 4 },
	{ "crlfattr.txt", "a\nb\n", 4, "a\nb\n", 4 },
	{ "empty.bat", "", 0, "", 0 },
	{ "ident.txt", "no keyword here\n", 16, "no keyword here\n", 16 },
	{ "lonecr.crlf", "a\rb\nc", 5, "a\rb\r\nc", 6 },
	{ "mixed.crlf", "a\r\nb\nc\r\n", 8, "a\r\nb\r\nc\r\n", 9 },
	{ "run.bat", "line1\nline2\n", 12, "line1\r\nline2\r\n", 14 },
	{ "subst.txt", "no format here\n", 15, "no format here\n", 15 },
	{ "textonly.txt", "a\nb\n", 4, "a\nb\n", 4 },
	{ "x.bin", "a\nb\n", 4, "a\nb\n", 4 },
	{ "x.lf", "a\r\nb\n", 5, "a\r\nb\n", 5 },
};

void test_gitattr__content_as_git_archive(void)
{
	struct gitattr *a = gitattr_new();
	size_t i;

	T_ASSERT(a != NULL);
	if (!a)
		return;
	T_INTEQ(gitattr_push(a, "", eol_attrs, sizeof(eol_attrs) - 1), 0);
	for (i = 0; i < sizeof(eol_rows) / sizeof(eol_rows[0]); i++) {
		struct xerr err = XERR_INIT;
		const void *out = NULL;
		size_t n = 0;
		char *conv = NULL;

		gitattr_eval(a, eol_rows[i].path, strlen(eol_rows[i].path), false);
		T_INTEQ(gitattr_archive_content(a, eol_rows[i].path,
						eol_rows[i].stored,
						eol_rows[i].stored_len, &out, &n,
						&conv, &err), 0);
		if (n != eol_rows[i].archived_len ||
		    (n && memcmp(out, eol_rows[i].archived, n))) {
			char m[256];

			snprintf(m, sizeof(m), "'%s': not the bytes git archive wrote",
				 eol_rows[i].path);
			unit_fail(__FILE__, __LINE__, m);
		}
		/* unchanged bytes are not copied */
		T_ASSERT((conv != NULL) == (eol_rows[i].stored_len !=
					    eol_rows[i].archived_len));
		free(conv);
	}
	gitattr_free(a);
}

/*
 * What xpin does not reproduce is refused, and only that. Expected: git
 * archive of these blobs (stored with `git hash-object -w --no-filters`
 * under these attributes) rewrote exactly the ones marked refused: $Id$
 * and $Id: old $ became $Id: <blob id> $, $Format:%H$ the commit id, and
 * working-tree-encoding=UTF-16 gave UTF-16 bytes.
 */
void test_gitattr__content_refusals(void)
{
	static const char attrs[] =
		"*.id ident\n*.es export-subst\n*.enc working-tree-encoding=UTF-16\n"
		"*.u8 working-tree-encoding=utf-8\n*.U8 working-tree-encoding=UTF8\n";
	static const struct {
		const char *path, *data;
		bool refused;
	} rows[] = {
		{ "id1.id", "a $Id$ b\n", true },
		{ "id2.id", "a $Id: old $ b\n", true },
		{ "id3.id", "a $Idx$ b\n", false },
		{ "id4.id", "$Id\n", false },
		{ "s1.es", "v $Format:%H$\n", true },
		{ "s2.es", "v $Format:%H\n", false },
		{ "s3.es", "$Format$\n", false },
		{ "e1.enc", "x\n", true },
		{ "e2.u8", "x\n", false },
		{ "e3.U8", "x\n", false },
	};
	struct gitattr *a = gitattr_new();
	size_t i;

	T_ASSERT(a != NULL);
	if (!a)
		return;
	T_INTEQ(gitattr_push(a, "", attrs, sizeof(attrs) - 1), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct xerr err = XERR_INIT;
		const void *out = NULL;
		size_t n = 0, len = strlen(rows[i].data);
		char *conv = NULL;
		int rc;

		gitattr_eval(a, rows[i].path, strlen(rows[i].path), false);
		rc = gitattr_archive_content(a, rows[i].path, rows[i].data, len,
					     &out, &n, &conv, &err);
		if (rows[i].refused) {
			T_INTEQ(rc, -1);
			T_INTEQ(err.code, XPIN_USAGE);
			T_ASSERT(strstr(err.msg, rows[i].path) != NULL);
			T_ASSERT(!strchr(err.msg, '\n'));
		} else {
			T_INTEQ(rc, 0);
			T_ASSERT(out == rows[i].data && n == len && !conv);
		}
		free(conv);
	}
	gitattr_free(a);
}
