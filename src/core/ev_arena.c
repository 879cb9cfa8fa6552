/* ev_arena: bump allocator; see ev_arena.h for the contract. */
#include "core/ev_arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EV_ARENA_ALIGN alignof(max_align_t)
#define EV_ARENA_DEFAULT_BLOCK 4096

struct ev_arena_block {
    ev_arena_block *next; /* older block */
    size_t size;          /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

void ev_arena_init(ev_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : EV_ARENA_DEFAULT_BLOCK;
}

static ev_arena_block *block_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(ev_arena_block))
        return NULL;
    ev_arena_block *blk = malloc(sizeof(ev_arena_block) + size);
    if (blk == NULL)
        return NULL;
    blk->next = NULL;
    blk->size = size;
    blk->used = 0;
    return blk;
}

void *ev_arena_alloc(ev_arena *a, size_t size)
{
    if (a->block_size == 0) /* EV_ARENA_INIT leaves it unset */
        a->block_size = EV_ARENA_DEFAULT_BLOCK;
    if (size == 0)
        size = 1; /* distinct, valid pointers even for empty objects */
    if (size > SIZE_MAX - EV_ARENA_ALIGN)
        return NULL;
    size_t rounded = (size + EV_ARENA_ALIGN - 1) & ~(size_t)(EV_ARENA_ALIGN - 1);
    ev_arena_block *h = a->head;
    if (h != NULL && h->size - h->used >= rounded) {
        void *p = h->data + h->used;
        h->used += rounded;
        return p;
    }
    if (rounded > a->block_size / 2) {
        /* A large request gets a block of its own, chained behind the head,
         * so the space left in the current block is not wasted. */
        ev_arena_block *big = block_new(rounded);
        if (big == NULL)
            return NULL;
        big->used = rounded;
        if (h != NULL) {
            big->next = h->next;
            h->next = big;
        } else {
            a->head = big;
        }
        return big->data;
    }
    ev_arena_block *nb = block_new(a->block_size);
    if (nb == NULL)
        return NULL;
    nb->next = h;
    a->head = nb;
    nb->used = rounded;
    return nb->data;
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

void ev_arena_reset(ev_arena *a)
{
    ev_arena_block *b = a->head;
    if (b == NULL)
        return;
    /* Keep the oldest block: it is the one every request starts filling. */
    while (b->next != NULL) {
        ev_arena_block *next = b->next;
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
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
}
