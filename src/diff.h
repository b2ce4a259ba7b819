/*
 * diff: what differs between two build outputs, and why it might.
 *
 * diff_paths() compares two files or two folders (an output and its
 * `.check`, two exports of a release). Folders are walked in bytewise
 * name order without following symlinks; for each name it records
 * whether it is only in A, only in B, or differs in type, symlink target,
 * executable bit or bytes. For differing bytes it records where: for two
 * ELF files section by section (read with diff's own bounded section-table
 * reader: a malformed ELF file is compared as plain bytes, never trusted),
 * otherwise the first few differing runs of the file. Each run carries a
 * printable context from both sides and, where the bytes suggest one, a
 * likely cause (enum diff_hint): an embedded timestamp, an embedded build
 * folder or store path, or an ELF file whose build-id is all that differs.
 *
 * The causes are guesses from the bytes around the first difference of a
 * run, on both sides: a time is a run of 10, 13, 16 or 19 digits (unix
 * seconds to nanoseconds), an 8-byte aligned integer in the file's byte
 * order (sub-second units only when the two are within a year), or a date
 * or clock string ("Nov 24 2026", "2026-11-24", "10:11:12"), each between
 * 2000 and a year from now; a path is a string with a '/' and a letter
 * that differs between A and B at the same place (or moved by alignment
 * within 32 bytes), a Nix build folder when it holds /tmp/nix-build- or
 * /build/, a store path when it holds /nix/store/.
 *
 * Nothing here prints. diff_summary() gives the short form that `xpin
 * lock` and `xpin verify` print for a non-reproducible target;
 * diff_json() gives what `xpin diff --json` prints.
 *
 * Ownership: a struct diff_report owns every string and array in it
 * (diff_report_release); the caller owns the json_t diff_json returns.
 */
#ifndef XPIN_DIFF_H
#define XPIN_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jtext.h"
#include "util.h"

/* Bytes of context shown on each side of a difference, and at most how
 * many differing bytes are shown between them. */
#define DIFF_CONTEXT 16
#define DIFF_CONTEXT_SPAN 32
#define DIFF_CONTEXT_MAX (2 * DIFF_CONTEXT + DIFF_CONTEXT_SPAN)
/* Runs recorded per non-ELF file (ELF files: one per differing section). */
#define DIFF_MAX_RUNS 4
/* Differing bytes at most this far apart are one run. */
#define DIFF_RUN_GAP 8

/* Likely causes; an entry's hints is a set of them (bits). */
enum diff_hint {
	DIFF_HINT_NONE = 0,
	DIFF_HINT_TIMESTAMP = 1 << 0,     /* a time: decimal, binary or a date */
	DIFF_HINT_BUILD_PATH = 1 << 1,    /* a build or source folder path */
	DIFF_HINT_STORE_PATH = 1 << 2,    /* a /nix/store path */
	DIFF_HINT_BUILD_ID_ONLY = 1 << 3, /* ELF: only .note.gnu.build-id */
};

enum diff_status {
	DIFF_ONLY_A = 1,
	DIFF_ONLY_B,
	DIFF_CHANGED,
};

enum diff_type {
	DIFF_T_NONE = 0,
	DIFF_T_FILE,
	DIFF_T_DIR,
	DIFF_T_SYMLINK,
	DIFF_T_OTHER,    /* fifo, socket, device: compared by type only */
};

/* What differs in a DIFF_CHANGED entry (bits). */
enum {
	DIFF_WHAT_TYPE = 1 << 0,
	DIFF_WHAT_TARGET = 1 << 1,  /* symlink target */
	DIFF_WHAT_MODE = 1 << 2,    /* executable bit (owner's x) */
	DIFF_WHAT_BYTES = 1 << 3,
};

/* One run of differing bytes. Offsets are relative to the section the run
 * is in (or to the file when there is none). */
struct diff_run {
	uint64_t off;        /* first differing byte */
	uint64_t len;        /* first to last differing byte of the run,
			      * or how much longer one side is at the end */
	uint64_t file_a;     /* off as a file offset in A, and in B */
	uint64_t file_b;
	uint64_t ctx_off;    /* where the contexts start (same base as off) */
	char ctx_a[DIFF_CONTEXT_MAX + 1]; /* printable bytes, others as '.' */
	char ctx_b[DIFF_CONTEXT_MAX + 1];
	enum diff_hint hint; /* one cause, or DIFF_HINT_NONE */
	char *detail;        /* what the hint saw ("1764000000 and ..."), or NULL */
};

/* One ELF section that differs (by name, the k-th of that name in A with
 * the k-th in B). The headers count as sections named "(ELF header)",
 * "(program headers)" and "(section headers)". */
struct diff_section {
	char *name;
	bool in_a, in_b;
	uint64_t size_a, size_b;  /* sh_size (0 when absent) */
	uint64_t ndiff;           /* differing bytes, the size change included */
	bool has_run;             /* false for SHT_NOBITS or bytes outside the file */
	struct diff_run run;      /* the first differing run */
};

struct diff_entry {
	char *path;               /* relative to A and B; two files: A's basename */
	enum diff_status status;
	unsigned what;            /* DIFF_WHAT_* */
	enum diff_type type_a, type_b;
	char *target_a, *target_b; /* symlink targets, or NULL */
	bool exec_a, exec_b;
	uint64_t size_a, size_b;  /* regular files */
	uint64_t first;           /* bytes: first differing file offset */
	uint64_t ndiff;           /* bytes differing at the same offsets, plus
				   * the size difference */
	bool elf;                 /* both sides are ELF files with sections */
	size_t nsections_total;   /* ELF: sections (and headers) compared */
	struct diff_section *sections; /* ELF: the differing ones, in A's order */
	size_t nsections;
	struct diff_run *runs;    /* non-ELF: the first DIFF_MAX_RUNS runs;
				   * ELF: bytes outside every section */
	size_t nruns;
	unsigned hints;           /* enum diff_hint bits, over all runs */
};

struct diff_report {
	bool dirs;                /* A and B are folders */
	struct diff_entry *v;     /* walk order: names bytewise in each folder */
	size_t n, cap;
	size_t only_a, only_b, changed;
};
#define DIFF_REPORT_INIT { false, NULL, 0, 0, 0, 0, 0 }

/*
 * Compare a and b (both files or both folders; a symlink given as a or b
 * is followed, none below them is) into out, which it overwrites.
 * Returns 0 (out->n == 0 when they are identical), or -1 with err
 * (XPIN_USAGE) when a path is missing or unreadable, or one is a file and
 * the other a folder; out is then empty.
 */
int diff_paths(struct diff_report *out, const char *a, const char *b,
	       struct xerr *err);
/* The same for two byte strings held in memory (a blob read from git, a
 * file being fuzzed): out gets one entry named name, or none. */
int diff_buffers(struct diff_report *out, const char *name,
		 const unsigned char *a, size_t na, const unsigned char *b,
		 size_t nb, struct xerr *err);
void diff_report_release(struct diff_report *r);

/*
 * Append a short form of r to out: one line per entry, at most max_lines
 * lines (0: no limit; when cut, the last says "... and N more"), each
 * ending in "\n":
 *   bin/hello: .rodata differs at +0x1c (8 bytes), looks like a timestamp
 *   bin/hello: only the build-id differs (.note.gnu.build-id)
 *   share/x: differs at 0x40 (3 bytes)
 *   lib/new.so: only in B
 * Paths and details are made printable (control bytes as '?'). Appends
 * nothing when r is empty. Returns 0, or -1 when out of memory.
 */
int diff_summary(struct buf *out, const struct diff_report *r,
		 size_t max_lines);

/* "timestamp", "build-path", "store-path", "build-id-only" (one bit). */
const char *diff_hint_code(enum diff_hint h);
/* "looks like a timestamp", ... (one bit). */
const char *diff_hint_phrase(enum diff_hint h);

/*
 * The JSON form (xpin-diff(1)): {"a", "b", "identical", "only_in_a",
 * "only_in_b", "differing", "entries": [...]}. NULL when out of memory.
 */
json_t *diff_json(const struct diff_report *r, const char *a, const char *b);

#endif
