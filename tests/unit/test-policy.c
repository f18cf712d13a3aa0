// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-policy.c - unit tests for the administrator's policy (lowport.conf)
 *
 * Copyright lowport authors
 *
 * Names used exist on every Debian system: users root (0), daemon (1),
 * nobody (65534); groups root (0), daemon (1), nogroup (65534).
 */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/addr.h"
#include "netutils/mapping.h"
#include "netutils/policy.h"

/* A grant in the shape README.md ("Policy") documents */
static const char design_example[] =
	"[allow web]\n"
	"users = alice\n"
	"groups = lowport\n"
	"ports = 80, 443, 500-600\n"
	"protocols = tcp, udp\n"
	"addresses = 0.0.0.0, ::, 192.0.2.10     # host addresses the grant covers; 0.0.0.0 / :: = wildcard binds\n"
	"max-forwards = 8                         # per user, across all their containers\n";

/**
 * load() - Load a policy from a string, failing the test on error
 * @text:	Policy text
 *
 * Return: policy
 */
static LpPolicy *load(const char *text)
{
	g_autoptr(GError) error = NULL;
	LpPolicy *p = lp_policy_load_data(text, strlen(text), &error);

	g_assert_no_error(error);
	g_assert_nonnull(p);
	return p;
}

/**
 * addr() - Parse an address scope, failing the test on error
 * @s:	Address text, "" for every address
 *
 * Return: scope
 */
static LpAddr addr(const char *s)
{
	LpAddr a;

	g_assert_cmpint(lp_addr_parse(s, &a), ==, 0);
	return a;
}

/**
 * cred() - Credentials without supplementary groups
 * @uid:	uid
 * @gid:	Primary gid
 *
 * Return: credentials
 */
static LpCred cred(uid_t uid, gid_t gid)
{
	return (LpCred){.uid = uid, .gid = gid};
}

/**
 * ok() - Tell whether a check passes; any error must be a policy error
 * @p:		Policy
 * @c:		Credentials
 * @proto:	Protocol
 * @a:		Address text
 * @port:	Port
 *
 * Return: lp_policy_check() result
 */
static bool ok(const LpPolicy *p, LpCred c, int proto, const char *a,
	       uint16_t port)
{
	g_autoptr(GError) error = NULL;
	LpAddr scope = addr(a);
	bool r = lp_policy_check(p, &c, proto, &scope, port, &error);

	g_assert_true(r == !error);
	if (error)
		g_assert_true(error->domain == LP_POLICY_ERROR);
	return r;
}

/**
 * unused_uid() - A uid without passwd entry
 *
 * Return: uid getpwuid() does not know
 */
static uid_t unused_uid(void)
{
	uid_t uid = 3999999;

	while (getpwuid(uid))
		uid++;
	return uid;
}

/**
 * assert_describe() - Check lp_policy_describe() output
 * @p:		Policy
 * @c:		Credentials
 * @expect:	Expected text, NULL for nothing granted
 */
static void assert_describe(const LpPolicy *p, LpCred c, const char *expect)
{
	g_autofree char *d = lp_policy_describe(p, &c);

	g_assert_cmpstr(d, ==, expect);
}

static void test_design_example(void)
{
	g_autoptr(LpPolicy) p = load(design_example);
	const char *const *w = lp_policy_warnings(p);
	struct passwd *alice = getpwnam("alice");
	struct group *lowport = getgrnam("lowport");
	unsigned int n = (alice ? 0 : 1) + (lowport ? 0 : 1);

	g_assert_cmpuint(g_strv_length((char **)w), ==, n);
	if (!alice)
		g_assert_cmpstr(
			w[0], ==,
			"[allow web] users: no user named 'alice', ignoring");
	if (!lowport)
		g_assert_cmpstr(
			w[n - 1], ==,
			"[allow web] groups: no group named 'lowport', ignoring");
	if (alice) {
		g_assert_true(ok(p, cred(alice->pw_uid, 4242), IPPROTO_TCP,
				 "192.0.2.10", 550));
		g_assert_cmpuint(lp_policy_max_forwards(
					 p, &(LpCred){.uid = alice->pw_uid}),
				 ==, 8);
	}
	g_assert_null(lp_policy_real_pasta(p));
	g_assert_cmpint(lp_policy_table_owner(p), ==,
			LP_POLICY_TABLE_OWNER_AUTO);
}

static void test_design_example_parsed(void)
{
	g_autofree char *text = NULL;
	g_autoptr(LpPolicy) p = NULL;
	GString *s = g_string_new(design_example);

	g_string_replace(s, "alice", "root", 1);
	g_string_replace(s, "lowport", "daemon", 1);
	text = g_string_free(s, FALSE);
	p = load(text);
	g_assert_null(lp_policy_warnings(p)[0]);
	assert_describe(
		p, cred(0, 0),
		"tcp,udp ports 80,443,500-600 on 0.0.0.0,::,192.0.2.10 (max 8 forwards) [allow web]");
	assert_describe(
		p, cred(4242, 1),
		"tcp,udp ports 80,443,500-600 on 0.0.0.0,::,192.0.2.10 (max 8 forwards) [allow web]");
	assert_describe(p, cred(4242, 4242), NULL);
	g_assert_true(ok(p, cred(0, 0), IPPROTO_UDP, "", 443));
	g_assert_true(ok(p, cred(0, 0), IPPROTO_TCP, "192.0.2.10", 600));
	g_assert_false(ok(p, cred(0, 0), IPPROTO_TCP, "192.0.2.11", 80));
	g_assert_cmpuint(lp_policy_max_forwards(p, &(LpCred){.uid = 0}), ==, 8);
}

/**
 * default_policy_path() - Path of contrib/lowport.conf in the source tree
 *
 * Return: path, caller frees
 */
static char *default_policy_path(void)
{
	return g_test_build_filename(G_TEST_DIST, "..", "contrib",
				     "lowport.conf", NULL);
}

static void test_default_policy(void)
{
	g_autofree char *path = default_policy_path();
	g_autoptr(GError) error = NULL;
	g_autoptr(LpPolicy) p = lp_policy_load(path, &error);
	struct group *gr = getgrnam("lowport");
	const char *const *w;
	LpCred c;

	g_assert_no_error(error);
	w = lp_policy_warnings(p);
	g_assert_null(lp_policy_real_pasta(p));
	g_assert_cmpint(lp_policy_table_owner(p), ==,
			LP_POLICY_TABLE_OWNER_AUTO);
	if (!gr) {
		g_autofree char *msg = g_strdup_printf(
			"%s: [allow web] groups: no group named 'lowport', ignoring",
			path);

		g_assert_cmpstr(w[0], ==, msg);
		g_assert_null(w[1]);
		g_assert_false(ok(p, cred(0, 0), IPPROTO_TCP, "", 80));
		return;
	}
	g_assert_null(w[0]);
	c = cred(unused_uid(), gr->gr_gid);
	g_assert_true(ok(p, c, IPPROTO_TCP, "", 80));
	g_assert_true(ok(p, c, IPPROTO_UDP, "::", 443));
	g_assert_false(ok(p, c, IPPROTO_TCP, "", 8080));
}

static void test_default_policy_grants(void)
{
	g_autofree char *path = default_policy_path();
	g_autofree char *data = NULL;
	g_autofree char *text = NULL;
	g_autoptr(LpPolicy) p = NULL;
	GString *s;

	g_assert_true(g_file_get_contents(path, &data, NULL, NULL));
	s = g_string_new(data);
	g_assert_cmpuint(g_string_replace(s, "\ngroups = lowport\n",
					  "\ngroups = nogroup\n", 0),
			 ==, 1);
	text = g_string_free(s, FALSE);
	p = load(text);
	assert_describe(
		p, cred(4242, 65534),
		"tcp,udp ports 80,443 on every address (max 16 forwards) [allow web]");
	g_assert_true(ok(p, cred(4242, 65534), IPPROTO_TCP, "", 80));
	g_assert_true(ok(p, cred(4242, 65534), IPPROTO_UDP, "192.0.2.1", 443));
	g_assert_false(ok(p, cred(4242, 65534), IPPROTO_TCP, "", 81));
	g_assert_false(ok(p, cred(4242, 4242), IPPROTO_TCP, "", 80));
}

static void test_users(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\n"
				     "users = root, 4242, daemon\n"
				     "ports = 80\n");

	g_assert_true(ok(p, cred(0, 4343), IPPROTO_TCP, "", 80));
	g_assert_true(ok(p, cred(1, 4343), IPPROTO_TCP, "", 80));
	g_assert_true(ok(p, cred(4242, 4343), IPPROTO_TCP, "", 80));
	g_assert_false(ok(p, cred(4343, 0), IPPROTO_TCP, "", 80));
	g_assert_false(ok(p, cred(65534, 1), IPPROTO_TCP, "", 80));
}

static void test_groups(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\n"
				     "groups = nogroup, 4242\n"
				     "ports = 80\n");
	const gid_t sup[] = {7, 65534};
	const gid_t other[] = {7, 8};
	const gid_t numeric[] = {4242};
	LpCred c = {.uid = 4343, .gid = 4343, .groups = sup, .n_groups = 2};

	g_assert_true(ok(p, c, IPPROTO_TCP, "", 80));
	c.groups = numeric;
	c.n_groups = 1;
	g_assert_true(ok(p, c, IPPROTO_TCP, "", 80));
	c.groups = other;
	c.n_groups = 2;
	g_assert_false(ok(p, c, IPPROTO_TCP, "", 80));
	c.gid = 65534;
	g_assert_true(ok(p, c, IPPROTO_TCP, "", 80));
	/* a gid equal to the uid of a listed user means nothing */
	g_assert_false(ok(p, cred(65534, 4343), IPPROTO_TCP, "", 80));
}

static void test_unresolved_names(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\n"
				     "users = no-such-user-lp, 4242\n"
				     "groups = no-such-group-lp\n"
				     "ports = 80\n");
	const char *const *w = lp_policy_warnings(p);

	g_assert_cmpstr(
		w[0], ==,
		"[allow a] users: no user named 'no-such-user-lp', ignoring");
	g_assert_cmpstr(
		w[1], ==,
		"[allow a] groups: no group named 'no-such-group-lp', ignoring");
	g_assert_null(w[2]);
	g_assert_true(ok(p, cred(4242, 4242), IPPROTO_TCP, "", 80));
	g_assert_false(ok(p, cred(4343, 4343), IPPROTO_TCP, "", 80));
}

static void test_ports(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\n"
				     "users = 4242\n"
				     "ports = 80, 443,500-600, 1000 - 1001\n");
	static const struct {
		uint16_t port;
		bool granted;
	} cases[] = {
		{0, false},    {79, false},    {80, true},   {81, false},
		{443, true},   {499, false},   {500, true},  {550, true},
		{600, true},   {601, false},   {1000, true}, {1001, true},
		{1002, false}, {65535, false},
	};
	unsigned int i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_assert_true(ok(p, cred(4242, 4242), IPPROTO_TCP, "",
				 cases[i].port) == cases[i].granted);
}

static void test_ports_all(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\nusers = 4242\n"
				     "ports = 1-65535\n");

	g_assert_true(ok(p, cred(4242, 0), IPPROTO_TCP, "", 1));
	g_assert_true(ok(p, cred(4242, 0), IPPROTO_UDP, "", 65535));
	g_assert_false(ok(p, cred(4242, 0), IPPROTO_TCP, "", 0));
}

static void test_protocols(void)
{
	g_autoptr(LpPolicy) both =
		load("[allow a]\nusers = 4242\nports = 80\n");
	g_autoptr(LpPolicy) tcp = load("[allow a]\nusers = 4242\nports = 80\n"
				       "protocols = tcp\n");
	g_autoptr(LpPolicy) udp = load("[allow a]\nusers = 4242\nports = 80\n"
				       "protocols = udp, udp\n");
	LpCred c = cred(4242, 4242);

	g_assert_true(ok(both, c, IPPROTO_TCP, "", 80));
	g_assert_true(ok(both, c, IPPROTO_UDP, "", 80));
	g_assert_false(ok(both, c, IPPROTO_SCTP, "", 80));
	g_assert_true(ok(tcp, c, IPPROTO_TCP, "", 80));
	g_assert_false(ok(tcp, c, IPPROTO_UDP, "", 80));
	g_assert_false(ok(udp, c, IPPROTO_TCP, "", 80));
	g_assert_true(ok(udp, c, IPPROTO_UDP, "", 80));
	assert_describe(
		tcp, c,
		"tcp ports 80 on every address (max 16 forwards) [allow a]");
	assert_describe(
		udp, c,
		"udp ports 80 on every address (max 16 forwards) [allow a]");
}

/*
 * addr_cases - which scope each addresses key covers: "" every address,
 * 0.0.0.0 and :: the wildcards, then specific addresses
 */
static const char *const addr_scopes[] = {
	"",
	"0.0.0.0",
	"::",
	"192.0.2.10",
	"192.0.2.11",
	"2001:db8::1",
	"::ffff:192.0.2.10",
};

static const struct {
	const char *key;     /* NULL: no addresses key */
	const char *covered; /* one char per addr_scopes entry, 1 = yes */
} addr_cases[] = {
	{NULL, "1111111"},
	{"0.0.0.0", "0100000"},
	{"::", "0010000"},
	{"0.0.0.0, ::", "1110000"},
	{":: , 0.0.0.0", "1110000"},
	{"192.0.2.10", "0001001"},
	{"2001:db8::1", "0000010"},
	{"0.0.0.0, ::, 192.0.2.10", "1111001"},
	{"2001:DB8:0::1, 192.0.2.11", "0000110"},
};

static void test_addresses(void)
{
	unsigned int i, j;

	for (i = 0; i < G_N_ELEMENTS(addr_cases); i++) {
		g_autofree char *text = g_strdup_printf(
			"[allow a]\nusers = 4242\nports = 80\n%s%s\n",
			addr_cases[i].key ? "addresses = " : "",
			addr_cases[i].key ? addr_cases[i].key : "");
		g_autoptr(LpPolicy) p = load(text);

		for (j = 0; j < G_N_ELEMENTS(addr_scopes); j++) {
			bool expect = addr_cases[i].covered[j] == '1';

			g_test_message("addresses = %s, scope '%s'",
				       addr_cases[i].key, addr_scopes[j]);
			g_assert_true(ok(p, cred(4242, 0), IPPROTO_TCP,
					 addr_scopes[j], 80) == expect);
		}
	}
}

static void test_multiple_groups(void)
{
	g_autoptr(LpPolicy) p = load("[allow web]\n"
				     "groups = nogroup\n"
				     "ports = 80, 443\n"
				     "protocols = tcp\n"
				     "max-forwards = 4\n"
				     "[allow dns]\n"
				     "users = 4242\n"
				     "ports = 53\n"
				     "addresses = 192.0.2.53\n"
				     "max-forwards = 2\n"
				     "[allow big]\n"
				     "users = 4343\n"
				     "ports = 1-1023\n"
				     "max-forwards = 100\n");
	LpCred both = cred(4242, 65534);

	g_assert_true(ok(p, both, IPPROTO_TCP, "", 80));
	g_assert_true(ok(p, both, IPPROTO_UDP, "192.0.2.53", 53));
	g_assert_false(ok(p, both, IPPROTO_UDP, "", 53));
	g_assert_false(ok(p, both, IPPROTO_UDP, "192.0.2.53", 80));
	g_assert_false(ok(p, both, IPPROTO_TCP, "", 22));
	g_assert_true(ok(p, cred(4343, 0), IPPROTO_TCP, "", 22));
	g_assert_false(ok(p, cred(4242, 0), IPPROTO_TCP, "", 80));
	g_assert_cmpuint(lp_policy_max_forwards(p, &both), ==, 4);
	g_assert_cmpuint(lp_policy_max_forwards(p, &(LpCred){.uid = 4242}), ==,
			 2);
	g_assert_cmpuint(
		lp_policy_max_forwards(p, &(LpCred){.uid = 4343, .gid = 65534}),
		==, 100);
	assert_describe(
		p, both,
		"tcp ports 80,443 on every address (max 4 forwards) [allow web]\n"
		"tcp,udp ports 53 on 192.0.2.53 (max 2 forwards) [allow dns]");
}

static void test_max_forwards(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\nusers = 4242\nports = 80\n"
				     "[allow b]\nusers = 4343\nports = 80\n"
				     "max-forwards = 0\n"
				     "[allow c]\nusers = 4444\nports = 80\n"
				     "max-forwards = 65535\n");

	g_assert_cmpuint(lp_policy_max_forwards(p, &(LpCred){.uid = 4242}), ==,
			 LP_POLICY_MAX_FORWARDS_DEFAULT);
	g_assert_cmpuint(lp_policy_max_forwards(p, &(LpCred){.uid = 4343}), ==,
			 0);
	g_assert_cmpuint(lp_policy_max_forwards(p, &(LpCred){.uid = 4444}), ==,
			 65535);
	g_assert_cmpuint(lp_policy_max_forwards(p, &(LpCred){.uid = 4545}), ==,
			 0);
}

/**
 * check_error() - Run a refused check and return its message
 * @p:		Policy
 * @c:		Credentials
 * @proto:	Protocol
 * @a:		Address text
 * @port:	Port
 * @code:	Expected LpPolicyError
 *
 * Return: error message, caller frees
 */
static char *check_error(const LpPolicy *p, LpCred c, int proto, const char *a,
			 uint16_t port, int code)
{
	g_autoptr(GError) error = NULL;
	LpAddr scope = addr(a);

	g_assert_false(lp_policy_check(p, &c, proto, &scope, port, &error));
	g_assert_error(error, LP_POLICY_ERROR, code);
	return g_strdup(error->message);
}

static void test_check_messages(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\nusers = root, 65534\n"
				     "ports = 80\naddresses = 0.0.0.0, ::\n");
	uid_t uid = unused_uid();
	g_autofree char *who =
		g_strdup_printf("user uid %u", (unsigned int)uid);
	g_autofree char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL;
	g_autofree char *m5 = NULL, *m6 = NULL, *expect = NULL;

	m1 = check_error(p, cred(1, 1), IPPROTO_TCP, "", 80,
			 LP_POLICY_ERROR_USER);
	g_assert_cmpstr(
		m1, ==,
		"user daemon (uid 1) is not granted any port by the lowport policy");
	m2 = check_error(p, cred(uid, 1), IPPROTO_TCP, "", 80,
			 LP_POLICY_ERROR_USER);
	expect = g_strdup_printf(
		"%s is not granted any port by the lowport policy", who);
	g_assert_cmpstr(m2, ==, expect);
	m3 = check_error(p, cred(0, 0), IPPROTO_TCP, "0.0.0.0", 81,
			 LP_POLICY_ERROR_PORT);
	g_assert_cmpstr(
		m3, ==,
		"port 81/tcp on 0.0.0.0 is not granted to user root (uid 0)");
	m4 = check_error(p, cred(0, 0), IPPROTO_UDP, "", 81,
			 LP_POLICY_ERROR_PORT);
	g_assert_cmpstr(
		m4, ==,
		"port 81/udp on 0.0.0.0 is not granted to user root (uid 0)");
	m5 = check_error(p, cred(0, 0), IPPROTO_TCP, "192.0.2.10", 80,
			 LP_POLICY_ERROR_PORT);
	g_assert_cmpstr(
		m5, ==,
		"port 80/tcp on 192.0.2.10 is not granted to user root (uid 0)");
	m6 = check_error(p, cred(65534, 0), IPPROTO_UDP, "2001:db8::1", 80,
			 LP_POLICY_ERROR_PORT);
	g_assert_cmpstr(
		m6, ==,
		"port 80/udp on 2001:db8::1 is not granted to user nobody (uid 65534)");
}

static void test_check_mapping(void)
{
	g_autoptr(LpPolicy) p = load("[allow a]\nusers = 4242\n"
				     "ports = 80-82, 443\n");
	LpCred c = cred(4242, 4242);
	LpMapping m = {.proto = IPPROTO_TCP,
		       .addr = LP_ADDR_ALL,
		       .host_port = 80,
		       .backend_port = 30080,
		       .range = 3};
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;

	g_assert_true(lp_policy_check_mapping(p, &c, &m, NULL));
	m.range = 4;
	g_assert_false(lp_policy_check_mapping(p, &c, &m, &e1));
	g_assert_error(e1, LP_POLICY_ERROR, LP_POLICY_ERROR_PORT);
	g_assert_true(strstr(e1->message, "port 83/tcp ") == e1->message);
	m.range = 0;
	g_assert_false(lp_policy_check_mapping(p, &c, &m, &e2));
	g_assert_error(e2, LP_POLICY_ERROR, LP_POLICY_ERROR_PORT);
	m.host_port = 65535;
	m.range = 2;
	g_assert_false(lp_policy_check_mapping(p, &c, &m, &e3));
	g_assert_error(e3, LP_POLICY_ERROR, LP_POLICY_ERROR_PORT);
}

static void test_comments(void)
{
	g_autoptr(LpPolicy) p =
		load("# leading comment\n"
		     "  # indented comment\n"
		     "[allow a]   # group comment\n"
		     "users = 4242\t# tab comment\r\n"
		     "ports = 80 #no space after hash\n"
		     "addresses = 0.0.0.0,::  \n"
		     "\n"
		     "[lowport] # settings\n"
		     "real-pasta = /opt/pasta#1/pasta # comment\n");

	assert_describe(
		p, cred(4242, 0),
		"tcp,udp ports 80 on 0.0.0.0,:: (max 16 forwards) [allow a]");
	g_assert_cmpstr(lp_policy_real_pasta(p), ==, "/opt/pasta#1/pasta");
}

static void test_settings(void)
{
	g_autoptr(LpPolicy) empty = load("");
	g_autoptr(LpPolicy) never = load("[lowport]\ntable-owner = never\n"
					 "real-pasta = /usr/bin/pasta\n"
					 "real-rootlessport = /opt/rlp\n"
					 "real-pesto = /opt/pesto\n");
	g_autoptr(LpPolicy) aut = load("[lowport]\ntable-owner = auto\n");
	g_autoptr(LpPolicy) steer = load("[lowport]\ndatapath = steer\n");
	g_autoptr(LpPolicy) nat = load("[lowport]\ndatapath = nat\n");
	g_autoptr(LpPolicy) dauto = load("[lowport]\ndatapath = auto\n");

	g_assert_null(lp_policy_real_pasta(empty));
	g_assert_cmpint(lp_policy_table_owner(empty), ==,
			LP_POLICY_TABLE_OWNER_AUTO);
	g_assert_null(lp_policy_describe(empty, &(LpCred){.uid = 0}));
	g_assert_false(ok(empty, cred(0, 0), IPPROTO_TCP, "", 80));
	g_assert_cmpstr(lp_policy_real_pasta(never), ==, "/usr/bin/pasta");
	g_assert_cmpstr(lp_policy_real_rootlessport(never), ==, "/opt/rlp");
	g_assert_cmpstr(lp_policy_real_pesto(never), ==, "/opt/pesto");
	g_assert_null(lp_policy_real_rootlessport(empty));
	g_assert_null(lp_policy_real_pesto(empty));
	g_assert_cmpint(lp_policy_table_owner(never), ==,
			LP_POLICY_TABLE_OWNER_NEVER);
	g_assert_cmpint(lp_policy_table_owner(aut), ==,
			LP_POLICY_TABLE_OWNER_AUTO);
	g_assert_null(lp_policy_warnings(empty)[0]);

	g_assert_cmpint(lp_policy_datapath(empty), ==, LP_POLICY_DATAPATH_AUTO);
	g_assert_cmpint(lp_policy_datapath(never), ==, LP_POLICY_DATAPATH_AUTO);
	g_assert_cmpint(lp_policy_datapath(dauto), ==, LP_POLICY_DATAPATH_AUTO);
	g_assert_cmpint(lp_policy_datapath(steer), ==,
			LP_POLICY_DATAPATH_STEER);
	g_assert_cmpint(lp_policy_datapath(nat), ==, LP_POLICY_DATAPATH_NAT);
	g_assert_cmpstr(lp_policy_datapath_name(lp_policy_datapath(steer)), ==,
			"steer");
	g_assert_cmpstr(lp_policy_datapath_name(lp_policy_datapath(nat)), ==,
			"nat");
	g_assert_cmpstr(lp_policy_datapath_name(lp_policy_datapath(empty)), ==,
			"auto");
}

/* Input with a NUL byte inside: give its length explicitly */
#define WITH_NUL(s) .text = s, .len = sizeof(s) - 1

static const struct {
	const char *text;
	const char *message; /* NULL: GKeyFile's own message */
	size_t len;	     /* 0: strlen(text) */
} parse_errors[] = {
	{"[allow web]\nusers = 1\nports = 70000\n",
	 "[allow web] ports: '70000' is not a port"},
	{"[allow web]\nusers = 1\nports = 0\n",
	 "[allow web] ports: '0' is not a port"},
	{"[allow web]\nusers = 1\nports = http\n",
	 "[allow web] ports: 'http' is not a port"},
	{"[allow web]\nusers = 1\nports = +80\n",
	 "[allow web] ports: '+80' is not a port"},
	{"[allow web]\nusers = 1\nports = 600-500\n",
	 "[allow web] ports: '600-500' is not a port range: 600 > 500"},
	{"[allow web]\nusers = 1\nports = 1-70000\n",
	 "[allow web] ports: '1-70000' is not a port range"},
	{"[allow web]\nusers = 1\nports = 1-2-3\n",
	 "[allow web] ports: '1-2-3' is not a port range"},
	{"[allow web]\nusers = 1\nports = -80\n",
	 "[allow web] ports: '-80' is not a port range"},
	{"[allow web]\nusers = 1\nports = 80,,443\n",
	 "[allow web] ports: empty list item"},
	{"[allow web]\nusers = 1\nports = 80,\n",
	 "[allow web] ports: empty list item"},
	{"[allow web]\nusers = 1\nports =\n", "[allow web] ports: empty list"},
	{"[allow web]\nusers = 1\nports = # nothing\n",
	 "[allow web] ports: empty list"},
	{"[allow web]\nusers = 1\n",
	 "[allow web] no ports key: grants nothing"},
	{"[allow web]\nports = 80\n",
	 "[allow web] no users or groups key: grants nobody"},
	{"[allow web]\nusers = 4294967295\nports = 80\n",
	 "[allow web] users: '4294967295' is not a valid uid"},
	{"[allow web]\ngroups = 99999999999999999999\nports = 80\n",
	 "[allow web] groups: '99999999999999999999' is not a valid gid"},
	{"[allow web]\nusers = alice bob\nports = 80\n",
	 "[allow web] users: 'alice bob' is not a valid user name"},
	{"[allow web]\ngroups = -x\nports = 80\n",
	 "[allow web] groups: '-x' is not a valid group name"},
	{"[allow web]\nusers = 1\nports = 80\nprotocols = sctp\n",
	 "[allow web] protocols: 'sctp' is not a protocol (tcp, udp)"},
	{"[allow web]\nusers = 1\nports = 80\nprotocols = TCP\n",
	 "[allow web] protocols: 'TCP' is not a protocol (tcp, udp)"},
	{"[allow web]\nusers = 1\nports = 80\naddresses = localhost\n",
	 "[allow web] addresses: 'localhost' is not an IP address"},
	{"[allow web]\nusers = 1\nports = 80\naddresses = 192.0.2.0/24\n",
	 "[allow web] addresses: '192.0.2.0/24' is not an IP address"},
	{"[allow web]\nusers = 1\nports = 80\naddresses = [::1]\n",
	 "[allow web] addresses: '[::1]' is not an IP address"},
	{"[allow web]\nusers = 1\nports = 80\naddresses = ::ffff:192.0.2.1\n",
	 "[allow web] addresses: '::ffff:192.0.2.1' is IPv4-mapped, write the IPv4 address"},
	{"[allow web]\nusers = 1\nports = 80\nmax-forwards = 65536\n",
	 "[allow web] max-forwards: '65536' is not a number from 0 to 65535"},
	{"[allow web]\nusers = 1\nports = 80\nmax-forwards = -1\n",
	 "[allow web] max-forwards: '-1' is not a number from 0 to 65535"},
	{"[allow web]\nusers = 1\nports = 80\nmax-forwards = 1, 2\n",
	 "[allow web] max-forwards: '1, 2' is not a number from 0 to 65535"},
	{"[allow web]\nusers = 1\nport = 80\n",
	 "[allow web] unknown key 'port'"},
	{"[allow web]\nusers = 1\nports = 80\nports[de] = 81\n",
	 "[allow web] unknown key 'ports[de]'"},
	{"[alow web]\nusers = 1\nports = 80\n", "[alow web] unknown group"},
	{"[allow]\nusers = 1\nports = 80\n", "[allow] unknown group"},
	{"[allow  ]\nusers = 1\nports = 80\n", "[allow  ] unknown group"},
	{"[Lowport]\n", "[Lowport] unknown group"},
	{"[lowport]\nreal_pasta = /usr/bin/pasta\n",
	 "[lowport] unknown key 'real_pasta'"},
	{"[lowport]\nreal-pasta = pasta\n",
	 "[lowport] real-pasta: 'pasta' is not an absolute path"},
	{"[lowport]\nreal-rootlessport = rootlessport\n",
	 "[lowport] real-rootlessport: 'rootlessport' is not an absolute path"},
	{"[lowport]\nreal-pesto = ./pesto\n",
	 "[lowport] real-pesto: './pesto' is not an absolute path"},
	{"[lowport]\ntable-owner = yes\n",
	 "[lowport] table-owner: 'yes' is neither auto nor never"},
	{"[lowport]\nusers = 1\n", "[lowport] unknown key 'users'"},
	{"[lowport]\ndatapath = bpf\n",
	 "[lowport] datapath: 'bpf' is not auto, steer or nat"},
	{"[lowport]\ndatapath = Steer\n",
	 "[lowport] datapath: 'Steer' is not auto, steer or nat"},
	{"[lowport]\ndatapath =\n",
	 "[lowport] datapath: '' is not auto, steer or nat"},
	{"[lowport]\ndatapath = nat\ndatapath = steer\n",
	 "[lowport] key 'datapath' appears twice"},
	{"[allow web]\nusers = 1\nports = 80\nports = 22\n",
	 "[allow web] key 'ports' appears twice"},
	{"[allow web]\nusers = 1\nports = 80\n[allow web]\nusers = 2\n",
	 "[allow web] group appears twice"},
	{"[allow a]\nusers = 1\nports = 80\n[allow b]\nports = 81\n"
	 "[allow a]\ngroups = 2\n",
	 "[allow a] group appears twice"},
	{"[lowport]\n[lowport]\n", "[lowport] group appears twice"},
	{WITH_NUL("[allow web]\nusers = 1\nports = 8\0"
		  "0\n"),
	 .message = "contains a NUL byte"},
	{"[allow web]\nusers = \xff\nports = 80\n", "not valid UTF-8"},
	{"users = 1\n", NULL},
	{"[allow web]\nusers = 1\nports 80\n", NULL},
	{"[allow web\n", NULL},
};

static void test_parse_errors(void)
{
	unsigned int i;

	for (i = 0; i < G_N_ELEMENTS(parse_errors); i++) {
		const char *text = parse_errors[i].text;
		size_t len = parse_errors[i].len ? parse_errors[i].len
						 : strlen(text);
		g_autoptr(GError) error = NULL;
		g_autoptr(LpPolicy) p = NULL;

		g_autofree char *shown = g_strescape(text, NULL);

		g_test_message("input %u: %s", i, shown);
		p = lp_policy_load_data(text, len, &error);
		g_assert_null(p);
		g_assert_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PARSE);
		if (parse_errors[i].message)
			g_assert_cmpstr(error->message, ==,
					parse_errors[i].message);
		else
			g_assert_cmpstr(error->message, !=, "");
	}
}

static void test_load_file(void)
{
	g_autoptr(GError) error = NULL, e2 = NULL, e3 = NULL;
	g_autofree char *dir = g_dir_make_tmp("test-policy-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "lowport.conf", NULL);
	g_autofree char *expect = NULL;
	g_autoptr(LpPolicy) p = NULL;

	g_assert_nonnull(dir);
	g_assert_true(g_file_set_contents(
		path, "[allow web]\nusers = 1\nports = 70000\n", -1, NULL));
	p = lp_policy_load(path, &error);
	g_assert_null(p);
	g_assert_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PARSE);
	expect = g_strdup_printf("%s: [allow web] ports: '70000' is not a port",
				 path);
	g_assert_cmpstr(error->message, ==, expect);
	g_assert_null(lp_policy_load(dir, &e2));
	g_assert_error(e2, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_null(lp_policy_load(path, &e3));
	g_assert_error(e3, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static void test_bound_file_size(void)
{
	g_autoptr(GError) error = NULL, e2 = NULL;
	g_autofree char *dir = g_dir_make_tmp("test-policy-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "big.conf", NULL);
	g_autofree char *big = g_malloc(LP_POLICY_FILE_MAX + 1);
	g_autofree char *expect = NULL;
	g_autoptr(LpPolicy) ok_size = NULL;

	/* a file of comments exactly at the limit loads */
	memset(big, '#', LP_POLICY_FILE_MAX + 1);
	big[LP_POLICY_FILE_MAX - 1] = '\n';
	ok_size = lp_policy_load_data(big, LP_POLICY_FILE_MAX, &error);
	g_assert_no_error(error);
	g_assert_null(lp_policy_load_data(big, LP_POLICY_FILE_MAX + 1, &e2));
	g_assert_error(e2, LP_POLICY_ERROR, LP_POLICY_ERROR_PARSE);
	g_assert_cmpstr(e2->message, ==, "larger than 1048576 bytes");
	g_clear_error(&e2);
	g_assert_true(
		g_file_set_contents(path, big, LP_POLICY_FILE_MAX + 1, NULL));
	g_assert_null(lp_policy_load(path, &e2));
	expect = g_strdup_printf("%s: larger than 1048576 bytes", path);
	g_assert_cmpstr(e2->message, ==, expect);
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/**
 * many_groups() - A policy with @n [allow] groups
 * @n:	Number of groups
 *
 * Return: policy text, caller frees
 */
static char *many_groups(unsigned int n)
{
	GString *s = g_string_new(NULL);
	unsigned int i;

	for (i = 0; i < n; i++)
		g_string_append_printf(s,
				       "[allow g%u]\nusers = %u\nports = 80\n",
				       i, 10000 + i);
	return g_string_free(s, FALSE);
}

static void test_bound_groups(void)
{
	g_autofree char *max = many_groups(LP_POLICY_GROUPS_MAX);
	g_autofree char *over = many_groups(LP_POLICY_GROUPS_MAX + 1);
	g_autoptr(LpPolicy) p = load(max);
	g_autoptr(GError) error = NULL;

	g_assert_true(ok(p, cred(10000 + LP_POLICY_GROUPS_MAX - 1, 0),
			 IPPROTO_TCP, "", 80));
	g_assert_null(lp_policy_load_data(over, strlen(over), &error));
	g_assert_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==, "more than 1024 groups");
}

/**
 * many_ports() - A policy whose ports key has @n items
 * @n:	Number of items
 *
 * Return: policy text, caller frees
 */
static char *many_ports(unsigned int n)
{
	GString *s = g_string_new("[allow a]\nusers = 4242\nports = ");
	unsigned int i;

	for (i = 0; i < n; i++)
		g_string_append_printf(s, "%s%u", i ? ", " : "", 1000 + i);
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

static void test_bound_lists(void)
{
	g_autofree char *max = many_ports(LP_POLICY_LIST_MAX);
	g_autofree char *over = many_ports(LP_POLICY_LIST_MAX + 1);
	g_autoptr(LpPolicy) p = load(max);
	g_autoptr(GError) error = NULL;

	g_assert_true(ok(p, cred(4242, 0), IPPROTO_TCP, "",
			 1000 + LP_POLICY_LIST_MAX - 1));
	g_assert_false(ok(p, cred(4242, 0), IPPROTO_TCP, "",
			  1000 + LP_POLICY_LIST_MAX));
	g_assert_null(lp_policy_load_data(over, strlen(over), &error));
	g_assert_error(error, LP_POLICY_ERROR, LP_POLICY_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==,
			"[allow a] ports: more than 256 items");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/policy/design-example", test_design_example);
	g_test_add_func("/policy/design-example-parsed",
			test_design_example_parsed);
	g_test_add_func("/policy/default", test_default_policy);
	g_test_add_func("/policy/default-grants", test_default_policy_grants);
	g_test_add_func("/policy/users", test_users);
	g_test_add_func("/policy/groups", test_groups);
	g_test_add_func("/policy/unresolved-names", test_unresolved_names);
	g_test_add_func("/policy/ports", test_ports);
	g_test_add_func("/policy/ports-all", test_ports_all);
	g_test_add_func("/policy/protocols", test_protocols);
	g_test_add_func("/policy/addresses", test_addresses);
	g_test_add_func("/policy/multiple-groups", test_multiple_groups);
	g_test_add_func("/policy/max-forwards", test_max_forwards);
	g_test_add_func("/policy/check-messages", test_check_messages);
	g_test_add_func("/policy/check-mapping", test_check_mapping);
	g_test_add_func("/policy/comments", test_comments);
	g_test_add_func("/policy/settings", test_settings);
	g_test_add_func("/policy/parse-errors", test_parse_errors);
	g_test_add_func("/policy/load-file", test_load_file);
	g_test_add_func("/policy/bound-file-size", test_bound_file_size);
	g_test_add_func("/policy/bound-groups", test_bound_groups);
	g_test_add_func("/policy/bound-lists", test_bound_lists);

	return g_test_run();
}
