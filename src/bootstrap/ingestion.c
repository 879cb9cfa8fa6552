/*
 * The ingestion function's bootstrap: POST /events (API Gateway REST proxy)
 * -> SQS. The handler is src/ingestion (ev_ingestion.h); this file reads
 * the configuration, builds the process-lifetime SQS client and hands
 * both to the Lambda runtime (ev_runtime_main).
 *
 * Configuration (environment, set by template.yaml): SQS_QUEUE_URL
 * (required), SQS_MAX_MESSAGE_BYTES (the queue's MaximumMessageSize,
 * default 262144), plus what the runtime, logs, metrics and the AWS layer
 * read (docs/ingestion.md). A missing or bad value fails init: the runtime
 * posts init/error and the process exits with status 1.
 */
#include <stdio.h>

#include "aws/ev_aws.h"
#include "events.h"
#include "ingestion/ev_ingestion.h"
#include "runtime/ev_lambda.h"
#include "schema/ev_json.h"

typedef struct ingestion_app {
    ev_aws_client *sqs;
    ev_ingestion *handler;
} ingestion_app;

static int init(void *p, ev_log *log, ev_runtime_error *err)
{
    ingestion_app *app = p;
    ev_ingestion_config cfg;
    char msg[512];
    if (ev_ingestion_config_from_env(&cfg, msg, sizeof msg) != 0)
        return ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG, "%s", msg);
    if (events_init(msg, sizeof msg) != 0)
        return ev_runtime_error_set(err, EV_RUNTIME_ERR_INIT, "schema validator: %s", msg);
    ev_aws_client_config cc = {.service = EV_ENDPOINT_SQS, .sqs_max_message_bytes = cfg.max_message_bytes};
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    app->sqs = ev_aws_client_new(&cc, &aerr);
    if (app->sqs == NULL)
        return ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG, "SQS client: %s", aerr.message);
    ev_ingestion_sender sender = ev_ingestion_sqs_sender(app->sqs);
    app->handler = ev_ingestion_new(&cfg, &sender, msg, sizeof msg);
    if (app->handler == NULL)
        return ev_runtime_error_set(err, EV_RUNTIME_ERR_INIT, "%s", msg);
    ev_log_info(log, "ingestion ready", EV_LOG_STR("queue_url", cfg.queue_url),
                EV_LOG_INT("max_message_bytes", (int64_t)cfg.max_message_bytes),
                EV_LOG_STR("sqs_endpoint", ev_aws_client_endpoint(app->sqs)->url));
    return 0;
}

static int handle(void *p, const ev_invocation *inv, const char *event, size_t event_len,
                  ev_handler_output *out)
{
    ingestion_app *app = p;
    return ev_ingestion_handle(app->handler, inv, event, event_len, out);
}

int main(void)
{
    static ingestion_app app;
    ev_json_init();
    int rc = ev_runtime_main(NULL, init, handle, &app);
    ev_ingestion_free(app.handler);
    ev_aws_client_free(app.sqs);
    events_release();
    return rc;
}
