#!/bin/sh
# Without a mirror and without given facts, xpin pin asks Nix (`nix flake
# prefetch --json`, and builtins.fetchTree for what Nix 2.8's prefetch does
# not print; newer Nix's prefetch prints it all) and says so. On git+file inputs the lock is byte-identical to
# what `nix flake lock --update-input` writes, and to what the mirror way
# writes; a full sha matches --override-input. Nix's failures (an unknown
# ref, no nix at all) are exit 2, one line, the lock unchanged. The test
# configuration has no flake registry, so this also shows that xpin's call
# does not need one.
. "$(dirname "$0")/../lib.sh"

system=$(uname -m)-linux
sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" one >"$TMP/commits"
mkdir "$TMP/top"
cd "$TMP/top" || exit 1
cat >flake.nix <<NIX
{
  inputs.dep = { url = "git+file://$TMP/dep"; flake = false; };
  inputs.tagged = { url = "git+file://$TMP/dep?ref=v1"; flake = false; };
  outputs = { self, dep, tagged }: {
    packages.$system.default = derivation {
      name = "xpin-t0114"; system = "$system"; builder = "/bin/sh";
      args = [ "-c" "read a < \${dep}/hello; read b < \${tagged}/hello; echo \$a \$b > \$out" ];
    };
  };
}
NIX
git init -q && git add flake.nix && git commit -qm top
expect_exit 0 "nix flake lock at the first commit" nix flake lock
git add flake.lock && git commit -qm lock
cp flake.lock "$TMP/before.lock"
ref=$(locked flake.lock dep ref)
sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" two >>"$TMP/commits"
c2=$(sed -n 's/^c2 //p' "$TMP/commits")

expect_exit 0 "xpin pin dep=main tagged=v1, no mirror" "$XPIN" pin dep=main tagged=v1
expect_grep "the report says Nix gave the facts" \
	"facts from nix flake prefetch" "$TMP/out"
expect_exit 0 "nix build --no-update-lock-file accepts the lock" \
	nix build --no-update-lock-file --no-link --json
out=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["outputs"]["out"])' "$TMP/out")
expect_eq "the build used the new commit" "three three" "$(cat "$out")"
cp flake.lock "$TMP/nix-fallback.lock"

cp "$TMP/before.lock" flake.lock
expect_exit 0 "nix flake lock --update-input dep --update-input tagged" \
	nix flake lock --update-input dep --update-input tagged
expect_same "the fallback's lock is byte-identical to Nix's" flake.lock "$TMP/nix-fallback.lock"

git clone -q --mirror "$TMP/dep" "$TMP/mirror"
cp "$TMP/before.lock" flake.lock
expect_exit 0 "the same from a mirror" "$XPIN" pin dep=main tagged=v1 \
	--mirror dep="$TMP/mirror" --mirror tagged="$TMP/mirror"
expect_same "mirror and fallback write the same bytes" "$TMP/nix-fallback.lock" flake.lock

cp "$TMP/before.lock" flake.lock
expect_exit 0 "xpin --json pin dep=<full sha>, no mirror" "$XPIN" --json pin dep="$c2"
expect_eq "--json says the facts came from nix" "nix None" "$(python3 -c '
import json, sys
i = json.load(open(sys.argv[1]))["inputs"][0]
print(i["facts"], i["mirror"])' "$TMP/out")"
cp flake.lock "$TMP/full.lock"
cp "$TMP/before.lock" flake.lock
expect_exit 0 "nix flake lock --override-input dep ...?rev=<full sha>" \
	nix flake lock --override-input dep "git+file://$TMP/dep?ref=$ref&rev=$c2"
expect_eq "a full sha: the locked node is Nix's" "same" "$(python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["nodes"]["dep"]["locked"]
b = json.load(open(sys.argv[2]))["nodes"]["dep"]["locked"]
print("same" if a == b else "%r != %r" % (a, b))' "$TMP/full.lock" flake.lock)"

cp "$TMP/before.lock" flake.lock
expect_exit 2 "an unknown ref, no mirror: exit 2" "$XPIN" pin dep=no-such-branch
expect_one_line "an unknown ref, no mirror: one line" "$TMP/err"
expect_grep "an unknown ref, no mirror: Nix's reason" "nix flake prefetch failed: .*no-such-branch" "$TMP/err"
expect_same "an unknown ref, no mirror: lock unchanged" "$TMP/before.lock" flake.lock
mkdir "$TMP/nobin"
expect_exit 2 "no nix on PATH: exit 2" env PATH="$TMP/nobin" "$XPIN" pin dep=main
expect_one_line "no nix on PATH: one line" "$TMP/err"
expect_grep "no nix on PATH: says so" "cannot run 'nix'" "$TMP/err"
expect_same "no nix on PATH: lock unchanged" "$TMP/before.lock" flake.lock
test_done
