/* elf: a bounded ELF reader and the portability policy. */
#include "elf.h"

#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The ELF constants we need (no <elf.h>: macOS has none). */
enum {
	ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4,
	PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
	PF_X = 1,
	SHT_NULL = 0, SHT_SYMTAB = 2, SHT_DYNAMIC = 6, SHT_NOTE = 7,
	SHT_NOBITS = 8,
	DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10,
	DT_SONAME = 14, DT_RPATH = 15, DT_RUNPATH = 29,
	NT_GNU_ABI_TAG = 1, NT_GNU_BUILD_ID = 3, NT_GO_BUILDID = 4,
	PN_XNUM = 0xffff, SHN_XINDEX = 0xffff,
};
#define PT_GNU_STACK 0x6474e551u
#define SHT_GNU_VERNEED 0x6ffffffeu
#define DT_FLAGS_1 0x6ffffffbu
#define DT_VERNEED 0x6ffffffeu
#define DT_VERNEEDNUM 0x6fffffffu
#define DF_1_PIE 0x08000000u

enum {
	EM_SPARC = 2, EM_386 = 3, EM_68K = 4, EM_MIPS = 8, EM_PPC = 20,
	EM_PPC64 = 21, EM_S390 = 22, EM_ARM = 40, EM_SPARCV9 = 43,
	EM_IA_64 = 50, EM_X86_64 = 62, EM_AARCH64 = 183, EM_RISCV = 243,
	EM_LOONGARCH = 258,
};

/* Most version-need entries walked before the file is judged hostile. */
#define VERNEED_BUDGET (1u << 20)

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct shdr {
	uint32_t name, type, link, info;
	uint64_t flags, offset, size, addralign;
};

/* The image and what has been parsed of it. */
struct rd {
	struct image *im;
	uint64_t len;
	bool big, is64;
	struct phdr *ph;
	size_t phnum;
	struct shdr *sh;
	size_t shnum;
	uint64_t shstr_off, shstr_size;
	bool has_shstr;
	struct xerr *err;
};

/* Dynamic-section facts before their strings are looked up. */
struct dyn {
	bool present, has_strtab, has_strsz, has_verneed;
	uint64_t off, size;     /* the table */
	uint64_t strtab, strsz, flags_1, verneed, verneednum;
	uint64_t soname, rpath, runpath;
	bool has_soname, has_rpath, has_runpath;
	size_t nneeded;
	uint64_t str_off, str_size; /* the string table, once found */
	bool str_found;
};

static bool in_file(const struct rd *r, uint64_t off, uint64_t n)
{
	return off <= r->len && n <= r->len - off;
}

/* Read an n-byte (1, 2, 4 or 8) integer at off; the caller checked it.
 * A read error gives 0 here and is reported by elf_read_file. */
static uint64_t get(const struct rd *r, uint64_t off, unsigned n)
{
	unsigned char q[8];
	uint64_t v = 0;
	unsigned i;

	if (image_read(r->im, q, off, n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		v |= (uint64_t)q[r->big ? n - 1 - i : i] << (8 * i);
	return v;
}

/* A class-sized word: 8 bytes in ELF64, 4 in ELF32. */
static uint64_t word(const struct rd *r, uint64_t off)
{
	return get(r, off, r->is64 ? 8 : 4);
}

static int bad(struct rd *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct rd *r, const char *fmt, ...)
{
	va_list ap;

	r->err->code = XPIN_USAGE;
	r->err->line = r->err->col = 0;
	r->err->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(r->err->msg, sizeof(r->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int oom(struct rd *r)
{
	return bad(r, "out of memory");
}

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* Check a table of num entries of entsize bytes at off lies in the file. */
static int table_in_file(struct rd *r, const char *what, uint64_t off,
			 uint64_t num, uint64_t entsize)
{
	if (entsize == 0 || num > UINT64_MAX / entsize ||
	    !in_file(r, off, num * entsize))
		return bad(r, "%s (%llu entries of %llu bytes at offset %llu) runs past the end of the file (%llu bytes)",
			   what, ull(num), ull(entsize), ull(off), ull(r->len));
	return 0;
}

static bool overlap(uint64_t a, uint64_t na, uint64_t b, uint64_t nb)
{
	return na && nb && a < b + nb && b < a + na;
}

/*
 * The NUL-terminated string at index idx of the string table
 * [tab, tab + size), or NULL when idx is out of it or the string runs off
 * its end. The table itself lies in the file. Valid until the next read.
 */
static const char *str_at(const struct rd *r, uint64_t tab, uint64_t size,
			  uint64_t idx)
{
	if (idx >= size)
		return NULL;
	return image_str(r->im, tab + idx, size - idx);
}

static int dup_to(struct rd *r, char **out, const char *s)
{
	*out = strdup(s);
	return *out ? 0 : oom(r);
}

/* The file offset of virtual address va, through the PT_LOAD segments;
 * *avail gets the file bytes of the segment from there on. */
static bool va_to_off(const struct rd *r, uint64_t va, uint64_t *off,
		      uint64_t *avail)
{
	size_t i;

	for (i = 0; i < r->phnum; i++) {
		const struct phdr *p = &r->ph[i];

		if (p->type != PT_LOAD || va < p->vaddr ||
		    va - p->vaddr >= p->filesz)
			continue;
		*off = p->offset + (va - p->vaddr);
		*avail = p->filesz - (va - p->vaddr);
		return true;
	}
	return false;
}

static const char *segment_name(uint32_t type)
{
	switch (type) {
	case PT_LOAD: return "PT_LOAD";
	case PT_DYNAMIC: return "PT_DYNAMIC";
	case PT_INTERP: return "PT_INTERP";
	case PT_NOTE: return "PT_NOTE";
	default: return "segment";
	}
}

/* The smallest page of any Linux port: a PT_LOAD whose offset and
 * address differ within it cannot be mapped. */
#define LINUX_MIN_PAGE 4096u
/* Linux's PATH_MAX, the longest PT_INTERP the kernel reads. */
#define LINUX_PATH_MAX 4096u
/* The most program header bytes Linux's load_elf_phdrs reads. */
#define LINUX_PHDRS_MAX 65536u

/*
 * A PT_LOAD that Linux (load_elf_binary, elf_map) or glibc's loader
 * cannot map: more file bytes than memory ones, an offset and address
 * that no page size can map together, an end past the address space.
 */
static int load_refused(struct rd *r, const struct phdr *p, uint64_t i)
{
	uint64_t top = r->is64 ? UINT64_MAX : 0xffffffffu;

	if (p->filesz > p->memsz)
		return bad(r, "PT_LOAD %llu holds %llu file bytes but only %llu in memory: Linux refuses to load it",
			   ull(i), ull(p->filesz), ull(p->memsz));
	if (p->filesz > 0 &&
	    p->offset % LINUX_MIN_PAGE != p->vaddr % LINUX_MIN_PAGE)
		return bad(r, "PT_LOAD %llu: offset 0x%llx and address 0x%llx differ within a page: Linux cannot map it",
			   ull(i), ull(p->offset), ull(p->vaddr));
	if (p->vaddr > top || p->memsz > top - p->vaddr)
		return bad(r, "PT_LOAD %llu (address 0x%llx, %llu bytes) ends past the address space: Linux refuses to load it",
			   ull(i), ull(p->vaddr), ull(p->memsz));
	return 0;
}

/* What the ELF header says of the two tables. */
struct hdr {
	uint64_t phoff, shoff, phnum, shnum;
	unsigned phentsize, shentsize, shstrndx;
};

static int read_header(struct rd *r, struct elf_facts *f, struct hdr *h)
{
	static const unsigned char magic[4] = { 0x7f, 'E', 'L', 'F' };
	unsigned char id[16];
	unsigned ehsize;

	if (r->len == 0)
		return bad(r, "empty file, not an ELF file");
	if (image_read(r->im, id, 0, r->len < 16 ? (size_t)r->len : 16) < 0)
		return bad(r, "cannot read the ELF header");
	if (memcmp(id, magic, r->len < 4 ? (size_t)r->len : 4))
		return bad(r, "not an ELF file (no \\x7fELF magic)");
	if (r->len < 16)
		return bad(r, "truncated ELF header (%llu of at least 52 bytes)",
			   ull(r->len));
	if (id[4] != 1 && id[4] != 2)
		return bad(r, "unknown ELF class %u (byte 4 must be 1 or 2)",
			   id[4]);
	if (id[5] != 1 && id[5] != 2)
		return bad(r, "unknown ELF data encoding %u (byte 5 must be 1 or 2)",
			   id[5]);
	r->is64 = id[4] == 2;
	r->big = id[5] == 2;
	ehsize = r->is64 ? 64 : 52;
	if (r->len < ehsize)
		return bad(r, "truncated ELF header (%llu of %u bytes)",
			   ull(r->len), ehsize);
	f->elfclass = r->is64 ? 64 : 32;
	f->big_endian = r->big;
	f->osabi = id[7];
	f->type = (unsigned)get(r, 16, 2);
	f->machine = (unsigned)get(r, 18, 2);
	f->entry = word(r, 24);
	h->phoff = word(r, r->is64 ? 32 : 28);
	h->shoff = word(r, r->is64 ? 40 : 32);
	h->phentsize = (unsigned)get(r, r->is64 ? 54 : 42, 2);
	h->phnum = get(r, r->is64 ? 56 : 44, 2);
	h->shentsize = (unsigned)get(r, r->is64 ? 58 : 46, 2);
	h->shnum = get(r, r->is64 ? 60 : 48, 2);
	h->shstrndx = (unsigned)get(r, r->is64 ? 62 : 50, 2);
	return 0;
}

static void read_shdr(const struct rd *r, uint64_t at, struct shdr *s)
{
	s->name = (uint32_t)get(r, at, 4);
	s->type = (uint32_t)get(r, at + 4, 4);
	s->flags = word(r, at + 8);
	if (r->is64) {
		s->offset = get(r, at + 24, 8);
		s->size = get(r, at + 32, 8);
		s->link = (uint32_t)get(r, at + 40, 4);
		s->info = (uint32_t)get(r, at + 44, 4);
		s->addralign = get(r, at + 48, 8);
	} else {
		s->offset = get(r, at + 16, 4);
		s->size = get(r, at + 20, 4);
		s->link = (uint32_t)get(r, at + 24, 4);
		s->info = (uint32_t)get(r, at + 28, 4);
		s->addralign = get(r, at + 32, 4);
	}
}

static void read_phdr(const struct rd *r, uint64_t at, struct phdr *p)
{
	p->type = (uint32_t)get(r, at, 4);
	if (r->is64) {
		p->flags = (uint32_t)get(r, at + 4, 4);
		p->offset = get(r, at + 8, 8);
		p->vaddr = get(r, at + 16, 8);
		p->filesz = get(r, at + 32, 8);
		p->memsz = get(r, at + 40, 8);
		p->align = get(r, at + 48, 8);
	} else {
		p->offset = get(r, at + 4, 4);
		p->vaddr = get(r, at + 8, 4);
		p->filesz = get(r, at + 16, 4);
		p->memsz = get(r, at + 20, 4);
		p->flags = (uint32_t)get(r, at + 24, 4);
		p->align = get(r, at + 28, 4);
	}
}

/* Section 0 holds the real counts when they overflow 16 bits (gABI,
 * "Extended section numbering"); its header lies in the file. */
static void extended_counts(const struct rd *r, struct hdr *h)
{
	struct shdr s0;

	read_shdr(r, h->shoff, &s0);
	if (h->shnum == 0)
		h->shnum = s0.size;
	if (h->shstrndx == SHN_XINDEX)
		h->shstrndx = s0.link;
	if (h->phnum == PN_XNUM)
		h->phnum = s0.info;
}

/* Whether section i occupies file bytes (read_tables checks those). */
static bool section_has_data(const struct rd *r, size_t i)
{
	return i != 0 && r->sh[i].type != SHT_NULL &&
	       r->sh[i].type != SHT_NOBITS;
}

/* The file bytes of section i: empty when it has none. */
static void section_data(const struct rd *r, size_t i, uint64_t *off,
			 uint64_t *size)
{
	bool has = section_has_data(r, i);

	*off = has ? r->sh[i].offset : 0;
	*size = has ? r->sh[i].size : 0;
}

/* Header, both tables and every segment and section: where they lie. */
static int read_tables(struct rd *r, struct elf_facts *f)
{
	struct hdr h = { 0 };
	uint64_t i, raw_phnum;
	unsigned ehsize, phsize, shsize;
	bool loadable;

	if (read_header(r, f, &h) < 0)
		return -1;
	ehsize = r->is64 ? 64 : 52;
	phsize = r->is64 ? 56 : 32;
	shsize = r->is64 ? 64 : 40;
	loadable = f->type == ET_EXEC || f->type == ET_DYN;
	/* Linux reads e_phnum as it is: PN_XNUM is no escape. */
	raw_phnum = h.phnum;

	if (h.shoff != 0) {
		if (h.shentsize < shsize)
			return bad(r, "section header size %u is smaller than %u",
				   h.shentsize, shsize);
		if (table_in_file(r, "section header table", h.shoff,
				  h.shnum ? h.shnum : 1, h.shentsize) < 0)
			return -1;
		extended_counts(r, &h);
	}
	if (h.phnum > 0) {
		if (h.phentsize < phsize)
			return bad(r, "program header size %u is smaller than %u",
				   h.phentsize, phsize);
		if (table_in_file(r, "program header table", h.phoff, h.phnum,
				  h.phentsize) < 0)
			return -1;
		if (overlap(0, ehsize, h.phoff, h.phnum * h.phentsize))
			return bad(r, "program header table (offset %llu) overlaps the ELF header",
				   ull(h.phoff));
	}
	/* What Linux's load_elf_phdrs (and glibc's loader) refuse. */
	if (loadable && raw_phnum == 0)
		return bad(r, "an executable or shared object without program headers: Linux refuses to load it");
	if (loadable && h.phentsize != phsize)
		return bad(r, "program header size %u is not %u: Linux refuses to load it",
			   h.phentsize, phsize);
	if (loadable && raw_phnum * phsize > LINUX_PHDRS_MAX)
		return bad(r, "%llu program headers (%llu bytes) exceed the %u bytes Linux reads: Linux refuses to load it",
			   ull(raw_phnum), ull(raw_phnum * phsize),
			   LINUX_PHDRS_MAX);
	if (h.shnum > 0) {
		if (h.shentsize < shsize)
			return bad(r, "section header size %u is smaller than %u",
				   h.shentsize, shsize);
		if (table_in_file(r, "section header table", h.shoff, h.shnum,
				  h.shentsize) < 0)
			return -1;
		if (overlap(0, ehsize, h.shoff, h.shnum * h.shentsize))
			return bad(r, "section header table (offset %llu) overlaps the ELF header",
				   ull(h.shoff));
		if (h.phnum > 0 && overlap(h.phoff, h.phnum * h.phentsize,
					   h.shoff, h.shnum * h.shentsize))
			return bad(r, "section header table (offset %llu, %llu bytes) overlaps the program header table (offset %llu, %llu bytes)",
				   ull(h.shoff), ull(h.shnum * h.shentsize),
				   ull(h.phoff), ull(h.phnum * h.phentsize));
	}

	/* Both counts are now bounded by the file size over the entry size. */
	if (h.phnum > 0) {
		r->ph = calloc((size_t)h.phnum, sizeof(*r->ph));
		if (!r->ph)
			return oom(r);
		r->phnum = (size_t)h.phnum;
	}
	for (i = 0; i < h.phnum; i++) {
		struct phdr *p = &r->ph[i];

		read_phdr(r, h.phoff + i * h.phentsize, p);
		if (p->type != PT_NULL && p->filesz > 0 &&
		    !in_file(r, p->offset, p->filesz))
			return bad(r, "%s %llu (offset %llu, %llu bytes) runs past the end of the file (%llu bytes)",
				   segment_name(p->type), ull(i),
				   ull(p->offset), ull(p->filesz), ull(r->len));
		if (loadable && p->type == PT_LOAD && load_refused(r, p, i) < 0)
			return -1;
	}
	if (h.shnum > 0) {
		r->sh = calloc((size_t)h.shnum, sizeof(*r->sh));
		if (!r->sh)
			return oom(r);
		r->shnum = (size_t)h.shnum;
	}
	for (i = 0; i < h.shnum; i++) {
		struct shdr *s = &r->sh[i];

		read_shdr(r, h.shoff + i * h.shentsize, s);
		if (section_has_data(r, (size_t)i) &&
		    !in_file(r, s->offset, s->size))
			return bad(r, "section %llu (offset %llu, %llu bytes) runs past the end of the file (%llu bytes)",
				   ull(i), ull(s->offset), ull(s->size),
				   ull(r->len));
	}
	if (h.shnum > 0 && h.shstrndx != 0) {
		if (h.shstrndx >= h.shnum)
			return bad(r, "section name table index %u is out of range (%llu sections)",
				   h.shstrndx, ull(h.shnum));
		r->has_shstr = true;
		section_data(r, h.shstrndx, &r->shstr_off, &r->shstr_size);
	}
	return 0;
}

/* The name of section i ("" without a name table), or NULL if corrupt. */
static const char *section_name(const struct rd *r, size_t i)
{
	if (!r->has_shstr)
		return "";
	return str_at(r, r->shstr_off, r->shstr_size, r->sh[i].name);
}


/*
 * The section header table for elf_list_sections: -1 (err says why) when
 * it is not listed, -2 when out of memory. Only the tables are judged, not
 * what their entries point at, so a damaged file is still listed.
 */
static int list_sections(struct elf_sections *out, struct rd *r)
{
	struct elf_facts f = ELF_FACTS_INIT;
	struct hdr h = { 0 };
	uint64_t i, str_off = 0, str_size = 0;
	unsigned shsize;
	bool has_str = false;

	if (read_header(r, &f, &h) < 0)
		return -1;
	shsize = r->is64 ? 64 : 40;
	if (h.shoff == 0)
		return bad(r, "no section header table");
	/* Entries of another size are not Elf32_Shdr or Elf64_Shdr: what
	 * they would be read as is noise. */
	if (h.shentsize != shsize)
		return bad(r, "section header size %u is not %u", h.shentsize,
			   shsize);
	if (table_in_file(r, "section header table", h.shoff, 1, shsize) < 0)
		return -1;
	extended_counts(r, &h);
	if (h.shnum == 0)
		return bad(r, "no sections");
	if (table_in_file(r, "section header table", h.shoff, h.shnum,
			  shsize) < 0 ||
	    (h.phnum && table_in_file(r, "program header table", h.phoff,
				      h.phnum, h.phentsize) < 0))
		return -1;
	out->big_endian = r->big;
	out->ehsize = r->is64 ? 64 : 52;
	out->phoff = h.phoff;
	out->phsize = h.phnum * h.phentsize;
	out->shoff = h.shoff;
	out->shsize = h.shnum * shsize;
	/* The count is bounded by the file size over the entry size. */
	if (!(out->v = calloc((size_t)h.shnum, sizeof(*out->v))))
		return -2;
	for (i = 0; i < h.shnum; i++, out->n++) {
		struct elf_section *e = &out->v[i];
		struct shdr s;

		read_shdr(r, h.shoff + i * shsize, &s);
		e->type = s.type;
		e->flags = s.flags;
		e->offset = s.offset;
		e->size = s.size;
		e->in_file = s.type != SHT_NULL && s.type != SHT_NOBITS &&
			     in_file(r, s.offset, s.size);
		e->name = NULL;
		e->name_index = s.name;
	}
	if (h.shstrndx < h.shnum) {
		const struct elf_section *t = &out->v[h.shstrndx];

		str_off = t->offset;
		str_size = t->size;
		has_str = t->type != SHT_NOBITS && in_file(r, str_off, str_size);
	}
	for (i = 1; has_str && i < h.shnum; i++) {
		const char *nm = str_at(r, str_off, str_size,
					out->v[i].name_index);

		if (nm && !(out->v[i].name = strdup(nm)))
			return -2;
	}
	if (image_error(r->im))
		return bad(r, "cannot read: %s", image_error(r->im));
	return 0;
}

int elf_list_sections(struct elf_sections *out, struct image *im,
		      struct xerr *err)
{
	struct rd r;
	int k;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.im = im;
	r.len = im->len;
	r.err = err;
	k = list_sections(out, &r);
	if (k < 0)
		elf_sections_release(out);
	if (k == -2)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	return k == 0;
}

void elf_sections_release(struct elf_sections *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int read_interp(struct rd *r, struct elf_facts *f)
{
	size_t i;

	for (i = 0; i < r->phnum; i++) {
		const struct phdr *p = &r->ph[i];
		const char *s;

		if (p->type != PT_INTERP)
			continue;
		s = p->filesz ? str_at(r, p->offset, p->filesz, 0) : NULL;
		if (!s)
			return bad(r, "PT_INTERP (offset %llu, %llu bytes) holds no NUL-terminated path",
				   ull(p->offset), ull(p->filesz));
		if (!*s)
			return bad(r, "PT_INTERP holds an empty path");
		/* Linux reads at most PATH_MAX bytes and wants the last NUL. */
		if (f->type == ET_EXEC || f->type == ET_DYN) {
			unsigned char last = 1;

			if (p->filesz > LINUX_PATH_MAX)
				return bad(r, "PT_INTERP is %llu bytes, more than the %u Linux reads: Linux refuses to load it",
					   ull(p->filesz), LINUX_PATH_MAX);
			if (image_read(r->im, &last, p->offset + p->filesz - 1,
				       1) < 0 || last != 0)
				return bad(r, "PT_INTERP (offset %llu, %llu bytes) does not end with a NUL: Linux refuses to load it",
					   ull(p->offset), ull(p->filesz));
		}
		return dup_to(r, &f->interpreter, s);
	}
	return 0;
}

static void read_sections(struct rd *r, struct elf_facts *f)
{
	size_t i;

	f->has_sections = r->shnum > 0;
	f->stripped = true;
	for (i = 1; i < r->shnum; i++) {
		const char *name = section_name(r, i);

		if (r->sh[i].type == SHT_SYMTAB)
			f->stripped = false;
		if (name && (!strcmp(name, ".debug_info") ||
			     !strcmp(name, ".zdebug_info")))
			f->debug_info = true;
	}
}

/* The dynamic table: PT_DYNAMIC, or the SHT_DYNAMIC section without one. */
static void find_dynamic(const struct rd *r, struct dyn *d)
{
	size_t i;

	for (i = 0; i < r->phnum; i++)
		if (r->ph[i].type == PT_DYNAMIC) {
			d->present = true;
			d->off = r->ph[i].offset;
			d->size = r->ph[i].filesz;
			return;
		}
	for (i = 1; i < r->shnum; i++)
		if (r->sh[i].type == SHT_DYNAMIC) {
			d->present = true;
			section_data(r, i, &d->off, &d->size);
			return;
		}
}

static void scan_dynamic(struct rd *r, struct dyn *d)
{
	uint64_t ent = r->is64 ? 16 : 8, n = d->size / ent, i;

	for (i = 0; i < n; i++) {
		uint64_t at = d->off + i * ent;
		uint64_t tag = word(r, at), val = word(r, at + ent / 2);

		/* The loader keeps the last of repeated tags; so do we. */
		switch (tag) {
		case DT_NULL:
			return;
		case DT_NEEDED:
			d->nneeded++;
			break;
		case DT_STRTAB:
			d->has_strtab = true;
			d->strtab = val;
			break;
		case DT_STRSZ:
			d->has_strsz = true;
			d->strsz = val;
			break;
		case DT_SONAME:
			d->has_soname = true;
			d->soname = val;
			break;
		case DT_RPATH:
			d->has_rpath = true;
			d->rpath = val;
			break;
		case DT_RUNPATH:
			d->has_runpath = true;
			d->runpath = val;
			break;
		case DT_FLAGS_1:
			d->flags_1 = val;
			break;
		case DT_VERNEED:
			d->has_verneed = true;
			d->verneed = val;
			break;
		case DT_VERNEEDNUM:
			d->verneednum = val;
			break;
		}
	}
}

/* Where DT_STRTAB lies in the file: through PT_LOAD, else the string
 * table section the SHT_DYNAMIC section links to. */
static int find_dynstr(struct rd *r, struct dyn *d)
{
	uint64_t off, avail;
	size_t i;

	if (!d->has_strtab)
		return bad(r, "the dynamic section names strings but has no DT_STRTAB");
	if (va_to_off(r, d->strtab, &off, &avail)) {
		d->str_off = off;
		d->str_size = d->has_strsz && d->strsz < avail ? d->strsz : avail;
		d->str_found = true;
		return 0;
	}
	for (i = 1; i < r->shnum; i++) {
		uint32_t link = r->sh[i].link;

		if (r->sh[i].type != SHT_DYNAMIC)
			continue;
		if (link == 0 || link >= r->shnum)
			break;
		section_data(r, link, &d->str_off, &d->str_size);
		d->str_found = true;
		return 0;
	}
	return bad(r, "DT_STRTAB address 0x%llx is in no loadable segment",
		   ull(d->strtab));
}

static int dyn_str(struct rd *r, const struct dyn *d, uint64_t idx,
		   const char *tag, char **out)
{
	const char *s = str_at(r, d->str_off, d->str_size, idx);

	if (!s)
		return bad(r, "%s string offset %llu is outside the dynamic string table (%llu bytes)",
			   tag, ull(idx), ull(d->str_size));
	return dup_to(r, out, s);
}

static int read_dynamic(struct rd *r, struct elf_facts *f, struct dyn *d)
{
	uint64_t ent = r->is64 ? 16 : 8, n, i;
	size_t k = 0;

	find_dynamic(r, d);
	if (!d->present)
		return 0;
	scan_dynamic(r, d);
	if (!d->nneeded && !d->has_soname && !d->has_rpath && !d->has_runpath)
		return 0;
	if (find_dynstr(r, d) < 0)
		return -1;
	if (d->has_soname && dyn_str(r, d, d->soname, "DT_SONAME", &f->soname) < 0)
		return -1;
	if (d->has_rpath && dyn_str(r, d, d->rpath, "DT_RPATH", &f->rpath) < 0)
		return -1;
	if (d->has_runpath &&
	    dyn_str(r, d, d->runpath, "DT_RUNPATH", &f->runpath) < 0)
		return -1;
	if (!d->nneeded)
		return 0;
	f->needed = calloc(d->nneeded, sizeof(*f->needed));
	if (!f->needed)
		return oom(r);
	n = d->size / ent;
	for (i = 0; i < n && k < d->nneeded; i++) {
		uint64_t at = d->off + i * ent, tag = word(r, at);

		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED)
			continue;
		if (dyn_str(r, d, word(r, at + ent / 2), "DT_NEEDED",
			    &f->needed[k]) < 0)
			return -1;
		f->nneeded = ++k;
	}
	return 0;
}

/* Parse "GLIBC_2.34" into v[]; false when it is not GLIBC_<digits>(.<digits>)*. */
static bool glibc_parse(const char *s, unsigned v[4])
{
	unsigned n = 0;

	memset(v, 0, 4 * sizeof(*v));
	for (;;) {
		unsigned x = 0;

		if (*s < '0' || *s > '9' || n == 4)
			return false;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (x > 99999)
				return false;
			x = x * 10 + (unsigned)(*s - '0');
		}
		v[n++] = x;
		if (!*s)
			return n >= 2;
		if (*s++ != '.')
			return false;
	}
}

bool elf_glibc_version_valid(const char *s)
{
	unsigned v[4];

	return s && glibc_parse(s, v);
}

int elf_glibc_version_cmp(const char *a, const char *b)
{
	unsigned va[4], vb[4];
	int i;

	glibc_parse(a, va);
	glibc_parse(b, vb);
	for (i = 0; i < 4; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

/* Note a version name if it is a GLIBC_x.y newer than the best so far. */
static int glibc_note(struct rd *r, struct elf_facts *f, const char *name)
{
	unsigned v[4];

	if (strncmp(name, "GLIBC_", 6) || !glibc_parse(name + 6, v))
		return 0;
	if (f->glibc && elf_glibc_version_cmp(name + 6, f->glibc) <= 0)
		return 0;
	free(f->glibc);
	return dup_to(r, &f->glibc, name + 6);
}

/*
 * Walk count Verneed entries in [off, off + size), their names in the
 * string table [str, str + strsz), for the highest GLIBC_x.y. The links
 * between entries are relative and unsigned, so every step moves forward
 * and stays inside the region or stops.
 */
static int walk_verneed(struct rd *r, struct elf_facts *f, uint64_t off,
			uint64_t size, uint64_t count, uint64_t str,
			uint64_t strsz)
{
	uint64_t pos = 0, i, steps = 0;

	for (i = 0; i < count; i++) {
		uint64_t cnt, aux, next, apos, j;

		if (size < 16 || pos > size - 16)
			return bad(r, "version need %llu lies outside its table (%llu bytes)",
				   ull(i), ull(size));
		cnt = get(r, off + pos + 2, 2);
		aux = get(r, off + pos + 8, 4);
		next = get(r, off + pos + 12, 4);
		apos = pos + aux;
		for (j = 0; j < cnt; j++) {
			const char *name;
			uint64_t vna_name, vna_next;

			if (++steps > VERNEED_BUDGET)
				return bad(r, "version needs table has more than %u entries",
					   VERNEED_BUDGET);
			if (apos > size - 16)
				return bad(r, "version need %llu: auxiliary entry %llu lies outside its table (%llu bytes)",
					   ull(i), ull(j), ull(size));
			vna_name = get(r, off + apos + 8, 4);
			vna_next = get(r, off + apos + 12, 4);
			name = str_at(r, str, strsz, vna_name);
			if (!name)
				return bad(r, "version name offset %llu is outside its string table (%llu bytes)",
					   ull(vna_name), ull(strsz));
			if (glibc_note(r, f, name) < 0)
				return -1;
			if (vna_next == 0)
				break;
			apos += vna_next;
		}
		if (next == 0)
			break;
		pos += next;
	}
	return 0;
}

/* The highest GLIBC_x.y needed: from .gnu.version_r, or without section
 * headers from DT_VERNEED through the program headers. */
static int read_verneed(struct rd *r, struct elf_facts *f, struct dyn *d)
{
	uint64_t off, size, str, strsz, avail;
	size_t i;

	for (i = 1; i < r->shnum; i++) {
		uint32_t link = r->sh[i].link;

		if (r->sh[i].type != SHT_GNU_VERNEED)
			continue;
		if (link == 0 || link >= r->shnum)
			return bad(r, "section %zu (version needs) links to section %u, out of range",
				   i, link);
		section_data(r, i, &off, &size);
		section_data(r, link, &str, &strsz);
		return walk_verneed(r, f, off, size, r->sh[i].info, str, strsz);
	}
	if (!d->present || !d->has_verneed)
		return 0;
	if (!va_to_off(r, d->verneed, &off, &avail))
		return bad(r, "DT_VERNEED address 0x%llx is in no loadable segment",
			   ull(d->verneed));
	if (!d->str_found && find_dynstr(r, d) < 0)
		return -1;
	return walk_verneed(r, f, off, avail, d->verneednum, d->str_off,
			    d->str_size);
}

static const char hexdigits[] = "0123456789abcdef";

/* Round v up to a multiple of align (4 or 8); v is below 2^34. */
static uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/*
 * Look through the notes in [off, off + size) for NT_GNU_BUILD_ID. The
 * descriptor and the next note start at the alignment boundary counted
 * from the start of each note, as readelf counts them (with 8-byte
 * alignment, 12 + namesz is rounded, not namesz alone).
 */
static int notes_build_id(struct rd *r, struct elf_facts *f, uint64_t off,
			  uint64_t size, uint64_t align)
{
	unsigned char name[4], id[256];
	uint64_t pos = 0;

	align = align == 8 ? 8 : 4;
	while (!f->build_id && size - pos >= 12) {
		uint64_t at = off + pos;
		uint64_t namesz = get(r, at, 4), descsz = get(r, at + 4, 4);
		uint64_t type = get(r, at + 8, 4);
		uint64_t desc = align_up(12 + namesz, align);
		uint64_t next = align_up(desc + descsz, align);
		size_t i;

		/* A corrupt note ends the walk: notes are not structure. */
		if (desc + descsz > size - pos)
			break;
		if (namesz == 4 && type == NT_GNU_BUILD_ID && descsz > 0 &&
		    descsz <= sizeof(id) &&
		    image_read(r->im, name, at + 12, 4) == 0 &&
		    !memcmp(name, "GNU", 4) &&
		    image_read(r->im, id, at + desc, (size_t)descsz) == 0) {
			f->build_id = malloc(2 * descsz + 1);
			if (!f->build_id)
				return oom(r);
			for (i = 0; i < descsz; i++) {
				unsigned char c = id[i];

				f->build_id[2 * i] = hexdigits[c >> 4];
				f->build_id[2 * i + 1] = hexdigits[c & 15];
			}
			f->build_id[2 * descsz] = '\0';
			break;
		}
		if (next > size - pos)
			break;
		pos += next;
	}
	return 0;
}

static int read_build_id(struct rd *r, struct elf_facts *f)
{
	size_t i;

	for (i = 0; i < r->phnum && !f->build_id; i++)
		if (r->ph[i].type == PT_NOTE &&
		    notes_build_id(r, f, r->ph[i].offset, r->ph[i].filesz,
				   r->ph[i].align) < 0)
			return -1;
	for (i = 1; i < r->shnum && !f->build_id; i++) {
		uint64_t off, size;

		if (r->sh[i].type != SHT_NOTE)
			continue;
		section_data(r, i, &off, &size);
		if (notes_build_id(r, f, off, size, r->sh[i].addralign) < 0)
			return -1;
	}
	return 0;
}

/* The libc rules (xpin-elf(1), "LIBC"). */

/* The most bytes of .rodata looked through for a glibc string. */
#define LIBC_SCAN_MAX ((uint64_t)64 << 20)

/* Whether the notes in [off, off + size) hold a note of type from owner
 * (4 bytes with its padding: "GNU\0", "Go\0\0"); the walk as
 * notes_build_id's. */
static bool notes_have(struct rd *r, uint64_t off, uint64_t size,
		       uint64_t align, const char owner[4], uint64_t type)
{
	unsigned char name[4];
	uint64_t pos = 0;

	align = align == 8 ? 8 : 4;
	while (size - pos >= 12) {
		uint64_t at = off + pos;
		uint64_t namesz = get(r, at, 4), descsz = get(r, at + 4, 4);
		uint64_t desc = align_up(12 + namesz, align);
		uint64_t next = align_up(desc + descsz, align);

		if (desc + descsz > size - pos)
			return false;
		if (namesz >= 3 && namesz <= 4 && get(r, at + 8, 4) == type &&
		    image_read(r->im, name, at + 12, 4) == 0 &&
		    !memcmp(name, owner, (size_t)namesz))
			return true;
		if (next > size - pos)
			return false;
		pos += next;
	}
	return false;
}

/* A note of type from owner in a PT_NOTE segment or an SHT_NOTE section. */
static bool has_note(struct rd *r, const char owner[4], uint64_t type)
{
	size_t i;

	for (i = 0; i < r->phnum; i++)
		if (r->ph[i].type == PT_NOTE &&
		    notes_have(r, r->ph[i].offset, r->ph[i].filesz,
			       r->ph[i].align, owner, type))
			return true;
	for (i = 1; i < r->shnum; i++) {
		uint64_t off, size;

		if (r->sh[i].type != SHT_NOTE)
			continue;
		section_data(r, i, &off, &size);
		if (notes_have(r, off, size, r->sh[i].addralign, owner, type))
			return true;
	}
	return false;
}

/* The section called name, or 0. */
static size_t section_named(const struct rd *r, const char *name)
{
	size_t i;

	for (i = 1; i < r->shnum; i++) {
		const char *n = section_name(r, i);

		if (n && !strcmp(n, name))
			return i;
	}
	return 0;
}

/* Whether the first LIBC_SCAN_MAX bytes of section i hold s, read a
 * window at a time. */
static bool section_has_string(struct rd *r, size_t i, const char *s)
{
	size_t n = strlen(s);
	uint64_t off, size, pos = 0;

	section_data(r, i, &off, &size);
	if (size > LIBC_SCAN_MAX)
		size = LIBC_SCAN_MAX;
	while (size - pos >= n) {
		size_t len = size - pos < IMAGE_WINDOW ? (size_t)(size - pos)
						       : IMAGE_WINDOW;
		const unsigned char *v = image_view(r->im, off + pos, len);
		const unsigned char *c = v, *end = v ? v + len - n + 1 : NULL;

		if (!v)
			return false;
		while (c < end && (c = memchr(c, s[0], (size_t)(end - c)))) {
			if (!memcmp(c, s, n))
				return true;
			c++;
		}
		if (pos + len == size)
			break;
		/* The next window overlaps this one by n - 1 bytes. */
		pos += len - (n - 1);
	}
	return false;
}

/*
 * Whether the code at the entry point is musl's _start (its crt_arch.h,
 * the same in crt1.o, rcrt1.o and Scrt1.o since musl 1.1.x): on x86_64
 * "xor %rbp,%rbp; mov %rsp,%rdi; lea _DYNAMIC(%rip),%rsi; and $-16,%rsp;
 * call _start_c", on aarch64 "mov x29,#0; mov x30,#0; mov x0,sp; adrp x1,
 * _DYNAMIC; add x1,x1,:lo12:_DYNAMIC; and sp,x0,#-16; b _start_c". glibc's
 * _start passes six arguments to __libc_start_main and looks nothing like
 * it. Code is never stripped.
 */
static bool musl_entry(struct rd *r, const struct elf_facts *f)
{
	static const unsigned char x86a[] = { 0x48, 0x31, 0xed, 0x48, 0x89,
					      0xe7, 0x48, 0x8d, 0x35 };
	static const unsigned char x86b[] = { 0x48, 0x83, 0xe4, 0xf0, 0xe8 };
	unsigned char c[28];
	uint32_t w[7];
	uint64_t off, avail;
	size_t i;

	if (r->big || !r->is64 || !va_to_off(r, f->entry, &off, &avail) ||
	    avail < sizeof(c) || image_read(r->im, c, off, sizeof(c)) < 0)
		return false;
	if (f->machine == EM_X86_64)
		return !memcmp(c, x86a, sizeof(x86a)) &&
		       !memcmp(c + 13, x86b, sizeof(x86b));
	if (f->machine != EM_AARCH64)
		return false;
	for (i = 0; i < 7; i++)
		w[i] = (uint32_t)c[4 * i] | (uint32_t)c[4 * i + 1] << 8 |
		       (uint32_t)c[4 * i + 2] << 16 |
		       (uint32_t)c[4 * i + 3] << 24;
	return w[0] == 0xd280001du && w[1] == 0xd280001eu &&
	       w[2] == 0x910003e0u && (w[3] & 0x9f00001fu) == 0x90000001u &&
	       (w[4] & 0xffc003ffu) == 0x91000021u && w[5] == 0x927cec1fu &&
	       (w[6] & 0xfc000000u) == 0x14000000u;
}

static int set_libc(struct rd *r, struct elf_facts *f, enum elf_libc l,
		    const char *what, const char *detail)
{
	size_t n = strlen(what) + (detail ? 1 + strlen(detail) : 0) + 1;

	f->libc = l;
	f->libc_evidence = malloc(n);
	if (!f->libc_evidence)
		return oom(r);
	snprintf(f->libc_evidence, n, "%s%s%s", what, detail ? " " : "",
		 detail ? detail : "");
	return 0;
}

static int read_libc(struct rd *r, struct elf_facts *f)
{
	const char *base = f->interpreter ? strrchr(f->interpreter, '/') : NULL;
	bool loose = f->linkage == ELF_LINK_STATIC ||
		     f->linkage == ELF_LINK_STATIC_PIE;
	size_t i;

	if (f->type != ET_EXEC && f->type != ET_DYN)
		return 0;
	base = base ? base + 1 : f->interpreter;
	if (base && !strncmp(base, "ld-musl-", 8))
		return set_libc(r, f, ELF_LIBC_MUSL, "interpreter",
				f->interpreter);
	if (base && (!strncmp(base, "ld-linux", 8) ||
		     !strncmp(base, "ld64.so.", 8)))
		return set_libc(r, f, ELF_LIBC_GLIBC, "interpreter",
				f->interpreter);
	for (i = 0; i < f->nneeded; i++) {
		if (!strncmp(f->needed[i], "libc.musl-", 10) ||
		    !strncmp(f->needed[i], "ld-musl-", 8))
			return set_libc(r, f, ELF_LIBC_MUSL, "needed",
					f->needed[i]);
		if (!strcmp(f->needed[i], "libc.so.6"))
			return set_libc(r, f, ELF_LIBC_GLIBC, "needed",
					f->needed[i]);
	}
	if (f->glibc)
		return set_libc(r, f, ELF_LIBC_GLIBC, "glibc version strings",
				NULL);
	/* glibc's crt1.o carries the ABI tag; musl's start files carry no
	 * note at all. */
	if (has_note(r, "GNU", NT_GNU_ABI_TAG))
		return set_libc(r, f, ELF_LIBC_GLIBC,
				"note .note.ABI-tag (GNU)", NULL);
	if (musl_entry(r, f))
		return set_libc(r, f, ELF_LIBC_MUSL, "musl entry code (_start)",
				NULL);
	if ((i = section_named(r, ".rodata")) &&
	    section_has_string(r, i, "GLIBC_TUNABLES"))
		return set_libc(r, f, ELF_LIBC_GLIBC,
				"string GLIBC_TUNABLES in .rodata", NULL);
	if (!loose)
		return 0;
	if (has_note(r, "Go\0\0", NT_GO_BUILDID))
		return set_libc(r, f, ELF_LIBC_NONE,
				"note .note.go.buildid (Go)", NULL);
	/* Both libcs' start files (crti.o) make an .init section. */
	if (r->shnum > 1 && !section_named(r, ".init"))
		return set_libc(r, f, ELF_LIBC_NONE, "static, no .init section",
				NULL);
	return 0;
}

static void set_linkage(const struct rd *r, struct elf_facts *f,
			const struct dyn *d)
{
	bool pie_flag = (d->flags_1 & DF_1_PIE) != 0;
	size_t i;

	f->execstack = r->phnum ? 0 : -1;
	for (i = 0; i < r->phnum; i++)
		if (r->ph[i].type == PT_GNU_STACK && (r->ph[i].flags & PF_X))
			f->execstack = 1;
	/* file(1)'s rules: an ET_DYN is a PIE executable only with DF_1_PIE;
	 * without it, it is a library even with a PT_INTERP (libc.so.6). */
	f->pie = f->type == ET_DYN && pie_flag;
	if (f->type != ET_EXEC && f->type != ET_DYN)
		f->linkage = ELF_LINK_NONE;
	else if (f->type == ET_DYN && !pie_flag)
		f->linkage = ELF_LINK_SHARED;
	else if (f->interpreter || f->nneeded)
		f->linkage = ELF_LINK_DYNAMIC;
	else if (f->type == ET_DYN)
		f->linkage = ELF_LINK_STATIC_PIE;
	else
		f->linkage = d->present ? ELF_LINK_DYNAMIC : ELF_LINK_STATIC;
}

static int read_image(struct elf_facts *out, struct image *im,
		      struct xerr *err)
{
	struct rd r;
	struct dyn d;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	out->execstack = -1;
	r.im = im;
	r.len = im->len;
	r.err = err;
	if (read_tables(&r, out) < 0 || read_interp(&r, out) < 0)
		goto out;
	read_sections(&r, out);
	if (read_dynamic(&r, out, &d) < 0 || read_verneed(&r, out, &d) < 0 ||
	    read_build_id(&r, out) < 0)
		goto out;
	set_linkage(&r, out, &d);
	if (read_libc(&r, out) < 0)
		goto out;
	ret = 0;
out:
	free(r.ph);
	free(r.sh);
	if (ret < 0)
		elf_facts_release(out);
	return ret;
}

int elf_read(struct elf_facts *out, const unsigned char *data, size_t len,
	     struct xerr *err)
{
	struct image im;
	int ret;

	image_from_buffer(&im, data, len);
	ret = read_image(out, &im, err);
	image_release(&im);
	return ret;
}

/* The facts of the regular file of size bytes that im reads; errors
 * name path. */
static int read_regular(struct elf_facts *out, struct image *im,
			uint64_t size, const char *path, struct xerr *err)
{
	const char *why;
	int ret;

	if (size > ELF_MAX_FILE)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "file is larger than %zu bytes", ELF_MAX_FILE);
	ret = read_image(out, im, err);
	/* Whatever the parse made of the bytes it got, a failed read is the
	 * reason. */
	if ((why = image_error(im))) {
		if (ret == 0)
			elf_facts_release(out);
		ret = xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				  "cannot read: %s", why);
	}
	if (ret < 0 && !err->file[0])
		snprintf(err->file, sizeof(err->file), "%s", path);
	return ret;
}

int elf_read_bytes(struct elf_facts *out, const unsigned char *data,
		   size_t len, const char *name, struct xerr *err)
{
	struct image im;
	int ret;

	image_from_buffer(&im, data, len);
	ret = read_regular(out, &im, len, name, err);
	image_release(&im);
	return ret;
}

int elf_read_file(struct elf_facts *out, const char *path, struct xerr *err)
{
	struct image im = IMAGE_INIT;
	struct stat st;
	int k, ret = -1;

	memset(out, 0, sizeof(*out));
	k = image_open(&im, &st, path, true);
	if (k == -1)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot open: %s", strerror(errno));
	if (k == -2)
		return xerr_setpos(err, XPIN_USAGE, path, 0, 0,
				   "cannot stat: %s", strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		xerr_setpos(err, XPIN_USAGE, path, 0, 0,
			    "is a folder, not an ELF file");
		goto out;
	}
	if (k == 1) {
		/* A pipe or device: read it whole, within the same cap. */
		struct buf b = BUF_INIT;

		ret = util_read_file(&b, path, ELF_MAX_FILE, err);
		if (ret == 0)
			ret = elf_read(out, (const unsigned char *)b.data,
				       b.len, err);
		buf_release(&b);
		if (ret < 0 && !err->file[0])
			snprintf(err->file, sizeof(err->file), "%s", path);
		goto out;
	}
	ret = read_regular(out, &im, (uint64_t)st.st_size, path, err);
out:
	image_release(&im);
	return ret;
}

int elf_read_fd(struct elf_facts *out, int fd, const char *name,
		struct xerr *err)
{
	struct image im = IMAGE_INIT;
	struct stat st;
	int own, ret;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) < 0)
		return xerr_setpos(err, XPIN_USAGE, name, 0, 0,
				   "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return xerr_setpos(err, XPIN_USAGE, name, 0, 0,
				   "is not a regular file");
	/* The image closes the descriptor it holds: give it its own. */
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return xerr_setpos(err, XPIN_USAGE, name, 0, 0,
				   "cannot read: %s", strerror(errno));
	image_from_fd(&im, own, (uint64_t)st.st_size);
	ret = read_regular(out, &im, (uint64_t)st.st_size, name, err);
	image_release(&im);
	return ret;
}

void elf_facts_release(struct elf_facts *f)
{
	size_t i;

	if (!f)
		return;
	free(f->interpreter);
	for (i = 0; i < f->nneeded; i++)
		free(f->needed[i]);
	free(f->needed);
	free(f->soname);
	free(f->rpath);
	free(f->runpath);
	free(f->build_id);
	free(f->glibc);
	free(f->libc_evidence);
	memset(f, 0, sizeof(*f));
	f->execstack = -1;
}

/* Names. */

const char *elf_machine_name(unsigned machine, int elfclass, bool big_endian,
			     char tmp[16])
{
	bool is64 = elfclass == 64;

	switch (machine) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_RISCV: return is64 ? "riscv64" : "riscv32";
	case EM_S390: return is64 ? "s390x" : "s390";
	case EM_MIPS:
		if (is64)
			return big_endian ? "mips64" : "mips64el";
		return big_endian ? "mips" : "mipsel";
	case EM_PPC: return "powerpc";
	case EM_PPC64: return big_endian ? "powerpc64" : "powerpc64le";
	case EM_LOONGARCH: return is64 ? "loongarch64" : "loongarch32";
	case EM_SPARC: return "sparc";
	case EM_SPARCV9: return "sparc64";
	case EM_IA_64: return "ia64";
	case EM_68K: return "m68k";
	}
	snprintf(tmp, 16, "%u", machine);
	return tmp;
}

const char *elf_osabi_name(unsigned osabi, char tmp[16])
{
	static const char *const names[] = {
		"sysv", "hpux", "netbsd", "gnu", NULL, NULL, "solaris", "aix",
		"irix", "freebsd", "tru64", "modesto", "openbsd", "openvms",
		"nsk", "aros", "fenixos", "cloudabi", "openvos",
	};

	if (osabi < sizeof(names) / sizeof(names[0]) && names[osabi])
		return names[osabi];
	if (osabi == 97)
		return "arm";
	if (osabi == 255)
		return "standalone";
	snprintf(tmp, 16, "%u", osabi);
	return tmp;
}

const char *elf_type_name(unsigned type, char tmp[16])
{
	switch (type) {
	case ET_REL: return "REL";
	case ET_EXEC: return "EXEC";
	case ET_DYN: return "DYN";
	case ET_CORE: return "CORE";
	}
	snprintf(tmp, 16, "%u", type);
	return tmp;
}

const char *elf_linkage_name(enum elf_linkage l)
{
	switch (l) {
	case ELF_LINK_STATIC: return "static";
	case ELF_LINK_STATIC_PIE: return "static-pie";
	case ELF_LINK_DYNAMIC: return "dynamic";
	case ELF_LINK_SHARED: return "shared-object";
	case ELF_LINK_NONE: break;
	}
	return NULL;
}

const char *elf_libc_name(enum elf_libc l)
{
	switch (l) {
	case ELF_LIBC_GLIBC: return "glibc";
	case ELF_LIBC_MUSL: return "musl";
	case ELF_LIBC_NONE: return "none";
	case ELF_LIBC_UNKNOWN: break;
	}
	return "unknown";
}

bool elf_libc_parse(enum elf_libc *out, const char *s)
{
	static const enum elf_libc all[] = { ELF_LIBC_GLIBC, ELF_LIBC_MUSL,
					     ELF_LIBC_NONE, ELF_LIBC_UNKNOWN };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (s && !strcmp(s, elf_libc_name(all[i]))) {
			*out = all[i];
			return true;
		}
	return false;
}

int elf_describe(struct buf *out, const struct elf_facts *f)
{
	char t1[16], t2[16];
	const char *kind, *link = NULL;
	int rc;

	switch (f->type) {
	case ET_REL: kind = "relocatable"; break;
	case ET_EXEC: kind = "executable"; break;
	case ET_DYN: kind = f->pie ? "pie executable" : "shared object"; break;
	case ET_CORE: kind = "core file"; break;
	default: kind = elf_type_name(f->type, t1); break;
	}
	switch (f->linkage) {
	case ELF_LINK_STATIC: link = "statically linked"; break;
	case ELF_LINK_STATIC_PIE: link = "static-pie linked"; break;
	case ELF_LINK_DYNAMIC: link = "dynamically linked"; break;
	case ELF_LINK_SHARED:
		link = f->nneeded ? "dynamically linked" : NULL;
		break;
	case ELF_LINK_NONE: break;
	}
	rc = buf_printf(out, "ELF %d-bit %s %s%s, %s, %s", f->elfclass,
			f->big_endian ? "MSB" : "LSB",
			f->type == 0 || f->type > ET_CORE ? "type " : "", kind,
			elf_machine_name(f->machine, f->elfclass,
					 f->big_endian, t2),
			elf_osabi_name(f->osabi, t1));
	if (rc == 0 && link)
		rc = buf_printf(out, ", %s", link);
	if (rc == 0 && f->interpreter)
		rc = buf_printf(out, ", interpreter %s", f->interpreter);
	if (rc == 0 && f->debug_info)
		rc = buf_puts(out, ", with debug_info");
	if (rc == 0)
		rc = buf_puts(out, !f->has_sections ? ", no section header"
				   : f->stripped ? ", stripped"
						 : ", not stripped");
	return rc;
}

/* Target triples. */

struct arch {
	const char *name;       /* the triple's first field */
	bool prefix;            /* name is a prefix (armv7, riscv64gc, ...) */
	unsigned machine;
	int elfclass;
	bool big_endian;
};

/* Longest names first where one is a prefix of another. */
static const struct arch arches[] = {
	{ "x86_64", false, EM_X86_64, 64, false },
	{ "amd64", false, EM_X86_64, 64, false },
	{ "i386", false, EM_386, 32, false },
	{ "i486", false, EM_386, 32, false },
	{ "i586", false, EM_386, 32, false },
	{ "i686", false, EM_386, 32, false },
	{ "aarch64_be", false, EM_AARCH64, 64, true },
	{ "aarch64", false, EM_AARCH64, 64, false },
	{ "arm64", false, EM_AARCH64, 64, false },
	{ "armeb", true, EM_ARM, 32, true },
	{ "arm", true, EM_ARM, 32, false },
	{ "thumbeb", true, EM_ARM, 32, true },
	{ "thumb", true, EM_ARM, 32, false },
	{ "riscv64", true, EM_RISCV, 64, false },
	{ "riscv32", true, EM_RISCV, 32, false },
	{ "s390x", false, EM_S390, 64, true },
	{ "mips64el", false, EM_MIPS, 64, false },
	{ "mipsisa64r6el", false, EM_MIPS, 64, false },
	{ "mips64", false, EM_MIPS, 64, true },
	{ "mipsisa64r6", false, EM_MIPS, 64, true },
	{ "mipsel", false, EM_MIPS, 32, false },
	{ "mips", false, EM_MIPS, 32, true },
	{ "powerpc64le", false, EM_PPC64, 64, false },
	{ "ppc64le", false, EM_PPC64, 64, false },
	{ "powerpc64", false, EM_PPC64, 64, true },
	{ "ppc64", false, EM_PPC64, 64, true },
	{ "powerpcle", false, EM_PPC, 32, false },
	{ "powerpc", false, EM_PPC, 32, true },
	{ "ppc", false, EM_PPC, 32, true },
	{ "loongarch64", false, EM_LOONGARCH, 64, false },
	{ "sparc64", false, EM_SPARCV9, 64, true },
	{ "sparcv9", false, EM_SPARCV9, 64, true },
	{ "sparc", false, EM_SPARC, 32, true },
	{ "m68k", false, EM_68K, 32, true },
};

int elf_target_parse(struct elf_target *out, const char *triple,
		     struct xerr *err)
{
	const struct arch *a = NULL;
	const char *dash = strchr(triple, '-'), *c;
	size_t n = dash ? (size_t)(dash - triple) : strlen(triple), i;
	char tmp[16];

	memset(out, 0, sizeof(*out));
	if (!dash || !dash[1] || strlen(triple) >= sizeof(out->triple))
		return xerr_set(err, XPIN_USAGE,
				"target '%s' is not a triple like x86_64-unknown-linux-gnu",
				triple);
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]) && !a; i++) {
		size_t k = strlen(arches[i].name);

		if (n < k || strncmp(triple, arches[i].name, k))
			continue;
		/* armv7, riscv64gc: a version or extensions, not arm64x. */
		if (n == k || (arches[i].prefix && triple[k] != '_' &&
			       (triple[k] < '0' || triple[k] > '9')))
			a = &arches[i];
	}
	if (!a)
		return xerr_set(err, XPIN_USAGE,
				"unknown architecture '%.*s' in target '%s'",
				(int)n, triple, triple);
	snprintf(out->triple, sizeof(out->triple), "%s", triple);
	out->machine = a->machine;
	out->elfclass = a->elfclass;
	out->big_endian = a->big_endian;
	/* The environment: any later field starting musl or gnu. */
	for (c = dash; c; c = strchr(c + 1, '-')) {
		if (!strncmp(c + 1, "musl", 4))
			out->musl = true;
		if (!strncmp(c + 1, "gnu", 3))
			out->gnu = true;
		/* x32: x86-64 code in 32-bit ELF files. */
		if (a->machine == EM_X86_64 && (!strncmp(c + 1, "gnux32", 6) ||
						!strncmp(c + 1, "muslx32", 7)))
			out->elfclass = 32;
	}
	snprintf(out->arch, sizeof(out->arch), "%s",
		 elf_machine_name(out->machine, out->elfclass,
				  out->big_endian, tmp));
	return 0;
}

/* Policy. */

static int warn(struct elf_warnings *w, struct xerr *err, const char *code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int warn(struct elf_warnings *w, struct xerr *err, const char *code,
		const char *fmt, ...)
{
	struct elf_warning *v;
	struct buf b = BUF_INIT;
	va_list ap;
	int n;
	char one[512];

	va_start(ap, fmt);
	n = vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	if (n < 0)
		return xerr_set(err, XPIN_USAGE, "cannot format a warning");
	if ((size_t)n >= sizeof(one)) {
		/* Long paths: format again into a buffer of the right size. */
		if (buf_grow(&b, (size_t)n + 1) < 0)
			return xerr_set(err, XPIN_USAGE, "out of memory");
		va_start(ap, fmt);
		vsnprintf(b.data, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	v = realloc(w->v, (w->n + 1) * sizeof(*v));
	if (!v) {
		buf_release(&b);
		return xerr_set(err, XPIN_USAGE, "out of memory");
	}
	w->v = v;
	v[w->n].code = code;
	v[w->n].message = b.data ? b.data : strdup(one);
	if (!v[w->n].message)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	w->n++;
	return 0;
}

static bool under_nix_store(const char *path)
{
	return path && (!strncmp(path, "/nix/store/", 11) ||
			strstr(path, ":/nix/store/"));
}

/* The loader a distribution puts in place, to suggest in the fix. */
static const char *standard_interp(const struct elf_facts *f)
{
	const char *base = f->interpreter ? strrchr(f->interpreter, '/') : NULL;

	if (base && !strncmp(base, "/ld-musl-", 9))
		return NULL;
	switch (f->machine) {
	case EM_X86_64: return f->elfclass == 64 ? "/lib64/ld-linux-x86-64.so.2"
						 : "/libx32/ld-linux-x32.so.2";
	case EM_386: return "/lib/ld-linux.so.2";
	case EM_AARCH64: return "/lib/ld-linux-aarch64.so.1";
	case EM_ARM: return "/lib/ld-linux-armhf.so.3";
	case EM_RISCV: return f->elfclass == 64 ? "/lib/ld-linux-riscv64-lp64d.so.1"
						: NULL;
	case EM_S390: return f->elfclass == 64 ? "/lib/ld64.so.1" : NULL;
	case EM_PPC64: return f->big_endian ? "/lib64/ld64.so.1"
					    : "/lib64/ld64.so.2";
	case EM_LOONGARCH: return "/lib64/ld-linux-loongarch-lp64d.so.1";
	}
	return NULL;
}

static int check_nix_store(struct elf_warnings *out,
			   const struct elf_facts *f, struct xerr *err)
{
	const char *std = standard_interp(f);
	const char *base = f->interpreter ? strrchr(f->interpreter, '/') : NULL;

	if (under_nix_store(f->interpreter)) {
		if (std ? warn(out, err, "nix-store-interpreter",
			       "interpreter %s is under /nix/store: the binary will not run on an ordinary distribution; fix it with patchelf --set-interpreter %s, or build it static (musl)",
			       f->interpreter, std)
			: warn(out, err, "nix-store-interpreter",
			       "interpreter %s is under /nix/store: the binary will not run on an ordinary distribution; fix it with patchelf --set-interpreter /lib%s, or build it static (musl)",
			       f->interpreter, base ? base : "/ld.so") < 0)
			return -1;
	}
	if (under_nix_store(f->rpath) &&
	    warn(out, err, "nix-store-rpath",
		 "rpath %s is under /nix/store: the binary will not run on an ordinary distribution; fix it with patchelf --remove-rpath (or --set-rpath without the /nix/store entries), or build it static (musl)",
		 f->rpath) < 0)
		return -1;
	if (under_nix_store(f->runpath) &&
	    warn(out, err, "nix-store-runpath",
		 "runpath %s is under /nix/store: the binary will not run on an ordinary distribution; fix it with patchelf --remove-rpath (or --set-rpath without the /nix/store entries), or build it static (musl)",
		 f->runpath) < 0)
		return -1;
	return 0;
}

static bool musl_interp(const struct elf_facts *f)
{
	const char *base = f->interpreter ? strrchr(f->interpreter, '/') : NULL;

	return base && !strncmp(base, "/ld-musl-", 9);
}

/* The libc a target triple names: what its environment says. */
static int check_target_libc(struct elf_warnings *out,
			     const struct elf_facts *f,
			     const struct elf_target *t, struct xerr *err)
{
	const char *ev = f->libc_evidence;

	if (t->musl && f->glibc)
		return warn(out, err, "target-libc",
			    "target %s is musl but the binary needs glibc (GLIBC_%s)",
			    t->triple, f->glibc);
	if (t->musl && f->interpreter && !musl_interp(f))
		return warn(out, err, "target-libc",
			    "target %s is musl but the interpreter %s is not musl's",
			    t->triple, f->interpreter);
	if (t->gnu && !t->musl && musl_interp(f))
		return warn(out, err, "target-libc",
			    "target %s is glibc but the interpreter %s is musl's",
			    t->triple, f->interpreter);
	if (t->musl && f->libc == ELF_LIBC_GLIBC)
		return warn(out, err, "target-libc",
			    "target %s is musl but the binary is glibc (%s)",
			    t->triple, ev);
	if (t->gnu && !t->musl && f->libc == ELF_LIBC_MUSL)
		return warn(out, err, "target-libc",
			    "target %s is glibc but the binary is musl (%s)",
			    t->triple, ev);
	return 0;
}

/* The libcs the policy lists, in place of the triple's rule. */
static int check_libc(struct elf_warnings *out, const struct elf_facts *f,
		      const struct elf_policy *p, struct xerr *err)
{
	const char *have = elf_libc_name(f->libc);
	size_t i;

	for (i = 0; i < p->nlibc; i++)
		if (!strcmp(have, p->libc[i]))
			return 0;
	return warn(out, err, "libc", "libc is %s%s%s%s, but the target expects %s%s",
		    have, f->libc_evidence ? " (" : "",
		    f->libc_evidence ? f->libc_evidence : "",
		    f->libc_evidence ? ")" : "", p->libc[0],
		    p->nlibc > 1 ? " (or another listed)" : "");
}

static int check_target(struct elf_warnings *out, const struct elf_facts *f,
			const struct elf_policy *p, struct xerr *err)
{
	const struct elf_target *t = p->target;
	char tmp[16];
	const char *have = elf_machine_name(f->machine, f->elfclass,
					    f->big_endian, tmp);

	if (f->machine != t->machine &&
	    warn(out, err, "target-machine",
		 "machine is %s but target %s is %s", have, t->triple,
		 t->arch) < 0)
		return -1;
	if (f->elfclass != t->elfclass &&
	    warn(out, err, "target-class",
		 "%d-bit ELF but target %s is %d-bit", f->elfclass, t->triple,
		 t->elfclass) < 0)
		return -1;
	if (f->big_endian != t->big_endian &&
	    warn(out, err, "target-endian",
		 "%s-endian but target %s is %s-endian",
		 f->big_endian ? "big" : "little", t->triple,
		 t->big_endian ? "big" : "little") < 0)
		return -1;
	if (t->musl && (f->linkage == ELF_LINK_DYNAMIC || f->interpreter) &&
	    warn(out, err, "musl-dynamic",
		 "target %s is musl but the binary is dynamically linked%s%s%s: it needs a musl loader where it runs (musl-gcc -static-pie gives a dynamic binary); link it with -static",
		 t->triple, f->interpreter ? " (interpreter " : "",
		 f->interpreter ? f->interpreter : "",
		 f->interpreter ? ")" : "") < 0)
		return -1;
	return p->nlibc ? 0 : check_target_libc(out, f, t, err);
}

/* The linkage the policy expects. */
static int check_linkage(struct elf_warnings *out, const struct elf_facts *f,
			 const struct elf_policy *p, struct xerr *err)
{
	const char *ln = elf_linkage_name(f->linkage);
	bool ok = p->nlinkage == 0;
	size_t i;

	for (i = 0; i < p->nlinkage; i++)
		ok |= ln && !strcmp(ln, p->linkage[i]);
	if (ok || f->linkage == ELF_LINK_SHARED)
		return 0;
	return warn(out, err, "linkage",
		    "linkage is %s, but the target expects %s%s",
		    ln ? ln : "none", p->linkage[0],
		    p->nlinkage > 1 ? " (or another listed)" : "");
}

int elf_check(struct elf_warnings *out, const struct elf_facts *f,
	      const struct elf_policy *p, struct xerr *err)
{
	if (!p->allow_nix_store && check_nix_store(out, f, err) < 0)
		return -1;
	if (p->target && check_target(out, f, p, err) < 0)
		return -1;
	if (p->nlibc && check_libc(out, f, p, err) < 0)
		return -1;
	if (p->glibc_max && f->glibc &&
	    elf_glibc_version_cmp(f->glibc, p->glibc_max) > 0 &&
	    warn(out, err, "glibc-too-new",
		 "needs GLIBC_%s, newer than the allowed %s: it will not run where glibc is older; build against an older glibc or static (musl)",
		 f->glibc, p->glibc_max) < 0)
		return -1;
	if (!p->allow_execstack && f->execstack == 1 &&
	    warn(out, err, "execstack",
		 "the stack is executable (PT_GNU_STACK has PF_X); link with -z noexecstack") < 0)
		return -1;
	return check_linkage(out, f, p, err);
}

void elf_warnings_release(struct elf_warnings *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->n; i++)
		free(w->v[i].message);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

/* JSON. */

/* A JSON string of s; bytes that are not UTF-8 become '?', so a hostile
 * file still gives an object. */
static json_t *jstr(const char *s)
{
	json_t *v;
	char *t;
	size_t i;

	if (!s)
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	t = strdup(s);
	if (!t)
		return NULL;
	for (i = 0; t[i]; i++)
		if ((unsigned char)t[i] >= 0x80)
			t[i] = '?';
	v = json_string(t);
	free(t);
	return v;
}

static int jset(json_t *o, const char *key, json_t *v)
{
	return v ? json_object_set_new(o, key, v) : -1;
}

json_t *elf_json(const char *path, const struct elf_facts *f,
		 const struct elf_warnings *w)
{
	json_t *o = json_object(), *needed = json_array(), *warns = json_array();
	char t1[16], t2[16], t3[16], entry[24];
	const char *link = elf_linkage_name(f->linkage);
	size_t i;
	int bad_ = !o || !needed || !warns;

	for (i = 0; !bad_ && i < f->nneeded; i++)
		bad_ |= json_array_append_new(needed, jstr(f->needed[i])) < 0;
	for (i = 0; !bad_ && w && i < w->n; i++) {
		json_t *x = json_pack("{s:s, s:o}", "code", w->v[i].code,
				      "message", jstr(w->v[i].message));
		bad_ |= !x || json_array_append_new(warns, x) < 0;
	}
	snprintf(entry, sizeof(entry), "0x%llx", ull(f->entry));
	if (bad_) {
		json_decref(needed);
		json_decref(warns);
		json_decref(o);
		return NULL;
	}
	bad_ |= jset(o, "path", jstr(path));
	bad_ |= jset(o, "class", json_integer(f->elfclass));
	bad_ |= jset(o, "endian", json_string(f->big_endian ? "big" : "little"));
	bad_ |= jset(o, "osabi", json_string(elf_osabi_name(f->osabi, t1)));
	bad_ |= jset(o, "type", json_string(elf_type_name(f->type, t2)));
	bad_ |= jset(o, "machine", json_string(elf_machine_name(
		f->machine, f->elfclass, f->big_endian, t3)));
	bad_ |= jset(o, "entry", json_string(entry));
	bad_ |= jset(o, "linkage", link ? json_string(link) : json_null());
	bad_ |= jset(o, "interpreter", jstr(f->interpreter));
	bad_ |= jset(o, "needed", needed);
	bad_ |= jset(o, "soname", jstr(f->soname));
	bad_ |= jset(o, "rpath", jstr(f->rpath));
	bad_ |= jset(o, "runpath", jstr(f->runpath));
	bad_ |= jset(o, "build_id", jstr(f->build_id));
	bad_ |= jset(o, "stripped", json_boolean(f->stripped));
	bad_ |= jset(o, "debug_info", json_boolean(f->debug_info));
	bad_ |= jset(o, "glibc", jstr(f->glibc));
	bad_ |= jset(o, "libc", json_string(elf_libc_name(f->libc)));
	bad_ |= jset(o, "libc_evidence", jstr(f->libc_evidence));
	bad_ |= jset(o, "execstack", f->execstack < 0 ? json_null()
				     : json_boolean(f->execstack));
	bad_ |= jset(o, "warnings", warns);
	if (bad_) {
		json_decref(o);
		return NULL;
	}
	return o;
}
