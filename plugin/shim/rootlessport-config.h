/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootlessport-config.h - rootlessport front: read and rewrite the JSON
 * config Podman writes to rootlessport's stdin (no I/O)
 *
 * Copyright lowport authors
 *
 * The config is one JSON object whose keys are the Go field names of
 * Podman's rootlessport.Config: Mappings, NetNSPath, ExitFD, ReadyFD,
 * TmpDir, ChildIP, ContainerID, RootlessCNI (others in some versions).
 * Mappings items use netavark's keys: host_ip, container_port, host_port,
 * range, protocol ("tcp", "udp", "sctp" or a comma-separated list).
 * Only the privileged TCP and UDP host ports of Mappings are rewritten;
 * every other key and item stays as it came.
 */
#ifndef LOWPORT_ROOTLESSPORT_CONFIG_H
#define LOWPORT_ROOTLESSPORT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/* Largest config read (Podman's is well under 4 KiB per mapping) */
#define LP_ROOTLESSPORT_CONFIG_MAX (1024 * 1024)

/*
 * LpRootlessportConfig - what the shim needs to know about the config
 * @root:		The config as read (an object)
 * @unpriv_start:	First unprivileged port it was read against
 * @netns:		NetNSPath (points into @root), NULL if absent
 * @exit_fd:		ExitFD, -1 if absent
 * @ready_fd:		ReadyFD, -1 if absent
 * @unparsable:		Some item of Mappings is not what rootlessport reads
 *			(not an object, a port out of range, a bad host_ip):
 *			leave the config to rootlessport, which explains it
 * @blocks:		LpCoreBlock, the privileged TCP/UDP host ports, in
 *			the order of Mappings and of each item's protocols;
 *			empty: the call passes through untouched
 * @items:		What each item of Mappings says (internal)
 */
typedef struct {
	JsonNode *root;
	unsigned int unpriv_start;
	const char *netns;
	int exit_fd;
	int ready_fd;
	bool unparsable;
	GArray *blocks;
	GArray *items;
} LpRootlessportConfig;

LpRootlessportConfig *lp_rootlessport_config_parse(const char *data, gsize len,
						   unsigned int unpriv_start,
						   GError **error);
void lp_rootlessport_config_free(LpRootlessportConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpRootlessportConfig, lp_rootlessport_config_free)

char *lp_rootlessport_config_rewrite(const LpRootlessportConfig *config,
				     const uint16_t *backend);

#endif /* LOWPORT_ROOTLESSPORT_CONFIG_H */
