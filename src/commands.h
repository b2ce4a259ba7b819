/* The commands: one src/cmd_<name>.c each, listed in main.c's table. */
#ifndef XPIN_COMMANDS_H
#define XPIN_COMMANDS_H

#include "cli.h"

typedef int (*cmd_fn)(int argc, char **argv, struct gopts *g);

#define XPIN_COMMAND(name) \
	int cmd_##name(int argc, char **argv, struct gopts *g); \
	extern const struct cmd_help cmd_##name##_help

XPIN_COMMAND(init);
XPIN_COMMAND(pins);
XPIN_COMMAND(pin);
XPIN_COMMAND(lock);
XPIN_COMMAND(verify);
XPIN_COMMAND(audit);
XPIN_COMMAND(keygen);
XPIN_COMMAND(sign);
XPIN_COMMAND(checksig);
XPIN_COMMAND(hash);
XPIN_COMMAND(elf);
XPIN_COMMAND(diff);

/* verify and audit: compare each rebuilt target with its manifest entry
 * (prev), print what differs (prefixed "LABEL: " when label is given),
 * fill trep, and return the worst exit code (defined in cmd_verify.c). */
struct build_result;
typedef struct json_t json_t;
int verify_report(json_t *trep, const struct build_result *res,
		  const json_t *const *prev, size_t n, const char *label,
		  const struct gopts *g);

#endif
