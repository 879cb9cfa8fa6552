/*
 * ev_time: timestamps as text.
 *
 * Job: RFC 3339 UTC with exactly three fractional digits and a "Z"
 * ("2026-12-02T10:11:12.345Z"), the form of log timestamps and of the
 * received_at the functions stamp on events. Always 24 characters, so
 * timestamps sort as text in time order.
 *
 * Ownership: writes into a buffer the caller provides; allocates nothing.
 * Threads: thread-safe (gmtime_r).
 * Errors: -1 for times whose year falls outside 0000..9999, which RFC 3339
 * cannot write; out is then set to "".
 */
#ifndef EV_CORE_TIME_H
#define EV_CORE_TIME_H

#include <stdint.h>

#define EV_RFC3339_MS_LEN 24

/* epoch_ms: milliseconds since 1970-01-01T00:00:00Z (negative before). */
int ev_time_format_rfc3339_ms(int64_t epoch_ms, char out[EV_RFC3339_MS_LEN + 1]);

#endif
