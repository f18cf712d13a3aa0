// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-ctl-list.c - what lowportctl list and status print of the data path,
 * against a unix socket server that answers like lowportd (a steered lease
 * cannot be made without BPF steering in the daemon, so the reply is canned)
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ctl/ctl.h"
#include "netutils/util.h"

/* A list reply: one lease, TCP port 80 steered, UDP port 53 by NAT */
static const char test_list_reply[] =
	"{\"version\":1,\"ok\":true,\"leases\":[{\"id\":\"3fa9c01b2d7e\","
	"\"uid\":0,\"pid\":1234,\"front\":\"pasta\",\"created\":1,"
	"\"mappings\":[{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":80,"
	"\"backend_port\":30080,\"range\":1,\"datapath\":\"steer\"},"
	"{\"proto\":\"udp\",\"host_addr\":\"\",\"host_port\":53,"
	"\"backend_port\":30053,\"range\":1}]}]}\n";

/* Status replies: with the data path, and from a lowportd without it */
static const char test_status_steer[] =
	"{\"version\":1,\"ok\":true,\"status\":{\"version\":\"0.2.0\","
	"\"leases\":1,\"leases_total\":1,\"table\":true,\"datapath\":\"steer\","
	"\"datapath_reason\":\"BPF sk_lookup; policy datapath = auto\"}}\n";
static const char test_status_old[] =
	"{\"version\":1,\"ok\":true,\"status\":{\"version\":\"0.1.0\","
	"\"leases\":1,\"leases_total\":1,\"table\":true}}\n";

/*
 * TestServer - answers one request with a canned line
 * @listen_fd:	Listening socket
 * @reply:	The line
 */
typedef struct {
	int listen_fd;
	const char *reply;
} TestServer;

/**
 * test_server_run() - Thread: accept, read the request line, answer
 * @data:	TestServer
 *
 * Return: NULL
 */
static gpointer test_server_run(gpointer data)
{
	TestServer *srv = data;
	lp_autofd int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	size_t len = strlen(srv->reply);
	char c = 0;

	g_assert_cmpint(fd, >=, 0);
	while (c != '\n' && read(fd, &c, 1) == 1)
		;
	g_assert_cmpint(write(fd, srv->reply, len), ==, (ssize_t)len);
	return NULL;
}

/**
 * test_ctl_output() - Run a lowportctl command against a canned answer
 * @fn:		lp_ctl_list or lp_ctl_status
 * @json:	--json
 * @reply:	What the server answers
 *
 * Return: what the command printed on stdout, caller frees
 */
static char *test_ctl_output(gboolean (*fn)(const LpCtl *, GError **),
			     gboolean json, const char *reply)
{
	g_autofree char *dir = g_dir_make_tmp("lowport-ctl-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "lowportd.sock", NULL);
	g_autofree char *out = g_build_filename(dir, "stdout", NULL);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	TestServer srv = {.reply = reply};
	LpCtl ctl = {.socket_path = path, .json = json, .timeout_ms = 5000};
	g_autoptr(GError) error = NULL;
	lp_autofd int saved = -1, file = -1;
	GThread *thread;
	char *text = NULL;

	g_assert_nonnull(dir);
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	srv.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(
		bind(srv.listen_fd, (struct sockaddr *)&sun, sizeof(sun)), ==,
		0);
	g_assert_cmpint(listen(srv.listen_fd, 1), ==, 0);
	thread = g_thread_new("server", test_server_run, &srv);

	/* the command prints to stdout: point it at a file meanwhile */
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	file = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	g_assert_cmpint(file, >=, 0);
	g_assert_cmpint(dup2(file, STDOUT_FILENO), ==, STDOUT_FILENO);
	g_assert_true(fn(&ctl, &error));
	fflush(stdout);
	g_assert_cmpint(dup2(saved, STDOUT_FILENO), ==, STDOUT_FILENO);
	g_assert_no_error(error);

	g_thread_join(thread);
	close(srv.listen_fd);
	g_assert_true(g_file_get_contents(out, &text, NULL, NULL));
	g_unlink(out);
	g_unlink(path);
	g_rmdir(dir);
	return text;
}

/**
 * test_row() - The cells of the table row holding a word
 * @lines:	Output lines, the header first
 * @word:	Cell to look for
 *
 * Return: cells split on blanks, caller frees
 */
static char **test_row(char **lines, const char *word)
{
	unsigned int i;

	for (i = 1; lines[i]; i++) {
		g_auto(GStrv) cells = g_strsplit_set(lines[i], " ", -1);

		if (g_strv_contains((const char *const *)cells, word))
			return g_strsplit_set(g_strstrip(lines[i]), " ", -1);
	}
	g_error("no row with %s", word);
	return NULL;
}

/**
 * test_cell() - Cell of a row under a header column, blanks squeezed
 * @header:	Header line
 * @row:	Row cells (g_strsplit_set() on blanks, empty cells included)
 * @column:	Column name, one word
 *
 * Return: the cell, borrowed from @row
 */
static const char *test_cell(const char *header, char **row, const char *column)
{
	g_auto(GStrv) names = g_strsplit_set(header, " ", -1);
	unsigned int i, k = 0, want = G_MAXUINT;

	for (i = 0; names[i]; i++) {
		if (!*names[i])
			continue;
		if (!strcmp(names[i], column))
			want = k;
		k++;
	}
	g_assert_cmpuint(want, !=, G_MAXUINT);
	for (i = 0, k = 0; row[i]; i++) {
		if (!*row[i])
			continue;
		if (k++ == want)
			return row[i];
	}
	g_error("row has no cell %u", want);
	return NULL;
}

/**
 * test_list_table() - DATAPATH column: steer for the steered TCP mapping,
 *		       nat for the UDP one
 */
static void test_list_table(void)
{
	g_autofree char *out =
		test_ctl_output(lp_ctl_list, FALSE, test_list_reply);
	g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
	g_auto(GStrv) tcp = NULL, udp = NULL;

	g_assert_true(g_str_has_prefix(lines[0], "ID "));
	g_assert_nonnull(strstr(lines[0], " PROTO "));
	g_assert_nonnull(strstr(lines[0], " DATAPATH "));
	tcp = test_row(lines, "30080");
	udp = test_row(lines, "30053");
	g_assert_cmpstr(test_cell(lines[0], tcp, "PROTO"), ==, "tcp");
	g_assert_cmpstr(test_cell(lines[0], tcp, "DATAPATH"), ==, "steer");
	g_assert_cmpstr(test_cell(lines[0], tcp, "FRONT"), ==, "pasta");
	g_assert_cmpstr(test_cell(lines[0], udp, "PROTO"), ==, "udp");
	g_assert_cmpstr(test_cell(lines[0], udp, "DATAPATH"), ==, "nat");
}

/**
 * test_list_json() - --json passes "datapath" for the steered mapping only
 */
static void test_list_json(void)
{
	g_autofree char *out =
		test_ctl_output(lp_ctl_list, TRUE, test_list_reply);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *lease, *tcp, *udp;
	JsonArray *mappings;

	g_assert_true(json_parser_load_from_data(parser, out, -1, &error));
	g_assert_no_error(error);
	lease = json_array_get_object_element(
		json_node_get_array(json_parser_get_root(parser)), 0);
	mappings = json_object_get_array_member(lease, "mappings");
	tcp = json_array_get_object_element(mappings, 0);
	udp = json_array_get_object_element(mappings, 1);
	g_assert_cmpstr(json_object_get_string_member(tcp, "datapath"), ==,
			"steer");
	g_assert_false(json_object_has_member(udp, "datapath"));
}

/**
 * test_status() - status says the data path; nat from an older lowportd
 */
static void test_status(void)
{
	g_autofree char *steer =
		test_ctl_output(lp_ctl_status, FALSE, test_status_steer);
	g_autofree char *old =
		test_ctl_output(lp_ctl_status, FALSE, test_status_old);

	g_assert_nonnull(strstr(steer, "\ndata path:           steer\n"));
	g_assert_nonnull(strstr(old, "\ndata path:           nat\n"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ctl-list/table", test_list_table);
	g_test_add_func("/ctl-list/json", test_list_json);
	g_test_add_func("/ctl-list/status", test_status);
	return g_test_run();
}
