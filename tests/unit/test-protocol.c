// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-protocol.c - wire protocol round trips, strictness, and the client
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "netutils/client.h"
#include "netutils/protocol.h"
#include "netutils/reply.h"
#include "netutils/request.h"
#include "test-protocol-equal.h"
#include "netutils/util.h"

#define LIST   "{\"version\":1,\"op\":\"list\""
#define FWD(m) "{\"version\":1,\"op\":\"forward\",\"mappings\":[" m "]}"
#define MAP80                                                                  \
	"{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":80,"              \
	"\"backend_port\":30080}"
#define RE(x) "{\"version\":1,\"ok\":true," x "}"
#define LEASE0(x)                                                              \
	RE("\"leases\":[{\"id\":\"ab\",\"uid\":1000,\"pid\":7,"                \
	   "\"created\":5,\"mappings\":[" x "]}]")

/* The examples of the protocol description, byte for byte */
static const char *const wire_requests[] = {
	"{\"version\":1,\"op\":\"forward\",\"netns\":\"/run/user/1000/netns/"
	"netns-x\",\"front\":\"pasta\",\"mappings\":[{\"proto\":\"tcp\","
	"\"host_addr\":\"\",\"host_port\":80,\"backend_port\":30080,"
	"\"range\":1}]}\n",
	"{\"version\":1,\"op\":\"release\",\"id\":\"3fa9c01b2d7e\"}\n",
	"{\"version\":1,\"op\":\"list\"}\n",
	"{\"version\":1,\"op\":\"status\"}\n",
	"{\"version\":1,\"op\":\"forward\",\"front\":\"rootlessport\","
	"\"retry\":2,\"mappings\":[{\"proto\":\"tcp\",\"host_addr\":\"\","
	"\"host_port\":80,\"backend_port\":30080,\"range\":1}]}\n",
	"{\"version\":1,\"op\":\"forward\",\"front\":\"pasta\","
	"\"listeners\":2,\"mappings\":[{\"proto\":\"tcp\",\"host_addr\":\"\","
	"\"host_port\":80,\"backend_port\":30080,\"range\":2}]}\n",
};

static const struct {
	LpOp op;
	const char *line;
} wire_replies[] = {
	{LP_OP_FORWARD,
	 "{\"version\":1,\"ok\":true,\"lease\":{\"id\":\"3fa9c01b2d7e\"}}\n"},
	{LP_OP_RELEASE, "{\"version\":1,\"ok\":true}\n"},
	{LP_OP_LIST,
	 "{\"version\":1,\"ok\":true,\"leases\":[{\"id\":\"3fa9c01b2d7e\","
	 "\"uid\":1000,\"pid\":1234,\"netns\":\"/run/user/1000/netns/x\","
	 "\"front\":\"pesto\",\"created\":1763800000,\"mappings\":[{\"proto\":\"udp\","
	 "\"host_addr\":\"192.0.2.10\",\"host_port\":53,\"backend_port\":"
	 "30053,\"range\":1}]}]}\n"},
	{LP_OP_STATUS,
	 "{\"version\":1,\"ok\":true,\"status\":{\"version\":\"0.1.0\","
	 "\"leases\":3,\"leases_total\":7,\"table\":true}}\n"},
	{LP_OP_FORWARD,
	 "{\"version\":1,\"ok\":false,\"error\":{\"code\":\"not-granted\","
	 "\"message\":\"port 81/tcp on 0.0.0.0 is not granted to user alice "
	 "(uid 1000)\"}}\n"},
	{LP_OP_FORWARD,
	 "{\"version\":1,\"ok\":false,\"error\":{\"code\":\"conflict\","
	 "\"message\":\"port 80/tcp on 0.0.0.0 is already forwarded by your "
	 "lease 3fa9c01b2d7e, whose process 1234 is exiting\",\"retry\":true}}"
	 "\n"},
	{LP_OP_LIST,
	 "{\"version\":1,\"ok\":true,\"leases\":[{\"id\":\"3fa9c01b2d7e\","
	 "\"uid\":1000,\"pid\":1234,\"front\":\"pasta\",\"created\":1,"
	 "\"mappings\":[{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":80,"
	 "\"backend_port\":30080,\"range\":1,\"datapath\":\"steer\"},"
	 "{\"proto\":\"udp\",\"host_addr\":\"\",\"host_port\":80,"
	 "\"backend_port\":30080,\"range\":1}]}]}\n"},
	{LP_OP_STATUS,
	 "{\"version\":1,\"ok\":true,\"status\":{\"version\":\"0.2.0\","
	 "\"leases\":0,\"leases_total\":0,\"table\":false,\"datapath\":"
	 "\"nat\",\"datapath_reason\":\"policy datapath = nat\"}}\n"},
};

/**
 * add_mapping() - Append a mapping to an array
 * @a:		GArray of LpMapping
 * @proto:	"tcp" or "udp"
 * @addr:	Host address text
 * @host:	Host port
 * @backend:	Backend port
 * @range:	Port count
 */
static void add_mapping(GArray *a, const char *proto, const char *addr,
			unsigned int host, unsigned int backend,
			unsigned int range)
{
	LpMapping m = {0};

	m.proto = lp_proto_parse(proto);
	g_assert_cmpint(lp_addr_parse(addr, &m.addr), ==, 0);
	m.host_port = host;
	m.backend_port = backend;
	m.range = range;
	g_array_append_val(a, m);
}

/**
 * request_round_trip() - Serialize, parse, compare; return the line
 * @req:	Request
 *
 * Return: the serialized line
 */
static char *request_round_trip(const LpRequest *req)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) back = NULL;
	size_t len;
	char *line = lp_request_serialize(req, &len);

	g_assert_cmpuint(len, ==, strlen(line));
	g_assert_true(g_str_has_suffix(line, "}\n"));
	g_assert_true(strchr(line, '\n') == line + len - 1);
	back = lp_request_parse(line, len, &error);
	g_assert_no_error(error);
	g_assert_true(lp_test_protocol_equal_request(req, back));
	return line;
}

static void test_request_round_trip(void)
{
	g_autoptr(LpRequest) fwd = lp_request_new(LP_OP_FORWARD);
	g_autoptr(LpRequest) rel = lp_request_new(LP_OP_RELEASE);
	g_autofree char *line = NULL;
	LpOp op;

	fwd->netns = g_strdup("/run/user/1000/netns/netns-\"q\"\n\x01é😀");
	add_mapping(fwd->mappings, "tcp", "", 80, 30080, 1);
	add_mapping(fwd->mappings, "udp", "0.0.0.0", 53, 30053, 1);
	add_mapping(fwd->mappings, "tcp", "::", 443, 30443, 1);
	add_mapping(fwd->mappings, "tcp", "192.0.2.10", 500, 40000, 101);
	add_mapping(fwd->mappings, "udp", "2001:db8::1", 1, 65535, 1);
	add_mapping(fwd->mappings, "tcp", "::ffff:192.0.2.1", 65535, 1, 1);
	line = request_round_trip(fwd);
	g_assert_nonnull(strstr(line, "\"netns\":\"/run/user/1000/netns/"
				      "netns-\\\"q\\\"\\n\\u0001é😀\""));
	g_assert_nonnull(strstr(line, "\"host_addr\":\"\","));
	g_assert_nonnull(strstr(line, "\"host_addr\":\"::ffff:192.0.2.1\""));
	g_clear_pointer(&line, g_free);

	rel->id = g_strdup("0123456789abcdef");
	line = request_round_trip(rel);
	g_clear_pointer(&line, g_free);
	for (op = LP_OP_LIST; op < LP_OP_MAX; op++) {
		g_autoptr(LpRequest) req = lp_request_new(op);

		line = request_round_trip(req);
		g_clear_pointer(&line, g_free);
	}
}

/**
 * test_request_front() - "front": absent is pasta (shims before fronts),
 * every known name is kept, anything else is refused with a clear error
 */
static void test_request_front(void)
{
	static const char *const names[] = {"pasta", "rootlessport", "pesto"};
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) old = NULL, bad = NULL, neg = NULL;
	const char *line = FWD(MAP80);
	unsigned int i;

	old = lp_request_parse(line, strlen(line), &error);
	g_assert_no_error(error);
	g_assert_cmpint(old->front, ==, LP_FRONT_PASTA);
	g_assert_cmpuint(old->retry, ==, 0);
	for (i = 0; i < LP_ELEMENTSOF(names); i++) {
		g_autofree char *l = g_strdup_printf(
			"{\"version\":1,\"op\":\"forward\",\"front\":\"%s\","
			"\"mappings\":[" MAP80 "]}",
			names[i]);
		g_autoptr(LpRequest) req =
			lp_request_parse(l, strlen(l), &error);

		g_assert_no_error(error);
		g_assert_cmpint(req->front, ==, i);
		g_assert_cmpstr(lp_front_name(req->front), ==, names[i]);
	}
	line = "{\"version\":1,\"op\":\"forward\",\"front\":\"slirp4netns\","
	       "\"mappings\":[" MAP80 "]}";
	bad = lp_request_parse(line, strlen(line), &error);
	g_assert_null(bad);
	g_assert_error(error, LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_MALFORMED);
	g_assert_nonnull(strstr(error->message, "unknown front 'slirp4netns' "
						"(expected pasta, rootlessport "
						"or pesto)"));
	g_clear_error(&error);
	line = "{\"version\":1,\"op\":\"forward\",\"retry\":1001,"
	       "\"mappings\":[" MAP80 "]}";
	neg = lp_request_parse(line, strlen(line), &error);
	g_assert_null(neg);
	g_assert_error(error, LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_MALFORMED);
}

/**
 * test_request_listeners() - "listeners": absent is 0 and 0 is not written,
 * 1..LP_LISTENERS_MAX round-trip, anything else is refused with a clear error
 */
static void test_request_listeners(void)
{
	static const struct {
		const char *value;
		const char *msg;
	} bad[] = {
		{"33", "malformed request: listeners: 33 is not a listener "
		       "count (0-32)"},
		{"-1", "malformed request: listeners: -1 is not a listener "
		       "count (0-32)"},
		{"\"2\"", "malformed request: listeners: expected an integer, "
			  "got a string"},
		{"1.5", "malformed request: listeners: expected an integer, "
			"got a number"},
		{"true", "malformed request: listeners: expected an integer, "
			 "got a boolean"},
		{"null", "malformed request: listeners: expected an integer, "
			 "got null"},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) old = NULL;
	const char *line = FWD(MAP80);
	unsigned int i, n;

	old = lp_request_parse(line, strlen(line), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(old->listeners, ==, 0);
	for (n = 0; n <= LP_LISTENERS_MAX; n++) {
		g_autofree char *l = g_strdup_printf(
			"{\"version\":1,\"op\":\"forward\",\"listeners\":%u,"
			"\"mappings\":[" MAP80 "]}",
			n);
		g_autoptr(LpRequest) req =
			lp_request_parse(l, strlen(l), &error);
		g_autofree char *back = NULL;

		g_assert_no_error(error);
		g_assert_cmpuint(req->listeners, ==, n);
		back = request_round_trip(req);
		g_assert_true((strstr(back, "\"listeners\":") != NULL) == !!n);
	}
	for (i = 0; i < LP_ELEMENTSOF(bad); i++) {
		g_autofree char *l = g_strdup_printf(
			"{\"version\":1,\"op\":\"forward\",\"listeners\":%s,"
			"\"mappings\":[" MAP80 "]}",
			bad[i].value);
		g_autoptr(GError) e = NULL;

		g_test_message("case %u: %s", i, l);
		g_assert_null(lp_request_parse(l, strlen(l), &e));
		g_assert_error(e, LP_PROTOCOL_ERROR,
			       LP_PROTOCOL_ERROR_MALFORMED);
		g_assert_cmpstr(e->message, ==, bad[i].msg);
	}
}

static void test_request_wire_examples(void)
{
	unsigned int i;

	for (i = 0; i < LP_ELEMENTSOF(wire_requests); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(LpRequest) req = NULL;
		g_autofree char *line = NULL;

		req = lp_request_parse(wire_requests[i],
				       strlen(wire_requests[i]), &error);
		g_assert_no_error(error);
		line = lp_request_serialize(req, NULL);
		g_assert_cmpstr(line, ==, wire_requests[i]);
	}
}

/**
 * reply_round_trip() - Serialize for @op, parse, compare
 * @reply:	Reply
 * @op:		Operation it answers
 */
static void reply_round_trip(const LpReply *reply, LpOp op)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) back = NULL;
	g_autofree char *line = NULL;
	size_t len;

	line = lp_reply_serialize(reply, op, &len);
	g_assert_cmpuint(len, ==, strlen(line));
	g_assert_true(strchr(line, '\n') == line + len - 1);
	back = lp_reply_parse(line, len, &error);
	g_assert_no_error(error);
	g_assert_true(lp_test_protocol_equal_reply(reply, back));
}

static void test_reply_round_trip(void)
{
	g_autoptr(LpReply) fwd = lp_reply_new_ok();
	g_autoptr(LpReply) rel = lp_reply_new_ok();
	g_autoptr(LpReply) list = lp_reply_new_ok();
	g_autoptr(LpReply) empty = lp_reply_new_ok();
	g_autoptr(LpReply) status = lp_reply_new_ok();
	LpLeaseInfo *a = lp_lease_info_new(), *b = lp_lease_info_new();

	fwd->lease_id = g_strdup("3fa9c01b2d7e");
	reply_round_trip(fwd, LP_OP_FORWARD);
	reply_round_trip(rel, LP_OP_RELEASE);

	a->id = g_strdup("a1");
	a->uid = 1000;
	a->pid = 1234;
	a->netns = g_strdup("/run/user/1000/netns/x");
	a->created = 1763800000;
	add_mapping(a->mappings, "tcp", "", 80, 30080, 1);
	add_mapping(a->mappings, "udp", "::1", 1000, 31000, 24);
	g_array_index(a->mappings, LpMapping, 0).datapath = LP_DATAPATH_STEER;
	b->id = g_strdup("zz9");
	b->uid = 4294967294u;
	b->pid = G_MAXINT32;
	b->created = G_MAXINT64;
	add_mapping(b->mappings, "tcp", "192.0.2.10", 443, 8443, 1);
	g_ptr_array_add(list->leases, a);
	g_ptr_array_add(list->leases, b);
	reply_round_trip(list, LP_OP_LIST);
	reply_round_trip(empty, LP_OP_LIST);

	status->status.version = g_strdup("0.1.0");
	status->status.leases = 3;
	status->status.leases_total = G_MAXUINT32;
	status->status.table_present = TRUE;
	reply_round_trip(status, LP_OP_STATUS);
	status->status.table_present = FALSE;
	reply_round_trip(status, LP_OP_STATUS);
	status->status.datapath = LP_DATAPATH_STEER;
	reply_round_trip(status, LP_OP_STATUS);
	status->status.datapath_reason =
		g_strdup("BPF sk_lookup; policy datapath = auto");
	reply_round_trip(status, LP_OP_STATUS);
}

/**
 * test_reply_datapath_reason_bounded() - A long reason is cut on encoding at
 *					  a character boundary, refused on
 *					  decoding
 */
static void test_reply_datapath_reason_bounded(void)
{
	g_autoptr(LpReply) status = lp_reply_new_ok();
	g_autoptr(LpReply) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) reason = g_string_new("x");
	g_autofree char *line = NULL, *forged = NULL;
	size_t len;

	while (reason->len < LP_STATUS_REASON_MAX + 8)
		g_string_append(reason, "\xc3\xa9"); /* two-byte character */
	status->status.version = g_strdup("1");
	status->status.datapath = LP_DATAPATH_NAT;
	status->status.datapath_reason = g_strdup(reason->str);
	line = lp_reply_serialize(status, LP_OP_STATUS, &len);
	back = lp_reply_parse(line, len, &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->status.datapath, ==, LP_DATAPATH_NAT);
	g_assert_cmpuint(strlen(back->status.datapath_reason), ==,
			 LP_STATUS_REASON_MAX - 1);
	g_assert_true(
		g_str_has_prefix(reason->str, back->status.datapath_reason));

	forged = g_strdup_printf(
		RE("\"status\":{\"version\":\"1\",\"leases\":0,"
		   "\"leases_total\":0,\"table\":true,\"datapath\":\"nat\","
		   "\"datapath_reason\":\"%s\"}"),
		reason->str);
	lp_reply_free(g_steal_pointer(&back));
	back = lp_reply_parse(forged, strlen(forged), &error);
	g_assert_null(back);
	g_assert_error(error, LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_MALFORMED);
	g_assert_cmpstr(error->message, ==,
			"malformed reply: status.datapath_reason: longer than "
			"256 bytes");
	g_clear_error(&error);

	/* a reason without a data path (no such lowportd) is dropped */
	g_free(forged);
	forged = g_strdup(RE("\"status\":{\"version\":\"1\",\"leases\":0,"
			     "\"leases_total\":0,\"table\":true,"
			     "\"datapath_reason\":\"why\"}"));
	back = lp_reply_parse(forged, strlen(forged), &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->status.datapath, ==, -1);
	g_assert_null(back->status.datapath_reason);
}

/**
 * test_request_datapath_ignored() - A request cannot choose a data path: a
 *				     "datapath" member of its mappings is
 *				     ignored and never written
 */
static void test_request_datapath_ignored(void)
{
	static const char in[] =
		"{\"version\":1,\"op\":\"forward\",\"mappings\":[{\"proto\":"
		"\"tcp\",\"host_addr\":\"\",\"host_port\":80,\"backend_port\":"
		"30080,\"datapath\":\"steer\"}]}\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) req = lp_request_parse(in, strlen(in), &error);
	g_autofree char *line = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(g_array_index(req->mappings, LpMapping, 0).datapath,
			 ==, LP_DATAPATH_NAT);
	g_array_index(req->mappings, LpMapping, 0).datapath = LP_DATAPATH_STEER;
	line = lp_request_serialize(req, NULL);
	g_assert_null(strstr(line, "datapath"));
}

static void test_reply_every_error_code(void)
{
	LpErrorCode code;

	for (code = 0; code < LP_ERR_MAX; code++) {
		g_autoptr(LpReply) reply =
			lp_reply_new_error(code, "refused %s (%d)", "x", code);
		g_autofree char *line =
			lp_reply_serialize(reply, LP_OP_LIST, NULL);
		g_autofree char *want = g_strdup_printf(
			"\"code\":\"%s\"", lp_error_code_name(code));

		g_assert_false(reply->ok);
		g_assert_cmpint(
			lp_error_code_from_name(lp_error_code_name(code)), ==,
			code);
		g_assert_nonnull(strstr(line, want));
		g_assert_null(strstr(line, "\"leases\""));
		reply_round_trip(reply, LP_OP_FORWARD);
	}
	g_assert_cmpstr(lp_error_code_name(LP_ERR_VERSION), ==,
			"unsupported-version");
	g_assert_cmpstr(lp_error_code_name(LP_ERR_PORT_IN_USE), ==,
			"port-in-use");
	g_assert_cmpstr(lp_error_code_name(LP_ERR_MAX), ==, "internal");
	g_assert_cmpint(lp_error_code_from_name("nope"), ==, -EINVAL);
}

static void test_reply_wire_examples(void)
{
	unsigned int i;

	for (i = 0; i < LP_ELEMENTSOF(wire_replies); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(LpReply) reply = NULL;
		g_autofree char *line = NULL;
		const char *in = wire_replies[i].line;

		reply = lp_reply_parse(in, strlen(in), &error);
		g_assert_no_error(error);
		line = lp_reply_serialize(reply, wire_replies[i].op, NULL);
		g_assert_cmpstr(line, ==, in);
	}
}

static void test_reply_error_message_one_line(void)
{
	g_autoptr(LpReply) reply =
		lp_reply_new_error(LP_ERR_BACKEND, "bad\nthing\t\xff here");

	g_assert_cmpstr(reply->message, ==, "bad thing \xef\xbf\xbd here");
	g_assert_cmpint(reply->code, ==, LP_ERR_BACKEND);
}

static void test_reply_unknown_code(void)
{
	static const char in[] = "{\"version\":1,\"ok\":false,\"error\":{"
				 "\"code\":\"from-the-future\",\"message\":"
				 "\"m\"},\"lease\":{\"id\":\"x\"}}";
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = lp_reply_parse(in, strlen(in), &error);

	g_assert_no_error(error);
	g_assert_false(reply->ok);
	g_assert_cmpint(reply->code, ==, LP_ERR_INTERNAL);
	g_assert_cmpstr(reply->message, ==, "m");
	g_assert_null(reply->lease_id);
}

/*
 * Malformed requests, with the exact message; a message ending in '*' is
 * a prefix (the rest comes from json-glib).
 */
static const struct {
	const char *in;
	LpProtocolError code;
	const char *msg;
} bad_requests[] = {
	{"", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: not a JSON object at byte 0"},
	{" [1]", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: not a JSON object at byte 1"},
	{"\"op\"", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: not a JSON object at byte 0"},
	{LIST "} x", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: trailing data after the JSON object at byte 26"},
	{LIST "}\n" LIST "}\n", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: trailing data after the JSON object at byte 26"},
	{LIST "}}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: trailing data after the JSON object at byte 25"},
	{LIST ",}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: <data>:1:*"},
	{LIST, LP_PROTOCOL_ERROR_MALFORMED, "malformed request: <data>:1:*"},
	{"{/**/\"version\":1}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: unexpected character at byte 1"},
	{"{'version':1}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: unexpected character at byte 1"},
	{"{\"version\":01,\"op\":\"list\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: number with leading zero at byte 11"},
	{"{\"version\":18446744073709551617,\"op\":\"list\"}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: integer out of range at byte 11"},
	{LIST ",\"x\":\"a\x01\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: control character in string at byte 29"},
	{LIST ",\"x\":\"a\\u0000\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: NUL character in string at byte 29"},
	{LIST ",\"x\":\"\\u0e9\\ud83d\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: invalid escape in string at byte 29"},
	{LIST ",\"x\":\"\\x41\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: invalid escape in string at byte 29"},
	{LIST ",\"x\":\"\\ud83d\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: unpaired surrogate in string at byte 29"},
	{LIST ",\"x\":\"\\ude00\\ud83d\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: unpaired surrogate in string at byte 29"},
	{LIST ",\"x\":\"\\ud83d\\u0041\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: unpaired surrogate in string at byte 29"},
	{LIST ",\"x\":\"a}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: unterminated string at byte 29"},
	{LIST ",\"x\":[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: nested too deeply at byte 44"},
	{"{\"version\":2,\"op\":\"list\"}", LP_PROTOCOL_ERROR_VERSION,
	 "unsupported protocol version 2 (lowport speaks version 1)"},
	{"{\"version\":0}", LP_PROTOCOL_ERROR_VERSION,
	 "unsupported protocol version 0 (lowport speaks version 1)"},
	{"{\"op\":\"list\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: version: required field is missing"},
	{"{\"version\":\"1\",\"op\":\"list\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: version: expected an integer, got a string"},
	{"{\"version\":1.0,\"op\":\"list\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: version: expected an integer, got a number"},
	{"{\"version\":1}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: op: required field is missing"},
	{"{\"version\":1,\"op\":[]}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: op: expected a string, got an array"},
	{"{\"version\":1,\"op\":\"frob\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: op: unknown operation 'frob'"},
	{"{\"version\":1,\"op\":\"forward\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings: required field is missing"},
	{"{\"version\":1,\"op\":\"forward\",\"mappings\":{}}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings: expected an array, got an object"},
	{FWD(""), LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings: 0 mappings, expected 1-64"},
	{FWD(MAP80 ",null"), LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[1]: expected an object, got null"},
	{FWD("{\"host_addr\":\"\",\"host_port\":80,\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].proto: required field is missing"},
	{FWD("{\"proto\":\"sctp\",\"host_addr\":\"\",\"host_port\":80,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].proto: 'sctp' is not tcp or udp"},
	{FWD("{\"proto\":\"TCP\",\"host_addr\":\"\",\"host_port\":80,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].proto: 'TCP' is not tcp or udp"},
	{FWD("{\"proto\":\"tcp\",\"host_port\":80,\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_addr: required field is "
	 "missing"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"[::1]\",\"host_port\":80,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_addr: '[::1]' is not an IP "
	 "address"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"1.2.3\",\"host_port\":80,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_addr: '1.2.3' is not an IP "
	 "address"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"::1\\n\",\"host_port\":80,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_addr: '::1 ' is not an IP "
	 "address"},
	{FWD(MAP80 ",{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":"
		   "70000,\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[1].host_port: 70000 is not a port "
	 "(1-65535)"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":0,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_port: 0 is not a port "
	 "(1-65535)"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":-80,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_port: -80 is not a port "
	 "(1-65535)"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":\"80\","
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_port: expected an integer, "
	 "got a string"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":true,"
	     "\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].host_port: expected an integer, "
	 "got a boolean"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":80}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].backend_port: required field is "
	 "missing"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":80,"
	     "\"backend_port\":65536}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].backend_port: 65536 is not a port "
	 "(1-65535)"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":80,"
	     "\"backend_port\":1,\"range\":0}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].range: 0 is not a port count "
	 "(1-65535)"},
	{FWD("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":65530,"
	     "\"backend_port\":1,\"range\":10}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].range: host ports 65530-65539 run "
	 "past 65535"},
	{FWD("{\"proto\":\"udp\",\"host_addr\":\"\",\"host_port\":80,"
	     "\"backend_port\":65535,\"range\":2}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: mappings[0].range: backend ports 65535-65536 "
	 "run past 65535"},
	{"{\"version\":1,\"op\":\"forward\",\"netns\":5,\"mappings\":[" MAP80
	 "]}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: netns: expected a string, got an integer"},
	{"{\"version\":1,\"op\":\"release\"}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: id: required field is missing"},
	{"{\"version\":1,\"op\":\"release\",\"id\":\"\"}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: id: '' is not a lease ID (1-16 characters a-z, "
	 "0-9)"},
	{"{\"version\":1,\"op\":\"release\",\"id\":\"ABC\"}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: id: 'ABC' is not a lease ID (1-16 characters "
	 "a-z, 0-9)"},
	{"{\"version\":1,\"op\":\"release\",\"id\":\"../x\"}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: id: '../x' is not a lease ID (1-16 characters "
	 "a-z, 0-9)"},
	{"{\"version\":1,\"op\":\"release\",\"id\":\"0123456789abcdefg\"}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: id: '0123456789abcdefg' is not a lease ID (1-16 "
	 "characters a-z, 0-9)"},
	{"{\"version\":1,\"op\":\"release\",\"id\":7}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed request: id: expected a string, got an integer"},
};

/**
 * check_request_error() - Parse and expect one exact error
 * @in:		Input
 * @len:	Its length
 * @code:	Expected LP_PROTOCOL_ERROR code
 * @msg:	Expected message; a final '*' makes it a prefix
 */
static void check_request_error(const char *in, size_t len, int code,
				const char *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) req = lp_request_parse(in, len, &error);
	size_t n = strlen(msg);

	g_assert_null(req);
	g_assert_error(error, LP_PROTOCOL_ERROR, code);
	if (msg[n - 1] == '*')
		g_assert_cmpint(strncmp(error->message, msg, n - 1), ==, 0);
	else
		g_assert_cmpstr(error->message, ==, msg);
}

static void test_request_malformed(void)
{
	unsigned int i;

	for (i = 0; i < LP_ELEMENTSOF(bad_requests); i++) {
		g_test_message("case %u: %s", i, bad_requests[i].in);
		check_request_error(bad_requests[i].in,
				    strlen(bad_requests[i].in),
				    bad_requests[i].code, bad_requests[i].msg);
	}
	check_request_error(LIST "}\0", sizeof(LIST "}\0") - 1,
			    LP_PROTOCOL_ERROR_MALFORMED,
			    "malformed request: NUL byte in input at byte 25");
	g_assert_cmpint(lp_protocol_error_code(NULL), ==, LP_ERR_INTERNAL);
}

static void test_request_long_value_excerpt(void)
{
	g_autoptr(GString) in = g_string_new("{\"version\":1,\"op\":\"");
	g_autoptr(GString) msg =
		g_string_new("malformed request: op: unknown operation '");
	unsigned int i;

	for (i = 0; i < 70; i++)
		g_string_append(in, "\xc3\xa9"); /* U+00E9, two bytes */
	for (i = 0; i < 64; i++)
		g_string_append(msg, "\xc3\xa9");
	g_string_append(in, "\"}");
	g_string_append(msg, "...'");
	check_request_error(in->str, in->len, LP_PROTOCOL_ERROR_MALFORMED,
			    msg->str);
}

static void test_request_error_codes(void)
{
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
	g_autoptr(GError) other = g_error_new_literal(G_IO_ERROR, 0, "x");
	static const char v2[] = "{\"version\":2}";

	g_assert_null(lp_request_parse("{", 1, &e1));
	g_assert_cmpint(lp_protocol_error_code(e1), ==, LP_ERR_BAD_REQUEST);
	g_assert_null(lp_request_parse(v2, sizeof(v2) - 1, &e2));
	g_assert_cmpint(lp_protocol_error_code(e2), ==, LP_ERR_VERSION);
	g_assert_null(lp_request_parse("x", LP_REQUEST_MAX + 1, &e3));
	g_assert_cmpint(lp_protocol_error_code(e3), ==, LP_ERR_TOO_LARGE);
	g_assert_cmpint(lp_protocol_error_code(other), ==, LP_ERR_INTERNAL);
}

static void test_request_unknown_fields(void)
{
	static const char in[] =
		"{\"future\":{\"a\":[1,2.5,null]},\"version\""
		":1,\"op\":\"forward\",\"mappings\":[{\"x\":"
		"true,\"proto\":\"udp\",\"host_addr\":\"::\","
		"\"host_port\":53,\"backend_port\":3053}]}\r\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) req = lp_request_parse(in, strlen(in), &error);
	const LpMapping *m;

	g_assert_no_error(error);
	g_assert_cmpint(req->op, ==, LP_OP_FORWARD);
	g_assert_null(req->netns);
	g_assert_cmpuint(req->mappings->len, ==, 1);
	m = &g_array_index(req->mappings, LpMapping, 0);
	g_assert_cmpint(m->proto, ==, IPPROTO_UDP);
	g_assert_cmpint(m->addr.family, ==, AF_INET6);
	g_assert_true(m->addr.any);
	g_assert_cmpuint(m->host_port, ==, 53);
	g_assert_cmpuint(m->backend_port, ==, 3053);
	g_assert_cmpuint(m->range, ==, 1);
}

/**
 * forward_with() - A forward request line with @n copies of a mapping
 * @n:		Number of mappings
 * @range:	Range of each
 * @netns_len:	Length of the netns field, 0 for none
 *
 * Return: the line
 */
static char *forward_with(unsigned int n, unsigned int range, size_t netns_len)
{
	g_autoptr(GString) s =
		g_string_new("{\"version\":1,\"op\":\"forward\"");
	unsigned int i;

	if (netns_len) {
		g_string_append(s, ",\"netns\":\"");
		for (i = 0; i < netns_len; i++)
			g_string_append_c(s, 'n');
		g_string_append_c(s, '"');
	}
	g_string_append(s, ",\"mappings\":[");
	for (i = 0; i < n; i++)
		g_string_append_printf(s,
				       "%s{\"proto\":\"tcp\",\"host_addr\":"
				       "\"\",\"host_port\":%u,\"backend_port\":"
				       "%u,\"range\":%u}",
				       i ? "," : "", 1 + i * range,
				       30000 + i * range, range);
	g_string_append(s, "]}\n");
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/**
 * check_parses() - Parse a request and expect success or a message
 * @in:		NUL-terminated input
 * @msg:	Expected malformed message, NULL for success
 */
static void check_parses(const char *in, const char *msg)
{
	if (msg) {
		check_request_error(in, strlen(in), LP_PROTOCOL_ERROR_MALFORMED,
				    msg);
	} else {
		g_autoptr(GError) error = NULL;
		g_autoptr(LpRequest) req =
			lp_request_parse(in, strlen(in), &error);

		g_assert_no_error(error);
		g_assert_nonnull(req);
	}
}

static void test_request_limits(void)
{
	g_autofree char *m64 = forward_with(LP_MAPPINGS_MAX, 16, 0);
	g_autofree char *m65 = forward_with(LP_MAPPINGS_MAX + 1, 1, 0);
	g_autofree char *p1024 = forward_with(2, 512, 0);
	g_autofree char *p1025 = forward_with(5, 205, 0);
	g_autofree char *ns4096 = forward_with(1, 1, LP_NETNS_MAX);
	g_autofree char *ns4097 = forward_with(1, 1, LP_NETNS_MAX + 1);

	check_parses(m64, NULL);
	check_parses(m65, "malformed request: mappings: 65 mappings, expected "
			  "1-64");
	check_parses(p1024, NULL);
	check_parses(p1025, "malformed request: mappings: 1025 ports in total, "
			    "at most 1024");
	check_parses(ns4096, NULL);
	check_parses(ns4097,
		     "malformed request: netns: longer than 4096 bytes");
}

static void test_request_size(void)
{
	g_autofree char *buf = g_malloc(LP_REQUEST_MAX + 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpRequest) req = NULL;
	static const char list[] = LIST "}";

	/* Exactly the limit, padded with whitespace and a final newline */
	memset(buf, ' ', LP_REQUEST_MAX + 1);
	memcpy(buf, list, sizeof(list) - 1);
	buf[LP_REQUEST_MAX - 1] = '\n';
	req = lp_request_parse(buf, LP_REQUEST_MAX, &error);
	g_assert_no_error(error);
	g_assert_cmpint(req->op, ==, LP_OP_LIST);
	check_request_error(buf, LP_REQUEST_MAX + 1,
			    LP_PROTOCOL_ERROR_TOO_LARGE,
			    "request too large (65537 bytes, at most 65536)");
}

static const struct {
	const char *in;
	LpProtocolError code;
	const char *msg;
} bad_replies[] = {
	{"{\"version\":2,\"ok\":true}", LP_PROTOCOL_ERROR_VERSION,
	 "unsupported protocol version 2 (lowport speaks version 1)"},
	{"{\"version\":1}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: ok: required field is missing"},
	{"{\"version\":1,\"ok\":1}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: ok: expected a boolean, got an integer"},
	{"{\"version\":1,\"ok\":false}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: error: required field is missing"},
	{"{\"version\":1,\"ok\":false,\"error\":{\"message\":\"m\"}}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: error.code: required field is missing"},
	{"{\"version\":1,\"ok\":false,\"error\":{\"code\":\"limit\"}}",
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: error.message: required field is missing"},
	{RE("\"lease\":{\"id\":\"a\"},\"status\":{}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: more than one of lease, leases, status"},
	{RE("\"lease\":[]"), LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: lease: expected an object, got an array"},
	{RE("\"lease\":{\"id\":\"A\"}"), LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: lease.id: 'A' is not a lease ID (1-16 characters "
	 "a-z, 0-9)"},
	{RE("\"leases\":[1]"), LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0]: expected an object, got an integer"},
	{RE("\"leases\":[{\"id\":\"ab\",\"uid\":-1,\"pid\":7,\"created\":5,"
	    "\"mappings\":[" MAP80 "]}]"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0].uid: -1 is not a user ID (0-4294967294)"},
	{RE("\"leases\":[{\"id\":\"ab\",\"uid\":1,\"pid\":0,\"created\":5,"
	    "\"mappings\":[" MAP80 "]}]"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0].pid: 0 is not a process ID "
	 "(1-2147483647)"},
	{RE("\"leases\":[{\"id\":\"ab\",\"uid\":1,\"pid\":1,\"mappings\":[" MAP80
	    "]}]"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0].created: required field is missing"},
	{LEASE0(""), LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0].mappings: 0 mappings, expected 1-64"},
	{LEASE0(MAP80 ",{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":"
		      "0,\"backend_port\":1}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0].mappings[1].host_port: 0 is not a port "
	 "(1-65535)"},
	{RE("\"status\":{\"version\":\"0.1\",\"leases\":1,\"leases_total\":1,"
	    "\"table\":\"yes\"}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: status.table: expected a boolean, got a string"},
	{RE("\"status\":{\"version\":\"0.1\",\"leases\":-1,\"leases_total\":1,"
	    "\"table\":true}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: status.leases: -1 is not a count (0-4294967295)"},
	{LEASE0("{\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":80,"
		"\"backend_port\":30080,\"datapath\":\"dnat\"}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0].mappings[0].datapath: 'dnat' is not nat or "
	 "steer"},
	{LEASE0(MAP80 ",{\"proto\":\"udp\",\"host_addr\":\"\",\"host_port\":"
		      "53,\"backend_port\":30053,\"datapath\":\"steer\"}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: leases[0].mappings[1].datapath: only TCP mappings "
	 "can be steered"},
	{RE("\"status\":{\"version\":\"0.1\",\"leases\":1,\"leases_total\":1,"
	    "\"table\":true,\"datapath\":\"bpf\"}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: status.datapath: 'bpf' is not nat or steer"},
	{RE("\"status\":{\"version\":\"0.1\",\"leases\":1,\"leases_total\":1,"
	    "\"table\":true,\"datapath\":\"nat\",\"datapath_reason\":7}"),
	 LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: status.datapath_reason: expected a string, got an "
	 "integer"},
	{RE("\"leases\":[]") " {}", LP_PROTOCOL_ERROR_MALFORMED,
	 "malformed reply: trailing data after the JSON object at byte 36"},
};

static void test_reply_malformed(void)
{
	g_autoptr(GError) error = NULL;
	unsigned int i;

	for (i = 0; i < LP_ELEMENTSOF(bad_replies); i++) {
		g_autoptr(GError) e = NULL;
		const char *in = bad_replies[i].in;

		g_test_message("case %u: %s", i, in);
		g_assert_null(lp_reply_parse(in, strlen(in), &e));
		g_assert_error(e, LP_PROTOCOL_ERROR, (int)bad_replies[i].code);
		g_assert_cmpstr(e->message, ==, bad_replies[i].msg);
	}
	/* Only the length is looked at before the limit check */
	g_assert_null(lp_reply_parse("{", (size_t)LP_REPLY_MAX + 1, &error));
	g_assert_error(error, LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_TOO_LARGE);
	g_assert_cmpstr(error->message, ==,
			"reply too large (67108865 bytes, at most 67108864)");
}

static void test_lease_id_valid(void)
{
	g_assert_true(lp_lease_id_valid("a"));
	g_assert_true(lp_lease_id_valid("0123456789abcdef"));
	g_assert_false(lp_lease_id_valid("0123456789abcdef0"));
	g_assert_false(lp_lease_id_valid(""));
	g_assert_false(lp_lease_id_valid(NULL));
	g_assert_false(lp_lease_id_valid("a b"));
	g_assert_false(lp_lease_id_valid("aB"));
	g_assert_cmpint(lp_op_from_name("status"), ==, LP_OP_STATUS);
	g_assert_cmpint(lp_op_from_name("STATUS"), ==, -EINVAL);
	g_assert_cmpstr(lp_op_name(LP_OP_FORWARD), ==, "forward");
}

/* Client against an in-test server thread ------------------------------- */

/*
 * TestServer - a one-connection lowportd stand-in without GLib or protocol.c
 * @listen_fd:	Listening socket
 * @reply:	Bytes to answer, NULL to close without answering
 * @split:	Send @reply in two writes with a pause in between
 * @hang:	Never answer; wait until the client hangs up
 * @expect:	File the passed descriptor must be (st_dev, st_ino)
 * @request:	Request bytes received
 * @got_fd:	Whether an SCM_RIGHTS descriptor came
 * @same_file:	Whether it was @expect
 * @fd_on_first: Whether it came with the first byte
 * @n_fds:	How many descriptors came, in all
 * @inodes:	st_ino of the first LP_CLIENT_FDS_MAX of them, in order
 */
typedef struct {
	int listen_fd;
	const char *reply;
	bool split;
	bool hang;
	struct stat expect;
	GString *request;
	bool got_fd;
	bool same_file;
	bool fd_on_first;
	unsigned int n_fds;
	ino_t inodes[LP_CLIENT_FDS_MAX];
} TestServer;

/**
 * server_take_fd() - Check and close descriptors of one recvmsg()
 * @srv:	Server
 * @msg:	Received message
 * @first:	Whether it held the request's first byte
 */
static void server_take_fd(TestServer *srv, struct msghdr *msg, bool first)
{
	struct cmsghdr *cmsg;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		size_t i, n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; i < n; i++) {
			struct stat st;
			int fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			       sizeof(fd));
			srv->got_fd = true;
			srv->fd_on_first = first;
			srv->same_file = !fstat(fd, &st) &&
					 st.st_dev == srv->expect.st_dev &&
					 st.st_ino == srv->expect.st_ino;
			if (srv->n_fds < LP_CLIENT_FDS_MAX)
				srv->inodes[srv->n_fds] = st.st_ino;
			srv->n_fds++;
			close(fd);
		}
	}
}

/**
 * server_read_request() - Read up to the first newline
 * @srv:	Server
 * @fd:		Connection
 */
static void server_read_request(TestServer *srv, int fd)
{
	while (!strchr(srv->request->str, '\n')) {
		char buf[4096],
			cbuf[CMSG_SPACE((LP_CLIENT_FDS_MAX + 1) * sizeof(int))];
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr msg = {.msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf)};
		ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);

		if (n <= 0)
			return;
		server_take_fd(srv, &msg, !srv->request->len);
		g_string_append_len(srv->request, buf, n);
	}
}

/**
 * server_run() - Thread: serve one connection
 * @data:	TestServer
 *
 * Return: NULL
 */
static gpointer server_run(gpointer data)
{
	TestServer *srv = data;
	lp_autofd int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	size_t half;
	char c;

	g_assert_cmpint(fd, >=, 0);
	server_read_request(srv, fd);
	if (srv->hang) {
		while (read(fd, &c, 1) > 0)
			;
		return NULL;
	}
	if (!srv->reply)
		return NULL;
	half = srv->split ? strlen(srv->reply) / 2 : strlen(srv->reply);
	g_assert_cmpint(write(fd, srv->reply, half), ==, half);
	if (srv->split) {
		g_usleep(50000);
		g_assert_cmpint(
			write(fd, srv->reply + half, strlen(srv->reply) - half),
			==, strlen(srv->reply) - half);
	}
	return NULL;
}

/*
 * ClientFixture - a socket directory and a listening socket in it
 */
typedef struct {
	char *dir;
	char *path;
	TestServer srv;
	GThread *thread;
} ClientFixture;

/**
 * count_fds() - Number of open descriptors of this process
 *
 * Return: count
 */
static unsigned int count_fds(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	unsigned int n = 0;

	g_assert_nonnull(dir);
	while (g_dir_read_name(dir))
		n++;
	return n;
}

static void client_setup(ClientFixture *f, gconstpointer data)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	f->dir = g_dir_make_tmp("lowport-test-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->path = g_build_filename(f->dir, "lowportd.sock", NULL);
	g_strlcpy(sun.sun_path, f->path, sizeof(sun.sun_path));
	f->srv.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(f->srv.listen_fd, >=, 0);
	g_assert_cmpint(
		bind(f->srv.listen_fd, (struct sockaddr *)&sun, sizeof(sun)),
		==, 0);
	g_assert_cmpint(listen(f->srv.listen_fd, 4), ==, 0);
	f->srv.request = g_string_new("");
}

static void client_teardown(ClientFixture *f, gconstpointer data)
{
	if (f->thread)
		g_thread_join(f->thread);
	lp_closep(&f->srv.listen_fd);
	g_string_free(f->srv.request, TRUE);
	g_unlink(f->path);
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

/**
 * client_serve() - Start the server thread with a canned answer
 * @f:		Fixture
 * @reply:	Answer, NULL to close without one
 */
static void client_serve(ClientFixture *f, const char *reply)
{
	f->srv.reply = reply;
	f->thread = g_thread_new("server", server_run, &f->srv);
}

/**
 * client_finish() - Wait for the server thread
 * @f:		Fixture
 */
static void client_finish(ClientFixture *f)
{
	g_thread_join(g_steal_pointer(&f->thread));
}

static void test_client_forward_fd(ClientFixture *f, gconstpointer data)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_FORWARD);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = NULL;
	g_autofree char *line = NULL;
	lp_autofd int fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned int fds;

	g_assert_cmpint(fstat(fd, &f->srv.expect), ==, 0);
	req->netns = g_strdup("/run/user/1000/netns/netns-x");
	add_mapping(req->mappings, "tcp", "", 80, 30080, 1);
	line = lp_request_serialize(req, NULL);
	fds = count_fds();
	client_serve(
		f, "{\"version\":1,\"ok\":true,\"lease\":{\"id\":\"ab1\"}}\n");
	reply = lp_client_call(f->path, req, fd, 5000, &error);
	client_finish(f);
	g_assert_no_error(error);
	g_assert_true(reply->ok);
	g_assert_cmpstr(reply->lease_id, ==, "ab1");
	g_assert_cmpstr(f->srv.request->str, ==, line);
	g_assert_true(f->srv.got_fd);
	g_assert_true(f->srv.fd_on_first);
	g_assert_true(f->srv.same_file);
	g_assert_cmpuint(count_fds(), ==, fds);
	g_assert_true(lp_reply_check(reply, &error));
}

/**
 * test_client_forward_fds() - A pidfd and listeners: every descriptor in one
 * SCM_RIGHTS message on the first byte, in order; the caller's stay open
 */
static void test_client_forward_fds(ClientFixture *f, gconstpointer data)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_FORWARD);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = NULL;
	int fds[LP_CLIENT_FDS_MAX];
	unsigned int i, before;
	struct stat st;

	for (i = 0; i < LP_CLIENT_FDS_MAX; i++) {
		fds[i] = i % 2 ? socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)
			       : socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		g_assert_cmpint(fds[i], >=, 0);
	}
	req->listeners = LP_LISTENERS_MAX;
	add_mapping(req->mappings, "tcp", "", 80, 30080, 1);
	before = count_fds();
	client_serve(
		f, "{\"version\":1,\"ok\":true,\"lease\":{\"id\":\"ab2\"}}\n");
	reply = lp_client_call_fds(f->path, req, fds, LP_CLIENT_FDS_MAX, 5000,
				   &error);
	client_finish(f);
	g_assert_no_error(error);
	g_assert_cmpstr(reply->lease_id, ==, "ab2");
	g_assert_true(f->srv.fd_on_first);
	g_assert_cmpuint(f->srv.n_fds, ==, LP_CLIENT_FDS_MAX);
	g_assert_nonnull(strstr(f->srv.request->str, "\"listeners\":32,"));
	for (i = 0; i < LP_CLIENT_FDS_MAX; i++) {
		g_assert_cmpint(fstat(fds[i], &st), ==, 0);
		g_assert_cmpuint(f->srv.inodes[i], ==, st.st_ino);
	}
	g_assert_cmpuint(count_fds(), ==, before);
	for (i = 0; i < LP_CLIENT_FDS_MAX; i++)
		close(fds[i]);
}

/**
 * test_client_too_many_fds() - More than LP_CLIENT_FDS_MAX descriptors are
 * refused before anything is sent
 */
static void test_client_too_many_fds(ClientFixture *f, gconstpointer data)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_FORWARD);
	g_autoptr(GError) error = NULL;
	int fds[LP_CLIENT_FDS_MAX + 1];
	unsigned int i;

	for (i = 0; i < LP_ELEMENTSOF(fds); i++)
		fds[i] = STDIN_FILENO;
	add_mapping(req->mappings, "tcp", "", 80, 30080, 1);
	g_assert_null(lp_client_call_fds(f->path, req, fds, LP_ELEMENTSOF(fds),
					 1000, &error));
	g_assert_error(error, LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_TOO_LARGE);
	g_assert_cmpstr(error->message, ==,
			"too many descriptors for one request (34, at most "
			"33)");
}

static void test_client_status_split(ClientFixture *f, gconstpointer data)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_STATUS);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = NULL;

	f->srv.split = true;
	client_serve(f, wire_replies[3].line);
	reply = lp_client_call(f->path, req, -1, 5000, &error);
	client_finish(f);
	g_assert_no_error(error);
	g_assert_false(f->srv.got_fd);
	g_assert_cmpstr(f->srv.request->str, ==, wire_requests[3]);
	g_assert_cmpstr(reply->status.version, ==, "0.1.0");
	g_assert_cmpuint(reply->status.leases, ==, 3);
	g_assert_cmpuint(reply->status.leases_total, ==, 7);
	g_assert_true(reply->status.table_present);
}

static void test_client_refused(ClientFixture *f, gconstpointer data)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_FORWARD);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = NULL;

	add_mapping(req->mappings, "tcp", "", 81, 30081, 1);
	client_serve(f, wire_replies[4].line);
	reply = lp_client_call(f->path, req, -1, 5000, &error);
	client_finish(f);
	g_assert_no_error(error);
	g_assert_false(reply->ok);
	g_assert_false(lp_reply_check(reply, &error));
	g_assert_error(error, LP_REPLY_ERROR, LP_ERR_NOT_GRANTED);
	g_assert_cmpstr(error->message, ==,
			"port 81/tcp on 0.0.0.0 is not granted to user alice "
			"(uid 1000)");
}

/**
 * client_expect_error() - Call list against a canned answer, expect failure
 * @f:		Fixture
 * @op:		Operation to request
 * @answer:	Canned answer, NULL to close without one
 * @domain:	Expected error domain
 * @code:	Expected error code
 * @msg:	Expected message
 */
static void client_expect_error(ClientFixture *f, LpOp op, const char *answer,
				GQuark domain, int code, const char *msg)
{
	g_autoptr(LpRequest) req = lp_request_new(op);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = NULL;

	if (op == LP_OP_RELEASE)
		req->id = g_strdup("ab1");
	client_serve(f, answer);
	reply = lp_client_call(f->path, req, -1, 5000, &error);
	client_finish(f);
	g_assert_null(reply);
	g_assert_error(error, domain, code);
	g_assert_cmpstr(error->message, ==, msg);
}

static void test_client_no_answer(ClientFixture *f, gconstpointer data)
{
	client_expect_error(f, LP_OP_LIST, NULL, LP_CLIENT_ERROR,
			    LP_CLIENT_ERROR_IO,
			    "lowportd closed the connection without a reply");
}

static void test_client_cut_answer(ClientFixture *f, gconstpointer data)
{
	client_expect_error(f, LP_OP_RELEASE, "{\"version\":1,\"ok\":true}",
			    LP_CLIENT_ERROR, LP_CLIENT_ERROR_IO,
			    "lowportd closed the connection in the middle of "
			    "its reply");
}

static void test_client_garbage(ClientFixture *f, gconstpointer data)
{
	client_expect_error(f, LP_OP_LIST, "HTTP/1.0 400 Bad Request\r\n",
			    LP_PROTOCOL_ERROR, LP_PROTOCOL_ERROR_MALFORMED,
			    "malformed reply: not a JSON object at byte 0");
}

static void test_client_missing_payload(ClientFixture *f, gconstpointer data)
{
	client_expect_error(f, LP_OP_STATUS, wire_replies[1].line,
			    LP_CLIENT_ERROR, LP_CLIENT_ERROR_REPLY,
			    "lowportd answered 'status' without 'status'");
}

static void test_client_timeout(ClientFixture *f, gconstpointer data)
{
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_LIST);
	g_autoptr(GError) error = NULL;
	g_autoptr(LpReply) reply = NULL;
	gint64 start = g_get_monotonic_time(), elapsed;

	f->srv.hang = true;
	client_serve(f, NULL);
	reply = lp_client_call(f->path, req, -1, 200, &error);
	elapsed = g_get_monotonic_time() - start;
	/* The client closed its socket: the server thread sees EOF */
	client_finish(f);
	g_assert_null(reply);
	g_assert_error(error, LP_CLIENT_ERROR, LP_CLIENT_ERROR_TIMEOUT);
	g_assert_cmpstr(error->message, ==,
			"lowportd did not answer within 200 ms");
	g_assert_cmpint(elapsed, >=, 200000);
	g_assert_cmpint(elapsed, <, 3000000);
}

static void test_client_not_running(ClientFixture *f, gconstpointer data)
{
	g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
	g_autofree char *missing = g_build_filename(f->dir, "none", NULL);
	g_autofree char *m1 = NULL, *m2 = NULL;
	g_autoptr(LpRequest) req = lp_request_new(LP_OP_LIST);

	m1 = g_strdup_printf("lowportd is not running (no socket at %s); start "
			     "it with: systemctl enable --now lowportd.socket",
			     missing);
	g_assert_cmpint(lp_client_connect(missing, &e1), ==, -1);
	g_assert_error(e1, LP_CLIENT_ERROR, LP_CLIENT_ERROR_NOT_RUNNING);
	g_assert_cmpstr(e1->message, ==, m1);

	/* A stale socket file nobody listens on */
	lp_closep(&f->srv.listen_fd);
	m2 = g_strdup_printf("lowportd is not running (nothing listens on %s); "
			     "start it with: systemctl enable --now "
			     "lowportd.socket",
			     f->path);
	g_assert_null(lp_client_call(f->path, req, -1, 1000, &e2));
	g_assert_error(e2, LP_CLIENT_ERROR, LP_CLIENT_ERROR_NOT_RUNNING);
	g_assert_cmpstr(e2->message, ==, m2);

	g_assert_cmpint(lp_client_connect(f->dir, &e3), ==, -1);
	g_assert_error(e3, LP_CLIENT_ERROR, LP_CLIENT_ERROR_NOT_RUNNING);
}

static void test_client_socket_path(void)
{
	g_unsetenv("LOWPORT_SOCKET");
	g_assert_cmpstr(lp_client_socket_path(), ==, LOWPORT_SOCKET_PATH);
	g_setenv("LOWPORT_SOCKET", "", TRUE);
	g_assert_cmpstr(lp_client_socket_path(), ==, LOWPORT_SOCKET_PATH);
	g_setenv("LOWPORT_SOCKET", "/tmp/x.sock", TRUE);
	g_assert_cmpstr(lp_client_socket_path(), ==, "/tmp/x.sock");
	g_unsetenv("LOWPORT_SOCKET");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/protocol/request/round-trip",
			test_request_round_trip);
	g_test_add_func("/protocol/request/front", test_request_front);
	g_test_add_func("/protocol/request/listeners", test_request_listeners);
	g_test_add_func("/protocol/request/wire-examples",
			test_request_wire_examples);
	g_test_add_func("/protocol/request/malformed", test_request_malformed);
	g_test_add_func("/protocol/request/long-value-excerpt",
			test_request_long_value_excerpt);
	g_test_add_func("/protocol/request/error-codes",
			test_request_error_codes);
	g_test_add_func("/protocol/request/unknown-fields",
			test_request_unknown_fields);
	g_test_add_func("/protocol/request/limits", test_request_limits);
	g_test_add_func("/protocol/request/size", test_request_size);
	g_test_add_func("/protocol/reply/round-trip", test_reply_round_trip);
	g_test_add_func("/protocol/reply/datapath-reason-bounded",
			test_reply_datapath_reason_bounded);
	g_test_add_func("/protocol/request/datapath-ignored",
			test_request_datapath_ignored);
	g_test_add_func("/protocol/reply/every-error-code",
			test_reply_every_error_code);
	g_test_add_func("/protocol/reply/wire-examples",
			test_reply_wire_examples);
	g_test_add_func("/protocol/reply/one-line-message",
			test_reply_error_message_one_line);
	g_test_add_func("/protocol/reply/unknown-code",
			test_reply_unknown_code);
	g_test_add_func("/protocol/reply/malformed", test_reply_malformed);
	g_test_add_func("/protocol/lease-id", test_lease_id_valid);
	g_test_add_func("/client/socket-path", test_client_socket_path);
#define CLIENT_TEST(name, fn)                                                  \
	g_test_add(name, ClientFixture, NULL, client_setup, fn, client_teardown)
	CLIENT_TEST("/client/forward-fd", test_client_forward_fd);
	CLIENT_TEST("/client/forward-fds", test_client_forward_fds);
	CLIENT_TEST("/client/too-many-fds", test_client_too_many_fds);
	CLIENT_TEST("/client/status-split", test_client_status_split);
	CLIENT_TEST("/client/refused", test_client_refused);
	CLIENT_TEST("/client/no-answer", test_client_no_answer);
	CLIENT_TEST("/client/cut-answer", test_client_cut_answer);
	CLIENT_TEST("/client/garbage", test_client_garbage);
	CLIENT_TEST("/client/missing-payload", test_client_missing_payload);
	CLIENT_TEST("/client/timeout", test_client_timeout);
	CLIENT_TEST("/client/not-running", test_client_not_running);
	return g_test_run();
}
