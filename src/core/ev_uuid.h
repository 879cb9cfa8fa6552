/*
 * ev_uuid: UUIDs (RFC 9562) for event ids.
 *
 * Job:
 *   - UUIDv7, time-ordered: 48-bit Unix milliseconds, then a 42-bit counter
 *     (RFC 9562 section 6.2, method 1: rand_a and the top 30 bits of rand_b)
 *     seeded at random, with its top bit clear, every new millisecond and
 *     incremented within one, then 32 random bits. Ids from one generator
 *     strictly increase (as bytes and as text) even when the clock stands
 *     still or steps back: the generator then keeps its last millisecond
 *     and counts on; a counter that runs out moves the timestamp one
 *     millisecond ahead. ev_uuid7() uses one generator for the whole
 *     process (under a mutex), so its ids increase across threads too.
 *   - Name-based UUIDs: version 8 with SHA-256, as in RFC 9562 appendix
 *     B.2: the first 16 bytes of SHA-256(namespace bytes || name bytes),
 *     version and variant bits set. Chosen over version 5 because v5 is
 *     SHA-1, which RFC 9562 discourages for new uses; the cost is that
 *     Python's uuid module has no v8 helper (the recipe above is three
 *     lines with hashlib). The same (namespace, name) always gives the same
 *     id, so an event derived from (source, Idempotency-Key) keeps its id
 *     when the client retries.
 *   - Text form: 36 characters, lowercase ("0190f1d2-...").
 *
 * Ownership: ev_uuid is a 16-byte value; nothing allocates.
 * Threads: ev_uuid7() is thread-safe; an ev_uuid7_gen is not (one per
 * thread, or the caller locks). The other functions are pure.
 * Errors: functions return 0, or -1 when randomness or the digest is
 * unavailable (getrandom and OpenSSL both failing) or the input is invalid
 * (ev_uuid_parse); *out is then all zero.
 */
#ifndef EV_CORE_UUID_H
#define EV_CORE_UUID_H

#include <stddef.h>
#include <stdint.h>

#include "core/ev_clock.h"

#define EV_UUID_STRING_LEN 36

typedef struct ev_uuid {
    unsigned char bytes[16]; /* network (big-endian) order, as in the text form */
} ev_uuid;

/* The RFC 9562 namespace ids (section 6.6). */
extern const ev_uuid EV_UUID_NAMESPACE_DNS;
extern const ev_uuid EV_UUID_NAMESPACE_URL;
extern const ev_uuid EV_UUID_NAMESPACE_OID;
extern const ev_uuid EV_UUID_NAMESPACE_X500;

/* Lowercase 8-4-4-4-12 hex text and a NUL. */
void ev_uuid_format(const ev_uuid *u, char out[EV_UUID_STRING_LEN + 1]);
/* Reads exactly 36 characters of 8-4-4-4-12 hex (either case). */
int ev_uuid_parse(const char *text, size_t len, ev_uuid *out);
/* The version field (7 for ev_uuid7, 8 for name-based). */
int ev_uuid_version(const ev_uuid *u);
/* 1 when both are the same UUID. */
int ev_uuid_equal(const ev_uuid *a, const ev_uuid *b);

/* ---- name-based (version 8, SHA-256) ---- */

int ev_uuid_v8_sha256(const ev_uuid *ns, const void *name, size_t name_len, ev_uuid *out);

/* A name made of several parts, e.g. (source, Idempotency-Key). Each part is
 * hashed as its length (8 bytes, big-endian) then its bytes, so ("ab","c")
 * and ("a","bc") give different ids. */
typedef struct ev_uuid_part {
    const void *data;
    size_t len;
} ev_uuid_part;

int ev_uuid_v8_sha256_parts(const ev_uuid *ns, const ev_uuid_part *parts, size_t n, ev_uuid *out);

/* ---- time-ordered (version 7) ---- */

/* Fills buf with len random bytes; 0, or -1 when none are available. */
typedef int (*ev_uuid_random_fn)(void *ctx, void *buf, size_t len);

/* getrandom(2), falling back to OpenSSL's RAND_bytes. ctx is unused. */
int ev_uuid_system_random(void *ctx, void *buf, size_t len);

#define EV_UUID7_COUNTER_BITS 42

typedef struct ev_uuid7_gen {
    const ev_clock *clock; /* NULL: system */
    ev_uuid_random_fn random;
    void *random_ctx;
    int64_t last_ms;  /* timestamp of the last id, -1 before the first */
    uint64_t counter; /* counter of the last id */
} ev_uuid7_gen;

/* random NULL: ev_uuid_system_random. */
void ev_uuid7_gen_init(ev_uuid7_gen *g, const ev_clock *clock, ev_uuid_random_fn random, void *random_ctx);
int ev_uuid7_next(ev_uuid7_gen *g, ev_uuid *out);

/* The process-wide generator: system clock and randomness. */
int ev_uuid7(ev_uuid *out);

#endif
