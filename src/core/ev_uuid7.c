/* ev_uuid7: time-ordered UUIDs (version 7). See ev_uuid.h for the layout. */
#include "core/ev_uuid.h"

#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#define COUNTER_MAX   ((UINT64_C(1) << EV_UUID7_COUNTER_BITS) - 1)
#define COUNTER_SEED  ((UINT64_C(1) << (EV_UUID7_COUNTER_BITS - 1)) - 1) /* top bit clear: room to count */
#define TIMESTAMP_MAX ((INT64_C(1) << 48) - 1)

int ev_uuid_system_random(void *ctx, void *buf, size_t len)
{
    (void)ctx;
    unsigned char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = getrandom(p + got, len - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got == len)
        return 0;
    /* getrandom missing (old kernels, some sandboxes): OpenSSL's DRBG. */
    return len - got <= (size_t)0x7fffffff && RAND_bytes(p + got, (int)(len - got)) == 1 ? 0 : -1;
}

void ev_uuid7_gen_init(ev_uuid7_gen *g, const ev_clock *clock, ev_uuid_random_fn random, void *random_ctx)
{
    g->clock = clock;
    g->random = random ? random : ev_uuid_system_random;
    g->random_ctx = random ? random_ctx : NULL;
    g->last_ms = -1;
    g->counter = 0;
}

static uint64_t load_be(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Picks the timestamp and counter of the next id: a fresh random counter in
 * a new millisecond, the previous counter plus one otherwise. */
static int advance(ev_uuid7_gen *g, int64_t now_ms)
{
    if (now_ms < 0)
        now_ms = 0;
    if (now_ms > TIMESTAMP_MAX)
        now_ms = TIMESTAMP_MAX;
    if (now_ms > g->last_ms) {
        unsigned char seed[6];
        if (g->random(g->random_ctx, seed, sizeof seed) != 0)
            return -1;
        g->last_ms = now_ms;
        g->counter = load_be(seed, sizeof seed) & COUNTER_SEED;
        return 0;
    }
    /* Same millisecond, or the clock stepped back: count on from the last id. */
    if (g->counter < COUNTER_MAX) {
        g->counter++;
        return 0;
    }
    return advance(g, g->last_ms + 1);
}

int ev_uuid7_next(ev_uuid7_gen *g, ev_uuid *out)
{
    memset(out, 0, sizeof *out);
    unsigned char tail[4];
    if (advance(g, ev_clock_realtime_ms(g->clock)) != 0 || g->random(g->random_ctx, tail, sizeof tail) != 0)
        return -1;
    uint64_t ts = (uint64_t)g->last_ms;
    for (int i = 5; i >= 0; i--, ts >>= 8)
        out->bytes[i] = (unsigned char)(ts & 0xFF);
    uint64_t rand_a = g->counter >> 30;           /* 12 bits */
    uint64_t low = g->counter & ((1u << 30) - 1); /* 30 bits */
    out->bytes[6] = (unsigned char)(0x70 | (rand_a >> 8));
    out->bytes[7] = (unsigned char)(rand_a & 0xFF);
    out->bytes[8] = (unsigned char)(0x80 | (low >> 24));
    out->bytes[9] = (unsigned char)((low >> 16) & 0xFF);
    out->bytes[10] = (unsigned char)((low >> 8) & 0xFF);
    out->bytes[11] = (unsigned char)(low & 0xFF);
    memcpy(out->bytes + 12, tail, sizeof tail);
    return 0;
}

static pthread_mutex_t process_lock = PTHREAD_MUTEX_INITIALIZER;
static ev_uuid7_gen process_gen = {NULL, ev_uuid_system_random, NULL, -1, 0};

int ev_uuid7(ev_uuid *out)
{
    pthread_mutex_lock(&process_lock);
    int rc = ev_uuid7_next(&process_gen, out);
    pthread_mutex_unlock(&process_lock);
    return rc;
}
