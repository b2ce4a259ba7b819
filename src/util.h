/*
 * util: the error struct every module fills, growable buffers, whole-file
 * reads, the one atomic writer, and temporary folders.
 *
 * Modules never print and never exit: they fill a struct xerr and return a
 * negative code; main prints it as one line and maps err.code to the exit
 * status. Buffers own their memory (buf_release frees it).
 */
#ifndef XPIN_UTIL_H
#define XPIN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <sys/types.h>
#include <stdint.h>

/* Exit codes, the same for every command (xpin(1)). */
enum {
	XPIN_OK = 0,
	XPIN_CHECK_FAILED = 1,
	XPIN_USAGE = 2,
	XPIN_SIGNATURE = 3,
	XPIN_BUILD = 4,
};

struct xerr {
	int code;          /* exit code to use: XPIN_USAGE, ... (0 = unset) */
	char file[256];    /* file the error is in, or "" */
	int line, col;     /* 1-based position in file, or 0 */
	char msg[1024];
	char hint[256];    /* optional second line: what to do */
};
#define XERR_INIT { 0, "", 0, 0, "", "" }

/* Fill err and return -1 (so callers can `return xerr_set(...)`). */
int xerr_set(struct xerr *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int xerr_setpos(struct xerr *err, int code, const char *file, int line,
		int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
int xerr_hint(struct xerr *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Format as "file:line:col: msg" (the parts present) into out. */
void xerr_format(char *out, size_t n, const struct xerr *err);

struct buf {
	char *data;
	size_t len, cap;
};
#define BUF_INIT { NULL, 0, 0 }

int buf_grow(struct buf *b, size_t extra);
int buf_add(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* NUL-terminated view of the contents ("" when empty). */
const char *buf_cstr(struct buf *b);
void buf_release(struct buf *b);

/* Open path to read, refusing (XPIN_USAGE, before any read can block or
 * never end) what is not a regular file: a FIFO, a device, a folder. */
int util_open_regular(const char *path, struct xerr *err);
/* Read a whole file into out (NUL-terminated); refuses files over max. */
int util_read_file(struct buf *out, const char *path, size_t max,
		   struct xerr *err);

/*
 * Write data to path atomically: a temporary file in the same folder,
 * write, fsync, rename over path, fsync the folder. On any failure the old
 * file is untouched and the temporary removed. mode is used for a new file;
 * an existing file keeps its mode.
 */
int util_write_atomic(const char *path, const void *data, size_t len,
		      unsigned mode, struct xerr *err);

/*
 * Replace two files that belong together (a key pair, a manifest and its
 * signature) so that no interruption, SIGKILL included, leaves a mix that
 * util_pair_recover cannot resolve: each new version is written whole
 * beside its file as PATH.xpin-new (a first, then b), then a is renamed,
 * then b. Only a's new version there: the old pair stands (recover
 * removes what was staged). Only b's: a is new, and recover finishes by
 * renaming b's. SIGINT, SIGTERM and SIGHUP are held off meanwhile. An
 * interrupted replacement found first is recovered first.
 */
int util_write_pair(const char *a, const void *da, size_t la, unsigned ma,
		    const char *b, const void *db, size_t lb, unsigned mb,
		    struct xerr *err);
int util_pair_recover(const char *a, const char *b, struct xerr *err);
/* Whether an interrupted util_write_pair left a new and b's new version
 * at b.xpin-new (what a reader of b should then read). */
bool util_pair_half(const char *a, const char *b);

/* read(2) of at most cap bytes, EINTR retried: the count (0 at the end),
 * or -1 with "PATH: cannot read: why" in err. */
ssize_t util_read_some(int fd, void *p, size_t cap, const char *path,
		       struct xerr *err);
/* write(2) until all of p is written (EINTR retried): 0 or -1 (errno). */
int util_write_all(int fd, const void *p, size_t len);
/* fsync the folder holding path, so a rename or create in it lasts. */
void util_sync_parent(const char *path);
/* Read the regular file at path in chunks, calling fn on each; fn
 * returning < 0 stops with that error. Errors name the file. */
int util_stream_file(const char *path,
		     int (*fn)(void *ctx, const void *p, size_t n),
		     void *ctx, struct xerr *err);
/* The same from the open file fd (read from where it is to its end; the
 * caller keeps fd); errors name name. */
int util_stream_fd(int fd, const char *name,
		   int (*fn)(void *ctx, const void *p, size_t n), void *ctx,
		   struct xerr *err);

/* Create a fresh private folder under $TMPDIR (or /tmp); out gets the path. */
int util_mkdtemp(struct buf *out, const char *prefix, struct xerr *err);
/* The same as PATH.xpin-XXXXXX, beside path (mode 0700), so that a
 * rename can put it in path's place; removed on a signal until
 * util_keep_temp. */
int util_mkdtemp_beside(struct buf *out, const char *path, struct xerr *err);
/* mkdir -p: path and its missing parents, mode 0755. */
int util_mkdir_p(const char *path, struct xerr *err);
/*
 * The names in the folder at path, without "." and "..", sorted bytewise
 * (strcmp compares as unsigned char: NAR's order). A symlink to a folder
 * is followed, as opendir does: a caller that must not follow one lstats
 * first. *out (NULL for an empty folder) and its names are the caller's
 * (util_names_free). Returns 0, or -1 with err naming the folder.
 */
int util_list_dir(char ***out, size_t *n, const char *path,
		  struct xerr *err);
/* The same for the folder open on fd (the caller keeps fd), which
 * errors call name. */
int util_list_fd(char ***out, size_t *n, int fd, const char *name,
		 struct xerr *err);
void util_names_free(char **names, size_t n);
/* Remove a tree (no symlink is followed). Returns 0 or -1 (errno set). */
int util_rmtree(const char *path);

/* A program to run: util_spawn. */
struct util_proc {
	const char *const *argv;  /* argv[0] is looked up in PATH */
	const char *cwd;          /* NULL: the current folder */
	const char *const *env;   /* NULL: inherit; else the whole environment */
	int log_fd;               /* stderr (and stdout unless captured): -1 /dev/null */
	struct buf *out;          /* when set, stdout is captured here */
	unsigned timeout;         /* seconds; 0 for none */
	int umask;                /* -1: inherit */
};

/*
 * Run p->argv in its own process group and wait for it. Returns 0 with
 * *status the exit status (128 + signal when killed), or -1 with err
 * (XPIN_BUILD) when it could not start or ran past the timeout, in which
 * case the whole group is killed.
 */
int util_spawn(int *status, const struct util_proc *p, struct xerr *err);

/* On SIGINT, SIGTERM and SIGHUP: stop the running builds' process groups
 * (TERM, then KILL after two seconds), remove the temporary folders of
 * util_mkdtemp and the atomic writer's temporaries, say so in one line,
 * and die of the signal (exit 128+N). SIGXFSZ is ignored, so a file size
 * limit is a write error. Called once by main. */
void util_forward_signals(void);
/* util_mkdtemp's folder is no longer temporary: a signal leaves it (a
 * failed build's logs, named to the user). */
void util_keep_temp(const char *path);
/* Hold SIGINT, SIGTERM and SIGHUP off this thread while a step that must
 * not be split (two renames) runs; util_restore_signals lets them in. */
void util_block_signals(sigset_t *old);
void util_restore_signals(const sigset_t *old);

bool util_is_hex(const char *s, size_t n);
/* Both NULL, or the same text. */
bool util_str_eq(const char *a, const char *b);
/* "2024-01-31" (UTC) from a unix time. */
void util_date(char out[32], int64_t t);

#endif
