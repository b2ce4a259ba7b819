#!/bin/sh
# xpin checksig on signatures made by minisign 0.11 (vectors/sign): every
# good one passes and prints the trusted comment minisign printed; every
# forged one exits 3 with a one-line reason, and minisign rejects it too.
. "$(dirname "$0")/../lib.sh"

S=$VEC/sign

for d in "$S"/good-*/; do
	c=$(basename "$d")
	k=$(cat "$d/key")
	pub=$S/$k/$k.pub
	expect_exit 0 "checksig $c" "$XPIN" checksig -p "$pub" "$d/$c.txt"
	expect_same "checksig $c prints minisign's trusted comment" "$d/trusted-comment" "$TMP/out"
	if [ -s "$TMP/err" ]; then not_ok "checksig $c: quiet on stderr"; else ok "checksig $c: quiet on stderr"; fi
done

for d in "$S"/bad-*/; do
	c=$(basename "$d")
	k=$(cat "$d/key")
	pub=$S/$k/$k.pub
	expect_exit 3 "checksig $c exits 3" "$XPIN" checksig -p "$pub" "$d/$c.txt"
	expect_one_line "checksig $c: one line" "$TMP/err"
	expect_grep "checksig $c: names the reason" "$(cat "$d/reason")" "$TMP/err"
	if [ -s "$TMP/out" ]; then not_ok "checksig $c: nothing on stdout"; else ok "checksig $c: nothing on stdout"; fi
	# The independent check: minisign rejects the same file.
	if minisign -V -q -p "$pub" -m "$d/$c.txt" >/dev/null 2>&1; then
		not_ok "minisign also rejects $c"
	else
		ok "minisign also rejects $c"
	fi
done

G=$S/good-plain
P=$S/key-plain/key-plain.pub
# -P with the base64 line of the key, -x with the signature elsewhere.
cp "$G/good-plain.txt" "$TMP/msg"
cp "$G/good-plain.txt.minisig" "$TMP/elsewhere.sig"
expect_exit 0 "-P KEY and -x SIG" "$XPIN" checksig -P "$(sed -n 2p "$P")" -x "$TMP/elsewhere.sig" "$TMP/msg"
expect_same "-P KEY: the trusted comment" "$G/trusted-comment" "$TMP/out"
expect_exit 3 "-P with another key: exit 3" "$XPIN" checksig -P "$(sed -n 2p "$S/key-enc/key-enc.pub")" -x "$TMP/elsewhere.sig" "$TMP/msg"
expect_grep "-P with another key: key id mismatch" "key id mismatch" "$TMP/err"
expect_exit 3 "-P that is not a key: exit 3" "$XPIN" checksig -P "not-a-key" -x "$TMP/elsewhere.sig" "$TMP/msg"
expect_one_line "-P that is not a key: one line" "$TMP/err"
expect_exit 2 "-p and -P together: exit 2" "$XPIN" checksig -p "$P" -P "$(sed -n 2p "$P")" "$TMP/msg"

# The default public key is ./xpin.pub; the default signature FILE.minisig.
mkdir "$TMP/repo"
cp "$P" "$TMP/repo/xpin.pub"
cp "$G/good-plain.txt" "$G/good-plain.txt.minisig" "$TMP/repo/"
expect_exit 0 "defaults: ./xpin.pub and FILE.minisig" "$XPIN" -C "$TMP/repo" checksig good-plain.txt
expect_same "defaults: the trusted comment" "$G/trusted-comment" "$TMP/out"
expect_exit 0 "-q: valid, nothing printed" "$XPIN" -C "$TMP/repo" -q checksig good-plain.txt
expect_eq "-q: stdout empty" "" "$(cat "$TMP/out")"

# --json: the trusted comment and key id, checked against minisign's own
# output and the key id in minisign's public key comment.
expect_exit 0 "--json" "$XPIN" -C "$TMP/repo" --json checksig good-plain.txt
tc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trusted_comment"])' "$TMP/out")
expect_eq "--json: trusted_comment" "$(cat "$G/trusted-comment")" "$tc"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keyid"])' "$TMP/out")
expect_eq "--json: keyid as in minisign's public key comment" "$(sed -n '1s/.* //p' "$P")" "$id"

# Legacy signatures pass unless --prehashed-only (minisign -V -H).
L=$S/good-legacy
expect_exit 3 "--prehashed-only refuses a legacy signature" "$XPIN" checksig --prehashed-only -p "$P" "$L/good-legacy.txt"
expect_one_line "--prehashed-only: one line" "$TMP/err"
expect_grep "--prehashed-only: says legacy" "legacy" "$TMP/err"
if minisign -V -H -p "$P" -m "$L/good-legacy.txt" >/dev/null 2>&1; then
	not_ok "minisign -H also refuses it"
else
	ok "minisign -H also refuses it"
fi
expect_exit 0 "--prehashed-only accepts a prehashed signature" "$XPIN" checksig --prehashed-only -p "$P" "$G/good-plain.txt"

# Missing files are bad input (2), not a bad signature.
expect_exit 2 "missing signature file: exit 2" "$XPIN" checksig -p "$P" -x "$TMP/nope.minisig" "$TMP/msg"
expect_one_line "missing signature file: one line" "$TMP/err"
expect_exit 2 "missing public key file: exit 2" "$XPIN" checksig -p "$TMP/nope.pub" -x "$TMP/elsewhere.sig" "$TMP/msg"
expect_exit 2 "missing signed file: exit 2" "$XPIN" checksig -p "$P" -x "$TMP/elsewhere.sig" "$TMP/nope"
expect_exit 2 "no file: exit 2" "$XPIN" checksig -p "$P"
expect_exit 2 "two files: exit 2" "$XPIN" checksig -p "$P" "$TMP/msg" "$TMP/msg"
expect_exit 3 "a secret key given as public key: exit 3" "$XPIN" checksig -p "$S/key-plain/key-plain.key" -x "$TMP/elsewhere.sig" "$TMP/msg"
expect_one_line "a secret key given as public key: one line" "$TMP/err"

expect_exit 0 "checksig --help" "$XPIN" checksig --help
expect_grep "checksig --help: usage" "^usage: xpin checksig" "$TMP/out"
test_done
