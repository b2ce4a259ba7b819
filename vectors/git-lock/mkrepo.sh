#!/bin/sh
# Builds the git repository the git-lock vectors describe: several
# commits with fixed names and dates (author and committer dates differ,
# and not in UTC, so lastModified has to be the committer's epoch time),
# a side branch merged back (so revCount counts more than first parents),
# a lightweight and an annotated tag, export-ignore, an executable and a
# symlink. Nothing here computes a hash.
#
#   mkrepo.sh DIR    create DIR (must not exist); prints "NAME SHA" for
#                    each commit (c1 c2 c3 side1 side2 merge c4)
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ ! -e "$1" ] || { echo "$0: $1 exists" >&2; exit 2; }
d=$1
umask 022
git init -q -b main "$d"
export GIT_AUTHOR_NAME='xpin vectors' GIT_AUTHOR_EMAIL='vectors@xpin.invalid'
export GIT_COMMITTER_NAME='xpin vectors' GIT_COMMITTER_EMAIL='vectors@xpin.invalid'
g() { git -C "$d" -c commit.gpgSign=false -c tag.gpgSign=false \
	-c core.autocrlf=false "$@"; }

# commit NAME AUTHOR-TIME COMMITTER-TIME MESSAGE
commit() {
	GIT_AUTHOR_DATE="$2 +0200" GIT_COMMITTER_DATE="$3 -0500" \
		g commit -q --no-verify -m "$4"
	echo "$1 $(g rev-parse HEAD)"
}

printf 'hello\n' >"$d/README"
g add -A
commit c1 1600000000 1600000100 "first"

mkdir "$d/bin"
printf '#!/bin/sh\necho tool\n' >"$d/bin/tool"
chmod 0755 "$d/bin/tool"
ln -s README "$d/link"
printf 'notes/ export-ignore\n*.tmp export-ignore\n' >"$d/.gitattributes"
mkdir "$d/notes"
printf 'internal\n' >"$d/notes/todo"
printf 'scratch\n' >"$d/x.tmp"
g add -A
commit c2 1600001000 1600002000 "tools, attributes"
GIT_COMMITTER_DATE="1600002001 +0000" g tag v0.9

g checkout -q -b side
printf 'side work\n' >"$d/side.txt"
g add -A
commit side1 1600003000 1600003500 "side one"
printf 'more side work\n' >>"$d/side.txt"
g add -A
commit side2 1600004000 1600004500 "side two"

g checkout -q main
printf 'hello again\n' >>"$d/README"
g add -A
commit c3 1600005000 1600005500 "main moves on"

GIT_AUTHOR_DATE="1600006000 +0200" GIT_COMMITTER_DATE="1600006600 -0500" \
	g merge -q --no-verify --no-ff --no-edit -m "merge side" side
echo "merge $(g rev-parse HEAD)"

printf 'a.b\n' >"$d/a.b"
mkdir "$d/a"
printf 'a/x\n' >"$d/a/x"
printf 'a0\n' >"$d/a0"
g add -A
commit c4 1600007000 1600007700 "names that sort differently"
GIT_COMMITTER_DATE="1600007701 +0000" g tag -a -m "release 1.0" v1.0
