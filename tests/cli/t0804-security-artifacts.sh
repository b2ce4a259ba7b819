#!/bin/sh
# xpin reads a command target's artifacts only inside the build folder:
# a folder on the way to an artifact that is a symbolic link is refused
# (exit 2, one line naming the target, the artifact and the link), whether
# the build made the link (`ln -s /etc out`, artifact out/passwd) or the
# commit holds it (src/out -> a folder outside), for lock, verify
# --no-build and audit; nothing is written then. A link inside a folder
# artifact, and an artifact that is itself a link, are recorded as links
# (their target as readlink gives it), never followed.
. "$(dirname "$0")/../lib.sh"

"$XPIN" keygen -W -p "$TMP/k.pub" -s "$TMP/k.key" >/dev/null
mkdir "$TMP/tmpdir"
export TMPDIR="$TMP/tmpdir"

# The build links a host folder into its tree.
mkdir -p "$TMP/p" && cd "$TMP/p" || exit 1
cat >xpin.json <<'JSON'
{ "targets": { "etc": { "command": "ln -s /etc out", "artifacts": ["out/passwd"] } } }
JSON
git init -q . && git add xpin.json && git commit -qm etc
expect_exit 2 "an artifact under a link the build made: exit 2" "$XPIN" lock --no-sign
expect_one_line "in one line" "$TMP/err"
expect_grep "names the target, the artifact and the link" \
	"target 'etc': artifact 'out/passwd': 'out' is a symbolic link" "$TMP/err"
[ ! -e xpin.lock ] && ok "no xpin.lock is written" || not_ok "no xpin.lock is written"

# The commit holds the link: src/out points outside the tree. The
# release before it held src/out/x as a file, and its manifest is signed.
mkdir -p "$TMP/q/src/out" "$TMP/elsewhere" && cd "$TMP/q" || exit 1
printf 'inside\n' >src/out/x
printf 'outside\n' >"$TMP/elsewhere/x"
cat >xpin.json <<'JSON'
{ "targets": { "t": { "command": "true", "artifacts": ["src/out/x"] } } }
JSON
git init -q . && git add -A && git commit -qm "src/out/x"
expect_exit 0 "lock the release with src/out a folder" "$XPIN" lock -s "$TMP/k.key"
git add xpin.lock xpin.lock.minisig && git commit -qm v1 && git tag v1
git rm -rq src/out && mkdir -p src && ln -s "$TMP/elsewhere" src/out
git add src/out && git commit -qm "src/out is a link" && git tag v2
expect_eq "the commit holds src/out as a link" 120000 \
	"$(git ls-tree HEAD src/out | cut -d' ' -f1)"

expect_exit 2 "verify --no-build through a committed link: exit 2" \
	"$XPIN" verify --no-build -p "$TMP/k.pub"
expect_one_line "verify --no-build: one line" "$TMP/err"
expect_grep "verify --no-build: names the link" \
	"target 't': artifact 'src/out/x': 'src/out' is a symbolic link" "$TMP/err"

expect_exit 2 "audit of the commit with the link: exit 2" "$XPIN" audit v2 -p "$TMP/k.pub"
expect_grep "audit: names the link" \
	"target 't': artifact 'src/out/x': 'src/out' is a symbolic link" "$TMP/err"
expect_exit 0 "audit of the release before it holds" "$XPIN" audit v1 -p "$TMP/k.pub"

expect_exit 2 "lock through a committed link: exit 2" "$XPIN" lock -s "$TMP/k.key"
expect_one_line "lock: one line" "$TMP/err"
expect_grep "lock: names the link" "'src/out' is a symbolic link" "$TMP/err"
git diff --quiet HEAD -- xpin.lock xpin.lock.minisig &&
	ok "lock: xpin.lock and its signature are untouched" ||
	not_ok "lock: xpin.lock and its signature are untouched"
expect_eq "the folder outside is as it was" "outside" "$(cat "$TMP/elsewhere/x")"
expect_eq "no temporary folder is left" "" "$(ls "$TMP/tmpdir")"

# Links the build makes inside a folder artifact, and an artifact that is
# itself a link: recorded as links, their targets not read.
mkdir -p "$TMP/r" "$TMP/secret" && cd "$TMP/r" || exit 1
printf 'secret\n' >"$TMP/secret/file"
cat >build.sh <<SH
mkdir -p out
printf 'mine\n' >out/mine
ln -s "$TMP/secret" out/sub
ln -s /etc/passwd link
SH
cat >xpin.json <<'JSON'
{ "targets": { "l": { "command": "sh build.sh", "artifacts": ["out", "link"] } } }
JSON
git init -q . && git add -A && git commit -qm links
expect_exit 0 "lock: links in and as artifacts" "$XPIN" lock -s "$TMP/k.key"
sh build.sh
art() { # NAME FIELD: the artifact's field, or "-" when it has none
	python3 -c 'import json, sys; a = json.load(open("xpin.lock"))["targets"]["l"]["artifacts"]; print(a.get(sys.argv[1], {}).get(sys.argv[2], "-"))' "$1" "$2"
}
expect_eq "the artifacts: the link, the file, the linked folder" "link out/mine out/sub" \
	"$(python3 -c 'import json; print(" ".join(sorted(json.load(open("xpin.lock"))["targets"]["l"]["artifacts"])))')"
expect_eq "a linked subfolder is recorded by its target" "$(readlink out/sub)" "$(art out/sub symlink)"
expect_eq "a linked subfolder has no hash" "-" "$(art out/sub sha256)"
expect_eq "the file of the folder is sha256sum's" \
	"$(sha256sum out/mine | cut -d' ' -f1)" "$(art out/mine sha256)"
expect_eq "an artifact that is a link is recorded by its target" "$(readlink link)" "$(art link symlink)"
expect_eq "an artifact that is a link is not hashed" "-" "$(art link sha256)"
expect_exit 0 "verify --no-build agrees" "$XPIN" verify --no-build -p "$TMP/k.pub"

test_done
