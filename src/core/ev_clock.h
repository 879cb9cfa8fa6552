/*
 * ev_clock: where time comes from, behind an injectable interface.
 *
 * Job: wall-clock milliseconds since the Unix epoch (timestamps, Lambda
 * deadlines), monotonic milliseconds (durations, latencies) and sleeping,
 * read through an ev_clock so that tests substitute a manual clock and see
 * exact times without waiting. Every API in src/ that reads the time takes
 * a `const ev_clock *`; NULL always means the system clock.
 *
 * Ownership: an ev_clock holds function pointers and a context it does not
 * own; the context must outlive every user of the clock. The system clock
 * is a static object and needs no free. ev_manual_clock lives wherever the
 * test puts it.
 *
 * Threads: the system clock is thread-safe; a manual clock is not (tests
 * drive it from one thread).
 *
 * Errors: none. The system clock reads CLOCK_REALTIME and CLOCK_MONOTONIC,
 * which cannot fail on Linux with valid arguments.
 */
#ifndef EV_CORE_CLOCK_H
#define EV_CORE_CLOCK_H

#include <stdint.h>

typedef struct ev_clock {
    int64_t (*realtime_ms)(void *ctx);       /* ms since 1970-01-01T00:00:00Z */
    int64_t (*monotonic_ms)(void *ctx);      /* ms from an arbitrary origin; never goes back */
    void (*sleep_ms)(void *ctx, int64_t ms); /* waits ms (<= 0: returns at once) */
    void *ctx;
} ev_clock;

/* The process's clocks: CLOCK_REALTIME, CLOCK_MONOTONIC, nanosleep. */
const ev_clock *ev_clock_system(void);

/* Readers that accept NULL for the system clock. */
int64_t ev_clock_realtime_ms(const ev_clock *c);
int64_t ev_clock_monotonic_ms(const ev_clock *c);
void ev_clock_sleep_ms(const ev_clock *c, int64_t ms);

/* A clock that moves only when told to: for tests. Sleeping advances both
 * times by the amount asked and records it, so retry delays are checked
 * without waiting. Pass &m.clock wherever an ev_clock is wanted. */
typedef struct ev_manual_clock {
    ev_clock clock;
    int64_t realtime_ms;
    int64_t monotonic_ms;
    int64_t slept_ms; /* sum of all sleeps */
    int sleeps;       /* number of sleeps */
} ev_manual_clock;

void ev_manual_clock_init(ev_manual_clock *m, int64_t realtime_ms);
/* Moves both times forward by ms. */
void ev_manual_clock_advance(ev_manual_clock *m, int64_t ms);

#endif
