#!/bin/sh
# xpin pin refuses bad requests with exit 2, one line, the file untouched;
# --dry-run writes nothing; a no-op pin keeps the file as it was.
. "$(dirname "$0")/../lib.sh"

lock=$VEC/flake-lock/serokell__deploy-rs.flake.lock
cp "$lock" "$TMP/flake.lock"
rev=0123456789abcdef0123456789abcdef01234567
nar=sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=

refuse() {
	what=$1
	shift
	expect_exit 2 "$what: exit 2" "$XPIN" -C "$TMP" pin "$@"
	expect_one_line "$what: one line" "$TMP/err"
	expect_same "$what: file untouched" "$lock" "$TMP/flake.lock"
}
refuse "a follows input" naersk/nixpkgs=$rev
expect_grep "a follows input: says what it follows" "input 'naersk/nixpkgs' follows 'nixpkgs'" "$TMP/err"
# An input that follows the root flake itself ([] in a real lock).
cp "$VEC/flake-lock/NixOS__nix.flake.lock" "$TMP/root-follows.lock"
expect_exit 2 "an input that follows the root: exit 2" "$XPIN" pin --lock "$TMP/root-follows.lock" git-hooks-nix/flake-compat=$rev
expect_one_line "an input that follows the root: one line" "$TMP/err"
expect_grep "an input that follows the root: says so in words" \
	"input 'git-hooks-nix/flake-compat' follows the root flake itself, which has no locked revision to pin" "$TMP/err"
expect_same "an input that follows the root: file untouched" "$VEC/flake-lock/NixOS__nix.flake.lock" "$TMP/root-follows.lock"
refuse "an unknown input" nope=$rev --nar-hash $nar --last-modified 1
expect_grep "an unknown input: lists the known ones" "inputs: .*nixpkgs" "$TMP/err"
refuse "a short rev" nixpkgs=abc123 --nar-hash $nar --last-modified 1
expect_grep "a short rev: says 40 hex" "40 hex digits" "$TMP/err"
refuse "a non-hex rev" nixpkgs=0123456789abcdef0123456789abcdef0123456z --nar-hash $nar --last-modified 1
refuse "a narHash of the wrong form" nixpkgs=$rev --nar-hash sha256-abc --last-modified 1
expect_grep "bad narHash: says the form" "sha256-' and 44 base64" "$TMP/err"
refuse "a narHash with base32" nixpkgs=$rev --nar-hash sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s --last-modified 1
refuse "a stale narHash" nixpkgs=$rev --last-modified 1
expect_grep "a stale narHash: says so" "needs a new narHash" "$TMP/err"
refuse "a stale lastModified" nixpkgs=$rev --nar-hash $nar
refuse "a negative lastModified" nixpkgs=$rev --nar-hash $nar --last-modified -5
refuse "a non-numeric lastModified" nixpkgs=$rev --nar-hash $nar --last-modified soon
refuse "no INPUT=REV" nixpkgs --nar-hash $nar
refuse "no input at all"
refuse "fields with two inputs" nixpkgs=$rev utils=$rev --nar-hash $nar --last-modified 1
refuse "an unknown option" nixpkgs=$rev --frobnicate
rm -f "$TMP/flake.lock"
expect_exit 2 "a missing flake.lock: exit 2" "$XPIN" -C "$TMP" pin nixpkgs=$rev
expect_one_line "a missing flake.lock: one line" "$TMP/err"

cp "$lock" "$TMP/flake.lock"
expect_exit 0 "--dry-run exits 0" "$XPIN" -C "$TMP" pin --dry-run nixpkgs=$rev --nar-hash $nar --last-modified 1700000000
expect_grep "--dry-run reports the change" "Updated input 'nixpkgs'" "$TMP/out"
expect_grep "--dry-run reports the new rev and date" "→ 'github:NixOS/nixpkgs/$rev[^']*' (2023-11-14)" "$TMP/out"
expect_same "--dry-run writes nothing" "$lock" "$TMP/flake.lock"
old=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"]["nixpkgs"]["locked"]["rev"])' "$lock")
expect_exit 0 "pinning to the current rev exits 0" "$XPIN" -C "$TMP" pin nixpkgs=$old
expect_grep "pinning to the current rev says so" "already at" "$TMP/out"
expect_same "pinning to the current rev keeps the file" "$lock" "$TMP/flake.lock"
upper=$(echo $rev | tr a-f A-F)
# The mode is the file's own before the write, whatever the umask.
chmod 640 "$TMP/flake.lock"
before_mode=$(stat -c %a "$TMP/flake.lock")
expect_exit 0 "an upper-case rev is taken" "$XPIN" -C "$TMP" --json pin nixpkgs=$upper --nar-hash $nar --last-modified 1700000000
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"]["nixpkgs"]["locked"]["rev"])' "$TMP/flake.lock")
expect_eq "an upper-case rev is written in lower case" "$rev" "$got"
expect_eq "--json report names the input" "nixpkgs $rev true" \
	"$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); i=d["inputs"][0]; print(i["path"], i["new"]["rev"], json.dumps(d["written"]))' "$TMP/out")"
expect_eq "the lock keeps its mode (0640: stat before and after)" "$before_mode" "$(stat -c %a "$TMP/flake.lock")"
chmod 600 "$TMP/flake.lock"
"$XPIN" -C "$TMP" -q pin nixpkgs=$old --nar-hash $nar --last-modified 1700000000
expect_eq "a 0600 lock stays 0600" "600" "$(stat -c %a "$TMP/flake.lock")"
# A write that fails half way (file size limit) leaves the old file and no
# temporary behind.
cp "$lock" "$TMP/flake.lock"
(
	trap '' XFSZ
	ulimit -f 1
	"$XPIN" -C "$TMP" pin nixpkgs=$rev --nar-hash $nar --last-modified 1 >"$TMP/out" 2>"$TMP/err"
	echo $? >"$TMP/rc"
)
expect_eq "a failed write: exit 2" 2 "$(cat "$TMP/rc")"
expect_one_line "a failed write: one line" "$TMP/err"
expect_same "a failed write: file untouched" "$lock" "$TMP/flake.lock"
expect_eq "a failed write: no temporary left" "" "$(ls "$TMP" | grep xpin-tmp)"
test_done
