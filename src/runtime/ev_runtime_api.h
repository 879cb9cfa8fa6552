/*
 * ev_runtime_api: the Lambda Runtime API over libcurl.
 *
 * Job: the four calls of the Runtime API (base
 * http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime, or any base URL a test
 * gives):
 *   GET  invocation/next            no time limit (Lambda may keep the
 *                                   process frozen inside it for hours);
 *                                   returns early when a stop is requested
 *                                   (ev_shutdown: the wake pipe is polled
 *                                   beside the socket)
 *   POST invocation/{id}/response   the handler's bytes
 *   POST invocation/{id}/error      {"errorMessage","errorType"} and the
 *                                   Lambda-Runtime-Function-Error-Type header
 *   POST init/error                 the same, before the first next
 * over one kept-alive connection. The request id is URL-escaped into the
 * path. Proxies are never used (the API is local; a stray http_proxy must
 * not capture the traffic), redirects are not followed, and curl's
 * "Expect: 100-continue" is turned off for large responses.
 *
 * Answers: a call returns 0 when an HTTP answer arrived, whatever its
 * status (result->status), and -1 when none did (result->curl_code and
 * result->error say why) or a stop interrupted next (result->stopped). The
 * start of an answer's body (512 bytes) is kept in result->answer for the
 * log line of a refused post.
 *
 * Ownership: ev_runtime_api_new copies the base URL; free with
 * ev_runtime_api_free. The reply of next points into memory the client
 * owns (the body, reused and kept under 1 MiB between calls) and into the
 * arena given (header values): valid until the next call to next or until
 * the arena is reset.
 * Threads: one thread at a time.
 */
#ifndef EV_RUNTIME_API_H
#define EV_RUNTIME_API_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ev_arena.h"
#include "runtime/ev_next_reply.h"
#include "runtime/ev_runtime_error.h"

#define EV_RUNTIME_API_VERSION_PATH "/2018-06-01/runtime"
#define EV_RUNTIME_URL_MAX          1024

typedef struct ev_runtime_api ev_runtime_api;

typedef struct ev_api_result {
    long status;      /* HTTP status, 0 without an answer */
    int curl_code;    /* CURLcode of a failed transfer, else 0 */
    bool stopped;     /* next was interrupted by a stop request */
    char error[256];  /* why there was no answer */
    char answer[512]; /* the start of the answer body */
} ev_api_result;

/* The base URL from $AWS_LAMBDA_RUNTIME_API ("host:port"): 0, or -1 with
 * err (unset, empty, or not a bare host:port). */
int ev_runtime_api_base_from_env(char out[EV_RUNTIME_URL_MAX], ev_runtime_error *err);

/* base_url: "http://host:port/2018-06-01/runtime" (a trailing '/' is
 * dropped). NULL with err on a URL that is not http:// or on curl failure. */
ev_runtime_api *ev_runtime_api_new(const char *base_url, ev_runtime_error *err);
void ev_runtime_api_free(ev_runtime_api *api);
const char *ev_runtime_api_base_url(const ev_runtime_api *api);

int ev_runtime_api_next(ev_runtime_api *api, ev_arena *arena, size_t max_event_bytes, ev_next_reply *reply,
                        ev_api_result *result);
int ev_runtime_api_post_response(ev_runtime_api *api, const char *request_id, const char *body, size_t len,
                                 const char *content_type, ev_api_result *result);
/* fallback_type replaces an empty error type. */
int ev_runtime_api_post_error(ev_runtime_api *api, const char *request_id, const ev_runtime_error *error,
                              const char *fallback_type, ev_api_result *result);
int ev_runtime_api_post_init_error(ev_runtime_api *api, const ev_runtime_error *error,
                                   const char *fallback_type, ev_api_result *result);

#endif
