/*
 * ev_codec: the runtime that generated typed code (decode, encode, DynamoDB
 * marshalling) calls for scalars, paths and errors.
 *
 * Decoding copies every string and array into an ev_arena, so a decoded
 * struct does not borrow from the cJSON tree. Decoders never trust their
 * input: a tree of the wrong shape gives EV_CODEC_MISMATCH with the JSON
 * Pointer of the culprit, never a crash.
 *
 * Encoding appends JSON text to an ev_buf: strings with
 * ev_buf_append_json_string, numbers with ev_num_format (shortest text that
 * reads back as the same double), integers in decimal.
 *
 * Errors: every function returns an ev_codec_status; the first failure is
 * recorded in the context's ev_codec_error (if any) with the path where it
 * happened, and later ones are ignored.
 */
#ifndef EV_SCHEMA_CODEC_H
#define EV_SCHEMA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"

struct cJSON;

typedef enum ev_codec_status {
    EV_CODEC_OK = 0,
    EV_CODEC_MISMATCH,  /* the input does not have the shape of the type */
    EV_CODEC_RANGE,     /* a value the target cannot hold (int64, non-finite, DynamoDB number limits) */
    EV_CODEC_TOO_LARGE, /* a DynamoDB item over 400 KB, or nested deeper than DynamoDB allows */
    EV_CODEC_NO_MEMORY
} ev_codec_status;

#define EV_CODEC_PATH_MAX 256

typedef struct ev_codec_error {
    ev_codec_status status;
    char path[EV_CODEC_PATH_MAX]; /* JSON Pointer of the offending value, "" for the root */
    char message[256];            /* e.g. "expected N, found S" */
} ev_codec_error;

typedef struct ev_codec_ctx {
    ev_arena *arena;     /* decode: receives strings and arrays; NULL when encoding */
    ev_codec_error *err; /* may be NULL */
    bool failed;         /* an error was recorded */
    size_t path_len;
    bool path_truncated;
    char path[EV_CODEC_PATH_MAX];
} ev_codec_ctx;

void ev_codec_init(ev_codec_ctx *c, ev_arena *arena, ev_codec_error *err);
const char *ev_codec_status_name(ev_codec_status status);

/* Path: push returns a mark that pop restores. Keys are escaped (~0, ~1). */
size_t ev_codec_push_key(ev_codec_ctx *c, const char *key);
size_t ev_codec_push_index(ev_codec_ctx *c, size_t index);
void ev_codec_pop(ev_codec_ctx *c, size_t mark);

/* Records the first failure (status and printf message at the current path)
 * and returns `status`. */
ev_codec_status ev_codec_fail(ev_codec_ctx *c, ev_codec_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- decoding (cJSON -> C) ------------------------------------------------ */

ev_codec_status ev_codec_get_string(ev_codec_ctx *c, const struct cJSON *x, const char **out);
ev_codec_status ev_codec_get_number(ev_codec_ctx *c, const struct cJSON *x, double *out);
/* An integral number within int64_t. */
ev_codec_status ev_codec_get_integer(ev_codec_ctx *c, const struct cJSON *x, int64_t *out);
ev_codec_status ev_codec_get_bool(ev_codec_ctx *c, const struct cJSON *x, bool *out);
/* EV_CODEC_OK when x is an object / an array; *count receives its size. */
ev_codec_status ev_codec_expect_object(ev_codec_ctx *c, const struct cJSON *x, size_t *count);
ev_codec_status ev_codec_expect_array(ev_codec_ctx *c, const struct cJSON *x, size_t *count);
/* Zeroed arena memory for n elements (NULL without failure when n == 0). */
ev_codec_status ev_codec_alloc(ev_codec_ctx *c, size_t n, size_t size, void **out);
/* Copies a string into the arena. */
ev_codec_status ev_codec_strdup(ev_codec_ctx *c, const char *s, const char **out);
/* Common failures of generated decoders. */
ev_codec_status ev_codec_unknown_member(ev_codec_ctx *c);
ev_codec_status ev_codec_duplicate_member(ev_codec_ctx *c);
ev_codec_status ev_codec_missing_member(ev_codec_ctx *c, const char *name);
ev_codec_status ev_codec_bad_enum(ev_codec_ctx *c, const char *value, const char *type_name);

/* ---- encoding (C -> JSON text) --------------------------------------------- */

/* Appends `,` unless *first, then the quoted name and `:`. */
ev_codec_status ev_codec_put_name(ev_codec_ctx *c, ev_buf *b, const char *name, bool *first);
ev_codec_status ev_codec_put_string(ev_codec_ctx *c, ev_buf *b, const char *s);
ev_codec_status ev_codec_put_number(ev_codec_ctx *c, ev_buf *b, double v);
ev_codec_status ev_codec_put_integer(ev_codec_ctx *c, ev_buf *b, int64_t v);
ev_codec_status ev_codec_put_bool(ev_codec_ctx *c, ev_buf *b, bool v);
ev_codec_status ev_codec_put_raw(ev_codec_ctx *c, ev_buf *b, const char *text);
/* EV_CODEC_NO_MEMORY when an append to b failed. */
ev_codec_status ev_codec_check_buf(ev_codec_ctx *c, const ev_buf *b);

#endif
