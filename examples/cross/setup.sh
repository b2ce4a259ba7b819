#!/bin/sh
# usage: setup.sh DEST
#
# Makes a working copy of the cross example in DEST (which must not exist,
# or be an empty folder):
#   DEST/inputs/nixpkgs       a small git repository standing in for nixpkgs
#   DEST/inputs/rust-overlay  the same for rust-overlay
#   DEST/project              the example as a git repository, its flake
#                             inputs pointing at the two above, locked with
#                             `nix flake lock`, everything committed
# and prints the project folder on stdout (progress goes to stderr).
#
# Commits carry fixed dates, so the input repositories get the same
# revisions every time. Nothing outside DEST is written: git identity is
# given with `git -c`, and Nix gets an offline configuration through
# NIX_CONFIG for its own calls only, when NIX_CONFIG is unset or empty.
set -eu

prog=setup.sh
die() {
	echo "$prog: $*" >&2
	exit 1
}
say() { echo "$prog: $*" >&2; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $prog DEST" >&2
	exit 2
fi
dest=$1
if [ -e "$dest" ] || [ -L "$dest" ]; then
	[ -d "$dest" ] || die "'$dest' exists and is not a folder"
	[ -z "$(ls -A "$dest")" ] || die "'$dest' is not empty"
fi
command -v git >/dev/null 2>&1 || die "git not found"
command -v nix >/dev/null 2>&1 || die "nix not found"

# The folder goes into git+file:// URLs and a sed replacement unquoted.
plain() {
	case $1 in
	*[!A-Za-z0-9._/+,=@~-]*)
		die "'$1': use a folder whose path has only letters, digits and ._/+,=@~-"
		;;
	esac
}
case $dest in
/*) plain "$dest" ;;
*) plain "$(pwd -P)/$dest" ;;
esac

here=$(cd "$(dirname "$0")" && pwd -P)
mkdir -p "$dest"
dest=$(cd "$dest" && pwd -P)
plain "$dest"

# Only our own git commands; nothing from the caller's environment may
# point them at another repository.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
	GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CEILING_DIRECTORIES 2>/dev/null || :

when=1700000000
g() {
	repo=$1
	shift
	GIT_AUTHOR_DATE="$when +0000" GIT_COMMITTER_DATE="$when +0000" \
		git -C "$repo" -c user.name="xpin example" \
		-c user.email="example@xpin.invalid" -c commit.gpgsign=false \
		-c tag.gpgsign=false -c core.autocrlf=false "$@"
}
# commit REPO MESSAGE: commit every file, one day after the last commit.
commit() {
	g "$1" add -A
	g "$1" commit -q -m "$2"
	when=$((when + 86400))
}
newrepo() {
	mkdir -p "$1"
	git -c init.defaultBranch=main init -q "$1"
	# An older git ignores init.defaultBranch; name the branch anyway.
	g "$1" symbolic-ref HEAD refs/heads/main
}

if [ -z "${NIX_CONFIG:-}" ]; then
	nixconf='experimental-features = nix-command flakes
sandbox = false
substituters =
build-users-group =
flake-registry =
warn-dirty = false'
	nixc() { NIX_CONFIG=$nixconf nix "$@"; }
else
	nixc() { nix "$@"; }
fi

nixpkgs=$dest/inputs/nixpkgs
overlay=$dest/inputs/rust-overlay
project=$dest/project

# nixpkgs: a flake with no outputs, and the .version file real nixpkgs has
# at its root (the example reads it). Two releases, annotated tags.
say "creating $nixpkgs"
newrepo "$nixpkgs"
cat >"$nixpkgs/flake.nix" <<'EOF'
{
  description = "A stand-in for nixpkgs: pinned by the example, not used to build";
  outputs = _: { };
}
EOF
echo 23.05 >"$nixpkgs/.version"
commit "$nixpkgs" "nixpkgs 23.05"
g "$nixpkgs" tag -a -m "nixpkgs 23.05" 23.05
echo 23.11 >"$nixpkgs/.version"
commit "$nixpkgs" "nixpkgs 23.11"
g "$nixpkgs" tag -a -m "nixpkgs 23.11" 23.11

# rust-overlay: a flake with a nixpkgs input of its own, as the real one
# has; the example makes it follow the example's nixpkgs, so it is never
# fetched. Two commits, a lightweight tag on the first.
say "creating $overlay"
newrepo "$overlay"
cat >"$overlay/flake.nix" <<'EOF'
{
  description = "A stand-in for rust-overlay: pinned by the example, not used to build";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixpkgs-unstable";
  outputs = { self, nixpkgs }: {
    overlays.default = final: prev: { };
  };
}
EOF
echo 1.74.0 >"$overlay/rust-version"
commit "$overlay" "rust 1.74.0"
g "$overlay" tag snapshot-1.74.0
echo 1.75.0 >"$overlay/rust-version"
commit "$overlay" "rust 1.75.0"

say "creating $project"
newrepo "$project"
mkdir -p "$project/src" "$project/rust/src"
for f in xpin.json xpin.extra.json src/hello.c src/VERSION src/Makefile src/.gitignore \
	rust/Cargo.toml rust/Cargo.lock rust/src/main.rs rust/Makefile rust/.gitignore; do
	cp "$here/$f" "$project/$f"
done
sed -e "s|@NIXPKGS_URL@|git+file://$nixpkgs|" \
	-e "s|@RUST_OVERLAY_URL@|git+file://$overlay|" \
	"$here/flake.nix" >"$project/flake.nix"
printf 'result\nresult-*\n' >"$project/.gitignore"
commit "$project" "The cross example"

say "locking the flake's inputs"
(cd "$project" && nixc flake lock) >&2
[ -f "$project/flake.lock" ] || die "nix flake lock wrote no flake.lock"
g "$project" add flake.lock
g "$project" commit -q -m "flake.lock"

[ -z "$(g "$project" status --porcelain)" ] ||
	die "$project: the working tree is not clean after setup"
echo "$project"
