/*
 * ev_core: process-wide building blocks (module header).
 *
 * What lives where:
 *   ev_buf.h    growable byte buffer that owns its memory; JSON string escaping
 *   ev_arena.h  bump allocator for per-request data, released all at once
 *
 * Ownership: an ev_buf owns its bytes until ev_buf_take hands them over; an
 * ev_arena owns everything allocated from it until reset or free. Neither is
 * thread-safe: one per thread or request.
 */
#ifndef EV_CORE_H
#define EV_CORE_H

#include "core/ev_arena.h"
#include "core/ev_buf.h"

#endif
