/*
 * libFuzzer target for diff: two byte strings made from the input must
 * give a report or one error, never a read outside either buffer (ASan,
 * UBSan), whatever their ELF section tables say. The short form and the
 * JSON are made from every report, so they see hostile names and bytes.
 *
 * Input: 4 header bytes (p0 p1 x mode), then the data. mode bit 0 set: A
 * is the data and B the same with byte (p0 | p1 << 8) mod len XORed with
 * x (two near-identical files, as two builds are); clear: A and B are the
 * data split at that offset.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An exact-size copy: a read one byte past it is caught. */
static unsigned char *dup_exact(const uint8_t *p, size_t n)
{
	unsigned char *c = malloc(n ? n : 1);

	if (c && n)
		memcpy(c, p, n);
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diff_report r = DIFF_REPORT_INIT;
	struct xerr err = XERR_INIT;
	struct buf b = BUF_INIT;
	unsigned char *a = NULL, *bb = NULL;
	size_t na, nb, pos;
	json_t *j;

	if (size < 4)
		return 0;
	pos = (size_t)data[0] | (size_t)data[1] << 8;
	data += 4;
	size -= 4;
	if (data[-1] & 1) {
		na = nb = size;
		a = dup_exact(data, na);
		bb = dup_exact(data, nb);
		if (a && bb && size)
			bb[pos % size] ^= data[-2] ? data[-2] : 1;
	} else {
		na = size ? pos % (size + 1) : 0;
		nb = size - na;
		a = dup_exact(data, na);
		bb = dup_exact(data + na, nb);
	}
	if (!a || !bb)
		goto out;
	if (diff_buffers(&r, "f", a, na, bb, nb, &err) < 0) {
		if (!err.msg[0] || strchr(err.msg, '\n'))
			abort();
		goto out;
	}
	if ((r.n != 0) != (na != nb || memcmp(a, bb, na) != 0))
		abort();
	if (diff_summary(&b, &r, 3) < 0)
		abort();
	j = diff_json(&r, "A", "B");
	if (!j)
		abort();
	buf_release(&b);
	if (jtext_dump_file(&b, j) < 0)
		abort();
	json_decref(j);
out:
	buf_release(&b);
	diff_report_release(&r);
	free(a);
	free(bb);
	return 0;
}
