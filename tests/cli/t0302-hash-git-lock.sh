#!/bin/sh
# xpin hash --nar --git --json against vectors/git-lock: rev, narHash,
# lastModified and revCount for each commit and ref, as `nix flake lock`
# recorded them for a git+file:// input (Nix 2.8: git archive's tree,
# --export-ignore=yes; Nix 2.26: the stored tree, --export-ignore=no; one
# expected.nix-V file each); resolution in a bare mirror and
# in a clone; and the refusals (exit 2, one line).
. "$(dirname "$0")/../lib.sh"

V=$VEC/git-lock
repo=$TMP/repo
sh "$V/mkrepo.sh" "$repo" >"$TMP/commits"
expect_same "the repository builds with the vector's commit ids" "$V/commits" "$TMP/commits"
sha() { sed -n "s/^$1 //p" "$V/commits"; }

# field NAME: a top-level value of the canonical JSON in $TMP/out
field() { sed -n "s/^  \"$1\": //p" "$TMP/out" | sed 's/,$//; s/^"//; s/"$//'; }

ei=yes
check() { # DESC REPO REV RECORDED-REV NARHASH LASTMODIFIED REVCOUNT
	run "$XPIN" --json hash --nar --git "$2" --rev "$3" --export-ignore=$ei
	if [ "$rc" -ne 0 ]; then
		not_ok "$1: exit $rc"
		sed 's/^/#   /' "$TMP/err"
		return
	fi
	expect_eq "$1: rev" "$4" "$(field rev)"
	expect_eq "$1: narHash" "$5" "$(field narHash)"
	expect_eq "$1: lastModified" "$6" "$(field lastModified)"
	expect_eq "$1: revCount" "$7" "$(field revCount)"
}

tab=$(printf '\t')
n=0
for E in "$V"/expected.nix-*; do
v=${E##*.nix-}
case $v in 0.* | 1.* | 2.[0-9] | 2.1[0-9]) ei=yes ;; *) ei=no ;; esac
n=$((n + 1))
grep -v '^#' "$E" | while IFS=$tab read -r q rev nar lm count; do
	case $q in
	*'&rev='*) arg=${q#*&rev=} ;;
	rev=*) arg=${q#rev=} ;;
	ref=*) arg=${q#ref=} ;;
	esac
	want=$rev
	# Nix 2.8 locks an annotated tag as the tag object; xpin as its commit
	[ "$q" = ref=v1.0 ] && want=$(git -C "$repo" rev-parse 'v1.0^{commit}')
	check "Nix $v: $q" "$repo" "$arg" "$want" "$nar" "$lm" "$count"
done
done
[ "$n" -ge 2 ] && ok "locks of two Nix versions" || not_ok "locks of two Nix versions ($n)"
ei=yes

line() { grep "^$1$tab" "$V/expected.nix-2.8" | cut -f"$2"; }
c4=$(sha c4)
short=$(printf %.7s "$c4")
check "short sha" "$repo" "$short" "$c4" "$(line ref=main 3)" "$(line ref=main 4)" "$(line ref=main 5)"
check "HEAD" "$repo" HEAD "$c4" "$(line ref=main 3)" "$(line ref=main 4)" "$(line ref=main 5)"
check "refs/tags/v0.9" "$repo" refs/tags/v0.9 "$(sha c2)" "$(line ref=v0.9 3)" \
	"$(line ref=v0.9 4)" "$(line ref=v0.9 5)"

git clone -q --mirror "$repo" "$TMP/mirror.git"
check "bare mirror, ref side" "$TMP/mirror.git" side "$(sha side2)" \
	"$(line ref=side 3)" "$(line ref=side 4)" "$(line ref=side 5)"
run "$XPIN" hash --nar --git "$TMP/mirror.git"
expect_eq "bare mirror, default HEAD, text output" "$(line ref=main 3)" "$(cat "$TMP/out")"

git clone -q "$repo" "$TMP/clone"
check "clone: remote-only branch by its short name" "$TMP/clone" side \
	"$(sha side2)" "$(line ref=side 3)" "$(line ref=side 4)" "$(line ref=side 5)"
check "clone: origin/side" "$TMP/clone" origin/side "$(sha side2)" \
	"$(line ref=side 3)" "$(line ref=side 4)" "$(line ref=side 5)"

# refusals
expect_exit 2 "unknown ref" "$XPIN" hash --nar --git "$repo" --rev no-such-branch
expect_one_line "unknown ref: one line" "$TMP/err"
expect_grep "unknown ref: names it" "no-such-branch" "$TMP/err"
mkdir "$TMP/plain"
expect_exit 2 "not a repository" "$XPIN" hash --nar --git "$TMP/plain"
expect_one_line "not a repository: one line" "$TMP/err"
expect_grep "not a repository: says so" "not a git repository" "$TMP/err"
expect_exit 2 "missing folder" "$XPIN" hash --nar --git "$TMP/absent"
expect_one_line "missing folder: one line" "$TMP/err"
expect_exit 2 "rev not in the mirror" "$XPIN" hash --nar --git "$repo" \
	--rev 0123456789abcdef0123456789abcdef01234567
expect_one_line "rev not in the mirror: one line" "$TMP/err"
expect_grep "rev not in the mirror: says so" "is not in" "$TMP/err"
expect_exit 2 "a tree is not a commit" "$XPIN" hash --nar --git "$repo" \
	--rev "$(git -C "$repo" rev-parse 'HEAD^{tree}')"
expect_one_line "a tree is not a commit: one line" "$TMP/err"
expect_exit 2 "--export-ignore=maybe" "$XPIN" hash --nar --git "$repo" --export-ignore=maybe
expect_one_line "--export-ignore=maybe: one line" "$TMP/err"

# a submodule (gitlink) is refused, unless export-ignore'd
g=$TMP/gitlink
git init -q "$g"
printf 'x\n' >"$g/f"
git -C "$g" add f
git -C "$g" update-index --add --cacheinfo "160000,$(sha c1),vendor/lib"
git -C "$g" commit -q -m gitlink
expect_exit 2 "gitlink refused" "$XPIN" hash --nar --git "$g"
expect_one_line "gitlink: one line" "$TMP/err"
expect_grep "gitlink: says submodule" "submodule" "$TMP/err"
printf 'vendor/lib export-ignore\n' >"$g/.gitattributes"
git -C "$g" add .gitattributes
git -C "$g" commit -q -m ignore
git -C "$g" archive HEAD | (mkdir "$TMP/g.out" && tar -x -C "$TMP/g.out")
run "$XPIN" hash --nar --git "$g"
expect_eq "export-ignore'd gitlink: nix hash path of git archive" \
	"$(nix hash path "$TMP/g.out")" "$(cat "$TMP/out")"

# export-subst that git archive would expand is refused, not mis-hashed
s=$TMP/subst
git init -q "$s"
printf 'v.txt export-subst\n' >"$s/.gitattributes"
printf 'version $Format:%%H$\n' >"$s/v.txt"
git -C "$s" add -A
git -C "$s" commit -q -m subst
expect_exit 2 "export-subst with \$Format: refused" "$XPIN" hash --nar --git "$s"
expect_one_line "export-subst: one line" "$TMP/err"
expect_grep "export-subst: names the file" "v.txt" "$TMP/err"
git -C "$s" archive HEAD >/dev/null
run "$XPIN" hash --nar --git "$s" --export-ignore=no
mkdir "$TMP/s.out"
printf 'version $Format:%%H$\n' >"$TMP/s.out/v.txt"
cp "$s/.gitattributes" "$TMP/s.out/"
expect_eq "export-subst: --export-ignore=no hashes the stored bytes" \
	"$(nix hash path "$TMP/s.out")" "$(cat "$TMP/out")"
test_done
