#!/bin/sh
# xpin diff on ELF files made by the host's gcc: two builds that embed the
# build time (nanoseconds as a string, __DATE__ __TIME__, an 8-byte
# integer), two that differ only in their build-id, two identical ones.
# Expected sections and offsets come from readelf -SW (section ranges) and
# cmp -l (every differing byte), never from xpin.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
unset SOURCE_DATE_EPOCH

# secs A B: the sections (by readelf -SW) holding a byte cmp -l finds
# differing between A and B, one name per line, sorted.
secs() {
	cmp -l "$1" "$2" | awk '{print $1 - 1}' >"$TMP/offs"
	readelf -SW "$1" | python3 -c '
import re, sys
offs = [int(l) for l in open(sys.argv[1])]
names = set()
for l in sys.stdin:
    m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)\s+(\S+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", l)
    if not m or m.group(1) == "0" or m.group(3) == "NOBITS":
        continue
    lo, n = int(m.group(4), 16), int(m.group(5), 16)
    if any(lo <= o < lo + n for o in offs):
        names.add(m.group(2))
print("\n".join(sorted(names)))
' "$TMP/offs"
}
# first_in SECTION A B: the first differing file offset cmp -l finds inside
# SECTION's range per readelf -SW, and the section's offset: "FILEOFF SHOFF".
first_in() {
	cmp -l "$2" "$3" | awk '{print $1 - 1}' >"$TMP/offs"
	readelf -SW "$2" | python3 -c '
import re, sys
offs = [int(l) for l in open(sys.argv[1])]
for l in sys.stdin:
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", l)
    if m and m.group(1) == sys.argv[2]:
        lo, n = int(m.group(2), 16), int(m.group(3), 16)
        print(min(o for o in offs if lo <= o < lo + n), lo)
' "$TMP/offs" "$1"
}
# q JSONFILE EXPR: evaluate a Python expression over the parsed JSON (j)
# and the differing sections by name (s).
q() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
e = j["entries"][0] if j["entries"] else {}
s = {x["name"]: x for x in e.get("sections", [])}
print(eval(sys.argv[2]))
' "$@"
}
# xsecs JSONFILE: xpin's differing sections, without its header pseudo-sections.
xsecs() { q "$1" '"\n".join(sorted(n for n in s if not n.startswith("(")))'; }

# 1. The build time in nanoseconds, as a string.
cat >ts.c <<'C'
#include <stdio.h>
int main(void) { puts("built " BUILD_TIME); return 0; }
C
t1=$(date +%s%N)
gcc -O2 -DBUILD_TIME="\"$t1\"" ts.c -o ts1
sleep 1
t2=$(date +%s%N)
gcc -O2 -DBUILD_TIME="\"$t2\"" ts.c -o ts2
expect_exit 1 "build time: two builds differ (exit 1)" "$XPIN" diff ts1 ts2
expect_grep "build time: .rodata is named" "\.rodata" "$TMP/out"
expect_grep "build time: the cause is named" "likely causes: timestamp" "$TMP/out"
"$XPIN" diff --json ts1 ts2 >ts.json
expect_eq "build time: the differing sections are readelf's and cmp's" \
	"$(secs ts1 ts2)" "$(xsecs ts.json)"
set -- $(first_in .rodata ts1 ts2)
expect_eq "build time: first differing file offset in .rodata (cmp -l)" \
	"$1" "$(q ts.json 's[".rodata"]["first"]["file_offset_a"]')"
expect_eq "build time: offset within .rodata (readelf's sh_offset)" \
	"$(($1 - $2))" "$(q ts.json 's[".rodata"]["first"]["offset"]')"
rooff=$(printf '%x' $(($1 - $2)))
expect_eq "build time: flagged as a timestamp" "timestamp" \
	"$(q ts.json 's[".rodata"]["first"]["hint"]')"
expect_eq "build time: the detail names both times" "True" \
	"$(q ts.json "'$t1' in s['.rodata']['first']['detail'] and '$t2' in s['.rodata']['first']['detail']")"
expect_eq "build time: the contexts show both times" "True" \
	"$(q ts.json "'$t1' in s['.rodata']['first']['context_a'] and '$t2' in s['.rodata']['first']['context_b']")"
expect_eq "build time: sizes are readelf's" \
	"$(readelf -SW ts1 | awk '$2 == ".rodata" { print $6 }')" \
	"$(q ts.json '"%06x" % s[".rodata"]["size_a"]')"
expect_eq "build time: the build-id differs too" "True" \
	"$(q ts.json '".note.gnu.build-id" in s')"
expect_eq "build time: hints" "['timestamp']" "$(q ts.json 'e["hints"]')"
expect_exit 1 "build time: --short" "$XPIN" diff --short ts1 ts2
expect_eq "build time: the short form" \
	"ts1: .rodata differs at +0x$rooff ($(q ts.json 's[".rodata"]["first"]["length"]') bytes), looks like a timestamp; also .note.gnu.build-id" \
	"$(cat "$TMP/out")"

# 2. __DATE__ and __TIME__, a second apart.
cat >dt.c <<'C'
#include <stdio.h>
int main(void) { puts("built on " __DATE__ " at " __TIME__); return 0; }
C
gcc -O2 -Wno-date-time dt.c -o dt1
sleep 1
gcc -O2 -Wno-date-time dt.c -o dt2
"$XPIN" diff --json dt1 dt2 >dt.json
expect_eq "__TIME__: the differing sections are readelf's and cmp's" \
	"$(secs dt1 dt2)" "$(xsecs dt.json)"
set -- $(first_in .rodata dt1 dt2)
expect_eq "__TIME__: first differing file offset in .rodata (cmp -l)" \
	"$1" "$(q dt.json 's[".rodata"]["first"]["file_offset_a"]')"
expect_eq "__TIME__: flagged as a timestamp" "timestamp" \
	"$(q dt.json 's[".rodata"]["first"]["hint"]')"
tm1=$(strings -n 8 dt1 | sed -n 's/^built on .* at //p')
tm2=$(strings -n 8 dt2 | sed -n 's/^built on .* at //p')
expect_eq "__TIME__: the detail quotes both clock times (strings(1))" \
	"\"$tm1\" vs \"$tm2\"" "$(q dt.json 's[".rodata"]["first"]["detail"]')"

# 3. An 8-byte integer holding unix seconds, an hour apart.
cat >bin.c <<'C'
#include <stdio.h>
const unsigned long long built = WHEN;
int main(void) { printf("%llu\n", built); return 0; }
C
w1=$(date +%s)
w2=$((w1 + 3600))
gcc -O0 -DWHEN="${w1}ull" bin.c -o bin1
gcc -O0 -DWHEN="${w2}ull" bin.c -o bin2
"$XPIN" diff --json bin1 bin2 >bin.json
expect_eq "8-byte time: the differing sections are readelf's and cmp's" \
	"$(secs bin1 bin2)" "$(xsecs bin.json)"
expect_eq "8-byte time: flagged as a timestamp" "timestamp" \
	"$(q bin.json 's[".rodata"]["first"]["hint"]')"
expect_eq "8-byte time: the detail reads both integers" "True" \
	"$(q bin.json "': $w1 vs $w2 (unix time in seconds' in s['.rodata']['first']['detail']")"

# 4. Only the build-id differs.
gcc -O2 -Wl,--build-id=0x0123456789abcdef0123456789abcdef01234567 ts.c -DBUILD_TIME='"x"' -o id1
gcc -O2 -Wl,--build-id=0xfedcba9876543210fedcba9876543210fedcba98 ts.c -DBUILD_TIME='"x"' -o id2
expect_eq "build-id: cmp -l finds differences only in .note.gnu.build-id" \
	".note.gnu.build-id" "$(secs id1 id2)"
expect_exit 1 "build-id: differ (exit 1)" "$XPIN" diff --json id1 id2
expect_eq "build-id: only that section is listed" "['.note.gnu.build-id']" \
	"$(q "$TMP/out" 'sorted(s)')"
expect_eq "build-id: differing build-ids only" "['build-id-only']" \
	"$(q "$TMP/out" 'e["hints"]')"
"$XPIN" diff --short id1 id2 >"$TMP/short"
expect_eq "build-id: the short form" \
	"id1: only the build-id differs (.note.gnu.build-id)" "$(cat "$TMP/short")"

# 5. A real change is not mistaken for a cause.
sed 's/built /shipped /' ts.c >ts-other.c
gcc -O2 -DBUILD_TIME='"x"' ts.c -o plain1
gcc -O2 -DBUILD_TIME='"x"' ts-other.c -o plain2
"$XPIN" diff --json plain1 plain2 >plain.json
expect_eq "a changed string: .rodata named, no likely cause" "(True, [])" \
	"$(q plain.json '".rodata" in s, e["hints"]')"

# 6. Identical builds.
gcc -O2 -DBUILD_TIME='"x"' ts.c -o same1
gcc -O2 -DBUILD_TIME='"x"' ts.c -o same2
if cmp -s same1 same2; then
	expect_exit 0 "identical files: exit 0" "$XPIN" diff same1 same2
	expect_eq "identical files: says so" "no differences" "$(cat "$TMP/out")"
	"$XPIN" diff --json same1 same2 >same.json
	expect_eq "identical files: JSON" "(True, [])" "$(q same.json 'j["identical"], j["entries"]')"
else
	not_ok "gcc gave different bytes for the same build (cmp)"
fi
test_done
