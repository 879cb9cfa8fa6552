/*
 * ev_sigv4: see ev_sigv4.h for the canonicalisation rules and ownership.
 *
 * Speed notes: all scratch memory lives in the signer and is reused, so a
 * signature in steady state performs no allocation; the final HMAC context
 * keeps the signing key's precomputed ipad/opad and is re-initialised with a
 * NULL key (OpenSSL 3 "reinit"), which saves two SHA-256 block compressions
 * and a key schedule per signature.
 */
#include "aws/ev_sigv4.h"

#include "core/ev_buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

/* ---- small helpers ------------------------------------------------------ */

static void set_err(ev_sigv4_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(ev_sigv4_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static const char HEX_UPPER[] = "0123456789ABCDEF";
static const char HEX_LOWER[] = "0123456789abcdef";

static void hex_lower(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX_LOWER[in[i] >> 4];
        out[2 * i + 1] = HEX_LOWER[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* RFC 3986 unreserved, the only bytes SigV4 leaves unencoded. */
static inline bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static inline bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static inline char *put_pct(char *o, unsigned char c)
{
    o[0] = '%';
    o[1] = HEX_UPPER[c >> 4];
    o[2] = HEX_UPPER[c & 15];
    return o + 3;
}

/* Python's str.split() whitespace, restricted to ASCII (botocore folds with it). */
static inline bool is_py_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static inline char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* ---- the signer ---------------------------------------------------------- */

typedef struct qpair {
    size_t koff, klen, voff, vlen; /* into signer->qscratch */
} qpair;

typedef struct hentry {
    size_t noff, nlen; /* lower-cased name, in signer->hnames */
    const char *value; /* caller's or signer-owned, stable during the call */
    size_t index;      /* input order, so duplicates keep it after sorting */
} hentry;

struct ev_sigv4_signer {
    char *access_key_id;
    char *secret;
    char *token;
    char *region;
    char *service;

    bool cache_enabled;
    uint64_t derivations;
    bool key_valid;
    char key_date[9];
    ev_buf key_region;
    ev_buf key_service;
    uint8_t key[32];

    EVP_MAC *mac;
    EVP_MAC_CTX *derive_ctx; /* re-keyed for each step of the derivation */
    EVP_MAC_CTX *sign_ctx;   /* keyed with kSigning; re-initialised per signature */
    bool sign_ctx_keyed;
    EVP_MD *sha256;
    EVP_MD_CTX *md_ctx;

    ev_buf uri, query, qscratch, headers, hnames, signed_headers, payload, creq, scope, sts, auth;
    qpair *pairs;
    size_t pairs_cap;
    hentry *hents;
    size_t hents_cap;

    char amz_date[EV_SIGV4_AMZ_DATE_SIZE];
    char signature[EV_SIGV4_HEX_SIZE];
};

static bool valid_scope_part(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c >= 0x7f || c == '/')
            return false;
    }
    return true;
}

static bool has_control_char(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || (unsigned char)*v == 0x7f)
            return true;
    return false;
}

static void wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

int ev_sigv4_signer_set_credentials(ev_sigv4_signer *s, const ev_credentials *creds, ev_sigv4_error *err)
{
    if (s == NULL || creds == NULL) {
        set_err(err, "sigv4: no credentials");
        return -1;
    }
    if (!valid_scope_part(creds->access_key_id)) {
        set_err(err, "sigv4: the access key id is empty or has spaces, '/' or control characters");
        return -1;
    }
    if (creds->secret_access_key == NULL || creds->secret_access_key[0] == '\0') {
        set_err(err, "sigv4: the secret access key is empty");
        return -1;
    }
    /* The token is sent as a header value: a CR or LF in it would start a
     * new header line. The secret never leaves the process, but a control
     * character in it is as sure a sign of a mangled value. */
    if (has_control_char(creds->secret_access_key)) {
        set_err(err, "sigv4: the secret access key has control characters");
        return -1;
    }
    if (creds->session_token != NULL && has_control_char(creds->session_token)) {
        set_err(err, "sigv4: the session token has control characters (CR, LF, ...)");
        return -1;
    }
    char *akid = strdup(creds->access_key_id);
    char *secret = strdup(creds->secret_access_key);
    char *token = (creds->session_token && creds->session_token[0]) ? strdup(creds->session_token) : NULL;
    if (akid == NULL || secret == NULL ||
        (creds->session_token && creds->session_token[0] && token == NULL)) {
        free(akid);
        wipe_free(secret);
        wipe_free(token);
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    free(s->access_key_id);
    wipe_free(s->secret);
    wipe_free(s->token);
    s->access_key_id = akid;
    s->secret = secret;
    s->token = token;
    s->key_valid = false;
    OPENSSL_cleanse(s->key, sizeof s->key);
    s->sign_ctx_keyed = false;
    return 0;
}

ev_sigv4_signer *ev_sigv4_signer_new(const ev_credentials *creds, const char *region, const char *service,
                                     ev_sigv4_error *err)
{
    if (!valid_scope_part(region)) {
        set_err(err, "sigv4: region is empty or invalid");
        return NULL;
    }
    if (!valid_scope_part(service)) {
        set_err(err, "sigv4: service is empty or invalid");
        return NULL;
    }
    ev_sigv4_signer *s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(err, "sigv4: out of memory");
        return NULL;
    }
    s->cache_enabled = true;
    s->region = dup_str(region);
    s->service = dup_str(service);
    if (s->region == NULL || s->service == NULL) {
        set_err(err, "sigv4: out of memory");
        goto fail;
    }
    if (ev_sigv4_signer_set_credentials(s, creds, err) != 0)
        goto fail;

    s->mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (s->mac == NULL || s->sha256 == NULL) {
        set_err(err, "sigv4: OpenSSL has no HMAC/SHA-256");
        goto fail;
    }
    s->derive_ctx = EVP_MAC_CTX_new(s->mac);
    s->sign_ctx = EVP_MAC_CTX_new(s->mac);
    s->md_ctx = EVP_MD_CTX_new();
    if (s->derive_ctx == NULL || s->sign_ctx == NULL || s->md_ctx == NULL) {
        set_err(err, "sigv4: out of memory (OpenSSL contexts)");
        goto fail;
    }
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    if (!EVP_MAC_CTX_set_params(s->derive_ctx, params) || !EVP_MAC_CTX_set_params(s->sign_ctx, params)) {
        set_err(err, "sigv4: cannot configure HMAC-SHA256");
        goto fail;
    }
    return s;
fail:
    ev_sigv4_signer_free(s);
    return NULL;
}

void ev_sigv4_signer_free(ev_sigv4_signer *s)
{
    if (s == NULL)
        return;
    free(s->access_key_id);
    wipe_free(s->secret);
    wipe_free(s->token);
    free(s->region);
    free(s->service);
    OPENSSL_cleanse(s->key, sizeof s->key);
    ev_buf_free(&s->key_region);
    ev_buf_free(&s->key_service);
    EVP_MAC_CTX_free(s->derive_ctx);
    EVP_MAC_CTX_free(s->sign_ctx);
    EVP_MAC_free(s->mac);
    EVP_MD_CTX_free(s->md_ctx);
    EVP_MD_free(s->sha256);
    ev_buf *bufs[] = {&s->uri,     &s->query, &s->qscratch, &s->headers, &s->hnames, &s->signed_headers,
                      &s->payload, &s->creq,  &s->scope,    &s->sts,     &s->auth};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        ev_buf_free(bufs[i]);
    free(s->pairs);
    free(s->hents);
    free(s);
}

void ev_sigv4_signer_set_key_cache(ev_sigv4_signer *s, bool enabled)
{
    if (s != NULL)
        s->cache_enabled = enabled;
}

uint64_t ev_sigv4_signer_key_derivations(const ev_sigv4_signer *s)
{
    return s ? s->derivations : 0;
}

/* ---- crypto ------------------------------------------------------------- */

static bool hmac_once(EVP_MAC_CTX *ctx, const uint8_t *key, size_t key_len, const char *msg, size_t msg_len,
                      uint8_t out[32])
{
    size_t out_len = 0;
    return EVP_MAC_init(ctx, key, key_len, NULL) &&
           EVP_MAC_update(ctx, (const unsigned char *)msg, msg_len) &&
           EVP_MAC_final(ctx, out, &out_len, 32) && out_len == 32;
}

static bool derive_with(EVP_MAC_CTX *ctx, const char *secret, const char *date8, size_t date_len,
                        const char *region, const char *service, uint8_t out[32])
{
    size_t slen = strlen(secret);
    uint8_t *k0 = malloc(slen + 4);
    if (k0 == NULL)
        return false;
    memcpy(k0, "AWS4", 4);
    memcpy(k0 + 4, secret, slen);
    uint8_t k[32];
    bool ok = hmac_once(ctx, k0, slen + 4, date8, date_len, k) &&
              hmac_once(ctx, k, 32, region, strlen(region), k) &&
              hmac_once(ctx, k, 32, service, strlen(service), k) &&
              hmac_once(ctx, k, 32, "aws4_request", 12, out);
    OPENSSL_cleanse(k0, slen + 4);
    OPENSSL_cleanse(k, sizeof k);
    free(k0);
    return ok;
}

int ev_sigv4_derive_key(const char *secret_access_key, const char *date8, const char *region,
                        const char *service, uint8_t out[32], ev_sigv4_error *err)
{
    if (secret_access_key == NULL || date8 == NULL || strlen(date8) != 8 || region == NULL ||
        service == NULL) {
        set_err(err, "sigv4: derive_key needs a secret, an 8-digit date, a region and a service");
        return -1;
    }
    EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    bool ok = ctx != NULL && EVP_MAC_CTX_set_params(ctx, params) &&
              derive_with(ctx, secret_access_key, date8, 8, region, service, out);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok) {
        set_err(err, "sigv4: HMAC-SHA256 failed");
        return -1;
    }
    return 0;
}

/* Makes sign_ctx hold kSigning for (date, region, service), deriving it only
 * when the cache misses (or is disabled). */
static bool ensure_signing_key(ev_sigv4_signer *s, const char *region, const char *service)
{
    if (s->cache_enabled && s->key_valid && s->sign_ctx_keyed && memcmp(s->key_date, s->amz_date, 8) == 0 &&
        strcmp(s->key_region.data, region) == 0 && strcmp(s->key_service.data, service) == 0)
        return true;
    s->key_valid = false;
    s->sign_ctx_keyed = false;
    if (!derive_with(s->derive_ctx, s->secret, s->amz_date, 8, region, service, s->key))
        return false;
    s->derivations++;
    /* Keying here (not per signature) is the point of the cache: later
     * signatures re-initialise from the stored pads. */
    if (!EVP_MAC_init(s->sign_ctx, s->key, sizeof s->key, NULL))
        return false;
    memcpy(s->key_date, s->amz_date, 8);
    s->key_date[8] = '\0';
    ev_buf_reset(&s->key_region);
    ev_buf_append_str(&s->key_region, region);
    ev_buf_reset(&s->key_service);
    ev_buf_append_str(&s->key_service, service);
    if (s->key_region.failed || s->key_service.failed)
        return false;
    s->key_valid = true;
    s->sign_ctx_keyed = true;
    return true;
}

static bool sha256_hex(ev_sigv4_signer *s, const void *data, size_t len, char out[EV_SIGV4_HEX_SIZE])
{
    uint8_t md[32];
    unsigned int md_len = 0;
    if (!EVP_DigestInit_ex(s->md_ctx, s->sha256, NULL) || !EVP_DigestUpdate(s->md_ctx, data, len) ||
        !EVP_DigestFinal_ex(s->md_ctx, md, &md_len) || md_len != 32)
        return false;
    hex_lower(md, 32, out);
    return true;
}

/* ---- canonical URI ------------------------------------------------------ */

/* botocore: quote(remove_dot_segments(path), safe='/~'), where
 * remove_dot_segments also drops empty segments (collapsing "//"). */
static void canonical_uri(ev_buf *out, const char *path)
{
    ev_buf_reset(out);
    if (path == NULL || *path == '\0') {
        ev_buf_append_char(out, '/');
        return;
    }
    size_t plen = strlen(path);
    bool lead = path[0] == '/';
    bool trail = path[plen - 1] == '/';
    /* Segment stack as (offset, length) into path; a path has at most
     * plen/2+1 segments, but most have a handful, so start on the stack. */
    size_t stack_small[32][2];
    size_t(*segs)[2] = stack_small;
    size_t nseg = 0, cap = 32;
    size_t i = 0;
    while (i <= plen) {
        size_t j = i;
        while (j < plen && path[j] != '/')
            j++;
        size_t n = j - i;
        if (n == 0 || (n == 1 && path[i] == '.')) {
            /* dropped */
        } else if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (nseg > 0)
                nseg--;
        } else {
            if (nseg == cap) {
                size_t ncap = cap * 2;
                size_t(*ns)[2] = malloc(ncap * sizeof *ns);
                if (ns == NULL) {
                    out->failed = true;
                    goto done;
                }
                memcpy(ns, segs, nseg * sizeof *ns);
                if (segs != stack_small)
                    free(segs);
                segs = ns;
                cap = ncap;
            }
            segs[nseg][0] = i;
            segs[nseg][1] = n;
            nseg++;
        }
        i = j + 1;
    }
    if (lead)
        ev_buf_append_char(out, '/');
    for (size_t k = 0; k < nseg; k++) {
        if (k > 0)
            ev_buf_append_char(out, '/');
        const unsigned char *p = (const unsigned char *)path + segs[k][0];
        char *o0 = ev_buf_space(out, 3 * segs[k][1]), *o = o0;
        if (o == NULL)
            goto done;
        for (size_t m = 0; m < segs[k][1]; m++) {
            if (is_unreserved(p[m]))
                *o++ = (char)p[m];
            else
                o = put_pct(o, p[m]);
        }
        ev_buf_commit(out, (size_t)(o - o0));
    }
    if (trail && nseg > 0)
        ev_buf_append_char(out, '/');
done:
    if (segs != stack_small)
        free(segs);
}

/* ---- canonical query ---------------------------------------------------- */

/* Wire form in, canonical form out: valid %XX escapes are kept as written
 * (the caller already encoded them once), every other byte outside the
 * unreserved set is encoded. */
static void query_component(ev_buf *out, const char *p, size_t n)
{
    char *o0 = ev_buf_space(out, 3 * n), *o = o0;
    if (o == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (is_unreserved(c)) {
            *o++ = (char)c;
        } else if (c == '%' && i + 2 < n && is_hex((unsigned char)p[i + 1]) &&
                   is_hex((unsigned char)p[i + 2])) {
            memcpy(o, p + i, 3);
            o += 3;
            i += 2;
        } else {
            o = put_pct(o, c);
        }
    }
    ev_buf_commit(out, (size_t)(o - o0));
}

static int cmp_pair(const void *a, const void *b, void *ctx)
{
    const qpair *x = a, *y = b;
    const char *base = ctx;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(base + x->koff, base + y->koff, n);
    if (c != 0)
        return c;
    if (x->klen != y->klen)
        return x->klen < y->klen ? -1 : 1;
    n = x->vlen < y->vlen ? x->vlen : y->vlen;
    c = memcmp(base + x->voff, base + y->voff, n);
    if (c != 0)
        return c;
    return x->vlen < y->vlen ? -1 : (x->vlen > y->vlen ? 1 : 0);
}

static bool canonical_query(ev_sigv4_signer *s, const char *query)
{
    ev_buf_reset(&s->query);
    if (query == NULL || *query == '\0')
        return true;
    ev_buf_reset(&s->qscratch);
    size_t npairs = 0;
    const char *p = query;
    for (;;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        if (npairs == s->pairs_cap) {
            size_t ncap = s->pairs_cap ? s->pairs_cap * 2 : 16;
            qpair *np = realloc(s->pairs, ncap * sizeof *np);
            if (np == NULL)
                return false;
            s->pairs = np;
            s->pairs_cap = ncap;
        }
        qpair *q = &s->pairs[npairs++];
        q->koff = s->qscratch.len;
        query_component(&s->qscratch, p, klen);
        q->klen = s->qscratch.len - q->koff;
        q->voff = s->qscratch.len;
        if (eq)
            query_component(&s->qscratch, eq + 1, len - klen - 1);
        q->vlen = s->qscratch.len - q->voff;
        if (amp == NULL)
            break;
        p = amp + 1;
    }
    if (s->qscratch.failed)
        return false;
    if (npairs > 1)
        qsort_r(s->pairs, npairs, sizeof *s->pairs, cmp_pair, s->qscratch.data);
    for (size_t i = 0; i < npairs; i++) {
        if (i > 0)
            ev_buf_append_char(&s->query, '&');
        ev_buf_append(&s->query, s->qscratch.data + s->pairs[i].koff, s->pairs[i].klen);
        ev_buf_append_char(&s->query, '=');
        ev_buf_append(&s->query, s->qscratch.data + s->pairs[i].voff, s->pairs[i].vlen);
    }
    return !s->query.failed;
}

/* ---- canonical headers -------------------------------------------------- */

static bool name_is(const char *name, const char *lower)
{
    for (; *name && *lower; name++, lower++)
        if (ascii_lower(*name) != *lower)
            return false;
    return *name == '\0' && *lower == '\0';
}

/* botocore's SIGNED_HEADERS_BLACKLIST: hop-by-hop headers a proxy may
 * rewrite, and headers clients add on their own. */
static bool never_signed(const char *lname, size_t n)
{
    static const char *const list[] = {"connection",
                                       "expect",
                                       "keep-alive",
                                       "proxy-authenticate",
                                       "proxy-authorization",
                                       "te",
                                       "trailer",
                                       "transfer-encoding",
                                       "upgrade",
                                       "user-agent",
                                       "x-amzn-trace-id"};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (strlen(list[i]) == n && memcmp(list[i], lname, n) == 0)
            return true;
    return false;
}

static bool lname_eq(const char *lname, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(lname, lit, n) == 0;
}

static int cmp_hentry(const void *a, const void *b, void *ctx)
{
    const hentry *x = a, *y = b;
    const char *base = ctx;
    size_t n = x->nlen < y->nlen ? x->nlen : y->nlen;
    int c = memcmp(base + x->noff, base + y->noff, n);
    if (c != 0)
        return c;
    if (x->nlen != y->nlen)
        return x->nlen < y->nlen ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index ? 1 : 0);
}

/* Appends name lower-cased to s->hnames; false when memory runs out. */
static bool put_lower_name(ev_sigv4_signer *s, const char *name, size_t n)
{
    char *o = ev_buf_space(&s->hnames, n);
    if (o == NULL)
        return false;
    for (size_t k = 0; k < n; k++)
        o[k] = ascii_lower(name[k]);
    ev_buf_commit(&s->hnames, n);
    return true;
}

/* Records a header to sign whose lower-cased name is hnames[noff, noff+nlen). */
static bool add_hentry_at(ev_sigv4_signer *s, size_t *count, size_t noff, size_t nlen, const char *value)
{
    if (*count == s->hents_cap) {
        size_t ncap = s->hents_cap ? s->hents_cap * 2 : 16;
        hentry *nh = realloc(s->hents, ncap * sizeof *nh);
        if (nh == NULL)
            return false;
        s->hents = nh;
        s->hents_cap = ncap;
    }
    hentry *h = &s->hents[*count];
    h->noff = noff;
    h->nlen = nlen;
    h->value = value;
    h->index = *count;
    (*count)++;
    return true;
}

static bool add_hentry(ev_sigv4_signer *s, size_t *count, const char *name, const char *value)
{
    size_t noff = s->hnames.len, n = strlen(name);
    return put_lower_name(s, name, n) && add_hentry_at(s, count, noff, n, value);
}

/* Trimall: strip, then fold every whitespace run to one space. */
static void put_trimmed(ev_buf *out, const char *v)
{
    const unsigned char *p = (const unsigned char *)v;
    while (*p && is_py_space(*p))
        p++;
    /* The folded value is never longer than the rest of the input. */
    char *o0 = ev_buf_space(out, strlen((const char *)p)), *o = o0;
    if (o == NULL)
        return;
    bool pending_space = false;
    for (; *p; p++) {
        if (is_py_space(*p)) {
            pending_space = true;
            continue;
        }
        if (pending_space) {
            *o++ = ' ';
            pending_space = false;
        }
        *o++ = (char)*p;
    }
    ev_buf_commit(out, (size_t)(o - o0));
}

static bool valid_header_name(const char *n)
{
    if (n == NULL || *n == '\0')
        return false;
    for (; *n; n++) {
        unsigned char c = (unsigned char)*n;
        if (c <= ' ' || c >= 0x7f || c == ':')
            return false;
    }
    return true;
}

/* ---- signing ------------------------------------------------------------ */

static bool format_amz_date(const struct tm *t, char out[EV_SIGV4_AMZ_DATE_SIZE])
{
    if (t->tm_year + 1900 < 0 || t->tm_year + 1900 > 9999)
        return false;
    int n = snprintf(out, EV_SIGV4_AMZ_DATE_SIZE, "%04d%02d%02dT%02d%02d%02dZ", t->tm_year + 1900,
                     t->tm_mon + 1, t->tm_mday, t->tm_hour, t->tm_min, t->tm_sec);
    return n == EV_SIGV4_AMZ_DATE_SIZE - 1;
}

/* Phase 1: arguments the signature depends on. Sets *have_host when the
 * caller's headers carry a Host. */
static int check_request(const ev_sigv4_request *req, const char *region, const char *service,
                         bool *have_host, ev_sigv4_error *err)
{
    if (!valid_scope_part(region) || !valid_scope_part(service)) {
        set_err(err, "sigv4: region or service is empty or invalid");
        return -1;
    }
    if (req->method == NULL || req->method[0] == '\0') {
        set_err(err, "sigv4: no HTTP method");
        return -1;
    }
    for (const char *m = req->method; *m; m++) {
        if ((unsigned char)*m <= ' ' || (unsigned char)*m >= 0x7f) {
            set_err(err, "sigv4: the HTTP method has spaces or control characters");
            return -1;
        }
    }
    if (req->header_count > 0 && req->headers == NULL) {
        set_err(err, "sigv4: header_count > 0 but no headers");
        return -1;
    }
    if (req->body_len > 0 && req->body == NULL) {
        set_err(err, "sigv4: body_len > 0 but no body");
        return -1;
    }
    /* The payload hash may become a header value (X-Amz-Content-SHA256). */
    if (req->payload_hash != NULL && has_control_char(req->payload_hash)) {
        set_err(err, "sigv4: payload_hash has control characters");
        return -1;
    }
    *have_host = false;
    for (size_t i = 0; i < req->header_count; i++) {
        const ev_sigv4_header *h = &req->headers[i];
        if (!valid_header_name(h->name) || h->value == NULL) {
            set_err(err, "sigv4: header %zu has an empty or invalid name, or no value", i);
            return -1;
        }
        if (strpbrk(h->value, "\r\n") != NULL) {
            set_err(err, "sigv4: header '%s' has a line break in its value", h->name);
            return -1;
        }
        if (name_is(h->name, "host"))
            *have_host = true;
    }
    if (!*have_host && (req->host == NULL || req->host[0] == '\0')) {
        set_err(err, "sigv4: no host (set request.host or a Host header)");
        return -1;
    }
    return 0;
}

/* Phase 2: the payload hash, copied into the signer (the result and the
 * X-Amz-Content-SHA256 header must not point into the caller's request):
 * request.payload_hash, else an X-Amz-Content-SHA256 input header, else the
 * SHA-256 of the body. */
static int payload_hash(ev_sigv4_signer *s, const ev_sigv4_request *req, ev_sigv4_error *err)
{
    const char *given = req->payload_hash;
    for (size_t i = 0; given == NULL && i < req->header_count; i++)
        if (name_is(req->headers[i].name, "x-amz-content-sha256"))
            given = req->headers[i].value;
    ev_buf_reset(&s->payload);
    if (given != NULL) {
        if (ev_buf_append_str(&s->payload, given) != 0) {
            set_err(err, "sigv4: out of memory");
            return -1;
        }
        return 0;
    }
    char hex[EV_SIGV4_HEX_SIZE];
    if (!sha256_hex(s, req->body ? req->body : "", req->body_len, hex)) {
        set_err(err, "sigv4: SHA-256 failed");
        return -1;
    }
    if (ev_buf_append(&s->payload, hex, EV_SIGV4_HEX_SIZE - 1) != 0) {
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    return 0;
}

/* The headers to sign, in input order, names lower-cased into s->hnames:
 * the caller's minus those never signed or set by the signer, then host,
 * x-amz-date, the token and x-amz-content-sha256 as they apply. */
static bool collect_headers(ev_sigv4_signer *s, const ev_sigv4_request *req, bool have_host, size_t *count)
{
    ev_buf_reset(&s->hnames);
    size_t nh = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        size_t mark = s->hnames.len;
        const ev_sigv4_header *h = &req->headers[i];
        size_t n = strlen(h->name);
        /* Lower-cased once: kept as the entry's name unless it is skipped. */
        if (!put_lower_name(s, h->name, n))
            return false;
        const char *ln = s->hnames.data + mark;
        bool skip = never_signed(ln, n) || lname_eq(ln, n, "authorization") ||
                    lname_eq(ln, n, "x-amz-date") || (s->token && lname_eq(ln, n, "x-amz-security-token")) ||
                    (req->add_content_sha256 && lname_eq(ln, n, "x-amz-content-sha256"));
        if (skip)
            s->hnames.len = mark;
        else if (!add_hentry_at(s, &nh, mark, n, h->value))
            return false;
    }
    bool ok = true;
    if (!have_host)
        ok = add_hentry(s, &nh, "host", req->host);
    ok = ok && add_hentry(s, &nh, "x-amz-date", s->amz_date);
    if (ok && s->token)
        ok = add_hentry(s, &nh, "x-amz-security-token", s->token);
    if (ok && req->add_content_sha256)
        ok = add_hentry(s, &nh, "x-amz-content-sha256", ev_buf_cstr(&s->payload));
    *count = nh;
    return ok;
}

/* Phase 3: canonical headers and the signed-headers list. */
static int canonical_headers(ev_sigv4_signer *s, const ev_sigv4_request *req, bool have_host,
                             ev_sigv4_error *err)
{
    size_t nh = 0;
    if (!collect_headers(s, req, have_host, &nh)) {
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    qsort_r(s->hents, nh, sizeof *s->hents, cmp_hentry, s->hnames.data);
    ev_buf_reset(&s->headers);
    ev_buf_reset(&s->signed_headers);
    for (size_t i = 0; i < nh;) {
        const hentry *h = &s->hents[i];
        const char *name = s->hnames.data + h->noff;
        if (i > 0)
            ev_buf_append_char(&s->signed_headers, ';');
        ev_buf_append(&s->signed_headers, name, h->nlen);
        ev_buf_append(&s->headers, name, h->nlen);
        ev_buf_append_char(&s->headers, ':');
        /* Repeated names: one line, values joined by ',' in input order. */
        size_t j = i;
        for (; j < nh && s->hents[j].nlen == h->nlen &&
               memcmp(s->hnames.data + s->hents[j].noff, name, h->nlen) == 0;
             j++) {
            if (j > i)
                ev_buf_append_char(&s->headers, ',');
            put_trimmed(&s->headers, s->hents[j].value);
        }
        ev_buf_append_char(&s->headers, '\n');
        i = j;
    }
    if (s->headers.failed || s->signed_headers.failed) {
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    return 0;
}

/* Phase 4: the canonical request, the six parts joined by '\n'. */
static int canonical_request(ev_sigv4_signer *s, const ev_sigv4_request *req, ev_sigv4_error *err)
{
    canonical_uri(&s->uri, req->path);
    if (!canonical_query(s, req->query) || s->uri.failed) {
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    ev_buf *creq = &s->creq;
    ev_buf_reset(creq);
    for (const char *m = req->method; *m; m++)
        ev_buf_append_char(creq, (char)toupper((unsigned char)*m));
    ev_buf_append_char(creq, '\n');
    ev_buf_append(creq, s->uri.data, s->uri.len);
    ev_buf_append_char(creq, '\n');
    if (s->query.len)
        ev_buf_append(creq, s->query.data, s->query.len);
    ev_buf_append_char(creq, '\n');
    ev_buf_append(creq, s->headers.data, s->headers.len);
    ev_buf_append_char(creq, '\n');
    ev_buf_append(creq, s->signed_headers.data, s->signed_headers.len);
    ev_buf_append_char(creq, '\n');
    ev_buf_append(creq, s->payload.data, s->payload.len);
    if (creq->failed) {
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    return 0;
}

/* Phase 5: credential scope and string to sign. */
static int string_to_sign(ev_sigv4_signer *s, const char *region, const char *service, ev_sigv4_error *err)
{
    ev_buf_reset(&s->scope);
    ev_buf_append(&s->scope, s->amz_date, 8);
    ev_buf_append_char(&s->scope, '/');
    ev_buf_append_str(&s->scope, region);
    ev_buf_append_char(&s->scope, '/');
    ev_buf_append_str(&s->scope, service);
    ev_buf_append_str(&s->scope, "/aws4_request");

    char creq_hash[EV_SIGV4_HEX_SIZE];
    if (!sha256_hex(s, s->creq.data, s->creq.len, creq_hash)) {
        set_err(err, "sigv4: SHA-256 failed");
        return -1;
    }
    ev_buf_reset(&s->sts);
    ev_buf_append_str(&s->sts, "AWS4-HMAC-SHA256\n");
    ev_buf_append(&s->sts, s->amz_date, EV_SIGV4_AMZ_DATE_SIZE - 1);
    ev_buf_append_char(&s->sts, '\n');
    ev_buf_append(&s->sts, s->scope.data, s->scope.len);
    ev_buf_append_char(&s->sts, '\n');
    ev_buf_append(&s->sts, creq_hash, 64);
    if (s->scope.failed || s->sts.failed) {
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    return 0;
}

/* Phase 6: HMAC of the string to sign with kSigning, and the Authorization value. */
static int signature(ev_sigv4_signer *s, const char *region, const char *service, ev_sigv4_error *err)
{
    if (!ensure_signing_key(s, region, service)) {
        set_err(err, "sigv4: deriving the signing key failed");
        return -1;
    }
    uint8_t sig[32];
    size_t sig_len = 0;
    if (!EVP_MAC_init(s->sign_ctx, NULL, 0, NULL) ||
        !EVP_MAC_update(s->sign_ctx, (const unsigned char *)s->sts.data, s->sts.len) ||
        !EVP_MAC_final(s->sign_ctx, sig, &sig_len, sizeof sig) || sig_len != 32) {
        s->sign_ctx_keyed = false;
        set_err(err, "sigv4: HMAC-SHA256 failed");
        return -1;
    }
    hex_lower(sig, 32, s->signature);

    ev_buf_reset(&s->auth);
    ev_buf_append_str(&s->auth, "AWS4-HMAC-SHA256 Credential=");
    ev_buf_append_str(&s->auth, s->access_key_id);
    ev_buf_append_char(&s->auth, '/');
    ev_buf_append(&s->auth, s->scope.data, s->scope.len);
    ev_buf_append_str(&s->auth, ", SignedHeaders=");
    ev_buf_append(&s->auth, s->signed_headers.data, s->signed_headers.len);
    ev_buf_append_str(&s->auth, ", Signature=");
    ev_buf_append(&s->auth, s->signature, 64);
    if (s->auth.failed) {
        set_err(err, "sigv4: out of memory");
        return -1;
    }
    return 0;
}

/* Phase 7: the result, every string the signer's own. */
static void fill_result(ev_sigv4_signer *s, const ev_sigv4_request *req, ev_sigv4_result *out)
{
    memset(out, 0, sizeof *out);
    out->canonical_uri = ev_buf_cstr(&s->uri);
    out->canonical_query = ev_buf_cstr(&s->query);
    out->canonical_headers = ev_buf_cstr(&s->headers);
    out->signed_headers = ev_buf_cstr(&s->signed_headers);
    out->payload_hash = ev_buf_cstr(&s->payload);
    out->canonical_request = ev_buf_cstr(&s->creq);
    out->credential_scope = ev_buf_cstr(&s->scope);
    out->string_to_sign = ev_buf_cstr(&s->sts);
    out->signature = s->signature;
    out->authorization = ev_buf_cstr(&s->auth);
    out->amz_date = s->amz_date;
    out->security_token = s->token;
    size_t k = 0;
    out->headers[k++] = (ev_sigv4_header){"X-Amz-Date", s->amz_date};
    if (s->token)
        out->headers[k++] = (ev_sigv4_header){"X-Amz-Security-Token", s->token};
    if (req->add_content_sha256)
        out->headers[k++] = (ev_sigv4_header){"X-Amz-Content-SHA256", out->payload_hash};
    out->headers[k++] = (ev_sigv4_header){"Authorization", out->authorization};
    out->header_count = k;
}

static int sign_with_date(ev_sigv4_signer *s, const ev_sigv4_request *req, ev_sigv4_result *out,
                          ev_sigv4_error *err)
{
    const char *region = req->region ? req->region : s->region;
    const char *service = req->service ? req->service : s->service;
    bool have_host = false;
    if (check_request(req, region, service, &have_host, err) != 0 || payload_hash(s, req, err) != 0 ||
        canonical_headers(s, req, have_host, err) != 0 || canonical_request(s, req, err) != 0 ||
        string_to_sign(s, region, service, err) != 0 || signature(s, region, service, err) != 0)
        return -1;
    fill_result(s, req, out);
    return 0;
}

int ev_sigv4_sign_tm(ev_sigv4_signer *s, const ev_sigv4_request *req, const struct tm *when_utc,
                     ev_sigv4_result *out, ev_sigv4_error *err)
{
    if (s == NULL || req == NULL || when_utc == NULL || out == NULL) {
        set_err(err, "sigv4: NULL argument");
        return -1;
    }
    /* Normalise out-of-range fields the way mktime would, but in UTC. */
    struct tm t = *when_utc;
    t.tm_isdst = 0;
    time_t when = timegm(&t);
    struct tm n;
    if (when == (time_t)-1 &&
        !(when_utc->tm_year == 69 && when_utc->tm_mon == 11 && when_utc->tm_mday == 31)) {
        set_err(err, "sigv4: the signing time is out of range");
        return -1;
    }
    if (gmtime_r(&when, &n) == NULL || !format_amz_date(&n, s->amz_date)) {
        set_err(err, "sigv4: the signing time is out of range");
        return -1;
    }
    return sign_with_date(s, req, out, err);
}

int ev_sigv4_sign(ev_sigv4_signer *s, const ev_sigv4_request *req, time_t when, ev_sigv4_result *out,
                  ev_sigv4_error *err)
{
    if (s == NULL || req == NULL || out == NULL) {
        set_err(err, "sigv4: NULL argument");
        return -1;
    }
    struct tm t;
    if (gmtime_r(&when, &t) == NULL || !format_amz_date(&t, s->amz_date)) {
        set_err(err, "sigv4: the signing time is out of range");
        return -1;
    }
    return sign_with_date(s, req, out, err);
}

int ev_sigv4_parse_amz_date(const char *str, time_t *out, ev_sigv4_error *err)
{
    if (str == NULL || out == NULL || strlen(str) != 16 || str[8] != 'T' || str[15] != 'Z')
        goto bad;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (str[i] < '0' || str[i] > '9'))
            goto bad;
    struct tm t = {0};
    int v[6];
    const int offs[6][2] = {{0, 4}, {4, 2}, {6, 2}, {9, 2}, {11, 2}, {13, 2}};
    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int k = 0; k < offs[i][1]; k++)
            v[i] = v[i] * 10 + (str[offs[i][0] + k] - '0');
    }
    t.tm_year = v[0] - 1900;
    t.tm_mon = v[1] - 1;
    t.tm_mday = v[2];
    t.tm_hour = v[3];
    t.tm_min = v[4];
    t.tm_sec = v[5];
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59)
        goto bad;
    time_t when = timegm(&t);
    struct tm back;
    if (gmtime_r(&when, &back) == NULL || back.tm_mday != v[2] || back.tm_mon != v[1] - 1)
        goto bad;
    *out = when;
    return 0;
bad:
    set_err(err, "sigv4: bad date '%.40s' (want YYYYMMDDTHHMMSSZ, e.g. 20150830T123600Z)",
            str ? str : "(null)");
    return -1;
}
