/*
 * ev_endpoint: where a request for an AWS service goes, and the URL pieces
 * the signer needs.
 *
 * Region: AWS_REGION, else AWS_DEFAULT_REGION (ev_endpoint_region). A
 * missing region is an error with a message that names both variables,
 * never a silent default, so a misconfigured Lambda fails loudly.
 *
 * Endpoint URL for a service (ev_endpoint_resolve), first match wins:
 *   AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL_DYNAMODB (service-specific),
 *   AWS_ENDPOINT_URL (global override, e.g. a local moto or LocalStack),
 *   https://sqs.{region}.amazonaws.com, https://dynamodb.{region}.amazonaws.com.
 * The resolved endpoint also carries what the JSON protocols need: the
 * signing name, the X-Amz-Target prefix and the Content-Type.
 *
 * URL splitting (ev_endpoint_url_parse) mirrors what botocore derives from a
 * URL for signing: the Host header value is the lower-cased host name plus
 * ":port" only when the port is not the scheme's default; the path and the
 * query are kept exactly as written (still percent-encoded as on the wire).
 *
 * Ownership: ev_endpoint holds fixed-size arrays, nothing to free. ev_url
 * owns one heap block behind its string pointers; free it with
 * ev_endpoint_url_free. Functions that fill an ev_url free what it held.
 *
 * Errors: 0 or -1 with err->message (err may be NULL).
 */
#ifndef EV_AWS_ENDPOINT_H
#define EV_AWS_ENDPOINT_H

#include <stddef.h>

#define EV_ENDPOINT_REGION_MAX 64
#define EV_ENDPOINT_URL_MAX    1024

typedef struct ev_endpoint_error {
    char message[256];
} ev_endpoint_error;

typedef enum ev_endpoint_service { EV_ENDPOINT_SQS, EV_ENDPOINT_DYNAMODB } ev_endpoint_service;

typedef struct ev_endpoint {
    ev_endpoint_service service;
    char region[EV_ENDPOINT_REGION_MAX];
    char url[EV_ENDPOINT_URL_MAX]; /* no trailing '/' added or removed */
    const char *signing_name;      /* "sqs" / "dynamodb" (static) */
    const char *target_prefix;     /* "AmazonSQS" / "DynamoDB_20120810" (static) */
    const char *content_type;      /* "application/x-amz-json-1.0" (static) */
} ev_endpoint;

/* "sqs" or "dynamodb" (exact, lower case) to the enum; -1 otherwise. */
int ev_endpoint_service_from_name(const char *name, ev_endpoint_service *out, ev_endpoint_error *err);
/* Static lower-case name of the service ("sqs", "dynamodb"). */
const char *ev_endpoint_service_name(ev_endpoint_service service);

/* Copies AWS_REGION or AWS_DEFAULT_REGION (non-empty) into out. */
int ev_endpoint_region(char *out, size_t out_size, ev_endpoint_error *err);

/* Fills *out for service. region NULL or "": ev_endpoint_region. */
int ev_endpoint_resolve(ev_endpoint_service service, const char *region, ev_endpoint *out,
                        ev_endpoint_error *err);

/* An absolute http(s) URL split for signing and sending. */
typedef struct ev_url {
    char *scheme; /* "http" or "https", lower case */
    char *host;   /* Host header value: "sqs.us-east-1.amazonaws.com", "127.0.0.1:4566" */
    char *path;   /* "/" when the URL has none; as written otherwise */
    char *query;  /* after '?', without it, before any '#'; "" when none */
    int port;     /* explicit or default (80/443) */
    char *block_; /* private: the allocation the strings live in */
} ev_url;

#define EV_URL_INIT                                                                                          \
    {                                                                                                        \
        NULL, NULL, NULL, NULL, 0, NULL                                                                      \
    }

/* Rejects anything but http/https, userinfo-free URLs with a host. */
int ev_endpoint_url_parse(const char *url, ev_url *out, ev_endpoint_error *err);
void ev_endpoint_url_free(ev_url *u);

#endif
