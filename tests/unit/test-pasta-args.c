// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-pasta-args.c - pasta front: argv scanning, planning and rewriting
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
	/* Podman 5.1 - 5.8 (docs/podman-interfaces.md, "pasta") */
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

int main(int argc, char **argv)
{
	guint i;

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

	return g_test_run();
}
