#!/bin/sh
# Runs the unit tests, then every tests/cli/t*.sh (known-answer vectors and
# end-to-end CLI tests), counting "ok"/"not ok" lines; a script that ends
# without reaching test_done (tests/lib.sh) counts as a failure. The last line printed
# is "N passed, N failed"; the exit status is 1 when anything failed.
# Usage: XPIN=path/to/xpin UNIT=path/to/unit-runner sh tests/run.sh [GLOB]
here=$(cd "$(dirname "$0")" && pwd)
glob=${1:-t*}
log=$(mktemp "${TMPDIR:-/tmp}/xpin-tests.XXXXXX")
trap 'rm -f "$log"' EXIT INT TERM
pass=0 fail=0

count() {
	# $1: name of the part, reads TAP-like lines from $log
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $1 exited $2 without saying why"
		fail=$((fail + 1))
	fi
}

if [ -z "${1:-}" ] && [ -n "${UNIT:-}" ]; then
	"$UNIT" >"$log" 2>&1
	rc=$?
	grep -v '^ok ' "$log"
	count unit "$rc"
fi
for t in "$here"/cli/$glob.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	grep -v -e '^ok ' -e '^# xpin-test-done$' "$log" | sed "s/^/[$name] /"
	n=$(grep -c '^ok ' "$log")
	echo "$name: $n ok ($(( $(date +%s) - start ))s)"
	if [ "$rc" -eq 0 ] && ! grep -q '^# xpin-test-done$' "$log"; then
		echo "not ok - $name stopped before its end (exit 0 without test_done)"
		fail=$((fail + 1))
	fi
	count "$name" "$rc"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
