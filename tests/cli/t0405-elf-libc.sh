#!/bin/sh
# The libc fact on binaries built here by the real compilers: glibc and
# musl, static and dynamic, C and Rust (+crt-static), x86_64 and aarch64,
# each stripped and not, and a program with no libc at all. What each
# binary must say is how it was built (which compiler and libc), checked
# against readelf -n (glibc's NT_GNU_ABI_TAG note) and file ("for
# GNU/Linux") where they tell; never against xpin. Then the policy: a
# musl target with a glibc static binary, and xpin.json's expect.libc.
. "$(dirname "$0")/../lib.sh"

B=$TMP/b
mkdir -p "$B"
cat >"$B/hello.c" <<'C'
#include <stdio.h>
int main(void) { puts("hello"); return 0; }
C
cat >"$B/bare.c" <<'C'
void _start(void)
{
#if defined(__x86_64__)
	__asm__ volatile("mov $60, %eax; xor %edi, %edi; syscall");
#elif defined(__aarch64__)
	__asm__ volatile("mov x8, #93; mov x0, #0; svc #0");
#endif
	for (;;)
		;
}
C
printf 'fn main() { println!("hello"); }\n' >"$B/hello.rs"

A64=aarch64-linux-gnu-gcc
MUSL_A64_SPECS=/usr/lib/aarch64-linux-musl/musl-gcc.specs
RUSTC=/usr/bin/rustc
have() { command -v "$1" >/dev/null 2>&1; }

# build NAME LIBC CHECK COMMAND...: build $B/NAME, and NAME.s stripped;
# LIBC is what the build gives, CHECK what readelf and file must say of
# it (glibc-note: the ABI tag note and "for GNU/Linux"; no-note: neither).
n=0
build() {
	name=$1 want=$2 check=$3
	shift 3
	if ! "$@" >"$TMP/cc.out" 2>&1; then
		not_ok "$name: builds"; sed 's/^/#   /' "$TMP/cc.out"; return
	fi
	case $name in
	*aarch64*) st=aarch64-linux-gnu-strip ;;
	*) st=strip ;;
	esac
	$st -o "$B/$name.s" "$B/$name" 2>"$TMP/strip.err" ||
		{ not_ok "$name: strip"; cat "$TMP/strip.err"; return; }
	echo "$name $want $check" >>"$B/list"
}

if have gcc; then
	build gcc-x86_64-dynamic glibc glibc-note gcc -O2 -o "$B/gcc-x86_64-dynamic" "$B/hello.c"
	build gcc-x86_64-static-pie glibc glibc-note gcc -O2 -static-pie -o "$B/gcc-x86_64-static-pie" "$B/hello.c"
	build gcc-x86_64-static glibc glibc-note gcc -O2 -static -o "$B/gcc-x86_64-static" "$B/hello.c"
	build bare-x86_64 none no-note gcc -O2 -nostdlib -static -o "$B/bare-x86_64" "$B/bare.c"
else
	echo "# skipped: gcc is missing (x86_64 glibc and bare cases)"
fi
if have musl-gcc; then
	build musl-x86_64-static musl no-note musl-gcc -O2 -static -o "$B/musl-x86_64-static" "$B/hello.c"
else
	echo "# skipped: musl-gcc is missing (x86_64 musl case)"
fi
if have $A64; then
	build gcc-aarch64-dynamic glibc glibc-note $A64 -O2 -o "$B/gcc-aarch64-dynamic" "$B/hello.c"
	build gcc-aarch64-static glibc glibc-note $A64 -O2 -static -o "$B/gcc-aarch64-static" "$B/hello.c"
	build bare-aarch64 none no-note $A64 -O2 -nostdlib -static -o "$B/bare-aarch64" "$B/bare.c"
	if [ -f "$MUSL_A64_SPECS" ]; then
		build musl-aarch64-static musl no-note $A64 -specs "$MUSL_A64_SPECS" -O2 -static -o "$B/musl-aarch64-static" "$B/hello.c"
	else
		echo "# skipped: no aarch64 musl (musl-dev:arm64) for the aarch64 musl case"
	fi
else
	echo "# skipped: $A64 is missing (aarch64 cases)"
fi
if [ -x "$RUSTC" ]; then
	build rust-x86_64-crt-static glibc glibc-note "$RUSTC" -O -C target-feature=+crt-static -o "$B/rust-x86_64-crt-static" "$B/hello.rs"
	if have $A64 && "$RUSTC" --print sysroot >/dev/null 2>&1 &&
	   [ -d "$("$RUSTC" --print sysroot)/lib/rustlib/aarch64-unknown-linux-gnu" ]; then
		build rust-aarch64-crt-static glibc glibc-note "$RUSTC" -O --target aarch64-unknown-linux-gnu -C linker=$A64 -C target-feature=+crt-static -o "$B/rust-aarch64-crt-static" "$B/hello.rs"
	else
		echo "# skipped: no Rust std for aarch64-unknown-linux-gnu"
	fi
else
	echo "# skipped: $RUSTC is missing (Rust cases)"
fi

# What readelf and file say of a binary: glibc-note or no-note.
seen() {
	notes=$(readelf -nW "$1" 2>/dev/null)
	desc=$(file -b "$1")
	case $notes in *NT_GNU_ABI_TAG*) abi=yes ;; *) abi= ;; esac
	case $desc in *"for GNU/Linux"*) gnu=yes ;; *) gnu= ;; esac
	if [ "$abi" ] && [ "$gnu" ]; then echo glibc-note
	elif [ -z "$abi" ] && [ -z "$gnu" ]; then echo no-note
	else echo "mixed (readelf ${abi:-no} note, file ${gnu:-no} GNU/Linux)"
	fi
}
libc_of() {
	"$XPIN" --json elf "$1" >"$TMP/l.json" 2>"$TMP/l.err" || { echo "exit $?"; return; }
	python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
print(o["libc"], "|", o["libc_evidence"])
' "$TMP/l.json"
}

live=yes
have readelf && have file || { live=; echo "# skipped: readelf or file missing (no cross-check)"; }
[ -f "$B/list" ] || skip_all "no compiler built anything"
while read -r name want check; do
	for f in "$name" "$name.s"; do
		kind=$( [ "$f" = "$name" ] && echo "not stripped" || echo "stripped")
		[ "$live" ] && expect_eq "$f: readelf and file agree with the build ($check)" \
			"$check" "$(seen "$B/$f")"
		got=$(libc_of "$B/$f")
		expect_eq "$f ($kind): libc $want" "$want" "${got%% |*}"
		case $got in
		*"| None") not_ok "$f: libc_evidence is given" ;;
		*) ok "$f: libc_evidence is given (${got#*| })" ;;
		esac
	done
done <"$B/list"

# The text output says it too.
if [ -f "$B/musl-x86_64-static.s" ]; then
	"$XPIN" elf "$B/musl-x86_64-static.s" >"$TMP/human" 2>&1
	expect_grep "text output: a libc line" "^  libc  *musl (" "$TMP/human"
fi

# A musl target with a glibc static binary: one line naming both.
if [ -f "$B/gcc-aarch64-static.s" ]; then
	expect_exit 1 "--strict --target aarch64-unknown-linux-musl on glibc static aarch64: exit 1" \
		"$XPIN" --json elf --strict --target aarch64-unknown-linux-musl "$B/gcc-aarch64-static.s"
	python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
for w in o["warnings"]:
    if w["code"] == "target-libc":
        print(w["message"])
' "$TMP/out" >"$TMP/why"
	expect_grep "the reason names the musl target and glibc" \
		"target aarch64-unknown-linux-musl is musl but the binary is glibc" "$TMP/why"
	expect_eq "one warning, in one line" 1 "$(wc -l <"$TMP/why" | tr -d ' ')"
	expect_exit 0 "the same binary against aarch64-unknown-linux-gnu: exit 0" \
		"$XPIN" elf --strict --target aarch64-unknown-linux-gnu "$B/gcc-aarch64-static.s"
fi
if [ -f "$B/musl-x86_64-static.s" ]; then
	expect_exit 1 "a gnu target with a musl static binary: exit 1" \
		"$XPIN" elf --strict --target x86_64-unknown-linux-gnu "$B/musl-x86_64-static.s"
	expect_grep "the reason names both" \
		"target x86_64-unknown-linux-gnu is glibc but the binary is musl" "$TMP/out"
fi

# expect.libc in xpin.json replaces the triple's rule.
if have musl-gcc; then
	mkdir -p "$TMP/p" && cd "$TMP/p" || exit 1
	printf '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n' >hi.c
	printf 'mkdir -p out && musl-gcc -O2 -static -s -o out/hi hi.c\n' >build.sh
	conf() {
		cat >xpin.json <<JSON
{ "targets": { "hi": { "command": "sh build.sh", "artifacts": ["out/hi"],
  "triple": "x86_64-unknown-linux-gnu", "expect": { "libc": $1 } } } }
JSON
		git add -A && git commit -qm "$1"
	}
	git init -q .
	conf '["musl"]'
	expect_exit 0 "expect.libc [musl] on a gnu triple: the musl binary passes" \
		"$XPIN" lock --no-sign
	expect_eq "xpin.lock records libc musl" "musl" \
		"$(python3 -c 'import json; print(json.load(open("xpin.lock"))["targets"]["hi"]["artifacts"]["out/hi"]["elf"]["libc"])')"
	conf '["glibc", "none"]'
	expect_exit 1 "expect.libc [glibc, none]: the musl binary fails" \
		"$XPIN" lock --no-sign
	expect_grep "the reason names its libc and the expected one" \
		"libc: libc is musl (.*), but the target expects glibc (or another listed)" "$TMP/out"
	conf '"uclibc"'
	expect_exit 2 "expect.libc with an unknown libc: exit 2" "$XPIN" lock --no-sign
	expect_grep "the message names the value and where" \
		"xpin.json:[0-9]*:[0-9]*: libc 'uclibc' is not one of glibc, musl, none" "$TMP/err"
	conf '[]'
	expect_exit 2 "expect.libc empty: exit 2" "$XPIN" lock --no-sign
else
	echo "# skipped: musl-gcc is missing (expect.libc)"
fi

test_done
