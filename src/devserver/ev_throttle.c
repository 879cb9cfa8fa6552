#include "devserver/ev_throttle.h"

void ev_throttle_init(ev_throttle *t, double rate, long burst)
{
    t->rate = (rate < 0 || burst < 0) ? -1 : rate;
    t->burst = burst < 0 ? 0 : (double)burst;
    t->tokens = t->burst;
    t->last_ms = 0;
    t->started = false;
}

bool ev_throttle_take(ev_throttle *t, int64_t now_ms)
{
    if (t->rate < 0)
        return true;
    if (t->started && now_ms > t->last_ms) {
        t->tokens += (double)(now_ms - t->last_ms) * t->rate / 1000.0;
        if (t->tokens > t->burst)
            t->tokens = t->burst;
    }
    if (!t->started || now_ms > t->last_ms)
        t->last_ms = now_ms;
    t->started = true;
    if (t->tokens < 1.0)
        return false;
    t->tokens -= 1.0;
    return true;
}
