/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-arena.c - the state parser's memory: blocks from the caller's buffer, aligned; the
 * last one grows in place; what does not fit comes from the heap and goes back to it
 * (valgrind, which runs the unit tests under check-valgrind, sees any leak).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "tap.h"

static bool in(const struct arena *a, const void *p)
{
	return (const char *)p >= a->base && (const char *)p < a->base + a->size;
}

int main(void)
{
	char buf[1024 + 3];
	struct arena a;
	char *p, *q, *r;

	arena_init(&a, buf + 3, 1024); /* any alignment given */
	p = arena_alloc(&a, 5);
	q = arena_alloc(&a, 1);
	ok(p && q && in(&a, p) && in(&a, q), "small blocks come from the buffer");
	ok((uintptr_t)p % 16 == 0 && (uintptr_t)q % 16 == 0, "16-byte aligned");
	ok(q >= p + 5, "and do not overlap");

	memset(q, 'q', 1);
	r = arena_realloc(&a, q, 200);
	ok(r == q && r[0] == 'q', "the last block grows where it is");
	r = arena_realloc(&a, p, 100);
	ok(r != p && in(&a, r), "an earlier block moves to grow");

	p = arena_alloc(&a, 4096);
	ok(p && !in(&a, p) && a.spilled, "a block that does not fit comes from the heap");
	memset(p, 'h', 4096);
	q = arena_realloc(&a, p, 8192);
	ok(q && q[4095] == 'h' && !in(&a, q), "and grows on the heap, its bytes kept");
	arena_free(&a, q);
	ok(a.spilled == NULL, "arena_free gives a heap block back at once");

	p = arena_strndup(&a, "abcdef", 3);
	is_str(p, "abc", "arena_strndup copies n bytes and ends them");
	arena_free(&a, p); /* a buffer block: kept until release, harmless */
	arena_free(&a, NULL);

	for (int i = 0; i < 10; i++)
		(void)arena_alloc(&a, 300);
	ok(a.spilled != NULL, "more blocks than the buffer holds spill");
	arena_release(&a);
	ok(a.spilled == NULL && a.used == 0, "arena_release frees them and starts over");
	ok(arena_alloc(&a, SIZE_MAX - 8) == NULL, "an impossible size is refused, not wrapped");
	return done_testing();
}
