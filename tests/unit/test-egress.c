// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-egress.c - the io.lowport.egress grammar: forms, errors, limits
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <glib.h>

#include "netutils/egress.h"

/*
 * GoodCase - a value that parses, and its canonical form
 * @value:	Value
 * @canon:	Expected lp_egress_format() output
 */
typedef struct {
	const char *value;
	const char *canon;
} GoodCase;

static const GoodCase good_cases[] = {
	{"none", "none"},
	{" NONE ", "none"},
	{"dns", "dns"},
	{"DNS, 1.1.1.1", "dns, 1.1.1.1"},
	{"198.51.100.2:80/tcp", "198.51.100.2:80/tcp"},
	{"10.0.0.0/8", "10.0.0.0/8"},
	{"10.0.0.0/8:443", "10.0.0.0/8:443"},
	{"10.0.0.0/8/udp", "10.0.0.0/8/udp"},
	{"0.0.0.0/0", "0.0.0.0/0"},
	{"192.0.2.1/32", "192.0.2.1"},
	{"192.0.2.1:1000-2000/UDP", "192.0.2.1:1000-2000/udp"},
	{"192.0.2.1:53-53", "192.0.2.1:53"},
	{"2001:db8::1", "2001:db8::1"},
	{"2001:db8::/32", "2001:db8::/32"},
	{"[2001:db8::1]:443/tcp", "[2001:db8::1]:443/tcp"},
	{"[2001:db8::/32]:443", "[2001:db8::/32]:443"},
	{"[2001:db8::1]", "2001:db8::1"},
	{"2001:db8::1/tcp", "[2001:db8::1]/tcp"},
	{"::/0", "::/0"},
	{"Api.Example.ORG:443/tcp", "api.example.org:443/tcp"},
	{"web.test.", "web.test"},
	{"none.", "none."},
	{"dns.:53/udp", "dns.:53/udp"},
	{"localhost", "localhost"},
	{"a-b.c-d", "a-b.c-d"},
	{"xn--bcher-kva.example:1-65535", "xn--bcher-kva.example:1-65535"},
	{"dns , api.example.org:443/tcp , 10.0.0.0/8",
	 "dns, api.example.org:443/tcp, 10.0.0.0/8"},
};

/**
 * test_good() - Values that parse format canonically and parse back
 */
static void test_good(void)
{
	unsigned int i;

	for (i = 0; i < G_N_ELEMENTS(good_cases); i++) {
		g_autoptr(LpEgress) eg = NULL, back = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree char *text = NULL, *again = NULL;

		eg = lp_egress_parse(good_cases[i].value, &error);
		g_assert_no_error(error);
		text = lp_egress_format(eg);
		g_assert_cmpstr(text, ==, good_cases[i].canon);
		back = lp_egress_parse(text, &error);
		g_assert_no_error(error);
		again = lp_egress_format(back);
		g_assert_cmpstr(again, ==, text);
	}
}

/**
 * test_fields() - What one entry of each kind holds
 */
static void test_fields(void)
{
	g_autoptr(LpEgress) eg = NULL;
	g_autoptr(GError) error = NULL;
	const LpEgressEntry *e;
	struct in6_addr v6;

	eg = lp_egress_parse("dns, 198.51.100.0/24:80/tcp, "
			     "[2001:db8::1]:1000-1010/udp, web.test",
			     &error);
	g_assert_no_error(error);
	g_assert_false(eg->none);
	g_assert_cmpuint(eg->entries->len, ==, 4);
	g_assert_true(lp_egress_has_dns(eg));
	g_assert_true(lp_egress_has_names(eg));

	e = &g_array_index(eg->entries, LpEgressEntry, 0);
	g_assert_cmpint(e->kind, ==, LP_EGRESS_DNS);

	e = &g_array_index(eg->entries, LpEgressEntry, 1);
	g_assert_cmpint(e->kind, ==, LP_EGRESS_ADDR);
	g_assert_cmpint(e->family, ==, AF_INET);
	g_assert_cmphex(ntohl(e->addr.v4.s_addr), ==, 0xc6336400);
	g_assert_cmpuint(e->prefix, ==, 24);
	g_assert_cmpuint(e->proto, ==, IPPROTO_TCP);
	g_assert_cmpuint(e->port_first, ==, 80);
	g_assert_cmpuint(e->port_last, ==, 80);

	e = &g_array_index(eg->entries, LpEgressEntry, 2);
	g_assert_cmpint(e->family, ==, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::1", &v6);
	g_assert_cmpmem(&e->addr.v6, 16, &v6, 16);
	g_assert_cmpuint(e->prefix, ==, 128);
	g_assert_cmpuint(e->proto, ==, IPPROTO_UDP);
	g_assert_cmpuint(e->port_first, ==, 1000);
	g_assert_cmpuint(e->port_last, ==, 1010);

	e = &g_array_index(eg->entries, LpEgressEntry, 3);
	g_assert_cmpint(e->kind, ==, LP_EGRESS_NAME);
	g_assert_cmpstr(e->name, ==, "web.test");
	g_assert_cmpuint(e->proto, ==, 0);
	g_assert_cmpuint(e->port_first, ==, 0);
}

/*
 * BadCase - a value that must not parse
 * @value:	Value
 * @message:	Expected error message, exactly
 */
typedef struct {
	const char *value;
	const char *message;
} BadCase;

#define A LP_EGRESS_ANNOTATION ": "

static const BadCase bad_cases[] = {
	{"", A "entry 1 '': empty entry"},
	{"1.1.1.1,", A "entry 2 '': empty entry"},
	{"1.1.1.1,,2.2.2.2", A "entry 2 '': empty entry"},
	{"none, 1.1.1.1", A "'none' cannot be combined with other entries"},
	{"dns:53", A "entry 1 'dns:53': dns takes no port or protocol (it is "
		     "port 53, TCP and UDP)"},
	{"1.1.1.1:0", A "entry 1 '1.1.1.1:0': port must be a number from 1 "
			"to 65535"},
	{"1.1.1.1:65536", A "entry 1 '1.1.1.1:65536': port must be a number "
			    "from 1 to 65535"},
	{"1.1.1.1:", A "entry 1 '1.1.1.1:': port must be a number from 1 to "
		       "65535"},
	{"1.1.1.1:x", A "entry 1 '1.1.1.1:x': port must be a number from 1 "
			"to 65535"},
	{"1.1.1.1:90-80", A "entry 1 '1.1.1.1:90-80': port range is reversed "
			    "(FIRST > LAST)"},
	{"1.1.1.1:80-", A "entry 1 '1.1.1.1:80-': port range must be "
			  "FIRST-LAST, each from 1 to 65535"},
	{"1.1.1.1/icmp", A "entry 1 '1.1.1.1/icmp': protocol must be tcp or "
			   "udp"},
	{"1.1.1.1/33", A "entry 1 '1.1.1.1/33': prefix length exceeds 32"},
	{"2001:db8::/129", A "entry 1 '2001:db8::/129': prefix length exceeds "
			     "128"},
	{"10.0.0.1/8", A "entry 1 '10.0.0.1/8': address has bits set after "
			 "the prefix length (write the network address)"},
	{"dns,10.0.0.0/",
	 A "entry 2 '10.0.0.0/': prefix length must be a number"},
	{"1.2.3", A "entry 1 '1.2.3': not a valid IPv4 address"},
	{"256.1.1.1", A "entry 1 '256.1.1.1': not a valid IPv4 address"},
	{"example.org/8", A "entry 1 'example.org/8': a prefix length needs "
			    "an IPv4 or IPv6 address"},
	{"[2001:db8::1:443/tcp", A "entry 1 '[2001:db8::1:443/tcp': brackets "
				   "must enclose an IPv6 address: "
				   "[ADDR]:PORT/PROTO"},
	{"[2001:db8::1]443", A "entry 1 '[2001:db8::1]443': brackets must "
			       "enclose an IPv6 address: [ADDR]:PORT/PROTO"},
	{"[192.0.2.1]:80", A "entry 1 '[192.0.2.1]:80': brackets are for IPv6 "
			     "addresses only"},
	{"[example.org]", A "entry 1 '[example.org]': brackets must enclose "
			    "an IPv6 address"},
	{"2001:db8::g", A "entry 1 '2001:db8::g': not an address, and a host "
			  "name may only hold letters, digits, '-' and '.'"},
	{"fe80::1%eth0", A "entry 1 'fe80::1%eth0': not an address, and a "
			   "host name may only hold letters, digits, '-' and "
			   "'.'"},
	{"-a.example", A "entry 1 '-a.example': host name label starts with "
			 "'-'"},
	{"a-.example", A "entry 1 'a-.example': host name has an empty label "
			 "or one ending in '-'"},
	{"a..example", A "entry 1 'a..example': host name has an empty label "
			 "or one ending in '-'"},
	{"web.test..", A "entry 1 'web.test..': host name has an empty label "
			 "or one ending in '-'"},
	{"web.test-", A "entry 1 'web.test-': host name has an empty label "
			"or one ending in '-'"},
	{"a_b.example", A "entry 1 'a_b.example': not an address, and a host "
			  "name may only hold letters, digits, '-' and '.'"},
	{"web\x01.test", A "entry 1 'web?.test': not an address, and a host "
			   "name may only hold letters, digits, '-' and '.'"},
	{":80", A "entry 1 ':80': no address or host name"},
	{"/tcp", A "entry 1 '/tcp': no address or host name"},
};

/**
 * test_bad() - Values that fail, each with the message naming the entry
 */
static void test_bad(void)
{
	unsigned int i;

	for (i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		g_autoptr(LpEgress) eg = NULL;
		g_autoptr(GError) error = NULL;

		eg = lp_egress_parse(bad_cases[i].value, &error);
		g_assert_null(eg);
		g_assert_error(error, LP_EGRESS_ERROR, LP_EGRESS_ERROR_PARSE);
		g_assert_cmpstr(error->message, ==, bad_cases[i].message);
	}
}

/**
 * test_limits() - Value length, entry count, name and label length
 */
static void test_limits(void)
{
	g_autoptr(GString) many = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpEgress) eg = NULL;
	g_autofree char *label63 = g_strnfill(63, 'a');
	g_autofree char *label64 = g_strnfill(64, 'a');
	g_autofree char *label61 = g_strnfill(61, 'b');
	g_autofree char *name = NULL, *long_name = NULL, *huge = NULL;
	unsigned int i;

	for (i = 0; i < LP_EGRESS_ENTRIES_MAX; i++)
		g_string_append_printf(many, "%s10.0.%u.0/24", i ? "," : "", i);
	eg = lp_egress_parse(many->str, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(eg->entries->len, ==, LP_EGRESS_ENTRIES_MAX);
	g_clear_pointer(&eg, lp_egress_free);

	g_string_append(many, ",192.0.2.1");
	eg = lp_egress_parse(many->str, &error);
	g_assert_null(eg);
	g_assert_cmpstr(error->message, ==, A "more than 64 entries");
	g_clear_error(&error);

	/* 4 labels of 63 plus 3 dots: 255 > 253 */
	long_name = g_strjoin(".", label63, label63, label63, label63, NULL);
	eg = lp_egress_parse(long_name, &error);
	g_assert_null(eg);
	g_assert_true(g_str_has_suffix(error->message,
				       "host name longer than 253 characters"));
	g_clear_error(&error);

	name = g_strjoin(".", label63, label63, label63, label61, NULL);
	g_assert_cmpuint(strlen(name), ==, 253);
	eg = lp_egress_parse(name, &error);
	g_assert_no_error(error);
	g_clear_pointer(&eg, lp_egress_free);

	eg = lp_egress_parse(label64, &error);
	g_assert_null(eg);
	g_assert_true(g_str_has_suffix(
		error->message, "host name label longer than 63 characters"));
	g_clear_error(&error);

	huge = g_strnfill(LP_EGRESS_VALUE_MAX + 1, 'a');
	eg = lp_egress_parse(huge, &error);
	g_assert_null(eg);
	g_assert_cmpstr(error->message, ==, A "value longer than 4096 bytes");
	g_clear_error(&error);

	huge[LP_EGRESS_ENTRY_MAX + 1] = '\0';
	eg = lp_egress_parse(huge, &error);
	g_assert_null(eg);
	g_assert_true(g_str_has_suffix(error->message,
				       "...': entry longer than 300 "
				       "characters"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/egress/parse/good", test_good);
	g_test_add_func("/egress/parse/fields", test_fields);
	g_test_add_func("/egress/parse/bad", test_bad);
	g_test_add_func("/egress/parse/limits", test_limits);

	return g_test_run();
}
