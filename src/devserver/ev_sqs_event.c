/* ev_sqs_event: SQS events and partial batch responses (see ev_sqs_event.h). */
#include "devserver/ev_sqs_event.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "devserver/ev_gateway.h"
#include "schema/ev_json.h"

static void jstr(ev_buf *b, const char *s, size_t len)
{
    ev_buf_append_json_text(b, s ? s : "", s ? len : 0, 0);
}

static void member(ev_buf *b, const char *name, const char *value, bool comma)
{
    if (comma)
        ev_buf_append_char(b, ',');
    jstr(b, name, strlen(name));
    ev_buf_append_char(b, ':');
    jstr(b, value, value ? strlen(value) : 0);
}

static void message_attributes(ev_buf *b, const ev_sqs_message *m)
{
    ev_buf_append_str(b, ",\"messageAttributes\":{");
    for (size_t i = 0; i < m->message_attribute_count; i++) {
        const ev_sqs_message_attribute *a = &m->message_attributes[i];
        if (i > 0)
            ev_buf_append_char(b, ',');
        jstr(b, a->name, strlen(a->name));
        ev_buf_append_str(b, ":{");
        if (a->binary_value != NULL) {
            ev_buf_append_str(b, "\"binaryValue\":\"");
            ev_gateway_base64_encode(a->binary_value, a->binary_len, b);
            ev_buf_append_char(b, '"');
        } else {
            member(b, "stringValue", a->string_value ? a->string_value : "", false);
        }
        ev_buf_append_str(b, ",\"stringListValues\":[],\"binaryListValues\":[]");
        member(b, "dataType", a->data_type, true);
        ev_buf_append_char(b, '}');
    }
    ev_buf_append_char(b, '}');
}

static void record(ev_buf *b, const ev_sqs_message *m, const char *arn, const char *region)
{
    ev_buf_append_char(b, '{');
    member(b, "messageId", m->message_id, false);
    member(b, "receiptHandle", m->receipt_handle, true);
    ev_buf_append_str(b, ",\"body\":");
    jstr(b, m->body, m->body_len);
    ev_buf_append_str(b, ",\"attributes\":{");
    bool first = true;
    for (const cJSON *a = m->attributes ? m->attributes->child : NULL; a != NULL; a = a->next) {
        if (!cJSON_IsString(a) || a->string == NULL)
            continue;
        member(b, a->string, a->valuestring, !first);
        first = false;
    }
    ev_buf_append_char(b, '}');
    message_attributes(b, m);
    member(b, "md5OfBody", m->md5_of_body, true);
    if (m->message_attribute_count > 0) {
        char md5[33];
        if (ev_sqs_md5_of_attributes(m->message_attributes, m->message_attribute_count, md5, NULL) == 0)
            member(b, "md5OfMessageAttributes", md5, true);
    }
    member(b, "eventSource", "aws:sqs", true);
    member(b, "eventSourceARN", arn, true);
    member(b, "awsRegion", region, true);
    ev_buf_append_char(b, '}');
}

int ev_sqs_event_build(const ev_sqs_message *const *msgs, size_t n, const char *queue_arn, const char *region,
                       ev_buf *out, ev_ds_error *err)
{
    ev_buf_reset(out);
    ev_buf_append_str(out, "{\"Records\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ev_buf_append_char(out, ',');
        record(out, msgs[i], queue_arn, region);
    }
    ev_buf_append_str(out, "]}");
    return out->failed ? ev_ds_fail(err, "SQS event: out of memory") : 0;
}

static int whole_batch(bool *failed, size_t n, ev_ds_error *err, const char *why)
{
    for (size_t i = 0; i < n; i++)
        failed[i] = true;
    return ev_ds_fail(err, "the whole batch failed: %s", why);
}

static int mark_failures(const cJSON *list, const ev_sqs_message *const *msgs, size_t n, bool *failed,
                         ev_ds_error *err)
{
    for (const cJSON *item = list->child; item != NULL; item = item->next) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "itemIdentifier");
        if (!cJSON_IsString(id) || id->valuestring[0] == '\0')
            return whole_batch(failed, n, err, "an itemIdentifier is missing, empty or not a string");
        size_t i = 0;
        while (i < n && strcmp(msgs[i]->message_id, id->valuestring) != 0)
            i++;
        if (i == n)
            return whole_batch(failed, n, err, "an itemIdentifier names no message of the batch");
        failed[i] = true;
    }
    return 0;
}

int ev_sqs_event_failures(const char *answer, size_t len, bool report_batch_item_failures,
                          const ev_sqs_message *const *msgs, size_t n, bool *failed, ev_ds_error *err)
{
    for (size_t i = 0; i < n; i++)
        failed[i] = false;
    if (!report_batch_item_failures)
        return 0;
    size_t k = 0;
    while (k < len && (answer[k] == ' ' || answer[k] == '\n' || answer[k] == '\r' || answer[k] == '\t'))
        k++;
    if (k == len)
        return 0; /* an empty answer: nothing failed */
    ev_json_error jerr;
    cJSON *root = ev_json_parse(answer, len, &jerr);
    if (root == NULL)
        return whole_batch(failed, n, err, "the answer is not JSON");
    int rc = 0;
    const cJSON *list =
        cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "batchItemFailures") : NULL;
    if (cJSON_IsNull(root) || (cJSON_IsObject(root) && (list == NULL || cJSON_IsNull(list))))
        rc = 0;
    else if (!cJSON_IsObject(root) || !cJSON_IsArray(list))
        rc = whole_batch(failed, n, err, "the answer is not {\"batchItemFailures\":[...]}");
    else
        rc = mark_failures(list, msgs, n, failed, err);
    cJSON_Delete(root);
    return rc;
}
