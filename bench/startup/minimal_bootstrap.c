/*
 * minimal_bootstrap: the smallest Lambda bootstrap on src/runtime, for the
 * start-up benchmark (bench/startup/run.sh) while a function's own
 * bootstrap is not built.
 *
 * Job: ev_runtime_main with an init that does what every function's init
 * does before its first invocation/next (cJSON's allocation hooks) and a
 * handler that answers the event unchanged. It links the same libraries as
 * the functions (libcurl, OpenSSL, cJSON, PCRE2, zlib), so its start-up is
 * the floor of theirs: loading those libraries, the runtime's logger,
 * metrics and Runtime API client.
 *
 * Ownership: the response is the event itself (borrowed from the runtime
 * until it is posted). Threads: one. Errors: the runtime's exit statuses.
 */
#include "runtime/ev_lambda.h"
#include "schema/ev_json.h"

static int init(void *app, ev_log *log, ev_runtime_error *err)
{
    (void)app;
    (void)log;
    (void)err;
    ev_json_init();
    return 0;
}

static int echo(void *app, const ev_invocation *inv, const char *event, size_t event_len,
                ev_handler_output *out)
{
    (void)app;
    (void)inv;
    return ev_handler_respond(out, event, event_len);
}

int main(void)
{
    return ev_runtime_main(NULL, init, echo, NULL);
}
