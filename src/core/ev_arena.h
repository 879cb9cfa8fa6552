/*
 * ev_arena: a bump allocator for per-request data (decoded events, their
 * strings and arrays, parse trees). Everything allocated from an arena is
 * released at once by ev_arena_reset (memory kept for reuse) or
 * ev_arena_free.
 *
 * Ownership: callers never free individual allocations. Pointers stay valid
 * until the next reset/free of the arena. Not thread-safe: one arena per
 * thread or request.
 *
 * Retention: ev_arena_reset keeps one block of block_size bytes (the first
 * one allocated) and frees the rest, so an arena reused across requests
 * allocates nothing in steady state and one huge request does not pin its
 * memory after the reset.
 */
#ifndef EV_CORE_ARENA_H
#define EV_CORE_ARENA_H

#include <stddef.h>

typedef struct ev_arena_block ev_arena_block;

/* Fields are public only so that ev_arena_alloc can be inlined; treat them
 * as private. */
typedef struct ev_arena {
    unsigned char *ptr;   /* next free byte of the head block */
    size_t left;          /* bytes left after ptr; always a multiple of EV_ARENA_ALIGN */
    ev_arena_block *head; /* block being filled; older blocks chained */
    size_t block_size;    /* default size of new blocks, bytes */
} ev_arena;

#define EV_ARENA_INIT                                                                                        \
    {                                                                                                        \
        NULL, 0, NULL, 0                                                                                     \
    }
/* Alignment of every allocation: enough for any object. */
#define EV_ARENA_ALIGN _Alignof(max_align_t)

void ev_arena_init(ev_arena *a, size_t block_size);
/* Out-of-line part of ev_arena_alloc: new blocks, size 0, huge sizes. */
void *ev_arena_alloc_slow(ev_arena *a, size_t size);

/* Returns `size` bytes aligned for any object, or NULL when memory runs out.
 * Inline fast path: one compare and a bump. `size - 1` wraps for 0, so an
 * empty request also takes the slow path (it still returns a distinct
 * pointer); `left` being a multiple of the alignment makes size <= left
 * imply that the rounded size fits too. */
static inline void *ev_arena_alloc(ev_arena *a, size_t size)
{
    if (__builtin_expect(size - 1 < a->left, 1)) {
        size_t rounded = (size + EV_ARENA_ALIGN - 1) & ~(size_t)(EV_ARENA_ALIGN - 1);
        void *p = a->ptr;
        a->ptr += rounded;
        a->left -= rounded;
        return p;
    }
    return ev_arena_alloc_slow(a, size);
}

/* Zero-filled ev_arena_alloc(n * size), with overflow checked. */
void *ev_arena_calloc(ev_arena *a, size_t n, size_t size);
/* Copies len bytes and a terminating NUL into the arena. */
char *ev_arena_strndup(ev_arena *a, const char *s, size_t len);
char *ev_arena_strdup(ev_arena *a, const char *s);
/* Gives back `p`, `size` bytes, when it is the arena's most recent
 * allocation from its current block (as when an allocation is released
 * right after it was made); otherwise does nothing, and the memory returns
 * at the next reset. */
static inline void ev_arena_unwind(ev_arena *a, void *p, size_t size)
{
    size_t rounded = (size + EV_ARENA_ALIGN - 1) & ~(size_t)(EV_ARENA_ALIGN - 1);
    if (p != NULL && rounded != 0 && (unsigned char *)p + rounded == a->ptr) {
        a->ptr = p;
        a->left += rounded;
    }
}

/* A point in an arena's life to come back to: ev_arena_rewind(a, &mark)
 * releases everything allocated after ev_arena_mark(a) (blocks added since
 * are freed), as if it had never been. The mark is valid until the next
 * reset/free of the arena or rewind to an earlier mark. */
typedef struct ev_arena_mark {
    ev_arena_block *head, *head_next;
    unsigned char *ptr;
    size_t left;
} ev_arena_mark;

ev_arena_mark ev_arena_get_mark(const ev_arena *a);
void ev_arena_rewind(ev_arena *a, const ev_arena_mark *mark);

/* Releases all allocations but keeps the first block for reuse (see
 * Retention above). */
void ev_arena_reset(ev_arena *a);
void ev_arena_free(ev_arena *a);

#endif
