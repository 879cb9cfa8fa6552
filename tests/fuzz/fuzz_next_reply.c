/*
 * libFuzzer target: a Runtime API reply to GET invocation/next, judged by
 * ev_next_reply_check, and the error body the runtime posts for a refused
 * invocation (ev_runtime_error_body), parsed back.
 *
 * Input: an HTTP reply as text, the way curl hands it over:
 *   line 1        the status (digits; anything else is status 0)
 *   header lines  "Name: value" until an empty line (names without regard
 *                 to case, values trimmed of spaces and tabs; the first of
 *                 a repeated name wins, as curl_easy_header's index 0)
 *   the rest      the body (its length over the 64-byte limit below gives
 *                 the too-large case, as the runtime reads it)
 * The clock is fixed.
 *
 * Properties: a decision of the four; INVOKE only with a request id of
 * 1..256 printable ASCII bytes and a deadline of digits after now, and the
 * invocation's fields pointing at the reply's values; every decision but
 * INVOKE with an error type and message; the error body is JSON whose
 * errorType and errorMessage read back as the error's (the message exactly
 * when it is valid UTF-8).
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ev_buf.h"
#include "runtime/ev_next_reply.h"
#include "runtime/ev_runtime_error.h"

#include "fuzz_parse_all.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS     1700000000000LL
#define BODY_LIMIT 64
#define MAX_LINES  64

static const char *const NAMES[] = {"Lambda-Runtime-Aws-Request-Id",       "Lambda-Runtime-Deadline-Ms",
                                    "Lambda-Runtime-Invoked-Function-Arn", "Lambda-Runtime-Trace-Id",
                                    "Lambda-Runtime-Client-Context",       "Lambda-Runtime-Cognito-Identity"};

static char *next_line(char **cursor, char *end)
{
    if (*cursor >= end)
        return NULL;
    char *line = *cursor;
    char *nl = memchr(line, '\n', (size_t)(end - line));
    if (nl == NULL) {
        *cursor = end;
        return line; /* the text is NUL-terminated at end */
    }
    *nl = '\0';
    if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
    *cursor = nl + 1;
    return line;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static void check_error_body(const ev_runtime_error *err)
{
    ev_buf b;
    ev_buf_init(&b);
    if (ev_runtime_error_body(err, EV_RUNTIME_ERR_UNKNOWN, &b) != 0)
        abort();
    cJSON *j = parse_all(b.data, b.len);
    if (j == NULL)
        abort();
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "errorType");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "errorMessage");
    if (!cJSON_IsString(type) || !cJSON_IsString(msg))
        abort();
    char header_type[EV_RUNTIME_ERROR_TYPE_MAX];
    ev_runtime_error_header_type(err, EV_RUNTIME_ERR_UNKNOWN, header_type);
    if (strcmp(type->valuestring, header_type) != 0)
        abort();
    size_t mlen = strlen(err->message);
    if (ev_buf_utf8_valid(err->message, mlen) && strcmp(msg->valuestring, err->message) != 0)
        abort();
    cJSON_Delete(j);
    ev_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *cursor = text, *end = text + size;

    ev_next_reply reply = {0};
    const char **slots[] = {&reply.request_id, &reply.deadline,       &reply.function_arn,
                            &reply.trace_id,   &reply.client_context, &reply.cognito_identity};
    char *status = next_line(&cursor, end);
    if (status != NULL && status[0] >= '0' && status[0] <= '9' && strlen(status) <= 9)
        reply.status = strtol(status, NULL, 10);
    char *line;
    for (int i = 0; i < MAX_LINES && (line = next_line(&cursor, end)) != NULL && *line != '\0'; i++) {
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++)
            if (strcasecmp(trim(line), NAMES[k]) == 0 && *slots[k] == NULL)
                *slots[k] = trim(colon + 1);
    }
    size_t body_len = (size_t)(end - cursor);
    reply.body_bytes_received = body_len;
    reply.body_limit = BODY_LIMIT;
    reply.body_too_large = body_len > BODY_LIMIT;
    reply.body = reply.body_too_large ? "" : cursor;
    reply.body_len = reply.body_too_large ? 0 : body_len;

    ev_invocation inv = {0};
    ev_runtime_error err;
    ev_next_action a = ev_next_reply_check(&reply, NOW_MS, &inv, &err);
    switch (a) {
    case EV_NEXT_INVOKE: {
        if (reply.status != 200 || inv.request_id != reply.request_id || reply.body_too_large)
            abort();
        size_t n = strlen(inv.request_id);
        if (n == 0 || n > EV_RUNTIME_REQUEST_ID_MAX)
            abort();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)inv.request_id[i] <= 0x20 || (unsigned char)inv.request_id[i] >= 0x7F)
                abort();
        if (inv.deadline_ms <= NOW_MS || reply.deadline == NULL ||
            strspn(reply.deadline, "0123456789") != strlen(reply.deadline))
            abort();
        if (inv.trace_id != reply.trace_id || inv.client_context != reply.client_context ||
            inv.cognito_identity != reply.cognito_identity || inv.function_arn == NULL)
            abort();
        if (ev_runtime_error_is_set(&err))
            abort();
        break;
    }
    case EV_NEXT_REJECT:
        if (inv.request_id != reply.request_id)
            abort();
        /* fall through */
    case EV_NEXT_RETRY:
    case EV_NEXT_EXIT:
        if (err.type[0] == '\0' || err.message[0] == '\0')
            abort();
        check_error_body(&err);
        break;
    default:
        abort();
    }
    if (strcmp(ev_next_action_name(a), "?") == 0)
        abort();
    free(text);
    return 0;
}
