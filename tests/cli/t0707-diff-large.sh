#!/bin/sh
# xpin diff on two files larger than the memory it may use: the files are
# read a window at a time, not held (or mapped) whole, so two 384 MiB
# files compare under a 256 MiB address-space limit, and the difference
# and its offset are found all the same.
. "$(dirname "$0")/../lib.sh"

# A sanitizer build reserves terabytes of address space up front.
if grep -q __asan_init "$XPIN" 2>/dev/null; then
	skip_all "$XPIN is built with AddressSanitizer"
fi
cd "$TMP" || exit 1
truncate -s 384M a b
printf 'x' | dd of=b bs=1 seek=314572800 conv=notrunc 2>/dev/null
expect_exit 0 "identical 384 MiB files under a 256 MiB limit: exit 0" \
	sh -c 'ulimit -v 262144 && exec "$0" diff a a' "$XPIN"
expect_exit 1 "384 MiB files that differ under a 256 MiB limit: exit 1" \
	sh -c 'ulimit -v 262144 && exec "$0" diff a b' "$XPIN"
expect_grep "the difference is found where it is" \
	'^a: differs (1 byte differs, first at 0x12c00000)$' "$TMP/out"
expect_exit 1 "the same with --json" \
	sh -c 'ulimit -v 262144 && exec "$0" diff --json a b' "$XPIN"
expect_eq "--json gives the file offset" 314572800 \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["entries"][0]["runs"][0]["file_offset_a"])' "$TMP/out" 2>/dev/null)"
test_done
