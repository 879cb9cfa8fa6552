/* ev_uuid: text form and name-based UUIDs. See ev_uuid.h. */
#include "core/ev_uuid.h"

#include <openssl/evp.h>
#include <string.h>

const ev_uuid EV_UUID_NAMESPACE_DNS = {
    {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
const ev_uuid EV_UUID_NAMESPACE_URL = {
    {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
const ev_uuid EV_UUID_NAMESPACE_OID = {
    {0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
const ev_uuid EV_UUID_NAMESPACE_X500 = {
    {0x6b, 0xa7, 0xb8, 0x14, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};

void ev_uuid_format(const ev_uuid *u, char out[EV_UUID_STRING_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[u->bytes[i] >> 4];
        *o++ = hex[u->bytes[i] & 15];
    }
    *o = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ev_uuid_parse(const char *text, size_t len, ev_uuid *out)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || len != EV_UUID_STRING_LEN)
        return -1;
    ev_uuid u;
    size_t pos = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            if (text[pos++] != '-')
                return -1;
        }
        int hi = hex_value(text[pos]), lo = hex_value(text[pos + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        u.bytes[i] = (unsigned char)(hi << 4 | lo);
        pos += 2;
    }
    *out = u;
    return 0;
}

int ev_uuid_version(const ev_uuid *u)
{
    return u->bytes[6] >> 4;
}

int ev_uuid_equal(const ev_uuid *a, const ev_uuid *b)
{
    return memcmp(a->bytes, b->bytes, 16) == 0;
}

static void set_version_and_variant(ev_uuid *u, int version)
{
    u->bytes[6] = (unsigned char)((u->bytes[6] & 0x0F) | (version << 4));
    u->bytes[8] = (unsigned char)((u->bytes[8] & 0x3F) | 0x80); /* RFC 9562 variant 10xx */
}

/* Finishes a SHA-256 over the namespace and the name: the first 16 bytes
 * of the digest, version 8. Frees md. */
static int finish_v8(EVP_MD_CTX *md, int ok, ev_uuid *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    ok = ok && EVP_DigestFinal_ex(md, digest, &digest_len) == 1 && digest_len >= 16;
    EVP_MD_CTX_free(md);
    memset(out, 0, sizeof *out);
    if (!ok)
        return -1;
    memcpy(out->bytes, digest, 16);
    set_version_and_variant(out, 8);
    return 0;
}

static EVP_MD_CTX *start_v8(const ev_uuid *ns, int *ok)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    *ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
          EVP_DigestUpdate(md, ns->bytes, 16) == 1;
    return md;
}

int ev_uuid_v8_sha256(const ev_uuid *ns, const void *name, size_t name_len, ev_uuid *out)
{
    int ok;
    EVP_MD_CTX *md = start_v8(ns, &ok);
    ok = ok && (name_len == 0 || EVP_DigestUpdate(md, name, name_len) == 1);
    return finish_v8(md, ok, out);
}

int ev_uuid_v8_sha256_parts(const ev_uuid *ns, const ev_uuid_part *parts, size_t n, ev_uuid *out)
{
    int ok;
    EVP_MD_CTX *md = start_v8(ns, &ok);
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char len_be[8];
        uint64_t len = parts[i].len;
        for (int k = 7; k >= 0; k--, len >>= 8)
            len_be[k] = (unsigned char)(len & 0xFF);
        ok = EVP_DigestUpdate(md, len_be, sizeof len_be) == 1 &&
             (parts[i].len == 0 || EVP_DigestUpdate(md, parts[i].data, parts[i].len) == 1);
    }
    return finish_v8(md, ok, out);
}
