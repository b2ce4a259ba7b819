/* The example program: prints its version and the target it was built
 * for. The build passes the facts in as macros, so the same source gives
 * reproducible binaries, and two deliberately unreproducible ones
 * (BUILD_TIME, BUILD_DIR) that xpin must catch. */
#include <stdio.h>

#ifndef VERSION
#define VERSION "0.0.0"
#endif
#ifndef TARGET
#define TARGET "unknown"
#endif

int main(void)
{
	printf("hello %s (%s)\n", VERSION, TARGET);
#ifdef NIXPKGS_VERSION
	printf("pinned nixpkgs %s\n", NIXPKGS_VERSION);
#endif
#ifdef BUILD_DATE
	printf("source date %s\n", BUILD_DATE);
#endif
#ifdef BUILD_TIME
	printf("built at %s\n", BUILD_TIME);
#endif
#ifdef BUILD_DIR
	printf("built in %s\n", BUILD_DIR);
#endif
	return 0;
}
