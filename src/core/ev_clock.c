/* ev_clock: system and manual clocks. See ev_clock.h. */
#include "core/ev_clock.h"

#include <errno.h>
#include <time.h>

static int64_t timespec_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    /* Floor division keeps times before 1970 consistent (tv_nsec is never negative). */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t system_realtime_ms(void *ctx)
{
    (void)ctx;
    return timespec_ms(CLOCK_REALTIME);
}

static int64_t system_monotonic_ms(void *ctx)
{
    (void)ctx;
    return timespec_ms(CLOCK_MONOTONIC);
}

static void system_sleep_ms(void *ctx, int64_t ms)
{
    (void)ctx;
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static const ev_clock system_clock = {system_realtime_ms, system_monotonic_ms, system_sleep_ms, NULL};

const ev_clock *ev_clock_system(void)
{
    return &system_clock;
}

int64_t ev_clock_realtime_ms(const ev_clock *c)
{
    c = c ? c : &system_clock;
    return c->realtime_ms(c->ctx);
}

int64_t ev_clock_monotonic_ms(const ev_clock *c)
{
    c = c ? c : &system_clock;
    return c->monotonic_ms(c->ctx);
}

void ev_clock_sleep_ms(const ev_clock *c, int64_t ms)
{
    c = c ? c : &system_clock;
    c->sleep_ms(c->ctx, ms);
}

static int64_t manual_realtime_ms(void *ctx)
{
    return ((ev_manual_clock *)ctx)->realtime_ms;
}

static int64_t manual_monotonic_ms(void *ctx)
{
    return ((ev_manual_clock *)ctx)->monotonic_ms;
}

static void manual_sleep_ms(void *ctx, int64_t ms)
{
    ev_manual_clock *m = ctx;
    m->sleeps++;
    if (ms <= 0)
        return;
    m->slept_ms += ms;
    ev_manual_clock_advance(m, ms);
}

void ev_manual_clock_init(ev_manual_clock *m, int64_t realtime_ms)
{
    m->clock.realtime_ms = manual_realtime_ms;
    m->clock.monotonic_ms = manual_monotonic_ms;
    m->clock.sleep_ms = manual_sleep_ms;
    m->clock.ctx = m;
    m->realtime_ms = realtime_ms;
    m->monotonic_ms = 1000000; /* any origin; not zero so that "unset" stands out */
    m->slept_ms = 0;
    m->sleeps = 0;
}

void ev_manual_clock_advance(ev_manual_clock *m, int64_t ms)
{
    m->realtime_ms += ms;
    m->monotonic_ms += ms;
}
