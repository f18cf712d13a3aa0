// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * steer-pin.c - the steering program's pins in bpffs: the directory, and
 * finding a link and map pinned there that still serve this namespace
 *
 * Copyright lowport authors
 *
 * The pin directory holds two objects: "link", the netns bpf_link of the
 * sk_lookup program (steer.bpf.c), and "map", its socket hash. The pins keep
 * both alive while no process holds them, so steering goes on while lowportd
 * is down; removing them (rm -rf the directory) detaches the program.
 *
 * A pinned pair is only reused if the link is an sk_lookup link of the
 * caller's network namespace and its program uses the pinned map; anything
 * else (a link of another or a dead namespace, a foreign map) is replaced.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <glib.h>

#include "netutils/steer/steer.h"
#include "netutils/steer/steer-pin.h"
#include "netutils/util.h"

/**
 * lp_steer_pin_netns_ino() - Inode of the caller's network namespace
 * @ret_ino:	Inode number, on success
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_steer_pin_netns_ino(uint32_t *ret_ino)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st) < 0)
		return -errno;
	*ret_ino = (uint32_t)st.st_ino;
	return 0;
}

/**
 * steer_pin_is_bpffs() - Is @path a directory on a bpf file system?
 * @path:	Path
 *
 * Return: 1 if so, 0 if it is something else, negative errno if it is
 * inaccessible
 */
static int steer_pin_is_bpffs(const char *path)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(path, &sfs) < 0 || stat(path, &st) < 0)
		return -errno;
	return sfs.f_type == BPF_FS_MAGIC && S_ISDIR(st.st_mode);
}

/**
 * lp_steer_pin_dir() - Check the pin directory is on bpffs, maybe create it
 * @pin_dir:	Pin directory
 * @create:	Create @pin_dir (mode 0700) if it is missing
 * @error:	Return location for a GError
 *
 * A missing @pin_dir is only created if its parent is on bpffs, so nothing
 * lands in an ordinary file system. Without @create, a missing @pin_dir
 * whose parent is on bpffs counts as usable.
 *
 * Return: true if @pin_dir is (or can be) a directory on bpffs
 */
bool lp_steer_pin_dir(const char *pin_dir, bool create, GError **error)
{
	g_autofree char *parent = NULL;
	int r;

	if (!pin_dir || pin_dir[0] != '/' || strlen(pin_dir) >= PATH_MAX - 16) {
		g_set_error(error, LP_STEER_ERROR, EINVAL,
			    "BPF pin directory \"%s\" is not an absolute path",
			    pin_dir ? pin_dir : "");
		return false;
	}
	r = steer_pin_is_bpffs(pin_dir);
	if (r == 1)
		return true;
	if (r == 0) {
		g_set_error(error, LP_STEER_ERROR, ENOTDIR,
			    "no bpffs at %s (mount -t bpf bpf %s, or choose a "
			    "directory under a bpffs mount)",
			    pin_dir, pin_dir);
		return false;
	}
	if (r != -ENOENT) {
		g_set_error(error, LP_STEER_ERROR, -r,
			    "cannot use BPF pin directory %s: %s", pin_dir,
			    g_strerror(-r));
		return false;
	}

	parent = g_path_get_dirname(pin_dir);
	if (steer_pin_is_bpffs(parent) != 1) {
		g_set_error(
			error, LP_STEER_ERROR, ENOENT,
			"no bpffs at %s (for BPF pin directory %s; mount -t "
			"bpf bpf %s)",
			parent, pin_dir, parent);
		return false;
	}
	if (create && mkdir(pin_dir, 0700) < 0 && errno != EEXIST) {
		g_set_error(error, LP_STEER_ERROR, errno,
			    "cannot create BPF pin directory %s: %s", pin_dir,
			    g_strerror(errno));
		return false;
	}
	return true;
}

/**
 * lp_steer_pin_obj_ids() - Kernel ids of a link and a map
 * @link_fd:	Link descriptor
 * @map_fd:	Map descriptor
 * @ret_link_id:	Id of the link, on success
 * @ret_map_id:	Id of the map, on success
 *
 * Return: 0 on success, negative errno on failure
 */
int lp_steer_pin_obj_ids(int link_fd, int map_fd, uint32_t *ret_link_id,
			 uint32_t *ret_map_id)
{
	struct bpf_link_info li = {0};
	struct bpf_map_info mi = {0};
	uint32_t len = sizeof(li);
	int r;

	r = bpf_obj_get_info_by_fd(link_fd, &li, &len);
	if (r < 0)
		return r;
	len = sizeof(mi);
	r = bpf_obj_get_info_by_fd(map_fd, &mi, &len);
	if (r < 0)
		return r;
	*ret_link_id = li.id;
	*ret_map_id = mi.id;
	return 0;
}

/**
 * steer_pin_prog_uses_map() - Does a program use a given map?
 * @prog_id:	Program id
 * @map_id:	Map id
 *
 * Opening a program by id needs CAP_SYS_ADMIN, which lowportd (CAP_BPF and
 * CAP_NET_ADMIN, contrib/systemd/lowportd.service.in) does not have: then
 * the program cannot be looked at, and the pair is taken as it is (both
 * pins sit in lowportd's own directory, the link is checked to be an
 * sk_lookup link of this namespace and the map a steering socket hash).
 *
 * Return: true if the program is an sk_lookup program using @map_id, or
 * if it cannot be opened for lack of privilege
 */
static bool steer_pin_prog_uses_map(uint32_t prog_id, uint32_t map_id)
{
	uint32_t ids[8] = {0}, len, i;
	struct bpf_prog_info pi = {0};
	lp_autofd int fd = -1;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd == -EPERM)
		return true;
	if (fd < 0)
		return false;
	pi.nr_map_ids = LP_ELEMENTSOF(ids);
	pi.map_ids = (uintptr_t)ids;
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(fd, &pi, &len) < 0 ||
	    pi.type != BPF_PROG_TYPE_SK_LOOKUP)
		return false;
	for (i = 0; i < MIN(pi.nr_map_ids, LP_ELEMENTSOF(ids)); i++) {
		if (ids[i] == map_id)
			return true;
	}
	return false;
}

/**
 * steer_pin_check() - Does a pinned link and map pair serve this namespace?
 * @link_fd:	Pinned link
 * @map_fd:	Pinned map
 * @netns_ino:	Inode of the caller's network namespace
 * @ret:	Ids of both, filled in on success
 *
 * Return: NULL if the pair can be reused, else why not (static string)
 */
static const char *steer_pin_check(int link_fd, int map_fd, uint32_t netns_ino,
				   LpSteerPinned *ret)
{
	struct bpf_link_info li = {0};
	struct bpf_map_info mi = {0};
	uint32_t len = sizeof(li);

	if (bpf_obj_get_info_by_fd(link_fd, &li, &len) < 0)
		return "cannot read the pinned link";
	if (li.type != BPF_LINK_TYPE_NETNS ||
	    li.netns.attach_type != BPF_SK_LOOKUP)
		return "the pinned link is not a netns sk_lookup link";
	if (!li.netns.netns_ino)
		return "the pinned link's network namespace is gone";
	if (li.netns.netns_ino != netns_ino)
		return "the pinned link belongs to another network namespace";

	len = sizeof(mi);
	if (bpf_obj_get_info_by_fd(map_fd, &mi, &len) < 0)
		return "cannot read the pinned map";
	if (mi.type != BPF_MAP_TYPE_SOCKHASH ||
	    mi.key_size != sizeof(struct lp_steer_key) || mi.value_size != 8)
		return "the pinned map is not a steering socket hash";
	if (!steer_pin_prog_uses_map(li.prog_id, mi.id))
		return "the pinned link's program does not use the pinned map";

	ret->link_id = li.id;
	ret->map_id = mi.id;
	return NULL;
}

/**
 * lp_steer_pin_find() - Open the link and map pinned in a directory
 * @pin_dir:	Pin directory
 * @ret:	Descriptors and ids, on success (the caller closes them)
 * @ret_why:	Why nothing usable was found, on -ENOENT (static string)
 *
 * Return: 0 if a pair serving the caller's network namespace was found,
 * -ENOENT if there is none (or it serves another namespace), other negative
 * errno on failure
 */
int lp_steer_pin_find(const char *pin_dir, LpSteerPinned *ret,
		      const char **ret_why)
{
	g_autofree char *link_path = NULL, *map_path = NULL;
	lp_autofd int link_fd = -1, map_fd = -1;
	uint32_t netns_ino;
	int r;

	r = lp_steer_pin_netns_ino(&netns_ino);
	if (r < 0)
		return r;
	link_path = g_build_filename(pin_dir, LP_STEER_PIN_LINK, NULL);
	map_path = g_build_filename(pin_dir, LP_STEER_PIN_MAP, NULL);
	link_fd = bpf_obj_get(link_path);
	map_fd = bpf_obj_get(map_path);
	if (link_fd < 0 || map_fd < 0) {
		*ret_why = "nothing pinned";
		if ((link_fd < 0 && link_fd != -ENOENT) ||
		    (map_fd < 0 && map_fd != -ENOENT))
			*ret_why = "cannot open the pinned link or map";
		return -ENOENT;
	}
	*ret_why = steer_pin_check(link_fd, map_fd, netns_ino, ret);
	if (*ret_why)
		return -ENOENT;
	ret->link_fd = lp_steal_fd(&link_fd);
	ret->map_fd = lp_steal_fd(&map_fd);
	return 0;
}

/**
 * lp_steer_pin_unpin() - Remove the pins (the link detaches once unused)
 * @pin_dir:	Pin directory
 *
 * Return: 0 on success (also if nothing was pinned), negative errno on
 * failure
 */
int lp_steer_pin_unpin(const char *pin_dir)
{
	const char *names[] = {LP_STEER_PIN_LINK, LP_STEER_PIN_MAP};
	size_t i;
	int r = 0;

	for (i = 0; i < LP_ELEMENTSOF(names); i++) {
		g_autofree char *path =
			g_build_filename(pin_dir, names[i], NULL);

		if (unlink(path) < 0 && errno != ENOENT)
			r = -errno;
	}
	return r;
}
