#!/bin/sh
# xpin diff on a real Nix output and its .check: the cross example's
# `timestamp` package embeds the build time in nanoseconds; `nix build
# --rebuild --keep-failed` keeps the second build beside the first. The
# expectations are diff -rq's (which files), readelf -SW's and cmp -l's
# (where in .rodata).
. "$(dirname "$0")/../lib.sh"

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
# A derivation of this test's own (the source differs by a comment), so no
# other test's rebuild replaces the .check output under it.
echo "/* xpin diff test */" >>src/hello.c
git commit -q -m "diff test" src/hello.c
nix build .#timestamp --json --no-link >"$TMP/build.json" 2>"$TMP/build.err" || {
	not_ok "nix build .#timestamp"; tail -5 "$TMP/build.err"; exit 1; }
out=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["outputs"]["out"])' "$TMP/build.json")
rm -rf "$TMP/check"
if nix build .#timestamp --rebuild --keep-failed --no-link 2>"$TMP/rebuild.err"; then
	not_ok "nix build --rebuild found the timestamp package reproducible"
	exit 1
fi
[ -d "$out.check" ] || { not_ok "no $out.check kept"; tail -5 "$TMP/rebuild.err"; exit 1; }
# Copies, so a later rebuild elsewhere cannot change them under the test.
cp -a "$out" "$TMP/A"
cp -a "$out.check" "$TMP/B"
cd "$TMP" || exit 1

expect_exit 1 "the output and its .check differ: exit 1" "$XPIN" diff --json A B
mv "$TMP/out" nix.json
diff -rq --no-dereference A B | sed -n 's/^Files A\/\(.*\) and B\/.* differ$/differs \1/p' >expected
python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    print(e["status"], e["path"])
' nix.json >actual
expect_eq "the differing files are diff -rq's" "$(cat expected)" "$(cat actual)"
cmp -l A/bin/hello B/bin/hello | awk '{print $1 - 1}' >offs
readelf -SW A/bin/hello >sections
expect_eq "bin/hello: .rodata's first difference is cmp -l's inside readelf's .rodata" \
	"$(python3 -c '
import re, sys
offs = [int(l) for l in open(sys.argv[1])]
for l in open(sys.argv[2]):
    m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", l)
    if m and m.group(1) == ".rodata":
        lo, n = int(m.group(2), 16), int(m.group(3), 16)
        print(min(o for o in offs if lo <= o < lo + n) - lo)
' offs sections)" \
	"$(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["entries"][0]
print([s for s in e["sections"] if s["name"] == ".rodata"][0]["first"]["offset"])
' nix.json)"
expect_eq "bin/hello: flagged as a timestamp" "['timestamp']" \
	"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["entries"][0]["hints"])' nix.json)"
"$XPIN" diff --short A B >short
expect_grep "the short form xpin lock prints" \
	"^bin/hello: \.rodata differs at +0x[0-9a-f]* ([0-9]* bytes), looks like a timestamp; also \.note\.gnu\.build-id$" short
expect_exit 1 "the store paths themselves, as Nix left them" "$XPIN" diff "$out" "$out.check"
expect_grep "store paths: the cause" "likely causes: timestamp" "$TMP/out"
test_done
