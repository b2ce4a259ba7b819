/*
 * image: random access to the bytes of a file xpin inspects (or of a
 * buffer), for the ELF reader and diff.
 *
 * A file is read with pread through IMAGE_WINDOWS windows of about
 * IMAGE_WINDOW bytes each, reused least recently used first, so memory
 * stays the same whatever the size of the file: the ELF reader touches
 * headers, tables and strings, and diff compares two files a window at a
 * time. Files are read, never mapped: valgrind 3.24's debuginfo reader
 * looks at every ELF file a process maps and gives up on a malformed one,
 * and a mapped file that shrinks is a SIGBUS.
 *
 * A read error, or a file that ends before its size, is sticky: from then
 * on every access fails (NULL, -1), and the caller reports image_error()
 * once, as the reason, whatever the bytes it was given made it conclude.
 *
 * Ownership: a file image owns its descriptor and windows, a buffer image
 * borrows the buffer; image_release frees what it owns.
 */
#ifndef XPIN_IMAGE_H
#define XPIN_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "util.h"

/* The most image_view gives from a file at once. */
#define IMAGE_WINDOW ((size_t)64 * 1024)
#define IMAGE_WINDOWS 4

struct image_window {
	unsigned char *p;
	uint64_t off;           /* file offset of p[0] */
	size_t len;             /* bytes held (0: empty) */
	unsigned long used;     /* when last given out */
};

struct image {
	uint64_t len;           /* the size of the file or buffer */
	const unsigned char *mem; /* a buffer image, or NULL */
	int fd;                 /* a file image, or -1 */
	struct image_window w[IMAGE_WINDOWS];
	unsigned long clock;
	int error;              /* 0, an errno, or -1: the file shrank */
	struct buf str;         /* image_str's copy of a longer string */
};
#define IMAGE_INIT { 0, NULL, -1, { { NULL, 0, 0, 0 } }, 0, 0, BUF_INIT }

/*
 * Open path read-only (a final symlink is followed only when follow) and
 * fstat it into *st. 0: a regular file, and im is its image, owning the
 * descriptor. 1: another kind of file (st says which); im is empty but
 * holds the descriptor, so a fifo stays open while the caller reads it
 * some other way, until image_release. -1 when open failed, -2 when fstat
 * did, with errno set: each caller words its own error.
 */
int image_open(struct image *im, struct stat *st, const char *path,
	       bool follow);
/* The bytes p[0..len) (p may be NULL when len is 0), not copied. */
void image_from_buffer(struct image *im, const void *p, size_t len);
/* The regular file open on fd, of len bytes (fstat's); im owns fd. */
void image_from_fd(struct image *im, int fd, uint64_t len);
void image_release(struct image *im);

/*
 * The n bytes at off, which the caller checked lie in the image; from a
 * file, n is at most IMAGE_WINDOW. Valid until the next call on im. NULL
 * on a read error (image_error) or a range outside the image.
 */
const unsigned char *image_view(struct image *im, uint64_t off, size_t n);
/* Copy the n bytes at off (any n) to dst: 0, or -1 as image_view. */
int image_read(struct image *im, void *dst, uint64_t off, size_t n);
/*
 * The NUL-terminated string at off, which must end within max bytes
 * ([off, off + max) lies in the image); NULL when it does not, or on a
 * read error. Valid until the next call on im.
 */
const char *image_str(struct image *im, uint64_t off, uint64_t max);
/* Whether [oa, oa + n) of a holds the bytes [ob, ob + n) of b; false on a
 * read error too (image_error tells). */
bool image_same(struct image *a, uint64_t oa, struct image *b, uint64_t ob,
		uint64_t n);

/* NULL, or why reading failed ("Input/output error", "file shrank while
 * it was read"). */
const char *image_error(const struct image *im);

#endif
