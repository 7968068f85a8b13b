/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/*
 * Every block starts with its size, so realloc knows what to copy. Heap blocks are also
 * linked, so arena_release frees what its owner never gave back (a parse that failed midway).
 */
struct arena_head {
	size_t size;
	size_t on_heap;
};

struct arena_spill {
	struct arena_spill *prev, *next;
	struct arena_head head; /* last: the block's bytes follow it */
};

#define ALIGN 16u
_Static_assert(sizeof(struct arena_head) == ALIGN, "block bytes stay 16-byte aligned");
_Static_assert(sizeof(struct arena_spill) % ALIGN == 0, "heap bytes stay 16-byte aligned");

static struct arena_head *head_of(void *p) { return (struct arena_head *)((char *)p - sizeof(struct arena_head)); }

void arena_init(struct arena *a, void *base, size_t size)
{
	uintptr_t start = ((uintptr_t)base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
	size_t skip = (size_t)(start - (uintptr_t)base);

	a->base = (char *)start;
	a->size = size > skip ? size - skip : 0;
	a->used = 0;
	a->spilled = NULL;
}

static void *spill(struct arena *a, size_t n)
{
	struct arena_spill *s;

	if (n > SIZE_MAX - sizeof(*s))
		return NULL;
	s = malloc(sizeof(*s) + n);
	if (!s)
		return NULL;
	s->head.size = n;
	s->head.on_heap = 1;
	s->prev = NULL;
	s->next = a->spilled;
	if (s->next)
		s->next->prev = s;
	a->spilled = s;
	return s + 1;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need;
	struct arena_head *h;

	if (n > SIZE_MAX - 2 * ALIGN)
		return NULL;
	need = sizeof(*h) + ((n + ALIGN - 1) & ~(size_t)(ALIGN - 1));
	if (need > a->size - a->used)
		return spill(a, n);
	h = (struct arena_head *)(a->base + a->used);
	a->used += need;
	h->size = n;
	h->on_heap = 0;
	return h + 1;
}

void arena_free(struct arena *a, void *p)
{
	struct arena_spill *s;

	if (!p || !head_of(p)->on_heap)
		return;
	s = (struct arena_spill *)((char *)p - sizeof(*s));
	if (s->prev)
		s->prev->next = s->next;
	else
		a->spilled = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s);
}

void *arena_realloc(struct arena *a, void *p, size_t n)
{
	void *q;
	size_t old;

	if (!p)
		return arena_alloc(a, n);
	old = head_of(p)->size;
	if (n <= old) {
		head_of(p)->size = n;
		return p;
	}
	/* The buffer's last block grows where it is: yajl's buffers double as they fill. */
	if (!head_of(p)->on_heap && n <= SIZE_MAX - 2 * ALIGN) {
		size_t have = (old + ALIGN - 1) & ~(size_t)(ALIGN - 1), want = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);

		if ((char *)p + have == a->base + a->used && want - have <= a->size - a->used) {
			a->used += want - have;
			head_of(p)->size = n;
			return p;
		}
	}
	q = arena_alloc(a, n);
	if (!q)
		return NULL;
	memcpy(q, p, old);
	arena_free(a, p);
	return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *d = n < SIZE_MAX ? arena_alloc(a, n + 1) : NULL;

	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void arena_release(struct arena *a)
{
	while (a->spilled) {
		struct arena_spill *next = a->spilled->next;

		free(a->spilled);
		a->spilled = next;
	}
	a->used = 0;
}
