/* xpin pins: list every input of flake.lock. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "flakelock.h"
#include "jtext.h"

enum { O_LOCK = 1 };

static const struct opt_spec opts[] = {
	{ O_LOCK, 0, "lock", "FILE", "the lock file (default flake.lock)" },
	OPT_SPEC_END
};

const struct cmd_help cmd_pins_help = {
	"pins", "[--lock FILE] [--json]",
	"List every input of flake.lock: type, source, rev, date, narHash, follows.",
	opts
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *int_or_null(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static json_t *pin_json(const struct flakelock_pin *p)
{
	char date[32] = "";

	if (p->last_modified >= 0)
		util_date(date, p->last_modified);
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}",
			 "path", p->path,
			 "node", str_or_null(p->node),
			 "follows", str_or_null(p->follows),
			 "type", str_or_null(p->type),
			 "source", str_or_null(p->follows ? NULL : p->source),
			 "url", str_or_null(p->follows ? NULL : p->url),
			 "rev", str_or_null(p->rev),
			 "ref", str_or_null(p->ref),
			 "lastModified", int_or_null(p->last_modified),
			 "date", str_or_null(date[0] ? date : NULL),
			 "narHash", str_or_null(p->nar_hash),
			 "flake", p->follows ? true : p->flake,
			 "revCount", int_or_null(p->rev_count));
}

static void print_pin(const struct gopts *g, const struct flakelock_pin *p)
{
	char date[32];

	if (p->follows) {
		printf("%s%s%s follows %s\n", cli_c(g, "bold"), p->path,
		       cli_c(g, "reset"),
		       p->follows[0] ? p->follows : "the root flake");
		return;
	}
	printf("%s%s%s (%s%s)\n", cli_c(g, "bold"), p->path, cli_c(g, "reset"),
	       p->type ? p->type : "?", p->flake ? "" : ", not a flake");
	if (p->source && p->source[0])
		printf("  source        %s\n", p->source);
	if (p->ref)
		printf("  ref           %s\n", p->ref);
	if (p->rev)
		printf("  rev           %s\n", p->rev);
	if (p->rev_count >= 0)
		printf("  revCount      %lld\n", (long long)p->rev_count);
	if (p->last_modified >= 0) {
		util_date(date, p->last_modified);
		printf("  lastModified  %s (%lld)\n", date,
		       (long long)p->last_modified);
	}
	if (p->nar_hash)
		printf("  narHash       %s\n", p->nar_hash);
}

int cmd_pins(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser op;
	struct flakelock *lk = NULL;
	struct flakelock_pin *pins = NULL;
	const char *lock = "flake.lock", *val;
	size_t n = 0, i;
	int o, rc = XPIN_OK;

	opt_init(&op, argc, argv, &cmd_pins_help, g);
	while ((o = opt_next(&op, &val, &err)) != OPT_END) {
		switch (o) {
		case O_LOCK:
			lock = val;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_pins_help);
			return XPIN_OK;
		case OPT_ARG:
			xerr_set(&err, XPIN_USAGE,
				 "unexpected argument '%s' (see 'xpin pins --help')",
				 val);
			return cli_error(g, &err);
		default:
			return cli_error(g, &err);
		}
	}
	lk = flakelock_open(lock, &err);
	if (!lk || flakelock_pins(&pins, &n, lk, &err) < 0) {
		rc = cli_error(g, &err);
		goto out;
	}
	if (g->json) {
		json_t *arr = json_array();
		struct buf b = BUF_INIT;

		for (i = 0; i < n; i++)
			json_array_append_new(arr, pin_json(&pins[i]));
		jtext_dump_file(&b, arr);
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
		json_decref(arr);
	} else {
		for (i = 0; i < n; i++)
			print_pin(g, &pins[i]);
		if (n == 0 && !g->quiet)
			printf("no inputs\n");
	}
out:
	flakelock_pins_free(pins, n);
	flakelock_free(lk);
	return rc;
}
