#!/bin/sh
# The README's quick start as a new user meets it: in a fresh Debian root
# per release (bookworm: Nix 2.8; trixie: Nix 2.26), a fresh clone of the
# commit under test runs `make deps demo`, then `make check` (with
# DEVELOPER=1 in the environment: warnings are errors).
#
# Usage (as root): sh tests/ci/roots.sh [SUITE...]      (make ci)
#   XPIN_CI_CACHE   where base roots are cached (default /var/cache/xpin-ci);
#                   a base root is what debootstrap gives, never the
#                   project's packages; older than XPIN_CI_CACHE_DAYS (7)
#                   it is made again
#   XPIN_CI_LOGS    where each root's logs go (default build/ci); kept when
#                   a step fails, removed when the root passes
#   XPIN_CI_REV     the commit to test (default HEAD)
#
# Each root is debootstrap --variant=minbase with make, git and
# ca-certificates, from the mirror in the host's apt sources. It runs in a
# mount and PID namespace of its own with pivot_root, not chroot: Nix 2.8
# saves its mount namespace at start and re-enters it before running git,
# which would put git back in the host's root after a chroot. The roots run
# side by side and are removed afterwards; exit 1 when any step fails.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
suites=${*:-bookworm trixie}
cache=${XPIN_CI_CACHE:-/var/cache/xpin-ci}
days=${XPIN_CI_CACHE_DAYS:-7}
logs=${XPIN_CI_LOGS:-$top/build/ci}
rev=$(git -C "$top" rev-parse --verify "${XPIN_CI_REV:-HEAD}^{commit}")

die() { echo "roots: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, mount namespaces)"
for c in debootstrap unshare pivot_root tar; do
	command -v $c >/dev/null 2>&1 || die "'$c' not found: run make deps"
done

. "$top/tests/ci/rootlib.sh"
mirror=$(apt_mirror | head -n 1)
[ -n "$mirror" ] || die "no Debian mirror for this release in apt's sources"

# one SUITE: a root from the base, a fresh clone, the two commands.
one() {
	s=$1 t0=$(date +%s)
	out=$logs/$s
	rm -rf "$out" && mkdir -p "$out"
	base "$s" || return 1
	root=$(mktemp -d "${TMPDIR:-/var/tmp}/xpin-root-$s.XXXXXX")
	trap 'rm -rf --one-file-system "$root"' EXIT
	tar -C "$root" --numeric-owner -xf "$cache/$s.tar"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	git clone -q --no-local "$top" "$root/src/xpin"
	git -C "$root/src/xpin" checkout -q --detach "$rev"
	for step in "make deps demo" "make check"; do
		t=$(date +%s)
		log=$out/$(echo "$step" | sed 's/^make //; s/ /-/g').log
		if ! inroot "$root" "cd /src/xpin && $step" >"$log" 2>&1; then
			echo "$s: '$step' failed after $(( $(date +%s) - t ))s (log: $log)"
			tail -n 15 "$log" | sed "s/^/$s: | /"
			return 1
		fi
		echo "$s: '$step' ok ($(( $(date +%s) - t ))s)"
		# What did not run here, and why, in the summary.
		sed -n 's/^\[\(t[0-9]*[^]]*\)\] # skipped: /\1 skipped: /p' "$log" |
			sed "s/^/$s: /"
	done
	nix=$(inroot "$root" "nix --version" 2>/dev/null || echo "nix ?")
	echo "$s: $(tail -n 1 "$log") with $nix, $(( $(date +%s) - t0 ))s in all"
	rm -rf "$out"
}

echo "roots: $suites from $mirror, commit $(echo "$rev" | cut -c1-12)"
pids=
for s in $suites; do
	( one "$s" ) &
	pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
[ "$rc" -eq 0 ] && echo "roots: all passed" || echo "roots: failed"
exit "$rc"
