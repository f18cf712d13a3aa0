// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-fake-pasta.c - a stand-in pasta for the pasta front's tests: binds
 * the host ports of its -t/-u arguments, daemonizes, writes --pid, or fails
 * as its mode says
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>

#include "netutils/addr.h"
#include "netutils/util.h"
#include "shim/pasta-args.h"
#include "shim/portspec.h"
#include "test-fake-pasta.h"

/**
 * fake_pasta_log() - Append a line to the stand-in's log
 * @line:	Text without newline
 */
static void fake_pasta_log(const char *line)
{
	lp_autofd int fd =
		open(g_getenv(LP_TEST_FAKE_PASTA_LOG_ENV),
		     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	g_autofree char *l = g_strconcat(line, "\n", NULL);

	if (fd < 0 || write(fd, l, strlen(l)) != (ssize_t)strlen(l))
		_exit(99);
}

/**
 * fake_pasta_bind() - Bind (and listen on) one host port like pasta would
 * @proto:	Protocol
 * @addr:	Address of the forward (every address binds 0.0.0.0)
 * @port:	Port
 *
 * Return: 0 or negative errno; the socket stays open on purpose
 */
static int fake_pasta_bind(int proto, const LpAddr *addr, unsigned int port)
{
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	int fd, r;

	if (addr->family == AF_INET6) {
		fd = socket(AF_INET6, type, 0);
		if (!addr->any)
			s6.sin6_addr = addr->u.v6;
		r = bind(fd, (struct sockaddr *)&s6, sizeof(s6));
	} else {
		fd = socket(AF_INET, type, 0);
		if (addr->family == AF_INET && !addr->any)
			s4.sin_addr = addr->u.v4;
		r = bind(fd, (struct sockaddr *)&s4, sizeof(s4));
	}
	if (r == 0 && proto == IPPROTO_TCP)
		r = listen(fd, 8);
	return r < 0 ? -errno : 0;
}

/**
 * fake_pasta_bind_all() - Bind every host port of the -t/-u arguments
 * @a:	Scanned argv
 *
 * Return: true on success; false after printing pasta's message
 */
static bool fake_pasta_bind_all(const LpPastaArgs *a)
{
	guint i, j;
	unsigned int p;
	int r;

	for (i = 0; i < a->ports->len; i++) {
		const LpPastaPortArg *x =
			&g_array_index(a->ports, LpPastaPortArg, i);

		if (!x->spec || x->spec->kind != LP_PORTSPEC_RANGES)
			continue;
		for (j = 0; j < x->spec->ranges->len; j++) {
			const LpPortRange *rg =
				&g_array_index(x->spec->ranges, LpPortRange, j);

			for (p = rg->first; !rg->exclude && p <= rg->last;
			     p++) {
				r = fake_pasta_bind(x->proto, &x->spec->addr,
						    p);
				if (!r)
					continue;
				fprintf(stderr,
					"Failed to bind port %u (%s), exiting\n",
					p, g_strerror(-r));
				return false;
			}
		}
	}
	return true;
}

/**
 * fake_pasta_daemonize() - Fork the stand-in's daemon like pasta's __daemon()
 * @a:		Scanned argv
 * @mode:	Stand-in mode
 *
 * The parent writes the --pid file (not in "nopid-daemon" and "hang"),
 * logs the daemon's PID, and exits 0 (hangs in "hang"). The daemon starts
 * a new session and lets go of stdout and stderr.
 *
 * Return: exit status, in the parent
 */
static int fake_pasta_daemonize(const LpPastaArgs *a, const char *mode)
{
	bool hang = !strcmp(mode, "hang");
	int devnull = open("/dev/null", O_RDWR);
	g_autofree char *pid_text = NULL;
	pid_t pid = fork();

	if (pid > 0) {
		pid_text = g_strdup_printf("%d\n", (int)pid);
		if (a->pid_file && !hang && strcmp(mode, "nopid-daemon"))
			g_file_set_contents(a->pid_file, pid_text, -1, NULL);
		fake_pasta_log(g_strchomp(pid_text));
		while (hang)
			pause();
		_exit(0);
	}
	setsid();
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(devnull, 2);
	if (!strcmp(mode, "stubborn"))
		signal(SIGTERM, SIG_IGN);
	if (!strcmp(mode, "short")) {
		g_usleep(300 * 1000);
		_exit(0);
	}
	for (;;)
		pause();
}

/**
 * lp_test_fake_pasta_main() - A stand-in pasta: binds, daemonizes, writes --pid
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Modes ($LP_TEST_FAKE_PASTA): "ok"; "fail" (an error, exit 2);
 * "inuse-once" (first run fails with EADDRINUSE); "stubborn" (ignores
 * SIGTERM); "nopid" (exits 0 without a PID or daemon); "nopid-daemon"
 * (daemonizes, but writes no PID); "hang" (forks its daemon, writes no PID,
 * never exits); "short" (its daemon quits after 300 ms).
 *
 * Return: exit status
 */
int lp_test_fake_pasta_main(int argc, char **argv)
{
	const char *mode = g_getenv(LP_TEST_FAKE_PASTA_ENV);
	g_autoptr(LpPastaArgs) a = lp_pasta_args_parse(argc, argv, NULL);
	g_autofree char *line = g_strjoinv(" ", argv + 1);
	g_autofree char *marker = g_strconcat(
		g_getenv(LP_TEST_FAKE_PASTA_LOG_ENV), ".once", NULL);

	fake_pasta_log(line);
	if (a->info) {
		printf("pasta 2025_05_12.fake\n");
		return 0;
	}
	if (!strcmp(mode, "fail")) {
		fprintf(stderr, "Some pasta error\non two lines\n");
		return 2;
	}
	if (!strcmp(mode, "inuse-once") &&
	    !g_file_test(marker, G_FILE_TEST_EXISTS)) {
		g_file_set_contents(marker, "", 0, NULL);
		fprintf(stderr,
			"Failed to bind port 61234 (Address already in use) for option '-t ...', exiting\n");
		return 1;
	}
	if (!strcmp(mode, "nopid"))
		return 0;
	if (!fake_pasta_bind_all(a))
		return 1;
	return fake_pasta_daemonize(a, mode);
}
