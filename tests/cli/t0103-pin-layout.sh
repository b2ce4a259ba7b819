#!/bin/sh
# An edit keeps the file's own layout inside the edited "locked" object:
# CRLF line ends (a checkout with core.autocrlf) and other indentations
# round-trip to the same bytes as the LF, two-space file that Nix writes,
# converted the same way by sed (CRLF) and by python's json (indent). A
# UTF-8 byte-order mark, which Nix 2.8 and 2.26 both read past, is read
# past too and kept.
. "$(dirname "$0")/../lib.sh"

lock=$VEC/flake-lock/serokell__deploy-rs.flake.lock
rev=0123456789abcdef0123456789abcdef01234567
nar=sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
pin() { "$XPIN" pin --lock "$1" nixpkgs=$rev --nar-hash $nar --last-modified 1700000000 >/dev/null; }

cp "$lock" "$TMP/lf.lock"
expect_exit 0 "the LF, two-space lock is edited" pin "$TMP/lf.lock"
# redent N FILE: FILE as python's json writes it with N-space indents.
redent() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[2]))
sys.stdout.write(json.dumps(d, indent=int(sys.argv[1]), sort_keys=True, ensure_ascii=False) + "\n")' "$1" "$2"
}
redent 2 "$lock" >"$TMP/py2.lock"
expect_same "python's two-space form is the file Nix wrote (so it can judge the others)" "$lock" "$TMP/py2.lock"

sed 's/$/\r/' "$lock" >"$TMP/crlf.lock"
sed 's/$/\r/' "$TMP/lf.lock" >"$TMP/crlf.want"
expect_exit 0 "a CRLF lock is edited" pin "$TMP/crlf.lock"
expect_same "a CRLF lock keeps CRLF everywhere" "$TMP/crlf.want" "$TMP/crlf.lock"

for n in 4 3; do
	redent $n "$lock" >"$TMP/i$n.lock"
	redent $n "$TMP/lf.lock" >"$TMP/i$n.want"
	expect_exit 0 "a $n-space lock is edited" pin "$TMP/i$n.lock"
	expect_same "a $n-space lock keeps its indentation" "$TMP/i$n.want" "$TMP/i$n.lock"
done

redent 4 "$lock" | sed 's/$/\r/' >"$TMP/both.lock"
redent 4 "$TMP/lf.lock" | sed 's/$/\r/' >"$TMP/both.want"
expect_exit 0 "a CRLF 4-space lock is edited" pin "$TMP/both.lock"
expect_same "a CRLF 4-space lock keeps both" "$TMP/both.want" "$TMP/both.lock"

# A byte-order mark: listed as without one, and kept by an edit.
printf '\357\273\277' >"$TMP/bom.lock" && cat "$lock" >>"$TMP/bom.lock"
{ printf '\357\273\277'; cat "$TMP/lf.lock"; } >"$TMP/bom.want"
"$XPIN" --json pins --lock "$lock" >"$TMP/nobom.json"
expect_exit 0 "a lock with a BOM is listed" "$XPIN" --json pins --lock "$TMP/bom.lock"
expect_same "... as the same lock without one" "$TMP/nobom.json" "$TMP/out"
expect_exit 0 "a lock with a BOM is edited" pin "$TMP/bom.lock"
expect_same "a lock with a BOM keeps it, and the edit is the same" "$TMP/bom.want" "$TMP/bom.lock"
printf '\357\273\277{"version": 7, "nodes": {' >"$TMP/bombad.lock"
expect_exit 2 "a malformed lock with a BOM: exit 2" "$XPIN" pins --lock "$TMP/bombad.lock"
col=$(sed -n 's/.*bombad.lock:1:\([0-9]*\):.*/\1/p' "$TMP/err")
printf '{"version": 7, "nodes": {' >"$TMP/bad.lock"
run "$XPIN" pins --lock "$TMP/bad.lock"
col0=$(sed -n 's/.*bad.lock:1:\([0-9]*\):.*/\1/p' "$TMP/err")
expect_eq "... its column counts the BOM's three bytes" "$((col0 + 3))" "$col"
test_done
