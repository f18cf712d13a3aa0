/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hook-oci.h - the OCI state on a hook's stdin and the bundle's config.json
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_HOOK_OCI_H
#define LOWPORT_HOOK_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <glib.h>

/*
 * LpHookOci - what the hook needs to know about the container
 * @id:		Container ID
 * @pid:	PID of the container's process, 0 if the runtime runs the
 *		hook in the container's namespaces and gives none (crun)
 * @bundle:	Bundle directory
 * @egress:	Value of io.lowport.egress, NULL if not set
 * @resolv_conf: Host path of what the container sees as /etc/resolv.conf,
 *		NULL if it has none (filled by lp_hook_oci_read_config())
 * @rootfs:	The root file system when @resolv_conf is the file in it
 *		(no bind mount), to be resolved inside it; else NULL
 * @own_netns:	config.json gives the container a network namespace of
 *		its own (linux.namespaces has a "network" entry)
 * @joins_netns: That entry has a "path": the container joins an existing
 *		namespace, which others (a pod) may share
 * @power_cap:	"CAP_NAME in SET" for the first capability in
 *		process.capabilities that could remove the filter, NULL if
 *		none (filled by lp_hook_oci_read_config())
 */
typedef struct {
	char *id;
	pid_t pid;
	char *bundle;
	char *egress;
	char *resolv_conf;
	char *rootfs;
	bool own_netns;
	bool joins_netns;
	char *power_cap;
} LpHookOci;

/* The container's resolv.conf inside its root file system */
#define LP_HOOK_OCI_ROOTFS_RESOLV "etc/resolv.conf"

void lp_hook_oci_free(LpHookOci *oci);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpHookOci, lp_hook_oci_free)

char *lp_hook_oci_read_fd(int fd, size_t max, unsigned int timeout_ms,
			  size_t *ret_len, GError **error);
LpHookOci *lp_hook_oci_parse_state(const char *json, size_t len,
				   GError **error);
bool lp_hook_oci_parse_config(LpHookOci *oci, const char *json, size_t len,
			      GError **error);
bool lp_hook_oci_read_config(LpHookOci *oci, GError **error);

#endif /* LOWPORT_HOOK_OCI_H */
