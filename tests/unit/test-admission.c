// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-admission.c - admission decisions, each check and its refusal text
 *
 * main() enters a fresh network namespace first (test-netns.c): the host
 * sockets and backend listeners the checks look for through inet_diag are
 * real sockets there, the pidfds are of real child processes, and the
 * leases already held are adopted by a real registry (which binds their
 * reservation sockets). If the namespace cannot be made, every test is
 * skipped.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "daemon/admission.h"
#include "daemon/error.h"
#include "daemon/log.h"
#include "netutils/pidfd.h"
#include "netutils/util.h"
#include "test-lease.h"
#include "test-netns.h"
#include "netutils/request.h"

static const char test_policy_text[] = "[allow test]\n"
				       "users = 0, 1000\n"
				       "ports = 80, 443, 53, 1020-1030\n"
				       "protocols = tcp, udp\n"
				       "max-forwards = 4\n";

/*
 * TestAdmission - one admission attempt's world
 * @dir:	State directory of the registry
 * @reg:	Registry, leases held
 * @policy:	Policy of test_policy_text
 * @peer:	The client: this process's uid (0, or root of a user ns)
 * @req:	Forward request
 * @child:	Process whose pidfd goes with the request (0 once reaped)
 * @pidfd:	pidfd of @child (-1 once taken)
 */
typedef struct {
	char *dir;
	LpRegistry *reg;
	LpPolicy *policy;
	LpPeer peer;
	LpRequest *req;
	pid_t child;
	int pidfd;
} TestAdmission;

/**
 * test_setup() - Fresh registry, policy, peer, empty request, child
 * @t:		World
 * @data:	Unused
 */
static void test_setup(TestAdmission *t, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	lp_test_assert_netns();
	t->dir = g_dir_make_tmp("lp-test-admission-XXXXXX", &error);
	g_assert_no_error(error);
	t->reg = lp_registry_new(NULL, t->dir, &error);
	g_assert_no_error(error);
	t->policy = lp_policy_load_data(test_policy_text,
					strlen(test_policy_text), &error);
	g_assert_no_error(error);
	t->peer.pid = getpid();
	t->peer.uid = getuid();
	t->peer.gid = getgid();
	t->peer.groups = g_array_new(FALSE, FALSE, sizeof(gid_t));
	t->req = lp_request_new(LP_OP_FORWARD);
	t->child = lp_test_child();
	t->pidfd = lp_pidfd_open(t->child);
	g_assert_cmpint(t->pidfd, >=, 0);
}

/**
 * test_teardown() - Free the world
 * @t:		World
 * @data:	Unused
 */
static void test_teardown(TestAdmission *t, gconstpointer data)
{
	lp_closep(&t->pidfd);
	if (t->child > 0)
		lp_test_reap(t->child);
	lp_request_free(t->req);
	g_array_unref(t->peer.groups);
	lp_policy_free(t->policy);
	lp_registry_free(t->reg);
	g_rmdir(t->dir);
	g_free(t->dir);
}

/**
 * test_want() - Add a mapping to the request
 * @t:			World
 * @proto:		Protocol
 * @addr:		Host address
 * @host_port:		Host port
 * @backend_port:	Backend port
 * @range:		Ports
 */
static void test_want(TestAdmission *t, int proto, const char *addr,
		      uint16_t host_port, uint16_t backend_port, uint16_t range)
{
	LpMapping m =
		lp_test_mapping(proto, addr, host_port, backend_port, range);

	g_array_append_val(t->req->mappings, m);
}

/**
 * test_refused() - Assert the request is refused with @code and @message
 * @t:		World
 * @code:	Expected LpErrorCode
 * @message:	Expected message, or NULL for any
 */
static void test_refused(TestAdmission *t, LpErrorCode code,
			 const char *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpLease) lease = lp_admission_check(
		t->reg, t->policy, &t->peer, t->req, &t->pidfd, &error);

	g_assert_null(lease);
	g_assert_error(error, LP_DAEMON_ERROR, (gint)code);
	if (message)
		g_assert_cmpstr(error->message, ==, message);
	g_assert_cmpint(t->pidfd, >=, 0); /* not taken on refusal */
}

/**
 * test_hold() - Adopt a lease of @uid into the registry
 * @t:		World
 * @id:		Lease ID
 * @uid:	Owner
 * @m:		Its one mapping
 */
static void test_hold(TestAdmission *t, const char *id, uid_t uid, LpMapping m)
{
	lp_registry_adopt(t->reg, lp_test_lease(id, uid, getpid(), &m, 1));
}

/**
 * test_listen() - A socket of this process on 127.0.0.1:@port
 * @type:	SOCK_STREAM (listening) or SOCK_DGRAM
 * @port:	Port
 *
 * Return: socket
 */
static int test_listen(int type, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	if (type == SOCK_STREAM)
		g_assert_cmpint(listen(fd, 4), ==, 0);
	return fd;
}

/**
 * test_admitted() - Every check passes: the lease says what was asked
 * @t:		World
 * @data:	Unused
 */
static void test_admitted(TestAdmission *t, gconstpointer data)
{
	lp_autofd int tcp = test_listen(SOCK_STREAM, 30080);
	lp_autofd int udp = test_listen(SOCK_DGRAM, 30053);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpLease) lease = NULL;

	test_want(t, IPPROTO_TCP, "127.0.0.1", 80, 30080, 1);
	test_want(t, IPPROTO_UDP, "127.0.0.1", 53, 30053, 1);
	t->req->netns = g_strdup("/run/user/0/netns/x");
	lease = lp_admission_check(t->reg, t->policy, &t->peer, t->req,
				   &t->pidfd, &error);
	g_assert_no_error(error);
	g_assert_nonnull(lease);
	g_assert_true(lp_lease_id_valid(lease->id));
	g_assert_cmpuint(lease->uid, ==, t->peer.uid);
	g_assert_cmpint(lease->pid, ==, t->child);
	g_assert_cmpuint(lease->starttime, >, 0);
	g_assert_cmpstr(lease->netns, ==, "/run/user/0/netns/x");
	g_assert_cmpuint(lease->mappings->len, ==, 2);
	g_assert_cmpint(t->pidfd, ==, -1);
	g_assert_cmpint(lease->pidfd, >=, 0);
	/* admission itself changes nothing */
	g_assert_cmpuint(lp_registry_size(t->reg), ==, 0);
}

/**
 * test_no_pidfd() - A request without a pidfd is refused
 * @t:		World
 * @data:	Unused
 */
static void test_no_pidfd(TestAdmission *t, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	int none = -1;

	test_want(t, IPPROTO_TCP, "127.0.0.1", 80, 30080, 1);
	g_assert_null(lp_admission_check(t->reg, t->policy, &t->peer, t->req,
					 &none, &error));
	g_assert_error(error, LP_DAEMON_ERROR, LP_ERR_PIDFD);
	g_assert_cmpstr(error->message, ==, "forward request carries no pidfd");
}

/**
 * test_exited() - The pidfd's process has exited
 * @t:		World
 * @data:	Unused
 */
static void test_exited(TestAdmission *t, gconstpointer data)
{
	test_want(t, IPPROTO_TCP, "127.0.0.1", 80, 30080, 1);
	lp_test_reap(t->child);
	t->child = 0;
	test_refused(t, LP_ERR_PIDFD, "pidfd process has already exited");
}

/**
 * test_not_granted() - A port the policy does not grant
 * @t:		World
 * @data:	Unused
 */
static void test_not_granted(TestAdmission *t, gconstpointer data)
{
	test_want(t, IPPROTO_TCP, "127.0.0.1", 80, 30080, 1);
	test_want(t, IPPROTO_TCP, "127.0.0.1", 25, 30025, 1);
	test_refused(t, LP_ERR_NOT_GRANTED, NULL);
}

/**
 * test_twice() - The same port twice in one request
 * @t:		World
 * @data:	Unused
 */
static void test_twice(TestAdmission *t, gconstpointer data)
{
	test_want(t, IPPROTO_TCP, "", 1020, 31020, 4);
	test_want(t, IPPROTO_TCP, "127.0.0.1", 1023, 32023, 1);
	test_refused(t, LP_ERR_BAD_REQUEST,
		     "port 1023/tcp on 127.0.0.1 appears twice in the request");
}

/**
 * test_conflict_other() - A port another user's lease forwards
 * @t:		World
 * @data:	Unused
 */
static void test_conflict_other(TestAdmission *t, gconstpointer data)
{
	test_hold(t, "other", t->peer.uid + 1000,
		  lp_test_mapping(IPPROTO_TCP, "", 443, 30443, 1));
	test_want(t, IPPROTO_TCP, "127.0.0.1", 443, 31443, 1);
	test_refused(t, LP_ERR_CONFLICT,
		     "port 443/tcp on 127.0.0.1 is already forwarded for "
		     "another user");
}

/**
 * test_conflict_own() - A port the peer's own lease forwards names it
 * @t:		World
 * @data:	Unused
 */
static void test_conflict_own(TestAdmission *t, gconstpointer data)
{
	test_hold(t, "mine", t->peer.uid,
		  lp_test_mapping(IPPROTO_UDP, "0.0.0.0", 53, 30053, 1));
	test_want(t, IPPROTO_UDP, "", 53, 31053, 1);
	test_refused(t, LP_ERR_CONFLICT,
		     "port 53/udp on 0.0.0.0 is already forwarded by your "
		     "lease mine");
}

/**
 * test_limit() - max-forwards counts the ports already held
 * @t:		World
 * @data:	Unused
 */
static void test_limit(TestAdmission *t, gconstpointer data)
{
	g_autofree char *label = lp_user_label(t->peer.uid);
	g_autofree char *want = g_strdup_printf(
		"user %s would exceed max-forwards: 3 forwarded + 2 requested "
		"> 4",
		label);

	test_hold(t, "three", t->peer.uid,
		  lp_test_mapping(IPPROTO_TCP, "127.0.0.1", 1020, 31020, 3));
	test_want(t, IPPROTO_TCP, "127.0.0.1", 1025, 31025, 2);
	test_refused(t, LP_ERR_LIMIT, want);
}

/**
 * test_host_socket() - A host socket on the privileged port
 * @t:		World
 * @data:	Unused
 */
static void test_host_socket(TestAdmission *t, gconstpointer data)
{
	lp_autofd int host = test_listen(SOCK_STREAM, 80);
	lp_autofd int backend = test_listen(SOCK_STREAM, 30080);
	g_autofree char *want = g_strdup_printf(
		"port 80/tcp on 0.0.0.0 is already in use by a host socket "
		"(uid %u)",
		t->peer.uid);

	test_want(t, IPPROTO_TCP, "", 80, 30080, 1);
	test_refused(t, LP_ERR_PORT_IN_USE, want);
}

/**
 * test_no_backend() - Nobody listens on the backend port
 * @t:		World
 * @data:	Unused
 */
static void test_no_backend(TestAdmission *t, gconstpointer data)
{
	g_autofree char *want = g_strdup_printf(
		"backend port 30080/tcp has no listening socket of uid %u",
		t->peer.uid);

	test_want(t, IPPROTO_TCP, "127.0.0.1", 80, 30080, 1);
	test_refused(t, LP_ERR_BACKEND, want);
}

/**
 * test_reload_decision() - A lease the policy no longer grants
 * @t:		World
 * @data:	Unused
 */
static void test_reload_decision(TestAdmission *t, gconstpointer data)
{
	static const char narrower[] = "[allow test]\n"
				       "users = 0, 1000\n"
				       "ports = 80\n";
	g_autoptr(LpPolicy) p =
		lp_policy_load_data(narrower, strlen(narrower), NULL);
	LpCred cred = {.uid = t->peer.uid, .gid = t->peer.gid};
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(p);
	test_want(t, IPPROTO_TCP, "", 80, 30080, 1);
	g_assert_true(lp_admission_policy(p, &cred, t->req->mappings, &error));
	g_assert_no_error(error);
	test_want(t, IPPROTO_TCP, "", 443, 30443, 1);
	g_assert_true(
		lp_admission_policy(t->policy, &cred, t->req->mappings, NULL));
	g_assert_false(lp_admission_policy(p, &cred, t->req->mappings, &error));
	g_assert_error(error, LP_DAEMON_ERROR, LP_ERR_NOT_GRANTED);
}

int main(int argc, char **argv)
{
	/* before GLib can start threads: unshare(CLONE_NEWUSER) needs one */
	const char *why = lp_test_enter_netns();

	g_test_init(&argc, &argv, NULL);
	if (why) {
		g_test_add_data_func("/admission/skipped", why, lp_test_skip);
		return g_test_run();
	}
#define TEST_ADD(path, fn)                                                     \
	g_test_add("/admission/" path, TestAdmission, NULL, test_setup, fn,    \
		   test_teardown)
	TEST_ADD("admitted", test_admitted);
	TEST_ADD("no-pidfd", test_no_pidfd);
	TEST_ADD("exited", test_exited);
	TEST_ADD("not-granted", test_not_granted);
	TEST_ADD("twice", test_twice);
	TEST_ADD("conflict-other-user", test_conflict_other);
	TEST_ADD("conflict-own-lease", test_conflict_own);
	TEST_ADD("limit", test_limit);
	TEST_ADD("host-socket", test_host_socket);
	TEST_ADD("no-backend", test_no_backend);
	TEST_ADD("reload-decision", test_reload_decision);
	return g_test_run();
}
