#!/bin/sh
# xpin hash --nar against vectors/nar: every tree mktree.sh builds, hashed
# from disk and from the git object store, with and without export-ignore.
# The expected values are Nix's (nix hash path of the tree, of `git
# archive` unpacked, and `nix flake lock` of the commit, by each Nix
# version in flake-lock.nix-V): see each SOURCE. Nix before 2.20 locks
# git archive's tree, 2.20 and later the stored one.
. "$(dirname "$0")/../lib.sh"

MK=$VEC/nar/mktree.sh

# want CASE KEY: the expected value
want() { sed -n "s/^$2=//p" "$VEC/nar/$1/expected"; }

for c in $(sh "$MK" list); do
	t=$TMP/$c
	sh "$MK" build "$c" "$t"
	if [ "$c" = single ]; then
		for n in regular exec link dangling; do
			run "$XPIN" hash --nar "$t/$n"
			expect_eq "$c: --nar of a root $n" "$(want $c file.$n)" "$(cat "$TMP/out")"
		done
		continue
	fi
	run "$XPIN" hash --nar "$t"
	expect_eq "$c: --nar PATH is nix hash path" "$(want $c path)" "$(cat "$TMP/out")"
	run "$XPIN" hash --nar --base32 "$t"
	expect_eq "$c: --base32" "$(want $c path.base32)" "$(cat "$TMP/out")"
	run "$XPIN" hash --nar --base16 "$t"
	expect_eq "$c: --base16" "$(want $c path.base16)" "$(cat "$TMP/out")"
	commit=$(sh "$MK" commit "$t" 2>/dev/null)
	expect_eq "$c: the tree commits as in the vector" "$(want $c commit)" "$commit"
	run "$XPIN" hash --nar --git "$t" --rev "$commit" --export-ignore=yes
	expect_eq "$c: --git --export-ignore=yes is git archive's nix hash path" \
		"$(want $c archive)" "$(cat "$TMP/out")"
	cp "$TMP/out" "$TMP/archive"
	run "$XPIN" hash --nar --git "$t" --export-ignore=no
	expect_eq "$c: --git --export-ignore=no is the stored tree" \
		"$(want $c tree)" "$(cat "$TMP/out")"
	n=0
	for f in "$VEC/nar/$c"/flake-lock.nix-*; do
		v=${f##*.nix-}
		case $v in 0.* | 1.* | 2.[0-9] | 2.1[0-9]) side=$TMP/archive rule=archive ;;
		*) side=$TMP/out rule=stored ;;
		esac
		expect_eq "$c: Nix $v's flake lock narHash is xpin's $rule tree" \
			"$(sed -n 's/^narHash=//p' "$f")" "$(cat "$side")"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ] && ok "$c: narHashes of two Nix versions" ||
		not_ok "$c: narHashes of two Nix versions ($n)"
done
test_done
