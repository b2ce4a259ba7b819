#!/bin/sh
# xpin lock against the same two nix build calls run by hand, per target,
# on the cross example (nix targets only, one at a time): wall time as a
# ratio, best of 3 runs each.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/common"
tmp=$work
example_nix
now() { date +%s.%N; }
best_hand=999999 best_xpin=999999
"$XPIN" lock --no-sign -q -c "$tmp/nix.json" >/dev/null   # warm the evaluation cache
for i in 1 2 3; do
	t0=$(now)
	while read -r attr; do
		nix build --no-link --json ".#$attr" >/dev/null 2>&1
		nix build --rebuild --keep-failed --no-link ".#$attr" >/dev/null 2>&1
	done <"$tmp/attrs"
	t1=$(now)
	"$XPIN" lock --no-sign -q -c "$tmp/nix.json" >/dev/null
	t2=$(now)
	best_hand=$(echo "$t1 - $t0 $best_hand" | awk '{d=$1-$3; print (d<$4)?d:$4}')
	best_xpin=$(echo "$t2 - $t1 $best_xpin" | awk '{d=$1-$3; print (d<$4)?d:$4}')
done
n=$(wc -l <"$tmp/attrs")
echo "lock: $n nix targets, best of 3: by hand ${best_hand}s, xpin lock ${best_xpin}s," \
	"ratio $(echo "$best_xpin $best_hand" | awk '{printf "%.3f", $1/$2}')x"
