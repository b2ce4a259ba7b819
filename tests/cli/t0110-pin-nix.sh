#!/bin/sh
# Real Nix accepts what xpin pin writes: a flake with a local git+file://
# input is locked by `nix flake lock`; the input gets a second commit; xpin
# pin moves the lock to it with narHash, lastModified and revCount taken
# from Nix and git; then `nix build --no-update-lock-file` and `nix flake
# metadata` succeed and report the new rev, and the lock is byte-identical
# to the one `nix flake lock --update-input` writes.
. "$(dirname "$0")/../lib.sh"

system=$(uname -m)-linux
mkdir -p "$TMP/dep" "$TMP/top"
cd "$TMP/dep" || exit 1
git init -q && echo one >hello && git add hello && git commit -qm one
rev1=$(git rev-parse HEAD)
cd "$TMP/top" || exit 1
cat >flake.nix <<NIX
{
  inputs.dep = { url = "git+file://$TMP/dep"; flake = false; };
  outputs = { self, dep }: {
    packages.$system.default = derivation {
      name = "xpin-t0110"; system = "$system"; builder = "/bin/sh";
      args = [ "-c" "read x < \${dep}/hello; echo \$x > \$out" ];
    };
  };
}
NIX
git init -q && git add flake.nix && git commit -qm top
expect_exit 0 "nix flake lock" nix flake lock
git add flake.lock && git commit -qm lock
locked=$(python3 -c 'import json; print(json.load(open("flake.lock"))["nodes"]["dep"]["locked"]["rev"])')
expect_eq "nix locked the first commit" "$rev1" "$locked"

cd "$TMP/dep" || exit 1
echo two >hello && echo more >more && git add . && git commit -qm two
rev2=$(git rev-parse HEAD)
mkdir "$TMP/export" && git archive "$rev2" | tar -x -C "$TMP/export"
nar=$(nix hash path "$TMP/export")
lm=$(git log -1 --format=%ct "$rev2")
rc2=$(git rev-list --count "$rev2")
cd "$TMP/top" || exit 1
cp flake.lock "$TMP/before.lock"

expect_exit 0 "xpin pin dep=<second commit>" "$XPIN" pin "dep=$rev2" \
	--nar-hash "$nar" --last-modified "$lm" --rev-count "$rc2"
expect_grep "the report names the input" "Updated input 'dep'" "$TMP/out"
expect_grep "the report gives the new rev" "rev=$rev2" "$TMP/out"
expect_exit 0 "nix build --no-update-lock-file accepts the lock" \
	nix build --no-update-lock-file --no-link --json
out=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["outputs"]["out"])' "$TMP/out")
expect_eq "the build used the second commit" "two" "$(cat "$out")"
expect_exit 0 "nix flake metadata --json" nix flake metadata --json --no-update-lock-file
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["locks"]["nodes"]["dep"]["locked"]["rev"])' "$TMP/out")
expect_eq "nix flake metadata reports the new rev" "$rev2" "$got"
expect_exit 0 "the lock still lists" "$XPIN" pins
expect_grep "xpin pins shows the new rev" "rev           $rev2" "$TMP/out"

# What Nix itself writes when it moves the input to the same commit.
mkdir "$TMP/nixway" && cp flake.nix "$TMP/before.lock" "$TMP/nixway/" &&
	mv "$TMP/nixway/before.lock" "$TMP/nixway/flake.lock"
cd "$TMP/nixway" && git init -q && git add . && git commit -qm nixway
expect_exit 0 "nix flake lock --update-input dep" nix flake lock --update-input dep
expect_same "xpin's lock is byte-identical to Nix's" "$TMP/nixway/flake.lock" "$TMP/top/flake.lock"
test_done
