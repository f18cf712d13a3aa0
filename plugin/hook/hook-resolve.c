// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hook-resolve.c - the container's resolvers: nameservers and host names
 *
 * Host names are resolved the way the container itself will resolve
 * them: by a child process that, in a private mount namespace, binds the
 * container's resolv.conf over /etc/resolv.conf and joins the container's
 * network namespace before calling getaddrinfo() (A and AAAA, every
 * address). So the servers asked, and the network path to them (pasta's
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
 * lp_hook_resolve_read_nameservers() - Nameservers of a resolv.conf file
 * @path:	File
 * @error:	Return location for a GError
 *
 * Return: GArray of LpHookAddr (at least one), NULL on error
 */
GArray *lp_hook_resolve_read_nameservers(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GArray) ret = NULL;
	lp_autofd int fd = -1;
	size_t len;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd >= 0)
		text = lp_hook_oci_read_fd(fd, LP_HOOK_RESOLV_CONF_MAX,
					   LP_HOOK_STDIN_TIMEOUT_MS, &len,
					   &local);
	if (!text) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "dns: cannot read the container's resolv.conf "
			    "%s: %s",
			    path, local ? local->message : g_strerror(errno));
		return NULL;
	}
	ret = lp_hook_resolve_nameservers(text);
	if (!ret->len) {
		g_set_error(error, LP_HOOK_ERROR, LP_HOOK_ERROR_RESOLVE,
			    "dns: the container's resolv.conf %s lists no "
			    "nameserver",
			    path);
		return NULL;
	}
	return g_steal_pointer(&ret);
}

/**
 * resolve_one() - Resolve one name and write its answer lines
 * @out:	Pipe to the parent
 * @i:		Name index
 * @name:	Host name
 */
static void resolve_one(FILE *out, unsigned int i, const char *name)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL, *ai;
	char buf[INET6_ADDRSTRLEN];
	unsigned int n = 0;
	int r;

	r = getaddrinfo(name, NULL, &hints, &res);
	if (r) {
		fprintf(out, "%u E %s\n", i,
			r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return;
	}
	for (ai = res; ai && n < LP_HOOK_ADDRS_PER_NAME_MAX; ai = ai->ai_next) {
		const void *a;

		if (ai->ai_family == AF_INET)
			a = &((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else if (ai->ai_family == AF_INET6)
			a = &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		else
			continue;
		inet_ntop(ai->ai_family, a, buf, sizeof(buf));
		fprintf(out, "%u %c %s\n", i,
			ai->ai_family == AF_INET ? '4' : '6', buf);
		n++;
	}
	freeaddrinfo(res);
}

/**
 * resolve_child() - In the child: take the container's view, resolve
 * @wfd:	Write end of the pipe
 * @names:	Names, NULL-terminated
 * @netns_fd:	The container's network namespace
 * @resolv_conf: The container's resolv.conf, NULL to keep the host's
 */
static G_NORETURN void resolve_child(int wfd, const char *const *names,
				     int netns_fd, const char *resolv_conf)
{
	FILE *out = fdopen(wfd, "w");
	unsigned int i;

	if (!out)
		_exit(1);
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(out, "0 E cannot make a private mount namespace: %s\n",
			strerror(errno));
		_exit(1);
	}
	if (resolv_conf &&
	    mount(resolv_conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
		fprintf(out,
			"0 E cannot use the container's resolv.conf "
			"%s: %s\n",
			resolv_conf, strerror(errno));
		_exit(1);
	}
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		fprintf(out,
			"0 E cannot enter the container's network "
			"namespace: %s\n",
			strerror(errno));
		_exit(1);
	}
	for (i = 0; names[i]; i++) {
		resolve_one(out, i, names[i]);
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
 * @resolv_conf: The container's resolv.conf, NULL to keep the host's
 * @timeout_ms:	Longest wait for all names together
 * @error:	Return location for a GError; every name must resolve
 *
 * Return: GPtrArray, per name a GArray of LpHookAddr; NULL on error
 */
GPtrArray *lp_hook_resolve_names(const char *const *names, int netns_fd,
				 const char *resolv_conf,
				 unsigned int timeout_ms, GError **error)
{
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
		resolve_child(p[1], names, netns_fd, resolv_conf);
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
