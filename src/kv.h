/* SPDX-License-Identifier: Apache-2.0 */
/* kv.h - a small owned list of string pairs (annotations). */
#ifndef LXH_KV_H
#define LXH_KV_H

#include <stddef.h>

struct kv {
	char *key;
	char *value;
};

struct kv_list {
	struct kv *items;
	size_t n;
	size_t cap; /* grows geometrically: a state may carry hundreds of thousands of annotations */
};

/* Append copies of @key/@value (value may contain any byte but NUL). Returns: 0 or -ENOMEM. */
int kv_list_add(struct kv_list *l, const char *key, const char *value);
/* Returns: the value of the first entry named @key, or NULL. */
const char *kv_list_get(const struct kv_list *l, const char *key);
void kv_list_free(struct kv_list *l);

#endif
