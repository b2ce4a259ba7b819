#!/bin/sh
# make bench: the narHash of a generated repository of XPIN_BENCH_FILES
# files (default 50000), computed by xpin from the object store, against
# `nix flake lock` on the same commit as a git+file:// input (which runs
# git archive, unpacks it and hashes it into the store) and against the
# floor, `git archive REV >/dev/null`. Times are the median of a few runs;
# peak memory is /usr/bin/time -v's maximum resident set size. A second
# commit with a quarter of the files shows whether xpin's memory grows with
# the tree. Also checks that xpin and Nix agree on the narHash.
set -eu
. "$(dirname "$0")/common"
files=${XPIN_BENCH_FILES:-50000}
runs=${XPIN_BENCH_RUNS:-3}

# --- the repository: DIRS x 10 x 20 files, written by git fast-import ---
dirs=$(( (files + 199) / 200 ))
repo=$work/repo
git init -q -b main "$repo"
start=$(date +%s.%N)
awk -v dirs="$dirs" -v quarter="$(( (dirs + 3) / 4 ))" '
function tree(n,   d, s, f, path, body, mode) {
	print "data 0"
	print "M 100644 inline .gitattributes"
	body = "*.tmp export-ignore\n/d000/s9/ export-ignore\n"
	print "data " length(body); printf "%s", body
	for (d = 0; d < n; d++)
		for (s = 0; s < 10; s++)
			for (f = 0; f < 20; f++) {
				path = sprintf("d%03d/s%d/f%02d.%s", d, s, f,
					       f == 19 ? "tmp" : "txt")
				body = sprintf("file %d/%d/%d\n%s\n", d, s, f, line)
				if (f == 7)
					body = body body body body body body body body
				mode = f == 0 ? "100755" : "100644"
				print "M " mode " inline " path
				print "data " length(body); printf "%s", body
			}
	print "M 120000 inline link"
	print "data 4"; printf "d000"
}
BEGIN {
	line = "the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs; sphinx of black quartz, judge my vow"
	print "commit refs/heads/small"
	print "committer bench <bench@xpin.invalid> 1700000000 +0000"
	tree(quarter)
	print "commit refs/heads/main"
	print "committer bench <bench@xpin.invalid> 1700000100 +0000"
	tree(dirs)
}' | git -C "$repo" fast-import --quiet
gen=$(calc "$(date +%s.%N) - $start")
rev=$(git -C "$repo" rev-parse main)
small=$(git -C "$repo" rev-parse small)
nfiles=$(git -C "$repo" ls-tree -r main | wc -l)
nsmall=$(git -C "$repo" ls-tree -r small | wc -l)
printf 'bench nar: %s files (%s in the small commit), generated in %.1fs\n' \
	"$nfiles" "$nsmall" "$gen"


mkdir "$work/flake"
cat >"$work/flake/flake.nix" <<EOT
{
  inputs.src = { url = "git+file://$repo?rev=$rev"; flake = false; };
  outputs = { self, src }: { };
}
EOT

measure xpin "$XPIN" hash --nar --git "$repo" --rev "$rev"
measure xpin_small "$XPIN" hash --nar --git "$repo" --rev "$small"
measure git sh -c 'git -C "$1" archive "$2" >/dev/null' sh "$repo" "$rev"
runs=$(( runs < 2 ? runs : 2 ))
# a fresh fetcher cache each time, so Nix fetches and hashes again
measure nix sh -c 'rm -rf "$HOME/.cache" "$1/flake.lock"; cd "$1" && nix flake lock 2>/dev/null' \
	sh "$work/flake"

ours=$(cat "$work/out.xpin")
theirs=$(sed -n 's/.*"narHash": "\(.*\)".*/\1/p' "$work/flake/flake.lock")
if [ "$ours" != "$theirs" ]; then
	echo "bench nar: FAIL: xpin says $ours, nix flake lock says $theirs"
	exit 1
fi
printf 'bench nar: narHash %s (xpin and nix flake lock agree)\n' "$ours"
printf 'bench nar: %-28s %7.2fs %8d KiB peak\n' \
	"xpin hash --nar --git" "$t_xpin" "$m_xpin" \
	"git archive >/dev/null" "$t_git" "$m_git" \
	"nix flake lock (git+file)" "$t_nix" "$m_nix" \
	"xpin, quarter of the files" "$t_xpin_small" "$m_xpin_small"
printf 'bench nar: xpin / nix flake lock = %.2f\n' "$(calc "$t_xpin / $t_nix")"
printf 'bench nar: xpin / git archive    = %.2f\n' "$(calc "$t_xpin / $t_git")"
printf 'bench nar: xpin peak memory, full / quarter tree = %.2f\n' \
	"$(calc "$m_xpin / $m_xpin_small")"
