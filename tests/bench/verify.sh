#!/bin/sh
# make bench: xpin verify --no-build on the cross example (its nix
# targets, locked, signed and committed here, as CI checks a manifest)
# against what a user checks by hand with the standard tools on the same
# artifacts: minisign -V over xpin.lock plus sha256sum -c over every
# artifact file. verify --no-build also asks Nix for each target's
# derivation (nix eval .#ATTR.drvPath, to see that the flake still gives
# what was locked), which the peer does not: cold, with the evaluation
# cache empty (the first check after the lock), every evaluation runs,
# and those are timed on their own too, so the ratio of xpin's own part
# can be read; warm, the cache answers them. Times are the median of
# XPIN_BENCH_RUNS runs (default 3), the cold one a single run.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/common"
runs=${XPIN_BENCH_RUNS:-3}

example_nix
"$XPIN" keygen -W -p "$work/bench.pub" -s "$work/bench.key" >/dev/null
XPIN_SECRET_KEY=$(cat "$work/bench.key") "$XPIN" lock -q -j 2 -c "$work/nix.json" >/dev/null
git add xpin.lock xpin.lock.minisig
git -c user.name=bench -c user.email=bench@xpin.invalid commit -qm "xpin lock"
# every artifact file of the lock, as sha256sum -c reads it
python3 - >"$work/SHA256SUMS" <<'PY'
import json
m = json.load(open("xpin.lock"))["targets"]
for name, t in sorted(m.items()):
    root = t["outputs"]["out"]
    for rel, a in sorted(t["artifacts"].items()):
        if "sha256" in a:
            print("%s  %s" % (a["sha256"], root if rel == "." else root + "/" + rel))
PY
nfiles=$(wc -l <"$work/SHA256SUMS")
bytes=$(awk '{ print $2 }' "$work/SHA256SUMS" | xargs cat | wc -c)

rm -rf "$XDG_CACHE_HOME/xpin"
keep=$runs runs=1
measure xcold "$XPIN" verify --no-build -q -c "$work/nix.json" -p "$work/bench.pub"
runs=$keep
[ "$(ls "$XDG_CACHE_HOME/xpin/eval" | wc -l)" -eq "$(wc -l <"$work/attrs")" ] || {
	echo "bench: FAIL: the cold run left no entry per target in the cache"; exit 1; }
measure xwarm "$XPIN" verify --no-build -q -c "$work/nix.json" -p "$work/bench.pub"
measure peer sh -c 'minisign -Vqm xpin.lock -p "$1" && sha256sum -c --quiet "$2"' \
	sh "$work/bench.pub" "$work/SHA256SUMS"
measure evals sh -c 'while read -r attr; do nix eval --raw ".#$attr.drvPath" >/dev/null; done <"$1"' \
	sh "$work/attrs"

printf 'bench verify: %s nix targets, %s artifact files, %s bytes\n' \
	"$(wc -l <"$work/attrs")" "$nfiles" "$bytes"
printf 'bench verify: %-44s %7.3fs %8d KiB peak\n' \
	"xpin verify --no-build, cold (first run)" "$t_xcold" "$m_xcold" \
	"xpin verify --no-build, warm (eval cache)" "$t_xwarm" "$m_xwarm" \
	"minisign -V + sha256sum -c" "$t_peer" "$m_peer" \
	"nix eval .#ATTR.drvPath, each target" "$t_evals" "$m_evals"
printf 'bench verify: %-44s %7.2f\n' \
	"cold / minisign+sha256sum" "$(calc "$t_xcold / $t_peer")" \
	"cold / (minisign+sha256sum + Nix's evals)" \
	"$(calc "$t_xcold / ($t_peer + $t_evals)")" \
	"warm / minisign+sha256sum" "$(calc "$t_xwarm / $t_peer")"
