/* Runs every test_<module>__<case> the Makefile listed; one TAP-like line
 * each, so tests/run.sh can count them. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "unit.h"

#define T(name) void name(void);
#include "list.h"
#undef T

int unit_failed;

void unit_fail(const char *file, int line, const char *what)
{
	unit_failed++;
	printf("#   %s:%d: %s\n", file, line, what);
}

int unit_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int n = snprintf(cmd, sizeof(cmd), "%s", UNIT_GITENV);

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	return system(cmd);
}

static const struct { const char *name; void (*fn)(void); } tests[] = {
#define T(name) { #name, name },
#include "list.h"
#undef T
	{ NULL, NULL }
};

int main(int argc, char **argv)
{
	int i, failed = 0;

	if (hash_init() < 0)
		return 2;
	for (i = 0; tests[i].name; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		unit_failed = 0;
		tests[i].fn();
		printf("%s - unit %s\n", unit_failed ? "not ok" : "ok",
		       tests[i].name);
		failed += unit_failed != 0;
	}
	return failed ? 1 : 0;
}
