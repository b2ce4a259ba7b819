#!/bin/sh
# xpin hash FILE... against sha256sum (names that need escaping, stdin,
# empty and multi-chunk files, lengths around block edges), --nar on
# several paths against nix hash path, the --json forms, refusals, and the
# man page.
. "$(dirname "$0")/../lib.sh"

d=$TMP/files
mkdir "$d"
cd "$d" || exit 1
printf 'abc' >abc
: >empty
head -c 300000 /dev/urandom >random
printf 'x' >'back\slash'
printf 'y' >"$(printf 'new\nline')"
printf 'z' >"$(printf 'carriage\rreturn')"
printf 'w' >'with space'

run "$XPIN" hash abc empty random 'with space'
sha256sum abc empty random 'with space' >"$TMP/want"
expect_same "hash FILE... is sha256sum's output" "$TMP/want" "$TMP/out"

run "$XPIN" hash 'back\slash' "$(printf 'new\nline')" "$(printf 'carriage\rreturn')"
sha256sum 'back\slash' "$(printf 'new\nline')" "$(printf 'carriage\rreturn')" >"$TMP/want"
expect_same "names escaped as sha256sum escapes them" "$TMP/want" "$TMP/out"

"$XPIN" hash <random >"$TMP/out" 2>"$TMP/err"
sha256sum <random >"$TMP/want"
expect_same "no FILE: standard input, named -" "$TMP/want" "$TMP/out"
"$XPIN" hash - <abc >"$TMP/out" 2>"$TMP/err"
sha256sum - <abc >"$TMP/want"
expect_same "- is standard input" "$TMP/want" "$TMP/out"

run "$XPIN" --json hash abc empty
expect_eq "--json: array of path and sha256" "$(printf '%s\n' '[' '  {' \
	'    "path": "abc",' \
	"    \"sha256\": \"$(sha256sum abc | cut -d' ' -f1)\"" '  },' '  {' \
	'    "path": "empty",' \
	"    \"sha256\": \"$(sha256sum empty | cut -d' ' -f1)\"" '  }' ']')" \
	"$(cat "$TMP/out")"

mkdir tree
printf 'a' >tree/a
ln -s a tree/l
run "$XPIN" hash --nar abc tree random
nix hash path abc tree random >"$TMP/want"
expect_same "--nar PATH... is nix hash path PATH..." "$TMP/want" "$TMP/out"
run "$XPIN" hash --nar --base32 abc tree
nix hash path --base32 abc tree >"$TMP/want"
expect_same "--nar --base32 is nix hash path --base32" "$TMP/want" "$TMP/out"
run "$XPIN" hash --nar --base16 tree
nix hash path --base16 tree >"$TMP/want"
expect_same "--nar --base16 is nix hash path --base16" "$TMP/want" "$TMP/out"
run "$XPIN" --json hash --nar tree
expect_grep "--nar --json: narHash" "\"narHash\": \"$(nix hash path tree)\"" "$TMP/out"
expect_grep "--nar --json: base32" "\"base32\": \"$(nix hash path --base32 tree)\"" "$TMP/out"
expect_grep "--nar --json: base16" "\"base16\": \"$(nix hash path --base16 tree)\"" "$TMP/out"

# every length around SHA-256's 64-byte blocks and 56-byte padding edge,
# and across the 64 KiB read size, against sha256sum
mkdir lengths
head -c 200000 /dev/urandom >lengths/src
for n in 0 1 55 56 57 63 64 65 111 119 120 127 128 129 1000 4095 4096 4097 \
	65535 65536 65537 131071 131073 199999; do
	head -c "$n" lengths/src >"lengths/$n"
done
rm lengths/src
(cd lengths && ls | sort -n | xargs sha256sum) >"$TMP/want"
(cd lengths && ls | sort -n | xargs "$XPIN" hash) >"$TMP/out" 2>"$TMP/err"
expect_same "24 lengths across block, padding and read edges: sha256sum's" \
	"$TMP/want" "$TMP/out"
rm -r lengths

# a large file is streamed, not loaded: peak memory does not follow its size
truncate -s 1M small.bin
truncate -s 160M large.bin
peak() { /usr/bin/time -f %M -o "$TMP/rss" "$XPIN" hash --nar "$1" >"$TMP/out" && cat "$TMP/rss"; }
rss_small=$(peak small.bin)
rss_large=$(peak large.bin)
expect_eq "160 MiB file: nix hash path" "$(nix hash path large.bin)" "$(cat "$TMP/out")"
if [ $((rss_large - rss_small)) -lt 16384 ]; then
	ok "160 MiB file: peak memory $rss_large KiB, $rss_small KiB for 1 MiB"
else
	not_ok "160 MiB file: peak memory $rss_large KiB, $rss_small KiB for 1 MiB"
fi
rm -f small.bin large.bin

# refusals: exit 2, one line
expect_exit 2 "missing file" "$XPIN" hash abc no-such-file
expect_one_line "missing file: one line" "$TMP/err"
expect_exit 2 "a folder without --nar" "$XPIN" hash tree
expect_one_line "a folder: one line" "$TMP/err"
expect_grep "a folder: suggests --nar" "--nar" "$TMP/err"
expect_exit 2 "--nar of a missing path" "$XPIN" hash --nar no-such-path
expect_one_line "--nar missing: one line" "$TMP/err"
mkfifo tree/fifo
expect_exit 2 "--nar of a folder with a fifo" "$XPIN" hash --nar tree
expect_one_line "fifo: one line" "$TMP/err"
expect_grep "fifo: names it" "tree/fifo" "$TMP/err"
rm tree/fifo
expect_exit 2 "--base32 without --nar" "$XPIN" hash --base32 abc
expect_one_line "--base32 without --nar: one line" "$TMP/err"
expect_exit 2 "--rev without --git" "$XPIN" hash --nar --rev main abc
expect_exit 2 "--git with a PATH" "$XPIN" hash --nar --git . abc
expect_exit 2 "--nar without PATH" "$XPIN" hash --nar
expect_exit 2 "unknown option" "$XPIN" hash --bogus
expect_one_line "unknown option: one line" "$TMP/err"
expect_exit 0 "--help" "$XPIN" hash --help
expect_grep "--help shows --export-ignore" "export-ignore" "$TMP/out"

cd "$ROOT" || exit 1
run man -l man/xpin-hash.1
expect_eq "man page renders" 0 "$rc"
MANWIDTH=80 man --warnings -l man/xpin-hash.1 2>"$TMP/err" >/dev/null
expect_eq "man page: no warnings" "" "$(cat "$TMP/err")"
test_done
