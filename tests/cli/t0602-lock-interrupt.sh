#!/bin/sh
# Stopping xpin lock (SIGTERM, SIGINT as Ctrl-C sends, SIGHUP) stops the
# build it is running too, although builds run in process groups of their
# own, removes its temporary folders, says so in one line, exits 128+N
# and writes no xpin.lock. Under a file size limit (ulimit -f), a write
# is a one-line error (exit 2) that leaves the old file and no partial
# one, instead of SIGXFSZ killing xpin without a word.
. "$(dirname "$0")/../lib.sh"

mkdir "$TMP/p" && cd "$TMP/p" || exit 1
git init -q
cat >xpin.json <<JSON
{"targets": {"slow": {"command": "echo \$\$ > $TMP/build.pid; exec sleep 60",
                      "artifacts": ["x"]}}}
JSON
git add xpin.json && git commit -qm slow
mkdir "$TMP/tmpdir"
export TMPDIR="$TMP/tmpdir"
for sig in TERM INT HUP; do
	rm -f "$TMP/build.pid"
	"$XPIN" lock --no-sign >"$TMP/out" 2>"$TMP/err" &
	xp=$!
	i=0
	while [ ! -s "$TMP/build.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$TMP/build.pid" ] && ok "SIG$sig: the build started" || not_ok "SIG$sig: the build started"
	kill -$sig $xp
	wait $xp
	rc=$?
	case $sig in TERM) n=15 ;; INT) n=2 ;; HUP) n=1 ;; esac
	want=$((128 + n))
	expect_eq "SIG$sig: xpin died of the signal" "$want" "$rc"
	expect_one_line "SIG$sig: one line" "$TMP/err"
	expect_grep "SIG$sig: it says what it did" "stopped by SIG$sig" "$TMP/err"
	expect_eq "SIG$sig: no temporary folder is left" "" "$(ls -A "$TMP/tmpdir")"
	bp=$(cat "$TMP/build.pid" 2>/dev/null)
	i=0
	while [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null; then
		not_ok "SIG$sig: the build process is stopped too"
		kill -9 "$bp"
	else
		ok "SIG$sig: the build process is stopped too"
	fi
	[ ! -e xpin.lock ] && ok "SIG$sig: no xpin.lock written" || not_ok "SIG$sig: no xpin.lock written"
done

# SIGKILL: nothing can be cleaned up, but the build xpin started dies
# with it.
rm -f "$TMP/build.pid"
"$XPIN" lock --no-sign >"$TMP/out" 2>"$TMP/err" &
xp=$!
i=0
while [ ! -s "$TMP/build.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 $xp; wait $xp 2>/dev/null
bp=$(cat "$TMP/build.pid" 2>/dev/null)
i=0
while [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if [ -n "$bp" ] && kill -0 "$bp" 2>/dev/null; then
	not_ok "SIGKILL: the build process dies with xpin"; kill -9 "$bp"
else
	ok "SIGKILL: the build process dies with xpin"
fi
rm -rf "$TMP/tmpdir"/*

# A file size limit: keygen and sign fail in one line, leaving nothing
# half-written; with the limit lifted the same commands work. (Their
# stderr goes through a pipe: the limit would stop a message to a file.)
limited() { # out, command...
	out=$1; shift
	( ulimit -f 0; "$@" 2>&1 >/dev/null; echo "exit $?" ) | cat >"$out"
}
limited "$TMP/ul1" "$XPIN" keygen -W -p "$TMP/a.pub" -s "$TMP/a.key"
expect_eq "keygen under ulimit -f 0: exit 2" "exit 2" "$(tail -n1 "$TMP/ul1")"
sed '$d' "$TMP/ul1" >"$TMP/ul1.err"
expect_one_line "keygen under ulimit -f 0: one line" "$TMP/ul1.err"
[ ! -e "$TMP/a.key" ] && [ ! -e "$TMP/a.pub" ] && ok "no key file is left" || not_ok "a key file is left: $(ls -l "$TMP"/a.*)"
expect_exit 0 "keygen again without the limit" "$XPIN" keygen -W -p "$TMP/a.pub" -s "$TMP/a.key"
printf 'data\n' >"$TMP/f"
expect_exit 0 "sign" "$XPIN" sign -s "$TMP/a.key" "$TMP/f"
cp "$TMP/f.minisig" "$TMP/f.minisig.old"
limited "$TMP/ul2" "$XPIN" sign -s "$TMP/a.key" -t other "$TMP/f"
expect_eq "sign under ulimit -f 0: exit 2" "exit 2" "$(tail -n1 "$TMP/ul2")"
sed '$d' "$TMP/ul2" >"$TMP/ul2.err"
expect_one_line "sign under ulimit -f 0: one line" "$TMP/ul2.err"
expect_same "the old signature is kept" "$TMP/f.minisig.old" "$TMP/f.minisig"
expect_eq "no temporary beside it" "" "$(ls "$TMP" | grep xpin-tmp)"
test_done
