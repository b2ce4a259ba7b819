# xpin: pin and prove cross-compiled releases built from a Nix flake.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
CC ?= cc
CFLAGS ?= -O2 -g
# SHA-256 comes from libcrypto (OpenSSL), which uses the CPU's SHA
# instructions; XPIN_SHA256=sodium builds on libsodium's portable C alone,
# into build-sodium/ (make check-sha256-fallback tests that build).
XPIN_SHA256 ?= openssl
ifeq ($(XPIN_SHA256),sodium)
SHA256_PKGS =
SHA256_CFLAGS = -DXPIN_SHA256_SODIUM
else ifeq ($(XPIN_SHA256),openssl)
SHA256_PKGS = libcrypto
SHA256_CFLAGS =
else
$(error XPIN_SHA256 must be openssl or sodium, not '$(XPIN_SHA256)')
endif
PKGS = libgit2 libsodium jansson zlib $(SHA256_PKGS)
# Read when first used, not when the Makefile is parsed: `make deps demo`
# installs the libraries before the first compile in the same run.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS) 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS) 2>/dev/null))$(PKG_LIBS)
# DEVELOPER=1 (CI sets it) turns warnings into errors. It is off by
# default: another compiler or other CFLAGS (-O0, -Os) may warn where gcc
# at -O2 does not, and that should not stop a user's build.
DEVELOPER ?=
WARN = -Wall -Wextra -Wshadow -Wformat=2 $(if $(filter 1,$(DEVELOPER)),-Werror)
XCFLAGS = -pthread -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
	  $(SHA256_CFLAGS) $(PKG_CFLAGS) -Isrc -MMD -MP
SAN = -fsanitize=address,undefined -fno-omit-frame-pointer \
      -fno-sanitize-recover=undefined

# Build folder: build/ normally, build-asan/ for the sanitizer build,
# build-sodium/ for XPIN_SHA256=sodium (its objects differ).
B ?= $(if $(filter sodium,$(XPIN_SHA256)),build-sodium,build)
SRC := $(wildcard src/*.c)
LIB_SRC := $(filter-out src/main.c,$(SRC))
LIB_OBJ := $(LIB_SRC:src/%.c=$(B)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%.o)
MAN1 := $(wildcard man/*.1)
MAN5 := $(wildcard man/*.5)

# Debian packages the build, the tests and make ci need (make deps), each
# named: a Recommends is not installed (--no-install-recommends), so the
# cross compiler's libc headers are listed themselves. DEPS_<codename>
# holds the names that differ between releases.
DEPS = build-essential libgit2-dev libsodium-dev libjansson-dev libssl-dev zlib1g-dev \
       git nix-bin minisign file binutils patchelf musl-tools \
       gcc-aarch64-linux-gnu libc6-dev-arm64-cross clang libclang-rt-dev \
       valgrind time python3 python3-nacl openssh-client man-db groff-base debootstrap mercurial \
       rustc cargo musl-dev:arm64 libstd-rust-dev:arm64 python3-yaml
DEPS_bookworm = pkg-config in-toto
DEPS_trixie = pkgconf python3-securesystemslib

.PHONY: all clean check check-asan check-sha256-fallback unit deps install uninstall fuzz bench demo ci

all: xpin

xpin: $(B)/xpin
	@if [ "$(B)" = build ]; then cp -f $(B)/xpin xpin; fi

$(B)/xpin: $(B)/obj/main.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS)

$(B)/obj/%.o: src/%.c | $(B)/obj
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/unit/%.o: tests/unit/%.c $(B)/unit/list.h | $(B)/unit
	$(CC) $(XCFLAGS) $(CFLAGS) -I$(B)/unit -Itests/unit -c -o $@ $<

# The unit-test list is generated from the test_<module>__<case> functions.
$(B)/unit/list.h: $(UNIT_SRC) | $(B)/unit
	@sed -n 's/^void \(test_[a-z0-9_]*__[a-z0-9_]*\)(void)$$/T(\1)/p' \
		$(UNIT_SRC) > $@.tmp && mv $@.tmp $@

$(B)/unit/run: $(UNIT_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS)

$(B)/obj $(B)/unit:
	mkdir -p $@

# make check [T='t01*'] runs unit tests, vectors and CLI tests.
check: xpin $(B)/unit/run
	@XPIN=$(CURDIR)/$(B)/xpin UNIT=$(CURDIR)/$(B)/unit/run \
		sh tests/run.sh $(T)

check-asan:
	@$(MAKE) --no-print-directory B=build-asan CC=clang \
		CFLAGS="-O1 -g $(SAN)" LDFLAGS="$(SAN)" build-asan/xpin \
		build-asan/unit/run
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		XPIN=$(CURDIR)/build-asan/xpin UNIT=$(CURDIR)/build-asan/unit/run \
		sh tests/run.sh $(T)

# The libsodium-only SHA-256 build through the unit tests, then the CLI
# tests that hash (T='t*' for all of them).
check-sha256-fallback:
	@$(MAKE) --no-print-directory XPIN_SHA256=sodium build-sodium/xpin \
		build-sodium/unit/run
	@build-sodium/unit/run >build-sodium/unit.log; rc=$$?; \
		grep -v '^ok ' build-sodium/unit.log; \
		echo "unit: $$(grep -c '^ok ' build-sodium/unit.log) ok"; exit $$rc
	@XPIN=$(CURDIR)/build-sodium/xpin sh tests/run.sh '$(or $(T),t03*)'

unit: $(B)/unit/run
	$(B)/unit/run

# make fuzz: each tests/fuzz/fuzz_NAME.c is a libFuzzer target over the
# library, seeded with the files under vectors/NAME/, run FUZZ_RUNS times.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_RUNS ?= 1000000
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined

fuzz:
	@$(MAKE) --no-print-directory B=build-fuzz CC=clang \
		CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		$(LIB_SRC:src/%.c=build-fuzz/obj/%.o)
	@set -e; for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); name=$${n#fuzz_}; \
		clang $(XCFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -o build-fuzz/$$n \
			$$f $(LIB_SRC:src/%.c=build-fuzz/obj/%.o) $(PKG_LIBS); \
		mkdir -p build-fuzz/corpus-$$name; \
		if [ -d vectors/$$name ]; then find vectors/$$name -type f \
			-size -1024k -exec cp -f {} build-fuzz/corpus-$$name/ \; ; fi; \
		echo "$$n: $(FUZZ_RUNS) runs"; \
		build-fuzz/$$n -runs=$(FUZZ_RUNS) -max_len=65536 \
			build-fuzz/corpus-$$name 2>build-fuzz/$$n.log || \
			{ tail -30 build-fuzz/$$n.log; exit 1; }; \
		grep -E '^Done [0-9]+ runs' build-fuzz/$$n.log; \
	done

# make bench: every tests/bench/*.sh, each printing its own ratios.
bench: xpin
	@for b in tests/bench/*.sh; do [ -f "$$b" ] || continue; \
		XPIN=$(CURDIR)/xpin sh $$b || exit 1; done

# The README's main command: xpin on the bundled example.
demo: xpin
	@sh examples/demo.sh $(CURDIR)/xpin

deps:
	@code=$$(. /etc/os-release && echo "$$VERSION_CODENAME"); \
	case "$$code" in bookworm) extra="$(DEPS_bookworm)";; \
		trixie) extra="$(DEPS_trixie)";; \
		*) echo "deps: Debian '$$code' is not known; using trixie's names" >&2; \
		   extra="$(DEPS_trixie)";; esac; \
	missing=; for p in $(DEPS) $$extra; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all installed"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then \
		echo "deps: adding the dpkg architecture arm64 (musl and Rust's standard library for aarch64 come as arm64 packages)"; \
		$$sudo dpkg --add-architecture arm64 || exit 1; \
	fi; \
	$$sudo apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q \
		--no-install-recommends $$missing

# make ci: the README's two commands in fresh Debian 12 and 13 roots
# (tests/ci/roots.sh; as root). SUITES='trixie' runs one.
ci:
	@sh tests/ci/roots.sh $(SUITES)

install: xpin
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5
	install -m 0755 xpin $(DESTDIR)$(BINDIR)/xpin
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(if $(MAN5),install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/xpin
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)

clean:
	rm -rf build build-asan build-sodium build-fuzz xpin

-include $(wildcard build/obj/*.d build/unit/*.d build-asan/obj/*.d build-asan/unit/*.d \
	build-sodium/obj/*.d build-sodium/unit/*.d build-fuzz/obj/*.d)
