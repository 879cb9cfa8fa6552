/* ev_gateway: routes, proxy events and proxy responses (see ev_gateway.h). */
#include "devserver/ev_gateway.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "schema/ev_json.h"

#define MAX_SEGMENTS 64

/* ---- routes ---- */

/* Splits "/a/b/c" into segments (pointers into a copy). */
static size_t split_path(char *copy, char **segs, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *s = strtok_r(copy, "/", &save); s != NULL && n < max; s = strtok_r(NULL, "/", &save))
        segs[n++] = s;
    return n;
}

/* Fills rank (one per template segment: 3 literal, 2 {param}, 1 {greedy+})
 * when the resource matches the path; returns the number of template
 * segments, or -1 when it does not match. */
static int route_rank(const char *resource, const char *path, int *rank)
{
    char rc[2048], pc[4096];
    if (strlen(resource) >= sizeof rc || strlen(path) >= sizeof pc)
        return -1;
    strcpy(rc, resource);
    strcpy(pc, path);
    char *rs[MAX_SEGMENTS], *ps[MAX_SEGMENTS];
    size_t rn = split_path(rc, rs, MAX_SEGMENTS), pn = split_path(pc, ps, MAX_SEGMENTS);
    size_t i = 0;
    for (; i < rn; i++) {
        size_t len = strlen(rs[i]);
        bool param = len >= 2 && rs[i][0] == '{' && rs[i][len - 1] == '}';
        bool greedy = param && len >= 3 && rs[i][len - 2] == '+';
        if (greedy) {
            if (i != rn - 1 || pn <= i)
                return -1;
            rank[i] = 1;
            return (int)rn;
        }
        if (i >= pn)
            return -1;
        if (param)
            rank[i] = 2;
        else if (strcmp(rs[i], ps[i]) == 0)
            rank[i] = 3;
        else
            return -1;
    }
    return i == pn ? (int)rn : -1;
}

int ev_gateway_match(const ev_gateway_route *routes, size_t n, const char *method, const char *path)
{
    int best = -1, best_rank[MAX_SEGMENTS] = {0}, best_len = 0;
    bool best_exact = false;
    for (size_t r = 0; r < n; r++) {
        bool exact = strcmp(routes[r].method, method) == 0;
        if (!exact && strcmp(routes[r].method, "ANY") != 0)
            continue;
        int rank[MAX_SEGMENTS] = {0};
        int len = route_rank(routes[r].resource, path, rank);
        if (len < 0)
            continue;
        int cmp = 0;
        for (int i = 0; i < MAX_SEGMENTS && cmp == 0; i++)
            cmp = rank[i] - best_rank[i];
        if (best < 0 || cmp > 0 || (cmp == 0 && len == best_len && exact && !best_exact)) {
            best = (int)r;
            memcpy(best_rank, rank, sizeof rank);
            best_len = len;
            best_exact = exact;
        }
    }
    return best;
}

/* ---- base64 ---- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ev_gateway_base64_encode(const void *in, size_t len, ev_buf *out)
{
    const unsigned char *p = in;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        char q[4] = {B64[(v >> 18) & 63], B64[(v >> 12) & 63], i + 1 < len ? B64[(v >> 6) & 63] : '=',
                     i + 2 < len ? B64[v & 63] : '='};
        ev_buf_append(out, q, 4);
    }
    return out->failed ? -1 : 0;
}

static int b64_value(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

int ev_gateway_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (len % 4 != 0)
        return -1;
    unsigned char *d = malloc(len / 4 * 3 + 1);
    if (d == NULL)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            v[k] = pad ? -1 : b64_value(in[i + k]);
            if (v[k] < 0) {
                free(d);
                return -1;
            }
        }
        unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
        d[n++] = (unsigned char)(x >> 16);
        if (pad < 2)
            d[n++] = (unsigned char)(x >> 8);
        if (pad < 1)
            d[n++] = (unsigned char)x;
    }
    d[n] = '\0';
    *out = d;
    *out_len = n;
    return 0;
}

/* ---- the event ---- */

bool ev_gateway_body_is_text(const char *content_type, const char *body, size_t len)
{
    if (memchr(body, '\0', len) != NULL || !ev_buf_utf8_valid(body, len))
        return false;
    if (content_type == NULL)
        return true;
    static const char *const binary[] = {
        "application/octet-stream", "image/",           "audio/",          "video/",
        "application/zip",          "application/gzip", "application/pdf", "application/x-protobuf",
        "application/protobuf"};
    for (size_t i = 0; i < sizeof binary / sizeof binary[0]; i++)
        if (strncasecmp(content_type, binary[i], strlen(binary[i])) == 0)
            return false;
    return true;
}

static void json_str(ev_buf *b, const char *s)
{
    if (s == NULL)
        ev_buf_append_str(b, "null");
    else
        ev_buf_append_json_text(b, s, strlen(s), 0);
}

static void json_member(ev_buf *b, const char *name, const char *value, bool comma)
{
    if (comma)
        ev_buf_append_char(b, ',');
    json_str(b, name);
    ev_buf_append_char(b, ':');
    json_str(b, value);
}

/* headers/query as {name: last} and {name: [values]}; names grouped
 * case-insensitively for headers, exactly for the query. */
static void kv_maps(ev_buf *b, const char *single, const char *multi, const ev_gateway_kv *kv, size_t n,
                    bool fold_case)
{
    int (*cmp)(const char *, const char *) = fold_case ? strcasecmp : strcmp;
    for (int pass = 0; pass < 2; pass++) {
        ev_buf_append_char(b, ',');
        json_str(b, pass == 0 ? single : multi);
        ev_buf_append_char(b, ':');
        if (n == 0) {
            ev_buf_append_str(b, "null");
            continue;
        }
        ev_buf_append_char(b, '{');
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < i && cmp(kv[j].name, kv[i].name) != 0)
                j++;
            if (j < i)
                continue; /* named at its first occurrence */
            if (!first)
                ev_buf_append_char(b, ',');
            first = false;
            json_str(b, kv[i].name);
            ev_buf_append_char(b, ':');
            if (pass == 0) {
                size_t last = i;
                for (size_t k = i + 1; k < n; k++)
                    if (cmp(kv[k].name, kv[i].name) == 0)
                        last = k;
                json_str(b, kv[last].value);
                continue;
            }
            ev_buf_append_char(b, '[');
            for (size_t k = i; k < n; k++) {
                if (cmp(kv[k].name, kv[i].name) != 0)
                    continue;
                if (k != i)
                    ev_buf_append_char(b, ',');
                json_str(b, kv[k].value);
            }
            ev_buf_append_char(b, ']');
        }
        ev_buf_append_char(b, '}');
    }
}

static void path_parameters(ev_buf *b, const char *resource, const char *path)
{
    char rc[2048], pc[4096];
    ev_buf_append_str(b, ",\"pathParameters\":");
    if (strchr(resource, '{') == NULL || strlen(resource) >= sizeof rc || strlen(path) >= sizeof pc) {
        ev_buf_append_str(b, "null");
        return;
    }
    strcpy(rc, resource);
    strcpy(pc, path);
    char *rs[MAX_SEGMENTS], *ps[MAX_SEGMENTS];
    size_t rn = split_path(rc, rs, MAX_SEGMENTS), pn = split_path(pc, ps, MAX_SEGMENTS);
    ev_buf_append_char(b, '{');
    bool first = true;
    for (size_t i = 0; i < rn && i < pn; i++) {
        size_t len = strlen(rs[i]);
        if (len < 2 || rs[i][0] != '{' || rs[i][len - 1] != '}')
            continue;
        bool greedy = rs[i][len - 2] == '+';
        rs[i][len - (greedy ? 2 : 1)] = '\0';
        if (!first)
            ev_buf_append_char(b, ',');
        first = false;
        json_str(b, rs[i] + 1);
        ev_buf_append_char(b, ':');
        if (!greedy) {
            json_str(b, ps[i]);
            continue;
        }
        /* The rest of the path, from this segment on. */
        const char *rest = path;
        for (size_t k = 0; k < i; k++) {
            while (*rest == '/')
                rest++;
            while (*rest != '\0' && *rest != '/')
                rest++;
        }
        while (*rest == '/')
            rest++;
        json_str(b, rest);
        break;
    }
    ev_buf_append_char(b, '}');
}

static const char *header_value(const ev_gateway_request *req, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < req->header_count; i++)
        if (strcasecmp(req->headers[i].name, name) == 0)
            v = req->headers[i].value;
    return v;
}

static void request_context(ev_buf *b, const ev_gateway_request *req)
{
    char when[64], stage_path[4200];
    time_t secs = (time_t)(req->time_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    snprintf(stage_path, sizeof stage_path, "/%s%s", req->stage, req->path);
    ev_buf_append_str(b, ",\"requestContext\":{");
    json_member(b, "resourceId", "local", false);
    json_member(b, "resourcePath", req->resource, true);
    json_member(b, "httpMethod", req->method, true);
    json_member(b, "extendedRequestId", req->request_id, true);
    json_member(b, "requestTime", when, true);
    json_member(b, "path", stage_path, true);
    json_member(b, "accountId", req->account_id, true);
    json_member(b, "protocol", req->protocol, true);
    json_member(b, "stage", req->stage, true);
    json_member(b, "domainPrefix", req->api_id, true);
    ev_buf_printf(b, ",\"requestTimeEpoch\":%lld", (long long)req->time_ms);
    json_member(b, "requestId", req->request_id, true);
    ev_buf_append_str(b, ",\"identity\":{\"cognitoIdentityPoolId\":null,\"accountId\":null,"
                         "\"cognitoIdentityId\":null,\"caller\":null,\"accessKey\":null,");
    json_member(b, "sourceIp", req->source_ip, false);
    ev_buf_append_str(b, ",\"principalOrgId\":null,\"cognitoAuthenticationType\":null,"
                         "\"cognitoAuthenticationProvider\":null,\"userArn\":null,");
    json_member(b, "userAgent", header_value(req, "User-Agent"), false);
    ev_buf_append_str(b, ",\"user\":null}");
    json_member(b, "domainName", header_value(req, "Host"), true);
    json_member(b, "apiId", req->api_id, true);
    ev_buf_append_char(b, '}');
}

int ev_gateway_build_event(const ev_gateway_request *req, ev_buf *out, ev_ds_error *err)
{
    ev_buf_reset(out);
    ev_buf_append_char(out, '{');
    json_member(out, "resource", req->resource, false);
    json_member(out, "path", req->path, true);
    json_member(out, "httpMethod", req->method, true);
    kv_maps(out, "headers", "multiValueHeaders", req->headers, req->header_count, true);
    kv_maps(out, "queryStringParameters", "multiValueQueryStringParameters", req->query, req->query_count,
            false);
    path_parameters(out, req->resource, req->path);
    ev_buf_append_str(out, ",\"stageVariables\":null");
    request_context(out, req);
    ev_buf_append_str(out, ",\"body\":");
    bool text = req->body_len == 0 ||
                ev_gateway_body_is_text(header_value(req, "Content-Type"), req->body, req->body_len);
    if (req->body == NULL || req->body_len == 0) {
        ev_buf_append_str(out, "null");
    } else if (text) {
        ev_buf_append_json_string(out, req->body, req->body_len);
    } else {
        ev_buf_append_char(out, '"');
        ev_gateway_base64_encode(req->body, req->body_len, out);
        ev_buf_append_char(out, '"');
    }
    ev_buf_printf(out, ",\"isBase64Encoded\":%s}", text ? "false" : "true");
    return out->failed ? ev_ds_fail(err, "proxy event: out of memory") : 0;
}

/* ---- the response ---- */

static int add_header(ev_gateway_response *r, const char *name, const char *value, ev_ds_error *err)
{
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == ':' || (unsigned char)*p >= 0x7f)
            return ev_ds_fail(err, "header name \"%.64s\" holds a character HTTP does not allow", name);
    if (*name == '\0')
        return ev_ds_fail(err, "empty header name");
    for (const char *p = value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return ev_ds_fail(err, "header %.64s: the value holds CR or LF", name);
    char **n = realloc(r->names, (r->header_count + 1) * sizeof *n);
    if (n == NULL)
        return ev_ds_fail(err, "out of memory");
    r->names = n;
    char **v = realloc(r->values, (r->header_count + 1) * sizeof *v);
    if (v == NULL)
        return ev_ds_fail(err, "out of memory");
    r->values = v;
    r->names[r->header_count] = strdup(name);
    r->values[r->header_count] = strdup(value);
    r->header_count++;
    if (r->names[r->header_count - 1] == NULL || r->values[r->header_count - 1] == NULL)
        return ev_ds_fail(err, "out of memory");
    return 0;
}

/* A header value as API Gateway takes it: a string, or a number/boolean's text. */
static const char *header_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v))
        return ev_json_number_text(v);
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    return NULL;
}

static int read_headers(const cJSON *root, ev_gateway_response *r, ev_ds_error *err)
{
    const cJSON *multi = cJSON_GetObjectItemCaseSensitive(root, "multiValueHeaders");
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(root, "headers");
    if (multi != NULL && !cJSON_IsNull(multi)) {
        if (!cJSON_IsObject(multi))
            return ev_ds_fail(err, "multiValueHeaders is not an object");
        for (const cJSON *h = multi->child; h != NULL; h = h->next) {
            if (!cJSON_IsArray(h))
                return ev_ds_fail(err, "multiValueHeaders.%.64s is not an array", h->string);
            for (const cJSON *v = h->child; v != NULL; v = v->next) {
                const char *text = header_text(v);
                if (text == NULL)
                    return ev_ds_fail(err, "multiValueHeaders.%.64s holds a value that is not a string",
                                      h->string);
                if (add_header(r, h->string, text, err) != 0)
                    return -1;
            }
        }
    }
    if (single != NULL && !cJSON_IsNull(single)) {
        if (!cJSON_IsObject(single))
            return ev_ds_fail(err, "headers is not an object");
        for (const cJSON *h = single->child; h != NULL; h = h->next) {
            const char *text = header_text(h);
            if (text == NULL)
                return ev_ds_fail(err, "headers.%.64s is not a string", h->string);
            bool in_multi = false;
            for (const cJSON *m = multi ? multi->child : NULL; m != NULL && cJSON_IsObject(multi);
                 m = m->next)
                in_multi = in_multi || strcasecmp(m->string, h->string) == 0;
            if (!in_multi && add_header(r, h->string, text, err) != 0)
                return -1;
        }
    }
    return 0;
}

static int read_status(const cJSON *root, ev_gateway_response *r, ev_ds_error *err)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "statusCode");
    const char *text = cJSON_IsNumber(s) ? ev_json_number_text(s) : cJSON_IsString(s) ? s->valuestring : NULL;
    if (text == NULL)
        return ev_ds_fail(err, "statusCode is missing or neither an integer nor a string");
    if (strlen(text) != 3 || !isdigit((unsigned char)text[0]) || !isdigit((unsigned char)text[1]) ||
        !isdigit((unsigned char)text[2]) || text[0] < '1' || text[0] > '5')
        return ev_ds_fail(err, "statusCode %.32s is not an HTTP status from 100 to 599", text);
    r->status = atoi(text);
    return 0;
}

static int read_body(const cJSON *root, ev_gateway_response *r, ev_ds_error *err)
{
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(root, "body");
    const cJSON *b64 = cJSON_GetObjectItemCaseSensitive(root, "isBase64Encoded");
    if (b64 != NULL && !cJSON_IsBool(b64) && !cJSON_IsNull(b64))
        return ev_ds_fail(err, "isBase64Encoded is not a boolean");
    if (body != NULL && !cJSON_IsNull(body) && !cJSON_IsString(body))
        return ev_ds_fail(err, "body is not a string");
    const char *text = cJSON_IsString(body) ? body->valuestring : "";
    size_t len = strlen(text);
    if (cJSON_IsTrue(b64)) {
        unsigned char *d = NULL;
        if (ev_gateway_base64_decode(text, len, &d, &r->body_len) != 0)
            return ev_ds_fail(err, "isBase64Encoded is true but body is not base64");
        r->body = (char *)d;
        return 0;
    }
    r->body = strdup(text);
    r->body_len = len;
    return r->body ? 0 : ev_ds_fail(err, "out of memory");
}

int ev_gateway_parse_response(const char *json, size_t len, ev_gateway_response *out, ev_ds_error *err)
{
    memset(out, 0, sizeof *out);
    ev_json_error jerr;
    cJSON *root = ev_json_parse(json, len, &jerr);
    if (root == NULL)
        return ev_ds_fail(err, "the function's answer is not JSON: %s", jerr.message);
    int rc = -1;
    if (!cJSON_IsObject(root))
        ev_ds_fail(err, "the function's answer is not a JSON object");
    else if (read_status(root, out, err) == 0 && read_headers(root, out, err) == 0 &&
             read_body(root, out, err) == 0)
        rc = 0;
    cJSON_Delete(root);
    if (rc != 0)
        ev_gateway_response_free(out);
    return rc;
}

void ev_gateway_response_free(ev_gateway_response *r)
{
    for (size_t i = 0; i < r->header_count; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->names);
    free(r->values);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* ---- API Gateway's own answers ---- */

static const ev_tpl_gateway_response *find_response(const ev_tpl_gateway_response *r, size_t n,
                                                    const char *type)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].type, type) == 0)
            return &r[i];
    return NULL;
}

/* One $context variable's value. */
static void context_value(ev_buf *b, const char *name, size_t len, const char *type, const char *message,
                          const char *request_id)
{
#define IS(s) (len == strlen(s) && memcmp(name, s, len) == 0)
    if (IS("requestId") || IS("extendedRequestId"))
        ev_buf_append_str(b, request_id);
    else if (IS("error.message"))
        ev_buf_append_str(b, message);
    else if (IS("error.messageString"))
        ev_buf_append_json_text(b, message, strlen(message), 0);
    else if (IS("error.responseType"))
        ev_buf_append_str(b, type);
#undef IS
}

int ev_gateway_own_answer(const ev_tpl_gateway_response *responses, size_t n, const char *type,
                          int default_status, const char *default_message, const char *request_id,
                          ev_buf *body, int *status, const ev_tpl_gateway_response **used)
{
    const ev_tpl_gateway_response *r = find_response(responses, n, type);
    if (r == NULL)
        r = find_response(responses, n, default_status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX");
    *used = r;
    *status = r != NULL && r->status != 0 ? r->status : default_status;
    ev_buf_reset(body);
    if (r == NULL || r->body_template == NULL) {
        ev_buf_append_str(body, "{\"message\":");
        ev_buf_append_json_text(body, default_message, strlen(default_message), 0);
        ev_buf_append_char(body, '}');
        return body->failed ? -1 : 0;
    }
    static const char var[] = "$context.";
    for (const char *p = r->body_template; *p;) {
        const char *at = strstr(p, var);
        if (at == NULL) {
            ev_buf_append_str(body, p);
            break;
        }
        ev_buf_append(body, p, (size_t)(at - p));
        const char *name = at + strlen(var), *end = name;
        while (isalnum((unsigned char)*end) || *end == '_' || (*end == '.' && isalnum((unsigned char)end[1])))
            end++;
        context_value(body, name, (size_t)(end - name), type, default_message, request_id);
        p = end;
    }
    return body->failed ? -1 : 0;
}
