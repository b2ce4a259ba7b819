#!/bin/sh
# A substituted output is someone else's build. With a real local binary
# cache (nix copy --to file://..., substituters = file://... with
# require-sigs = false): verify on a store without the output rebuilds it
# here instead of trusting the cache's bytes, so a target whose output
# depends on the machine is caught; lock records that its first build
# came from the cache, and which cache, as nix path-info and Nix's log
# say.
. "$(dirname "$0")/../lib.sh"

proj=$TMP/proj marker=$TMP/marker cache=$TMP/cache
mkdir -p "$proj" && cd "$proj" || exit 1
echo "the maintainer's machine" >"$marker"
# The output depends on a file of the machine that builds it.
cat >flake.nix <<EOF
{
  outputs = { self }: {
    packages.x86_64-linux.fact = derivation {
      name = "xpin-t1001-fact";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "v=none; read -r v < $marker; /bin/mkdir \$out; echo \"built on \$v\" > \$out/fact" ];
    };
  };
}
EOF
cat >xpin.json <<'EOF'
{ "targets": { "fact": { "attr": "packages.x86_64-linux.fact" } } }
EOF
git init -q . && git add -A && nix flake lock 2>/dev/null && git add -A && git commit -qm project ||
	{ not_ok "project setup"; exit 1; }
expect_exit 0 "keygen" "$XPIN" keygen -W -p "$TMP/xpin.pub" -s "$TMP/xpin.key"
export XPIN_SECRET_KEY="$(cat "$TMP/xpin.key")"

builds() {
	python3 -c 'import json, sys
for b in json.load(open(sys.argv[1]))["targets"]["fact"]["builds"]:
    print(b["store"], b["substitutedFrom"], b["agrees"])' "${1:-xpin.lock}"
}

expect_exit 0 "lock: built here, twice" "$XPIN" lock
expect_eq "the manifest records two builds here that agree" \
	"local None True
local None True" "$(builds)"
out=$(nix eval --raw .#fact.outPath)
expect_eq "nix path-info: the store's output was built here (ultimate)" "True" \
	"$(nix path-info --json "$out" | python3 -c 'import json, sys
d = json.load(sys.stdin); i = d[0] if isinstance(d, list) else d[sys.argv[1]]
print(bool(i.get("ultimate")))' "$out")"
cp "$TMP/xpin.pub" . && git add xpin.lock xpin.lock.minisig xpin.pub && git commit -qm lock

# The maintainer pushes the output to a cache; the user's store lacks it.
nix copy --to "file://$cache" "$out" 2>/dev/null && nix store delete "$out" >/dev/null 2>&1 &&
	[ ! -e "$out" ] && ok "the output is in the cache only" || not_ok "cache setup"
NIX_CONFIG="$NIX_CONFIG
substituters = file://$cache
require-sigs = false"
export NIX_CONFIG

# The user's machine differs: a build here gives other bytes.
echo "the user's machine" >"$marker"
expect_exit 1 "verify: the cache's output is rebuilt here, and the difference is caught" \
	"$XPIN" verify
expect_grep "the artifact is named" "artifact 'fact' differs from xpin.lock" "$TMP/err"
expect_grep "the report says build 1 came from the cache" \
	"build 1: substituted from file://$cache, not built here" "$TMP/out"
expect_grep "and that build 2 ran here and differs" "build 2: built here: NOT the bytes of build 1" "$TMP/out"
expect_eq "nix path-info: the output in the store is not ultimate (substituted)" "False" \
	"$(nix path-info --json "$out" | python3 -c 'import json, sys
d = json.load(sys.stdin); i = d[0] if isinstance(d, list) else d[sys.argv[1]]
print(bool(i.get("ultimate")))' "$out")"
expect_eq "the rebuild here is what a plain build here gives" "built on the user's machine" \
	"$(cat "$out.check/fact" 2>/dev/null)"

# The same machine again: substituted, rebuilt here, the same bytes.
echo "the maintainer's machine" >"$marker"
rm -rf "$out.check"
nix store delete "$out" >/dev/null 2>&1
expect_exit 0 "verify: substituted, rebuilt here, the same bytes: ok" "$XPIN" verify --json
python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))["targets"]["fact"]
for b in t["builds"]:
    print(b["store"], b["substitutedFrom"], b["agrees"])' "$TMP/out" >"$TMP/vb"
expect_eq "verify --json: build 1 from the cache, build 2 here, agreeing" \
	"local file://$cache True
local None True" "$(cat "$TMP/vb")"

# lock on a store without the output: its first build is the cache's.
nix store delete "$out" >/dev/null 2>&1
expect_exit 0 "lock with the output in a cache only" "$XPIN" lock
expect_eq "the manifest says build 1 was substituted, and from which cache" \
	"local file://$cache True
local None True" "$(builds)"
expect_grep "the report says the builds ran on more than one machine" \
	"these builds ran on more than one machine" "$TMP/out"
expect_exit 0 "minisign -V accepts the manifest that records it" \
	minisign -V -p "$TMP/xpin.pub" -m xpin.lock
test_done
