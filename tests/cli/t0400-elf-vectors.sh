#!/bin/sh
# xpin elf on binaries made by real compilers (vectors/elf/*/): every fact
# must equal facts.json, which vectors/elf/facts.py made from readelf -W
# and file when the vector was built; then readelf and file are run live on
# the same binary and must still give facts.json; the headline must begin
# as file(1)'s does; and --json prints exactly the keys of the issue.
. "$(dirname "$0")/../lib.sh"

live=yes
command -v readelf >/dev/null && command -v file >/dev/null || live=
n=0
for dir in "$VEC"/elf/*/; do
	[ -f "$dir/facts.json" ] || continue
	c=$(basename "$dir")
	bin=$dir/$c.elf
	n=$((n + 1))
	expect_exit 0 "$c: xpin elf --json exits 0" "$XPIN" elf --json "$bin"
	cp "$TMP/out" "$TMP/$c.json"
	run python3 - "$dir/facts.json" "$TMP/$c.json" "$bin" <<'PY'
import json, sys
want = json.load(open(sys.argv[1]))
got = json.load(open(sys.argv[2]))
keys = {"path", "class", "endian", "osabi", "type", "machine", "entry",
        "linkage", "interpreter", "needed", "soname", "rpath", "runpath",
        "build_id", "stripped", "debug_info", "glibc", "libc",
        "libc_evidence", "execstack",
        "warnings"}
bad = []
if set(got) != keys:
    bad.append("keys differ: %s" % sorted(set(got) ^ keys))
if got.get("path") != sys.argv[3]:
    bad.append("path %r" % got.get("path"))
if not isinstance(got.get("warnings"), list):
    bad.append("warnings is not a list")
for k, v in sorted(want.items()):
    if got.get(k) != v:
        bad.append("%s: readelf/file say %r, xpin says %r" % (k, v, got.get(k)))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
	if [ "$rc" -eq 0 ]; then
		ok "$c: every fact equals readelf's and file's"
	else
		not_ok "$c: facts differ from readelf's and file's"
		sed 's/^/#   /' "$TMP/out"
	fi

	expect_exit 0 "$c: xpin elf exits 0" "$XPIN" elf "$bin"
	# "ELF 64-bit LSB pie executable," as file(1) starts it.
	want=$(cut -d, -f1 "$dir/file.txt")
	got=$(head -1 "$TMP/out" | sed "s|^$bin: ||" | cut -d, -f1)
	expect_eq "$c: headline begins as file's" "$want" "$got"

	[ -n "$live" ] || continue
	readelf -W -h -S -l -d -n -V "$bin" >"$TMP/readelf.txt" 2>&1
	file -b "$bin" >"$TMP/file.txt"
	if [ -f "$dir/versions.txt" ]; then
		python3 "$VEC/elf/facts.py" "$TMP/readelf.txt" "$TMP/file.txt" \
			"$dir/versions.txt" >"$TMP/live.json"
	else
		python3 "$VEC/elf/facts.py" "$TMP/readelf.txt" "$TMP/file.txt" \
			>"$TMP/live.json"
	fi
	expect_same "$c: live readelf and file still give facts.json" \
		"$dir/facts.json" "$TMP/live.json"
done
expect_eq "all 17 compiled vectors were checked" 17 "$n"

# Several files: one JSON array, in argument order.
expect_exit 0 "several files: exits 0" "$XPIN" elf --json \
	"$VEC/elf/x86_64-static/x86_64-static.elf" \
	"$VEC/elf/aarch64-static/aarch64-static.elf"
cp "$TMP/out" "$TMP/arr.json"
run python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert [o["machine"] for o in a] == ["x86_64", "aarch64"], a
' "$TMP/arr.json"
expect_eq "several files: an array in argument order" 0 "$rc"
# The same bytes twice: --json output is deterministic.
"$XPIN" elf --json "$VEC/elf/x86_64-shared/x86_64-shared.elf" >"$TMP/j1"
"$XPIN" elf --json "$VEC/elf/x86_64-shared/x86_64-shared.elf" >"$TMP/j2"
expect_same "--json output is byte-for-byte stable" "$TMP/j1" "$TMP/j2"
test_done
