#!/bin/sh
# make bench: SHA-256 and narHash speed against the peers on the same
# input, as ratios (xpin's time / the peer's; below 1 is faster):
#   - xpin hash FILE against openssl dgst -sha256 and sha256sum (1 GiB);
#   - xpin hash --nar DIR against nix hash path, on 1 GiB in 8 files and
#     on a generated source tree (about 40,000 files with long-tailed
#     sizes, a few multi-MB files, symlinks and executables, ~350 MB);
#   - the narHash of that tree committed to git, read by xpin from the
#     object store, against git archive REV >/dev/null and against
#     git archive REV | tar -x && nix hash path;
#   - xpin's peak memory on the full tree against a quarter of it.
# Times are the median of XPIN_BENCH_RUNS runs (default 3), warm cache; peak
# memory is /usr/bin/time -v's maximum resident set size. Every narHash
# is checked against Nix's.
set -eu
. "$(dirname "$0")/common"
runs=${XPIN_BENCH_RUNS:-3}
nfiles=${XPIN_BENCH_TREE_FILES:-40000}

# agree A B WHAT: the first word of two outputs must be the same hash
agree() {
	a=$(awk '{ print $1; exit }' "$work/out.$1")
	b=$(awk '{ print $1; exit }' "$work/out.$2")
	if [ "$a" != "$b" ]; then
		echo "bench hash: FAIL: $3: $1 says $a, $2 says $b"
		exit 1
	fi
}

row() { printf 'bench hash: %-44s %7.2fs %8d KiB peak\n' "$1" "$2" "$3"; }
ratio() { printf 'bench hash: %-44s %7.2f\n' "$1" "$(calc "$2 / $3")"; }

# --- one file of 1 GiB ---
head -c 1073741824 /dev/urandom >"$work/big"
measure xfile "$XPIN" hash "$work/big"
measure ossl openssl dgst -sha256 -r "$work/big"
measure sum sha256sum "$work/big"
agree xfile sum "1 GiB file"
agree xfile ossl "1 GiB file"
rm -f "$work/big"

# --- 1 GiB in 8 files ---
mkdir "$work/eight"
for i in 1 2 3 4 5 6 7 8; do
	head -c 134217728 /dev/urandom >"$work/eight/part$i"
done
measure xeight "$XPIN" hash --nar "$work/eight"
measure neight nix hash path "$work/eight"
agree xeight neight "1 GiB in 8 files"
rm -rf "$work/eight"

# --- a source tree, on disk and as two commits (a quarter, and all) ---
start=$(date +%s.%N)
mkdir "$work/tree" "$work/repo"
git init -q -b main "$work/repo"
python3 - "$work/tree" "$nfiles" <<'PY' | git -C "$work/repo" fast-import --quiet
import os, random, sys

root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(20240601)
out = sys.stdout.buffer

# Text comes from the system's C headers, as source files do.
corpus = bytearray()
for d, _, fs in os.walk("/usr/include"):
    for f in sorted(fs):
        try:
            with open(os.path.join(d, f), "rb") as fh:
                corpus += fh.read()
        except OSError:
            pass
        if len(corpus) > 24 << 20:
            break
    if len(corpus) > 24 << 20:
        break
if len(corpus) < 1 << 20:
    corpus = bytearray(rng.randbytes(1 << 20).hex().encode())

dirs = [""]
for i in range(n // 20):
    parent = dirs[rng.randrange(len(dirs))]
    if parent.count("/") >= 6:
        parent = ""
    dirs.append(f"{parent}m{i:04d}/" if parent else f"m{i:04d}/")
exts = [".c", ".h", ".py", ".md", ".txt", ".json", ".rs", ".sh"]
entries = []  # (path, mode, data)
for i in range(n):
    d = dirs[1 + rng.randrange(len(dirs) - 1)]
    if i < 8:  # a few multi-MB files: binary assets
        size = rng.randrange(2 << 20, 12 << 20)
        data = rng.randbytes(size)
        name = f"asset{i}.bin"
    else:
        size = min(int(rng.lognormvariate(8.0, 1.35)), 2 << 20)
        off = rng.randrange(max(1, len(corpus) - size))
        data = bytes(corpus[off:off + size])
        name = f"f{i:05d}{exts[i % len(exts)]}"
    mode = "100755" if rng.random() < 0.05 else "100644"
    entries.append((d + name, mode, data))
for i in range(n // 200):  # symlinks to a sibling name
    p, _, _ = entries[rng.randrange(len(entries))]
    base = p.rsplit("/", 1)
    target = base[-1]
    entries.append((p + f".link{i}", "120000", target.encode()))

for p, mode, data in entries:
    full = os.path.join(root, p)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    if mode == "120000":
        os.symlink(data.decode(), full)
    else:
        with open(full, "wb") as fh:
            fh.write(data)
        os.chmod(full, 0o755 if mode == "100755" else 0o644)

for k, (p, mode, data) in enumerate(entries):
    out.write(b"blob\nmark :%d\ndata %d\n" % (k + 1, len(data)) + data + b"\n")
quarter = len(entries) // 4
for ref, upto, when in (("small", quarter, 1700000000), ("main", len(entries), 1700000100)):
    out.write(b"commit refs/heads/%s\n" % ref.encode())
    out.write(b"committer bench <bench@xpin.invalid> %d +0000\ndata 0\n" % when)
    out.write(b"deleteall\n")
    for k in range(upto):
        p, mode, _ = entries[k]
        out.write(b"M %s :%d %s\n" % (mode.encode(), k + 1, p.encode()))
PY
gen=$(calc "$(date +%s.%N) - $start")
rev=$(git -C "$work/repo" rev-parse main)
small=$(git -C "$work/repo" rev-parse small)
count=$(git -C "$work/repo" ls-tree -r main | wc -l)
links=$(git -C "$work/repo" ls-tree -r main | grep -c '^120000' || true)
execs=$(git -C "$work/repo" ls-tree -r main | grep -c '^100755' || true)
mb=$(du -sm "$work/tree" | cut -f1)
packmb=$(du -sm "$work/repo/.git" | cut -f1)
printf 'bench hash: tree of %s entries (%s symlinks, %s executables), %s MB on disk, %s MB in git; generated in %.1fs\n' \
	"$count" "$links" "$execs" "$mb" "$packmb" "$gen"

measure xtree "$XPIN" hash --nar "$work/tree"
measure ntree nix hash path "$work/tree"
agree xtree ntree "source tree on disk"
measure xgit "$XPIN" hash --nar --git "$work/repo" --rev "$rev"
agree xgit ntree "source tree from git"
measure xgit_small "$XPIN" hash --nar --git "$work/repo" --rev "$small"
measure garch sh -c 'git -C "$1" archive "$2" >/dev/null' sh "$work/repo" "$rev"
measure gnix sh -c 'rm -rf "$3" && mkdir "$3" &&
	git -C "$1" archive "$2" | tar -x -C "$3" && nix hash path "$3"' \
	sh "$work/repo" "$rev" "$work/unpacked"
agree xgit gnix "git archive | tar -x && nix hash path"

row "xpin hash FILE (1 GiB)" "$t_xfile" "$m_xfile"
row "openssl dgst -sha256 FILE" "$t_ossl" "$m_ossl"
row "sha256sum FILE" "$t_sum" "$m_sum"
row "xpin hash --nar DIR (1 GiB in 8 files)" "$t_xeight" "$m_xeight"
row "nix hash path DIR (1 GiB in 8 files)" "$t_neight" "$m_neight"
row "xpin hash --nar DIR (source tree)" "$t_xtree" "$m_xtree"
row "nix hash path DIR (source tree)" "$t_ntree" "$m_ntree"
row "xpin hash --nar --git (source tree)" "$t_xgit" "$m_xgit"
row "xpin hash --nar --git (quarter of it)" "$t_xgit_small" "$m_xgit_small"
row "git archive REV >/dev/null" "$t_garch" "$m_garch"
row "git archive | tar -x && nix hash path" "$t_gnix" "$m_gnix"
ratio "xpin hash / openssl dgst -sha256" "$t_xfile" "$t_ossl"
ratio "xpin hash / sha256sum" "$t_xfile" "$t_sum"
ratio "xpin --nar / nix hash path, 8 files" "$t_xeight" "$t_neight"
ratio "xpin --nar / nix hash path, source tree" "$t_xtree" "$t_ntree"
ratio "xpin --nar --git / git archive >/dev/null" "$t_xgit" "$t_garch"
ratio "xpin --nar --git / git archive|tar|nix hash" "$t_xgit" "$t_gnix"
ratio "xpin --git peak memory, full / quarter" "$m_xgit" "$m_xgit_small"
