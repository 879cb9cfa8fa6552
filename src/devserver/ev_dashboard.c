/* ev_dashboard: static files and GET /api/state (see ev_dashboard.h). */
#include "devserver/ev_dashboard.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_dynamodb.h"
#include "aws/ev_sqs.h"
#include "devserver/ev_front.h"

#define MAX_DEPTH      32
#define STORED_ITEMS   20
#define SCAN_MAX_ITEMS 1000
#define DLQ_PEEK_MAX   20

struct ev_dashboard {
    struct MHD_Daemon *daemon;
    int port;
    char dir[PATH_MAX];
    bool has_dir;
    char *events_url, *dlq_url, *table;
    ev_aws_client *sqs, *ddb;
    ev_emu *emu;
    ev_activity *act;
};

/* ---- items as plain JSON ---- */

static void jtext(ev_buf *b, const char *s)
{
    ev_buf_append_json_text(b, s, strlen(s), 0);
}

static int value_to_json(const cJSON *av, ev_buf *out, int depth);
static bool json_number_ok(const char *s);

static int list_to_json(const cJSON *arr, ev_buf *out, int depth, int kind)
{
    if (!cJSON_IsArray(arr))
        return -1;
    ev_buf_append_char(out, '[');
    for (const cJSON *v = arr->child; v != NULL; v = v->next) {
        if (v != arr->child)
            ev_buf_append_char(out, ',');
        if (kind == 'L') {
            if (value_to_json(v, out, depth + 1) != 0)
                return -1;
        } else if (!cJSON_IsString(v)) {
            return -1;
        } else if (kind == 'N' && json_number_ok(v->valuestring)) {
            ev_buf_append_str(out, v->valuestring); /* the number's text, exactly */
        } else {
            jtext(out, v->valuestring);
        }
    }
    ev_buf_append_char(out, ']');
    return 0;
}

/* True when s is a JSON number (RFC 8259 grammar). */
static bool json_number_ok(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

static int item_to_json(const cJSON *item, ev_buf *out, int depth);

static int value_to_json(const cJSON *av, ev_buf *out, int depth)
{
    if (depth > MAX_DEPTH || !cJSON_IsObject(av) || av->child == NULL || av->child->next != NULL)
        return -1;
    const cJSON *v = av->child;
    const char *t = v->string;
    if (strcmp(t, "S") == 0 || strcmp(t, "B") == 0) {
        if (!cJSON_IsString(v))
            return -1;
        jtext(out, v->valuestring);
    } else if (strcmp(t, "N") == 0) {
        if (!cJSON_IsString(v))
            return -1;
        /* The number's text exactly; a text JSON cannot hold as a number stays a string. */
        if (json_number_ok(v->valuestring))
            ev_buf_append_str(out, v->valuestring);
        else
            jtext(out, v->valuestring);
    } else if (strcmp(t, "BOOL") == 0) {
        if (!cJSON_IsBool(v))
            return -1;
        ev_buf_append_str(out, cJSON_IsTrue(v) ? "true" : "false");
    } else if (strcmp(t, "NULL") == 0) {
        ev_buf_append_str(out, "null");
    } else if (strcmp(t, "M") == 0) {
        return item_to_json(v, out, depth + 1);
    } else if (strcmp(t, "L") == 0 || strcmp(t, "SS") == 0 || strcmp(t, "NS") == 0 || strcmp(t, "BS") == 0) {
        return list_to_json(v, out, depth, t[0] == 'L' ? 'L' : t[0]);
    } else {
        return -1;
    }
    return 0;
}

static int item_to_json(const cJSON *item, ev_buf *out, int depth)
{
    if (!cJSON_IsObject(item) || depth > MAX_DEPTH)
        return -1;
    ev_buf_append_char(out, '{');
    for (const cJSON *a = item->child; a != NULL; a = a->next) {
        if (a != item->child)
            ev_buf_append_char(out, ',');
        jtext(out, a->string);
        ev_buf_append_char(out, ':');
        if (value_to_json(a, out, depth + 1) != 0)
            return -1;
    }
    ev_buf_append_char(out, '}');
    return out->failed ? -1 : 0;
}

int ev_ddb_item_to_json(const cJSON *item, ev_buf *out)
{
    return item_to_json(item, out, 0);
}

/* ---- files ---- */

const char *ev_dashboard_content_type(const char *name)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

bool ev_dashboard_path_ok(const char *url)
{
    if (url[0] != '/' || strlen(url) > 512)
        return false;
    for (const char *p = url; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-' || c == '/'))
            return false;
    }
    return strstr(url, "..") == NULL && strstr(url, "//") == NULL;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *type, const char *body,
                              size_t len, bool no_store)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (no_store)
        MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result not_found(struct MHD_Connection *c)
{
    static const char m[] = "{\"message\":\"Not Found\"}";
    return answer(c, 404, "application/json", m, strlen(m), false);
}

static enum MHD_Result serve_file(ev_dashboard *d, struct MHD_Connection *c, const char *url)
{
    if (!d->has_dir || !ev_dashboard_path_ok(url))
        return not_found(c);
    char want[PATH_MAX * 2], real[PATH_MAX];
    snprintf(want, sizeof want, "%s%s%s", d->dir, url, url[strlen(url) - 1] == '/' ? "index.html" : "");
    if (realpath(want, real) == NULL || strncmp(real, d->dir, strlen(d->dir)) != 0 ||
        real[strlen(d->dir)] != '/')
        return not_found(c);
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return not_found(c);
    }
    struct MHD_Response *r = MHD_create_response_from_fd((size_t)st.st_size, fd);
    if (r == NULL) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", ev_dashboard_content_type(real));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* ---- /api/state ---- */

static void error_member(ev_buf *b, const ev_aws_error *aerr)
{
    char msg[700];
    ev_aws_error_format(aerr, msg, sizeof msg);
    ev_buf_append_str(b, ",\"error\":");
    ev_buf_append_json_text(b, msg, strlen(msg), 600);
}

static void count_member(ev_buf *b, const char *name, const cJSON *attrs, const char *attr)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(attrs, attr);
    char *end = NULL;
    long long n = cJSON_IsString(v) ? strtoll(v->valuestring, &end, 10) : -1;
    if (cJSON_IsString(v) && end != NULL && *end == '\0' && n >= 0)
        ev_buf_printf(b, ",\"%s\":%lld", name, n);
    else
        ev_buf_printf(b, ",\"%s\":null", name);
}

static void queue_state(ev_dashboard *d, ev_buf *b, const char *name, const char *url)
{
    ev_buf_printf(b, "\"%s\":{\"url\":", name);
    if (url == NULL) {
        ev_buf_append_str(b, "null,\"visible\":null,\"in_flight\":null}");
        return;
    }
    jtext(b, url);
    static const char *const names[] = {"ApproximateNumberOfMessages",
                                        "ApproximateNumberOfMessagesNotVisible"};
    cJSON *attrs = NULL;
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    if (ev_sqs_get_queue_attributes(d->sqs, url, names, 2, &attrs, &aerr) != 0) {
        ev_buf_append_str(b, ",\"visible\":null,\"in_flight\":null");
        error_member(b, &aerr);
    } else {
        count_member(b, "visible", attrs, names[0]);
        count_member(b, "in_flight", attrs, names[1]);
    }
    cJSON_Delete(attrs);
    ev_buf_append_char(b, '}');
}

static const char *received_at(const cJSON *item)
{
    const cJSON *s =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "received_at"), "S");
    return cJSON_IsString(s) ? s->valuestring : "";
}

static int newest_first(const void *a, const void *b)
{
    return strcmp(received_at(*(const cJSON *const *)b), received_at(*(const cJSON *const *)a));
}

/* Scans up to SCAN_MAX_ITEMS items into *all (an array). */
static int scan_table(ev_dashboard *d, cJSON **all, ev_aws_error *aerr)
{
    *all = cJSON_CreateArray();
    cJSON *start = NULL;
    int rc = 0;
    while (*all != NULL && cJSON_GetArraySize(*all) < SCAN_MAX_ITEMS) {
        cJSON *req = cJSON_CreateObject(), *resp = NULL;
        cJSON_AddStringToObject(req, "TableName", d->table);
        cJSON_AddNumberToObject(req, "Limit", 200);
        if (start != NULL)
            cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
        start = NULL;
        rc = ev_dynamodb_call(d->ddb, "Scan", req, &resp, aerr);
        cJSON_Delete(req);
        if (rc != 0)
            break;
        cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(resp, "Items");
        cJSON *it;
        while (items != NULL && (it = cJSON_DetachItemFromArray(items, 0)) != NULL)
            cJSON_AddItemToArray(*all, it);
        cJSON_Delete(items);
        start = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
        cJSON_Delete(resp);
        if (start == NULL)
            break;
    }
    cJSON_Delete(start);
    return rc;
}

static void stored_state(ev_dashboard *d, ev_buf *b)
{
    ev_buf_append_str(b, "\"stored\":[");
    cJSON *all = NULL;
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    int rc = d->table ? scan_table(d, &all, &aerr) : 0;
    size_t n = all ? (size_t)cJSON_GetArraySize(all) : 0;
    const cJSON **v = n ? calloc(n, sizeof *v) : NULL;
    size_t k = 0;
    for (const cJSON *it = all ? all->child : NULL; it != NULL && v != NULL; it = it->next)
        v[k++] = it;
    if (v != NULL)
        qsort(v, k, sizeof *v, newest_first);
    size_t written = 0;
    for (size_t i = 0; i < k && written < STORED_ITEMS; i++) {
        ev_buf one = EV_BUF_INIT;
        if (ev_ddb_item_to_json(v[i], &one) == 0) {
            if (written++ > 0)
                ev_buf_append_char(b, ',');
            ev_buf_append(b, one.data, one.len);
        }
        ev_buf_free(&one);
    }
    free(v);
    cJSON_Delete(all);
    ev_buf_append_char(b, ']');
    if (rc != 0) {
        ev_buf_append_str(b, ",\"stored_error\":");
        char msg[700];
        ev_aws_error_format(&aerr, msg, sizeof msg);
        ev_buf_append_json_text(b, msg, strlen(msg), 600);
    }
}

static void dlq_state(ev_dashboard *d, ev_buf *b)
{
    ev_buf_append_str(b, "\"dlq_messages\":[");
    char seen[DLQ_PEEK_MAX][128];
    size_t count = 0;
    static const char *const all[] = {"All"};
    for (int round = 0; d->dlq_url != NULL && round < 3 && count < DLQ_PEEK_MAX; round++) {
        ev_sqs_receive_input in = {.queue_url = d->dlq_url,
                                   .max_messages = 10,
                                   .wait_time_seconds = 0,
                                   .visibility_timeout = 0,
                                   .attribute_names = all,
                                   .attribute_name_count = 1};
        ev_sqs_messages msgs = EV_SQS_MESSAGES_INIT;
        ev_aws_error aerr;
        ev_aws_error_clear(&aerr);
        if (ev_sqs_receive_message(d->sqs, &in, &msgs, &aerr) != 0)
            break;
        size_t added = 0;
        for (size_t i = 0; i < msgs.count && count < DLQ_PEEK_MAX; i++) {
            const ev_sqs_message *m = &msgs.items[i];
            bool dup = false;
            for (size_t k = 0; k < count && !dup; k++)
                dup = strcmp(seen[k], m->message_id) == 0;
            if (dup)
                continue;
            snprintf(seen[count++], sizeof seen[0], "%s", m->message_id);
            added++;
            if (count > 1)
                ev_buf_append_char(b, ',');
            ev_buf_append_str(b, "{\"messageId\":");
            jtext(b, m->message_id);
            ev_buf_append_str(b, ",\"body\":");
            ev_buf_append_json_text(b, m->body, m->body_len, 0);
            ev_buf_append_str(b, ",\"attributes\":");
            char *attrs = cJSON_PrintUnformatted(m->attributes);
            ev_buf_append_str(b, attrs ? attrs : "{}");
            free(attrs);
            ev_buf_append_char(b, '}');
        }
        ev_sqs_messages_free(&msgs);
        if (added == 0)
            break;
    }
    ev_buf_append_char(b, ']');
}

static void functions_state(ev_dashboard *d, ev_buf *b)
{
    ev_buf_append_str(b, "\"functions\":{");
    for (int i = 0; d->emu != NULL && i < ev_emu_function_count(d->emu); i++) {
        int inst = 0, restarts = 0;
        ev_emu_stats(d->emu, i, &inst, &restarts);
        if (i > 0)
            ev_buf_append_char(b, ',');
        jtext(b, ev_emu_function_id(d->emu, i));
        ev_buf_printf(b, ":{\"instances\":%d,\"restarts\":%d}", inst, restarts);
    }
    ev_buf_append_char(b, '}');
}

static enum MHD_Result serve_state(ev_dashboard *d, struct MHD_Connection *c)
{
    ev_buf b = EV_BUF_INIT;
    ev_buf_append_char(&b, '{');
    ev_activity_json(d->act, &b);
    ev_buf_append_str(&b, ",\"queues\":{");
    queue_state(d, &b, "events", d->events_url);
    ev_buf_append_char(&b, ',');
    queue_state(d, &b, "dlq", d->dlq_url);
    ev_buf_append_str(&b, "},");
    stored_state(d, &b);
    ev_buf_append_char(&b, ',');
    dlq_state(d, &b);
    ev_buf_append_char(&b, ',');
    functions_state(d, &b);
    ev_buf_append_char(&b, '}');
    enum MHD_Result rc;
    if (b.failed) {
        static const char m[] = "{\"message\":\"out of memory\"}";
        rc = answer(c, 500, "application/json", m, strlen(m), true);
    } else {
        rc = answer(c, 200, "application/json", b.data, b.len, true);
    }
    ev_buf_free(&b);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    (void)version;
    (void)upload_data;
    ev_dashboard *d = cls;
    if (*con_cls == NULL) {
        *con_cls = d;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0; /* bodies are ignored */
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        static const char m[] = "{\"message\":\"Method Not Allowed\"}";
        return answer(c, 405, "application/json", m, strlen(m), false);
    }
    if (strcmp(url, "/api/state") == 0)
        return serve_state(d, c);
    return serve_file(d, c, url);
}

static ev_aws_client *client(const ev_dashboard_config *cfg, ev_endpoint_service svc, const char *endpoint,
                             ev_ds_error *err)
{
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    ev_aws_client_config cc = {
        .service = svc, .region = cfg->region, .endpoint_url = endpoint, .credentials = cfg->credentials};
    ev_aws_client *c = ev_aws_client_new(&cc, &aerr);
    if (c == NULL) {
        char msg[600];
        ev_ds_fail(err, "dashboard: %s", ev_aws_error_format(&aerr, msg, sizeof msg));
    }
    return c;
}

ev_dashboard *ev_dashboard_start(const ev_dashboard_config *cfg, ev_ds_error *err)
{
    ev_dashboard *d = calloc(1, sizeof *d);
    if (d == NULL) {
        ev_ds_fail(err, "out of memory");
        return NULL;
    }
    d->emu = cfg->emu;
    d->act = cfg->activity;
    d->events_url = cfg->events_queue_url ? strdup(cfg->events_queue_url) : NULL;
    d->dlq_url = cfg->dlq_url ? strdup(cfg->dlq_url) : NULL;
    d->table = cfg->table ? strdup(cfg->table) : NULL;
    d->has_dir = realpath(cfg->dir, d->dir) != NULL;
    if (!d->has_dir) {
        char extra[PATH_MAX + 64];
        snprintf(extra, sizeof extra, "\"dir\":\"%.1000s\",\"error\":\"%s\"", cfg->dir, strerror(errno));
        ev_activity_note(d->act, "WARNING", "dashboard directory not found: only /api/state is served",
                         extra);
    }
    if ((d->sqs = client(cfg, EV_ENDPOINT_SQS, cfg->sqs_endpoint, err)) == NULL ||
        (d->ddb = client(cfg, EV_ENDPOINT_DYNAMODB, cfg->ddb_endpoint, err)) == NULL) {
        ev_dashboard_stop(d);
        return NULL;
    }
    int fd = ev_ds_listen(cfg->host, cfg->port, &d->port, err);
    if (fd < 0) {
        ev_dashboard_stop(d);
        return NULL;
    }
    d->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, d, MHD_OPTION_LISTEN_SOCKET,
                         fd, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_END);
    if (d->daemon == NULL) {
        close(fd);
        ev_ds_fail(err, "cannot start the dashboard server on %s:%d", cfg->host, d->port);
        ev_dashboard_stop(d);
        return NULL;
    }
    return d;
}

int ev_dashboard_port(const ev_dashboard *d)
{
    return d->port;
}

void ev_dashboard_stop(ev_dashboard *d)
{
    if (d == NULL)
        return;
    if (d->daemon != NULL)
        MHD_stop_daemon(d->daemon);
    ev_aws_client_free(d->sqs);
    ev_aws_client_free(d->ddb);
    free(d->events_url);
    free(d->dlq_url);
    free(d->table);
    free(d);
}
