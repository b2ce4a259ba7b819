/* clirelease: the printer of lock's, verify's and audit's verdicts. */
#include "clirelease.h"

#include <string.h>

/* A lock's line for a target that built, with its reasons. */
static void print_locked(const struct gopts *g, const struct release_target *t)
{
	const struct build_result *r = &t->res;
	size_t i, nart = json_object_size(r->artifacts);
	bool ok = t->verdict == XPIN_OK;
	const char *k, *line, *nl;
	json_t *a, *w;

	if (g->quiet && ok)
		return;
	printf("%s%s%s %s: %s, %zu artifact%s, policy %s\n",
	       cli_c(g, ok ? "green" : "red"), ok ? "ok" : "FAIL", cli_c(g, "reset"),
	       t->target->name, r->reproducible ? "reproducible" : "NOT reproducible",
	       nart, nart == 1 ? "" : "s", r->nwarn ? "broken" : "ok");
	for (i = 0; i < json_array_size(t->differs); i++)
		printf("  differs: %s\n",
		       json_string_value(json_array_get(t->differs, i)));
	if (!r->reproducible && !json_array_size(t->differs))
		printf("  Nix reports a difference that no artifact's sha256 shows\n");
	for (line = r->why.len ? r->why.data : ""; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		printf("    %.*s\n", (int)(nl - line), line);
	}
	json_object_foreach(r->artifacts, k, a) {
		json_t *ws = json_object_get(json_object_get(a, "elf"), "warnings");
		json_array_foreach(ws, i, w)
			printf("  %s: %s: %s\n", k,
			       json_string_value(json_object_get(w, "code")),
			       json_string_value(json_object_get(w, "message")));
	}
}

/* A check's lines for a target that built. */
static void print_checked(const struct gopts *g, const struct release_target *t,
			  const char *label)
{
	const struct build_result *r = &t->res;
	const char *sep = label ? ": " : "";
	size_t k;

	if (!label)
		label = "";
	for (k = 0; k < json_array_size(t->differs); k++)
		fprintf(stderr, "xpin: %s%starget '%s': artifact '%s' differs from xpin.lock\n",
			label, sep, t->target->name,
			json_string_value(json_array_get(t->differs, k)));
	if (r->why.len)
		fprintf(stderr, "%s", r->why.data);
	if (r->nwarn)
		fprintf(stderr, "xpin: %s%starget '%s': %zu policy warning%s (see 'xpin elf')\n",
			label, sep, t->target->name, r->nwarn,
			r->nwarn == 1 ? "" : "s");
	if (t->verdict == XPIN_OK && !g->quiet && !*label)
		printf("target %s: ok (%zu artifacts match)\n", t->target->name,
		       json_object_size(json_object_get(t->prev, "artifacts")));
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
