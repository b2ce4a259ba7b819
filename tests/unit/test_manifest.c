/*
 * manifest: the typed model against its text. A manifest's text read and
 * written again is the same bytes (and so is a copy of each target); a
 * field of the wrong type is refused naming where it is; the artifact
 * diff is the merge of two sorted lists, contents-only or whole. The
 * manifest is written by hand here in xpin.lock(5)'s form. An artifact
 * is read inside its folder only: a link on the way is refused, a link
 * as the artifact or in it is recorded as one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "nar.h"
#include "unit.h"

static const char text[] =
	"{\n"
	"  \"flakeLock\": {\n"
	"    \"sha256\": \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n"
	"  },\n"
	"  \"format\": 1,\n"
	"  \"inputs\": {\n"
	"    \"nixpkgs\": {\n"
	"      \"lastModified\": 1700000000,\n"
	"      \"narHash\": \"sha256-AAAA\",\n"
	"      \"ref\": null,\n"
	"      \"rev\": \"0000000000000000000000000000000000000001\",\n"
	"      \"source\": null,\n"
	"      \"type\": \"github\"\n"
	"    },\n"
	"    \"utils\": {\n"
	"      \"follows\": \"nixpkgs\"\n"
	"    }\n"
	"  },\n"
	"  \"nix\": {\n"
	"    \"version\": \"nix (Nix) 2.8.0\"\n"
	"  },\n"
	"  \"project\": {\n"
	"    \"commit\": null,\n"
	"    \"dirty\": true\n"
	"  },\n"
	"  \"targets\": {\n"
	"    \"b\": {\n"
	"      \"artifacts\": {\n"
	"        \"bin/x\": {\n"
	"          \"executable\": true,\n"
	"          \"sha256\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n"
	"          \"size\": 6\n"
	"        },\n"
	"        \"lib\": {\n"
	"          \"symlink\": \"bin\"\n"
	"        }\n"
	"      },\n"
	"      \"attr\": null,\n"
	"      \"builder\": \"command\",\n"
	"      \"command\": \"make\",\n"
	"      \"differs\": [\n"
	"        \"bin/x\"\n"
	"      ],\n"
	"      \"drvPath\": null,\n"
	"      \"narHash\": null,\n"
	"      \"outputs\": null,\n"
	"      \"policy\": {\n"
	"        \"ok\": true,\n"
	"        \"warnings\": 0\n"
	"      },\n"
	"      \"reproducible\": false,\n"
	"      \"triple\": null,\n"
	"      \"variations\": [\n"
	"        {\n"
	"          \"LC_ALL\": \"C\",\n"
	"          \"SOURCE_DATE_EPOCH\": 5,\n"
	"          \"TZ\": \"UTC\",\n"
	"          \"build_dir\": \"src\",\n"
	"          \"umask\": \"022\"\n"
	"        }\n"
	"      ]\n"
	"    },\n"
	"    \"a\": {\n"
	"      \"artifacts\": {},\n"
	"      \"attr\": \"packages.x\",\n"
	"      \"builder\": \"nix\",\n"
	"      \"builds\": [\n"
	"        {\n"
	"          \"agrees\": true,\n"
	"          \"narHash\": \"sha256-BBBB\",\n"
	"          \"nix\": null,\n"
	"          \"store\": \"local\",\n"
	"          \"substitutedFrom\": \"file:///cache\"\n"
	"        },\n"
	"        {\n"
	"          \"agrees\": false,\n"
	"          \"narHash\": \"sha256-CCCC\",\n"
	"          \"nix\": \"2.26.3\",\n"
	"          \"store\": \"ssh-ng://builder\",\n"
	"          \"substitutedFrom\": null\n"
	"        }\n"
	"      ],\n"
	"      \"command\": null,\n"
	"      \"differs\": [],\n"
	"      \"drvPath\": \"/nix/store/x.drv\",\n"
	"      \"narHash\": \"sha256-BBBB\",\n"
	"      \"outputs\": {\n"
	"        \"out\": \"/nix/store/x\"\n"
	"      },\n"
	"      \"policy\": {\n"
	"        \"ok\": false,\n"
	"        \"warnings\": 2\n"
	"      },\n"
	"      \"reproducible\": true,\n"
	"      \"triple\": \"x86_64-unknown-linux-gnu\",\n"
	"      \"variations\": null\n"
	"    }\n"
	"  }\n"
	"}\n";

/* The canonical text of m. */
static void dump(struct buf *out, const struct manifest *m)
{
	json_t *j = manifest_json(m);

	T_ASSERT(j != NULL);
	T_ASSERT(jtext_dump_file(out, j) == 0);
	json_decref(j);
}

void test_manifest__round_trip(void)
{
	struct manifest m, copy = MANIFEST_INIT;
	struct xerr err = XERR_INIT;
	struct buf again = BUF_INIT, canon = BUF_INIT, c2 = BUF_INIT;
	json_t *doc = jtext_load(text, strlen(text), "t", &err);
	size_t i;

	/* The text above is canonical once its keys are sorted. */
	T_ASSERT(doc != NULL);
	T_ASSERT(jtext_dump_file(&canon, doc) == 0);
	json_decref(doc);
	T_ASSERT(manifest_parse(&m, text, strlen(text), "xpin.lock", &err) == 0);
	T_INTEQ(m.ntargets, 2);
	T_STREQ(m.targets[0].name, "a");
	T_INTEQ(m.targets[0].nwarn, 2);
	T_ASSERT(m.dirty && !m.commit);
	T_INTEQ(m.ninputs, 2);
	T_STREQ(m.inputs[1].follows, "nixpkgs");
	T_INTEQ(m.inputs[0].last_modified, 1700000000);
	T_STREQ(manifest_target_find(&m, "b")->artifacts.v[1].symlink, "bin");
	T_INTEQ(m.targets[0].nbuilds, 2);
	T_STREQ(m.targets[0].builds[0].substituted, "file:///cache");
	T_ASSERT(m.targets[0].builds[0].agrees && !m.targets[0].builds[1].agrees);
	T_STREQ(m.targets[0].builds[1].nix, "2.26.3");
	T_ASSERT(!m.targets[0].builds[1].substituted);
	T_INTEQ(m.targets[1].nbuilds, 0);
	dump(&again, &m);
	T_STREQ(buf_cstr(&again), buf_cstr(&canon));
	for (i = 0; i < m.ntargets; i++) {
		struct manifest_target t;
		T_ASSERT(manifest_target_copy(&t, &m.targets[i]) == 0);
		T_ASSERT(manifest_put_target(&copy, &t) == 0);
	}
	copy.dirty = m.dirty;
	memcpy(copy.flake_lock_sha256, m.flake_lock_sha256, 65);
	copy.nix_version = strdup(m.nix_version);
	copy.inputs = m.inputs;
	copy.ninputs = m.ninputs;
	dump(&c2, &copy);
	T_STREQ(buf_cstr(&c2), buf_cstr(&canon));
	copy.inputs = NULL;
	copy.ninputs = 0;
	manifest_release(&copy);
	manifest_release(&m);
	buf_release(&again);
	buf_release(&canon);
	buf_release(&c2);
}

static void refused(const char *from, const char *to, const char *msg)
{
	struct buf t = BUF_INIT;
	struct manifest m;
	struct xerr err = XERR_INIT;
	const char *at = strstr(text, from);

	T_ASSERT(at != NULL);
	buf_add(&t, text, (size_t)(at - text));
	buf_puts(&t, to);
	buf_puts(&t, at + strlen(from));
	T_ASSERT(manifest_parse(&m, buf_cstr(&t), t.len, "xpin.lock", &err) < 0);
	if (!strstr(err.msg, msg))
		unit_fail(__FILE__, __LINE__, err.msg);
	buf_release(&t);
}

void test_manifest__wrong_types(void)
{
	refused("\"size\": 6", "\"size\": \"6\"",
		"targets.b.artifacts.bin/x: \"size\" must be");
	refused("\"sha256\": \"aaaa", "\"sha256\": \"zzzz",
		"\"sha256\" must be 64 hex digits");
	refused("\"warnings\": 2", "\"warnings\": -2", "\"warnings\" must be");
	refused("\"format\": 1", "\"format\": 2", "not an xpin.lock of format 1");
	refused("\"out\": \"/nix/store/x\"", "\"out\": 1", "\"out\" must be a store path");
	refused("\"dirty\": true", "\"dirty\": 1", "\"dirty\" must be true or false");
	refused("\"follows\": \"nixpkgs\"", "\"follows\": []", "inputs.utils: \"follows\" must be");
	refused("\"store\": \"local\"", "\"store\": 1", "\"builds\" must be");
	refused("\"agrees\": false", "\"agrees\": \"no\"", "\"builds\" must be");
}

static void add(struct manifest_artifacts *a, const char *name, char c,
		const char *link)
{
	struct manifest_artifact *x;

	x = realloc(a->v, (a->n + 1) * sizeof(*x));
	T_ASSERT(x != NULL);
	a->v = x;
	x = &a->v[a->n++];
	memset(x, 0, sizeof(*x));
	x->name = strdup(name);
	x->symlink = link ? strdup(link) : NULL;
	memset(x->sha256, c, 64);
}

void test_manifest__diff(void)
{
	struct manifest_artifacts a = { NULL, 0 }, b = { NULL, 0 };
	struct manifest_strings d = { NULL, 0 };

	/* Sorted as the model keeps them. */
	add(&a, "a", 'a', NULL);
	add(&a, "b", 'b', NULL);
	add(&a, "l", 0, "x");
	add(&a, "only-a", 'c', NULL);
	add(&b, "a", 'a', NULL);
	add(&b, "b", 'f', NULL);
	add(&b, "l", 0, "y");
	add(&b, "only-b", 'c', NULL);
	b.v[0].executable = true;
	T_ASSERT(manifest_diff(&d, &a, &b, true) == 0);
	T_INTEQ(d.n, 4);
	T_STREQ(d.v[0], "b");
	T_STREQ(d.v[1], "l");
	T_STREQ(d.v[2], "only-a");
	T_STREQ(d.v[3], "only-b");
	manifest_strings_release(&d);
	/* Whole entries: the mode bit counts too. */
	T_ASSERT(manifest_diff(&d, &a, &b, false) == 0);
	T_INTEQ(d.n, 5);
	T_STREQ(d.v[0], "a");
	T_ASSERT(manifest_artifact_find(&b, "only-b") != NULL);
	T_ASSERT(manifest_artifact_find(&b, "only-a") == NULL);
	manifest_strings_release(&d);
	manifest_artifacts_release(&a);
	manifest_artifacts_release(&b);
}

void test_manifest__add_inside(void)
{
	struct manifest_artifacts a = { NULL, 0 };
	struct manifest_policy pol = { 0 };
	struct xerr err = XERR_INIT;
	struct buf d = BUF_INIT;
	char p[1024];
	size_t nwarn = 0;
	FILE *f;

	T_ASSERT(util_mkdtemp(&d, "xpin-unit-manifest", &err) == 0);
	snprintf(p, sizeof(p), "%s/real", d.data);
	T_ASSERT(mkdir(p, 0755) == 0);
	snprintf(p, sizeof(p), "%s/real/f", d.data);
	T_ASSERT((f = fopen(p, "w")) != NULL);
	if (f) {
		fputs("hi\n", f);
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/real/l", d.data);
	T_ASSERT(symlink("f", p) == 0);
	snprintf(p, sizeof(p), "%s/link", d.data);
	T_ASSERT(symlink("real", p) == 0);

	/* A link on the way: refused, naming it, nothing added. */
	T_INTEQ(manifest_add_inside(&a, d.data, "link/f", &pol, &nwarn, &err), -1);
	T_INTEQ(err.code, XPIN_USAGE);
	T_ASSERT(strstr(err.msg, "artifact 'link/f': 'link' is a symbolic link") != NULL);
	T_INTEQ(a.n, 0);
	/* Nothing there, or a file where a folder should be. */
	T_INTEQ(manifest_add_inside(&a, d.data, "real/none", &pol, &nwarn, &err),
		MANIFEST_ABSENT);
	T_INTEQ(manifest_add_inside(&a, d.data, "none/f", &pol, &nwarn, &err),
		MANIFEST_ABSENT);
	T_INTEQ(manifest_add_inside(&a, d.data, "real/f/x", &pol, &nwarn, &err),
		MANIFEST_ABSENT);
	/* The artifact a link: recorded as one. */
	T_INTEQ(manifest_add_inside(&a, d.data, "link", &pol, &nwarn, &err), 0);
	T_INTEQ(a.n, 1);
	if (a.n == 1) {
		T_STREQ(a.v[0].name, "link");
		T_STREQ(a.v[0].symlink, "real");
	}
	/* A folder: its file (sha256 as sha256sum gives it for "hi\n")
	 * and its link. */
	T_INTEQ(manifest_add_inside(&a, d.data, "real", &pol, &nwarn, &err), 0);
	T_INTEQ(a.n, 3);
	if (a.n == 3) {
		T_STREQ(a.v[1].name, "real/f");
		T_ASSERT(a.v[1].symlink == NULL);
		T_STREQ(a.v[1].sha256,
			"98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4");
		T_INTEQ(a.v[1].size, 3);
		T_STREQ(a.v[2].name, "real/l");
		T_STREQ(a.v[2].symlink, "f");
	}
	T_INTEQ(nwarn, 0);
	manifest_artifacts_release(&a);
	util_rmtree(d.data);
	buf_release(&d);
}

/* One NAR vector tree (vectors/nar/mktree.sh), with ELF files from
 * vectors/elf added when elf: manifest_add_path_nar gives Nix's NAR hash
 * (the vector's path= value, or nar_hash_path's where files were added)
 * and the same artifacts as manifest_add_path, ELF facts and errors
 * included, from its one read of each file. */
static void add_path_nar_case(const char *name, bool elf)
{
	struct manifest_artifacts a = { NULL, 0 }, b = { NULL, 0 };
	struct manifest_strings d = { NULL, 0 };
	struct manifest_policy pol = { 0 };
	struct buf dir = BUF_INIT, cmd = BUF_INIT, exp = BUF_INIT;
	struct xerr err = XERR_INIT;
	unsigned char got[32], want[32];
	char s[NAR_FMT_MAX], v[NAR_FMT_MAX] = "", *p;
	size_t na = 0, nb = 0;

	T_INTEQ(util_mkdtemp(&dir, "xpin-unit-manifest", &err), 0);
	buf_printf(&cmd, "sh vectors/nar/mktree.sh build %s '%s/t'", name,
		   buf_cstr(&dir));
	if (elf)
		buf_printf(&cmd, " && cp vectors/elf/aarch64-dynamic/aarch64-dynamic.elf"
			   " vectors/elf/bad-class/bad-class.elf '%s/t/'",
			   buf_cstr(&dir));
	T_INTEQ(system(buf_cstr(&cmd)), 0);
	buf_puts(&dir, "/t");
	T_INTEQ(manifest_add_path_nar(&a, got, "", buf_cstr(&dir), &pol, &na,
				      &err), 0);
	T_INTEQ(manifest_add_path(&b, "", buf_cstr(&dir), &pol, &nb, &err), 0);
	T_INTEQ(manifest_diff(&d, &a, &b, false), 0);
	T_INTEQ(d.n, 0);
	T_INTEQ(a.n, b.n);
	T_INTEQ(na, nb);
	if (elf) {
		T_INTEQ(nar_hash_path(want, buf_cstr(&dir), &err), 0);
		T_ASSERT(!memcmp(got, want, 32));
	} else {
		buf_printf(&cmd, "%s", "");
		cmd.len = 0;
		buf_printf(&cmd, "vectors/nar/%s/expected", name);
		T_INTEQ(util_read_file(&exp, buf_cstr(&cmd), 1 << 16, &err), 0);
		p = strstr(buf_cstr(&exp), "\npath=");
		T_ASSERT(p != NULL);
		if (p)
			sscanf(p + 6, "%71s", v);
		nar_format(s, got, NAR_SRI);
		T_STREQ(s, v);
	}
	dir.len -= 2;
	dir.data[dir.len] = '\0';
	util_rmtree(buf_cstr(&dir));
	manifest_strings_release(&d);
	manifest_artifacts_release(&a);
	manifest_artifacts_release(&b);
	buf_release(&dir);
	buf_release(&cmd);
	buf_release(&exp);
}

void test_manifest__add_path_nar(void)
{
	static const char *const cases[] = { "order", "exec", "symlink", "empty",
					     "unicode", "deep", "large" };
	static const char *const roots[] = { "regular", "exec", "link", "dangling" };
	struct buf dir = BUF_INIT, path = BUF_INIT, exp = BUF_INIT;
	struct xerr err = XERR_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		add_path_nar_case(cases[i], false);
	add_path_nar_case("deep", true);
	/* roots that are not folders: vectors/nar/single's file.NAME */
	T_INTEQ(util_mkdtemp(&dir, "xpin-unit-manifest", &err), 0);
	buf_printf(&path, "sh vectors/nar/mktree.sh build single '%s/t'",
		   buf_cstr(&dir));
	T_INTEQ(system(buf_cstr(&path)), 0);
	T_INTEQ(util_read_file(&exp, "vectors/nar/single/expected", 1 << 16,
			       &err), 0);
	for (i = 0; i < sizeof(roots) / sizeof(*roots); i++) {
		struct manifest_artifacts a = { NULL, 0 };
		struct manifest_policy pol = { 0 };
		unsigned char d[32];
		char key[64], s[NAR_FMT_MAX], v[NAR_FMT_MAX] = "", *p;
		size_t nwarn = 0;

		snprintf(key, sizeof(key), "file.%s=", roots[i]);
		p = strstr(buf_cstr(&exp), key);
		T_ASSERT(p != NULL);
		if (p)
			sscanf(p + strlen(key), "%71s", v);
		path.len = 0;
		buf_printf(&path, "%s/t/%s", buf_cstr(&dir), roots[i]);
		T_INTEQ(manifest_add_path_nar(&a, d, "", buf_cstr(&path), &pol,
					      &nwarn, &err), 0);
		T_INTEQ(a.n, 1);
		nar_format(s, d, NAR_SRI);
		T_STREQ(s, v);
		manifest_artifacts_release(&a);
	}
	util_rmtree(buf_cstr(&dir));
	buf_release(&dir);
	buf_release(&path);
	buf_release(&exp);
}
