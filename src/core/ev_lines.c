#include "core/ev_lines.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

ev_line_reader *ev_line_reader_new(FILE *in, size_t max_line_bytes)
{
    ev_line_reader *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    r->in = in;
    r->max = max_line_bytes;
    r->number = 0;
    ev_buf_init(&r->line);
    r->length = 0;
    r->too_long = false;
    r->pos = r->end = 0;
    return r;
}

void ev_line_reader_free(ev_line_reader *r)
{
    if (r == NULL)
        return;
    ev_buf_free(&r->line);
    free(r);
}

ev_line_status ev_line_read(ev_line_reader *r)
{
    ev_buf_reset(&r->line);
    r->length = 0;
    r->too_long = false;
    bool any = false;
    for (;;) {
        if (r->pos == r->end) {
            r->pos = 0;
            r->end = fread(r->chunk, 1, sizeof r->chunk, r->in);
            if (r->end == 0) {
                if (ferror(r->in))
                    return EV_LINE_ERROR;
                if (!any)
                    return EV_LINE_END;
                break; /* a last line without a newline */
            }
        }
        any = true;
        const char *start = r->chunk + r->pos;
        const char *nl = memchr(start, '\n', r->end - r->pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : r->end - r->pos;
        r->pos += n + (nl != NULL);
        if (!r->too_long && n > r->max - r->length) {
            r->too_long = true;
            ev_buf_reset(&r->line);
        }
        r->length = n > SIZE_MAX - r->length ? SIZE_MAX : r->length + n;
        if (!r->too_long && ev_buf_append(&r->line, start, n) != 0)
            return EV_LINE_NO_MEMORY;
        if (nl != NULL)
            break;
    }
    r->number++;
    return EV_LINE_READ;
}

bool ev_parse_size(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift != 0)
        end++;
    if (*end != '\0' || v == 0 || v > (SIZE_MAX / 4) >> shift)
        return false;
    *out = (size_t)v << shift;
    return true;
}
