/*
 * libFuzzer target for gitpack: a pack file and an .idx made from the
 * input must give objects or one error each, never a read outside a
 * buffer, a loop without end or a crash (ASan, UBSan), whatever the
 * headers, sizes, zlib streams, delta offsets and delta ops say.
 *
 * Input: byte 0 gives the number of objects k (1 to 8); then k offsets
 * of 4 bytes (little-endian; the top bit set sends the offset to the
 * .idx's 64-bit table, whose one entry is the next 8 bytes); the rest is
 * the pack's body, after its 12-byte header. The objects are named
 * 01 00.., 02 00.., and so on. vectors/gitpack/ holds real packs in this
 * form (see its SOURCE).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gitpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int write_file(const char *name, const void *a, size_t na,
		      const void *b, size_t nb)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/pack/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(a, 1, na, f) == na && (!nb || fwrite(b, 1, nb, f) == nb);
	return fclose(f) == 0 && ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char idx[8 + 1024 + 8 * 28 + 8 + 40] = { 0 }, head[12] = "PACK";
	unsigned char trailer[20] = { 0 }, *names, *offs;
	struct xerr err = XERR_INIT;
	struct gitpack *p;
	struct gitpack_reader *rd;
	size_t k, i, hdr, len;
	char cmd[128];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/xpin-fuzz-gitpack.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(cmd, sizeof(cmd), "%s/pack", dir);
		if (mkdir(cmd, 0700) < 0)
			abort();
	}
	if (size < 1)
		return 0;
	k = (size_t)data[0] % 8 + 1;
	hdr = 1 + 4 * k + 8;
	if (size < hdr)
		return 0;
	memcpy(idx, "\377tOc\0\0\0\2", 8);
	/* object i (from 0) is named i + 1, 0, 0, ...: fanout counts them */
	for (i = 0; i < 256; i++)
		put32(idx + 8 + 4 * i, (uint32_t)(i >= k ? k : i));
	names = idx + 8 + 1024;
	offs = names + k * 24;
	for (i = 0; i < k; i++) {
		const uint8_t *o = data + 1 + 4 * i;

		names[i * 20] = (unsigned char)(i + 1);
		put32(offs + 4 * i, (uint32_t)o[0] | (uint32_t)o[1] << 8 |
					    (uint32_t)o[2] << 16 |
					    (uint32_t)o[3] << 24);
		if (offs[4 * i] & 0x80)
			offs[4 * i] = 0x80, offs[4 * i + 1] = offs[4 * i + 2] = 0,
			offs[4 * i + 3] = 0;
	}
	memcpy(offs + 4 * k, data + 1 + 4 * k, 8);
	len = (size_t)(offs + 4 * k + 8 - idx) + 40;
	put32(head + 4, 2);
	put32(head + 8, (uint32_t)k);
	if (write_file("pack-f.idx", idx, len, NULL, 0) < 0)
		abort();
	snprintf(cmd, sizeof(cmd), "%s/pack/pack-f.pack", dir);
	{
		FILE *f = fopen(cmd, "wb");

		if (!f || fwrite(head, 1, 12, f) != 12 ||
		    (size > hdr && fwrite(data + hdr, 1, size - hdr, f) != size - hdr) ||
		    fwrite(trailer, 1, 20, f) != 20 || fclose(f) != 0)
			abort();
	}
	p = gitpack_open(dir, &err);
	if (!p)
		return 0;
	rd = gitpack_reader_new(p, 64 << 10);
	for (i = 0; rd && i < k; i++) {
		unsigned char oid[20] = { 0 };
		void *obj = NULL;
		size_t n = 0;
		int type = 0;

		oid[0] = (unsigned char)(i + 1);
		if (gitpack_read(&obj, &n, &type, rd, oid, &err) == 1 &&
		    ((unsigned char *)obj)[n] != 0)
			abort();
		free(obj);
	}
	gitpack_reader_free(rd);
	gitpack_free(p);
	return 0;
}
