#!/bin/sh
# Every real-world lock in vectors/flake-lock loads and lists, and after an
# edit of one root input equals what python3's json module writes for the
# same edit. python3 is first shown to reproduce each Nix-written original.
. "$(dirname "$0")/../lib.sh"

cat >"$TMP/canon.py" <<'PY'
import json, sys
# The form Nix writes: 2-space indent, sorted keys, UTF-8, final newline.
def canon(doc):
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
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
elif mode == "edit":
    # Re-pin the first root input whose locked type has a revision, the
    # way Nix writes a version 7 lock; print "input rev narHash lastModified
    # [revCount]" on stderr for the xpin command line.
    import hashlib, base64
    nodes = doc["nodes"]
    for name, ref in sorted(nodes[doc["root"]].get("inputs", {}).items()):
        if isinstance(ref, list):
            continue
        n = nodes[ref]
        if n["locked"]["type"] in ("github", "gitlab", "sourcehut", "git"):
            break
    else:
        sys.exit(3)
    rev = hashlib.sha1(path.encode()).hexdigest()
    nar = "sha256-" + base64.b64encode(hashlib.sha256(rev.encode()).digest()).decode()
    info = n.pop("info", {})
    n["locked"].update(info)
    n["locked"]["rev"] = rev
    n["locked"]["narHash"] = nar
    n["locked"]["lastModified"] = 1700000000
    args = [name + "=" + rev, "--nar-hash", nar, "--last-modified", "1700000000"]
    if "revCount" in n["locked"]:
        n["locked"]["revCount"] = 4242
        args += ["--rev-count", "4242"]
    for other in nodes.values():
        if "info" in other:
            other["locked"].update(other.pop("info"))
    doc["version"] = 7
    out = canon(doc)
    # A file that ended in extra blank lines keeps them: xpin changes only
    # the edited node's "locked" object of a version 7 lock.
    if raw.endswith(b"\n\n") and json.loads(raw)["version"] == 7:
        out += "\n" * (len(raw) - len(raw.rstrip(b"\n")) - 1)
    sys.stdout.write(out)
    sys.stderr.write(" ".join(args))
elif mode == "back":
    # The pin line that puts every pinnable root input back to its own
    # locked facts, after the edit above moved one; stdout: the lock Nix
    # writes then (a version 7 lock byte for byte as it was, an older
    # one as version 7).
    nodes = doc["nodes"]
    args = []
    for name, ref in sorted(nodes[doc["root"]].get("inputs", {}).items()):
        if isinstance(ref, list):
            continue
        n = nodes[ref]
        l = dict(n.get("locked", {}))
        l.update(n.get("info", {}))
        if l.get("type") not in ("github", "gitlab", "sourcehut", "git", "hg") or "rev" not in l:
            continue
        args.append(name + "=" + l["rev"])
        if "narHash" in l:
            args += ["--nar-hash", l["narHash"]]
        if "lastModified" in l:
            args += ["--last-modified", str(l["lastModified"])]
        if "revCount" in l:
            args += ["--rev-count", str(l["revCount"])]
        break
    if not args:
        sys.exit(3)
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
	# edit one root input
	if python3 "$TMP/canon.py" edit "$f" >"$TMP/expected" 2>"$TMP/args"; then
		# shellcheck disable=SC2046
		expect_exit 0 "$b: xpin pin" "$XPIN" -C "$TMP" pin $(cat "$TMP/args")
		expect_same "$b: edited lock equals python's edit" "$TMP/expected" "$TMP/flake.lock"
		expect_grep "$b: change report" "Updated input" "$TMP/out"
		# and pin it back to its own rev: Nix's bytes again
		if python3 "$TMP/canon.py" back "$f" >"$TMP/expected" 2>"$TMP/args"; then
			# shellcheck disable=SC2046
			expect_exit 0 "$b: xpin pin back to the locked rev" "$XPIN" -C "$TMP" pin $(cat "$TMP/args")
			expect_same "$b: pinned back, the lock is byte-identical" "$TMP/expected" "$TMP/flake.lock"
		fi
	fi
	cmp -s "$f" "$VEC/flake-lock/$b.flake.lock" || not_ok "$b: vector itself changed"
done
[ "$n" -ge 20 ] && ok "at least 20 real-world locks ($n)" || not_ok "only $n locks"
test_done
