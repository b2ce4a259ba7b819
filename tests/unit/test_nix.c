/*
 * nix: the one place xpin starts Nix, run against the real nix (offline,
 * a configuration and folders of the test's own). What Nix is asked to
 * throw is what its reason must be; a log that already holds an error
 * line gives the reason of the new run only; no nix on PATH is "cannot
 * run" (XPIN_BUILD), a failed evaluation XPIN_USAGE.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "nix.h"
#include "unit.h"

static char home[512];
static char *saved_path;

static void setup(void)
{
	struct buf b = BUF_INIT;
	struct xerr err = XERR_INIT;
	char sub[600];

	T_ASSERT(util_mkdtemp(&b, "xpin-unit-nix", &err) == 0);
	snprintf(home, sizeof(home), "%s", buf_cstr(&b));
	buf_release(&b);
	setenv("NIX_CONFIG",
	       "experimental-features = nix-command flakes\nsandbox = false\n"
	       "substituters =\nbuild-users-group =\n", 1);
	setenv("HOME", home, 1);
	snprintf(sub, sizeof(sub), "%s/cache", home);
	setenv("XDG_CACHE_HOME", sub, 1);
	snprintf(sub, sizeof(sub), "%s/config", home);
	setenv("XDG_CONFIG_HOME", sub, 1);
	saved_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
}

static void teardown(void)
{
	if (saved_path)
		setenv("PATH", saved_path, 1);
	free(saved_path);
	util_rmtree(home);
}

void test_nix__run_json(void)
{
	const char *args[] = { "eval", "--json", "--expr",
			       "{ a = 1; b = [ \"x\" ]; }", NULL };
	struct nix_cmd c = { args, "nix eval", NULL, -1, 60, 0, "" };
	struct xerr err = XERR_INIT;
	json_t *doc;

	setup();
	doc = nix_run_json(&c, &err);
	T_ASSERT(doc != NULL);
	T_INTEQ(c.status, 0);
	T_INTEQ(json_integer_value(json_object_get(doc, "a")), 1);
	T_STREQ(json_string_value(json_array_get(json_object_get(doc, "b"), 0)),
		"x");
	json_decref(doc);
	teardown();
}

void test_nix__failure_reason(void)
{
	const char *args[] = { "eval", "--expr",
			       "builtins.throw \"xpin-unit-boom\"", NULL };
	struct nix_cmd c = { args, "nix eval", NULL, -1, 60, 0, "" };
	struct xerr err = XERR_INIT;

	setup();
	T_INTEQ(nix_run(&c, &err), -1);
	T_ASSERT(c.status != 0);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(c.reason, "xpin-unit-boom") != NULL);
	T_ASSERT(strstr(err.msg, "nix eval failed: ") == err.msg);
	teardown();
}

/* A log that already holds a line like git's: the reason is the new
 * run's, and the log keeps both. */
void test_nix__reason_from_log(void)
{
	const char *args[] = { "eval", "--expr",
			       "builtins.throw \"second\"", NULL };
	struct nix_cmd c = { args, "nix eval", NULL, -1, 60, 0, "" };
	struct xerr err = XERR_INIT;
	struct buf log = BUF_INIT, text = BUF_INIT;
	int fd;

	setup();
	buf_printf(&log, "%s/log", home);
	fd = open(buf_cstr(&log), O_RDWR | O_CREAT | O_TRUNC, 0644);
	T_ASSERT(fd >= 0);
	T_ASSERT(write(fd, "fatal: first\n", 13) == 13);
	c.log_fd = fd;
	T_INTEQ(nix_run(&c, &err), -1);
	close(fd);
	T_ASSERT(strstr(c.reason, "second") != NULL);
	T_ASSERT(strstr(c.reason, "first") == NULL);
	T_INTEQ(util_read_file(&text, buf_cstr(&log), 1 << 20, &err), 0);
	T_ASSERT(strncmp(buf_cstr(&text), "fatal: first\n", 13) == 0);
	T_ASSERT(strstr(buf_cstr(&text), "second") != NULL);
	buf_release(&log);
	buf_release(&text);
	teardown();
}

void test_nix__not_installed(void)
{
	const char *args[] = { "--version", NULL };
	struct nix_cmd c = { args, "nix --version", NULL, -1, 60, 0, "" };
	struct xerr err = XERR_INIT;

	setup();
	setenv("PATH", home, 1);
	T_INTEQ(nix_run(&c, &err), -1);
	T_INTEQ(c.status, 127);
	T_INTEQ(err.code, XPIN_BUILD);
	T_ASSERT(strstr(err.msg, "cannot run 'nix'") == err.msg);
	teardown();
}

/* A builder that fails: the reason ends with its last log line, as Nix
 * prints it after the error, or before it under -L ("NAME> line"). */
void test_nix__builder_last_line(void)
{
	const char *expr = "derivation { name = \"xpin-unit-fails\"; system = \"x86_64-linux\"; "
			   "builder = \"/bin/sh\"; args = [ \"-c\" \"echo first >&2; "
			   "echo xpin-unit-last-line-$RANDOM$RANDOM >&2; exit 3\" ]; }";
	const char *plain[] = { "build", "--no-link", "--impure", "--expr", expr, NULL };
	const char *logs[] = { "build", "--no-link", "-L", "--impure", "--expr", expr, NULL };
	const char *const *args[] = { plain, logs };
	size_t i;

	setup();
	for (i = 0; i < 2; i++) {
		struct nix_cmd c = { args[i], "nix build", NULL, -1, 60, 0, "" };
		struct xerr err = XERR_INIT;

		T_INTEQ(nix_run(&c, &err), -1);
		T_ASSERT(strstr(c.reason, "builder for '/nix/store/") == c.reason);
		T_ASSERT(strstr(c.reason, "last log line: xpin-unit-last-line-") != NULL);
		T_ASSERT(strstr(c.reason, "first") == NULL);
	}
	teardown();
}
