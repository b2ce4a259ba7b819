#!/bin/sh
# Portability warnings on the compiled vectors: which codes each raises,
# with and without --target/--glibc-max, and --strict's exit status. The
# facts behind each expectation are readelf's (see each facts.json): the
# nix-store vector's interpreter and runpath are under /nix/store, the
# musl "static-pie" is dynamic with /lib/ld-musl-x86_64.so.1, and so on.
. "$(dirname "$0")/../lib.sh"

E=$VEC/elf
# codes ARGS...: the sorted warning codes of xpin elf --json ARGS, one line.
codes() {
	"$XPIN" elf --json "$@" >"$TMP/w.json" 2>"$TMP/w.err" || :
	python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
print(" ".join(sorted(w["code"] for w in o["warnings"])))
' "$TMP/w.json"
}
v() { echo "$E/$1/$1.elf"; }

expect_eq "x86_64 dynamic: no warning" "" "$(codes "$(v x86_64-dynamic)")"
expect_eq "nix-store: interpreter and runpath" \
	"nix-store-interpreter nix-store-runpath" \
	"$(codes "$(v x86_64-nix-store)")"
expect_eq "rpath with a /nix/store entry" "nix-store-rpath" \
	"$(codes "$(v x86_64-rpath)")"
expect_eq "execstack" "execstack" "$(codes "$(v x86_64-execstack)")"

"$XPIN" elf "$(v x86_64-nix-store)" >"$TMP/human" 2>&1
expect_grep "nix-store: says it will not run on an ordinary distribution" \
	"will not run on an ordinary distribution" "$TMP/human"
expect_grep "nix-store: says how to fix it" \
	"patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2" "$TMP/human"
expect_grep "nix-store: or build static" "static (musl)" "$TMP/human"

expect_eq "musl -static-pie against a musl target: dynamic" "musl-dynamic" \
	"$(codes --target x86_64-unknown-linux-musl "$(v x86_64-musl-static-pie)")"
expect_eq "musl -static against a musl target: clean" "" \
	"$(codes --target x86_64-unknown-linux-musl "$(v x86_64-musl-static)")"
expect_eq "glibc binary against a musl target" "musl-dynamic target-libc" \
	"$(codes --target x86_64-unknown-linux-musl "$(v x86_64-dynamic)")"
expect_eq "x86_64 binary against an aarch64 target" "target-machine" \
	"$(codes --target aarch64-unknown-linux-gnu "$(v x86_64-static)")"
expect_eq "aarch64 binaries against aarch64-linux" "" \
	"$(codes --target aarch64-linux "$(v aarch64-static)")"
expect_eq "32-bit ARM against aarch64" "target-class target-machine" \
	"$(codes --target aarch64-unknown-linux-gnu "$(v armhf-dynamic)")"
expect_eq "armhf against armv7-unknown-linux-gnueabihf" "" \
	"$(codes --target armv7-unknown-linux-gnueabihf "$(v armhf-dynamic)")"
expect_eq "s390x against its own triple" "" \
	"$(codes --target s390x-unknown-linux-gnu "$(v s390x-dynamic)")"
expect_eq "s390x (big-endian) against powerpc64le" \
	"target-endian target-machine" \
	"$(codes --target powerpc64le-unknown-linux-gnu "$(v s390x-dynamic)")"
expect_eq "GLIBC_2.34 over --glibc-max 2.17" "glibc-too-new" \
	"$(codes --glibc-max 2.17 "$(v x86_64-dynamic)")"
expect_eq "GLIBC_2.34 within --glibc-max 2.34" "" \
	"$(codes --glibc-max 2.34 "$(v x86_64-dynamic)")"
expect_eq "the shared object's GLIBC_2.29 within 2.30" "" \
	"$(codes --glibc-max 2.30 "$(v x86_64-shared)")"

expect_exit 0 "warnings without --strict: exit 0" "$XPIN" elf "$(v x86_64-nix-store)"
expect_exit 1 "warnings with --strict: exit 1" "$XPIN" elf --strict "$(v x86_64-nix-store)"
expect_exit 0 "no warning with --strict: exit 0" "$XPIN" elf --strict "$(v x86_64-static)"
expect_exit 1 "--strict --target mismatch: exit 1" "$XPIN" elf --strict \
	--target aarch64-unknown-linux-musl "$(v x86_64-musl-static)"
expect_exit 2 "a bad file beats a warning: exit 2" "$XPIN" elf --strict \
	"$(v x86_64-nix-store)" "$E/bad-empty/bad-empty.elf"

expect_exit 2 "unknown target architecture: exit 2" "$XPIN" elf \
	--target vax-dec-ultrix "$(v x86_64-static)"
expect_one_line "unknown target architecture: one line" "$TMP/err"
expect_grep "unknown target architecture: named" "'vax'" "$TMP/err"
expect_exit 2 "bad --glibc-max: exit 2" "$XPIN" elf --glibc-max 2 "$(v x86_64-static)"
expect_one_line "bad --glibc-max: one line" "$TMP/err"

expect_exit 0 "xpin elf --help" "$XPIN" elf --help
expect_grep "--help: usage line" "^usage: xpin elf" "$TMP/out"
expect_grep "--help lists --target" "--target TRIPLE" "$TMP/out"
expect_exit 0 "xpin --help lists elf" "$XPIN" --help
expect_grep "xpin --help lists elf" "^  elf " "$TMP/out"
if command -v man >/dev/null 2>&1; then
	run sh -c 'MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null' sh \
		"$ROOT/man/xpin-elf.1"
	expect_eq "man page renders without warnings" "" "$(cat "$TMP/out")"
fi
test_done
