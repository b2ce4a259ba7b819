/* xpin checksig: check a minisign signature of a file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clikeys.h"
#include "commands.h"
#include "jtext.h"
#include "sign.h"

enum { O_PUB = 1, O_PUBKEY, O_SIG, O_PREHASHED };

static const struct opt_spec opts[] = {
	{ O_PUB, 'p', "public-key", "PUB", "public key file (default: xpin.pub)" },
	{ O_PUBKEY, 'P', "public-key-string", "KEY",
	  "public key given as its base64 line" },
	{ O_SIG, 'x', "signature", "SIG", "signature file (default: FILE.minisig)" },
	{ O_PREHASHED, 0, "prehashed-only", NULL,
	  "refuse legacy (not prehashed) signatures" },
	OPT_SPEC_END
};

const struct cmd_help cmd_checksig_help = {
	"checksig", "[-p PUB | -P KEY] [-x SIG] [--prehashed-only] FILE",
	"check a minisign signature; print its trusted comment", opts
};

static int print_json(const char *file, const char *sigpath,
		      const struct sign_sig *sig, struct xerr *err)
{
	struct buf out = BUF_INIT;
	char id[17];
	json_t *j;
	int ret = 0;

	sign_keyid_hex(id, sig->keyid);
	j = json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:b}", "file", file,
		      "keyid", id, "prehashed", sig->prehashed, "signature",
		      sigpath, "trusted_comment", sig->trusted,
		      "untrusted_comment", sig->untrusted, "valid", 1);
	if (!j || jtext_dump_file(&out, j) < 0)
		ret = xerr_set(err, XPIN_USAGE,
			       "cannot encode the result as JSON (is a comment valid UTF-8?)");
	else
		fwrite(out.data, 1, out.len, stdout);
	json_decref(j);
	buf_release(&out);
	return ret;
}

int cmd_checksig(int argc, char **argv, struct gopts *g)
{
	struct xerr err = XERR_INIT;
	struct opt_parser p;
	struct sign_pub pub;
	struct sign_sig sig;
	struct buf sigdef = BUF_INIT;
	const char *pubpath = NULL, *pubkey = NULL, *sigpath = NULL;
	const char *file = NULL, *val;
	unsigned flags = 0;
	int o, ret = 0;

	opt_init(&p, argc, argv, &cmd_checksig_help, g);
	while ((o = opt_next(&p, &val, &err)) != OPT_END) {
		switch (o) {
		case O_PUB:
			pubpath = val;
			break;
		case O_PUBKEY:
			pubkey = val;
			break;
		case O_SIG:
			sigpath = val;
			break;
		case O_PREHASHED:
			flags |= SIGN_PREHASHED_ONLY;
			break;
		case OPT_ARG:
			if (file) {
				xerr_set(&err, XPIN_USAGE,
					 "one file at a time (see 'xpin checksig --help')");
				return cli_error(g, &err);
			}
			file = val;
			break;
		case OPT_HELP:
			opt_usage(stdout, &cmd_checksig_help);
			return 0;
		default:
			return cli_error(g, &err);
		}
	}
	if (!file) {
		xerr_set(&err, XPIN_USAGE,
			 "which file? (see 'xpin checksig --help')");
		return cli_error(g, &err);
	}
	if (pubpath && pubkey) {
		xerr_set(&err, XPIN_USAGE, "give -p or -P, not both");
		return cli_error(g, &err);
	}
	if (sign_init() < 0) {
		xerr_set(&err, XPIN_USAGE, "cannot initialise libsodium");
		return cli_error(g, &err);
	}
	if (!sigpath) {
		if (buf_printf(&sigdef, "%s.minisig", file) < 0) {
			xerr_set(&err, XPIN_USAGE, "out of memory");
			goto fail;
		}
		sigpath = sigdef.data;
	}
	if (clikeys_public(&pub, pubpath, pubkey, &err) < 0)
		goto fail;
	if (sign_sig_load(&sig, sigpath, &err) < 0 ||
	    sign_verify_file(&sig, &pub, file, flags, &err) < 0)
		goto fail;
	if (g->json) {
		if (print_json(file, sigpath, &sig, &err) < 0)
			goto fail;
	} else if (!g->quiet) {
		printf("%s\n", sig.trusted);
	}
	goto out;
fail:
	ret = cli_error(g, &err);
out:
	buf_release(&sigdef);
	return ret;
}
