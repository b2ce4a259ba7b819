#!/bin/sh
# Builds the small git repository the pin-mirror tests (tests/cli/t011*,
# t012*) pin a flake input to, in two steps, so that a lock can be made by
# `nix flake lock` at the first and moved to the second. Author and
# committer dates differ (lastModified is the committer's). Nothing here
# computes a hash: expected values come from nix and git in the tests.
#
#   mkdep.sh DIR one   create DIR: commit c1 (hello = one), annotated tag v1
#   mkdep.sh DIR two   commits c2 (.gitattributes: 'secret export-ignore',
#                      the file secret, hello = two), c3 (hello = three, an
#                      executable bin/tool, a symlink); branch side off c2
#                      with commit side1; v1 moved (annotated) to c3;
#                      main checked out at c3
# Prints "NAME SHA" for each commit made.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 DIR one|two" >&2; exit 2; }
d=$1
umask 022
export GIT_AUTHOR_NAME='xpin tests' GIT_AUTHOR_EMAIL='tests@xpin.invalid'
export GIT_COMMITTER_NAME='xpin tests' GIT_COMMITTER_EMAIL='tests@xpin.invalid'
g() { git -C "$d" -c commit.gpgSign=false -c tag.gpgSign=false \
	-c core.autocrlf=false "$@"; }
# commit NAME COMMITTER-TIME MESSAGE
commit() {
	GIT_AUTHOR_DATE="$(($2 - 500)) +0200" GIT_COMMITTER_DATE="$2 -0500" \
		g commit -q --no-verify -m "$3"
	echo "$1 $(g rev-parse HEAD)"
}
case $2 in
one)
	[ ! -e "$d" ] || { echo "$0: $d exists" >&2; exit 2; }
	git init -q -b main "$d"
	printf 'one\n' >"$d/hello"
	g add -A
	commit c1 1700000000 "one"
	GIT_COMMITTER_DATE="1700000001 +0000" g tag -a -m "v1" v1
	;;
two)
	printf 'secret export-ignore\n' >"$d/.gitattributes"
	printf 'not in archives\n' >"$d/secret"
	printf 'two\n' >"$d/hello"
	g add -A
	commit c2 1700100000 "two"
	g checkout -q -b side
	printf 'side\n' >"$d/side"
	g add -A
	commit side1 1700150000 "side one"
	g checkout -q main
	printf 'three\n' >"$d/hello"
	mkdir -p "$d/bin"
	printf '#!/bin/sh\necho tool\n' >"$d/bin/tool"
	chmod 0755 "$d/bin/tool"
	ln -s hello "$d/link"
	g add -A
	commit c3 1700200000 "three"
	GIT_COMMITTER_DATE="1700200001 +0000" g tag -f -a -m "v1 again" v1 >/dev/null
	;;
*)
	echo "usage: $0 DIR one|two" >&2
	exit 2
	;;
esac
