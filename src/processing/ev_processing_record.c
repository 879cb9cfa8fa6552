/* One SQS record to one DynamoDB item: see ev_processing_record.h. */
#include "processing/ev_processing_record.h"

#include "events_versions.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/ev_time.h"
#include "events.h"
#include "events_versions.h"
#include "schema/ev_ddb.h"
#include "schema/ev_errors.h"

const char *const ev_record_added_attributes[] = {"event_id",
                                                  "received_at",
                                                  "schema_version",
                                                  "event_type",
                                                  "source_ip",
                                                  "request_id",
                                                  "expires_at",
                                                  "message_id",
                                                  "content_hash",
                                                  EV_ATTR_VALUE_NORMALISED,
                                                  EV_ATTR_UNIT_NORMALISED,
                                                  EV_ATTR_ORIGINAL_VALUE,
                                                  EV_ATTR_ORIGINAL_UNIT,
                                                  NULL};

const char *ev_record_reason_name(ev_record_reason reason)
{
    switch (reason) {
    case EV_RECORD_OK:
        return "ok";
    case EV_RECORD_MISSING_ATTRIBUTE:
        return "missing-attribute";
    case EV_RECORD_BAD_ATTRIBUTE:
        return "bad-attribute";
    case EV_RECORD_BODY_TOO_LARGE:
        return "body-too-large";
    case EV_RECORD_INVALID_JSON:
        return "invalid-json";
    case EV_RECORD_INVALID_EVENT:
        return "invalid-event";
    case EV_RECORD_UNSUPPORTED_VERSION:
        return "unsupported-schema-version";
    case EV_RECORD_RULES:
        return "business-rule";
    case EV_RECORD_ITEM:
        return "item";
    case EV_RECORD_NO_MEMORY:
        return "no-memory";
    case EV_RECORD_CONFLICT:
        return "conflict";
    case EV_RECORD_WRITE_FAILED:
        return "write-failed";
    case EV_RECORD_DEADLINE:
        return "deadline";
    }
    return "unknown";
}

__attribute__((format(printf, 4, 5))) static int problem(ev_record_problem *p, ev_record_reason reason,
                                                         const char *where, const char *fmt, ...)
{
    p->reason = reason;
    snprintf(p->where, sizeof p->where, "%s", where ? where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- message attributes ---------------------------------------------------- */

/* The stringValue of attribute `name` whose dataType is `type` (or
 * "type.<custom>"); NULL with the problem set when absent or wrong. */
static const char *attr_string(const cJSON *attrs, const char *name, const char *type, bool required,
                               ev_record_problem *p)
{
    const cJSON *a = cJSON_IsObject(attrs) ? cJSON_GetObjectItemCaseSensitive(attrs, name) : NULL;
    if (a == NULL || cJSON_IsNull(a)) {
        if (required)
            problem(p, EV_RECORD_MISSING_ATTRIBUTE, name, "the message attribute %s is required and absent",
                    name);
        return NULL;
    }
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(a, "dataType");
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(a, "stringValue");
    size_t tl = strlen(type);
    if (!cJSON_IsString(dt) || strncmp(dt->valuestring, type, tl) != 0 ||
        (dt->valuestring[tl] != '\0' && dt->valuestring[tl] != '.')) {
        problem(p, EV_RECORD_BAD_ATTRIBUTE, name, "the message attribute %s must have dataType %s, found %s",
                name, type, cJSON_IsString(dt) ? dt->valuestring : "none");
        return NULL;
    }
    if (!cJSON_IsString(sv)) {
        problem(p, EV_RECORD_BAD_ATTRIBUTE, name, "the message attribute %s has no stringValue", name);
        return NULL;
    }
    return sv->valuestring;
}

static int days_from_civil(int64_t y, int64_t m, int64_t d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int)(era * 146097 + doe - 719468);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ev_rfc3339_parse_ms(const char *s, int64_t *ms)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, ms_part = 0;
    if (s == NULL || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
        s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
        return -1;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                ms_part = ms_part * 10 + (*p - '0');
        if (n == 0)
            return -1;
        for (; n < 3; n++)
            ms_part *= 10;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    if (sec == 60) /* a leap second: the last millisecond of the minute */
        sec = 59, ms_part = 999;
    int64_t secs = (int64_t)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    *ms = secs * 1000 + ms_part;
    return 0;
}

static int read_schema_version(const cJSON *attrs, int64_t *out, ev_record_problem *p)
{
    const char *v = attr_string(attrs, EV_MSG_ATTR_SCHEMA_VERSION, "Number", true, p);
    if (v == NULL)
        return -1;
    int64_t n = 0;
    size_t len = strlen(v);
    if (len == 0 || len > 9 || (len > 1 && v[0] == '0'))
        goto bad;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            goto bad;
        n = n * 10 + (v[i] - '0');
    }
    *out = n;
    return 0;
bad:
    return problem(
        p, EV_RECORD_BAD_ATTRIBUTE, EV_MSG_ATTR_SCHEMA_VERSION,
        "schema_version must be a whole number 0..999999999 without leading zeros, found \"%.40s\"", v);
}

int ev_record_read_attributes(const cJSON *record, ev_record_attrs *out, ev_record_problem *p)
{
    memset(out, 0, sizeof *out);
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(record, "messageAttributes");
    if (attrs != NULL && !cJSON_IsNull(attrs) && !cJSON_IsObject(attrs))
        return problem(p, EV_RECORD_BAD_ATTRIBUTE, "messageAttributes", "messageAttributes is not an object");

    const char *id = attr_string(attrs, EV_MSG_ATTR_EVENT_ID, "String", true, p);
    if (id == NULL)
        return -1;
    ev_uuid u;
    if (ev_uuid_parse(id, strlen(id), &u) != 0)
        return problem(p, EV_RECORD_BAD_ATTRIBUTE, EV_MSG_ATTR_EVENT_ID,
                       "event_id must be a UUID (8-4-4-4-12 hex), found \"%.64s\"", id);
    ev_uuid_format(&u, out->event_id);

    out->event_type = attr_string(attrs, EV_MSG_ATTR_EVENT_TYPE, "String", true, p);
    if (out->event_type == NULL)
        return -1;
    if (read_schema_version(attrs, &out->schema_version, p) != 0)
        return -1;

    const char *at = attr_string(attrs, EV_MSG_ATTR_RECEIVED_AT, "String", true, p);
    if (at == NULL)
        return -1;
    if (ev_rfc3339_parse_ms(at, &out->received_at_ms) != 0 ||
        ev_time_format_rfc3339_ms(out->received_at_ms, out->received_at) != 0)
        return problem(p, EV_RECORD_BAD_ATTRIBUTE, EV_MSG_ATTR_RECEIVED_AT,
                       "received_at must be an RFC 3339 date-time, found \"%.64s\"", at);

    /* Optional: absent is fine, present must be a String. */
    p->reason = EV_RECORD_OK;
    out->source_ip = attr_string(attrs, EV_MSG_ATTR_SOURCE_IP, "String", false, p);
    if (p->reason != EV_RECORD_OK)
        return -1;
    out->request_id = attr_string(attrs, EV_MSG_ATTR_REQUEST_ID, "String", false, p);
    if (p->reason != EV_RECORD_OK)
        return -1;
    return 0;
}

/* ---- decode for version ------------------------------------------------------ */

/* Validates under the schema of `version` and decodes into the current
 * struct (a previous version's body is upgraded by the generated rules). */
static int decode_version(int version, const cJSON *body, ev_arena *arena, events_event *out,
                          ev_record_problem *p)
{
    ev_errors errors;
    ev_errors_init(&errors);
    if (!events_validate_version(version, body, &errors)) {
        if (errors.no_memory) {
            ev_errors_clear(&errors);
            return problem(p, EV_RECORD_NO_MEMORY, "", "out of memory while validating the body");
        }
        ev_buf list = EV_BUF_INIT;
        ev_errors_to_json(&errors, &list);
        problem(p, EV_RECORD_INVALID_EVENT, errors.count > 0 ? errors.items[0].instance_path : "",
                "the body breaks the event schema of version %d (%zu errors): %s", version, errors.total,
                list.failed ? "(list unavailable)" : ev_buf_cstr(&list));
        ev_buf_free(&list);
        ev_errors_clear(&errors);
        return -1;
    }
    ev_errors_clear(&errors);
    ev_codec_error cerr;
    memset(&cerr, 0, sizeof cerr);
    ev_codec_status s = events_decode_version(version, body, arena, out, &cerr);
    if (s != EV_CODEC_OK)
        return problem(p, s == EV_CODEC_NO_MEMORY ? EV_RECORD_NO_MEMORY : EV_RECORD_INVALID_EVENT, cerr.path,
                       "the body could not be decoded: %s: %s", ev_codec_status_name(s), cerr.message);
    return 0;
}

int ev_processing_decode_for_version(int64_t version, const cJSON *body, ev_arena *arena, events_event *out,
                                     ev_record_problem *p)
{
    if (version >= INT_MIN && version <= INT_MAX && events_version_supported((int)version))
        return decode_version((int)version, body, arena, out, p);
    return problem(p, EV_RECORD_UNSUPPORTED_VERSION, EV_MSG_ATTR_SCHEMA_VERSION,
                   "unsupported schema version %lld (this function reads versions %d and %d)",
                   (long long)version, EVENTS_VERSION_PREVIOUS, EVENTS_VERSION_CURRENT);
}

/* ---- the item ------------------------------------------------------------------ */

static int sha256_hex(const EVP_MD *sha256, const char *data, size_t len,
                      char out[EV_CONTENT_HASH_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(data, len, md, &md_len, sha256 ? sha256 : EVP_sha256(), NULL) != 1 || md_len != 32)
        return -1;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

static ev_codec_status put_s(ev_ddb_writer *w, const char *name, const char *value)
{
    ev_codec_status s = ev_ddb_name(w, name);
    return s != EV_CODEC_OK ? s : ev_ddb_put_s(w, value);
}

static ev_codec_status put_n_int(ev_ddb_writer *w, const char *name, int64_t value)
{
    ev_codec_status s = ev_ddb_name(w, name);
    return s != EV_CODEC_OK ? s : ev_ddb_put_n_int(w, value);
}

static ev_codec_status put_n_text(ev_ddb_writer *w, const char *name, const char *text)
{
    ev_codec_status s = ev_ddb_name(w, name);
    return s != EV_CODEC_OK ? s : ev_ddb_put_n_text(w, text);
}

/* The attributes the function adds, as a complete item "{...}". */
static ev_codec_status write_added(ev_ddb_writer *w, const ev_record_item_input *in, const char *hash)
{
    const ev_record_attrs *a = in->attrs;
    int64_t expires_at = a->received_at_ms / 1000 + in->retention_days * 86400;
    if (a->received_at_ms < 0 && a->received_at_ms % 1000 != 0)
        expires_at -= 1; /* floor for times before 1970 */
    ev_codec_status s = ev_ddb_item_begin(w);
    if (s == EV_CODEC_OK)
        s = put_s(w, "event_id", a->event_id);
    if (s == EV_CODEC_OK)
        s = put_s(w, "received_at", a->received_at);
    if (s == EV_CODEC_OK)
        s = put_n_int(w, "schema_version", a->schema_version);
    if (s == EV_CODEC_OK)
        s = put_s(w, "event_type", events_event_type_name(in->event->type));
    if (s == EV_CODEC_OK && a->source_ip != NULL)
        s = put_s(w, "source_ip", a->source_ip);
    if (s == EV_CODEC_OK && a->request_id != NULL)
        s = put_s(w, "request_id", a->request_id);
    if (s == EV_CODEC_OK)
        s = put_n_int(w, "expires_at", expires_at);
    if (s == EV_CODEC_OK)
        s = put_s(w, "message_id", in->message_id);
    if (s == EV_CODEC_OK)
        s = put_s(w, EV_ITEM_ATTR_CONTENT_HASH, hash);
    const ev_normalised *n = in->normalised;
    if (s == EV_CODEC_OK && n != NULL && n->present) {
        s = put_n_text(w, EV_ATTR_VALUE_NORMALISED, n->value);
        if (s == EV_CODEC_OK)
            s = put_s(w, EV_ATTR_UNIT_NORMALISED, n->unit);
        if (s == EV_CODEC_OK)
            s = put_n_text(w, EV_ATTR_ORIGINAL_VALUE, n->original_value);
        if (s == EV_CODEC_OK)
            s = put_s(w, EV_ATTR_ORIGINAL_UNIT, n->original_unit);
    }
    if (s == EV_CODEC_OK)
        s = ev_ddb_item_end(w);
    return s;
}

int ev_record_build_item(const ev_record_item_input *in, ev_buf *item, char hash[EV_CONTENT_HASH_HEX_LEN + 1],
                         ev_record_problem *p)
{
    ev_codec_error cerr;
    memset(&cerr, 0, sizeof cerr);
    ev_buf gen = EV_BUF_INIT, added = EV_BUF_INIT;
    size_t gen_size = 0;
    int rc = -1;
    ev_codec_status s = events_event_to_ddb(in->event, &gen, &gen_size, &cerr);
    if (s != EV_CODEC_OK) {
        problem(p, s == EV_CODEC_NO_MEMORY ? EV_RECORD_NO_MEMORY : EV_RECORD_ITEM, cerr.path,
                "the event cannot be stored: %s: %s", ev_codec_status_name(s), cerr.message);
        goto out;
    }
    if (sha256_hex(in->sha256, gen.data, gen.len, hash) != 0) {
        problem(p, EV_RECORD_NO_MEMORY, "", "SHA-256 of the item failed");
        goto out;
    }
    ev_codec_ctx c;
    ev_codec_init(&c, NULL, &cerr);
    ev_ddb_writer w;
    ev_ddb_writer_init(&w, &c, &added);
    s = write_added(&w, in, hash);
    if (s != EV_CODEC_OK) {
        problem(p, s == EV_CODEC_NO_MEMORY ? EV_RECORD_NO_MEMORY : EV_RECORD_ITEM, cerr.path,
                "the item cannot be built: %s: %s", ev_codec_status_name(s), cerr.message);
        goto out;
    }
    if (gen_size + w.size > EV_DDB_MAX_ITEM_BYTES) {
        problem(p, EV_RECORD_ITEM, "", "the item would be %zu bytes, over DynamoDB's %zu", gen_size + w.size,
                EV_DDB_MAX_ITEM_BYTES);
        goto out;
    }
    /* "{generated}" + "{added}" -> "{generated,added}" (neither is empty: the
     * schema requires members and event_id is always added). */
    ev_buf_append(item, gen.data, gen.len - 1);
    ev_buf_append_char(item, gen.len > 2 ? ',' : ' ');
    ev_buf_append(item, added.data + 1, added.len - 1);
    if (item->failed) {
        problem(p, EV_RECORD_NO_MEMORY, "", "out of memory while building the item");
        goto out;
    }
    rc = 0;
out:
    ev_buf_free(&gen);
    ev_buf_free(&added);
    return rc;
}
