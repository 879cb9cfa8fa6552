/*
 * ev_processing_rules: the business rules the processing function applies
 * to an event before it is stored, on exact decimals.
 *
 * Job: every measurement is stored with a normalised value next to the
 * value and unit it arrived with (docs/table.md):
 *   temperature  -> celsius: celsius as is; kelvin - 273.15 (exact);
 *                   fahrenheit (F - 32) * 5 / 9, rounded half-even to 2
 *                   decimals (the schema allows 2 decimals, so a tie
 *                   cannot occur: 9 is odd; the rule is still half-even)
 *   pressure     -> hPa: Pa / 100, hPa, kPa * 10, bar * 1000 (all exact);
 *                   psi * 68.94757293168361... (the exact factor
 *                   4.4482216152605 N / 0.00064516 m2 = 44482216152605 /
 *                   645160000000 hPa), rounded half-even to 3 decimals
 *   humidity     -> percent, as is
 * Types without a rule (a type added to the schema later) are stored
 * without the normalised attributes (present == false).
 *
 * Arithmetic: the value's JSON number text (ev_json keeps it) is read as a
 * scaled integer (digits at a fixed number of decimals), never through a
 * double; results are written as canonical decimal text.
 *
 * Ownership: results are written into caller-provided fixed buffers;
 * nothing allocates. Threads: reentrant. Errors: 0, or -1 with a sentence
 * in why (e.g. a value with more decimals than the rule keeps, or one too
 * large for the fixed-point range).
 */
#ifndef EV_PROCESSING_RULES_H
#define EV_PROCESSING_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events_types.h"

#define EV_DECIMAL_TEXT_MAX 64

/* Attribute names the rules add to the item. */
#define EV_ATTR_VALUE_NORMALISED "value_normalised"
#define EV_ATTR_UNIT_NORMALISED  "unit_normalised"
#define EV_ATTR_ORIGINAL_VALUE   "original_value"
#define EV_ATTR_ORIGINAL_UNIT    "original_unit"

typedef struct ev_normalised {
    bool present;                    /* false: the type has no rule */
    char value[EV_DECIMAL_TEXT_MAX]; /* normalised value, canonical decimal text */
    const char *unit;                /* normalised unit (static) */
    const char *original_value;      /* the value's number text as sent (borrowed) */
    const char *original_unit;       /* the unit as sent, or the schema's default (static) */
} ev_normalised;

/* Applies the rule of ev->type. value_text is the number text of
 * /payload/value (ev_json_number_text), required for the types with a
 * rule. */
int ev_normalise(const events_event *ev, const char *value_text, ev_normalised *out, char *why,
                 size_t why_len);

/* ---- building blocks, exposed for unit tests ---- */

/* The number text as an integer m with value == m * 10^-scale exactly.
 * -1 when the text is not a number, has more than `scale` decimals, or
 * |m| >= 10^18. */
int ev_decimal_scaled(const char *text, int scale, int64_t *m);
/* num / den rounded to the nearest integer, ties to even (den > 0). */
__int128 ev_decimal_div_half_even(__int128 num, __int128 den);
/* m * 10^-scale as canonical decimal text (no exponent, no trailing zeros
 * after the point, "0" for zero, never "-0"). scale 0..30. */
void ev_decimal_format(__int128 m, int scale, char out[EV_DECIMAL_TEXT_MAX]);

/* The rules alone: units by their schema names. -1 for an unknown unit. */
int ev_rule_temperature_celsius(const char *value_text, events_temperature_unit unit,
                                char out[EV_DECIMAL_TEXT_MAX], char *why, size_t why_len);
int ev_rule_pressure_hpa(const char *value_text, events_pressure_unit unit, char out[EV_DECIMAL_TEXT_MAX],
                         char *why, size_t why_len);

#endif
