/*
 * ev_aws_error: parsing of JSON-protocol error answers and the SDK
 * standard-mode error classification. See ev_aws_error.h.
 */
#include "aws/ev_aws_error.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void ev_aws_error_clear(ev_aws_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

int ev_aws_error_set(ev_aws_error *err, ev_aws_error_kind kind, const char *code, const char *fmt, ...)
{
    if (!err)
        return -1;
    err->kind = kind;
    copy_str(err->code, sizeof err->code, code ? code : "", code ? strlen(code) : 0);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* botocore standard.py ThrottledRetryableChecker, same order. */
static const char *const throttling_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    /* Not in botocore's list: SQS's answer when KMS throttles the queue's
     * key (SSE-KMS queues), a throttling by any other name. */
    "KmsThrottled",
};

/* InternalError is not in botocore's transient list, but it is transient:
 * S3 and SQS use it for 5xx-class failures answered with a 200-range body.
 * ReplicatedWriteConflictException is modeled retryable (not throttling) in
 * botocore's DynamoDB model, which its standard mode honours. */
static const char *const transient_codes[] = {
    "RequestTimeout",          "RequestTimeoutException",
    "PriorRequestNotComplete", "InternalError",
    "InternalFailure",         "InternalServerError",
    "ServiceUnavailable",      "ReplicatedWriteConflictException",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
    if (!code || !*code)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

bool ev_aws_error_is_throttling_code(const char *code)
{
    return in_list(code, throttling_codes, sizeof throttling_codes / sizeof throttling_codes[0]);
}

bool ev_aws_error_is_transient_code(const char *code)
{
    return in_list(code, transient_codes, sizeof transient_codes / sizeof transient_codes[0]);
}

bool ev_aws_error_is_transient_status(long http_status)
{
    return http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
}

bool ev_aws_error_is(const ev_aws_error *err, const char *code)
{
    return err && err->kind == EV_AWS_ERR_SERVICE && strcmp(err->code, code) == 0;
}

/* "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" and
 * "ConditionalCheckFailedException:http://internal.amazon.com/..." (the
 * x-amzn-ErrorType form) both become the bare code. */
static void set_code(ev_aws_error *err, const char *type)
{
    const char *hash = strrchr(type, '#');
    const char *start = hash ? hash + 1 : type;
    size_t len = strcspn(start, ":");
    copy_str(err->code, sizeof err->code, start, len);
}

static const char *status_text(long status)
{
    switch (status) {
    case 400:
        return "BadRequest";
    case 403:
        return "Forbidden";
    case 404:
        return "NotFound";
    case 413:
        return "RequestEntityTooLarge";
    case 429:
        return "TooManyRequestsException";
    case 500:
        return "InternalError";
    case 502:
        return "BadGateway";
    case 503:
        return "ServiceUnavailable";
    case 504:
        return "GatewayTimeout";
    default:
        return "HttpError";
    }
}

/* The text of the first <name>...</name> in body, or NULL. */
static const char *xml_element(const char *body, size_t len, const char *name, size_t *out_len)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    const char *start = memmem(body, len, open, strlen(open));
    if (!start)
        return NULL;
    start += strlen(open);
    const char *end = memmem(start, len - (size_t)(start - body), close, strlen(close));
    if (!end)
        return NULL;
    *out_len = (size_t)(end - start);
    return start;
}

void ev_aws_error_from_response(ev_aws_error *err, const char *service, long http_status, const char *body,
                                size_t body_len, const char *query_error, const char *error_type,
                                const char *request_id)
{
    if (!err)
        return;
    ev_aws_error_clear(err);
    err->kind = EV_AWS_ERR_SERVICE;
    err->http_status = http_status;
    copy_str(err->service, sizeof err->service, service, service ? strlen(service) : 0);
    copy_str(err->request_id, sizeof err->request_id, request_id, request_id ? strlen(request_id) : 0);

    cJSON *root = (body && body_len) ? cJSON_ParseWithLength(body, body_len) : NULL;
    if (cJSON_IsObject(root)) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "__type");
        if (!cJSON_IsString(type))
            type = cJSON_GetObjectItemCaseSensitive(root, "code");
        if (cJSON_IsString(type) && type->valuestring)
            set_code(err, type->valuestring);
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");
        if (!cJSON_IsString(msg))
            msg = cJSON_GetObjectItemCaseSensitive(root, "Message");
        if (cJSON_IsString(msg) && msg->valuestring)
            copy_str(err->message, sizeof err->message, msg->valuestring, strlen(msg->valuestring));
    } else if (body && body_len) {
        /* Query/XML-style errors (moto's auth failures, some AWS edge errors):
         * <Code>..</Code> and <Message>..</Message>; anything else (a proxy's
         * HTML page, a bare 500 text) is kept as the message. */
        size_t clen = 0, mlen = 0;
        const char *code = xml_element(body, body_len, "Code", &clen);
        const char *msg = xml_element(body, body_len, "Message", &mlen);
        if (code)
            copy_str(err->code, sizeof err->code, code, clen);
        if (msg)
            copy_str(err->message, sizeof err->message, msg, mlen);
        else
            copy_str(err->message, sizeof err->message, body, body_len);
    }
    cJSON_Delete(root);

    /* An answer without a body (a HEAD, a proxy's bare 4xx) may still name
     * the error in x-amzn-ErrorType, as the REST-JSON services always do. */
    if (!err->code[0] && error_type && *error_type)
        set_code(err, error_type);
    if (query_error && *query_error) {
        size_t len = strcspn(query_error, ";");
        copy_str(err->query_code, sizeof err->query_code, query_error, len);
        if (!err->code[0])
            copy_str(err->code, sizeof err->code, query_error, len);
    }
    if (!err->code[0])
        copy_str(err->code, sizeof err->code, status_text(http_status), strlen(status_text(http_status)));

    err->throttling = ev_aws_error_is_throttling_code(err->code) || http_status == 429;
    err->retryable = err->throttling || ev_aws_error_is_transient_code(err->code) ||
                     ev_aws_error_is_transient_status(http_status);
}

int ev_aws_error_to_deadline(ev_aws_error *err, const char *why)
{
    if (!err)
        return -1;
    char last[400];
    last[0] = '\0';
    if (err->kind != EV_AWS_ERR_NONE && err->kind != EV_AWS_ERR_DEADLINE)
        snprintf(last, sizeof last, "; last attempt: %.60s (HTTP %ld): %.280s",
                 err->code[0] ? err->code : "-", err->http_status, err->message);
    err->kind = EV_AWS_ERR_DEADLINE;
    err->timeout = true;
    err->retryable = false;
    err->throttling = false;
    copy_str(err->code, sizeof err->code, "DeadlineExceeded", strlen("DeadlineExceeded"));
    snprintf(err->message, sizeof err->message, "invocation deadline: %.80s%s", why, last);
    return -1;
}

bool ev_aws_error_is_deadline(const ev_aws_error *err)
{
    return err && err->kind == EV_AWS_ERR_DEADLINE;
}

bool ev_aws_error_is_clock_skew(const ev_aws_error *err)
{
    static const char *const always[] = {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"};
    static const char *const if_expired[] = {"InvalidSignatureException", "SignatureDoesNotMatch",
                                             "AuthFailure"};
    if (!err || err->kind != EV_AWS_ERR_SERVICE)
        return false;
    if (in_list(err->code, always, sizeof always / sizeof always[0]))
        return true;
    return in_list(err->code, if_expired, sizeof if_expired / sizeof if_expired[0]) &&
           (strcasestr(err->message, "Signature expired") != NULL ||
            strcasestr(err->message, "Signature not yet current") != NULL);
}

const char *ev_aws_error_kind_name(ev_aws_error_kind kind)
{
    switch (kind) {
    case EV_AWS_ERR_NONE:
        return "none";
    case EV_AWS_ERR_TRANSPORT:
        return "transport";
    case EV_AWS_ERR_SERVICE:
        return "service";
    case EV_AWS_ERR_INVALID:
        return "invalid";
    case EV_AWS_ERR_PARSE:
        return "parse";
    case EV_AWS_ERR_INTEGRITY:
        return "integrity";
    case EV_AWS_ERR_NOMEM:
        return "nomem";
    case EV_AWS_ERR_PARTIAL:
        return "partial";
    case EV_AWS_ERR_DEADLINE:
        return "deadline";
    }
    return "unknown";
}

const char *ev_aws_error_format(const ev_aws_error *err, char *out, size_t out_len)
{
    if (!out || out_len == 0)
        return "";
    if (!err || err->kind == EV_AWS_ERR_NONE) {
        snprintf(out, out_len, "no error");
        return out;
    }
    snprintf(out, out_len, "%s %s error %s (HTTP %ld, attempts %d%s%s): %s",
             err->service[0] ? err->service : "aws", ev_aws_error_kind_name(err->kind),
             err->code[0] ? err->code : "-", err->http_status, err->attempts,
             err->request_id[0] ? ", request " : "", err->request_id, err->message);
    return out;
}

#define REDACTED "<redacted>"

/* Where the next occurrence of any secret (or its JSON "\/" form) starts
 * in [p, end), and its length. */
static const char *next_secret(const char *p, const char *end, const char *const *secrets, size_t n,
                               char *const *escaped, size_t *match_len)
{
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *forms[2] = {secrets[i], escaped[i]};
        for (size_t f = 0; f < 2; f++) {
            if (!forms[f] || !*forms[f])
                continue;
            size_t sl = strlen(forms[f]);
            const char *hit = memmem(p, (size_t)(end - p), forms[f], sl);
            if (hit && (!best || hit < best || (hit == best && sl > *match_len))) {
                best = hit;
                *match_len = sl;
            }
        }
    }
    return best;
}

/* secret with every '/' written "\/" (how a JSON encoder may send it), or NULL. */
static char *json_escaped(const char *secret)
{
    if (!secret || !strchr(secret, '/'))
        return NULL;
    size_t n = 0;
    for (const char *p = secret; *p; p++)
        n += *p == '/' ? 2 : 1;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const char *p = secret; *p; p++) {
        if (*p == '/')
            *o++ = '\\';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* A secret long enough to be a real credential (see EV_AWS_REDACT_MIN_SECRET). */
static bool redactable(const char *secret)
{
    return secret && strlen(secret) >= EV_AWS_REDACT_MIN_SECRET;
}

char *ev_aws_redact(const char *text, size_t len, const char *const *secrets, size_t n, size_t *out_len)
{
    const char *kept[8] = {NULL};
    char *escaped[8] = {NULL};
    if (n > 8)
        n = 8;
    for (size_t i = 0; i < n; i++) {
        kept[i] = redactable(secrets[i]) ? secrets[i] : NULL;
        escaped[i] = json_escaped(kept[i]);
    }
    secrets = kept;
    /* Upper bound: every byte starts a replacement. */
    size_t cap = len * sizeof REDACTED + 1;
    char *out = malloc(cap);
    size_t o = 0;
    if (out) {
        const char *p = text ? text : "", *end = p + (text ? len : 0);
        while (p < end) {
            size_t ml = 0;
            const char *hit = next_secret(p, end, secrets, n, escaped, &ml);
            const char *stop = hit ? hit : end;
            memcpy(out + o, p, (size_t)(stop - p));
            o += (size_t)(stop - p);
            if (!hit)
                break;
            memcpy(out + o, REDACTED, sizeof REDACTED - 1);
            o += sizeof REDACTED - 1;
            p = hit + ml;
        }
        out[o] = '\0';
    }
    for (size_t i = 0; i < n; i++)
        free(escaped[i]);
    if (out_len)
        *out_len = o;
    return out;
}

void ev_aws_error_redact(ev_aws_error *err, const char *const *secrets, size_t n)
{
    if (!err)
        return;
    /* AWS's signature-mismatch message goes on with the canonical request it
     * expected, x-amz-security-token header included: cut it there. */
    char *cut = strstr(err->message, "The Canonical String");
    if (cut) {
        while (cut > err->message &&
               (cut[-1] == ' ' || cut[-1] == '\n' || cut[-1] == '\r' || cut[-1] == '\t'))
            cut--;
        *cut = '\0';
    }
    size_t len = strlen(err->message);
    bool truncated = len == sizeof err->message - 1;
    size_t rlen = 0;
    char *r = ev_aws_redact(err->message, len, secrets, n, &rlen);
    if (!r) {
        snprintf(err->message, sizeof err->message, "(message withheld: out of memory redacting it)");
        return;
    }
    copy_str(err->message, sizeof err->message, r, rlen);
    free(r);
    if (!truncated && rlen < sizeof err->message)
        return;
    /* Cut short: the end may hold the start of a secret. */
    len = strlen(err->message);
    for (size_t i = 0; i < n; i++) {
        if (!redactable(secrets[i]))
            continue;
        size_t sl = strlen(secrets[i]);
        for (size_t k = sl < len ? sl : len; k >= 4; k--) {
            if (memcmp(err->message + len - k, secrets[i], k) == 0) {
                err->message[len - k] = '\0';
                len -= k;
                break;
            }
        }
    }
}
