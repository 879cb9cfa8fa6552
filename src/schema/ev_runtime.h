/*
 * ev_runtime: the schema runtime (module header), everything generated code
 * includes. Each header below states its own job and ownership in detail.
 *
 * What lives where:
 *   ev_json.h       strict JSON on cJSON: duplicate names, number grammar and
 *                   exactness, UTF-8; number source texts; arena-backed trees
 *   ev_validator.h  the interface generated validators export; parse-then-validate
 *   ev_errors.h     validation errors (bounded list) and the instance path chain
 *   ev_number.h     exact decimal normal form of number texts (any length and
 *                   exponent): multipleOf, comparison, integers, exactness
 *   ev_equal.h      JSON equality for enum, const and uniqueItems
 *   ev_utf8.h       code-point length, UTF-8 well-formedness
 *   ev_regex.h      ECMA-262 patterns on PCRE2; the byte-class fast path
 *   ev_format.h     date-time, date, time, email, hostname, ipv4, ipv6, uri, uuid
 *   ev_codec.h      status and error of the generated JSON codecs
 *   ev_ddb.h        DynamoDB AttributeValue writing/reading, number limits, item size
 *
 * Ownership, module-wide: a function that does not allocate does not free;
 * trees from ev_json_parse belong to the caller (cJSON_Delete), trees from
 * ev_json_parse_arena to the arena (never cJSON_Delete); decoded structs
 * borrow from the ev_arena they were decoded into. Any other memory cJSON
 * allocates is plain malloc memory, whether or not the program called
 * ev_json_init (cJSON_free, cJSON_Delete or free() alike).
 *
 * The version number ties generated files to this runtime: the generator
 * writes the version it targets, and a mismatch stops compilation instead of
 * misbehaving.
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
