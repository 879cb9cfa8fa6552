/* ev_time: RFC 3339 timestamps. See ev_time.h. */
#include "core/ev_time.h"

#include <stdio.h>
#include <time.h>

/* 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in seconds since the epoch. */
#define MIN_SECONDS (-62167219200LL)
#define END_SECONDS 253402300800LL

int ev_time_format_rfc3339_ms(int64_t epoch_ms, char out[EV_RFC3339_MS_LEN + 1])
{
    out[0] = '\0';
    /* Floor division: -1 ms is 1969-12-31T23:59:59.999Z. */
    int64_t seconds = epoch_ms / 1000;
    int64_t millis = epoch_ms % 1000;
    if (millis < 0) {
        millis += 1000;
        seconds -= 1;
    }
    if (seconds < MIN_SECONDS || seconds >= END_SECONDS)
        return -1;
    time_t t = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return -1;
    int n = snprintf(out, EV_RFC3339_MS_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)millis);
    if (n != EV_RFC3339_MS_LEN) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}
