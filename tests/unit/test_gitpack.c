/* gitpack against git itself: every object of a pack, as `git cat-file
 * --batch-all-objects --batch` gives it, read back the same (whole
 * objects, OFS_DELTA and REF_DELTA chains as deep as `git gc
 * --aggressive` makes them, 64-bit offsets in the .idx, with and without
 * the delta base cache); a loose object is not found; damaged packs fail
 * with one line and never read out of bounds (this runs under ASan in
 * make check-asan). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gitpack.h"
#include "unit.h"
#include "util.h"

static struct buf dir = BUF_INIT;

static void cleanup(void)
{
	if (dir.len)
		util_rmtree(buf_cstr(&dir));
	buf_release(&dir);
}

/*
 * A repository whose history makes delta chains: 40 commits over 60 text
 * files, each commit changing one more line of each (so each version is
 * nearest to the next), a 300 KiB incompressible file
 * and a 2 MiB compressible one (bigger than a read), then packed by `git
 * gc --aggressive` (chains up to its depth, 50).
 */
static const char *repo(void)
{
	static char p[4096];
	struct xerr err = XERR_INIT;

	if (p[0])
		return p;
	if (util_mkdtemp(&dir, "xpin-unit-pack", &err) < 0)
		return "/nonexistent";
	atexit(cleanup);
	snprintf(p, sizeof(p), "%s/r", dir.data);
	if (unit_sh("set -e; git init -q -b main '%s'; cd '%s';"
	       "head -c 307200 /dev/urandom >noise.bin;"
	       "awk 'BEGIN { for (i = 0; i < 60000; i++) print \"row\", i, i * 7 %% 13 }' >big.txt;"
	       "for c in $(seq 1 40); do"
	       "  for f in $(seq 1 60); do"
	       "    awk -v c=$c -v f=$f 'BEGIN { for (i = 0; i < 200; i++)"
	       "      print \"file\", f, \"line\", i, i < c ? \"new\" : \"old\", i < c ? i * 31 %% 97 : 0 }' >f$f.txt;"
	       "  done;"
	       "  git add -A; git -c user.name=t -c user.email=t@xpin.invalid commit -q -m c$c;"
	       "done;"
	       "git gc -q --aggressive", p, p) != 0)
		unit_fail(__FILE__, __LINE__, "cannot make the repository");
	return p;
}

/* Every object of git's own listing read through gitpack with a base
 * cache of cache_bytes: how many matched (-1 when one did not). */
static long compare_all(const char *r, size_t cache_bytes)
{
	char cmd[4200], objects[4200], line[256];
	struct xerr err = XERR_INIT;
	struct gitpack *p;
	struct gitpack_reader *rd;
	long n = 0;
	FILE *f;

	snprintf(objects, sizeof(objects), "%s/.git/objects", r);
	p = gitpack_open(objects, &err);
	T_ASSERT(p != NULL);
	if (!p)
		return -1;
	rd = gitpack_reader_new(p, cache_bytes);
	snprintf(cmd, sizeof(cmd), UNIT_GITENV "git -C '%s' cat-file --batch-all-objects --batch",
		 r);
	f = popen(cmd, "r");
	while (rd && f && fgets(line, sizeof(line), f)) {
		char hex[41], type[16];
		unsigned char oid[20];
		unsigned long long size;
		void *data = NULL;
		size_t got = 0;
		char *want;
		int t = 0, rc, i;

		if (sscanf(line, "%40s %15s %llu", hex, type, &size) != 3)
			break;
		for (i = 0; i < 20; i++) {
			unsigned v;

			sscanf(hex + 2 * i, "%2x", &v);
			oid[i] = (unsigned char)v;
		}
		want = malloc(size + 1);
		if (!want || fread(want, 1, size + 1, f) != size + 1) {
			free(want);
			break;
		}
		rc = gitpack_read(&data, &got, &t, rd, oid, &err);
		T_INTEQ(rc, 1);
		if (rc == 1) {
			T_INTEQ(got, size);
			T_INTEQ(t, !strcmp(type, "commit") ? GITPACK_COMMIT
				   : !strcmp(type, "tree") ? GITPACK_TREE
				   : !strcmp(type, "blob") ? GITPACK_BLOB
							   : GITPACK_TAG);
			if (got == size && memcmp(data, want, size)) {
				unit_fail(__FILE__, __LINE__, hex);
				n = -1000000;
			}
			T_INTEQ(((char *)data)[got], 0);
		} else {
			unit_fail(__FILE__, __LINE__, err.msg);
			n = -1000000;
		}
		free(data);
		free(want);
		n++;
	}
	if (f)
		pclose(f);
	gitpack_reader_free(rd);
	gitpack_free(p);
	return n < 0 ? -1 : n;
}

/* gc --aggressive's pack: OFS_DELTA chains, read with no cache, a small
 * one and a large one. */
void test_gitpack__every_object_ofs_delta(void)
{
	static const size_t caches[] = { 0, 64 << 10, 16 << 20 };
	unsigned i;

	T_INTEQ(unit_sh("test \"$(git -C '%s' count-objects -v | sed -n 's/^count: //p')\" = 0",
		   repo()), 0);
	/* deltas it made: more than one object is stored as one */
	T_INTEQ(unit_sh("cd '%s' && git verify-pack -v .git/objects/pack/*.idx | "
		   "awk 'NF == 7 && length($7) == 40 { n++; if ($6 + 0 > max) max = $6 + 0 } "
		   "END { exit !(n > 1000 && max >= 15) }'", repo()), 0);
	for (i = 0; i < sizeof(caches) / sizeof(*caches); i++)
		T_ASSERT(compare_all(repo(), caches[i]) > 2400);
}

/* The same objects repacked with REF_DELTA (bases named by id) and an
 * .idx whose offsets past 4 KiB are in its 64-bit table. */
void test_gitpack__every_object_ref_delta_offset64(void)
{
	char r[4200];

	repo();
	snprintf(r, sizeof(r), "%s/ref", dir.data);
	T_INTEQ(unit_sh("set -e; git clone -q --bare --no-local '%s' '%s';"
		   "git -C '%s' -c repack.useDeltaBaseOffset=false repack -q -a -d -f --depth=50;"
		   "cd '%s/objects/pack'; for p in *.pack; do"
		   "  rm -f \"${p%%.pack}.idx\";"
		   "  git index-pack --index-version=2,4096 \"$p\" >/dev/null; done",
		   repo(), r, r, r), 0);
	/* the deltas are REF_DELTA (type 7) and none OFS_DELTA (6): the type
	 * bits of each object's first byte, at the offsets git show-index
	 * gives */
	T_INTEQ(unit_sh("cd '%s/objects/pack' && git show-index <$(ls *.idx) | "
		   "python3 -c 'import sys; p = open(sys.argv[1], \"rb\").read(); "
		   "t = [p[int(l.split()[0])] >> 4 & 7 for l in sys.stdin]; "
		   "sys.exit(not (t.count(7) > 1000 and t.count(6) == 0))' *.pack", r), 0);
	/* the .idx has a 64-bit offset table: it is longer than the header,
	 * the 28 bytes an object and the two checksums */
	T_INTEQ(unit_sh("cd '%s/objects/pack' && i=$(ls *.idx) && n=$(git show-index <$i | wc -l) && "
		   "test $(wc -c <$i) -gt $(( 1072 + 28 * n ))", r), 0);
	{
		char bare[4300];

		/* compare_all wants the work tree's .git; a bare clone is
		 * its own .git */
		snprintf(bare, sizeof(bare), "%s/wt", dir.data);
		T_INTEQ(unit_sh("mkdir -p '%s' && ln -sfn '%s' '%s/.git'", bare, r, bare), 0);
		T_ASSERT(compare_all(bare, 1 << 20) > 2400);
	}
}

/* What no pack has is not found, and a repository without packs is an
 * empty set. */
void test_gitpack__loose_not_found(void)
{
	char objects[4200], file[4300], hex[64] = "";
	unsigned char oid[20];
	struct xerr err = XERR_INIT;
	struct gitpack *p;
	struct gitpack_reader *rd;
	void *data = NULL;
	size_t size = 0;
	int type = 0, i;
	FILE *f;

	snprintf(objects, sizeof(objects), "%s/loose", repo() ? dir.data : "");
	T_INTEQ(unit_sh("git init -q '%s' && cd '%s' && echo hello >a && "
		   "git hash-object -w a >hex", objects, objects), 0);
	snprintf(file, sizeof(file), "%s/hex", objects);
	f = fopen(file, "r");
	T_ASSERT(f && fscanf(f, "%40s", hex) == 1);
	if (f)
		fclose(f);
	for (i = 0; i < 20; i++) {
		unsigned v = 0;

		sscanf(hex + 2 * i, "%2x", &v);
		oid[i] = (unsigned char)v;
	}
	strcat(objects, "/.git/objects");
	p = gitpack_open(objects, &err);
	T_ASSERT(p != NULL);
	if (!p)
		return;
	T_INTEQ(gitpack_count(p), 0);
	rd = gitpack_reader_new(p, 0);
	T_INTEQ(gitpack_read(&data, &size, &type, rd, oid, &err), 0);
	gitpack_reader_free(rd);
	gitpack_free(p);
}

/*
 * A pack damaged at each of many places, or cut short: every read gives
 * an object or fails with one line naming the pack, most damage is met,
 * and nothing crashes or reads out of bounds. An .idx that is not one
 * leaves its pack out.
 */
void test_gitpack__damaged(void)
{
	char r[4200], packs[4300];
	int k, met = 0;

	repo();
	snprintf(r, sizeof(r), "%s/dmg", dir.data);
	snprintf(packs, sizeof(packs), "%s/objects/pack", r);
	T_INTEQ(unit_sh("git clone -q --bare --no-local '%s' '%s' && "
		   "git -C '%s' repack -q -a -d -f --depth=20 && "
		   "cp %s/*.pack '%s/orig'", repo(), r, r, packs, dir.data), 0);
	for (k = 0; k < 24; k++) {
		char objects[4300], line[256], cmd[4600];
		struct xerr err = XERR_INIT;
		struct gitpack *p;
		struct gitpack_reader *rd;
		FILE *f;
		long bad = 0, ok = 0;

		/* one byte changed at a spread of offsets (k < 20), or the
		 * pack cut short (k >= 20) */
		if (k < 20)
			T_INTEQ(unit_sh("cd '%s' && cp '%s/orig' x && chmod u+w *.pack && "
				   "size=$(wc -c <x) && off=$(( 12 + (size - 40) * %d / 20 + %d )) && "
				   "printf '\\377' | dd of=x bs=1 seek=$off conv=notrunc 2>/dev/null && "
				   "cat x >$(ls *.pack) && rm x",
				   packs, dir.data, k, k * 7), 0);
		else
			T_INTEQ(unit_sh("cd '%s' && chmod u+w *.pack && "
				   "head -c $(( $(wc -c <'%s/orig') * %d / 24 )) '%s/orig' >$(ls *.pack)",
				   packs, dir.data, k, dir.data), 0);
		snprintf(objects, sizeof(objects), "%s/objects", r);
		p = gitpack_open(objects, &err);
		T_ASSERT(p != NULL);
		if (!p)
			continue;
		rd = gitpack_reader_new(p, 1 << 20);
		snprintf(cmd, sizeof(cmd),
			 "cd '%s' && " UNIT_GITENV "git show-index <$(ls *.idx) | cut -d' ' -f2", packs);
		f = popen(cmd, "r");
		while (rd && f && fgets(line, sizeof(line), f)) {
			unsigned char oid[20];
			void *data = NULL;
			size_t size;
			int type, rc, i;

			for (i = 0; i < 20; i++) {
				unsigned v = 0;

				sscanf(line + 2 * i, "%2x", &v);
				oid[i] = (unsigned char)v;
			}
			rc = gitpack_read(&data, &size, &type, rd, oid, &err);
			T_ASSERT(rc == 1 || rc == -1);
			if (rc < 0) {
				T_ASSERT(strstr(err.msg, "objects/pack/pack-") != NULL);
				T_ASSERT(strchr(err.msg, '\n') == NULL);
				bad++;
			} else {
				ok++;
			}
			free(data);
		}
		if (f)
			pclose(f);
		/* a cut pack loses objects (at 23/24 maybe only its
		 * checksum); a changed byte may fall where nothing checks
		 * it (a delta's copy of a base's byte), but rarely */
		if (k >= 20 && k < 23)
			T_ASSERT(bad > 0);
		met += k < 20 && bad > 0;
		T_ASSERT(ok + bad > 1000);
		gitpack_reader_free(rd);
		gitpack_free(p);
	}
	T_ASSERT(met >= 15);
	/* an .idx that is not one: its pack is left out */
	T_INTEQ(unit_sh("cd '%s' && cp '%s/orig' $(ls *.pack) && chmod u+w *.idx && "
		   "printf 'not an index' >$(ls *.idx)", packs, dir.data), 0);
	{
		char objects[4300];
		struct xerr err = XERR_INIT;
		struct gitpack *p;

		snprintf(objects, sizeof(objects), "%s/objects", r);
		p = gitpack_open(objects, &err);
		T_ASSERT(p != NULL);
		if (p)
			T_INTEQ(gitpack_count(p), 0);
		gitpack_free(p);
	}
}
