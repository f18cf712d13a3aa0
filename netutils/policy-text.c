// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy-text.c - the policy file as text, before GKeyFile sees it
 *
 * The bytes are bounded, free of NUL and valid UTF-8; trailing " # ..."
 * comments are cut (GKeyFile has none); repeated groups and keys, which
 * GKeyFile would merge or let the last one win, and localized keys, which
 * it would drop, are errors.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "netutils/policy-parse.h"
#include "netutils/policy-text.h"
#include "netutils/policy.h"

/**
 * policy_text_clean_line() - Blank comment lines, cut trailing " # ..."
 * @line:	One line, modified in place
 */
static void policy_text_clean_line(char *line)
{
	char *p = line + strspn(line, " \t");
	char *hash;

	if (*p == '#') {
		*line = '\0';
		return;
	}
	for (hash = strchr(p, '#'); hash; hash = strchr(hash + 1, '#')) {
		if (hash[-1] == ' ' || hash[-1] == '\t') {
			*hash = '\0';
			break;
		}
	}
	g_strchomp(line);
}

/**
 * policy_text_line_group() - Name of the group a "[...]" line opens
 * @line:	Line, leading blanks skipped
 *
 * Return: group name (caller frees), or NULL if @line is no group line
 */
static char *policy_text_line_group(const char *line)
{
	const char *end = strrchr(line, ']');

	if (*line != '[' || !end)
		return NULL;
	return g_strndup(line + 1, end - line - 1);
}

/**
 * policy_text_check_key_line() - Refuse a repeated or localized key
 * @where:	Parser position, group set
 * @keys:	Keys seen so far in this group, @line's key is added
 * @line:	"KEY = VALUE" line, leading blanks skipped
 * @eq:		The '=' in @line
 * @error:	Return location for the error
 *
 * Return: true if the key is new and has no "[locale]"
 */
static bool policy_text_check_key_line(const LpPolicyParse *where,
				       GHashTable *keys, const char *line,
				       const char *eq, GError **error)
{
	g_autofree char *key = g_strstrip(g_strndup(line, eq - line));

	if (strchr(key, '['))
		return lp_policy_parse_fail(where, error, "unknown key '%s'",
					    key);
	if (g_hash_table_contains(keys, key))
		return lp_policy_parse_fail(where, error,
					    "key '%s' appears twice", key);
	g_hash_table_add(keys, g_steal_pointer(&key));
	return true;
}

/**
 * policy_text_check_lines() - Refuse repeated groups, keys, localized keys
 * @ctx:	Parser position, for messages
 * @lines:	Cleaned lines, NULL-terminated
 * @error:	Return location for the error
 *
 * GKeyFile merges repeated groups and keeps the last of repeated keys, so a
 * second "ports =" would silently win. It also drops "key[locale]" for
 * locales it does not load: refuse those as unknown keys. Key-file syntax
 * errors are left to GKeyFile.
 *
 * Return: true if nothing repeats
 */
static bool policy_text_check_lines(const LpPolicyParse *ctx, char **lines,
				    GError **error)
{
	g_autoptr(GHashTable) groups =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) keys = NULL;
	LpPolicyParse where = *ctx;
	unsigned int i;

	for (i = 0; lines[i]; i++) {
		const char *line = lines[i] + strspn(lines[i], " \t");
		char *group = policy_text_line_group(line);
		const char *eq = strchr(line, '=');

		if (group) {
			if (g_hash_table_contains(groups, group)) {
				where.group = group;
				lp_policy_parse_fail(&where, error,
						     "group appears twice");
				g_free(group);
				return false;
			}
			g_hash_table_add(groups, group); /* groups owns it */
			where.group = group;
			g_clear_pointer(&keys, g_hash_table_unref);
			keys = g_hash_table_new_full(g_str_hash, g_str_equal,
						     g_free, NULL);
		} else if (keys && eq &&
			   !policy_text_check_key_line(&where, keys, line, eq,
						       error)) {
			return false;
		}
	}
	return true;
}

/**
 * policy_text_check_bytes() - Refuse oversized, NUL-holding, non-UTF-8 data
 * @ctx:	Parser position, for messages
 * @data:	File contents
 * @len:	Length of @data
 * @error:	Return location for the error
 *
 * Return: true if GKeyFile may see @data
 */
static bool policy_text_check_bytes(LpPolicyParse *ctx, const char *data,
				    size_t len, GError **error)
{
	if (len > LP_POLICY_FILE_MAX)
		return lp_policy_parse_fail(ctx, error, "larger than %d bytes",
					    LP_POLICY_FILE_MAX);
	if (memchr(data, '\0', len))
		return lp_policy_parse_fail(ctx, error, "contains a NUL byte");
	if (!g_utf8_validate_len(data, len, NULL))
		return lp_policy_parse_fail(ctx, error, "not valid UTF-8");
	return true;
}

/**
 * lp_policy_text_preprocess() - Validate raw bytes and strip comments
 * @ctx:	Parser position, for messages
 * @data:	File contents, not necessarily NUL-terminated
 * @len:	Length of @data
 * @error:	Return location for the error
 *
 * Return: text for GKeyFile (caller frees), or NULL on error
 */
char *lp_policy_text_preprocess(LpPolicyParse *ctx, const char *data,
				size_t len, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	unsigned int i;

	if (!policy_text_check_bytes(ctx, data, len, error))
		return NULL;
	text = g_strndup(data, len);
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++)
		policy_text_clean_line(lines[i]);
	if (!policy_text_check_lines(ctx, lines, error))
		return NULL;
	return g_strjoinv("\n", lines);
}
