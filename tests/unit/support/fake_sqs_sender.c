/* A recording ev_ingestion_sender: see fake_sqs_sender.h. */
#include "fake_sqs_sender.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void record(fake_sender *f, const ev_sqs_outgoing *msg)
{
    if (f->sent_count >= FAKE_SENDER_MAX)
        return;
    fake_message *m = &f->sent[f->sent_count++];
    memset(m, 0, sizeof *m);
    m->body = malloc(msg->body_len + 1);
    memcpy(m->body, msg->body, msg->body_len);
    m->body[msg->body_len] = '\0';
    m->body_len = msg->body_len;
    for (size_t i = 0; i < msg->attribute_count && i < EV_SQS_MAX_MESSAGE_ATTRIBUTES; i++) {
        m->names[i] = strdup(msg->attributes[i].name);
        m->types[i] = strdup(msg->attributes[i].data_type);
        m->values[i] = dup_or_null(msg->attributes[i].string_value);
        m->attribute_count++;
    }
    m->trace_header = dup_or_null(msg->trace_header);
    m->size = ev_sqs_message_size(msg);
}

static int fake_send(void *ctx, const ev_invocation *inv, const char *queue_url, const ev_sqs_outgoing *msg,
                     ev_sqs_sent *out, ev_aws_error *err)
{
    (void)inv;
    (void)queue_url;
    fake_sender *f = ctx;
    f->calls++;
    if (f->fail_kind != EV_AWS_ERR_NONE) {
        ev_aws_error_set(err, f->fail_kind, f->fail_code, "fake failure (%s)", f->fail_code);
        return -1;
    }
    record(f, msg);
    snprintf(out->message_id, sizeof out->message_id, "msg-%zu", f->sent_count);
    return 0;
}

static int fake_send_batch(void *ctx, const ev_invocation *inv, const char *queue_url,
                           const ev_sqs_outgoing *msgs, size_t n, ev_sqs_batch_entry *results,
                           ev_aws_error *err)
{
    (void)inv;
    (void)queue_url;
    fake_sender *f = ctx;
    f->batch_calls++;
    f->last_batch_size = n;
    if (f->fail_kind != EV_AWS_ERR_NONE) {
        ev_aws_error_set(err, f->fail_kind, f->fail_code, "fake failure (%s)", f->fail_code);
        return -1;
    }
    bool partial = false;
    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof results[i]);
        if (i < EV_SQS_MAX_BATCH && f->fail_entry[i]) {
            partial = true;
            f->refused++;
            snprintf(results[i].code, sizeof results[i].code, "InternalError");
            snprintf(results[i].message, sizeof results[i].message, "fake entry failure");
            continue;
        }
        record(f, &msgs[i]);
        results[i].ok = true;
        snprintf(results[i].sent.message_id, sizeof results[i].sent.message_id, "msg-%zu", f->sent_count);
    }
    if (partial)
        return ev_aws_error_set(err, EV_AWS_ERR_PARTIAL, "InternalError", "some entries failed");
    return 0;
}

void fake_sender_init(fake_sender *f)
{
    memset(f, 0, sizeof *f);
}

void fake_sender_reset(fake_sender *f)
{
    for (size_t i = 0; i < f->sent_count; i++) {
        fake_message *m = &f->sent[i];
        free(m->body);
        free(m->trace_header);
        for (size_t j = 0; j < m->attribute_count; j++) {
            free(m->names[j]);
            free(m->types[j]);
            free(m->values[j]);
        }
    }
    f->sent_count = 0;
    f->calls = f->batch_calls = f->refused = f->last_batch_size = 0;
}

void fake_sender_free(fake_sender *f)
{
    fake_sender_reset(f);
}

ev_ingestion_sender fake_sender_as_sender(fake_sender *f)
{
    return (ev_ingestion_sender){.send = fake_send, .send_batch = fake_send_batch, .ctx = f};
}

const char *fake_message_attr(const fake_message *m, const char *name, const char **type_out)
{
    for (size_t i = 0; i < m->attribute_count; i++)
        if (strcmp(m->names[i], name) == 0) {
            if (type_out)
                *type_out = m->types[i];
            return m->values[i];
        }
    return NULL;
}
