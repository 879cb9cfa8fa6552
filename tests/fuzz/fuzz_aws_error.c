/*
 * libFuzzer target: ev_aws_error_from_response, the parser of every non-2xx
 * answer from SQS and DynamoDB (JSON `__type`/`message` bodies, XML
 * <Code>/<Message> bodies, anything else) plus the x-amzn-query-error,
 * x-amzn-ErrorType and request id header values.
 *
 * Input layout (readable, so seeds are plain text):
 *   line 1: HTTP status (decimal)
 *   line 2: x-amzn-query-error header value (empty line: header absent)
 *   line 3: x-amzn-requestid header value (empty line: header absent)
 *   line 4: x-amzn-ErrorType header value (empty line: header absent)
 *   rest:   the body, exactly as many bytes as remain (not NUL-terminated,
 *           so ASan catches any read past its end)
 * Missing lines count as empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ev_aws_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Takes the next '\n'-terminated line off *p as a new NUL-terminated
 * string (header values are C strings); NULL for an empty line. */
static char *take_line(const uint8_t **p, size_t *left)
{
    const uint8_t *nl = memchr(*p, '\n', *left);
    size_t len = nl ? (size_t)(nl - *p) : *left;
    char *s = NULL;
    if (len > 0) {
        s = malloc(len + 1);
        if (s == NULL)
            abort();
        memcpy(s, *p, len);
        s[len] = '\0';
    }
    *p += nl ? len + 1 : len;
    *left -= nl ? len + 1 : len;
    return s;
}

static void check_terminated(const char *field, size_t cap)
{
    if (memchr(field, '\0', cap) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data;
    size_t left = size;
    char *status_line = take_line(&p, &left);
    char *query_error = take_line(&p, &left);
    char *request_id = take_line(&p, &left);
    char *error_type = take_line(&p, &left);
    long status = status_line ? strtol(status_line, NULL, 10) : 0;

    /* The body in its own exact-size allocation. */
    char *body = left ? malloc(left) : NULL;
    if (left && body == NULL)
        abort();
    if (left)
        memcpy(body, p, left);

    const char *service = (status & 1) ? "sqs" : "dynamodb";
    ev_aws_error err;
    ev_aws_error_from_response(&err, service, status, body, left, query_error, error_type, request_id);

    /* What the header promises: a service error, every field terminated,
     * a code always set, throttling implies retryable. */
    if (err.kind != EV_AWS_ERR_SERVICE || err.http_status != status || err.code[0] == '\0')
        abort();
    check_terminated(err.service, sizeof err.service);
    check_terminated(err.code, sizeof err.code);
    check_terminated(err.query_code, sizeof err.query_code);
    check_terminated(err.message, sizeof err.message);
    check_terminated(err.request_id, sizeof err.request_id);
    if (err.throttling && !err.retryable)
        abort();
    (void)ev_aws_error_is(&err, "ConditionalCheckFailedException");
    (void)ev_aws_error_is_clock_skew(&err);

    char text[1024];
    (void)ev_aws_error_format(&err, text, sizeof text);
    char tiny[8];
    (void)ev_aws_error_format(&err, tiny, sizeof tiny);

    free(body);
    free(request_id);
    free(error_type);
    free(query_error);
    free(status_line);
    return 0;
}
