/*
 * ev_apigw: API Gateway REST proxy events (payload format 1.0) in, proxy
 * responses out.
 *
 * Job: read the proxy event Lambda receives from API Gateway into an
 * ev_apigw_request: method, path, resource, headers (from `headers` and
 * `multiValueHeaders`, names in any case), the body (base64-decoded when
 * `isBase64Encoded` is true, with OpenSSL's decoder), queryStringParameters,
 * stageVariables, requestContext.identity.sourceIp and
 * requestContext.requestId; and write the proxy response
 *   {"statusCode":202,"headers":{"Content-Type":"application/json"},
 *    "body":"...","isBase64Encoded":false}
 * Real events carry null for every absent map and string; null is read as
 * absent.
 *
 * Ownership: ev_apigw_parse allocates everything it returns (the request,
 * the decoded body, the parse tree) from the caller's arena: it lives until
 * the arena's next reset, and nothing is freed by hand. The event text is
 * not kept. ev_apigw_write_response appends to a caller-owned ev_buf.
 * Threads: no shared state besides cJSON's allocation hooks (ev_json.h:
 * the program calls ev_json_init once at start).
 * Errors: ev_apigw_parse returns 0 or -1 with an ev_apigw_error saying
 * which: EV_APIGW_NOT_PROXY (the event is not a proxy event: the function is
 * wired to something else), EV_APIGW_BAD_BASE64 (a client error: 400),
 * EV_APIGW_BAD_BODY (a proxy event the strict parser refuses because of
 * its body, e.g. a NUL byte the client sent, which the event carries as
 * \u0000: method, path and resource are still filled, headers are not;
 * a client error: 400),
 * EV_APIGW_NO_MEMORY. Appends return 0 or -1 (memory), as ev_buf does.
 */
#ifndef EV_INGESTION_APIGW_H
#define EV_INGESTION_APIGW_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"

typedef enum ev_apigw_status {
    EV_APIGW_OK = 0,
    EV_APIGW_NOT_PROXY,  /* not JSON, or not the shape of a proxy event */
    EV_APIGW_BAD_BASE64, /* isBase64Encoded with a body that is not base64 */
    EV_APIGW_BAD_BODY,   /* a proxy event whose text only a lenient parser reads (its body) */
    EV_APIGW_NO_MEMORY
} ev_apigw_status;

typedef struct ev_apigw_error {
    ev_apigw_status status;
    char message[768];
} ev_apigw_error;

typedef struct ev_apigw_request {
    const char *method;   /* httpMethod, upper case as sent ("" when absent) */
    const char *path;     /* path ("" when absent) */
    const char *resource; /* resource (NULL when absent) */
    const char *body;     /* decoded body, NUL-terminated; NULL when the event has none */
    size_t body_len;
    bool body_was_base64;
    const char *source_ip;  /* requestContext.identity.sourceIp, NULL when absent */
    const char *request_id; /* requestContext.requestId, NULL when absent */
    const cJSON *headers;   /* object or NULL */
    const cJSON *multi_value_headers;
    const cJSON *query;           /* queryStringParameters, object or NULL */
    const cJSON *stage_variables; /* object or NULL */
} ev_apigw_request;

/* Parses a proxy event of len bytes (need not be NUL-terminated). */
int ev_apigw_parse(const char *event, size_t len, ev_arena *arena, ev_apigw_request *req,
                   ev_apigw_error *err);

/*
 * A header's value, the name compared without regard to case. `headers`
 * first (API Gateway puts the last value of a repeated header there), then
 * the last value of `multiValueHeaders` (events from tools that send only
 * that map). NULL when absent or not a string.
 */
const char *ev_apigw_header(const ev_apigw_request *req, const char *name);

/* A query string or stage variable (case-sensitive, as API Gateway keeps
 * them), NULL when absent. */
const char *ev_apigw_query(const ev_apigw_request *req, const char *name);
const char *ev_apigw_stage_variable(const ev_apigw_request *req, const char *name);

/*
 * Decodes standard base64 (RFC 4648, with padding; surrounding whitespace
 * ignored) of len bytes into out (at least len / 4 * 3 + 1 bytes), NUL
 * terminated. Returns the decoded length, or -1 when the text is not base64
 * (length not a multiple of 4, a character outside the alphabet, padding
 * anywhere but at the end).
 */
long ev_apigw_base64_decode(const char *in, size_t len, unsigned char *out);

/* A response header for ev_apigw_write_response. */
typedef struct ev_apigw_header_kv {
    const char *name;
    const char *value;
} ev_apigw_header_kv;

/* Appends the proxy response: statusCode, headers (in order), body as a
 * JSON string (valid UTF-8 is assumed: the callers build it), and
 * "isBase64Encoded":false. */
int ev_apigw_write_response(ev_buf *out, int status, const ev_apigw_header_kv *headers, size_t header_count,
                            const char *body, size_t body_len);

#endif
