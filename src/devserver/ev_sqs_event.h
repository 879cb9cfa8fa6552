/*
 * ev_sqs_event: the Lambda side of an SQS event source mapping, as pure
 * functions: the event a batch of received messages becomes, and what the
 * function's answer means for each message.
 *
 * The event: {"Records":[{messageId, receiptHandle, body, attributes (every
 * system attribute received: ApproximateReceiveCount, SentTimestamp,
 * SenderId, ApproximateFirstReceiveTimestamp, AWSTraceHeader, ...),
 * messageAttributes {name: {stringValue | binaryValue (base64),
 * stringListValues: [], binaryListValues: [], dataType}}, md5OfBody,
 * md5OfMessageAttributes (when there are attributes), eventSource
 * "aws:sqs", eventSourceARN, awsRegion}]}, as Lambda sends it.
 *
 * The answer (ev_sqs_event_failures), with ReportBatchItemFailures:
 * {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]} keeps those
 * messages (they become visible again); an empty or missing list, or an
 * empty or null answer, means every message succeeded; an answer that is
 * not JSON, not an object, a list that is not an array, or an identifier
 * that is empty, not a string or not in the batch fails the whole batch,
 * as Lambda does. Without ReportBatchItemFailures any successful answer
 * succeeds the whole batch.
 *
 * Ownership: inputs borrowed; the event goes into the caller's ev_buf.
 * Threads: no shared state. Errors: ev_ds_error, 0/-1.
 */
#ifndef EV_DEVSERVER_SQS_EVENT_H
#define EV_DEVSERVER_SQS_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/ev_sqs.h"
#include "core/ev_buf.h"
#include "devserver/ev_ds_error.h"

int ev_sqs_event_build(const ev_sqs_message *const *msgs, size_t n, const char *queue_arn, const char *region,
                       ev_buf *out, ev_ds_error *err);

/* failed[i] (n entries) set for each message to keep. 0 when the answer
 * was understood; -1 when the whole batch failed (err says why; every
 * failed[i] is then true). */
int ev_sqs_event_failures(const char *answer, size_t len, bool report_batch_item_failures,
                          const ev_sqs_message *const *msgs, size_t n, bool *failed, ev_ds_error *err);

#endif
