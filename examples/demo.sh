#!/bin/sh
# make demo: xpin's main job on the bundled cross example, in a temporary
# folder: pin, build every target twice, sign, verify, and show the
# /nix/store interpreter that xpin exists to catch. Nothing outside the
# temporary folder is touched: Nix gets an offline configuration through
# NIX_CONFIG when none is set, and the signing key is a throwaway one.
set -eu
xpin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpin-demo.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
if [ -z "${NIX_CONFIG:-}" ]; then
	NIX_CONFIG='experimental-features = nix-command flakes
sandbox = false
substituters =
build-users-group =
flake-registry =
warn-dirty = false'
	export NIX_CONFIG
fi
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

proj=$(sh "$here/cross/setup.sh" "$tmp/ex" 2>/dev/null)
cd "$proj"
"$xpin" keygen -W -p "$tmp/demo.pub" -s "$tmp/demo.key" >/dev/null
XPIN_SECRET_KEY=$(cat "$tmp/demo.key")
export XPIN_SECRET_KEY

say "xpin pins            # which revisions build this release"
"$xpin" pins
say "xpin lock -j 2       # build each target twice, hash, check ELF facts, sign"
"$xpin" lock -j 2
say "xpin verify -p xpin.pub   # what CI runs: signature, pins, a rebuild, the policy"
"$xpin" verify -p "$tmp/demo.pub"
say "minisign -Vm xpin.lock -p xpin.pub   # anyone can check the signature"
minisign -Vm xpin.lock -p "$tmp/demo.pub"
python3 - "$tmp/all.json" <<'PY'
import json, sys
a = json.load(open("xpin.json")); b = json.load(open("xpin.extra.json"))
a["targets"] = {"x86_64-linux-gnu-nixstore": b["targets"]["x86_64-linux-gnu-nixstore"]}
json.dump(a, open(sys.argv[1], "w"), indent=2)
PY
say "xpin lock --no-sign x86_64-linux-gnu-nixstore   # the binary that dies on Arch"
"$xpin" lock --no-sign -c "$tmp/all.json" || echo "(exit $?: the policy caught it, as it should)"
cat <<'TXT'

What to look at:
- xpin pins: the exact nixpkgs and rust-overlay revisions the release uses
  (rust-overlay/nixpkgs follows nixpkgs, so there is one nixpkgs).
- xpin lock: every target built twice with the same bytes; xpin.lock records
  each artifact's sha256 and ELF facts (aarch64 static, musl static, gnu
  dynamic with its glibc floor), and xpin.lock.minisig signs it.
- the last target: its ELF interpreter points into /nix/store, so it would
  fail with "cannot execute: required file not found" on an ordinary
  distribution; xpin refuses it unless "allow_nix_store" is set.
TXT
