// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-main.c - replay a fuzz corpus through a libFuzzer target
 *
 * Every fuzz target is also built with this main() and run by meson test
 * on its checked-in corpus, so crashes found once stay fixed.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_replay_file() - Feed one file to the target
 * @path:	Corpus file
 *
 * Return: 0 on success, -1 if the file cannot be read
 */
static int fuzz_replay_file(const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *data = NULL;
	size_t len;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	return 0;
}

/**
 * fuzz_replay_path() - Replay a file, or every file in a directory
 * @path:	File or directory
 * @count:	Incremented per replayed file
 *
 * Return: 0 on success, -1 on error
 */
static int fuzz_replay_path(const char *path, unsigned int *count)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = NULL;
	const char *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		(*count)++;
		return fuzz_replay_file(path);
	}
	dir = g_dir_open(path, 0, &error);
	if (!dir) {
		fprintf(stderr, "%s\n", error->message);
		return -1;
	}
	while ((name = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(path, name, NULL);

		if (fuzz_replay_path(p, count) < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (fuzz_replay_path(argv[i], &count) < 0)
			return EXIT_FAILURE;
	}
	if (!count) {
		fprintf(stderr, "no corpus files replayed\n");
		return EXIT_FAILURE;
	}
	printf("replayed %u inputs\n", count);
	return EXIT_SUCCESS;
}
