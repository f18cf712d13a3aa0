// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rootlessport-config.c - rootlessport front: read and rewrite the JSON
 * config Podman writes to rootlessport's stdin (no I/O)
 *
 * Copyright lowport authors
 *
 * An item of Mappings forwards host ports host_port .. host_port+range-1
 * on host_ip to container_port .. for each protocol it names. Its part
 * below ip_unprivileged_port_start, per TCP or UDP protocol, becomes one
 * block (core-ports.h) and, once the core picked a backend block, one item
 * of its own with that protocol, the backend host ports and the same
 * container ports; what is left of it (the unprivileged part, other
 * protocols) stays in items of their own with their ports unchanged. Items
 * with no privileged TCP or UDP port stay exactly as they came.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/addr.h"
#include "shim/core.h"
#include "shim/rootlessport-config.h"

/* Highest port number */
#define CONFIG_PORT_MAX 65535

/*
 * ConfigItem - what one item of Mappings says
 * @node:	The item, as read (borrowed from the config's tree)
 * @addr:	host_ip ("" or absent: every address)
 * @host_port:	First host port
 * @ctr_port:	First container port
 * @range:	Number of ports, at least 1 (range 0 or absent means 1)
 * @protos:	protocol split at ',' (absent: "tcp")
 */
typedef struct {
	JsonNode *node;
	LpAddr addr;
	unsigned int host_port;
	unsigned int ctr_port;
	unsigned int range;
	char **protos;
} ConfigItem;

/**
 * config_item_clear() - Free what a ConfigItem owns
 * @p:	ConfigItem
 */
static void config_item_clear(gpointer p)
{
	ConfigItem *it = p;

	g_strfreev(it->protos);
}

/**
 * config_int() - An integer member in a range
 * @o:		Object
 * @name:	Member name
 * @min:	Lowest value
 * @max:	Highest value
 * @dflt:	Value if the member is absent or null
 * @ret:	Value
 *
 * Return: true if absent, null, or an integer in [@min, @max]
 */
static bool config_int(JsonObject *o, const char *name, gint64 min, gint64 max,
		       gint64 dflt, gint64 *ret)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || JSON_NODE_HOLDS_NULL(n)) {
		*ret = dflt;
		return true;
	}
	if (!JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_INT64)
		return false;
	*ret = json_node_get_int(n);
	return *ret >= min && *ret <= max;
}

/**
 * config_string() - A string member
 * @o:		Object
 * @name:	Member name
 * @dflt:	Value if the member is absent or null
 * @ret:	Value (borrowed)
 *
 * Return: true if absent, null or a string
 */
static bool config_string(JsonObject *o, const char *name, const char *dflt,
			  const char **ret)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || JSON_NODE_HOLDS_NULL(n)) {
		*ret = dflt;
		return true;
	}
	if (!JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return false;
	*ret = json_node_get_string(n);
	return true;
}

/**
 * config_read_item() - Read one item of Mappings
 * @node:	The item
 * @ret:	What it says
 *
 * Return: true if rootlessport would read it as we do
 */
static bool config_read_item(JsonNode *node, ConfigItem *ret)
{
	const char *ip, *proto;
	gint64 host, ctr, range;
	JsonObject *o;

	if (!JSON_NODE_HOLDS_OBJECT(node))
		return false;
	o = json_node_get_object(node);
	if (!config_int(o, "host_port", 1, CONFIG_PORT_MAX, 0, &host) ||
	    !config_int(o, "container_port", 1, CONFIG_PORT_MAX, 0, &ctr) ||
	    !config_int(o, "range", 0, CONFIG_PORT_MAX, 1, &range) ||
	    !config_string(o, "host_ip", "", &ip) ||
	    !config_string(o, "protocol", "tcp", &proto) || !host || !ctr)
		return false;
	range = MAX(range, 1);
	if (host + range - 1 > CONFIG_PORT_MAX ||
	    ctr + range - 1 > CONFIG_PORT_MAX)
		return false;
	ret->node = node;
	ret->addr = LP_ADDR_ALL;
	if (*ip && lp_addr_parse(ip, &ret->addr) < 0)
		return false;
	ret->host_port = (unsigned int)host;
	ret->ctr_port = (unsigned int)ctr;
	ret->range = (unsigned int)range;
	ret->protos = g_strsplit(proto, ",", -1);
	return true;
}

/**
 * config_proto() - The protocol a name stands for, if lowport forwards it
 * @name:	"tcp", "udp", ...
 *
 * Return: IPPROTO_TCP, IPPROTO_UDP, or 0 for any other (sctp)
 */
static int config_proto(const char *name)
{
	if (!strcmp(name, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(name, "udp"))
		return IPPROTO_UDP;
	return 0;
}

/**
 * config_privileged() - Privileged ports of an item, for one protocol
 * @c:		Config
 * @it:		Item
 * @name:	One of its protocols
 *
 * Return: how many of its first host ports are privileged (0 if none, or
 *	   if lowport does not forward @name)
 */
static unsigned int config_privileged(const LpRootlessportConfig *c,
				      const ConfigItem *it, const char *name)
{
	if (!config_proto(name) || it->host_port >= c->unpriv_start)
		return 0;
	return MIN(it->range, c->unpriv_start - it->host_port);
}

/**
 * config_read_items() - Read every item of Mappings
 * @c:	Config with @root; @items and @unparsable are set
 */
static void config_read_items(LpRootlessportConfig *c)
{
	JsonObject *o = json_node_get_object(c->root);
	JsonNode *m = json_object_get_member(o, "Mappings");
	JsonArray *a;
	guint i;

	if (!m || JSON_NODE_HOLDS_NULL(m))
		return;
	if (!JSON_NODE_HOLDS_ARRAY(m)) {
		c->unparsable = true;
		return;
	}
	a = json_node_get_array(m);
	for (i = 0; i < json_array_get_length(a); i++) {
		ConfigItem it = {0};

		if (!config_read_item(json_array_get_element(a, i), &it)) {
			c->unparsable = true;
			return;
		}
		g_array_append_val(c->items, it);
	}
}

/**
 * config_plan() - The privileged blocks of every item
 * @c:		Config with @items
 * @error:	LP_CORE_ERROR_ARGS: too many, or a port named twice
 *
 * Return: TRUE with @blocks filled
 */
static gboolean config_plan(LpRootlessportConfig *c, GError **error)
{
	guint i, j;

	for (i = 0; i < c->items->len; i++) {
		const ConfigItem *it = &g_array_index(c->items, ConfigItem, i);

		for (j = 0; it->protos[j]; j++) {
			unsigned int n =
				config_privileged(c, it, it->protos[j]);
			LpCoreBlock b = {
				.proto = config_proto(it->protos[j]),
				.addr = it->addr,
				.host_port = (uint16_t)it->host_port,
				.size = (uint16_t)n,
			};

			if (n && !lp_core_ports_add_block(c->blocks, &b, error))
				return FALSE;
		}
	}
	return lp_core_ports_check_overlap(c->blocks, error);
}

/**
 * config_read_root() - Parse the text as one JSON object
 * @data:	Text
 * @len:	Its length
 * @error:	LP_CORE_ERROR_ARGS if it is too long
 *
 * Return: the object node, NULL if it is too long (@error set) or no
 *	   JSON object (@error not set: rootlessport explains that)
 */
static JsonNode *config_read_root(const char *data, gsize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();

	if (len > LP_ROOTLESSPORT_CONFIG_MAX) {
		g_set_error(error, LP_CORE_ERROR, LP_CORE_ERROR_ARGS,
			    "rootlessport config of %" G_GSIZE_FORMAT
			    " bytes (at most %d)",
			    len, LP_ROOTLESSPORT_CONFIG_MAX);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, data, (gssize)len, NULL) ||
	    !json_parser_get_root(parser) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return NULL;
	return json_node_copy(json_parser_get_root(parser));
}

/**
 * lp_rootlessport_config_parse() - Read the config Podman gave rootlessport
 * @data:		The bytes read from stdin
 * @len:		Their number
 * @unpriv_start:	First unprivileged port (ip_unprivileged_port_start)
 * @error:		LP_CORE_ERROR_ARGS: too long, too many privileged
 *			ports, or a privileged port named twice
 *
 * A config that is no JSON object or whose Mappings rootlessport would
 * not read as we do is not refused: it comes back @unparsable, with no
 * blocks, for rootlessport to explain.
 *
 * Return: the config, free with lp_rootlessport_config_free(); NULL on
 *	   error
 */
LpRootlessportConfig *lp_rootlessport_config_parse(const char *data, gsize len,
						   unsigned int unpriv_start,
						   GError **error)
{
	g_autoptr(LpRootlessportConfig) c = g_new0(LpRootlessportConfig, 1);
	JsonObject *o;
	gint64 v;

	c->unpriv_start = unpriv_start;
	c->blocks = g_array_new(FALSE, TRUE, sizeof(LpCoreBlock));
	c->items = g_array_new(FALSE, TRUE, sizeof(ConfigItem));
	g_array_set_clear_func(c->items, config_item_clear);
	c->exit_fd = c->ready_fd = -1;
	c->root = config_read_root(data, len, error);
	if (!c->root) {
		if (error && *error)
			return NULL;
		c->unparsable = true;
		return g_steal_pointer(&c);
	}
	o = json_node_get_object(c->root);
	if (!config_string(o, "NetNSPath", NULL, &c->netns))
		c->netns = NULL;
	if (config_int(o, "ExitFD", 0, G_MAXINT, -1, &v))
		c->exit_fd = (int)v;
	if (config_int(o, "ReadyFD", 0, G_MAXINT, -1, &v))
		c->ready_fd = (int)v;
	config_read_items(c);
	if (c->unparsable) {
		g_array_set_size(c->items, 0);
		return g_steal_pointer(&c);
	}
	if (!config_plan(c, error))
		return NULL;
	return g_steal_pointer(&c);
}

/**
 * lp_rootlessport_config_free() - Free a config
 * @config:	Config, may be NULL
 */
void lp_rootlessport_config_free(LpRootlessportConfig *config)
{
	if (!config)
		return;
	if (config->root)
		json_node_unref(config->root);
	if (config->blocks)
		g_array_unref(config->blocks);
	if (config->items)
		g_array_unref(config->items);
	g_free(config);
}

/**
 * config_copy() - Copy an object member by member, in order
 * @src:	Object
 *
 * Values are shared, not copied: nothing here changes them.
 *
 * Return: new object; json_object_unref() it
 */
static JsonObject *config_copy(JsonObject *src)
{
	JsonObject *o = json_object_new();
	JsonObjectIter iter;
	const char *name;
	JsonNode *n;

	json_object_iter_init_ordered(&iter, src);
	while (json_object_iter_next_ordered(&iter, &name, &n))
		json_object_set_member(o, name, json_node_copy(n));
	return o;
}

/**
 * config_emit() - Append a copy of an item with other ports and protocol
 * @out:	New Mappings
 * @it:		Item
 * @proto:	Its one protocol
 * @host:	First host port
 * @ctr:	First container port
 * @range:	Number of ports
 */
static void config_emit(JsonArray *out, const ConfigItem *it, const char *proto,
			unsigned int host, unsigned int ctr, unsigned int range)
{
	JsonObject *o = config_copy(json_node_get_object(it->node));

	json_object_set_int_member(o, "host_port", host);
	json_object_set_int_member(o, "container_port", ctr);
	json_object_set_int_member(o, "range", range);
	json_object_set_string_member(o, "protocol", proto);
	json_array_add_object_element(out, o);
}

/**
 * config_rewrite_item() - Append an item, privileged parts on backend ports
 * @c:		Config
 * @it:		Item
 * @out:	New Mappings
 * @backend:	First backend port of each block, in order
 * @k:		Index of the item's first block in @backend; advanced
 */
static void config_rewrite_item(const LpRootlessportConfig *c,
				const ConfigItem *it, JsonArray *out,
				const uint16_t *backend, guint *k)
{
	bool any = false;
	guint j;

	for (j = 0; it->protos[j]; j++)
		any = any || config_privileged(c, it, it->protos[j]);
	if (!any) {
		json_array_add_element(out, json_node_copy(it->node));
		return;
	}
	for (j = 0; it->protos[j]; j++) {
		const char *p = it->protos[j];
		unsigned int n = config_privileged(c, it, p);

		if (n)
			config_emit(out, it, p, backend[(*k)++], it->ctr_port,
				    n);
		if (n < it->range)
			config_emit(out, it, p, it->host_port + n,
				    it->ctr_port + n, it->range - n);
	}
}

/**
 * lp_rootlessport_config_rewrite() - The config the real rootlessport gets
 * @config:	Config with privileged blocks
 * @backend:	First backend port of each block of @config, in order
 *
 * Return: the config as JSON text, Mappings rewritten, every other member
 *	   as it came (g_free() it)
 */
char *lp_rootlessport_config_rewrite(const LpRootlessportConfig *config,
				     const uint16_t *backend)
{
	JsonObject *src = json_node_get_object(config->root);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
	JsonArray *out = json_array_new();
	JsonObject *o = config_copy(src);
	guint i, k = 0;

	for (i = 0; i < config->items->len; i++)
		config_rewrite_item(
			config, &g_array_index(config->items, ConfigItem, i),
			out, backend, &k);
	/* set_member keeps Mappings where it was */
	json_object_set_array_member(o, "Mappings", out);
	json_node_take_object(root, o);
	json_generator_set_root(gen, root);
	return json_generator_to_data(gen, NULL);
}
