#!/bin/sh
# xpin diff on two folders: what is only in A, only in B and different
# (bytes, type, symlink target, executable bit), in walk order, symlinks
# never followed. The independent answer is GNU diff -r --no-dereference
# (names, bytes, types, link targets, in the same bytewise order) plus
# find -perm for the executable bits; byte offsets are cmp's.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
mk() { mkdir -p "$(dirname "$1")" && printf '%s' "$2" >"$1"; }

mkdir A B
for t in A B; do
	mk $t/same.txt "the same"
	mk $t/sub/deep/same.bin "same bytes"
	mk $t/tool "#!/bin/sh\necho hi\n"
	mkdir -p $t/sub/empty
	ln -s same.txt $t/link-same
	ln -s ../outside $t/dangling
	# The same target naming different contents: the link is equal, as it
	# is not followed; realdir/f itself differs.
	mk $t/realdir/f "$t"
	ln -s realdir/f $t/link-to-differing
done
mk A/content.txt "0123456789abcdefghij version 1 tail"
mk B/content.txt "0123456789abcdefghij version 2 tail"
mk A/grows.txt "prefix"
mk B/grows.txt "prefix and more"
mk A/only-a.txt "a"
mkdir -p A/only-a-dir/inner && mk A/only-a-dir/inner/f "x"
mk B/only-b.txt "b"
mk B/sub/deep/only-b "b"
ln -s same.txt A/link-moves
ln -s content.txt B/link-moves
mk A/kind "a file in A"
mkdir B/kind && mk B/kind/f "a folder in B"
chmod +x A/tool
chmod -x B/tool
chmod 755 A/same.txt B/same.txt

expect_exit 1 "folders differ: exit 1" "$XPIN" diff --json A B
mv "$TMP/out" tree.json

# Expected, from diff -r: "Only in A/x: y", "Files A/p and B/p differ",
# "Symbolic links A/p and B/p differ", "File A/p is a regular file while
# file B/p is a directory", in its own (bytewise) order.
diff -rq --no-dereference A B >dr.txt
python3 - dr.txt >expected.txt <<'PY'
import re, sys
for l in open(sys.argv[1]):
    l = l.rstrip("\n")
    m = re.match(r"Only in ([AB])(?:/(.*))?: (.*)$", l)
    if m:
        side, d, n = m.groups()
        print("only-in-%s %s" % (side.lower(), (d + "/" if d else "") + n))
        continue
    m = (re.match(r"(?:Binary )?[Ff]iles A/(.*) and B/\1 differ$", l) or
         re.match(r"Symbolic links A/(.*) and B/\1 differ$", l) or
         re.match(r"File A/(.*) is a .* while file B/\1 is a .*$", l))
    if m:
        print("differs " + m.group(1))
    else:
        print("unparsed: " + l)
PY
# ...plus files whose owner-executable bit differs (find -perm).
(cd A && find . -type f -perm -u+x | sort) >xa
(cd B && find . -type f -perm -u+x | sort) >xb
for f in $(cat xa xb | sort | uniq -u); do
	f=${f#./}
	[ -f "A/$f" ] && [ -f "B/$f" ] && ! grep -qx "differs $f" expected.txt &&
		echo "differs $f" >>expected.txt
done
python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["entries"]:
    print(e["status"], e["path"])
' tree.json >actual.txt
expect_eq "entries: diff -r --no-dereference and find -perm, in order" \
	"$(cat expected.txt)" "$(cat actual.txt)"

q() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
e = {x["path"]: x for x in j["entries"]}
print(eval(sys.argv[2]))
' "$@"
}
expect_eq "counts" "2 2 6" "$(q tree.json '"%d %d %d" % (j["only_in_a"], j["only_in_b"], j["differing"])')"
expect_eq "tool: the executable bit" "['mode'] True False" \
	"$(q tree.json '"%s %s %s" % (e["tool"]["what"], e["tool"]["executable_a"], e["tool"]["executable_b"])')"
expect_eq "link-moves: the targets (readlink)" \
	"$(readlink A/link-moves) $(readlink B/link-moves)" \
	"$(q tree.json '"%s %s" % (e["link-moves"]["target_a"], e["link-moves"]["target_b"])')"
expect_eq "kind: a file in A, a folder in B" "['type'] file folder" \
	"$(q tree.json '"%s %s %s" % (e["kind"]["what"], e["kind"]["type_a"], e["kind"]["type_b"])')"
# cmp -l: "BYTE OCTAL-A OCTAL-B", bytes counted from 1.
n=$(cmp -l A/content.txt B/content.txt | awk 'NR == 1 { print $1 }')
expect_eq "content.txt: the first differing offset is cmp's" "$((n - 1))" \
	"$(q tree.json 'e["content.txt"]["first_offset"]')"
# 16 bytes before it, the byte, 16 after (cut counts from 1 too).
expect_eq "content.txt: context around it, both sides (cut -c)" \
	"$(cut -c $((n - 16))-$((n + 16)) A/content.txt)|$(cut -c $((n - 16))-$((n + 16)) B/content.txt)" \
	"$(q tree.json '"|".join((e["content.txt"]["runs"][0]["context_a"], e["content.txt"]["runs"][0]["context_b"]))')"
# cmp: "cmp: EOF on A/grows.txt after byte 6"
g=$(cmp A/grows.txt B/grows.txt 2>&1 | sed -n 's/.*EOF on A\/grows.txt after byte \([0-9]*\).*/\1/p')
expect_eq "grows.txt: differs where A ends (cmp), by the size difference (wc -c)" \
	"$g $(( $(wc -c <B/grows.txt) - $(wc -c <A/grows.txt) ))" \
	"$(q tree.json '"%d %d" % (e["grows.txt"]["first_offset"], e["grows.txt"]["runs"][0]["length"])')"

"$XPIN" diff --short A B >short.txt
expect_eq "short form: one line per entry" "$(wc -l <actual.txt)" "$(wc -l <short.txt)"
expect_grep "short form: only in A" "^only-a-dir: only in A$" short.txt
expect_grep "short form: only in B" "^sub/deep/only-b: only in B$" short.txt
expect_grep "short form: the executable bit" "^tool: executable in A, not in B$" short.txt
expect_grep "short form: symlink" "^link-moves: symlink target 'same.txt' vs 'content.txt'$" short.txt
expect_grep "short form: type" "^kind: a file in A, a folder in B$" short.txt
expect_grep "short form: bytes" "^content.txt: differs at 0x$(printf %x "$(q tree.json 'e["content.txt"]["first_offset"]')") (1 byte)$" short.txt

"$XPIN" diff A B >human.txt
expect_grep "human form: totals" "^6 differ, 2 only in A, 2 only in B$" human.txt
expect_grep "human form: context at its file offset" \
	"A $(printf 0x%08x $((n - 17))) |$(cut -c $((n - 16))-$((n + 16)) A/content.txt)|" human.txt

# Identical trees (diff -r agrees), symlinks and empty folders included.
cp -a A C
if diff -r --no-dereference A C >/dev/null; then
	expect_exit 0 "a copy: identical, exit 0" "$XPIN" diff A C
else
	not_ok "cp -a gave a tree diff -r calls different"
fi
# A symlink given on the command line is followed; one inside is not.
ln -s A A-link
expect_exit 0 "a symlink to a folder as an operand is followed" "$XPIN" diff A-link C
# -q: nothing printed, the exit status says it.
expect_exit 1 "-q: exit 1" "$XPIN" -q diff A B
expect_eq "-q: nothing on stdout" "" "$(cat "$TMP/out")"
test_done
