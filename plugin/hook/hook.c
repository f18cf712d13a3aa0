// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hook.c - lowport-egress: apply io.lowport.egress to a container
 *
 * Run by the OCI runtime at createContainer (contrib/hooks/), when the
 * container's namespaces exist and its process has not started: read the
 * state, parse the annotation (netutils/egress.c), collect the allowed
 * destinations (addresses as written, the container's nameservers for
 * "dns", host names resolved as the container would, hook-resolve.c),
 * enter the container's network namespace (never the initial one, see
 * hook_check_netns()) and replace table inet lowport_egress there in one
 * batch (netutils/nft/nft-egress.c), unless a shared namespace already
 * holds another allowlist. Containers with CAP_NET_ADMIN or CAP_SYS_ADMIN
 * are refused. Any failure is an error: the runtime then does not start
 * the container.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook/hook-oci.h"
#include "hook/hook-resolve.h"
#include "hook/hook.h"
#include "netutils/egress.h"
#include "netutils/nft/nft-egress-list.h"
#include "netutils/nft/nft-egress.h"
#include "netutils/nft/nft.h"
#include "netutils/util.h"

G_DEFINE_QUARK(lp - hook - error - quark, lp_hook_error)

/**
 * hook_same_ns() - Whether two namespace files name the same namespace
 * @a:		stat() of one
 * @b:		stat() of the other
 *
 * Return: true if device and inode match
 */
static bool hook_same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/**
 * hook_check_netns() - Refuse a target namespace the hook must not filter
 * @fd:		The target namespace
 * @path:	Its path, for messages
 * @pid:	PID from the OCI state, 0 if none
 * @error:	Return location for a GError
 *
 * A PID in the state is not trusted alone: runc runs createContainer
 * hooks inside the container's namespaces but reports its own PID as
 * seen in the container's PID namespace (1) while /proc is still the
 * host's, so /proc/PID names a host process. The target must never be
 * the initial network namespace (PID 1's, when it can be read); and a
 * hook already running in a non-initial namespace (crun's way) only
 * accepts a PID whose namespace is that one.
 *
 * Return: true if @fd may be filtered
 */
static bool hook_check_netns(int fd, const char *path, pid_t pid,
			     GError **error)
{
	struct stat target, self, init;
	bool have_init;

	if (fstat(fd, &target) < 0 || stat("/proc/self/ns/net", &self) < 0) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "cannot identify network namespaces: %s",
			    g_strerror(errno));
		return false;
	}
	have_init = stat("/proc/1/ns/net", &init) == 0;
	if (have_init && hook_same_ns(&target, &init)) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "%s is the initial (host) network namespace: "
			    "refusing to filter it (does the runtime give a "
			    "PID of another PID namespace, like runc?)",
			    path);
		return false;
	}
	if (pid > 0 && have_init && !hook_same_ns(&self, &init) &&
	    !hook_same_ns(&target, &self)) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "the hook runs in a container's network namespace "
			    "but %s is another one: refusing to guess which "
			    "to filter",
			    path);
		return false;
	}
	return true;
}

/**
 * hook_open_netns() - Open the container's network namespace
 * @oci:	Container facts
 * @error:	Return location for a GError
 *
 * createContainer hooks run in the container's namespaces (runtime-spec
 * config.md, crun gives pid 0 then); a PID in the state names the
 * container's process, checked by hook_check_netns(). A container
 * without a network namespace of its own in config.json (--network host)
 * is refused: its filter would be the host's.
 *
 * Return: descriptor, -1 on error
 */
static int hook_open_netns(const LpHookOci *oci, GError **error)
{
	g_autofree char *path = NULL;
	lp_autofd int fd = -1;

	if (!oci->own_netns) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "the container has no network namespace of its own "
			    "(--network host?): refusing to filter the host's");
		return -1;
	}
	if (oci->pid > 0)
		path = g_strdup_printf("/proc/%d/ns/net", (int)oci->pid);
	else
		path = g_strdup("/proc/self/ns/net");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "cannot open the container's network namespace "
			    "%s: %s",
			    path, g_strerror(errno));
		return -1;
	}
	if (!hook_check_netns(fd, path, oci->pid, error))
		return -1;
	return lp_steal_fd(&fd);
}

/**
 * hook_add_addrs() - Allow a list of addresses for an entry's service
 * @allows:	GArray of LpNftEgressAllow
 * @addrs:	GArray of LpHookAddr
 * @proto:	Protocol of the entry, 0 for both or any
 * @first:	First port, 0 for every port
 * @last:	Last port
 */
static void hook_add_addrs(GArray *allows, const GArray *addrs, uint8_t proto,
			   uint16_t first, uint16_t last)
{
	guint i;

	for (i = 0; i < addrs->len; i++) {
		const LpHookAddr *a = &g_array_index(addrs, LpHookAddr, i);

		lp_nft_egress_allow_add(allows, a->family, &a->addr,
					a->family == AF_INET ? 32 : 128, proto,
					first, last);
	}
}

/**
 * hook_resolve() - Resolve every host name entry, allow its addresses
 * @eg:		Parsed value
 * @servers:	The container's resolvers
 * @netns_fd:	The container's network namespace
 * @allows:	GArray of LpNftEgressAllow to append to
 * @error:	Return location for a GError
 *
 * Return: true on success
 */
static bool hook_resolve(const LpEgress *eg, const GArray *servers,
			 int netns_fd, GArray *allows, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	g_autoptr(GPtrArray) addrs = NULL;
	guint i, n = 0;

	for (i = 0; i < eg->entries->len; i++) {
		const LpEgressEntry *e =
			&g_array_index(eg->entries, LpEgressEntry, i);

		if (e->kind == LP_EGRESS_NAME)
			g_ptr_array_add(names, (char *)e->name);
	}
	g_ptr_array_add(names, NULL);
	addrs = lp_hook_resolve_names((const char *const *)names->pdata,
				      netns_fd, servers,
				      LP_HOOK_RESOLVE_TIMEOUT_MS, error);
	if (!addrs)
		return false;
	for (i = 0; i < eg->entries->len; i++) {
		const LpEgressEntry *e =
			&g_array_index(eg->entries, LpEgressEntry, i);

		if (e->kind == LP_EGRESS_NAME)
			hook_add_addrs(allows, g_ptr_array_index(addrs, n++),
				       e->proto, e->port_first, e->port_last);
	}
	return true;
}

/**
 * hook_allows() - Every allowed destination of a value
 * @eg:		Parsed value
 * @oci:	Container facts (config.json read)
 * @netns_fd:	The container's network namespace
 * @error:	Return location for a GError
 *
 * Return: GArray of LpNftEgressAllow, NULL on error
 */
static GArray *hook_allows(const LpEgress *eg, const LpHookOci *oci,
			   int netns_fd, GError **error)
{
	g_autoptr(GArray) allows =
		g_array_new(FALSE, TRUE, sizeof(LpNftEgressAllow));
	g_autoptr(GArray) servers = NULL;
	g_autoptr(GError) local = NULL;
	bool guessed;
	guint i;

	for (i = 0; i < eg->entries->len; i++) {
		const LpEgressEntry *e =
			&g_array_index(eg->entries, LpEgressEntry, i);

		if (e->kind == LP_EGRESS_ADDR)
			lp_nft_egress_allow_add(allows, e->family, &e->addr,
						e->prefix, e->proto,
						e->port_first, e->port_last);
	}
	if (!lp_egress_has_dns(eg) && !lp_egress_has_names(eg))
		return g_steal_pointer(&allows);
	servers = lp_hook_resolve_servers(oci->resolv_conf, oci->rootfs,
					  oci->pid, &guessed, &local);
	if (!servers) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "%s: %s",
			    lp_egress_has_dns(eg) ? "dns" : "host names",
			    local->message);
		return NULL;
	}
	if (lp_egress_has_dns(eg))
		hook_add_addrs(allows, servers, 0, 53, 53);
	if (lp_egress_has_names(eg) &&
	    !hook_resolve(eg, servers, netns_fd, allows, error))
		return NULL;
	return g_steal_pointer(&allows);
}

/**
 * hook_cmp_lines() - Compare two strings through pointers to them
 * @a:		Pointer to the first
 * @b:		Pointer to the second
 *
 * Return: as strcmp()
 */
static gint hook_cmp_lines(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/**
 * hook_sets_text() - The allowlist of some sets as sorted text lines
 * @sets:	GPtrArray of LpNftEgressSet
 *
 * Return: "SET RANGE" lines, sorted, caller frees
 */
static char *hook_sets_text(const GPtrArray *sets)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	char buf[2 * INET6_ADDRSTRLEN + 2];
	guint i, k;

	for (i = 0; i < sets->len; i++) {
		const LpNftEgressSet *set = g_ptr_array_index(sets, i);

		for (k = 0; k < set->ranges->len; k++) {
			const LpNftEgressRange *r = &g_array_index(
				set->ranges, LpNftEgressRange, k);

			g_ptr_array_add(
				lines,
				g_strdup_printf("%s %s", set->name,
						lp_nft_egress_range_format(
							set->family, r, buf,
							sizeof(buf))));
		}
	}
	g_ptr_array_sort(lines, hook_cmp_lines);
	g_ptr_array_add(lines, NULL);
	return g_strjoinv("\n", (char **)lines->pdata);
}

/**
 * hook_check_shared() - In a joined (shared) network namespace, refuse to
 *			 replace another container's different allowlist
 * @allows:	GArray of LpNftEgressAllow to apply
 * @error:	Return location for a GError
 *
 * Called in the target namespace. Containers of a pod, --network
 * container:X and ns:PATH share one namespace and so one table: the last
 * one to start would replace everyone's allowlist. An existing table with
 * the same allowlist is replaced (the same filter again); a different one
 * is an error.
 *
 * Return: true if the table may be applied
 */
static bool hook_check_shared(const GArray *allows, GError **error)
{
	g_autoptr(LpNftEgressState) st = NULL;
	g_autoptr(GPtrArray) sets = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree char *have = NULL, *want = NULL;

	st = lp_nft_egress_list_read(&local);
	if (!st && local->domain == LP_NFT_ERROR && local->code == ENOENT)
		return true;
	if (!st) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "shared network namespace: %s", local->message);
		return false;
	}
	sets = lp_nft_egress_sets(allows);
	have = hook_sets_text(st->sets);
	want = hook_sets_text(sets);
	if (strcmp(have, want)) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "the shared network namespace already has table "
			    "inet %s with another allowlist (a pod or "
			    "--network container:): give every container "
			    "in it the same io.lowport.egress value",
			    LP_NFT_EGRESS_TABLE);
		return false;
	}
	return true;
}

/**
 * hook_input() - Read the state and, when needed, config.json
 * @state_fd:	Descriptor with the OCI state
 * @error:	Return location for a GError
 *
 * Return: container facts with the annotation set, NULL on error
 */
static LpHookOci *hook_input(int state_fd, GError **error)
{
	g_autoptr(LpHookOci) oci = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree char *state = NULL;
	size_t len;

	state = lp_hook_oci_read_fd(state_fd, LP_HOOK_STATE_MAX,
				    LP_HOOK_STDIN_TIMEOUT_MS, &len, &local);
	if (!state) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
			    "OCI state on stdin: %s", local->message);
		return NULL;
	}
	oci = lp_hook_oci_parse_state(state, len, error);
	if (!oci || !lp_hook_oci_read_config(oci, error))
		return NULL;
	if (!oci->egress) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
			    "container %.12s has no %s annotation", oci->id,
			    LP_EGRESS_ANNOTATION);
		return NULL;
	}
	if (oci->power_cap) {
		g_set_error(
			error, LP_HOOK_ERROR, LP_HOOK_ERROR_INPUT,
			"the container has %s (--cap-add or --privileged?): "
			"it could remove its egress filter, refusing",
			oci->power_cap);
		return NULL;
	}
	return g_steal_pointer(&oci);
}

/**
 * lp_hook_run() - Apply the annotation of the container a state names
 * @state_fd:	Descriptor with the OCI state (stdin)
 * @error:	Return location for a GError
 *
 * Return: true if the table is in place
 */
bool lp_hook_run(int state_fd, GError **error)
{
	g_autoptr(LpHookOci) oci = hook_input(state_fd, error);
	g_autoptr(GArray) allows = NULL;
	g_autoptr(LpEgress) eg = NULL;
	lp_autofd int netns_fd = -1;

	if (!oci)
		return false;
	eg = lp_egress_parse(oci->egress, error);
	if (!eg)
		return false;
	netns_fd = hook_open_netns(oci, error);
	if (netns_fd < 0)
		return false;
	allows = hook_allows(eg, oci, netns_fd, error);
	if (!allows)
		return false;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_NETNS,
			    "cannot enter the container's network namespace: "
			    "%s",
			    g_strerror(errno));
		return false;
	}
	if (oci->joins_netns && !hook_check_shared(allows, error))
		return false;
	return lp_nft_egress_apply(allows, error);
}
