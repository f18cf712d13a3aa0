// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hook-resolve.c - the container's resolvers: nameservers and host names
 *
 * Host names are resolved the way the container itself will resolve
 * them: by a child process that, in a private mount namespace, binds a
 * resolv.conf naming the container's resolvers over /etc/resolv.conf and
 * joins the container's network namespace before asking the DNS, and
 * only the DNS (hook-dns.c: A and AAAA, every address, no /etc/hosts or
 * other NSS source of the host). The resolvers are those of the container's
 * resolv.conf, or, while Podman has not written it yet (it does so after
 * the runtime's create), the ones it will write (resolve_guess()). So the servers asked, and the network path to them (pasta's
 * DNS forwarder, aardvark-dns on a bridge), are the container's own, and
 * split-horizon or local names answer as they will for the container. The
 * parent bounds the whole lookup in time and kills the child when it is
 * up; the child's answers come back as lines on a pipe:
 *
 *   INDEX 4 ADDRESS | INDEX 6 ADDRESS | INDEX E MESSAGE
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook/hook-dns.h"
#include "hook/hook-file.h"
#include "hook/hook-oci.h"
#include "hook/hook-resolve.h"
#include "hook/hook.h"
#include "netutils/util.h"

/* Most bytes the resolver child may write back */
#define RESOLVE_OUT_MAX (256 * 1024)

/**
 * resolve_addr_parse() - Parse an address, dropping an IPv6 "%scope"
 * @s:		Text, changed in place
 * @ret:	Address
 *
 * Return: true if @s is an address
 */
static bool resolve_addr_parse(char *s, LpHookAddr *ret)
{
	char *pct = strchr(s, '%');

	if (pct)
		*pct = '\0';
	memset(ret, 0, sizeof(*ret));
	if (!pct && inet_pton(AF_INET, s, &ret->addr.v4) == 1)
		ret->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &ret->addr.v6) == 1)
		ret->family = AF_INET6;
	return ret->family != 0;
}

/**
 * lp_hook_resolve_nameservers() - Nameservers of a resolv.conf text
 * @text:	Contents
 *
 * "nameserver ADDRESS" lines, in order, up to LP_HOOK_NAMESERVERS_MAX;
 * lines that do not hold an address are skipped as glibc skips them.
 *
 * Return: GArray of LpHookAddr, caller frees
 */
GArray *lp_hook_resolve_nameservers(const char *text)
{
	GArray *ret = g_array_new(FALSE, TRUE, sizeof(LpHookAddr));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	unsigned int i;

	for (i = 0; lines[i] && ret->len < LP_HOOK_NAMESERVERS_MAX; i++) {
		g_auto(GStrv) w =
			g_strsplit_set(g_strstrip(lines[i]), " \t", 3);
		LpHookAddr a;

		if (!w[0] || strcmp(w[0], "nameserver") || !w[1])
			continue;
		if (resolve_addr_parse(w[1], &a))
			g_array_append_val(ret, a);
	}
	return ret;
}

/**
 * resolve_read_file() - Nameservers of a resolv.conf file
 * @root:	Root file system @path is in (resolved inside it), NULL for a
 *		host path
 * @path:	File
 * @shown:	Its name in messages
 * @error:	Return location for a GError if it cannot be read
 *
 * The file must be a regular one (lp_hook_file_open()): a FIFO an image
 * puts there does not block the hook, a link does not lead out of @root.
 *
 * Return: GArray of LpHookAddr (may be empty), NULL on error
 */
static GArray *resolve_read_file(const char *root, const char *path,
				 const char *shown, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = NULL;
	lp_autofd int fd = -1;
	size_t len;

	fd = lp_hook_file_open(root, path, &local);
	if (fd >= 0)
		text = lp_hook_oci_read_fd(fd, LP_HOOK_RESOLV_CONF_MAX,
					   LP_HOOK_STDIN_TIMEOUT_MS, &len,
					   &local);
	if (!text) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "cannot read the container's resolv.conf %s: %s",
			    shown, local->message);
		return NULL;
	}
	return lp_hook_resolve_nameservers(text);
}

/**
 * resolve_add() - Append an address unless it is there or the list is full
 * @list:	GArray of LpHookAddr
 * @a:		Address
 */
static void resolve_add(GArray *list, const LpHookAddr *a)
{
	guint i;

	if (list->len >= LP_HOOK_NAMESERVERS_MAX)
		return;
	for (i = 0; i < list->len; i++) {
		if (!memcmp(&g_array_index(list, LpHookAddr, i), a, sizeof(*a)))
			return;
	}
	g_array_append_val(list, *a);
}

/**
 * resolve_gateways() - Default gateways of a network namespace
 * @pid:	Process in it, 0 for our own
 * @list:	GArray of LpHookAddr to append to
 *
 * Reads /proc/PID/net/route and ipv6_route: lines with an all-zero
 * destination and prefix and a non-zero next hop.
 */
static void resolve_gateways(pid_t pid, GArray *list)
{
	g_autofree char *dir = pid > 0 ? g_strdup_printf("/proc/%d/net", pid)
				       : g_strdup("/proc/self/net");
	g_autofree char *p4 = g_build_filename(dir, "route", NULL);
	g_autofree char *p6 = g_build_filename(dir, "ipv6_route", NULL);
	g_autofree char *t4 = NULL, *t6 = NULL;
	g_auto(GStrv) l4 = NULL, l6 = NULL;
	unsigned int i, k;

	if (g_file_get_contents(p4, &t4, NULL, NULL))
		l4 = g_strsplit(t4, "\n", 256);
	for (i = 1; l4 && l4[i]; i++) {
		char ifn[32], dst[9], gw[9], mask[9];
		LpHookAddr a = {.family = AF_INET};
		unsigned int flags;

		if (sscanf(l4[i], "%31s %8s %8s %x %*s %*s %*s %8s", ifn, dst,
			   gw, &flags, mask) == 5 &&
		    !strcmp(dst, "00000000") && !strcmp(mask, "00000000") &&
		    strcmp(gw, "00000000")) {
			a.addr.v4.s_addr = (uint32_t)strtoul(gw, NULL, 16);
			resolve_add(list, &a);
		}
	}
	if (g_file_get_contents(p6, &t6, NULL, NULL))
		l6 = g_strsplit(t6, "\n", 256);
	for (i = 0; l6 && l6[i]; i++) {
		char dst[33], plen[3], hop[33];
		LpHookAddr a = {.family = AF_INET6};

		if (sscanf(l6[i], "%32s %2s %*s %*s %32s", dst, plen, hop) !=
			    3 ||
		    strspn(dst, "0") != 32 || strcmp(plen, "00") ||
		    strspn(hop, "0") == 32 || strlen(hop) != 32)
			continue;
		for (k = 0; k < 16; k++) {
			char byte[3] = {hop[2 * k], hop[2 * k + 1], 0};

			a.addr.v6.s6_addr[k] = (uint8_t)strtoul(byte, NULL, 16);
		}
		resolve_add(list, &a);
	}
}

/**
 * resolve_guess() - Resolvers Podman will write into an empty resolv.conf
 * @pid:	Process in the container's network namespace, 0 for our own
 *
 * Podman fills the container's resolv.conf only after the runtime's
 * create, so at createContainer it is empty. The container will ask
 * pasta's DNS forwarder (169.254.1.1, Podman's --dns-forward), the
 * host's own nameservers (what the hook sees as /etc/resolv.conf, minus
 * loopback ones, which Podman leaves out), or aardvark-dns on a bridge
 * network's gateway; all of them are taken.
 *
 * Return: GArray of LpHookAddr
 */
static GArray *resolve_guess(pid_t pid)
{
	g_autoptr(GArray) host =
		resolve_read_file(NULL, "/etc/resolv.conf", "", NULL);
	GArray *ret = g_array_new(FALSE, TRUE, sizeof(LpHookAddr));
	LpHookAddr a = {.family = AF_INET};
	guint i;

	inet_pton(AF_INET, LP_HOOK_PASTA_DNS, &a.addr.v4);
	resolve_add(ret, &a);
	resolve_gateways(pid, ret);
	for (i = 0; host && i < host->len; i++) {
		const LpHookAddr *h = &g_array_index(host, LpHookAddr, i);

		if ((h->family == AF_INET &&
		     (ntohl(h->addr.v4.s_addr) >> 24) == 127) ||
		    (h->family == AF_INET6 &&
		     IN6_IS_ADDR_LOOPBACK(&h->addr.v6)))
			continue;
		resolve_add(ret, h);
	}
	return ret;
}

/**
 * lp_hook_resolve_servers() - The resolvers the container will use
 * @resolv_conf: The container's resolv.conf, NULL if it has none
 * @rootfs:	Root file system when @resolv_conf is the file in it, else
 *		NULL
 * @pid:	Process in the container's network namespace, 0 for our own
 * @ret_guessed: Set if the file listed none and the list is guessed
 * @error:	Return location for a GError
 *
 * Return: GArray of LpHookAddr, at least one; NULL on error
 */
GArray *lp_hook_resolve_servers(const char *resolv_conf, const char *rootfs,
				pid_t pid, bool *ret_guessed, GError **error)
{
	g_autoptr(GArray) ret = NULL;

	*ret_guessed = false;
	if (!resolv_conf) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "the container has no resolv.conf");
		return NULL;
	}
	if (rootfs)
		ret = resolve_read_file(rootfs, LP_HOOK_OCI_ROOTFS_RESOLV,
					resolv_conf, error);
	else
		ret = resolve_read_file(NULL, resolv_conf, resolv_conf, error);
	if (!ret)
		return NULL;
	if (!ret->len) {
		g_clear_pointer(&ret, g_array_unref);
		ret = resolve_guess(pid);
		*ret_guessed = true;
	}
	return g_steal_pointer(&ret);
}

/**
 * resolve_conf_text() - resolv.conf text for the lookup child
 * @servers:	GArray of LpHookAddr
 *
 * Return: "nameserver" lines and short timeouts, caller frees
 */
static char *resolve_conf_text(const GArray *servers)
{
	GString *s = g_string_new(NULL);
	char buf[INET6_ADDRSTRLEN];
	guint i;

	for (i = 0; i < servers->len; i++) {
		const LpHookAddr *a = &g_array_index(servers, LpHookAddr, i);

		inet_ntop(a->family, &a->addr, buf, sizeof(buf));
		g_string_append_printf(s, "nameserver %s\n", buf);
	}
	g_string_append(s, "options timeout:2 attempts:1\n");
	return g_string_free(s, FALSE);
}

/**
 * resolve_child_setup() - In the child: private mounts with our resolv.conf,
 *			   then the container's network namespace
 * @out:	Pipe to the parent, for an error line
 * @conf:	resolv.conf text
 * @netns_fd:	The container's network namespace
 *
 * A tmpfs over /tmp of the private mount namespace holds the file, which
 * is bound over /etc/resolv.conf there; nothing outside changes.
 *
 * Return: 0 on success, -1 after writing an error line
 */
static int resolve_child_setup(FILE *out, const char *conf, int netns_fd)
{
	FILE *f;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("lowport-egress", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=64k,mode=0700") < 0) {
		fprintf(out, "0 E cannot make a private mount namespace: %s\n",
			strerror(errno));
		return -1;
	}
	f = fopen("/tmp/resolv.conf", "we");
	if (!f || fputs(conf, f) < 0 || fclose(f) ||
	    mount("/tmp/resolv.conf", "/etc/resolv.conf", NULL, MS_BIND, NULL) <
		    0) {
		fprintf(out,
			"0 E cannot set up resolv.conf for the lookup: "
			"%s\n",
			strerror(errno));
		return -1;
	}
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		fprintf(out,
			"0 E cannot enter the container's network "
			"namespace: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/**
 * resolve_child() - In the child: take the container's view, resolve
 * @wfd:	Write end of the pipe
 * @names:	Names, NULL-terminated
 * @netns_fd:	The container's network namespace
 * @conf:	resolv.conf text naming the container's resolvers
 */
static G_NORETURN void resolve_child(int wfd, const char *const *names,
				     int netns_fd, const char *conf)
{
	FILE *out = fdopen(wfd, "w");
	unsigned int i;

	if (!out)
		_exit(1);
	if (resolve_child_setup(out, conf, netns_fd) < 0)
		_exit(1);
	for (i = 0; names[i]; i++) {
		lp_hook_dns_lookup(out, i, names[i]);
		fflush(out);
	}
	fclose(out);
	_exit(0);
}

/**
 * resolve_collect() - Read the child's answers until EOF or the deadline
 * @fd:		Read end of the pipe
 * @timeout_ms:	Longest wait
 * @error:	Return location for a GError
 *
 * Return: the answer text, NULL on timeout or error
 */
static char *resolve_collect(int fd, unsigned int timeout_ms, GError **error)
{
	g_autoptr(GError) local = NULL;
	size_t len;
	char *text;

	text = lp_hook_oci_read_fd(fd, RESOLVE_OUT_MAX, timeout_ms, &len,
				   &local);
	if (!text)
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "resolving host names: %s", local->message);
	return text;
}

/**
 * resolve_check() - Refuse a name whose answers point at the host itself
 * @addrs:	GArray of LpHookAddr, the name's answers
 * @name:	The name
 * @error:	Return location for a GError
 *
 * Return: true if every answer may be allowed (lp_hook_dns_refused())
 */
static bool resolve_check(const GArray *addrs, const char *name, GError **error)
{
	char buf[INET6_ADDRSTRLEN];
	guint k;

	for (k = 0; k < addrs->len; k++) {
		const LpHookAddr *a = &g_array_index(addrs, LpHookAddr, k);
		const char *why = lp_hook_dns_refused(a);

		if (!why)
			continue;
		inet_ntop(a->family, &a->addr, buf, sizeof(buf));
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "'%s' resolves to %s, a %s address: refused for a "
			    "host name (write the address itself to allow it)",
			    name, buf, why);
		return false;
	}
	return true;
}

/**
 * resolve_parse() - Turn the answer lines into one address list per name
 * @text:	Answers
 * @names:	Names asked
 * @n:		Their number
 * @error:	Return location for a GError: the first name without an
 *		address
 *
 * Return: GPtrArray of GArray of LpHookAddr, NULL on error
 */
static GPtrArray *resolve_parse(char *text, const char *const *names,
				unsigned int n, GError **error)
{
	g_autoptr(GPtrArray) ret =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	g_autofree char **why = g_new0(char *, n + 1);
	char *line, *save = NULL;
	unsigned int i;

	for (i = 0; i < n; i++)
		g_ptr_array_add(ret,
				g_array_new(FALSE, TRUE, sizeof(LpHookAddr)));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *kind, *rest;
		LpHookAddr a;

		i = (unsigned int)strtoul(line, &kind, 10);
		if (i >= n || kind[0] != ' ' || !kind[1] || kind[2] != ' ')
			continue;
		rest = kind + 3;
		if (kind[1] == 'E')
			why[i] = why[i] ? why[i] : rest;
		else if (resolve_addr_parse(rest, &a))
			g_array_append_val(g_ptr_array_index(ret, i), a);
	}
	for (i = 0; i < n; i++) {
		if (!resolve_check(g_ptr_array_index(ret, i), names[i], error))
			return NULL;
		if (((GArray *)g_ptr_array_index(ret, i))->len)
			continue;
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "cannot resolve '%s': %s", names[i],
			    why[i]   ? why[i]
			    : why[0] ? why[0]
				     : "no address");
		return NULL;
	}
	return g_steal_pointer(&ret);
}

/**
 * lp_hook_resolve_names() - Resolve names as the container would
 * @names:	Names, NULL-terminated
 * @netns_fd:	The container's network namespace
 * @servers:	The container's resolvers (lp_hook_resolve_servers())
 * @timeout_ms:	Longest wait for all names together
 * @error:	Return location for a GError; every name must resolve
 *
 * Return: GPtrArray, per name a GArray of LpHookAddr; NULL on error
 */
GPtrArray *lp_hook_resolve_names(const char *const *names, int netns_fd,
				 const GArray *servers, unsigned int timeout_ms,
				 GError **error)
{
	g_autofree char *conf = resolve_conf_text(servers);
	g_autofree char *text = NULL;
	int p[2], status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "pipe: %s", g_strerror(errno));
		return NULL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "fork: %s", g_strerror(errno));
		return NULL;
	}
	if (!pid) {
		close(p[0]);
		resolve_child(p[1], names, netns_fd, conf);
	}
	close(p[1]);
	text = resolve_collect(p[0], timeout_ms, error);
	close(p[0]);
	if (!text)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!text)
		return NULL;
	return resolve_parse(text, names, g_strv_length((char **)names), error);
}
