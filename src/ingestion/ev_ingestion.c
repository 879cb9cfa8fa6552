/* The ingestion handler: see ev_ingestion.h. */
#include "ingestion/ev_ingestion.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ev_time.h"
#include "events.h"
#include "ingestion/ev_apigw.h"
#include "schema/ev_json.h"

/* 5b0d2c4e-8f1a-4e3b-9c6d-7a2e1f0b3c4d */
const ev_uuid EV_INGESTION_IDEMPOTENCY_NAMESPACE = {
    {0x5b, 0x0d, 0x2c, 0x4e, 0x8f, 0x1a, 0x4e, 0x3b, 0x9c, 0x6d, 0x7a, 0x2e, 0x1f, 0x0b, 0x3c, 0x4d}};

#define PROBLEM_PREFIX "urn:evpipe:problem:"
#define N_ATTRS        6

struct ev_ingestion {
    char *queue_url;
    size_t max_message_bytes;
    int retry_after_s;
    ev_ingestion_sender sender;
    ev_uuid7_gen ids;
    /* Random bytes for the ids, drawn from the system 512 at a time: one
     * getrandom(2) per 64 ids instead of one or two per id. */
    unsigned char pool[512];
    size_t pool_left;
    const char *shortest_type; /* of the schema's event types: the size check before parsing */
    ev_buf body;               /* the response body being built */
    ev_buf resp;               /* the proxy response handed to the runtime */
    char retry_after[16];
};

typedef enum item_status { ITEM_REJECTED, ITEM_VALID, ITEM_ACCEPTED, ITEM_FAILED } item_status;

typedef struct item {
    const char *text; /* the item's own bytes in the request body */
    size_t len;
    const cJSON *tree;
    item_status status;
    const char *errors_json; /* rejected: JSON array of its errors (arena) */
    char event_id[EV_UUID_STRING_LEN + 1];
    const char *event_type;
    ev_sqs_message_attribute attrs[N_ATTRS];
    size_t attr_count;
    char code[128]; /* failed: the queue's error code */
} item;

/* One request in progress. */
typedef struct request {
    ev_ingestion *ing;
    const ev_invocation *inv;
    ev_apigw_request http;
    const char *idempotency_key;
    char received_at[EV_RFC3339_MS_LEN + 1];
    char schema_version[24];
    bool is_array;
    item items[EV_INGESTION_MAX_BATCH];
    size_t n;
    size_t accepted, rejected, failed;
} request;

/* ev_uuid_random_fn over the pool (ctx: the ev_ingestion). */
static int pooled_random(void *ctx, void *buf, size_t len)
{
    ev_ingestion *ing = ctx;
    if (len > sizeof ing->pool)
        return ev_uuid_system_random(NULL, buf, len);
    if (ing->pool_left < len) {
        if (ev_uuid_system_random(NULL, ing->pool, sizeof ing->pool) != 0)
            return -1;
        ing->pool_left = sizeof ing->pool;
    }
    memcpy(buf, ing->pool + sizeof ing->pool - ing->pool_left, len);
    memset(ing->pool + sizeof ing->pool - ing->pool_left, 0, len);
    ing->pool_left -= len;
    return 0;
}

/* ---- configuration ------------------------------------------------------ */

int ev_ingestion_config_from_env(ev_ingestion_config *cfg, char *error, size_t error_len)
{
    memset(cfg, 0, sizeof *cfg);
    const char *url = getenv(EV_INGESTION_QUEUE_URL_ENV);
    if (url == NULL || url[0] == '\0') {
        snprintf(error, error_len,
                 "%s is not set: the ingestion function needs the URL of the queue it sends to",
                 EV_INGESTION_QUEUE_URL_ENV);
        return -1;
    }
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    if (ev_sqs_max_message_bytes_from_env(&cfg->max_message_bytes, &aerr) != 0) {
        snprintf(error, error_len, "%s", aerr.message);
        return -1;
    }
    cfg->queue_url = url;
    return 0;
}

ev_ingestion *ev_ingestion_new(const ev_ingestion_config *cfg, const ev_ingestion_sender *sender, char *error,
                               size_t error_len)
{
    if (cfg->queue_url == NULL || cfg->queue_url[0] == '\0' || sender == NULL || sender->send == NULL ||
        sender->send_batch == NULL) {
        snprintf(error, error_len, "ev_ingestion_new: a queue URL and a sender with both calls are required");
        return NULL;
    }
    size_t max = cfg->max_message_bytes ? cfg->max_message_bytes : EV_SQS_MAX_MESSAGE_BYTES;
    if (max < EV_SQS_MIN_MESSAGE_SIZE_SETTING || max > EV_SQS_MAX_MESSAGE_SIZE_SETTING) {
        snprintf(error, error_len, "ev_ingestion_new: max_message_bytes %zu is outside %u..%u", max,
                 EV_SQS_MIN_MESSAGE_SIZE_SETTING, EV_SQS_MAX_MESSAGE_SIZE_SETTING);
        return NULL;
    }
    ev_ingestion *ing = calloc(1, sizeof *ing);
    if (ing == NULL || (ing->queue_url = strdup(cfg->queue_url)) == NULL) {
        free(ing);
        snprintf(error, error_len, "ev_ingestion_new: out of memory");
        return NULL;
    }
    ing->max_message_bytes = max;
    ing->retry_after_s = cfg->retry_after_s > 0 ? cfg->retry_after_s : EV_INGESTION_RETRY_AFTER_S;
    snprintf(ing->retry_after, sizeof ing->retry_after, "%d", ing->retry_after_s);
    ing->sender = *sender;
    if (cfg->random != NULL)
        ev_uuid7_gen_init(&ing->ids, cfg->clock, cfg->random, cfg->random_ctx);
    else
        ev_uuid7_gen_init(&ing->ids, cfg->clock, pooled_random, ing);
    for (int t = 0; t < EVENTS_EVENT_TYPE_COUNT; t++) {
        const char *name = events_event_type_name((events_event_type)t);
        if (name != NULL && (ing->shortest_type == NULL || strlen(name) < strlen(ing->shortest_type)))
            ing->shortest_type = name;
    }
    if (ing->shortest_type == NULL)
        ing->shortest_type = "";
    ev_buf_init(&ing->body);
    ev_buf_init(&ing->resp);
    return ing;
}

void ev_ingestion_free(ev_ingestion *ing)
{
    if (ing == NULL)
        return;
    ev_buf_free(&ing->body);
    ev_buf_free(&ing->resp);
    free(ing->queue_url);
    free(ing);
}

/* ---- message attributes --------------------------------------------------- */

static size_t fill_attributes(ev_sqs_message_attribute *a, const char *event_id, const char *event_type,
                              const char *schema_version, const char *received_at, const char *source_ip,
                              const char *request_id)
{
    size_t n = 0;
    a[n++] = (ev_sqs_message_attribute){.name = "event_id", .data_type = "String", .string_value = event_id};
    a[n++] =
        (ev_sqs_message_attribute){.name = "event_type", .data_type = "String", .string_value = event_type};
    a[n++] = (ev_sqs_message_attribute){
        .name = "schema_version", .data_type = "Number", .string_value = schema_version};
    a[n++] =
        (ev_sqs_message_attribute){.name = "received_at", .data_type = "String", .string_value = received_at};
    if (source_ip != NULL)
        a[n++] =
            (ev_sqs_message_attribute){.name = "source_ip", .data_type = "String", .string_value = source_ip};
    if (request_id != NULL)
        a[n++] = (ev_sqs_message_attribute){
            .name = "request_id", .data_type = "String", .string_value = request_id};
    return n;
}

size_t ev_ingestion_attributes_size(const char *event_type, const char *source_ip, const char *request_id)
{
    char version[24];
    snprintf(version, sizeof version, "%d", EVENTS_SCHEMA_VERSION);
    ev_sqs_message_attribute a[N_ATTRS];
    ev_sqs_outgoing msg = {.body = "", .delay_seconds = -1, .attributes = a};
    msg.attribute_count = fill_attributes(a, "00000000-0000-0000-0000-000000000000", event_type, version,
                                          "0000-00-00T00:00:00.000Z", source_ip, request_id);
    return ev_sqs_message_size(&msg);
}

/* ---- answers ---------------------------------------------------------------- */

static int finish(request *r, int status, const char *content_type, bool allow, bool retry_after,
                  ev_handler_output *out)
{
    ev_ingestion *ing = r->ing;
    ev_apigw_header_kv h[3];
    size_t nh = 0;
    h[nh++] = (ev_apigw_header_kv){"Content-Type", content_type};
    if (allow)
        h[nh++] = (ev_apigw_header_kv){"Allow", "POST"};
    if (retry_after)
        h[nh++] = (ev_apigw_header_kv){"Retry-After", ing->retry_after};
    ev_buf_reset(&ing->resp);
    if (ing->body.failed ||
        ev_apigw_write_response(&ing->resp, status, h, nh, ev_buf_cstr(&ing->body), ing->body.len) != 0)
        return ev_handler_fail(out, "OutOfMemory", "out of memory writing the %d response", status);
    return ev_handler_respond(out, ing->resp.data, ing->resp.len);
}

/* Starts a problem document: type, title, status, detail; the caller adds
 * members and closes it with '}'. */
static void problem_begin(ev_buf *b, const char *slug, const char *title, int status, const char *detail)
{
    ev_buf_reset(b);
    ev_buf_append_str(b, "{\"type\":\"" PROBLEM_PREFIX);
    ev_buf_append_str(b, slug);
    ev_buf_append_str(b, "\",\"title\":");
    ev_buf_append_json_string(b, title, strlen(title));
    ev_buf_printf(b, ",\"status\":%d,\"detail\":", status);
    ev_buf_append_json_text(b, detail, strlen(detail), 0);
}

static void log_refusal(request *r, int status, const char *slug, const char *detail)
{
    ev_log_warning(r->inv->log, "request refused", EV_LOG_INT("status", status), EV_LOG_STR("problem", slug),
                   EV_LOG_STR("detail", detail), EV_LOG_STR("method", r->http.method),
                   EV_LOG_STR("path", r->http.path), EV_LOG_STR("api_request_id", r->http.request_id));
}

/* A request refused as a whole: a problem with an optional errors array
 * (JSON text) and optional extra members (JSON text starting with ','). */
static int refuse(request *r, int status, const char *slug, const char *title, const char *errors_json,
                  ev_handler_output *out, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static int refuse(request *r, int status, const char *slug, const char *title, const char *errors_json,
                  ev_handler_output *out, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    ev_buf *b = &r->ing->body;
    problem_begin(b, slug, title, status, detail);
    if (errors_json != NULL) {
        ev_buf_append_str(b, ",\"errors\":");
        ev_buf_append_str(b, errors_json);
    }
    ev_buf_append_char(b, '}');
    log_refusal(r, status, slug, detail);
    if (status < 500)
        ev_metrics_add_count(r->inv->metrics, EV_METRIC_EVENTS_REJECTED, r->n > 0 ? (double)r->n : 1);
    return finish(r, status, "application/problem+json", status == 405, status == 503, out);
}

/* [{"pointer":P,"message":M}] for one error found outside the validator. */
static const char *one_error(request *r, const char *pointer, const char *keyword, const char *message)
{
    ev_buf b = EV_BUF_INIT;
    ev_buf_append_str(&b, "[{\"pointer\":");
    ev_buf_append_json_text(&b, pointer, strlen(pointer), 0);
    ev_buf_append_str(&b, ",\"keyword\":");
    ev_buf_append_json_string(&b, keyword, strlen(keyword));
    ev_buf_append_str(&b, ",\"message\":");
    ev_buf_append_json_text(&b, message, strlen(message), 0);
    ev_buf_append_str(&b, "}]");
    const char *s = b.failed ? "[]" : ev_arena_strndup(r->inv->arena, b.data, b.len);
    ev_buf_free(&b);
    return s ? s : "[]";
}

/* ---- routing and media type ------------------------------------------- */

static bool is_events_path(const ev_apigw_request *h)
{
    if (h->resource != NULL && strcmp(h->resource, "/events") == 0)
        return true;
    return strcmp(h->path, "/events") == 0 || strcmp(h->path, "/events/") == 0;
}

/* application/json or application/<x>+json, parameters allowed; absent or
 * blank is JSON (as API Gateway picks the request model). */
static bool is_json_media_type(const char *ct)
{
    if (ct == NULL)
        return true;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t len = strcspn(ct, ";");
    while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
        len--;
    if (len == 0)
        return true;
    const char *slash = memchr(ct, '/', len);
    if (slash == NULL || (size_t)(slash - ct) != 11 || strncasecmp(ct, "application", 11) != 0)
        return false;
    const char *sub = slash + 1;
    size_t sub_len = len - 12;
    if (sub_len == 4 && strncasecmp(sub, "json", 4) == 0)
        return true;
    return sub_len > 5 && strncasecmp(sub + sub_len - 5, "+json", 5) == 0 &&
           memchr(sub, '/', sub_len) == NULL;
}

/* ---- the body ------------------------------------------------------------- */

static bool json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && json_space((*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && json_space((*s)[*len - 1]))
        (*len)--;
}

/*
 * The byte spans of the elements of a JSON array text that ev_json accepted
 * (so well-formed): each element trimmed. Returns the number found (at most
 * max; more are counted but not stored).
 */
static size_t split_array(const char *s, size_t len, item *items, size_t max)
{
    size_t i = 0, count = 0;
    while (i < len && s[i] != '[')
        i++;
    i++;
    int depth = 0;
    bool in_string = false;
    size_t start = SIZE_MAX;
    for (; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (json_space(c))
            continue;
        if (depth == 0 && (c == ',' || c == ']')) {
            if (start != SIZE_MAX) {
                if (count < max) {
                    size_t end = i;
                    while (end > start && json_space(s[end - 1]))
                        end--;
                    items[count].text = s + start;
                    items[count].len = end - start;
                }
                count++;
            }
            start = SIZE_MAX;
            if (c == ']')
                break;
            continue;
        }
        if (start == SIZE_MAX)
            start = i;
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
    }
    return count;
}

/* Appends the validator's errors as {"pointer","keyword","schemaPath","message"},
 * the pointers prefixed (an array item's index). */
static void append_errors(ev_buf *b, const ev_errors *errs, const char *prefix)
{
    ev_buf ptr = EV_BUF_INIT;
    ev_buf_append_char(b, '[');
    for (size_t i = 0; i < errs->count; i++) {
        const ev_error *e = &errs->items[i];
        ev_buf_reset(&ptr);
        ev_buf_append_str(&ptr, prefix);
        ev_buf_append_str(&ptr, e->instance_path);
        ev_buf_append_str(b, i > 0 ? ",{\"pointer\":" : "{\"pointer\":");
        ev_buf_append_json_text(b, ev_buf_cstr(&ptr), ptr.len, 0);
        ev_buf_append_str(b, ",\"keyword\":");
        ev_buf_append_json_string(b, e->keyword, strlen(e->keyword));
        ev_buf_append_str(b, ",\"schemaPath\":");
        ev_buf_append_json_string(b, e->schema_path, strlen(e->schema_path));
        ev_buf_append_str(b, ",\"message\":");
        ev_buf_append_json_text(b, e->message, strlen(e->message), 0);
        ev_buf_append_char(b, '}');
    }
    if (errs->total > errs->count)
        ev_buf_printf(
            b,
            "%s{\"pointer\":\"%s\",\"keyword\":\"truncated\",\"message\":\"%zu more errors not shown "
            "(%zu in all)\"}",
            errs->count ? "," : "", prefix, errs->total - errs->count, errs->total);
    ev_buf_append_char(b, ']');
    if (ptr.failed)
        b->failed = true;
    ev_buf_free(&ptr);
}

/* ---- one event: validate, id, attributes -------------------------------- */

/* The event id: UUIDv7, or with an Idempotency-Key the UUIDv8 of
 * (source, key), plus the item's index for an array request. */
static int make_event_id(request *r, item *it, const char *source, size_t index)
{
    ev_uuid id;
    int rc;
    if (r->idempotency_key != NULL) {
        char idx[24];
        int idx_len = snprintf(idx, sizeof idx, "%zu", index);
        ev_uuid_part parts[3] = {{source, strlen(source)},
                                 {r->idempotency_key, strlen(r->idempotency_key)},
                                 {idx, (size_t)idx_len}};
        rc = ev_uuid_v8_sha256_parts(&EV_INGESTION_IDEMPOTENCY_NAMESPACE, parts, r->is_array ? 3 : 2, &id);
    } else {
        rc = ev_uuid7_next(&r->ing->ids, &id);
    }
    if (rc != 0)
        return -1;
    ev_uuid_format(&id, it->event_id);
    return 0;
}

/* Validates one event (tree, at pointer prefix); a valid one gets its id
 * and attributes. 0, or -1 when memory or the id source failed. */
static int check_item(request *r, item *it, size_t index, ev_buf *scratch)
{
    ev_errors errs;
    ev_errors_init(&errs);
    bool valid = events_validate(it->tree, &errs);
    if (errs.no_memory) {
        ev_errors_clear(&errs);
        return -1;
    }
    if (!valid) {
        char prefix[24] = "";
        if (r->is_array)
            snprintf(prefix, sizeof prefix, "/%zu", index);
        ev_buf_reset(scratch);
        append_errors(scratch, &errs, prefix);
        ev_errors_clear(&errs);
        if (scratch->failed)
            return -1;
        it->status = ITEM_REJECTED;
        it->errors_json = ev_arena_strndup(r->inv->arena, scratch->data, scratch->len);
        r->rejected++;
        return it->errors_json ? 0 : -1;
    }
    ev_errors_clear(&errs);
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(it->tree, "source");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(it->tree, "type");
    if (!cJSON_IsString(source) || !cJSON_IsString(type))
        return -1; /* the schema requires both as strings: a generator/schema mismatch */
    if (make_event_id(r, it, source->valuestring, index) != 0)
        return -1;
    it->event_type = type->valuestring;
    it->attr_count = fill_attributes(it->attrs, it->event_id, it->event_type, r->schema_version,
                                     r->received_at, r->http.source_ip, r->http.request_id);
    it->status = ITEM_VALID;
    return 0;
}

static ev_sqs_outgoing outgoing(const request *r, const item *it)
{
    return (ev_sqs_outgoing){.body = it->text,
                             .body_len = it->len,
                             .delay_seconds = -1,
                             .attributes = it->attrs,
                             .attribute_count = it->attr_count,
                             .trace_header = r->inv->trace_id};
}

/* ---- sending and answering ---------------------------------------------- */

static void log_accepted(request *r, const item *it, const char *message_id)
{
    ev_log_info(r->inv->log, "event accepted", EV_LOG_STR("event_id", it->event_id),
                EV_LOG_STR("event_type", it->event_type), EV_LOG_INT("bytes", (int64_t)it->len),
                EV_LOG_STR("message_id", message_id), EV_LOG_STR("api_request_id", r->http.request_id));
}

static void log_queue_error(request *r, const ev_aws_error *err, size_t events)
{
    char text[1024];
    ev_log_error(
        r->inv->log, "events not queued", EV_LOG_STR("error", ev_aws_error_format(err, text, sizeof text)),
        EV_LOG_STR("error_kind", ev_aws_error_kind_name(err->kind)), EV_LOG_INT("events", (int64_t)events),
        EV_LOG_INT("attempts", err->attempts), EV_LOG_STR("api_request_id", r->http.request_id));
}

/* What a client is told when the queue did not take a whole request. */
static int queue_refused(request *r, const ev_aws_error *err, ev_handler_output *out)
{
    log_queue_error(r, err, r->n - r->rejected);
    if (ev_aws_error_is(err, "InvalidMessageContents"))
        return refuse(r, 400, "invalid-message-contents", "Invalid message contents", NULL, out,
                      "the queue refused the event's characters (%s): SQS takes only #x9, #xA, #xD, "
                      "#x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF",
                      err->code);
    return refuse(r, 503, "queue-unavailable", "Service Unavailable", NULL, out,
                  "the event was not queued: the queue could not be reached (%s); retry after %d s",
                  err->code[0] ? err->code : ev_aws_error_kind_name(err->kind), r->ing->retry_after_s);
}

static int send_single(request *r, ev_handler_output *out)
{
    ev_ingestion *ing = r->ing;
    item *it = &r->items[0];
    ev_sqs_outgoing msg = outgoing(r, it);
    ev_sqs_sent sent;
    ev_aws_error err;
    memset(&sent, 0, sizeof sent);
    ev_aws_error_clear(&err);
    int64_t t0 = ev_clock_monotonic_ms(r->inv->clock);
    int rc = ing->sender.send(ing->sender.ctx, r->inv, ing->queue_url, &msg, &sent, &err);
    ev_metrics_add_ms(r->inv->metrics, EV_METRIC_SQS_SEND_LATENCY,
                      (double)(ev_clock_monotonic_ms(r->inv->clock) - t0));
    if (rc != 0)
        return queue_refused(r, &err, out);
    it->status = ITEM_ACCEPTED;
    r->accepted = 1;
    log_accepted(r, it, sent.message_id);
    ev_metrics_add_count(r->inv->metrics, EV_METRIC_EVENTS_ACCEPTED, 1);
    ev_buf_reset(&ing->body);
    ev_buf_printf(&ing->body, "{\"eventId\":\"%s\",\"status\":\"accepted\"}", it->event_id);
    return finish(r, 202, "application/json", false, false, out);
}

static void append_results(ev_buf *b, const request *r)
{
    ev_buf_append_str(b, "\"results\":[");
    for (size_t i = 0; i < r->n; i++) {
        const item *it = &r->items[i];
        ev_buf_printf(b, "%s{\"index\":%zu,", i ? "," : "", i);
        switch (it->status) {
        case ITEM_ACCEPTED:
            ev_buf_printf(b, "\"eventId\":\"%s\",\"status\":\"accepted\"}", it->event_id);
            break;
        case ITEM_REJECTED:
            ev_buf_printf(b, "\"status\":\"rejected\",\"errors\":%s}", it->errors_json);
            break;
        default: /* failed, or valid but never sent */
            ev_buf_append_str(b, "\"status\":\"failed\",\"code\":");
            ev_buf_append_json_text(b, it->code[0] ? it->code : "NotSent",
                                    strlen(it->code[0] ? it->code : "NotSent"), 0);
            ev_buf_append_str(b,
                              ",\"detail\":\"the queue did not take this event: it was not accepted; send it "
                              "again\"}");
            break;
        }
    }
    ev_buf_append_char(b, ']');
}

/* Every rejected item's errors, one flat array (pointers carry the index). */
static void append_all_errors(ev_buf *b, const request *r)
{
    bool first = true;
    ev_buf_append_char(b, '[');
    for (size_t i = 0; i < r->n; i++) {
        const char *e = r->items[i].errors_json;
        size_t len = e ? strlen(e) : 0;
        if (r->items[i].status != ITEM_REJECTED || len <= 2)
            continue;
        if (!first)
            ev_buf_append_char(b, ',');
        ev_buf_append(b, e + 1, len - 2);
        first = false;
    }
    ev_buf_append_char(b, ']');
}

static int answer_array(request *r, ev_handler_output *out)
{
    ev_buf *b = &r->ing->body;
    ev_metrics_add_count(r->inv->metrics, EV_METRIC_EVENTS_ACCEPTED, (double)r->accepted);
    ev_metrics_add_count(r->inv->metrics, EV_METRIC_EVENTS_REJECTED, (double)r->rejected);
    if (r->accepted > 0) {
        ev_buf_reset(b);
        ev_buf_append_char(b, '{');
        append_results(b, r);
        ev_buf_append_char(b, '}');
        if (r->rejected + r->failed > 0)
            ev_log_warning(
                r->inv->log, "some events not accepted", EV_LOG_INT("accepted", (int64_t)r->accepted),
                EV_LOG_INT("rejected", (int64_t)r->rejected), EV_LOG_INT("failed", (int64_t)r->failed),
                EV_LOG_STR("api_request_id", r->http.request_id));
        return finish(r, 202, "application/json", false, false, out);
    }
    char detail[256];
    bool unavailable = r->failed > 0;
    if (unavailable)
        snprintf(detail, sizeof detail,
                 "no event was queued: %zu could not be sent, %zu broke the schema; retry after %d s",
                 r->failed, r->rejected, r->ing->retry_after_s);
    else
        snprintf(detail, sizeof detail, "no event was accepted: every one of the %zu breaks the schema",
                 r->n);
    int status = unavailable ? 503 : 400;
    problem_begin(b, unavailable ? "queue-unavailable" : "invalid-event",
                  unavailable ? "Service Unavailable" : "Invalid event", status, detail);
    ev_buf_append_str(b, ",\"errors\":");
    append_all_errors(b, r);
    ev_buf_append_char(b, ',');
    append_results(b, r);
    ev_buf_append_char(b, '}');
    log_refusal(r, status, unavailable ? "queue-unavailable" : "invalid-event", detail);
    return finish(r, status, "application/problem+json", false, unavailable, out);
}

static void mark_batch_results(request *r, const size_t *index, size_t m, const ev_sqs_batch_entry *results,
                               const ev_aws_error *err, bool whole_failed)
{
    for (size_t j = 0; j < m; j++) {
        item *it = &r->items[index[j]];
        if (!whole_failed && results[j].ok) {
            it->status = ITEM_ACCEPTED;
            r->accepted++;
            log_accepted(r, it, results[j].sent.message_id);
            continue;
        }
        it->status = ITEM_FAILED;
        r->failed++;
        const char *code = whole_failed ? (err->code[0] ? err->code : ev_aws_error_kind_name(err->kind))
                                        : (results[j].code[0] ? results[j].code : "Failed");
        snprintf(it->code, sizeof it->code, "%s", code);
        ev_log_error(r->inv->log, "event not queued", EV_LOG_INT("index", (int64_t)index[j]),
                     EV_LOG_STR("event_id", it->event_id), EV_LOG_STR("code", it->code),
                     EV_LOG_STR("message", whole_failed ? err->message : results[j].message));
    }
}

static int send_batch(request *r, ev_handler_output *out)
{
    ev_ingestion *ing = r->ing;
    ev_sqs_outgoing msgs[EV_INGESTION_MAX_BATCH];
    ev_sqs_batch_entry results[EV_INGESTION_MAX_BATCH];
    size_t index[EV_INGESTION_MAX_BATCH], m = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].status == ITEM_VALID) {
            index[m] = i;
            msgs[m++] = outgoing(r, &r->items[i]);
        }
    if (m == 0)
        return answer_array(r, out);
    memset(results, 0, sizeof results);
    ev_aws_error err;
    ev_aws_error_clear(&err);
    int64_t t0 = ev_clock_monotonic_ms(r->inv->clock);
    int rc = ing->sender.send_batch(ing->sender.ctx, r->inv, ing->queue_url, msgs, m, results, &err);
    ev_metrics_add_ms(r->inv->metrics, EV_METRIC_SQS_SEND_LATENCY,
                      (double)(ev_clock_monotonic_ms(r->inv->clock) - t0));
    bool whole_failed = rc != 0 && err.kind != EV_AWS_ERR_PARTIAL;
    if (whole_failed)
        log_queue_error(r, &err, m);
    mark_batch_results(r, index, m, results, &err, whole_failed);
    return answer_array(r, out);
}

/* ---- the request ---------------------------------------------------------- */

/* Idempotency-Key: 1..255 printable ASCII characters, or absent. */
static bool idempotency_key_ok(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > EV_INGESTION_MAX_IDEMPOTENCY_KEY)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)key[i] < 0x20 || (unsigned char)key[i] > 0x7e)
            return false;
    return true;
}

static size_t batch_cap(const ev_ingestion *ing)
{
    return ing->max_message_bytes > EV_SQS_MAX_MESSAGE_BYTES ? ing->max_message_bytes
                                                             : EV_SQS_MAX_MESSAGE_BYTES;
}

/* The size check before parsing: a body that cannot fit even with the
 * smallest attributes is refused unread. */
static int check_size_unparsed(request *r, const char *text, size_t len, ev_handler_output *out)
{
    ev_ingestion *ing = r->ing;
    if (len > 0 && text[0] == '[') {
        if (len > batch_cap(ing))
            return refuse(r, 413, "payload-too-large", "Payload Too Large", NULL, out,
                          "the request body is %zu bytes; an array of events may take at most %zu", len,
                          batch_cap(ing));
        return 0;
    }
    size_t attrs = ev_ingestion_attributes_size(ing->shortest_type, r->http.source_ip, r->http.request_id);
    if (len + attrs > ing->max_message_bytes)
        return refuse(
            r, 413, "payload-too-large", "Payload Too Large", NULL, out,
            "the event is %zu bytes; with its %zu bytes of message attributes it exceeds the queue's "
            "limit of %zu bytes",
            len, attrs, ing->max_message_bytes);
    return 0;
}

/* The exact size check of every valid event, and of the batch. */
static int check_size_items(request *r, ev_handler_output *out)
{
    ev_ingestion *ing = r->ing;
    size_t total = 0;
    for (size_t i = 0; i < r->n; i++) {
        const item *it = &r->items[i];
        if (it->status != ITEM_VALID)
            continue;
        ev_sqs_outgoing msg = outgoing(r, it);
        size_t size = ev_sqs_message_size(&msg);
        total += size;
        if (size > ing->max_message_bytes)
            return refuse(
                r, 413, "payload-too-large", "Payload Too Large", NULL, out,
                "event %zu is %zu bytes with its message attributes; the queue's limit is %zu bytes", i, size,
                ing->max_message_bytes);
    }
    if (total > batch_cap(ing))
        return refuse(
            r, 413, "payload-too-large", "Payload Too Large", NULL, out,
            "the events are %zu bytes with their message attributes; one request may send at most %zu", total,
            batch_cap(ing));
    return 0;
}

/* Parses the body into r->items: one event, or an array's items. */
static int read_items(request *r, const char *text, size_t len, ev_handler_output *out, bool *answered)
{
    ev_json_error jerr;
    *answered = true;
    cJSON *root = ev_json_parse_arena(text, len, r->inv->arena, &jerr);
    if (root == NULL && jerr.status == EV_JSON_NO_MEMORY)
        return ev_handler_fail(out, "OutOfMemory", "out of memory parsing a %zu-byte body", len);
    if (root == NULL) {
        char msg[400];
        snprintf(msg, sizeof msg, "%s (byte %ld)", jerr.message, jerr.offset);
        return refuse(r, 400, "invalid-json", "Invalid JSON", one_error(r, jerr.pointer, "json", msg), out,
                      "the body is not JSON: %s at byte %ld", jerr.message, jerr.offset);
    }
    if (!cJSON_IsArray(root)) {
        r->n = 1;
        r->items[0] = (item){.text = text, .len = len, .tree = root};
        *answered = false;
        return 0;
    }
    r->is_array = true;
    size_t n = (size_t)cJSON_GetArraySize(root);
    if (n == 0)
        return refuse(r, 400, "invalid-event", "Invalid event",
                      one_error(r, "", "minItems", "the array is empty"), out,
                      "the array holds no event: send 1 to %d", EV_INGESTION_MAX_BATCH);
    if (n > EV_INGESTION_MAX_BATCH)
        return refuse(r, 413, "too-many-events", "Payload Too Large", NULL, out,
                      "the array holds %zu events; one request takes at most %d", n, EV_INGESTION_MAX_BATCH);
    if (split_array(text, len, r->items, EV_INGESTION_MAX_BATCH) != n)
        return ev_handler_fail(out, "InternalError", "the array's items could not be delimited");
    size_t i = 0;
    for (const cJSON *e = root->child; e != NULL; e = e->next)
        r->items[i++].tree = e;
    r->n = n;
    *answered = false;
    return 0;
}

/* Everything up to a body worth parsing: route, media type, base64, key, size. */
static int screen(request *r, const ev_apigw_error *aerr, ev_handler_output *out, bool *answered)
{
    const ev_apigw_request *h = &r->http;
    *answered = true;
    if (!is_events_path(h))
        return refuse(r, 404, "not-found", "Not Found", NULL, out,
                      "no resource at %s %s: the API takes POST /events", h->method, h->path);
    if (strcmp(h->method, "POST") != 0)
        return refuse(r, 405, "method-not-allowed", "Method Not Allowed", NULL, out,
                      "%s is not allowed on /events: use POST", h->method);
    const char *ct = ev_apigw_header(h, "Content-Type");
    if (!is_json_media_type(ct))
        return refuse(r, 415, "unsupported-media-type", "Unsupported Media Type", NULL, out,
                      "Content-Type %s is not JSON: send application/json (or application/<x>+json)", ct);
    if (aerr->status == EV_APIGW_BAD_BODY)
        return refuse(r, 400, "invalid-json", "Invalid JSON", one_error(r, "", "json", aerr->message), out,
                      "%s", aerr->message);
    if (aerr->status == EV_APIGW_BAD_BASE64)
        return refuse(r, 400, "invalid-base64", "Invalid body encoding",
                      one_error(r, "", "base64", aerr->message), out, "%s", aerr->message);
    const char *key = ev_apigw_header(h, "Idempotency-Key");
    if (key != NULL && !idempotency_key_ok(key))
        return refuse(r, 400, "invalid-idempotency-key", "Invalid Idempotency-Key", NULL, out,
                      "the Idempotency-Key header must be 1 to %d printable ASCII characters",
                      EV_INGESTION_MAX_IDEMPOTENCY_KEY);
    r->idempotency_key = key;
    *answered = false;
    return 0;
}

static int serve(request *r, const char *event, size_t event_len, ev_handler_output *out)
{
    ev_apigw_error aerr;
    bool answered;
    if (ev_apigw_parse(event, event_len, r->inv->arena, &r->http, &aerr) != 0 &&
        aerr.status != EV_APIGW_BAD_BASE64 && aerr.status != EV_APIGW_BAD_BODY) {
        ev_log_error(r->inv->log, "not an API Gateway proxy event", EV_LOG_STR("error", aerr.message),
                     EV_LOG_INT("bytes", (int64_t)event_len));
        return ev_handler_fail(out, aerr.status == EV_APIGW_NO_MEMORY ? "OutOfMemory" : "InvalidEvent", "%s",
                               aerr.message);
    }
    int rc = screen(r, &aerr, out, &answered);
    if (answered)
        return rc;
    const char *text = r->http.body ? r->http.body : "";
    size_t len = r->http.body ? r->http.body_len : 0;
    trim(&text, &len);
    if (len == 0)
        return refuse(r, 400, "invalid-json", "Invalid JSON", one_error(r, "", "json", "the body is empty"),
                      out, "the request has no body: send one event object or an array of 1 to %d",
                      EV_INGESTION_MAX_BATCH);
    if ((rc = check_size_unparsed(r, text, len, out)) != 0 || out->body != NULL)
        return rc;
    rc = read_items(r, text, len, out, &answered);
    if (answered)
        return rc;
    ev_time_format_rfc3339_ms(ev_clock_realtime_ms(r->inv->clock), r->received_at);
    snprintf(r->schema_version, sizeof r->schema_version, "%d", EVENTS_SCHEMA_VERSION);
    ev_buf scratch = EV_BUF_INIT;
    for (size_t i = 0; i < r->n && rc == 0; i++)
        rc = check_item(r, &r->items[i], i, &scratch);
    ev_buf_free(&scratch);
    if (rc != 0)
        return ev_handler_fail(out, "OutOfMemory", "out of memory (or no randomness) checking the events");
    if (!r->is_array && r->items[0].status == ITEM_REJECTED)
        return refuse(r, 400, "invalid-event", "Invalid event", r->items[0].errors_json, out,
                      "the event breaks the schema (%s): see errors", EVENTS_SCHEMA_ID);
    if ((rc = check_size_items(r, out)) != 0 || out->body != NULL)
        return rc;
    return r->is_array ? send_batch(r, out) : send_single(r, out);
}

int ev_ingestion_handle(void *app, const ev_invocation *inv, const char *event, size_t event_len,
                        ev_handler_output *out)
{
    ev_ingestion *ing = app;
    request *r = ev_arena_calloc(inv->arena, 1, sizeof *r);
    if (r == NULL)
        return ev_handler_fail(out, "OutOfMemory", "out of memory starting the request");
    r->ing = ing;
    r->inv = inv;
    out->body = NULL;
    /* HandlerLatency is the runtime's (the whole call); SqsSendLatency is recorded here. */
    return serve(r, event, event_len, out);
}

/* ---- the SQS sender ------------------------------------------------------ */

static int sqs_send(void *ctx, const ev_invocation *inv, const char *queue_url, const ev_sqs_outgoing *msg,
                    ev_sqs_sent *out, ev_aws_error *err)
{
    ev_aws_client *c = ctx;
    ev_aws_client_set_deadline(c, inv->deadline_ms);
    return ev_sqs_send_message(c, queue_url, msg, out, err);
}

static int sqs_send_batch(void *ctx, const ev_invocation *inv, const char *queue_url,
                          const ev_sqs_outgoing *msgs, size_t n, ev_sqs_batch_entry *results,
                          ev_aws_error *err)
{
    ev_aws_client *c = ctx;
    ev_aws_client_set_deadline(c, inv->deadline_ms);
    return ev_sqs_send_message_batch(c, queue_url, msgs, n, results, err);
}

ev_ingestion_sender ev_ingestion_sqs_sender(ev_aws_client *c)
{
    return (ev_ingestion_sender){.send = sqs_send, .send_batch = sqs_send_batch, .ctx = c};
}
