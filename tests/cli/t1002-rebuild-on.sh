#!/bin/sh
# A rebuild on another machine: a second Debian root with its own
# /nix/store, its own compilers and Nix, reached over ssh on loopback
# (tests/ci/machine.sh), as xpin's --rebuild-on ssh-ng:// store. The
# example's targets agree across the two machines and the manifest says
# so; a target whose output depends on the machine is caught, with both
# sha256 sums (as sha256sum gives them on each machine's copy) and diff's
# account; an unreachable store and a build that fails only there each
# give exit 4 and their reason; verify --build-on builds there too.
. "$(dirname "$0")/../lib.sh"

machine=$TMP/machine
sh "$ROOT/tests/ci/machine.sh" start "$machine" >"$TMP/machine.out" 2>"$TMP/machine.err"
mrc=$?
[ "$mrc" -eq 2 ] && skip_all "no second machine here: $(head -n 1 "$TMP/machine.err")"
[ "$mrc" -eq 0 ] || { not_ok "the second machine starts"; cat "$TMP/machine.err"; exit 1; }
trap 'sh "$ROOT/tests/ci/machine.sh" stop "$machine" >/dev/null 2>&1
	chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
ok "the second machine starts: $(cat "$TMP/machine.out")"
NIX_SSHOPTS=$(cat "$machine/sshopts")
export NIX_SSHOPTS
store=ssh-ng://root@127.0.0.1
there=$machine/root
# The machine's Nix, as it says itself.
remote_nix=$(sh "$ROOT/tests/ci/machine.sh" run "$machine" "nix --version" | sed -n 's/^nix (Nix) //p')
[ -n "$remote_nix" ] && ok "the machine runs Nix $remote_nix" || not_ok "the machine's nix --version"

# builds FILE TARGET: each build's store, Nix, cache and agreement.
builds() {
	python3 -c 'import json, sys
for b in json.load(open(sys.argv[1]))["targets"][sys.argv[2]]["builds"]:
    print(b["store"], b["nix"], b["substitutedFrom"], b["agrees"])' "$@"
}

# --- the example, across two machines ----------------------------------
proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
expect_exit 0 "lock --rebuild-on: every target agrees across the two machines" \
	"$XPIN" lock --no-sign -j 2 --rebuild-on "$store"
cp "$TMP/out" "$TMP/lock.out"
expect_grep "the report names the other machine and its Nix" \
	"build 2: built on $store (Nix $remote_nix): the same bytes as build 1" "$TMP/lock.out"
python3 -c 'import json, sys
for n, t in sorted(json.load(open("xpin.lock"))["targets"].items()):
    if t["builder"] == "nix":
        print(n, t["outputs"]["out"])' >"$TMP/nix-targets"
n=0
while read -r name out; do
	n=$((n + 1))
	expect_eq "$name: the manifest records a build here and one there, agreeing" \
		"local None None True
$store $remote_nix None True" "$(builds xpin.lock "$name")"
	# The same bytes, by Nix's own hash of each machine's store path.
	[ -e "$there$out" ] && [ ! -e "$there$out.check" ] &&
		ok "$name: the output was built in the machine's store" ||
		not_ok "$name: no $out in the machine's store"
	expect_eq "$name: nix hash path of both machines' outputs agree" \
		"$(nix hash path "$out")" "$(nix hash path "$there$out")"
done <"$TMP/nix-targets"
[ "$n" -ge 6 ] && ok "nix targets checked: $n" || not_ok "only $n nix targets"

# --- a target that depends on the machine ------------------------------
echo "the builder machine" >"$there/etc/xpin-t1002-fact"
p2=$TMP/p2
mkdir -p "$p2" && cd "$p2" || exit 1
cat >flake.nix <<'EOF'
{
  outputs = { self }: let
    mk = name: script: derivation {
      inherit name; system = "x86_64-linux"; builder = "/bin/sh";
      args = [ "-c" script ];
    };
  in {
    packages.x86_64-linux.fact = mk "xpin-t1002-fact" ''
      v=none; read -r v < /etc/xpin-t1002-fact
      /bin/mkdir $out; echo "built on $v" > $out/fact; echo same > $out/same
    '';
    packages.x86_64-linux.fact2 = mk "xpin-t1002-fact2" ''
      v=none; read -r v < /etc/xpin-t1002-fact2
      /bin/mkdir $out; echo "built on $v" > $out/fact
    '';
    packages.x86_64-linux.plain = mk "xpin-t1002-plain" ''
      /bin/mkdir $out; echo plain > $out/plain
    '';
    packages.x86_64-linux.fails-there = mk "xpin-t1002-fails-there" ''
      if [ -e /etc/xpin-t1002-fact ]; then
        echo "only the builder machine has this fact file" >&2; exit 3
      fi
      /bin/mkdir $out; echo fine > $out/fine
    '';
  };
}
EOF
cat >xpin.json <<'EOF'
{ "targets": {
    "fact": { "attr": "packages.x86_64-linux.fact" },
    "fact2": { "attr": "packages.x86_64-linux.fact2" },
    "plain": { "attr": "packages.x86_64-linux.plain" },
    "fails-there": { "attr": "packages.x86_64-linux.fails-there" } } }
EOF
git init -q . && git add -A && nix flake lock 2>/dev/null && git add -A &&
	git commit -qm project || { not_ok "project setup"; exit 1; }
out=$(nix eval --raw .#fact.outPath)

expect_exit 1 "a target whose output depends on the machine: exit 1" \
	"$XPIN" lock --no-sign --rebuild-on "$store" fact
expect_grep "it is named as not reproducible" "FAIL fact: NOT reproducible" "$TMP/out"
expect_grep "the differing artifact is named" "differs: fact" "$TMP/out"
expect_grep "build 2 ran there and differs" "build 2: built on $store (Nix $remote_nix): NOT the bytes of build 1" "$TMP/out"
here=$(sha256sum "$out/fact" | cut -d' ' -f1)
far=$(sha256sum "$there$out/fact" | cut -d' ' -f1)
[ "$here" != "$far" ] && ok "sha256sum: the two machines' files differ" || not_ok "the fact files agree"
expect_grep "both sha256 sums are named, as sha256sum gives them" \
	"on $store: artifact 'fact': sha256 $here here, $far there" "$TMP/out"
copy=$(sed -n "s|.*on $store: its output is copied to \\(.*\\) (compare with 'xpin diff')|\\1|p" "$TMP/out")
[ -n "$copy" ] && [ -f "$copy$out/fact" ] && ok "the other machine's output is copied back" ||
	not_ok "no copy named in: $(cat "$TMP/out")"
cmp -s "$copy$out/fact" "$there$out/fact" && ok "the copy is the machine's bytes" ||
	not_ok "the copy differs from the machine's file"
expect_exit 1 "xpin diff names the differing file of the two outputs" "$XPIN" diff "$out" "$copy$out"
expect_grep "diff names fact" "fact" "$TMP/out"
expect_eq "the manifest records that build 2 disagrees" \
	"local None None True
$store $remote_nix None False" "$(builds xpin.lock fact)"

# Two --rebuild-on: one more build each; the second finds the output
# there already, so it builds it there again (nix build --rebuild).
expect_exit 0 "lock with --rebuild-on twice: three builds that agree" \
	"$XPIN" lock --no-sign --rebuild-on "$store" --rebuild-on "$store" plain
expect_eq "the manifest records three builds" \
	"local None None True
$store $remote_nix None True
$store $remote_nix None True" "$(builds xpin.lock plain)"
# xpin.json's rebuild_on does the same as --rebuild-on.
python3 - "$store" <<'PY'
import json, sys
c = json.load(open("xpin.json")); c["rebuild_on"] = [sys.argv[1]]
json.dump(c, open("xpin.json", "w"))
PY
expect_exit 0 "lock with rebuild_on in xpin.json" "$XPIN" lock --no-sign plain
expect_eq "the manifest records the build there" \
	"local None None True
$store $remote_nix None True" "$(builds xpin.lock plain)"
git checkout -q xpin.json

expect_exit 4 "a build that fails only there: exit 4" \
	"$XPIN" lock --no-sign --rebuild-on "$store" fails-there
expect_grep "its one line names the store and the builder's last log line" \
	"target 'fails-there': the build on $store failed: .*only the builder machine has this fact file" "$TMP/err"
expect_eq "that is one error line (and the kept logs' folder)" "1" \
	"$(grep -c "^xpin: target 'fails-there'" "$TMP/err")"

# An unreachable store: nothing listens on that port.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NIX_SSHOPTS=$(echo "$NIX_SSHOPTS" | sed "s/-p [0-9]*/-p $closed/")
expect_exit 4 "an unreachable store: exit 4" \
	env NIX_SSHOPTS="$NIX_SSHOPTS" "$XPIN" lock --no-sign --rebuild-on "$store" fact
expect_grep "its line says the store cannot be reached" \
	"target 'fact': store '$store' cannot be reached: " "$TMP/err"
NIX_SSHOPTS=$(cat "$machine/sshopts")

# verify --build-on: a lock made here is checked there too.
expect_exit 0 "keygen" "$XPIN" keygen -W -p "$TMP/xpin.pub" -s "$TMP/xpin.key"
# A release of fact2 alone: the machine already holds fact's other bytes.
rm -f xpin.lock xpin.lock.minisig
expect_exit 0 "lock here only" env XPIN_SECRET_KEY="$(cat "$TMP/xpin.key")" "$XPIN" lock fact2
cp "$TMP/xpin.pub" . && git add xpin.lock xpin.lock.minisig xpin.pub && git commit -qm lock
expect_exit 0 "verify --build-on: the other machine gives the same bytes" \
	"$XPIN" verify --build-on "$store" fact2
# Its output is in the store here, so build 2 is a rebuild here, and
# build 3 the one there.
expect_grep "verify's report names where each build ran" \
	"build 3: built on $store (Nix $remote_nix): the same bytes as build 1" "$TMP/out"
git tag v1
expect_exit 0 "audit --build-on: the tagged release builds the same there" \
	"$XPIN" audit --build-on "$store" v1
# The machine changes; it holds the output, so it builds it again.
echo "the builder machine" >"$there/etc/xpin-t1002-fact2"
expect_exit 1 "verify --build-on: a machine whose new build differs fails the check" \
	"$XPIN" verify --build-on "$store" fact2
expect_grep "it says the build there differs from what it held" \
	"on $store: a build there differs from the output it held" "$TMP/err"
test_done
