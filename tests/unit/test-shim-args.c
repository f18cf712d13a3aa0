// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-shim-args.c - pasta shim: argv scanning and rewriting, backend port
 * picking against real sockets, finding and running the real pasta
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/mapping.h"
#include "shim/portspec-split.h"
#include "shim/portspec.h"
#include "netutils/protocol.h"
#include "shim/core.h"
#include "shim/core-lease.h"
#include "shim/core-reap.h"
#include "shim/front-pasta.h"
#include "shim/pasta-args.h"
#include "shim/pasta-plan.h"
#include "netutils/util.h"

/* Usual net.ipv4.ip_unprivileged_port_start */
#define UNPRIV 1024

/* Podman's netns path for a rootless container */
#define NETNS "/run/user/1000/netns/netns-4c5e0e1a-7c2b-4b5e-a7a3-2f0c1d9e8b7a"
/* Podman 5.8 tail after the ports */
#define TAIL58                                                                 \
	"--dns-forward 169.254.1.1 -T none -U none --no-map-gw --quiet "       \
	"--netns " NETNS " --map-guest-addr 169.254.1.2"

/* --pid file the shim adds */
#define PIDF "/run/user/1000/lowport-pasta-ABCDEF"

/**
 * scan() - Scan a command line given as one string, argv[0] "pasta"
 * @line:	Arguments after argv[0], shell-quoted
 *
 * Return: scanned argv
 */
static LpPastaArgs *scan(const char *line)
{
	g_autofree char *full = g_strconcat("pasta ", line, NULL);
	g_auto(GStrv) argv = NULL;
	LpPastaArgs *args;
	int argc;

	g_assert_true(g_shell_parse_argv(full, &argc, &argv, NULL));
	args = lp_pasta_args_parse(argc, argv, NULL);
	g_assert_nonnull(args);
	return args;
}

/*
 * RewriteCase - argv in, argv out
 * @name:	What the case shows
 * @in:		Arguments after argv[0]
 * @unpriv:	ip_unprivileged_port_start
 * @backend:	Backend ports the picker would give, per block
 * @out:	Expected argv after argv[0] with PIDF added, NULL for a
 *		pass-through
 */
typedef struct {
	const char *name;
	const char *in;
	unsigned int unpriv;
	uint16_t backend[4];
	const char *out;
} RewriteCase;

static const RewriteCase rewrite_cases[] = {
	/* Podman 5.1 - 5.8 (research 1.3) */
	{"5.8 basic",
	 "--config-net -t 80-80:80-80 -u none " TAIL58,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --config-net -t 61000-61000:80-80 -u none " TAIL58},
	{"5.8 tcp and udp",
	 "--config-net -t 80-80:60-60 -u 53-53:53-53 " TAIL58,
	 UNPRIV,
	 {61000, 61001},
	 "--pid " PIDF
	 " --config-net -t 61000-61000:60-60 -u 61001-61001:53-53 " TAIL58},
	{"5.8 udp first, tcp unprivileged untouched",
	 "--config-net -u 53-53:53-53 -t 8080-8080:80-80 -t 80-80:80-80 " TAIL58,
	 UNPRIV,
	 {61000, 61001},
	 "--pid " PIDF " --config-net -u 61000-61000:53-53 -t 8080-8080:80-80 "
	 "-t 61001-61001:80-80 " TAIL58},
	{"several -t",
	 "--config-net -t 80-80:80-80 -t 443-443:8443-8443 " TAIL58,
	 UNPRIV,
	 {61000, 61001},
	 "--pid " PIDF " --config-net -t 61000-61000:80-80 "
	 "-t 61001-61001:8443-8443 " TAIL58},
	{"merged range",
	 "--config-net -t 80-81:80-81 -u none " TAIL58,
	 UNPRIV,
	 {62000},
	 "--pid " PIDF " --config-net -t 62000-62001:80-81 -u none " TAIL58},
	/* Podman 5.0: ports right after --config-net, options after them */
	{"5.0.0 order",
	 "--config-net -t 443-443:8443-8443 -u 8053-8053:53-53 --ipv4-only "
	 "--dns none -T none -U none --no-map-gw --quiet --netns " NETNS,
	 UNPRIV,
	 {61443},
	 "--pid " PIDF " --config-net -t 61443-61443:8443-8443 "
	 "-u 8053-8053:53-53 --ipv4-only --dns none -T none -U none "
	 "--no-map-gw --quiet --netns " NETNS},
	{"5.0.3 order",
	 "--config-net -t 80-80:80-80 --dns-forward 169.254.0.1 -u none -T none "
	 "-U none --no-map-gw --quiet --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --config-net -t 61000-61000:80-80 --dns-forward "
	 "169.254.0.1 -u none -T none -U none --no-map-gw --quiet --netns " NETNS},
	/* pasta_options and --network pasta:... in front of the ports */
	{"pasta_options with values",
	 "--config-net --mtu 1500 -a 10.0.2.0 -n 24 -g 10.0.2.2 -I tap0 "
	 "-t 80-80:80-80 -u none " TAIL58,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --config-net --mtu 1500 -a 10.0.2.0 -n 24 -g 10.0.2.2 "
	 "-I tap0 -t 61000-61000:80-80 -u none " TAIL58},
	{"--network pasta:-t,80 plus -p 8080:80",
	 "--config-net -t 80 -t 8080-8080:80-80 -u none " TAIL58,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --config-net -t 61000-61000:80-80 -t 8080-8080:80-80 "
	 "-u none " TAIL58},
	{"--network pasta:--map-guest-addr,x (ours not last)",
	 "--config-net --map-guest-addr 10.0.2.9 -t 80-80:80-80 -u none "
	 "--dns-forward 169.254.1.1 -T none -U none --no-map-gw --quiet "
	 "--netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --config-net --map-guest-addr 10.0.2.9 "
	 "-t 61000-61000:80-80 -u none --dns-forward 169.254.1.1 -T none "
	 "-U none --no-map-gw --quiet --netns " NETNS},
	/* Host addresses */
	{"IPv4 address",
	 "--config-net -t 127.0.0.1/80-80:80-80 -u none " TAIL58,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF
	 " --config-net -t 127.0.0.1/61000-61000:80-80 -u none " TAIL58},
	{"IPv6 address, no brackets",
	 "--config-net -t 2001:db8::5/443-443:8443-8443 -u ::1/53-53:53-53 " TAIL58,
	 UNPRIV,
	 {61000, 61001},
	 "--pid " PIDF " --config-net -t 2001:db8::5/61000-61000:8443-8443 "
	 "-u ::1/61001-61001:53-53 " TAIL58},
	/* Ranges straddling ip_unprivileged_port_start */
	{"straddling 1024",
	 "--config-net -t 1020-1030:20-30 -u none " TAIL58,
	 UNPRIV,
	 {61020},
	 "--pid " PIDF " --config-net -t 1024-1030:24-30 -t 61020-61023:20-23 "
	 "-u none " TAIL58},
	{"straddling, address kept",
	 "--config-net -u ::1/1022-1025:22-25 " TAIL58,
	 UNPRIV,
	 {61022},
	 "--pid " PIDF " --config-net -u ::1/1024-1025:24-25 "
	 "-u ::1/61022-61023:22-23 " TAIL58},
	{"lowered unprivileged start",
	 "--config-net -t 80-82:80-82 " TAIL58,
	 81,
	 {61000},
	 "--pid " PIDF
	 " --config-net -t 81-82:81-82 -t 61000-61000:80-80 " TAIL58},
	{"exclusions",
	 "-t 80-85,~82 --netns " NETNS,
	 UNPRIV,
	 {61000, 61010},
	 "--pid " PIDF
	 " -t 61000-61001:80-81,61010-61012:83-85 --netns " NETNS},
	/* Glued and long spellings */
	{"-t80",
	 "-t80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " -t61000-61000:80-80 --netns " NETNS},
	{"--tcp-ports=80",
	 "--tcp-ports=80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --tcp-ports=61000-61000:80-80 --netns " NETNS},
	{"--tcp-ports 80",
	 "--tcp-ports 80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --tcp-ports 61000-61000:80-80 --netns " NETNS},
	{"--udp-ports 53",
	 "--udp-ports 53 --netns=" NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --udp-ports 61000-61000:53-53 --netns=" NETNS},
	{"-u53",
	 "-u53 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " -u61000-61000:53-53 --netns " NETNS},
	{"cluster -qt80",
	 "-qt80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " -qt61000-61000:80-80 --netns " NETNS},
	{"cluster -qt 80",
	 "-qt 80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " -qt 61000-61000:80-80 --netns " NETNS},
	{"abbreviated --tcp-p=80",
	 "--tcp-p=80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --tcp-p=61000-61000:80-80 --netns " NETNS},
	{"straddling glued",
	 "--tcp-ports=1000-1030 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --tcp-ports=1024-1030:1024-1030 "
	 "--tcp-ports=61000-61023:1000-1023 --netns " NETNS},
	/* Option values that look like options are values */
	{"-t as a --log-file value",
	 "--log-file -t -t 80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " --log-file -t -t 61000-61000:80-80 --netns " NETNS},
	{"-t80 as a -l value",
	 "-l -t80 -t 80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid " PIDF " -l -t80 -t 61000-61000:80-80 --netns " NETNS},
	/* --pid given: kept, none added */
	{"--pid given",
	 "--pid /x/p.pid -t 80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "--pid /x/p.pid -t 61000-61000:80-80 --netns " NETNS},
	{"-P glued",
	 "-P/x/p.pid -t 80 --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "-P/x/p.pid -t 61000-61000:80-80 --netns " NETNS},
	{"--pid=",
	 "-t 80 --pid=/x/p.pid --netns " NETNS,
	 UNPRIV,
	 {61000},
	 "-t 61000-61000:80-80 --pid=/x/p.pid --netns " NETNS},
	/* Pass-through: argv goes to pasta untouched */
	{"--version", "--version", UNPRIV, {0}, NULL},
	{"--version with ports",
	 "--version -t 80 --netns " NETNS,
	 UNPRIV,
	 {0},
	 NULL},
	{"-h", "-h -t 80 --netns " NETNS, UNPRIV, {0}, NULL},
	{"--help abbreviated", "--he -t 80 --netns " NETNS, UNPRIV, {0}, NULL},
	{"rootless-netns pasta",
	 "--config-net --pid /run/user/1000/containers/networks/rootless-netns/"
	 "rootless-netns-conn.pid --dns-forward 169.254.1.1 -t none -u none "
	 "-T none -U none --no-map-gw --quiet --netns " NETNS
	 " --map-guest-addr 169.254.1.2",
	 UNPRIV,
	 {0},
	 NULL},
	{"no privileged port",
	 "--config-net -t 8080-8080:80-80 -u none " TAIL58,
	 UNPRIV,
	 {0},
	 NULL},
	{"only none",
	 "--config-net -t none -u none " TAIL58,
	 UNPRIV,
	 {0},
	 NULL},
	{"namespace-side -T/-U are not host ports",
	 "--config-net -t none -u none -T 80 -U 53 --netns " NETNS,
	 UNPRIV,
	 {0},
	 NULL},
	{"auto and all", "-t auto -u all --netns " NETNS, UNPRIV, {0}, NULL},
	{"unparsable -t value",
	 "-t 80 -t eighty --netns " NETNS,
	 UNPRIV,
	 {0},
	 NULL},
	{"no --netns", "-t 80", UNPRIV, {0}, NULL},
	{"after --", "--netns " NETNS " -- -t 80", UNPRIV, {0}, NULL},
	{"after a command", "--netns " NETNS " sh -t 80", UNPRIV, {0}, NULL},
	{"-t value missing", "--netns " NETNS " -t", UNPRIV, {0}, NULL},
	{"nothing privileged", "-t 80 --netns " NETNS, 0, {0}, NULL},
};

/**
 * test_rewrite() - Every argv form: rewritten argv, or pass-through
 * @data:	RewriteCase
 */
static void test_rewrite(gconstpointer data)
{
	const RewriteCase *c = data;
	g_autoptr(LpPastaArgs) args = scan(c->in);
	g_autoptr(LpPastaPlan) plan = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) out = NULL;
	g_autofree char *joined = NULL;
	guint n = 0;

	g_assert_true(lp_pasta_plan_build(args, c->unpriv, &plan, &error));
	g_assert_no_error(error);
	if (!c->out) {
		g_assert_null(plan);
		return;
	}
	g_assert_nonnull(plan);
	while (n < G_N_ELEMENTS(c->backend) && c->backend[n])
		n++;
	g_assert_cmpuint(plan->blocks->len, ==, n);
	out = lp_pasta_plan_argv(plan, c->backend, PIDF, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(out[0], ==, "pasta");
	joined = g_strjoinv(" ", out + 1);
	g_assert_cmpstr(joined, ==, c->out);
}

/**
 * test_scan_fields() - What the scanner records about argv
 */
static void test_scan_fields(void)
{
	g_autoptr(LpPastaArgs) a = scan("--config-net -t 80-80:80-80 -u none "
					"--pid=/p -qt443 " TAIL58);
	const LpPastaPortArg *p;

	g_assert_cmpstr(a->netns, ==, NETNS);
	g_assert_cmpstr(a->pid_file, ==, "/p");
	g_assert_false(a->info);
	g_assert_false(a->foreground);
	g_assert_false(a->unparsable);
	g_assert_cmpuint(a->ports->len, ==, 3);
	p = &g_array_index(a->ports, LpPastaPortArg, 0);
	g_assert_cmpint(p->index, ==, 2);
	g_assert_false(p->glued);
	g_assert_cmpint(p->proto, ==, IPPROTO_TCP);
	p = &g_array_index(a->ports, LpPastaPortArg, 1);
	g_assert_cmpint(p->index, ==, 4);
	g_assert_cmpint(p->proto, ==, IPPROTO_UDP);
	g_assert_cmpint(p->spec->kind, ==, LP_PORTSPEC_NONE);
	p = &g_array_index(a->ports, LpPastaPortArg, 2);
	g_assert_cmpint(p->index, ==, 7);
	g_assert_true(p->glued);
	g_assert_cmpuint(p->prefix_len, ==, 3);
	g_assert_cmpuint(p->spec->ranges->len, ==, 1);
}

/**
 * test_scan_flags() - --version, -f, clusters, ambiguity, "--"
 */
static void test_scan_flags(void)
{
	g_autoptr(LpPastaArgs) a = scan("-qf --netns /n");
	g_autoptr(LpPastaArgs) b = scan("--fore --print-capabilities");
	g_autoptr(LpPastaArgs) c = scan("--no -t 80"); /* ambiguous: no arg */
	g_autoptr(LpPastaArgs) d = scan("-- --version");
	g_autoptr(LpPastaArgs) e = scan("--tcp 80 -t 81"); /* ambiguous */

	g_assert_true(a->foreground);
	g_assert_false(a->info);
	g_assert_cmpstr(a->netns, ==, "/n");
	g_assert_true(b->foreground);
	g_assert_true(b->info);
	g_assert_cmpuint(c->ports->len, ==, 1);
	g_assert_false(d->info);
	/* "--tcp" matches tcp-ports and tcp-ns: pasta refuses it, and "80"
	 * ends the options for us */
	g_assert_cmpuint(e->ports->len, ==, 0);
}

/*
 * ErrorCase - argv the shim refuses
 * @in:		Arguments after argv[0]
 * @unpriv:	ip_unprivileged_port_start
 * @message:	Expected part of the message
 */
typedef struct {
	const char *in;
	unsigned int unpriv;
	const char *message;
} ErrorCase;

/**
 * test_refuse() - Privileged ports lowport cannot serve: clear refusals
 */
static void test_refuse(void)
{
	static const ErrorCase cases[] = {
		{"-f -t 80 --netns /n", UNPRIV, "--foreground"},
		{"-qf -t 80 --netns /n", UNPRIV, "--foreground"},
		{"--foreground -t 80 --netns /n", UNPRIV, "--foreground"},
		{"-t %eth0/80 --netns /n", UNPRIV, "bound to an interface"},
		{"-t 80 -t 127.0.0.1/80-81 --netns /n", UNPRIV,
		 "privileged host port 80/tcp is forwarded twice"},
		{"-u ::/53 -u ::1/50-60 --netns /n", UNPRIV,
		 "privileged host port 53/udp is forwarded twice"},
		{"-t 80-90,85 --netns /n", UNPRIV, "forwarded twice"},
		{"-t 1-1999 --netns /n", 2000, "too many privileged ports"},
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(LpPastaArgs) a = scan(cases[i].in);
		g_autoptr(LpPastaPlan) plan = NULL;
		g_autoptr(GError) error = NULL;

		g_test_message("%s", cases[i].in);
		g_assert_false(
			lp_pasta_plan_build(a, cases[i].unpriv, &plan, &error));
		g_assert_null(plan);
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error->message, cases[i].message));
	}
}

/**
 * test_not_overlapping() - Same port on other addresses or protocols is fine
 */
static void test_not_overlapping(void)
{
	g_autoptr(LpPastaArgs) a =
		scan("-t 127.0.0.1/80 -t 127.0.0.2/80 -u 80 -t ::1/80 "
		     "--netns /n");
	g_autoptr(LpPastaPlan) plan = NULL;

	g_assert_true(lp_pasta_plan_build(a, UNPRIV, &plan, NULL));
	g_assert_cmpuint(plan->blocks->len, ==, 4);
}

/**
 * test_limits() - Too many arguments, too many ranges
 */
static void test_limits(void)
{
	g_autoptr(GPtrArray) v = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) w = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(LpPastaArgs) a = NULL;
	g_autoptr(LpPastaPlan) plan = NULL;
	g_autoptr(GError) error = NULL;
	int i;

	for (i = 0; i <= LP_PASTA_ARGC_MAX; i++)
		g_ptr_array_add(v, g_strdup("-q"));
	g_assert_null(
		lp_pasta_args_parse((int)v->len, (char **)v->pdata, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS);
	g_clear_error(&error);

	g_ptr_array_add(w, g_strdup("pasta"));
	g_ptr_array_add(w, g_strdup("--netns=/n"));
	for (i = 0; i <= LP_MAPPINGS_MAX; i++)
		g_ptr_array_add(w, g_strdup_printf("-t%d", i + 1));
	g_ptr_array_add(w, NULL);
	a = lp_pasta_args_parse((int)w->len - 1, (char **)w->pdata, NULL);
	g_assert_false(lp_pasta_plan_build(a, UNPRIV, &plan, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS);
}

/**
 * test_mappings() - The forward request matches the rewritten argv
 */
static void test_mappings(void)
{
	g_autoptr(LpPastaArgs) a =
		scan("--config-net -t 1020-1030:20-30 -u ::1/53-53:53-53 "
		     "-t 127.0.0.1/80 -t 8080 " TAIL58);
	g_autoptr(LpPastaPlan) plan = NULL;
	g_autoptr(GArray) m = NULL;
	const uint16_t backend[] = {61020, 61053, 61080};
	char buf[LP_ADDR_STRLEN];
	const LpMapping *x;

	g_assert_true(lp_pasta_plan_build(a, UNPRIV, &plan, NULL));
	g_assert_cmpuint(plan->blocks->len, ==, 3);
	m = lp_core_lease_mappings(plan->blocks, backend);
	g_assert_cmpuint(m->len, ==, 3);

	x = &g_array_index(m, LpMapping, 0);
	g_assert_cmpint(x->proto, ==, IPPROTO_TCP);
	g_assert_cmpint(x->addr.family, ==, AF_UNSPEC);
	g_assert_cmpuint(x->host_port, ==, 1020);
	g_assert_cmpuint(x->backend_port, ==, 61020);
	g_assert_cmpuint(x->range, ==, 4);

	x = &g_array_index(m, LpMapping, 1);
	g_assert_cmpint(x->proto, ==, IPPROTO_UDP);
	g_assert_cmpstr(lp_addr_format(&x->addr, buf, sizeof(buf)), ==, "::1");
	g_assert_cmpuint(x->host_port, ==, 53);
	g_assert_cmpuint(x->backend_port, ==, 61053);
	g_assert_cmpuint(x->range, ==, 1);

	x = &g_array_index(m, LpMapping, 2);
	g_assert_cmpstr(lp_addr_format(&x->addr, buf, sizeof(buf)), ==,
			"127.0.0.1");
	g_assert_cmpuint(x->host_port, ==, 80);
	g_assert_cmpuint(x->backend_port, ==, 61080);
}

/**
 * test_bad_backend() - A backend block past 65535 is an error, not a wrap
 */
static void test_bad_backend(void)
{
	g_autoptr(LpPastaArgs) a = scan("-t 80-90 --netns /n");
	g_autoptr(LpPastaPlan) plan = NULL;
	g_autoptr(GError) error = NULL;
	const uint16_t backend[] = {65530};

	g_assert_true(lp_pasta_plan_build(a, UNPRIV, &plan, NULL));
	g_assert_null(lp_pasta_plan_argv(plan, backend, NULL, &error));
	g_assert_error(error, LP_PORTSPEC_ERROR, LP_PORTSPEC_ERROR_INVALID);
}

/**
 * test_names_port() - Ports other arguments forward are not backend ports
 */
static void test_names_port(void)
{
	g_autoptr(LpPastaArgs) a =
		scan("-t 80 -t 127.0.0.1/8080-8082 -u 5353 -T 9000 --netns /n");

	g_assert_true(lp_pasta_args_names_port(a, IPPROTO_TCP, 8081));
	g_assert_true(lp_pasta_args_names_port(a, IPPROTO_TCP, 80));
	g_assert_false(lp_pasta_args_names_port(a, IPPROTO_UDP, 8081));
	g_assert_true(lp_pasta_args_names_port(a, IPPROTO_UDP, 5353));
	g_assert_false(lp_pasta_args_names_port(a, IPPROTO_TCP, 9000));
	g_assert_false(lp_pasta_args_names_port(a, IPPROTO_TCP, 8083));
}

/* ---- Backend ports against real sockets, in a network namespace ---- */

/* Whether this process may create a user+network namespace */
static bool test_have_netns;

/**
 * test_write_file() - Write a string to a /proc file
 * @path:	File
 * @text:	Contents
 *
 * Return: true on success
 */
static bool test_write_file(const char *path, const char *text)
{
	lp_autofd int fd = open(path, O_WRONLY | O_CLOEXEC);

	return fd >= 0 &&
	       write(fd, text, strlen(text)) == (ssize_t)strlen(text);
}

/**
 * test_enter_netns() - Enter a new network namespace with loopback up
 *
 * Every port is free there, so results do not depend on the host.
 *
 * Return: true on success
 */
static bool test_enter_netns(void)
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
		if (!test_write_file("/proc/self/uid_map", map) ||
		    !test_write_file("/proc/self/setgroups", "deny"))
			return false;
		snprintf(map, sizeof(map), "%u %u 1", gid, gid);
		if (!test_write_file("/proc/self/gid_map", map))
			return false;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
		return false;
	ifr.ifr_flags |= IFF_UP;
	return !ioctl(s, SIOCSIFFLAGS, &ifr);
}

/**
 * test_probe_netns() - Find out once whether namespaces work here
 *
 * Return: true if a child could enter one
 */
static bool test_probe_netns(void)
{
	pid_t pid = fork();
	int status;

	g_assert_cmpint(pid, >=, 0);
	if (pid == 0)
		_exit(test_enter_netns() ? 0 : 1);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/**
 * test_in_netns() - Run a test function in a subprocess in its own netns
 * @data:	The test function, void (*)(void)
 */
static void test_in_netns(gconstpointer data)
{
	void (*fn)(void) = (void (*)(void))data;

	if (!test_have_netns) {
		g_test_skip("cannot create a network namespace here");
		return;
	}
	if (g_test_subprocess()) {
		g_assert_true(test_enter_netns());
		fn();
		return;
	}
	g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC,
			       G_TEST_SUBPROCESS_INHERIT_STDOUT |
				       G_TEST_SUBPROCESS_INHERIT_STDERR);
	g_test_trap_assert_passed();
}

/**
 * occupy() - Hold a port with a socket (listening if TCP)
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Numeric address
 * @port:	Port
 *
 * Return: the socket
 */
static int occupy(int proto, const char *addr, unsigned int port)
{
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	const int one = 1;
	int fd, r;

	if (strchr(addr, ':')) {
		fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
		g_assert_no_errno(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
					     &one, sizeof(one)));
		g_assert_cmpint(inet_pton(AF_INET6, addr, &s6.sin6_addr), ==,
				1);
		s6.sin6_port = htons((uint16_t)port);
		r = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	} else {
		fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
		g_assert_cmpint(inet_pton(AF_INET, addr, &s4.sin_addr), ==, 1);
		s4.sin_port = htons((uint16_t)port);
		r = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	g_assert_no_errno(r);
	if (proto == IPPROTO_TCP)
		g_assert_no_errno(listen(fd, 1));
	return fd;
}

/**
 * block() - Make a block
 * @proto:	Protocol
 * @addr:	Address text, or NULL for every address
 * @size:	Ports
 *
 * Return: the block
 */
static LpCoreBlock block(int proto, const char *addr, uint16_t size)
{
	LpCoreBlock b = {.proto = proto,
			 .addr = LP_ADDR_ALL,
			 .size = size,
			 .host_port = 80};

	if (addr)
		g_assert_cmpint(lp_addr_parse(addr, &b.addr), ==, 0);
	return b;
}

/**
 * pick1() - Pick for one block in a window
 * @b:		Block
 * @lo:		Window start, also where the search starts
 * @hi:		Window end
 * @error:	Error
 *
 * Return: the first backend port, 0 on error
 */
static unsigned int pick1(LpCoreBlock b, unsigned int lo, unsigned int hi,
			  GError **error)
{
	LpCorePortWindow w = {.lo = lo, .hi = hi, .start = lo};
	uint16_t port = 0;

	if (!lp_core_ports_pick(&w, &b, 1, &port, error))
		return 0;
	return port;
}

/**
 * ports_skip_taken() - A taken port is skipped, on its address only
 */
static void ports_skip_taken(void)
{
	lp_autofd int a = occupy(IPPROTO_TCP, "127.0.0.1", 40000);
	lp_autofd int b = occupy(IPPROTO_TCP, "::1", 41000);
	lp_autofd int c = occupy(IPPROTO_UDP, "127.0.0.1", 42000);

	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "127.0.0.1", 1), 40000, 40010, NULL),
		==, 40001);
	/* every address covers 127.0.0.1 */
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, NULL, 1), 40000, 40010, NULL),
			 ==, 40001);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "0.0.0.0", 1), 40000, 40010, NULL), ==,
		40001);
	/* other address, other family, other protocol: free */
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "127.0.0.2", 1), 40000, 40010, NULL),
		==, 40000);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "::1", 1), 40000, 40010, NULL), ==,
		40000);
	g_assert_cmpuint(
		pick1(block(IPPROTO_UDP, "127.0.0.1", 1), 40000, 40010, NULL),
		==, 40000);
	/* IPv6 */
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "::1", 1), 41000, 41010, NULL), ==,
		41001);
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, "::", 1), 41000, 41010, NULL),
			 ==, 41001);
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, NULL, 1), 41000, 41010, NULL),
			 ==, 41001);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "127.0.0.1", 1), 41000, 41010, NULL),
		==, 41000);
	/* UDP */
	g_assert_cmpuint(pick1(block(IPPROTO_UDP, NULL, 1), 42000, 42010, NULL),
			 ==, 42001);
	g_assert_cmpuint(pick1(block(IPPROTO_TCP, NULL, 1), 42000, 42010, NULL),
			 ==, 42000);
}

/**
 * ports_contiguous() - A range gets a contiguous free block
 */
static void ports_contiguous(void)
{
	lp_autofd int a = occupy(IPPROTO_TCP, "127.0.0.1", 40002);
	lp_autofd int b = occupy(IPPROTO_TCP, "::1", 40007);
	unsigned int p;
	int i;

	p = pick1(block(IPPROTO_TCP, "127.0.0.1", 3), 40000, 40020, NULL);
	g_assert_cmpuint(p, ==, 40003);
	p = pick1(block(IPPROTO_TCP, NULL, 5), 40000, 40020, NULL);
	g_assert_cmpuint(p, ==, 40008);
	for (i = 0; i < 5; i++) {
		g_assert_cmpint(lp_core_ports_try_bind(IPPROTO_TCP,
						       &(LpAddr){AF_UNSPEC},
						       p + (unsigned int)i),
				==, 0);
	}
	g_assert_cmpint(lp_core_ports_try_bind(IPPROTO_TCP,
					       &(LpAddr){AF_UNSPEC}, 40007),
			==, -EADDRINUSE);
}

/**
 * ports_wrap() - The search wraps around; a block never passes the window
 */
static void ports_wrap(void)
{
	LpCorePortWindow w = {.lo = 40000, .hi = 40003, .start = 40003};
	LpCoreBlock b = block(IPPROTO_TCP, "127.0.0.1", 2);
	lp_autofd int a = occupy(IPPROTO_TCP, "127.0.0.1", 40000);
	uint16_t port = 0;

	g_assert_true(lp_core_ports_pick(&w, &b, 1, &port, NULL));
	g_assert_cmpuint(port, ==, 40001);
	w.start = 40002;
	g_assert_true(lp_core_ports_pick(&w, &b, 1, &port, NULL));
	g_assert_cmpuint(port, ==, 40002);
}

/**
 * used_40000s() - LpCorePortUsedFn: 40000-40004 TCP are named in argv
 * @proto:	Protocol
 * @port:	Port
 * @data:	Unused
 *
 * Return: true for those
 */
static bool used_40000s(int proto, unsigned int port, void *data)
{
	return proto == IPPROTO_TCP && port >= 40000 && port <= 40004;
}

/**
 * ports_used_and_several() - Argv ports are avoided; blocks do not overlap
 */
static void ports_used_and_several(void)
{
	LpCorePortWindow w = {
		.lo = 40000, .hi = 40100, .start = 40000, .used = used_40000s};
	LpCoreBlock b[] = {
		block(IPPROTO_TCP, NULL, 2),
		block(IPPROTO_TCP, "127.0.0.1", 3),
		block(IPPROTO_UDP, NULL, 2),
		block(IPPROTO_TCP, "::1", 1),
	};
	uint16_t port[G_N_ELEMENTS(b)] = {0};

	g_assert_true(lp_core_ports_pick(&w, b, G_N_ELEMENTS(b), port, NULL));
	g_assert_cmpuint(port[0], ==, 40005);
	g_assert_cmpuint(port[1], ==, 40007);
	g_assert_cmpuint(port[2], ==, 40000);
	g_assert_cmpuint(port[3], ==, 40010);
}

/**
 * ports_exhausted() - No free block, or an address that is not ours
 */
static void ports_exhausted(void)
{
	lp_autofd int a = occupy(IPPROTO_UDP, "127.0.0.1", 40000);
	lp_autofd int b = occupy(IPPROTO_UDP, "127.0.0.1", 40002);
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(
		pick1(block(IPPROTO_UDP, NULL, 2), 40000, 40003, &error), ==,
		0);
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_PORTS);
	g_assert_nonnull(strstr(error->message, "no 2 free udp ports"));
	g_clear_error(&error);
	g_assert_cmpuint(
		pick1(block(IPPROTO_TCP, "192.0.2.1", 1), 40000, 40003, &error),
		==, 0);
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_PORTS);
	g_assert_nonnull(strstr(error->message, "cannot bind host address "
						"192.0.2.1"));
}

/**
 * test_ports_window() - Default windows: above the ephemeral range, or all
 */
static void test_ports_window(void)
{
	g_autofree char *text = NULL;
	unsigned int first = 32768, last = 60999;
	LpCorePortWindow w;
	int i;

	if (g_file_get_contents("/proc/sys/net/ipv4/ip_local_port_range", &text,
				NULL, NULL))
		g_assert_cmpint(sscanf(text, "%u %u", &first, &last), ==, 2);
	for (i = 0; i < 100; i++) {
		lp_core_ports_window(UNPRIV, true, &w);
		g_assert_cmpuint(w.lo, ==, MIN(MAX(last + 1, UNPRIV), 65535U));
		g_assert_cmpuint(w.hi, ==, 65535);
		g_assert_cmpuint(w.start, >=, w.lo);
		g_assert_cmpuint(w.start, <=, w.hi);
		g_assert_null(w.used);
		lp_core_ports_window(UNPRIV, false, &w);
		g_assert_cmpuint(w.lo, ==, UNPRIV);
		g_assert_cmpuint(w.start, >=, UNPRIV);
	}
	lp_core_ports_window(0, false, &w);
	g_assert_cmpuint(w.lo, ==, 1);
}

/* ---- Finding and running the real pasta ---- */

/**
 * make_file() - Create a file with contents and mode
 * @dir:	Directory
 * @name:	File name
 * @text:	Contents
 * @mode:	Permissions
 *
 * Return: its path, g_free() it
 */
static char *make_file(const char *dir, const char *name, const char *text,
		       mode_t mode)
{
	char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_no_errno(chmod(path, mode));
	return path;
}

/**
 * file_id() - Identity of a file
 * @path:	File
 *
 * Return: its LpCoreFileId
 */
static LpCoreFileId file_id(const char *path)
{
	struct stat st;

	g_assert_no_errno(stat(path, &st));
	return (LpCoreFileId){st.st_dev, st.st_ino};
}

/**
 * test_search() - Next executable "pasta" that is not a shim
 */
static void test_search(void)
{
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *d1 = g_build_filename(tmp, "noexec", NULL);
	g_autofree char *d2 = g_build_filename(tmp, "shim", NULL);
	g_autofree char *d3 = g_build_filename(tmp, "link", NULL);
	g_autofree char *d4 = g_build_filename(tmp, "real", NULL);
	g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL;
	g_autofree char *found = NULL, *path_env = NULL;
	g_autoptr(GArray) skip = g_array_new(FALSE, TRUE, sizeof(LpCoreFileId));
	LpCoreFileId id;

	g_assert_no_errno(g_mkdir(d1, 0755));
	g_assert_no_errno(g_mkdir(d2, 0755));
	g_assert_no_errno(g_mkdir(d3, 0755));
	g_assert_no_errno(g_mkdir(d4, 0755));
	p1 = make_file(d1, "pasta", "#!/bin/sh\n", 0644);
	p2 = make_file(d2, "pasta", "#!/bin/sh\n", 0755);
	p3 = g_build_filename(d3, "pasta", NULL);
	g_assert_no_errno(symlink(p2, p3));
	p4 = make_file(d4, "pasta", "#!/bin/sh\n", 0755);
	id = file_id(p2);
	g_array_append_val(skip, id);

	{
		const char *dirs[] = {"", "relative/dir", d1, d2, d3, d4, NULL};

		found = lp_core_find_search("pasta", dirs, NULL, skip);
		g_assert_cmpstr(found, ==, p4);
		g_clear_pointer(&found, g_free);
	}
	{
		const char *dirs[] = {d1, d2, NULL};

		path_env = g_strjoin(":", "", ".", d3, d4, NULL);
		found = lp_core_find_search("pasta", dirs, path_env, skip);
		g_assert_cmpstr(found, ==, p4);
		g_clear_pointer(&found, g_free);
		g_assert_null(lp_core_find_search("pasta", dirs, d3, skip));
		g_assert_null(lp_core_find_search("pasta", NULL, NULL, skip));
		/* without the skip list the shim would be found first */
		g_array_set_size(skip, 0);
		found = lp_core_find_search("pasta", dirs, NULL, skip);
		g_assert_cmpstr(found, ==, p2);
	}
	g_unlink(p1);
	g_unlink(p2);
	g_unlink(p3);
	g_unlink(p4);
	g_rmdir(d1);
	g_rmdir(d2);
	g_rmdir(d3);
	g_rmdir(d4);
	g_rmdir(tmp);
}

/**
 * test_find_pasta() - $LOWPORT_REAL_PASTA, policy real-pasta, refusals
 */
static void test_find_pasta(void)
{
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *real = make_file(tmp, "real", "#!/bin/sh\n", 0755);
	g_autofree char *noexec = make_file(tmp, "noexec", "x", 0644);
	g_autofree char *conf = NULL, *found = NULL, *seen = NULL;
	g_autoptr(GArray) self = lp_core_find_self_ids();
	g_autoptr(GArray) again = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text =
		g_strdup_printf("[lowport]\nreal-pasta = %s\n", real);

	/* this test binary plays the shim: /proc/self/exe is first */
	g_assert_cmpuint(self->len, >=, 1);
	conf = make_file(tmp, "lowport.conf", text, 0644);

	g_setenv(LP_FRONT_PASTA_ENV_REAL, real, TRUE);
	found = lp_core_find_real(&lp_front_pasta_helper, self, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(found, ==, real);
	g_clear_pointer(&found, g_free);

	g_setenv(LP_FRONT_PASTA_ENV_REAL, "/proc/self/exe", TRUE);
	g_assert_null(lp_core_find_real(&lp_front_pasta_helper, self, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_assert_nonnull(strstr(error->message, "is the lowport pasta shim"));
	g_clear_error(&error);

	g_setenv(LP_FRONT_PASTA_ENV_REAL, noexec, TRUE);
	g_assert_null(lp_core_find_real(&lp_front_pasta_helper, self, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_clear_error(&error);

	g_unsetenv(LP_FRONT_PASTA_ENV_REAL);
	g_setenv(LP_CORE_ENV_POLICY, conf, TRUE);
	found = lp_core_find_real(&lp_front_pasta_helper, self, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(found, ==, real);
	g_unsetenv(LP_CORE_ENV_POLICY);

	/* LOWPORT_SHIM_SEEN round trip */
	seen = lp_core_find_seen_env(self);
	g_setenv(LP_CORE_ENV_SEEN, "junk,1:2,x:y", TRUE);
	again = lp_core_find_self_ids();
	g_assert_cmpuint(again->len, ==, 2);
	g_assert_cmpuint(g_array_index(again, LpCoreFileId, 1).ino, ==, 2);
	g_setenv(LP_CORE_ENV_SEEN, seen, TRUE);
	g_array_unref(g_steal_pointer(&again));
	again = lp_core_find_self_ids();
	g_assert_cmpuint(again->len, ==, self->len);
	g_unsetenv(LP_CORE_ENV_SEEN);

	g_unlink(real);
	g_unlink(noexec);
	g_unlink(conf);
	g_rmdir(tmp);
}

/**
 * test_read_pid() - PID files: only one positive number
 */
static void test_read_pid(void)
{
	static const struct {
		const char *text;
		int ret;
		pid_t pid;
	} cases[] = {
		{"1234\n", 0, 1234},
		{"42", 0, 42},
		{"", -EIO, 0},
		{"\n", -EIO, 0},
		{"0\n", -EIO, 0},
		{"-5\n", -EIO, 0},
		{"12a\n", -EIO, 0},
		{"12\n\n", -EIO, 0},
		{" 12", -EIO, 0},
		{"99999999999", -EIO, 0},
		{"123456789012345678901234567890123456789", -EIO, 0},
	};
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(tmp, "pid", NULL);
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		pid_t pid = 0;

		g_assert_true(
			g_file_set_contents(path, cases[i].text, -1, NULL));
		g_assert_cmpint(lp_front_pasta_read_pid(path, &pid), ==,
				cases[i].ret);
		if (!cases[i].ret)
			g_assert_cmpint(pid, ==, cases[i].pid);
	}
	g_unlink(path);
	g_assert_cmpint(lp_front_pasta_read_pid(path, &(pid_t){0}), ==,
			-ENOENT);
	g_rmdir(tmp);
}

/**
 * test_pid_file() - Our --pid file: in $XDG_RUNTIME_DIR, private
 */
static void test_pid_file(void)
{
	g_autofree char *tmp = g_dir_make_tmp("lp-shim-XXXXXX", NULL);
	g_autofree char *path = NULL;
	struct stat st;

	g_setenv("XDG_RUNTIME_DIR", tmp, TRUE);
	g_assert_cmpint(lp_front_pasta_pid_file(&path), ==, 0);
	g_assert_true(g_str_has_prefix(path, tmp));
	g_assert_no_errno(stat(path, &st));
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(st.st_size, ==, 0);
	g_unlink(path);
	g_rmdir(tmp);
	g_unsetenv("XDG_RUNTIME_DIR");
}

/**
 * run_argv() - Run a program through lp_core_spawn_run(), argv only
 * @path:	Binary
 * @argv:	Arguments, argv[0] included
 * @timeout_ms:	Bound
 * @ret:	Result
 * @error:	Error
 *
 * Return: as lp_core_spawn_run()
 */
static gboolean run_argv(const char *path, char **argv, unsigned int timeout_ms,
			 LpCoreRun *ret, GError **error)
{
	LpCoreCmd cmd = {.name = "pasta", .argv = argv, .ready_fd = -1};

	return lp_core_spawn_run(path, &cmd, timeout_ms, ret, error);
}

/**
 * run_sh() - Run a shell command through run_argv()
 * @cmd:	Command
 * @timeout_ms:	Bound
 * @ret:	Result
 * @error:	Error
 *
 * Return: as run_argv()
 */
static gboolean run_sh(const char *cmd, unsigned int timeout_ms, LpCoreRun *ret,
		       GError **error)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};

	return run_argv("/bin/sh", argv, timeout_ms, ret, error);
}

/**
 * output_is() - Compare a run's output with a string
 * @run:	Result
 * @text:	Expected output
 */
static void output_is(const LpCoreRun *run, const char *text)
{
	g_autofree char *s =
		g_strndup((const char *)run->output->data, run->output->len);

	g_assert_cmpstr(s, ==, text);
}

/**
 * test_run() - Exit codes, combined output, daemonized children, hangs
 */
static void test_run(void)
{
	LpCoreRun run = {0};
	g_autoptr(GError) error = NULL;
	gint64 t;

	g_assert_true(
		run_sh("echo out; echo err >&2; exit 3", 5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 3);
	output_is(&run, "out\nerr\n");
	lp_core_spawn_run_clear(&run);

	g_assert_true(run_sh("kill -9 $$", 5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 128 + SIGKILL);
	lp_core_spawn_run_clear(&run);

	/* like pasta: the daemonized child writes, then lets the pipe go */
	g_assert_true(run_sh("(sleep 0.3; echo late; exec >/dev/null 2>&1; "
			     "sleep 0.2) & exit 0",
			     5000, &run, NULL));
	g_assert_cmpint(run.status, ==, 0);
	output_is(&run, "late\n");
	lp_core_spawn_run_clear(&run);

	/* a child keeping the pipe is waited for a bounded time only */
	t = g_get_monotonic_time();
	g_assert_true(run_sh("sleep 4 & echo x; exit 0", 10000, &run, NULL));
	t = g_get_monotonic_time() - t;
	g_assert_cmpint(run.status, ==, 0);
	output_is(&run, "x\n");
	g_assert_cmpint(t, >=, (LP_CORE_PIPE_GRACE_MS - 100) * 1000);
	g_assert_cmpint(t, <, 3900 * 1000);
	lp_core_spawn_run_clear(&run);

	/* output is bounded */
	g_assert_true(run_sh("head -c 200000 /dev/zero", 5000, &run, NULL));
	g_assert_cmpuint(run.output->len, ==, LP_CORE_OUTPUT_MAX);
	lp_core_spawn_run_clear(&run);

	/* a pasta that never finishes starting is killed */
	g_assert_false(run_sh("sleep 30", 300, &run, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_clear_error(&error);
	lp_core_spawn_run_clear(&run);

	g_assert_false(run_argv("/nonexistent/pasta", (char *[]){"pasta", NULL},
				1000, &run, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	g_assert_nonnull(strstr(error->message, "/nonexistent/pasta"));
	lp_core_spawn_run_clear(&run);
}

/**
 * test_stop() - SIGTERM, and SIGKILL for a process ignoring it
 */
static void test_stop(void)
{
	const char *const cmds[] = {
		"exec sleep 30", "trap '' TERM; while :; do sleep 0.1; done"};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(cmds); i++) {
		pid_t pid = fork();
		lp_autofd int pidfd = -1;
		struct pollfd pfd;
		int status;

		g_assert_cmpint(pid, >=, 0);
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmds[i], (char *)NULL);
			_exit(127);
		}
		pidfd = pidfd_open(pid, 0);
		g_assert_cmpint(pidfd, >=, 0);
		g_usleep(200 * 1000); /* let sh set its trap */
		g_assert_cmpint(lp_core_reap_stop(pidfd, 1000), ==, 0);
		pfd = (struct pollfd){pidfd, POLLIN, 0};
		g_assert_cmpint(poll(&pfd, 1, 0), ==, 1);
		g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
		g_assert_true(WIFSIGNALED(status));
		g_assert_cmpint(WTERMSIG(status), ==, i ? SIGKILL : SIGTERM);
		/* already gone: nothing to do */
		g_assert_cmpint(lp_core_reap_stop(pidfd, 1000), ==, 0);
	}
}

/* ---- The whole shim against a stand-in pasta and lowportd ---- */

/* Set in the stand-in pasta's environment: its mode */
#define FAKE_ENV "LP_TEST_FAKE_PASTA"
/* File the stand-in appends its argv and daemon PID to */
#define FAKE_LOG_ENV "LP_TEST_FAKE_LOG"
/* What lowportd refuses with in these tests */
#define REFUSAL "port 80/tcp on 0.0.0.0 is already forwarded for another user"
/* What lowportd says while the user's own old lease holds the port */
#define OWN_CONFLICT                                                           \
	"port 80/tcp on 0.0.0.0 is already forwarded by your lease "           \
	"0123456789abcdef"
/* The stand-in lowportd quits after this long without a request */
#define FAKE_IDLE_MS 1000

/**
 * fake_log() - Append a line to the stand-in's log
 * @line:	Text without newline
 */
static void fake_log(const char *line)
{
	lp_autofd int fd =
		open(g_getenv(FAKE_LOG_ENV),
		     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	g_autofree char *l = g_strconcat(line, "\n", NULL);

	if (fd < 0 || write(fd, l, strlen(l)) != (ssize_t)strlen(l))
		_exit(99);
}

/**
 * fake_bind() - Bind (and listen on) one host port like pasta would
 * @proto:	Protocol
 * @addr:	Address of the forward (every address binds 0.0.0.0)
 * @port:	Port
 *
 * Return: 0 or negative errno; the socket stays open on purpose
 */
static int fake_bind(int proto, const LpAddr *addr, unsigned int port)
{
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	int fd, r;

	if (addr->family == AF_INET6) {
		fd = socket(AF_INET6, type, 0);
		if (!addr->any)
			s6.sin6_addr = addr->u.v6;
		r = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	} else {
		fd = socket(AF_INET, type, 0);
		if (addr->family == AF_INET && !addr->any)
			s4.sin_addr = addr->u.v4;
		r = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	if (r == 0 && proto == IPPROTO_TCP)
		r = listen(fd, 8);
	return r < 0 ? -errno : 0;
}

/**
 * fake_bind_all() - Bind every host port of the -t/-u arguments
 * @a:	Scanned argv
 *
 * Return: true on success; false after printing pasta's message
 */
static bool fake_bind_all(const LpPastaArgs *a)
{
	guint i, j;
	unsigned int p;
	int r;

	for (i = 0; i < a->ports->len; i++) {
		const LpPastaPortArg *x =
			&g_array_index(a->ports, LpPastaPortArg, i);

		if (!x->spec || x->spec->kind != LP_PORTSPEC_RANGES)
			continue;
		for (j = 0; j < x->spec->ranges->len; j++) {
			const LpPortRange *rg =
				&g_array_index(x->spec->ranges, LpPortRange, j);

			for (p = rg->first; !rg->exclude && p <= rg->last;
			     p++) {
				r = fake_bind(x->proto, &x->spec->addr, p);
				if (!r)
					continue;
				fprintf(stderr,
					"Failed to bind port %u (%s), exiting\n",
					p, g_strerror(-r));
				return false;
			}
		}
	}
	return true;
}

/**
 * fake_daemonize() - Fork the stand-in's daemon like pasta's __daemon()
 * @a:		Scanned argv
 * @mode:	Stand-in mode
 *
 * The parent writes the --pid file (not in "nopid-daemon" and "hang"),
 * logs the daemon's PID, and exits 0 (hangs in "hang"). The daemon starts
 * a new session and lets go of stdout and stderr.
 *
 * Return: exit status, in the parent
 */
static int fake_daemonize(const LpPastaArgs *a, const char *mode)
{
	bool hang = !strcmp(mode, "hang");
	int devnull = open("/dev/null", O_RDWR);
	g_autofree char *pid_text = NULL;
	pid_t pid = fork();

	if (pid > 0) {
		pid_text = g_strdup_printf("%d\n", (int)pid);
		if (a->pid_file && !hang && strcmp(mode, "nopid-daemon"))
			g_file_set_contents(a->pid_file, pid_text, -1, NULL);
		fake_log(g_strchomp(pid_text));
		while (hang)
			pause();
		_exit(0);
	}
	setsid();
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	if (!strcmp(mode, "stubborn"))
		signal(SIGTERM, SIG_IGN);
	if (!strcmp(mode, "short")) {
		g_usleep(300 * 1000);
		_exit(0);
	}
	for (;;)
		pause();
}

/**
 * fake_pasta_main() - A stand-in pasta: binds, daemonizes, writes --pid
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Modes ($LP_TEST_FAKE_PASTA): "ok"; "fail" (an error, exit 2);
 * "inuse-once" (first run fails with EADDRINUSE); "stubborn" (ignores
 * SIGTERM); "nopid" (exits 0 without a PID or daemon); "nopid-daemon"
 * (daemonizes, but writes no PID); "hang" (forks its daemon, writes no PID,
 * never exits); "short" (its daemon quits after 300 ms).
 *
 * Return: exit status
 */
static int fake_pasta_main(int argc, char **argv)
{
	const char *mode = g_getenv(FAKE_ENV);
	g_autoptr(LpPastaArgs) a = lp_pasta_args_parse(argc, argv, NULL);
	g_autofree char *line = g_strjoinv(" ", argv + 1);
	g_autofree char *marker =
		g_strconcat(g_getenv(FAKE_LOG_ENV), ".once", NULL);

	fake_log(line);
	if (a->info) {
		printf("pasta 2025_05_12.fake\n");
		return 0;
	}
	if (!strcmp(mode, "fail")) {
		fprintf(stderr, "Some pasta error\non two lines\n");
		return 2;
	}
	if (!strcmp(mode, "inuse-once") &&
	    !g_file_test(marker, G_FILE_TEST_EXISTS)) {
		g_file_set_contents(marker, "", 0, NULL);
		fprintf(stderr,
			"Failed to bind port 61234 (Address already in use) for option '-t ...', exiting\n");
		return 1;
	}
	if (!strcmp(mode, "nopid"))
		return 0;
	if (!fake_bind_all(a))
		return 1;
	return fake_daemonize(a, mode);
}

/*
 * Flow - one shim run against the stand-ins
 * @dir:	Temporary directory
 * @sock:	lowportd socket path
 * @report:	What the stand-in lowportd saw in the first request
 * @count:	"REQUESTS SAME": requests it got, and how many of the later
 *		ones were the same as the first (pidfd's PID, mappings)
 * @log:	What the stand-in pasta saw
 * @lowportd:	Stand-in lowportd's PID, 0 if none
 * @elapsed:	How long the shim ran, in microseconds
 */
typedef struct {
	char *dir;
	char *sock;
	char *report;
	char *count;
	char *log;
	pid_t lowportd;
	gint64 elapsed;
} Flow;

/**
 * flow_setup() - Environment for the shim: stand-in pasta, socket, runtime dir
 * @f:		Flow to fill
 * @mode:	Stand-in pasta mode
 */
static void flow_setup(Flow *f, const char *mode)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *script =
		g_strdup_printf("#!/bin/sh\nexec '%s' \"$@\"\n", self);
	g_autofree char *pasta = NULL;
	g_autofree char *run = NULL;

	f->dir = g_dir_make_tmp("lp-shim-flow-XXXXXX", NULL);
	f->sock = g_build_filename(f->dir, "lowportd.sock", NULL);
	f->report = g_build_filename(f->dir, "report", NULL);
	f->count = g_build_filename(f->dir, "count", NULL);
	f->log = g_build_filename(f->dir, "pasta.log", NULL);
	run = g_build_filename(f->dir, "run", NULL);
	g_assert_no_errno(g_mkdir(run, 0700));
	pasta = make_file(f->dir, "pasta", script, 0755);
	g_setenv(LP_FRONT_PASTA_ENV_REAL, pasta, TRUE);
	g_setenv(LP_CORE_ENV_POLICY, "/nonexistent", TRUE);
	g_setenv("LOWPORT_SOCKET", f->sock, TRUE);
	g_setenv("XDG_RUNTIME_DIR", run, TRUE);
	g_setenv(FAKE_ENV, mode, TRUE);
	g_setenv(FAKE_LOG_ENV, f->log, TRUE);
}

/**
 * rm_tree() - Remove a directory and everything in it
 * @path:	Directory
 */
static void rm_tree(const char *path)
{
	g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(path, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			rm_tree(p);
		else
			g_unlink(p);
	}
	g_rmdir(path);
}

/**
 * flow_clear() - Remove a flow's files
 * @f:	Flow
 */
static void flow_clear(Flow *f)
{
	rm_tree(f->dir);
	g_free(f->dir);
	g_free(f->sock);
	g_free(f->report);
	g_free(f->count);
	g_free(f->log);
}

/*
 * FakeScript - what the stand-in lowportd answers, one request per
 * connection
 * @own:	Conflicts with the user's own lease (OWN_CONFLICT) before the
 *		final answer; -1: nothing else, until FAKE_IDLE_MS pass
 *		without a request
 * @code:	Final answer: refusal code (message REFUSAL), LP_ERR_MAX to
 *		grant
 */
typedef struct {
	int own;
	LpErrorCode code;
} FakeScript;

/**
 * fake_lowportd_read() - Accept one connection and read its request
 * @lfd:	Listening socket
 * @ret_fd:	The connection
 * @ret_text:	What the request says: netns, pidfd's PID, mappings
 *
 * Return: 0, or an exit status for the stand-in
 */
static int fake_lowportd_read(int lfd, int *ret_fd, GString *ret_text)
{
	char buf[LP_REQUEST_MAX], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf)};
	g_autoptr(LpRequest) req = NULL;
	g_autofree char *fdinfo = NULL, *text = NULL;
	lp_autofd int pidfd = -1;
	struct cmsghdr *cm;
	const char *p;
	ssize_t n;
	guint i;

	*ret_fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	n = recvmsg(*ret_fd, &mh, MSG_CMSG_CLOEXEC);
	if (*ret_fd < 0 || n <= 0)
		return 10;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&pidfd, CMSG_DATA(cm), sizeof(int));
	req = lp_request_parse(buf, (size_t)n, NULL);
	if (!req || req->op != LP_OP_FORWARD || pidfd < 0)
		return 11;
	g_string_append_printf(ret_text, "netns=%s\n", req->netns);
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
	return 0;
}

/**
 * fake_lowportd_reply() - Answer a request
 * @fd:		Connection
 * @code:	Refusal code, LP_ERR_MAX to grant
 * @message:	Refusal message
 *
 * Return: 0, or an exit status for the stand-in
 */
static int fake_lowportd_reply(int fd, LpErrorCode code, const char *message)
{
	g_autoptr(LpReply) reply = NULL;
	g_autofree char *line = NULL;
	size_t len;

	reply = code == LP_ERR_MAX ? lp_reply_new_ok()
				   : lp_reply_new_error(code, "%s", message);
	if (code == LP_ERR_MAX)
		reply->lease_id = g_strdup("abc123");
	line = lp_reply_serialize(reply, LP_OP_FORWARD, &len);
	return write(fd, line, len) == (ssize_t)len ? 0 : 12;
}

/**
 * fake_lowportd_serve() - The stand-in lowportd: requests, scripted replies
 * @lfd:	Listening socket
 * @f:		Flow: @report and @count are written
 * @sc:		Script
 *
 * Return: exit status for the child
 */
static int fake_lowportd_serve(int lfd, const Flow *f, const FakeScript *sc)
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
			g_file_set_contents(f->report, first, -1, NULL);
		}
		same += n && !strcmp(first, text->str);
		r = fake_lowportd_reply(fd, own ? LP_ERR_CONFLICT : sc->code,
					own ? OWN_CONFLICT : REFUSAL);
		if (r)
			break;
	}
	count = g_strdup_printf("%u %u\n", n, same);
	g_file_set_contents(f->count, count, -1, NULL);
	return r;
}

/**
 * flow_lowportd() - Start the stand-in lowportd
 * @f:		Flow
 * @own:	Own-lease conflicts first, -1 for ever (see FakeScript)
 * @code:	Then: refusal code, LP_ERR_MAX to grant
 */
static void flow_lowportd(Flow *f, int own, LpErrorCode code)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const FakeScript sc = {own, code};

	g_strlcpy(sun.sun_path, f->sock, sizeof(sun.sun_path));
	g_assert_no_errno(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)));
	g_assert_no_errno(listen(lfd, 4));
	f->lowportd = fork();
	g_assert_cmpint(f->lowportd, >=, 0);
	if (f->lowportd == 0) {
		alarm(20);
		_exit(fake_lowportd_serve(lfd, f, &sc));
	}
	close(lfd);
}

/**
 * flow_count() - How many requests the stand-in lowportd got
 * @f:		Flow, after flow_run()
 * @ret_same:	How many of the later ones equal the first
 *
 * Return: number of requests
 */
static unsigned int flow_count(const Flow *f, unsigned int *ret_same)
{
	g_autofree char *text = NULL;
	unsigned int n;

	g_assert_true(g_file_get_contents(f->count, &text, NULL, NULL));
	g_assert_cmpint(sscanf(text, "%u %u", &n, ret_same), ==, 2);
	return n;
}

/**
 * flow_run() - Run lp_front_pasta_main() in a child, output captured
 * @f:		Flow
 * @line:	Arguments after argv[0]
 * @ret_out:	Its stdout and stderr
 *
 * Return: its exit status
 */
static int flow_run(Flow *f, const char *line, char **ret_out)
{
	g_autofree char *out = g_build_filename(f->dir, "out", NULL);
	g_autofree char *full = g_strconcat("pasta ", line, NULL);
	int status, fd;
	pid_t pid;

	f->elapsed = g_get_monotonic_time();
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		g_auto(GStrv) argv = NULL;
		int argc;

		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
		    !g_shell_parse_argv(full, &argc, &argv, NULL))
			_exit(98);
		alarm(30);
		status = lp_front_pasta_main(argc, argv);
		fflush(NULL);
		_exit(status);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	f->elapsed = g_get_monotonic_time() - f->elapsed;
	g_assert_true(WIFEXITED(status));
	g_assert_true(g_file_get_contents(out, ret_out, NULL, NULL));
	if (f->lowportd) {
		int st;

		g_assert_cmpint(waitpid(f->lowportd, &st, 0), ==, f->lowportd);
		g_assert_true(WIFEXITED(st));
		g_assert_cmpint(WEXITSTATUS(st), ==, 0);
	}
	return WEXITSTATUS(status);
}

/**
 * flow_log_lines() - The stand-in pasta's log
 * @f:	Flow
 *
 * Return: its lines (g_strfreev() them); runs are "ARGV" then "PID" lines
 */
static char **flow_log_lines(const Flow *f)
{
	g_autofree char *text = NULL;

	if (!g_file_get_contents(f->log, &text, NULL, NULL))
		return g_new0(char *, 1);
	g_strchomp(text);
	return g_strsplit(text, "\n", -1);
}

/**
 * pid_gone() - Tell whether a process has exited
 * @pid:	PID
 *
 * Return: true if it has (or never existed)
 */
static bool pid_gone(pid_t pid)
{
	lp_autofd int fd = pidfd_open(pid, 0);
	struct pollfd pfd = {fd, POLLIN, 0};

	return fd < 0 || poll(&pfd, 1, 0) == 1;
}

/**
 * ppid_of() - Parent of a process
 * @pid:	PID
 *
 * Return: its parent's PID
 */
static pid_t ppid_of(pid_t pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
	g_autofree char *text = NULL;
	int ppid = -1;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpint(sscanf(strrchr(text, ')') + 1, " %*c %d", &ppid), ==,
			1);
	return ppid;
}

/**
 * flow_kill() - Stop a stand-in pasta daemon the shim left running
 * @pid:	Its PID
 */
static void flow_kill(pid_t pid)
{
	lp_autofd int fd = pidfd_open(pid, 0);

	if (fd >= 0)
		g_assert_cmpint(lp_core_reap_stop(fd, 2000), ==, 0);
}

/**
 * flow_check_run_dir() - Our --pid file is gone after the run
 * @f:	Flow
 */
static void flow_check_run_dir(const Flow *f)
{
	g_autoptr(GDir) d = g_dir_open(g_getenv("XDG_RUNTIME_DIR"), 0, NULL);

	g_assert_nonnull(d);
	g_assert_null(g_dir_read_name(d));
}

/**
 * sweep_hung_pasta() - Start a pasta that forks its daemon and hangs
 * @f:		Flow set up in "hang" mode
 *
 * Return: its daemon's PID, after run_argv() gave up on it
 */
static pid_t sweep_hung_pasta(const Flow *f)
{
	char *argv[] = {"pasta", "--netns", "/n", NULL};
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) log = NULL;
	LpCoreRun run = {0};

	g_unlink(f->log);
	g_assert_false(run_argv(g_getenv(LP_FRONT_PASTA_ENV_REAL), argv, 1500,
				&run, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_REAL);
	lp_core_spawn_run_clear(&run);
	log = flow_log_lines(f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	return atoi(log[1]);
}

/**
 * test_sweep() - A pasta timed out after forking: its daemon is found
 *
 * In a subprocess: it becomes a subreaper, and the sweep stops every child.
 */
static void test_sweep(void)
{
	Flow f = {0};
	pid_t pid;

	if (!g_test_subprocess()) {
		g_test_trap_subprocess(
			NULL, 60 * G_USEC_PER_SEC,
			G_TEST_SUBPROCESS_INHERIT_STDOUT |
				G_TEST_SUBPROCESS_INHERIT_STDERR);
		g_test_trap_assert_passed();
		return;
	}
	flow_setup(&f, "hang");
	/* without a subreaper the daemon escapes: nothing to find */
	pid = sweep_hung_pasta(&f);
	g_assert_false(pid_gone(pid));
	g_assert_cmpint(lp_core_reap_sweep(1000), ==, 0);
	g_assert_false(pid_gone(pid));
	flow_kill(pid);
	/* as a subreaper: the daemon is ours once pasta's parent is killed */
	g_assert_cmpint(lp_core_reap_adopt_orphans(), ==, 0);
	pid = sweep_hung_pasta(&f);
	g_assert_cmpint(ppid_of(pid), ==, getpid());
	g_assert_cmpint(lp_core_reap_sweep(1000), ==, 1);
	g_assert_true(pid_gone(pid));
	g_assert_cmpint(lp_core_reap_sweep(1000), ==, 0);
	/* not our child: left alone */
	g_assert_cmpint(lp_core_reap_stop_child(getppid(), 1000), ==, -ECHILD);
	flow_clear(&f);
}

/* Podman 5.8 argv with -p 80:80 and -p 8080:8080 */
#define FLOW_ARGV                                                              \
	"--config-net -t 80-80:80-80 -t 8080-8080:8080-8080 -u none " TAIL58

/**
 * flow_granted() - Granted: exit 0, silent, pasta runs on the backend port
 */
static void flow_granted(void)
{
	g_autofree char *out = NULL, *report = NULL, *want = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};
	unsigned int backend, same;
	pid_t pid;

	/* stand in for Podman's nearest subreaper: pasta's daemon is ours
	 * once the shim exits, as it would be without the shim */
	g_assert_no_errno(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	flow_setup(&f, "ok");
	flow_lowportd(&f, 0, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 0);
	g_assert_cmpstr(out, ==, "");
	/* the shim waited for nothing but pasta's parent and the pipe */
	g_assert_cmpint(f.elapsed, <, LP_CORE_PIPE_GRACE_MS * 1000);
	g_assert_cmpuint(flow_count(&f, &same), ==, 1);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_cmpint(sscanf(strstr(log[0], " -t ") + 4, "%u-", &backend), ==,
			1);
	g_assert_cmpuint(backend, >, 60999);
	g_assert_true(g_str_has_prefix(log[0], "--pid "));
	g_assert_nonnull(strstr(log[0], " -t 8080-8080:8080-8080 "));
	pid = atoi(log[1]);
	g_assert_false(pid_gone(pid));
	g_assert_cmpint(ppid_of(pid), ==, getpid());
	g_assert_true(g_file_get_contents(f.report, &report, NULL, NULL));
	want = g_strdup_printf("netns=%s\npid=%d\ntcp 0.0.0.0/0 80 %u 1\n",
			       NETNS, (int)pid, backend);
	g_assert_cmpstr(report, ==, want);
	flow_check_run_dir(&f);
	/* the backend is what pasta holds */
	g_assert_cmpint(lp_core_ports_try_bind(IPPROTO_TCP,
					       &(LpAddr){AF_UNSPEC}, backend),
			==, -EADDRINUSE);
	flow_kill(pid);
	flow_clear(&f);
}

/**
 * flow_refused() - Refused: one "lowport:" line, exit 1, pasta stopped
 * @mode:	Stand-in pasta mode: "ok", or "stubborn" (needs SIGKILL)
 */
static void flow_refused_mode(const char *mode)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int same;
	Flow f = {0};

	flow_setup(&f, mode);
	flow_lowportd(&f, 0, LP_ERR_CONFLICT);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_cmpstr(out, ==, "lowport: " REFUSAL "\n");
	/* another user's lease: asked once, never again */
	g_assert_cmpuint(flow_count(&f, &same), ==, 1);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_check_run_dir(&f);
	flow_clear(&f);
}

static void flow_refused(void)
{
	flow_refused_mode("ok");
}

static void flow_refused_stubborn(void)
{
	flow_refused_mode("stubborn");
}

/**
 * flow_not_running() - No lowportd: the message says how to start it
 */
static void flow_not_running(void)
{
	g_autofree char *out = NULL, *want = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};

	flow_setup(&f, "ok");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	want = g_strdup_printf("lowport: lowportd is not running (no socket at "
			       "%s); start it with: systemctl enable --now "
			       "lowportd.socket\n",
			       f.sock);
	g_assert_cmpstr(out, ==, want);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_clear(&f);
}

/**
 * flow_pasta_fails() - pasta's own failure: its output and status, as is
 */
static void flow_pasta_fails(void)
{
	g_autofree char *out = NULL;
	Flow f = {0};

	flow_setup(&f, "fail");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 2);
	g_assert_cmpstr(out, ==, "Some pasta error\non two lines\n");
	flow_check_run_dir(&f);
	flow_clear(&f);
}

/**
 * flow_retry() - A backend port taken meanwhile: other ports, then granted
 */
static void flow_retry(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int b1, b2;
	Flow f = {0};

	flow_setup(&f, "inuse-once");
	flow_lowportd(&f, 0, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 0);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 3);
	g_assert_cmpint(sscanf(strstr(log[0], " -t ") + 4, "%u-", &b1), ==, 1);
	g_assert_cmpint(sscanf(strstr(log[1], " -t ") + 4, "%u-", &b2), ==, 1);
	g_assert_cmpuint(b1, !=, b2);
	flow_kill(atoi(log[2]));
	flow_clear(&f);
}

/**
 * flow_no_pid() - pasta exits 0 without a PID: refused, not hung
 */
static void flow_no_pid(void)
{
	g_autofree char *out = NULL;
	Flow f = {0};

	flow_setup(&f, "nopid");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_true(g_str_has_prefix(out, "lowport: pasta started but left "
					    "no PID"));
	g_assert_cmpuint(strlen(out), ==, strcspn(out, "\n") + 1);
	flow_clear(&f);
}

/**
 * flow_own_lease_retry() - Our old lease goes away: asked again, granted
 */
static void flow_own_lease_retry(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int same;
	Flow f = {0};

	flow_setup(&f, "ok");
	flow_lowportd(&f, 2, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 0);
	g_assert_cmpstr(out, ==, "");
	/* the same request from the same pasta, three times */
	g_assert_cmpuint(flow_count(&f, &same), ==, 3);
	g_assert_cmpuint(same, ==, 2);
	g_assert_cmpint(f.elapsed, >=,
			2 * (LP_CORE_LEASE_OWN_RETRY_MS - 10) * 1000);
	g_assert_cmpint(f.elapsed, <, LP_CORE_LEASE_OWN_WAIT_MS * 1000);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_false(pid_gone(atoi(log[1])));
	flow_kill(atoi(log[1]));
	flow_clear(&f);
}

/**
 * flow_own_lease_stays() - Our old lease stays: refused after a bounded wait
 */
static void flow_own_lease_stays(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	unsigned int n, same;
	Flow f = {0};

	flow_setup(&f, "ok");
	flow_lowportd(&f, -1, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_cmpstr(out, ==, "lowport: " OWN_CONFLICT "\n");
	g_assert_cmpint(f.elapsed, >=, LP_CORE_LEASE_OWN_WAIT_MS * 1000);
	g_assert_cmpint(f.elapsed, <,
			(LP_CORE_LEASE_OWN_WAIT_MS + 1500) * 1000);
	/* about every LP_CORE_LEASE_OWN_RETRY_MS: paced, not a busy loop */
	n = flow_count(&f, &same);
	g_assert_cmpuint(n, >=, 10);
	g_assert_cmpuint(
		n, <=,
		LP_CORE_LEASE_OWN_WAIT_MS / LP_CORE_LEASE_OWN_RETRY_MS + 2);
	g_assert_cmpuint(same, ==, n - 1);
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_check_run_dir(&f);
	flow_clear(&f);
}

/**
 * flow_own_lease_pasta_quits() - No more asking once our pasta is gone
 */
static void flow_own_lease_pasta_quits(void)
{
	g_autofree char *out = NULL;
	unsigned int same;
	Flow f = {0};

	flow_setup(&f, "short");
	flow_lowportd(&f, -1, LP_ERR_MAX);
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_cmpstr(out, ==, "lowport: " OWN_CONFLICT "\n");
	g_assert_cmpint(f.elapsed, <, LP_CORE_LEASE_OWN_WAIT_MS * 1000 / 2);
	g_assert_cmpuint(flow_count(&f, &same), <,
			 LP_CORE_LEASE_OWN_WAIT_MS /
				 LP_CORE_LEASE_OWN_RETRY_MS / 2);
	flow_clear(&f);
}

/**
 * flow_no_pid_daemon() - pasta daemonized but wrote no PID: it is stopped
 */
static void flow_no_pid_daemon(void)
{
	g_autofree char *out = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};

	flow_setup(&f, "nopid-daemon");
	g_assert_cmpint(flow_run(&f, FLOW_ARGV, &out), ==, 1);
	g_assert_true(g_str_has_prefix(out, "lowport: pasta started but left "
					    "no PID"));
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 2);
	g_assert_true(pid_gone(atoi(log[1])));
	flow_check_run_dir(&f);
	flow_clear(&f);
}

/**
 * flow_passthrough() - --version and unprivileged calls reach pasta as is
 */
static void flow_passthrough(void)
{
	const char *plain = "--config-net -t 8080-8080:80-80 -u none " TAIL58;
	g_autofree char *out = NULL, *out2 = NULL;
	g_auto(GStrv) log = NULL;
	Flow f = {0};

	flow_setup(&f, "ok");
	g_assert_cmpint(flow_run(&f, "--version", &out), ==, 0);
	g_assert_cmpstr(out, ==, "pasta 2025_05_12.fake\n");
	g_assert_cmpint(flow_run(&f, plain, &out2), ==, 0);
	g_assert_cmpstr(out2, ==, "");
	log = flow_log_lines(&f);
	g_assert_cmpuint(g_strv_length(log), ==, 3);
	g_assert_cmpstr(log[0], ==, "--version");
	g_assert_cmpstr(log[1], ==, plain);
	flow_kill(atoi(log[2]));
	flow_clear(&f);
}

int main(int argc, char **argv)
{
	guint i;

	if (g_getenv(FAKE_ENV))
		return fake_pasta_main(argc, argv);
	test_have_netns = test_probe_netns();
	g_test_init(&argc, &argv, NULL);

	for (i = 0; i < G_N_ELEMENTS(rewrite_cases); i++) {
		g_autofree char *path = g_strdup_printf("/shim/rewrite/%s",
							rewrite_cases[i].name);

		g_test_add_data_func(path, &rewrite_cases[i], test_rewrite);
	}
	g_test_add_func("/shim/scan/fields", test_scan_fields);
	g_test_add_func("/shim/scan/flags", test_scan_flags);
	g_test_add_func("/shim/plan/refuse", test_refuse);
	g_test_add_func("/shim/plan/not-overlapping", test_not_overlapping);
	g_test_add_func("/shim/plan/limits", test_limits);
	g_test_add_func("/shim/plan/mappings", test_mappings);
	g_test_add_func("/shim/plan/bad-backend", test_bad_backend);
	g_test_add_func("/shim/plan/names-port", test_names_port);
	g_test_add_data_func("/shim/ports/skip-taken", ports_skip_taken,
			     test_in_netns);
	g_test_add_data_func("/shim/ports/contiguous", ports_contiguous,
			     test_in_netns);
	g_test_add_data_func("/shim/ports/wrap", ports_wrap, test_in_netns);
	g_test_add_data_func("/shim/ports/used-and-several",
			     ports_used_and_several, test_in_netns);
	g_test_add_data_func("/shim/ports/exhausted", ports_exhausted,
			     test_in_netns);
	g_test_add_func("/shim/ports/window", test_ports_window);
	g_test_add_func("/shim/exec/search", test_search);
	g_test_add_func("/shim/exec/find-pasta", test_find_pasta);
	g_test_add_func("/shim/exec/read-pid", test_read_pid);
	g_test_add_func("/shim/exec/pid-file", test_pid_file);
	g_test_add_func("/shim/exec/run", test_run);
	g_test_add_func("/shim/exec/stop", test_stop);
	g_test_add_func("/shim/exec/sweep", test_sweep);
	g_test_add_data_func("/shim/flow/granted", flow_granted, test_in_netns);
	g_test_add_data_func("/shim/flow/refused", flow_refused, test_in_netns);
	g_test_add_data_func("/shim/flow/refused-stubborn",
			     flow_refused_stubborn, test_in_netns);
	g_test_add_data_func("/shim/flow/not-running", flow_not_running,
			     test_in_netns);
	g_test_add_data_func("/shim/flow/pasta-fails", flow_pasta_fails,
			     test_in_netns);
	g_test_add_data_func("/shim/flow/retry", flow_retry, test_in_netns);
	g_test_add_data_func("/shim/flow/no-pid", flow_no_pid, test_in_netns);
	g_test_add_data_func("/shim/flow/no-pid-daemon", flow_no_pid_daemon,
			     test_in_netns);
	g_test_add_data_func("/shim/flow/own-lease-retry", flow_own_lease_retry,
			     test_in_netns);
	g_test_add_data_func("/shim/flow/own-lease-stays", flow_own_lease_stays,
			     test_in_netns);
	g_test_add_data_func("/shim/flow/own-lease-pasta-quits",
			     flow_own_lease_pasta_quits, test_in_netns);
	g_test_add_data_func("/shim/flow/passthrough", flow_passthrough,
			     test_in_netns);

	return g_test_run();
}
