/*
 * libFuzzer target: ev_gateway_parse_response, a function's answer to an API
 * Gateway proxy event turned into HTTP (statusCode, headers and
 * multiValueHeaders, body, isBase64Encoded). Any bytes must give either an
 * answer that is safe to send (status 100..599, header names and values
 * without CR/LF) or a clear error (the 502 case), never a crash or a leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devserver/ev_gateway.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ev_gateway_response r;
    ev_ds_error err;
    if (ev_gateway_parse_response((const char *)data, size, &r, &err) != 0) {
        if (err.message[0] == '\0')
            abort();
        return 0;
    }
    if (r.status < 100 || r.status > 599 || r.body == NULL)
        abort();
    for (size_t i = 0; i < r.header_count; i++)
        if (strpbrk(r.names[i], "\r\n: ") != NULL || strpbrk(r.values[i], "\r\n") != NULL)
            abort();
    ev_gateway_response_free(&r);
    return 0;
}
