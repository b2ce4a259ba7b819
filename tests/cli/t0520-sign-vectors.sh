#!/bin/sh
# xpin sign with minisign's unencrypted test key: Ed25519 is deterministic,
# so each signature must equal, byte for byte, the one minisign 0.11 made
# (vectors/sign/good-*), and minisign must accept what xpin signs.
. "$(dirname "$0")/../lib.sh"

S=$VEC/sign
# A secret key others can read is refused (as ssh does), and git keeps no
# mode 0600: the test's own copy of the key pair.
cp -R "$S/key-plain" "$TMP/key-plain" && chmod 600 "$TMP/key-plain/key-plain.key"
K=$TMP/key-plain
P=$K/key-plain.pub

# sign_like CASE [xpin options...]: sign a copy of CASE.txt, compare.
sign_like() {
	c=$1
	shift
	mkdir -p "$TMP/$c"
	cp "$S/$c/$c.txt" "$TMP/$c/"
	expect_exit 0 "sign $c" "$XPIN" sign -s "$K/key-plain.key" "$@" "$TMP/$c/$c.txt"
	expect_same "sign $c: the same bytes as minisign" "$S/$c/$c.txt.minisig" "$TMP/$c/$c.txt.minisig"
}
sign_like good-plain -t "$(cat "$S/good-plain/trusted-comment")"
sign_like good-empty -t "$(cat "$S/good-empty/trusted-comment")"
sign_like good-binary -t "$(cat "$S/good-binary/trusted-comment")"
sign_like good-comments -t "$(cat "$S/good-comments/trusted-comment")" \
	-c "$(sed -n '1s/^untrusted comment: //p' "$S/good-comments/good-comments.txt.minisig")"
sign_like good-longest -t "$(cat "$S/good-longest/trusted-comment")" \
	-c "$(sed -n '1s/^untrusted comment: //p' "$S/good-longest/good-longest.txt.minisig")"
# minisign's default trusted comment, with the time it used.
ts=$(sed -n 's/^timestamp:\([0-9]*\)\t.*/\1/p' "$S/good-default/trusted-comment")
export SOURCE_DATE_EPOCH="$ts"
sign_like good-default
unset SOURCE_DATE_EPOCH
# With the clock: the default comment has minisign's shape.
cp "$S/good-plain/good-plain.txt" "$TMP/now.txt"
before=$(date +%s)
expect_exit 0 "sign with the default comment" "$XPIN" sign -s "$K/key-plain.key" "$TMP/now.txt"
after=$(date +%s)
expect_exit 0 "minisign accepts it" minisign -V -Q -p "$P" -m "$TMP/now.txt"
t=$(sed -n 's/^timestamp:\([0-9]*\)\tfile:now\.txt\thashed$/\1/p' "$TMP/out")
if [ -n "$t" ] && [ "$t" -ge "$before" ] && [ "$t" -le "$after" ]; then
	ok "default comment: timestamp:<now>, file:<name>, hashed"
else
	not_ok "default comment: $(cat "$TMP/out")"
fi

# The secret key from XPIN_SECRET_KEY (the key file's contents).
mkdir "$TMP/env"
cp "$S/good-plain/good-plain.txt" "$TMP/env/"
export XPIN_SECRET_KEY="$(cat "$K/key-plain.key")"
expect_exit 0 "XPIN_SECRET_KEY" \
	"$XPIN" sign -t "$(cat "$S/good-plain/trusted-comment")" "$TMP/env/good-plain.txt"
expect_same "XPIN_SECRET_KEY: the same bytes as minisign" "$S/good-plain/good-plain.txt.minisig" "$TMP/env/good-plain.txt.minisig"
XPIN_SECRET_KEY="not a key"
expect_exit 3 "XPIN_SECRET_KEY that is not a key: exit 3" \
	"$XPIN" sign "$TMP/env/good-plain.txt"
expect_one_line "XPIN_SECRET_KEY that is not a key: one line" "$TMP/err"
expect_grep "XPIN_SECRET_KEY that is not a key: names it" "XPIN_SECRET_KEY" "$TMP/err"
unset XPIN_SECRET_KEY

# Several files at once; minisign checks each.
mkdir "$TMP/many"
printf 'one\n' >"$TMP/many/a"
printf 'two\n' >"$TMP/many/b"
expect_exit 0 "sign two files" "$XPIN" sign -s "$K/key-plain.key" "$TMP/many/a" "$TMP/many/b"
expect_exit 0 "minisign accepts a.minisig" minisign -V -p "$P" -m "$TMP/many/a"
expect_exit 0 "minisign accepts b.minisig" minisign -V -p "$P" -m "$TMP/many/b"
expect_grep "b.minisig names b" "file:b" "$TMP/many/b.minisig"
mode=$(stat -c %a "$TMP/many/a.minisig")
expect_eq "a signature is mode 0644" "644" "$mode"

# The longest trusted comment minisign reads back: 8173 bytes.
long=$(python3 -c 'print("x" * 8173, end="")')
expect_exit 0 "an 8173-byte trusted comment" "$XPIN" sign -s "$K/key-plain.key" -t "$long" "$TMP/many/a"
expect_exit 0 "minisign accepts the 8173-byte comment" minisign -V -Q -p "$P" -m "$TMP/many/a"
expect_eq "minisign prints the 8173-byte comment" "$long" "$(cat "$TMP/out")"
cp "$TMP/many/a.minisig" "$TMP/keep"
expect_exit 2 "an 8174-byte trusted comment: exit 2" "$XPIN" sign -s "$K/key-plain.key" -t "${long}x" "$TMP/many/a"
expect_one_line "8174 bytes: one line" "$TMP/err"
expect_same "8174 bytes: the old signature is untouched" "$TMP/keep" "$TMP/many/a.minisig"
expect_exit 2 "a two-line trusted comment: exit 2" "$XPIN" sign -s "$K/key-plain.key" -t "$(printf 'a\nb')" "$TMP/many/a"
expect_exit 2 "a 1004-byte untrusted comment: exit 2" "$XPIN" sign -s "$K/key-plain.key" \
	-c "$(python3 -c 'print("c" * 1004, end="")')" "$TMP/many/a"

# The new signature is checked against the public key before it is written.
expect_exit 3 "-p with another key: exit 3" "$XPIN" sign -s "$K/key-plain.key" -p "$S/key-enc/key-enc.pub" "$TMP/many/a"
expect_one_line "-p with another key: one line" "$TMP/err"
expect_grep "-p with another key: says why" "does not verify with public key" "$TMP/err"
expect_same "-p with another key: nothing written" "$TMP/keep" "$TMP/many/a.minisig"
mkdir "$TMP/repo"
cp "$S/key-enc/key-enc.pub" "$TMP/repo/xpin.pub"
printf 'x\n' >"$TMP/repo/f"
expect_exit 3 "./xpin.pub of another key: exit 3" "$XPIN" -C "$TMP/repo" sign -s "$K/key-plain.key" f
if [ -e "$TMP/repo/f.minisig" ]; then not_ok "./xpin.pub of another key: nothing written"; else ok "./xpin.pub of another key: nothing written"; fi
cp "$P" "$TMP/repo/xpin.pub"
expect_exit 0 "./xpin.pub of this key" "$XPIN" -C "$TMP/repo" sign -s "$K/key-plain.key" f
expect_exit 0 "minisign accepts it" minisign -V -p "$P" -m "$TMP/repo/f"

# A damaged unencrypted key is refused (its public half no longer matches).
python3 - "$K/key-plain.key" "$TMP/bad.key" <<'EOF'
import base64, sys
ls = open(sys.argv[1], 'rb').read().split(b'\n')
raw = bytearray(base64.b64decode(ls[1]))
raw[54 + 8 + 40] ^= 1   # a byte of the public half stored in sk
ls[1] = base64.b64encode(bytes(raw))
open(sys.argv[2], 'wb').write(b'\n'.join(ls))
EOF
chmod 600 "$TMP/bad.key"
expect_exit 3 "a damaged secret key: exit 3" "$XPIN" sign -s "$TMP/bad.key" "$TMP/many/b"
expect_one_line "a damaged secret key: one line" "$TMP/err"
expect_grep "a damaged secret key: corrupt" "corrupt secret key" "$TMP/err"
expect_exit 3 "a public key given as secret key: exit 3" "$XPIN" sign -s "$P" "$TMP/many/b"
expect_one_line "a public key given as secret key: one line" "$TMP/err"

# Bad input is found before any key or password is asked for.
expect_exit 2 "a missing file: exit 2" "$XPIN" sign -s "$K/key-plain.key" "$TMP/nope"
expect_one_line "a missing file: one line" "$TMP/err"
expect_exit 2 "no file: exit 2" "$XPIN" sign -s "$K/key-plain.key"
expect_exit 2 "a missing secret key: exit 2" "$XPIN" sign -s "$TMP/nope.key" "$TMP/many/a"
expect_exit 2 "no key anywhere: exit 2" "$XPIN" sign "$TMP/many/a"
expect_grep "no key anywhere: suggests keygen" "xpin keygen" "$TMP/err"
expect_exit 0 "sign --help" "$XPIN" sign --help
expect_grep "sign --help: usage" "^usage: xpin sign" "$TMP/out"
test_done
