/* SPDX-License-Identifier: Apache-2.0 */
/* policy.h - which lxcfs files a container gets: the supported set and the annotation rules. Pure. */
#ifndef LXH_POLICY_H
#define LXH_POLICY_H

#include <stdbool.h>

#include "error.h"
#include "kv.h"

#define ANNOTATION_ENABLE "io.kubernetes.container.lxcfsEnable"
#define ANNOTATION_FILES "io.kubernetes.container.lxcfsFiles"

enum lxfile_id {
	LXF_PROC_CPUINFO,
	LXF_PROC_DISKSTATS,
	LXF_PROC_LOADAVG,
	LXF_PROC_MEMINFO,
	LXF_PROC_SLABINFO,
	LXF_PROC_STAT,
	LXF_PROC_SWAPS,
	LXF_PROC_UPTIME,
	LXF_PROC_PRESSURE_CPU,
	LXF_PROC_PRESSURE_IO,
	LXF_PROC_PRESSURE_MEMORY,
	LXF_SYS_CPU_ONLINE,
	LXF_SYS_CPU, /* the whole virtual directory: only when named */
	LXF_COUNT
};

enum lxfile_fs { LXF_FS_PROC, LXF_FS_SYS };

struct lxfile {
	enum lxfile_id id;
	const char *target;  /* path in the container: "/proc/meminfo" */
	const char *source;  /* path beneath the lxcfs root: "proc/meminfo" */
	const char *fs_rel;  /* path beneath the container's procfs or sysfs root: "meminfo" */
	enum lxfile_fs fs;
	bool is_dir;
	bool in_default;
};

extern const struct lxfile lxfiles[LXF_COUNT];

typedef unsigned lxfile_mask; /* bit (1u << id) */
#define LXF_BIT(id) (1u << (id))

enum default_mode { DEFAULT_OFF = 0, DEFAULT_ON };

/* Our two annotations as one source gives them: each NULL when absent. */
struct lxcfs_annotations {
	const char *enable; /* ANNOTATION_ENABLE */
	const char *files;  /* ANNOTATION_FILES */
};

/* true/false, case-insensitive, also 1/0, yes/no, on/off. Returns: 0, or -EINVAL. */
int policy_parse_bool(const char *value, bool *out);

/* Comma-separated container paths; blanks around items ignored. Returns: 0, or -EINVAL naming the bad item. */
int policy_parse_files(const char *value, lxfile_mask *out, struct lxh_error *err);

struct policy_decision {
	bool enabled;
	bool explicit_files;  /* lxcfsFiles given: each named file is required */
	lxfile_mask files;    /* default set, or the named files */
	char reason[160];     /* for the log: why enabled or not */
};

/**
 * policy_decide - decide from the annotations of the state (first; NULL: none) and of
 * config.json (when the state has none; NULL: none), else from @def.
 * An invalid enable value or lxcfsFiles is an error naming the annotation and the value
 * (the value shortened for the message). lxcfsFiles alone does not enable.
 * Returns: 0, or -EINVAL with @err filled.
 */
int policy_decide(const struct lxcfs_annotations *state_ann, const struct kv_list *spec_ann, enum default_mode def,
		  struct policy_decision *out, struct lxh_error *err);

#endif
