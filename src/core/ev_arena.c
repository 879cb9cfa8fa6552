/* ev_arena: bump allocator; see ev_arena.h for the contract.
 *
 * Layout: the head block is the one being filled (a->ptr, a->left); older
 * blocks are chained behind it, the oldest last. Requests larger than half a
 * block get a block of their own, chained right behind the head, so the
 * space left in the head is not wasted. The very first block is always a
 * regular one (allocated before a large request's own block if need be), so
 * ev_arena_reset always finds a regular block to keep, and what a reset
 * retains is bounded by block_size whatever the requests were.
 */
#include "core/ev_arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EV_ARENA_DEFAULT_BLOCK 4096

struct ev_arena_block {
    ev_arena_block *next; /* older block */
    size_t size;          /* usable bytes after the header, a multiple of EV_ARENA_ALIGN */
    alignas(max_align_t) unsigned char data[];
};

static size_t round_up(size_t n)
{
    return (n + EV_ARENA_ALIGN - 1) & ~(size_t)(EV_ARENA_ALIGN - 1);
}

void ev_arena_init(ev_arena *a, size_t block_size)
{
    a->ptr = NULL;
    a->left = 0;
    a->head = NULL;
    a->block_size = block_size ? block_size : EV_ARENA_DEFAULT_BLOCK;
}

/* size must already be rounded. */
static ev_arena_block *block_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(ev_arena_block))
        return NULL;
    ev_arena_block *blk = malloc(sizeof(ev_arena_block) + size);
    if (blk == NULL)
        return NULL;
    blk->next = NULL;
    blk->size = size;
    return blk;
}

/* Makes a new regular block the head; the rest of the old head is abandoned. */
static int push_regular(ev_arena *a)
{
    ev_arena_block *nb = block_new(round_up(a->block_size));
    if (nb == NULL)
        return -1;
    nb->next = a->head;
    a->head = nb;
    a->ptr = nb->data;
    a->left = nb->size;
    return 0;
}

void *ev_arena_alloc_slow(ev_arena *a, size_t size)
{
    if (a->block_size == 0) /* EV_ARENA_INIT leaves it unset */
        a->block_size = EV_ARENA_DEFAULT_BLOCK;
    if (a->block_size > SIZE_MAX / 2)
        return NULL;
    if (size == 0)
        size = 1; /* distinct, valid pointers even for empty objects */
    if (size > SIZE_MAX - EV_ARENA_ALIGN)
        return NULL;
    size_t rounded = round_up(size);
    if (rounded <= a->left) /* only reached for size 0 */
        return ev_arena_alloc(a, size);
    if (a->head == NULL && push_regular(a) != 0)
        return NULL;
    if (rounded <= a->left)
        return ev_arena_alloc(a, size);
    if (rounded > a->block_size / 2) {
        ev_arena_block *big = block_new(rounded);
        if (big == NULL)
            return NULL;
        big->next = a->head->next;
        a->head->next = big;
        return big->data;
    }
    if (push_regular(a) != 0)
        return NULL;
    return ev_arena_alloc(a, size);
}

void *ev_arena_calloc(ev_arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    void *p = ev_arena_alloc(a, n * size);
    if (p != NULL)
        memset(p, 0, n * size);
    return p;
}

char *ev_arena_strndup(ev_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = ev_arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    if (len > 0)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *ev_arena_strdup(ev_arena *a, const char *s)
{
    return ev_arena_strndup(a, s, strlen(s));
}

ev_arena_mark ev_arena_get_mark(const ev_arena *a)
{
    ev_arena_mark m = {a->head, a->head != NULL ? a->head->next : NULL, a->ptr, a->left};
    return m;
}

void ev_arena_rewind(ev_arena *a, const ev_arena_mark *mark)
{
    /* Blocks added since the mark: regular ones and their large neighbours
     * in front of the marked head, and large ones chained right behind it
     * while it was still the head. */
    ev_arena_block *b = a->head, *next;
    for (; b != mark->head; b = next) {
        next = b->next;
        free(b);
    }
    if (mark->head != NULL) {
        for (b = mark->head->next; b != mark->head_next; b = next) {
            next = b->next;
            free(b);
        }
        mark->head->next = mark->head_next;
    }
    a->head = mark->head;
    a->ptr = mark->ptr;
    a->left = mark->left;
}

void ev_arena_reset(ev_arena *a)
{
    /* Keep the oldest regular block (large requests' own blocks are chained
     * behind the head, so it is not necessarily the last one): the block
     * every request starts filling, and a bound on what a reset retains. */
    size_t regular = round_up(a->block_size);
    ev_arena_block *keep = NULL, *b, *next;
    for (b = a->head; b != NULL; b = b->next)
        if (b->size == regular)
            keep = b;
    for (b = a->head; b != NULL; b = next) {
        next = b->next;
        if (b != keep)
            free(b);
    }
    a->head = keep;
    if (keep == NULL) {
        a->ptr = NULL;
        a->left = 0;
        return;
    }
    keep->next = NULL;
    a->ptr = keep->data;
    a->left = keep->size;
}

void ev_arena_free(ev_arena *a)
{
    ev_arena_block *b = a->head;
    while (b != NULL) {
        ev_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->ptr = NULL;
    a->left = 0;
}
