/* SPDX-License-Identifier: Apache-2.0 */
/*
 * threadns.h - the mount namespace of a process as all of its threads have it.
 *
 * /proc/PID/ns/mnt is the thread-group leader's namespace only: each thread has its
 * own (after unshare(CLONE_FS), setns() moves one thread). A runtime may keep one
 * thread in the container's namespace while it runs hooks (runc 1.2+: the mount
 * source thread of goCreateMountSources in libcontainer/process_linux.go), and that
 * thread may be the leader. What a process's namespace "is" is therefore judged from
 * /proc/PID/task/TID/ns/mnt of every thread.
 */
#ifndef LXH_THREADNS_H
#define LXH_THREADNS_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/**
 * proc_threads_all_in_mntns - are all threads of @pid in the mount namespace @ns (a stat
 * of an ns file)? Stops at the first thread that settles it: one elsewhere, or one whose
 * namespace cannot be read once another was seen in @ns (it may be anywhere). A thread
 * that exits while it is read is not counted.
 * Returns: 1 (all in), 0 (not all in), or a negative errno: the thread list or the
 * first thread's namespace was unreadable (-EACCES, -EPERM), or the process is gone.
 */
int proc_threads_all_in_mntns(pid_t pid, const struct stat *ns);

/**
 * proc_mntns_agreed - the mount namespace every thread of @pid is in.
 * @ns: filled with the stat of /proc/PID/ns/mnt (the leader's), which the others share
 * Returns: 0; -EXDEV when the threads are in different namespaces (a runtime half way
 * into a container: the process names no namespace); or another negative errno.
 */
int proc_mntns_agreed(pid_t pid, struct stat *ns);

#endif
