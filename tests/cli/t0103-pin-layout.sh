#!/bin/sh
# An edit keeps the file's own layout inside the edited "locked" object:
# CRLF line ends (a checkout with core.autocrlf) and other indentations
# round-trip to the same bytes as the LF, two-space file that Nix writes,
# converted the same way by sed (CRLF) and by python's json (indent).
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
test_done
