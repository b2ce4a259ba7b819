/*
 * jtext: JSON as text. Loads JSON with jansson into a json_t (errors with
 * line and column), writes it canonically the way Nix writes flake.lock
 * (nlohmann's dump(2): two-space indent, keys sorted bytewise, non-ASCII
 * as is, control characters as \u00xx), and finds where a value sits in
 * the original text, for splicing edits and for error positions.
 * The caller owns every json_t it gets (json_decref) and every buf.
 */
#ifndef XPIN_JTEXT_H
#define XPIN_JTEXT_H

#include <stddef.h>

#include <jansson.h>

#include "util.h"

/* Parse text (len bytes) named file in errors; NULL with err filled.
 * Duplicate keys, invalid UTF-8, NUL and integers beyond 64 bits are
 * refused. */
json_t *jtext_load(const char *text, size_t len, const char *file,
		   struct xerr *err);

/* Append the canonical form of v to out; depth is the indentation level
 * the value starts at (0 for a whole file). No trailing newline. */
int jtext_dump(struct buf *out, const json_t *v, int depth);
/* The whole-file form: jtext_dump at depth 0 plus one "\n". */
int jtext_dump_file(struct buf *out, const json_t *v);

/*
 * Find the value at path (object keys; an array index written as "#N") in
 * the JSON text: *start and *end get the byte span of the value. Returns 0,
 * or -1 when the path does not exist. text must be valid JSON.
 */
int jtext_locate(const char *text, size_t len, const char *const *path,
		 size_t npath, size_t *start, size_t *end);
/* 1-based line and column (in bytes) of offset off in text. */
void jtext_linecol(const char *text, size_t off, int *line, int *col);

#endif
