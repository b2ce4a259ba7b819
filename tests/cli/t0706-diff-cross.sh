#!/bin/sh
# xpin diff's section reader on the committed ELF vectors from real cross
# compilers (vectors/elf/*/SOURCE): ELF32 little-endian (armhf), ELF64
# big-endian (s390x), no section headers at all. Each copy is patched at a
# place chosen here inside a section that readelf -SW locates; cmp -l
# confirms which bytes differ.
. "$(dirname "$0")/../lib.sh"

cd "$TMP" || exit 1
E=$VEC/elf
# sh_offset of SECTION in FILE (hex, no 0x), by readelf -SW.
shoff() { readelf -SW "$2" | awk -v s="$1" '$2 == s { print $5 }'; }
# poke FILE OFFSET BYTES...: write bytes (decimal values) at OFFSET.
poke() {
	f=$1 o=$2
	shift 2
	python3 -c '
import sys
f, o = sys.argv[1], int(sys.argv[2])
d = bytearray(open(f, "rb").read())
for i, v in enumerate(sys.argv[3:]):
    d[o + i] = int(v)
open(f, "wb").write(d)
' "$f" "$o" "$@"
}
# flip FILE OFFSET: invert the byte at OFFSET.
flip() {
	python3 -c '
import sys
f, o = sys.argv[1], int(sys.argv[2])
d = bytearray(open(f, "rb").read())
d[o] ^= 0xff
open(f, "wb").write(d)
' "$1" "$2"
}
q() {
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
e = j["entries"][0] if j["entries"] else {}
s = {x["name"]: x for x in e.get("sections", [])}
print(eval(sys.argv[2]))
' "$@"
}

# ELF32, little-endian: one byte of .rodata.
cp "$E/armhf-dynamic/armhf-dynamic.elf" arm1
cp arm1 arm2
ro=$((0x$(shoff .rodata arm1)))
flip arm2 $((ro + 5))
expect_eq "armhf: cmp -l finds the one patched byte" "$((ro + 6))" \
	"$(cmp -l arm1 arm2 | awk '{ print $1 }')"
expect_exit 1 "armhf: differ" "$XPIN" diff --json arm1 arm2
mv "$TMP/out" arm.json
expect_eq "armhf (ELF32): .rodata only, at +5, file offset from readelf" \
	"['.rodata'] 5 $((ro + 5))" \
	"$(q arm.json '"%s %d %d" % (sorted(s), s[".rodata"]["first"]["offset"], s[".rodata"]["first"]["file_offset_a"])')"
expect_eq "armhf: read as ELF, sizes are readelf's" \
	"True $((0x$(readelf -SW arm1 | awk '$2 == ".rodata" { print $6 }')))" \
	"$(q arm.json '"%s %d" % (e["elf"], s[".rodata"]["size_a"])')"

# ELF64, big-endian: an 8-byte big-endian time in .data (8-aligned there).
cp "$E/s390x-dynamic/s390x-dynamic.elf" s1
cp s1 s2
data=$((0x$(shoff .data s1)))
t=1764000000
be() { python3 -c 'import sys; print(" ".join(str(b) for b in int(sys.argv[1]).to_bytes(8, "big")))' "$1"; }
# shellcheck disable=SC2046
poke s1 $((data + 8)) $(be $t)
# shellcheck disable=SC2046
poke s2 $((data + 8)) $(be $((t + 60)))
expect_eq "s390x: the word is 8-byte aligned in the file" 0 $(((data + 8) % 8))
expect_exit 1 "s390x: differ" "$XPIN" diff --json s1 s2
mv "$TMP/out" s390.json
expect_eq "s390x (big-endian): .data only, flagged as a timestamp" \
	"['.data'] timestamp" \
	"$(q s390.json '"%s %s" % (sorted(s), s[".data"]["first"]["hint"])')"
expect_eq "s390x: read in the file's byte order" "True" \
	"$(q s390.json "'8-byte big-endian integers at +0x8: $t vs $((t + 60))' in s['.data']['first']['detail']")"

# No section headers (readelf -S: "There are no sections"): plain bytes.
cp "$E/x86_64-no-section-headers/x86_64-no-section-headers.elf" n1
cp n1 n2
flip n2 300
if readelf -SW n1 2>&1 | grep -q 'no sections'; then
	expect_exit 1 "no section headers: differ" "$XPIN" diff --json n1 n2
	expect_eq "no section headers: compared as bytes at cmp's offset" \
		"False 300" "$(q "$TMP/out" '"%s %d" % (e["elf"], e["first_offset"])')"
else
	not_ok "readelf should find no sections in the vector"
fi
test_done
