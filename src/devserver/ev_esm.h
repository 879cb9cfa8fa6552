/*
 * ev_esm: an SQS event source mapping: pollers that receive batches from
 * a queue and invoke the consumer function through the emulator.
 *
 * Each poller (its own thread and SQS client): ReceiveMessage (up to 10,
 * long poll of 1 s so a stop is seen quickly, every system and message
 * attribute, the queue's visibility timeout), then, while the batch is
 * smaller than BatchSize and MaximumBatchingWindowInSeconds has not passed
 * since the first message, more receives; then one invocation with the
 * batch (ev_sqs_event.h). Messages the answer says succeeded are deleted
 * (DeleteMessageBatch); the others, and every message of a failed, crashed
 * or timed-out invocation, are left alone: they become visible again
 * after the visibility timeout, and SQS moves them to the dead-letter
 * queue after maxReceiveCount receives. Pollers: ScalingConfig.
 * MaximumConcurrency, else 2; never more than the function's instances.
 *
 * Ownership: strings of the config are copied; the emulator and activity
 * log are borrowed. Threads: one per poller. Errors: ev_ds_error; a
 * failed receive or delete is logged and retried after a second, never
 * fatal.
 */
#ifndef EV_DEVSERVER_ESM_H
#define EV_DEVSERVER_ESM_H

#include <stdbool.h>

#include "aws/ev_aws_client.h"
#include "devserver/ev_activity.h"
#include "devserver/ev_ds_error.h"
#include "devserver/ev_lambda_emu.h"

typedef struct ev_esm_config {
    const char *function_id; /* logical id, for logs */
    int function;            /* the emulator's index */
    const char *queue_url;
    const char *queue_arn;
    const char *region;
    const char *endpoint_url; /* SQS endpoint (NULL: the environment's) */
    const ev_credentials *credentials;
    int batch_size;
    int batching_window_s;
    int pollers;
    bool report_batch_item_failures;
    ev_emu *emu;
    ev_activity *activity;
} ev_esm_config;

typedef struct ev_esm ev_esm;

ev_esm *ev_esm_start(const ev_esm_config *cfg, ev_ds_error *err);
/* Asks the pollers to stop (they finish their batch); does not wait. */
void ev_esm_request_stop(ev_esm *m);
/* Stops, waits for the pollers and frees. NULL is fine. */
void ev_esm_free(ev_esm *m);

#endif
