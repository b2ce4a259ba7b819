#!/bin/sh
# Stopping xpin lock (SIGTERM, as Ctrl-C's SIGINT) stops the build it is
# running too, although builds run in process groups of their own, and
# writes no xpin.lock.
. "$(dirname "$0")/../lib.sh"

mkdir "$TMP/p" && cd "$TMP/p" || exit 1
git init -q
cat >xpin.json <<JSON
{"targets": {"slow": {"command": "echo \$\$ > $TMP/build.pid; exec sleep 60",
                      "artifacts": ["x"]}}}
JSON
git add xpin.json && git commit -qm slow
for sig in TERM INT; do
	rm -f "$TMP/build.pid"
	"$XPIN" lock --no-sign >"$TMP/out" 2>"$TMP/err" &
	xp=$!
	i=0
	while [ ! -s "$TMP/build.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$TMP/build.pid" ] && ok "SIG$sig: the build started" || not_ok "SIG$sig: the build started"
	kill -$sig $xp
	wait $xp
	rc=$?
	[ "$rc" -ge 128 ] && ok "SIG$sig: xpin died of the signal ($rc)" || not_ok "SIG$sig: xpin exit $rc"
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
test_done
