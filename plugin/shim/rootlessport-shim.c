// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rootlessport-shim.c - "rootlessport" for Podman: forward privileged ports
 * of bridge networks via lowportd
 *
 * Copyright lowport authors
 *
 * Installed as $libexecdir/lowport/rootlessport and found by Podman first
 * through /etc/containers/containers.conf.d/50-lowport.conf. See
 * front-rootlessport.c.
 */
#include "config.h"

#include <locale.h>

#include "shim/front-rootlessport.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	return lp_front_rootlessport_main(argc, argv);
}
