/* Shared by the fuzz targets that read back what a writer produced: the
 * whole of len bytes as one JSON value (trailing white space allowed), or
 * NULL when anything else follows it or it is not JSON. The caller frees
 * the tree with cJSON_Delete. */
#ifndef EV_FUZZ_PARSE_ALL_H
#define EV_FUZZ_PARSE_ALL_H

#include <cjson/cJSON.h>
#include <stddef.h>

static inline cJSON *parse_all(const char *text, size_t len)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    while (j != NULL && end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (j != NULL && end != text + len) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

#endif
