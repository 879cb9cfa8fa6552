/*
 * evtail: the local stack's latest stored events and dead-letter messages,
 * in a terminal or as JSON.
 *
 *   evtail [--table NAME] [--dlq-url URL | --dlq NAME | --no-dlq] [-n N]
 *          [--follow [--interval SECONDS]] [--json]
 *
 * Stored events: a Scan of the table (all pages), newest received_at first,
 * up to N (default 20). Dead-letter messages: up to N, peeked with
 * ReceiveMessage and VisibilityTimeout 0, so they stay receivable (each peek
 * counts as a receive in ApproximateReceiveCount).
 *
 * Endpoints and credentials come from the environment as for the functions
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL,
 * AWS_REGION, AWS_ACCESS_KEY_ID, ...). Without --table, the endpoint's only
 * table is used (several: name one). Without --dlq-url/--dlq, the one queue
 * whose name contains "dead" or "dlq" (any case), if there is exactly one.
 *
 * --json prints one line per refresh:
 *   {"table":T,"scanned":N,"items":[plain items, numbers exact],
 *    "dlq":{"url":U,"messages":[{"messageId","body","attributes","messageAttributes"}]}}
 * (dlq null without a dead-letter queue). --follow refreshes every
 * --interval seconds (default 2) until SIGINT/SIGTERM.
 *
 * Exit status: 0 success, 1 an AWS or transport error (printed), 2 usage.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_dynamodb.h"
#include "aws/ev_sqs.h"
#include "schema/ev_json.h"
#include "tail/ev_tail.h"

#define EXIT_AWS    1
#define EXIT_USAGE  2
#define MAX_PAGES   10000
#define PEEK_ROUNDS 5

typedef struct options {
    const char *table;
    const char *dlq_url;
    const char *dlq_name;
    bool no_dlq;
    int limit;
    bool follow;
    double interval;
    bool json;
} options;

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fputs("usage: evtail [--table NAME] [--dlq-url URL | --dlq NAME | --no-dlq] [-n N]\n"
          "              [--follow [--interval SECONDS]] [--json]\n"
          "  latest stored events (Scan, newest received_at first) and dead-letter messages (peeked)\n"
          "  endpoints from AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SQS (or AWS_ENDPOINT_URL)\n",
          out);
}

static int aws_fail(const char *what, const ev_aws_error *err)
{
    char text[1024];
    fprintf(stderr, "evtail: %s: %s\n", what, ev_aws_error_format(err, text, sizeof text));
    return -1;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"table", required_argument, NULL, 't'},    {"dlq-url", required_argument, NULL, 'u'},
        {"dlq", required_argument, NULL, 'd'},      {"no-dlq", no_argument, NULL, 'D'},
        {"limit", required_argument, NULL, 'n'},    {"follow", no_argument, NULL, 'f'},
        {"interval", required_argument, NULL, 'i'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    *o = (options){.limit = 20, .interval = 2.0};
    int c;
    while ((c = getopt_long(argc, argv, "t:n:fjh", longs, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 't':
            o->table = optarg;
            break;
        case 'u':
            o->dlq_url = optarg;
            break;
        case 'd':
            o->dlq_name = optarg;
            break;
        case 'D':
            o->no_dlq = true;
            break;
        case 'f':
            o->follow = true;
            break;
        case 'j':
            o->json = true;
            break;
        case 'n': {
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 1000) {
                fprintf(stderr, "evtail: -n %s: a count from 1 to 1000 is needed\n", optarg);
                return -1;
            }
            o->limit = (int)v;
            break;
        }
        case 'i':
            o->interval = strtod(optarg, &end);
            if (!*optarg || *end || !(o->interval >= 0.1 && o->interval <= 3600)) {
                fprintf(stderr, "evtail: --interval %s: seconds from 0.1 to 3600 are needed\n", optarg);
                return -1;
            }
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "evtail: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if ((o->dlq_url != NULL) + (o->dlq_name != NULL) + o->no_dlq > 1) {
        fputs("evtail: --dlq-url, --dlq and --no-dlq exclude each other\n", stderr);
        return -1;
    }
    return 0;
}

/* The endpoint's only table, or an error naming the choices. */
static int find_table(ev_aws_client *ddb, char *out, size_t out_len)
{
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    ev_aws_error err;
    int rc = ev_dynamodb_call(ddb, "ListTables", req, &resp, &err);
    cJSON_Delete(req);
    if (rc != 0)
        return aws_fail("ListTables", &err);
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(resp, "TableNames");
    int n = cJSON_GetArraySize(names);
    rc = -1;
    if (n == 1 && cJSON_IsString(names->child)) {
        snprintf(out, out_len, "%s", names->child->valuestring);
        rc = 0;
    } else if (n == 0) {
        fprintf(stderr, "evtail: no table at %s (is the stack running?)\n", ev_aws_client_endpoint(ddb)->url);
    } else {
        char *list = cJSON_PrintUnformatted(names);
        fprintf(stderr, "evtail: %d tables at %s, name one with --table: %s\n", n,
                ev_aws_client_endpoint(ddb)->url, list ? list : "");
        cJSON_free(list);
    }
    cJSON_Delete(resp);
    return rc;
}

static bool looks_dead_letter(const char *url)
{
    const char *name = strrchr(url, '/');
    name = name ? name + 1 : url;
    for (const char *p = name; *p; p++)
        if (strncasecmp(p, "dead", 4) == 0 || strncasecmp(p, "dlq", 3) == 0)
            return true;
    return false;
}

/* 0: *out set (maybe empty: no dead-letter queue); -1: error printed. */
static int find_dlq(ev_aws_client *sqs, const options *o, char *out, size_t out_len)
{
    out[0] = '\0';
    ev_aws_error err;
    if (o->no_dlq)
        return 0;
    if (o->dlq_url) {
        snprintf(out, out_len, "%s", o->dlq_url);
        return 0;
    }
    if (o->dlq_name)
        return ev_sqs_get_queue_url(sqs, o->dlq_name, out, out_len, &err) == 0
                   ? 0
                   : aws_fail("GetQueueUrl", &err);
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    int rc = ev_aws_client_call_json(sqs, "ListQueues", req, 0, &resp, &err);
    cJSON_Delete(req);
    if (rc != 0)
        return aws_fail("ListQueues", &err);
    int found = 0;
    const cJSON *u;
    cJSON_ArrayForEach(u, cJSON_GetObjectItemCaseSensitive(resp, "QueueUrls"))
    {
        if (cJSON_IsString(u) && looks_dead_letter(u->valuestring) && found++ == 0)
            snprintf(out, out_len, "%s", u->valuestring);
    }
    cJSON_Delete(resp);
    if (found > 1) {
        fprintf(stderr, "evtail: %d queues look like dead-letter queues; name one with --dlq-url or --dlq\n",
                found);
        return -1;
    }
    return 0;
}

/* Every item of the table, unmarshalled, newest first; *scanned: count. */
static int scan_table(ev_aws_client *ddb, const char *table, cJSON **items_out, int *scanned)
{
    cJSON *items = cJSON_CreateArray();
    cJSON *start = NULL;
    *scanned = 0;
    for (int page = 0; page < MAX_PAGES; page++) {
        cJSON *req = cJSON_CreateObject(), *resp = NULL;
        cJSON_AddStringToObject(req, "TableName", table);
        if (start)
            cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
        start = NULL;
        ev_aws_error err;
        int rc = ev_dynamodb_call(ddb, "Scan", req, &resp, &err);
        cJSON_Delete(req);
        if (rc != 0) {
            cJSON_Delete(items);
            return aws_fail("Scan", &err);
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "Items"))
        {
            cJSON *plain = NULL;
            char msg[256];
            if (ev_tail_unmarshal_item(it, &plain, msg, sizeof msg) != 0) {
                fprintf(stderr, "evtail: an item of %s cannot be read: %s\n", table, msg);
                cJSON_Delete(resp);
                cJSON_Delete(items);
                return -1;
            }
            cJSON_AddItemToArray(items, plain);
            (*scanned)++;
        }
        cJSON *last = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
        cJSON_Delete(resp);
        if (!last)
            break;
        start = last;
    }
    cJSON_Delete(start);
    ev_tail_sort_newest(items);
    *items_out = items;
    return 0;
}

static cJSON *message_json(const ev_sqs_message *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "messageId", m->message_id);
    cJSON_AddStringToObject(o, "body", m->body);
    cJSON_AddItemToObject(o, "attributes",
                          m->attributes ? cJSON_Duplicate(m->attributes, 1) : cJSON_CreateObject());
    cJSON *ma = cJSON_AddObjectToObject(o, "messageAttributes");
    for (size_t i = 0; i < m->message_attribute_count; i++) {
        const ev_sqs_message_attribute *a = &m->message_attributes[i];
        cJSON *v = cJSON_AddObjectToObject(ma, a->name);
        cJSON_AddStringToObject(v, "dataType", a->data_type ? a->data_type : "String");
        if (a->string_value)
            cJSON_AddStringToObject(v, "stringValue", a->string_value);
    }
    return o;
}

static bool seen(const cJSON *list, const char *id)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, list)
    {
        const cJSON *i = cJSON_GetObjectItemCaseSensitive(m, "messageId");
        if (cJSON_IsString(i) && strcmp(i->valuestring, id) == 0)
            return true;
    }
    return false;
}

/* Up to `limit` messages of the queue, left receivable (visibility 0). */
static int peek_dlq(ev_aws_client *sqs, const char *url, int limit, cJSON **out)
{
    static const char *const all[] = {"All"};
    cJSON *list = cJSON_CreateArray();
    for (int round = 0; round < PEEK_ROUNDS && cJSON_GetArraySize(list) < limit; round++) {
        ev_sqs_receive_input in = {.queue_url = url,
                                   .max_messages = 10,
                                   .wait_time_seconds = 0,
                                   .visibility_timeout = 0,
                                   .attribute_names = all,
                                   .attribute_name_count = 1,
                                   .message_attribute_names = all,
                                   .message_attribute_name_count = 1};
        ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
        ev_aws_error err;
        if (ev_sqs_receive_message(sqs, &in, &got, &err) != 0) {
            cJSON_Delete(list);
            return aws_fail("ReceiveMessage (dead-letter queue)", &err);
        }
        int fresh = 0;
        for (size_t i = 0; i < got.count && cJSON_GetArraySize(list) < limit; i++) {
            if (seen(list, got.items[i].message_id))
                continue;
            cJSON_AddItemToArray(list, message_json(&got.items[i]));
            fresh++;
        }
        ev_sqs_messages_free(&got);
        if (fresh == 0)
            break;
    }
    *out = list;
    return 0;
}

static size_t terminal_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 0;
}

static void print_text(const char *table, int scanned, const cJSON *items, int limit, const char *dlq_url,
                       const cJSON *dlq)
{
    size_t width = terminal_width();
    ev_buf out = EV_BUF_INIT;
    char now[32];
    time_t t = time(NULL);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    int shown = cJSON_GetArraySize(items) < limit ? cJSON_GetArraySize(items) : limit;
    ev_buf_printf(&out, "== %s  table %s: %d item(s), newest %d\n", now, table, scanned, shown);
    ev_tail_format_event_header(&out);
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        if (i++ >= limit)
            break;
        ev_tail_format_event(&out, it, width);
    }
    if (!dlq_url[0]) {
        ev_buf_append_str(&out, "== no dead-letter queue found (--dlq-url URL or --dlq NAME)\n");
    } else {
        ev_buf_printf(&out, "== dead-letter queue %s: %d message(s) peeked\n", dlq_url,
                      cJSON_GetArraySize(dlq));
        ev_tail_format_dlq_header(&out);
        cJSON_ArrayForEach(it, dlq)
        {
            const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(it, "attributes");
            const cJSON *rc = cJSON_GetObjectItemCaseSensitive(attrs, "ApproximateReceiveCount");
            ev_tail_format_dlq(&out, cJSON_GetObjectItemCaseSensitive(it, "messageId")->valuestring,
                               cJSON_IsString(rc) ? rc->valuestring : NULL,
                               cJSON_GetObjectItemCaseSensitive(it, "body")->valuestring, width);
        }
    }
    fwrite(ev_buf_cstr(&out), 1, out.len, stdout);
    fflush(stdout);
    ev_buf_free(&out);
}

static void print_json(const char *table, int scanned, cJSON *items, int limit, const char *dlq_url,
                       cJSON *dlq)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "table", table);
    cJSON_AddNumberToObject(o, "scanned", scanned);
    while (cJSON_GetArraySize(items) > limit)
        cJSON_DeleteItemFromArray(items, limit);
    cJSON_AddItemReferenceToObject(o, "items", items);
    if (dlq_url[0]) {
        cJSON *d = cJSON_AddObjectToObject(o, "dlq");
        cJSON_AddStringToObject(d, "url", dlq_url);
        cJSON_AddItemReferenceToObject(d, "messages", dlq);
    } else {
        cJSON_AddNullToObject(o, "dlq");
    }
    char *text = cJSON_PrintUnformatted(o);
    if (text) {
        puts(text);
        fflush(stdout);
    }
    cJSON_free(text);
    cJSON_Delete(o);
}

static int refresh(ev_aws_client *ddb, ev_aws_client *sqs, const options *o, const char *table,
                   const char *dlq_url)
{
    cJSON *items = NULL, *dlq = NULL;
    int scanned = 0;
    if (scan_table(ddb, table, &items, &scanned) != 0)
        return -1;
    if (dlq_url[0] && peek_dlq(sqs, dlq_url, o->limit, &dlq) != 0) {
        cJSON_Delete(items);
        return -1;
    }
    if (!dlq)
        dlq = cJSON_CreateArray();
    if (o->json)
        print_json(table, scanned, items, o->limit, dlq_url, dlq);
    else
        print_text(table, scanned, items, o->limit, dlq_url, dlq);
    cJSON_Delete(items);
    cJSON_Delete(dlq);
    return 0;
}

static void pause_for(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (!stop_requested && nanosleep(&ts, &ts) != 0)
        ;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0)
        return EXIT_USAGE;
    ev_json_init();
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    ev_aws_error err;
    ev_aws_client_config dcfg = {.service = EV_ENDPOINT_DYNAMODB};
    ev_aws_client_config scfg = {.service = EV_ENDPOINT_SQS};
    ev_aws_client *ddb = ev_aws_client_new(&dcfg, &err);
    if (!ddb)
        return aws_fail("DynamoDB client", &err), EXIT_USAGE;
    ev_aws_client *sqs = ev_aws_client_new(&scfg, &err);
    if (!sqs) {
        ev_aws_client_free(ddb);
        return aws_fail("SQS client", &err), EXIT_USAGE;
    }
    int status = 0;
    char table[256], dlq_url[EV_SQS_URL_MAX];
    if (o.table)
        snprintf(table, sizeof table, "%s", o.table);
    else if (find_table(ddb, table, sizeof table) != 0)
        status = EXIT_AWS;
    if (status == 0 && find_dlq(sqs, &o, dlq_url, sizeof dlq_url) != 0)
        status = EXIT_AWS;
    while (status == 0) {
        if (refresh(ddb, sqs, &o, table, dlq_url) != 0)
            status = EXIT_AWS;
        if (!o.follow || stop_requested)
            break;
        pause_for(o.interval);
        if (stop_requested)
            break;
    }
    ev_aws_client_free(sqs);
    ev_aws_client_free(ddb);
    return status;
}
