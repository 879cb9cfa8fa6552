/*
 * ev_throttle: API Gateway's stage throttling as a token bucket: the
 * bucket holds up to burst tokens, refills at rate tokens per second, and
 * a request that finds less than one token is throttled (429). It starts
 * full. Time is passed in (milliseconds, any monotonic origin), so tests
 * need no clock.
 *
 * Threads: not locked; the caller serialises (ev_front holds a mutex).
 */
#ifndef EV_DEVSERVER_THROTTLE_H
#define EV_DEVSERVER_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ev_throttle {
    double rate;  /* tokens per second; < 0: unlimited */
    double burst; /* capacity */
    double tokens;
    int64_t last_ms;
    bool started;
} ev_throttle;

/* rate < 0 or burst < 0: no throttling. A burst of 0 with a rate admits nothing
 * (API Gateway's behaviour for a zero burst). */
void ev_throttle_init(ev_throttle *t, double rate, long burst);
/* Takes a token at now_ms; false when the request is throttled. */
bool ev_throttle_take(ev_throttle *t, int64_t now_ms);

#endif
