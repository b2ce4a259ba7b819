#!/bin/sh
# Every real-world lock in vectors/flake-lock loads and lists, and after an
# edit of a root input equals what python3's json module writes for the
# same edit: for each type Nix locks by a revision (github, gitlab,
# sourcehut, git, hg), the lock's first root input of that type is pinned
# to another rev and back, which gives Nix's bytes again. python3 is first
# shown to reproduce each Nix-written original.
. "$(dirname "$0")/../lib.sh"

cat >"$TMP/canon.py" <<'PY'
import json, sys
# The form Nix writes: 2-space indent, sorted keys, UTF-8, final newline.
def canon(doc):
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
# The types Nix locks by a revision, which xpin pin can move.
PINNABLE = ("github", "gitlab", "sourcehut", "git", "hg")
def locked(node):
    # a version 5 lock keeps lastModified and narHash in "info"
    l = dict(node.get("locked", {}))
    l.update(node.get("info", {}))
    return l
mode, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
doc = json.loads(raw)
if mode == "canon":
    sys.stdout.write(canon(doc))
elif mode == "roots":
    # root inputs: "name node-or-FOLLOWS rev-or-none"
    nodes = doc["nodes"]
    for name, ref in sorted(doc["nodes"][doc["root"]].get("inputs", {}).items()):
        if isinstance(ref, list):
            print(name, "follows", "/".join(ref))
        else:
            n = nodes[ref]
            rev = n.get("locked", {}).get("rev", "none")
            print(name, ref, rev)
elif mode == "types":
    # "type input" for each type an input can be re-pinned by rev: the
    # first root input (by name) whose node is locked with that type.
    nodes, seen = doc["nodes"], set()
    for name, ref in sorted(nodes[doc["root"]].get("inputs", {}).items()):
        if isinstance(ref, list):
            continue
        t = nodes[ref].get("locked", {}).get("type")
        if t in PINNABLE and t not in seen and "rev" in locked(nodes[ref]):
            seen.add(t)
            print(t, name)
elif mode == "edit":
    # Re-pin root input argv[3] the way Nix writes a version 7 lock: a new
    # rev, narHash, and lastModified and revCount where the node has them;
    # print the xpin command line's arguments on stderr.
    import hashlib, base64
    name = sys.argv[3]
    nodes = doc["nodes"]
    n = nodes[nodes[doc["root"]]["inputs"][name]]
    rev = hashlib.sha1((path + name).encode()).hexdigest()
    nar = "sha256-" + base64.b64encode(hashlib.sha256(rev.encode()).digest()).decode()
    for other in nodes.values():
        if "info" in other:
            other["locked"].update(other.pop("info"))
    n["locked"]["rev"] = rev
    n["locked"]["narHash"] = nar
    args = [name + "=" + rev, "--nar-hash", nar]
    if "lastModified" in n["locked"]:
        n["locked"]["lastModified"] = 1700000000
        args += ["--last-modified", "1700000000"]
    if "revCount" in n["locked"]:
        n["locked"]["revCount"] = 4242
        args += ["--rev-count", "4242"]
    doc["version"] = 7
    out = canon(doc)
    # A file that ended in extra blank lines keeps them: xpin changes only
    # the edited node's "locked" object of a version 7 lock.
    if raw.endswith(b"\n\n") and json.loads(raw)["version"] == 7:
        out += "\n" * (len(raw) - len(raw.rstrip(b"\n")) - 1)
    sys.stdout.write(out)
    sys.stderr.write(" ".join(args))
elif mode == "back":
    # The pin line that puts root input argv[3] back to its own locked
    # facts after the edit above moved it; stdout: the lock Nix writes
    # then (a version 7 lock byte for byte as it was, an older one as
    # version 7).
    name = sys.argv[3]
    nodes = doc["nodes"]
    l = locked(nodes[nodes[doc["root"]]["inputs"][name]])
    args = [name + "=" + l["rev"], "--nar-hash", l["narHash"]]
    if "lastModified" in l:
        args += ["--last-modified", str(l["lastModified"])]
    if "revCount" in l:
        args += ["--rev-count", str(l["revCount"])]
    if doc["version"] == 7:
        sys.stdout.buffer.write(raw)
    else:
        for other in nodes.values():
            if "info" in other:
                other["locked"].update(other.pop("info"))
        doc["version"] = 7
        sys.stdout.write(canon(doc))
    sys.stderr.write(" ".join(args))
PY

n=0
: >"$TMP/pinned-types"
for f in "$VEC"/flake-lock/*.flake.lock; do
	b=$(basename "$f" .flake.lock)
	n=$((n + 1))
	case $b in
	*__v3-*|*__v4-*)
		cp "$f" "$TMP/flake.lock"
		expect_exit 2 "$b: pre-v5 lock refused" "$XPIN" -C "$TMP" pins
		expect_one_line "$b: one-line error" "$TMP/err"
		expect_grep "$b: says to run nix flake update" "nix flake update" "$TMP/err"
		expect_same "$b: file untouched" "$f" "$TMP/flake.lock"
		continue ;;
	esac
	# python3 reproduces the Nix-written original (not the one file
	# SOURCES.tsv marks as not Nix-canonical).
	python3 "$TMP/canon.py" canon "$f" >"$TMP/canon"
	if grep -q "^$b.flake.lock	.*NOT-nix-canonical" "$VEC/flake-lock/SOURCES.tsv"; then
		if cmp -s "$f" "$TMP/canon"; then
			not_ok "$b: marked non-canonical but python reproduces it"
		else
			ok "$b: not Nix-canonical, as SOURCES.tsv says"
		fi
	else
		expect_same "$b: python3 reproduces the original" "$f" "$TMP/canon"
	fi
	# loads and lists
	cp "$f" "$TMP/flake.lock"
	expect_exit 0 "$b: xpin pins" "$XPIN" -C "$TMP" pins
	expect_exit 0 "$b: xpin pins --json" "$XPIN" -C "$TMP" --json pins
	python3 - "$TMP/out" >"$TMP/listed" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1])):
    if "/" in p["path"]:
        continue
    if p["follows"] is not None:
        print(p["path"], "follows", p["follows"])
    else:
        print(p["path"], p["node"], p["rev"] or "none")
PY
	python3 "$TMP/canon.py" roots "$f" >"$TMP/roots"
	expect_same "$b: root inputs, nodes and revs as python reads them" "$TMP/roots" "$TMP/listed"
	# each type that can be re-pinned: its first root input, moved to
	# another rev and back
	python3 "$TMP/canon.py" types "$f" >"$TMP/types"
	while read -r type input <&3; do
		echo "$type" >>"$TMP/pinned-types"
		cp "$f" "$TMP/flake.lock"
		python3 "$TMP/canon.py" edit "$f" "$input" >"$TMP/expected" 2>"$TMP/args"
		# shellcheck disable=SC2046
		expect_exit 0 "$b: xpin pin $type input $input" "$XPIN" -C "$TMP" pin $(cat "$TMP/args")
		expect_same "$b: $type input $input edited as python edits it" "$TMP/expected" "$TMP/flake.lock"
		expect_grep "$b: $type input $input: change report" "Updated input" "$TMP/out"
		# and pin it back to its own rev: Nix's bytes again
		python3 "$TMP/canon.py" back "$f" "$input" >"$TMP/expected" 2>"$TMP/args"
		# shellcheck disable=SC2046
		expect_exit 0 "$b: xpin pin $type input $input back to the locked rev" "$XPIN" -C "$TMP" pin $(cat "$TMP/args")
		expect_same "$b: $type input $input pinned back, the lock is byte-identical" "$TMP/expected" "$TMP/flake.lock"
	done 3<"$TMP/types"
	cmp -s "$f" "$VEC/flake-lock/$b.flake.lock" || not_ok "$b: vector itself changed"
done
# every type Nix locks by rev is pinned away and back in some real lock
for type in github gitlab sourcehut git hg; do
	if grep -qx "$type" "$TMP/pinned-types"; then
		ok "a real lock's $type input is pinned away and back"
	else
		not_ok "no real lock has a root input of type $type to pin"
	fi
done
[ "$n" -ge 20 ] && ok "at least 20 real-world locks ($n)" || not_ok "only $n locks"
test_done
