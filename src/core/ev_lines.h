/*
 * ev_lines: JSON Lines input for the command-line tools, bounded.
 *
 * Job: reads lines of any length from a stream in 64 KiB chunks. A line is
 * kept up to `max` bytes; beyond that its bytes are only counted, so one
 * huge line costs no memory and the run goes on. NUL bytes inside a line are
 * kept. A last line without a newline is still a line. A trailing "\r" is
 * the caller's business (JSON allows it as whitespace).
 *
 * Ownership: the reader owns `line`; its bytes are valid until the next
 * ev_line_read or ev_line_reader_free. The stream is borrowed.
 * Threads: one reader, one thread.
 * Errors: ev_line_read says what happened; on EV_LINE_ERROR errno holds the
 * stream's error; on EV_LINE_NO_MEMORY `length` says how much of the line
 * was read.
 */
#ifndef EV_CORE_LINES_H
#define EV_CORE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/ev_buf.h"

typedef struct ev_line_reader {
    FILE *in;
    size_t max;
    unsigned long number; /* of the line last returned, from 1 */
    ev_buf line;          /* its bytes, without the newline (when not too long) */
    size_t length;        /* its length, counted even when too long */
    bool too_long;        /* longer than max: `line` is empty */
    size_t pos, end;      /* unread bytes of chunk */
    char chunk[64 * 1024];
} ev_line_reader;

typedef enum { EV_LINE_READ, EV_LINE_END, EV_LINE_ERROR, EV_LINE_NO_MEMORY } ev_line_status;

/* Allocates a reader (it holds a 64 KiB chunk); NULL when out of memory. */
ev_line_reader *ev_line_reader_new(FILE *in, size_t max_line_bytes);
void ev_line_reader_free(ev_line_reader *r);
ev_line_status ev_line_read(ev_line_reader *r);

/* "16777216", "64K", "16M", "1G" (K, M, G: binary multiples): at least 1,
 * at most SIZE_MAX / 4. False for anything else. */
bool ev_parse_size(const char *s, size_t *out);

#endif
