/* ev_equal: JSON Schema equality; see ev_equal.h. */
#include "schema/ev_equal.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool ev_json_equal(const struct cJSON *a, const struct cJSON *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL)
        return false;
    int ta = a->type & 0xFF, tb = b->type & 0xFF;
    if (ta != tb)
        return false;
    switch (ta) {
    case cJSON_NULL:
    case cJSON_True:
    case cJSON_False:
        return true;
    case cJSON_Number:
        /* ev_json only admits numbers a double holds exactly, so comparing
         * doubles is comparing values (and 1 == 1.0, 0 == -0). */
        return a->valuedouble == b->valuedouble;
    case cJSON_String:
        return a->valuestring != NULL && b->valuestring != NULL &&
               strcmp(a->valuestring, b->valuestring) == 0;
    case cJSON_Array: {
        const cJSON *x = a->child, *y = b->child;
        for (; x != NULL && y != NULL; x = x->next, y = y->next)
            if (!ev_json_equal(x, y))
                return false;
        return x == NULL && y == NULL;
    }
    case cJSON_Object: {
        size_t na = 0, nb = 0;
        for (const cJSON *x = a->child; x != NULL; x = x->next)
            na++;
        for (const cJSON *y = b->child; y != NULL; y = y->next)
            nb++;
        if (na != nb)
            return false;
        /* Member names are unique (ev_json rejects duplicates), so equal
         * counts plus every member of a matched in b means the same set.
         * Look in step first: objects of one schema usually share order. */
        const cJSON *hint = b->child;
        for (const cJSON *x = a->child; x != NULL; x = x->next) {
            const cJSON *y = NULL;
            if (hint != NULL && strcmp(hint->string, x->string) == 0)
                y = hint;
            else
                for (y = b->child; y != NULL && strcmp(y->string, x->string) != 0; y = y->next) {
                }
            if (y == NULL || !ev_json_equal(x, y))
                return false;
            hint = y->next;
        }
        return true;
    }
    default:
        return false;
    }
}

/* A hash consistent with ev_json_equal: equal values hash equally. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_bytes(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

static uint64_t json_hash(const cJSON *x)
{
    int t = x->type & 0xFF;
    uint64_t h = (uint64_t)t * 0x9E3779B97F4A7C15ULL;
    switch (t) {
    case cJSON_Number: {
        double v = x->valuedouble;
        if (v == 0)
            v = 0; /* -0 equals 0 */
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        return mix(h ^ bits);
    }
    case cJSON_String:
        return mix(h ^ hash_bytes(x->valuestring ? x->valuestring : ""));
    case cJSON_Array:
        for (const cJSON *c = x->child; c != NULL; c = c->next)
            h = mix(h * 31 + json_hash(c));
        return h;
    case cJSON_Object: {
        uint64_t sum = 0; /* order-independent */
        for (const cJSON *c = x->child; c != NULL; c = c->next)
            sum += mix(hash_bytes(c->string) ^ (json_hash(c) * 3));
        return mix(h ^ sum);
    }
    default:
        return mix(h);
    }
}

typedef struct hitem {
    uint64_t hash;
    size_t index;
    const cJSON *node;
} hitem;

static int hitem_cmp(const void *pa, const void *pb)
{
    const hitem *a = pa, *b = pb;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

bool ev_json_unique_items(const struct cJSON *array, size_t *first, size_t *second)
{
    size_t n = 0;
    for (const cJSON *c = array ? array->child : NULL; c != NULL; c = c->next)
        n++;
    if (n < 2)
        return true;
    if (n <= 16) {
        /* Pairwise on small arrays: no allocation, smallest j reported. */
        size_t j = 0;
        for (const cJSON *y = array->child; y != NULL; y = y->next, j++) {
            size_t i = 0;
            for (const cJSON *x = array->child; x != y; x = x->next, i++) {
                if (ev_json_equal(x, y)) {
                    if (first)
                        *first = i;
                    if (second)
                        *second = j;
                    return false;
                }
            }
        }
        return true;
    }
    /* Larger arrays: sort by hash, compare only within equal-hash runs, so
     * the work is O(n log n) unless many elements collide. */
    hitem *items = malloc(n * sizeof *items);
    if (items == NULL) {
        /* Without memory, fall back to the quadratic scan. */
        size_t j = 0;
        for (const cJSON *y = array->child; y != NULL; y = y->next, j++) {
            size_t i = 0;
            for (const cJSON *x = array->child; x != y; x = x->next, i++)
                if (ev_json_equal(x, y)) {
                    if (first)
                        *first = i;
                    if (second)
                        *second = j;
                    return false;
                }
        }
        return true;
    }
    size_t k = 0;
    for (const cJSON *c = array->child; c != NULL; c = c->next, k++) {
        items[k].hash = json_hash(c);
        items[k].index = k;
        items[k].node = c;
    }
    qsort(items, n, sizeof *items, hitem_cmp);
    bool unique = true;
    size_t best_i = 0, best_j = SIZE_MAX;
    for (size_t a = 0; a < n; a++) {
        for (size_t b = a + 1; b < n && items[b].hash == items[a].hash; b++) {
            if (items[b].index < best_j && ev_json_equal(items[a].node, items[b].node)) {
                unique = false;
                best_i = items[a].index;
                best_j = items[b].index;
                break;
            }
        }
    }
    free(items);
    if (!unique) {
        if (first)
            *first = best_i;
        if (second)
            *second = best_j;
    }
    return unique;
}
