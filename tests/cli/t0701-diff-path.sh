#!/bin/sh
# xpin diff on the same source built in two folders of different lengths
# with absolute paths (__FILE__ and -g): the build path is flagged, in
# .rodata where readelf -SW puts the string and in the debug sections.
# Offsets are grep -obUa's and readelf's, never xpin's.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
mkdir a b-longer
cat >a/x.c <<'C'
#include <stdio.h>
int main(void) { puts(__FILE__); return 0; }
C
cp a/x.c b-longer/x.c
(cd a && gcc -O2 -g "$PWD/x.c" -o x) || not_ok "gcc in a"
(cd b-longer && gcc -O2 -g "$PWD/x.c" -o x) || not_ok "gcc in b-longer"
pa=$(cd a && pwd)/x.c
pb=$(cd b-longer && pwd)/x.c

q() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
e = j["entries"][0] if j["entries"] else {}
s = {x["name"]: x for x in e.get("sections", [])}
print(eval(sys.argv[2]))
' "$@"
}

expect_exit 1 "two build folders: differ (exit 1)" "$XPIN" diff --json a/x b-longer/x
mv "$TMP/out" path.json
expect_eq "the path is flagged in .rodata" "build-path" \
	"$(q path.json 's[".rodata"]["first"]["hint"]')"
expect_eq "the detail quotes both paths" "\"$pa\" vs \"$pb\"" \
	"$(q path.json 's[".rodata"]["first"]["detail"]')"
# The section's bytes (objcopy) compared by cmp, placed by readelf -SW.
objcopy --dump-section .rodata="$TMP/ra" a/x "$TMP/junk-a"
objcopy --dump-section .rodata="$TMP/rb" b-longer/x "$TMP/junk-b"
first=$(cmp -l "$TMP/ra" "$TMP/rb" 2>/dev/null | awk 'NR == 1 { print $1 - 1 }')
ro=$(readelf -SW a/x | awk '$2 == ".rodata" { print $5 }')
expect_eq "first differing offset in .rodata (objcopy and cmp)" \
	"$first" "$(q path.json 's[".rodata"]["first"]["offset"]')"
expect_eq "and in the file (readelf's sh_offset)" \
	"$((first + 0x$ro))" "$(q path.json 's[".rodata"]["first"]["file_offset_a"]')"
expect_eq "sizes are readelf's" \
	"$(readelf -SW a/x | awk '$2 == ".rodata" { print $6 }') $(readelf -SW b-longer/x | awk '$2 == ".rodata" { print $6 }')" \
	"$(q path.json '"%06x %06x" % (s[".rodata"]["size_a"], s[".rodata"]["size_b"])')"
# -g puts the folder in the DWARF strings too (readelf -p shows it).
dbg=$(readelf -SW a/x | awk '$2 ~ /^\.debug_(line_)?str$/ { print $2 }' | while read -r sec; do
	readelf -p "$sec" a/x 2>/dev/null | grep -q "$(dirname "$pa")" && echo "$sec"
done | sort)
if [ -n "$dbg" ]; then
	expect_eq "every debug string section holding the folder is flagged" \
		"$dbg" "$(q path.json '"\n".join(sorted(n for n in s if n.startswith(".debug_") and (s[n]["first"] or {}).get("hint") == "build-path"))')"
else
	not_ok "readelf -p shows the folder in no debug string section"
fi
expect_eq "entry hints" "['build-path']" "$(q path.json 'e["hints"]')"
"$XPIN" diff --short a/x b-longer/x >short
expect_grep "short form: .rodata and the cause" \
	"^x: \.rodata differs at +0x$(printf %x "$first") ([0-9]* bytes), looks like an embedded build path; also " short
"$XPIN" diff a b-longer >human
expect_grep "human form: the detail" "looks like an embedded build path: \"$pa\" vs \"$pb\"" human
expect_grep "human form: folders compared, x.c is the same" "^1 differ, 0 only in A, 0 only in B; likely causes: build-path$" human
test_done
