/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * core.h - shim core: what every front (pasta today; rootlessport, pesto)
 * shares: backend ports, the real helper, the lease, the error text
 *
 * Copyright lowport authors
 *
 * A front is what Podman runs instead of one network helper. It reads the
 * helper's call (argv, stdin), says which privileged host ports it
 * forwards, and lets the core do the rest: pick free unprivileged backend
 * ports on the same address and protocol, run the real helper on a call
 * rewritten to them, ask lowportd for a lease tied to the right process,
 * hold back the helper's ready signal until the lease is granted, and on
 * any failure leave nothing running and say "lowport: WHY".
 *
 * How the fronts plug in:
 * - pasta (front-pasta.c): argv; the helper daemonizes, so a run ends when
 *   it exits; the lease follows the daemon named in its --pid file.
 * - rootlessport: the JSON config on stdin (@input), ExitFD 3 passed
 *   through (@pass_fds), ReadyFD 4 as @ready_fd (the ready gate); the lease
 *   follows the spawned child itself (LpCoreRun.pidfd); errors on stdout.
 * - pesto: argv; a one-shot client, a run ends when it exits; the lease
 *   follows the rootless-netns pasta, the peer of its control socket, not
 *   our child (@lease_is_child false), and @undo runs "pesto --delete".
 */
#ifndef LOWPORT_CORE_H
#define LOWPORT_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>

#include "shim/core-find.h"
#include "shim/core-ports.h"
#include "shim/core-spawn.h"

/* Runs of the real helper after the first when a backend port was taken */
#define LP_CORE_RETRIES 3
/* Bound on the real helper's start (bind, daemonize or ready) */
#define LP_CORE_START_TIMEOUT_MS 60000
/* Bound on each wait for a process to exit after SIGTERM, then SIGKILL */
#define LP_CORE_STOP_TIMEOUT_MS 2000

#define LP_CORE_ERROR (lp_core_error_quark())
GQuark lp_core_error_quark(void);

typedef enum {
	LP_CORE_ERROR_ARGS,  /* a call lowport cannot serve */
	LP_CORE_ERROR_PORTS, /* no free backend ports */
	LP_CORE_ERROR_REAL,  /* real helper missing, failed or misbehaved */
} LpCoreError;

typedef struct LpCoreFront LpCoreFront;

/*
 * LpCoreFrontOps - what a front does for the core
 * @command:	Build the real helper's call for these backend ports (one
 *		per block, in order): @cmd->argv and, if needed, @input,
 *		@pass_fds, @ready_fd; @name is set already
 * @port_used:	Tell whether a port must not be a backend port because the
 *		call names it otherwise; NULL: none
 * @lost_race:	Tell whether a failed run lost a backend port to someone
 *		else (then other ports are tried); NULL: never
 * @lease_pidfd: After a run that started: a pidfd (caller closes) of the
 *		process the lease follows, or NULL to use the helper itself
 *		(@run->pidfd, which needs a @ready_fd)
 * @undo:	After a failure: take back what the run did beyond processes
 *		of ours (those the core stops), e.g. stop a daemon named in a
 *		PID file, or "pesto --delete"; NULL: nothing
 * @listeners:	Tell whether the lease's process holds the backend's
 *		listening TCP sockets in our network namespace, lets us copy
 *		them (core-listeners.c), and serves connections steered onto
 *		them: then they go to lowportd with the request; NULL: never
 */
typedef struct {
	gboolean (*command)(LpCoreFront *f, const uint16_t *backend,
			    LpCoreCmd *cmd, GError **error);
	bool (*port_used)(LpCoreFront *f, int proto, unsigned int port);
	bool (*lost_race)(LpCoreFront *f, const LpCoreRun *run);
	int (*lease_pidfd)(LpCoreFront *f, const LpCoreRun *run,
			   GError **error);
	void (*undo)(LpCoreFront *f, const LpCoreRun *run);
	bool (*listeners)(LpCoreFront *f);
} LpCoreFrontOps;

/*
 * LpCoreFront - one call of a front, as the core sees it (a front embeds
 * it and finds itself again with container_of-style casts)
 * @ops:		The front's operations
 * @helper:		The real helper it stands in for; its @name is also
 *			the front lowportd records for the lease
 *			(lp_core_lease_front(): pasta, rootlessport, pesto)
 * @unpriv_start:	First unprivileged port (ip_unprivileged_port_start)
 * @netns:		Network namespace of the container, for lowportd
 * @blocks:		GArray of LpCoreBlock: the privileged host ports, each
 *			rewritten to a backend block of the same size, address
 *			and protocol
 * @lease_is_child:	The lease's process is ours (the helper or its
 *			daemon): stop it on failure; false for pesto
 * @real:		Path of the real helper (lp_core_locate())
 * @backend:		First backend port of each block, once picked
 * @tried:		LpCoreBlock with the backend ports of failed attempts in
 *			@host_port, avoided by later attempts
 * @cmd:		The last call of the real helper
 * @run:		How it ended
 * @pidfd:		pidfd of the lease's process, -1 if none yet
 */
struct LpCoreFront {
	const LpCoreFrontOps *ops;
	const LpCoreHelper *helper;
	unsigned int unpriv_start;
	const char *netns;
	GArray *blocks;
	bool lease_is_child;
	char *real;
	uint16_t *backend;
	GArray *tried;
	LpCoreCmd cmd;
	LpCoreRun run;
	int pidfd;
};

void lp_core_init(LpCoreFront *f, const LpCoreFrontOps *ops,
		  const LpCoreHelper *helper, unsigned int unpriv_start);
void lp_core_clear(LpCoreFront *f);
gboolean lp_core_locate(LpCoreFront *f, GError **error);
int lp_core_passthrough(const LpCoreFront *f, const LpCoreCmd *cmd, FILE *out);
gboolean lp_core_forward(LpCoreFront *f, GError **error);
int lp_core_fail(FILE *out, const GError *error);
void lp_core_relay(FILE *out, const LpCoreRun *run);

#endif /* LOWPORT_CORE_H */
