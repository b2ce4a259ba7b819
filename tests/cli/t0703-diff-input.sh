#!/bin/sh
# xpin diff on bad input: exit 2 and one "xpin: " line (a missing path, a
# file against a folder, a special file, an unreadable file in a tree, the
# wrong number of operands); malformed ELF files are compared as bytes.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
mkdir d1 d2
echo x >f1
echo y >f2

expect_exit 2 "a missing first path: exit 2" "$XPIN" diff missing f1
expect_one_line "a missing first path: one line" "$TMP/err"
expect_grep "it names the path" "'missing'" "$TMP/err"
expect_exit 2 "a missing second path: exit 2" "$XPIN" diff f1 missing
expect_one_line "a missing second path: one line" "$TMP/err"
expect_exit 2 "a file against a folder: exit 2" "$XPIN" diff f1 d1
expect_one_line "a file against a folder: one line" "$TMP/err"
expect_grep "it says what to compare" "compare two files or two folders" "$TMP/err"
expect_exit 2 "a folder against a file: exit 2" "$XPIN" diff d1 f1
expect_one_line "a folder against a file: one line" "$TMP/err"
mkfifo fifo
expect_exit 2 "a fifo: exit 2" "$XPIN" diff fifo f1
expect_one_line "a fifo: one line" "$TMP/err"
expect_exit 2 "one operand: exit 2" "$XPIN" diff f1
expect_one_line "one operand: one line" "$TMP/err"
expect_exit 2 "three operands: exit 2" "$XPIN" diff f1 f2 f1
expect_one_line "three operands: one line" "$TMP/err"
expect_exit 2 "an unknown option: exit 2" "$XPIN" diff --frobnicate f1 f2
expect_one_line "an unknown option: one line" "$TMP/err"
expect_exit 0 "--help: exit 0" "$XPIN" diff --help
expect_grep "--help: the synopsis" "usage: xpin diff" "$TMP/out"
expect_exit 0 "xpin help diff" "$XPIN" help diff
"$XPIN" --help >"$TMP/help"
expect_grep "the command table lists diff" "^  diff " "$TMP/help"

# "Could not check" is not "different": an unreadable file in a tree.
if [ "$(id -u)" -ne 0 ]; then
	echo a >d1/secret
	echo b >d2/secret
	chmod 000 d1/secret
	expect_exit 2 "an unreadable file in a tree: exit 2, not 1" "$XPIN" diff d1 d2
	expect_one_line "an unreadable file: one line" "$TMP/err"
	expect_grep "it names the file" "d1/secret" "$TMP/err"
	chmod 600 d1/secret
else
	echo "# skipped: running as root, every file is readable"
fi

# Malformed ELF files (readelf complains) are compared as plain bytes.
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000' >e1
cp e1 e2
head -c 200 /dev/zero >>e1
head -c 200 /dev/zero | tr '\0' '\1' >>e2
expect_exit 1 "a truncated ELF header: compared as bytes, exit 1" "$XPIN" diff --json e1 e2
expect_eq "a truncated ELF header: not read as ELF, first offset is cmp's" \
	"False $(( $(cmp -l e1 e2 | awk 'NR == 1 { print $1 }') - 1 ))" \
	"$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["entries"][0]; print(e["elf"], e["first_offset"])' "$TMP/out")"
# A real binary whose section header table is cut off.
cat >p.c <<'C'
int main(void) { return 0; }
C
gcc p.c -o p1 && cp p1 p2
shoff=$(readelf -hW p1 | awk '/Start of section headers/ { print $5 }')
head -c $((shoff + 100)) p1 >cut1
head -c $((shoff + 100)) p1 >cut2
printf 'Z' | dd of=cut2 bs=1 seek=$((shoff - 1)) conv=notrunc 2>/dev/null
if readelf -SW cut1 >/dev/null 2>&1 && ! readelf -SW cut1 2>&1 | grep -qi 'error\|warning'; then
	not_ok "readelf should complain about the cut section table"
fi
expect_exit 1 "a cut section table: compared as bytes, exit 1" "$XPIN" diff --json cut1 cut2
expect_eq "a cut section table: not ELF, the offset is cmp's" \
	"False $((shoff - 1))" \
	"$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["entries"][0]; print(e["elf"], e["first_offset"])' "$TMP/out")"
test_done
