#include "schema/ev_ddb.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/ev_errors.h"
#include "schema/ev_number.h"

/* ---- numbers ------------------------------------------------------------------ */

/* DynamoDB's limits on the normal form: magnitude in [1E-130, 1E+126) and
 * at most 38 significant digits (leading and trailing zeros do not count). */
static ev_ddb_number_status check_dec(const ev_num_dec *x)
{
    if (x->n == 0)
        return EV_DDB_NUMBER_OK;
    int64_t lead = ev_num_dec_lead(x);
    if (lead > 125)
        return EV_DDB_NUMBER_TOO_LARGE;
    if (lead < -130)
        return EV_DDB_NUMBER_TOO_SMALL;
    if (x->n > EV_DDB_MAX_DIGITS)
        return EV_DDB_NUMBER_TOO_PRECISE;
    return EV_DDB_NUMBER_OK;
}

static ev_ddb_number_status parse_and_check(const char *text, ev_num_dec *x)
{
    if (text == NULL || !ev_num_dec_parse(text, strlen(text), x))
        return EV_DDB_NUMBER_SYNTAX;
    return check_dec(x);
}

ev_ddb_number_status ev_ddb_number_check(const char *text, size_t *digits)
{
    ev_num_dec x;
    ev_ddb_number_status st = parse_and_check(text, &x);
    if (digits != NULL)
        *digits = st == EV_DDB_NUMBER_SYNTAX || x.n == 0 ? 1 : x.n;
    return st;
}

const char *ev_ddb_number_status_message(ev_ddb_number_status status)
{
    switch (status) {
    case EV_DDB_NUMBER_OK:
        return "ok";
    case EV_DDB_NUMBER_SYNTAX:
        return "is not a number";
    case EV_DDB_NUMBER_TOO_PRECISE:
        return "has more than 38 significant digits, which DynamoDB cannot store";
    case EV_DDB_NUMBER_TOO_LARGE:
        return "is above DynamoDB's largest magnitude 9.9999999999999999999999999999999999999E+125";
    case EV_DDB_NUMBER_TOO_SMALL:
        return "is below DynamoDB's smallest magnitude 1E-130";
    }
    return "is not a number";
}

size_t ev_ddb_number_size(size_t digits)
{
    return 1 + (digits + 1) / 2;
}

/* ---- writing ------------------------------------------------------------------ */

void ev_ddb_writer_init(ev_ddb_writer *w, ev_codec_ctx *c, ev_buf *out)
{
    memset(w, 0, sizeof *w);
    w->c = c;
    w->out = out;
}

static ev_codec_status flush(ev_ddb_writer *w)
{
    return ev_codec_check_buf(w->c, w->out);
}

ev_codec_status ev_ddb_item_begin(ev_ddb_writer *w)
{
    w->depth = 0;
    w->size = 0;
    w->first[0] = true;
    ev_buf_append_char(w->out, '{');
    return flush(w);
}

ev_codec_status ev_ddb_item_end(ev_ddb_writer *w)
{
    if (w->depth != 0)
        return ev_codec_fail(w->c, EV_CODEC_MISMATCH, "unbalanced item");
    ev_buf_append_char(w->out, '}');
    if (w->size > EV_DDB_MAX_ITEM_BYTES)
        return ev_codec_fail(w->c, EV_CODEC_TOO_LARGE,
                             "item of %zu bytes exceeds DynamoDB's limit of %zu bytes", w->size,
                             EV_DDB_MAX_ITEM_BYTES);
    return flush(w);
}

ev_codec_status ev_ddb_name(ev_ddb_writer *w, const char *name)
{
    size_t len = strlen(name);
    if (!w->first[w->depth])
        ev_buf_append_char(w->out, ',');
    w->first[w->depth] = false;
    ev_buf_append_json_string(w->out, name, len);
    ev_buf_append_char(w->out, ':');
    w->size += len + (w->depth > 0 ? 1 : 0);
    return flush(w);
}

ev_codec_status ev_ddb_element(ev_ddb_writer *w)
{
    if (!w->first[w->depth])
        ev_buf_append_char(w->out, ',');
    w->first[w->depth] = false;
    w->size += 1;
    return flush(w);
}

static ev_codec_status open_container(ev_ddb_writer *w, const char *text)
{
    if (w->depth >= EV_DDB_MAX_DEPTH)
        return ev_codec_fail(w->c, EV_CODEC_TOO_LARGE, "nested deeper than DynamoDB's %d levels",
                             EV_DDB_MAX_DEPTH);
    w->depth++;
    w->first[w->depth] = true;
    w->size += 3;
    ev_buf_append_str(w->out, text);
    return flush(w);
}

static ev_codec_status close_container(ev_ddb_writer *w, const char *text)
{
    if (w->depth <= 0)
        return ev_codec_fail(w->c, EV_CODEC_MISMATCH, "unbalanced map or list");
    w->depth--;
    ev_buf_append_str(w->out, text);
    return flush(w);
}

ev_codec_status ev_ddb_begin_m(ev_ddb_writer *w)
{
    return open_container(w, "{\"M\":{");
}
ev_codec_status ev_ddb_end_m(ev_ddb_writer *w)
{
    return close_container(w, "}}");
}
ev_codec_status ev_ddb_begin_l(ev_ddb_writer *w)
{
    return open_container(w, "{\"L\":[");
}
ev_codec_status ev_ddb_end_l(ev_ddb_writer *w)
{
    return close_container(w, "]}");
}

ev_codec_status ev_ddb_put_s(ev_ddb_writer *w, const char *s)
{
    size_t len;
    if (s == NULL)
        return ev_codec_fail(w->c, EV_CODEC_MISMATCH, "string member is NULL");
    len = strlen(s);
    ev_buf_append_str(w->out, "{\"S\":");
    ev_buf_append_json_string(w->out, s, len);
    ev_buf_append_char(w->out, '}');
    w->size += len;
    return flush(w);
}

/* A refused number: the start of its text (which may be very long) and why. */
static ev_codec_status number_refused(ev_ddb_writer *w, const char *text, ev_ddb_number_status st)
{
    return ev_codec_fail(w->c, st == EV_DDB_NUMBER_SYNTAX ? EV_CODEC_MISMATCH : EV_CODEC_RANGE, "%.40s%s %s",
                         text != NULL ? text : "(null)", text != NULL && strlen(text) > 40 ? "..." : "",
                         ev_ddb_number_status_message(st));
}

/* Writes an N whose text `shown` has the value of x (checked). */
static ev_codec_status put_n_checked(ev_ddb_writer *w, const ev_num_dec *x, const char *shown)
{
    ev_buf_append_str(w->out, "{\"N\":\"");
    if (shown != NULL)
        ev_buf_append_str(w->out, shown);
    else
        ev_num_dec_format(x, w->out);
    ev_buf_append_str(w->out, "\"}");
    w->size += ev_ddb_number_size(x->n == 0 ? 1 : x->n);
    return flush(w);
}

ev_codec_status ev_ddb_put_n_text(ev_ddb_writer *w, const char *text)
{
    ev_num_dec x;
    ev_ddb_number_status st = parse_and_check(text, &x);
    if (st != EV_DDB_NUMBER_OK)
        return number_refused(w, text, st);
    /* The canonical text, not the caller's: "0.000...0001e5000" with any
     * number of zeros is a short N. */
    return put_n_checked(w, &x, NULL);
}

/* A short text of ours (ev_num_format, %PRId64): checked, written as is. */
static ev_codec_status put_n_short(ev_ddb_writer *w, const char *text)
{
    ev_num_dec x;
    ev_ddb_number_status st = parse_and_check(text, &x);
    if (st != EV_DDB_NUMBER_OK)
        return number_refused(w, text, st);
    return put_n_checked(w, &x, text);
}

ev_codec_status ev_ddb_put_n_double(ev_ddb_writer *w, double v)
{
    char text[EV_NUM_TEXT_MAX];
    if (!isfinite(v))
        return ev_codec_fail(w->c, EV_CODEC_RANGE, "%s cannot be stored in DynamoDB (N must be finite)",
                             isnan(v) ? "NaN" : "infinity");
    ev_num_format(v, text);
    return put_n_short(w, text);
}

ev_codec_status ev_ddb_put_n_int(ev_ddb_writer *w, int64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, v);
    return put_n_short(w, text);
}

ev_codec_status ev_ddb_put_bool(ev_ddb_writer *w, bool v)
{
    ev_buf_append_str(w->out, v ? "{\"BOOL\":true}" : "{\"BOOL\":false}");
    w->size += 1;
    return flush(w);
}

ev_codec_status ev_ddb_put_null(ev_ddb_writer *w)
{
    ev_buf_append_str(w->out, "{\"NULL\":true}");
    w->size += 1;
    return flush(w);
}

/* ---- reading ------------------------------------------------------------------ */

static const char *const AV_TYPES[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};

static bool known_type(const char *name)
{
    for (size_t i = 0; i < sizeof AV_TYPES / sizeof AV_TYPES[0]; i++)
        if (strcmp(name, AV_TYPES[i]) == 0)
            return true;
    return false;
}

/* The single type descriptor of av, or NULL after recording a failure. */
static const cJSON *descriptor(ev_codec_ctx *c, const cJSON *av)
{
    if (!cJSON_IsObject(av) || av->child == NULL || av->child->next != NULL || av->child->string == NULL) {
        ev_codec_fail(c, EV_CODEC_MISMATCH,
                      "not an AttributeValue (an object with one type descriptor), found %s",
                      av == NULL ? "nothing" : ev_json_type_name(av));
        return NULL;
    }
    if (!known_type(av->child->string)) {
        ev_codec_fail(c, EV_CODEC_MISMATCH, "unknown AttributeValue type \"%.40s\"", av->child->string);
        return NULL;
    }
    return av->child;
}

ev_codec_status ev_ddb_expect(ev_codec_ctx *c, const cJSON *av, const char *type, const cJSON **value)
{
    const cJSON *d = descriptor(c, av);
    if (d == NULL)
        return EV_CODEC_MISMATCH;
    if (strcmp(d->string, type) != 0)
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "expected %s, found %s", type, d->string);
    *value = d;
    return EV_CODEC_OK;
}

ev_codec_status ev_ddb_get_s(ev_codec_ctx *c, const cJSON *av, const char **out)
{
    const cJSON *v;
    ev_codec_status s = ev_ddb_expect(c, av, "S", &v);
    if (s != EV_CODEC_OK)
        return s;
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of S must be a string, found %s",
                             ev_json_type_name(v));
    return ev_codec_strdup(c, v->valuestring, out);
}

static ev_codec_status get_n_text(ev_codec_ctx *c, const cJSON *av, const char **text, ev_num_dec *x)
{
    const cJSON *v;
    ev_codec_status s = ev_ddb_expect(c, av, "N", &v);
    if (s != EV_CODEC_OK)
        return s;
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of N must be a string, found %s",
                             ev_json_type_name(v));
    if (!ev_num_dec_parse(v->valuestring, strlen(v->valuestring), x))
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "N value \"%.40s\" is not a number", v->valuestring);
    *text = v->valuestring;
    return EV_CODEC_OK;
}

ev_codec_status ev_ddb_get_n_double(ev_codec_ctx *c, const cJSON *av, double *out)
{
    const char *text = NULL;
    ev_num_dec x;
    ev_codec_status s = get_n_text(c, av, &text, &x);
    if (s != EV_CODEC_OK)
        return s;
    if (!ev_num_text_exact(text, out) || !isfinite(*out))
        return ev_codec_fail(c, EV_CODEC_RANGE, "N value %.40s cannot be held exactly by a double", text);
    return EV_CODEC_OK;
}

/* The integer value of x into *out when it has no fractional part and fits
 * in int64; decided on the digits, so 1234567890123456789E0 reads exactly. */
static ev_codec_status dec_to_int64(ev_codec_ctx *c, const ev_num_dec *x, const char *text, int64_t *out)
{
    if (!ev_num_dec_is_integer(x))
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "N value %.40s is not an integer", text);
    if (x->n == 0) {
        *out = 0;
        return EV_CODEC_OK;
    }
    /* lead <= 18: fewer than 20 digits, below 10^19 < 2^64. */
    if (ev_num_dec_lead(x) > 18)
        return ev_codec_fail(c, EV_CODEC_RANGE, "N value %.40s does not fit in 64 bits", text);
    uint64_t m = 0;
    for (size_t i = 0; i < x->n; i++)
        m = m * 10 + (uint64_t)(ev_num_dec_digit(x, i) - '0');
    for (int64_t i = 0; i < x->exp; i++)
        m *= 10;
    uint64_t limit = x->neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (m > limit)
        return ev_codec_fail(c, EV_CODEC_RANGE, "N value %.40s does not fit in 64 bits", text);
    *out = !x->neg ? (int64_t)m : m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
    return EV_CODEC_OK;
}

ev_codec_status ev_ddb_get_n_int(ev_codec_ctx *c, const cJSON *av, int64_t *out)
{
    const char *text = NULL;
    ev_num_dec x;
    ev_codec_status s = get_n_text(c, av, &text, &x);
    if (s != EV_CODEC_OK)
        return s;
    return dec_to_int64(c, &x, text, out);
}

ev_codec_status ev_ddb_get_bool(ev_codec_ctx *c, const cJSON *av, bool *out)
{
    const cJSON *v;
    ev_codec_status s = ev_ddb_expect(c, av, "BOOL", &v);
    if (s != EV_CODEC_OK)
        return s;
    if (!cJSON_IsBool(v))
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of BOOL must be true or false, found %s",
                             ev_json_type_name(v));
    *out = cJSON_IsTrue(v);
    return EV_CODEC_OK;
}

static size_t count_children(const cJSON *x)
{
    size_t n = 0;
    for (const cJSON *e = x->child; e != NULL; e = e->next)
        n++;
    return n;
}

ev_codec_status ev_ddb_get_m(ev_codec_ctx *c, const cJSON *av, const cJSON **map, size_t *count)
{
    const cJSON *v;
    ev_codec_status s = ev_ddb_expect(c, av, "M", &v);
    if (s != EV_CODEC_OK)
        return s;
    if (!cJSON_IsObject(v))
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of M must be an object, found %s",
                             ev_json_type_name(v));
    *map = v;
    if (count != NULL)
        *count = count_children(v);
    return EV_CODEC_OK;
}

ev_codec_status ev_ddb_get_l(ev_codec_ctx *c, const cJSON *av, const cJSON **list, size_t *count)
{
    const cJSON *v;
    ev_codec_status s = ev_ddb_expect(c, av, "L", &v);
    if (s != EV_CODEC_OK)
        return s;
    if (!cJSON_IsArray(v))
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of L must be an array, found %s",
                             ev_json_type_name(v));
    *list = v;
    if (count != NULL)
        *count = count_children(v);
    return EV_CODEC_OK;
}

/* ---- item size ---------------------------------------------------------------- */

static size_t base64_bytes(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n > 0 && s[n - 1] == '=')
        pad++;
    if (n > 1 && s[n - 2] == '=')
        pad++;
    return n / 4 * 3 + (n % 4 ? (n % 4) - 1 : 0) - pad;
}

static ev_codec_status value_size(ev_codec_ctx *c, const cJSON *av, int depth, size_t *size);

static ev_codec_status scalar_size(ev_codec_ctx *c, const char *type, const cJSON *v, size_t *size)
{
    if (strcmp(type, "S") == 0 || strcmp(type, "N") == 0 || strcmp(type, "B") == 0) {
        if (!cJSON_IsString(v))
            return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of %s must be a string", type);
        if (type[0] == 'S') {
            *size += strlen(v->valuestring);
        } else if (type[0] == 'B') {
            *size += base64_bytes(v->valuestring);
        } else {
            size_t digits = 1;
            ev_ddb_number_status st = ev_ddb_number_check(v->valuestring, &digits);
            if (st != EV_DDB_NUMBER_OK)
                return ev_codec_fail(c, EV_CODEC_RANGE, "N value %.40s %s", v->valuestring,
                                     ev_ddb_number_status_message(st));
            *size += ev_ddb_number_size(digits);
        }
        return EV_CODEC_OK;
    }
    return ev_codec_fail(c, EV_CODEC_MISMATCH, "unknown AttributeValue type \"%s\"", type);
}

static ev_codec_status value_size(ev_codec_ctx *c, const cJSON *av, int depth, size_t *size)
{
    const cJSON *d = descriptor(c, av);
    ev_codec_status s = EV_CODEC_OK;
    if (d == NULL)
        return EV_CODEC_MISMATCH;
    const char *t = d->string;
    if (strcmp(t, "BOOL") == 0 || strcmp(t, "NULL") == 0) {
        *size += 1;
    } else if (strcmp(t, "M") == 0 || strcmp(t, "L") == 0) {
        bool is_map = t[0] == 'M';
        if (is_map ? !cJSON_IsObject(d) : !cJSON_IsArray(d))
            return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of %s must be an %s", t,
                                 is_map ? "object" : "array");
        if (depth >= EV_DDB_MAX_DEPTH)
            return ev_codec_fail(c, EV_CODEC_TOO_LARGE, "nested deeper than DynamoDB's %d levels",
                                 EV_DDB_MAX_DEPTH);
        *size += 3;
        size_t i = 0;
        for (const cJSON *e = d->child; e != NULL && s == EV_CODEC_OK; e = e->next, i++) {
            size_t mark = is_map ? ev_codec_push_key(c, e->string) : ev_codec_push_index(c, i);
            *size += 1 + (is_map && e->string != NULL ? strlen(e->string) : 0);
            s = value_size(c, e, depth + 1, size);
            ev_codec_pop(c, mark);
        }
    } else if (strcmp(t, "SS") == 0 || strcmp(t, "NS") == 0 || strcmp(t, "BS") == 0) {
        if (!cJSON_IsArray(d))
            return ev_codec_fail(c, EV_CODEC_MISMATCH, "the value of %s must be an array", t);
        char one[2] = {t[0], '\0'};
        for (const cJSON *e = d->child; e != NULL && s == EV_CODEC_OK; e = e->next)
            s = scalar_size(c, one, e, size);
    } else {
        s = scalar_size(c, t, d, size);
    }
    return s;
}

ev_codec_status ev_ddb_item_size(ev_codec_ctx *c, const cJSON *item, size_t *size)
{
    ev_codec_status s = EV_CODEC_OK;
    *size = 0;
    if (!cJSON_IsObject(item))
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "an item must be an object, found %s",
                             item == NULL ? "nothing" : ev_json_type_name(item));
    for (const cJSON *e = item->child; e != NULL && s == EV_CODEC_OK; e = e->next) {
        size_t mark = ev_codec_push_key(c, e->string);
        *size += e->string != NULL ? strlen(e->string) : 0;
        s = value_size(c, e, 1, size);
        ev_codec_pop(c, mark);
    }
    return s;
}
