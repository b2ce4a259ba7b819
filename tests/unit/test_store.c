/*
 * store: reading what Nix prints. The log lines are as Nix 2.8 writes
 * them when it substitutes a path from a file:// binary cache (`nix
 * build` after `nix copy --to file://...`); t1001 runs the real thing.
 */
#include <string.h>

#include "store.h"
#include "unit.h"

static const char log_text[] =
	"warning: Git tree '/tmp/p' is dirty\n"
	"copying path '/nix/store/bsj7gzig5n5nkcwgbrbhd2g6jpxl2ykd-t16-dev' from 'https://cache.example'...\n"
	"copying path '/nix/store/bsj7gzig5n5nkcwgbrbhd2g6jpxl2ykd-t16' from 'file:///tmp/s16cache'...\n";

void test_store__substituted_from(void)
{
	struct buf uri = BUF_INIT;

	T_ASSERT(store_substituted_from(&uri, log_text,
					"/nix/store/bsj7gzig5n5nkcwgbrbhd2g6jpxl2ykd-t16"));
	T_STREQ(buf_cstr(&uri), "file:///tmp/s16cache");
	T_ASSERT(store_substituted_from(&uri, log_text,
					"/nix/store/bsj7gzig5n5nkcwgbrbhd2g6jpxl2ykd-t16-dev"));
	T_STREQ(buf_cstr(&uri), "https://cache.example");
	/* A path the log does not name, and a prefix of one, are not found. */
	T_ASSERT(!store_substituted_from(&uri, log_text, "/nix/store/other"));
	T_ASSERT(!store_substituted_from(&uri, log_text,
					 "/nix/store/bsj7gzig5n5nkcwgbrbhd2g6jpxl2ykd-t1"));
	T_ASSERT(!store_substituted_from(&uri, "", "/nix/store/x"));
	buf_release(&uri);
}
