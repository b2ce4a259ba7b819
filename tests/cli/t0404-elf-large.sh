#!/bin/sh
# xpin elf on an ELF file larger than the memory it may use: the reader
# reads the headers, tables and strings it needs, a window at a time, so a
# 384 MiB file (a real binary with trailing bytes) is read under a 256 MiB
# address-space limit and gives the facts the binary itself gives.
. "$(dirname "$0")/../lib.sh"

# A sanitizer build reserves terabytes of address space up front.
if grep -q __asan_init "$XPIN" 2>/dev/null; then
	skip_all "$XPIN is built with AddressSanitizer"
fi
cd "$TMP" || exit 1
src="$VEC/elf/x86_64-dynamic/x86_64-dynamic.elf"
cp "$src" big.elf
truncate -s 384M big.elf
expect_exit 0 "xpin elf on the binary" "$XPIN" elf --json "$src"
sed 's|"path": "[^"]*"|"path": "-"|' "$TMP/out" >small.json
expect_exit 0 "xpin elf on it as a 384 MiB file under a 256 MiB limit: exit 0" \
	sh -c 'ulimit -v 262144 && exec "$0" elf --json big.elf' "$XPIN"
sed 's|"path": "[^"]*"|"path": "-"|' "$TMP/out" >big.json
expect_same "the same facts" small.json big.json
test_done
