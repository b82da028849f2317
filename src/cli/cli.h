/*
 * cli.h - the egov command line: dispatch to built-in and module subcommands.
 */
#ifndef EG_CLI_H
#define EG_CLI_H

#include "egov.h"

/* Entry point of the binary. Returns the process exit status. */
int eg_cli_main(int argc, char **argv);

/* Built-in commands, one file each under src/cli/. */
int eg__cmd_init(int argc, char **argv);
int eg__cmd_serve(int argc, char **argv);
int eg__cmd_migrate(int argc, char **argv);
int eg__cmd_backup(int argc, char **argv);
int eg__cmd_restore(int argc, char **argv);
int eg__cmd_audit(int argc, char **argv);

#endif
