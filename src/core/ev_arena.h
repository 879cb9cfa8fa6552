/*
 * ev_arena: a bump allocator for per-request data (decoded events, their
 * strings and arrays). Everything allocated from an arena is released at
 * once by ev_arena_reset (memory kept for reuse) or ev_arena_free.
 *
 * Ownership: callers never free individual allocations. Pointers stay valid
 * until the next reset/free of the arena. Not thread-safe: one arena per
 * thread or request.
 */
#ifndef EV_CORE_ARENA_H
#define EV_CORE_ARENA_H

#include <stddef.h>

typedef struct ev_arena_block ev_arena_block;

typedef struct ev_arena {
    ev_arena_block *head;   /* block being filled; older blocks chained */
    size_t block_size;      /* default size of new blocks, bytes */
} ev_arena;

#define EV_ARENA_INIT {NULL, 0}

void ev_arena_init(ev_arena *a, size_t block_size);
/* Returns `size` bytes aligned for any object, or NULL when memory runs out. */
void *ev_arena_alloc(ev_arena *a, size_t size);
/* Zero-filled ev_arena_alloc(n * size), with overflow checked. */
void *ev_arena_calloc(ev_arena *a, size_t n, size_t size);
/* Copies len bytes and a terminating NUL into the arena. */
char *ev_arena_strndup(ev_arena *a, const char *s, size_t len);
char *ev_arena_strdup(ev_arena *a, const char *s);
/* Releases all allocations but keeps the first block for reuse. */
void ev_arena_reset(ev_arena *a);
void ev_arena_free(ev_arena *a);

#endif
