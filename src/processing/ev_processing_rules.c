/* Business rules on exact decimals: see ev_processing_rules.h. */
#include "processing/ev_processing_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema/ev_number.h"

/* Decimals kept: temperatures arrive with at most 2, pressures with 3. */
#define TEMPERATURE_SCALE 2
#define PRESSURE_SCALE    3
/* 1 psi = 4.4482216152605 N / 0.00064516 m^2 = 44482216152605 / 645160000000 hPa. */
#define PSI_HPA_NUM ((__int128)44482216152605LL)
#define PSI_HPA_DEN ((__int128)645160000000LL)

__attribute__((format(printf, 3, 4))) static int fail_why(char *why, size_t why_len, const char *fmt, ...)
{
    if (why != NULL && why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int ev_decimal_scaled(const char *text, int scale, int64_t *m)
{
    ev_num_dec d;
    if (text == NULL || scale < 0 || scale > 18 || !ev_num_dec_parse(text, strlen(text), &d) || d.wide)
        return -1;
    if (d.n == 0) {
        *m = 0;
        return 0;
    }
    /* value = D * 10^exp; m = D * 10^(exp + scale), an integer only when
     * exp + scale >= 0. */
    int64_t shift = d.exp + scale;
    if (shift < 0 || (int64_t)d.n + shift > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < d.n; i++)
        v = v * 10 + (ev_num_dec_digit(&d, i) - '0');
    for (int64_t i = 0; i < shift; i++)
        v *= 10;
    *m = d.neg ? -v : v;
    return 0;
}

__int128 ev_decimal_div_half_even(__int128 num, __int128 den)
{
    __int128 q = num / den, r = num % den; /* truncates toward zero */
    __int128 ar = r < 0 ? -r : r;
    __int128 twice = 2 * ar;
    if (twice > den || (twice == den && (q % 2) != 0))
        q += num < 0 ? -1 : 1;
    return q;
}

void ev_decimal_format(__int128 m, int scale, char out[EV_DECIMAL_TEXT_MAX])
{
    char digits[48];
    size_t n = 0;
    bool neg = m < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(m + 1)) + 1 : (unsigned __int128)m;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u != 0);
    /* digits[] is reversed; at least scale + 1 digits for "0.xx". */
    while (n < (size_t)scale + 1)
        digits[n++] = '0';
    size_t frac_end = 0; /* trailing fractional zeros dropped */
    while (frac_end < (size_t)scale && digits[frac_end] == '0')
        frac_end++;
    size_t o = 0;
    bool zero = true;
    for (size_t i = 0; i < n; i++)
        if (digits[i] != '0')
            zero = false;
    if (neg && !zero)
        out[o++] = '-';
    for (size_t i = n; i-- > (size_t)scale;)
        out[o++] = digits[i];
    if (frac_end < (size_t)scale) {
        out[o++] = '.';
        for (size_t i = (size_t)scale; i-- > frac_end;)
            out[o++] = digits[i];
    }
    out[o] = '\0';
}

int ev_rule_temperature_celsius(const char *value_text, events_temperature_unit unit,
                                char out[EV_DECIMAL_TEXT_MAX], char *why, size_t why_len)
{
    int64_t m;
    if (ev_decimal_scaled(value_text, TEMPERATURE_SCALE, &m) != 0)
        return fail_why(why, why_len, "temperature %s is not a number with at most 2 decimals within 10^16",
                        value_text ? value_text : "(none)");
    switch (unit) {
    case EVENTS_TEMPERATURE_UNIT_CELSIUS:
        ev_decimal_format(m, TEMPERATURE_SCALE, out);
        return 0;
    case EVENTS_TEMPERATURE_UNIT_KELVIN:
        ev_decimal_format((__int128)m - 27315, TEMPERATURE_SCALE, out);
        return 0;
    case EVENTS_TEMPERATURE_UNIT_FAHRENHEIT:
        /* (F - 32) * 5 / 9 at 2 decimals: m and 3200 share the scale. */
        ev_decimal_format(ev_decimal_div_half_even(((__int128)m - 3200) * 5, 9), TEMPERATURE_SCALE, out);
        return 0;
    }
    return fail_why(why, why_len, "temperature unit %s has no conversion to celsius",
                    events_temperature_unit_name(unit) ? events_temperature_unit_name(unit) : "(unknown)");
}

int ev_rule_pressure_hpa(const char *value_text, events_pressure_unit unit, char out[EV_DECIMAL_TEXT_MAX],
                         char *why, size_t why_len)
{
    int64_t m;
    if (ev_decimal_scaled(value_text, PRESSURE_SCALE, &m) != 0)
        return fail_why(why, why_len, "pressure %s is not a number with at most 3 decimals within 10^15",
                        value_text ? value_text : "(none)");
    switch (unit) {
    case EVENTS_PRESSURE_UNIT_PA: /* / 100: two more decimals, exact */
        ev_decimal_format(m, PRESSURE_SCALE + 2, out);
        return 0;
    case EVENTS_PRESSURE_UNIT_HPA:
        ev_decimal_format(m, PRESSURE_SCALE, out);
        return 0;
    case EVENTS_PRESSURE_UNIT_KPA: /* * 10 */
        ev_decimal_format((__int128)m * 10, PRESSURE_SCALE, out);
        return 0;
    case EVENTS_PRESSURE_UNIT_BAR: /* * 1000 */
        ev_decimal_format((__int128)m * 1000, PRESSURE_SCALE, out);
        return 0;
    case EVENTS_PRESSURE_UNIT_PSI:
        ev_decimal_format(ev_decimal_div_half_even((__int128)m * PSI_HPA_NUM, PSI_HPA_DEN), PRESSURE_SCALE,
                          out);
        return 0;
    }
    return fail_why(why, why_len, "pressure unit %s has no conversion to hPa",
                    events_pressure_unit_name(unit) ? events_pressure_unit_name(unit) : "(unknown)");
}

int ev_normalise(const events_event *ev, const char *value_text, ev_normalised *out, char *why,
                 size_t why_len)
{
    memset(out, 0, sizeof *out);
    switch (ev->type) {
    case EVENTS_EVENT_TYPE_TEMPERATURE:
        if (ev_rule_temperature_celsius(value_text, ev->payload.temperature.unit, out->value, why, why_len) !=
            0)
            return -1;
        out->unit = events_temperature_unit_name(EVENTS_TEMPERATURE_UNIT_CELSIUS);
        out->original_unit = events_temperature_unit_name(ev->payload.temperature.unit);
        break;
    case EVENTS_EVENT_TYPE_PRESSURE:
        if (ev_rule_pressure_hpa(value_text, ev->payload.pressure.unit, out->value, why, why_len) != 0)
            return -1;
        out->unit = events_pressure_unit_name(EVENTS_PRESSURE_UNIT_HPA);
        out->original_unit = events_pressure_unit_name(ev->payload.pressure.unit);
        break;
    case EVENTS_EVENT_TYPE_HUMIDITY: {
        /* As is: the value exactly as sent (canonical text), in percent. */
        int64_t m;
        if (ev_decimal_scaled(value_text, TEMPERATURE_SCALE, &m) != 0)
            return fail_why(why, why_len, "humidity %s is not a number with at most 2 decimals",
                            value_text ? value_text : "(none)");
        ev_decimal_format(m, TEMPERATURE_SCALE, out->value);
        out->unit = events_humidity_unit_name(EVENTS_HUMIDITY_UNIT_PERCENT);
        out->original_unit = events_humidity_unit_name(
            ev->payload.humidity.has_unit ? ev->payload.humidity.unit : EVENTS_HUMIDITY_UNIT_PERCENT);
        break;
    }
    default: /* a type without a rule: stored without normalised attributes */
        return 0;
    }
    out->present = true;
    out->original_value = value_text;
    return 0;
}
