/* cliexport_slsa: xpin export slsa. */
#include "cliexport.h"

int export_slsa(const struct export_ctx *c, struct xerr *err)
{
	(void)c;
	return xerr_set(err, XPIN_USAGE, "export slsa: not built yet");
}
