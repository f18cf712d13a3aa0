// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * front-rootlessport.c - rootlessport front: what Podman runs instead of
 * rootlessport on bridge networks
 *
 * Copyright lowport authors
 *
 * DOC: Theory of Operation
 *
 * Podman runs "rootlessport" with no arguments, writes its config as one
 * JSON object to stdin and closes it, passes ExitFD (3, read end of a pipe
 * conmon holds) and ReadyFD (4), and waits for a byte on ReadyFD or for the
 * process to exit. On failure it shows "rootlessport " followed by what the
 * process wrote to stdout. This front:
 *
 * 1. Reads stdin, at most LP_ROOTLESSPORT_CONFIG_MAX bytes, and scans the
 *    config (rootlessport-config.c). No privileged TCP/UDP host port, or a
 *    config we do not read as rootlessport does: exec of the real
 *    rootlessport, stdin replayed byte for byte, same process.
 * 2. Otherwise hands the privileged blocks to the core (core.c), which
 *    picks backend ports, has this front write the config with only those
 *    host ports rewritten, runs rootlessport with it (ExitFD passed as it
 *    is, ReadyFD a pipe of ours), retries on "address already in use", and
 *    asks lowportd for a lease tied to the rootlessport process itself.
 * 3. Granted: the ready byte goes on to Podman and the shim exits 0;
 *    rootlessport keeps running for the container's life (its parent is
 *    then the next subreaper or init) and the lease ends when it exits.
 *    rootlessport failed: its stdout to our stdout, its log to stderr, its
 *    status. Refused: rootlessport is stopped, one line "lowport: WHY" goes
 *    to stdout, exit 1: Podman shows "rootlessport lowport: WHY".
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/policy.h"
#include "netutils/procfs.h"
#include "shim/core.h"
#include "shim/front-rootlessport.h"
#include "shim/rootlessport-config.h"

/* What rootlessport says when a port it should bind is taken */
#define FRONT_RLP_EADDRINUSE_TEXT "address already in use"
/* How rootlessport's logrus lines (its stderr) begin */
#define FRONT_RLP_LOG_PREFIX "time="

/* The real rootlessport: only in Podman's helper directories */
const LpCoreHelper lp_front_rootlessport_helper = {
	.name = "rootlessport",
	.package = "podman",
	.search_path = false,
	.policy_key = "real-rootlessport",
	.policy_path = lp_policy_real_rootlessport,
};

/*
 * FrontRlp - one call of the rootlessport front
 * @core:	Core state (first: the core's callbacks cast it back)
 * @input:	stdin as read
 * @config:	The config scanned from it
 */
typedef struct {
	LpCoreFront core;
	GBytes *input;
	LpRootlessportConfig *config;
} FrontRlp;

/**
 * lp_front_rootlessport_read_input() - Read the whole config, bounded
 * @fd:		Descriptor to read to end of file
 * @error:	LP_CORE_ERROR_ARGS if longer than LP_ROOTLESSPORT_CONFIG_MAX,
 *		LP_CORE_ERROR_REAL if it cannot be read
 *
 * Return: the bytes, NULL on error
 */
GBytes *lp_front_rootlessport_read_input(int fd, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[4096];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL,
				    "cannot read the rootlessport config: %s",
				    g_strerror(errno));
			return NULL;
		}
		if (n == 0)
			break;
		if (buf->len + (gsize)n > LP_ROOTLESSPORT_CONFIG_MAX) {
			g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
				    "rootlessport config over %d bytes",
				    LP_ROOTLESSPORT_CONFIG_MAX);
			return NULL;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

/**
 * lp_front_rootlessport_relay() - Pass a failed run's output on: its log
 * lines to stderr, the rest (the human-readable error) to stdout
 * @run:	Finished run (stdout and stderr interleaved in @output)
 */
void lp_front_rootlessport_relay(const LpCoreRun *run)
{
	const char *p = (const char *)run->output->data;
	const char *end = p + run->output->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		bool log = len >= strlen(FRONT_RLP_LOG_PREFIX) &&
			   !memcmp(p, FRONT_RLP_LOG_PREFIX,
				   strlen(FRONT_RLP_LOG_PREFIX));

		fwrite(p, 1, len, log ? stderr : stdout);
		p += len;
	}
	fflush(stdout);
	fflush(stderr);
}

/**
 * front_rlp_command() - LpCoreFrontOps.command: the rewritten config
 * @f:		Core state of a FrontRlp
 * @backend:	First backend port of each block
 * @cmd:	Command to fill
 * @error:	Unused
 *
 * Return: TRUE
 */
static gboolean front_rlp_command(LpCoreFront *f, const uint16_t *backend,
				  LpCoreCmd *cmd, GError **error)
{
	FrontRlp *r = (FrontRlp *)f;
	char *json = lp_rootlessport_config_rewrite(r->config, backend);
	char *argv[] = {"rootlessport", NULL};

	(void)error;
	cmd->argv = g_strdupv(argv);
	cmd->input = g_bytes_new_take(json, strlen(json));
	if (r->config->exit_fd > STDERR_FILENO)
		cmd->pass_fds[cmd->n_pass_fds++] = r->config->exit_fd;
	cmd->ready_fd = r->config->ready_fd;
	return TRUE;
}

/**
 * front_rlp_lost_race() - LpCoreFrontOps.lost_race: a taken port
 * @f:		Core state of a FrontRlp
 * @run:	Failed run
 *
 * Return: true if rootlessport said "address already in use"
 */
static bool front_rlp_lost_race(LpCoreFront *f, const LpCoreRun *run)
{
	(void)f;
	return memmem(run->output->data, run->output->len,
		      FRONT_RLP_EADDRINUSE_TEXT,
		      strlen(FRONT_RLP_EADDRINUSE_TEXT)) != NULL;
}

/**
 * front_rlp_listeners() - Hand over rootlessport's listeners
 * @f:		Front
 *
 * rootlessport binds the host ports itself (core-listeners.c), accepts
 * and proxies whatever connection its listener gets.
 *
 * Return: true
 */
static bool front_rlp_listeners(LpCoreFront *f)
{
	return true;
}

static const LpCoreFrontOps front_rlp_ops = {
	.command = front_rlp_command,
	.lost_race = front_rlp_lost_race,
	.listeners = front_rlp_listeners,
};

/**
 * front_rlp_prepare() - Step 1: read and scan the config, find rootlessport
 * @r:		Front, core set up
 * @error:	Why the call is refused
 *
 * Return: TRUE with the real rootlessport found; no blocks: pass through
 */
static gboolean front_rlp_prepare(FrontRlp *r, GError **error)
{
	gsize len;
	const char *data;

	r->input = lp_front_rootlessport_read_input(STDIN_FILENO, error);
	if (!r->input)
		return FALSE;
	data = g_bytes_get_data(r->input, &len);
	r->config = lp_rootlessport_config_parse(data, len,
						 r->core.unpriv_start, error);
	if (!r->config || !lp_core_locate(&r->core, error))
		return FALSE;
	if (r->config->unparsable || !r->config->blocks->len)
		return TRUE;
	if (r->config->ready_fd < 0 || !r->config->netns) {
		g_set_error_literal(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
				    "the rootlessport config has no ReadyFD or "
				    "NetNSPath");
		return FALSE;
	}
	r->core.netns = r->config->netns;
	g_array_append_vals(r->core.blocks, r->config->blocks->data,
			    r->config->blocks->len);
	return TRUE;
}

/**
 * lp_front_rootlessport_main() - The rootlessport shim, to exit status
 * @argc:	Argument count
 * @argv:	Arguments (Podman passes none)
 *
 * Return: 0 when rootlessport runs, is ready and its privileged ports are
 *	   forwarded; its own status when it failed (output relayed); 1 with
 *	   "lowport: ..." on stdout when lowport refused or failed. A
 *	   pass-through does not return unless exec fails.
 */
int lp_front_rootlessport_main(int argc, char **argv)
{
	FrontRlp r = {0};
	g_autoptr(GError) error = NULL;
	int status;

	(void)argc;
	lp_core_init(&r.core, &front_rlp_ops, &lp_front_rootlessport_helper,
		     lp_procfs_unpriv_start_or_default());
	if (!front_rlp_prepare(&r, &error)) {
		status = lp_core_fail(stdout, error);
	} else if (!r.core.blocks->len) {
		LpCoreCmd cmd = {.name = "rootlessport",
				 .argv = argv,
				 .input = r.input,
				 .ready_fd = -1};

		status = lp_core_passthrough(&r.core, &cmd, stdout);
	} else if (!lp_core_forward(&r.core, &error)) {
		status = lp_core_fail(stdout, error);
	} else if (!r.core.run.ready) {
		lp_front_rootlessport_relay(&r.core.run);
		status = r.core.run.status;
	} else {
		status = 0;
	}
	lp_rootlessport_config_free(r.config);
	if (r.input)
		g_bytes_unref(r.input);
	lp_core_clear(&r.core);
	return status;
}
