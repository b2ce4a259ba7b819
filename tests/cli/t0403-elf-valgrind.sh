#!/bin/sh
# xpin elf under valgrind over every ELF vector, good and malformed, in
# human and JSON form with the whole policy on: no invalid read or write,
# no use of uninitialised memory, nothing left allocated.
. "$(dirname "$0")/../lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	not_ok "valgrind is not installed (make deps)"
	exit 1
fi
# A sanitizer build (make check-asan) cannot run under valgrind; ASan
# itself checks every access there.
if grep -q __asan_init "$XPIN" 2>/dev/null; then
	skip_all "$XPIN is built with AddressSanitizer"
fi
for mode in "" --json; do
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=all "$XPIN" elf $mode --strict \
		--target aarch64-unknown-linux-musl --glibc-max 2.17 \
		"$VEC"/elf/*/*.elf >"$TMP/out" 2>"$TMP/vg"
	r=$?
	grep '^==[0-9]*==' "$TMP/vg" >"$TMP/vgonly"
	if [ "$r" -ne 99 ] && [ ! -s "$TMP/vgonly" ]; then
		ok "valgrind: xpin elf ${mode:-(human)} over all vectors is clean"
	else
		not_ok "valgrind: xpin elf ${mode:-(human)} reported errors"
		head -20 "$TMP/vgonly" | sed 's/^/#   /'
	fi
	# 14 malformed vectors: 14 error lines; the good ones were printed.
	expect_eq "valgrind ${mode:-(human)}: exit 2 (malformed inputs among them)" 2 "$r"
	expect_eq "valgrind ${mode:-(human)}: one error line per malformed vector" \
		14 "$(grep -c '^xpin: ' "$TMP/vg")"
done
test_done
