// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * firewalld.c - detect firewalld enforcing StrictForwardPorts
 *
 * With StrictForwardPorts=yes firewalld rejects DNATed traffic to ports it
 * does not forward itself, so a lease would install but never carry traffic.
 * Like netavark, lowportd refuses with a clear message instead.
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
 * firewalld_conf_strict() - Does firewalld.conf say StrictForwardPorts=yes?
 *
 * Return: true if so
 */
static bool firewalld_conf_strict(void)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	size_t len;
	guint i;

	if (!g_file_get_contents(FIREWALLD_CONF, &text, &len, NULL) ||
	    len > 1024 * 1024)
		return false;
	lines = g_strsplit(text, "\n", -1);
	for (i = 0; lines[i]; i++) {
		g_strstrip(lines[i]);
		if (!g_ascii_strncasecmp(lines[i], "StrictForwardPorts=", 19))
			return !g_ascii_strcasecmp(lines[i] + 19, "yes");
	}
	return false;
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
 * Return: true if forwarded traffic would be rejected by firewalld
 */
bool lp_firewalld_strict(void)
{
	return firewalld_conf_strict() && firewalld_running();
}
