/*
 * ev_front: the API Gateway REST front: an HTTP server (libmicrohttpd,
 * a thread per connection) on a loopback address that turns each request
 * into a proxy event for the function its route names and the function's
 * answer back into HTTP (ev_gateway.h says how).
 *
 * Order of checks, as API Gateway applies them: a body over 10 MB -> 413
 * {"message":"Request Too Long"}; no route -> 403 {"message":"Missing
 * Authentication Token"}; the stage's token bucket empty -> 429
 * {"message":"Too Many Requests"}; then the invocation. Those three
 * answers follow the Api's GatewayResponses when the template has them
 * (REQUEST_TOO_LARGE, MISSING_AUTHENTICATION_TOKEN, THROTTLED, or
 * DEFAULT_4XX), as the deployed API does. A function error,
 * crash or timeout, or a malformed proxy response -> 502
 * {"message":"Internal server error"} (the reason goes to the log). Every
 * answer carries x-amzn-RequestId (the event's requestContext.requestId) and
 * X-Amzn-Trace-Id. A path may carry the stage first (/dev/events): the
 * stage is removed before matching, as on the deployed URL.
 *
 * ev_ds_listen is the listening socket both servers use: it refuses any
 * host but a loopback address and names the port when it is in use.
 *
 * Ownership: the front borrows the emulator and the activity log; routes
 * are copied. Threads: one per connection; the throttle has its own lock.
 * Errors: ev_ds_error; NULL from ev_front_start.
 */
#ifndef EV_DEVSERVER_FRONT_H
#define EV_DEVSERVER_FRONT_H

#include <stddef.h>

#include "devserver/ev_activity.h"
#include "devserver/ev_ds_error.h"
#include "devserver/ev_lambda_emu.h"
#include "devserver/ev_template.h"

typedef struct ev_front_route {
    const char *resource;
    const char *method;
    int function; /* index in the emulator */
} ev_front_route;

typedef struct ev_front_config {
    const char *host; /* loopback only */
    int port;         /* 0: any free port */
    const char *stage;
    double rate_limit; /* < 0: no throttling */
    long burst_limit;
    const char *api_id;
    const char *account_id;
    const ev_front_route *routes;
    size_t route_count;
    /* The Api's GatewayResponses (borrowed: they must outlive the front). */
    const ev_tpl_gateway_response *gateway_responses;
    size_t gateway_response_count;
    ev_emu *emu;
    ev_activity *activity;
} ev_front_config;

typedef struct ev_front ev_front;

ev_front *ev_front_start(const ev_front_config *cfg, ev_ds_error *err);
int ev_front_port(const ev_front *f);
void ev_front_stop(ev_front *f);

/* A listening TCP socket on host:port (port 0: any); *bound_port gets the
 * port. -1 with err: host not a loopback address, port in use, ... */
int ev_ds_listen(const char *host, int port, int *bound_port, ev_ds_error *err);

#endif
