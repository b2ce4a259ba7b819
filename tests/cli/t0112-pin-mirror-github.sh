#!/bin/sh
# Forge inputs (github, gitlab) cannot be fetched offline, so their rules
# are checked against what the forge's tarball holds: `git archive` of the
# commit, hashed by `nix hash path`; lastModified is the committer time
# (`git log --format=%ct`), the rev is the commit even for an annotated tag
# (the forge's API answers with the commit), and there is no revCount.
# The lock is a hand-made one in Nix's shape; only the pinned "locked"
# objects change. --export-ignore=no does not change the forge rule.
. "$(dirname "$0")/../lib.sh"

sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" one >"$TMP/commits"
sh "$VEC/pin-mirror/mkdep.sh" "$TMP/dep" two >>"$TMP/commits"
sha() { sed -n "s/^$1 //p" "$TMP/commits"; }
git clone -q --mirror "$TMP/dep" "$TMP/mirror"
M=$TMP/mirror

# facts REV: "narHash lastModified" of the forge tarball of REV.
facts() {
	rm -rf "$TMP/x" && mkdir "$TMP/x"
	git -C "$M" archive "$1" | tar -x -C "$TMP/x"
	echo "$(nix hash path "$TMP/x") $(git -C "$M" log -1 --format=%ct "$1")"
}
set -- $(facts "$(sha c1)")
nar1=$1 lm1=$2

# A version 7 lock as Nix writes it (two-space indent, sorted keys), with
# a github and a gitlab input at c1 and an input nobody pins.
python3 - "$(sha c1)" "$nar1" "$lm1" >"$TMP/flake.lock" <<'EOF'
import json, sys
rev, nar, lm = sys.argv[1], sys.argv[2], int(sys.argv[3])
def forge(t, extra):
    locked = {"lastModified": lm, "narHash": nar, "owner": "example",
              "repo": "dep", "rev": rev, "type": t}
    locked.update(extra)
    original = {"owner": "example", "repo": "dep", "type": t}
    original.update(extra)
    return {"flake": False, "locked": locked, "original": original}
doc = {"nodes": {
    "gh": forge("github", {}),
    "lab": forge("gitlab", {"host": "gitlab.example.org"}),
    "other": {"locked": {"lastModified": 1, "narHash": "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                         "owner": "example", "repo": "other", "rev": "0" * 40, "type": "github"},
              "original": {"owner": "example", "repo": "other", "type": "github"}},
    "root": {"inputs": {"gh": "gh", "lab": "lab", "other": "other"}}},
    "root": "root", "version": 7}
print(json.dumps(doc, indent=2, sort_keys=True))
EOF
cp "$TMP/flake.lock" "$TMP/before.lock"
cd "$TMP" || exit 1

expect_exit 0 "pins --check on the hand-made lock" "$XPIN" pins --check --mirror gh="$M" --mirror lab="$M"
expect_grep "pins --check: gh ok" "^ok  *gh " "$TMP/out"
expect_grep "pins --check: other unchecked" "^unchecked  *other (no mirror)" "$TMP/out"

set -- $(facts "$(sha c3)")
nar3=$1 lm3=$2
set -- $(facts "$(sha c2)")
nar2=$1 lm2=$2
mkdir "$TMP/checkout"
git --git-dir="$M" --work-tree="$TMP/checkout" checkout -q "$(sha c3)" -- .
[ "$nar3" != "$(nix hash path "$TMP/checkout")" ] && ok "the archive leaves the export-ignore'd file out" ||
	not_ok "the archive leaves the export-ignore'd file out"

short=$(git -C "$M" rev-parse --short "$(sha c2)")
expect_exit 0 "xpin pin gh=v1 lab=<short sha>" "$XPIN" pin gh=v1 lab="$short" \
	--mirror gh="$M" --mirror lab="$M" --export-ignore=no
expect_grep "the report says the rule" "facts from mirror $M, export-ignore applied" "$TMP/out"
python3 - "$TMP/before.lock" "$(git -C "$M" rev-parse 'v1^{commit}')" "$nar3" "$lm3" \
	"$(sha c2)" "$nar2" "$lm2" >"$TMP/expected.lock" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for node, (rev, nar, lm) in (("gh", sys.argv[2:5]), ("lab", sys.argv[5:8])):
    doc["nodes"][node]["locked"].update(rev=rev, narHash=nar, lastModified=int(lm))
print(json.dumps(doc, indent=2, sort_keys=True))
EOF
expect_same "the lock has git's and nix's facts, and nothing else changed" \
	"$TMP/expected.lock" "$TMP/flake.lock"

expect_exit 0 "pins --check after the pin" "$XPIN" pins --check --mirror gh="$M" --mirror lab="$M"
expect_grep "pins --check: 2 ok" "^2 ok, 0 mismatches, 1 unchecked" "$TMP/out"

# Altered facts are named.
sed "s|$nar2|$nar1|" "$TMP/expected.lock" >"$TMP/flake.lock"
expect_exit 1 "pins --check with lab's narHash altered: exit 1" "$XPIN" pins --check \
	--mirror gh="$M" --mirror lab="$M"
expect_grep "altered narHash: the input is named" "^xpin: an input does not match its mirror: lab" "$TMP/err"
expect_grep "altered narHash: expected and computed" \
	"^mismatch  *lab: narHash $nar1 in the lock, $nar2 computed" "$TMP/out"
sed "s|\"lastModified\": $lm3|\"lastModified\": 1|" "$TMP/expected.lock" >"$TMP/flake.lock"
expect_exit 1 "pins --check with gh's lastModified altered: exit 1" "$XPIN" --json pins --check \
	--mirror gh="$M" --mirror lab="$M"
expect_eq "--json: the field that differs, and the counts" "gh lastModified 1 $lm3 1 1 1" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
i = [i for i in d["inputs"] if i["status"] == "mismatch"][0]
print(i["path"], ",".join(i["mismatched"]), i["expected"]["lastModified"],
      i["computed"]["lastModified"], d["ok"], d["mismatch"], d["unchecked"])' "$TMP/out")"
test_done
