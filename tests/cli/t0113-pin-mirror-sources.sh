#!/bin/sh
# Where mirrors come from: --mirror, then XPIN_MIRRORS, then the mirrors
# file ($XDG_CONFIG_HOME/xpin/mirrors, else ~/.config/xpin/mirrors); the
# first that names an input wins. Relative folders in the file are taken
# from the file's folder, ~/ from HOME. Malformed entries are refused with
# where they are; entries for inputs the lock lacks are ignored unless
# given on the command line. pins --check finds mirrors the same way.
. "$(dirname "$0")/../lib.sh"

sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" one >"$TMP/commits"
sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" two >>"$TMP/commits"
c1=$(sed -n 's/^c1 //p' "$TMP/commits")
mkdir -p "$XDG_CONFIG_HOME/xpin"
for m in "$TMP/m1" "$TMP/m2" "$TMP/m3" "$XDG_CONFIG_HOME/xpin/rel" "$HOME/tilde"; do
	git clone -q --mirror "$TMP/dep" "$m"
done
mkdir "$TMP/w"
cd "$TMP/w" || exit 1
python3 - "$c1" >flake.lock <<'EOF'
import json, sys
n = {"locked": {"lastModified": 1, "narHash": "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                "owner": "example", "repo": "dep", "rev": sys.argv[1], "type": "github"},
     "original": {"owner": "example", "repo": "dep", "type": "github"}}
print(json.dumps({"nodes": {"dep": n, "root": {"inputs": {"dep": "dep"}}},
                  "root": "root", "version": 7}, indent=2, sort_keys=True))
EOF
cp flake.lock "$TMP/before.lock"
file=$XDG_CONFIG_HOME/xpin/mirrors

# used DESC DIR ARGS...: xpin pin --dry-run dep=main ARGS took DIR.
used() {
	u_desc=$1 u_dir=$2
	shift 2
	expect_exit 0 "$u_desc: exit 0" "$XPIN" pin --dry-run dep=main "$@"
	expect_grep "$u_desc: facts from $u_dir" "facts from mirror $u_dir," "$TMP/out"
}
XPIN_MIRRORS="nothere=/nowhere:dep=$TMP/m1:" used "XPIN_MIRRORS" "$TMP/m1"
printf '# mirrors\n\n  nothere=/nowhere  \ndep=%s\n' "$TMP/m2" >"$file"
used "the mirrors file" "$TMP/m2"
XPIN_MIRRORS="dep=$TMP/m1" used "XPIN_MIRRORS over the file" "$TMP/m1"
XPIN_MIRRORS="dep=$TMP/m1" used "--mirror over XPIN_MIRRORS" "$TMP/m3" --mirror dep="$TMP/m3"
printf 'dep=/nowhere\n' >"$file"
XPIN_MIRRORS="dep=$TMP/m1" used "a bad mirror in the file is not looked at under XPIN_MIRRORS" "$TMP/m1"
printf 'dep=rel\n' >"$file"
used "a relative folder in the file" "$XDG_CONFIG_HOME/xpin/rel"
printf 'dep=~/tilde\n' >"$file"
used "~/ in the file" "$HOME/tilde"
mkdir -p "$TMP/xdg/xpin"
printf 'dep=%s\n' "$TMP/m1" >"$TMP/xdg/xpin/mirrors"
XDG_CONFIG_HOME=$TMP/xdg used "XDG_CONFIG_HOME" "$TMP/m1"
(unset XDG_CONFIG_HOME; used "without XDG_CONFIG_HOME, ~/.config" "$HOME/tilde")

# refuse DESC PATTERN CMD...: exit 2, one line naming PATTERN, lock as it was.
refuse() {
	r_desc=$1 r_pat=$2
	shift 2
	expect_exit 2 "$r_desc: exit 2" "$@"
	expect_one_line "$r_desc: one line" "$TMP/err"
	expect_grep "$r_desc: says where" "$r_pat" "$TMP/err"
	expect_same "$r_desc: lock unchanged" "$TMP/before.lock" flake.lock
}
rm -f "$file"
XPIN_MIRRORS="dep" refuse "XPIN_MIRRORS without '='" "XPIN_MIRRORS: 'dep' is not INPUT=DIR" "$XPIN" pin dep=main
XPIN_MIRRORS="dep=$TMP/m1:dep=$TMP/m2" refuse "XPIN_MIRRORS naming an input twice" \
	"a second mirror for input 'dep'" "$XPIN" pin dep=main
printf '# ok\ndep=%s\n=%s\n' "$TMP/m1" "$TMP/m2" >"$file"
refuse "a malformed line in the file" "$file:3: '=$TMP/m2' is not INPUT=DIR" "$XPIN" pin dep=main
refuse "a malformed file fails pins --check too" "$file:3:" "$XPIN" pins --check
printf 'dep=%s\n' "$TMP/m1" >"$file"

# pins --check finds them the same way.
expect_exit 1 "pins --check with the file's mirror: the made-up narHash is caught" "$XPIN" pins --check
expect_grep "pins --check: the file's mirror is used" "^mismatch  *dep: .*(mirror $TMP/m1," "$TMP/out"
expect_exit 1 "pins --check with XPIN_MIRRORS" env XPIN_MIRRORS="dep=$TMP/m2" "$XPIN" pins --check
expect_grep "pins --check: XPIN_MIRRORS over the file" "(mirror $TMP/m2," "$TMP/out"
rm -f "$file"
expect_exit 0 "pins --check without any mirror" "$XPIN" pins --check
expect_grep "pins --check without any mirror: unchecked" "^unchecked  *dep (no mirror)" "$TMP/out"
test_done
