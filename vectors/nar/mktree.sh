#!/bin/sh
# Builds the NAR test trees, so that the vectors and the tests that check
# them start from the same bytes. Nothing here computes a hash.
#
#   mktree.sh list              the case names
#   mktree.sh build CASE DIR    create DIR (must not exist) holding CASE
#   mktree.sh commit DIR        make DIR a git repository with DIR's files
#                               as one commit (fixed names and dates, blobs
#                               stored exactly as on disk); prints the commit
#
# Each case exercises one NAR or `git archive` rule; see the comments.
set -eu

cases="order exec symlink empty unicode deep large export-ignore eol single"

# f PATH CONTENT: a file with exactly these bytes (printf escapes allowed)
f() {
	mkdir -p "$(dirname "$1")"
	printf "$2" >"$1"
}

build_order() {
	# NAR sorts bytewise; git sorts a folder as if its name ended in '/':
	# git has a.b < a/ < a0, NAR has a < a.b < a0.
	f a.b 'a.b\n'
	f a/x 'in a\n'
	f a0 'a0\n'
	f a- 'a-\n'
	f A 'capital\n'
	f _ 'underscore\n'
	f '~' 'tilde\n'
	f foo.txt 'foo.txt\n'
	f foo/bar 'foo/bar\n'
	f foo-bar/baz 'foo-bar/baz\n'
	f foo/bar.d/x 'x\n'
	f foo/bar0 'bar0\n'
	f z/zz/zzz 'deep z\n'
	mkdir emptydir     # kept on disk, unknown to git
}

build_exec() {
	f run.sh '#!/bin/sh\necho hi\n'
	chmod 0755 run.sh
	f owner-only 'x\n'
	chmod 0700 owner-only
	f group-only 'not executable for NAR or git\n'
	chmod 0654 group-only
	f bin/tool '\177ELF fake\n'
	chmod 0755 bin/tool
	f bin/data 'plain\n'
	f empty-exec ''
	chmod 0755 empty-exec
}

build_symlink() {
	f target.txt 'target\n'
	ln -s target.txt to-file
	ln -s sub to-dir
	f sub/inner 'inner\n'
	ln -s does/not/exist dangling
	ln -s /etc/hostname absolute
	ln -s .. up
	ln -s ../target.txt sub/back
	ln -s 'a target with spaces' 'link with spaces'
	ln -s "$(printf 'x%.0s' $(seq 1 300))" long-target
	ln -s to-file chain
}

build_empty() {
	f empty ''
	f sub/empty ''
	f one '1'
	f seven '1234567'
	f eight '12345678'
	f nine '123456789'
	f sixteen '0123456789abcdef'
	f nul '\000'
	f binary '\000\001\002\377\376\375'
}

build_unicode() {
	f "$(printf 'caf\303\251')" 'nfc\n'
	f "$(printf 'cafe\314\201')" 'nfd\n'
	f "$(printf '\346\227\245\346\234\254\350\252\236')/$(printf '\346\226\207\346\233\270')" 'nihongo\n'
	f "$(printf '\360\237\216\211 party')" 'emoji\n'
	f "$(printf '\316\251mega')" 'omega\n'
	f 'with space' 'space\n'
	f "$(printf 'tab\there')" 'tab\n'
	f "$(printf 'latin1-\351')" 'not utf-8\n'
	f "$(printf 'new\nline')" 'newline in name\n'
}

build_deep() {
	p=.
	i=0
	while [ $i -lt 60 ]; do
		p=$p/level$i
		i=$((i + 1))
	done
	f "$p/leaf" 'deep leaf\n'
	f "$p/../sibling" 'sibling\n'
	f level0/top 'top\n'
	long=$(printf 'n%.0s' $(seq 1 255))
	f "$long" 'a 255-byte name\n'
}

build_large() {
	# 9 MiB + 5 bytes: many read chunks and a padded tail.
	yes 'xpin large file: the quick brown fox jumps over the lazy dog' |
		head -c $((9 * 1024 * 1024 + 5)) >big
	f small 'small\n'
}

build_export_ignore() {
	{
		printf '# what git archive leaves out\n'
		printf '[attr]skip export-ignore\n'
		printf '*.log export-ignore\n'
		printf '/build/ export-ignore\n'
		printf 'nested-build/ export-ignore\n'
		printf 'docs/** export-ignore\n'
		printf 'docs/keep.md -export-ignore\n'
		printf '*.tmp skip\n'
		printf '"with space.txt" export-ignore\n'
		printf '\\!bang export-ignore\n'
		printf '[abc].dat export-ignore\n'
		printf 'value.txt export-ignore=yes\n'
		printf '!negated.txt export-ignore\n'
		printf 'a/**/b.txt export-ignore\n'
		printf '*.o export-ignore -export-ignore\n'
		printf '*.p -export-ignore export-ignore\n'
		printf 'only-ignored/* export-ignore\n'
		printf 'crlf-line.txt export-ignore\r\n'
		printf '   trailing.txt    export-ignore   \n'
		printf 'bad-name.txt export-ignore @invalid\n'
		printf 'ignored-link export-ignore\n'
		printf '[attr]skip2 skip\n'
		printf '*.s2 skip2\n'
		printf '[[:digit:]][[:digit:]].num export-ignore\n'
		printf '?.q export-ignore\n'
		printf 'deep/**/ export-ignore\n'
		printf '*.keep export-ignore\n'
		printf '*.keep !export-ignore\n'
		printf 'mid/*/leaf.txt export-ignore\n'
		printf '*.qm qm\n'
		printf '"[attr]qm" export-ignore\n'
		printf '"quoted\\tname" export-ignore\n'
		printf '.gitattributes export-ignore\n'
	} >.gitattributes
	for x in app.log keep.txt build/out.bin src/build src/nested-build/x \
		nested-build docs/a.md docs/keep.md docs/sub/deep.md t.tmp \
		'with space.txt' '!bang' a.dat d.dat value.txt negated.txt \
		a/b.txt a/x/y/b.txt a/c.txt x.o x.p only-ignored/f1 \
		only-ignored/f2 crlf-line.txt trailing.txt bad-name.txt \
		sub/secret sub/x.log sub/anchored.txt sub/deeper/anchored.txt \
		sub/deeper/x.txt sub/y.loc README APP.LOG x.s2 12.num 1a.num \
		a.q ab.q deep/x/f deep/f y.keep mid/a/leaf.txt \
		mid/a/b/leaf.txt x.qm "$(printf 'quoted\tname')"; do
		f "$x" "$x\n"
	done
	ln -s README ignored-link
	chmod 0755 keep.txt
	{
		printf 'secret export-ignore\n'
		printf '*.log -export-ignore\n'
		printf '[attr]local export-ignore\n'
		printf '*.loc local\n'
		printf '/anchored.txt export-ignore\n'
		printf 'deeper/x.txt export-ignore\n'
	} >sub/.gitattributes
}

build_eol() {
	{
		printf '*.bat text eol=crlf\n'
		printf '*.crlf eol=crlf\n'
		printf 'auto.* text=auto eol=crlf\n'
		printf '*.lf eol=lf\n'
		printf '*.bin binary\n'
		printf 'bin.crlf -text\n'
		printf 'textonly.txt text\n'
		printf 'auto-only.txt text=auto\n'
		printf 'crlfattr.txt crlf\n'
		printf 'subst.txt export-subst\n'
		printf 'ident.txt ident\n'
	} >.gitattributes
	f run.bat 'line1\nline2\n'
	f empty.bat ''
	f mixed.crlf 'a\r\nb\nc\r\n'
	f lonecr.crlf 'a\rb\nc'
	f auto.txt 'x\ny\n'
	f auto.bin '\000\001\002\nabc\n'
	f auto.mixed 'a\r\nb\n'
	f auto.eof 'a\nb\n\032'
	f bin.crlf 'a\nb\n'
	f x.lf 'a\r\nb\n'
	f x.bin 'a\nb\n'
	f textonly.txt 'a\nb\n'
	f auto-only.txt 'a\nb\n'
	f crlfattr.txt 'a\nb\n'
	f subst.txt 'no format here\n'
	f ident.txt 'no keyword here\n'
	ln -s run.bat link.bat
}

build_single() {
	# roots that are not folders, hashed as DIR/NAME
	f regular 'just a file\n'
	f exec '#!/bin/sh\n'
	chmod 0755 exec
	ln -s regular link
	ln -s nowhere dangling
}

commit() {
	d=$1
	git init -q -b main "$d"
	# store every blob exactly as it is on disk, whatever the tree's own
	# .gitattributes say (this file outranks them and is not committed)
	printf '* -text -eol -crlf -ident -filter -working-tree-encoding\n' \
		>"$d/.git/info/attributes"
	GIT_AUTHOR_NAME='xpin vectors' GIT_AUTHOR_EMAIL='vectors@xpin.invalid' \
	GIT_COMMITTER_NAME='xpin vectors' GIT_COMMITTER_EMAIL='vectors@xpin.invalid' \
	GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000' \
	git -C "$d" -c core.autocrlf=false -c core.safecrlf=false \
		-c core.fileMode=true -c core.symlinks=true \
		-c commit.gpgSign=false add -A . >/dev/null
	GIT_AUTHOR_NAME='xpin vectors' GIT_AUTHOR_EMAIL='vectors@xpin.invalid' \
	GIT_COMMITTER_NAME='xpin vectors' GIT_COMMITTER_EMAIL='vectors@xpin.invalid' \
	GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000' \
	git -C "$d" -c commit.gpgSign=false commit -q --no-verify -m "tree" \
		>/dev/null
	rm -f "$d/.git/info/attributes"
	git -C "$d" rev-parse HEAD
}

case "${1:-}" in
list)
	echo $cases
	;;
build)
	[ $# -eq 3 ] || { echo "usage: $0 build CASE DIR" >&2; exit 2; }
	[ ! -e "$3" ] || { echo "$0: $3 exists" >&2; exit 2; }
	mkdir -p "$3"
	cd "$3"
	umask 022
	"build_$(echo "$2" | tr - _)"
	;;
commit)
	commit "$2"
	;;
*)
	echo "usage: $0 list | build CASE DIR | commit DIR" >&2
	exit 2
	;;
esac
