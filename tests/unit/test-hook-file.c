// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-hook-file.c - opening an image's resolv.conf: no FIFO, no way out of
 *		      the root file system, with openat2() and without it
 *
 * The walk used where the kernel lacks openat2() is tested for real: a
 * subprocess installs a seccomp filter that makes openat2() fail with
 * ENOSYS, as on Linux before 5.6, and runs the same cases.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "hook/hook-file.h"

/**
 * test_tree() - A root file system and a "host" directory next to it
 * @base:	Temporary directory
 *
 * BASE/host/resolv.conf     "host"
 * BASE/root/etc/resolv.conf "root"
 * BASE/root/etc/fifo        a FIFO
 * BASE/root/etc/rel         -> resolv.conf (a link inside the root)
 * BASE/root/etc/abs         -> BASE/host/resolv.conf
 * BASE/root/linked          -> BASE/host (a linked directory)
 * BASE/root/BASE/host/resolv.conf "inside" (where links resolve in root)
 */
static void test_tree(const char *base)
{
	g_autofree char *host = g_build_filename(base, "host", NULL);
	g_autofree char *etc = g_build_filename(base, "root", "etc", NULL);
	g_autofree char *inside = g_build_filename(base, "root", host, NULL);
	g_autofree char *p = NULL;

	g_assert_cmpint(g_mkdir_with_parents(host, 0700), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(etc, 0700), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(inside, 0700), ==, 0);
	p = g_build_filename(host, "resolv.conf", NULL);
	g_assert_true(g_file_set_contents(p, "host", -1, NULL));
	g_free(p);
	p = g_build_filename(inside, "resolv.conf", NULL);
	g_assert_true(g_file_set_contents(p, "inside", -1, NULL));
	g_free(p);
	p = g_build_filename(etc, "resolv.conf", NULL);
	g_assert_true(g_file_set_contents(p, "root", -1, NULL));
	g_free(p);
	p = g_build_filename(etc, "fifo", NULL);
	g_assert_cmpint(mkfifo(p, 0600), ==, 0);
	g_free(p);
	p = g_build_filename(etc, "rel", NULL);
	g_assert_cmpint(symlink("resolv.conf", p), ==, 0);
	g_free(p);
	p = g_build_filename(etc, "abs", NULL);
	{
		g_autofree char *target =
			g_build_filename(host, "resolv.conf", NULL);

		g_assert_cmpint(symlink(target, p), ==, 0);
	}
	g_free(p);
	p = g_build_filename(base, "root", "linked", NULL);
	g_assert_cmpint(symlink(host, p), ==, 0);
}

/**
 * test_remove() - Remove the temporary tree
 * @base:	Its top directory
 */
static void test_remove(const char *base)
{
	const char *argv[] = {"rm", "-rf", "--one-file-system", base, NULL};
	g_autoptr(GError) error = NULL;
	int status;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
				   G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
				   &status, &error));
	g_assert_no_error(error);
	g_assert_true(g_spawn_check_wait_status(status, NULL));
}

/**
 * test_read() - Open a file with lp_hook_file_open(), read it
 * @root:	Root or NULL
 * @path:	Path
 *
 * Return: contents, or "E: MESSAGE"; caller frees
 */
static char *test_read(const char *root, const char *path)
{
	g_autoptr(GError) error = NULL;
	char buf[64];
	ssize_t n;
	int fd;

	fd = lp_hook_file_open(root, path, &error);
	if (fd < 0)
		return g_strdup_printf("E: %s", error->message);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	g_assert_cmpint(n, >=, 0);
	buf[n] = '\0';
	return g_strdup(buf);
}

/**
 * test_cases() - The cases, with what openat2() or the walk answers
 * @walk:	true if openat2() is unavailable
 */
static void test_cases(bool walk)
{
	g_autofree char *base = g_dir_make_tmp("lp-hook-file-XXXXXX", NULL);
	g_autofree char *root = g_build_filename(base, "root", NULL);
	g_autofree char *host_file =
		g_build_filename(base, "host", "resolv.conf", NULL);
	g_autofree char *fifo = g_build_filename(root, "etc", "fifo", NULL);
	g_autofree char *abs = g_build_filename(root, "etc", "abs", NULL);
	const char *eloop = g_strerror(ELOOP);
	g_autofree char *s = NULL;

#define CHECK(r, p, want)                                                      \
	do {                                                                   \
		g_free(s);                                                     \
		s = test_read(r, p);                                           \
		g_assert_cmpstr(s, ==, want);                                  \
	} while (0)

	test_tree(base);
	CHECK(root, "etc/resolv.conf", "root");
	CHECK(root, "etc/fifo", "E: not a regular file");
	CHECK(root, "etc", "E: not a regular file");
	if (walk) {
		g_autofree char *want = g_strdup_printf("E: %s", eloop);

		/* no link at all is followed */
		CHECK(root, "etc/rel", want);
		CHECK(root, "etc/abs", want);
		/* a linked directory: O_DIRECTORY | O_NOFOLLOW */
		CHECK(root, "linked/resolv.conf", "E: Not a directory");
		CHECK(root, "etc/../etc/resolv.conf",
		      "E: Invalid cross-device link");
	} else {
		/* links resolve inside the root file system */
		CHECK(root, "etc/rel", "root");
		CHECK(root, "etc/abs", "inside");
		CHECK(root, "linked/resolv.conf", "inside");
		CHECK(root, "../../../../etc/resolv.conf", "root");
	}
	/* a host path: a FIFO or a final link is refused */
	CHECK(NULL, host_file, "host");
	CHECK(NULL, fifo, "E: not a regular file");
	g_free(s);
	s = test_read(NULL, abs);
	g_assert_true(g_str_has_prefix(s, "E: "));
#undef CHECK
	test_remove(base);
}

/**
 * test_openat2() - The cases as this kernel resolves them
 */
static void test_openat2(void)
{
	if (syscall(SYS_openat2, -1, "", NULL, 0) < 0 && errno == ENOSYS) {
		g_test_skip("the kernel has no openat2()");
		return;
	}
	test_cases(false);
}

/**
 * test_no_openat2() - The cases where openat2() fails with ENOSYS
 */
static void test_no_openat2(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {.len = G_N_ELEMENTS(f), .filter = f};

	if (g_test_subprocess()) {
		g_assert_cmpint(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), ==, 0);
		g_assert_cmpint(
			prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0),
			==, 0);
		g_assert_cmpint(syscall(SYS_openat2, -1, "", NULL, 0), ==, -1);
		g_assert_cmpint(errno, ==, ENOSYS);
		test_cases(true);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/hook-file/openat2", test_openat2);
	g_test_add_func("/hook-file/no-openat2", test_no_openat2);

	return g_test_run();
}
