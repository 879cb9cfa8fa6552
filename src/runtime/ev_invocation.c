/* ev_invocation: the invocation context. See ev_invocation.h. */
#include "runtime/ev_invocation.h"

#include <string.h>

void ev_invocation_init(ev_invocation *inv, const char *request_id, int64_t deadline_ms, ev_arena *arena,
                        const ev_clock *clock)
{
    memset(inv, 0, sizeof *inv);
    inv->request_id = request_id;
    inv->deadline_ms = deadline_ms;
    inv->function_arn = "";
    inv->arena = arena;
    inv->clock = clock;
}

int64_t ev_invocation_remaining_ms(const ev_invocation *inv)
{
    return inv->deadline_ms - ev_clock_realtime_ms(inv->clock);
}
