/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mountinfo.h"
#include "statmount.h"
#include "util.h"

/* The kernel's ABI (include/uapi/linux/mount.h, nsfs.h), for headers older than it. */
#ifndef __NR_statmount
#define __NR_statmount 457
#endif
#ifndef __NR_listmount
#define __NR_listmount 458
#endif
#define SM_STATX_MNT_ID_UNIQUE 0x00004000U /* 6.8 */
#define SM_LSMT_ROOT 0xffffffffffffffffULL
#define SM_REQ_SIZE_VER1 32 /* with mnt_ns_id, 6.11 */
#define SM_SB_BASIC 0x00000001U
#define SM_MNT_BASIC 0x00000002U
#define SM_MNT_POINT 0x00000010U
#define SM_FS_TYPE 0x00000020U
#define SM_MNT_OPTS 0x00000080U
#define SM_FS_SUBTYPE 0x00000100U
#define SM_MOUNT_ATTR_RDONLY 0x00000001U
#define SM_NS_GET_MNTNS_ID _IOR(0xb7, 0x5, uint64_t)

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

struct sm_req {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
	uint64_t mnt_ns_id;
};

/* struct statmount up to the fields read here; the strings follow the whole struct. */
struct sm_mount {
	uint32_t size;
	uint32_t mnt_opts;
	uint64_t mask;
	uint32_t sb_dev_major;
	uint32_t sb_dev_minor;
	uint64_t sb_magic;
	uint32_t sb_flags;
	uint32_t fs_type;
	uint64_t mnt_id;
	uint64_t mnt_parent_id;
	uint32_t mnt_id_old;
	uint32_t mnt_parent_id_old;
	uint64_t mnt_attr;
	uint64_t mnt_propagation;
	uint64_t mnt_peer_group;
	uint64_t mnt_master;
	uint64_t propagate_from;
	uint32_t mnt_root;
	uint32_t mnt_point;
	uint64_t mnt_ns_id;
	uint32_t fs_subtype;
};

static bool disabled;
/* Set once an answer carried a subtype: this kernel fills it, so an answer without one has none. */
static bool subtype_known;

void sm_disable(void) { disabled = true; }

/* The size of struct statmount up to its "str" member, where the strings' offsets count from. */
#define SM_STRUCT_SIZE 512

/*
 * The answer and its strings: lxcfs's are short, a mount point at most PATH_MAX. The strings
 * are a member of their own, not an offset into one buffer, so that every read of them is
 * bounded by what they are (GCC's -Wstringop-overread took a read past the struct for one
 * past its first field).
 */
struct sm_buf {
	struct sm_mount m;
	char unread[SM_STRUCT_SIZE - sizeof(struct sm_mount)];
	char str[512 + PATH_MAX];
};
_Static_assert(sizeof(struct sm_mount) <= SM_STRUCT_SIZE, "struct statmount is 512 bytes before its strings");
_Static_assert(offsetof(struct sm_buf, str) == SM_STRUCT_SIZE, "the strings start where the kernel puts them");

static const char *sm_str(const struct sm_buf *b, uint32_t off)
{
	if (off >= sizeof(b->str) || (size_t)SM_STRUCT_SIZE + off >= b->m.size)
		return NULL;
	return b->str + off;
}

/*
 * statmount(@id) in namespace @ns_id (0: ours), asking for @want and @also (fields an answer
 * may leave out: an empty string is). Returns: 0 with every field of @want, or -1.
 */
static int sm_get_also(uint64_t id, uint64_t ns_id, uint64_t want, uint64_t also, struct sm_buf *b)
{
	struct sm_req req = { .size = SM_REQ_SIZE_VER1, .mnt_id = id, .param = want | also, .mnt_ns_id = ns_id };

	if (syscall(__NR_statmount, &req, b, sizeof(*b), 0) < 0) {
		/* Before 6.8 (or valgrind): every later call would fail the same way. */
		if (errno == ENOSYS)
			disabled = true;
		return -1;
	}
	/* The subtype came after statmount: a kernel that does not fill it cannot tell "lxcfs". */
	if (b->m.mask & SM_FS_SUBTYPE)
		subtype_known = true;
	if ((b->m.mask & want) != want) {
		errno = EOPNOTSUPP;
		return -1;
	}
	b->str[sizeof(b->str) - 1] = '\0';
	return 0;
}

static int sm_get(uint64_t id, uint64_t ns_id, uint64_t want, struct sm_buf *b)
{
	return sm_get_also(id, ns_id, want, 0, b);
}

static bool sm_is_lxcfs(const struct sm_buf *b)
{
	const char *type = sm_str(b, b->m.fs_type), *subtype = sm_str(b, b->m.fs_subtype);

	return b->m.sb_magic == FUSE_SUPER_MAGIC && type && subtype && strcmp(type, "fuse") == 0 &&
	       strcmp(subtype, "lxcfs") == 0;
}

int sm_lxcfs_root(const char *path, dev_t *dev)
{
	const uint64_t want = SM_SB_BASIC | SM_MNT_POINT | SM_FS_TYPE | SM_MNT_OPTS | SM_FS_SUBTYPE;
	struct sm_buf b;
	struct statx stx;
	const char *point, *opts;
	unsigned long uid;

	if (disabled)
		return 0;
	/* AT_STATX_DONT_SYNC: the mount id without asking lxcfs anything (it may hang). */
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC, SM_STATX_MNT_ID_UNIQUE, &stx) < 0)
		return 0;
	if (!(stx.stx_mask & SM_STATX_MNT_ID_UNIQUE) || !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return 0;
	if (sm_get(stx.stx_mnt_id, 0, want, &b) < 0 || !sm_is_lxcfs(&b))
		return 0;
	/* The mount point itself, as mountinfo would name it: not a path through a symlink. */
	point = sm_str(&b, b.m.mnt_point);
	opts = sm_str(&b, b.m.mnt_opts);
	if (!point || strcmp(point, path) != 0 || !opts)
		return 0;
	/* Only root's lxcfs (lxcfs.c: mounted_by_root); anything else is left to the mount table's message. */
	if (mountinfo_option_uint(opts, "user_id", &uid) < 0 || uid != 0)
		return 0;
	*dev = makedev(b.m.sb_dev_major, b.m.sb_dev_minor);
	return 1;
}

int sm_lxcfs_layers(int mntns_fd, dev_t dev, int **ids, size_t *n)
{
	struct sm_req req = { .size = SM_REQ_SIZE_VER1, .mnt_id = SM_LSMT_ROOT };
	cleanup_free int *out = NULL;
	size_t count = 0, cap = 0;
	uint64_t list[128];
	struct sm_buf b;
	long got;

	if (disabled || ioctl(mntns_fd, SM_NS_GET_MNTNS_ID, &req.mnt_ns_id) < 0)
		return 0;
	do {
		got = syscall(__NR_listmount, &req, list, ARRAY_SIZE(list), 0);
		if (got < 0)
			return 0;
		for (long i = 0; i < got; i++) {
			/* The numbers first; the type, a string, only of a mount on lxcfs's device. */
			if (sm_get(list[i], req.mnt_ns_id, SM_SB_BASIC | SM_MNT_BASIC, &b) < 0) {
				if (errno == ENOENT) /* gone since listmount: not there */
					continue;
				return 0;
			}
			if (makedev(b.m.sb_dev_major, b.m.sb_dev_minor) != dev || b.m.sb_magic != FUSE_SUPER_MAGIC)
				continue;
			/* Empty strings are left out of the mask: without "lxcfs" in it, this kernel cannot tell. */
			if (sm_get(list[i], req.mnt_ns_id, SM_SB_BASIC | SM_MNT_BASIC | SM_FS_TYPE | SM_FS_SUBTYPE, &b) < 0) {
				if (errno == ENOENT)
					continue;
				return 0;
			}
			if (!sm_is_lxcfs(&b))
				return 0;
			if (count == cap) {
				int *grown = realloc(out, (cap = cap ? cap * 2 : 16) * sizeof(*grown));

				if (!grown)
					return -ENOMEM;
				out = grown;
			}
			out[count++] = (int)b.m.mnt_id_old;
		}
		if (got > 0)
			req.param = list[got - 1];
	} while (got == (long)ARRAY_SIZE(list));
	/* A list, even an empty one: NULL would mean "unknown" to the caller. */
	if (!out && !(out = calloc(1, sizeof(*out))))
		return -ENOMEM;
	*ids = move_ptr(out);
	*n = count;
	return 1;
}

/* More mounts than this in one namespace (a mountinfo of tens of MiB): left to the text's own bound. */
#define SM_NS_TABLE_MAX (256u * 1024)

/* One mount of sm_ns_table's: 1 added, 0 gone since listmount, -1 cannot tell, -ENOMEM. */
static int ns_table_add(uint64_t id, uint64_t ns_id, struct sm_buf *b, struct mountinfo *out, size_t *cap)
{
	const uint64_t want = SM_SB_BASIC | SM_MNT_BASIC | SM_MNT_POINT | SM_FS_TYPE;
	const char *type, *subtype, *point;
	cleanup_free char *fstype = NULL, *target = NULL;
	size_t type_len;

	/* The subtype is asked of every mount: where it is empty the answer leaves it out. */
	if (sm_get_also(id, ns_id, want, SM_FS_SUBTYPE, b) < 0)
		return errno == ENOENT ? 0 : -1;
	type = sm_str(b, b->m.fs_type);
	subtype = b->m.mask & SM_FS_SUBTYPE ? sm_str(b, b->m.fs_subtype) : NULL;
	point = sm_str(b, b->m.mnt_point);
	if (!type || !point)
		return -1;
	if (out->n == SM_NS_TABLE_MAX)
		return -1;
	if (out->n == *cap) {
		struct mountinfo_entry *grown = realloc(out->entries, (*cap = *cap ? *cap * 2 : 64) * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		out->entries = grown;
	}
	/* As mountinfo names it: "fuse.lxcfs" is the type and the subtype. */
	type_len = strlen(type);
	fstype = malloc(type_len + (subtype ? strlen(subtype) + 1 : 0) + 1);
	target = strdup(point);
	if (!fstype || !target)
		return -ENOMEM;
	memcpy(fstype, type, type_len + 1);
	if (subtype) {
		fstype[type_len] = '.';
		strcpy(fstype + type_len + 1, subtype);
	}
	out->entries[out->n] = (struct mountinfo_entry){ .id = (int)b->m.mnt_id_old, .parent = (int)b->m.mnt_parent_id_old,
							 .dev = makedev(b->m.sb_dev_major, b->m.sb_dev_minor),
							 .fstype = move_ptr(fstype), .target = move_ptr(target) };
	out->n++;
	return 1;
}

int sm_ns_table(int mntns_fd, struct mountinfo *out)
{
	struct sm_req req = { .size = SM_REQ_SIZE_VER1, .mnt_id = SM_LSMT_ROOT };
	size_t cap = 0;
	uint64_t list[128];
	struct sm_buf b;
	long got;
	int rc = 1;

	memset(out, 0, sizeof(*out));
	/* On a kernel that does not fill the subtype, a stale lxcfs layer is only "fuse" here. */
	if (disabled || !subtype_known || ioctl(mntns_fd, SM_NS_GET_MNTNS_ID, &req.mnt_ns_id) < 0)
		return 0;
	do {
		got = syscall(__NR_listmount, &req, list, ARRAY_SIZE(list), 0);
		if (got < 0)
			rc = 0;
		for (long i = 0; i < got && rc == 1; i++) {
			int added = ns_table_add(list[i], req.mnt_ns_id, &b, out, &cap);

			/* A mount gone since listmount: its children may be reparented, so read the table again. */
			rc = added == 0 ? -EAGAIN : added < 0 ? added : 1;
		}
		if (got > 0)
			req.param = list[got - 1];
	} while (rc == 1 && got == (long)ARRAY_SIZE(list));
	if (rc == -1)
		rc = 0;
	if (rc != 1)
		mountinfo_free(out);
	return rc;
}

int sm_fd_mount(int fd, struct sm_fd_mount *out)
{
	struct sm_buf b;
	struct statx stx;

	if (disabled)
		return 0;
	/* AT_STATX_DONT_SYNC: attributes as cached, no FUSE_GETATTR; the mount id is the VFS's. */
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, SM_STATX_MNT_ID_UNIQUE, &stx) < 0 ||
	    !(stx.stx_mask & SM_STATX_MNT_ID_UNIQUE))
		return 0;
	if (sm_get(stx.stx_mnt_id, 0, SM_SB_BASIC | SM_MNT_BASIC, &b) < 0)
		return 0;
	out->dev = makedev(b.m.sb_dev_major, b.m.sb_dev_minor);
	out->magic = (unsigned long)b.m.sb_magic;
	out->rdonly = b.m.mnt_attr & SM_MOUNT_ATTR_RDONLY;
	return 1;
}

int fd_mount_describe(int fd, struct sm_fd_mount *out)
{
	struct statfs sfs;
	struct stat st;

	if (sm_fd_mount(fd, out) == 1)
		return 0;
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return -errno;
	*out = (struct sm_fd_mount){ .dev = st.st_dev, .magic = (unsigned long)sfs.f_type,
				     .rdonly = sfs.f_flags & ST_RDONLY };
	return 0;
}
