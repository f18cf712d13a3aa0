// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lowportctl.c - command-line client of lowportd: list, release, status
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "netutils/client.h"
#include "ctl/ctl-check.h"
#include "ctl/ctl-egress.h"
#include "ctl/ctl.h"

#define CTL_SUMMARY                                                            \
	"Commands:\n"                                                          \
	"  list [--json]   leases lowportd holds (yours; all for root)\n"      \
	"  release ID      end a lease and remove its forwarding\n"            \
	"  status          whether lowportd is up, lease counts, nft table\n"  \
	"  check           whether this host is set up for lowport\n"          \
	"  egress CONTAINER  a container's egress allowlist and rejects"

#define CTL_DESCRIPTION                                                        \
	"The socket is $LOWPORT_SOCKET if set, else " LOWPORT_SOCKET_PATH      \
	".\n\n"                                                                \
	"Exit status:\n"                                                       \
	"  0  success\n"                                                       \
	"  1  failure: lowportd refused, failed, or is not reachable\n"        \
	"  2  usage error"

/*
 * CtlCommand - one subcommand
 * @name:	Name on the command line
 * @args:	Positional arguments it takes, for usage text
 * @nargs:	Their number
 */
typedef struct {
	const char *name;
	const char *args;
	unsigned int nargs;
} CtlCommand;

static const CtlCommand ctl_commands[] = {
	{"list", "", 0},
	{"release", "ID", 1},
	{"status", "", 0},
	{"check", "", 0},
	{.name = "egress", .args = "CONTAINER", .nargs = 1},
};

/**
 * ctl_find_command() - Look up a subcommand by name
 * @name:	Name
 * @error:	LP_CTL_USAGE_ERROR if unknown
 *
 * Return: the command, NULL on error
 */
static const CtlCommand *ctl_find_command(const char *name, GError **error)
{
	unsigned int i;

	for (i = 0; i < G_N_ELEMENTS(ctl_commands); i++) {
		if (!strcmp(name, ctl_commands[i].name))
			return &ctl_commands[i];
	}
	g_set_error(error, LP_CTL_USAGE_ERROR, LP_CTL_USAGE,
		    "unknown command '%s' (try --help)", name);
	return NULL;
}

/**
 * ctl_parse_command() - Parse a subcommand's own options and arguments
 * @ctl:	Invocation, options filled in
 * @cmd:	Subcommand
 * @argv:	Arguments, rewritten to the positional ones
 * @error:	LP_CTL_USAGE_ERROR or G_OPTION_ERROR on failure
 *
 * Return: TRUE on success
 */
static gboolean ctl_parse_command(LpCtl *ctl, const CtlCommand *cmd,
				  char ***argv, GError **error)
{
	GOptionEntry entries[] = {
		{"socket", 's', 0, G_OPTION_ARG_FILENAME, &ctl->socket_path,
		 "lowportd socket", "PATH"},
		{"json", 'j', 0, G_OPTION_ARG_NONE, &ctl->json, "print JSON",
		 NULL},
		{NULL},
	};
	g_autofree char *usage = g_strdup_printf(
		"%s%s%s", cmd->name, *cmd->args ? " " : "", cmd->args);
	g_autoptr(GOptionContext) oc = g_option_context_new(usage);

	if (strcmp(cmd->name, "list"))
		entries[1] = (GOptionEntry){NULL};
	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_description(oc, CTL_DESCRIPTION);
	if (!g_option_context_parse_strv(oc, argv, error))
		return FALSE;
	if (g_strv_length(*argv) - 2 != cmd->nargs) {
		g_set_error(error, LP_CTL_USAGE_ERROR, LP_CTL_USAGE,
			    "usage: lowportctl %s%s%s", cmd->name,
			    *cmd->args ? " " : "", cmd->args);
		return FALSE;
	}
	return TRUE;
}

/**
 * ctl_parse() - Parse global options, find and parse the subcommand
 * @ctl:	Invocation, options filled in
 * @argv:	Arguments (GStrv, rewritten); on success argv[1] is the command name and any
 *		positional arguments follow
 * @ret_cmd:	Subcommand
 * @error:	LP_CTL_USAGE_ERROR or G_OPTION_ERROR on failure
 *
 * Return: TRUE on success
 */
static gboolean ctl_parse(LpCtl *ctl, char ***argv, const CtlCommand **ret_cmd,
			  GError **error)
{
	GOptionEntry entries[] = {
		{"socket", 's', 0, G_OPTION_ARG_FILENAME, &ctl->socket_path,
		 "lowportd socket", "PATH"},
		{NULL},
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("COMMAND [ARGS]");

	g_option_context_add_main_entries(oc, entries, NULL);
	g_option_context_set_summary(oc, CTL_SUMMARY);
	g_option_context_set_description(oc, CTL_DESCRIPTION);
	/* Stop at the command name: its options belong to it */
	g_option_context_set_strict_posix(oc, TRUE);
	if (!g_option_context_parse_strv(oc, argv, error))
		return FALSE;
	if (g_strv_length(*argv) < 2) {
		g_set_error(error, LP_CTL_USAGE_ERROR, LP_CTL_USAGE,
			    "no command given (try --help)");
		return FALSE;
	}
	*ret_cmd = ctl_find_command((*argv)[1], error);
	return *ret_cmd && ctl_parse_command(ctl, *ret_cmd, argv, error);
}

/**
 * ctl_dispatch() - Run the parsed subcommand
 * @ctl:	Invocation
 * @cmd:	Subcommand
 * @argv:	Positional arguments from argv[2] on
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean ctl_dispatch(const LpCtl *ctl, const CtlCommand *cmd,
			     char **argv, GError **error)
{
	if (!strcmp(cmd->name, "list"))
		return lp_ctl_list(ctl, error);
	if (!strcmp(cmd->name, "release"))
		return lp_ctl_release(ctl, argv[2], error);
	if (!strcmp(cmd->name, "check"))
		return lp_ctl_check_host(ctl, error);
	if (!strcmp(cmd->name, "egress"))
		return lp_ctl_egress(ctl, argv[2], error);
	return lp_ctl_status(ctl, error);
}

/**
 * ctl_run() - Parse, run, report
 * @argv:	Arguments, NULL-terminated
 *
 * Return: exit status, see CTL_DESCRIPTION
 */
static int ctl_run(char **argv)
{
	g_auto(GStrv) args = g_strdupv(argv);
	g_autoptr(GError) error = NULL;
	const CtlCommand *cmd = NULL;
	LpCtl ctl = {.timeout_ms = LP_CLIENT_TIMEOUT_MS};
	gboolean ok;

	ok = ctl_parse(&ctl, &args, &cmd, &error);
	if (ok) {
		if (!ctl.socket_path)
			ctl.socket_path = g_strdup(lp_client_socket_path());
		ok = ctl_dispatch(&ctl, cmd, args, &error);
	}
	g_free(ctl.socket_path);
	if (ok)
		return LP_CTL_EXIT_OK;
	if (g_error_matches(error, LP_CTL_USAGE_ERROR, LP_CTL_CHECK_FAILED))
		return LP_CTL_EXIT_FAILURE;
	fprintf(stderr, "lowportctl: %s\n", error->message);
	if (error->domain == LP_CTL_USAGE_ERROR ||
	    error->domain == G_OPTION_ERROR)
		return LP_CTL_EXIT_USAGE;
	return LP_CTL_EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	return ctl_run(argv);
}
