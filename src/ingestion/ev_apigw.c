/* API Gateway REST proxy events (format 1.0): see ev_apigw.h. */
#include "ingestion/ev_apigw.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "schema/ev_json.h"

static void set_error(ev_apigw_error *err, ev_apigw_status status, const char *message)
{
    if (err == NULL)
        return;
    err->status = status;
    snprintf(err->message, sizeof err->message, "%s", message);
}

/* A member that is a string, else NULL (absent, null, or another type). */
static const char *string_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *object_member(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsObject(v) ? v : NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

long ev_apigw_base64_decode(const char *in, size_t len, unsigned char *out)
{
    while (len > 0 && is_space(in[0])) {
        in++;
        len--;
    }
    while (len > 0 && is_space(in[len - 1]))
        len--;
    if (len % 4 != 0 || len > (size_t)INT_MAX)
        return -1;
    out[0] = '\0';
    if (len == 0)
        return 0;
    /* Padding only as the last one or two characters. */
    size_t pad = in[len - 1] == '=' ? (in[len - 2] == '=' ? 2 : 1) : 0;
    if (memchr(in, '=', len - pad) != NULL)
        return -1;
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
    if (n < 0 || (size_t)n < pad)
        return -1;
    n -= (int)pad;
    out[n] = '\0';
    return n;
}

static int read_body(const cJSON *root, ev_arena *arena, ev_apigw_request *req, ev_apigw_error *err)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(root, "body");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(root, "isBase64Encoded");
    if (body == NULL || cJSON_IsNull(body))
        return 0;
    if (!cJSON_IsString(body)) {
        set_error(err, EV_APIGW_NOT_PROXY, "the proxy event's body is neither a string nor null");
        return -1;
    }
    size_t len = strlen(body->valuestring);
    if (!cJSON_IsTrue(b64)) {
        req->body = body->valuestring;
        req->body_len = len;
        return 0;
    }
    unsigned char *out = ev_arena_alloc(arena, len / 4 * 3 + 4);
    if (out == NULL) {
        set_error(err, EV_APIGW_NO_MEMORY, "out of memory decoding the base64 body");
        return -1;
    }
    long n = ev_apigw_base64_decode(body->valuestring, len, out);
    if (n < 0) {
        set_error(err, EV_APIGW_BAD_BASE64,
                  "the body is marked isBase64Encoded but is not base64 (RFC 4648 alphabet, padded to a "
                  "multiple of 4 characters)");
        return -1;
    }
    req->body = (const char *)out;
    req->body_len = (size_t)n;
    req->body_was_base64 = true;
    return 0;
}

/* A proxy event the strict parser refused: when cJSON alone reads it as an
 * object with httpMethod (API Gateway wrote it; the client's body is what
 * the strict checks refuse), its method, path and resource, copied into
 * the arena. 0, or -1 when it is not that. */
static int read_lenient(const char *event, size_t len, ev_arena *arena, ev_apigw_request *req,
                        const ev_json_error *jerr)
{
    (void)jerr;
    cJSON *root = cJSON_ParseWithLength(event, len);
    const char *method = cJSON_IsObject(root) ? string_member(root, "httpMethod") : NULL;
    int rc = -1;
    if (method != NULL) {
        const char *path = string_member(root, "path");
        const char *resource = string_member(root, "resource");
        req->method = ev_arena_strdup(arena, method);
        req->path = ev_arena_strdup(arena, path ? path : "");
        req->resource = resource ? ev_arena_strdup(arena, resource) : NULL;
        rc = req->method && req->path && (resource == NULL || req->resource) ? 0 : -1;
        if (rc != 0) {
            req->method = "";
            req->path = "";
            req->resource = NULL;
        }
    }
    cJSON_Delete(root);
    return rc;
}

int ev_apigw_parse(const char *event, size_t len, ev_arena *arena, ev_apigw_request *req, ev_apigw_error *err)
{
    memset(req, 0, sizeof *req);
    req->method = "";
    req->path = "";
    if (err != NULL) {
        err->status = EV_APIGW_OK;
        err->message[0] = '\0';
    }
    ev_json_error jerr;
    cJSON *root = ev_json_parse_arena(event, len, arena, &jerr);
    if (root == NULL) {
        if (jerr.status == EV_JSON_NO_MEMORY) {
            set_error(err, EV_APIGW_NO_MEMORY, "out of memory parsing the proxy event");
            return -1;
        }
        if (read_lenient(event, len, arena, req, &jerr) == 0) {
            char msg[600];
            snprintf(msg, sizeof msg, "the body cannot be read as strict JSON text: %s", jerr.message);
            set_error(err, EV_APIGW_BAD_BODY, msg);
            return -1;
        }
        char msg[600];
        snprintf(msg, sizeof msg, "the event is not JSON (%s at byte %ld)", jerr.message, jerr.offset);
        set_error(err, EV_APIGW_NOT_PROXY, msg);
        return -1;
    }
    if (!cJSON_IsObject(root)) {
        set_error(err, EV_APIGW_NOT_PROXY, "the event is not a JSON object");
        return -1;
    }
    const char *method = string_member(root, "httpMethod");
    if (method == NULL) {
        set_error(err, EV_APIGW_NOT_PROXY,
                  "the event has no httpMethod: not an API Gateway REST proxy event (payload format 1.0)");
        return -1;
    }
    req->method = method;
    const char *path = string_member(root, "path");
    req->path = path ? path : "";
    req->resource = string_member(root, "resource");
    req->headers = object_member(root, "headers");
    req->multi_value_headers = object_member(root, "multiValueHeaders");
    req->query = object_member(root, "queryStringParameters");
    req->stage_variables = object_member(root, "stageVariables");
    const cJSON *ctx = object_member(root, "requestContext");
    if (ctx != NULL) {
        req->request_id = string_member(ctx, "requestId");
        const cJSON *identity = object_member(ctx, "identity");
        if (identity != NULL)
            req->source_ip = string_member(identity, "sourceIp");
    }
    return read_body(root, arena, req, err);
}

/* The member named `name` in any case (first match), or NULL. */
static const cJSON *member_any_case(const cJSON *obj, const char *name)
{
    if (obj == NULL)
        return NULL;
    for (const cJSON *e = obj->child; e != NULL; e = e->next)
        if (e->string != NULL && strcasecmp(e->string, name) == 0)
            return e;
    return NULL;
}

const char *ev_apigw_header(const ev_apigw_request *req, const char *name)
{
    const cJSON *v = member_any_case(req->headers, name);
    if (cJSON_IsString(v))
        return v->valuestring;
    v = member_any_case(req->multi_value_headers, name);
    if (cJSON_IsArray(v)) {
        const cJSON *last = NULL;
        for (const cJSON *e = v->child; e != NULL; e = e->next)
            if (cJSON_IsString(e))
                last = e;
        return last ? last->valuestring : NULL;
    }
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *ev_apigw_query(const ev_apigw_request *req, const char *name)
{
    return req->query ? string_member(req->query, name) : NULL;
}

const char *ev_apigw_stage_variable(const ev_apigw_request *req, const char *name)
{
    return req->stage_variables ? string_member(req->stage_variables, name) : NULL;
}

int ev_apigw_write_response(ev_buf *out, int status, const ev_apigw_header_kv *headers, size_t header_count,
                            const char *body, size_t body_len)
{
    ev_buf_printf(out, "{\"statusCode\":%d,\"headers\":{", status);
    for (size_t i = 0; i < header_count; i++) {
        if (i > 0)
            ev_buf_append_char(out, ',');
        ev_buf_append_json_string(out, headers[i].name, strlen(headers[i].name));
        ev_buf_append_char(out, ':');
        ev_buf_append_json_string(out, headers[i].value, strlen(headers[i].value));
    }
    ev_buf_append_str(out, "},\"body\":");
    ev_buf_append_json_string(out, body, body_len);
    ev_buf_append_str(out, ",\"isBase64Encoded\":false}");
    return out->failed ? -1 : 0;
}
