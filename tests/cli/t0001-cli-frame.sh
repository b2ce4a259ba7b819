#!/bin/sh
# The CLI frame: help, version, unknown commands and options, exit codes.
. "$(dirname "$0")/../lib.sh"

expect_exit 0 "--version exits 0" "$XPIN" --version
expect_grep "--version prints the version" '^xpin [0-9]' "$TMP/out"
expect_exit 0 "--help exits 0" "$XPIN" --help
for c in pins pin; do
	expect_grep "--help lists '$c'" "^  $c " "$TMP/out"
done
expect_exit 2 "no command exits 2" "$XPIN"
expect_exit 2 "unknown command exits 2" "$XPIN" pinz
expect_one_line "unknown command: one line" "$TMP/err"
expect_grep "unknown command: suggests 'pins'" "did you mean 'pins'" "$TMP/err"
expect_exit 2 "unknown global option exits 2" "$XPIN" --frobnicate pins
expect_one_line "unknown global option: one line" "$TMP/err"
expect_exit 2 "unknown command option exits 2" "$XPIN" pins --frobnicate
expect_one_line "unknown command option: one line with a hint" "$TMP/err"
expect_grep "unknown command option: hint" "xpin pins --help" "$TMP/err"
expect_exit 2 "bad --color value exits 2" "$XPIN" --color=sometimes pins
for c in pins pin; do
	expect_exit 0 "xpin $c --help exits 0" "$XPIN" $c --help
	expect_grep "xpin $c --help prints usage" "^usage: xpin $c" "$TMP/out"
	cp "$TMP/out" "$TMP/help1"
	expect_exit 0 "xpin help $c exits 0" "$XPIN" help $c
	expect_same "xpin help $c = xpin $c --help" "$TMP/help1" "$TMP/out"
done
cp "$VEC/flake-lock/ipetkov__crane.flake.lock" "$TMP/flake.lock"
expect_exit 0 "-C DIR runs in DIR" "$XPIN" -C "$TMP" pins
expect_grep "-C DIR reads DIR/flake.lock" "nixpkgs" "$TMP/out"
expect_exit 2 "-C to a missing folder exits 2" "$XPIN" -C "$TMP/nope" pins
expect_exit 0 "--color=always colours" "$XPIN" --color=always -C "$TMP" pins
expect_grep "--color=always emits escapes" "$(printf '\033')\\[" "$TMP/out"
# --color=auto needs a terminal to colour: script(1) gives one.
esc=$(printf '\033')
TERM=xterm script -qec "'$XPIN' -C '$TMP' pins" /dev/null >"$TMP/tty" 2>&1
grep -q "$esc\\[" "$TMP/tty" && ok "auto colours on a terminal" || not_ok "auto colours on a terminal"
NO_COLOR=1 TERM=xterm script -qec "'$XPIN' -C '$TMP' pins" /dev/null >"$TMP/tty" 2>&1
grep -q "$esc\\[" "$TMP/tty" && not_ok "NO_COLOR: no escapes on a terminal" || ok "NO_COLOR: no escapes on a terminal"
grep -q "nixpkgs" "$TMP/tty" && ok "NO_COLOR: still lists" || not_ok "NO_COLOR: still lists"
TERM=xterm script -qec "'$XPIN' --color=never -C '$TMP' pins" /dev/null >"$TMP/tty" 2>&1
grep -q "$esc\\[" "$TMP/tty" && not_ok "--color=never: no escapes on a terminal" || ok "--color=never: no escapes on a terminal"
if "$XPIN" --help >/dev/full 2>/dev/null; then
	not_ok "a write error on stdout fails"
else
	ok "a write error on stdout fails"
fi
# man pages render without warnings
for m in "$ROOT"/man/*.[15]; do
	w=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	expect_eq "man -l $(basename "$m") renders without warnings" "" "$w"
done
test_done
