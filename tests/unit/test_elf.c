/*
 * The ELF reader on images built here byte by byte (field offsets and
 * constants from the System V gABI and the GNU extensions: e_phnum at 56,
 * PT_GNU_STACK 0x6474e551, DF_1_PIE 0x08000000, ...), so each expected
 * fact is set by construction; the policy and the JSON shape. Binaries
 * made by real compilers are checked against readelf and file by
 * tests/cli/t0400-elf-vectors.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "elf.h"
#include "unit.h"

#define IMG_SIZE 4096
#define BASE 0x400000u
/* Where the builder puts things. */
enum { O_INTERP = 0x200, O_DYN = 0x300, O_STR = 0x400, O_VERNEED = 0x500,
       O_NOTE = 0x600 };

struct img {
	unsigned char b[IMG_SIZE];
	bool is64, big;
	unsigned phnum;
};

static void put(struct img *m, size_t off, unsigned n, uint64_t v)
{
	unsigned i;

	for (i = 0; i < n; i++)
		m->b[off + (m->big ? n - 1 - i : i)] = (unsigned char)(v >> (8 * i));
}

static void img_init(struct img *m, bool is64, bool big, unsigned type,
		     unsigned machine)
{
	memset(m, 0, sizeof(*m));
	m->is64 = is64;
	m->big = big;
	memcpy(m->b, "\177ELF", 4);
	m->b[4] = is64 ? 2 : 1;
	m->b[5] = big ? 2 : 1;
	m->b[6] = 1;
	put(m, 16, 2, type);
	put(m, 18, 2, machine);
	put(m, 20, 4, 1);
	if (is64) {
		put(m, 24, 8, BASE + 0x100);
		put(m, 32, 8, 64);          /* e_phoff */
		put(m, 52, 2, 64);          /* e_ehsize */
		put(m, 54, 2, 56);          /* e_phentsize */
		put(m, 58, 2, 64);          /* e_shentsize */
	} else {
		put(m, 24, 4, BASE + 0x100);
		put(m, 28, 4, 52);
		put(m, 40, 2, 52);
		put(m, 42, 2, 32);
		put(m, 46, 2, 40);
	}
}

/* Append a program header (e_phnum grows). */
static void phdr(struct img *m, uint32_t type, uint32_t flags, uint64_t off,
		 uint64_t filesz)
{
	size_t at = m->is64 ? 64 + 56 * m->phnum : 52 + 32 * m->phnum;

	put(m, at, 4, type);
	if (m->is64) {
		put(m, at + 4, 4, flags);
		put(m, at + 8, 8, off);
		put(m, at + 16, 8, BASE + off);
		put(m, at + 24, 8, BASE + off);
		put(m, at + 32, 8, filesz);
		put(m, at + 40, 8, filesz);
		put(m, at + 48, 8, type == 1 ? 0x1000 : 8);
	} else {
		put(m, at + 4, 4, off);
		put(m, at + 8, 4, BASE + off);
		put(m, at + 12, 4, BASE + off);
		put(m, at + 16, 4, filesz);
		put(m, at + 20, 4, filesz);
		put(m, at + 24, 4, flags);
		put(m, at + 28, 4, type == 1 ? 0x1000 : 4);
	}
	m->phnum++;
	put(m, m->is64 ? 56 : 44, 2, m->phnum);
}

/* Dynamic entry i at O_DYN. */
static void dyn(struct img *m, unsigned i, uint64_t tag, uint64_t val)
{
	unsigned w = m->is64 ? 8 : 4;

	put(m, O_DYN + 2 * w * i, w, tag);
	put(m, O_DYN + 2 * w * i + w, w, val);
}

static int read_img(struct elf_facts *f, const struct img *m, size_t len,
		    struct xerr *err)
{
	/* An exact-size heap copy, so the sanitizer sees any overread. */
	unsigned char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, m->b, len);
	rc = elf_read(f, copy, len, err);
	free(copy);
	return rc;
}

/* The dynamic string table used below: offsets are fixed. */
static const char dynstr[] = "\0libc.so.6\0libfoo.so.1\0GLIBC_2.3.4\0"
			     "GLIBC_2.17\0GLIBC_PRIVATE\0GLIBCXX_3.4.30\0"
			     "/opt/lib\0";
enum { S_LIBC = 1, S_FOO = 11, S_G234 = 23, S_G217 = 35, S_PRIV = 46,
       S_CXX = 60, S_OPT = 75 };

/* A 64-bit little-endian dynamic PIE: interpreter, two DT_NEEDED, a
 * runpath, version needs reached only through DT_VERNEED. */
static void build_dynamic(struct img *m)
{
	img_init(m, true, false, 3, 62);
	phdr(m, 6, 4, 64, 56 * 5);                      /* PT_PHDR */
	phdr(m, 3, 4, O_INTERP, 28);                    /* PT_INTERP */
	phdr(m, 1, 5, 0, IMG_SIZE);                     /* PT_LOAD */
	phdr(m, 2, 6, O_DYN, 16 * 10);                  /* PT_DYNAMIC */
	phdr(m, 0x6474e551u, 6, 0, 0);                  /* PT_GNU_STACK RW */
	memcpy(m->b + O_INTERP, "/lib64/ld-linux-x86-64.so.2", 28);
	memcpy(m->b + O_STR, dynstr, sizeof(dynstr));
	dyn(m, 0, 1, S_LIBC);                           /* DT_NEEDED */
	dyn(m, 1, 1, S_FOO);
	dyn(m, 2, 5, BASE + O_STR);                     /* DT_STRTAB */
	dyn(m, 3, 10, sizeof(dynstr));                  /* DT_STRSZ */
	dyn(m, 4, 29, S_OPT);                           /* DT_RUNPATH */
	dyn(m, 5, 0x6ffffffbu, 0x08000000u);            /* DT_FLAGS_1 PIE */
	dyn(m, 6, 0x6ffffffeu, BASE + O_VERNEED);       /* DT_VERNEED */
	dyn(m, 7, 0x6fffffffu, 2);                      /* DT_VERNEEDNUM */
	dyn(m, 8, 0, 0);
	/* Verneed libc.so.6: GLIBC_2.3.4, GLIBC_2.17, GLIBC_PRIVATE. */
	put(m, O_VERNEED + 0, 2, 1);
	put(m, O_VERNEED + 2, 2, 3);
	put(m, O_VERNEED + 4, 4, S_LIBC);
	put(m, O_VERNEED + 8, 4, 16);
	put(m, O_VERNEED + 12, 4, 64);
	put(m, O_VERNEED + 16 + 8, 4, S_G234);
	put(m, O_VERNEED + 16 + 12, 4, 16);
	put(m, O_VERNEED + 32 + 8, 4, S_G217);
	put(m, O_VERNEED + 32 + 12, 4, 16);
	put(m, O_VERNEED + 48 + 8, 4, S_PRIV);
	put(m, O_VERNEED + 48 + 12, 4, 0);
	/* Verneed libfoo.so.1: GLIBCXX_3.4.30 (not glibc). */
	put(m, O_VERNEED + 64 + 0, 2, 1);
	put(m, O_VERNEED + 64 + 2, 2, 1);
	put(m, O_VERNEED + 64 + 4, 4, S_FOO);
	put(m, O_VERNEED + 64 + 8, 4, 16);
	put(m, O_VERNEED + 64 + 12, 4, 0);
	put(m, O_VERNEED + 80 + 8, 4, S_CXX);
	/* An 8-byte aligned PT_NOTE: a 5-byte name (so the descriptor starts
	 * at 24, 12 + 5 rounded up), then the GNU build-id note at 32. */
	phdr(m, 4, 4, O_NOTE, 32 + 16 + 8);
	put(m, O_NOTE, 4, 5);
	put(m, O_NOTE + 4, 4, 4);
	put(m, O_NOTE + 8, 4, 1);
	memcpy(m->b + O_NOTE + 12, "abcd", 5);
	put(m, O_NOTE + 32, 4, 4);
	put(m, O_NOTE + 32 + 4, 4, 8);
	put(m, O_NOTE + 32 + 8, 4, 3);
	memcpy(m->b + O_NOTE + 32 + 12, "GNU", 4);
	memcpy(m->b + O_NOTE + 32 + 16, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
}

void test_elf__dynamic_through_program_headers(void)
{
	struct img m;
	struct elf_facts f;
	struct xerr err = XERR_INIT;

	build_dynamic(&m);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_ASSERT(err.msg[0] == '\0');
	T_INTEQ(f.elfclass, 64);
	T_ASSERT(!f.big_endian);
	T_INTEQ(f.type, 3);
	T_INTEQ(f.machine, 62);
	T_INTEQ(f.entry, BASE + 0x100);
	T_STREQ(f.interpreter, "/lib64/ld-linux-x86-64.so.2");
	T_INTEQ(f.nneeded, 2);
	if (f.nneeded == 2) {
		T_STREQ(f.needed[0], "libc.so.6");
		T_STREQ(f.needed[1], "libfoo.so.1");
	}
	T_STREQ(f.runpath, "/opt/lib");
	T_ASSERT(f.rpath == NULL && f.soname == NULL);
	T_STREQ(f.glibc, "2.17");
	T_STREQ(f.build_id, "0123456789abcdef");
	T_INTEQ(f.linkage, ELF_LINK_DYNAMIC);
	T_ASSERT(f.pie);
	T_ASSERT(!f.has_sections && f.stripped && !f.debug_info);
	T_INTEQ(f.execstack, 0);
	elf_facts_release(&f);
}

void test_elf__linkage_rules(void)
{
	struct img m;
	struct elf_facts f;
	struct xerr err = XERR_INIT;

	/* ET_DYN, DF_1_PIE, no PT_INTERP, no DT_NEEDED: static-pie. */
	build_dynamic(&m);
	put(&m, 64 + 56 * 1, 4, 0);                     /* PT_INTERP -> PT_NULL */
	dyn(&m, 0, 0x15, 0);                            /* DT_NEEDED -> DT_DEBUG */
	dyn(&m, 1, 0x15, 0);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_INTEQ(f.linkage, ELF_LINK_STATIC_PIE);
	T_ASSERT(f.interpreter == NULL && f.nneeded == 0 && f.pie);
	elf_facts_release(&f);

	/* The same without DF_1_PIE: a shared object. */
	dyn(&m, 5, 0x15, 0);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_INTEQ(f.linkage, ELF_LINK_SHARED);
	T_ASSERT(!f.pie);
	elf_facts_release(&f);

	/* A PT_INTERP without DF_1_PIE: a library that runs (libc.so.6). */
	build_dynamic(&m);
	dyn(&m, 5, 0x15, 0);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_INTEQ(f.linkage, ELF_LINK_SHARED);
	T_ASSERT(!f.pie && f.interpreter != NULL);
	elf_facts_release(&f);

	/* DF_1_PIE with DT_NEEDED but no interpreter: dynamic. */
	build_dynamic(&m);
	put(&m, 64 + 56 * 1, 4, 0);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_INTEQ(f.linkage, ELF_LINK_DYNAMIC);
	elf_facts_release(&f);

	/* ET_EXEC with one PT_LOAD only: static; RWE stack. */
	img_init(&m, true, false, 2, 183);
	phdr(&m, 1, 5, 0, 0x800);
	phdr(&m, 0x6474e551u, 7, 0, 0);
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.linkage, ELF_LINK_STATIC);
	T_INTEQ(f.execstack, 1);
	T_ASSERT(f.glibc == NULL && f.interpreter == NULL);
	elf_facts_release(&f);

	/* ET_REL: no program headers, no linkage, stack unknown. */
	img_init(&m, true, false, 1, 62);
	T_INTEQ(read_img(&f, &m, 64, &err), 0);
	T_INTEQ(f.linkage, ELF_LINK_NONE);
	T_INTEQ(f.execstack, -1);
	T_ASSERT(elf_linkage_name(f.linkage) == NULL);
	elf_facts_release(&f);
}

/* 32-bit big-endian: every multi-byte field read the other way round. */
void test_elf__big_endian_32(void)
{
	struct img m;
	struct elf_facts f;
	struct xerr err = XERR_INIT;
	char t[16];

	img_init(&m, false, true, 2, 8);                /* EM_MIPS */
	phdr(&m, 3, 4, O_INTERP, 13);
	phdr(&m, 1, 5, 0, 0x800);
	memcpy(m.b + O_INTERP, "/lib/ld.so.1", 13);
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.elfclass, 32);
	T_ASSERT(f.big_endian);
	T_INTEQ(f.entry, BASE + 0x100);
	T_STREQ(f.interpreter, "/lib/ld.so.1");
	T_STREQ(elf_machine_name(f.machine, f.elfclass, f.big_endian, t), "mips");
	T_INTEQ(f.linkage, ELF_LINK_DYNAMIC);
	elf_facts_release(&f);
}

/* PN_XNUM: the program header count comes from section 0's sh_info. Core
 * files use it; Linux loads no executable that does. */
void test_elf__extended_numbering(void)
{
	struct img m;
	struct elf_facts f;
	struct xerr err = XERR_INIT;

	img_init(&m, true, false, 4, 62);
	phdr(&m, 1, 5, 0, 0x800);
	phdr(&m, 0x6474e551u, 7, 0, 0);
	put(&m, 56, 2, 0xffff);                         /* e_phnum = PN_XNUM */
	put(&m, 40, 8, 0x800);                          /* e_shoff */
	put(&m, 60, 2, 0);                              /* e_shnum: in sh_size */
	put(&m, 0x800 + 32, 8, 1);                      /* section 0 sh_size */
	put(&m, 0x800 + 44, 4, 2);                      /* section 0 sh_info */
	T_INTEQ(read_img(&f, &m, 0x840, &err), 0);
	T_ASSERT(err.msg[0] == '\0');
	T_INTEQ(f.execstack, 1);
	T_ASSERT(f.has_sections && f.stripped);
	elf_facts_release(&f);

	put(&m, 16, 2, 2);                              /* ET_EXEC */
	T_INTEQ(read_img(&f, &m, 0x840, &err), -1);
	T_ASSERT(strstr(err.msg, "Linux refuses") != NULL);
	put(&m, 16, 2, 4);

	put(&m, 0x800 + 44, 4, 0x7fffffff);
	T_INTEQ(read_img(&f, &m, 0x840, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "program header table") != NULL);
}

/* Every strict prefix of a valid image is refused, and never overread. */
void test_elf__every_truncation(void)
{
	struct img m;
	struct elf_facts f;
	size_t len;
	int bad_ok = 0;

	build_dynamic(&m);
	for (len = 0; len < IMG_SIZE; len++) {
		struct xerr err = XERR_INIT;

		if (read_img(&f, &m, len, &err) == 0) {
			elf_facts_release(&f);
			continue;
		}
		bad_ok += err.code == XPIN_USAGE && err.msg[0] &&
			  !strchr(err.msg, '\n');
	}
	/* Only the PT_LOAD covers the end: anything shorter is refused. */
	T_INTEQ(bad_ok, IMG_SIZE);
}

/* Single-byte changes across the headers and tables: either facts or a
 * one-line error, never a crash (the sanitizer build checks reads). */
void test_elf__byte_mutations(void)
{
	static const unsigned char vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	struct img m, mm;
	size_t off, v, errors = 0, oks = 0;

	build_dynamic(&m);
	for (off = 0; off < O_NOTE + 64; off++) {
		for (v = 0; v < sizeof(vals); v++) {
			struct elf_facts f;
			struct xerr err = XERR_INIT;

			mm = m;
			mm.b[off] = vals[v];
			if (read_img(&f, &mm, IMG_SIZE, &err) == 0) {
				oks++;
				elf_facts_release(&f);
			} else {
				errors += err.msg[0] != '\0' &&
					  err.code == XPIN_USAGE;
				if (!err.msg[0])
					T_ASSERT(!"error without a message");
			}
		}
	}
	T_ASSERT(oks > 0 && errors > 0);
}

void test_elf__malformed_tables(void)
{
	struct img m;
	struct elf_facts f;
	struct xerr err = XERR_INIT;

	/* Program headers starting inside the ELF header. */
	build_dynamic(&m);
	put(&m, 32, 8, 16);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "overlaps the ELF header") != NULL);

	/* A section header table on top of the program headers. */
	build_dynamic(&m);
	put(&m, 40, 8, 64);
	put(&m, 60, 2, 2);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "overlaps the program header table") != NULL);

	/* A count whose table would wrap around 64 bits. */
	build_dynamic(&m);
	put(&m, 32, 8, UINT64_MAX - 8);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "past the end") != NULL);

	/* A segment whose offset + size wraps. */
	build_dynamic(&m);
	put(&m, 64 + 56 * 3 + 8, 8, UINT64_MAX - 4);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "PT_DYNAMIC") != NULL);

	/* An interpreter without its NUL. */
	build_dynamic(&m);
	put(&m, 64 + 56 + 32, 8, 27);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "PT_INTERP") != NULL);

	/* A version name beyond DT_STRSZ. */
	build_dynamic(&m);
	put(&m, O_VERNEED + 16 + 8, 4, 5000);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "version name") != NULL);

	/* DT_STRTAB pointing nowhere. */
	build_dynamic(&m);
	dyn(&m, 2, 5, 0x10);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "DT_STRTAB") != NULL);

	/* Program header entries smaller than the structure. */
	build_dynamic(&m);
	put(&m, 54, 2, 40);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), -1);
	T_ASSERT(strstr(err.msg, "program header size") != NULL);

	/* Not ELF; ELF magic then nothing. */
	T_INTEQ(elf_read(&f, (const unsigned char *)"\x7f" "ELG", 4, &err), -1);
	T_ASSERT(strstr(err.msg, "not an ELF file") != NULL);
	T_INTEQ(elf_read(&f, (const unsigned char *)"\x7f" "EL", 3, &err), -1);
	T_ASSERT(strstr(err.msg, "truncated ELF header") != NULL);
}

void test_elf__target_parse(void)
{
	struct elf_target t;
	struct xerr err = XERR_INIT;

	T_INTEQ(elf_target_parse(&t, "x86_64-unknown-linux-musl", &err), 0);
	T_INTEQ(t.machine, 62);
	T_INTEQ(t.elfclass, 64);
	T_ASSERT(!t.big_endian && t.musl && !t.gnu);
	T_STREQ(t.arch, "x86_64");
	T_INTEQ(elf_target_parse(&t, "aarch64-linux", &err), 0);
	T_INTEQ(t.machine, 183);
	T_ASSERT(!t.musl && !t.gnu);
	T_INTEQ(elf_target_parse(&t, "armv7-unknown-linux-gnueabihf", &err), 0);
	T_INTEQ(t.machine, 40);
	T_INTEQ(t.elfclass, 32);
	T_ASSERT(t.gnu);
	T_INTEQ(elf_target_parse(&t, "s390x-unknown-linux-gnu", &err), 0);
	T_ASSERT(t.big_endian);
	T_STREQ(t.arch, "s390x");
	T_INTEQ(elf_target_parse(&t, "powerpc64le-unknown-linux-gnu", &err), 0);
	T_INTEQ(t.machine, 21);
	T_ASSERT(!t.big_endian);
	T_STREQ(t.arch, "powerpc64le");
	T_INTEQ(elf_target_parse(&t, "mips-unknown-linux-musl", &err), 0);
	T_ASSERT(t.big_endian && t.elfclass == 32 && t.musl);
	T_INTEQ(elf_target_parse(&t, "riscv64gc-unknown-linux-gnu", &err), 0);
	T_STREQ(t.arch, "riscv64");
	T_INTEQ(elf_target_parse(&t, "x86_64-unknown-linux-gnux32", &err), 0);
	T_INTEQ(t.elfclass, 32);
	T_INTEQ(elf_target_parse(&t, "i686-unknown-linux-gnu", &err), 0);
	T_STREQ(t.arch, "i386");
	T_INTEQ(elf_target_parse(&t, "vax-dec-ultrix", &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "'vax'") != NULL);
	T_INTEQ(elf_target_parse(&t, "x86_64", &err), -1);
	T_INTEQ(elf_target_parse(&t, "arm64x-linux", &err), -1);
	T_INTEQ(elf_target_parse(&t, "arm64-apple-darwin", &err), 0);
	T_INTEQ(t.machine, 183);
}

void test_elf__glibc_versions(void)
{
	T_ASSERT(elf_glibc_version_valid("2.17"));
	T_ASSERT(elf_glibc_version_valid("2.2.5"));
	T_ASSERT(!elf_glibc_version_valid("2"));
	T_ASSERT(!elf_glibc_version_valid("2."));
	T_ASSERT(!elf_glibc_version_valid("PRIVATE"));
	T_ASSERT(!elf_glibc_version_valid("2.17a"));
	T_ASSERT(!elf_glibc_version_valid(""));
	T_ASSERT(elf_glibc_version_cmp("2.2.5", "2.17") < 0);
	T_ASSERT(elf_glibc_version_cmp("2.34", "2.17") > 0);
	T_ASSERT(elf_glibc_version_cmp("2.17", "2.17") == 0);
	T_ASSERT(elf_glibc_version_cmp("2.17", "2.17.1") < 0);
}

static bool has_code(const struct elf_warnings *w, const char *code)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].code, code))
			return true;
	return false;
}

void test_elf__policy(void)
{
	struct elf_facts f = ELF_FACTS_INIT;
	struct elf_warnings w = ELF_WARNINGS_INIT;
	struct elf_policy p = ELF_POLICY_INIT;
	struct elf_target t;
	struct xerr err = XERR_INIT;
	char interp[] = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-glibc-2.37/lib/ld-linux-x86-64.so.2";
	char rpath[] = "$ORIGIN:/nix/store/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-zlib/lib";
	char glibc[] = "2.34";

	f.elfclass = 64;
	f.machine = 62;
	f.type = 3;
	f.linkage = ELF_LINK_DYNAMIC;
	f.interpreter = interp;
	f.rpath = rpath;
	f.glibc = glibc;
	f.execstack = 1;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_ASSERT(has_code(&w, "nix-store-interpreter"));
	T_ASSERT(has_code(&w, "nix-store-rpath"));
	T_ASSERT(!has_code(&w, "nix-store-runpath"));
	T_ASSERT(has_code(&w, "execstack"));
	T_ASSERT(w.n == 3);
	T_ASSERT(strstr(w.v[0].message, "will not run on an ordinary distribution") != NULL);
	T_ASSERT(strstr(w.v[0].message, "patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2") != NULL);
	elf_warnings_release(&w);

	T_INTEQ(elf_target_parse(&t, "aarch64-unknown-linux-musl", &err), 0);
	p.target = &t;
	p.glibc_max = "2.17";
	p.allow_nix_store = true;
	p.allow_execstack = true;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_ASSERT(has_code(&w, "target-machine"));
	T_ASSERT(!has_code(&w, "target-class"));
	T_ASSERT(!has_code(&w, "target-endian"));
	T_ASSERT(has_code(&w, "musl-dynamic"));
	T_ASSERT(has_code(&w, "target-libc"));
	T_ASSERT(has_code(&w, "glibc-too-new"));
	T_ASSERT(!has_code(&w, "execstack"));
	T_ASSERT(!has_code(&w, "nix-store-interpreter"));
	elf_warnings_release(&w);

	/* A static binary that matches its target raises nothing. */
	f.interpreter = f.rpath = f.glibc = NULL;
	f.linkage = ELF_LINK_STATIC;
	f.machine = 183;
	f.execstack = 0;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_INTEQ(w.n, 0);
	elf_warnings_release(&w);

	/* Big-endian 32-bit against a little-endian 64-bit triple. */
	f.big_endian = true;
	f.elfclass = 32;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_ASSERT(has_code(&w, "target-class") && has_code(&w, "target-endian"));
	elf_warnings_release(&w);
}

/* The linkage the policy expects: last, after every other warning; a
 * shared object passes; no list accepts anything. */
void test_elf__policy_linkage(void)
{
	static const char *const one[] = { "static" };
	static const char *const two[] = { "static", "static-pie" };
	struct elf_facts f = ELF_FACTS_INIT;
	struct elf_warnings w = ELF_WARNINGS_INIT;
	struct elf_policy p = ELF_POLICY_INIT;
	struct xerr err = XERR_INIT;

	f.elfclass = 64;
	f.machine = 62;
	f.type = 3;
	f.linkage = ELF_LINK_DYNAMIC;
	f.execstack = 1;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_ASSERT(!has_code(&w, "linkage"));
	elf_warnings_release(&w);

	p.linkage = one;
	p.nlinkage = 1;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_INTEQ(w.n, 2);
	if (w.n == 2) {
		T_STREQ(w.v[0].code, "execstack");
		T_STREQ(w.v[1].code, "linkage");
		T_STREQ(w.v[1].message,
			"linkage is dynamic, but the target expects static");
	}
	elf_warnings_release(&w);

	p.linkage = two;
	p.nlinkage = 2;
	f.linkage = ELF_LINK_NONE;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_ASSERT(w.n == 2 && !strcmp(w.v[1].message,
		 "linkage is none, but the target expects static (or another listed)"));
	elf_warnings_release(&w);

	f.linkage = ELF_LINK_STATIC_PIE;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_ASSERT(!has_code(&w, "linkage"));
	elf_warnings_release(&w);

	f.linkage = ELF_LINK_SHARED;
	p.nlinkage = 1;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_ASSERT(!has_code(&w, "linkage"));
	elf_warnings_release(&w);
}

void test_elf__json_shape(void)
{
	static const char *const keys[] = {
		"path", "class", "endian", "osabi", "type", "machine", "entry",
		"linkage", "interpreter", "needed", "soname", "rpath",
		"runpath", "build_id", "stripped", "debug_info", "glibc",
		"execstack", "warnings", "libc", "libc_evidence",
	};
	struct img m;
	struct elf_facts f;
	struct elf_warnings w = ELF_WARNINGS_INIT;
	struct elf_policy p = ELF_POLICY_INIT;
	struct xerr err = XERR_INIT;
	json_t *o, *x;
	size_t i;

	build_dynamic(&m);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	o = elf_json("a.out", &f, &w);
	T_ASSERT(o != NULL);
	if (!o)
		return;
	T_INTEQ(json_object_size(o), sizeof(keys) / sizeof(keys[0]));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		T_ASSERT(json_object_get(o, keys[i]) != NULL);
	T_STREQ(json_string_value(json_object_get(o, "entry")), "0x400100");
	T_STREQ(json_string_value(json_object_get(o, "machine")), "x86_64");
	T_STREQ(json_string_value(json_object_get(o, "linkage")), "dynamic");
	T_STREQ(json_string_value(json_object_get(o, "glibc")), "2.17");
	T_INTEQ(json_integer_value(json_object_get(o, "class")), 64);
	T_ASSERT(json_is_null(json_object_get(o, "soname")));
	T_ASSERT(json_is_false(json_object_get(o, "execstack")));
	x = json_object_get(o, "needed");
	T_ASSERT(json_is_array(x) && json_array_size(x) == 2);
	x = json_object_get(o, "warnings");
	T_ASSERT(json_is_array(x) && json_array_size(x) == 0);
	json_decref(o);
	elf_facts_release(&f);

	/* Invalid UTF-8 from a hostile file still gives a string. */
	build_dynamic(&m);
	m.b[O_INTERP + 1] = 0xff;
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	o = elf_json(NULL, &f, NULL);
	T_ASSERT(o != NULL);
	if (o) {
		T_STREQ(json_string_value(json_object_get(o, "interpreter")),
			"/?ib64/ld-linux-x86-64.so.2");
		T_ASSERT(json_is_null(json_object_get(o, "path")));
	}
	json_decref(o);
	elf_facts_release(&f);
	elf_warnings_release(&w);
}

/* What Linux's load_elf_binary refuses is malformed for EXEC and DYN
 * files: a program header entry of another size, no program headers, a
 * PT_LOAD with more file than memory bytes or an offset and address that
 * differ within a page, a PT_INTERP that does not end with its NUL. */
void test_elf__kernel_refusals(void)
{
	struct img m;
	struct elf_facts f;
	struct xerr err = XERR_INIT;

	img_init(&m, true, false, 2, 62);
	phdr(&m, 1, 5, 0, 0x800);
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	elf_facts_release(&f);

	put(&m, 54, 2, 64);                             /* e_phentsize */
	T_INTEQ(read_img(&f, &m, 0x800, &err), -1);
	T_ASSERT(strstr(err.msg, "program header size 64 is not 56") != NULL);
	put(&m, 16, 2, 1);                              /* ET_REL: read */
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	elf_facts_release(&f);
	put(&m, 16, 2, 2);
	put(&m, 54, 2, 56);

	put(&m, 64 + 40, 8, 0x10);                      /* p_memsz */
	T_INTEQ(read_img(&f, &m, 0x800, &err), -1);
	T_ASSERT(strstr(err.msg, "only 16 in memory") != NULL);
	put(&m, 64 + 40, 8, 0x800);

	put(&m, 64 + 16, 8, BASE + 0x10);               /* p_vaddr */
	T_INTEQ(read_img(&f, &m, 0x800, &err), -1);
	T_ASSERT(strstr(err.msg, "differ within a page") != NULL);

	put(&m, 64 + 16, 8, UINT64_MAX - 0xfff);
	put(&m, 64 + 40, 8, 0x2000);
	T_INTEQ(read_img(&f, &m, 0x800, &err), -1);
	T_ASSERT(strstr(err.msg, "past the address space") != NULL);

	img_init(&m, true, false, 3, 62);
	phdr(&m, 3, 4, O_INTERP, 8);
	phdr(&m, 1, 5, 0, 0x800);
	memcpy(m.b + O_INTERP, "/lib/x\0y", 8);
	T_INTEQ(read_img(&f, &m, 0x800, &err), -1);
	T_ASSERT(strstr(err.msg, "does not end with a NUL") != NULL);
	memcpy(m.b + O_INTERP, "/lib/xy", 8);
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_STREQ(f.interpreter, "/lib/xy");
	elf_facts_release(&f);

	img_init(&m, true, false, 2, 62);               /* no phdrs */
	T_INTEQ(read_img(&f, &m, 0x800, &err), -1);
	T_ASSERT(strstr(err.msg, "without program headers") != NULL);
}

/* The libc rules on images built here: interpreter and DT_NEEDED names,
 * the GNU ABI tag note, musl's _start at the entry point, a Go note, no
 * .init at all. */
void test_elf__libc_rules(void)
{
	static const unsigned char musl_x86[] = {
		0x48, 0x31, 0xed, 0x48, 0x89, 0xe7, 0x48, 0x8d, 0x35, 0, 0, 0,
		0, 0x48, 0x83, 0xe4, 0xf0, 0xe8, 3, 0, 0, 0 };
	static const unsigned char musl_a64[] = {
		0x1d, 0x00, 0x80, 0xd2, 0x1e, 0x00, 0x80, 0xd2, 0xe0, 0x03,
		0x00, 0x91, 0x01, 0x00, 0x00, 0x90, 0x21, 0x00, 0x00, 0x91,
		0x1f, 0xec, 0x7c, 0x92, 0x02, 0x00, 0x00, 0x14 };
	struct img m;
	struct elf_facts f;
	struct elf_warnings w = ELF_WARNINGS_INIT;
	struct elf_policy p = ELF_POLICY_INIT;
	struct elf_target t;
	struct xerr err = XERR_INIT;
	const char *const musl_only[] = { "musl" };

	build_dynamic(&m);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_GLIBC);
	T_STREQ(f.libc_evidence, "interpreter /lib64/ld-linux-x86-64.so.2");
	elf_facts_release(&f);
	memcpy(m.b + O_INTERP, "/lib/ld-musl-x86_64.so.1\0\0\0", 28);
	T_INTEQ(read_img(&f, &m, IMG_SIZE, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_MUSL);
	elf_facts_release(&f);

	/* Static: a note segment with the GNU ABI tag. */
	img_init(&m, true, false, 2, 62);
	phdr(&m, 1, 5, 0, 0x800);
	phdr(&m, 4, 4, O_NOTE, 32);
	put(&m, O_NOTE, 4, 4);
	put(&m, O_NOTE + 4, 4, 16);
	put(&m, O_NOTE + 8, 4, 1);                      /* NT_GNU_ABI_TAG */
	memcpy(m.b + O_NOTE + 12, "GNU", 4);
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_GLIBC);
	T_STREQ(f.libc_evidence, "note .note.ABI-tag (GNU)");
	elf_facts_release(&f);
	/* Go's build-id note instead: no libc. */
	put(&m, O_NOTE + 8, 4, 4);
	memcpy(m.b + O_NOTE + 12, "Go\0\0", 4);
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_NONE);
	elf_facts_release(&f);

	/* musl's _start at the entry point, on both machines. */
	img_init(&m, true, false, 2, 62);
	phdr(&m, 1, 5, 0, 0x800);
	memcpy(m.b + 0x100, musl_x86, sizeof(musl_x86));
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_MUSL);
	T_INTEQ(elf_target_parse(&t, "x86_64-unknown-linux-gnu", &err), 0);
	p.target = &t;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_INTEQ(w.n, 1);
	if (w.n == 1) {
		T_STREQ(w.v[0].code, "target-libc");
		T_ASSERT(strstr(w.v[0].message, "is glibc but the binary is musl") != NULL);
	}
	elf_warnings_release(&w);
	/* An explicit list replaces the triple's rule. */
	p.libc = musl_only;
	p.nlibc = 1;
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_INTEQ(w.n, 0);
	elf_warnings_release(&w);
	elf_facts_release(&f);
	m.b[0x100] = 0x90;
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_UNKNOWN);
	T_ASSERT(f.libc_evidence == NULL);
	T_INTEQ(elf_check(&w, &f, &p, &err), 0);
	T_INTEQ(w.n, 1);
	if (w.n == 1)
		T_STREQ(w.v[0].code, "libc");
	elf_warnings_release(&w);
	elf_facts_release(&f);

	img_init(&m, true, false, 2, 183);
	phdr(&m, 1, 5, 0, 0x800);
	memcpy(m.b + 0x100, musl_a64, sizeof(musl_a64));
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_MUSL);
	elf_facts_release(&f);
	m.b[0x100] = 0;
	T_INTEQ(read_img(&f, &m, 0x800, &err), 0);
	T_INTEQ(f.libc, ELF_LIBC_UNKNOWN);
	elf_facts_release(&f);
}
