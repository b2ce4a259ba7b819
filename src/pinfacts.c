/* pinfacts: a locked node's facts from a mirror (see pinfacts.h). */
#include "pinfacts.h"

#include <string.h>

#include "hash.h"

int pinfacts_from_mirror(struct pinfacts *out, const char *mirror_dir,
			 const char *ref, unsigned flags, struct xerr *err)
{
	struct gitrepo_commit c;
	struct gitrepo *r;
	unsigned char d[32];
	bool count = (flags & PINFACTS_REV_COUNT) != 0;
	unsigned walk = flags & GITREPO_EXPORT_IGNORE;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	r = gitrepo_open(mirror_dir, err);
	if (!r)
		return -1;
	if (gitrepo_commit_info(&c, r, ref, err) < 0)
		goto out;
	/* a shallow clone's count would be silently wrong */
	if (count && gitrepo_is_shallow(r)) {
		xerr_set(err, XPIN_USAGE,
			 "'%s' is a shallow clone: revCount needs the full history (git fetch --unshallow)",
			 mirror_dir);
		goto out;
	}
	if (gitrepo_nar_hash(d, r, c.rev, walk, err) < 0)
		goto out;
	if (count && gitrepo_rev_count(&out->rev_count, r, c.rev, err) < 0)
		goto out;
	memcpy(out->rev, c.rev, sizeof(out->rev));
	memcpy(out->ref_object, c.object, sizeof(out->ref_object));
	hash_sri_sha256(out->nar_hash, d);
	out->last_modified = c.time;
	out->has_rev_count = count;
	out->export_ignore = walk != 0;
	ret = 0;
out:
	gitrepo_free(r);
	return ret;
}
