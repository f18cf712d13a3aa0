// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-rootlessport-config.c - rootlessport front: the JSON config Podman
 * writes to rootlessport's stdin, read and rewritten to backend ports
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/protocol.h"
#include "shim/core.h"
#include "shim/rootlessport-config.h"

/* Usual net.ipv4.ip_unprivileged_port_start */
#define UNPRIV 1024

/* The members after Mappings, as Podman 5.4 writes them */
#define TAIL                                                                   \
	"\"NetNSPath\":\"/run/user/1000/netns/netns-5c1f\",\"ExitFD\":3,"      \
	"\"ReadyFD\":4,\"TmpDir\":\"/run/user/1000/libpod/tmp\","              \
	"\"ChildIP\":\"10.89.0.2\",\"ContainerID\":\"6a22\","                  \
	"\"RootlessCNI\":false}"

/* One item of Mappings */
#define ITEM(ip, ctr, host, range, proto)                                      \
	"{\"host_ip\":\"" ip "\",\"container_port\":" #ctr                     \
	",\"host_port\":" #host ",\"range\":" #range ",\"protocol\":\"" proto  \
	"\"}"

/*
 * RewriteCase - a config, its privileged blocks, and what rootlessport gets
 * @name:	Test name
 * @in:		Config Podman writes
 * @blocks:	Blocks as "proto addr host size", ';'-separated
 * @backend:	Backend port picked for each block
 * @out:	Config the real rootlessport gets
 */
typedef struct {
	const char *name;
	const char *in;
	const char *blocks;
	uint16_t backend[4];
	const char *out;
} RewriteCase;

static const RewriteCase rewrite_cases[] = {
	{
		"podman-5.4",
		"{\"Mappings\":[" ITEM("", 80, 80, 1, "tcp") "]," TAIL,
		"tcp 0.0.0.0 80 1",
		{61080},
		"{\"Mappings\":[" ITEM("", 80, 61080, 1, "tcp") "]," TAIL,
	},
	{
		"tcp-and-udp",
		"{\"Mappings\":[" ITEM("", 53, 53, 1, "tcp,udp") "]," TAIL,
		"tcp 0.0.0.0 53 1;udp 0.0.0.0 53 1",
		{61053, 62053},
		"{\"Mappings\":[" ITEM("", 53, 61053, 1, "tcp") "," ITEM(
			"", 53, 62053, 1, "udp") "]," TAIL,
	},
	{
		"straddling-range",
		"{\"Mappings\":[" ITEM("", 1020, 1020, 11, "tcp") "]," TAIL,
		"tcp 0.0.0.0 1020 4",
		{62560},
		"{\"Mappings\":[" ITEM("", 1020, 62560, 4, "tcp") "," ITEM(
			"", 1024, 1024, 7, "tcp") "]," TAIL,
	},
	{
		"other-items-untouched",
		"{\"Mappings\":[" ITEM("", 8080, 8080, 1, "tcp") "," ITEM(
			"127.0.0.1", 80, 80, 1,
			"tcp") "," ITEM("", 9, 9, 1, "sctp") "]," TAIL,
		"tcp 127.0.0.1 80 1",
		{61080},
		"{\"Mappings\":[" ITEM("", 8080, 8080, 1, "tcp") "," ITEM(
			"127.0.0.1", 80, 61080, 1,
			"tcp") "," ITEM("", 9, 9, 1, "sctp") "]," TAIL,
	},
	{
		"sctp-beside-tcp",
		"{\"Mappings\":[" ITEM("::1", 443, 443, 2,
				       "sctp,tcp") "]," TAIL,
		"tcp ::1 443 2",
		{61443},
		"{\"Mappings\":[" ITEM("::1", 443, 443, 2, "sctp") "," ITEM(
			"::1", 443, 61443, 2, "tcp") "]," TAIL,
	},
	{
		"unknown-members-kept",
		"{\"Future\":{\"a\":[1,2.5,null]},\"Mappings\":[{\"host_port\":80,"
		"\"container_port\":8080,\"x\":true}],\"NetNSPath\":\"/n\"}",
		"tcp 0.0.0.0 80 1",
		{61080},
		"{\"Future\":{\"a\":[1,2.5,null]},\"Mappings\":[{\"host_port\":"
		"61080,\"container_port\":8080,\"x\":true,\"range\":1,"
		"\"protocol\":\"tcp\"}],\"NetNSPath\":\"/n\"}",
	},
};

/**
 * blocks_text() - The blocks of a config as "proto addr host size;..."
 * @c:	Config
 *
 * Return: the text (g_free() it)
 */
static char *blocks_text(const LpRootlessportConfig *c)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < c->blocks->len; i++) {
		const LpCoreBlock *b =
			&g_array_index(c->blocks, LpCoreBlock, i);
		char a[LP_ADDR_STRLEN];

		g_string_append_printf(s, "%s%s %s %u %u", i ? ";" : "",
				       lp_proto_name(b->proto),
				       lp_addr_format(&b->addr, a, sizeof(a)),
				       b->host_port, b->size);
	}
	return g_string_free(s, FALSE);
}

/**
 * test_rewrite() - Blocks and rewritten config; the result has no
 * privileged port left
 * @data:	RewriteCase
 */
static void test_rewrite(gconstpointer data)
{
	const RewriteCase *tc = data;
	g_autoptr(LpRootlessportConfig) c = NULL, back = NULL;
	g_autofree char *blocks = NULL, *out = NULL;
	g_autoptr(GError) error = NULL;

	c = lp_rootlessport_config_parse(tc->in, strlen(tc->in), UNPRIV,
					 &error);
	g_assert_no_error(error);
	g_assert_false(c->unparsable);
	blocks = blocks_text(c);
	g_assert_cmpstr(blocks, ==, tc->blocks);
	out = lp_rootlessport_config_rewrite(c, tc->backend);
	g_assert_cmpstr(out, ==, tc->out);

	back = lp_rootlessport_config_parse(out, strlen(out), UNPRIV, &error);
	g_assert_no_error(error);
	g_assert_false(back->unparsable);
	g_assert_cmpuint(back->blocks->len, ==, 0);
}

/**
 * test_fields() - NetNSPath, ExitFD and ReadyFD are read
 */
static void test_fields(void)
{
	static const char in[] =
		"{\"Mappings\":[" ITEM("", 80, 80, 1, "tcp") "]," TAIL;
	static const char none[] = "{\"Mappings\":null,\"ExitFD\":-3}";
	g_autoptr(LpRootlessportConfig) c = NULL, d = NULL;

	c = lp_rootlessport_config_parse(in, strlen(in), UNPRIV, NULL);
	g_assert_cmpstr(c->netns, ==, "/run/user/1000/netns/netns-5c1f");
	g_assert_cmpint(c->exit_fd, ==, 3);
	g_assert_cmpint(c->ready_fd, ==, 4);
	d = lp_rootlessport_config_parse(none, strlen(none), UNPRIV, NULL);
	g_assert_false(d->unparsable);
	g_assert_null(d->netns);
	g_assert_cmpint(d->exit_fd, ==, -1);
	g_assert_cmpint(d->ready_fd, ==, -1);
	g_assert_cmpuint(d->blocks->len, ==, 0);
}

/**
 * test_passthrough() - No privileged TCP/UDP port: no blocks; range 0 is 1
 */
static void test_passthrough(void)
{
	static const char *const in[] = {
		"{\"Mappings\":[" ITEM("", 80, 8080, 1, "tcp") "]," TAIL,
		"{\"Mappings\":[" ITEM("", 80, 1024, 0, "udp") "]," TAIL,
		"{\"Mappings\":[" ITEM("", 80, 80, 1, "sctp") "]," TAIL,
		"{\"Mappings\":[]," TAIL,
		"{" TAIL,
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(in); i++) {
		g_autoptr(LpRootlessportConfig) c = NULL;
		g_autoptr(GError) error = NULL;

		c = lp_rootlessport_config_parse(in[i], strlen(in[i]), UNPRIV,
						 &error);
		g_assert_no_error(error);
		g_assert_false(c->unparsable);
		g_assert_cmpuint(c->blocks->len, ==, 0);
	}
	/* with every port unprivileged, port 80 is too */
	{
		g_autoptr(LpRootlessportConfig) c = NULL;

		c = lp_rootlessport_config_parse(in[0], strlen(in[0]), 0, NULL);
		g_assert_cmpuint(c->blocks->len, ==, 0);
	}
}

/**
 * test_unparsable() - What rootlessport would not read: left to it
 */
static void test_unparsable(void)
{
	static const char *const in[] = {
		"",
		"not json",
		"[1]",
		"{\"Mappings\":{}}",
		"{\"Mappings\":[1]}",
		"{\"Mappings\":[{\"container_port\":80}]}",
		"{\"Mappings\":[" ITEM("", 80, 0, 1, "tcp") "]}",
		"{\"Mappings\":[" ITEM("", 80, 70000, 1, "tcp") "]}",
		"{\"Mappings\":[" ITEM("", 80, 65530, 10, "tcp") "]}",
		"{\"Mappings\":[" ITEM("", 65530, 80, 10, "tcp") "]}",
		"{\"Mappings\":[" ITEM("bogus", 80, 80, 1, "tcp") "]}",
		"{\"Mappings\":[{\"host_port\":\"80\",\"container_port\":80}]}",
		"{\"Mappings\":[{\"host_port\":80.5,\"container_port\":80}]}",
		"{\"Mappings\":[" ITEM("", 80, 80, -1, "tcp") "]}",
		"{\"Mappings\":[{\"host_port\":80,\"container_port\":80,"
		"\"protocol\":7}]}",
		"{\"Mappings\":[" ITEM("", 80, 8080, 1, "tcp") ",7]}",
	};
	guint i;

	for (i = 0; i < G_N_ELEMENTS(in); i++) {
		g_autoptr(LpRootlessportConfig) c = NULL;
		g_autoptr(GError) error = NULL;

		c = lp_rootlessport_config_parse(in[i], strlen(in[i]), UNPRIV,
						 &error);
		g_assert_no_error(error);
		g_assert_true(c->unparsable);
		g_assert_cmpuint(c->blocks->len, ==, 0);
	}
}

/**
 * test_refuse() - A port named twice, too many ports, too long a config
 */
static void test_refuse(void)
{
	static const char twice[] =
		"{\"Mappings\":[" ITEM("", 80, 80, 1, "tcp") "," ITEM(
			"127.0.0.1", 8080, 79, 2, "tcp") "]," TAIL;
	static const char other_proto[] = "{\"Mappings\":[" ITEM(
		"", 80, 80, 1, "tcp") "," ITEM("", 80, 80, 1, "udp") "]," TAIL;
	g_autoptr(LpRootlessportConfig) c = NULL;
	g_autoptr(GString) many = g_string_new("{\"Mappings\":[");
	g_autoptr(GError) error = NULL;
	g_autofree char *big = NULL;
	guint i;

	g_assert_null(lp_rootlessport_config_parse(twice, strlen(twice), UNPRIV,
						   &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS);
	g_assert_cmpstr(error->message, ==,
			"privileged host port 80/tcp is forwarded twice");
	g_clear_error(&error);

	c = lp_rootlessport_config_parse(other_proto, strlen(other_proto),
					 UNPRIV, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(c->blocks->len, ==, 2);

	for (i = 1; i <= LP_MAPPINGS_MAX + 1; i++)
		g_string_append_printf(many,
				       "%s{\"host_port\":%u,"
				       "\"container_port\":80}",
				       i > 1 ? "," : "", i);
	g_string_append(many, "]}");
	g_assert_null(lp_rootlessport_config_parse(many->str, many->len, UNPRIV,
						   &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS);
	g_assert_nonnull(strstr(error->message, "too many privileged ports"));
	g_clear_error(&error);

	big = g_strnfill(LP_ROOTLESSPORT_CONFIG_MAX + 1, ' ');
	g_assert_null(lp_rootlessport_config_parse(
		big, LP_ROOTLESSPORT_CONFIG_MAX + 1, UNPRIV, &error));
	g_assert_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS);
}

int main(int argc, char **argv)
{
	guint i;

	g_test_init(&argc, &argv, NULL);

	for (i = 0; i < G_N_ELEMENTS(rewrite_cases); i++) {
		g_autofree char *path = g_strdup_printf(
			"/rootlessport/rewrite/%s", rewrite_cases[i].name);

		g_test_add_data_func(path, &rewrite_cases[i], test_rewrite);
	}
	g_test_add_func("/rootlessport/fields", test_fields);
	g_test_add_func("/rootlessport/passthrough", test_passthrough);
	g_test_add_func("/rootlessport/unparsable", test_unparsable);
	g_test_add_func("/rootlessport/refuse", test_refuse);

	return g_test_run();
}
