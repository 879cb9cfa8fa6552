/*
 * libFuzzer target: ev_sqs_parse_receive_response, the parser of an SQS
 * ReceiveMessage answer (Messages[], Body, MD5OfBody, Attributes,
 * MessageAttributes with base64 BinaryValue, MD5OfMessageAttributes
 * verification). The body is exactly size bytes, not NUL-terminated.
 *
 * Most random inputs fail the MD5 checks early; the seeds carry correct
 * MD5s so the mutator starts from messages that get through them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ev_sqs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = size ? malloc(size) : NULL;
    if (size && body == NULL)
        abort();
    if (size)
        memcpy(body, data, size);

    ev_sqs_messages msgs = EV_SQS_MESSAGES_INIT;
    ev_aws_error err;
    ev_aws_error_clear(&err);
    int rc = ev_sqs_parse_receive_response(body ? body : "", size, &msgs, &err);
    if (rc != 0) {
        if (msgs.items != NULL || msgs.count != 0 || err.kind == EV_AWS_ERR_NONE)
            abort();
    } else {
        for (size_t i = 0; i < msgs.count; i++) {
            const ev_sqs_message *m = &msgs.items[i];
            if (!m->message_id || !m->receipt_handle || !m->body || !m->attributes || !m->md5_of_body)
                abort();
            if (strlen(m->body) != m->body_len)
                abort();
            /* The MD5 the parser accepted must be the body's. */
            char md5[33];
            ev_sqs_md5_hex(m->body, m->body_len, md5);
            if (strcmp(md5, m->md5_of_body) != 0)
                abort();
            (void)ev_sqs_message_system_attribute(m, "ApproximateReceiveCount");
            for (size_t a = 0; a < m->message_attribute_count; a++) {
                const ev_sqs_message_attribute *at = &m->message_attributes[a];
                if (ev_sqs_message_find_attribute(m, at->name) == NULL)
                    abort();
                if (at->binary_len) {
                    /* ASan: the length stays within the decoded block. */
                    volatile unsigned char last = at->binary_value[at->binary_len - 1];
                    (void)last;
                }
            }
        }
    }
    ev_sqs_messages_free(&msgs);
    free(body);
    return 0;
}
