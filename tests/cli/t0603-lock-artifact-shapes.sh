#!/bin/sh
# A command target whose artifact is a folder holding an empty folder, a
# file and a symbolic link: the file is recorded with sha256sum's hash,
# the link by its target, the empty folder adds nothing (and is no
# error, under the sanitizers too); verify agrees. A manifest whose field
# has the wrong type, signed again, is refused as bad input, naming it.
# A repository that cannot be read is not taken for one with no commit.
# A nix output holding a file larger than xpin reads whole (64 MiB), read
# in chunks instead: its sha256 is sha256sum's, the output's narHash is
# nix hash path's.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$TMP/p" && cd "$TMP/p" || exit 1
cat >build.sh <<'SH'
mkdir -p out/empty out/sub
printf 'hello\n' >out/sub/file
ln -s sub/file out/link
SH
cat >xpin.json <<'JSON'
{ "targets": { "shapes": { "command": "sh build.sh", "artifacts": ["out"] } } }
JSON
git init -q . && git add build.sh xpin.json && git commit -qm shapes
"$XPIN" keygen -W -p "$TMP/k.pub" -s "$TMP/k.key" >/dev/null

expect_exit 0 "lock: a folder with an empty folder in it" "$XPIN" lock -s "$TMP/k.key"
arts=$(python3 -c 'import json; a=json.load(open("xpin.lock"))["targets"]["shapes"]["artifacts"]; print(" ".join(sorted(a)))')
expect_eq "the artifacts are the file and the link, not the empty folder" "out/link out/sub/file" "$arts"
sh build.sh
expect_eq "the file's sha256 is sha256sum's" "$(sha256sum out/sub/file | cut -d' ' -f1)" \
	"$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["shapes"]["artifacts"]["out/sub/file"]["sha256"])')"
expect_eq "the link is recorded by its target" "$(readlink out/link)" \
	"$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["shapes"]["artifacts"]["out/link"]["symlink"])')"
expect_exit 0 "verify rebuilds it and agrees" "$XPIN" verify -p "$TMP/k.pub"
expect_exit 0 "verify --no-build agrees with the work tree's" "$XPIN" verify --no-build -p "$TMP/k.pub"

python3 - <<'PY'
import json
m = json.load(open("xpin.lock"))
m["targets"]["shapes"]["artifacts"]["out/sub/file"]["size"] = "six"
open("xpin.lock", "w").write(json.dumps(m, indent=2, sort_keys=True) + "\n")
PY
rm -f xpin.lock.minisig
"$XPIN" sign -s "$TMP/k.key" -p "$TMP/k.pub" xpin.lock
expect_exit 2 "a size that is not a number: exit 2, though signed" "$XPIN" verify -p "$TMP/k.pub"
expect_grep "the message names the field" 'targets.shapes.artifacts.out/sub/file: "size" must be' "$TMP/err"
expect_one_line "in one line" "$TMP/err"

mkdir "$TMP/n" && cd "$TMP/n" || exit 1
cat >flake.nix <<'EOF'
{
  outputs = { self }: {
    packages.x86_64-linux.big = derivation {
      name = "xpin-t0603-big"; system = "x86_64-linux"; builder = "/bin/sh";
      args = [ "-c" ''
        /bin/mkdir $out
        /usr/bin/head -c 67108867 /dev/zero | /usr/bin/tr '\0' x >$out/big
        echo small >$out/small
      '' ];
    };
  };
}
EOF
printf '{ "targets": { "big": { "attr": "packages.x86_64-linux.big" } } }\n' >xpin.json
git init -q . && git add -A && nix flake lock 2>/dev/null && git add -A && git commit -qm big
expect_exit 0 "lock: a nix output with a file over 64 MiB" "$XPIN" lock -s "$TMP/k.key"
out=$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["big"]["outputs"]["out"])')
field() { python3 -c 'import json, sys; t = json.load(open("xpin.lock"))["targets"]["big"]
print(eval(sys.argv[1]))' "$1"; }
expect_eq "the big file is 64 MiB and 3 bytes, as stat says" "$(stat -c %s "$out/big")" \
	"$(field 't["artifacts"]["big"]["size"]')"
expect_eq "the big file's sha256 is sha256sum's" "$(sha256sum "$out/big" | cut -d' ' -f1)" \
	"$(field 't["artifacts"]["big"]["sha256"]')"
expect_eq "the small file's sha256 is sha256sum's" "$(sha256sum "$out/small" | cut -d' ' -f1)" \
	"$(field 't["artifacts"]["small"]["sha256"]')"
expect_eq "the output's narHash is nix hash path's" "$(nix hash path "$out")" "$(field 't["narHash"]')"
expect_exit 0 "verify --no-build agrees" "$XPIN" verify --no-build -p "$TMP/k.pub"

# A repository whose HEAD commit is gone is an error, not a project
# without a commit (which would lock with "commit": null).
mkdir "$TMP/c" && cd "$TMP/c" || exit 1
printf '{ "targets": { "t": { "command": "true", "artifacts": ["xpin.json"] } } }\n' >xpin.json
git init -q . && git add xpin.json && git commit -qm c
obj=$(git rev-parse HEAD)
rm -f ".git/objects/$(echo "$obj" | cut -c1-2)/$(echo "$obj" | cut -c3-)"
# libgit2 1.5's git_revparse_single leaks what it read when HEAD's commit
# is missing (755 bytes, seen with a five-line program of its own), so the
# leak check is off for this one run.
expect_exit 2 "lock in a repository whose HEAD cannot be read: exit 2" \
	env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$XPIN" lock --no-sign
expect_one_line "one line" "$TMP/err"
[ ! -e xpin.lock ] && ok "no xpin.lock is written" || not_ok "no xpin.lock is written"

test_done
