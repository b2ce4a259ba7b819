#!/bin/sh
# make demo: xpin's main job on the bundled cross example, in a temporary
# folder: pin, build every target twice, sign, verify, show what each
# artifact is, and what xpin catches: a /nix/store interpreter (and the
# same binary fixed with patchelf) and a Rust build that embeds its build
# folder. Nothing outside the temporary folder is touched: Nix gets an
# offline configuration through NIX_CONFIG when none is set, cargo's home
# is inside the build, and the signing key is a throwaway one.
set -eu
xpin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xpin-demo.XXXXXX")
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
if [ -z "${NIX_CONFIG:-}" ]; then
	NIX_CONFIG='experimental-features = nix-command flakes
sandbox = false
substituters =
build-users-group =
flake-registry =
warn-dirty = false'
	export NIX_CONFIG
fi
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

proj=$(sh "$here/cross/setup.sh" "$tmp/ex" 2>/dev/null)
cd "$proj"
"$xpin" keygen -W -p "$tmp/demo.pub" -s "$tmp/demo.key" >/dev/null
XPIN_SECRET_KEY=$(cat "$tmp/demo.key")
export XPIN_SECRET_KEY

say "xpin pins            # which revisions build this release"
"$xpin" pins
say "xpin lock -j 2       # build each target twice, hash, check ELF facts, sign"
"$xpin" lock -j 2
say "xpin verify -p xpin.pub   # what CI runs: signature, pins, a rebuild, the policy"
"$xpin" verify -p "$tmp/demo.pub"
say "minisign -Vm xpin.lock -p xpin.pub   # anyone can check the signature"
minisign -Vm xpin.lock -p "$tmp/demo.pub"
# What each target really is, by file(1): the machine, the linkage, and
# for glibc its ABI note ("for GNU/Linux"), which a musl binary lacks.
# xpin built the command targets in temporary folders; build them here
# once (src/out and rust/out are ignored by git) to show them too.
make -s -C src release >/dev/null 2>&1
make -s -C rust release >/dev/null 2>&1
say "file ...   # what each artifact of the matrix really is, and the libc xpin recorded"
python3 - <<'PY'
import json, subprocess
m = json.load(open("xpin.lock"))["targets"]
for name, t in sorted(m.items()):
    root = t["outputs"]["out"] if t["builder"] == "nix" else "."
    for rel, a in sorted(t["artifacts"].items()):
        if "sha256" not in a:
            continue
        f = subprocess.run(["file", "-b", root + "/" + rel], capture_output=True,
                           text=True).stdout.strip()
        f = ", ".join(x for x in f.split(", ")
                      if not x.startswith(("BuildID", "version 1")))
        libc = (a.get("elf") or {}).get("libc", "-")
        print("%-34s %s; xpin.lock: libc %s" % (name, f, libc))
PY

# The targets meant to fail (xpin.extra.json), one configuration each.
extra() {
	python3 - "$tmp/$1.json" "$@" <<'PY'
import json, sys
a = json.load(open("xpin.json")); b = json.load(open("xpin.extra.json"))
a["targets"] = {n: b["targets"][n] for n in sys.argv[2:]}
json.dump(a, open(sys.argv[1], "w"), indent=2)
PY
}
extra x86_64-linux-gnu-nixstore
extra rust-leaky
out() { python3 -c 'import json, sys; print(json.load(open("xpin.lock"))["targets"][sys.argv[1]]["outputs"]["out"])' "$1"; }
fixed=$(out x86_64-linux-gnu-patchelf)
say "xpin lock --no-sign x86_64-linux-gnu-nixstore   # the binary that dies on Arch"
"$xpin" lock --no-sign -c "$tmp/x86_64-linux-gnu-nixstore.json" || echo "(exit $?: the policy caught it, as it should)"
say "xpin elf .../bin/hello   # x86_64-linux-gnu-patchelf: the same binary, fixed with patchelf in its build"
"$xpin" elf "$fixed/bin/hello" | grep -e interpreter -e runpath -e warning || :
say "xpin lock --no-sign rust-leaky   # cargo's line tables hold the build folder"
"$xpin" lock --no-sign -c "$tmp/rust-leaky.json" || echo "(exit $?: not reproducible, as it should be)"
# The same two builds by hand, at two paths, for xpin diff to explain.
for d in a b/a/longer/path; do
	mkdir -p "$tmp/diff/$d"
	git archive HEAD | tar -x -C "$tmp/diff/$d"
	make -s -C "$tmp/diff/$d/rust" leaky >/dev/null 2>&1
done
cd "$tmp/diff"
say "xpin diff a/rust/out/hello-leaky b/a/longer/path/rust/out/hello-leaky   # rust-leaky built at two paths"
"$xpin" diff a/rust/out/hello-leaky b/a/longer/path/rust/out/hello-leaky ||
	echo "(exit $?: they differ, and xpin says why)"
cat <<'TXT'

What to look at:
- xpin pins: the exact nixpkgs and rust-overlay revisions the release uses
  (rust-overlay/nixpkgs follows nixpkgs, so there is one nixpkgs).
- xpin lock: every target built twice with the same bytes: C for x86_64
  glibc (dynamic, static-pie), x86_64 and aarch64 musl (static), and a
  Rust crate built by cargo in Nix for x86_64 glibc (dynamic, and static-pie
  with +crt-static) and aarch64 glibc; two command targets xpin builds
  itself in two folders (make, and cargo with --remap-path-prefix).
  xpin.lock records each artifact's sha256 and ELF facts, and
  xpin.lock.minisig signs it.
- x86_64-linux-gnu-nixstore: its ELF interpreter points into /nix/store, so
  it would fail with "cannot execute: required file not found" on an
  ordinary distribution; xpin refuses it unless "allow_nix_store" is set.
  x86_64-linux-gnu-patchelf is the same binary after patchelf
  --set-interpreter /lib64/ld-linux-x86-64.so.2 --remove-rpath, and passes.
- rust-leaky: cargo without the remapping leaves the build folder in the
  line tables (.debug_str), so two builds differ; xpin names the artifact
  and the path, and rust-tool, the same build remapped, is reproducible.
TXT
