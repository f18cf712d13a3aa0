// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-shim.c - what the shim's unit tests share: a network namespace per
 * test, files, a stand-in lowportd
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/addr.h"
#include "netutils/mapping.h"
#include "netutils/protocol.h"
#include "netutils/reply.h"
#include "netutils/request.h"
#include "netutils/util.h"
#include "shim/core.h"
#include "test-shim.h"

/* The stand-in lowportd quits after this long without a request */
#define FAKE_IDLE_MS 1000

/* Whether this process may create a user+network namespace */
bool lp_test_shim_have_netns;

/**
 * shim_write_file() - Write a string to a /proc file
 * @path:	File
 * @text:	Contents
 *
 * Return: true on success
 */
static bool shim_write_file(const char *path, const char *text)
{
	lp_autofd int fd = open(path, O_WRONLY | O_CLOEXEC);

	return fd >= 0 &&
	       write(fd, text, strlen(text)) == (ssize_t)strlen(text);
}

/**
 * shim_enter_netns() - Enter a new network namespace with loopback up
 *
 * Every port is free there, so results do not depend on the host.
 *
 * Return: true on success
 */
static bool shim_enter_netns(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	uid_t uid = getuid();
	gid_t gid = getgid();
	lp_autofd int s = -1;
	char map[64];

	if (unshare(CLONE_NEWNET)) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			return false;
		snprintf(map, sizeof(map), "%u %u 1", uid, uid);
		if (!shim_write_file("/proc/self/uid_map", map) ||
		    !shim_write_file("/proc/self/setgroups", "deny"))
			return false;
		snprintf(map, sizeof(map), "%u %u 1", gid, gid);
		if (!shim_write_file("/proc/self/gid_map", map))
			return false;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		return false;
	ifr.ifr_flags |= IFF_UP;
	return !ioctl(s, SIOCSIFFLAGS, &ifr);
}

/**
 * lp_test_shim_probe_netns() - Find out once whether namespaces work here
 *
 * Return: true if a child could enter one
 */
bool lp_test_shim_probe_netns(void)
{
	pid_t pid = fork();
	int status;

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(shim_enter_netns() ? 0 : 1);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/**
 * lp_test_shim_in_netns() - Run a test function in a subprocess in its own netns
 * @data:	The test function, void (*)(void)
 */
void lp_test_shim_in_netns(gconstpointer data)
{
	void (*fn)(void) = (void (*)(void))data;

	if (!lp_test_shim_have_netns) {
		g_test_skip("cannot create a network namespace here");
		return;
	}
	if (g_test_subprocess()) {
		g_assert_true(shim_enter_netns());
		fn();
		return;
	}
	g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC,
			       G_TEST_SUBPROCESS_INHERIT_STDOUT |
				       G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

/**
 * lp_test_shim_make_file() - Create a file with contents and mode
 * @dir:	Directory
 * @name:	File name
 * @text:	Contents
 * @mode:	Permissions
 *
 * Return: its path, g_free() it
 */
char *lp_test_shim_make_file(const char *dir, const char *name,
			     const char *text, mode_t mode)
{
	char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_no_errno(chmod(path, mode));
	return path;
}

/**
 * lp_test_shim_rm_tree() - Remove a directory and everything in it
 * @path:	Directory
 */
void lp_test_shim_rm_tree(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(path, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			lp_test_shim_rm_tree(p);
		else
			g_unlink(p);
	}
	g_rmdir(path);
}

/*
 * FakeScript - what the stand-in lowportd answers, one request per
 * connection
 * @own:	Conflicts with the user's own lease (LP_TEST_SHIM_OWN_CONFLICT,
 *		with "retry": its process is exiting) before the final answer;
 *		-1: nothing else, until FAKE_IDLE_MS pass without a request
 * @code:	Final answer: refusal code (message LP_TEST_SHIM_REFUSAL),
 *		LP_ERR_MAX to grant
 */
typedef struct {
	int own;
	LpErrorCode code;
} FakeScript;

/**
 * fake_lowportd_listeners() - Report and close the listeners of a request
 * @req:	The request
 * @fds:	Descriptors after the pidfd
 * @n:		Their number
 * @text:	Report: "listeners=N" (the request's count) and "fds=K" if
 *		different, then "listener PORT INODE" for each descriptor, in
 *		order, if it is a listening socket; nothing if there are none
 */
static void fake_lowportd_listeners(const LpRequest *req, int *fds, size_t n,
				    GString *text)
{
	size_t i;

	if (req->listeners)
		g_string_append_printf(text, "listeners=%u\n", req->listeners);
	if (n != req->listeners)
		g_string_append_printf(text, "fds=%zu\n", n);
	for (i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct stat st;
		int on = 0;

		if (!fstat(fds[i], &st) &&
		    !getsockname(fds[i], (struct sockaddr *)&ss, &len) &&
		    !getsockopt(fds[i], SOL_SOCKET, SO_ACCEPTCONN, &on,
				&(socklen_t){sizeof(on)}) &&
		    on)
			g_string_append_printf(
				text, "listener %u %" PRIu64 "\n",
				ntohs(((struct sockaddr_in *)&ss)->sin_port),
				(uint64_t)st.st_ino);
		else
			g_string_append(text, "listener ?\n");
		close(fds[i]);
	}
}

/**
 * fake_lowportd_read() - Accept one connection and read its request
 * @lfd:	Listening socket
 * @ret_fd:	The connection
 * @ret_text:	What the request says: netns, pidfd's PID, mappings, and the
 *		listeners that came with it (fake_lowportd_listeners())
 *
 * Return: 0, or an exit status for the stand-in
 */
static int fake_lowportd_read(int lfd, int *ret_fd, GString *ret_text)
{
	char buf[LP_REQUEST_MAX],
		cbuf[CMSG_SPACE(sizeof(int) * (1 + LP_LISTENERS_MAX))];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	g_autoptr(LpRequest) req = NULL;
	g_autofree char *fdinfo = NULL, *text = NULL;
	int fds[1 + LP_LISTENERS_MAX];
	lp_autofd int pidfd = -1;
	struct cmsghdr *cm;
	size_t n_fds = 0;
	const char *p;
	ssize_t n;
	guint i;

	*ret_fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	n = recvmsg(*ret_fd, &mh, MSG_CMSG_CLOEXEC);
	if (*ret_fd < 0 || n <= 0)
		return 10;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS) {
		n_fds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(cm), n_fds * sizeof(int));
		pidfd = n_fds ? fds[0] : -1;
	}
	req = lp_request_parse(buf, (size_t)n, NULL);
	if (!req || req->op != LP_OP_FORWARD || pidfd < 0) {
		for (i = 1; i < n_fds; i++)
			close(fds[i]);
		return 11;
	}
	g_string_append_printf(ret_text, "netns=%s\nfront=%s\n", req->netns,
			       lp_front_name(req->front));
	fdinfo = g_strdup_printf("/proc/self/fdinfo/%d", pidfd);
	g_file_get_contents(fdinfo, &text, NULL, NULL);
	p = text ? strstr(text, "Pid:") : NULL;
	g_string_append_printf(ret_text, "pid=%d\n", p ? atoi(p + 4) : -1);
	for (i = 0; i < req->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(req->mappings, LpMapping, i);
		char a[LP_ADDR_STRLEN];

		g_string_append_printf(ret_text, "%s %s/%d %u %u %u\n",
				       lp_proto_name(m->proto),
				       lp_addr_format(&m->addr, a, sizeof(a)),
				       m->addr.family, m->host_port,
				       m->backend_port, m->range);
	}
	fake_lowportd_listeners(req, fds + 1, n_fds ? n_fds - 1 : 0, ret_text);
	return 0;
}

/**
 * fake_lowportd_reply() - Answer a request
 * @fd:		Connection
 * @code:	Refusal code, LP_ERR_MAX to grant
 * @message:	Refusal message
 * @retry:	Refusal says "retry"
 *
 * Return: 0, or an exit status for the stand-in
 */
static int fake_lowportd_reply(int fd, LpErrorCode code, const char *message,
			       bool retry)
{
	g_autoptr(LpReply) reply = NULL;
	g_autofree char *line = NULL;
	size_t len;

	reply = code == LP_ERR_MAX ? lp_reply_new_ok()
				   : lp_reply_new_error(code, "%s", message);
	if (code == LP_ERR_MAX)
		reply->lease_id = g_strdup("abc123");
	reply->retry = code != LP_ERR_MAX && retry;
	line = lp_reply_serialize(reply, LP_OP_FORWARD, &len);
	return write(fd, line, len) == (ssize_t)len ? 0 : 12;
}

/**
 * fake_lowportd_serve() - The stand-in lowportd: requests, scripted replies
 * @lfd:	Listening socket
 * @l:		Paths: @report and @count are written
 * @sc:		Script
 *
 * Return: exit status for the child
 */
static int fake_lowportd_serve(int lfd, const LpTestLowportd *l,
			       const FakeScript *sc)
{
	g_autofree char *first = NULL, *count = NULL;
	unsigned int n, same = 0;
	int r = 0;

	for (n = 0; sc->own < 0 || n <= (unsigned int)sc->own; n++) {
		struct pollfd pfd = {lfd, POLLIN, 0};
		g_autoptr(GString) text = g_string_new(NULL);
		bool own = sc->own < 0 || n < (unsigned int)sc->own;
		lp_autofd int fd = -1;

		if (poll(&pfd, 1, n ? FAKE_IDLE_MS : 20000) != 1) {
			r = sc->own >= 0 || !n ? 13 : 0;
			break;
		}
		if ((r = fake_lowportd_read(lfd, &fd, text)))
			break;
		if (!first) {
			first = g_strdup(text->str);
			g_file_set_contents(l->report, first, -1, NULL);
		}
		same += n && !strcmp(first, text->str);
		r = fake_lowportd_reply(fd, own ? LP_ERR_CONFLICT : sc->code,
					own ? LP_TEST_SHIM_OWN_CONFLICT
					    : LP_TEST_SHIM_REFUSAL,
					own);
		if (r)
			break;
	}
	count = g_strdup_printf("%u %u\n", n, same);
	g_file_set_contents(l->count, count, -1, NULL);
	return r;
}

/**
 * lp_test_shim_lowportd() - Start the stand-in lowportd in a child
 * @l:		Where it listens and reports
 * @own:	Own-lease conflicts first, -1 for ever (see FakeScript)
 * @code:	Then: refusal code, LP_ERR_MAX to grant
 *
 * Return: its PID; it exits 0 once it answered as scripted
 */
pid_t lp_test_shim_lowportd(const LpTestLowportd *l, int own, LpErrorCode code)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const FakeScript sc = {own, code};
	pid_t pid;

	g_strlcpy(sun.sun_path, l->sock, sizeof(sun.sun_path));
	g_assert_no_errno(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)));
	g_assert_no_errno(listen(lfd, 4));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		alarm(20);
		_exit(fake_lowportd_serve(lfd, l, &sc));
	}
	close(lfd);
	return pid;
}

/**
 * lp_test_shim_lowportd_count() - How many requests the stand-in got
 * @count:	Its count file
 * @ret_same:	How many of the later ones equal the first
 *
 * Return: number of requests
 */
unsigned int lp_test_shim_lowportd_count(const char *count,
					 unsigned int *ret_same)
{
	g_autofree char *text = NULL;
	unsigned int n;

	g_assert_true(g_file_get_contents(count, &text, NULL, NULL));
	g_assert_cmpint(sscanf(text, "%u %u", &n, ret_same), ==, 2);
	return n;
}

/**
 * lp_test_shim_output_is() - Compare a run's output with a string
 * @run:	Result
 * @text:	Expected output
 */
void lp_test_shim_output_is(const LpCoreRun *run, const char *text)
{
	g_autofree char *s =
		g_strndup((const char *)run->output->data, run->output->len);

	g_assert_cmpstr(s, ==, text);
}

/**
 * lp_test_shim_block() - Make a block of privileged port 80 and up
 * @proto:	Protocol
 * @addr:	Address text, or NULL for every address
 * @size:	Ports
 *
 * Return: the block
 */
LpCoreBlock lp_test_shim_block(int proto, const char *addr, uint16_t size)
{
	LpCoreBlock b = {.proto = proto,
			 .addr = LP_ADDR_ALL,
			 .size = size,
			 .host_port = 80};

	if (addr)
		g_assert_cmpint(lp_addr_parse(addr, &b.addr), ==, 0);
	return b;
}
