#!/bin/sh
# xpin's secrets are handed to no one: with XPIN_SECRET_KEY and
# XPIN_PASSWORD set, a build run by `xpin lock` finds neither in its own
# environment nor in any process's /proc/PID/environ it can read (xpin's
# own included), and the manifest is still signed with that key
# (minisign -V). A password too long to keep is one line, exit 2.
. "$(dirname "$0")/../lib.sh"

K=$VEC/sign/key-enc
pw=$(head -n1 "$K/password")
mkdir -p "$TMP/p" && cd "$TMP/p" || exit 1
# The build looks for the key's base64 line and the password everywhere
# it can read, as a derivation without a sandbox could.
keyline=$(sed -n 2p "$K/key-enc.key")
cat >build.sh <<SH
mkdir -p out
n=0
for f in /proc/self/environ /proc/[0-9]*/environ; do
	if tr '\\0' '\\n' <"\$f" 2>/dev/null | grep -qF -e '$keyline' -e '$pw'; then
		n=\$((n + 1)); echo "\$f" >>'$TMP/where'
	fi
done
echo \$n >>'$TMP/seen'
env | grep -c '^XPIN_SECRET_KEY=\\|^XPIN_PASSWORD=' >>'$TMP/vars'
echo built >out/x
SH
cat >xpin.json <<'JSON'
{ "targets": { "peek": { "command": "sh build.sh", "artifacts": ["out/x"] } } }
JSON
git init -q . && git add build.sh xpin.json && git commit -qm peek
: >"$TMP/seen"; : >"$TMP/vars"; : >"$TMP/where"

expect_exit 0 "lock with the key and password in the environment" \
	env XPIN_SECRET_KEY="$(cat "$K/key-enc.key")" XPIN_PASSWORD="$pw" "$XPIN" lock
expect_eq "the build ran twice" "2" "$(wc -l <"$TMP/seen" | tr -d ' ')"
expect_eq "no process the build can read holds the key or password" "0 0" \
	"$(tr '\n' ' ' <"$TMP/seen" | sed 's/ $//')"
[ -s "$TMP/where" ] && not_ok "found in: $(cat "$TMP/where")"
expect_eq "neither variable is in the build's environment" "0 0" \
	"$(tr '\n' ' ' <"$TMP/vars" | sed 's/ $//')"
expect_exit 0 "minisign verifies the manifest signed with that key" \
	minisign -V -q -p "$K/key-enc.pub" -m xpin.lock

long=$(python3 -c 'print("p" * 1024, end="")')
expect_exit 2 "a 1024-byte XPIN_PASSWORD: exit 2" \
	env XPIN_SECRET_KEY="$(cat "$K/key-enc.key")" XPIN_PASSWORD="$long" "$XPIN" lock
expect_one_line "in one line" "$TMP/err"
expect_grep "naming the variable" "XPIN_PASSWORD" "$TMP/err"
test_done
