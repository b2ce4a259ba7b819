/* cliexport_sums: xpin export sums and files. */
#include "cliexport.h"

int export_sums(const struct export_ctx *c, struct xerr *err)
{
	(void)c;
	return xerr_set(err, XPIN_USAGE, "export sums: not built yet");
}

int export_files(const struct export_ctx *c, struct xerr *err)
{
	(void)c;
	return xerr_set(err, XPIN_USAGE, "export files: not built yet");
}
