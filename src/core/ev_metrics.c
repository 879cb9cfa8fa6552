/* ev_metrics: CloudWatch Embedded Metric Format. See ev_metrics.h. */
#include "core/ev_metrics.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"

#define CONTEXT_MAX 512

typedef struct metric {
    char *name;
    ev_metric_unit unit;
    double *values;
    size_t count; /* 0: nothing pending (the entry is kept for reuse) */
    size_t cap;
} metric;

typedef struct dimension {
    char name[EV_METRICS_NAME_MAX + 1];
    char value[EV_METRICS_DIMENSION_VALUE_MAX + 1];
} dimension;

struct ev_metrics {
    char metric_namespace[EV_METRICS_NAME_MAX + 1];
    char function_name[EV_METRICS_DIMENSION_VALUE_MAX + 1]; /* "" when unknown */
    dimension dims[EV_EMF_MAX_DIMENSIONS];                  /* dims[0] is "service" */
    size_t dim_count;
    metric *metrics;
    size_t metric_count;
    size_t metric_cap;
    bool cold_start_pending;
    bool cold_start_done;
    char request_id[CONTEXT_MAX];
    char trace_id[CONTEXT_MAX];
    ev_sink_fn sink;
    void *sink_ctx;
    const ev_clock *clock;
    char error[512];
};

/* Keys of the document root that a metric must not take. */
static const char *const reserved_keys[] = {"_aws", "function_request_id", "xray_trace_id"};

static int fail(ev_metrics *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ev_metrics *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->error, sizeof m->error, fmt, ap);
    va_end(ap);
    return -1;
}

const char *ev_metric_unit_name(ev_metric_unit unit)
{
    switch (unit) {
    case EV_UNIT_COUNT:
        return "Count";
    case EV_UNIT_MILLISECONDS:
        return "Milliseconds";
    case EV_UNIT_MICROSECONDS:
        return "Microseconds";
    case EV_UNIT_SECONDS:
        return "Seconds";
    case EV_UNIT_BYTES:
        return "Bytes";
    case EV_UNIT_PERCENT:
        return "Percent";
    case EV_UNIT_NONE:
        return "None";
    }
    return NULL;
}

/* ---- validation ---- */

/* 1..max printable ASCII characters, not all blanks. */
static const char *check_ascii_text(const char *s, size_t max)
{
    if (s == NULL || *s == '\0')
        return "is empty";
    size_t len = strlen(s);
    if (len > max)
        return "is too long";
    bool blank = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7E)
            return "has a character that is not printable ASCII";
        if (c != ' ')
            blank = false;
    }
    return blank ? "is blank" : NULL;
}

static const char *check_namespace(const char *ns)
{
    const char *why = check_ascii_text(ns, EV_METRICS_NAME_MAX);
    if (why)
        return why;
    if (ns[0] == ':' || strncmp(ns, "AWS/", 4) == 0)
        return "starts with ':' or the reserved \"AWS/\"";
    for (const char *p = ns; *p; p++)
        if (!strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._#:/- ", *p))
            return "has a character other than 0-9 A-Z a-z . _ # : / - and space";
    return NULL;
}

static bool is_dimension_name(const ev_metrics *m, const char *name)
{
    for (size_t i = 0; i < m->dim_count; i++)
        if (strcmp(m->dims[i].name, name) == 0)
            return true;
    return false;
}

static metric *find_metric(ev_metrics *m, const char *name)
{
    for (size_t i = 0; i < m->metric_count; i++)
        if (strcmp(m->metrics[i].name, name) == 0)
            return &m->metrics[i];
    return NULL;
}

static bool is_reserved_key(const char *name)
{
    for (size_t i = 0; i < sizeof reserved_keys / sizeof reserved_keys[0]; i++)
        if (strcmp(reserved_keys[i], name) == 0)
            return true;
    return false;
}

/* ---- set-up ---- */

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return (v && *v) ? v : fallback;
}

static int configure(ev_metrics *m, const ev_metrics_options *o)
{
    const char *ns = o->metric_namespace
                         ? o->metric_namespace
                         : env_or("POWERTOOLS_METRICS_NAMESPACE", EV_METRICS_DEFAULT_NAMESPACE);
    const char *why = check_namespace(ns);
    if (why)
        return fail(m, "metric namespace \"%.64s\" (POWERTOOLS_METRICS_NAMESPACE) %s", ns, why);
    snprintf(m->metric_namespace, sizeof m->metric_namespace, "%s", ns);
    const char *service = o->service ? o->service : env_or("POWERTOOLS_SERVICE_NAME", "service_undefined");
    if ((why = check_ascii_text(service, EV_METRICS_DIMENSION_VALUE_MAX)))
        return fail(m, "service name \"%.64s\" (POWERTOOLS_SERVICE_NAME) %s for a metric dimension", service,
                    why);
    snprintf(m->dims[0].name, sizeof m->dims[0].name, "service");
    snprintf(m->dims[0].value, sizeof m->dims[0].value, "%s", service);
    m->dim_count = 1;
    const char *fn = o->function_name ? o->function_name : env_or("AWS_LAMBDA_FUNCTION_NAME", "");
    if (*fn && !check_ascii_text(fn, EV_METRICS_DIMENSION_VALUE_MAX))
        snprintf(m->function_name, sizeof m->function_name, "%s", fn);
    return 0;
}

ev_metrics *ev_metrics_new(const ev_metrics_options *opts, char *error, size_t error_len)
{
    ev_metrics *m = calloc(1, sizeof *m);
    if (m == NULL) {
        if (error && error_len)
            snprintf(error, error_len, "out of memory creating the metrics");
        return NULL;
    }
    ev_metrics_options o = opts ? *opts : (ev_metrics_options){0};
    m->sink = o.sink ? o.sink : ev_sink_fd;
    m->sink_ctx = o.sink ? o.sink_ctx : NULL;
    m->clock = o.clock;
    if (configure(m, &o) != 0) {
        if (error && error_len)
            snprintf(error, error_len, "%s", m->error);
        ev_metrics_free(m);
        return NULL;
    }
    return m;
}

void ev_metrics_free(ev_metrics *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->metric_count; i++) {
        free(m->metrics[i].name);
        free(m->metrics[i].values);
    }
    free(m->metrics);
    free(m);
}

/* ---- recording ---- */

int ev_metrics_add_dimension(ev_metrics *m, const char *name, const char *value)
{
    if (m == NULL)
        return 0;
    const char *why = check_ascii_text(name, EV_METRICS_NAME_MAX);
    if (why || name[0] == ':')
        return fail(m, "dimension name \"%.64s\" %s", name ? name : "", why ? why : "starts with ':'");
    if ((why = check_ascii_text(value, EV_METRICS_DIMENSION_VALUE_MAX)))
        return fail(m, "value of dimension %s %s", name, why);
    if (find_metric(m, name) || is_reserved_key(name))
        return fail(m, "dimension name %s is already a metric or reserved key of the document", name);
    for (size_t i = 0; i < m->dim_count; i++) {
        if (strcmp(m->dims[i].name, name) == 0) {
            snprintf(m->dims[i].value, sizeof m->dims[i].value, "%s", value);
            return 0;
        }
    }
    if (m->dim_count >= EV_EMF_MAX_DIMENSIONS)
        return fail(m, "dimension %s refused: EMF allows at most %d dimensions in a set", name,
                    EV_EMF_MAX_DIMENSIONS);
    snprintf(m->dims[m->dim_count].name, sizeof m->dims[0].name, "%s", name);
    snprintf(m->dims[m->dim_count].value, sizeof m->dims[0].value, "%s", value);
    m->dim_count++;
    return 0;
}

static metric *new_metric(ev_metrics *m, const char *name, ev_metric_unit unit)
{
    if (m->metric_count == m->metric_cap) {
        size_t cap = m->metric_cap ? m->metric_cap * 2 : 16;
        metric *grown = realloc(m->metrics, cap * sizeof *grown);
        if (grown == NULL)
            return NULL;
        m->metrics = grown;
        m->metric_cap = cap;
    }
    metric *x = &m->metrics[m->metric_count];
    memset(x, 0, sizeof *x);
    if ((x->name = strdup(name)) == NULL)
        return NULL;
    x->unit = unit;
    m->metric_count++;
    return x;
}

static int push_value(metric *x, double value)
{
    if (x->unit == EV_UNIT_COUNT && x->count == 1) {
        x->values[0] += value;
        return 0;
    }
    if (x->count == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 4;
        double *grown = realloc(x->values, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        x->values = grown;
        x->cap = cap;
    }
    x->values[x->count++] = value;
    return 0;
}

int ev_metrics_add(ev_metrics *m, const char *name, ev_metric_unit unit, double value)
{
    if (m == NULL)
        return 0;
    const char *why = check_ascii_text(name, EV_METRICS_NAME_MAX);
    if (why)
        return fail(m, "metric name \"%.64s\" %s", name ? name : "", why);
    if (ev_metric_unit_name(unit) == NULL)
        return fail(m, "metric %s: unknown unit %d", name, (int)unit);
    if (!isfinite(value))
        return fail(m, "metric %s: value is not a finite number", name);
    if (is_dimension_name(m, name) || is_reserved_key(name))
        return fail(m, "metric name %s is already a dimension or reserved key of the document", name);
    metric *x = find_metric(m, name);
    if (x && x->unit != unit)
        return fail(m, "metric %s was recorded in %s, not %s", name, ev_metric_unit_name(x->unit),
                    ev_metric_unit_name(unit));
    if ((x == NULL && (x = new_metric(m, name, unit)) == NULL) || push_value(x, value) != 0)
        return fail(m, "metric %s: out of memory", name);
    return 0;
}

int ev_metrics_add_count(ev_metrics *m, const char *name, double count)
{
    return ev_metrics_add(m, name, EV_UNIT_COUNT, count);
}

int ev_metrics_add_ms(ev_metrics *m, const char *name, double milliseconds)
{
    return ev_metrics_add(m, name, EV_UNIT_MILLISECONDS, milliseconds);
}

void ev_metrics_set_invocation(ev_metrics *m, const char *request_id, const char *trace_id)
{
    if (m == NULL)
        return;
    snprintf(m->request_id, sizeof m->request_id, "%s", request_id ? request_id : "");
    snprintf(m->trace_id, sizeof m->trace_id, "%s", trace_id ? trace_id : "");
}

void ev_metrics_clear_invocation(ev_metrics *m)
{
    if (m != NULL)
        m->request_id[0] = m->trace_id[0] = '\0';
}

void ev_metrics_record_cold_start(ev_metrics *m)
{
    if (m != NULL && !m->cold_start_done)
        m->cold_start_pending = true;
}

size_t ev_metrics_pending(const ev_metrics *m)
{
    size_t n = 0;
    for (size_t i = 0; m && i < m->metric_count; i++)
        n += m->metrics[i].count;
    return n;
}

const char *ev_metrics_error(const ev_metrics *m)
{
    return m ? m->error : "";
}

/* ---- rendering ---- */

static void put_string(ev_buf *b, const char *s)
{
    ev_buf_append_json_text(b, s, strlen(s), 0);
}

/* The "_aws" metadata: one directive with the given metric names. */
static void put_metadata(ev_buf *b, const ev_metrics *m, const dimension *dims, size_t ndims,
                         const metric *const *group, size_t n)
{
    ev_buf_printf(b, "{\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":[{\"Namespace\":",
                  (long long)ev_clock_realtime_ms(m->clock));
    put_string(b, m->metric_namespace);
    ev_buf_append_str(b, ",\"Dimensions\":[[");
    for (size_t i = 0; i < ndims; i++) {
        if (i)
            ev_buf_append_char(b, ',');
        put_string(b, dims[i].name);
    }
    ev_buf_append_str(b, "]],\"Metrics\":[");
    for (size_t i = 0; i < n; i++) {
        ev_buf_append_str(b, i ? ",{\"Name\":" : "{\"Name\":");
        put_string(b, group[i]->name);
        ev_buf_printf(b, ",\"Unit\":\"%s\"}", ev_metric_unit_name(group[i]->unit));
    }
    ev_buf_append_str(b, "]}]}");
}

static void put_properties(ev_buf *b, const ev_metrics *m, const dimension *dims, size_t ndims)
{
    for (size_t i = 0; i < ndims; i++) {
        ev_buf_append_char(b, ',');
        put_string(b, dims[i].name);
        ev_buf_append_char(b, ':');
        put_string(b, dims[i].value);
    }
    if (m->request_id[0]) {
        ev_buf_append_str(b, ",\"function_request_id\":");
        put_string(b, m->request_id);
    }
    if (m->trace_id[0]) {
        ev_buf_append_str(b, ",\"xray_trace_id\":");
        put_string(b, m->trace_id);
    }
}

/* Values [first, first + EV_EMF_MAX_VALUES) of x: a number, or an array. */
static void put_values(ev_buf *b, const metric *x, size_t first)
{
    size_t end = x->count - first > EV_EMF_MAX_VALUES ? first + EV_EMF_MAX_VALUES : x->count;
    ev_buf_append_char(b, ',');
    put_string(b, x->name);
    ev_buf_append_char(b, ':');
    if (end - first == 1) {
        ev_buf_append_double(b, x->values[first]);
        return;
    }
    ev_buf_append_char(b, '[');
    for (size_t i = first; i < end; i++) {
        if (i > first)
            ev_buf_append_char(b, ',');
        ev_buf_append_double(b, x->values[i]);
    }
    ev_buf_append_char(b, ']');
}

static int emit(ev_metrics *m, ev_buf *b)
{
    ev_buf_append(b, "}\n", 2);
    if (b->failed)
        return fail(m, "out of memory writing an EMF document");
    if (m->sink(m->sink_ctx, b->data, b->len) != 0)
        return fail(m, "the sink refused an EMF document of %zu bytes", b->len);
    return 0;
}

static int emit_cold_start(ev_metrics *m)
{
    dimension dims[2];
    size_t ndims = 1;
    dims[0] = m->dims[0];
    if (m->function_name[0]) {
        snprintf(dims[1].name, sizeof dims[1].name, "function_name");
        snprintf(dims[1].value, sizeof dims[1].value, "%s", m->function_name);
        ndims = 2;
    }
    double one = 1;
    metric cold = {EV_METRIC_COLD_START, EV_UNIT_COUNT, &one, 1, 1};
    const metric *group[1] = {&cold};
    ev_buf b = EV_BUF_INIT;
    put_metadata(&b, m, dims, ndims, group, 1);
    put_properties(&b, m, dims, ndims);
    put_values(&b, &cold, 0);
    int rc = emit(m, &b);
    ev_buf_free(&b);
    return rc;
}

/* The documents for up to EV_EMF_MAX_METRICS metrics: round r carries the
 * values [100r, 100r + 100) of every metric that has that many. */
static int emit_group(ev_metrics *m, const metric *const *group, size_t n)
{
    size_t most = 0;
    for (size_t i = 0; i < n; i++)
        if (group[i]->count > most)
            most = group[i]->count;
    int rc = 0;
    for (size_t first = 0; first < most; first += EV_EMF_MAX_VALUES) {
        const metric *batch[EV_EMF_MAX_METRICS];
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (group[i]->count > first)
                batch[k++] = group[i];
        ev_buf b = EV_BUF_INIT;
        put_metadata(&b, m, m->dims, m->dim_count, batch, k);
        put_properties(&b, m, m->dims, m->dim_count);
        for (size_t i = 0; i < k; i++)
            put_values(&b, batch[i], first);
        if (emit(m, &b) != 0)
            rc = -1;
        ev_buf_free(&b);
    }
    return rc;
}

int ev_metrics_flush(ev_metrics *m)
{
    if (m == NULL)
        return 0;
    int rc = 0;
    if (m->cold_start_pending) {
        m->cold_start_pending = false;
        m->cold_start_done = true;
        rc |= emit_cold_start(m);
    }
    const metric *group[EV_EMF_MAX_METRICS];
    size_t n = 0, values = 0;
    for (size_t i = 0; i < m->metric_count; i++) {
        if (m->metrics[i].count == 0)
            continue;
        values += m->metrics[i].count;
        group[n++] = &m->metrics[i];
        if (n == EV_EMF_MAX_METRICS) {
            rc |= emit_group(m, group, n);
            n = 0;
        }
    }
    if (n > 0)
        rc |= emit_group(m, group, n);
    for (size_t i = 0; i < m->metric_count; i++)
        m->metrics[i].count = 0;
    if (rc != 0) {
        size_t len = strlen(m->error);
        snprintf(m->error + len, sizeof m->error - len, " (%zu values in this flush, some lost)", values);
    }
    return rc ? -1 : 0;
}
