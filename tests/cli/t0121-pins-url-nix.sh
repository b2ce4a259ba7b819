#!/bin/sh
# The url of `xpin pins --json` is the locked reference as the installed
# Nix prints it in the Inputs: tree of `nix flake metadata`, for every
# input type and field that can be set up offline. The expected values come
# from Nix only:
#  - flakes locked by `nix flake lock` on local inputs: git+file (ref, rev,
#    dir, submodules, shallow, both ref and dir), path, tarball, file,
#    hg;
#  - locks written by hand for inputs that need the network to lock
#    (github, github with dir, gitlab with and without host, sourcehut,
#    tarballs with rev and lastModified, git over https with more fields),
#    which `nix flake metadata --offline --no-update-lock-file` prints
#    without fetching. A lock the installed Nix refuses (an attribute it
#    does not know, such as lfs before Nix knew it) is reported as skipped,
#    with Nix's reason;
#  - every real-world lock of version 5 or later in vectors/flake-lock, in a
#    flake.nix that asks for what the lock recorded; one the installed Nix
#    refuses, or cannot keep without fetching a dependency again (which
#    Nix 2.8 does for some follows below a root input), is reported as
#    skipped, with Nix's reason.
# xpin prints by the installed Nix's rules; the report of `xpin pin` uses
# the same URLs, and --nix-rules chooses another version's.
. "$(dirname "$0")/../lib.sh"

nixv=$(nix_version)
# nix_inputs DIR: "name url" for each root input of the Inputs: tree,
# without colour, tree drawing or the date newer Nix adds.
nix_inputs() {
	(cd "$1" && nix flake metadata --offline --no-update-lock-file) \
		>"$TMP/meta" 2>"$TMP/meta.err" || return 1
	python3 - "$TMP/meta" <<'PY'
import re, sys
text = re.sub(r"\x1b\[[0-9;]*m", "", open(sys.argv[1], encoding="utf-8").read())
inputs = False
for line in text.splitlines():
    if line.startswith("Inputs:"):
        inputs = True
        continue
    if not inputs:
        continue
    m = re.match(r"^[├└]───([^:]+): (.*)$", line)
    if not m:
        continue
    url = re.sub(r" \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)$", "", m.group(2))
    print(m.group(1), url)
PY
}
# xpin_inputs DIR [ARGS]: "name url" for each root input, from xpin.
xpin_inputs() {
	d=$1
	shift
	"$XPIN" -C "$d" --json pins "$@" >"$TMP/pins" 2>"$TMP/pins.err" || return 1
	python3 -c '
import json, sys
for p in json.load(open(sys.argv[1])):
    if "/" not in p["path"] and p["follows"] is None:
        print(p["path"], p["url"])' "$TMP/pins"
}
# compare DIR WHAT: each input's url, xpin against Nix.
compare() {
	if ! nix_inputs "$1" >"$TMP/want"; then
		not_ok "$2: nix flake metadata failed"
		sed 's/^/#   /' "$TMP/meta.err" | head -5
		return
	fi
	xpin_inputs "$1" >"$TMP/got" || { not_ok "$2: xpin pins failed"; return; }
	[ -s "$TMP/want" ] || { not_ok "$2: Nix printed no inputs"; return; }
	while read -r name url; do
		expect_eq "Nix $nixv, $2: $name" "$url" \
			"$(sed -n "s|^$name ||p" "$TMP/got")"
	done <"$TMP/want"
}

# Local inputs, locked by Nix itself.
mkdir -p "$TMP/sub" "$TMP/dep" "$TMP/pth" "$TMP/tb/t" "$TMP/top"
(cd "$TMP/sub" && git init -q && echo s >s && git add s && git commit -qm s)
cd "$TMP/dep" || exit 1
git init -q && mkdir d && echo x >d/x &&
	echo '{ outputs = { self }: { }; }' >d/flake.nix &&
	git add . && git commit -qm one && git branch feat
first=$(git rev-parse HEAD)
git submodule add -q "$TMP/sub" sub && git commit -qm sub
echo p >"$TMP/pth/p"
echo t >"$TMP/tb/t/t" && tar -C "$TMP/tb" -czf "$TMP/tb.tar.gz" t
cd "$TMP/top" || exit 1
cat >flake.nix <<NIX
{
  inputs.plain = { url = "git+file://$TMP/dep"; flake = false; };
  inputs.ref = { url = "git+file://$TMP/dep?ref=feat"; flake = false; };
  inputs.rev = { url = "git+file://$TMP/dep?rev=$first"; flake = false; };
  inputs.dir = { url = "git+file://$TMP/dep?dir=d"; };
  inputs.refdir = { url = "git+file://$TMP/dep?ref=feat&dir=d"; };
  inputs.submodules = { url = "git+file://$TMP/dep?submodules=1"; flake = false; };
  inputs.shallow = { url = "git+file://$TMP/dep?shallow=1"; flake = false; };
  inputs.path = { url = "path:$TMP/pth"; flake = false; };
  inputs.tarball = { type = "tarball"; url = "file://$TMP/tb.tar.gz"; flake = false; };
  outputs = { self, ... }: { };
}
NIX
git init -q && git add flake.nix && git commit -qm top
expect_exit 0 "nix flake lock on local inputs" nix flake lock
git add flake.lock
compare "$TMP/top" "inputs locked by nix flake lock"

# A file input; Nix 2.8 has no such type.
mkdir "$TMP/file" && cd "$TMP/file" || exit 1
cat >flake.nix <<NIX
{
  inputs.file = { type = "file"; url = "file://$TMP/pth/p"; flake = false; };
  outputs = { self, ... }: { };
}
NIX
git init -q && git add flake.nix && git commit -qm file
if nix flake lock >"$TMP/out" 2>"$TMP/err"; then
	git add flake.lock
	compare "$TMP/file" "a file input"
else
	ok "# skip Nix $nixv cannot lock a file input: $(grep error: "$TMP/err" | head -1)"
fi

if command -v hg >/dev/null 2>&1; then
	export HGUSER="xpin tests <tests@xpin.invalid>" HGPLAIN=1
	hg init "$TMP/hgdep" && echo h >"$TMP/hgdep/h" &&
		hg -R "$TMP/hgdep" add -q "$TMP/hgdep/h" &&
		hg -R "$TMP/hgdep" commit -q -m h -d "1700000000 0"
	mkdir "$TMP/hgtop" && cd "$TMP/hgtop" || exit 1
	cat >flake.nix <<NIX
{
  inputs.hg = { url = "hg+file://$TMP/hgdep"; flake = false; };
  outputs = { self, ... }: { };
}
NIX
	git init -q && git add flake.nix && git commit -qm hg
	expect_exit 0 "nix flake lock on an hg input" nix flake lock
	git add flake.lock
	compare "$TMP/hgtop" "an hg input"
else
	ok "# skip no hg"
fi

# nix(v): a JSON value as a Nix expression (both generators below).
cat >"$TMP/nixexpr.py" <<'PY'
import json
def nix(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)
PY

# Locks written by hand: one flake each, its flake.nix asking for the
# lock's "original", so Nix keeps the lock as it is.
cat >"$TMP/hand.py" <<'PY'
import json, os, sys
R = "0123456789abcdef0123456789abcdef01234567"
# '+', '/' and '=' in the hash show how each Nix encodes them
NH = "sha256-vOHhCPU/u9qzX2JVEfF/GmGhz+qX9UNgVc69aQCue08="
T = 1700000000
cases = {
    "github": ({"owner": "NixOS", "repo": "nixpkgs", "rev": R, "type": "github",
                "lastModified": T, "narHash": NH},
               {"owner": "NixOS", "repo": "nixpkgs", "ref": "nixos-24.05", "type": "github"}),
    "github-dir": ({"dir": "lib", "owner": "numtide", "repo": "flake-utils", "rev": R,
                    "type": "github", "lastModified": T, "narHash": NH},
                   {"dir": "lib", "owner": "numtide", "repo": "flake-utils", "type": "github"}),
    "gitlab": ({"owner": "rycee", "repo": "nmd", "rev": R, "type": "gitlab",
                "lastModified": T, "narHash": NH},
               {"owner": "rycee", "repo": "nmd", "type": "gitlab"}),
    "gitlab-host": ({"host": "gitlab.freedesktop.org", "owner": "wlroots", "repo": "wlroots",
                     "rev": R, "type": "gitlab", "lastModified": T, "narHash": NH},
                    {"host": "gitlab.freedesktop.org", "owner": "wlroots", "repo": "wlroots",
                     "type": "gitlab"}),
    "sourcehut": ({"owner": "~misterio", "repo": "nix-colors", "rev": R, "type": "sourcehut",
                   "lastModified": T, "narHash": NH},
                  {"owner": "~misterio", "repo": "nix-colors", "type": "sourcehut"}),
    "tarball": ({"narHash": NH, "type": "tarball",
                 "url": "https://example.invalid/a/b-1.0.tar.gz"},
                {"type": "tarball", "url": "https://example.invalid/a/b-1.0.tar.gz"}),
    "tarball-rev": ({"lastModified": T, "narHash": NH, "rev": R, "revCount": 42,
                     "type": "tarball",
                     "url": "https://example.invalid/f/pinned/o/r/0.1.42/x/source.tar.gz"},
                    {"type": "tarball", "url": "https://example.invalid/f/o/r/0.1.tar.gz"}),
    "file": ({"narHash": NH, "type": "file", "url": "https://example.invalid/raw/README.md"},
             {"type": "file", "url": "https://example.invalid/raw/README.md"}),
    "git-https": ({"dir": "sub", "lastModified": T, "narHash": NH, "ref": "refs/heads/main",
                   "rev": R, "revCount": 7, "shallow": True, "submodules": True,
                   "type": "git", "url": "https://example.invalid/r.git"},
                  {"dir": "sub", "ref": "refs/heads/main", "shallow": True, "submodules": True,
                   "type": "git", "url": "https://example.invalid/r.git"}),
    "git-allrefs": ({"allRefs": True, "lastModified": T, "narHash": NH, "rev": R, "revCount": 7,
                     "type": "git", "url": "ssh://git@example.invalid/r"},
                    {"allRefs": True, "rev": R, "type": "git", "url": "ssh://git@example.invalid/r"}),
    "git-lfs": ({"lastModified": T, "lfs": True, "narHash": NH, "ref": "main", "rev": R,
                 "revCount": 7, "type": "git", "url": "https://example.invalid/r.git"},
                {"lfs": True, "ref": "main", "type": "git", "url": "https://example.invalid/r.git"}),
    "path-rev": ({"lastModified": T, "narHash": NH, "path": "/srv/some where/src",
                  "rev": R, "revCount": 3, "type": "path"},
                 {"path": "/srv/some where/src", "type": "path"}),
}
from nixexpr import nix
top = sys.argv[1]
for name, (locked, original) in cases.items():
    d = os.path.join(top, name)
    os.makedirs(d)
    attrs = " ".join(f"{k} = {nix(v)};" for k, v in sorted(original.items()))
    with open(os.path.join(d, "flake.nix"), "w") as f:
        f.write("{\n  inputs.%s = { %s flake = false; };\n"
                "  outputs = { self, ... }: { };\n}\n" % (name, attrs))
    lock = {"nodes": {name: {"flake": False, "locked": locked, "original": original},
                      "root": {"inputs": {name: name}}},
            "root": "root", "version": 7}
    with open(os.path.join(d, "flake.lock"), "w") as f:
        f.write(json.dumps(lock, indent=2, sort_keys=True) + "\n")
    print(name)
PY
mkdir "$TMP/hand"
python3 "$TMP/hand.py" "$TMP/hand" >"$TMP/cases"
while read -r c; do
	cd "$TMP/hand/$c" || exit 1
	git init -q && git add . && git commit -qm "$c"
	if nix_inputs "$TMP/hand/$c" >/dev/null; then
		compare "$TMP/hand/$c" "a lock written by hand"
	elif grep -q "unsupported\|unexpected\|not supported" "$TMP/meta.err"; then
		ok "# skip $c: Nix $nixv refuses it: $(grep error: "$TMP/meta.err" | head -1)"
	else
		not_ok "$c: nix flake metadata --offline failed"
		sed 's/^/#   /' "$TMP/meta.err" | head -5
	fi
done <"$TMP/cases"

# Every real-world lock of version 5 or later in vectors/flake-lock, in a
# flake whose flake.nix asks for what the lock recorded, so that Nix keeps
# the lock as it is. A lock the installed Nix refuses (an attribute it does
# not know, a lock it calls mutable), or one it cannot keep without the
# network, is reported as skipped with Nix's reason.
cat >"$TMP/vector.py" <<'PY'
import json, os, sys
# vector.py LOCK DIR: a flake.nix whose inputs ask for what LOCK recorded
# (each root input's "original", flake = false where the node says so,
# and every follows of the lock as an override), so that Nix keeps LOCK.
lock_path, d = sys.argv[1], sys.argv[2]
doc = json.load(open(lock_path))
nodes = doc["nodes"]
from nixexpr import nix
def walk(prefix, node, top):
    # top: the root's own inputs, which flake.nix names in full; a deeper
    # input is named (by its "original" again, so that Nix keeps its lock)
    # only on the way to a follows under it
    out = []
    for name, ref in sorted(node.get("inputs", {}).items()):
        at = prefix + "inputs.%s" % json.dumps(name)
        if isinstance(ref, list):
            out.append("  %s.follows = %s;" % (at, json.dumps("/".join(ref))))
            continue
        child = nodes[ref]
        below = walk(at + ".", child, False)
        if top or below:
            for k, v in sorted(child.get("original", {}).items()):
                out.append("  %s.%s = %s;" % (at, k, nix(v)))
            if child.get("flake", True) is False:
                out.append("  %s.flake = false;" % at)
        out += below
    return out
lines = walk("", nodes[doc["root"]], True)
os.makedirs(d, exist_ok=True)
# A relative path input inside the flake: a folder there (newer Nix reads
# its flake.nix before it compares the lock).
for ref in nodes[doc["root"]].get("inputs", {}).values():
    o = nodes[ref].get("original", {}) if isinstance(ref, str) else {}
    if o.get("type") == "path" and o.get("path", "").startswith("./"):
        sub = os.path.join(d, o["path"])
        os.makedirs(sub, exist_ok=True)
        if nodes[ref].get("flake", True):
            with open(os.path.join(sub, "flake.nix"), "w") as f:
                f.write("{ outputs = _: { }; }\n")
with open(os.path.join(d, "flake.nix"), "w") as f:
    f.write("{\n" + "\n".join(lines) + "\n  outputs = { self, ... }: { };\n}\n")
with open(os.path.join(d, "flake.lock"), "wb") as f:
    f.write(open(lock_path, "rb").read())
PY
for f in "$VEC"/flake-lock/*.flake.lock; do
	b=$(basename "$f" .flake.lock)
	v=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$f" 2>/dev/null)
	[ "${v:-0}" -ge 5 ] || continue
	python3 "$TMP/vector.py" "$f" "$TMP/vec/$b" || { not_ok "$b: no flake.nix for it"; continue; }
	cd "$TMP/vec/$b" || exit 1
	git init -q && git add . && git commit -qm "$b"
	if nix_inputs "$TMP/vec/$b" >/dev/null; then
		compare "$TMP/vec/$b" "$b"
		cmp -s "$f" flake.lock || not_ok "$b: nix changed the lock"
	elif grep -q "unsupported\|unexpected\|not supported\|mutable lock" "$TMP/meta.err"; then
		ok "# skip $b: Nix $nixv refuses it: $(grep error: "$TMP/meta.err" | head -1)"
	elif grep -q "requires lock file changes" "$TMP/meta.err"; then
		# Nix 2.26 writes a relative path input without narHash and
		# lastModified, and with "parent": it would rewrite such a lock.
		ok "# skip $b: Nix $nixv would rewrite it: $(grep error: "$TMP/meta.err" | tail -1)"
	elif grep -q "unable to download" "$TMP/meta.err"; then
		ok "# skip $b: Nix $nixv fetches again to keep it: $(grep error: "$TMP/meta.err" | head -1)"
	else
		not_ok "$b: nix flake metadata --offline failed"
		sed 's/^/#   /' "$TMP/meta.err" | head -5
	fi
done

# The other Debian's Nix, by --nix-rules: the forms this file's header
# names, for the hand-written github and gitlab-host locks.
nh_old='sha256-vOHhCPU%2fu9qzX2JVEfF%2fGmGhz+qX9UNgVc69aQCue08='
nh_new='sha256-vOHhCPU/u9qzX2JVEfF/GmGhz%2BqX9UNgVc69aQCue08%3D'
r=0123456789abcdef0123456789abcdef01234567
expect_eq "--nix-rules 2.8: github without narHash" \
	"github github:NixOS/nixpkgs/$r" "$(xpin_inputs "$TMP/hand/github" --nix-rules 2.8)"
expect_eq "--nix-rules 2.26: github with narHash" \
	"github github:NixOS/nixpkgs/$r?narHash=$nh_new" "$(xpin_inputs "$TMP/hand/github" --nix-rules 2.26)"
expect_eq "--nix-rules 2.26: no host yet" \
	"gitlab-host gitlab:wlroots/wlroots/$r?narHash=$nh_new" "$(xpin_inputs "$TMP/hand/gitlab-host" --nix-rules 2.26)"
expect_eq "--nix-rules 2.27: the host" \
	"gitlab-host gitlab:wlroots/wlroots/$r?host=gitlab.freedesktop.org&narHash=$nh_new" \
	"$(xpin_inputs "$TMP/hand/gitlab-host" --nix-rules 2.27)"
expect_eq "--nix-rules 2.8: a tarball's narHash encoded as 2.8 does" \
	"tarball https://example.invalid/a/b-1.0.tar.gz?narHash=$nh_old" \
	"$(xpin_inputs "$TMP/hand/tarball" --nix-rules 2.8)"
expect_eq "--nix-rules 2.8: a path with a space left as it is" \
	"path-rev path:/srv/some where/src?lastModified=1700000000&narHash=$nh_old&rev=$r&revCount=3" \
	"$(xpin_inputs "$TMP/hand/path-rev" --nix-rules 2.8)"
expect_eq "--nix-rules 2.26: the path encoded" \
	"path-rev path:/srv/some%20where/src?lastModified=1700000000&narHash=$nh_new&rev=$r&revCount=3" \
	"$(xpin_inputs "$TMP/hand/path-rev" --nix-rules 2.26)"

# xpin pin's report names the input by the same URL.
cd "$TMP/hand/github" || exit 1
nix_inputs "$TMP/hand/github" >"$TMP/want"
nixurl=$(sed -n "s/^github //p" "$TMP/want")
new=89abcdef0123456789abcdef0123456789abcdef
expect_exit 0 "xpin pin --dry-run on a github input" "$XPIN" pin --dry-run "github=$new" \
	--nar-hash "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" --last-modified 1700000001
expect_grep "the report's old URL is the one Nix prints" "'$nixurl'" "$TMP/out"
test_done
