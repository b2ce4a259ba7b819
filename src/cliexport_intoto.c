/* cliexport_intoto: xpin export in-toto and in-toto-key. */
#include "cliexport.h"

int export_intoto(const struct export_ctx *c, struct xerr *err)
{
	(void)c;
	return xerr_set(err, XPIN_USAGE, "export in-toto: not built yet");
}

int export_intoto_key(const struct export_ctx *c, struct xerr *err)
{
	(void)c;
	return xerr_set(err, XPIN_USAGE, "export in-toto-key: not built yet");
}
