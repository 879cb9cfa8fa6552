/*
 * fake_runtime_api: an in-process Lambda Runtime API for tests
 * (libmicrohttpd on 127.0.0.1, an ephemeral port, one thread per
 * connection).
 *
 * Job: answers GET .../invocation/next from a script of replies pushed by
 * the test (a reply with any status, headers and body; a dropped
 * connection; a hang that can first run a callback, e.g. to send SIGTERM),
 * answers every POST with a configurable status, and records every request
 * (method, path, error-type and content-type headers, body) for the test
 * to inspect. When the script runs out, next is answered by dropping the
 * connection, so a runtime asking for more than the test planned fails
 * visibly instead of hanging.
 *
 * Ownership: fake_api_start allocates; fake_api_stop (call it from the
 * test's teardown, so it runs even when an assertion failed) stops the
 * daemon, wakes hung requests and frees everything. Pushed replies are
 * copied. Recorded requests stay valid until stop.
 * Threads: the daemon's threads record under a mutex; read the records
 * after the runtime under test has returned.
 */
#ifndef TESTS_FAKE_RUNTIME_API_H
#define TESTS_FAKE_RUNTIME_API_H

#include <stdbool.h>
#include <stddef.h>

typedef enum fake_next_kind {
    FAKE_REPLY, /* answer with status/headers/body */
    FAKE_DROP,  /* close the connection without an answer (a reset) */
    FAKE_HANG   /* run before_hang, then never answer until stop */
} fake_next_kind;

typedef struct fake_next {
    fake_next_kind kind;
    int status;               /* 0: 200 */
    const char *request_id;   /* NULL: header left out */
    const char *deadline_ms;  /* NULL: header left out */
    const char *function_arn; /* NULL: left out */
    const char *trace_id;     /* NULL: left out */
    const char *client_context;
    const char *cognito_identity;
    const char *body; /* NULL: empty */
    size_t body_len;  /* 0 with a body: strlen(body) */
    void (*before_hang)(void);
} fake_next;

typedef struct fake_request {
    char method[8];
    char path[512];
    bool has_error_type;
    char error_type[256]; /* Lambda-Runtime-Function-Error-Type */
    char content_type[128];
    char *body;
    size_t body_len;
} fake_request;

typedef struct fake_api fake_api;

fake_api *fake_api_start(void);
void fake_api_stop(fake_api *f);
/* "http://127.0.0.1:PORT/2018-06-01/runtime" */
const char *fake_api_url(const fake_api *f);
/* "127.0.0.1:PORT", the form of AWS_LAMBDA_RUNTIME_API */
const char *fake_api_host_port(const fake_api *f);
void fake_api_push(fake_api *f, const fake_next *reply);
/* Status of every later POST answer (default 202). */
void fake_api_set_post_status(fake_api *f, int status);
/* Every later POST runs before_hang, then is never answered (until stop). */
void fake_api_set_post_hang(fake_api *f, void (*before_hang)(void));

size_t fake_api_request_count(fake_api *f);
const fake_request *fake_api_request(fake_api *f, size_t i);
/* Number of requests with this method whose path ends with suffix. */
size_t fake_api_count(fake_api *f, const char *method, const char *path_suffix);
/* The n-th (0-based) POST, or NULL. */
const fake_request *fake_api_post(fake_api *f, size_t n);

/* A loopback port nothing listens on (for "connection refused"). */
int fake_unused_port(void);

#endif
