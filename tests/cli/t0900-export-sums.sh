#!/bin/sh
# xpin export sums and files on the cross example (a nix target and a
# command target): sha256sum -c accepts the sums in the exported folder
# and names the one file whose byte was changed; minisign -V accepts the
# signatures; exporting twice gives the same bytes; links are recreated
# and not summed; the executable bit is kept. A file that differs from
# the manifest (exit 1) and bad input (unsigned or tampered xpin.lock:
# exit 3; an unknown target or a non-empty folder: exit 2) leave nothing
# written. Names with a backslash, newline or carriage return are written
# as GNU sha256sum writes them.
. "$(dirname "$0")/../lib.sh"

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
"$XPIN" keygen -W -p xpin.pub -s "$TMP/xpin.key" >/dev/null
export XPIN_SECRET_KEY="$(cat "$TMP/xpin.key")"
expect_exit 0 "lock a nix target and a command target" "$XPIN" lock x86_64-linux-musl tool
# The command target's artifact, built in the work tree as the lock built it.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) make -s -C src release >/dev/null 2>&1
out=$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["x86_64-linux-musl"]["outputs"]["out"])')

# --- verify --export: the evidence of what was checked -------------------------
expect_exit 0 "verify --no-build --export files" "$XPIN" verify --no-build --export files x86_64-linux-musl
(cd release && sha256sum -c SHA256SUMS) >"$TMP/vx.out" 2>&1 &&
	ok "sha256sum -c passes in the folder verify wrote" || not_ok "verify --export files: $(cat "$TMP/vx.out")"
expect_eq "it holds only the target checked" "x86_64-linux-musl/bin/hello" "$(cut -d' ' -f3 release/SHA256SUMS)"
rm -rf release
expect_exit 1 "verify of a moved target exports nothing" \
	sh -c 'printf x >>"$1"; "$2" verify --no-build --export sums tool; rc=$?; exit $rc' sh src/out/tool "$XPIN"
[ ! -e SHA256SUMS ] && ok "no SHA256SUMS after a failed verify" || not_ok "SHA256SUMS written by a failed verify"
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) make -s -B -C src release >/dev/null 2>&1

# --- sums --------------------------------------------------------------------
expect_exit 0 "export sums" "$XPIN" export sums
expect_exit 0 "minisign -V accepts SHA256SUMS.minisig" minisign -V -p xpin.pub -m SHA256SUMS
expect_grep "the trusted comment names the file and the commit" \
	"file:SHA256SUMS	commit:$(git rev-parse HEAD)	xpin.lock:$(sha256sum xpin.lock | cut -d' ' -f1)	key:" "$TMP/out"
printf '%s  %s\n%s  %s\n' \
	"$(sha256sum src/out/tool | cut -d' ' -f1)" tool/src/out/tool \
	"$(sha256sum "$out/bin/hello" | cut -d' ' -f1)" x86_64-linux-musl/bin/hello >"$TMP/want"
expect_same "SHA256SUMS: every file, sha256sum's format, sorted, the link left out" "$TMP/want" SHA256SUMS
cp SHA256SUMS "$TMP/sums1"; cp SHA256SUMS.minisig "$TMP/sig1"
expect_exit 0 "export sums again" "$XPIN" export sums
expect_same "the same SHA256SUMS twice" "$TMP/sums1" SHA256SUMS
expect_same "the same signature twice" "$TMP/sig1" SHA256SUMS.minisig
expect_exit 0 "export sums -o, one target" "$XPIN" export sums -o "$TMP/one.sums" tool
expect_eq "only that target's file" "tool/src/out/tool" "$(cut -d' ' -f3 "$TMP/one.sums")"
expect_exit 0 "minisign -V accepts FILE.minisig" minisign -V -p xpin.pub -m "$TMP/one.sums"
expect_grep "its trusted comment names FILE" "file:one.sums	" "$TMP/out"

# --- files -------------------------------------------------------------------
expect_exit 0 "export files" "$XPIN" export files
(cd release && sha256sum -c SHA256SUMS) >"$TMP/check" 2>&1 &&
	ok "sha256sum -c passes in the exported folder" || {
	not_ok "sha256sum -c passes in the exported folder"; sed 's/^/#   /' "$TMP/check"; }
expect_eq "it checked both files" 2 "$(grep -c ': OK$' "$TMP/check")"
(cd release && minisign -V -p ../xpin.pub -m SHA256SUMS) >/dev/null 2>&1 &&
	ok "minisign -V accepts the folder's signature" || not_ok "minisign -V accepts the folder's signature"
expect_same "the folder's SHA256SUMS is export sums'" "$TMP/sums1" release/SHA256SUMS
expect_eq "the link recreated as a link" "hello" "$(readlink release/x86_64-linux-musl/bin/hello-link)"
expect_eq "modes: folder 0755, executables 0755, sums 0644" "755 755 755 644" \
	"$(stat -c %a release release/tool/src/out/tool release/x86_64-linux-musl/bin/hello release/SHA256SUMS | tr "\n" " " | sed "s/ $//")"
cmp -s "$out/bin/hello" release/x86_64-linux-musl/bin/hello &&
	ok "the nix artifact copied from the store" || not_ok "the nix artifact copied from the store"
expect_exit 0 "export files again, elsewhere" "$XPIN" export files -o "$TMP/again"
diff -r release "$TMP/again" >/dev/null && ok "the same folder twice" || not_ok "the same folder twice"

chmod u+w release/tool/src/out/tool
printf 'X' | dd of=release/tool/src/out/tool bs=1 seek=100 conv=notrunc 2>/dev/null
(cd release && sha256sum -c SHA256SUMS) >"$TMP/check" 2>&1 &&
	not_ok "sha256sum -c fails after one byte changed" || ok "sha256sum -c fails after one byte changed"
expect_grep "sha256sum names the changed file" "^tool/src/out/tool: FAILED" "$TMP/check"

mkdir empty
expect_exit 0 "export files into an empty folder" "$XPIN" export files -o empty
[ -f empty/SHA256SUMS ] && ok "the empty folder filled" || not_ok "the empty folder filled"
expect_exit 2 "export files into a non-empty folder: exit 2" "$XPIN" export files
expect_grep "says the folder is not empty" "release: the folder is not empty" "$TMP/err"
expect_exit 2 "export files over a file: exit 2" "$XPIN" export files -o xpin.json

# An artifact that is not what xpin.lock records: exit 1, named, nothing left.
cp src/out/tool "$TMP/tool.good"
printf 'X' | dd of=src/out/tool bs=1 seek=100 conv=notrunc 2>/dev/null
expect_exit 1 "export files: a changed artifact: exit 1" "$XPIN" export files -o "$TMP/bad"
expect_grep "names it" "tool/src/out/tool: sha256 " "$TMP/err"
expect_one_line "in one line" "$TMP/err"
[ ! -e "$TMP/bad" ] && [ -z "$(ls "$TMP" | grep '^bad\.')" ] &&
	ok "nothing half-written left" || not_ok "nothing half-written left: $(ls "$TMP")"
rm -f src/out/tool
expect_exit 2 "export files: a missing artifact: exit 2" "$XPIN" export files -o "$TMP/bad"
expect_grep "says to build it" "tool/src/out/tool: .*build the target" "$TMP/err"
cp "$TMP/tool.good" src/out/tool

# --- bad input ---------------------------------------------------------------
expect_exit 2 "an unknown target: exit 2" "$XPIN" export sums -o "$TMP/x" nosuch
expect_grep "names it" "target 'nosuch' is not in xpin.lock" "$TMP/err"
expect_exit 2 "an unknown kind: exit 2" "$XPIN" export nosuch
"$XPIN" keygen -W -p "$TMP/other.pub" -s "$TMP/other.key" >/dev/null
expect_exit 3 "a secret key that did not sign xpin.lock: exit 3" \
	"$XPIN" export sums -o "$TMP/x" -s "$TMP/other.key"
[ ! -e "$TMP/x" ] && ok "no sums written" || not_ok "sums written"
cp xpin.lock "$TMP/lock.good"
sed 's/"reproducible": true/"reproducible": false/' "$TMP/lock.good" >xpin.lock
expect_exit 3 "a tampered xpin.lock: exit 3" "$XPIN" export sums -o "$TMP/x"
expect_exit 3 "export files of a tampered xpin.lock: exit 3" "$XPIN" export files -o "$TMP/x"
[ ! -e "$TMP/x" ] && ok "nothing written" || not_ok "something written"
cp "$TMP/lock.good" xpin.lock
mv xpin.lock.minisig "$TMP/lock.sig"
expect_exit 3 "an unsigned xpin.lock: exit 3" "$XPIN" export sums -o "$TMP/x"
mv "$TMP/lock.sig" xpin.lock.minisig

# --- names sha256sum escapes -------------------------------------------------
mkdir -p "$TMP/odd" && cd "$TMP/odd" || exit 1
cat >build.sh <<'SH'
mkdir -p out
printf 1 >'out/back\slash'
printf 2 >"out/new
line"
printf 3 >"$(printf 'out/carriage\rreturn')"
printf 4 >'out/plain'
printf 5 >'out/sp ace'
SH
printf '{ "targets": { "odd": { "command": "sh build.sh", "artifacts": ["out"] } } }\n' >xpin.json
git init -q . && git add build.sh xpin.json && git commit -qm odd
"$XPIN" keygen -W -p xpin.pub -s "$TMP/odd.key" >/dev/null
expect_exit 0 "lock names with a backslash, newline and CR" "$XPIN" lock -s "$TMP/odd.key"
expect_exit 0 "export them" "$XPIN" export sums -s "$TMP/odd.key" -o "$TMP/odd.sums"
mkdir -p "$TMP/oddv/odd" && (cd "$TMP/oddv/odd" && sh "$TMP/odd/build.sh")
# GNU sha256sum itself, given the names in bytewise order.
(cd "$TMP/oddv" && python3 -c '
import os, subprocess, sys
names = sorted((os.path.join("odd/out", n) for n in os.listdir(b"odd/out".decode())), key=os.fsencode)
sys.stdout.flush()
subprocess.run(["sha256sum", "--"] + names, check=True)') >"$TMP/odd.want"
expect_same "the same bytes as GNU sha256sum" "$TMP/odd.want" "$TMP/odd.sums"
(cd "$TMP/oddv" && sha256sum -c "$TMP/odd.sums") >/dev/null 2>&1 &&
	ok "sha256sum -c reads them back" || not_ok "sha256sum -c reads them back"
sh build.sh
expect_exit 0 "export files with those names" "$XPIN" export files -s "$TMP/odd.key" -o "$TMP/oddf"
(cd "$TMP/oddf" && sha256sum -c SHA256SUMS) >/dev/null 2>&1 &&
	ok "sha256sum -c passes in that folder" || not_ok "sha256sum -c passes in that folder"

cd "$proj" || exit 1
rm -f SHA256SUMS SHA256SUMS.minisig
# --- audit --export: the evidence of an old release -----------------------------
git add xpin.lock xpin.lock.minisig && git commit -qm r1 && git tag r1
expect_exit 0 "audit --export sums r1" "$XPIN" audit --export sums -p xpin.pub r1
expect_eq "it sums both targets of r1" "tool/src/out/tool x86_64-linux-musl/bin/hello" \
	"$(cut -d' ' -f3 SHA256SUMS | tr '\n' ' ' | sed 's/ $//')"
expect_exit 0 "its signature verifies (minisign -V)" minisign -V -p xpin.pub -m SHA256SUMS
rm -f SHA256SUMS SHA256SUMS.minisig
expect_exit 2 "audit --export files: refused" "$XPIN" audit --no-build --export files -p xpin.pub r1
expect_one_line "in one line" "$TMP/err"
expect_exit 2 "audit --export with two releases: refused" "$XPIN" audit --no-build --export sums -p xpin.pub r1 r1
[ ! -e SHA256SUMS ] && ok "nothing written by the refusals" || not_ok "SHA256SUMS written"

test_done
