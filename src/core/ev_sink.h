/*
 * ev_sink: where log lines and metric documents go.
 *
 * Job: a sink receives one complete line at a time (JSON text ending in
 * '\n'). The default writes it to a file descriptor (stdout, where Lambda
 * collects logs and EMF documents) with a single write(2), so that lines
 * written by several threads or processes never interleave (a pipe keeps
 * writes of up to PIPE_BUF = 4096 bytes whole; longer lines stay whole
 * on regular files and on Lambda's log pipe in practice, and a partial
 * write is continued, never dropped). The capture sink keeps lines in
 * memory for tests.
 *
 * Ownership: the sink context belongs to the caller and must outlive every
 * logger or metrics object using it. An ev_sink_capture owns its buffer;
 * free it with ev_sink_capture_free.
 * Threads: ev_sink_fd is thread-safe; a capture is not.
 * Errors: a sink returns 0, or -1 when the line could not be written
 * (errno kept from write); callers count the failure and go on.
 */
#ifndef EV_CORE_SINK_H
#define EV_CORE_SINK_H

#include <stddef.h>

#include "core/ev_buf.h"

typedef int (*ev_sink_fn)(void *ctx, const char *line, size_t len);

/* ctx: a pointer to an int file descriptor, or NULL for stdout (fd 1). */
int ev_sink_fd(void *ctx, const char *line, size_t len);

typedef struct ev_sink_capture {
    ev_buf text; /* every line, in order */
    size_t lines;
    int fail; /* > 0: the next `fail` lines are refused (-1), to test failure paths */
} ev_sink_capture;

void ev_sink_capture_init(ev_sink_capture *c);
void ev_sink_capture_free(ev_sink_capture *c);
void ev_sink_capture_reset(ev_sink_capture *c);
/* ctx: an ev_sink_capture. */
int ev_sink_capture_fn(void *ctx, const char *line, size_t len);
/* Line i (0-based) without its '\n', copied into a malloc'd string the
 * caller frees; NULL when there is no such line. */
char *ev_sink_capture_line(const ev_sink_capture *c, size_t i);

#endif
