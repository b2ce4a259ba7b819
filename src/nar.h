/*
 * nar: the NAR serialisation ("nix-archive-1") of a file tree, streamed
 * into SHA-256, which is what Nix calls a path's narHash.
 *
 * Two ways in. nar_hash_path() walks a file, symlink or directory on
 * disk (no symlink is ever followed; file contents are read in chunks,
 * never whole). The encoder (struct nar_enc) takes the tree as a stream
 * of events from any other producer, such as gitrepo's walk over a tree
 * in a git object store. Nothing is allocated: the state lives on the
 * caller's stack and there is nothing to release.
 *
 * NAR in short: every string is its length as 8 bytes little-endian, the
 * bytes, and zero padding to a multiple of 8. A node is
 *   "(" "type" "regular" ["executable" ""] "contents" DATA ")"
 *   "(" "type" "symlink" "target" TARGET ")"
 *   "(" "type" "directory" ENTRY... ")"
 * with ENTRY = "entry" "(" "name" NAME "node" NODE ")", entries sorted by
 * name bytewise (not in git's order, where a directory sorts as if its
 * name ended in '/').
 */
#ifndef XPIN_NAR_H
#define XPIN_NAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "util.h"

/* Longest formatted hash, NUL included (SRI 52, base32 53, base16 65). */
#define NAR_FMT_MAX 72

enum nar_fmt { NAR_SRI, NAR_BASE32, NAR_BASE16 };

/* "sha256-<base64>", Nix's base32, or hex, as `nix hash path` prints. */
void nar_format(char out[NAR_FMT_MAX], const unsigned char d[32],
		enum nar_fmt f);

/*
 * NAR hash of path (a regular file, a symlink or a directory), equal to
 * `nix hash path PATH`. Sockets, fifos and devices are refused (code 2),
 * as is a file that changes size while it is read. With more than one
 * CPU, the NAR stream is hashed on a second thread while the walk reads
 * on; memory stays a few fixed buffers (NAR_PIPE_BUFS of NAR_PIPE_BUF
 * bytes) whatever the tree.
 */
#define NAR_PIPE_BUFS 8
#define NAR_PIPE_BUF (512 * 1024)
int nar_hash_path(unsigned char out[32], const char *path,
		  struct xerr *err);

/*
 * The streaming encoder. Call nar_enc_init, then describe one root node:
 * a file (nar_enc_file, or nar_enc_file_begin + nar_enc_file_data... +
 * nar_enc_file_end), a symlink, or a directory (nar_enc_dir_begin, then
 * for each child nar_enc_entry(name) followed by that child's node, then
 * nar_enc_dir_end). The caller gives entries in bytewise name order and
 * valid names (not "", ".", "..", no '/' or NUL): nar_enc_entry refuses
 * a bad name with code 2; the order is the producer's job (both in-tree
 * producers sort). nar_enc_final gives the hash and releases the
 * encoder; one abandoned before it is freed with nar_enc_release
 * (NULL-safe, a no-op after nar_enc_final).
 */
struct nar_pipe;
struct nar_enc {
	struct hash_sha256 sha;
	uint64_t depth;     /* directories open */
	uint64_t file_size; /* of the file being written, for its padding */
	struct nar_pipe *pipe; /* nar_hash_path's: sha is fed on a thread */
};

void nar_enc_init(struct nar_enc *e);
int nar_enc_entry(struct nar_enc *e, const char *name, size_t len,
		  struct xerr *err);
void nar_enc_dir_begin(struct nar_enc *e);
void nar_enc_dir_end(struct nar_enc *e);
void nar_enc_symlink(struct nar_enc *e, const void *target, size_t len);
void nar_enc_file(struct nar_enc *e, bool executable, const void *data,
		  uint64_t size);
void nar_enc_file_begin(struct nar_enc *e, bool executable, uint64_t size);
void nar_enc_file_data(struct nar_enc *e, const void *p, size_t n);
void nar_enc_file_end(struct nar_enc *e);
void nar_enc_final(struct nar_enc *e, unsigned char out[32]);
void nar_enc_release(struct nar_enc *e);

#endif
