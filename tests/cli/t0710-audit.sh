#!/bin/sh
# xpin audit on a history with releases: v1 and v2 pass, one by one and
# with --tags; a tag whose manifest was altered after signing gives exit 3;
# a tag whose rebuild no longer matches gives exit 1 naming the target and
# artifact; the work tree and the branch are untouched; no temporary
# folder is left.
. "$(dirname "$0")/../lib.sh"

proj=$(sh "$ROOT/examples/cross/setup.sh" "$TMP/ex" 2>"$TMP/setup.err") || {
	not_ok "setup.sh"; cat "$TMP/setup.err"; exit 1; }
cd "$proj" || exit 1
"$XPIN" keygen -W -p xpin.pub -s "$TMP/xpin.key" >/dev/null
export XPIN_SECRET_KEY="$(cat "$TMP/xpin.key")"
# A smaller release: two nix targets and the command target.
python3 - <<'PY'
import json
a = json.load(open("xpin.json"))
a["targets"] = {k: a["targets"][k] for k in ("x86_64-linux-musl", "aarch64-linux-musl", "tool")}
json.dump(a, open("xpin.json", "w"), indent=2)
PY
git add -A && git commit -qm "release config"
expect_exit 0 "lock v1" "$XPIN" -q lock
git add -A && git commit -qm "v1" && git tag -a v1 -m v1

# Later: move the nixpkgs pin, change the code, lock and tag v2.
new=$(git -C "$TMP/ex/inputs/nixpkgs" rev-parse 'HEAD^')
mkdir "$TMP/exp" && git -C "$TMP/ex/inputs/nixpkgs" archive "$new" | tar -x -C "$TMP/exp"
"$XPIN" -q pin "nixpkgs=$new" --nar-hash "$(nix hash path "$TMP/exp")" \
	--last-modified "$(git -C "$TMP/ex/inputs/nixpkgs" log -1 --format=%ct "$new")" \
	--rev-count "$(git -C "$TMP/ex/inputs/nixpkgs" rev-list --count "$new")"
echo 1.1.0 >src/VERSION
git add -A && git commit -qm "code and pins move"
expect_exit 0 "lock v2" "$XPIN" -q lock
git add -A && git commit -qm "v2" && git tag v2

# A release whose manifest was altered after it was signed.
git checkout -q -b tampered v1
python3 - <<'PY'
b = bytearray(open("xpin.lock", "rb").read())
i = b.index(b'"reproducible": true') + 17
b[i] ^= 1
open("xpin.lock", "wb").write(b)
PY
git commit -qam tampered && git tag x-tampered
# A release whose record no longer matches what it builds (re-signed, so
# only the rebuild can tell).
git checkout -q -b stale v1
python3 - <<'PY'
import json
m = json.load(open("xpin.lock"))
a = m["targets"]["x86_64-linux-musl"]["artifacts"]["bin/hello"]
a["sha256"] = "0" * 64
open("xpin.lock", "w").write(json.dumps(m, indent=2, sort_keys=True) + "\n")
PY
"$XPIN" -q sign xpin.lock && git commit -qam stale && git tag x-stale
git checkout -q main
echo "local change" >>README.md
before=$(git status --porcelain; git rev-parse HEAD; git symbolic-ref HEAD)
mkdir "$TMP/tmpdir"

export TMPDIR="$TMP/tmpdir"
expect_exit 0 "audit v1" "$XPIN" audit v1 -p xpin.pub
expect_grep "audit v1: says it holds" "^ok v1: signature, pins and 3 targets hold" "$TMP/out"
expect_exit 0 "audit --tags 'v*'" "$XPIN" audit --tags 'v*' -p xpin.pub
expect_grep "--tags: v1 first" "^ok v1" "$TMP/out"
expect_grep "--tags: then v2" "^ok v2" "$TMP/out"
expect_grep "--tags: a final table" "^release *commit *result" "$TMP/out"
[ "$(grep -n '^ok v1' "$TMP/out" | cut -d: -f1)" -lt "$(grep -n '^ok v2' "$TMP/out" | cut -d: -f1)" ] &&
	ok "--tags: oldest first" || not_ok "--tags: oldest first"
expect_exit 3 "a manifest altered after signing: exit 3" "$XPIN" audit x-tampered -p xpin.pub
expect_exit 1 "a rebuild that no longer matches: exit 1" "$XPIN" audit x-stale -p xpin.pub
expect_grep "names the target and the artifact" "target 'x86_64-linux-musl': artifact 'bin/hello'" "$TMP/err"
expect_exit 3 "the worst exit wins over several releases" "$XPIN" audit v1 x-stale x-tampered -p xpin.pub
expect_exit 3 "another key: exit 3" "$XPIN" audit v1 -P RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3
expect_exit 0 "--trust-tree-key uses the tree's key" "$XPIN" --json audit v1 --trust-tree-key
expect_grep "--trust-tree-key: the output says so" "trust-tree-key" "$TMP/out"
expect_exit 2 "audit --no-build cannot check a command target" "$XPIN" audit v1 -p xpin.pub --no-build
expect_grep "audit --no-build: says which and why" "target 'tool': artifact 'src/out/tool' is not present" "$TMP/err"
expect_exit 2 "an unknown release: exit 2" "$XPIN" audit nope -p xpin.pub
expect_one_line "an unknown release: one line" "$TMP/err"
expect_exit 2 "a commit without xpin.lock: exit 2" "$XPIN" audit 'v1~1' -p xpin.pub
after=$(git status --porcelain; git rev-parse HEAD; git symbolic-ref HEAD)
expect_eq "the work tree and the branch are untouched" "$before" "$after"
expect_eq "no temporary folder is left" "" "$(ls "$TMP/tmpdir")"
test_done
