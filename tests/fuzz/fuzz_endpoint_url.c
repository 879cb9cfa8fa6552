/*
 * libFuzzer target: ev_endpoint_url_parse (AWS_ENDPOINT_URL* values and
 * any endpoint URL from configuration). The input is the URL; it is copied
 * into an exact-size NUL-terminated buffer. Checks the documented shape of
 * a parsed URL: scheme http/https, a non-empty lower-case host, ":port"
 * only when not the default, a path starting where the URL's did ("/" when
 * none), a query without '#'.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ev_endpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    if (url == NULL)
        abort();
    memcpy(url, data, size);
    url[size] = '\0';

    ev_url u = EV_URL_INIT;
    ev_endpoint_error err;
    memset(&err, 0, sizeof err);
    int rc = ev_endpoint_url_parse(url, &u, &err);
    if (rc == 0) {
        if (!u.scheme || !u.host || !u.path || !u.query || !u.block_)
            abort();
        int https = strcmp(u.scheme, "https") == 0;
        if (!https && strcmp(u.scheme, "http") != 0)
            abort();
        if (u.host[0] == '\0' || u.port < 1 || u.port > 65535)
            abort();
        for (const char *h = u.host; *h; h++)
            if (*h >= 'A' && *h <= 'Z')
                abort();
        if (u.port == (https ? 443 : 80)) {
            /* no ":port" suffix (an IPv6 host ends with ']', others have no ':') */
            if (u.host[0] != '[' && strchr(u.host, ':') != NULL)
                abort();
        }
        if (u.path[0] == '\0' || strchr(u.path, '?') || strchr(u.path, '#') || strchr(u.query, '#'))
            abort();
        /* Reparsing the same input into a filled ev_url frees the old one. */
        if (ev_endpoint_url_parse(url, &u, &err) != 0)
            abort();
    } else {
        if (u.block_ != NULL || err.message[0] == '\0')
            abort();
    }
    ev_endpoint_url_free(&u);
    free(url);
    return 0;
}
