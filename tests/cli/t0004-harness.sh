#!/bin/sh
# tests/run.sh itself: a script that stops early, even with exit 0, is a
# failure; one that skips through skip_all or reaches test_done is not.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/h/cli"
cp "$ROOT/tests/run.sh" "$ROOT/tests/lib.sh" "$TMP/h/"
cat >"$TMP/h/cli/t1-whole.sh" <<'T'
. "$(dirname "$0")/../lib.sh"
ok "one"
test_done
T
cat >"$TMP/h/cli/t2-early.sh" <<'T'
. "$(dirname "$0")/../lib.sh"
ok "one"
exit 0
ok "never reached"
test_done
T
cat >"$TMP/h/cli/t3-skip.sh" <<'T'
. "$(dirname "$0")/../lib.sh"
skip_all "nothing to do here"
not_ok "never reached"
T
cat >"$TMP/h/cli/t4-setfail.sh" <<'T'
. "$(dirname "$0")/../lib.sh"
set -e
ok "one"
false
test_done
T
run env UNIT= sh "$TMP/h/run.sh"
expect_eq "run.sh exits 1" 1 "$rc"
expect_eq "the counts: an early exit 0 and a set -e stop are failures" \
	"3 passed, 2 failed" "$(tail -n 1 "$TMP/out")"
expect_grep "the early exit is named" "not ok - t2-early stopped before its end" "$TMP/out"
expect_grep "the set -e stop is named" "not ok - t4-setfail exited 1 without saying why" "$TMP/out"
run env UNIT= sh "$TMP/h/run.sh" 't[13]*'
expect_eq "a whole script and a skip pass" "0 1 passed, 0 failed" "$rc $(tail -n 1 "$TMP/out")"
test_done
