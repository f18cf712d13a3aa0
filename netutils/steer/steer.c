// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * steer.c - steer new TCP connections onto a backend's own listening socket
 * (BPF sk_lookup program and socket hash, pinned in bpffs)
 *
 * Copyright lowport authors
 *
 * lp_steer_open() re-finds the program's link and map pinned in a directory
 * on bpffs (steer-pin.c), or loads the program (steer.bpf.c, embedded as a
 * libbpf skeleton), attaches it to the caller's network namespace and pins
 * both. Entries map (family, protocol, port, address) to a listening socket;
 * the kernel drops an entry by itself when the socket's last descriptor is
 * closed. Keys hold the port host byte order and the address network byte
 * order; an all-zero address is the wildcard, tried after the exact address.
 *
 * The map is a BPF_MAP_TYPE_SOCKHASH with 8-byte values: an update takes a
 * socket descriptor, a lookup from user space returns the socket's cookie
 * (SO_COOKIE).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <glib.h>

#include "netutils/steer/steer.h"
#include "netutils/steer/steer-pin.h"
#include "netutils/steer/steer.skel.h"
#include "netutils/util.h"

G_DEFINE_QUARK(lp_steer_error, lp_steer_error)

/* The kernel's ENOTSUPP, which it returns for BPF features it lacks */
#define STEER_ENOTSUPP 524

typedef struct lp_steer_bpf LpSteerBpf;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpSteerBpf, lp_steer_bpf__destroy)
typedef struct bpf_link LpSteerBpfLink;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LpSteerBpfLink, bpf_link__destroy)

/*
 * struct LpSteer - the steering program of one network namespace
 * @link_fd:	Netns link of the sk_lookup program (pinned)
 * @map_fd:	Socket hash the program looks up (pinned)
 * @link_id:	Kernel id of the link
 * @map_id:	Kernel id of the map
 */
struct LpSteer {
	int link_fd;
	int map_fd;
	uint32_t link_id;
	uint32_t map_id;
};

/**
 * steer_libbpf_print() - Send libbpf's warnings to the debug log
 * @level:	libbpf message level
 * @fmt:	Format
 * @ap:		Arguments
 *
 * Return: 0
 */
static int steer_libbpf_print(enum libbpf_print_level level, const char *fmt,
			      va_list ap)
{
	g_autofree char *msg = NULL;

	if (level == LIBBPF_DEBUG)
		return 0;
	msg = g_strdup_vprintf(fmt, ap);
	g_debug("%s", g_strchomp(msg));
	return 0;
}

/**
 * steer_hint() - Likely cause of a failure to load or attach the program
 * @err:	Positive errno
 * @attach:	The failure was attaching, not loading
 *
 * Return: a parenthesised hint with a leading space, or ""
 */
static const char *steer_hint(int err, bool attach)
{
	/* the kernel allows 64 sk_lookup programs per network namespace */
	if (attach && err == E2BIG)
		return " (64 sk_lookup programs are attached to this network "
		       "namespace already)";
	switch (err) {
	case EPERM:
	case EACCES:
		return " (needs CAP_BPF and CAP_NET_ADMIN)";
	case EINVAL:
	case EOPNOTSUPP:
	case STEER_ENOTSUPP:
	case E2BIG:
		return " (needs a kernel with BPF sk_lookup and sockhash, "
		       "Linux 5.9 or later)";
	default:
		return "";
	}
}

/**
 * steer_load() - Load the program and attach it to our network namespace
 * @ret_link:	Link, on success
 * @error:	Return location for a GError
 *
 * Return: the loaded skeleton, NULL on failure
 */
static LpSteerBpf *steer_load(struct bpf_link **ret_link, GError **error)
{
	static gsize print_set;
	g_autoptr(LpSteerBpf) skel = NULL;
	lp_autofd int netns = -1;
	int err;

	if (g_once_init_enter(&print_set)) {
		libbpf_set_print(steer_libbpf_print);
		g_once_init_leave(&print_set, 1);
	}
	skel = lp_steer_bpf__open_and_load();
	if (!skel) {
		err = errno;
		g_set_error(error, LP_STEER_ERROR, err,
			    "cannot load the BPF steering program: %s%s",
			    g_strerror(err), steer_hint(err, false));
		return NULL;
	}
	netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns < 0) {
		err = errno;
		g_set_error(error, LP_STEER_ERROR, err,
			    "cannot open /proc/self/ns/net: %s",
			    g_strerror(err));
		return NULL;
	}
	*ret_link = bpf_program__attach_netns(skel->progs.lp_steer, netns);
	if (!*ret_link) {
		err = errno;
		g_set_error(error, LP_STEER_ERROR, err,
			    "cannot attach the BPF steering program to this "
			    "network namespace: %s%s",
			    g_strerror(err), steer_hint(err, true));
		return NULL;
	}
	return g_steal_pointer(&skel);
}

/**
 * steer_pin() - Pin a freshly attached program, replacing any old pins
 * @steer:	Steering handle to fill with descriptors and ids
 * @pin_dir:	Pin directory (on bpffs)
 * @error:	Return location for a GError
 *
 * The old pins go only after the new link is attached, so a namespace that
 * was steered by the old link stays steered; the old link detaches when its
 * pin and last descriptor are gone.
 *
 * Return: true on success
 */
static bool steer_pin(LpSteer *steer, const char *pin_dir, GError **error)
{
	g_autofree char *link_path = NULL, *map_path = NULL;
	g_autoptr(LpSteerBpfLink) link = NULL;
	g_autoptr(LpSteerBpf) skel = NULL;
	int r;

	skel = steer_load(&link, error);
	if (!skel)
		return false;
	link_path = g_build_filename(pin_dir, LP_STEER_PIN_LINK, NULL);
	map_path = g_build_filename(pin_dir, LP_STEER_PIN_MAP, NULL);
	r = lp_steer_pin_unpin(pin_dir);
	if (r >= 0)
		r = bpf_map__pin(skel->maps.lp_steer_map, map_path);
	if (r >= 0)
		r = bpf_link__pin(link, link_path);
	if (r < 0) {
		lp_steer_pin_unpin(pin_dir);
		g_set_error(error, LP_STEER_ERROR, -r,
			    "cannot pin the BPF steering program in %s: %s",
			    pin_dir, g_strerror(-r));
		return false;
	}

	steer->link_fd = fcntl(bpf_link__fd(link), F_DUPFD_CLOEXEC, 3);
	steer->map_fd =
		fcntl(bpf_map__fd(skel->maps.lp_steer_map), F_DUPFD_CLOEXEC, 3);
	if (steer->link_fd < 0 || steer->map_fd < 0) {
		r = errno;
		g_set_error(error, LP_STEER_ERROR, r,
			    "cannot duplicate BPF descriptors: %s",
			    g_strerror(r));
		return false;
	}
	r = lp_steer_pin_obj_ids(steer->link_fd, steer->map_fd, &steer->link_id,
				 &steer->map_id);
	if (r < 0) {
		g_set_error(error, LP_STEER_ERROR, -r,
			    "cannot read BPF object ids: %s", g_strerror(-r));
		return false;
	}
	return true;
}

/**
 * lp_steer_open() - Find or set up the steering program of our namespace
 * @pin_dir:	Pin directory on bpffs (created with mode 0700 if missing,
 *		its parent must be on bpffs), e.g. LP_STEER_PIN_DIR
 * @error:	Return location for a GError
 *
 * Reuses the link and map pinned in @pin_dir if the link is an sk_lookup
 * link of the caller's current network namespace whose program uses the
 * pinned map (entries made before, e.g. by an earlier lowportd, stay).
 * Otherwise it loads the program, attaches it to the caller's network
 * namespace and pins link and map in @pin_dir, replacing what was there.
 * Not safe against a second process opening the same @pin_dir at once.
 *
 * Return: the handle, NULL on failure
 */
LpSteer *lp_steer_open(const char *pin_dir, GError **error)
{
	g_autoptr(LpSteer) steer = g_new0(LpSteer, 1);
	LpSteerPinned pinned;
	const char *why = NULL;
	int r;

	steer->link_fd = steer->map_fd = -1;
	if (!lp_steer_pin_dir(pin_dir, true, error))
		return NULL;
	r = lp_steer_pin_find(pin_dir, &pinned, &why);
	if (r == 0) {
		steer->link_fd = pinned.link_fd;
		steer->map_fd = pinned.map_fd;
		steer->link_id = pinned.link_id;
		steer->map_id = pinned.map_id;
		g_debug("steer: reusing link %u and map %u pinned in %s",
			steer->link_id, steer->map_id, pin_dir);
		return g_steal_pointer(&steer);
	}
	if (r != -ENOENT) {
		g_set_error(error, LP_STEER_ERROR, -r,
			    "cannot look for pinned BPF objects in %s: %s",
			    pin_dir, g_strerror(-r));
		return NULL;
	}
	g_debug("steer: attaching anew in %s: %s", pin_dir, why);
	if (!steer_pin(steer, pin_dir, error))
		return NULL;
	return g_steal_pointer(&steer);
}

/**
 * lp_steer_free() - Close a steering handle (the pins keep the program)
 * @steer:	Handle, or NULL
 */
void lp_steer_free(LpSteer *steer)
{
	if (!steer)
		return;
	lp_closep(&steer->link_fd);
	lp_closep(&steer->map_fd);
	g_free(steer);
}

/**
 * lp_steer_link_id() - Kernel id of the program's netns link
 * @steer:	Handle
 *
 * Return: link id (as bpftool link show lists it)
 */
uint32_t lp_steer_link_id(const LpSteer *steer)
{
	return steer->link_id;
}

/**
 * lp_steer_map_id() - Kernel id of the steering map
 * @steer:	Handle
 *
 * Return: map id (as bpftool map show lists it)
 */
uint32_t lp_steer_map_id(const LpSteer *steer)
{
	return steer->map_id;
}

/**
 * lp_steer_probe() - Can steering work here?
 * @pin_dir:	Pin directory lp_steer_open() would use
 * @ret_reason:	Why not, or what works (one sentence, newly allocated)
 *
 * Checks that @pin_dir is (or can be created) on bpffs, and that the
 * program loads and attaches to the caller's network namespace (kernel
 * support and privileges). The trial link is detached again at once; with
 * an empty map of its own it steers nothing meanwhile. Pins stay untouched.
 *
 * Return: true if lp_steer_open() should succeed
 */
bool lp_steer_probe(const char *pin_dir, char **ret_reason)
{
	g_autoptr(LpSteerBpfLink) link = NULL;
	g_autoptr(LpSteerBpf) skel = NULL;
	g_autoptr(GError) error = NULL;

	if (!lp_steer_pin_dir(pin_dir, false, &error) ||
	    !(skel = steer_load(&link, &error))) {
		*ret_reason = g_strdup(error->message);
		return false;
	}
	*ret_reason = g_strdup_printf("BPF sk_lookup program loads and "
				      "attaches, bpffs at %s",
				      pin_dir);
	return true;
}

/**
 * lp_steer_key_init() - Fill in a steering key
 * @key:	Key to fill
 * @family:	AF_INET or AF_INET6
 * @proto:	IPPROTO_TCP (UDP cannot be steered: replies would leave from
 *		the socket's own port)
 * @addr:	struct in_addr or struct in6_addr (network byte order), NULL or
 *		all zero for any address; an IPv4-mapped IPv6 address makes an
 *		AF_INET key, as the kernel looks up IPv4 connections as such
 * @port:	Destination port to steer, host byte order, not 0
 *
 * Return: 0 on success, -EAFNOSUPPORT, -EPROTONOSUPPORT or -EINVAL
 */
int lp_steer_key_init(LpSteerKey *key, int family, uint8_t proto,
		      const void *addr, uint16_t port)
{
	memset(key, 0, sizeof(*key));
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (proto != IPPROTO_TCP)
		return -EPROTONOSUPPORT;
	if (!port)
		return -EINVAL;
	key->family = family == AF_INET ? LP_STEER_AF_INET : LP_STEER_AF_INET6;
	key->proto = proto;
	key->port = port;
	if (addr && family == AF_INET) {
		memcpy(&key->addr[0], addr, sizeof(struct in_addr));
	} else if (addr &&
		   IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr)) {
		key->family = LP_STEER_AF_INET;
		memcpy(&key->addr[0], (const uint8_t *)addr + 12, 4);
	} else if (addr) {
		memcpy(key->addr, addr, sizeof(struct in6_addr));
	}
	return 0;
}

/**
 * lp_steer_sock_cookie() - Socket cookie of a descriptor (SO_COOKIE)
 * @fd:		Socket
 * @ret_cookie:	Cookie, on success
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_steer_sock_cookie(int fd, uint64_t *ret_cookie)
{
	socklen_t len = sizeof(*ret_cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, ret_cookie, &len) < 0)
		return -errno;
	return 0;
}

/**
 * steer_map_sockopt() - Read an integer socket option
 * @fd:		Socket
 * @opt:	SOL_SOCKET option
 * @ret:	Value, on success
 *
 * Return: 0 on success, negative errno on failure
 */
static int steer_map_sockopt(int fd, int opt, int *ret)
{
	socklen_t len = sizeof(*ret);

	if (getsockopt(fd, SOL_SOCKET, opt, ret, &len) < 0)
		return -errno;
	return 0;
}

/**
 * steer_map_check_sock() - Can a socket take the connections for a key?
 * @key:	Key
 * @fd:		Socket
 *
 * Return: 0 if @fd is a listening socket of @key's protocol whose family
 * can accept @key's (an IPv6 socket takes IPv4 unless it is IPV6_V6ONLY),
 * else negative errno
 */
static int steer_map_check_sock(const LpSteerKey *key, int fd)
{
	int domain, proto, listening, v6only = 0, r;
	socklen_t len = sizeof(v6only);

	if ((r = steer_map_sockopt(fd, SO_DOMAIN, &domain)) < 0 ||
	    (r = steer_map_sockopt(fd, SO_PROTOCOL, &proto)) < 0 ||
	    (r = steer_map_sockopt(fd, SO_ACCEPTCONN, &listening)) < 0)
		return r;
	if (proto != key->proto)
		return -EPROTOTYPE;
	if (!listening)
		return -EINVAL;
	if (domain == AF_INET6 && key->family == LP_STEER_AF_INET &&
	    getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len) < 0)
		return -errno;
	if ((domain == AF_INET && key->family != LP_STEER_AF_INET) ||
	    (domain != AF_INET && domain != AF_INET6) || v6only)
		return -EAFNOSUPPORT;
	return 0;
}

/**
 * lp_steer_add() - Steer a key's new connections to a listening socket
 * @steer:	Handle
 * @key:	Key (lp_steer_key_init())
 * @sock_fd:	Listening socket; the map holds the socket, not @sock_fd, and
 *		drops the entry when the socket's last descriptor is closed
 * @ret_cookie:	Socket cookie of @sock_fd, on success (may be NULL)
 *
 * Never replaces an entry (BPF_NOEXIST): a key steered to another socket
 * gives -EEXIST; lp_steer_remove() it first to move it on purpose.
 *
 * Return: 0 on success, -EEXIST, -EINVAL (not listening), -EPROTOTYPE,
 * -EAFNOSUPPORT (family cannot take the key's), -ENOTSOCK, -E2BIG (map
 * full) or another negative errno
 */
int lp_steer_add(LpSteer *steer, const LpSteerKey *key, int sock_fd,
		 uint64_t *ret_cookie)
{
	uint64_t value = (uint64_t)sock_fd, cookie;
	int r;

	if (sock_fd < 0)
		return -EBADF;
	r = steer_map_check_sock(key, sock_fd);
	if (r < 0)
		return r;
	r = lp_steer_sock_cookie(sock_fd, &cookie);
	if (r < 0)
		return r;
	r = bpf_map_update_elem(steer->map_fd, key, &value, BPF_NOEXIST);
	if (r < 0)
		return r;
	if (ret_cookie)
		*ret_cookie = cookie;
	return 0;
}

/**
 * lp_steer_remove() - Stop steering a key
 * @steer:	Handle
 * @key:	Key
 *
 * Return: 0 on success, -ENOENT if the key is not in the map
 */
int lp_steer_remove(LpSteer *steer, const LpSteerKey *key)
{
	int r = bpf_map_delete_elem(steer->map_fd, key);

	return r < 0 ? r : 0;
}

/**
 * lp_steer_lookup() - Which socket does a key steer to?
 * @steer:	Handle
 * @key:	Key
 * @ret_cookie:	Socket cookie, on success (may be NULL)
 *
 * Return: 0 on success, -ENOENT if the key is not in the map (never added,
 * removed, or its socket was closed)
 */
int lp_steer_lookup(LpSteer *steer, const LpSteerKey *key, uint64_t *ret_cookie)
{
	uint64_t cookie;
	int r;

	r = bpf_map_lookup_elem(steer->map_fd, key, &cookie);
	if (r < 0)
		return r;
	if (ret_cookie)
		*ret_cookie = cookie;
	return 0;
}

/**
 * lp_steer_list() - All entries of the map, for diagnostics
 * @steer:	Handle
 * @error:	Return location for a GError
 *
 * Not a snapshot: an entry removed meanwhile may restart the walk, so
 * entries can repeat; at most LP_STEER_MAX_ENTRIES are returned.
 *
 * Return: array of LpSteerEntry (free with g_array_unref()), NULL on failure
 */
GArray *lp_steer_list(LpSteer *steer, GError **error)
{
	g_autoptr(GArray) list = g_array_new(FALSE, TRUE, sizeof(LpSteerEntry));
	LpSteerKey prev, next;
	LpSteerEntry e;
	bool first = true;
	int r;

	while (list->len < LP_STEER_MAX_ENTRIES) {
		r = bpf_map_get_next_key(steer->map_fd, first ? NULL : &prev,
					 &next);
		if (r == -ENOENT)
			break;
		if (r < 0) {
			g_set_error(error, LP_STEER_ERROR, -r,
				    "cannot list the steering map: %s",
				    g_strerror(-r));
			return NULL;
		}
		first = false;
		prev = next;
		e.key = next;
		if (lp_steer_lookup(steer, &next, &e.cookie) == 0)
			g_array_append_val(list, e);
	}
	return g_steal_pointer(&list);
}
