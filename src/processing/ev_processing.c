/* The processing function's handler: see ev_processing.h. */
#include "processing/ev_processing.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_clock.h"
#include "core/ev_log.h"
#include "core/ev_metrics.h"
#include "events.h"
#include "processing/ev_processing_record.h"
#include "processing/ev_processing_rules.h"
#include "schema/ev_json.h"

/* ---- configuration ---------------------------------------------------------- */

static const char *system_getenv(const char *name)
{
    return getenv(name);
}

static bool table_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-' || ch == '.'))
            return false;
    }
    return true;
}

int ev_processing_config_from_env(ev_processing_config *cfg, const char *(*getenv_fn)(const char *name),
                                  ev_runtime_error *err)
{
    if (getenv_fn == NULL)
        getenv_fn = system_getenv;
    memset(cfg, 0, sizeof *cfg);
    const char *table = getenv_fn("DYNAMODB_TABLE_NAME");
    if (table == NULL || *table == '\0')
        return ev_runtime_error_set(
            err, "Runtime.ConfigInvalid",
            "DYNAMODB_TABLE_NAME is not set: the processing function needs the table name");
    if (!table_name_valid(table))
        return ev_runtime_error_set(err, "Runtime.ConfigInvalid",
                                    "DYNAMODB_TABLE_NAME \"%.64s\" is not a DynamoDB table name "
                                    "(3-255 characters of A-Z a-z 0-9 _ - .)",
                                    table);
    cfg->table = table;
    cfg->retention_days = EV_PROCESSING_DEFAULT_RETENTION_DAYS;
    const char *days = getenv_fn("EVENT_RETENTION_DAYS");
    if (days != NULL && *days != '\0') {
        char *end = NULL;
        long long v = strtoll(days, &end, 10);
        if (*end != '\0' || days[0] < '0' || days[0] > '9' || v < 1 || v > EV_PROCESSING_MAX_RETENTION_DAYS)
            return ev_runtime_error_set(
                err, "Runtime.ConfigInvalid",
                "EVENT_RETENTION_DAYS \"%.32s\" is not a whole number of days from 1 to %d", days,
                EV_PROCESSING_MAX_RETENTION_DAYS);
        cfg->retention_days = v;
    }
    cfg->max_body_bytes = EV_PROCESSING_DEFAULT_MAX_BODY_BYTES;
    return 0;
}

void ev_processing_app_init(ev_processing_app *app, const ev_processing_config *cfg,
                            const ev_processing_writer *writer)
{
    memset(app, 0, sizeof *app);
    app->config = *cfg;
    if (app->config.max_body_bytes == 0)
        app->config.max_body_bytes = EV_PROCESSING_DEFAULT_MAX_BODY_BYTES;
    app->writer = *writer;
    ev_buf_init(&app->response);
    app->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); /* NULL is handled: looked up per record */
    ev_json_init();                                   /* bodies are parsed into the invocation's arena */
}

void ev_processing_app_free(ev_processing_app *app)
{
    ev_buf_free(&app->response);
    EVP_MD_free(app->sha256);
    app->sha256 = NULL;
}

int ev_processing_dynamodb_writer(void *ctx, const ev_invocation *inv, const char *table,
                                  ev_dynamodb_conditional_put *puts, size_t n)
{
    ev_aws_client *c = ctx;
    ev_aws_client_set_deadline(c, inv->deadline_ms);
    ev_aws_error err;
    ev_aws_error_clear(&err);
    /* Each put carries its own outcome; the return value only repeats them. */
    (void)ev_dynamodb_put_conditional_many(c, table, puts, n, &err);
    return 0;
}

/* ---- one invocation ------------------------------------------------------------ */

typedef enum record_state { REC_PREPARED, REC_STORED, REC_DUPLICATE, REC_FAILED } record_state;

typedef struct record {
    const cJSON *json;
    const char *message_id;
    const char *receive_count; /* attributes.ApproximateReceiveCount, NULL when absent */
    ev_record_attrs attrs;
    bool has_attrs;
    record_state state;
    ev_record_problem problem;
    ev_dynamodb_conditional_put put;
} record;

typedef struct batch {
    ev_processing_app *app;
    const ev_invocation *inv;
    record *recs;
    size_t n;
    size_t stored, duplicates, conflicts, failures;
} batch;

static void log_failure(const batch *b, const record *r)
{
    bool transient = r->problem.reason == EV_RECORD_WRITE_FAILED || r->problem.reason == EV_RECORD_DEADLINE ||
                     r->problem.reason == EV_RECORD_NO_MEMORY;
    ev_log_at(b->inv->log, transient ? EV_LOG_WARNING : EV_LOG_ERROR,
              "record not stored: reported as a batch item failure", EV_LOG_STR("message_id", r->message_id),
              EV_LOG_STR("event_id", r->has_attrs ? r->attrs.event_id : NULL),
              EV_LOG_STR("reason", ev_record_reason_name(r->problem.reason)),
              EV_LOG_STR("where", r->problem.where), EV_LOG_STR("detail", r->problem.detail),
              EV_LOG_STR("receive_count", r->receive_count));
}

static void fail_record(batch *b, record *r)
{
    r->state = REC_FAILED;
    if (r->problem.reason == EV_RECORD_CONFLICT)
        b->conflicts++;
    b->failures++;
    log_failure(b, r);
}

static int read_body(batch *b, record *r, cJSON **tree)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(r->json, "body");
    ev_record_problem *p = &r->problem;
    if (!cJSON_IsString(body)) {
        p->reason = EV_RECORD_INVALID_JSON;
        snprintf(p->where, sizeof p->where, "body");
        snprintf(p->detail, sizeof p->detail, "the record has no body string");
        return -1;
    }
    size_t len = strlen(body->valuestring);
    if (len > b->app->config.max_body_bytes) {
        p->reason = EV_RECORD_BODY_TOO_LARGE;
        snprintf(p->where, sizeof p->where, "body");
        snprintf(p->detail, sizeof p->detail, "the body is %zu bytes, over the limit of %zu", len,
                 b->app->config.max_body_bytes);
        return -1;
    }
    ev_json_error jerr;
    *tree = ev_json_parse_arena(body->valuestring, len, b->inv->arena, &jerr);
    if (*tree == NULL) {
        p->reason = jerr.status == EV_JSON_NO_MEMORY ? EV_RECORD_NO_MEMORY : EV_RECORD_INVALID_JSON;
        snprintf(p->where, sizeof p->where, "%s", jerr.pointer);
        snprintf(p->detail, sizeof p->detail, "the body is not JSON (%s at byte %ld): %s",
                 ev_json_status_name(jerr.status), jerr.offset, jerr.message);
        return -1;
    }
    return 0;
}

static const char *payload_value_text(const cJSON *tree)
{
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(tree, "payload");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(payload, "value");
    return cJSON_IsNumber(value) ? ev_json_number_text(value) : NULL;
}

static int no_memory(record *r)
{
    r->problem.reason = EV_RECORD_NO_MEMORY;
    r->problem.where[0] = '\0';
    snprintf(r->problem.detail, sizeof r->problem.detail, "out of memory while preparing the record");
    return -1;
}

/* Step 4's second half: the item, its key and the conditional put, all in
 * the invocation's arena. */
static int make_put(batch *b, record *r, const events_event *ev, const ev_normalised *norm)
{
    ev_arena *arena = b->inv->arena;
    char *hash = ev_arena_alloc(arena, EV_CONTENT_HASH_HEX_LEN + 1);
    if (hash == NULL)
        return no_memory(r);
    ev_buf item = EV_BUF_INIT;
    ev_record_item_input in = {
        ev, norm, &r->attrs, r->message_id, b->app->config.retention_days, b->app->sha256};
    int rc = ev_record_build_item(&in, &item, hash, &r->problem);
    char *item_text = rc == 0 ? ev_arena_strndup(arena, item.data, item.len) : NULL;
    ev_buf_free(&item);
    if (rc != 0)
        return -1;
    size_t key_len = sizeof "{\"event_id\":{\"S\":\"\"}}" + EV_UUID_STRING_LEN;
    char *key = ev_arena_alloc(arena, key_len);
    if (item_text == NULL || key == NULL)
        return no_memory(r);
    snprintf(key, key_len, "{\"event_id\":{\"S\":\"%s\"}}", r->attrs.event_id);
    memset(&r->put, 0, sizeof r->put);
    r->put.item_json = item_text;
    r->put.key_json = key;
    r->put.condition_expression = "attribute_not_exists(event_id)";
    r->put.same_attribute = EV_ITEM_ATTR_CONTENT_HASH;
    r->put.same_value = hash;
    return 0;
}

/* Steps 1-4 of ev_processing.h: attributes, body, decode, rules, item. */
static int prepare(batch *b, record *r)
{
    if (ev_record_read_attributes(r->json, &r->attrs, &r->problem) != 0)
        return -1;
    r->has_attrs = true;
    cJSON *tree = NULL;
    if (read_body(b, r, &tree) != 0)
        return -1;
    events_event *ev = ev_arena_calloc(b->inv->arena, 1, sizeof *ev);
    if (ev == NULL)
        return no_memory(r);
    if (ev_processing_decode_for_version(r->attrs.schema_version, tree, b->inv->arena, ev, &r->problem) != 0)
        return -1;
    const char *type_name = events_event_type_name(ev->type);
    if (strcmp(r->attrs.event_type, type_name) != 0) {
        r->problem.reason = EV_RECORD_BAD_ATTRIBUTE;
        snprintf(r->problem.where, sizeof r->problem.where, "event_type");
        snprintf(r->problem.detail, sizeof r->problem.detail,
                 "the event_type attribute \"%.64s\" differs from the body's type \"%s\"",
                 r->attrs.event_type, type_name);
        return -1;
    }
    ev_normalised norm;
    char why[256];
    if (ev_normalise(ev, payload_value_text(tree), &norm, why, sizeof why) != 0) {
        r->problem.reason = EV_RECORD_RULES;
        snprintf(r->problem.where, sizeof r->problem.where, "/payload/value");
        snprintf(r->problem.detail, sizeof r->problem.detail, "%s", why);
        return -1;
    }
    return make_put(b, r, ev, &norm);
}

static void settle(batch *b, record *r, bool written_at_all)
{
    ev_dynamodb_conditional_put *put = &r->put;
    if (written_at_all && put->outcome == EV_DYNAMODB_PUT_WRITTEN) {
        r->state = REC_STORED;
        b->stored++;
        return;
    }
    if (written_at_all && put->outcome == EV_DYNAMODB_PUT_DUPLICATE) {
        r->state = REC_DUPLICATE;
        b->duplicates++;
        ev_log_info(b->inv->log, "duplicate event: already stored, the same; nothing written",
                    EV_LOG_STR("message_id", r->message_id), EV_LOG_STR("event_id", r->attrs.event_id));
        return;
    }
    ev_record_problem *p = &r->problem;
    char text[768];
    if (written_at_all && put->outcome == EV_DYNAMODB_PUT_CONFLICT) {
        p->reason = EV_RECORD_CONFLICT;
        snprintf(p->where, sizeof p->where, "event_id");
        snprintf(p->detail, sizeof p->detail,
                 "a different event is stored under event_id %s (content_hash differs): left for the "
                 "dead-letter queue",
                 r->attrs.event_id);
    } else if (written_at_all && !ev_aws_error_is_deadline(&put->error)) {
        p->reason = EV_RECORD_WRITE_FAILED;
        snprintf(p->where, sizeof p->where, "PutItem");
        snprintf(p->detail, sizeof p->detail, "%s", ev_aws_error_format(&put->error, text, sizeof text));
    } else {
        p->reason = EV_RECORD_DEADLINE;
        snprintf(p->where, sizeof p->where, "PutItem");
        snprintf(p->detail, sizeof p->detail, "not written by the invocation deadline%s%s",
                 written_at_all ? ": " : " (no time left to start the write)",
                 written_at_all ? ev_aws_error_format(&put->error, text, sizeof text) : "");
    }
    fail_record(b, r);
}

/* Step 5: every prepared record to the writer at once. */
static void write_prepared(batch *b)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        k += b->recs[i].state == REC_PREPARED;
    if (k == 0)
        return;
    ev_dynamodb_conditional_put *puts = ev_arena_calloc(b->inv->arena, k, sizeof *puts);
    bool can_write = puts != NULL && ev_invocation_remaining_ms(b->inv) > 0;
    bool written = false;
    if (can_write) {
        for (size_t i = 0, j = 0; i < b->n; i++)
            if (b->recs[i].state == REC_PREPARED)
                puts[j++] = b->recs[i].put;
        int64_t t0 = ev_clock_monotonic_ms(b->inv->clock);
        written = b->app->writer.write(b->app->writer.ctx, b->inv, b->app->config.table, puts, k) == 0;
        ev_metrics_add_ms(b->inv->metrics, EV_METRIC_DYNAMODB_WRITE_LATENCY,
                          (double)(ev_clock_monotonic_ms(b->inv->clock) - t0));
        for (size_t i = 0, j = 0; i < b->n; i++)
            if (b->recs[i].state == REC_PREPARED)
                b->recs[i].put = puts[j++];
    }
    for (size_t i = 0; i < b->n; i++)
        if (b->recs[i].state == REC_PREPARED) {
            if (can_write && !written) {
                b->recs[i].put.outcome = EV_DYNAMODB_PUT_FAILED;
                ev_aws_error_set(&b->recs[i].put.error, EV_AWS_ERR_INVALID, "WriterFailed",
                                 "the writer could not try the batch");
            }
            settle(b, &b->recs[i], can_write);
        }
}

static int respond(batch *b, ev_handler_output *out)
{
    ev_buf *res = &b->app->response;
    ev_buf_reset(res);
    ev_buf_append_str(res, "{\"batchItemFailures\":[");
    bool first = true;
    for (size_t i = 0; i < b->n; i++) {
        if (b->recs[i].state != REC_FAILED)
            continue;
        if (!first)
            ev_buf_append_char(res, ',');
        first = false;
        ev_buf_append_str(res, "{\"itemIdentifier\":");
        ev_buf_append_json_string(res, b->recs[i].message_id, strlen(b->recs[i].message_id));
        ev_buf_append_char(res, '}');
    }
    ev_buf_append_str(res, "]}");
    if (res->failed)
        return ev_handler_fail(out, "Runtime.OutOfMemory", "out of memory while writing the batch response");
    return ev_handler_respond(out, res->data, res->len);
}

/* The envelope: Records, each with a messageId. Anything else fails the
 * invocation, so Lambda retries the whole batch (nothing is dropped). */
static int read_envelope(batch *b, const char *event, size_t event_len, ev_handler_output *out)
{
    ev_json_error jerr;
    cJSON *root = ev_json_parse_arena(event, event_len, b->inv->arena, &jerr);
    if (root == NULL)
        return ev_handler_fail(out, "InvalidEvent", "the event is not JSON (%s at byte %ld): %s",
                               ev_json_status_name(jerr.status), jerr.offset, jerr.message);
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(root, "Records");
    if (!cJSON_IsArray(records))
        return ev_handler_fail(out, "InvalidEvent", "the event is not an SQS batch: no Records array");
    size_t n = (size_t)cJSON_GetArraySize(records);
    b->recs = n > 0 ? ev_arena_calloc(b->inv->arena, n, sizeof *b->recs) : NULL;
    if (n > 0 && b->recs == NULL)
        return ev_handler_fail(out, "Runtime.OutOfMemory", "out of memory for %zu records", n);
    size_t i = 0;
    for (const cJSON *r = records->child; r != NULL; r = r->next, i++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "messageId");
        if (!cJSON_IsObject(r) || !cJSON_IsString(id) || id->valuestring[0] == '\0')
            return ev_handler_fail(out, "InvalidEvent",
                                   "Records[%zu] has no messageId: the batch cannot report its failures", i);
        const cJSON *attributes = cJSON_GetObjectItemCaseSensitive(r, "attributes");
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(attributes, "ApproximateReceiveCount");
        b->recs[i].json = r;
        b->recs[i].message_id = id->valuestring;
        b->recs[i].receive_count = cJSON_IsString(count) ? count->valuestring : NULL;
    }
    b->n = n;
    return 0;
}

int ev_processing_handle(void *vapp, const ev_invocation *inv, const char *event, size_t event_len,
                         ev_handler_output *out)
{
    batch b = {.app = vapp, .inv = inv};
    if (read_envelope(&b, event, event_len, out) != 0) {
        ev_log_error(inv->log, "invocation failed: the event is not a readable SQS batch",
                     EV_LOG_STR("detail", out->error.message));
        return -1;
    }
    for (size_t i = 0; i < b.n; i++) {
        record *r = &b.recs[i];
        if (prepare(&b, r) != 0)
            fail_record(&b, r);
        else
            r->state = REC_PREPARED;
    }
    write_prepared(&b);
    ev_metrics_add_count(inv->metrics, EV_METRIC_EVENTS_STORED, (double)b.stored);
    ev_metrics_add_count(inv->metrics, EV_METRIC_DUPLICATE_EVENTS, (double)b.duplicates);
    ev_metrics_add_count(inv->metrics, EV_METRIC_EVENT_CONFLICTS, (double)b.conflicts);
    ev_metrics_add_count(inv->metrics, EV_METRIC_BATCH_ITEM_FAILURES, (double)b.failures);
    ev_log_info(inv->log, "batch processed", EV_LOG_INT("records", b.n), EV_LOG_INT("stored", b.stored),
                EV_LOG_INT("duplicates", b.duplicates), EV_LOG_INT("conflicts", b.conflicts),
                EV_LOG_INT("failures", b.failures));
    return respond(&b, out);
}
