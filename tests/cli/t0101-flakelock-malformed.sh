#!/bin/sh
# Malformed locks: exit 2, one line naming the problem (with a position
# where there is one), and the file untouched, for pins and for pin.
. "$(dirname "$0")/../lib.sh"

n=0
for d in "$VEC"/flake-lock-bad/*/; do
	c=$(basename "$d")
	n=$((n + 1))
	cp "$d/flake.lock" "$TMP/flake.lock"
	expect_exit 2 "$c: pins exits 2" "$XPIN" -C "$TMP" pins
	expect_one_line "$c: pins says one line" "$TMP/err"
	expect_grep "$c: the message names the problem" "$(cat "$d/expect")" "$TMP/err"
	expect_exit 2 "$c: pin exits 2" "$XPIN" -C "$TMP" pin \
		nixpkgs=0123456789abcdef0123456789abcdef01234567 \
		--nar-hash sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
		--last-modified 1
	expect_one_line "$c: pin says one line" "$TMP/err"
	expect_same "$c: file untouched" "$d/flake.lock" "$TMP/flake.lock"
done
[ "$n" -ge 15 ] && ok "at least 15 malformed locks ($n)" || not_ok "only $n malformed locks"
ls "$TMP" | grep -q xpin-tmp && not_ok "a temporary file was left behind" || ok "no temporary file left behind"
test_done
