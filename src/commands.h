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
XPIN_COMMAND(export);

#endif
