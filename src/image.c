/* image: random access to a file's bytes through a few pread windows. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A window starts on a page boundary, so a view just before the last one
 * still hits it; it holds a whole IMAGE_WINDOW from any offset. */
#define PAGE 4096u
#define WINDOW_CAP (IMAGE_WINDOW + PAGE)

void image_from_buffer(struct image *im, const void *p, size_t len)
{
	struct image init = IMAGE_INIT;

	*im = init;
	im->mem = p ? p : (const void *)"";
	im->len = len;
}

void image_from_fd(struct image *im, int fd, uint64_t len)
{
	struct image init = IMAGE_INIT;

	*im = init;
	im->fd = fd;
	im->len = len;
}

int image_open(struct image *im, struct stat *st, const char *path,
	       bool follow)
{
	int fd, e;

	image_from_buffer(im, NULL, 0);
	/* O_NONBLOCK: a FIFO opens at once (and is then no regular file)
	 * rather than waiting for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY |
				(follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -2;
	}
	if (!S_ISREG(st->st_mode)) {
		im->fd = fd;
		return 1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	image_from_fd(im, fd, (uint64_t)st->st_size);
	return 0;
}

void image_release(struct image *im)
{
	size_t i;

	for (i = 0; i < IMAGE_WINDOWS; i++)
		free(im->w[i].p);
	buf_release(&im->str);
	if (im->fd >= 0)
		close(im->fd);
	image_from_buffer(im, NULL, 0);
}

static struct image_window *fill(struct image *im, uint64_t off)
{
	struct image_window *w = &im->w[0];
	uint64_t start = off - off % PAGE;
	size_t want, done = 0, i;

	for (i = 1; i < IMAGE_WINDOWS; i++)
		if (im->w[i].used < w->used)
			w = &im->w[i];
	if (!w->p && !(w->p = malloc(WINDOW_CAP))) {
		im->error = ENOMEM;
		return NULL;
	}
	want = im->len - start < WINDOW_CAP ? (size_t)(im->len - start)
					     : WINDOW_CAP;
	w->len = 0;
	while (done < want) {
		ssize_t n = pread(im->fd, w->p + done, want - done,
				  (off_t)(start + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			im->error = n < 0 ? errno : -1;
			return NULL;
		}
		done += (size_t)n;
	}
	w->off = start;
	w->len = want;
	return w;
}

const unsigned char *image_view(struct image *im, uint64_t off, size_t n)
{
	struct image_window *w = NULL;
	size_t i;

	if (im->error)
		return NULL;
	if (off > im->len || n > im->len - off ||
	    (!im->mem && n > IMAGE_WINDOW)) {
		im->error = EINVAL;
		return NULL;
	}
	if (im->mem)
		return im->mem + off;
	if (n == 0)
		return (const unsigned char *)"";
	for (i = 0; i < IMAGE_WINDOWS && !w; i++)
		if (im->w[i].len && off >= im->w[i].off &&
		    off + n <= im->w[i].off + im->w[i].len)
			w = &im->w[i];
	if (!w && !(w = fill(im, off)))
		return NULL;
	w->used = ++im->clock;
	return w->p + (off - w->off);
}

int image_read(struct image *im, void *dst, uint64_t off, size_t n)
{
	unsigned char *d = dst;

	while (n > 0) {
		size_t k = n < IMAGE_WINDOW ? n : IMAGE_WINDOW;
		const unsigned char *v = image_view(im, off, k);

		if (!v)
			return -1;
		memcpy(d, v, k);
		d += k;
		off += k;
		n -= k;
	}
	return 0;
}

const char *image_str(struct image *im, uint64_t off, uint64_t max)
{
	uint64_t pos = 0, len;
	const unsigned char *v = NULL, *z = NULL;

	if (im->mem) {
		if (off > im->len || max > im->len - off)
			return NULL;
		return memchr(im->mem + off, '\0', (size_t)max)
			       ? (const char *)im->mem + off
			       : NULL;
	}
	/* Find the end a window at a time; hold only a string that spans
	 * windows, and only once it is known to end. */
	while (pos < max && !z) {
		size_t k = max - pos < IMAGE_WINDOW ? (size_t)(max - pos)
						    : IMAGE_WINDOW;

		if (!(v = image_view(im, off + pos, k)))
			return NULL;
		if (!(z = memchr(v, '\0', k)))
			pos += k;
	}
	if (!z)
		return NULL;
	if (pos == 0)
		return (const char *)v;
	len = pos + (uint64_t)(z - v);
	im->str.len = 0;
	if (len >= SIZE_MAX || buf_grow(&im->str, (size_t)len + 1) < 0) {
		im->error = ENOMEM;
		return NULL;
	}
	if (image_read(im, im->str.data, off, (size_t)len + 1) < 0)
		return NULL;
	im->str.len = (size_t)len;
	return im->str.data;
}

bool image_same(struct image *a, uint64_t oa, struct image *b, uint64_t ob,
		uint64_t n)
{
	while (n > 0) {
		size_t k = n < IMAGE_WINDOW ? (size_t)n : IMAGE_WINDOW;
		const unsigned char *va = image_view(a, oa, k);
		const unsigned char *vb = va ? image_view(b, ob, k) : NULL;

		if (!vb || memcmp(va, vb, k))
			return false;
		oa += k;
		ob += k;
		n -= k;
	}
	return true;
}

const char *image_error(const struct image *im)
{
	if (!im->error)
		return NULL;
	if (im->error < 0)
		return "file shrank while it was read";
	return strerror(im->error);
}
