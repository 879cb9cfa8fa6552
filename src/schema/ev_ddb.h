/*
 * ev_ddb: DynamoDB AttributeValue JSON for generated marshallers.
 *
 * Writing follows boto3's TypeSerializer: strings as S, numbers as N
 * strings, booleans as BOOL, null as NULL, objects as M, arrays as L. A
 * number must be finite, have at most 38 significant digits and a magnitude
 * of 0 or within 1E-130 .. 9.9999999999999999999999999999999999999E+125
 * (DynamoDB's limits); anything else is EV_CODEC_RANGE. These limits are
 * decided on the exact decimal (ev_num_dec: digits and exponent of any
 * size), never on a rounded or saturated reading of the text. While writing, the
 * writer adds up the item size with DynamoDB's rules, and ev_ddb_item_end
 * refuses an item over 400 KB (EV_CODEC_TOO_LARGE):
 *   attribute name      UTF-8 bytes of the name (top-level attributes and map keys)
 *   S                   UTF-8 bytes
 *   N                   1 + ceil(significant digits / 2)  (leading/trailing zeros trimmed)
 *   BOOL, NULL          1
 *   M, L                3 + for each element 1 + its size (+ its name in an M)
 *   B                   raw bytes (decoded base64); SS/NS/BS the sum of their elements
 *
 * Reading checks that each AttributeValue is an object with exactly one
 * type descriptor and that it is the expected one ("expected N, found S").
 */
#ifndef EV_SCHEMA_DDB_H
#define EV_SCHEMA_DDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ev_buf.h"
#include "schema/ev_codec.h"

struct cJSON;

#define EV_DDB_MAX_ITEM_BYTES ((size_t)400 * 1024)
#define EV_DDB_MAX_DIGITS     38
#define EV_DDB_MAX_DEPTH      32

typedef enum ev_ddb_number_status {
    EV_DDB_NUMBER_OK = 0,
    EV_DDB_NUMBER_SYNTAX,      /* not a JSON number text */
    EV_DDB_NUMBER_TOO_PRECISE, /* more than 38 significant digits */
    EV_DDB_NUMBER_TOO_LARGE,   /* magnitude above 9.99...E+125 */
    EV_DDB_NUMBER_TOO_SMALL    /* non-zero magnitude below 1E-130 */
} ev_ddb_number_status;

/* Checks a JSON number text (any length, any exponent) against DynamoDB's
 * limits; *digits (may be NULL) receives its significant digits (1 for
 * zero and for a text that is not a number). */
ev_ddb_number_status ev_ddb_number_check(const char *text, size_t *digits);
const char *ev_ddb_number_status_message(ev_ddb_number_status status);
/* The bytes a number counts in the item size: 1 + ceil(digits / 2). */
size_t ev_ddb_number_size(size_t digits);

/* ---- writing ---------------------------------------------------------------- */

typedef struct ev_ddb_writer {
    ev_codec_ctx *c;
    ev_buf *out;
    size_t size; /* item size so far, DynamoDB's rules */
    int depth;   /* 0: attributes of the item; n: inside n maps/lists */
    bool first[EV_DDB_MAX_DEPTH + 2];
} ev_ddb_writer;

void ev_ddb_writer_init(ev_ddb_writer *w, ev_codec_ctx *c, ev_buf *out);
/* `{` ... `}` of the item; end checks the 400 KB limit. */
ev_codec_status ev_ddb_item_begin(ev_ddb_writer *w);
ev_codec_status ev_ddb_item_end(ev_ddb_writer *w);
/* The name of the next attribute of the item or of the current M. */
ev_codec_status ev_ddb_name(ev_ddb_writer *w, const char *name);
/* Before each element of the current L. */
ev_codec_status ev_ddb_element(ev_ddb_writer *w);
ev_codec_status ev_ddb_begin_m(ev_ddb_writer *w);
ev_codec_status ev_ddb_end_m(ev_ddb_writer *w);
ev_codec_status ev_ddb_begin_l(ev_ddb_writer *w);
ev_codec_status ev_ddb_end_l(ev_ddb_writer *w);
ev_codec_status ev_ddb_put_s(ev_ddb_writer *w, const char *s);
ev_codec_status ev_ddb_put_n_double(ev_ddb_writer *w, double v);
ev_codec_status ev_ddb_put_n_int(ev_ddb_writer *w, int64_t v);
/* A number given as JSON number text of any length (checked), written as
 * the short canonical text of its value (ev_num_dec_format): "22.50" is
 * written 22.5, 0.<a million zeros>5e1000001 is written 5. */
ev_codec_status ev_ddb_put_n_text(ev_ddb_writer *w, const char *text);
ev_codec_status ev_ddb_put_bool(ev_ddb_writer *w, bool v);
ev_codec_status ev_ddb_put_null(ev_ddb_writer *w);

/* ---- reading ---------------------------------------------------------------- */

/* The value under the single type descriptor `type` ("S", "N", ...) of av. */
ev_codec_status ev_ddb_expect(ev_codec_ctx *c, const struct cJSON *av, const char *type,
                              const struct cJSON **value);
ev_codec_status ev_ddb_get_s(ev_codec_ctx *c, const struct cJSON *av, const char **out);
/* An N that a double holds exactly (the shortest text of the double has its value). */
ev_codec_status ev_ddb_get_n_double(ev_codec_ctx *c, const struct cJSON *av, double *out);
/* An N with no fractional part that fits in int64, decided on its digits
 * ("1E+2" is 100, "12345678901234567890E-1" is 1234567890123456789). */
ev_codec_status ev_ddb_get_n_int(ev_codec_ctx *c, const struct cJSON *av, int64_t *out);
ev_codec_status ev_ddb_get_bool(ev_codec_ctx *c, const struct cJSON *av, bool *out);
/* The attribute map of an M / the elements of an L, and their count. */
ev_codec_status ev_ddb_get_m(ev_codec_ctx *c, const struct cJSON *av, const struct cJSON **map,
                             size_t *count);
ev_codec_status ev_ddb_get_l(ev_codec_ctx *c, const struct cJSON *av, const struct cJSON **list,
                             size_t *count);

/* Size of an item (object of name -> AttributeValue) with DynamoDB's rules;
 * EV_CODEC_MISMATCH when it is not an item. */
ev_codec_status ev_ddb_item_size(ev_codec_ctx *c, const struct cJSON *item, size_t *size);

#endif
