/* clirelease: the printer of lock's, verify's and audit's verdicts. */
#include "clirelease.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clikeys.h"
#include "evalcache.h"
#include "gitrepo.h"
#include "hash.h"

/* Where each build ran, when not all of them ran here: a substituted
 * output is another machine's build, and so is one on another store. */
static void print_builds(const struct manifest_target *rec)
{
	bool elsewhere = false;
	size_t i;

	for (i = 0; i < rec->nbuilds; i++)
		elsewhere |= rec->builds[i].substituted ||
			     strcmp(rec->builds[i].store, "local");
	for (i = 0; elsewhere && i < rec->nbuilds; i++) {
		const struct manifest_build *b = &rec->builds[i];

		printf("  build %zu: ", i + 1);
		if (b->substituted) {
			fputs("substituted from ", stdout);
			cli_put_safe(b->substituted);
			fputs(", not built here", stdout);
		} else if (!strcmp(b->store, "local")) {
			fputs("built here", stdout);
		} else {
			printf("built on %s", b->store);
			if (b->nix) {
				fputs(" (Nix ", stdout);
				cli_put_safe(b->nix);
				fputs(")", stdout);
			}
		}
		if (i)
			fputs(b->agrees ? ": the same bytes as build 1"
					: ": NOT the bytes of build 1", stdout);
		putchar('\n');
	}
	if (elsewhere && rec->nbuilds > 1)
		printf("  these builds ran on more than one machine\n");
}

/* A lock's line for a target that built, with its reasons. */
static void print_locked(const struct gopts *g, const struct release_target *t)
{
	const struct build_result *r = &t->res;
	const struct manifest_target *rec = &r->rec;
	size_t i, k, nart = rec->artifacts.n;
	bool ok = t->verdict == XPIN_OK;
	const char *line, *nl;

	if (g->quiet && ok)
		return;
	printf("%s%s%s %s: %s, %zu artifact%s, policy %s\n",
	       cli_c(g, ok ? "green" : "red"), ok ? "ok" : "FAIL", cli_c(g, "reset"),
	       t->target->name, rec->reproducible ? "reproducible" : "NOT reproducible",
	       nart, nart == 1 ? "" : "s", rec->nwarn ? "broken" : "ok");
	print_builds(rec);
	for (i = 0; i < t->differs.n; i++)
		printf("  differs: %s\n", t->differs.v[i]);
	if (!rec->reproducible && !t->differs.n)
		printf("  Nix reports a difference that no artifact's sha256 shows\n");
	for (line = r->why.len ? r->why.data : ""; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		printf("    %.*s\n", (int)(nl - line), line);
	}
	for (i = 0; i < nart; i++) {
		const struct manifest_artifact *a = &rec->artifacts.v[i];

		for (k = 0; k < a->nwarnings; k++)
			printf("  %s: %s: %s\n", a->name, a->warnings[k].code,
			       a->warnings[k].message);
	}
}

/* A check's lines for a target that built. */
static void print_checked(const struct gopts *g, const struct release_target *t,
			  const char *label)
{
	const struct build_result *r = &t->res;
	const char *sep = label ? ": " : "";
	size_t k, nwarn = r->rec.nwarn;

	if (!label)
		label = "";
	for (k = 0; k < t->differs.n; k++)
		fprintf(stderr, "xpin: %s%starget '%s': artifact '%s' differs from xpin.lock\n",
			label, sep, t->target->name, t->differs.v[k]);
	if (t->changed[0])
		fprintf(stderr, "xpin: %s%starget '%s': another derivation: %s\n",
			label, sep, t->target->name, t->changed);
	if (r->why.len)
		fprintf(stderr, "%s", r->why.data);
	if (nwarn)
		fprintf(stderr, "xpin: %s%starget '%s': %zu policy warning%s (see 'xpin elf')\n",
			label, sep, t->target->name, nwarn, nwarn == 1 ? "" : "s");
	if (t->verdict == XPIN_OK && !g->quiet && !*label)
		printf("target %s: ok (%zu artifacts match)\n", t->target->name,
		       t->prev->artifacts.n);
	if (!g->quiet && !*label)
		print_builds(&r->rec);
}

void clirelease_print(const struct gopts *g, const struct release *r,
		      enum release_mode mode, const char *label)
{
	bool failed = false;
	size_t i;

	for (i = 0; i < r->n; i++)
		failed |= r->t[i].res.failed != 0;
	for (i = 0; i < r->n; i++) {
		const struct release_target *t = &r->t[i];

		if (t->res.failed) {
			if (!g->json || mode == RELEASE_LOCK)
				cli_error(g, &t->res.err);
		} else if (g->json || (mode == RELEASE_LOCK && failed)) {
			continue;
		} else if (mode == RELEASE_LOCK) {
			print_locked(g, t);
		} else {
			print_checked(g, t, label);
		}
	}
	if (r->logs.len)
		fprintf(stderr, "xpin: build logs are in %s\n", r->logs.data);
}

/* xpin.lock, read once, its signature checked over what was read. The
 * signature first: nothing in an unsigned file is worth reading. */
int clirelease_load_signed(struct manifest *m, json_t *rep,
			   const char *pubfile, const char *b64,
			   struct buf *text_out, struct sign_pub *pub_out,
			   struct xerr *err)
{
	struct sign_pub pub;
	struct sign_sig sig;
	struct buf text = BUF_INIT, sigtext = BUF_INIT;
	int ret = -1;

	if (access("xpin.lock", F_OK) < 0) {
		xerr_set(err, XPIN_USAGE, "no xpin.lock here; make one with 'xpin lock'");
		goto out;
	}
	if (clikeys_public(&pub, pubfile, b64, err) < 0)
		goto out;
	/* A lock stopped between its two renames left xpin.lock new and its
	 * signature beside xpin.lock.minisig (the next lock finishes). */
	if (util_read_file(&sigtext, util_pair_half("xpin.lock", "xpin.lock.minisig")
					     ? "xpin.lock.minisig.xpin-new"
					     : "xpin.lock.minisig",
			   1u << 20, err) < 0) {
		err->code = XPIN_SIGNATURE;
		goto out;
	}
	if (util_read_file(&text, "xpin.lock", 64u << 20, err) < 0)
		goto out;
	ret = release_signed_manifest(m, &sig, buf_cstr(&text), text.len,
				      buf_cstr(&sigtext), sigtext.len, &pub, err);
	if (ret == 0 && rep)
		json_object_set_new(rep, "signature", json_pack(
			"{s:b, s:s}", "ok", 1, "trusted_comment", sig.trusted));
	if (ret == 0 && text_out) {
		*text_out = text;
		text = (struct buf)BUF_INIT;
	}
	if (ret == 0 && pub_out)
		*pub_out = pub;
out:
	buf_release(&text);
	buf_release(&sigtext);
	return ret;
}

/* The variables Nix reads for its configuration and its store, and those
 * that make git, which Nix runs on the flake, read another repository or
 * configuration. */
static const char *const nix_env[] = {
	"NIX_CONFIG", "NIX_CONF_DIR", "NIX_USER_CONF_FILES", "XDG_CONFIG_HOME",
	"XDG_CONFIG_DIRS", "HOME", "NIX_STORE_DIR", "NIX_STORE",
	"NIX_STATE_DIR", "NIX_LOG_DIR", "NIX_DATA_DIR", "NIX_REMOTE",
	"NIX_DAEMON_SOCKET_PATH", "NIX_PATH", "GIT_DIR", "GIT_WORK_TREE",
	"GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG_GLOBAL",
	"GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_PARAMETERS",
	"GIT_CONFIG_COUNT", NULL
};

/* The first executable file named nix in path's folders, as execvp
 * finds it (an empty entry is the current folder). */
static int find_nix(struct buf *out, const char *path)
{
	const char *p = path, *end;
	struct stat st;

	for (;; p = end + 1) {
		size_t n;

		end = strchr(p, ':');
		n = end ? (size_t)(end - p) : strlen(p);
		out->len = 0;
		if (n)
			buf_printf(out, "%.*s/nix", (int)n, p);
		else
			buf_puts(out, "./nix");
		if (access(buf_cstr(out), X_OK) == 0 &&
		    stat(buf_cstr(out), &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		if (!end)
			return -1;
	}
}

/* A configuration file: its bytes' sha256, or that it is missing. */
static int id_conf(struct buf *id, const char *path)
{
	struct xerr ignored = XERR_INIT;
	unsigned char d[32];
	char hex[65];

	if (evalcache_field(id, "conf", path) < 0)
		return -1;
	if (access(path, F_OK) < 0 && (errno == ENOENT || errno == ENOTDIR))
		return evalcache_field(id, "missing", "");
	if (hash_sha256_file(d, path, &ignored) < 0)
		return -1;
	hash_hex(hex, d, 32);
	return evalcache_field(id, "sha256", hex);
}

/* Each file of the colon-separated list (empty entries skipped, as Nix
 * does), with suffix after each. */
static int id_conf_list(struct buf *id, const char *list, const char *suffix)
{
	struct buf path = BUF_INIT;
	const char *p, *end;
	int ret = 0;

	for (p = list; ret == 0 && *p; p = end + (*end != '\0')) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (end == p)
			continue;
		path.len = 0;
		ret = buf_printf(&path, "%.*s%s", (int)(end - p), p, suffix) < 0
			      ? -1 : id_conf(id, path.data);
	}
	buf_release(&path);
	return ret;
}

/* The nix.conf files Nix reads, in its order: $NIX_CONF_DIR's, then
 * $NIX_USER_CONF_FILES, else the user's and each XDG_CONFIG_DIRS one. */
static int id_confs(struct buf *id)
{
	const char *dir = getenv("NIX_CONF_DIR"), *user = getenv("NIX_USER_CONF_FILES"),
		   *xdg = getenv("XDG_CONFIG_HOME"), *dirs = getenv("XDG_CONFIG_DIRS"),
		   *home = getenv("HOME");
	struct buf path = BUF_INIT;
	struct stat st;
	int ret = -1;

	if (buf_printf(&path, "%s/nix.conf", dir ? dir : "/etc/nix") < 0 ||
	    id_conf(id, path.data) < 0)
		goto out;
	if (user) {
		ret = id_conf_list(id, user, "");
		goto out;
	}
	path.len = 0;
	if (xdg) {
		if (buf_printf(&path, "%s/nix/nix.conf", xdg) < 0)
			goto out;
	} else {
		/* Nix takes a $HOME that is missing or not the user's own
		 * from the password database instead: not told here. */
		if (!home || stat(home, &st) < 0 || st.st_uid != geteuid() ||
		    buf_printf(&path, "%s/.config/nix/nix.conf", home) < 0)
			goto out;
	}
	if (id_conf(id, path.data) < 0)
		goto out;
	ret = id_conf_list(id, dirs ? dirs : "/etc/xdg", "/nix/nix.conf");
out:
	buf_release(&path);
	return ret;
}

int clirelease_eval_cache(struct buf *dir, struct buf *nix_id)
{
	const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME"),
		   *path = getenv("PATH");
	struct buf nix = BUF_INIT;
	char *real = NULL, st_text[160];
	struct stat st;
	bool ok = false;
	size_t i;
	int ret = -1;

	dir->len = nix_id->len = 0;
	/* XDG: a relative $XDG_CACHE_HOME is to be ignored. */
	if (cache && cache[0] == '/')
		ok = buf_puts(dir, cache) == 0;
	else if (home && home[0] == '/')
		ok = buf_printf(dir, "%s/.cache", home) == 0;
	if (!ok)
		goto out;
	if (!path || find_nix(&nix, path) < 0 ||
	    !(real = realpath(nix.data, NULL)) || stat(real, &st) < 0)
		goto out;
	snprintf(st_text, sizeof(st_text), "%llu %llu %llu %o %lld.%09ld",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (unsigned long long)st.st_size, (unsigned)st.st_mode,
		 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	if (buf_puts(nix_id, "xpin nix identity 1\n") < 0 ||
	    evalcache_field(nix_id, "nix", nix.data) < 0 ||
	    evalcache_field(nix_id, "realpath", real) < 0 ||
	    evalcache_field(nix_id, "stat", st_text) < 0)
		goto out;
	for (i = 0; nix_env[i]; i++) {
		const char *v = getenv(nix_env[i]);

		if ((v ? evalcache_field(nix_id, nix_env[i], v)
		       : evalcache_field(nix_id, "unset", nix_env[i])) < 0)
			goto out;
	}
	if (id_confs(nix_id) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0) {
		buf_release(dir);
		buf_release(nix_id);
	}
	free(real);
	buf_release(&nix);
	return ret;
}

static void *git_warm(void *arg)
{
	struct clirelease_git *g = arg;
	struct xerr ignored = XERR_INIT;

	gitrepo_free(gitrepo_open(g->dir, &ignored));
	return NULL;
}

void clirelease_git_start(struct clirelease_git *g, const char *dir)
{
	g->dir = dir;
	g->started = pthread_create(&g->th, NULL, git_warm, g) == 0;
}

void clirelease_git_join(struct clirelease_git *g)
{
	if (g->started)
		pthread_join(g->th, NULL);
	g->started = false;
}
