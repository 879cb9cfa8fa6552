/*
 * ev_endpoint: region, endpoint URL and URL splitting (see the header).
 */
#include "aws/ev_endpoint.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_err(ev_endpoint_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(ev_endpoint_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

const char *ev_endpoint_service_name(ev_endpoint_service service)
{
    return service == EV_ENDPOINT_SQS ? "sqs" : service == EV_ENDPOINT_DYNAMODB ? "dynamodb" : "unknown";
}

int ev_endpoint_service_from_name(const char *name, ev_endpoint_service *out, ev_endpoint_error *err)
{
    if (name != NULL && strcmp(name, "sqs") == 0) {
        *out = EV_ENDPOINT_SQS;
        return 0;
    }
    if (name != NULL && strcmp(name, "dynamodb") == 0) {
        *out = EV_ENDPOINT_DYNAMODB;
        return 0;
    }
    set_err(err, "unknown service '%.64s' (want sqs or dynamodb)", name ? name : "(null)");
    return -1;
}

/* Region names are DNS labels; anything else would build a bogus host name. */
static bool valid_region(const char *r)
{
    if (r == NULL || *r == '\0' || strlen(r) >= EV_ENDPOINT_REGION_MAX)
        return false;
    for (; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') || *r == '-'))
            return false;
    return true;
}

int ev_endpoint_region(char *out, size_t out_size, ev_endpoint_error *err)
{
    const char *r = env_nonempty("AWS_REGION");
    const char *var = "AWS_REGION";
    if (r == NULL) {
        r = env_nonempty("AWS_DEFAULT_REGION");
        var = "AWS_DEFAULT_REGION";
    }
    if (r == NULL) {
        set_err(err, "no AWS region: set AWS_REGION or AWS_DEFAULT_REGION (e.g. us-east-1)");
        return -1;
    }
    if (!valid_region(r)) {
        set_err(err, "%s='%.64s' is not a region name (lower-case letters, digits, '-')", var, r);
        return -1;
    }
    if (out == NULL || strlen(r) >= out_size) {
        set_err(err, "region buffer too small");
        return -1;
    }
    memcpy(out, r, strlen(r) + 1);
    return 0;
}

int ev_endpoint_resolve(ev_endpoint_service service, const char *region, ev_endpoint *out,
                        ev_endpoint_error *err)
{
    if (out == NULL) {
        set_err(err, "endpoint: NULL output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (service != EV_ENDPOINT_SQS && service != EV_ENDPOINT_DYNAMODB) {
        set_err(err, "endpoint: unknown service %d", (int)service);
        return -1;
    }
    out->service = service;
    if (region == NULL || region[0] == '\0') {
        if (ev_endpoint_region(out->region, sizeof out->region, err) != 0)
            return -1;
    } else {
        if (!valid_region(region)) {
            set_err(err, "'%.64s' is not a region name (lower-case letters, digits, '-')", region);
            return -1;
        }
        memcpy(out->region, region, strlen(region) + 1);
    }
    bool sqs = service == EV_ENDPOINT_SQS;
    out->signing_name = sqs ? "sqs" : "dynamodb";
    out->target_prefix = sqs ? "AmazonSQS" : "DynamoDB_20120810";
    out->content_type = "application/x-amz-json-1.0";

    const char *var = sqs ? "AWS_ENDPOINT_URL_SQS" : "AWS_ENDPOINT_URL_DYNAMODB";
    const char *url = env_nonempty(var);
    if (url == NULL) {
        var = "AWS_ENDPOINT_URL";
        url = env_nonempty(var);
    }
    if (url != NULL) {
        if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
            set_err(err, "%s='%.128s' is not an http(s) URL", var, url);
            return -1;
        }
        if (strlen(url) >= sizeof out->url) {
            set_err(err, "%s is longer than %d bytes", var, EV_ENDPOINT_URL_MAX - 1);
            return -1;
        }
        memcpy(out->url, url, strlen(url) + 1);
        return 0;
    }
    snprintf(out->url, sizeof out->url, "https://%s.%s.amazonaws.com", out->signing_name, out->region);
    return 0;
}

void ev_endpoint_url_free(ev_url *u)
{
    if (u == NULL)
        return;
    free(u->block_);
    memset(u, 0, sizeof *u);
}

/* The pieces of a URL, borrowed from it, before they are copied. */
typedef struct url_parts {
    size_t scheme_len; /* 4 or 5 */
    int default_port;
    const char *host;
    size_t host_len;
    int port;
    const char *path; /* up to '?' or '#' */
    size_t path_len;
    const char *query;
    size_t query_len;
} url_parts;

static int parse_scheme(const char *url, url_parts *u, ev_endpoint_error *err)
{
    if (strncasecmp(url, "https://", 8) == 0) {
        u->scheme_len = 5;
        u->default_port = 443;
    } else if (strncasecmp(url, "http://", 7) == 0) {
        u->scheme_len = 4;
        u->default_port = 80;
    } else {
        set_err(err, "url: '%.128s' is not an http:// or https:// URL", url);
        return -1;
    }
    return 0;
}

/* Decimal 1..65535, at most 5 digits. */
static int parse_port(const char *s, size_t len, int *port, ev_endpoint_error *err)
{
    if (len > 5) {
        set_err(err, "url: bad port");
        return -1;
    }
    int p = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            set_err(err, "url: bad port");
            return -1;
        }
        p = p * 10 + (s[i] - '0');
    }
    if (p < 1 || p > 65535) {
        set_err(err, "url: port out of range");
        return -1;
    }
    *port = p;
    return 0;
}

/* host[:port] or [v6][:port], without user information. */
static int parse_authority(const char *url, const char *auth, size_t auth_len, url_parts *u,
                           ev_endpoint_error *err)
{
    if (memchr(auth, '@', auth_len) != NULL) {
        /* Refused rather than stripped: credentials belong in SigV4, and a
         * URL carrying a password would end up in logs. */
        set_err(err, "url: user information in the URL is not supported");
        return -1;
    }
    u->host = auth;
    u->host_len = auth_len;
    const char *port_str = NULL;
    size_t port_len = 0;
    if (auth_len > 0 && auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (close == NULL) {
            set_err(err, "url: unterminated IPv6 address");
            return -1;
        }
        u->host_len = (size_t)(close - auth) + 1;
        if (u->host_len < auth_len) {
            if (auth[u->host_len] != ':') {
                set_err(err, "url: junk after the IPv6 address");
                return -1;
            }
            port_str = auth + u->host_len + 1;
            port_len = auth_len - u->host_len - 1;
        }
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        if (colon != NULL) {
            u->host_len = (size_t)(colon - auth);
            port_str = colon + 1;
            port_len = auth_len - u->host_len - 1;
        }
    }
    if (u->host_len == 0) {
        set_err(err, "url: no host in '%.128s'", url);
        return -1;
    }
    u->port = u->default_port;
    if (port_str != NULL && port_len > 0)
        return parse_port(port_str, port_len, &u->port, err);
    return 0;
}

/* One block: scheme, host(+port), path, query, each NUL-terminated. */
static int copy_parts(const url_parts *u, ev_url *out, ev_endpoint_error *err)
{
    size_t size = 6 + u->host_len + 7 + (u->path_len ? u->path_len : 1) + 1 + u->query_len + 1;
    char *block = malloc(size);
    if (block == NULL) {
        set_err(err, "url: out of memory");
        return -1;
    }
    char *p = block;
    out->scheme = p;
    memcpy(p, u->default_port == 443 ? "https" : "http", u->scheme_len + 1);
    p += u->scheme_len + 1;
    out->host = p;
    for (size_t i = 0; i < u->host_len; i++)
        *p++ = (u->host[i] >= 'A' && u->host[i] <= 'Z') ? (char)(u->host[i] + 32) : u->host[i];
    if (u->port != u->default_port)
        p += sprintf(p, ":%d", u->port);
    *p++ = '\0';
    out->path = p;
    if (u->path_len) {
        memcpy(p, u->path, u->path_len);
        p += u->path_len;
    } else {
        *p++ = '/';
    }
    *p++ = '\0';
    out->query = p;
    memcpy(p, u->query, u->query_len);
    p[u->query_len] = '\0';
    out->port = u->port;
    out->block_ = block;
    return 0;
}

int ev_endpoint_url_parse(const char *url, ev_url *out, ev_endpoint_error *err)
{
    if (out == NULL) {
        set_err(err, "url: NULL output");
        return -1;
    }
    ev_endpoint_url_free(out);
    if (url == NULL) {
        set_err(err, "url: none given");
        return -1;
    }
    url_parts u = {0};
    if (parse_scheme(url, &u, err) != 0)
        return -1;
    const char *auth = url + u.scheme_len + 3;
    size_t auth_len = strcspn(auth, "/?#");
    if (parse_authority(url, auth, auth_len, &u, err) != 0)
        return -1;
    u.path = auth + auth_len;
    u.path_len = strcspn(u.path, "?#");
    u.query = u.path + u.path_len;
    if (*u.query == '?') {
        u.query++;
        u.query_len = strcspn(u.query, "#");
    } else {
        u.query = "";
    }
    return copy_parts(&u, out, err);
}
