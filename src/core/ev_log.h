/*
 * ev_log: structured logs, one JSON object a line, with the keys of AWS
 * Lambda Powertools so that the same CloudWatch Logs Insights queries work.
 *
 * Job: a line is
 *   {"level":"INFO","location":"handle_event:42","message":"event queued",
 *    "timestamp":"2026-12-02T10:11:12.345Z","service":"ingestion",
 *    "cold_start":true,"function_name":"evpipe-ingest",
 *    "function_memory_size":"128","function_arn":"arn:aws:lambda:...",
 *    "function_request_id":"8f5...","xray_trace_id":"1-5e1b...",
 *    "event_id":"0190...","bytes":127}
 * Keys in that order; location is "function:line" of the call site; the
 * invocation keys (cold_start, function_arn, function_request_id,
 * xray_trace_id) appear only inside an invocation (the runtime sets them),
 * function_name / function_memory_size only when the environment has them.
 * Then the call's typed fields (string, integer, number, bool, raw JSON).
 *
 * Configuration (read by ev_log_init):
 *   LOG_LEVEL                DEBUG, INFO (default), WARNING or WARN, ERROR,
 *                            CRITICAL, any case; anything else: INFO, and a
 *                            WARNING line says so
 *   POWERTOOLS_SERVICE_NAME  the service key (default "service_undefined")
 *   AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE (set by Lambda)
 *
 * Safety: there is no "log this request" helper; every field is named at the
 * call site. Strings (message, keys, values) are JSON-escaped, ill-formed
 * UTF-8 is replaced with U+FFFD, and each is cut at max_value_bytes (default
 * 2048) with "...(truncated, N bytes)". A raw JSON field must be one valid
 * JSON value within the same bound (it is then written compacted, exactly as
 * given otherwise); if not, it is written as a string. A field key equal to
 * a standard key or to an earlier field's key is written as "<key>_<n>", n
 * its 1-based position in the call, so nothing is overwritten or lost.
 * Numbers that JSON cannot hold (NaN, infinities) are written as the
 * strings "NaN", "Infinity", "-Infinity".
 *
 * Output: each line goes to the sink in one call (ev_sink.h: one write(2)
 * on stdout by default).
 *
 * Ownership: ev_log holds copies of everything it keeps (fixed-size arrays)
 * and needs no free. Field values are borrowed for the duration of the call.
 * Threads: ev_log_emit may be called from several threads at once when the
 * sink allows it (the default does); the setters (level, invocation) are
 * called from one thread between invocations.
 * Errors: ev_log_emit returns 0 when the line was written or filtered out
 * by the level, -1 when memory ran out or the sink failed (counted in
 * lines_failed). A NULL log discards everything (handler tests that do not
 * look at logs).
 */
#ifndef EV_CORE_LOG_H
#define EV_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ev_clock.h"
#include "core/ev_sink.h"

typedef enum ev_log_level {
    EV_LOG_DEBUG = 10,
    EV_LOG_INFO = 20,
    EV_LOG_WARNING = 30,
    EV_LOG_ERROR = 40,
    EV_LOG_CRITICAL = 50
} ev_log_level;

typedef enum ev_log_field_type {
    EV_LOG_FIELD_END = 0, /* terminates the field list the macros build */
    EV_LOG_FIELD_STRING,
    EV_LOG_FIELD_INT,
    EV_LOG_FIELD_NUMBER,
    EV_LOG_FIELD_BOOL,
    EV_LOG_FIELD_JSON
} ev_log_field_type;

#define EV_LOG_NUL_TERMINATED ((size_t)-1)

typedef struct ev_log_field {
    ev_log_field_type type;
    const char *key;
    const char *str; /* STRING (NULL: null), JSON */
    size_t len;      /* bytes of str, or EV_LOG_NUL_TERMINATED */
    int64_t i;
    double d;
    bool b;
} ev_log_field;

#define EV_LOG_STR(k, v)                                                                                     \
    ((ev_log_field){.type = EV_LOG_FIELD_STRING, .key = (k), .str = (v), .len = EV_LOG_NUL_TERMINATED})
#define EV_LOG_STRN(k, v, n) ((ev_log_field){.type = EV_LOG_FIELD_STRING, .key = (k), .str = (v), .len = (n)})
#define EV_LOG_INT(k, v)     ((ev_log_field){.type = EV_LOG_FIELD_INT, .key = (k), .i = (int64_t)(v)})
#define EV_LOG_NUM(k, v)     ((ev_log_field){.type = EV_LOG_FIELD_NUMBER, .key = (k), .d = (double)(v)})
#define EV_LOG_BOOL(k, v)    ((ev_log_field){.type = EV_LOG_FIELD_BOOL, .key = (k), .b = (v)})
#define EV_LOG_JSON(k, v)                                                                                    \
    ((ev_log_field){.type = EV_LOG_FIELD_JSON, .key = (k), .str = (v), .len = EV_LOG_NUL_TERMINATED})
#define EV_LOG_JSONN(k, v, n) ((ev_log_field){.type = EV_LOG_FIELD_JSON, .key = (k), .str = (v), .len = (n)})
#define EV_LOG_END            ((ev_log_field){.type = EV_LOG_FIELD_END})

#define EV_LOG_DEFAULT_MAX_VALUE_BYTES 2048u
#define EV_LOG_SERVICE_MAX             256
#define EV_LOG_CONTEXT_MAX             512

typedef struct ev_log {
    ev_log_level level;
    ev_sink_fn sink;
    void *sink_ctx;
    const ev_clock *clock;
    size_t max_value_bytes;
    char service[EV_LOG_SERVICE_MAX];
    char function_name[EV_LOG_SERVICE_MAX]; /* "" when unknown */
    char function_memory_size[16];          /* "" when unknown */
    /* Invocation context, set by the runtime around each handler call. */
    bool in_invocation;
    bool cold_start;
    char request_id[EV_LOG_CONTEXT_MAX];
    char trace_id[EV_LOG_CONTEXT_MAX];
    char function_arn[EV_LOG_CONTEXT_MAX];
    /* Counters (relaxed; for tests and diagnostics). */
    uint64_t lines_written;
    uint64_t lines_failed;
} ev_log;

typedef struct ev_log_options {
    ev_sink_fn sink; /* NULL: ev_sink_fd on stdout */
    void *sink_ctx;
    const ev_clock *clock;  /* NULL: system */
    size_t max_value_bytes; /* 0: EV_LOG_DEFAULT_MAX_VALUE_BYTES */
    const char *service;    /* NULL: $POWERTOOLS_SERVICE_NAME */
} ev_log_options;

/* Reads the environment (see above); opts may be NULL. */
void ev_log_init(ev_log *log, const ev_log_options *opts);

/* "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL" in any case:
 * 0 and *out set; -1 for anything else (*out untouched). */
int ev_log_level_parse(const char *text, ev_log_level *out);
const char *ev_log_level_name(ev_log_level level);
void ev_log_set_level(ev_log *log, ev_log_level level);
bool ev_log_enabled(const ev_log *log, ev_log_level level);

/* Strings are copied (cut at EV_LOG_CONTEXT_MAX - 1 bytes); NULL: absent. */
void ev_log_set_invocation(ev_log *log, const char *request_id, const char *trace_id,
                           const char *function_arn, bool cold_start);
void ev_log_clear_invocation(ev_log *log);

/* Writes one line: fields[0..n) in order. Prefer the macros below. */
int ev_log_emit(ev_log *log, ev_log_level level, const char *func, int line, const char *message,
                const ev_log_field *fields, size_t n);

/* ev_log_info(log, "message", EV_LOG_STR("k", v), EV_LOG_INT("n", 3), ...):
 * the field list may be empty. */
#define EV_LOG_AT_(log, level, message, ...)                                                                 \
    ev_log_emit((log), (level), __func__, __LINE__, (message), (const ev_log_field[]){__VA_ARGS__},          \
                sizeof((const ev_log_field[]){__VA_ARGS__}) / sizeof(ev_log_field) - 1)
/* The same with the level as a value. */
#define ev_log_at(log, level, ...) EV_LOG_AT_((log), (level), __VA_ARGS__, EV_LOG_END)
#define ev_log_debug(log, ...)     EV_LOG_AT_((log), EV_LOG_DEBUG, __VA_ARGS__, EV_LOG_END)
#define ev_log_info(log, ...)      EV_LOG_AT_((log), EV_LOG_INFO, __VA_ARGS__, EV_LOG_END)
#define ev_log_warning(log, ...)   EV_LOG_AT_((log), EV_LOG_WARNING, __VA_ARGS__, EV_LOG_END)
#define ev_log_error(log, ...)     EV_LOG_AT_((log), EV_LOG_ERROR, __VA_ARGS__, EV_LOG_END)
#define ev_log_critical(log, ...)  EV_LOG_AT_((log), EV_LOG_CRITICAL, __VA_ARGS__, EV_LOG_END)

#endif
