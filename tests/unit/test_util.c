/* util: the sorted folder listing nar, diff and manifest share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

static void touch(const char *dir, const char *name)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	T_ASSERT(f != NULL);
	if (f)
		fclose(f);
}

/* Bytewise order (an upper-case letter before a lower-case one, a byte
 * over 0x7f last), without "." and "..". */
void test_util__list_dir_sorted_bytewise(void)
{
	struct buf d = BUF_INIT;
	struct xerr err = XERR_INIT;
	char **names = NULL, sub[1024];
	size_t n = 0;

	T_ASSERT(util_mkdtemp(&d, "xpin-unit-util", &err) == 0);
	touch(d.data, "b");
	touch(d.data, "\xc3\xa9");
	touch(d.data, "B");
	touch(d.data, "a.txt");
	snprintf(sub, sizeof(sub), "%s/a", d.data);
	T_ASSERT(mkdir(sub, 0755) == 0);
	T_INTEQ(util_list_dir(&names, &n, d.data, &err), 0);
	T_INTEQ(n, 5);
	if (n == 5) {
		T_STREQ(names[0], "B");
		T_STREQ(names[1], "a");
		T_STREQ(names[2], "a.txt");
		T_STREQ(names[3], "b");
		T_STREQ(names[4], "\xc3\xa9");
	}
	util_names_free(names, n);

	/* An empty folder: no names, no array. */
	names = (char **)&n;
	T_INTEQ(util_list_dir(&names, &n, sub, &err), 0);
	T_INTEQ(n, 0);
	T_ASSERT(names == NULL);
	util_names_free(names, n);

	/* A folder that is not there: an error naming it. */
	snprintf(sub, sizeof(sub), "%s/none", d.data);
	T_INTEQ(util_list_dir(&names, &n, sub, &err), -1);
	T_STREQ(err.file, sub);
	T_ASSERT(strstr(err.msg, "cannot open the folder") != NULL);
	T_ASSERT(names == NULL && n == 0);

	util_rmtree(d.data);
	buf_release(&d);
}
