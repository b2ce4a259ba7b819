#!/bin/sh
# Encrypted secret keys both ways with minisign 0.11: xpin signs with the
# key minisign encrypted, minisign signs with a key xpin encrypted. Each
# scrypt run costs about 1 GiB and seconds, so there are four in all.
. "$(dirname "$0")/../lib.sh"

S=$VEC/sign
# A secret key others can read is refused (as ssh does), and git keeps no
# mode 0600: the test's own copy of the key pair.
cp -R "$S/key-enc" "$TMP/key-enc" && chmod 600 "$TMP/key-enc/key-enc.key"
E=$TMP/key-enc
PW=$(cat "$E/password")

# 1. minisign's encrypted key, the password from XPIN_PASSWORD: the
# signature equals minisign's, byte for byte.
mkdir "$TMP/a"
cp "$S/good-enc/good-enc.txt" "$TMP/a/"
export XPIN_PASSWORD="$PW"
expect_exit 0 "sign with minisign's encrypted key (XPIN_PASSWORD)" \
	"$XPIN" sign -s "$E/key-enc.key" -p "$E/key-enc.pub" \
	-t "$(cat "$S/good-enc/trusted-comment")" "$TMP/a/good-enc.txt"
unset XPIN_PASSWORD
expect_same "the same bytes as minisign's signature" "$S/good-enc/good-enc.txt.minisig" "$TMP/a/good-enc.txt.minisig"

# 2. A wrong password on standard input: exit 3, and nothing written.
printf 'x\n' >"$TMP/a/fresh"
printf 'not-the-password\n' >"$TMP/wrong"
expect_exit 3 "a wrong password: exit 3" "$XPIN" sign -s "$E/key-enc.key" "$TMP/a/fresh" <"$TMP/wrong"
expect_one_line "a wrong password: one line" "$TMP/err"
expect_grep "a wrong password: says so" "wrong password or corrupt secret key" "$TMP/err"
if [ -e "$TMP/a/fresh.minisig" ]; then not_ok "a wrong password: nothing written"; else ok "a wrong password: nothing written"; fi
leftover=$(find "$TMP/a" -name '*xpin-tmp*' | wc -l)
expect_eq "a wrong password: no temporary file" "0" "$leftover"

# 3. xpin makes an encrypted key (password from --password-file) ...
printf '%s\n' "xpin made this" >"$TMP/pwfile"
expect_exit 0 "keygen, encrypted, --password-file" \
	"$XPIN" keygen -p "$TMP/x.pub" -s "$TMP/x.key" --password-file "$TMP/pwfile"
expect_eq "the new secret key is mode 0600" "600" "$(stat -c %a "$TMP/x.key")"
# Its header, decoded with base64 and od: "Ed", "Sc", "B2", then after the
# salt the same scrypt limits as the key minisign encrypted.
hdr() { sed -n 2p "$1" | base64 -d | od -An -tx1 -v | tr -d ' \n' | cut -c1-12; }
lim() { sed -n 2p "$1" | base64 -d | od -An -tx1 -v -j38 -N16 | tr -d ' \n'; }
expect_eq "encrypted key: \"Ed\" \"Sc\" \"B2\"" "456453634232" "$(hdr "$TMP/x.key")"
expect_eq "encrypted key: minisign's scrypt limits" "$(lim "$E/key-enc.key")" "$(lim "$TMP/x.key")"
# ... and minisign signs with it, reading the password on standard input.
printf 'payload\n' >"$TMP/payload"
expect_exit 0 "minisign -S with xpin's encrypted key" \
	sh -c 'minisign -S -s "$1" -m "$2" -t "minisign, xpin key" <"$3"' sh "$TMP/x.key" "$TMP/payload" "$TMP/pwfile"
expect_exit 0 "xpin checksig accepts minisign's signature" "$XPIN" checksig -p "$TMP/x.pub" "$TMP/payload"
expect_eq "xpin prints the trusted comment" "minisign, xpin key" "$(cat "$TMP/out")"
expect_exit 0 "minisign -V accepts it with xpin's public key" minisign -V -p "$TMP/x.pub" -m "$TMP/payload"
test_done
