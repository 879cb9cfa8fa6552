/*
 * ev_number: exact number semantics for validators and codecs.
 *
 * Instances keep their source text (ev_json), schema numbers are emitted by
 * the generator as text too, so multipleOf and equality are decided on exact
 * decimal values, never on rounded binary quotients.
 */
#ifndef EV_SCHEMA_NUMBER_H
#define EV_SCHEMA_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* JSON Schema "integer": a number with no fractional part (1.0 counts). */
bool ev_num_is_integer(const struct cJSON *x);

/* Exact decimal test: is the number `value_text` an integer multiple of
 * `divisor_text` (> 0)? Both are JSON number texts. Handles 0.01, 1e-8,
 * 1e308 and the like exactly. */
bool ev_num_text_multiple_of(const char *value_text, const char *divisor_text);

/* multipleOf for an instance node: uses the node's source text when it has
 * one (ev_json_number_text), else its shortest double form. */
bool ev_num_multiple_of(const struct cJSON *x, const char *divisor_text);

/* multipleOf 10^exp10 (0.01 is exp10 = -2), the common case of "at most N
 * decimals": decided from the instance's source text by counting its
 * significant fractional digits, with no decimal division. divisor_text is
 * the same divisor as text, used for nodes without source text. */
bool ev_num_multiple_of_pow10(const struct cJSON *x, int exp10, const char *divisor_text);

/* Compares two JSON number texts by exact decimal value: <0, 0, >0. */
int ev_num_text_compare(const char *a, const char *b);

/* Writes the shortest decimal text that reads back as exactly `v` (finite),
 * JSON syntax, e.g. 22.5, 1e+21, -0.0001. Returns its length; out must hold
 * EV_NUM_TEXT_MAX bytes. */
#define EV_NUM_TEXT_MAX 32
size_t ev_num_format(double v, char out[EV_NUM_TEXT_MAX]);

/* True when the number text has the same decimal value as the shortest text
 * of its nearest double (see ev_json.h). Sets *value to that double. */
bool ev_num_text_exact(const char *text, double *value);

#endif
