#!/bin/sh
# Mercurial inputs, as Nix writes them ("type": "hg"): a flake locked by
# `nix flake lock` on an hg+file input is listed with its hg+ url, ref and
# rev, and `xpin pin dep=<rev>` (facts from Nix; a git mirror cannot serve
# hg) writes what `nix flake lock --override-input` writes for that rev,
# byte for byte.
. "$(dirname "$0")/../lib.sh"

export HGUSER="xpin tests <tests@xpin.invalid>" HGPLAIN=1
hg init "$TMP/dep"
echo one >"$TMP/dep/hello"
hg -R "$TMP/dep" add -q "$TMP/dep/hello"
hg -R "$TMP/dep" commit -q -m one -d "1700000000 0"
r1=$(hg -R "$TMP/dep" log -r 0 -T '{node}')

mkdir "$TMP/top"
cd "$TMP/top" || exit 1
cat >flake.nix <<NIX
{
  inputs.dep = { url = "hg+file://$TMP/dep"; flake = false; };
  outputs = { self, dep }: { };
}
NIX
git init -q && git add flake.nix && git commit -qm top
expect_exit 0 "nix flake lock on an hg+file input" nix flake lock
expect_eq "Nix locks it as type hg at the first commit" "hg $r1" "$(locked flake.lock dep type) $(locked flake.lock dep rev)"
git add flake.lock && git commit -qm lock
cp flake.lock "$TMP/before.lock"

expect_exit 0 "pins --json lists it" "$XPIN" --json pins
ref=$(locked flake.lock dep ref)
sep='?'; [ -n "$ref" ] && sep='&'
expect_eq "pins --json: type and url with the hg+ scheme, ref and rev" \
	"hg hg+file://$TMP/dep${ref:+?ref=$ref}${sep}rev=$r1" "$(python3 -c '
import json, sys
i = [p for p in json.load(open(sys.argv[1])) if p["path"] == "dep"][0]
print(i["type"], i["url"])' "$TMP/out")"

echo two >"$TMP/dep/hello"
hg -R "$TMP/dep" commit -q -m two -d "1700100000 0"
r2=$(hg -R "$TMP/dep" log -r 1 -T '{node}')
expect_exit 0 "xpin pin dep=<rev> of an hg input" "$XPIN" pin dep="$r2"
expect_grep "the facts came from Nix" "facts from nix flake prefetch" "$TMP/out"
cp flake.lock "$TMP/xpin.lock"
cp "$TMP/before.lock" flake.lock
expect_exit 0 "nix flake lock --update-input dep" nix flake lock --update-input dep
expect_eq "Nix moved to the second commit" "$r2" "$(locked flake.lock dep rev)"
expect_same "xpin's lock is byte-identical to Nix's" flake.lock "$TMP/xpin.lock"
test_done
