/*
 * elf: a bounded ELF reader and the portability policy.
 *
 * elf_read() takes the facts of an ELF image held in memory. It is fed
 * untrusted files, so every offset, size and count is checked against the
 * buffer with overflow-safe arithmetic before it is used; a malformed file
 * is an error (XPIN_USAGE, one line), never a read out of bounds or a
 * partial answer. No libelf and no <elf.h>: it builds on any host.
 *
 * elf_check() turns facts into portability warnings (a /nix/store
 * interpreter, a target triple the binary contradicts, ...), and
 * elf_json() gives the one JSON object that `xpin elf --json` prints and
 * the manifest stores, so the two can never disagree.
 *
 * Ownership: struct elf_facts owns its strings (elf_facts_release);
 * struct elf_warnings owns its messages (elf_warnings_release); the caller
 * owns the json_t elf_json returns (json_decref).
 */
#ifndef XPIN_ELF_H
#define XPIN_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jtext.h"
#include "util.h"

/* Largest file elf_read_file reads. */
#define ELF_MAX_FILE ((size_t)(SIZE_MAX > 0xffffffffu ? 0x100000000ull : 0x7fffffffu))

enum elf_linkage {
	ELF_LINK_NONE = 0,   /* relocatable objects, core files */
	ELF_LINK_STATIC,     /* ET_EXEC: no PT_INTERP, no PT_DYNAMIC */
	ELF_LINK_STATIC_PIE, /* ET_DYN, DF_1_PIE, no PT_INTERP, no DT_NEEDED */
	ELF_LINK_DYNAMIC,    /* an executable with PT_INTERP or DT_NEEDED */
	ELF_LINK_SHARED,     /* a library: ET_DYN without DF_1_PIE */
};

/* The C library a binary was built against (xpin-elf(1), "LIBC"). */
enum elf_libc {
	ELF_LIBC_UNKNOWN = 0, /* no rule decided, or not an EXEC/DYN file */
	ELF_LIBC_GLIBC,
	ELF_LIBC_MUSL,
	ELF_LIBC_NONE,        /* freestanding, or a Go-style static binary */
};

struct elf_facts {
	int elfclass;           /* 32 or 64 */
	bool big_endian;
	unsigned osabi;         /* EI_OSABI */
	unsigned type;          /* e_type: 1 REL, 2 EXEC, 3 DYN, 4 CORE */
	unsigned machine;       /* e_machine */
	uint64_t entry;
	enum elf_linkage linkage;
	bool pie;               /* ET_DYN with DF_1_PIE: a PIE executable */
	char *interpreter;      /* PT_INTERP, or NULL */
	char **needed;          /* DT_NEEDED, in file order */
	size_t nneeded;
	char *soname;           /* DT_SONAME, DT_RPATH, DT_RUNPATH or NULL */
	char *rpath;
	char *runpath;
	char *build_id;         /* NT_GNU_BUILD_ID in lowercase hex, or NULL */
	bool has_sections;      /* a section header table is present */
	bool stripped;          /* no SHT_SYMTAB section */
	bool debug_info;        /* a .debug_info or .zdebug_info section */
	char *glibc;            /* highest GLIBC_x.y needed ("2.34"), or NULL */
	int execstack;          /* 1 PT_GNU_STACK has PF_X, 0 not, -1 no phdrs */
	enum elf_libc libc;
	char *libc_evidence;    /* what decided libc ("interpreter ..."), or
				 * NULL when unknown */
};
#define ELF_FACTS_INIT { 0 }

/*
 * Read the facts of the ELF image data[0..len) into out (which it
 * overwrites). Returns 0, or -1 with err filled (XPIN_USAGE) and out
 * released. Never reads outside the buffer.
 */
int elf_read(struct elf_facts *out, const unsigned char *data, size_t len,
	     struct xerr *err);
/* The same for a file of at most ELF_MAX_FILE bytes, read as it is
 * parsed through a few small windows (image.h), never mapped, so memory
 * does not grow with the file; errors name the file. */
int elf_read_file(struct elf_facts *out, const char *path, struct xerr *err);
/* The same for the regular file open on fd (the caller keeps fd, which
 * is read with pread); errors name name. */
int elf_read_fd(struct elf_facts *out, int fd, const char *name,
		struct xerr *err);
/* The same for a file's bytes already read whole: what elf_read_fd
 * says of that file, errors naming name. */
int elf_read_bytes(struct elf_facts *out, const unsigned char *data,
		   size_t len, const char *name, struct xerr *err);
void elf_facts_release(struct elf_facts *f);

/* One entry of a section header table, as elf_list_sections gives it. */
struct elf_section {
	char *name;             /* from the name table; NULL when unnamed */
	uint32_t name_index;    /* sh_name */
	uint32_t type;          /* sh_type */
	uint64_t flags;         /* sh_flags */
	uint64_t offset, size;  /* sh_offset, sh_size */
	bool in_file;           /* holds file bytes (not SHT_NULL or
				 * SHT_NOBITS) that lie within the file */
};

/* Where an ELF file's header and tables lie, and its sections. */
struct elf_sections {
	bool big_endian;
	uint64_t ehsize;        /* the ELF header is [0, ehsize) */
	uint64_t phoff, phsize; /* the program header table; phsize 0: none */
	uint64_t shoff, shsize; /* the section header table */
	struct elf_section *v;  /* every entry, section 0 included */
	size_t n;
};
#define ELF_SECTIONS_INIT { false, 0, 0, 0, 0, 0, NULL, 0 }

struct image;

/*
 * The section header table of im, for comparing two files section by
 * section (diff). Listed when the ELF header is sound (as elf_read reads
 * it) and both tables lie in the file, the section table with entries of
 * the standard size; counts past 16 bits come from section 0. What the
 * entries point at is not judged: a section past the end of the file is
 * listed with in_file false, a name the table cannot give is NULL. 1 when
 * listed, 0 when not (err says why), -1 when out of memory (err).
 */
int elf_list_sections(struct elf_sections *out, struct image *im,
		      struct xerr *err);
void elf_sections_release(struct elf_sections *s);

/*
 * Names as target triples spell them: "x86_64", "aarch64", "arm",
 * "s390x", "powerpc64le", ... or the decimal e_machine when unknown (in
 * tmp). Likewise the OS/ABI ("sysv", "gnu", "freebsd", ...), the type
 * ("EXEC", "DYN", "REL", "CORE") and the linkage ("dynamic", "static",
 * "static-pie", "shared-object"; NULL for none).
 */
const char *elf_machine_name(unsigned machine, int elfclass, bool big_endian,
			     char tmp[16]);
const char *elf_osabi_name(unsigned osabi, char tmp[16]);
const char *elf_type_name(unsigned type, char tmp[16]);
const char *elf_linkage_name(enum elf_linkage l);
/* "glibc", "musl", "none" or "unknown". */
const char *elf_libc_name(enum elf_libc l);
/* The libc named s (as elf_libc_name spells it); false when s names none. */
bool elf_libc_parse(enum elf_libc *out, const char *s);
/* A file(1)-like one-line description, appended to out. */
int elf_describe(struct buf *out, const struct elf_facts *f);

/* What a target triple (x86_64-unknown-linux-musl, aarch64-linux, ...)
 * says a binary must be. */
struct elf_target {
	char triple[128];
	char arch[16];          /* as elf_machine_name spells it */
	unsigned machine;       /* e_machine */
	int elfclass;
	bool big_endian;
	bool musl;              /* the environment is musl* */
	bool gnu;               /* the environment is gnu* */
};
/* Parse triple; -1 with err (XPIN_USAGE) when its architecture is not
 * known. */
int elf_target_parse(struct elf_target *out, const char *triple,
		     struct xerr *err);

/* The policy elf_check applies. */
struct elf_policy {
	const struct elf_target *target; /* NULL: no target checks */
	const char *glibc_max;  /* NULL, or the newest glibc allowed: "2.17" */
	bool allow_execstack;
	bool allow_nix_store;
	/* The linkages accepted, as elf_linkage_name spells them; none
	 * (nlinkage 0): any. A shared object passes whatever the list. */
	const char *const *linkage;
	size_t nlinkage;
	/* The libcs accepted, as elf_libc_name spells them; given (nlibc >
	 * 0), they replace the target triple's libc rule. */
	const char *const *libc;
	size_t nlibc;
};
#define ELF_POLICY_INIT { NULL, NULL, false, false, NULL, 0, NULL, 0 }

/* True when s is a glibc version: digits, dot, digits (".digits" more). */
bool elf_glibc_version_valid(const char *s);
/* Compare two valid glibc versions numerically: <0, 0, >0. */
int elf_glibc_version_cmp(const char *a, const char *b);

struct elf_warning {
	const char *code;       /* static: "nix-store-interpreter", ... */
	char *message;          /* owned */
};
struct elf_warnings {
	struct elf_warning *v;
	size_t n;
};
#define ELF_WARNINGS_INIT { NULL, 0 }

/*
 * Append to out the warnings policy p raises for facts f. Codes:
 * nix-store-interpreter, nix-store-rpath, nix-store-runpath,
 * target-machine, target-class, target-endian, musl-dynamic, target-libc
 * (or libc, when the policy lists libcs), glibc-too-new, execstack,
 * linkage (in that order). Returns 0, or -1
 * (out of memory) with err.
 */
int elf_check(struct elf_warnings *out, const struct elf_facts *f,
	      const struct elf_policy *p, struct xerr *err);
void elf_warnings_release(struct elf_warnings *w);

/*
 * The JSON object of one file: path (NULL gives null), class, endian,
 * osabi, type, machine, entry, linkage, interpreter, needed, soname,
 * rpath, runpath, build_id, stripped, debug_info, glibc, libc,
 * libc_evidence, execstack, warnings (w may be NULL: an empty array). Absent facts are null. NULL
 * when out of memory.
 */
json_t *elf_json(const char *path, const struct elf_facts *f,
		 const struct elf_warnings *w);

#endif
