/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shim.h - the pasta shim: what Podman runs instead of pasta
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_SHIM_H
#define LOWPORT_SHIM_H

/* Runs of the real pasta after the first when a backend port was taken */
#define LP_SHIM_RETRIES 3
/* Bound on the real pasta's start (bind, daemonize, parent exits) */
#define LP_SHIM_PASTA_TIMEOUT_MS 60000
/* Bound on each wait for pasta to exit after SIGTERM, then SIGKILL */
#define LP_SHIM_STOP_TIMEOUT_MS 2000
/*
 * On "podman restart" the old pasta quits about a second after its netns is
 * gone, and lowportd refuses us while its lease lasts: retry that refusal
 * (never another user's) this often, for this long, while our pasta runs
 */
#define LP_SHIM_OWN_LEASE_RETRY_MS 100
#define LP_SHIM_OWN_LEASE_WAIT_MS  3000
/* ip_unprivileged_port_start if /proc cannot tell (the kernel default) */
#define LP_SHIM_UNPRIV_DEFAULT 1024

unsigned int lp_shim_unpriv_start(void);
int lp_shim_main(int argc, char **argv);

#endif /* LOWPORT_SHIM_H */
