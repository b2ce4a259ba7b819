/*
 * libFuzzer target for the ELF reader: any bytes must give either facts
 * or one error, never a read outside the buffer (ASan, UBSan). When the
 * reader accepts the input, the policy, the JSON object and the one-line
 * description are made from the facts too, so they see hostile strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_facts f;
	struct elf_warnings w = ELF_WARNINGS_INIT;
	struct elf_policy p = ELF_POLICY_INIT;
	struct elf_target t;
	struct xerr err = XERR_INIT;
	struct buf b = BUF_INIT;
	unsigned char *copy;
	json_t *o;

	/* An exact-size copy: a read one byte past the input is caught. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (elf_read(&f, copy, size, &err) < 0) {
		if (!err.msg[0] || err.code != XPIN_USAGE || strchr(err.msg, '\n'))
			abort();
		free(copy);
		return 0;
	}
	if (elf_target_parse(&t, "aarch64-unknown-linux-musl", &err) < 0)
		abort();
	p.target = &t;
	p.glibc_max = "2.17";
	if (elf_check(&w, &f, &p, &err) < 0)
		abort();
	o = elf_json("fuzz", &f, &w);
	if (!o || jtext_dump_file(&b, o) < 0 || elf_describe(&b, &f) < 0)
		abort();
	json_decref(o);
	buf_release(&b);
	elf_warnings_release(&w);
	elf_facts_release(&f);
	free(copy);
	return 0;
}
