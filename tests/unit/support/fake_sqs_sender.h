/*
 * fake_sqs_sender: an ev_ingestion_sender that records what it is given
 * instead of calling SQS, for handler tests.
 *
 * Job: every message handed to send or send_batch is copied (body,
 * attributes, trace header) in the order received. The test decides the
 * outcome: fail_kind != EV_AWS_ERR_NONE fails every call as a whole with
 * that kind and fail_code (nothing is recorded as sent); fail_entry[i]
 * fails entry i of a batch (EV_AWS_ERR_PARTIAL, code "InternalError");
 * such entries are recorded in `refused`, not in `sent`.
 *
 * Ownership: fake_sender_init/fake_sender_free; recorded strings belong to
 * the fake. Threads: one test thread.
 */
#ifndef TESTS_FAKE_SQS_SENDER_H
#define TESTS_FAKE_SQS_SENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "ingestion/ev_ingestion.h"

#define FAKE_SENDER_MAX 64

typedef struct fake_message {
    char *body;
    size_t body_len;
    size_t attribute_count;
    char *names[EV_SQS_MAX_MESSAGE_ATTRIBUTES];
    char *types[EV_SQS_MAX_MESSAGE_ATTRIBUTES];
    char *values[EV_SQS_MAX_MESSAGE_ATTRIBUTES];
    char *trace_header; /* NULL when none */
    size_t size;        /* ev_sqs_message_size of what was given */
} fake_message;

typedef struct fake_sender {
    ev_aws_error_kind fail_kind;
    char fail_code[64];
    bool fail_entry[EV_SQS_MAX_BATCH];
    size_t calls, batch_calls, refused;
    size_t last_batch_size;
    fake_message sent[FAKE_SENDER_MAX];
    size_t sent_count;
} fake_sender;

void fake_sender_init(fake_sender *f);
void fake_sender_free(fake_sender *f);
/* Forgets what was sent (keeps the failure settings). */
void fake_sender_reset(fake_sender *f);
ev_ingestion_sender fake_sender_as_sender(fake_sender *f);
/* An attribute of a recorded message: its value (type in *type_out when
 * not NULL), or NULL when the message has none by that name. */
const char *fake_message_attr(const fake_message *m, const char *name, const char **type_out);

#endif
