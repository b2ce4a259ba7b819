/* gitpack: objects read from pack files with pread, no mapping. */
#include "gitpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_HEADER (8 + 256 * 4)
#define OID_LEN 20
/* Bytes read at an object's start: its header and, for most objects of a
 * source tree, all of its compressed data; a larger one is read on in
 * steps of at most IN_CHUNK, and never much past its end (zlib_bound). */
#define FIRST_READ ((size_t)4 << 10)
#define IN_CHUNK ((size_t)64 << 10)
/* git writes chains of at most 50 (250 with --aggressive); a longer one
 * is a loop or an attack. */
#define MAX_CHAIN 10000
/* deflate expands at most 1032:1, so an object cannot inflate to more
 * than this many bytes per byte left in its pack */
#define MAX_RATIO 1032
#define CACHE_SLOTS 256

struct pack {
	char *path;                 /* the .pack, for messages */
	int fd;
	uint64_t size;
	unsigned char *idx;         /* the mapped .idx */
	size_t idx_len;
	uint32_t n;                 /* objects */
	const unsigned char *fanout, *names, *off32, *off64;
	uint64_t n64;
};

struct gitpack {
	struct pack *packs;
	size_t n;
};

struct cache_ent {
	bool used;
	size_t pack;
	uint64_t off;
	int type;
	unsigned char *data;
	size_t size;
	struct cache_ent *newer, *older;
};

struct link {
	size_t pack;
	uint64_t off;
	unsigned char *delta;
	size_t size;
};

struct gitpack_reader {
	struct gitpack *p;
	z_stream z;
	bool z_ready;
	unsigned char in[IN_CHUNK];
	struct cache_ent slot[CACHE_SLOTS];
	struct cache_ent *newest, *oldest;
	size_t cached, cache_max;
	struct link *chain;
	size_t nchain, chain_cap;
};

/* The object being read, for messages and for the inflater. */
struct at {
	const struct pack *pk;
	uint64_t off;
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int damaged(const struct at *a, const char *what, struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "%s: damaged object at offset %llu: %s",
			a->pk->path, (unsigned long long)a->off, what);
}

static int nomem(struct xerr *err)
{
	return xerr_set(err, XPIN_USAGE, "out of memory");
}

/* --- opening --- */

static void pack_close(struct pack *pk)
{
	if (pk->idx)
		munmap(pk->idx, pk->idx_len);
	if (pk->fd >= 0)
		close(pk->fd);
	free(pk->path);
}

/* The .idx (version 2) at idx_fd, checked: every table inside the file. */
static bool idx_load(struct pack *pk, int idx_fd)
{
	struct stat st;
	uint64_t fixed;
	uint32_t i, prev = 0;

	if (fstat(idx_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < IDX_HEADER + 2 * OID_LEN ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return false;
	pk->idx_len = (size_t)st.st_size;
	pk->idx = mmap(NULL, pk->idx_len, PROT_READ, MAP_PRIVATE, idx_fd, 0);
	if (pk->idx == MAP_FAILED) {
		pk->idx = NULL;
		return false;
	}
	if (memcmp(pk->idx, "\377tOc", 4) || be32(pk->idx + 4) != 2)
		return false;
	pk->fanout = pk->idx + 8;
	for (i = 0; i < 256; i++) {
		uint32_t f = be32(pk->fanout + 4 * i);

		if (f < prev)
			return false;
		prev = f;
	}
	pk->n = prev;
	fixed = IDX_HEADER + (uint64_t)pk->n * (OID_LEN + 4 + 4) + 2 * OID_LEN;
	if (fixed > pk->idx_len || (pk->idx_len - fixed) % 8)
		return false;
	pk->n64 = (pk->idx_len - fixed) / 8;
	pk->names = pk->idx + IDX_HEADER;
	pk->off32 = pk->names + (size_t)pk->n * (OID_LEN + 4);
	pk->off64 = pk->off32 + (size_t)pk->n * 4;
	return true;
}

/* dir/name (an .idx) and its .pack: false when either cannot be used. */
static bool pack_load(struct pack *pk, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	unsigned char head[12];
	struct stat st;
	int idx_fd;
	bool ok;

	pk->fd = -1;
	if (!(pk->path = malloc(len + 1)))
		return false;
	snprintf(pk->path, len + 1, "%s/%s", dir, name);
	idx_fd = open(pk->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (idx_fd < 0)
		return false;
	ok = idx_load(pk, idx_fd);
	close(idx_fd);
	if (!ok)
		return false;
	strcpy(pk->path + strlen(pk->path) - 4, ".pack");
	pk->fd = open(pk->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (pk->fd < 0 || fstat(pk->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    pread(pk->fd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
		return false;
	pk->size = (uint64_t)st.st_size;
	return !memcmp(head, "PACK", 4) &&
	       (be32(head + 4) == 2 || be32(head + 4) == 3) &&
	       be32(head + 8) == pk->n && pk->size >= 12 + OID_LEN;
}

static bool is_idx_name(const char *name)
{
	size_t len = strlen(name);

	return len > 9 && !strncmp(name, "pack-", 5) &&
	       !strcmp(name + len - 4, ".idx");
}

struct gitpack *gitpack_open(const char *objects_dir, struct xerr *err)
{
	struct gitpack *p = calloc(1, sizeof(*p));
	struct buf dir = BUF_INIT;
	struct dirent *de;
	size_t cap = 0;
	DIR *d = NULL;

	if (!p || buf_printf(&dir, "%s/pack", objects_dir) < 0)
		goto fail;
	if (!(d = opendir(dir.data))) {
		buf_release(&dir);
		return p;
	}
	while ((de = readdir(d))) {
		if (!is_idx_name(de->d_name))
			continue;
		if (p->n == cap) {
			struct pack *np = realloc(p->packs, (cap ? 2 * cap : 4) *
							      sizeof(*np));

			if (!np)
				goto fail;
			p->packs = np;
			cap = cap ? 2 * cap : 4;
		}
		memset(&p->packs[p->n], 0, sizeof(p->packs[p->n]));
		if (pack_load(&p->packs[p->n], dir.data, de->d_name))
			p->n++;
		else
			pack_close(&p->packs[p->n]);
	}
	closedir(d);
	buf_release(&dir);
	return p;
fail:
	if (d)
		closedir(d);
	buf_release(&dir);
	gitpack_free(p);
	nomem(err);
	return NULL;
}

void gitpack_free(struct gitpack *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		pack_close(&p->packs[i]);
	free(p->packs);
	free(p);
}

size_t gitpack_count(const struct gitpack *p)
{
	return p->n;
}

/* Where oid is in pk: 1 with *off, 0 when pk does not have it, -1 when
 * its offset points outside the pack. */
static int pack_find(uint64_t *off, const struct pack *pk,
		     const unsigned char *oid)
{
	uint32_t lo = oid[0] ? be32(pk->fanout + 4 * (oid[0] - 1)) : 0;
	uint32_t hi = be32(pk->fanout + 4 * oid[0]);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, o;
		int c = memcmp(pk->names + (size_t)mid * OID_LEN, oid, OID_LEN);

		if (c < 0) {
			lo = mid + 1;
			continue;
		}
		if (c > 0) {
			hi = mid;
			continue;
		}
		o = be32(pk->off32 + (size_t)mid * 4);
		if (!(o & 0x80000000u))
			*off = o;
		else if ((o & 0x7fffffffu) < pk->n64)
			*off = be64(pk->off64 + (size_t)(o & 0x7fffffffu) * 8);
		else
			return -1;
		return *off >= 12 && *off < pk->size - OID_LEN ? 1 : -1;
	}
	return 0;
}

/* --- the delta base cache: direct-mapped slots, evicted oldest first
 * once its bytes would pass the reader's bound --- */

static size_t slot_of(size_t pack, uint64_t off)
{
	uint64_t h = (off ^ ((uint64_t)pack << 40)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 56) % CACHE_SLOTS;
}

static void cache_unlink(struct gitpack_reader *rd, struct cache_ent *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		rd->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		rd->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void cache_drop(struct gitpack_reader *rd, struct cache_ent *e)
{
	if (!e->used)
		return;
	cache_unlink(rd, e);
	rd->cached -= e->size;
	free(e->data);
	memset(e, 0, sizeof(*e));
}

static struct cache_ent *cache_get(struct gitpack_reader *rd, size_t pack,
				   uint64_t off)
{
	struct cache_ent *e = &rd->slot[slot_of(pack, off)];

	if (!e->used || e->pack != pack || e->off != off)
		return NULL;
	cache_unlink(rd, e);
	e->older = rd->newest;
	if (rd->newest)
		rd->newest->newer = e;
	rd->newest = e;
	if (!rd->oldest)
		rd->oldest = e;
	return e;
}

/* Keep data (the cache owns it from here, or frees it). */
static void cache_put(struct gitpack_reader *rd, size_t pack, uint64_t off,
		      int type, unsigned char *data, size_t size)
{
	struct cache_ent *e = &rd->slot[slot_of(pack, off)];

	if (size > rd->cache_max / 4) {
		free(data);
		return;
	}
	cache_drop(rd, e);
	while (rd->oldest && rd->cached + size > rd->cache_max)
		cache_drop(rd, rd->oldest);
	*e = (struct cache_ent){ true, pack, off, type, data, size, NULL,
				 rd->newest };
	if (rd->newest)
		rd->newest->newer = e;
	rd->newest = e;
	if (!rd->oldest)
		rd->oldest = e;
	rd->cached += size;
}

/* --- readers --- */

struct gitpack_reader *gitpack_reader_new(struct gitpack *p,
					  size_t cache_bytes)
{
	struct gitpack_reader *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	rd->p = p;
	rd->cache_max = cache_bytes;
	if (inflateInit(&rd->z) != Z_OK) {
		free(rd);
		return NULL;
	}
	rd->z_ready = true;
	return rd;
}

void gitpack_reader_free(struct gitpack_reader *rd)
{
	size_t i;

	if (!rd)
		return;
	for (i = 0; i < CACHE_SLOTS; i++)
		cache_drop(rd, &rd->slot[i]);
	for (i = 0; i < rd->nchain; i++)
		free(rd->chain[i].delta);
	free(rd->chain);
	if (rd->z_ready)
		inflateEnd(&rd->z);
	free(rd);
}

/* An object's header, read with the start of its data into rd->in. */
struct head {
	int type;
	uint64_t size;
	uint64_t base_off;          /* OFS_DELTA */
	unsigned char base_oid[OID_LEN]; /* REF_DELTA */
	size_t len;                 /* of the header, in rd->in */
	size_t have;                /* bytes read into rd->in */
};

static int read_head(struct head *h, struct gitpack_reader *rd,
		     const struct at *a, struct xerr *err)
{
	uint64_t left = a->pk->size - OID_LEN - a->off;
	size_t want = left < FIRST_READ ? (size_t)left : FIRST_READ, i = 0;
	unsigned shift = 4;
	ssize_t got;
	unsigned c;

	do
		got = pread(a->pk->fd, rd->in, want, (off_t)a->off);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return xerr_set(err, XPIN_USAGE, "cannot read '%s': %s",
				a->pk->path, strerror(errno));
	h->have = (size_t)got;
	if (!h->have)
		return damaged(a, "past the end of the pack", err);
	c = rd->in[i++];
	h->type = (int)(c >> 4 & 7);
	h->size = c & 15;
	while (c & 0x80) {
		if (i == h->have || shift > 57)
			return damaged(a, "bad size", err);
		c = rd->in[i++];
		h->size |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	}
	if (h->type == 6) {
		uint64_t ofs;

		if (i == h->have)
			return damaged(a, "bad delta base", err);
		c = rd->in[i++];
		ofs = c & 0x7f;
		while (c & 0x80) {
			if (i == h->have || ofs >> 56)
				return damaged(a, "bad delta base", err);
			c = rd->in[i++];
			ofs = ((ofs + 1) << 7) | (c & 0x7f);
		}
		if (!ofs || ofs > a->off - 12)
			return damaged(a, "delta base outside the pack", err);
		h->base_off = a->off - ofs;
	} else if (h->type == 7) {
		if (h->have - i < OID_LEN)
			return damaged(a, "bad delta base", err);
		memcpy(h->base_oid, rd->in + i, OID_LEN);
		i += OID_LEN;
	} else if (h->type < 1 || h->type > 4) {
		return damaged(a, "unknown object type", err);
	}
	h->len = i;
	if (h->size / MAX_RATIO > left || h->size >= SIZE_MAX / 2)
		return damaged(a, "size larger than its pack allows", err);
	return 0;
}

/* The most bytes zlib can take to store size bytes (stored blocks of at
 * most 16383 bytes, 5 bytes each, and the stream's own 6), and a margin. */
static uint64_t zlib_bound(uint64_t size)
{
	return size + 5 * (size / 16383 + 1) + 6 + 64;
}

/* Inflate the object's data (what read_head left in rd->in, then the
 * pack's next bytes) into a new buffer of exactly h->size bytes, NUL
 * after them, which must be where its zlib stream ends. */
static int inflate_obj(unsigned char **out, struct gitpack_reader *rd,
		       const struct head *h, const struct at *a,
		       struct xerr *err)
{
	z_stream *z = &rd->z;
	uint64_t pos = a->off + h->have;
	size_t size = (size_t)h->size, done = 0;
	unsigned char *buf = malloc(size + 1), extra;
	bool probing = false;
	int rc;

	if (!buf)
		return nomem(err);
	if (inflateReset(z) != Z_OK)
		goto bad;
	z->next_in = rd->in + h->len;
	z->avail_in = (uInt)(h->have - h->len);
	z->next_out = buf;
	z->avail_out = size > UINT_MAX ? UINT_MAX : (uInt)size;
	for (;;) {
		if (!z->avail_out) {
			if (probing)
				goto bad;
			done = (size_t)(z->next_out - buf);
			if (done == size) {
				/* all the bytes it declared: one more
				 * would mean it lied */
				z->next_out = &extra;
				z->avail_out = 1;
				probing = true;
			} else {
				z->avail_out = size - done > UINT_MAX
						       ? UINT_MAX
						       : (uInt)(size - done);
			}
		}
		if (!z->avail_in) {
			uint64_t left = a->pk->size - OID_LEN - pos,
				 used = pos - (a->off + h->len),
				 rest = zlib_bound(h->size) > used
						? zlib_bound(h->size) - used : 1;
			size_t want;

			if (rest < left)
				left = rest;
			want = left < IN_CHUNK ? (size_t)left : IN_CHUNK;
			ssize_t got;

			do
				got = pread(a->pk->fd, rd->in, want, (off_t)pos);
			while (got < 0 && errno == EINTR);
			if (got <= 0)
				goto bad;
			pos += (uint64_t)got;
			z->next_in = rd->in;
			z->avail_in = (uInt)got;
		}
		rc = inflate(z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK)
			goto bad;
	}
	if (probing ? z->avail_out != 1 : z->next_out != buf + size)
		goto bad;
	buf[size] = '\0';
	*out = buf;
	return 0;
bad:
	free(buf);
	return damaged(a, "its data does not inflate to its size", err);
}

static uint64_t delta_size(const unsigned char **p, const unsigned char *end)
{
	uint64_t v = 0;
	unsigned shift = 0, c;

	do {
		if (*p == end || shift > 63)
			return UINT64_MAX;
		c = *(*p)++;
		v |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	return v;
}

/* base with git's delta d applied: a new buffer (NUL after the bytes). */
static int apply_delta(unsigned char **out, size_t *out_size,
		       const unsigned char *base, size_t base_size,
		       const unsigned char *d, size_t dsize,
		       const struct at *a, struct xerr *err)
{
	const unsigned char *p = d, *end = d + dsize;
	uint64_t src = delta_size(&p, end), dst = delta_size(&p, end);
	unsigned char *buf, *w;
	size_t left;

	if (src != base_size)
		return damaged(a, "delta for a base of another size", err);
	if (dst == UINT64_MAX || dst / 65536 > dsize)
		return damaged(a, "bad delta", err);
	if (!(buf = malloc((size_t)dst + 1)))
		return nomem(err);
	w = buf;
	left = (size_t)dst;
	while (p < end) {
		unsigned op = *p++, i;

		if (op & 0x80) {
			size_t off = 0, len = 0;

			for (i = 0; i < 4; i++)
				if (op & (1u << i)) {
					if (p == end)
						goto bad;
					off |= (size_t)*p++ << (8 * i);
				}
			for (i = 0; i < 3; i++)
				if (op & (0x10u << i)) {
					if (p == end)
						goto bad;
					len |= (size_t)*p++ << (8 * i);
				}
			if (!len)
				len = 0x10000;
			if (off > base_size || len > base_size - off || len > left)
				goto bad;
			memcpy(w, base + off, len);
			w += len;
			left -= len;
		} else if (op) {
			if (op > (size_t)(end - p) || op > left)
				goto bad;
			memcpy(w, p, op);
			p += op;
			w += op;
			left -= op;
		} else {
			goto bad;
		}
	}
	if (left)
		goto bad;
	*w = '\0';
	*out = buf;
	*out_size = (size_t)dst;
	return 0;
bad:
	free(buf);
	return damaged(a, "bad delta", err);
}

/* Where oid is in any pack: 1 with *pack and *off, 0 if none has it. */
static int find_any(size_t *pack, uint64_t *off, const struct gitpack *p,
		    const unsigned char *oid, struct xerr *err)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		int rc = pack_find(off, &p->packs[i], oid);

		if (rc < 0)
			return xerr_set(err, XPIN_USAGE,
					"%s: its index points outside the pack",
					p->packs[i].path);
		if (rc) {
			*pack = i;
			return 1;
		}
	}
	return 0;
}

static int chain_push(struct gitpack_reader *rd, size_t pack, uint64_t off,
		      unsigned char *delta, size_t size, struct xerr *err)
{
	if (rd->nchain == rd->chain_cap) {
		size_t cap = rd->chain_cap ? 2 * rd->chain_cap : 16;
		struct link *n = realloc(rd->chain, cap * sizeof(*n));

		if (!n) {
			free(delta);
			return nomem(err);
		}
		rd->chain = n;
		rd->chain_cap = cap;
	}
	rd->chain[rd->nchain++] = (struct link){ pack, off, delta, size };
	return 0;
}

static void chain_clear(struct gitpack_reader *rd)
{
	while (rd->nchain)
		free(rd->chain[--rd->nchain].delta);
}

/* The object at (pack, off), its deltas resolved: 1 with *out (owned),
 * 0 when a REF_DELTA's base is in no pack, -1 with err. */
static int read_at(unsigned char **out, size_t *out_size, int *out_type,
		   struct gitpack_reader *rd, size_t pack, uint64_t off,
		   struct xerr *err)
{
	const unsigned char *base = NULL;
	unsigned char *owned = NULL;
	size_t base_size = 0, base_pack = pack;
	uint64_t base_off = off;
	int type = 0, ret = -1;

	for (;;) {
		struct at a = { &rd->p->packs[pack], off };
		struct cache_ent *e = cache_get(rd, pack, off);
		struct head h;
		unsigned char *data = NULL;

		if (e) {
			base = e->data;
			base_size = e->size;
			type = e->type;
			break;
		}
		if (rd->nchain == MAX_CHAIN) {
			damaged(&a, "delta chain too long", err);
			goto out;
		}
		if (read_head(&h, rd, &a, err) < 0 ||
		    inflate_obj(&data, rd, &h, &a, err) < 0)
			goto out;
		if (h.type < 6) {
			base = owned = data;
			base_size = (size_t)h.size;
			type = h.type;
			break;
		}
		if (chain_push(rd, pack, off, data, (size_t)h.size, err) < 0)
			goto out;
		if (h.type == 6) {
			off = h.base_off;
		} else {
			int rc = find_any(&pack, &off, rd->p, h.base_oid, err);

			if (rc <= 0) {
				ret = rc;
				goto out;
			}
		}
	}
	base_pack = pack;
	base_off = off;
	while (rd->nchain) {
		struct link *l = &rd->chain[rd->nchain - 1];
		struct at a = { &rd->p->packs[l->pack], l->off };
		unsigned char *next = NULL;
		size_t next_size = 0;

		if (apply_delta(&next, &next_size, base, base_size, l->delta,
				l->size, &a, err) < 0)
			goto out;
		/* what served as a base is kept: the next object of the
		 * same chain starts from it */
		if (owned)
			cache_put(rd, base_pack, base_off, type, owned, base_size);
		base = owned = next;
		base_size = next_size;
		base_pack = l->pack;
		base_off = l->off;
		free(l->delta);
		rd->nchain--;
	}
	if (!owned) {
		/* the object itself was cached */
		if (!(owned = malloc(base_size + 1))) {
			nomem(err);
			goto out;
		}
		memcpy(owned, base, base_size);
		owned[base_size] = '\0';
	}
	*out = owned;
	*out_size = base_size;
	*out_type = type;
	owned = NULL;
	ret = 1;
out:
	free(owned);
	chain_clear(rd);
	return ret;
}

int gitpack_read(void **data, size_t *size, int *type,
		 struct gitpack_reader *rd, const unsigned char *oid,
		 struct xerr *err)
{
	unsigned char *out = NULL;
	uint64_t off;
	size_t pack;
	int rc = find_any(&pack, &off, rd->p, oid, err);

	if (rc <= 0)
		return rc;
	rc = read_at(&out, size, type, rd, pack, off, err);
	if (rc == 1)
		*data = out;
	return rc;
}
