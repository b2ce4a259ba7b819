#!/bin/sh
# The lock engine under valgrind: no invalid access, no definite leak, on
# good locks, malformed ones and an edit.
. "$(dirname "$0")/../lib.sh"

# A sanitizer build (make check-asan) cannot run under valgrind.
if grep -q __asan_init "$XPIN" 2>/dev/null; then
	skip_all "$XPIN is built with AddressSanitizer"
fi

vg() {
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite "$@" >/dev/null 2>"$TMP/vg"
	r=$?
	[ "$r" -ne 99 ] && ! grep -q '^==[0-9]*==' "$TMP/vg"
}
for f in "$VEC"/flake-lock/*54nodes*.lock "$VEC"/flake-lock/*v5-067e9ec.flake.lock \
	"$VEC"/flake-lock-bad/follows-cycle/flake.lock "$VEC"/flake-lock-bad/deep-nesting/flake.lock; do
	if vg "$XPIN" --json pins --lock "$f"; then ok "valgrind: pins $(basename "$(dirname "$f")")/$(basename "$f")"
	else not_ok "valgrind: pins $f"; head -20 "$TMP/vg" | sed 's/^/#   /'; fi
done
cp "$VEC/flake-lock/nix-community__home-manager__v5-067e9ec.flake.lock" "$TMP/flake.lock"
if vg "$XPIN" -C "$TMP" pin nixpkgs=0123456789abcdef0123456789abcdef01234567 \
	--nar-hash sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= --last-modified 5; then
	ok "valgrind: pin on a version 5 lock"
else
	not_ok "valgrind: pin"; head -20 "$TMP/vg" | sed 's/^/#   /'
fi
test_done
