/*
 * gitpack: objects read straight from a repository's pack files, for the
 * tree walk's blobs. libgit2 maps packs in windows; a walk reads a tree's
 * blobs in NAR order, which is not the order of every pack (git
 * fast-import writes blobs as they were fed), so bounded windows are
 * mapped and unmapped once per few blobs, and each unmapping stops the
 * other CPUs to flush their TLBs; unbounded ones make the process's
 * memory the size of the pack. Here a pack is read with pread(2) into a
 * reader's own buffers: no mapping of the pack at all (its .idx is
 * mapped, read-only, and only the pages a lookup touches are read), so
 * memory is the objects in hand and a bounded cache of delta bases,
 * whatever the pack's size or order.
 *
 * It reads pack version 2 and 3 with .idx version 2 (what git has written
 * since 1.5.2), whole objects and both delta kinds. What it does not find
 * (a loose object, a pack added after the open, an .idx of version 1, a
 * REF_DELTA whose base is elsewhere) is answered "not here" (0), and the
 * caller reads it another way. Like `git archive`, it does not hash an
 * object again to check it against its id; zlib's adler32 still catches
 * a damaged stream. Every length and offset in a pack is checked before
 * use: a damaged or hostile pack fails with XPIN_USAGE and a one-line
 * message naming the pack and the offset.
 *
 * A struct gitpack is read-only once open and may be shared by threads;
 * a struct gitpack_reader (its buffers, zlib stream and base cache) is one
 * thread's at a time.
 */
#ifndef XPIN_GITPACK_H
#define XPIN_GITPACK_H

#include <stddef.h>

#include "util.h"

struct gitpack;
struct gitpack_reader;

/* The packs of objects_dir (objects/pack/pack-*.idx with their .pack).
 * A folder with no packs gives an empty set; NULL only with err set
 * (out of memory). Packs that cannot be read are left out. */
struct gitpack *gitpack_open(const char *objects_dir, struct xerr *err);
void gitpack_free(struct gitpack *p);
/* How many packs were opened. */
size_t gitpack_count(const struct gitpack *p);

/* A reader of p whose delta base cache holds at most cache_bytes. */
struct gitpack_reader *gitpack_reader_new(struct gitpack *p,
					  size_t cache_bytes);
void gitpack_reader_free(struct gitpack_reader *rd);

/* Object kinds, as git numbers them. */
enum { GITPACK_COMMIT = 1, GITPACK_TREE = 2, GITPACK_BLOB = 3, GITPACK_TAG = 4 };

/*
 * The object named by oid (20 bytes, SHA-1): 1 with *data (malloc'd, the
 * caller frees it; one byte more than *size is allocated) its bytes,
 * *size and *type; 0 when no pack of p has it whole (nothing set); -1
 * with err when a pack that has it is damaged or memory runs out.
 */
int gitpack_read(void **data, size_t *size, int *type,
		 struct gitpack_reader *rd, const unsigned char *oid,
		 struct xerr *err);

#endif
