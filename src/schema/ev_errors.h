/*
 * ev_errors: validation errors and the context generated validators run in.
 *
 * A validator records each failed check as an ev_error: the JSON Pointer of
 * the instance location, the keyword, the schema location and a message.
 * At most EV_MAX_ERRORS are kept; `total` counts all of them, and the JSON
 * form ends with a "truncated" entry giving the count of those left out.
 * no_memory says an allocation failed: an error could not be recorded, or
 * (ev_validate_text) the document could not be parsed; the list is then
 * not a complete verdict.
 *
 * The instance path is a chain of ev_path_seg that generated code keeps on
 * the C stack while it descends, so nothing is allocated unless an error is
 * recorded. The pointer string is rendered (with ~0/~1 escaping) only then.
 *
 * Ownership: ev_errors owns the strings of its items (ev_errors_clear frees
 * them). keyword and schema_path point to static strings.
 */
#ifndef EV_SCHEMA_ERRORS_H
#define EV_SCHEMA_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ev_buf.h"

#define EV_MAX_ERRORS 32

typedef struct ev_error {
    char *instance_path;     /* JSON Pointer, "" for the root */
    const char *keyword;     /* "maximum", "required", "json", ... */
    const char *schema_path; /* "#/properties/payload/maximum" */
    char *message;           /* human text */
} ev_error;

typedef struct ev_errors {
    ev_error items[EV_MAX_ERRORS];
    size_t count; /* items kept */
    size_t total; /* errors found, kept or not */
    bool no_memory;
} ev_errors;

void ev_errors_init(ev_errors *e);
/* Frees the items and empties the list. */
void ev_errors_clear(ev_errors *e);
/* Adds an error with a preformatted message (copied). */
void ev_errors_add(ev_errors *e, const char *instance_path, const char *keyword, const char *schema_path,
                   const char *message);
/* Keyword of the entry that closes a list with errors left out. */
#define EV_ERRORS_TRUNCATED "truncated"

/* Appends [{"instancePath":...,"keyword":...,"schemaPath":...,"message":...},...]:
 * the items kept, then, when more errors were found than kept (total >
 * count), one more entry of the same shape that says how many:
 * {"instancePath":"","keyword":"truncated","schemaPath":"",
 *  "message":"8 more errors not shown (40 in all)"}. The output stays one
 * JSON array of objects with the same four members. */
int ev_errors_to_json(const ev_errors *e, ev_buf *out);

/* One step of an instance path: a member name (key != NULL) or an index. */
typedef struct ev_path_seg {
    const struct ev_path_seg *parent;
    const char *key;
    size_t index;
} ev_path_seg;

/* Renders the path as a JSON Pointer into out ("" for NULL). */
int ev_path_render(const ev_path_seg *path, ev_buf *out);

typedef struct ev_vctx {
    ev_errors *errors;       /* NULL: only validity is wanted */
    int quiet;               /* > 0 inside anyOf/oneOf/not/if/contains probes */
    const ev_path_seg *path; /* current instance location */
} ev_vctx;

void ev_vctx_init(ev_vctx *c, ev_errors *errors);

/* True when a failure must be recorded (not quiet, errors wanted). */
static inline bool ev_vctx_recording(const ev_vctx *c)
{
    return c->errors != NULL && c->quiet == 0;
}

/* Records a failure at the current path when recording; the message is
 * printf-formatted. Returns false, so callers can write `ok = ev_fail(...)`. */
bool ev_fail(ev_vctx *c, const char *keyword, const char *schema_path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Path helpers for generated code: push a segment that lives in the caller's frame. */
#define EV_PATH_PUSH_KEY(c, seg, k)                                                                          \
    do {                                                                                                     \
        (seg).parent = (c)->path;                                                                            \
        (seg).key = (k);                                                                                     \
        (seg).index = 0;                                                                                     \
        (c)->path = &(seg);                                                                                  \
    } while (0)
#define EV_PATH_PUSH_INDEX(c, seg, i)                                                                        \
    do {                                                                                                     \
        (seg).parent = (c)->path;                                                                            \
        (seg).key = NULL;                                                                                    \
        (seg).index = (i);                                                                                   \
        (c)->path = &(seg);                                                                                  \
    } while (0)
#define EV_PATH_POP(c, seg) ((c)->path = (seg).parent)

/* JSON type name of a cJSON node for messages: "object", "integer", ... */
struct cJSON;
const char *ev_json_type_name(const struct cJSON *x);

#endif
