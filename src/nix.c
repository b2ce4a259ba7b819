/* nix: the Nix program's version, its rules, its error line. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nix.h"

int nix_version_parse(struct nix_version *out, const char *s,
		      struct xerr *err)
{
	const char *p;

	memset(out, 0, sizeof(*out));
	for (p = s; *p; p++) {
		char *e;
		unsigned long a, b, c = 0;

		if (!isdigit((unsigned char)*p) ||
		    (p > s && (isdigit((unsigned char)p[-1]) || p[-1] == '.')))
			continue;
		a = strtoul(p, &e, 10);
		if (*e != '.' || !isdigit((unsigned char)e[1]))
			continue;
		b = strtoul(e + 1, &e, 10);
		if (*e == '.' && isdigit((unsigned char)e[1]))
			c = strtoul(e + 1, &e, 10);
		if (a > 1000 || b > 1000 || c > 1000)
			continue;
		out->major = (unsigned)a;
		out->minor = (unsigned)b;
		out->patch = (unsigned)c;
		return 0;
	}
	return xerr_set(err, XPIN_USAGE,
			"'%.100s' is not a Nix version (MAJOR.MINOR, such as 2.26)", s);
}

void nix_version_format(char out[32], const struct nix_version *v)
{
	snprintf(out, 32, "%u.%u.%u", v->major % 10000, v->minor % 10000,
		 v->patch % 10000);
}

int nix_version_text(struct buf *out, struct xerr *err)
{
	const char *argv[] = { "nix", "--version", NULL };
	struct util_proc p = { argv, NULL, NULL, -1, out, 60, -1 };
	int status = 0;

	out->len = 0;
	if (util_spawn(&status, &p, err) < 0)
		return -1;
	if (status != 0 || !out->len)
		return xerr_set(err, XPIN_BUILD,
				"'nix --version' failed (exit %d); is Nix installed?",
				status);
	while (out->len && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
	return 0;
}

void nix_rules_for(struct nix_rules *out, const struct nix_version *v)
{
	out->version = *v;
	/* 2.20 moved the git fetcher from `git archive` to libgit2. */
	out->git_archive = v->major < 2 || (v->major == 2 && v->minor < 20);
}

/* line without colour (CSI sequences) and control characters, trimmed. */
static char *clean_line(char *line)
{
	char *s = line, *w = line, *e;

	for (; *s; s++) {
		if (*s == '\033') {
			if (s[1] == '[')
				for (s += 2; *s && (*s < '@' || *s > '~'); s++)
					;
			if (!*s)
				break;
			continue;
		}
		if ((unsigned char)*s >= ' ' || *s == '\t')
			*w++ = *s;
	}
	*w = '\0';
	for (s = line; *s == ' ' || *s == '\t'; s++)
		;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* The text after prefix at s, NULL when s does not start with it or
 * nothing follows. */
static const char *after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return NULL;
	for (s += n; *s == ' ' || *s == '\t'; s++)
		;
	return *s ? s : NULL;
}

void nix_reason(char *out, size_t n, FILE *f)
{
	char line[1024], error[512] = "", fatal[512] = "";

	out[0] = '\0';
	if (!f)
		return;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		const char *s = clean_line(line), *t;

		if ((t = after(s, "error:")) || (t = after(s, "xpin:")))
			snprintf(error, sizeof(error), "%.500s", t);
		else if (!fatal[0] && (t = after(s, "fatal:")))
			snprintf(fatal, sizeof(fatal), "%.500s", t);
	}
	if (error[0] && fatal[0] && !strstr(error, fatal))
		snprintf(out, n, "%s (git: %s)", error, fatal);
	else
		snprintf(out, n, "%s", error[0] ? error : fatal);
}
