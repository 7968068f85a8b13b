/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h - memory carved from a buffer the caller owns, the heap only past its end.
 *
 * Why: the hook's first malloc costs more than the rest of the unannotated path together
 * (the heap is a new mapping; its first page faults take ~60 us here, issue 11). Parsing the
 * state into a buffer on the stack lets a container that is not annotated finish without
 * ever touching the heap. Bigger inputs still work: what does not fit comes from malloc.
 */
#ifndef LXH_ARENA_H
#define LXH_ARENA_H

#include <stddef.h>

struct arena_spill; /* a block that did not fit, on the heap */

struct arena {
	char *base;
	size_t size, used;
	struct arena_spill *spilled; /* freed by arena_release */
};

/* Start handing out @size bytes at @base (any alignment). */
void arena_init(struct arena *a, void *base, size_t size);

/* @n bytes, 16-byte aligned, from the buffer or else the heap. Returns: NULL only when malloc fails. */
void *arena_alloc(struct arena *a, size_t n);
/* Grow or shrink @p (from this arena, or NULL) keeping its bytes. Returns: NULL when malloc fails (@p kept). */
void *arena_realloc(struct arena *a, void *p, size_t n);
/* Give @p back: heap blocks are freed now, buffer blocks with the arena. NULL is fine. */
void arena_free(struct arena *a, void *p);
/* A NUL-terminated copy of @n bytes at @s. Returns: NULL only when malloc fails. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Free every heap block and start over on the same buffer. */
void arena_release(struct arena *a);

#endif
