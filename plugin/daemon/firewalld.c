// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * firewalld.c - detect firewalld enforcing StrictForwardPorts
 *
 * With StrictForwardPorts=yes firewalld rejects DNATed traffic to ports it
 * does not forward itself, so a lease would install but never carry traffic.
 * Like netavark, lowportd refuses with a clear message instead. Running
 * as user lowportd it may not be allowed to read firewalld.conf: that is
 * logged, not taken for "off" in silence.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "daemon/firewalld.h"

#define FIREWALLD_CONF "/etc/firewalld/firewalld.conf"

/**
 * lp_firewalld_conf_strict() - Does firewalld.conf set StrictForwardPorts=yes?
 * @path:	firewalld.conf
 * @error:	Return location for a GError (G_FILE_ERROR) when it cannot
 *		be read for another reason than not being there
 *
 * lowportd does not run as root: on distributions that keep /etc/firewalld
 * root's (0750), it cannot read the file, and must not take that for "no".
 *
 * Return: 1 if so, 0 if not (or no such file), -1 if it cannot be known
 */
int lp_firewalld_conf_strict(const char *path, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	size_t len;
	guint i;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
		    g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
			return 0;
		g_propagate_error(error, g_steal_pointer(&local));
		return -1;
	}
	if (len > 1024 * 1024) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
			    "%s is larger than 1 MiB", path);
		return -1;
	}
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++) {
		g_strstrip(lines[i]);
		if (!g_ascii_strncasecmp(lines[i], "StrictForwardPorts=", 19))
			return !g_ascii_strcasecmp(lines[i] + 19, "yes");
	}
	return 0;
}

/**
 * firewalld_root_comm() - Is process @pid named firewalld and run by root?
 * @pid:	Directory name in /proc
 *
 * Any user can name a process "firewalld"; only root can run one as root.
 *
 * Return: true if so
 */
static bool firewalld_root_comm(const char *pid)
{
	g_autofree char *path = g_build_filename("/proc", pid, "comm", NULL);
	g_autofree char *comm = NULL;
	struct stat st;

	if (!g_file_get_contents(path, &comm, NULL, NULL) ||
	    strcmp(g_strstrip(comm), "firewalld"))
		return false;
	g_free(path);
	path = g_build_filename("/proc", pid, NULL);
	return stat(path, &st) == 0 && st.st_uid == 0;
}

/**
 * firewalld_running() - Is a firewalld process running as root?
 *
 * Return: true if /proc shows one
 */
static bool firewalld_running(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc", 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		if (g_ascii_isdigit(name[0]) && firewalld_root_comm(name))
			return true;
	}
	return false;
}

/**
 * lp_firewalld_strict() - Is firewalld running with StrictForwardPorts=yes?
 *
 * An unreadable firewalld.conf counts as "no" here (lowportd cannot do
 * better); lp_firewalld_log_unknown() says so in the log.
 *
 * Return: true if forwarded traffic would be rejected by firewalld
 */
bool lp_firewalld_strict(void)
{
	return lp_firewalld_conf_strict(FIREWALLD_CONF, NULL) == 1 &&
	       firewalld_running();
}

/**
 * lp_firewalld_log_unknown() - Warn if StrictForwardPorts cannot be checked
 *
 * Called at start and on every policy reload: one warning naming the file
 * and why it cannot be read, instead of silently assuming the setting off.
 */
void lp_firewalld_log_unknown(void)
{
	g_autoptr(GError) error = NULL;

	if (lp_firewalld_conf_strict(FIREWALLD_CONF, &error) >= 0)
		return;
	g_warning("cannot check firewalld's StrictForwardPorts (%s); assuming "
		  "it is off. With StrictForwardPorts=yes firewalld drops the "
		  "forwarded traffic of every lease: see lowportd(8)",
		  error->message);
}
