#!/bin/sh
# Fuzz seeds for tests/fuzz/fuzz_gitpack.c, from packs git itself writes:
# ofs.bin (git gc --aggressive: OFS_DELTA chains), ref.bin (the same
# repacked with repack.useDeltaBaseOffset=false: REF_DELTA), whole.bin
# (--depth=0: no deltas). Each is the fuzz input form: the number of
# objects less one, their offsets as git show-index gives them (at most
# 8, the last in the pack), an empty 64-bit entry, the pack's body.
# Usage: sh vectors/gitpack/mkseeds.sh OUTDIR
set -eu
out=$(cd "$1" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
git init -q "$t/r"
cd "$t/r"
for c in 1 2 3 4 5 6; do
	awk -v c="$c" 'BEGIN { for (i = 0; i < 60; i++) print "line", i, i < c * 10 ? "new" : "old" }' >a.txt
	git add a.txt
	git -c user.name=t -c user.email=t@xpin.invalid commit -q -m "c$c"
done
seed() {
	idx=$(ls .git/objects/pack/*.idx)
	git show-index <"$idx" | sort -n | tail -8 | python3 -c '
import struct, sys
offs = [int(l.split()[0]) for l in sys.stdin]
pack = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(bytes([len(offs) - 1]) +
    b"".join(struct.pack("<I", o) for o in offs) + bytes(8) + pack[12:-20])
' "${idx%.idx}.pack" >"$out/$1"
}
git gc -q --aggressive
seed ofs.bin
git -c repack.useDeltaBaseOffset=false repack -q -a -d -f
seed ref.bin
git repack -q -a -d -f --depth=0
seed whole.bin
