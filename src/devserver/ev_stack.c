/* ev_stack: queues and tables of the template on the emulators (see ev_stack.h). */
#include "devserver/ev_stack.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/ev_dynamodb.h"
#include "aws/ev_sqs.h"

static void note(ev_activity *act, const char *level, const char *message, const char *key, const char *value)
{
    ev_buf b = EV_BUF_INIT;
    ev_buf_append_json_string(&b, key, strlen(key));
    ev_buf_append_char(&b, ':');
    ev_buf_append_json_text(&b, value, strlen(value), 1024);
    ev_activity_note(act, level, message, b.data);
    ev_buf_free(&b);
}

static int queue_arn(ev_aws_client *sqs, const char *url, char *arn, size_t len, ev_aws_error *aerr)
{
    const char *names[] = {"QueueArn"};
    cJSON *attrs = NULL;
    if (ev_sqs_get_queue_attributes(sqs, url, names, 1, &attrs, aerr) != 0)
        return -1;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(attrs, "QueueArn");
    int rc = cJSON_IsString(a) ? 0 : -1;
    if (rc == 0)
        snprintf(arn, len, "%s", a->valuestring);
    else
        ev_aws_error_set(aerr, EV_AWS_ERR_PARSE, "MissingQueueArn", "GetQueueAttributes gave no QueueArn");
    cJSON_Delete(attrs);
    return rc;
}

static int create_queue(ev_template *t, size_t qi, ev_aws_client *sqs, ev_activity *act, ev_ds_error *err)
{
    const ev_tpl_queue *q = ev_template_queue(t, qi);
    ev_sqs_attr attrs[8];
    size_t n = 0;
    const char *names[] = {"VisibilityTimeout", "MessageRetentionPeriod", "MaximumMessageSize",
                           "DelaySeconds", "ReceiveMessageWaitTimeSeconds"};
    const char *values[] = {q->visibility_timeout, q->message_retention_period, q->maximum_message_size,
                            q->delay_seconds, q->receive_wait_time};
    for (size_t i = 0; i < 5; i++)
        if (values[i] != NULL)
            attrs[n++] = (ev_sqs_attr){names[i], values[i]};
    if (q->fifo)
        attrs[n++] = (ev_sqs_attr){"FifoQueue", "true"};
    char redrive[1400];
    if (q->dlq >= 0) {
        const char *dlq_arn = ev_template_resource_arn(t, ev_template_queue(t, (size_t)q->dlq)->logical_id);
        snprintf(redrive, sizeof redrive, "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":\"%d\"}",
                 dlq_arn, q->max_receive_count);
        attrs[n++] = (ev_sqs_attr){"RedrivePolicy", redrive};
    }
    char url[EV_SQS_URL_MAX], arn[512], msg[600];
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    bool reused = false;
    if (ev_sqs_create_queue(sqs, q->name, attrs, n, url, sizeof url, &aerr) != 0) {
        if (!ev_aws_error_is(&aerr, "QueueAlreadyExists") && !ev_aws_error_is(&aerr, "QueueNameExists"))
            return ev_ds_fail(err, "queue %s (%s): CreateQueue failed: %s", q->logical_id, q->name,
                              ev_aws_error_format(&aerr, msg, sizeof msg));
        reused = true;
        if (ev_sqs_get_queue_url(sqs, q->name, url, sizeof url, &aerr) != 0 ||
            ev_sqs_set_queue_attributes(sqs, url, attrs, n, &aerr) != 0)
            return ev_ds_fail(err, "queue %s (%s): reusing it failed: %s", q->logical_id, q->name,
                              ev_aws_error_format(&aerr, msg, sizeof msg));
    }
    if (queue_arn(sqs, url, arn, sizeof arn, &aerr) != 0)
        return ev_ds_fail(err, "queue %s: %s", q->logical_id, ev_aws_error_format(&aerr, msg, sizeof msg));
    if (ev_template_set_resource(t, q->logical_id, url, arn, err) != 0)
        return -1;
    note(act, "INFO", reused ? "queue reused" : "queue created", "url", url);
    return 0;
}

int ev_stack_create_queues(ev_template *t, ev_aws_client *sqs, ev_activity *act, ev_ds_error *err)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ev_template_queue_count(t); i++) {
            bool has_dlq = ev_template_queue(t, i)->dlq >= 0;
            if (has_dlq == (pass == 1) && create_queue(t, i, sqs, act, err) != 0)
                return -1;
        }
    return 0;
}

static void keys_json(ev_buf *b, const ev_tpl_keyattr *keys, size_t n)
{
    ev_buf_append_char(b, '[');
    for (size_t i = 0; i < n; i++) {
        ev_buf_append_str(b, i ? ",{\"AttributeName\":" : "{\"AttributeName\":");
        ev_buf_append_json_string(b, keys[i].name, strlen(keys[i].name));
        ev_buf_append_str(b, ",\"KeyType\":");
        ev_buf_append_json_string(b, keys[i].type, strlen(keys[i].type));
        ev_buf_append_char(b, '}');
    }
    ev_buf_append_char(b, ']');
}

int ev_stack_create_table_request(const ev_tpl_table *tb, ev_buf *out)
{
    ev_buf_reset(out);
    ev_buf_append_str(out, "{\"TableName\":");
    ev_buf_append_json_string(out, tb->name, strlen(tb->name));
    ev_buf_append_str(out, ",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":[");
    for (size_t i = 0; i < tb->attribute_count; i++) {
        ev_buf_append_str(out, i ? ",{\"AttributeName\":" : "{\"AttributeName\":");
        ev_buf_append_json_string(out, tb->attributes[i].name, strlen(tb->attributes[i].name));
        ev_buf_append_str(out, ",\"AttributeType\":");
        ev_buf_append_json_string(out, tb->attributes[i].type, strlen(tb->attributes[i].type));
        ev_buf_append_char(out, '}');
    }
    ev_buf_append_str(out, "],\"KeySchema\":");
    keys_json(out, tb->keys, tb->key_count);
    if (tb->gsi_count > 0) {
        ev_buf_append_str(out, ",\"GlobalSecondaryIndexes\":[");
        for (size_t i = 0; i < tb->gsi_count; i++) {
            const ev_tpl_gsi *g = &tb->gsis[i];
            ev_buf_append_str(out, i ? ",{\"IndexName\":" : "{\"IndexName\":");
            ev_buf_append_json_string(out, g->name, strlen(g->name));
            ev_buf_append_str(out, ",\"KeySchema\":");
            keys_json(out, g->keys, g->key_count);
            ev_buf_append_str(out, ",\"Projection\":{\"ProjectionType\":");
            const char *p = g->projection ? g->projection : "ALL";
            ev_buf_append_json_string(out, p, strlen(p));
            ev_buf_append_str(out, "}}");
        }
        ev_buf_append_char(out, ']');
    }
    ev_buf_append_char(out, '}');
    return out->failed ? -1 : 0;
}

int ev_stack_create_tables(ev_template *t, ev_aws_client *ddb, ev_activity *act, ev_ds_error *err)
{
    for (size_t i = 0; i < ev_template_table_count(t); i++) {
        const ev_tpl_table *tb = ev_template_table(t, i);
        ev_buf req = EV_BUF_INIT;
        ev_aws_error aerr;
        ev_aws_error_clear(&aerr);
        char msg[600];
        if (ev_stack_create_table_request(tb, &req) != 0) {
            ev_buf_free(&req);
            return ev_ds_fail(err, "table %s: out of memory", tb->logical_id);
        }
        int rc = ev_dynamodb_create_table(ddb, req.data, &aerr);
        ev_buf_free(&req);
        bool reused = rc != 0 && ev_aws_error_is(&aerr, "ResourceInUseException");
        if (rc != 0 && !reused)
            return ev_ds_fail(err, "table %s (%s): CreateTable failed: %s", tb->logical_id, tb->name,
                              ev_aws_error_format(&aerr, msg, sizeof msg));
        if (ev_dynamodb_wait_active(ddb, tb->name, 30000, &aerr) != 0)
            return ev_ds_fail(err, "table %s (%s): not ACTIVE: %s", tb->logical_id, tb->name,
                              ev_aws_error_format(&aerr, msg, sizeof msg));
        note(act, "INFO", reused ? "table reused" : "table created", "table", tb->name);
        if (tb->ttl_attribute != NULL &&
            ev_dynamodb_update_time_to_live(ddb, tb->name, tb->ttl_attribute, true, &aerr) != 0) {
            snprintf(msg, sizeof msg,
                     "TTL on %s skipped: the DynamoDB endpoint lacks UpdateTimeToLive (dynalite does)",
                     tb->ttl_attribute);
            note(act, "INFO", msg, "table", tb->name);
        }
    }
    return 0;
}
