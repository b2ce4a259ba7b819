#!/bin/sh
# verify trusts only what xpin.lock signed: a flake.lock changed outside
# the pinned inputs, a narHash-only edit (named as such), an older signed
# manifest whose outputs are still in the store while the flake now gives
# another derivation (also under --no-build), a manifest of another
# branch, and an unsigned change to a target's command in xpin.json
# (which must not be run) are each exit 1. The manifest of the commit
# before the one that adds it verifies. A store output that is gone is
# exit 2 with no log folder left.
. "$(dirname "$0")/../lib.sh"

signed_example
mkdir "$TMP/tmpdir"
export TMPDIR="$TMP/tmpdir"
T=x86_64-linux-musl

# The commits here are made today, years after the example's: a check
# rebuilds the command target at the date its lock recorded, not theirs.
expect_exit 0 "lock $T and tool" "$XPIN" lock $T tool
git add xpin.lock xpin.lock.minisig && git commit -qm "release 1"
expect_exit 0 "verify at the commit that adds xpin.lock" "$XPIN" verify -p "$TMP/k.pub"
expect_exit 0 "verify --no-build there too" "$XPIN" verify --no-build -p "$TMP/k.pub" $T
cp xpin.lock "$TMP/r1.lock"; cp xpin.lock.minisig "$TMP/r1.minisig"

# flake.lock changed where no pin is: the input's "original".
cp flake.lock "$TMP/flake.lock.good"
python3 - <<'PY'
import json
l = json.load(open("flake.lock"))
l["nodes"]["nixpkgs"]["original"]["ref"] = "elsewhere"
open("flake.lock", "w").write(json.dumps(l, indent=2, sort_keys=True) + "\n")
PY
expect_exit 1 "a changed 'original': exit 1" "$XPIN" verify --no-build -p "$TMP/k.pub" $T
expect_grep "it says flake.lock is not the one locked" "flake.lock is not the one xpin.lock was made with" "$TMP/err"
expect_one_line "in one line" "$TMP/err"
# A narHash-only edit is named as one.
python3 - "$TMP/flake.lock.good" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
l["nodes"]["nixpkgs"]["locked"]["narHash"] = "sha256-" + "A" * 43 + "="
open("flake.lock", "w").write(json.dumps(l, indent=2, sort_keys=True) + "\n")
PY
expect_exit 1 "a narHash-only edit: exit 1" "$XPIN" verify --no-build -p "$TMP/k.pub" $T
expect_grep "it names the narHash and the same rev" "narHash sha256-AAAA.*(the same rev)" "$TMP/err"
cp "$TMP/flake.lock.good" flake.lock
expect_exit 0 "flake.lock put back: verify passes" "$XPIN" verify --no-build -p "$TMP/k.pub" $T

# Another derivation: the source changes, release 2 is locked; then the
# older signed manifest is put back while its outputs are still present.
echo 9.9.9 >src/VERSION && git commit -qam "version 9.9.9"
expect_exit 0 "lock release 2" "$XPIN" lock $T tool
git add xpin.lock xpin.lock.minisig && git commit -qm "release 2"
drv=$(nix eval --raw ".#packages.x86_64-linux.$T.drvPath")
cp "$TMP/r1.lock" xpin.lock; cp "$TMP/r1.minisig" xpin.lock.minisig
expect_exit 1 "the older manifest, --no-build: exit 1" "$XPIN" verify --no-build -p "$TMP/k.pub" $T
expect_grep "it names the derivation nix eval gives" "another derivation: the flake gives $drv" "$TMP/err"
expect_exit 1 "the older manifest, rebuilt: exit 1" "$XPIN" verify -p "$TMP/k.pub" $T
git checkout -q xpin.lock xpin.lock.minisig

# A manifest of another branch.
git checkout -q -b side
echo side >src/VERSION && git commit -qam side
"$XPIN" -q lock $T >/dev/null
cp xpin.lock "$TMP/side.lock"; cp xpin.lock.minisig "$TMP/side.minisig"
git checkout -q -f main 2>/dev/null || git checkout -q -f master
cp "$TMP/side.lock" xpin.lock; cp "$TMP/side.minisig" xpin.lock.minisig
expect_exit 1 "a manifest of another branch: exit 1" "$XPIN" verify --no-build -p "$TMP/k.pub" $T
expect_grep "it says the commit is no ancestor" "which is not .* or an ancestor of it" "$TMP/err"
git checkout -q xpin.lock xpin.lock.minisig

# An unsigned command: it is refused, and not run.
python3 - "$TMP/pwned" <<'PY'
import json, sys
c = json.load(open("xpin.json"))
c["targets"]["tool"]["command"] = "touch " + sys.argv[1] + "; make -C src release"
open("xpin.json", "w").write(json.dumps(c, indent=2) + "\n")
PY
expect_exit 1 "a command xpin.lock did not sign: exit 1" "$XPIN" verify -p "$TMP/k.pub" tool
expect_grep "it names the target and its command" "target 'tool': its command in xpin.json is not the one xpin.lock signed" "$TMP/err"
[ ! -e "$TMP/pwned" ] && ok "the unsigned command did not run" || not_ok "the unsigned command ran"
git checkout -q xpin.json

# A store output that is gone: bad input, exit 2, no log folder left.
out=$(python3 -c 'import json,sys; print(json.load(open("xpin.lock"))["targets"][sys.argv[1]]["outputs"]["out"])' $T)
expect_exit 0 "nix store delete the output" nix store delete "$out"
expect_exit 2 "--no-build with the output gone: exit 2" "$XPIN" verify --no-build -p "$TMP/k.pub" $T
expect_grep "it says it is not in the store" "is not in the store" "$TMP/err"
expect_eq "no log folder is left" "" "$(ls "$TMP/tmpdir")"
test_done
