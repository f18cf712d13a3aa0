/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hook-file.h - open a file an image may have planted, safely
 *
 * Copyright lowport authors
 */
#ifndef LOWPORT_HOOK_FILE_H
#define LOWPORT_HOOK_FILE_H

#include <glib.h>

int lp_hook_file_open(const char *root, const char *path, GError **error);

#endif /* LOWPORT_HOOK_FILE_H */
