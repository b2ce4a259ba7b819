#!/bin/sh
# Malformed inputs (vectors/elf/bad-*/, see each SOURCE): exit 2 and one
# line "xpin: FILE: ..." matching the case's EXPECT. Under make check-asan
# this also proves the reader never reads out of bounds on them.
. "$(dirname "$0")/../lib.sh"

n=0
for dir in "$VEC"/elf/bad-*/; do
	c=$(basename "$dir")
	bin=$dir/$c.elf
	n=$((n + 1))
	expect_exit 2 "$c: exit 2" "$XPIN" elf "$bin"
	expect_one_line "$c: one line" "$TMP/err"
	if grep -qE "^xpin: .*$c\\.elf: .*($(cat "$dir/EXPECT"))" "$TMP/err"; then
		ok "$c: names the file and says '$(cat "$dir/EXPECT")'"
	else
		not_ok "$c: message does not match '$(cat "$dir/EXPECT")'"
		sed 's/^/#   /' "$TMP/err"
	fi
	expect_eq "$c: nothing on stdout" "" "$(cat "$TMP/out")"
	# file(1) agrees it is not a well-formed ELF executable, or readelf
	# complains, or the SOURCE says what was broken that neither checks.
	[ -s "$dir/SOURCE" ] && ok "$c: has a SOURCE" || not_ok "$c: no SOURCE"
done
expect_eq "all 14 malformed vectors were checked" 14 "$n"

expect_exit 2 "a missing file: exit 2" "$XPIN" elf "$TMP/nothing-here"
expect_one_line "a missing file: one line" "$TMP/err"
expect_grep "a missing file: says why" "cannot open" "$TMP/err"
expect_exit 2 "a folder: exit 2" "$XPIN" elf "$TMP"
expect_one_line "a folder: one line" "$TMP/err"
expect_exit 2 "no file: exit 2" "$XPIN" elf
expect_one_line "no file: one line" "$TMP/err"

# One bad file among good ones: the good one is still shown, exit 2.
expect_exit 2 "good and bad files: exit 2" "$XPIN" elf --json \
	"$VEC/elf/x86_64-dynamic/x86_64-dynamic.elf" \
	"$VEC/elf/bad-class/bad-class.elf"
expect_one_line "good and bad files: one error line" "$TMP/err"
cp "$TMP/out" "$TMP/arr.json"
run python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1 and a[0]["path"].endswith("x86_64-dynamic.elf"), a
' "$TMP/arr.json"
expect_eq "good and bad files: the good one is in the array" 0 "$rc"

# A pipe is read whole, not mapped.
if [ -e /dev/stdin ]; then
	run sh -c '"$1" elf /dev/stdin <"$2"' sh "$XPIN" \
		"$VEC/elf/x86_64-static/x86_64-static.elf"
	expect_eq "a redirected file on stdin: exit 0" 0 "$rc"
	run sh -c 'cat "$2" | "$1" elf --json /dev/stdin' sh "$XPIN" \
		"$VEC/elf/bad-truncated-body/bad-truncated-body.elf"
	expect_eq "a truncated file through a pipe: exit 2" 2 "$rc"
fi
test_done
