/*
 * ev_sigv4: AWS Signature Version 4 header signing (AWS4-HMAC-SHA256).
 *
 * Canonicalisation follows botocore's SigV4Auth byte for byte (checked by
 * tests/aws/sigv4_differential.py), which is also what AWS's published
 * SigV4 examples expect:
 *   - method upper-cased;
 *   - canonical URI: the wire path with dot segments removed and runs of '/'
 *     collapsed (botocore does this for every non-S3 service), then every
 *     byte except A-Z a-z 0-9 - _ . ~ and '/' percent-encoded with upper-case
 *     hex. The path is taken as sent on the wire, so an already-encoded
 *     "%20" becomes "%2520": that is the "encode twice" rule of non-S3 SigV4;
 *   - canonical query: split on '&', each piece split at its first '='
 *     ("a" and "a=" both give "a="), pieces sorted by key then value
 *     (bytewise). Key and value keep valid "%XX" escapes as written (the wire
 *     form is already encoded) and encode every other byte outside the
 *     unreserved set, so a raw "ሴ" or space is encoded while "%E1%88%B4" is
 *     left alone. Note '+' is encoded as %2B (it is not a space here);
 *   - canonical headers: names lower-cased, sorted; values trimmed and every
 *     run of ASCII whitespace folded to one space; repeated headers joined by
 *     ',' in the order given. Never signed (as botocore): connection, expect,
 *     keep-alive, proxy-authenticate, proxy-authorization, te, trailer,
 *     transfer-encoding, upgrade, user-agent, x-amzn-trace-id. Dropped from
 *     the input because the signer sets them: authorization, x-amz-date, and
 *     x-amz-security-token when the credentials carry a token. host is added
 *     from ev_sigv4_request.host (verbatim: lower-case it and drop a default
 *     port first, as ev_endpoint_url_parse does) when the headers have none.
 *     A Date header is signed like any other (botocore would rewrite it; the
 *     JSON services use X-Amz-Date). Header values with CR or LF are refused;
 *   - payload hash: ev_sigv4_request.payload_hash if set, else the value of an
 *     X-Amz-Content-SHA256 header in the input (verbatim), else the hex
 *     SHA-256 of the body (empty body: e3b0c442...b855). The value is copied
 *     into the signer: the result and the X-Amz-Content-SHA256 header it
 *     emits never point into the caller's request. A payload_hash with
 *     control characters is refused (it may become a header value).
 *
 * The signing key (kDate -> kRegion -> kService -> kSigning) is cached in the
 * signer for the last (date, region, service) and dropped when credentials
 * change; HMAC and digest contexts are created once per signer and reused,
 * so a cached signature costs two SHA-256 passes and one HMAC.
 *
 * Ownership: the signer copies the credentials, region and service it is
 * given. ev_sigv4_sign writes every output string into buffers the signer
 * owns: the pointers in ev_sigv4_result stay valid until the next
 * ev_sigv4_sign or ev_sigv4_signer_free on the same signer. The caller owns
 * the request and everything it points to; the signer keeps no pointer to
 * it after returning.
 *
 * Credentials: the key id may not hold spaces, '/' or control characters;
 * the secret and the session token may not hold control characters (a CR or
 * LF in the token would reach the wire as a header line of its own).
 *
 * Threads: a signer is not thread-safe; use one per thread.
 * Secrecy: no message or result field contains the secret access key.
 * (result->security_token is the token itself, for the header to send.)
 *
 * Errors: 0 or -1 (or NULL) with err->message (err may be NULL).
 */
#ifndef EV_AWS_SIGV4_H
#define EV_AWS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aws/ev_credentials.h"

/* Lengths of fixed outputs, including the terminating NUL. */
#define EV_SIGV4_AMZ_DATE_SIZE   17 /* "20150830T123600Z" */
#define EV_SIGV4_HEX_SIZE        65 /* 64 lower-case hex digits */
#define EV_SIGV4_MAX_OUT_HEADERS 4

typedef struct ev_sigv4_error {
    char message[256];
} ev_sigv4_error;

typedef struct ev_sigv4_signer ev_sigv4_signer;

/* A header as the caller will send it: NUL-terminated name and value. */
typedef struct ev_sigv4_header {
    const char *name;
    const char *value;
} ev_sigv4_header;

typedef struct ev_sigv4_request {
    const char *method;             /* "GET", "POST", ... */
    const char *host;               /* Host header value if headers[] has no Host; may carry ":port" */
    const char *path;               /* wire path without query; NULL or "" means "/" */
    const char *query;              /* wire query without '?'; NULL or "" means none */
    const ev_sigv4_header *headers; /* may be NULL when header_count is 0 */
    size_t header_count;
    const void *body; /* may be NULL when body_len is 0 */
    size_t body_len;
    const char *payload_hash; /* NULL: hash the body; else verbatim ("UNSIGNED-PAYLOAD") */
    /* true: also sign and emit x-amz-content-sha256 (S3-style); the JSON
     * services do not need it. */
    bool add_content_sha256;
    /* NULL: the signer's region/service. Set to sign for another scope with
     * the same signer (the key cache follows). */
    const char *region;
    const char *service;
} ev_sigv4_request;

/* Every intermediate step, so a test can say which one broke. All strings
 * are NUL-terminated and owned by the signer (see Ownership above). */
typedef struct ev_sigv4_result {
    const char *canonical_uri;     /* "/" */
    const char *canonical_query;   /* "Action=ListUsers&Version=2010-05-08" */
    const char *canonical_headers; /* "host:iam.amazonaws.com\nx-amz-date:...\n" (each line ends in \n) */
    const char *signed_headers;    /* "content-type;host;x-amz-date" */
    const char *payload_hash;      /* hex SHA-256 or the caller's verbatim value */
    const char *canonical_request; /* the six parts joined by '\n' */
    const char *credential_scope;  /* "20150830/us-east-1/iam/aws4_request" */
    const char *string_to_sign;
    const char *signature;      /* 64 hex digits */
    const char *authorization;  /* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." */
    const char *amz_date;       /* "20150830T123600Z" */
    const char *security_token; /* NULL without a session token */
    /* The headers to add to the request as sent: X-Amz-Date,
     * X-Amz-Security-Token (with a token), X-Amz-Content-SHA256 (when
     * add_content_sha256), Authorization, in that order. */
    ev_sigv4_header headers[EV_SIGV4_MAX_OUT_HEADERS];
    size_t header_count;
} ev_sigv4_result;

/* Copies creds (which must hold an access key id and secret), region and
 * service ("sqs", "dynamodb", "iam", ...). */
ev_sigv4_signer *ev_sigv4_signer_new(const ev_credentials *creds, const char *region, const char *service,
                                     ev_sigv4_error *err);
void ev_sigv4_signer_free(ev_sigv4_signer *s);

/* Replaces the credentials (e.g. rotated role credentials); drops the cached key. */
int ev_sigv4_signer_set_credentials(ev_sigv4_signer *s, const ev_credentials *creds, ev_sigv4_error *err);

/* enabled false: derive the signing key on every signature (benchmarks and
 * tests of the cache; results are identical). Default true. */
void ev_sigv4_signer_set_key_cache(ev_sigv4_signer *s, bool enabled);

/* Number of signing-key derivations so far (tests check the cache with it). */
uint64_t ev_sigv4_signer_key_derivations(const ev_sigv4_signer *s);

/* Signs req as of `when` (UTC seconds since the epoch). */
int ev_sigv4_sign(ev_sigv4_signer *s, const ev_sigv4_request *req, time_t when, ev_sigv4_result *out,
                  ev_sigv4_error *err);

/* Same, with a broken-down UTC time (tm_isdst ignored). */
int ev_sigv4_sign_tm(ev_sigv4_signer *s, const ev_sigv4_request *req, const struct tm *when_utc,
                     ev_sigv4_result *out, ev_sigv4_error *err);

/* "20150830T123600Z" -> time_t; strict format (the one --date takes). */
int ev_sigv4_parse_amz_date(const char *s, time_t *out, ev_sigv4_error *err);

/* The stand-alone key derivation (AWS's "derive signing key" step):
 * HMAC chain from "AWS4"+secret over date (YYYYMMDD), region, service,
 * "aws4_request". out receives 32 bytes. */
int ev_sigv4_derive_key(const char *secret_access_key, const char *date8, const char *region,
                        const char *service, uint8_t out[32], ev_sigv4_error *err);

#endif
