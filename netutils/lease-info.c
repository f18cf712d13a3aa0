// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lease-info.c - one lease as lowportd reports it: allocation and JSON
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "netutils/json-strict.h"
#include "netutils/lease-info.h"
#include "netutils/protocol.h"

/**
 * lp_lease_info_new() - Allocate an empty lease description
 *
 * Return: new LpLeaseInfo with an empty @mappings array, free with
 *	   lp_lease_info_free()
 */
LpLeaseInfo *lp_lease_info_new(void)
{
	LpLeaseInfo *info = g_new0(LpLeaseInfo, 1);

	info->mappings = g_array_new(FALSE, TRUE, sizeof(LpMapping));
	return info;
}

/**
 * lp_lease_info_free() - Free a lease description
 * @info:	Lease description, may be NULL
 */
void lp_lease_info_free(LpLeaseInfo *info)
{
	if (!info)
		return;
	g_free(info->id);
	g_free(info->netns);
	if (info->mappings)
		g_array_unref(info->mappings);
	g_free(info);
}

/**
 * lease_info_get_datapath() - Read the optional "datapath" of one mapping
 * @o:		Mapping object
 * @w:		Its position
 * @m:		Mapping, @datapath set (LP_DATAPATH_NAT if absent)
 * @error:	Set on failure: not "nat" or "steer", or "steer" on UDP
 *
 * Return: TRUE on success
 */
static gboolean lease_info_get_datapath(JsonObject *o, const LpJsonWhere *w,
					LpMapping *m, GError **error)
{
	g_autofree char *q = NULL;
	const char *s;
	int d;

	m->datapath = LP_DATAPATH_NAT;
	if (!lp_json_strict_get_string(o, w, "datapath", false, &s, error))
		return FALSE;
	if (!s)
		return TRUE;
	d = lp_datapath_parse(s);
	if (d < 0)
		return lp_json_strict_fail(w, "datapath", error,
					   "'%s' is not nat or steer",
					   q = lp_json_strict_excerpt(s, 64));
	if (d == LP_DATAPATH_STEER && m->proto != IPPROTO_TCP)
		return lp_json_strict_fail(w, "datapath", error,
					   "only TCP mappings can be steered");
	m->datapath = d;
	return TRUE;
}

/**
 * lease_info_get_datapaths() - Read the data path of every mapping
 * @o:		Lease object, its mappings already read into @info
 * @w:		Its position
 * @info:	Lease description
 * @error:	Set on failure
 *
 * Return: TRUE on success
 */
static gboolean lease_info_get_datapaths(JsonObject *o, const LpJsonWhere *w,
					 LpLeaseInfo *info, GError **error)
{
	JsonArray *array = json_object_get_array_member(o, "mappings");
	unsigned int i;

	for (i = 0; i < info->mappings->len; i++) {
		g_autofree char *path = g_strdup_printf(
			"%s%smappings[%u]", w->path, *w->path ? "." : "", i);
		JsonNode *n = json_array_get_element(array, i);
		LpJsonWhere mw = {w->kind, path};

		if (!lease_info_get_datapath(
			    json_node_get_object(n), &mw,
			    &g_array_index(info->mappings, LpMapping, i),
			    error))
			return FALSE;
	}
	return TRUE;
}

/**
 * lp_lease_info_parse() - Read one element of a list reply's "leases"
 * @o:		Lease object
 * @w:		Its position
 * @error:	Set on failure
 *
 * Return: new LpLeaseInfo, NULL on error
 */
LpLeaseInfo *lp_lease_info_parse(JsonObject *o, const LpJsonWhere *w,
				 GError **error)
{
	g_autoptr(LpLeaseInfo) info = lp_lease_info_new();
	int64_t uid, pid;

	if (!lp_protocol_get_lease_id(o, w, "id", &info->id, error) ||
	    !lp_json_strict_get_int(o, w, "uid", 0, UINT32_MAX - 1, "a user ID",
				    &uid, error) ||
	    !lp_json_strict_get_int(o, w, "pid", 1, INT32_MAX, "a process ID",
				    &pid, error) ||
	    !lp_protocol_get_netns(o, w, &info->netns, error) ||
	    !lp_protocol_get_front(o, w, &info->front, error) ||
	    !lp_json_strict_get_int(o, w, "created", 0, INT64_MAX, "a time",
				    &info->created, error))
		return NULL;
	info->uid = uid;
	info->pid = pid;
	g_array_unref(info->mappings);
	info->mappings = lp_protocol_get_mappings(o, w, error);
	if (!info->mappings || !lease_info_get_datapaths(o, w, info, error))
		return NULL;
	return g_steal_pointer(&info);
}

/**
 * lease_info_add_mappings() - Add the "mappings" member of a lease object
 * @b:		Builder, inside the lease object
 * @mappings:	GArray of LpMapping, NULL for none
 *
 * Like lp_protocol_add_mappings(), plus "datapath": "steer" on steered
 * mappings (absent means nat, so a NAT-only reply reads as before).
 */
static void lease_info_add_mappings(JsonBuilder *b, const GArray *mappings)
{
	unsigned int i;

	json_builder_set_member_name(b, "mappings");
	json_builder_begin_array(b);
	for (i = 0; mappings && i < mappings->len; i++) {
		const LpMapping *m = &g_array_index(mappings, LpMapping, i);

		json_builder_begin_object(b);
		lp_protocol_add_mapping(b, m);
		if (m->datapath != LP_DATAPATH_NAT)
			lp_protocol_add_string(b, "datapath",
					       lp_datapath_name(m->datapath));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/**
 * lp_leases_to_json() - Encode lease descriptions as a JSON array
 * @leases:	GPtrArray of LpLeaseInfo, NULL for none
 *
 * Return: new array node, free with json_node_unref()
 */
JsonNode *lp_leases_to_json(const GPtrArray *leases)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	unsigned int i;

	json_builder_begin_array(b);
	for (i = 0; leases && i < leases->len; i++) {
		const LpLeaseInfo *info = g_ptr_array_index(leases, i);

		json_builder_begin_object(b);
		lp_protocol_add_string(b, "id", info->id ? info->id : "");
		lp_protocol_add_int(b, "uid", info->uid);
		lp_protocol_add_int(b, "pid", info->pid);
		if (info->netns)
			lp_protocol_add_string(b, "netns", info->netns);
		lp_protocol_add_string(b, "front", lp_front_name(info->front));
		lp_protocol_add_int(b, "created", info->created);
		lease_info_add_mappings(b, info->mappings);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	return json_builder_get_root(b);
}
