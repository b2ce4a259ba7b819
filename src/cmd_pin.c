/* xpin pin: re-pin flake.lock inputs to a revision. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flakelock.h"
#include "jtext.h"

enum { O_LOCK = 1, O_NAR, O_LASTMOD, O_REVCOUNT, O_DRY };

static const struct opt_spec opts[] = {
	{ O_NAR, 0, "nar-hash", "HASH", "the new narHash (sha256-...)" },
	{ O_LASTMOD, 0, "last-modified", "T", "the new lastModified (unix time)" },
	{ O_REVCOUNT, 0, "rev-count", "N", "the new revCount (git inputs)" },
	{ O_DRY, 'n', "dry-run", NULL, "print the change, write nothing" },
	{ O_LOCK, 0, "lock", "FILE", "the lock file (default flake.lock)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_pin_help = {
	"pin", "INPUT=REV... [--nar-hash HASH] [--last-modified T] [--rev-count N] [--dry-run]",
	"Re-pin flake.lock inputs, named by input path, to a revision.",
	opts
};

static int parse_count(int64_t *out, const char *s, const char *what,
		       struct xerr *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0 || !isdigit((unsigned char)*s))
		return xerr_set(err, XPIN_USAGE,
				"%s '%s' must be a non-negative integer", what, s);
	*out = v;
	return 0;
}

struct change {
	struct flakelock_pin old, new;
};

static json_t *side_json(const struct flakelock_pin *p)
{
	char date[32] = "";

	if (p->last_modified >= 0)
		util_date(date, p->last_modified);
	return json_pack("{s:s?, s:s?, s:s?, s:o, s:s?}", "rev", p->rev, "url",
			 p->url, "narHash", p->nar_hash, "lastModified",
			 p->last_modified >= 0 ? json_integer(p->last_modified)
					       : json_null(),
			 "date", date[0] ? date : NULL);
}

static void report(const struct gopts *g, const struct change *c, size_t n,
		   bool dry, bool written)
{
	char d1[32], d2[32];
	size_t i;

	if (g->json) {
		json_t *arr = json_array(), *doc;
		struct buf b = BUF_INIT;

		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_pack(
				"{s:s, s:s, s:o, s:o, s:b}", "path", c[i].old.path,
				"node", c[i].old.node, "old", side_json(&c[i].old),
				"new", side_json(&c[i].new), "changed",
				strcmp(c[i].old.url, c[i].new.url) != 0 ||
				c[i].old.last_modified != c[i].new.last_modified));
		doc = json_pack("{s:o, s:b, s:b}", "inputs", arr, "dryRun", dry,
				"written", written);
		jtext_dump_file(&b, doc);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
		json_decref(doc);
		return;
	}
	if (g->quiet)
		return;
	for (i = 0; i < n; i++) {
		const struct flakelock_pin *o = &c[i].old, *w = &c[i].new;

		if (!strcmp(o->url, w->url) && o->last_modified == w->last_modified &&
		    (!o->nar_hash) == (!w->nar_hash) &&
		    (!o->nar_hash || !strcmp(o->nar_hash, w->nar_hash))) {
			printf("• Input '%s' is already at '%s'\n", o->path, o->url);
			continue;
		}
		strcpy(d1, "?");
		strcpy(d2, "?");
		if (o->last_modified >= 0)
			util_date(d1, o->last_modified);
		if (w->last_modified >= 0)
			util_date(d2, w->last_modified);
		printf("• Updated input '%s':\n    '%s' (%s)\n  → '%s' (%s)\n",
		       o->path, o->url, d1, w->url, d2);
	}
	if (dry)
		printf("(dry run: flake.lock not written)\n");
}

int cmd_pin(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser op;
	struct flakelock_update fields = FLAKELOCK_UPDATE_INIT;
	struct flakelock *lk = NULL;
	struct change *changes = NULL;
	struct buf out = BUF_INIT, orig = BUF_INIT;
	const char *lock = "flake.lock", *val;
	char **pairs = NULL;
	size_t npairs = 0, nchanges = 0, i;
	bool dry = false, written = false;
	int o, rc = XPIN_OK;

	pairs = calloc((size_t)argc, sizeof(*pairs));
	if (!pairs)
		return XPIN_USAGE;
	opt_init(&op, argc, argv, &cmd_pin_help, g);
	while ((o = opt_next(&op, &val, &err)) != OPT_END) {
		switch (o) {
		case O_LOCK:
			lock = val;
			break;
		case O_NAR:
			fields.nar_hash = val;
			break;
		case O_LASTMOD:
			if (parse_count(&fields.last_modified, val,
					"--last-modified", &err) < 0)
				goto fail;
			break;
		case O_REVCOUNT:
			if (parse_count(&fields.rev_count, val, "--rev-count",
					&err) < 0)
				goto fail;
			break;
		case O_DRY:
			dry = true;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_pin_help);
			goto out;
		case OPT_ARG:
			pairs[npairs++] = (char *)val;
			break;
		default:
			goto fail;
		}
	}
	if (npairs == 0) {
		xerr_set(&err, XPIN_USAGE,
			 "name an input to pin, as INPUT=REV (see 'xpin pin --help')");
		goto fail;
	}
	if (npairs > 1 && (fields.nar_hash || fields.last_modified >= 0 ||
			   fields.rev_count >= 0)) {
		xerr_set(&err, XPIN_USAGE,
			 "--nar-hash, --last-modified and --rev-count apply to one input; pin one at a time");
		goto fail;
	}
	lk = flakelock_open(lock, &err);
	if (!lk)
		goto fail;
	changes = calloc(npairs, sizeof(*changes));
	if (!changes || flakelock_serialize(&orig, lk, &err) < 0)
		goto fail;
	for (i = 0; i < npairs; i++) {
		struct flakelock_update u = fields;
		char *eq = strchr(pairs[i], '='), *p;

		if (!eq || eq == pairs[i] || !eq[1]) {
			xerr_set(&err, XPIN_USAGE,
				 "'%s' is not INPUT=REV (for example nixpkgs=<40 hex digits>)",
				 pairs[i]);
			goto fail;
		}
		*eq = '\0';
		for (p = eq + 1; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		u.rev = eq + 1;
		if (flakelock_find(&changes[nchanges].old, lk, pairs[i], &err) < 0)
			goto fail;
		nchanges++;
		if (flakelock_set(lk, pairs[i], &u, &err) < 0 ||
		    flakelock_find(&changes[nchanges - 1].new, lk, pairs[i],
				   &err) < 0)
			goto fail;
	}
	if (flakelock_serialize(&out, lk, &err) < 0)
		goto fail;
	if (!dry && (out.len != orig.len || memcmp(out.data, orig.data, out.len))) {
		if (util_write_atomic(lock, out.data, out.len, 0644, &err) < 0)
			goto fail;
		written = true;
	}
	report(g, changes, nchanges, dry, written);
	goto out;
fail:
	rc = cli_error(g, &err);
out:
	for (i = 0; i < nchanges; i++) {
		flakelock_pin_release(&changes[i].old);
		flakelock_pin_release(&changes[i].new);
	}
	free(changes);
	free(pairs);
	buf_release(&out);
	buf_release(&orig);
	flakelock_free(lk);
	return rc;
}
