#!/bin/sh
# A second machine on loopback, for the tests of builds on another Nix
# store: a Debian root of its own (its own /nix/store, compilers and Nix,
# from the host's apt sources, so that its packages are the host's
# versions), in mount and PID namespaces of its own, with sshd on
# 127.0.0.1 on a free port and a throwaway key for root.
#
# Usage (as root):
#   sh tests/ci/machine.sh start STATE   prints "SUITE on 127.0.0.1:PORT"
#   sh tests/ci/machine.sh run STATE CMD runs CMD there over ssh
#   sh tests/ci/machine.sh stop STATE    stops sshd and removes the root
# STATE is a new folder: root (a link to the machine's root folder), key
# and key.pub, port, pid, sshopts (what NIX_SSHOPTS needs) and sshd.log.
#   XPIN_MACHINE_SUITE  the Debian release (default: the host's own)
#   XPIN_CI_CACHE       where prepared roots are cached (/var/cache/xpin-ci)
#   XPIN_MACHINE_DIR    where the machine's root is made (/var/tmp)
# A prepared root (the base root with openssh-server, nix-bin and the
# example's compilers) is cached as machine-SUITE-HASH.tar, HASH naming the
# mirror, the apt sources and the package list. Exit 2 when a machine
# cannot run here (not root, a tool missing, no mirror), 1 when it fails.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${XPIN_CI_CACHE:-/var/cache/xpin-ci}
days=${XPIN_CI_CACHE_DAYS:-7}
# What the machine runs: sshd and Nix, and what the example's derivations
# call from /usr/bin (its compilers, linkers and patchelf).
pkgs="openssh-server nix-bin build-essential binutils patchelf file musl-tools
gcc-aarch64-linux-gnu libc6-dev-arm64-cross rustc cargo musl-dev:arm64
libstd-rust-dev:arm64"

cant() { echo "machine: $*" >&2; exit 2; }
die() { echo "machine: $*" >&2; exit 1; }
[ $# -ge 2 ] || { echo "usage: machine.sh start|run|stop STATE [CMD]" >&2; exit 2; }
cmd=$1 state=$2

sshopts() { cat "$state/sshopts"; }

case $cmd in
run)
	[ $# -eq 3 ] || die "run needs a command"
	# shellcheck disable=SC2046 # the options are words
	exec ssh $(sshopts) root@127.0.0.1 "$3" ;;
stop)
	if [ -f "$state/pid" ]; then
		kill "$(cat "$state/pid")" 2>/dev/null || true
		# The namespace's processes die with its first one.
		i=0
		while kill -0 "$(cat "$state/pid")" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		rm -f "$state/pid"
	fi
	if [ -L "$state/root" ]; then
		r=$(readlink "$state/root")
		chmod -R u+w "$r/nix" 2>/dev/null || true
		rm -rf --one-file-system "$r"
		rm -f "$state/root"
	fi
	exit 0 ;;
start) ;;
*) die "unknown command '$cmd'" ;;
esac

[ "$(id -u)" = 0 ] || cant "must run as root (debootstrap, mount namespaces)"
for c in debootstrap unshare pivot_root tar ssh ssh-keygen python3; do
	command -v $c >/dev/null 2>&1 || cant "'$c' not found: run make deps"
done
. "$top/tests/ci/rootlib.sh"
mirror=$(apt_mirror | head -n 1)
[ -n "$mirror" ] || cant "no Debian mirror for this release in apt's sources"
suite=${XPIN_MACHINE_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}
[ -n "$suite" ] || cant "the host's Debian release has no codename"
[ ! -e "$state" ] || die "'$state' exists"
mkdir -p "$state"

# The host's apt sources, so that the machine installs the host's versions.
sources() {
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && printf '%s\n' "== $f" && cat "$f"
	done
	return 0
}
key=$( { echo "$mirror $suite $pkgs"; sources; } | sha256sum | cut -c1-16)
prepared=$cache/machine-$suite-$key.tar

# prepare: the base root, the host's sources, the packages (with the
# host's downloaded .debs), Nix's settings; cached as $prepared.
prepare() {
	base "$suite" || return 1
	p=$(mktemp -d "$cache/machine-$suite.new.XXXXXX")
	tar -C "$p" --numeric-owner -xf "$cache/$suite.tar"
	cp /etc/resolv.conf "$p/etc/resolv.conf"
	if [ "$suite" = "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" ]; then
		rm -f "$p/etc/apt/sources.list"
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
			/etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] && cp "$f" "$p$f"
		done
	fi
	mkdir -p "$p/etc/nix"
	cat >"$p/etc/nix/nix.conf" <<-'EOF'
	experimental-features = nix-command flakes
	sandbox = false
	substituters =
	build-users-group =
	EOF
	debs=
	[ -d /var/cache/apt/archives ] && debs=/var/cache/apt/archives
	if ! inroot "$p" "dpkg --add-architecture arm64 && apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $(echo "$pkgs" | tr '\n' ' ') &&
		mkdir -p /nix/store /root/.ssh /run/sshd && rm -f /etc/ssh/ssh_host_*" \
		${debs:+"$debs" var/cache/apt/archives} >"$cache/machine-$suite.log" 2>&1; then
		tail -n 5 "$cache/machine-$suite.log" | sed 's/^/machine: | /' >&2
		rm -rf --one-file-system "$p"
		echo "machine: installing the packages failed (log: $cache/machine-$suite.log)" >&2
		return 1
	fi
	tar -C "$p" --numeric-owner -cf "$p.tar" . && mv "$p.tar" "$prepared"
	rm -rf --one-file-system "$p"
}
if [ ! -f "$prepared" ] || [ -n "$(find "$prepared" -mtime +"$days")" ]; then
	mkdir -p "$cache"
	prepare || die "the machine's root could not be prepared"
fi

root=$(mktemp -d "${XPIN_MACHINE_DIR:-/var/tmp}/xpin-machine-$suite.XXXXXX")
ln -s "$root" "$state/root"
tar -C "$root" --numeric-owner -xf "$prepared"
cp /etc/resolv.conf "$root/etc/resolv.conf"
ssh-keygen -q -t ed25519 -N '' -C xpin-machine -f "$state/key"
cp "$state/key.pub" "$root/root/.ssh/authorized_keys"
chmod 600 "$root/root/.ssh/authorized_keys"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "$port" >"$state/port"
echo "-p $port -i $state/key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes" \
	>"$state/sshopts"
inroot "$root" "ssh-keygen -A >/dev/null && exec /usr/sbin/sshd -D -e \
	-o ListenAddress=127.0.0.1 -o Port=$port -o PermitRootLogin=prohibit-password \
	-o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o UsePAM=no \
	-o AuthorizedKeysFile=/root/.ssh/authorized_keys" \
	>"$state/sshd.log" 2>&1 </dev/null &
echo $! >"$state/pid"
i=0
# shellcheck disable=SC2046
until ssh $(sshopts) root@127.0.0.1 true 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge 100 ] || ! kill -0 "$(cat "$state/pid")" 2>/dev/null; then
		tail -n 5 "$state/sshd.log" | sed 's/^/machine: | /' >&2
		sh "$0" stop "$state"
		die "sshd did not answer on 127.0.0.1:$port"
	fi
	sleep 0.2
done
# The store's first opening makes its state (gcroots/profiles and the
# like), and two first openings at once race: Nix 2.8's nix-daemon
# --stdio then fails with "creating symlink ... File exists", which a
# client sees as "unexpected end-of-file". Open it once, alone.
# shellcheck disable=SC2046
ssh $(sshopts) root@127.0.0.1 nix-store --init || {
	sh "$0" stop "$state"
	die "the machine's Nix store could not be opened"
}
echo "$suite on 127.0.0.1:$port"
