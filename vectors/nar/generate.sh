#!/bin/sh
# Regenerates vectors/nar/<case>/{expected,SOURCE} with real tools only:
# the trees come from mktree.sh; every hash is Nix's (`nix hash path`,
# `nix flake lock`) over what git itself exports (`git archive`).
# Needs nix (with flakes), git and GNU tar; runs offline.
#
# expected, one key=value per line:
#   commit        the commit mktree.sh makes (checks the tree is the same)
#   path          nix hash path DIR (the tree on disk, SRI)
#   path.base32   nix hash path --base32 DIR
#   path.base16   nix hash path --base16 DIR
#   file.NAME     nix hash path DIR/NAME (roots that are not folders)
#   archive       nix hash path of `git archive HEAD` unpacked
#   tree          the same with export-ignore and every conversion
#                 turned off ($GIT_DIR/info/attributes outranks the tree)
# flake-lock.nix-MAJOR.MINOR, one file per Nix version (this run writes
# its own Nix's and keeps the others'):
#   narHash       what `nix flake lock` records for the commit as a
#                 git+file:// input (Nix's git fetcher, end to end)
#   nix           the `nix --version` that wrote it
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/xpin-narvec.XXXXXX")
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CACHE_HOME="$work/home/.cache"
mkdir -p "$HOME"
export NIX_CONFIG='experimental-features = nix-command flakes
sandbox = false
substituters =
build-users-group =
flake-registry =
warn-dirty = false'
export NIX_USER_CONF_FILES="$work/no-nix.conf"
export GIT_CONFIG_GLOBAL="$work/gitconfig" GIT_CONFIG_NOSYSTEM=1
export LC_ALL=C TZ=UTC
git config --global user.name "xpin vectors"
git config --global user.email "vectors@xpin.invalid"
nixv=$(nix --version)
nixmm=$(echo "$nixv" | sed -n 's/^nix (Nix) \([0-9]*\.[0-9]*\).*/\1/p')
gitv=$(git --version)
tarv=$(tar --version | head -1)

unpack() { # REPO DEST
	mkdir "$2"
	git -C "$1" archive --format=tar HEAD | tar -x -C "$2"
}

for c in $("$here/mktree.sh" list); do
	t=$work/$c
	out=$here/$c
	mkdir -p "$out"
	"$here/mktree.sh" build "$c" "$t"
	{
		if [ "$c" = single ]; then
			for n in regular exec link dangling; do
				echo "file.$n=$(nix hash path "$t/$n")"
			done
		else
			echo "path=$(nix hash path "$t")"
			echo "path.base32=$(nix hash path --base32 "$t")"
			echo "path.base16=$(nix hash path --base16 "$t")"
		fi
	} >"$work/hashes"
	if [ "$c" != single ]; then
		commit=$("$here/mktree.sh" commit "$t")
		unpack "$t" "$work/$c.archive"
		echo "archive=$(nix hash path "$work/$c.archive")" >>"$work/hashes"
		printf '* -export-ignore -export-subst -text -eol -crlf -ident -filter -working-tree-encoding\n' \
			>"$t/.git/info/attributes"
		unpack "$t" "$work/$c.tree"
		rm "$t/.git/info/attributes"
		echo "tree=$(nix hash path "$work/$c.tree")" >>"$work/hashes"
		mkdir "$work/$c.flake"
		cat >"$work/$c.flake/flake.nix" <<EOT
{
  inputs.src = { url = "git+file://$t?rev=$commit"; flake = false; };
  outputs = { self, src }: { };
}
EOT
		(cd "$work/$c.flake" && nix flake lock 2>/dev/null)
		nh=$(sed -n 's/.*"narHash": "\(.*\)".*/\1/p' "$work/$c.flake/flake.lock")
		printf 'narHash=%s\nnix=%s\n' "$nh" "$nixv" >"$out/flake-lock.nix-$nixmm"
		{ echo "commit=$commit"; cat "$work/hashes"; } >"$out/expected"
	else
		cp "$work/hashes" "$out/expected"
	fi
	cat >"$out/SOURCE" <<EOT
Tree: vectors/nar/mktree.sh build $c DIR (and mktree.sh commit DIR).
Expected values in 'expected', produced by vectors/nar/generate.sh with
$nixv, $gitv, $tarv:
  path, path.base32, path.base16, file.*: nix hash path [--base32|--base16]
  archive: git archive --format=tar HEAD | tar -x; nix hash path
  tree: the same with \$GIT_DIR/info/attributes set to
        '* -export-ignore -export-subst -text -eol -crlf -ident -filter
        -working-tree-encoding' (the tree as stored)
  flake-lock.nix-V: narHash written by 'nix flake lock' of Nix V (the
        file's 'nix=' line gives its exact version) for the input
        git+file://REPO?rev=COMMIT (flake = false); one file per version
EOT
	echo "$c: done"
done
