/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hook-resolve.h - the container's resolvers: nameservers and host names
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_HOOK_RESOLVE_H
#define LOWPORT_HOOK_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <glib.h>

/* Bounds: resolv.conf size, nameservers taken, addresses per name, wait */
#define LP_HOOK_RESOLV_CONF_MAX	   65536
#define LP_HOOK_NAMESERVERS_MAX	   8
#define LP_HOOK_ADDRS_PER_NAME_MAX 32
#define LP_HOOK_RESOLVE_TIMEOUT_MS 10000

/* pasta's DNS forwarder as Podman configures it (--dns-forward) */
#define LP_HOOK_PASTA_DNS "169.254.1.1"

/*
 * LpHookAddr - one address
 * @family:	AF_INET or AF_INET6
 * @addr:	The address
 */
typedef struct {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
} LpHookAddr;

GArray *lp_hook_resolve_nameservers(const char *text);
GArray *lp_hook_resolve_servers(const char *resolv_conf, const char *rootfs,
				pid_t pid, bool *ret_guessed, GError **error);
GPtrArray *lp_hook_resolve_names(const char *const *names, int netns_fd,
				 const GArray *servers, unsigned int timeout_ms,
				 GError **error);

#endif /* LOWPORT_HOOK_RESOLVE_H */
