// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pesto-args.c - pesto front: scanning pesto's argv, planning and
 * rewriting its privileged specs
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <glib.h>

#include "shim/core.h"
#include "shim/pesto-args.h"

/* Usual net.ipv4.ip_unprivileged_port_start */
#define UNPRIV 1024
/* Where Podman 6 puts the rootless-netns pasta's control socket */
#define SOCK "/run/user/1000/containers/networks/rootless-netns/pasta.sock"

/**
 * scan() - Scan and plan an argv given as one string, split at spaces
 * @line:	"pesto --add -t ... SOCK"
 *
 * Return: planned arguments (the test frees them)
 */
static LpPestoArgs *scan(const char *line)
{
	g_auto(GStrv) argv = g_strsplit(line, " ", -1);
	g_autoptr(GError) error = NULL;
	LpPestoArgs *args;

	args = lp_pesto_args_parse((int)g_strv_length(argv), argv, &error);
	g_assert_no_error(error);
	g_assert_true(lp_pesto_args_plan(args, UNPRIV, &error));
	g_assert_no_error(error);
	return args;
}

/**
 * rewritten() - The argv the real pesto gets, joined with spaces
 * @args:	Planned arguments
 * @op:		As lp_pesto_args_argv()
 * @backend:	Backend ports
 *
 * Return: the line, g_free() it
 */
static char *rewritten(const LpPestoArgs *args, const char *op,
		       const uint16_t *backend)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) argv = lp_pesto_args_argv(args, op, backend, &error);

	g_assert_no_error(error);
	return g_strjoinv(" ", argv);
}

/**
 * block_is() - Check one planned block
 * @args:	Planned arguments
 * @i:		Block index
 * @proto:	Protocol
 * @port:	First host port
 * @size:	Ports
 */
static void block_is(const LpPestoArgs *args, guint i, int proto,
		     unsigned int port, unsigned int size)
{
	const LpCoreBlock *b = &g_array_index(args->blocks, LpCoreBlock, i);

	g_assert_cmpuint(i, <, args->blocks->len);
	g_assert_cmpint(b->proto, ==, proto);
	g_assert_cmpuint(b->host_port, ==, port);
	g_assert_cmpuint(b->size, ==, size);
}

/**
 * test_podman_add() - Podman 6's call: target address kept, host port
 * rewritten, the socket last; --delete from the same specs
 */
static void test_podman_add(void)
{
	g_autoptr(LpPestoArgs) a =
		scan("pesto --add -t 0.0.0.0/80:10.89.0.2/80 "
		     "-u 0.0.0.0/8087:10.89.0.6/53 " SOCK);
	const uint16_t backend[] = {40080};
	g_autofree char *add = NULL, *del = NULL;

	g_assert_cmpint(a->op, ==, LP_PESTO_OP_ADD);
	g_assert_cmpstr(a->socket, ==, SOCK);
	g_assert_false(a->unparsable);
	g_assert_cmpuint(a->blocks->len, ==, 1);
	block_is(a, 0, IPPROTO_TCP, 80, 1);
	g_assert_cmpstr(g_array_index(a->ports, LpPestoPort, 0).target, ==,
			"10.89.0.2");
	add = rewritten(a, NULL, backend);
	g_assert_cmpstr(add, ==,
			"pesto --add -t 0.0.0.0/40080:10.89.0.2/80 "
			"-u 0.0.0.0/8087:10.89.0.6/53 " SOCK);
	del = rewritten(a, "--delete", backend);
	g_assert_cmpstr(del, ==,
			"pesto --delete -t 0.0.0.0/40080:10.89.0.2/80 "
			"-u 0.0.0.0/8087:10.89.0.6/53 " SOCK);
	g_assert_true(lp_pesto_args_names_port(a, IPPROTO_UDP, 8087));
	g_assert_false(lp_pesto_args_names_port(a, IPPROTO_TCP, 8087));
}

/**
 * test_forms() - Every spec form: ranges, addresses, IPv6 targets, glued
 * and long options, pasta's forms without a target, straddling ranges
 */
static void test_forms(void)
{
	static const struct {
		const char *in;
		uint16_t backend[4];
		const char *out;
	} cases[] = {
		{"pesto -A -t 0.0.0.0/80-81:10.89.0.9/80-81 S",
		 {40080},
		 "pesto -A -t 0.0.0.0/40080-40081:10.89.0.9/80-81 S"},
		{"pesto -A -u 127.0.0.1/53:10.89.0.9/53 S",
		 {40053},
		 "pesto -A -u 127.0.0.1/40053:10.89.0.9/53 S"},
		{"pesto --add -t ::/443:fd00::2/443 S",
		 {40443},
		 "pesto --add -t ::/40443:fd00::2/443 S"},
		{"pesto --add -t 80:10.89.0.2/8080 S",
		 {40080},
		 "pesto --add -t 40080:10.89.0.2/8080 S"},
		{"pesto --add -t0.0.0.0/80:10.89.0.2/80 S",
		 {40080},
		 "pesto --add -t0.0.0.0/40080:10.89.0.2/80 S"},
		{"pesto --add --tcp-ports=0.0.0.0/80:10.89.0.2/80 S",
		 {40080},
		 "pesto --add --tcp-ports=0.0.0.0/40080:10.89.0.2/80 S"},
		{"pesto --add -t 80 S",
		 {40080},
		 "pesto --add -t 40080-40080:80-80 S"},
		{"pesto --add -t 127.0.0.1/80:8080 S",
		 {40080},
		 "pesto --add -t 127.0.0.1/40080-40080:8080-8080 S"},
		{"pesto --add -t 1020-1030:10.89.0.2/1020-1030 S",
		 {40000},
		 "pesto --add -t 1024-1030:10.89.0.2/1024-1030 "
		 "-t 40000-40003:10.89.0.2/1020-1023 S"},
		{"pesto --add -t 22,80 S",
		 {40022, 40080},
		 "pesto --add -t 40022-40022:22-22,40080-40080:80-80 S"},
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(LpPestoArgs) a = scan(cases[i].in);
		g_autofree char *out = rewritten(a, NULL, cases[i].backend);

		g_test_message("%s", cases[i].in);
		g_assert_false(a->unparsable);
		g_assert_cmpuint(a->blocks->len, >, 0);
		g_assert_cmpstr(out, ==, cases[i].out);
	}
}

/**
 * test_pass_through() - No plan: unprivileged, no --add/--delete, -T/-U,
 * keywords, unparsable specs, no socket
 */
static void test_pass_through(void)
{
	static const char *const lines[] = {
		"pesto --add -t 0.0.0.0/8080:10.89.0.2/80 S",
		"pesto -s S",
		"pesto S",
		"pesto --version",
		"pesto --add -T 80 S",
		"pesto --add -U 53:53 S",
		"pesto --add -t none S",
		"pesto --add -t auto S",
		"pesto --add -t 0.0.0.0/80:not-an-ip/80 S",
		"pesto --add -t 0.0.0.0/80x:10.89.0.2/80 S",
		"pesto --add -t 0.0.0.0/80:10.89.0.2/80",
		"pesto -C HOST S",
		"pesto -t 80 S",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(lines); i++) {
		g_autoptr(LpPestoArgs) a = scan(lines[i]);

		g_test_message("%s", lines[i]);
		g_assert_cmpuint(a->blocks->len, ==, 0);
	}
}

/**
 * test_refused() - Privileged ports pesto would forward that lowport
 * cannot: on an interface, twice; too many arguments
 */
static void test_refused(void)
{
	static const char *const lines[] = {
		"pesto --add -t 0.0.0.0%eth0/80:10.89.0.2/80 S",
		"pesto --add -t 80 -t 80 S",
	};
	g_autofree char **many = g_new0(char *, LP_PESTO_ARGC_MAX + 2);
	g_autoptr(GError) error = NULL;
	guint i;

	for (i = 0; i < G_N_ELEMENTS(lines); i++) {
		g_auto(GStrv) argv = g_strsplit(lines[i], " ", -1);
		g_autoptr(LpPestoArgs) a = NULL;

		g_test_message("%s", lines[i]);
		a = lp_pesto_args_parse((int)g_strv_length(argv), argv, NULL);
		g_assert_nonnull(a);
		g_assert_false(lp_pesto_args_plan(a, UNPRIV, &error));
		g_assert_nonnull(error);
		g_clear_error(&error);
	}
	for (i = 0; i <= LP_PESTO_ARGC_MAX; i++)
		many[i] = "-s";
	g_assert_null(lp_pesto_args_parse(LP_PESTO_ARGC_MAX + 1, many, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pesto-args/podman-add", test_podman_add);
	g_test_add_func("/pesto-args/forms", test_forms);
	g_test_add_func("/pesto-args/pass-through", test_pass_through);
	g_test_add_func("/pesto-args/refused", test_refused);
	return g_test_run();
}
