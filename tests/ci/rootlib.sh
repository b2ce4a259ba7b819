# Sourced by tests/ci/roots.sh and tests/ci/machine.sh: the host's Debian
# mirror, cached minbase roots, and running a script inside a root. The
# caller sets cache (the folder of base roots), days (their age limit) and
# mirror (apt_mirror's first line) before base is used.

# The Debian mirror the host's apt uses for its own release: a deb822
# stanza or a one-line entry whose suite is the host's codename.
apt_mirror() {
	code=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v code="$code" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " code " ") &&
				    enabled != "no" && uri != "") { print uri; found = 1; exit }
				types = suites = uri = enabled = ""
			}
			/^[ \t]*$/ { flush(); next }
			tolower($1) == "types:" { $1 = ""; types = $0 }
			tolower($1) == "suites:" { $1 = ""; suites = $0 }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "enabled:" { enabled = tolower($2) }
			END { if (!found) flush() }' "$f"
	done
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' |
		awk -v code="$code" '$1 == "deb" && $3 == code { print $2 }'
}
# base SUITE: the cached minbase root of SUITE, made when missing or old.
base() {
	tar=$cache/$1.tar
	if [ -f "$tar" ] && [ -z "$(find "$tar" -mtime +"$days")" ] &&
	   [ "$(cat "$cache/$1.mirror" 2>/dev/null)" = "$mirror" ]; then
		return 0
	fi
	mkdir -p "$cache"
	work=$(mktemp -d "$cache/$1.new.XXXXXX")
	if ! debootstrap --variant=minbase --include=make,git,ca-certificates \
		"$1" "$work/root" "$mirror" >"$cache/$1.debootstrap.log" 2>&1; then
		rm -rf --one-file-system "$work"
		echo "$1: debootstrap failed (log: $cache/$1.debootstrap.log)"
		return 1
	fi
	tar -C "$work/root" --numeric-owner -cf "$work/root.tar" . &&
		mv "$work/root.tar" "$tar" && echo "$mirror" >"$cache/$1.mirror"
	rm -rf --one-file-system "$work"
}

# inroot ROOT SCRIPT [FROM TO]: runs SCRIPT with sh in ROOT, as a fresh
# machine's root user would: own mount and PID namespaces, proc, dev and
# sys, a tmpfs /tmp, the host's root unmounted, a clean environment. FROM,
# when given, is the host's folder bound at ROOT/TO (which must exist).
inroot() {
	unshare --mount --pid --fork --kill-child --propagation private \
		/bin/sh -eu -c '
		r=$1
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --rbind /sys "$r/sys"
		mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
		[ -z "$3" ] || mount --bind "$3" "$r/$4"
		cd "$r"
		mkdir -p .oldroot
		pivot_root . .oldroot
		cd /
		umount -l /.oldroot
		rmdir /.oldroot
		exec /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 DEVELOPER=1 \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			/bin/sh -c "$2"' sh "$1" "$2" "${3:-}" "${4:-}"
}
