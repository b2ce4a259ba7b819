#!/bin/sh
# Builds the ELF known-answer vectors: small binaries made by real
# compilers, each in vectors/elf/<case>/<case>.elf beside a SOURCE (how it
# was built), readelf.txt (`readelf -W -h -S -l -d -n -V`), file.txt
# (`file -b`) and facts.json (facts.py over those two outputs). Malformed
# inputs go in vectors/elf/bad-<what>/ with readelf's and file's view of
# them and EXPECT, the pattern xpin's one-line error must match.
#
# Needs: gcc, musl-gcc, aarch64-linux-gnu-gcc, arm-linux-gnueabihf-gcc,
# s390x-linux-gnu-gcc, patchelf, strip, readelf, file, python3.
# Run it from anywhere: sh vectors/elf/build.sh. The tests never run it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/xpin-elfvec.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export LC_ALL=C SOURCE_DATE_EPOCH=0
# Keep the build folder's path out of the binaries.
MAP="-ffile-prefix-map=$work=."

cat >hello.c <<'C'
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argv;
	printf("xpin vector %d\n", argc);
	return 0;
}
C
cat >lib.c <<'C'
#include <math.h>
#include <stdio.h>

double xpin_vec(double x)
{
	double y = exp(x) + log2(x);

	printf("%f\n", y);
	return y;
}
C

NIXGLIBC=/nix/store/9xfad3b5z4y00mzmk2wnn4900q0qmxns-glibc-2.37-8

# record CASE VERSIONS-FROM "how it was built"
record() {
	c=$1 vers=$2 how=$3
	d=$here/$c
	rm -rf "$d"
	mkdir -p "$d"
	cp "$c.elf" "$d/$c.elf"
	chmod 0755 "$d/$c.elf"
	readelf -W -h -S -l -d -n -V "$d/$c.elf" >"$d/readelf.txt" 2>&1 || :
	sed -i "s|$d/||g" "$d/readelf.txt"
	file -b "$d/$c.elf" >"$d/file.txt"
	if [ -n "$vers" ]; then
		readelf -W -V "$vers" | sed "s|$work/||g" >"$d/versions.txt"
		python3 "$here/facts.py" "$d/readelf.txt" "$d/file.txt" \
			"$d/versions.txt" >"$d/facts.json"
	else
		python3 "$here/facts.py" "$d/readelf.txt" "$d/file.txt" \
			>"$d/facts.json"
	fi
	{
		echo "$how"
		echo
		echo "Expected facts: facts.json, made by"
		echo "  python3 facts.py readelf.txt file.txt${vers:+ versions.txt}"
		echo "from readelf.txt = \`readelf -W -h -S -l -d -n -V $c.elf\`"
		echo "and file.txt = \`file -b $c.elf\`."
		[ -z "$vers" ] || echo "versions.txt = \`readelf -W -V\` of the binary before the edit (see above)."
		echo
		echo "Tools: $(readelf --version | head -1); $(file --version | head -1)."
	} >"$d/SOURCE"
}

ver() { "$1" --version | head -1; }

gcc -Os $MAP -o x86_64-dynamic.elf hello.c
record x86_64-dynamic "" "Built with $(ver gcc):
  gcc -Os -o x86_64-dynamic.elf hello.c
(Debian's default: a PIE linked against glibc.)"

gcc -Os $MAP -static -o x86_64-static.elf hello.c
record x86_64-static "" "Built with $(ver gcc):
  gcc -Os -static -o x86_64-static.elf hello.c"

gcc -Os $MAP -static-pie -o x86_64-static-pie.elf hello.c
record x86_64-static-pie "" "Built with $(ver gcc):
  gcc -Os -static-pie -o x86_64-static-pie.elf hello.c"

musl-gcc -Os $MAP -static -o x86_64-musl-static.elf hello.c
record x86_64-musl-static "" "Built with musl-gcc (musl $(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || echo '?')) over $(ver gcc):
  musl-gcc -Os -static -o x86_64-musl-static.elf hello.c"

musl-gcc -Os $MAP -static-pie -o x86_64-musl-static-pie.elf hello.c
record x86_64-musl-static-pie "" "Built with musl-gcc (musl $(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || echo '?')) over $(ver gcc):
  musl-gcc -Os -static-pie -o x86_64-musl-static-pie.elf hello.c
musl-gcc's specs ignore -static-pie: the result is a dynamic PIE whose
interpreter is /lib/ld-musl-x86_64.so.1, the trap the musl-dynamic
warning exists for."

aarch64-linux-gnu-gcc -Os $MAP -o aarch64-dynamic.elf hello.c
record aarch64-dynamic "" "Built with $(ver aarch64-linux-gnu-gcc):
  aarch64-linux-gnu-gcc -Os -o aarch64-dynamic.elf hello.c"

aarch64-linux-gnu-gcc -Os $MAP -static -o aarch64-static.elf hello.c
record aarch64-static "" "Built with $(ver aarch64-linux-gnu-gcc):
  aarch64-linux-gnu-gcc -Os -static -o aarch64-static.elf hello.c"

arm-linux-gnueabihf-gcc -Os $MAP -o armhf-dynamic.elf hello.c
record armhf-dynamic "" "Built with $(ver arm-linux-gnueabihf-gcc):
  arm-linux-gnueabihf-gcc -Os -o armhf-dynamic.elf hello.c
(32-bit ARM, hard float.)"

s390x-linux-gnu-gcc -Os $MAP -o s390x-dynamic.elf hello.c
record s390x-dynamic "" "Built with $(ver s390x-linux-gnu-gcc):
  s390x-linux-gnu-gcc -Os -o s390x-dynamic.elf hello.c
(64-bit big-endian.)"

gcc -Os $MAP -fPIC -fno-builtin -shared -Wl,-soname,libxpinvec.so.1 \
	-o x86_64-shared.elf lib.c -lm
record x86_64-shared "" "Built with $(ver gcc):
  gcc -Os -fPIC -fno-builtin -shared -Wl,-soname,libxpinvec.so.1 \\
      -o x86_64-shared.elf lib.c -lm
lib.c calls exp() and log2() (GLIBC_2.29 in libm) and printf()."

cp x86_64-dynamic.elf x86_64-nix-store.elf
patchelf --set-interpreter "$NIXGLIBC/lib/ld-linux-x86-64.so.2" \
	--set-rpath "$NIXGLIBC/lib" x86_64-nix-store.elf
record x86_64-nix-store "" "The x86_64-dynamic binary, edited with $(patchelf --version):
  patchelf --set-interpreter $NIXGLIBC/lib/ld-linux-x86-64.so.2 \\
           --set-rpath $NIXGLIBC/lib x86_64-nix-store.elf
(what a Nix build leaves in a binary; patchelf writes DT_RUNPATH)."

gcc -Os $MAP -Wl,--disable-new-dtags \
	-Wl,-rpath,'$ORIGIN/../lib:'"$NIXGLIBC/lib" -o x86_64-rpath.elf hello.c
record x86_64-rpath "" "Built with $(ver gcc):
  gcc -Os -Wl,--disable-new-dtags \\
      -Wl,-rpath,'\$ORIGIN/../lib:$NIXGLIBC/lib' -o x86_64-rpath.elf hello.c
(--disable-new-dtags makes the linker write DT_RPATH, not DT_RUNPATH.)"

strip -o x86_64-stripped.elf x86_64-dynamic.elf
record x86_64-stripped "" "The x86_64-dynamic binary, stripped with $(strip --version | head -1):
  strip -o x86_64-stripped.elf x86_64-dynamic.elf"

gcc -Os $MAP -z execstack -o x86_64-execstack.elf hello.c
record x86_64-execstack "" "Built with $(ver gcc):
  gcc -Os -z execstack -o x86_64-execstack.elf hello.c"

gcc -Og -g $MAP -o x86_64-debug.elf hello.c
record x86_64-debug "" "Built with $(ver gcc):
  gcc -Og -g -o x86_64-debug.elf hello.c"

gcc -Os $MAP -c -o x86_64-object.elf hello.c
record x86_64-object "" "Built with $(ver gcc):
  gcc -Os -c -o x86_64-object.elf hello.c
(a relocatable object: no program headers, no linkage.)"

# patch FILE OFFSET STRUCT-FORMAT VALUE: overwrite bytes in place.
patch() {
	python3 - "$@" <<'PY'
import struct, sys
path, off, fmt, val = sys.argv[1], int(sys.argv[2], 0), sys.argv[3], int(sys.argv[4], 0)
with open(path, "r+b") as f:
    f.seek(off)
    f.write(struct.pack(fmt, val))
PY
}

# Section headers removed: e_shoff, e_shnum and e_shstrndx zeroed, so the
# reader must find DT_NEEDED and DT_VERNEED through the program headers.
cp x86_64-dynamic.elf x86_64-no-section-headers.elf
patch x86_64-no-section-headers.elf 40 '<Q' 0
patch x86_64-no-section-headers.elf 60 '<H' 0
patch x86_64-no-section-headers.elf 62 '<H' 0
record x86_64-no-section-headers x86_64-dynamic.elf "The x86_64-dynamic binary with its section headers dropped: e_shoff
(offset 40, 8 bytes), e_shnum (60, 2 bytes) and e_shstrndx (62, 2 bytes)
set to zero with Python's struct.pack('<Q'/'<H', 0). Nothing else
changes, so the version needs (DT_VERNEED, reached through PT_DYNAMIC)
are those readelf -V shows for x86_64-dynamic.elf."

# bad CASE EXPECT "what was done": a malformed input.
bad() {
	c=bad-$1 expect=$2 how=$3
	d=$here/$c
	rm -rf "$d"
	mkdir -p "$d"
	cp "$c.elf" "$d/$c.elf"
	{ readelf -W -h -S -l -d "$d/$c.elf" 2>&1 || :; } |
		sed "s|$d/||g" >"$d/readelf.txt"
	file -b "$d/$c.elf" >"$d/file.txt"
	printf '%s\n' "$expect" >"$d/EXPECT"
	{
		echo "$how"
		echo
		echo "readelf.txt and file.txt are what \`readelf -W -h -S -l -d\` and"
		echo "\`file -b\` say of it ($(readelf --version | head -1);"
		echo "$(file --version | head -1)). xpin must exit 2 with one line"
		echo "matching the extended regular expression in EXPECT."
	} >"$d/SOURCE"
}

size=$(wc -c <x86_64-dynamic.elf)

: >bad-empty.elf
bad empty 'empty|not an ELF' "An empty file."

printf '#!/bin/sh\necho "not an ELF file"\n' >bad-not-elf.elf
bad not-elf 'not an ELF' "A shell script."

head -c 40 x86_64-dynamic.elf >bad-truncated-header.elf
bad truncated-header 'truncated ELF header' "The first 40 bytes of x86_64-dynamic.elf (the 64-bit header is 64)."

head -c 1000 x86_64-dynamic.elf >bad-truncated-body.elf
bad truncated-body 'past the end' "The first 1000 bytes of x86_64-dynamic.elf: the header and program
header table are whole, the segments and section headers are cut off."

head -c 4000 x86_64-no-section-headers.elf >bad-truncated-segments.elf
bad truncated-segments 'past the end' "The first 4000 bytes of x86_64-no-section-headers.elf: no section
headers to catch it, but the PT_LOAD segments run past the end."

cp x86_64-dynamic.elf bad-phdrs-past-end.elf
patch bad-phdrs-past-end.elf 32 '<Q' $((size - 100))
bad phdrs-past-end 'program header table.*past the end' "x86_64-dynamic.elf with e_phoff (offset 32) set to the file size - 100."

cp x86_64-dynamic.elf bad-absurd-phnum.elf
patch bad-absurd-phnum.elf 56 '<H' 0xfff0
bad absurd-phnum 'program header table.*past the end' "x86_64-dynamic.elf with e_phnum (offset 56) set to 0xfff0."

cp x86_64-dynamic.elf bad-absurd-shnum.elf
patch bad-absurd-shnum.elf 60 '<H' 0xfff0
bad absurd-shnum 'section header table.*past the end' "x86_64-dynamic.elf with e_shnum (offset 60) set to 0xfff0."

# PN_XNUM: the real program header count lives in section 0's sh_info.
shoff=$(python3 -c 'import struct,sys; print(struct.unpack_from("<Q", open(sys.argv[1],"rb").read(), 40)[0])' x86_64-dynamic.elf)
cp x86_64-dynamic.elf bad-absurd-xnum.elf
patch bad-absurd-xnum.elf 56 '<H' 0xffff
patch bad-absurd-xnum.elf $((shoff + 44)) '<I' 0x7fffffff
bad absurd-xnum 'program header table.*past the end' "x86_64-dynamic.elf with e_phnum (offset 56) set to PN_XNUM (0xffff)
and section 0's sh_info (offset e_shoff + 44) to 0x7fffffff, the
extended program header count."

cp x86_64-dynamic.elf bad-overlapping-tables.elf
patch bad-overlapping-tables.elf 40 '<Q' 64
patch bad-overlapping-tables.elf 60 '<H' 4
patch bad-overlapping-tables.elf 62 '<H' 0
bad overlapping-tables 'overlap' "x86_64-dynamic.elf with e_shoff (offset 40) set to 64, e_shnum (60) to 4
and e_shstrndx (62) to 0: the section header table lies on the program
header table."

cp x86_64-dynamic.elf bad-phdrs-in-header.elf
patch bad-phdrs-in-header.elf 32 '<Q' 8
bad phdrs-in-header 'overlap' "x86_64-dynamic.elf with e_phoff (offset 32) set to 8: the program header
table starts inside the ELF header."

cp x86_64-dynamic.elf bad-class.elf
patch bad-class.elf 4 'B' 3
bad class 'class' "x86_64-dynamic.elf with EI_CLASS (offset 4) set to 3."

# The first dynamic entry of x86_64-dynamic.elf is DT_NEEDED libc.so.6.
dynoff=$(readelf -W -l x86_64-dynamic.elf | awk '$1 == "DYNAMIC" { print $2 }')
cp x86_64-dynamic.elf bad-needed-offset.elf
patch bad-needed-offset.elf $((dynoff + 8)) '<Q' 0x7fffffff
bad needed-offset 'string table' "x86_64-dynamic.elf with the value of its first dynamic entry (DT_NEEDED,
at PT_DYNAMIC's offset + 8) set to 0x7fffffff, far beyond DT_STRSZ."

# PT_INTERP is the second program header: its p_filesz at 64 + 56 + 32.
cp x86_64-dynamic.elf bad-interp-past-end.elf
patch bad-interp-past-end.elf $((64 + 56 + 32)) '<Q' 0x100000
bad interp-past-end 'past the end' "x86_64-dynamic.elf with PT_INTERP's p_filesz (offset 64 + 56 + 32) set to
0x100000."
echo "vectors written to $here"
