#!/bin/sh
# Regenerates vectors/git-lock/{commits,expected.nix-V,between,SOURCE}
# (expected.nix-V for the installed Nix's MAJOR.MINOR V; the other
# versions' files stay) with real
# tools only: the repository comes from mkrepo.sh; the locked facts are
# what `nix flake lock` writes for a git+file:// input; the counts between
# two commits are `git rev-list --count A..B`. Runs offline.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/xpin-lockvec.XXXXXX")
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
repo=$work/repo
nixmm=$(nix --version | sed -n 's/^nix (Nix) \([0-9]*\.[0-9]*\).*/\1/p')
sh "$here/mkrepo.sh" "$repo" >"$here/commits"
sha() { sed -n "s/^$1 //p" "$here/commits"; }

# lock QUERY: one line "QUERY<TAB>rev<TAB>narHash<TAB>lastModified<TAB>revCount"
lock() {
	rm -rf "$work/flake"
	mkdir "$work/flake"
	cat >"$work/flake/flake.nix" <<EOT
{
  inputs.src = { url = "git+file://$repo?$1"; flake = false; };
  outputs = { self, src }: { };
}
EOT
	(cd "$work/flake" && nix flake lock 2>/dev/null)
	python3 - "$1" "$work/flake/flake.lock" <<'EOT'
import json, sys
l = json.load(open(sys.argv[2]))["nodes"]["src"]["locked"]
print("\t".join([sys.argv[1], l["rev"], l["narHash"],
                 str(l["lastModified"]), str(l["revCount"])]))
EOT
}

{
	printf '# query\trev\tnarHash\tlastModified\trevCount\n'
	while read -r name rev; do
		lock "rev=$rev"
	done <"$here/commits"
	for r in main side v0.9 v1.0; do
		lock "ref=$r"
	done
	lock "ref=main&rev=$(sha side1)"
} >"$here/expected.nix-$nixmm"

{
	printf '# from\tto\tgit rev-list --count from..to\n'
	for p in "c1 c4" "c2 merge" "side1 c3" "c3 side2" "c4 c1" "c4 c4"; do
		set -- $p
		printf '%s\t%s\t%s\n' "$1" "$2" \
			"$(git -C "$repo" rev-list --count "$(sha "$1")..$(sha "$2")")"
	done
} >"$here/between"

cat >"$here/SOURCE" <<EOT
Repository: vectors/git-lock/mkrepo.sh DIR, which prints 'commits'.
'expected.nix-V': for each query Q, what Nix V wrote into flake.lock's
locked node after 'nix flake lock' on a flake whose only input is
{ url = "git+file://DIR?Q"; flake = false; }: rev, narHash,
lastModified, revCount. Written by nix (Nix) 2.8.0 (expected.nix-2.8)
and nix (Nix) 2.26.3 (expected.nix-2.26); the narHashes differ because
the repository has .gitattributes (2.8 hashes git archive's tree, 2.26
the stored one). Note ref=v1.0 (an annotated tag): both record the tag
object's id as rev (what 'git rev-parse v1.0' prints), not the commit's;
narHash, lastModified and revCount are the commit's.
'between': '$(git --version)' rev-list --count FROM..TO.
Produced by vectors/git-lock/generate.sh.
EOT
cat "$here/expected.nix-$nixmm" "$here/between"
