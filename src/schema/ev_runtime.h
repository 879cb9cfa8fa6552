/*
 * ev_runtime: everything generated code includes. The version number ties
 * generated files to this runtime: the generator writes the version it
 * targets, and a mismatch stops compilation instead of misbehaving.
 */
#ifndef EV_SCHEMA_RUNTIME_H
#define EV_SCHEMA_RUNTIME_H

#define EV_RUNTIME_VERSION 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "schema/ev_equal.h"
#include "schema/ev_errors.h"
#include "schema/ev_format.h"
#include "schema/ev_json.h"
#include "schema/ev_number.h"
#include "schema/ev_regex.h"
#include "schema/ev_utf8.h"
#include "schema/ev_validator.h"

/* Type tests inlined into generated code (cJSON_Is* are calls into the
 * shared library, made for every node). */
static inline bool ev_is_null(const cJSON *x)
{
    return (x->type & 0xFF) == cJSON_NULL;
}
static inline bool ev_is_bool(const cJSON *x)
{
    return (x->type & (cJSON_True | cJSON_False)) != 0;
}
static inline bool ev_is_true(const cJSON *x)
{
    return (x->type & 0xFF) == cJSON_True;
}
static inline bool ev_is_false(const cJSON *x)
{
    return (x->type & 0xFF) == cJSON_False;
}
static inline bool ev_is_number(const cJSON *x)
{
    return (x->type & 0xFF) == cJSON_Number;
}
static inline bool ev_is_string(const cJSON *x)
{
    return (x->type & 0xFF) == cJSON_String;
}
static inline bool ev_is_array(const cJSON *x)
{
    return (x->type & 0xFF) == cJSON_Array;
}
static inline bool ev_is_object(const cJSON *x)
{
    return (x->type & 0xFF) == cJSON_Object;
}

#endif
