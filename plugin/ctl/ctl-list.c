// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl-list.c - lowportctl list: the leases lowportd holds, table or JSON
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/addr.h"
#include "ctl/ctl.h"
#include "netutils/protocol.h"

/* DATAPATH: "steer" (BPF sk_lookup) or "nat" (DNAT), per mapping */
static const char *const list_columns[] = {
	"ID",		"USER",		"FRONT",	   "PROTO", "DATAPATH",
	"HOST ADDRESS", "HOST PORT(S)", "BACKEND PORT(S)", "PID",   "AGE",
};

#define LIST_NCOLUMNS G_N_ELEMENTS(list_columns)

/**
 * lp_ctl_list_format_age() - Short human age: 5s, 3m, 2h, 4d
 * @seconds:	Age; negative (clock set back) reads as 0
 *
 * Return: newly allocated text
 */
char *lp_ctl_list_format_age(int64_t seconds)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "s", seconds);
	if (seconds < 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "m", seconds / 60);
	if (seconds < 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "h", seconds / 3600);
	return g_strdup_printf("%" G_GINT64_FORMAT "d", seconds / 86400);
}

/**
 * list_user_name() - User name of a uid, or the uid itself
 * @uid:	User ID
 *
 * Return: newly allocated name
 */
static char *list_user_name(uid_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res)
		return g_strdup(res->pw_name);
	return g_strdup_printf("%u", (unsigned int)uid);
}

/**
 * list_ports() - Text of a port block: "80" or "500-600"
 * @first:	First port
 * @range:	Number of ports
 *
 * Return: newly allocated text
 */
static char *list_ports(unsigned int first, unsigned int range)
{
	if (range <= 1)
		return g_strdup_printf("%u", first);
	return g_strdup_printf("%u-%u", first, first + range - 1);
}

/**
 * list_address() - Host address column: "*" for every local address
 * @a:		Scope
 *
 * Return: newly allocated text
 */
static char *list_address(const LpAddr *a)
{
	char buf[LP_ADDR_STRLEN];

	if (a->family == AF_UNSPEC)
		return g_strdup("*");
	return g_strdup(lp_addr_format(a, buf, sizeof(buf)));
}

/**
 * list_add_rows() - One table row per mapping of a lease
 * @rows:	GPtrArray of GStrv, LIST_NCOLUMNS cells each
 * @info:	Lease
 * @now:	Current Unix time
 */
static void list_add_rows(GPtrArray *rows, const LpLeaseInfo *info, int64_t now)
{
	unsigned int i;

	for (i = 0; i < info->mappings->len; i++) {
		const LpMapping *m =
			&g_array_index(info->mappings, LpMapping, i);
		char **row = g_new0(char *, LIST_NCOLUMNS + 1);

		row[0] = g_strdup(info->id);
		row[1] = list_user_name(info->uid);
		row[2] = g_strdup(lp_front_name(info->front));
		row[3] = g_strdup(lp_proto_name(m->proto));
		row[4] = g_strdup(lp_datapath_name(m->datapath));
		row[5] = list_address(&m->addr);
		row[6] = list_ports(m->host_port, m->range);
		row[7] = list_ports(m->backend_port, m->range);
		row[8] = g_strdup_printf("%d", (int)info->pid);
		row[9] = lp_ctl_list_format_age(now - info->created);
		g_ptr_array_add(rows, row);
	}
}

/**
 * list_print_row() - Print cells padded to the column widths
 * @row:	LIST_NCOLUMNS cells
 * @widths:	Column widths in characters
 */
static void list_print_row(const char *const *row, const size_t *widths)
{
	unsigned int i;

	for (i = 0; i < LIST_NCOLUMNS; i++) {
		size_t w = g_utf8_strlen(row[i], -1);

		fputs(row[i], stdout);
		if (i + 1 == LIST_NCOLUMNS)
			break;
		for (; w < widths[i] + 2; w++)
			putchar(' ');
	}
	putchar('\n');
}

/**
 * list_print_table() - Print rows under the header, columns aligned
 * @rows:	GPtrArray of GStrv
 */
static void list_print_table(GPtrArray *rows)
{
	size_t widths[LIST_NCOLUMNS];
	unsigned int i, j;

	for (j = 0; j < LIST_NCOLUMNS; j++)
		widths[j] = strlen(list_columns[j]);
	for (i = 0; i < rows->len; i++) {
		char **row = g_ptr_array_index(rows, i);

		for (j = 0; j < LIST_NCOLUMNS; j++)
			widths[j] = MAX(widths[j],
					(size_t)g_utf8_strlen(row[j], -1));
	}
	list_print_row(list_columns, widths);
	for (i = 0; i < rows->len; i++)
		list_print_row((const char *const *)g_ptr_array_index(rows, i),
			       widths);
}

/**
 * list_print_json() - Print the leases array, pretty
 * @leases:	GPtrArray of LpLeaseInfo
 */
static void list_print_json(const GPtrArray *leases)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = lp_leases_to_json(leases);
	g_autofree char *text = NULL;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_indent(gen, 2);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
}

/**
 * lp_ctl_list() - "lowportctl list [--json]": print the leases
 * @ctl:	Invocation
 * @error:	As lp_ctl_call()
 *
 * Return: TRUE if lowportd answered
 */
gboolean lp_ctl_list(const LpCtl *ctl, GError **error)
{
	g_autoptr(LpReply) reply = lp_ctl_call(ctl, LP_OP_LIST, NULL, error);
	g_autoptr(GPtrArray) rows = NULL;
	int64_t now = g_get_real_time() / G_USEC_PER_SEC;
	unsigned int i;

	/* lowportd sends them in lp_lease_order_compare() order */
	if (!reply)
		return FALSE;
	if (ctl->json) {
		list_print_json(reply->leases);
		return TRUE;
	}
	if (!reply->leases->len) {
		printf("no leases\n");
		return TRUE;
	}
	rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (i = 0; i < reply->leases->len; i++)
		list_add_rows(rows, g_ptr_array_index(reply->leases, i), now);
	list_print_table(rows);
	return TRUE;
}
