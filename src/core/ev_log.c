/* ev_log: Powertools-style structured logs. See ev_log.h. */
#include "core/ev_log.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ev_time.h"

#define KEY_MAX_BYTES 128u

static const char *const standard_keys[] = {
    "level",         "location",
    "message",       "timestamp",
    "service",       "cold_start",
    "function_name", "function_memory_size",
    "function_arn",  "function_request_id",
    "xray_trace_id",
};

static void copy_text(char *dst, size_t cap, const char *src)
{
    if (src == NULL) {
        dst[0] = '\0';
        return;
    }
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return (v && *v) ? v : fallback;
}

void ev_log_init(ev_log *log, const ev_log_options *opts)
{
    memset(log, 0, sizeof *log);
    ev_log_options o = opts ? *opts : (ev_log_options){0};
    log->sink = o.sink ? o.sink : ev_sink_fd;
    log->sink_ctx = o.sink ? o.sink_ctx : NULL;
    log->clock = o.clock;
    log->max_value_bytes = o.max_value_bytes ? o.max_value_bytes : EV_LOG_DEFAULT_MAX_VALUE_BYTES;
    copy_text(log->service, sizeof log->service,
              o.service ? o.service : env_or("POWERTOOLS_SERVICE_NAME", "service_undefined"));
    copy_text(log->function_name, sizeof log->function_name, env_or("AWS_LAMBDA_FUNCTION_NAME", ""));
    copy_text(log->function_memory_size, sizeof log->function_memory_size,
              env_or("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", ""));
    log->level = EV_LOG_INFO;
    const char *level = getenv("LOG_LEVEL");
    if (level && *level && ev_log_level_parse(level, &log->level) != 0)
        ev_log_warning(log, "unknown LOG_LEVEL, using INFO",
                       EV_LOG_STRN("log_level", level, strnlen(level, 64)),
                       EV_LOG_STR("accepted", "DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL"));
}

int ev_log_level_parse(const char *text, ev_log_level *out)
{
    static const struct {
        const char *name;
        ev_log_level level;
    } names[] = {
        {"DEBUG", EV_LOG_DEBUG},  {"INFO", EV_LOG_INFO},   {"WARNING", EV_LOG_WARNING},
        {"WARN", EV_LOG_WARNING}, {"ERROR", EV_LOG_ERROR}, {"CRITICAL", EV_LOG_CRITICAL},
    };
    if (text == NULL)
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(text, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    }
    return -1;
}

const char *ev_log_level_name(ev_log_level level)
{
    if (level >= EV_LOG_CRITICAL)
        return "CRITICAL";
    if (level >= EV_LOG_ERROR)
        return "ERROR";
    if (level >= EV_LOG_WARNING)
        return "WARNING";
    if (level >= EV_LOG_INFO)
        return "INFO";
    return "DEBUG";
}

void ev_log_set_level(ev_log *log, ev_log_level level)
{
    log->level = level;
}

bool ev_log_enabled(const ev_log *log, ev_log_level level)
{
    return log != NULL && level >= log->level;
}

void ev_log_set_invocation(ev_log *log, const char *request_id, const char *trace_id,
                           const char *function_arn, bool cold_start)
{
    if (log == NULL)
        return;
    log->in_invocation = true;
    log->cold_start = cold_start;
    copy_text(log->request_id, sizeof log->request_id, request_id);
    copy_text(log->trace_id, sizeof log->trace_id, trace_id);
    copy_text(log->function_arn, sizeof log->function_arn, function_arn);
}

void ev_log_clear_invocation(ev_log *log)
{
    if (log == NULL)
        return;
    log->in_invocation = false;
    log->cold_start = false;
    log->request_id[0] = log->trace_id[0] = log->function_arn[0] = '\0';
}

/* ---- writing one line ---- */

static void put_key(ev_buf *b, const char *key)
{
    ev_buf_append_char(b, ',');
    ev_buf_append_json_text(b, key, strlen(key), KEY_MAX_BYTES);
    ev_buf_append_char(b, ':');
}

static void put_string(ev_buf *b, const ev_log *log, const char *key, const char *value)
{
    put_key(b, key);
    ev_buf_append_json_text(b, value, strlen(value), log->max_value_bytes);
}

/* Appends the JSON text without the whitespace between tokens, so a
 * pretty-printed value cannot break the one-line rule. */
static void put_compact_json(ev_buf *b, const char *s, size_t len)
{
    bool in_string = false, escaped = false;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ev_buf_append(b, s + run, i - run);
            run = i + 1;
        }
    }
    ev_buf_append(b, s + run, len - run);
}

/* One JSON value, valid UTF-8, within the bound: cJSON checks the grammar
 * (it does not check UTF-8, the string escaper does that). */
static bool is_loggable_json(const char *s, size_t len, size_t max_bytes)
{
    if (len == 0 || len > max_bytes)
        return false;
    if (!ev_buf_utf8_valid(s, len))
        return false;
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    if (doc == NULL)
        return false;
    cJSON_Delete(doc);
    while (end < s + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    return end == s + len;
}

static void put_number(ev_buf *b, double d)
{
    if (isfinite(d))
        ev_buf_append_double(b, d);
    else
        ev_buf_append_str(b, isnan(d) ? "\"NaN\"" : d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
}

static void put_field_value(ev_buf *b, const ev_log *log, const ev_log_field *f)
{
    size_t len = (f->str && f->len == EV_LOG_NUL_TERMINATED) ? strlen(f->str) : f->len;
    switch (f->type) {
    case EV_LOG_FIELD_STRING:
        if (f->str == NULL)
            ev_buf_append_str(b, "null");
        else
            ev_buf_append_json_text(b, f->str, len, log->max_value_bytes);
        break;
    case EV_LOG_FIELD_INT:
        ev_buf_printf(b, "%" PRId64, f->i);
        break;
    case EV_LOG_FIELD_NUMBER:
        put_number(b, f->d);
        break;
    case EV_LOG_FIELD_BOOL:
        ev_buf_append_str(b, f->b ? "true" : "false");
        break;
    case EV_LOG_FIELD_JSON:
        if (f->str == NULL)
            ev_buf_append_str(b, "null");
        else if (is_loggable_json(f->str, len, log->max_value_bytes))
            put_compact_json(b, f->str, len);
        else
            ev_buf_append_json_text(b, f->str, len, log->max_value_bytes);
        break;
    default:
        ev_buf_append_str(b, "null");
    }
}

static bool key_taken(const char *key, const ev_log_field *fields, size_t before)
{
    for (size_t k = 0; k < sizeof standard_keys / sizeof standard_keys[0]; k++)
        if (strcmp(key, standard_keys[k]) == 0)
            return true;
    for (size_t k = 0; k < before; k++)
        if (fields[k].key && strcmp(key, fields[k].key) == 0)
            return true;
    return false;
}

static void put_fields(ev_buf *b, const ev_log *log, const ev_log_field *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *key = fields[i].key ? fields[i].key : "";
        if (*key == '\0' || key_taken(key, fields, i)) {
            char renamed[KEY_MAX_BYTES + 24];
            snprintf(renamed, sizeof renamed, "%.*s_%zu", (int)KEY_MAX_BYTES, *key ? key : "field", i + 1);
            put_key(b, renamed);
        } else {
            put_key(b, key);
        }
        put_field_value(b, log, &fields[i]);
    }
}

static void put_standard_keys(ev_buf *b, const ev_log *log, ev_log_level level, const char *func, int line,
                              const char *message)
{
    char timestamp[EV_RFC3339_MS_LEN + 1];
    ev_time_format_rfc3339_ms(ev_clock_realtime_ms(log->clock), timestamp);
    ev_buf_printf(b, "{\"level\":\"%s\",\"location\":", ev_log_level_name(level));
    char location[KEY_MAX_BYTES + 16];
    snprintf(location, sizeof location, "%.*s:%d", (int)KEY_MAX_BYTES, func ? func : "unknown", line);
    ev_buf_append_json_text(b, location, strlen(location), 0);
    put_key(b, "message");
    ev_buf_append_json_text(b, message ? message : "", message ? strlen(message) : 0, log->max_value_bytes);
    put_string(b, log, "timestamp", timestamp);
    put_string(b, log, "service", log->service);
    if (log->in_invocation) {
        put_key(b, "cold_start");
        ev_buf_append_str(b, log->cold_start ? "true" : "false");
    }
    if (log->function_name[0])
        put_string(b, log, "function_name", log->function_name);
    if (log->function_memory_size[0])
        put_string(b, log, "function_memory_size", log->function_memory_size);
    if (log->in_invocation) {
        if (log->function_arn[0])
            put_string(b, log, "function_arn", log->function_arn);
        put_string(b, log, "function_request_id", log->request_id);
        if (log->trace_id[0])
            put_string(b, log, "xray_trace_id", log->trace_id);
    }
}

int ev_log_emit(ev_log *log, ev_log_level level, const char *func, int line, const char *message,
                const ev_log_field *fields, size_t n)
{
    if (!ev_log_enabled(log, level))
        return 0;
    ev_buf b = EV_BUF_INIT;
    ev_buf_reserve(&b, 512);
    put_standard_keys(&b, log, level, func, line, message);
    put_fields(&b, log, fields, n);
    ev_buf_append(&b, "}\n", 2);
    int rc = b.failed ? -1 : log->sink(log->sink_ctx, b.data, b.len);
    ev_buf_free(&b);
    __atomic_add_fetch(rc == 0 ? &log->lines_written : &log->lines_failed, 1, __ATOMIC_RELAXED);
    return rc;
}
