/*
 * ev_number: exact number semantics for validators and codecs.
 *
 * Job: decide every verdict about a number (integer?, exact as a double?,
 * comparison, multipleOf, DynamoDB limits and text) on its exact decimal
 * value, whatever the length of its text and the size of its exponent.
 * Instances keep their source text (ev_json), schema numbers are emitted by
 * the generator as text too, so nothing is decided on rounded binary values.
 *
 * The normal form: a JSON number text is read, without copying, as
 * (-1)^neg * D * 10^exp, where D is the integer its significant digits
 * write (no leading or trailing zeros) and exp the exponent of the last of
 * them. "0.00012300e5" is D = 123, exp = -1; every zero is D = 0. Digit
 * counts are bounded by the text length, which is checked against
 * EV_NUM_TEXT_MAX_LEN, so they and the position arithmetic fit in int64.
 * The written exponent may be any size: up to EV_NUM_EXP_NARROW it is
 * folded into exp exactly; beyond it the number is "wide" (only possible
 * for values outside every double by a factor of 10^(2^60)), exp holds
 * +-EV_NUM_EXP_SAT with the true sign, and the exact exponent is kept as
 * its digit string. Unary verdicts are decided by that sign alone (a wide
 * number is an integer exactly when its exponent is positive, and never a
 * double nor a DynamoDB number); binary ones (comparison, multipleOf) compute the exact
 * difference of two exponents (ev_num_dec_exp_diff), so 1e99999999999999999999
 * and 1e99999999999999999998 still compare right.
 *
 * Ownership: an ev_num_dec borrows the text it was parsed from (and points
 * into it); nothing here allocates except the multipleOf path for divisors
 * of more than 19 significant digits (malloc, freed before returning).
 *
 * Threads: every function is reentrant; no global state.
 *
 * Errors: parsing returns false for anything that is not a JSON number text
 * (RFC 8259 grammar: no "01", "1.", ".5", "+1", spaces). The bool verdicts
 * answer false for such texts; ev_num_text_compare falls back to strtod for
 * them (outside its contract). Out of memory in the long-divisor multipleOf
 * path answers false ("not a multiple"), so a validator refuses rather than
 * accepts what it could not check.
 */
#ifndef EV_SCHEMA_NUMBER_H
#define EV_SCHEMA_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ev_buf.h"

struct cJSON;

/* ---- the normal form ----------------------------------------------------- */

/* Written exponents up to this magnitude are exact in ev_num_dec.exp. */
#define EV_NUM_EXP_NARROW ((int64_t)1 << 61)
/* exp of a wide number: its sign times this. */
#define EV_NUM_EXP_SAT ((int64_t)1 << 62)
/* Longer texts are refused, so digit counts and positions stay far below
 * EV_NUM_EXP_NARROW (no machine holds such a text anyway). */
#define EV_NUM_TEXT_MAX_LEN ((size_t)1 << 58)

typedef struct ev_num_dec {
    /* The significant digits, in one or two runs of the text: d1[0..n1)
     * then d2[0..n2) (two runs when the '.' falls among them). */
    const char *d1, *d2;
    size_t n1, n2;
    size_t n;  /* n1 + n2; 0 for zero */
    bool neg;  /* a '-' was written ("-0" too) */
    bool wide; /* see above */
    int64_t exp;
    /* Wide numbers only: the exact exp is (exp_neg ? -E : E) + exp_adj, E
     * the decimal integer exp_digits[0..exp_len) (no leading zeros). */
    const char *exp_digits;
    size_t exp_len;
    bool exp_neg;
    int64_t exp_adj;
} ev_num_dec;

/* Reads len bytes of text (no NUL needed) as a JSON number. Returns false,
 * leaving *out unspecified, when they are not exactly one. */
bool ev_num_dec_parse(const char *text, size_t len, ev_num_dec *out);

/* Significant digit i (0 <= i < x->n), a character '0'..'9'. */
static inline char ev_num_dec_digit(const ev_num_dec *x, size_t i)
{
    return i < x->n1 ? x->d1[i] : x->d2[i - x->n1];
}

/* Exponent of the leading significant digit (value in [10^lead, 10^(lead+1))
 * for a non-zero x), saturated like exp for a wide number. 0 for zero. */
int64_t ev_num_dec_lead(const ev_num_dec *x);

/* a->exp - b->exp computed exactly (wide exponents included), then clamped
 * to [-EV_NUM_EXP_SAT, EV_NUM_EXP_SAT]: the sign is always right and the
 * value is exact whenever it lies inside the bounds. */
int64_t ev_num_dec_exp_diff(const ev_num_dec *a, const ev_num_dec *b);

/* Exact comparison of values: <0, 0, >0 (-0 equals 0). */
int ev_num_dec_compare(const ev_num_dec *a, const ev_num_dec *b);

/* Is v an integer multiple of |d|? False when d is zero. Linear in v's
 * digits for divisors of up to 19 significant digits; beyond, schoolbook
 * decimal division, O(digits of v * digits of d), meant for schema
 * divisors. Appended zeros (the exponent gap) cost at most log2(d) steps. */
bool ev_num_dec_multiple_of(const ev_num_dec *v, const ev_num_dec *d);

/* True when the value has no fractional part. */
bool ev_num_dec_is_integer(const ev_num_dec *x);

/* True when `v` is finite and its shortest text (ev_num_format) has the
 * value of x: the property ev_json demands of every accepted number, with v
 * the nearest double of x. Decided on the digits for anything of more than
 * 17 significant digits or outside the double range, with no conversion. */
bool ev_num_dec_matches_double(const ev_num_dec *x, double v);

/* Appends a short text of x's exact value: plain notation ("-120.5",
 * "0.000001", up to 40 integer digits) or scientific ("1.25E+126",
 * "1E-130"); "0" for every zero. Returns false (appending nothing) for a
 * wide number, whose exponent does not fit. ev_buf reports memory failure. */
bool ev_num_dec_format(const ev_num_dec *x, ev_buf *out);

/* ---- texts and nodes ----------------------------------------------------- */

/* JSON Schema "integer": a number with no fractional part (1.0 counts).
 * Decided on the node's source text when it has one, else on its double. */
bool ev_num_is_integer(const struct cJSON *x);

/* Exact decimal test: is the number `value_text` an integer multiple of
 * `divisor_text` (> 0)? Both are JSON number texts of any length. Handles
 * 0.01, 1e-8, 1e308, 1e-1000000 and the like exactly. */
bool ev_num_text_multiple_of(const char *value_text, const char *divisor_text);

/* multipleOf for an instance node: uses the node's source text when it has
 * one (ev_json_number_text), else its shortest double form. */
bool ev_num_multiple_of(const struct cJSON *x, const char *divisor_text);

/* multipleOf 10^exp10 (0.01 is exp10 = -2), the common case of "at most N
 * decimals": a multiple exactly when the value is zero or the exponent of
 * its last significant digit is at least exp10; no division, one forward
 * pass over the text (the full parse for exponents of 18 digits or more).
 * divisor_text is the same divisor as text, used for nodes without source
 * text. */
bool ev_num_multiple_of_pow10(const struct cJSON *x, int exp10, const char *divisor_text);

/* Compares two JSON number texts by exact decimal value: <0, 0, >0. */
int ev_num_text_compare(const char *a, const char *b);

/* Writes the shortest decimal text that reads back as exactly `v` (finite),
 * JSON syntax, e.g. 22.5, 1e+21, -0.0001. Returns its length; out must hold
 * EV_NUM_TEXT_MAX bytes. */
#define EV_NUM_TEXT_MAX 32
size_t ev_num_format(double v, char out[EV_NUM_TEXT_MAX]);

/* True when the number text has the same decimal value as the shortest text
 * of its nearest double (see ev_json.h). Sets *value (may be NULL) to that
 * double (strtod's reading of the text). */
bool ev_num_text_exact(const char *text, double *value);

/* The same check for a text of len bytes (no NUL needed) against a given
 * double `v` (ev_json passes the one cJSON read): true when v is finite and
 * its shortest text has the value of the text. Always formats v (unless the
 * digits alone decide), so it does not rely on v being the nearest double. */
bool ev_num_text_matches_double(const char *text, size_t len, double v);

#endif
