/*
 * libFuzzer target: devserver's HTTP front, from what libmicrohttpd's
 * callback hands over (method, url, headers, query arguments, body) to the
 * proxy event: route matching (ev_gateway_match, with the stage prefix
 * removed the way ev_front's handler does) and ev_gateway_build_event, the
 * event parsed back with cJSON and compared with the request.
 *
 * Input layout:
 *   byte 0: bits 0-2 header count (0..7), bits 3-4 query argument count
 *           (0..3), bit 5: the routes include a catch-all "/{proxy+}" ANY
 *   then NUL-separated fields: method, url, the header names and values,
 *   the query names and values (missing fields are empty strings); what
 *   follows the last field is the body (any bytes, NULs included).
 * libmicrohttpd's strings never hold a NUL, so fields cannot either.
 *
 * Properties: no route is an answer (403), never a crash; for a route, the
 * event is strict JSON with httpMethod, path, resource and
 * requestContext.requestId as given (exactly when they are valid UTF-8);
 * multiValueHeaders and multiValueQueryStringParameters hold every value
 * sent (null when none), headers/queryStringParameters the last value of
 * each name; the body reads back byte for byte: as a string, or decoded
 * from base64 when isBase64Encoded; null when empty.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"
#include "devserver/ev_gateway.h"

#include "fuzz_parse_all.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STAGE      "dev"
#define REQUEST_ID "c0ffee00-0000-4000-8000-000000000001"

static const ev_gateway_route ROUTES[] = {
    {"/events", "POST"},       {"/events", "GET"},        {"/items/{id}", "GET"},
    {"/items/{id}", "DELETE"}, {"/files/{path+}", "ANY"}, {"/{proxy+}", "ANY"},
};

/* The next NUL-terminated field, or "" when the input is used up. */
static const char *field(const char **p, const char *end)
{
    if (*p >= end)
        return "";
    const char *f = *p;
    const char *nul = memchr(f, '\0', (size_t)(end - f));
    if (nul == NULL)
        return NULL; /* an unterminated field: not a string the server would pass */
    *p = nul + 1;
    return f;
}

static bool same_text(const cJSON *j, const char *s)
{
    if (!cJSON_IsString(j))
        return false;
    if (!ev_buf_utf8_valid(s, strlen(s)))
        return true; /* replaced characters: only the presence is checked */
    return strcmp(j->valuestring, s) == 0;
}

/* Every value of a multi-value map, and each single value the last of its array. */
static void check_maps(const cJSON *single, const cJSON *multi, size_t n)
{
    if (n == 0) {
        if (!cJSON_IsNull(single) || !cJSON_IsNull(multi))
            abort();
        return;
    }
    if (!cJSON_IsObject(single) || !cJSON_IsObject(multi))
        abort();
    size_t total = 0;
    const cJSON *arr;
    cJSON_ArrayForEach(arr, multi)
    {
        if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
            abort();
        total += (size_t)cJSON_GetArraySize(arr);
        const cJSON *last = cJSON_GetArrayItem(arr, cJSON_GetArraySize(arr) - 1);
        const cJSON *one = cJSON_GetObjectItemCaseSensitive(single, arr->string);
        if (!cJSON_IsString(one) || !cJSON_IsString(last))
            abort();
    }
    if (total != n)
        abort();
}

static void check_body(const cJSON *ev, const char *body, size_t len)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(ev, "body");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(ev, "isBase64Encoded");
    if (!cJSON_IsBool(b64))
        abort();
    if (len == 0) {
        if (!cJSON_IsNull(b) || cJSON_IsTrue(b64))
            abort();
        return;
    }
    if (!cJSON_IsString(b))
        abort();
    if (cJSON_IsTrue(b64)) {
        unsigned char *raw = NULL;
        size_t raw_len = 0;
        if (ev_gateway_base64_decode(b->valuestring, strlen(b->valuestring), &raw, &raw_len) != 0)
            abort();
        if (raw_len != len || memcmp(raw, body, len) != 0)
            abort();
        free(raw);
    } else if (strlen(b->valuestring) != len || memcmp(b->valuestring, body, len) != 0) {
        abort();
    }
}

static void check_event(const ev_buf *out, const ev_gateway_request *req)
{
    cJSON *ev = parse_all(out->data, out->len);
    if (ev == NULL)
        abort();
    if (!same_text(cJSON_GetObjectItemCaseSensitive(ev, "httpMethod"), req->method) ||
        !same_text(cJSON_GetObjectItemCaseSensitive(ev, "path"), req->path) ||
        !same_text(cJSON_GetObjectItemCaseSensitive(ev, "resource"), req->resource))
        abort();
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(ev, "requestContext");
    if (!same_text(cJSON_GetObjectItemCaseSensitive(ctx, "requestId"), REQUEST_ID) ||
        !same_text(cJSON_GetObjectItemCaseSensitive(ctx, "stage"), STAGE))
        abort();
    check_maps(cJSON_GetObjectItemCaseSensitive(ev, "headers"),
               cJSON_GetObjectItemCaseSensitive(ev, "multiValueHeaders"), req->header_count);
    check_maps(cJSON_GetObjectItemCaseSensitive(ev, "queryStringParameters"),
               cJSON_GetObjectItemCaseSensitive(ev, "multiValueQueryStringParameters"), req->query_count);
    const cJSON *pp = cJSON_GetObjectItemCaseSensitive(ev, "pathParameters");
    if (!cJSON_IsNull(pp) && !cJSON_IsObject(pp))
        abort();
    check_body(ev, req->body, req->body_len);
    cJSON_Delete(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t nh = data[0] & 7u, nq = (data[0] >> 3) & 3u;
    size_t nroutes = (data[0] & 0x20u) ? 6 : 5;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *method = field(&p, end), *url = field(&p, end);
    ev_gateway_kv headers[7], query[3];
    const char *f[20];
    size_t nf = 2 * (nh + nq);
    for (size_t i = 0; i < nf; i++)
        f[i] = field(&p, end);
    if (method == NULL || url == NULL)
        return 0;
    for (size_t i = 0; i < nf; i++)
        if (f[i] == NULL)
            return 0;
    for (size_t i = 0; i < nh; i++)
        headers[i] = (ev_gateway_kv){f[2 * i], f[2 * i + 1]};
    for (size_t i = 0; i < nq; i++)
        query[i] = (ev_gateway_kv){f[2 * (nh + i)], f[2 * (nh + i) + 1]};

    /* As ev_front's route_path: the stage first in the path is removed when that matches. */
    int route = ev_gateway_match(ROUTES, nroutes, method, url);
    const char *path = url;
    size_t sl = strlen(STAGE);
    if (route < 0 && url[0] == '/' && strncmp(url + 1, STAGE, sl) == 0 && url[1 + sl] == '/') {
        route = ev_gateway_match(ROUTES, nroutes, method, url + 1 + sl);
        if (route >= 0)
            path = url + 1 + sl;
    }
    if (route < -1 || route >= (int)nroutes)
        abort();
    if (route < 0)
        return 0; /* 403 Missing Authentication Token */
    ev_gateway_request req = {.method = method,
                              .path = path,
                              .resource = ROUTES[route].resource,
                              .headers = headers,
                              .header_count = nh,
                              .query = query,
                              .query_count = nq,
                              .body = p < end ? p : "",
                              .body_len = p < end ? (size_t)(end - p) : 0,
                              .source_ip = "127.0.0.1",
                              .request_id = REQUEST_ID,
                              .stage = STAGE,
                              .protocol = "HTTP/1.1",
                              .api_id = "local",
                              .account_id = "123456789012",
                              .time_ms = 1700000000123};
    ev_buf out = EV_BUF_INIT;
    ev_ds_error err;
    if (ev_gateway_build_event(&req, &out, &err) != 0)
        abort(); /* only out of memory fails */
    check_event(&out, &req);
    ev_buf_free(&out);
    return 0;
}
