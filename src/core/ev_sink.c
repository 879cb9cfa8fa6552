/* ev_sink: file descriptor and capture sinks. See ev_sink.h. */
#include "core/ev_sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ev_sink_fd(void *ctx, const char *line, size_t len)
{
    int fd = ctx ? *(const int *)ctx : STDOUT_FILENO;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, line + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

void ev_sink_capture_init(ev_sink_capture *c)
{
    ev_buf_init(&c->text);
    c->lines = 0;
    c->fail = 0;
}

void ev_sink_capture_free(ev_sink_capture *c)
{
    ev_buf_free(&c->text);
    c->lines = 0;
}

void ev_sink_capture_reset(ev_sink_capture *c)
{
    ev_buf_reset(&c->text);
    c->lines = 0;
}

int ev_sink_capture_fn(void *ctx, const char *line, size_t len)
{
    ev_sink_capture *c = ctx;
    if (c->fail > 0) {
        c->fail--;
        return -1;
    }
    if (ev_buf_append(&c->text, line, len) != 0)
        return -1;
    c->lines++;
    return 0;
}

char *ev_sink_capture_line(const ev_sink_capture *c, size_t i)
{
    const char *p = c->text.data;
    const char *end = p ? p + c->text.len : NULL;
    for (size_t k = 0; p && p < end; k++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        if (k == i) {
            size_t n = (size_t)(line_end - p);
            char *out = malloc(n + 1);
            if (out) {
                memcpy(out, p, n);
                out[n] = '\0';
            }
            return out;
        }
        p = line_end + 1;
    }
    return NULL;
}
