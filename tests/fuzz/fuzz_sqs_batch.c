/*
 * libFuzzer target: the SQS batch answer parser (Successful[] / Failed[]
 * entries with Id, MD5OfMessageBody, MD5OfMessageAttributes,
 * MD5OfMessageSystemAttributes, Code, Message, SenderFault) shared by
 * SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch.
 *
 * The parser is ev_sqs_parse_batch_response (a building block of ev_sqs.h).
 *
 * Input layout:
 *   byte 0: batch size n = 1 + b % 10 (ids "0".."n-1")
 *   byte 1: bit 0: with the sent messages (SendMessageBatch: MD5 checks),
 *           else none (the delete/visibility batches);
 *           bit 1: messages carry two message attributes (one binary);
 *           bit 2: messages carry an AWSTraceHeader
 *   rest:   the response body, as ev_aws_client_call_json parses it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ev_sqs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t n = 1 + data[0] % EV_SQS_MAX_BATCH;
    unsigned flags = data[1];
    cJSON *resp = cJSON_ParseWithLength((const char *)data + 2, size - 2);
    if (resp == NULL)
        return 0;

    static const unsigned char bin[] = {0x00, 0x01, 0xfe, 0xff};
    const ev_sqs_message_attribute attrs[2] = {
        {"trace", "String", "abc-123", NULL, 0},
        {"blob", "Binary", NULL, bin, sizeof bin},
    };
    ev_sqs_outgoing msgs[EV_SQS_MAX_BATCH];
    static const char *const bodies[EV_SQS_MAX_BATCH] = {
        "hello", "", "{\"a\":1}", "x", "0", "1", "2", "3", "4", "5",
    };
    memset(msgs, 0, sizeof msgs);
    for (size_t i = 0; i < n; i++) {
        msgs[i].body = bodies[i];
        msgs[i].body_len = strlen(bodies[i]);
        msgs[i].delay_seconds = -1;
        if (flags & 2) {
            msgs[i].attributes = attrs;
            msgs[i].attribute_count = 2;
        }
        if (flags & 4)
            msgs[i].trace_header = "Root=1-5759e988-bd862e3fe1be46a994272793";
    }

    ev_sqs_batch_entry results[EV_SQS_MAX_BATCH];
    memset(results, 0, sizeof results);
    ev_aws_error err;
    ev_aws_error_clear(&err);
    int rc =
        ev_sqs_parse_batch_response("SendMessageBatch", resp, n, results, (flags & 1) ? msgs : NULL, &err);

    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (memchr(results[i].code, '\0', sizeof results[i].code) == NULL ||
            memchr(results[i].message, '\0', sizeof results[i].message) == NULL ||
            memchr(results[i].sent.message_id, '\0', sizeof results[i].sent.message_id) == NULL ||
            memchr(results[i].sent.sequence_number, '\0', sizeof results[i].sent.sequence_number) == NULL)
            abort();
        if (!results[i].ok) {
            failed++;
            if (results[i].code[0] == '\0' && cJSON_GetObjectItemCaseSensitive(resp, "Failed") == NULL)
                abort(); /* MissingResult / MD5Mismatch always name themselves */
        }
    }
    /* 0 exactly when every entry succeeded: a duplicate report can never
     * leave an entry ok after its MD5 mismatched. */
    if ((rc == 0) != (failed == 0))
        abort();
    if (rc != 0 && err.kind != EV_AWS_ERR_PARTIAL && err.kind != EV_AWS_ERR_INTEGRITY)
        abort();
    cJSON_Delete(resp);
    return 0;
}
