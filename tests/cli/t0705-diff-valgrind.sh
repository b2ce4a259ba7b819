#!/bin/sh
# xpin diff under valgrind: two ELF builds that differ (section reader,
# contexts, hints), a folder tree with every kind of difference, and the
# JSON, short and human forms: no invalid access, no uninitialised value,
# nothing left allocated.
. "$(dirname "$0")/../lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	not_ok "valgrind is not installed (make deps)"
	exit 1
fi
if grep -q __asan_init "$XPIN" 2>/dev/null; then
	skip_all "$XPIN is built with AddressSanitizer"
fi
cd "$TMP" || exit 1
mkdir -p A/bin B/bin A/only B/sub
cat >t.c <<'C'
#include <stdio.h>
int main(void) { puts("built " BUILD_TIME " in " __FILE__); return 0; }
C
gcc -g -DBUILD_TIME="\"$(date +%s%N)\"" "$TMP/t.c" -o A/bin/t
mkdir -p longer-folder && cp t.c longer-folder/
gcc -g -DBUILD_TIME="\"$(date +%s%N)\"" "$TMP/longer-folder/t.c" -o B/bin/t
printf 'abc' >A/x
printf 'abd' >B/x
ln -s x A/l
ln -s y B/l
echo >A/only/f
echo >B/sub/f
for args in "--json A B" "--short A B" "A B" "A/bin/t B/bin/t" "--json A/bin/t B/bin/t"; do
	# shellcheck disable=SC2086
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=all "$XPIN" diff $args >out 2>vg
	r=$?
	if [ "$r" -eq 1 ] && ! grep -q '^==[0-9]*==' vg; then
		ok "valgrind: xpin diff $args is clean (exit 1)"
	else
		not_ok "valgrind: xpin diff $args: exit $r"
		head -20 vg | sed 's/^/#   /'
	fi
done
valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
	"$XPIN" diff A missing >out 2>vg
r=$?
if [ "$r" -eq 2 ] && ! grep -q '^==[0-9]*==' vg; then
	ok "valgrind: a missing path is clean (exit 2)"
else
	not_ok "valgrind: a missing path: exit $r"
	head -20 vg | sed 's/^/#   /'
fi
test_done
