/* A small unit-test frame: test_<module>__<case>(void) functions, found by
 * the Makefile, run by tests/unit/main.c. Assertions record and go on. */
#ifndef XPIN_UNIT_H
#define XPIN_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_failed;
void unit_fail(const char *file, int line, const char *what);

/* git with neither the user's nor the system's configuration */
#define UNIT_GITENV "GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 "
/* system() of the formatted command, run with UNIT_GITENV */
int unit_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define T_ASSERT(c) \
	do { if (!(c)) unit_fail(__FILE__, __LINE__, #c); } while (0)
#define T_STREQ(a, b) \
	do { const char *a_ = (a), *b_ = (b); \
	     if (!a_ || !b_ || strcmp(a_, b_)) { \
		char m_[2600]; snprintf(m_, sizeof(m_), "'%s' != '%s'", \
			a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
		unit_fail(__FILE__, __LINE__, m_); } } while (0)
#define T_INTEQ(a, b) \
	do { long long a_ = (long long)(a), b_ = (long long)(b); \
	     if (a_ != b_) { char m_[128]; \
		snprintf(m_, sizeof(m_), "%lld != %lld", a_, b_); \
		unit_fail(__FILE__, __LINE__, m_); } } while (0)

#endif
