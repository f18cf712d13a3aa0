// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-portspec.c - pasta -t/-u port specifications: parse, split, rewrite
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "netutils/mapping.h"
#include "shim/portspec-split.h"
#include "shim/portspec.h"

/* Usual net.ipv4.ip_unprivileged_port_start */
#define UNPRIV 1024

/*
 * ParseCase - one argument that parses
 * @arg:	Argument
 * @kind:	Expected kind
 * @family:	Expected address family
 * @addr_text:	Expected address text, or NULL
 * @ifname:	Expected interface, or NULL
 * @canon:	Expected lp_portspec_format() output
 */
typedef struct {
	const char *arg;
	LpPortSpecKind kind;
	int family;
	const char *addr_text;
	const char *ifname;
	const char *canon;
} ParseCase;

static const ParseCase parse_cases[] = {
	/* What Podman 5.0-5.8 emits (docs/podman-interfaces.md, "pasta") */
	{"80-80:80-80", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "80-80:80-80"},
	{"80-80:60-60", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "80-80:60-60"},
	{"100-100:100-100", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "100-100:100-100"},
	{"80-81:80-81", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "80-81:80-81"},
	{"8000-8002:80-82", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "8000-8002:80-82"},
	{"127.0.0.1/8080-8080:80-80", LP_PORTSPEC_RANGES, AF_INET, "127.0.0.1",
	 NULL, "127.0.0.1/8080-8080:80-80"},
	{"::1/80-80:80-80", LP_PORTSPEC_RANGES, AF_INET6, "::1", NULL,
	 "::1/80-80:80-80"},
	{"2001:db8::5/443-443:8443-8443", LP_PORTSPEC_RANGES, AF_INET6,
	 "2001:db8::5", NULL, "2001:db8::5/443-443:8443-8443"},
	{"none", LP_PORTSPEC_NONE, AF_UNSPEC, NULL, NULL, "none"},
	/* General pasta(1) forms */
	{"80", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL, "80-80:80-80"},
	{"80:8080", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "80-80:8080-8080"},
	{"80-90", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL, "80-90:80-90"},
	{"22,80-82:8080-8082", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "22-22:22-22,80-82:8080-8082"},
	{"0080:00443", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "80-80:443-443"},
	{"1-65535", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "1-65535:1-65535"},
	{"auto", LP_PORTSPEC_AUTO, AF_UNSPEC, NULL, NULL, "auto"},
	{"all", LP_PORTSPEC_ALL, AF_UNSPEC, NULL, NULL, "all"},
	{"0.0.0.0/80", LP_PORTSPEC_RANGES, AF_INET, "0.0.0.0", NULL,
	 "0.0.0.0/80-80:80-80"},
	{"::/80", LP_PORTSPEC_RANGES, AF_INET6, "::", NULL, "::/80-80:80-80"},
	{"[::1]/80", LP_PORTSPEC_RANGES, AF_INET6, "[::1]", NULL,
	 "[::1]/80-80:80-80"},
	{"[192.0.2.1]/80", LP_PORTSPEC_RANGES, AF_INET, "[192.0.2.1]", NULL,
	 "[192.0.2.1]/80-80:80-80"},
	{"*/80", LP_PORTSPEC_RANGES, AF_UNSPEC, "*", NULL, "*/80-80:80-80"},
	{"127.0.0.1%lo/80", LP_PORTSPEC_RANGES, AF_INET, "127.0.0.1", "lo",
	 "127.0.0.1%lo/80-80:80-80"},
	{"%eth0/8080", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, "eth0",
	 "%eth0/8080-8080:8080-8080"},
	{"fe80::1%eth0/22", LP_PORTSPEC_RANGES, AF_INET6, "fe80::1", "eth0",
	 "fe80::1%eth0/22-22:22-22"},
	{"~25", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL, "~25-25"},
	{"~0", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL, "~0-0"},
	{"1-1030,~25,~100-200", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "1-1030:1-1030,~25-25,~100-200"},
	{"~25,80", LP_PORTSPEC_RANGES, AF_UNSPEC, NULL, NULL,
	 "~25-25,80-80:80-80"},
};

/**
 * test_parse_forms() - Every accepted form parses and formats canonically
 */
static void test_parse_forms(void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(parse_cases); i++) {
		const ParseCase *c = &parse_cases[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(LpPortSpec) spec = lp_portspec_parse(c->arg, &error);
		g_autofree char *canon = NULL;

		g_test_message("parse '%s'", c->arg);
		g_assert_no_error(error);
		g_assert_nonnull(spec);
		g_assert_cmpint(spec->kind, ==, c->kind);
		g_assert_cmpint(spec->addr.family, ==, c->family);
		g_assert_cmpstr(spec->addr_text, ==, c->addr_text);
		g_assert_cmpstr(spec->ifname, ==, c->ifname);
		g_assert_true((spec->ranges != NULL) ==
			      (c->kind == LP_PORTSPEC_RANGES));
		canon = lp_portspec_format(spec);
		g_assert_cmpstr(canon, ==, c->canon);
	}
}

/**
 * test_parse_fields() - Items land in the right fields
 */
static void test_parse_fields(void)
{
	g_autoptr(LpPortSpec) spec = NULL;
	const LpPortRange *r;

	spec = lp_portspec_parse("10.0.0.1/22,8000-8002:80-82,~8001", NULL);
	g_assert_nonnull(spec);
	g_assert_false(spec->addr.any);
	g_assert_cmphex(spec->addr.u.v4.s_addr, ==, htonl(0x0a000001));
	g_assert_cmpuint(spec->ranges->len, ==, 3);
	r = &g_array_index(spec->ranges, LpPortRange, 0);
	g_assert_cmpuint(r->first, ==, 22);
	g_assert_cmpuint(r->last, ==, 22);
	g_assert_cmpuint(r->ctr_first, ==, 22);
	g_assert_false(r->exclude);
	r = &g_array_index(spec->ranges, LpPortRange, 1);
	g_assert_cmpuint(r->first, ==, 8000);
	g_assert_cmpuint(r->last, ==, 8002);
	g_assert_cmpuint(r->ctr_first, ==, 80);
	g_assert_false(r->exclude);
	r = &g_array_index(spec->ranges, LpPortRange, 2);
	g_assert_cmpuint(r->first, ==, 8001);
	g_assert_cmpuint(r->last, ==, 8001);
	g_assert_true(r->exclude);

	g_clear_pointer(&spec, lp_portspec_free);
	spec = lp_portspec_parse("0.0.0.0/80", NULL);
	g_assert_true(spec->addr.any);
}

/**
 * test_podman_argv() - Every -t/-u value of Podman's canonical argvs parses
 */
static void test_podman_argv(void)
{
	static const char *const argvs[] = {
		"--config-net -t 80-80:80-80 --dns-forward 169.254.1.1 -u none -T none -U none --no-map-gw --quiet --netns netns123 --map-guest-addr 169.254.1.2",
		"--config-net -t 80-80:60-60 -u 100-100:100-100 --dns-forward 169.254.1.1 -T none -U none --no-map-gw --quiet --netns netns123 --map-guest-addr 169.254.1.2",
		"--config-net -t 127.0.0.1/8080-8080:80-80 -u ::1/80-80:80-80 -t 8000-8002:80-82 --dns-forward 169.254.1.1 -T none -U none --no-map-gw --quiet --netns netns123",
		"--config-net -t none -u none -T none -U none --no-map-gw --quiet --netns /run/user/1000/netns/x --pid /tmp/p",
	};
	static const unsigned int expect_priv[] = {1, 1, 1, 0};
	static const unsigned int expect_specs[] = {4, 4, 5, 4};
	guint i, j;

	for (i = 0; i < G_N_ELEMENTS(argvs); i++) {
		g_auto(GStrv) argv = g_strsplit(argvs[i], " ", -1);
		unsigned int specs = 0, priv = 0;

		for (j = 0; argv[j] && argv[j + 1]; j++) {
			g_autoptr(GError) error = NULL;
			g_autoptr(LpPortSpec) spec = NULL;
			g_autofree char *back = NULL;

			if (strcmp(argv[j], "-t") && strcmp(argv[j], "-u") &&
			    strcmp(argv[j], "-T") && strcmp(argv[j], "-U"))
				continue;
			spec = lp_portspec_parse(argv[++j], &error);
			g_assert_no_error(error);
			back = lp_portspec_format(spec);
			/* Podman's form is already canonical */
			g_assert_cmpstr(back, ==, argv[j]);
			priv += lp_portspec_split_has_privileged(spec, UNPRIV);
			specs++;
		}
		g_assert_cmpuint(specs, ==, expect_specs[i]);
		g_assert_cmpuint(!!priv, ==, expect_priv[i]);
	}
}

/*
 * ErrorCase - one argument that does not parse
 * @arg:	Argument
 * @code:	Expected error code
 * @message:	Expected message
 */
typedef struct {
	const char *arg;
	LpPortSpecError code;
	const char *message;
} ErrorCase;

#define INVALID LP_PORTSPEC_ERROR_INVALID
#define UNSUPP	LP_PORTSPEC_ERROR_UNSUPPORTED
#define BAD	"invalid port specification "

static const ErrorCase error_cases[] = {
	{"", INVALID, BAD "'': empty"},
	{"80-70:80", INVALID, BAD "'80-70:80': range end 70 is below start 80"},
	{"80:90-80", INVALID, BAD "'80:90-80': range end 80 is below start 90"},
	{"80-81:80-82", INVALID,
	 BAD
	 "'80-81:80-82': host range 80-81 and container range 80-82 differ in length"},
	{"80:8080-8081", INVALID,
	 BAD
	 "'80:8080-8081': host range 80-80 and container range 8080-8081 differ in length"},
	{"0", INVALID, BAD "'0': port 0 is out of range 1-65535"},
	{"0-80", INVALID, BAD "'0-80': port 0 is out of range 1-65535"},
	{"80:0", INVALID, BAD "'80:0': port 0 is out of range 1-65535"},
	{"65536", INVALID, BAD "'65536': port 65536 is out of range 1-65535"},
	{"80-99999999999999999999", INVALID,
	 BAD
	 "'80-99999999999999999999': port 99999999999999999999 is out of range 1-65535"},
	{"~65536", INVALID, BAD "'~65536': port 65536 is out of range 0-65535"},
	{"abc", INVALID, BAD "'abc': expected a port number at 'abc'"},
	{"NONE", INVALID, BAD "'NONE': expected a port number at 'NONE'"},
	{"+80", INVALID, BAD "'+80': expected a port number at '+80'"},
	{" 80", INVALID, BAD "' 80': expected a port number at ' 80'"},
	{"-80", INVALID, BAD "'-80': expected a port number at '-80'"},
	{"80-", INVALID, BAD "'80-': expected a port number at the end"},
	{"80:", INVALID, BAD "'80:': expected a port number at the end"},
	{"~", INVALID, BAD "'~': expected a port number at the end"},
	{"80,", INVALID, BAD "'80,': empty item"},
	{",80", INVALID, BAD "',80': empty item"},
	{"80,,81", INVALID, BAD "'80,,81': empty item"},
	{"none,80", INVALID, BAD "'none,80': expected a port number at 'none'"},
	{"80:90:100", INVALID,
	 BAD "'80:90:100': unexpected ':100' in item '80:90:100'"},
	{"80x", INVALID, BAD "'80x': unexpected 'x' in item '80x'"},
	{"80 ", INVALID, BAD "'80 ': unexpected ' ' in item '80 '"},
	{"~25:30", INVALID, BAD "'~25:30': unexpected ':30' in item '~25:30'"},
	{"~~25", INVALID, BAD "'~~25': expected a port number at '~25'"},
	{"127.0.0.1/", INVALID, BAD "'127.0.0.1/': no ports given"},
	{"/80", INVALID, BAD "'/80': empty address before '/'"},
	{"foo/80", INVALID, BAD "'foo/80': invalid address 'foo'"},
	{"300.1.1.1/80", INVALID,
	 BAD "'300.1.1.1/80': invalid address '300.1.1.1'"},
	{"127.0.0.1/8080/80", INVALID,
	 BAD "'127.0.0.1/8080/80': unexpected '/80' in item '8080/80'"},
	{"[::1/80", INVALID, BAD "'[::1/80': invalid address '[::1'"},
	{"[]/80", INVALID, BAD "'[]/80': invalid address '[]'"},
	{"::1:80", INVALID, BAD "'::1:80': expected a port number at '::1:80'"},
	{"1.2.3.4%/80", INVALID,
	 BAD "'1.2.3.4%/80': invalid interface name ''"},
	{"%/80", INVALID, BAD "'%/80': invalid interface name ''"},
	{"%0123456789abcdef/80", INVALID,
	 BAD
	 "'%0123456789abcdef/80': invalid interface name '0123456789abcdef'"},
	{"%../80", INVALID, BAD "'%../80': invalid interface name '..'"},
	{"%a b/80", INVALID, BAD "'%a b/80': invalid interface name 'a b'"},
	{"%eth0:1/80", INVALID,
	 BAD "'%eth0:1/80': invalid interface name 'eth0:1'"},
	{"8\001", INVALID, BAD "'8\\001': unexpected '\\001' in item '8\\001'"},
	{"8\377", INVALID, BAD "'8\\377': unexpected '\\377' in item '8\\377'"},
	{"80,auto", UNSUPP,
	 "unsupported port specification '80,auto': 'auto' after an address or in a list needs pasta's newer forwarding rules, which lowport does not parse"},
	{"127.0.0.1/all", UNSUPP,
	 "unsupported port specification '127.0.0.1/all': 'all' after an address or in a list needs pasta's newer forwarding rules, which lowport does not parse"},
};

/**
 * test_parse_errors() - Each class of garbage gets its exact message
 */
static void test_parse_errors(void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		const ErrorCase *c = &error_cases[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(LpPortSpec) spec = NULL;
		g_autofree char *shown = g_strescape(c->arg, NULL);

		g_test_message("garbage '%s'", shown);
		spec = lp_portspec_parse(c->arg, &error);
		g_assert_null(spec);
		g_assert_error(error, LP_PORTSPEC_ERROR, (gint)c->code);
		g_assert_cmpstr(error->message, ==, c->message);
		g_assert_true(g_utf8_validate(error->message, -1, NULL));
	}
}

/**
 * test_parse_limits() - Over-long arguments and too many items are refused
 */
static void test_parse_limits(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpPortSpec) spec = NULL;
	g_autoptr(GString) items = g_string_new(NULL);
	g_autofree char *longest = g_strnfill(LP_PORTSPEC_ARG_MAX, '8');
	g_autofree char *toolong = g_strnfill(LP_PORTSPEC_ARG_MAX + 1, '8');
	g_autofree char *head = g_strnfill(64, '8');
	g_autofree char *expect = NULL;
	int i;

	/* Longest allowed length is parsed (and fails on the number) */
	spec = lp_portspec_parse(longest, &error);
	g_assert_error(error, LP_PORTSPEC_ERROR, LP_PORTSPEC_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "out of range"));
	g_clear_error(&error);

	spec = lp_portspec_parse(toolong, &error);
	g_assert_null(spec);
	expect = g_strdup_printf(BAD "'%s...': longer than 4096 bytes", head);
	g_assert_error(error, LP_PORTSPEC_ERROR, LP_PORTSPEC_ERROR_INVALID);
	g_assert_cmpstr(error->message, ==, expect);
	g_clear_error(&error);

	for (i = 1; i <= LP_PORTSPEC_ITEMS_MAX; i++)
		g_string_append_printf(items, "%s%d", i > 1 ? "," : "", i);
	spec = lp_portspec_parse(items->str, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(spec->ranges->len, ==, LP_PORTSPEC_ITEMS_MAX);
	g_clear_pointer(&spec, lp_portspec_free);

	g_string_append(items, ",9999");
	spec = lp_portspec_parse(items->str, &error);
	g_assert_null(spec);
	g_assert_error(error, LP_PORTSPEC_ERROR, LP_PORTSPEC_ERROR_INVALID);
	g_clear_pointer(&head, g_free);
	g_clear_pointer(&expect, g_free);
	head = g_strndup(items->str, 64);
	expect = g_strdup_printf(
		BAD "'%s...': more than 128 comma-separated items", head);
	g_assert_cmpstr(error->message, ==, expect);
}

/**
 * test_check_round_trip() - parse(format(x)) equals x, format is stable
 * @arg:	Argument that parses
 */
static void test_check_round_trip(const char *arg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpPortSpec) a = lp_portspec_parse(arg, &error);
	g_autoptr(LpPortSpec) b = NULL;
	g_autofree char *fa = NULL, *fb = NULL;

	g_assert_no_error(error);
	fa = lp_portspec_format(a);
	g_assert_cmpuint(strlen(fa), <=, LP_PORTSPEC_ARG_MAX);
	b = lp_portspec_parse(fa, &error);
	g_assert_no_error(error);
	g_assert_true(lp_portspec_equal(a, b));
	fb = lp_portspec_format(b);
	g_assert_cmpstr(fa, ==, fb);
}

/**
 * test_round_trip() - Every accepted form survives format and parse
 */
static void test_round_trip(void)
{
	g_autoptr(GString) worst = g_string_new(
		"[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]%0123456789abcde/");
	g_autoptr(LpPortSpec) x = NULL, y = NULL;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(parse_cases); i++)
		test_check_round_trip(parse_cases[i].arg);

	/* The longest canonical form still fits LP_PORTSPEC_ARG_MAX */
	for (i = 0; i < LP_PORTSPEC_ITEMS_MAX; i++)
		g_string_append_printf(worst, "%s65535:65535", i ? "," : "");
	test_check_round_trip(worst->str);

	/* Equality sees every field */
	x = lp_portspec_parse("::1/80:8080", NULL);
	y = lp_portspec_parse("::1/80:8081", NULL);
	g_assert_false(lp_portspec_equal(x, y));
	g_clear_pointer(&y, lp_portspec_free);
	y = lp_portspec_parse("[::1]/80:8080", NULL);
	g_assert_false(lp_portspec_equal(x, y));
	g_clear_pointer(&y, lp_portspec_free);
	y = lp_portspec_parse("::1%lo/80:8080", NULL);
	g_assert_false(lp_portspec_equal(x, y));
	g_clear_pointer(&y, lp_portspec_free);
	y = lp_portspec_parse("::1/80:8080,~9", NULL);
	g_assert_false(lp_portspec_equal(x, y));
	g_clear_pointer(&y, lp_portspec_free);
	y = lp_portspec_parse("::1/80-80:8080-8080", NULL);
	g_assert_true(lp_portspec_equal(x, y));
}

/*
 * PrivCase - whether an argument names privileged ports
 * @arg:	Argument
 * @start:	ip_unprivileged_port_start
 * @expect:	Expected lp_portspec_split_has_privileged()
 */
typedef struct {
	const char *arg;
	unsigned int start;
	bool expect;
} PrivCase;

static const PrivCase priv_cases[] = {
	{"80-80:80-80", UNPRIV, true},
	{"8080-8080:80-80", UNPRIV, false},
	{"1023", UNPRIV, true},
	{"1024", UNPRIV, false},
	{"1020-1030", UNPRIV, true},
	{"127.0.0.1/443", UNPRIV, true},
	{"::1/80-80:80-80", UNPRIV, true},
	{"80", 0, false},
	{"80", 80, false},
	{"80", 81, true},
	{"80", 65536, true},
	{"none", UNPRIV, false},
	{"auto", UNPRIV, false},
	{"all", UNPRIV, false},
	{"~25", UNPRIV, false},
	{"80,~80", UNPRIV, false},
	{"79-81,~79-81", UNPRIV, false},
	{"79-81,~79-80", UNPRIV, true},
	{"%eth0/80", UNPRIV, true},
};

/**
 * test_has_privileged() - Only explicitly named low ports count
 */
static void test_has_privileged(void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(priv_cases); i++) {
		const PrivCase *c = &priv_cases[i];
		g_autoptr(LpPortSpec) spec = lp_portspec_parse(c->arg, NULL);

		g_test_message("privileged '%s' below %u", c->arg, c->start);
		g_assert_nonnull(spec);
		g_assert_cmpint(
			lp_portspec_split_has_privileged(spec, c->start), ==,
			c->expect);
	}
}

/*
 * SplitCase - expected lp_portspec_split() result
 * @arg:	Argument
 * @start:	ip_unprivileged_port_start
 * @priv:	Expected privileged part, formatted, or NULL
 * @rest:	Expected rest, formatted, or NULL
 */
typedef struct {
	const char *arg;
	unsigned int start;
	const char *priv;
	const char *rest;
} SplitCase;

static const SplitCase split_cases[] = {
	{"1020-1030:1020-1030", UNPRIV, "1020-1023:1020-1023",
	 "1024-1030:1024-1030"},
	{"1020-1030:2020-2030", UNPRIV, "1020-1023:2020-2023",
	 "1024-1030:2024-2030"},
	{"1023-1024:1-2", UNPRIV, "1023-1023:1-1", "1024-1024:2-2"},
	{"80-80:80-80", UNPRIV, "80-80:80-80", NULL},
	{"1-1023", UNPRIV, "1-1023:1-1023", NULL},
	{"8080", UNPRIV, NULL, "8080-8080:8080-8080"},
	{"1024-2000:1-977", UNPRIV, NULL, "1024-2000:1-977"},
	{"127.0.0.1/8080-8080:80-80", UNPRIV, NULL,
	 "127.0.0.1/8080-8080:80-80"},
	{"127.0.0.1/80-80:8080-8080", UNPRIV, "127.0.0.1/80-80:8080-8080",
	 NULL},
	{"::1/80-80:80-80", UNPRIV, "::1/80-80:80-80", NULL},
	{"[::1]/443", UNPRIV, "[::1]/443-443:443-443", NULL},
	{"22,80-82:8080-8082,8000", UNPRIV, "22-22:22-22,80-82:8080-8082",
	 "8000-8000:8000-8000"},
	{"443,80", UNPRIV, "443-443:443-443,80-80:80-80", NULL},
	{"1-1030,~25,~100-200", UNPRIV,
	 "1-24:1-24,26-99:26-99,201-1023:201-1023",
	 "1024-1030:1024-1030,~25-25,~100-200"},
	{"~1-9,1-20:101-120", UNPRIV, "10-20:110-120", NULL},
	{"80,~443", UNPRIV, "80-80:80-80", NULL},
	{"80,~80", UNPRIV, NULL, "80-80:80-80,~80-80"},
	{"8080,~80", UNPRIV, NULL, "8080-8080:8080-8080,~80-80"},
	{"80", 80, NULL, "80-80:80-80"},
	{"80-90", 85, "80-84:80-84", "85-90:85-90"},
	{"80", 0, NULL, "80-80:80-80"},
	{"none", UNPRIV, NULL, "none"},
	{"auto", UNPRIV, NULL, "auto"},
	{"all", UNPRIV, NULL, "all"},
	{"~25", UNPRIV, NULL, "~25-25"},
	{"%eth0/8080", UNPRIV, NULL, "%eth0/8080-8080:8080-8080"},
};

/**
 * test_split() - Privileged parts are cut out, the rest stays
 */
static void test_split(void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(split_cases); i++) {
		const SplitCase *c = &split_cases[i];
		g_autoptr(LpPortSpec) spec = lp_portspec_parse(c->arg, NULL);
		g_autoptr(LpPortSpec) priv = NULL, rest = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *fp = NULL, *fr = NULL;

		g_test_message("split '%s' at %u", c->arg, c->start);
		g_assert_nonnull(spec);
		g_assert_true(lp_portspec_split(spec, c->start, &priv, &rest,
						&error));
		g_assert_no_error(error);
		fp = priv ? lp_portspec_format(priv) : NULL;
		fr = rest ? lp_portspec_format(rest) : NULL;
		g_assert_cmpstr(fp, ==, c->priv);
		g_assert_cmpstr(fr, ==, c->rest);
		if (priv) {
			g_assert_cmpstr(priv->addr_text, ==, spec->addr_text);
			g_assert_true(lp_addr_equal(&priv->addr, &spec->addr));
		}
	}
}

/**
 * test_split_errors() - Privileged forwards lowport cannot express
 */
static void test_split_errors(void)
{
	static const ErrorCase cases[] = {
		{"%eth0/80", UNSUPP,
		 "unsupported port specification '%eth0/80-80:80-80': lowport cannot forward privileged ports bound to an interface; use an address instead"},
		{"127.0.0.1%lo/80,8080", UNSUPP,
		 "unsupported port specification '127.0.0.1%lo/80-80:80-80,8080-8080:8080-8080': lowport cannot forward privileged ports bound to an interface; use an address instead"},
		{"80,80:8080", UNSUPP,
		 "unsupported port specification '80-80:80-80,80-80:8080-8080': privileged host port 80 is forwarded twice"},
		{"90-99,70-90", UNSUPP,
		 "unsupported port specification '90-99:90-99,70-90:70-90': privileged host port 90 is forwarded twice"},
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(LpPortSpec) spec =
			lp_portspec_parse(cases[i].arg, NULL);
		g_autoptr(LpPortSpec) priv = NULL, rest = NULL;
		g_autoptr(GError) error = NULL;

		g_test_message("split '%s'", cases[i].arg);
		g_assert_nonnull(spec);
		g_assert_false(
			lp_portspec_split(spec, UNPRIV, &priv, &rest, &error));
		g_assert_error(error, LP_PORTSPEC_ERROR, (gint)cases[i].code);
		g_assert_cmpstr(error->message, ==, cases[i].message);
		g_assert_null(priv);
		g_assert_null(rest);
	}
}

/**
 * test_ctr_port() - Container port an explicit spec sends a host port to
 * @spec:	Specification without duplicate host ports
 * @port:	Host port
 *
 * Return: container port, or -1 if @port is not forwarded by an item
 */
static int test_ctr_port(const LpPortSpec *spec, unsigned int port)
{
	guint i;

	if (!spec || !lp_portspec_split_forwards(spec, port))
		return -1;
	for (i = 0; i < spec->ranges->len; i++) {
		const LpPortRange *r =
			&g_array_index(spec->ranges, LpPortRange, i);

		if (!r->exclude && r->first <= port && port <= r->last)
			return (int)(r->ctr_first + (port - r->first));
	}
	return -1;
}

/**
 * test_split_property() - Split loses, adds and moves no forward
 */
static void test_split_property(void)
{
	static const char *const args[] = {
		"1020-1030:2020-2030",
		"1-1030,~25,~100-200",
		"~1-9,1-20:101-120",
		"22,80-82:8080-8082,8000",
		"5-6000:10-6005,~1000-1100,~1023-1025",
		"60000-65535:1-5536,1-100",
		"1-65535,~1024",
	};
	static const unsigned int starts[] = {0,    1,	  2,	 80,   1023,
					      1024, 1025, 65535, 65536};
	guint i, j;
	unsigned int port;

	for (i = 0; i < G_N_ELEMENTS(args); i++) {
		g_autoptr(LpPortSpec) spec = lp_portspec_parse(args[i], NULL);

		g_assert_nonnull(spec);
		for (j = 0; j < G_N_ELEMENTS(starts); j++) {
			g_autoptr(LpPortSpec) priv = NULL, rest = NULL;

			g_assert_true(lp_portspec_split(spec, starts[j], &priv,
							&rest, NULL));
			if (!priv) {
				g_assert_true(lp_portspec_equal(spec, rest));
				continue;
			}
			for (port = 1; port <= 65535; port++) {
				int want = test_ctr_port(spec, port);
				int p = test_ctr_port(priv, port);
				int r = test_ctr_port(rest, port);

				g_assert_true(p < 0 || r < 0);
				g_assert_cmpint(p >= 0 ? p : r, ==, want);
				g_assert_true(p < 0 || port < starts[j]);
				g_assert_true(r < 0 || port >= starts[j]);
			}
		}
	}
}

/*
 * RewriteCase - expected lp_portspec_split_rewrite() result
 * @arg:	Argument whose privileged part is rewritten
 * @backend:	Backend first ports
 * @expect:	Expected rewritten argument, or NULL for an error
 * @message:	Expected error message
 */
typedef struct {
	const char *arg;
	uint16_t backend[3];
	const char *expect;
	const char *message;
} RewriteCase;

static const RewriteCase rewrite_cases[] = {
	{"80-80:80-80", {30080}, "30080-30080:80-80", NULL},
	{"::1/80-81:8080-8081", {40000}, "::1/40000-40001:8080-8081", NULL},
	{"127.0.0.1/80,443,8080",
	 {30080, 30443},
	 "127.0.0.1/30080-30080:80-80,30443-30443:443-443",
	 NULL},
	{"1020-1030:2020-2030", {65532}, "65532-65535:2020-2023", NULL},
	{"1020-1030:2020-2030",
	 {65533},
	 NULL,
	 BAD
	 "'1020-1023:2020-2023': backend ports 65533-65536 are out of range 1-65535"},
	{"80",
	 {0},
	 NULL,
	 BAD "'80-80:80-80': backend ports 0-0 are out of range 1-65535"},
	{"80,443",
	 {30000, 30000},
	 NULL,
	 BAD "'80-80:80-80,443-443:443-443': backend port 30000 is used twice"},
	{"80-89,443",
	 {30000, 30009},
	 NULL,
	 BAD "'80-89:80-89,443-443:443-443': backend port 30009 is used twice"},
};

/**
 * test_rewrite() - Privileged forwards move to backend ports, same address
 */
static void test_rewrite(void)
{
	guint i;

	for (i = 0; i < G_N_ELEMENTS(rewrite_cases); i++) {
		const RewriteCase *c = &rewrite_cases[i];
		g_autoptr(LpPortSpec) spec = lp_portspec_parse(c->arg, NULL);
		g_autoptr(LpPortSpec) priv = NULL, rest = NULL, out = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *text = NULL;

		g_test_message("rewrite '%s'", c->arg);
		g_assert_true(
			lp_portspec_split(spec, UNPRIV, &priv, &rest, NULL));
		out = lp_portspec_split_rewrite(priv, c->backend,
						priv->ranges->len, &error);
		if (!c->expect) {
			g_assert_null(out);
			g_assert_error(error, LP_PORTSPEC_ERROR,
				       LP_PORTSPEC_ERROR_INVALID);
			g_assert_cmpstr(error->message, ==, c->message);
			continue;
		}
		g_assert_no_error(error);
		text = lp_portspec_format(out);
		g_assert_cmpstr(text, ==, c->expect);
		g_assert_false(lp_portspec_split_has_privileged(out, UNPRIV));
	}
}

/**
 * test_mappings() - Privileged forwards become LpMapping entries
 */
static void test_mappings(void)
{
	static const uint16_t backend[] = {30080, 40000};
	g_autoptr(LpPortSpec) spec =
		lp_portspec_parse("192.0.2.10/80,440-443:8440-8443,8080", NULL);
	g_autoptr(LpPortSpec) priv = NULL, rest = NULL;
	g_autoptr(GArray) maps = NULL;
	const LpMapping *m;

	g_assert_true(lp_portspec_split(spec, UNPRIV, &priv, &rest, NULL));
	maps = lp_portspec_split_mappings(priv, IPPROTO_UDP, backend, 2);
	g_assert_cmpuint(maps->len, ==, 2);
	m = &g_array_index(maps, LpMapping, 0);
	g_assert_cmpuint(m->proto, ==, IPPROTO_UDP);
	g_assert_cmpint(m->addr.family, ==, AF_INET);
	g_assert_cmphex(m->addr.u.v4.s_addr, ==, htonl(0xc000020a));
	g_assert_cmpuint(m->host_port, ==, 80);
	g_assert_cmpuint(m->backend_port, ==, 30080);
	g_assert_cmpuint(m->range, ==, 1);
	m = &g_array_index(maps, LpMapping, 1);
	g_assert_cmpuint(m->host_port, ==, 440);
	g_assert_cmpuint(m->backend_port, ==, 40000);
	g_assert_cmpuint(m->range, ==, 4);
	g_assert_true(lp_addr_equal(&m->addr, &spec->addr));
}

/**
 * test_forwards() - Which host ports an argument occupies
 */
static void test_forwards(void)
{
	static const struct {
		const char *arg;
		unsigned int port;
		bool expect;
	} cases[] = {
		{"80-90:1080-1090", 85, true},
		{"80-90:1080-1090", 1085, false},
		{"80-90,~85", 85, false},
		{"80-90,~85", 86, true},
		{"~85", 85, false},
		{"~85", 30000, true},
		{"all", 30000, true},
		{"auto", 30000, false},
		{"none", 30000, false},
		{"::1/30000", 30000, true},
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(LpPortSpec) spec =
			lp_portspec_parse(cases[i].arg, NULL);

		g_assert_cmpint(lp_portspec_split_forwards(spec, cases[i].port),
				==, cases[i].expect);
	}
}

/**
 * test_shim_flow() - What the pasta shim does with one argument
 */
static void test_shim_flow(void)
{
	g_autoptr(LpPortSpec) spec =
		lp_portspec_parse("::1/1020-1030:20-30", NULL);
	g_autoptr(LpPortSpec) priv = NULL, rest = NULL, back = NULL;
	g_autofree char *a = NULL, *b = NULL;
	uint16_t port = 31020;

	g_assert_true(lp_portspec_split(spec, UNPRIV, &priv, &rest, NULL));
	back = lp_portspec_split_rewrite(priv, &port, 1, NULL);
	a = lp_portspec_format(rest);
	b = lp_portspec_format(back);
	g_assert_cmpstr(a, ==, "::1/1024-1030:24-30");
	g_assert_cmpstr(b, ==, "::1/31020-31023:20-23");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/portspec/parse/forms", test_parse_forms);
	g_test_add_func("/portspec/parse/fields", test_parse_fields);
	g_test_add_func("/portspec/parse/podman-argv", test_podman_argv);
	g_test_add_func("/portspec/parse/errors", test_parse_errors);
	g_test_add_func("/portspec/parse/limits", test_parse_limits);
	g_test_add_func("/portspec/format/round-trip", test_round_trip);
	g_test_add_func("/portspec/privileged/has", test_has_privileged);
	g_test_add_func("/portspec/privileged/split", test_split);
	g_test_add_func("/portspec/privileged/split-errors", test_split_errors);
	g_test_add_func("/portspec/privileged/split-property",
			test_split_property);
	g_test_add_func("/portspec/privileged/rewrite", test_rewrite);
	g_test_add_func("/portspec/privileged/mappings", test_mappings);
	g_test_add_func("/portspec/forwards", test_forwards);
	g_test_add_func("/portspec/shim-flow", test_shim_flow);

	return g_test_run();
}
