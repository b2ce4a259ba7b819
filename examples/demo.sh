#!/bin/sh
# make demo: xpin on the bundled example, in a temporary folder so the
# example itself never changes.
set -eu
xpin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpin-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$here/rust-cross/flake.lock" "$tmp/flake.lock"
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say xpin pins
"$xpin" -C "$tmp" pins
say "xpin pin --dry-run nixpkgs=<rev> --nar-hash ... --last-modified ..."
"$xpin" -C "$tmp" pin --dry-run \
	nixpkgs=0123456789abcdef0123456789abcdef01234567 \
	--nar-hash sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= \
	--last-modified 1760000000
say "xpin pin rust-overlay/nixpkgs=<rev>   (refused: it follows nixpkgs)"
"$xpin" -C "$tmp" pin rust-overlay/nixpkgs=0123456789abcdef0123456789abcdef01234567 2>&1 || :
printf '\nLook at: which revision each input is pinned to, and that an input\n'
printf 'which follows another is pinned through the one it follows.\n'
