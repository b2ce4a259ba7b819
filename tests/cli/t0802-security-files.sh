#!/bin/sh
# Files that are not files: a FIFO given wherever xpin reads a file
# (xpin.json, flake.lock, xpin.lock, a signature, a public or secret key,
# --password-file) and /dev/zero as xpin.lock are refused at once (exit
# 2, one line) instead of blocking or reading forever. A secret key file
# others can read is refused as ssh refuses one, with what to do; the
# same key at mode 0600 signs (minisign -V agrees).
. "$(dirname "$0")/../lib.sh"

S=$VEC/sign
mkdir -p "$TMP/p" && cd "$TMP/p" || exit 1
mkfifo "$TMP/fifo"
printf 'x\n' >msg
cp "$S/key-plain/key-plain.key" "$TMP/k.key"
cp "$S/key-plain/key-plain.pub" "$TMP/k.pub"

fifo() { # what, command...
	what=$1; shift
	expect_exit 2 "a FIFO as $what: exit 2 at once" timeout 20 "$@"
	expect_one_line "a FIFO as $what: one line" "$TMP/err"
	expect_grep "a FIFO as $what: says so" "not a regular file" "$TMP/err"
}
fifo "xpin.json" "$XPIN" lock --no-sign -c "$TMP/fifo"
fifo "flake.lock" "$XPIN" pins --lock "$TMP/fifo"
fifo "a signature" "$XPIN" checksig -p "$TMP/k.pub" -x "$TMP/fifo" msg
fifo "a public key" "$XPIN" checksig -p "$TMP/fifo" msg
fifo "the file to sign" "$XPIN" sign -s "$TMP/k.key" "$TMP/fifo"
chmod 600 "$TMP/k.key"
fifo "a secret key" "$XPIN" sign -s "$TMP/fifo" msg
fifo "xpin elf's file" "$XPIN" elf "$TMP/fifo"
expect_exit 2 "xpin elf /dev/zero: exit 2 at once" timeout 20 "$XPIN" elf /dev/zero
expect_exit 2 "a FIFO to xpin diff: exit 2 at once" timeout 20 "$XPIN" diff "$TMP/fifo" msg
fifo "--password-file" "$XPIN" keygen -p "$TMP/n.pub" -s "$TMP/n.key" --password-file "$TMP/fifo"
[ ! -e "$TMP/n.key" ] && [ ! -e "$TMP/n.pub" ] && ok "no key pair made" || not_ok "a key pair was made"

printf '{ "targets": { "t": { "command": "mkdir -p o; echo 1 >o/x", "artifacts": ["o/x"] } } }\n' >xpin.json
git init -q . && git add xpin.json && git commit -qm t
# A signature to read first (of another file: xpin.lock is never read).
"$XPIN" sign -s "$TMP/k.key" xpin.json && mv xpin.json.minisig xpin.lock.minisig
ln -s "$TMP/fifo" xpin.lock
fifo "xpin.lock" "$XPIN" verify --no-build -p "$TMP/k.pub"
rm xpin.lock && ln -s /dev/zero xpin.lock
expect_exit 2 "/dev/zero as xpin.lock: exit 2 at once" timeout 20 "$XPIN" verify --no-build -p "$TMP/k.pub"
expect_one_line "/dev/zero as xpin.lock: one line" "$TMP/err"
rm xpin.lock xpin.lock.minisig

chmod 644 "$TMP/k.key"
expect_exit 2 "a secret key others can read: exit 2" "$XPIN" sign -s "$TMP/k.key" msg
expect_grep "it says who can read it" "others can read or change this secret key (mode 0644)" "$TMP/err"
expect_grep "and what to do" "chmod 600" "$TMP/err"
[ ! -e msg.minisig ] && ok "nothing is signed" || not_ok "msg.minisig written"
chmod 640 "$TMP/k.key"
expect_exit 2 "readable by its group: exit 2" "$XPIN" sign -s "$TMP/k.key" msg
chmod 600 "$TMP/k.key"
expect_exit 0 "at 0600 it signs" "$XPIN" sign -s "$TMP/k.key" msg
expect_exit 0 "minisign -V agrees" minisign -V -q -p "$TMP/k.pub" -m msg
test_done
