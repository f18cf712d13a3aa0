// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pasta-probe.c - can connections steered onto pasta's listener be served?
 *
 * DOC: Theory of Operation
 *
 * A steered connection (plugin/daemon/steering.c) reaches pasta's
 * listener on the backend port (say 30080, from "-t 30080:80") with its
 * own local port still 80. pasta releases up to 2025-12 forward it by the
 * listener's port. From 2026_01_20 pasta looks up the forwarding rule of
 * every accepted connection by the connection's local port, checked
 * against the rule of the listener that accepted it (fwd_rule_search(),
 * "Incorrect rule hint"): 80 is outside 30080-30080, so pasta resets the
 * connection. Such a pasta can only be served through NAT.
 *
 * Version strings do not tell: distribution builds print "unknown
 * version", their own package version, or nothing. The binary does: the
 * rule table brought the log messages "Missing forward rule" and
 * "Incorrect rule hint" with it (both absent from 2025_05_03, present in
 * Debian's 0.0~git20261002). A pasta that has either, or that cannot be
 * read, gets NAT.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/util.h"
#include "shim/pasta-probe.h"

/* Messages of pasta's forwarding rule table (passt fwd.c, flow.c) */
static const char *const pasta_probe_rule_table[] = {
	"Incorrect rule hint",
	"Missing forward rule",
};

/**
 * lp_pasta_probe_data() - Tell from a pasta binary's bytes if it serves
 *			   steered connections
 * @data:	The file's contents
 * @len:	Their length
 *
 * Return: true if it has none of the forwarding rule table's messages
 */
bool lp_pasta_probe_data(const void *data, size_t len)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(pasta_probe_rule_table); i++) {
		const char *s = pasta_probe_rule_table[i];

		if (memmem(data, len, s, strlen(s)))
			return false;
	}
	return true;
}

/**
 * lp_pasta_probe_steerable() - Tell if a pasta binary serves connections
 *				steered onto its listener
 * @path:	The real pasta
 *
 * Return: true if it does; false if not, or if it cannot be read
 */
bool lp_pasta_probe_steerable(const char *path)
{
	lp_autofd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	void *data;
	bool ok;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 ||
	    (unsigned long long)st.st_size > LP_PASTA_PROBE_MAX)
		return false;
	data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (data == MAP_FAILED)
		return false;
	ok = lp_pasta_probe_data(data, st.st_size);
	munmap(data, st.st_size);
	return ok;
}
