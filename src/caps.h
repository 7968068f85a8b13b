/* SPDX-License-Identifier: Apache-2.0 */
/* caps.h - run with only the capabilities the mount work needs. */
#ifndef LXH_CAPS_H
#define LXH_CAPS_H

#include "error.h"

/**
 * caps_drop - keep only the capabilities in caps.c's table, in the effective
 * and permitted sets, empty the inheritable and ambient ones, and set no_new_privs so no
 * exec can give any back.
 * Called before any input is read. Returns: 0, or a negative errno with @err filled.
 */
int caps_drop(struct lxh_error *err);

#endif
