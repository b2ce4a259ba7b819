#!/bin/sh
# xpin keygen: defaults, modes, never overwriting without -f, and keys that
# minisign 0.11 uses as its own. (Encrypted keys: t0530.)
. "$(dirname "$0")/../lib.sh"

mkdir "$TMP/repo"
cd "$TMP/repo" || exit 1

expect_exit 0 "keygen -W with the default paths" "$XPIN" keygen -W
cp "$TMP/out" "$TMP/keygen.out"
SEC=$XDG_CONFIG_HOME/xpin/xpin.key
if [ -f xpin.pub ] && [ -f "$SEC" ]; then ok "writes ./xpin.pub and \$XDG_CONFIG_HOME/xpin/xpin.key"; else not_ok "default paths"; fi
expect_eq "the secret key is mode 0600" "600" "$(stat -c %a "$SEC")"
expect_eq "its folder is mode 0700" "700" "$(stat -c %a "$XDG_CONFIG_HOME/xpin")"
expect_eq "the public key is mode 0644" "644" "$(stat -c %a xpin.pub)"

# The public key file, read with base64 and od: "Ed", the key id (printed
# as minisign does, little-endian in upper-case hex), the key.
raw=$(sed -n 2p xpin.pub | base64 -d | od -An -tx1 -v | tr -d ' \n')
expect_eq "public key: 42 bytes starting \"Ed\"" "84 4564" "${#raw} $(printf '%s' "$raw" | cut -c1-4)"
id=$(printf '%s' "$raw" | cut -c5-20 | sed 's/\(..\)/\1 /g' | awk '{for (i = NF; i > 0; i--) printf "%s", toupper($i)}')
expect_eq "public key comment names the key id" "untrusted comment: minisign public key $id" "$(sed -n 1p xpin.pub)"
expect_grep "prints the key id" "^key id: $id\$" "$TMP/keygen.out"
expect_grep "prints the public key line" "^public key: $(sed -n 2p xpin.pub | sed 's/[+/]/./g')\$" "$TMP/keygen.out"

# minisign signs with xpin's unencrypted key; both programs check it.
printf 'payload\n' >payload
expect_exit 0 "minisign -S with xpin's -W key" minisign -S -s "$SEC" -m payload -t "by minisign"
expect_exit 0 "minisign -V with xpin's public key" minisign -V -p xpin.pub -m payload
expect_exit 0 "xpin checksig of minisign's signature" "$XPIN" checksig payload
expect_eq "xpin checksig prints the trusted comment" "by minisign" "$(cat "$TMP/out")"
# and the other way round.
expect_exit 0 "xpin sign with its own key (default path)" "$XPIN" sign -t "by xpin" payload
expect_exit 0 "minisign -V accepts it" minisign -V -Q -p xpin.pub -m payload
expect_eq "minisign prints xpin's trusted comment" "by xpin" "$(cat "$TMP/out")"
# minisign -R rebuilds the public key from xpin's secret key: the same bytes.
expect_exit 0 "minisign -R from xpin's secret key" minisign -R -s "$SEC" -p "$TMP/rebuilt.pub"
# (minisign prints the key id in its comment without leading zeros.)
expect_eq "minisign -R gives xpin's public key" "$(sed -n 2p xpin.pub)" "$(sed -n 2p "$TMP/rebuilt.pub")"
expect_eq "and its key id" "$(sed -n '1s/.* 0*//p' xpin.pub)" "$(sed -n '1s/.* 0*//p' "$TMP/rebuilt.pub")"

# Never overwritten without -f, and nothing is asked or written first.
cp xpin.pub "$TMP/pub.before"
cp "$SEC" "$TMP/sec.before"
expect_exit 2 "an existing key pair: exit 2" "$XPIN" keygen -W
expect_one_line "an existing key pair: one line" "$TMP/err"
expect_grep "an existing key pair: suggests -f" "use -f" "$TMP/err"
expect_same "the public key is untouched" "$TMP/pub.before" xpin.pub
expect_same "the secret key is untouched" "$TMP/sec.before" "$SEC"
expect_exit 2 "an existing public key alone: exit 2" "$XPIN" keygen -W -s "$TMP/other.key"
if [ -e "$TMP/other.key" ]; then not_ok "no secret key written"; else ok "no secret key written"; fi

# A symlink where the secret key goes is never followed.
ln -s "$TMP/target" "$TMP/link.key"
expect_exit 2 "a symlink at the secret key path: exit 2" "$XPIN" keygen -W -p "$TMP/l.pub" -s "$TMP/link.key"
if [ -e "$TMP/target" ] || [ -e "$TMP/l.pub" ]; then not_ok "symlink: nothing written"; else ok "symlink: nothing written"; fi
expect_exit 2 "a symlink with -f: exit 2" "$XPIN" keygen -W -f -p "$TMP/l.pub" -s "$TMP/link.key"
if [ -e "$TMP/target" ]; then not_ok "symlink with -f: not followed"; else ok "symlink with -f: not followed"; fi

ln -s "$TMP/pubtarget" "$TMP/link.pub"
expect_exit 2 "-f with a symlink at the public key path: exit 2" "$XPIN" keygen -W -f -p "$TMP/link.pub"
expect_same "-f with a symlinked public key: the secret key is untouched" "$TMP/sec.before" "$SEC"
if [ -e "$TMP/pubtarget" ]; then not_ok "-f with a symlinked public key: not followed"; else ok "-f with a symlinked public key: not followed"; fi

# -f replaces both, atomically, and keeps the secret key 0600.
chmod 0644 "$SEC"
expect_exit 0 "keygen -W -f replaces the pair" "$XPIN" keygen -W -f
if cmp -s "$TMP/pub.before" xpin.pub; then not_ok "-f: a new public key"; else ok "-f: a new public key"; fi
expect_eq "-f: the secret key is mode 0600 again" "600" "$(stat -c %a "$SEC")"
leftover=$(find . "$XDG_CONFIG_HOME/xpin" -name '*xpin-tmp*' | wc -l)
expect_eq "-f: no temporary file left" "0" "$leftover"
expect_exit 0 "-f: minisign signs with the new key" minisign -S -s "$SEC" -m payload
expect_exit 0 "-f: xpin checks it with the new public key" "$XPIN" checksig payload

# Explicit paths; minisign's key pair files are the same shape.
expect_exit 0 "keygen -W -p -s" "$XPIN" keygen -W -p "$TMP/k.pub" -s "$TMP/k.key"
expect_eq "-s: mode 0600" "600" "$(stat -c %a "$TMP/k.key")"
expect_eq "the secret key line is as long as minisign's" \
	"$(sed -n 2p "$VEC/sign/key-plain/key-plain.key" | wc -c)" "$(sed -n 2p "$TMP/k.key" | wc -c)"
expect_exit 0 "--json" "$XPIN" --json keygen -W -p "$TMP/j.pub" -s "$TMP/j.key"
jid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keyid"])' "$TMP/out")
expect_eq "--json: keyid as in the public key comment" "$(sed -n '1s/.* //p' "$TMP/j.pub")" "$jid"
expect_exit 0 "-q prints nothing" "$XPIN" -q keygen -W -p "$TMP/q.pub" -s "$TMP/q.key"
expect_eq "-q: stdout empty" "" "$(cat "$TMP/out")"
expect_exit 2 "the same path twice: exit 2" "$XPIN" keygen -W -p "$TMP/same" -s "$TMP/same"
expect_exit 2 "a missing folder for -s: exit 2" "$XPIN" keygen -W -p "$TMP/m.pub" -s "$TMP/no/such/m.key"
if [ -e "$TMP/m.pub" ]; then not_ok "missing folder: no public key left"; else ok "missing folder: no public key left"; fi

# Passwords that cannot be used are refused before any key derivation.
expect_exit 2 "an empty password: exit 2" "$XPIN" keygen -p "$TMP/e.pub" -s "$TMP/e.key" </dev/null
expect_one_line "stdin empty: one line" "$TMP/err"
printf '\n' >"$TMP/emptypw"
expect_exit 2 "an empty password file: exit 2" "$XPIN" keygen -p "$TMP/e.pub" -s "$TMP/e.key" --password-file "$TMP/emptypw"
expect_grep "empty password: suggests -W" "use -W" "$TMP/err"
XPIN_PASSWORD=$(python3 -c 'print("p" * 1024, end="")')
export XPIN_PASSWORD
expect_exit 2 "a 1024-byte password: exit 2" "$XPIN" keygen -p "$TMP/e.pub" -s "$TMP/e.key"
unset XPIN_PASSWORD
if [ -e "$TMP/e.pub" ] || [ -e "$TMP/e.key" ]; then not_ok "refused passwords: nothing written"; else ok "refused passwords: nothing written"; fi

# At a terminal the password is asked twice with echo off; a mismatch
# stops before any key derivation.
python3 - "$XPIN" "$TMP" >"$TMP/pty.out" 2>&1 <<'EOF'
import os, pty, sys, time
xpin, tmp = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.execv(xpin, [xpin, "keygen", "-p", tmp + "/t.pub", "-s", tmp + "/t.key"])
out = b""
def until(what, limit=10):
    global out
    end = time.time() + limit
    while what not in out and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            break
until(b"Password for the new secret key: ")
os.write(fd, b"first-secret\n")
until(b"Password (again): ")
os.write(fd, b"other-secret\n")
until(b"xpin: ")
until(b"\n", 2)
# Never hang the suite: a child still waiting for input is a failure.
for _ in range(50):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.1)
else:
    os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
print("exit", os.WEXITSTATUS(status) if os.WIFEXITED(status) else "killed")
print(out.decode(errors="replace"))
EOF
expect_grep "terminal: asks for the password" "Password for the new secret key" "$TMP/pty.out"
expect_grep "terminal: asks again" "Password (again)" "$TMP/pty.out"
expect_grep "terminal: a mismatch exits 2" "^exit 2" "$TMP/pty.out"
expect_grep "terminal: says they do not match" "do not match" "$TMP/pty.out"
if grep -q "first-secret\|other-secret" "$TMP/pty.out"; then not_ok "terminal: the password is not echoed"; else ok "terminal: the password is not echoed"; fi
if [ -e "$TMP/t.pub" ] || [ -e "$TMP/t.key" ]; then not_ok "terminal mismatch: nothing written"; else ok "terminal mismatch: nothing written"; fi

expect_exit 0 "keygen --help" "$XPIN" keygen --help
expect_grep "keygen --help: usage" "^usage: xpin keygen" "$TMP/out"
expect_exit 2 "an operand: exit 2" "$XPIN" keygen -W extra
test_done
