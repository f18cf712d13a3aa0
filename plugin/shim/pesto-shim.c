// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pesto-shim.c - "pesto" for Podman 6: forward privileged ports of
 * bridge networks through the rootless-netns pasta via lowportd
 *
 * Copyright lowport authors
 *
 * Installed as $libexecdir/lowport/pesto and found by Podman first
 * through /etc/containers/containers.conf.d/50-lowport.conf. See
 * front-pesto.c.
 */
#include "config.h"

#include <locale.h>

#include "shim/front-pesto.h"

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	return lp_front_pesto_main(argc, argv);
}
