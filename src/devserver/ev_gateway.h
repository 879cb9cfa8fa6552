/*
 * ev_gateway: API Gateway REST's side of a Lambda proxy integration, as pure
 * functions (no sockets): route matching, the proxy event (payload format
 * 1.0) built from an HTTP request, and the function's proxy response turned
 * back into an HTTP answer.
 *
 * Routes: a resource path ("/events", "/items/{id}", "/{proxy+}") and a
 * method ("GET", ..., or "ANY"). A literal segment beats a {param}, which
 * beats a {greedy+}; for the same resource a named method beats ANY. A path
 * no route matches, or a method no route of the path accepts, is API
 * Gateway's 403 {"message":"Missing Authentication Token"}.
 *
 * The event: resource, path, httpMethod, headers (last value of each name)
 * and multiValueHeaders (names in the client's case, grouped without regard
 * to case), queryStringParameters and multiValueQueryStringParameters,
 * pathParameters, stageVariables (null), requestContext {resourceId,
 * resourcePath, httpMethod, path (with the stage), stage, requestId,
 * extendedRequestId, requestTime, requestTimeEpoch, protocol, accountId,
 * apiId, domainName, identity {sourceIp, userAgent, ...}}, body and
 * isBase64Encoded. Empty collections are null, as API Gateway sends them.
 * A body is sent base64 (isBase64Encoded true) when it is not text: not
 * valid UTF-8, holding a NUL, or of a binary Content-Type (octet-stream,
 * image/, audio/, video/, zip, gzip, pdf, protobuf).
 *
 * The response: a JSON object with statusCode (integer or digit string,
 * 100..599), optional headers (string values), multiValueHeaders (arrays of
 * strings; they win over headers of the same name), body (string or null)
 * and isBase64Encoded (the body is then decoded). Anything else (not JSON,
 * a missing or bad statusCode, a non-string header value, a header holding
 * CR/LF, bad base64) is the malformed-response case: API Gateway answers
 * 502 {"message":"Internal server error"}; the error says what was wrong.
 *
 * Ownership: inputs are borrowed; the event text (ev_buf) and the parsed
 * response (ev_gateway_response_free) are the caller's.
 * Threads: no shared state; call from any thread.
 * Errors: ev_ds_error, 0/-1.
 */
#ifndef EV_DEVSERVER_GATEWAY_H
#define EV_DEVSERVER_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ev_buf.h"
#include "devserver/ev_ds_error.h"
#include "devserver/ev_template.h"

#define EV_GATEWAY_MAX_PAYLOAD_BYTES (10u * 1024u * 1024u) /* API Gateway's request limit: 413 beyond */

typedef struct ev_gateway_kv {
    const char *name;
    const char *value;
} ev_gateway_kv;

typedef struct ev_gateway_route {
    const char *resource; /* "/items/{id}" */
    const char *method;   /* upper case, or "ANY" */
} ev_gateway_route;

/* Index of the route for method + path (path without the query), or -1. */
int ev_gateway_match(const ev_gateway_route *routes, size_t n, const char *method, const char *path);

typedef struct ev_gateway_request {
    const char *method;
    const char *path;             /* decoded, without query and without the stage prefix */
    const char *resource;         /* the matched route's resource path */
    const ev_gateway_kv *headers; /* in the order received */
    size_t header_count;
    const ev_gateway_kv *query; /* decoded, in order */
    size_t query_count;
    const char *body;
    size_t body_len;
    const char *source_ip;
    const char *request_id;
    const char *stage;
    const char *protocol; /* "HTTP/1.1" */
    const char *api_id;
    const char *account_id;
    int64_t time_ms; /* epoch ms of the request */
} ev_gateway_request;

/* The proxy event as JSON text into out (reset first). */
int ev_gateway_build_event(const ev_gateway_request *req, ev_buf *out, ev_ds_error *err);

/* True when a body of this Content-Type (may be NULL) is sent as text. */
bool ev_gateway_body_is_text(const char *content_type, const char *body, size_t len);

typedef struct ev_gateway_response {
    int status;
    char **names; /* header names and values, in order; a multi-value header repeats its name */
    char **values;
    size_t header_count;
    char *body; /* NUL-terminated (body_len excludes it); never NULL after success */
    size_t body_len;
} ev_gateway_response;

int ev_gateway_parse_response(const char *json, size_t len, ev_gateway_response *out, ev_ds_error *err);
void ev_gateway_response_free(ev_gateway_response *r);

/*
 * API Gateway's own answers (no route, throttled, too large), as the Api's
 * GatewayResponses reshape them: the response of `type`, else DEFAULT_4XX
 * (DEFAULT_5XX for a 5xx), else API Gateway's default ({"message":
 * default_message} with default_status). In a ResponseTemplates body,
 * $context.requestId and $context.extendedRequestId become the request
 * id, $context.error.message the default message,
 * $context.error.messageString the same as a JSON string,
 * $context.error.responseType the type; any other $context variable is
 * empty. *used gets the response applied (NULL: the default), whose
 * static headers the caller adds.
 */
int ev_gateway_own_answer(const ev_tpl_gateway_response *responses, size_t n, const char *type,
                          int default_status, const char *default_message, const char *request_id,
                          ev_buf *body, int *status, const ev_tpl_gateway_response **used);

/* Standard base64 (RFC 4648 with padding). decode: *out malloc'd, NUL-terminated; -1 on bad input. */
int ev_gateway_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len);
int ev_gateway_base64_encode(const void *in, size_t len, ev_buf *out);

#endif
