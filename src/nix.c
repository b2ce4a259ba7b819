/* nix: the Nix program's version, its rules, its runs, its error line. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jtext.h"

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
	const char *args[] = { "--version", NULL };
	struct nix_cmd c = { args, "'nix --version'", out, -1, 60, 0, "" };

	if (nix_run(&c, err) < 0) {
		if (err->code != XPIN_BUILD)
			xerr_set(err, XPIN_BUILD,
				 "'nix --version' failed (exit %d); is Nix installed?",
				 c.status);
		return -1;
	}
	if (!out->len)
		return xerr_set(err, XPIN_BUILD,
				"'nix --version' printed nothing; is Nix installed?");
	while (out->len && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
	return 0;
}

static bool at_least(const struct nix_version *v, unsigned major,
		     unsigned minor)
{
	return v->major > major || (v->major == major && v->minor >= minor);
}

void nix_rules_for(struct nix_rules *out, const struct nix_version *v)
{
	out->version = *v;
	/* 2.20 moved the git fetcher from `git archive` to libgit2. */
	out->git_archive = v->major < 2 || (v->major == 2 && v->minor < 20);
	/* How locked URLs print: measured with Nix 2.8 (Debian 12); 2.26
	 * (Debian 13) as its sources say and t0121 compares. No release
	 * between was measured; each change is put at the release Nix's
	 * own tracker first shows it in: the strict encoding at 2.17
	 * (current when NixOS/nix#8993 showed it), the forge narHash at
	 * 2.20 (#10249), the forge host at 2.27 (#12580, backported there).
	 * submodules=1, which 2.8's toURL lacks, is taken to have come with
	 * 2.20's rewrite of the git fetcher. */
	out->url_rfc3986 = at_least(v, 2, 17);
	out->url_forge_nar_hash = at_least(v, 2, 20);
	out->url_git_submodules = at_least(v, 2, 20);
	out->url_forge_host = at_least(v, 2, 27);
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

/* The last line the builder named in error ("builder for
 * '/nix/store/HASH-NAME.drv' failed ...") printed under -L, which Nix
 * shows as "NAME> line", into last. */
static void builder_line(char *last, size_t n, FILE *f, const char *error)
{
	const char *p = strstr(error, "/nix/store/"), *dash, *end;
	char line[1024], prefix[256];

	if (!p || !(end = strstr(p, ".drv'")) ||
	    !(dash = memchr(p + 11, '-', (size_t)(end - p - 11))))
		return;
	snprintf(prefix, sizeof(prefix), "%.*s>", (int)(end - dash - 1), dash + 1);
	while (fgets(line, sizeof(line), f)) {
		const char *s = clean_line(line), *t = after(s, prefix);

		if (t)
			snprintf(last, n, "%.250s", t);
	}
}

void nix_reason(char *out, size_t n, FILE *f)
{
	char line[1024], error[512] = "", fatal[512] = "", last[256] = "";
	bool builder = false;
	off_t start;

	out[0] = '\0';
	if (!f)
		return;
	start = ftello(f);
	while (fgets(line, sizeof(line), f)) {
		const char *s = clean_line(line), *t;

		if ((t = after(s, "error:")) || (t = after(s, "xpin:"))) {
			snprintf(error, sizeof(error), "%.500s", t);
			builder = !strncmp(t, "builder for ", 12);
			last[0] = '\0';
		} else if (!fatal[0] && (t = after(s, "fatal:"))) {
			snprintf(fatal, sizeof(fatal), "%.500s", t);
		} else if (builder && (t = after(s, ">"))) {
			/* A failed builder's last log lines follow, each
			 * behind "> "; the last one is why it stopped. */
			snprintf(last, sizeof(last), "%.250s", t);
		}
	}
	/* With -L the builder's lines came before, as "NAME> line". */
	if (builder && !last[0] && start >= 0 && fseeko(f, start, SEEK_SET) == 0)
		builder_line(last, sizeof(last), f, error);
	if (last[0]) {
		size_t len = strlen(error);

		snprintf(error + len, sizeof(error) - len, " last log line: %.200s",
			 last);
	}
	if (error[0] && fatal[0] && !strstr(error, fatal))
		snprintf(out, n, "%s (git: %s)", error, fatal);
	else
		snprintf(out, n, "%s", error[0] ? error : fatal);
}

/* Where the reason will be read from: the log when it is a regular file
 * (from its offset now), else a temporary file that becomes the log. */
static FILE *reason_file(int *log_fd, off_t *from)
{
	struct stat st;
	FILE *f;
	int fd;

	*from = 0;
	if (*log_fd < 0) {
		f = tmpfile();
		if (f)
			*log_fd = fileno(f);
		return f;
	}
	if (fstat(*log_fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	*from = lseek(*log_fd, 0, SEEK_CUR);
	fd = fcntl(*log_fd, F_DUPFD_CLOEXEC, 0);
	if (*from < 0 || fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return f;
}

int nix_run(struct nix_cmd *c, struct xerr *err)
{
	const char **argv;
	struct util_proc p = { NULL, NULL, NULL, c->log_fd, c->out, c->timeout,
			       -1 };
	FILE *log = NULL;
	off_t from;
	size_t i, n;
	int ret = -1;

	for (n = 0; c->args[n]; n++)
		;
	if (!(argv = calloc(n + 4, sizeof(*argv))))
		return xerr_set(err, XPIN_USAGE, "out of memory");
	argv[0] = "nix";
	argv[1] = "--extra-experimental-features";
	argv[2] = "nix-command flakes";
	for (i = 0; i < n; i++)
		argv[3 + i] = c->args[i];
	p.argv = argv;
	c->status = 0;
	c->reason[0] = '\0';
	log = reason_file(&p.log_fd, &from);
	if (c->out)
		c->out->len = 0;
	if (util_spawn(&c->status, &p, err) < 0)
		goto out;
	if (c->status == 0) {
		ret = 0;
		goto out;
	}
	if (log && fseeko(log, from, SEEK_SET) == 0)
		nix_reason(c->reason, sizeof(c->reason), log);
	/* 127 and the child's own line: nix could not be started. */
	if (c->status == 127 && !strncmp(c->reason, "cannot run", 10))
		xerr_set(err, XPIN_BUILD, "%s; is Nix installed and on PATH?",
			 c->reason);
	else if (c->status == 127 && !c->reason[0])
		xerr_set(err, XPIN_BUILD,
			 "cannot run 'nix' (exit 127); is Nix installed and on PATH?");
	else if (c->reason[0])
		xerr_set(err, XPIN_USAGE, "%s failed: %s", c->what, c->reason);
	else
		xerr_set(err, XPIN_USAGE, "%s failed (exit %d)", c->what,
			 c->status);
out:
	if (log)
		fclose(log);
	free(argv);
	return ret;
}

json_t *nix_run_json(struct nix_cmd *c, struct xerr *err)
{
	struct xerr jerr = XERR_INIT;
	struct buf own = BUF_INIT;
	json_t *doc = NULL;

	if (!c->out)
		c->out = &own;
	if (nix_run(c, err) == 0) {
		doc = jtext_load(c->out->data ? c->out->data : "", c->out->len,
				 c->what, &jerr);
		if (!doc)
			xerr_set(err, XPIN_USAGE, "%s printed no JSON", c->what);
	}
	if (c->out == &own)
		c->out = NULL;
	buf_release(&own);
	return doc;
}
