/*
 * ev_metrics: CloudWatch metrics as Embedded Metric Format (EMF) log lines.
 *
 * Job: collect counters and latencies during an invocation and write them,
 * at ev_metrics_flush, as EMF documents on the sink (stdout in Lambda, where
 * CloudWatch Logs extracts the metrics). A document looks like
 *   {"_aws":{"Timestamp":1796206272345,"CloudWatchMetrics":[{"Namespace":"evpipe",
 *     "Dimensions":[["service"]],"Metrics":[{"Name":"EventsAccepted","Unit":"Count"},
 *     {"Name":"SqsSendLatency","Unit":"Milliseconds"}]}]},
 *    "service":"ingestion","EventsAccepted":3,"SqsSendLatency":[12.5,9],
 *    "function_request_id":"8f5...","xray_trace_id":"1-5e1b..."}
 * one line, one directive, one dimension set: "service" plus any dimensions
 * added. Values: Count metrics are summed (one value per flush, what the Sum
 * statistic reads); other units keep every value (an array when more than
 * one). The request and trace ids are plain properties (searchable in Logs
 * Insights, not dimensions).
 *
 * EMF limits (CloudWatch EMF specification) are kept by splitting, never by
 * dropping: more than 100 metrics, or a metric with more than 100 values,
 * give several documents (each with at most 100 metrics and 100 values per
 * metric; values in the order recorded). At most 30 dimensions: the 31st is
 * refused (-1). ColdStart is its own document, once per process, with the
 * dimensions service and function_name (as Powertools does).
 *
 * Configuration: POWERTOOLS_METRICS_NAMESPACE (default "evpipe"),
 * POWERTOOLS_SERVICE_NAME (default "service_undefined"),
 * AWS_LAMBDA_FUNCTION_NAME (the ColdStart dimension).
 *
 * Validation, as CloudWatch states it: namespace 1-255 characters of
 * [0-9A-Za-z._#:/ -], not starting with ':' nor "AWS/"; dimension names
 * 1-255 and values 1-1024 printable ASCII characters, not all blanks, names
 * not starting with ':'; metric names 1-255 printable ASCII characters and
 * none of the document's other keys; values finite numbers; one unit per
 * metric name. A refused call returns -1, records nothing, and
 * ev_metrics_error says why.
 *
 * Ownership: ev_metrics_new allocates; ev_metrics_free releases. Names and
 * values are copied. Threads: not thread-safe; one per thread (a handler's
 * metrics are recorded on its thread).
 * Errors: -1 and ev_metrics_error(m) (a NUL-terminated sentence naming the
 * value); ev_metrics_new fills the caller's error buffer instead. A NULL
 * ev_metrics accepts and discards everything (handler tests).
 */
#ifndef EV_CORE_METRICS_H
#define EV_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ev_clock.h"
#include "core/ev_sink.h"

/* The metric names the functions publish. */
#define EV_METRIC_COLD_START           "ColdStart"
#define EV_METRIC_EVENTS_ACCEPTED      "EventsAccepted"
#define EV_METRIC_EVENTS_REJECTED      "EventsRejected"
#define EV_METRIC_EVENTS_STORED        "EventsStored"
#define EV_METRIC_DUPLICATE_EVENTS     "DuplicateEvents"
#define EV_METRIC_BATCH_ITEM_FAILURES  "BatchItemFailures"
#define EV_METRIC_HANDLER_LATENCY      "HandlerLatency"     /* ms, whole handler call */
#define EV_METRIC_SQS_SEND_LATENCY     "SqsSendLatency"     /* ms, one SendMessage(Batch) call */
#define EV_METRIC_DYNAMODB_PUT_LATENCY "DynamoDbPutLatency" /* ms, one PutItem call */

#define EV_METRICS_DEFAULT_NAMESPACE   "evpipe"
#define EV_EMF_MAX_METRICS             100
#define EV_EMF_MAX_DIMENSIONS          30
#define EV_EMF_MAX_VALUES              100
#define EV_METRICS_NAME_MAX            255
#define EV_METRICS_DIMENSION_VALUE_MAX 1024

typedef enum ev_metric_unit {
    EV_UNIT_COUNT,
    EV_UNIT_MILLISECONDS,
    EV_UNIT_MICROSECONDS,
    EV_UNIT_SECONDS,
    EV_UNIT_BYTES,
    EV_UNIT_PERCENT,
    EV_UNIT_NONE
} ev_metric_unit;

typedef struct ev_metrics ev_metrics;

typedef struct ev_metrics_options {
    const char *metric_namespace; /* NULL: $POWERTOOLS_METRICS_NAMESPACE, else "evpipe" */
    const char *service;          /* NULL: $POWERTOOLS_SERVICE_NAME, else "service_undefined" */
    const char *function_name;    /* NULL: $AWS_LAMBDA_FUNCTION_NAME (may be unset) */
    ev_sink_fn sink;              /* NULL: ev_sink_fd on stdout */
    void *sink_ctx;
    const ev_clock *clock; /* Timestamp; NULL: system */
} ev_metrics_options;

/* opts may be NULL. NULL with a message in error[] when the configuration
 * is invalid (e.g. a namespace CloudWatch refuses) or memory runs out. */
ev_metrics *ev_metrics_new(const ev_metrics_options *opts, char *error, size_t error_len);
void ev_metrics_free(ev_metrics *m);

const char *ev_metric_unit_name(ev_metric_unit unit);

/* Adds a dimension to every later document, or changes its value. */
int ev_metrics_add_dimension(ev_metrics *m, const char *name, const char *value);
int ev_metrics_add(ev_metrics *m, const char *name, ev_metric_unit unit, double value);
int ev_metrics_add_count(ev_metrics *m, const char *name, double count);
int ev_metrics_add_ms(ev_metrics *m, const char *name, double milliseconds);

/* Copied into the next documents as properties; NULL: absent. */
void ev_metrics_set_invocation(ev_metrics *m, const char *request_id, const char *trace_id);
void ev_metrics_clear_invocation(ev_metrics *m);
/* Asks for the ColdStart document at the next flush; only the first call
 * on an ev_metrics has an effect (one per process: the runtime's). */
void ev_metrics_record_cold_start(ev_metrics *m);

/* Writes every pending document and forgets the values (also when the sink
 * fails: ev_metrics_error then counts what was lost). 0, or -1. */
int ev_metrics_flush(ev_metrics *m);
/* Number of values waiting for the next flush. */
size_t ev_metrics_pending(const ev_metrics *m);
const char *ev_metrics_error(const ev_metrics *m);

#endif
