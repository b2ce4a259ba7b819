/* evidence: what every export shares. */
#include "evidence.h"

#include <stdlib.h>
#include <string.h>

int evidence_targets(const struct manifest_target ***out, size_t *nout,
		     const struct manifest *m, char *const *names, size_t n,
		     struct xerr *err)
{
	const struct manifest_target **sel;
	size_t i, k = 0;

	*out = NULL;
	*nout = 0;
	sel = calloc(m->ntargets + 1, sizeof(*sel));
	if (!sel)
		return xerr_set(err, XPIN_USAGE, "out of memory");
	for (i = 0; i < n; i++)
		if (!manifest_target_find(m, names[i])) {
			free(sel);
			return xerr_set(err, XPIN_USAGE,
					"target '%s' is not in xpin.lock", names[i]);
		}
	for (i = 0; i < m->ntargets; i++) {
		size_t j;
		bool want = n == 0;

		for (j = 0; j < n && !want; j++)
			want = !strcmp(names[j], m->targets[i].name);
		if (want)
			sel[k++] = &m->targets[i];
	}
	*out = sel;
	*nout = k;
	return 0;
}
