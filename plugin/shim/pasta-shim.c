// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pasta-shim.c - "pasta" for Podman: forward privileged ports via lowportd
 *
 * Copyright lowport authors
 *
 * Installed as $libexecdir/lowport/pasta and found by Podman first through
 * /etc/containers/containers.conf.d/50-lowport.conf. See front-pasta.c.
 */
#include "config.h"

#include <locale.h>

#include "shim/front-pasta.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	return lp_front_pasta_main(argc, argv);
}
