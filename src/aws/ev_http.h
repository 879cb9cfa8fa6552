/*
 * ev_http: HTTP/1.1 over libcurl for the AWS clients.
 *
 * Job: a long-lived client that keeps connections alive across calls (and
 * across Lambda invocations when the client is kept in a static/global of the
 * handler), sends one request or N prepared requests concurrently (curl
 * multi), with connect and total timeouts, and TLS verification always on
 * against a CA bundle found on Debian or Amazon Linux 2023.
 *
 * Every transfer, single or batched, runs on the client's one curl multi
 * handle, so all of them share its connection cache: a connection opened
 * by a batch is reused by the next single call and the other way round.
 *
 * Ownership: the client owns its curl handles; ev_http_client_free releases
 * them. Requests are borrowed for the duration of the call (the client
 * copies nothing it keeps). Responses are owned by the caller: init them,
 * pass them to any number of sends (each send resets them first) and free
 * them with ev_http_response_free.
 *
 * Threads: a client is used by one thread at a time. curl_global_init runs
 * when the first client is created (under a lock, counting live clients),
 * and again after an ev_http_global_cleanup.
 */
#ifndef EV_AWS_HTTP_H
#define EV_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/ev_aws_error.h"
#include "core/ev_buf.h"

#define EV_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 3000L
#define EV_HTTP_DEFAULT_TIMEOUT_MS         30000L
#define EV_HTTP_DEFAULT_MAX_IN_FLIGHT      16u
#define EV_HTTP_DEFAULT_MAX_RESPONSE_BYTES (32u * 1024u * 1024u)

typedef struct ev_http_config {
    long connect_timeout_ms;   /* 0: default */
    long timeout_ms;           /* whole transfer, per attempt; 0: default */
    const char *ca_bundle;     /* NULL: $AWS_CA_BUNDLE (unreadable: error), then the distro bundles */
    size_t max_in_flight;      /* transfers at once in ev_http_send_many; 0: default */
    size_t max_response_bytes; /* larger bodies fail the transfer; 0: default */
} ev_http_config;

typedef struct ev_http_request {
    const char *method; /* "POST", "GET", ... */
    const char *url;
    const char *const *headers; /* "Name: value" lines, may be NULL */
    size_t header_count;
    const char *body; /* may be NULL when body_len is 0 */
    size_t body_len;
    long timeout_ms; /* 0: the client's; long polls need more */
} ev_http_request;

typedef struct ev_http_response {
    long status; /* 0 when the transfer failed */
    ev_buf body;
    ev_buf headers; /* raw header lines of the final response */
    int curl_code;  /* CURLE_OK (0) on an HTTP answer */
    bool timed_out;
    bool too_large;         /* the body exceeded max_response_bytes (curl code 23) */
    bool headers_too_large; /* the headers exceeded curl's limits (curl code 56 or 27) */
    bool not_started;       /* the transfer could not be set up: nothing was sent (curl code 2) */
    bool multi_failed;      /* curl's multi handle failed: the transfer was cut (curl code 2) */
    char error[256];        /* curl's error text on failure */
} ev_http_response;

typedef struct ev_http_stats {
    uint64_t requests; /* transfers started */
    uint64_t connects; /* new connections opened (CURLINFO_NUM_CONNECTS summed) */
    uint64_t transport_failures;
} ev_http_stats;

typedef struct ev_http_client ev_http_client;

/* The first CA bundle that exists: $AWS_CA_BUNDLE, Debian's, Amazon Linux's;
 * NULL when none does (curl's built-in default is then used). */
const char *ev_http_find_ca_bundle(void);

/* cfg may be NULL for defaults. Returns NULL with err set on failure. */
ev_http_client *ev_http_client_new(const ev_http_config *cfg, ev_aws_error *err);
void ev_http_client_free(ev_http_client *c);
void ev_http_client_stats_get(const ev_http_client *c, ev_http_stats *out);

void ev_http_response_init(ev_http_response *r);
void ev_http_response_reset(ev_http_response *r);
void ev_http_response_free(ev_http_response *r);

/* Copies the value of the first header named `name` (case-insensitive),
 * trimmed, into out. Returns 0, or -1 when absent. */
int ev_http_response_header(const ev_http_response *r, const char *name, char *out, size_t out_len);

/*
 * Sends one request. Returns 0 when an HTTP answer arrived, whatever its
 * status; -1 on a transport failure (err kind EV_AWS_ERR_TRANSPORT, timeout
 * flag set for timeouts; resp->curl_code/error say more).
 */
int ev_http_send(ev_http_client *c, const ev_http_request *req, ev_http_response *resp, ev_aws_error *err);

/*
 * Sends n requests with up to max_in_flight of them at once and waits for
 * all. resps[i] answers reqs[i]. Returns 0 when all got an HTTP answer, -1
 * when at least one did not (each resps[i] says why: curl_code, error,
 * timed_out, ...). err then holds the first failure, or the local failure
 * that stopped transfers when there was one: code TransferSetup (a transfer
 * could not be set up; it fails alone and the others go on) or CurlMulti
 * (curl's multi handle failed: every unfinished transfer fails with it).
 * Neither is retryable.
 */
int ev_http_send_many(ev_http_client *c, const ev_http_request *reqs, ev_http_response *resps, size_t n,
                      ev_aws_error *err);

/* True for the curl codes of transient transport failures, the only ones
 * retried: COULDNT_RESOLVE_PROXY (5), COULDNT_RESOLVE_HOST (6),
 * COULDNT_CONNECT (7), HTTP2 (16), PARTIAL_FILE (18), OPERATION_TIMEDOUT
 * (28), SSL_CONNECT_ERROR (35), GOT_NOTHING (52), SEND_ERROR (55),
 * RECV_ERROR (56), HTTP2_STREAM (92), HTTP3 (95), QUIC_CONNECT_ERROR (96).
 * Anything else (certificate failures 60, unreadable CA file 77, bad URL 3,
 * unsupported protocol 1, response over the size limit 23, ...) would fail
 * the same way again. So would response headers over curl's limits, which
 * curl reports as RECV_ERROR (56) or OUT_OF_MEMORY (27):
 * ev_http_transport_error marks those ResponseHeadersTooLarge, not
 * retryable. */
bool ev_http_curl_code_is_transient(int curl_code);

/* Fills err from a failed response: kind TRANSPORT (NOMEM when curl ran
 * out of memory), code RequestTimeout, ResponseTooLarge,
 * ResponseHeadersTooLarge, TransferSetup, CurlMulti or TransportError, the
 * timeout flag; retryable only for ev_http_curl_code_is_transient codes of
 * a transfer that ran and whose headers were not too large. */
void ev_http_transport_error(const ev_http_response *resp, ev_aws_error *err);

/*
 * Optional: releases curl's process-wide state (valgrind-clean exits).
 * Safe at any time: while a client is alive it does nothing and returns -1;
 * otherwise it releases the state (if any) and returns 0, and the next
 * ev_http_client_new initialises curl again. Thread-safe with respect to
 * client creation and release. (curl_global_cleanup itself is not safe
 * while another thread uses curl outside these clients.)
 */
int ev_http_global_cleanup(void);

#endif
