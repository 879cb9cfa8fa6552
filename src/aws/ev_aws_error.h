/*
 * ev_aws_error: the typed error every call in src/aws/ reports into.
 *
 * Job: one struct that says what went wrong on an AWS call (a transport
 * failure, an error answered by the service, a bad argument refused before
 * anything was sent, an answer we could not parse, an integrity check that
 * failed) with the fields the retry policy and callers need: service, code,
 * message, HTTP status, request id, and whether it is retryable/throttling.
 *
 * Ownership: the struct holds fixed-size, NUL-terminated copies (truncated
 * when longer), so it never allocates and needs no free. Callers own it,
 * usually on their stack, and pass it to every call; a call that returns 0
 * leaves its kind at EV_AWS_ERR_NONE.
 */
#ifndef EV_AWS_AWS_ERROR_H
#define EV_AWS_AWS_ERROR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ev_aws_error_kind {
    EV_AWS_ERR_NONE = 0,
    EV_AWS_ERR_TRANSPORT, /* no HTTP answer: connect/TLS/reset/timeout */
    EV_AWS_ERR_SERVICE,   /* the service answered non-2xx */
    EV_AWS_ERR_INVALID,   /* refused locally before sending (bad argument, size limit) */
    EV_AWS_ERR_PARSE,     /* a 2xx answer we could not understand */
    EV_AWS_ERR_INTEGRITY, /* MD5 mismatch on send or receive */
    EV_AWS_ERR_NOMEM,
    EV_AWS_ERR_PARTIAL, /* a batch call where some entries failed */
    EV_AWS_ERR_DEADLINE /* stopped at the invocation deadline (code DeadlineExceeded, timeout set) */
} ev_aws_error_kind;

typedef struct ev_aws_error {
    ev_aws_error_kind kind;
    long http_status;     /* 0 when there was no HTTP answer */
    bool retryable;       /* the standard retry policy would retry it */
    bool throttling;      /* a throttling code: retried, and costs quota */
    bool timeout;         /* transport timeout (connect or total) */
    int curl_code;        /* CURLcode for EV_AWS_ERR_TRANSPORT, else 0 */
    int attempts;         /* HTTP attempts made by the call (retries + 1) */
    char service[32];     /* signing name, e.g. "sqs", "dynamodb" */
    char code[128];       /* e.g. "ConditionalCheckFailedException" */
    char query_code[128]; /* SQS x-amzn-query-error code, e.g. "AWS.SimpleQueueService.NonExistentQueue" */
    char message[512];
    char request_id[128];
} ev_aws_error;

void ev_aws_error_clear(ev_aws_error *err);

/* Sets kind, code and a printf message; leaves the other fields as they are.
 * err may be NULL (then nothing happens). Always returns -1 so that a caller
 * can `return ev_aws_error_set(...)`. */
int ev_aws_error_set(ev_aws_error *err, ev_aws_error_kind kind, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Fills err from a non-2xx JSON-protocol answer. The code is, first found:
 * `__type` of a JSON body (or `code`; namespace before '#' stripped, a
 * trailing ":..." suffix removed), <Code> of an XML body, the
 * x-amzn-ErrorType header value (error_type, may be NULL; same stripping),
 * the x-amzn-query-error header value (query_error, may be NULL,
 * "Code;Sender"; also kept in query_code), the HTTP status text. The message
 * is `message` or `Message` (or the body when it is neither JSON nor XML).
 * request_id may be NULL. Sets retryable/throttling from the code and
 * status. Overwrites every field (attempts is left 0 for the caller to set).
 * Never fails. The body is read as given: redact afterwards, never before
 * (see the redaction rule below).
 */
void ev_aws_error_from_response(ev_aws_error *err, const char *service, long http_status, const char *body,
                                size_t body_len, const char *query_error, const char *error_type,
                                const char *request_id);

/* The AWS SDK standard-mode lists. */
bool ev_aws_error_is_throttling_code(const char *code);
bool ev_aws_error_is_transient_code(const char *code);
bool ev_aws_error_is_transient_status(long http_status);

/* True when err is a service error with this code (namespace-free). */
bool ev_aws_error_is(const ev_aws_error *err, const char *code);

/*
 * Turns err into the error of a call stopped at the invocation deadline:
 * kind EV_AWS_ERR_DEADLINE, code "DeadlineExceeded", timeout set, not
 * retryable; the message says why and, when err held a failure, what the
 * last attempt got ("...; last attempt: ThrottlingException (HTTP 400):
 * Rate exceeded"). HTTP status, request id and attempts are kept. Returns -1.
 */
int ev_aws_error_to_deadline(ev_aws_error *err, const char *why);

/* True when err is a call stopped at the invocation deadline. */
bool ev_aws_error_is_deadline(const ev_aws_error *err);

/* True for the answers of a request signed with a clock the service
 * disagrees with: RequestTimeTooSkewed, RequestExpired, RequestInTheFuture,
 * and InvalidSignatureException / SignatureDoesNotMatch / AuthFailure whose
 * message says "Signature expired" or "Signature not yet current". The
 * client then corrects its clock from the answer's Date and retries once. */
bool ev_aws_error_is_clock_skew(const ev_aws_error *err);

const char *ev_aws_error_kind_name(ev_aws_error_kind kind);

/*
 * Secrets in service answers: a signature-mismatch message can quote the
 * canonical request with the x-amz-security-token header.
 *
 * The rule: redaction only ever touches what is shown (err->message, an
 * error body handed back for display); codes, statuses and every field a
 * caller acts on are parsed from the answer as received, before any
 * redaction. A secret shorter than EV_AWS_REDACT_MIN_SECRET bytes is not
 * redacted at all: no real credential is that short (AWS secret keys are 40
 * characters, session tokens hundreds), it is an emulator placeholder such as
 * "test" or "y", and replacing every "y" of a message would mangle it while
 * protecting nothing. A secret of that length or more is replaced wherever
 * it occurs.
 *
 * ev_aws_redact returns a malloc'd NUL-terminated copy of text[0..len) with
 * every occurrence of each such secret (also in its JSON "\/" form)
 * replaced by "<redacted>" (NULL when out of memory; at most 8 secrets; NULL
 * entries skipped). ev_aws_error_redact cuts err->message at "The Canonical
 * String", redacts the secrets in it and drops a secret's prefix left at the
 * end of a truncated message; it changes nothing but the message.
 */
#define EV_AWS_REDACT_MIN_SECRET 8

char *ev_aws_redact(const char *text, size_t len, const char *const *secrets, size_t n, size_t *out_len);
void ev_aws_error_redact(ev_aws_error *err, const char *const *secrets, size_t n);

/* "sqs QueueDoesNotExist (HTTP 400, request A9E2...): The specified..." into out. */
const char *ev_aws_error_format(const ev_aws_error *err, char *out, size_t out_len);

#endif
