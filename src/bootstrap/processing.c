/*
 * The processing function's bootstrap: SQS batches in, DynamoDB items out
 * (src/processing/ev_processing.h; docs/processing.md).
 *
 * Init reads DYNAMODB_TABLE_NAME (required) and EVENT_RETENTION_DAYS
 * (default 365) and creates one DynamoDB client (endpoint, region and
 * credentials from the environment; connections reused across
 * invocations). A missing or bad setting, or a client that cannot be made,
 * is an init error: the runtime posts init/error and exits.
 */
#include <stdio.h>

#include "aws/ev_aws_client.h"
#include "events_versions.h"
#include "processing/ev_processing.h"
#include "runtime/ev_lambda.h"

typedef struct processing_main {
    ev_processing_app app;
    ev_aws_client *dynamodb;
    bool app_ready;
} processing_main;

static int processing_init(void *vmain, ev_log *log, ev_runtime_error *err)
{
    processing_main *m = vmain;
    ev_processing_config cfg;
    if (ev_processing_config_from_env(&cfg, NULL, err) != 0)
        return -1;
    /* Both schema versions' patterns compiled before the first invocation. */
    char why[320];
    if (events_versions_init(why, sizeof why) != 0)
        return ev_runtime_error_set(err, "Runtime.InitFailed", "the event schemas cannot be prepared: %s",
                                    why);
    ev_aws_client_config cc = {.service = EV_ENDPOINT_DYNAMODB};
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    m->dynamodb = ev_aws_client_new(&cc, &aerr);
    if (m->dynamodb == NULL) {
        char text[768];
        return ev_runtime_error_set(err, "Runtime.ConfigInvalid", "cannot create the DynamoDB client: %s",
                                    ev_aws_error_format(&aerr, text, sizeof text));
    }
    ev_processing_writer writer = {ev_processing_dynamodb_writer, m->dynamodb};
    ev_processing_app_init(&m->app, &cfg, &writer);
    m->app_ready = true;
    ev_log_info(log, "processing function ready", EV_LOG_STR("table", cfg.table),
                EV_LOG_INT("retention_days", cfg.retention_days));
    return 0;
}

static int processing_handler(void *vmain, const ev_invocation *inv, const char *event, size_t event_len,
                              ev_handler_output *out)
{
    processing_main *m = vmain;
    return ev_processing_handle(&m->app, inv, event, event_len, out);
}

int main(void)
{
    static processing_main m;
    int rc = ev_runtime_main(NULL, processing_init, processing_handler, &m);
    if (m.app_ready)
        ev_processing_app_free(&m.app);
    ev_aws_client_free(m.dynamodb);
    return rc;
}
