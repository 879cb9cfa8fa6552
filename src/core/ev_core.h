/*
 * ev_core: process-wide building blocks (module header).
 *
 * What lives where:
 *   ev_buf.h      growable byte buffer that owns its memory; JSON string
 *                 escaping (also UTF-8-safe and bounded), number text
 *   ev_arena.h    bump allocator for per-request data, released all at once
 *   ev_clock.h    realtime/monotonic milliseconds and sleep behind an
 *                 injectable clock; a manual clock for tests
 *   ev_time.h     RFC 3339 UTC timestamps with milliseconds
 *   ev_uuid.h     UUIDv7 (time-ordered, monotonic) and name-based v8 (SHA-256)
 *   ev_sink.h     where lines go: stdout in one write(2), or a test capture
 *   ev_log.h      structured JSON logs with the Powertools keys
 *   ev_metrics.h  CloudWatch Embedded Metric Format documents
 *
 * Ownership: an ev_buf owns its bytes until ev_buf_take hands them over; an
 * ev_arena owns everything allocated from it until reset or free; ev_log
 * holds copies and needs no free; ev_metrics is released with
 * ev_metrics_free. Clocks and sink contexts are borrowed. None of them is
 * thread-safe except ev_log_emit, the system clock and ev_uuid7().
 */
#ifndef EV_CORE_H
#define EV_CORE_H

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "core/ev_clock.h"
#include "core/ev_log.h"
#include "core/ev_metrics.h"
#include "core/ev_sink.h"
#include "core/ev_time.h"
#include "core/ev_uuid.h"

#endif
