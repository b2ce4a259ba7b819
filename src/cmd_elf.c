/* xpin elf: ELF facts and portability warnings of each file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "elf.h"
#include "jtext.h"

enum { O_TARGET = 1, O_GLIBC_MAX, O_STRICT };

static const struct opt_spec opts[] = {
	{ O_TARGET, 't', "target", "TRIPLE",
	  "check machine, class, endianness and libc against TRIPLE" },
	{ O_GLIBC_MAX, 0, "glibc-max", "X.Y",
	  "warn when a newer GLIBC_ version is needed" },
	{ O_STRICT, 0, "strict", NULL, "exit 1 when any warning is raised" },
	OPT_SPEC_END
};

const struct cmd_help cmd_elf_help = {
	"elf", "[--target TRIPLE] [--glibc-max X.Y] [--strict] [--json] FILE...",
	"show ELF facts (linkage, interpreter, needed libraries, glibc floor, ...) and portability warnings",
	opts
};

static void field(const char *name, const char *v)
{
	printf("  %-12s ", name);
	cli_put_safe(v ? v : "-");
	putchar('\n');
}

/* "musl (interpreter /lib/ld-musl-x86_64.so.1)": the evidence may hold
 * a path from the file, so it goes through cli_put_safe. */
static void libc_field(const struct elf_facts *f)
{
	printf("  %-12s %s", "libc", elf_libc_name(f->libc));
	if (f->libc_evidence) {
		fputs(" (", stdout);
		cli_put_safe(f->libc_evidence);
		putchar(')');
	}
	putchar('\n');
}

static void print_human(const struct gopts *g, const char *path,
			const struct elf_facts *f,
			const struct elf_warnings *w)
{
	struct buf head = BUF_INIT;
	char t[16];
	size_t i;

	elf_describe(&head, f);
	printf("%s", cli_c(g, "bold"));
	cli_put_safe(path);
	printf(":%s ", cli_c(g, "reset"));
	cli_put_safe(buf_cstr(&head));
	putchar('\n');
	buf_release(&head);
	printf("  %-12s %d\n", "class", f->elfclass);
	field("endian", f->big_endian ? "big" : "little");
	field("osabi", elf_osabi_name(f->osabi, t));
	field("type", elf_type_name(f->type, t));
	field("machine", elf_machine_name(f->machine, f->elfclass,
					  f->big_endian, t));
	printf("  %-12s 0x%llx\n", "entry", (unsigned long long)f->entry);
	field("linkage", elf_linkage_name(f->linkage));
	field("interpreter", f->interpreter);
	printf("  %-12s", "needed");
	for (i = 0; i < f->nneeded; i++) {
		putchar(' ');
		cli_put_safe(f->needed[i]);
	}
	printf("%s\n", f->nneeded ? "" : " -");
	field("soname", f->soname);
	field("rpath", f->rpath);
	field("runpath", f->runpath);
	field("build-id", f->build_id);
	field("stripped", f->stripped ? "yes" : "no");
	field("debug-info", f->debug_info ? "yes" : "no");
	field("glibc", f->glibc);
	libc_field(f);
	field("execstack", f->execstack < 0 ? NULL : f->execstack ? "yes" : "no");
	for (i = 0; i < w->n; i++) {
		printf("  %swarning%s %s: ", cli_c(g, "yellow"),
		       cli_c(g, "reset"), w->v[i].code);
		cli_put_safe(w->v[i].message);
		putchar('\n');
	}
}

struct elf_args {
	struct elf_target target;
	struct elf_policy policy;
	bool strict;
	const char **files;
	size_t nfiles;
};

static int parse_args(struct elf_args *a, int argc, char **argv,
		      struct gopts *g, struct xerr *err)
{
	struct opt_parser op;
	const char *val;
	int o;

	opt_init(&op, argc, argv, &cmd_elf_help, g);
	while ((o = opt_next(&op, &val, err)) != OPT_END) {
		switch (o) {
		case O_TARGET:
			if (elf_target_parse(&a->target, val, err) < 0)
				return -1;
			a->policy.target = &a->target;
			break;
		case O_GLIBC_MAX:
			if (!elf_glibc_version_valid(val))
				return xerr_set(err, XPIN_USAGE,
						"--glibc-max wants a glibc version like 2.17, not '%s'",
						val);
			a->policy.glibc_max = val;
			break;
		case O_STRICT:
			a->strict = true;
			break;
		case OPT_HELP:
			return OPT_HELP;
		case OPT_ARG:
			a->files[a->nfiles++] = val;
			break;
		default:
			return -1;
		}
	}
	if (a->nfiles == 0)
		return xerr_set(err, XPIN_USAGE, "no file given (see 'xpin elf --help')");
	return 0;
}

/* One file: printed, or added to out (--json). Its warnings are counted
 * in *nwarn; -1 when it could not be read (said on stderr). */
static int check_one(json_t **out, size_t *nwarn, const char *file, size_t i,
		     const struct elf_args *a, const struct gopts *g)
{
	struct elf_facts f = ELF_FACTS_INIT;
	struct elf_warnings w = ELF_WARNINGS_INIT;
	struct xerr e = XERR_INIT;
	json_t *obj = NULL;
	int ret = 0;

	if (elf_read_file(&f, file, &e) < 0 ||
	    elf_check(&w, &f, &a->policy, &e) < 0 ||
	    (g->json && !(obj = elf_json(file, &f, &w)))) {
		if (!e.msg[0])
			xerr_set(&e, XPIN_USAGE, "out of memory");
		cli_error(g, &e);
		ret = -1;
	} else if (g->json && a->nfiles > 1) {
		json_array_append_new(*out, obj);
	} else if (g->json) {
		*out = obj;
	} else if (!g->quiet) {
		if (i > 0)
			putchar('\n');
		print_human(g, file, &f, &w);
	}
	*nwarn += w.n;
	elf_warnings_release(&w);
	elf_facts_release(&f);
	return ret;
}

int cmd_elf(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct elf_args a = { .policy = ELF_POLICY_INIT };
	json_t *doc = NULL;
	size_t i, nwarn = 0;
	bool failed = false;
	int rc;

	a.files = calloc((size_t)argc + 1, sizeof(*a.files));
	rc = a.files ? parse_args(&a, argc, argv, g, &err)
		     : xerr_set(&err, XPIN_USAGE, "out of memory");
	if (rc == 0 && g->json && a.nfiles > 1 && !(doc = json_array()))
		rc = xerr_set(&err, XPIN_USAGE, "out of memory");
	if (rc == OPT_HELP)
		opt_usage(stdout, &cmd_elf_help);
	if (rc != 0)
		goto out;
	for (i = 0; i < a.nfiles; i++)
		failed |= check_one(&doc, &nwarn, a.files[i], i, &a, g) < 0;
	if (doc && cli_print_json(doc) < 0)
		rc = XPIN_USAGE;
	/* Could not read a file beats a warning: "could not check" is not
	 * "checked and failed". */
	if (failed)
		rc = XPIN_USAGE;
	else if (a.strict && nwarn && rc == 0)
		rc = XPIN_CHECK_FAILED;
out:
	if (rc == OPT_HELP)
		rc = XPIN_OK;
	else if (rc < 0)
		rc = cli_error(g, &err);
	json_decref(doc);
	free(a.files);
	return rc;
}
