/*
 * ev_equal: JSON equality as JSON Schema defines it (enum, const,
 * uniqueItems): numbers by mathematical value (1 equals 1.0), objects
 * regardless of member order, arrays element by element.
 */
#ifndef EV_SCHEMA_EQUAL_H
#define EV_SCHEMA_EQUAL_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

bool ev_json_equal(const struct cJSON *a, const struct cJSON *b);
/* True when all elements of the array are pairwise unequal. On a duplicate,
 * *first and *second (may be NULL) receive the indexes. */
bool ev_json_unique_items(const struct cJSON *array, size_t *first, size_t *second);

#endif
