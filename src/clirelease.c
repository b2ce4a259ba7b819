/* clirelease: the printer of lock's, verify's and audit's verdicts. */
#include "clirelease.h"

#include <string.h>
#include <unistd.h>

#include "clikeys.h"

/* Where each build ran, when not all of them ran here: a substituted
 * output is another machine's build, and so is one on another store. */
static void print_builds(const struct manifest_target *rec)
{
	bool elsewhere = false;
	size_t i;

	for (i = 0; i < rec->nbuilds; i++)
		elsewhere |= rec->builds[i].substituted ||
			     strcmp(rec->builds[i].store, "local");
	for (i = 0; elsewhere && i < rec->nbuilds; i++) {
		const struct manifest_build *b = &rec->builds[i];

		printf("  build %zu: ", i + 1);
		if (b->substituted) {
			fputs("substituted from ", stdout);
			cli_put_safe(b->substituted);
			fputs(", not built here", stdout);
		} else if (!strcmp(b->store, "local")) {
			fputs("built here", stdout);
		} else {
			printf("built on %s", b->store);
			if (b->nix) {
				fputs(" (Nix ", stdout);
				cli_put_safe(b->nix);
				fputs(")", stdout);
			}
		}
		if (i)
			fputs(b->agrees ? ": the same bytes as build 1"
					: ": NOT the bytes of build 1", stdout);
		putchar('\n');
	}
	if (elsewhere && rec->nbuilds > 1)
		printf("  these builds ran on more than one machine\n");
}

/* A lock's line for a target that built, with its reasons. */
static void print_locked(const struct gopts *g, const struct release_target *t)
{
	const struct build_result *r = &t->res;
	const struct manifest_target *rec = &r->rec;
	size_t i, k, nart = rec->artifacts.n;
	bool ok = t->verdict == XPIN_OK;
	const char *line, *nl;

	if (g->quiet && ok)
		return;
	printf("%s%s%s %s: %s, %zu artifact%s, policy %s\n",
	       cli_c(g, ok ? "green" : "red"), ok ? "ok" : "FAIL", cli_c(g, "reset"),
	       t->target->name, rec->reproducible ? "reproducible" : "NOT reproducible",
	       nart, nart == 1 ? "" : "s", rec->nwarn ? "broken" : "ok");
	print_builds(rec);
	for (i = 0; i < t->differs.n; i++)
		printf("  differs: %s\n", t->differs.v[i]);
	if (!rec->reproducible && !t->differs.n)
		printf("  Nix reports a difference that no artifact's sha256 shows\n");
	for (line = r->why.len ? r->why.data : ""; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		printf("    %.*s\n", (int)(nl - line), line);
	}
	for (i = 0; i < nart; i++) {
		const struct manifest_artifact *a = &rec->artifacts.v[i];

		for (k = 0; k < a->nwarnings; k++)
			printf("  %s: %s: %s\n", a->name, a->warnings[k].code,
			       a->warnings[k].message);
	}
}

/* A check's lines for a target that built. */
static void print_checked(const struct gopts *g, const struct release_target *t,
			  const char *label)
{
	const struct build_result *r = &t->res;
	const char *sep = label ? ": " : "";
	size_t k, nwarn = r->rec.nwarn;

	if (!label)
		label = "";
	for (k = 0; k < t->differs.n; k++)
		fprintf(stderr, "xpin: %s%starget '%s': artifact '%s' differs from xpin.lock\n",
			label, sep, t->target->name, t->differs.v[k]);
	if (t->changed[0])
		fprintf(stderr, "xpin: %s%starget '%s': another derivation: %s\n",
			label, sep, t->target->name, t->changed);
	if (r->why.len)
		fprintf(stderr, "%s", r->why.data);
	if (nwarn)
		fprintf(stderr, "xpin: %s%starget '%s': %zu policy warning%s (see 'xpin elf')\n",
			label, sep, t->target->name, nwarn, nwarn == 1 ? "" : "s");
	if (t->verdict == XPIN_OK && !g->quiet && !*label)
		printf("target %s: ok (%zu artifacts match)\n", t->target->name,
		       t->prev->artifacts.n);
	if (!g->quiet && !*label)
		print_builds(&r->rec);
}

void clirelease_print(const struct gopts *g, const struct release *r,
		      enum release_mode mode, const char *label)
{
	bool failed = false;
	size_t i;

	for (i = 0; i < r->n; i++)
		failed |= r->t[i].res.failed != 0;
	for (i = 0; i < r->n; i++) {
		const struct release_target *t = &r->t[i];

		if (t->res.failed) {
			if (!g->json || mode == RELEASE_LOCK)
				cli_error(g, &t->res.err);
		} else if (g->json || (mode == RELEASE_LOCK && failed)) {
			continue;
		} else if (mode == RELEASE_LOCK) {
			print_locked(g, t);
		} else {
			print_checked(g, t, label);
		}
	}
	if (r->logs.len)
		fprintf(stderr, "xpin: build logs are in %s\n", r->logs.data);
}

/* xpin.lock, read once, its signature checked over what was read. The
 * signature first: nothing in an unsigned file is worth reading. */
int clirelease_load_signed(struct manifest *m, json_t *rep,
			   const char *pubfile, const char *b64,
			   struct buf *text_out, struct sign_pub *pub_out,
			   struct xerr *err)
{
	struct sign_pub pub;
	struct sign_sig sig;
	struct buf text = BUF_INIT, sigtext = BUF_INIT;
	int ret = -1;

	if (access("xpin.lock", F_OK) < 0) {
		xerr_set(err, XPIN_USAGE, "no xpin.lock here; make one with 'xpin lock'");
		goto out;
	}
	if (clikeys_public(&pub, pubfile, b64, err) < 0)
		goto out;
	/* A lock stopped between its two renames left xpin.lock new and its
	 * signature beside xpin.lock.minisig (the next lock finishes). */
	if (util_read_file(&sigtext, util_pair_half("xpin.lock", "xpin.lock.minisig")
					     ? "xpin.lock.minisig.xpin-new"
					     : "xpin.lock.minisig",
			   1u << 20, err) < 0) {
		err->code = XPIN_SIGNATURE;
		goto out;
	}
	if (util_read_file(&text, "xpin.lock", 64u << 20, err) < 0)
		goto out;
	ret = release_signed_manifest(m, &sig, buf_cstr(&text), text.len,
				      buf_cstr(&sigtext), sigtext.len, &pub, err);
	if (ret == 0 && rep)
		json_object_set_new(rep, "signature", json_pack(
			"{s:b, s:s}", "ok", 1, "trusted_comment", sig.trusted));
	if (ret == 0 && text_out) {
		*text_out = text;
		text = (struct buf)BUF_INIT;
	}
	if (ret == 0 && pub_out)
		*pub_out = pub;
out:
	buf_release(&text);
	buf_release(&sigtext);
	return ret;
}
