// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lowportd.c - entry point of the privileged port helper
 *
 * Copyright lowport authors
 */
#include "config.h"

#include "daemon/daemon.h"

int main(int argc, char **argv)
{
	return lp_daemon_run(argc, argv);
}
