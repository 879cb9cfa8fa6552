/* Unit tests for schema/ev_json: strict parsing on top of cJSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "schema/ev_json.h"

/* A sanitizer's allocator (ASan, TSan): RLIMIT_AS and heap-peak measures do not apply. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EV_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define EV_TEST_ASAN 1
#endif
#endif
#ifndef EV_TEST_ASAN
#define EV_TEST_ASAN 0
#endif

/* Parses from an exact-size heap copy so ASan/valgrind catch any read past len. */
static cJSON *parse_n(const char *s, size_t len, ev_json_error *e)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, s, len);
    cJSON *r = ev_json_parse(copy, len, e);
    free(copy);
    return r;
}

static cJSON *parse(const char *s, ev_json_error *e)
{
    return parse_n(s, strlen(s), e);
}

static void expect_ok(const char *s)
{
    ev_json_error e;
    cJSON *r = parse(s, &e);
    if (r == NULL)
        fail_msg("rejected %s: %s", s, e.message);
    cJSON_Delete(r);
}

static void expect_err(const char *s, ev_json_status st, long offset)
{
    ev_json_error e;
    cJSON *r = parse(s, &e);
    if (r != NULL) {
        cJSON_Delete(r);
        fail_msg("accepted %s", s);
    }
    if (e.status != st || e.offset != offset)
        fail_msg("%s: got %s at %ld (%s), want %s at %ld", s, ev_json_status_name(e.status), e.offset,
                 e.message, ev_json_status_name(st), offset);
}

static void test_valid_documents(void **state)
{
    (void)state;
    expect_ok("{}");
    expect_ok("[]");
    expect_ok(" \t\r\n[ ] \n");
    expect_ok("null");
    expect_ok("true");
    expect_ok("\"\"");
    expect_ok("0");
    expect_ok("-0");
    expect_ok("-0.0e-0");
    expect_ok("1E+2");
    expect_ok("[\"\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\"]");
    expect_ok("{\"\xc3\xa9t\xc3\xa9\":\"\xe2\x82\xac\xf0\x9f\x98\x80\"}");
    expect_ok("{\"a\":1,\"A\":2}"); /* names are case-sensitive */
    expect_ok("[{\"a\":1},{\"a\":1}]");
    expect_ok("{\"a\":{\"a\":{\"a\":1}}}");
}

static void test_number_grammar(void **state)
{
    (void)state;
    expect_err("01", EV_JSON_SYNTAX, 0);
    expect_err("[1,-01]", EV_JSON_SYNTAX, 3);
    expect_err("1.", EV_JSON_SYNTAX, 0);
    expect_err("[1.e5]", EV_JSON_SYNTAX, 1);
    expect_err("[-.5]", EV_JSON_SYNTAX, 1);
    expect_err(".5", EV_JSON_SYNTAX, 0);
    expect_err("-", EV_JSON_SYNTAX, 0);
    expect_err("+1", EV_JSON_SYNTAX, 0);
    expect_err("[1e]", EV_JSON_SYNTAX, 2);
    expect_err("[0x10]", EV_JSON_SYNTAX, 2);
    expect_err("[Infinity]", EV_JSON_SYNTAX, 1);
    expect_err("[NaN]", EV_JSON_SYNTAX, 1);
    ev_json_error e;
    assert_null(parse("{\"a\":{\"b\":[1,{\"c\":00}]}}", &e));
    assert_string_equal(e.pointer, "/a/b/1/c");
    assert_string_equal(e.message, "invalid JSON at byte 18: malformed number 00 at /a/b/1/c");
}

static void test_number_range_precision(void **state)
{
    (void)state;
    ev_json_error e;
    assert_null(parse("{\"x\":9007199254740993}", &e));
    assert_int_equal(e.status, EV_JSON_NUMBER_PRECISION);
    assert_int_equal(e.offset, 5);
    assert_string_equal(e.pointer, "/x");
    assert_string_equal(
        e.message,
        "number 9007199254740993 at /x cannot be stored exactly (nearest double is 9007199254740992)");
    expect_err("[0.10000000000000001]", EV_JSON_NUMBER_PRECISION, 1);
    expect_err("[1e-400]", EV_JSON_NUMBER_PRECISION, 1);
    expect_err("[4.9e-324]", EV_JSON_NUMBER_PRECISION, 1);
    expect_err("[1, 1e400]", EV_JSON_NUMBER_RANGE, 4);
    expect_err("-1e309", EV_JSON_NUMBER_RANGE, 0);
    expect_ok("[9007199254740992, 0.1, 22.50, 1e23, 1.7976931348623157e308, 5e-324, 0.30000000000000004]");
    expect_ok("[123456789012345, 1234567890.12345, 0.000000000000001]");
}

static void test_number_texts(void **state)
{
    (void)state;
    const char *doc = "{\"a\":22.50,\"b\":[1E+2,-0,{\"c\":1e-7}],\"d\":\"5\",\"e\":0.1}";
    cJSON *r = parse(doc, NULL);
    assert_non_null(r);
    assert_string_equal(ev_json_number_text(cJSON_GetObjectItem(r, "a")), "22.50");
    cJSON *b = cJSON_GetObjectItem(r, "b");
    assert_string_equal(ev_json_number_text(cJSON_GetArrayItem(b, 0)), "1E+2");
    assert_string_equal(ev_json_number_text(cJSON_GetArrayItem(b, 1)), "-0");
    assert_string_equal(ev_json_number_text(cJSON_GetObjectItem(cJSON_GetArrayItem(b, 2), "c")), "1e-7");
    assert_null(ev_json_number_text(cJSON_GetObjectItem(r, "d")));
    assert_string_equal(ev_json_number_text(cJSON_GetObjectItem(r, "e")), "0.1");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(r, "e")));
    /* Duplicates own their texts and outlive the original. */
    cJSON *dup = cJSON_Duplicate(b, 1);
    cJSON_Delete(r);
    assert_string_equal(ev_json_number_text(cJSON_GetArrayItem(dup, 0)), "1E+2");
    cJSON_Delete(dup);
    /* A number as the root owns its own text. */
    r = parse(" 42 ", NULL);
    assert_string_equal(ev_json_number_text(r), "42");
    cJSON_Delete(r);
    cJSON *made = cJSON_CreateNumber(3);
    assert_null(ev_json_number_text(made));
    cJSON_Delete(made);
    /* Many numbers: the record array grows past its inline capacity. */
    char big[4096];
    size_t n = 0;
    big[n++] = '[';
    for (int i = 0; i < 500; i++)
        n += (size_t)snprintf(big + n, sizeof big - n, "%s%d.5", i ? "," : "", i);
    big[n++] = ']';
    r = parse_n(big, n, NULL);
    assert_non_null(r);
    assert_string_equal(ev_json_number_text(cJSON_GetArrayItem(r, 499)), "499.5");
    cJSON_Delete(r);
}

/* "{\"a\":" + head + count copies of fill + tail + "}", malloc'd. */
static char *long_number_doc(const char *head, char fill, size_t count, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(5 + h + count + t + 2);
    assert_non_null(s);
    memcpy(s, "{\"a\":", 5);
    memcpy(s + 5, head, h);
    memset(s + 5 + h, fill, count);
    memcpy(s + 5 + h + count, tail, t);
    memcpy(s + 5 + h + count + t, "}", 2);
    return s;
}

static void test_number_long_texts(void **state)
{
    (void)state;
    ev_json_error e;
    /* 1<100000 zeros>e-1000000 is 10^-900000, which no double holds. Before,
     * the exponent was cut at 100000 and the number taken for 1. */
    char *doc = long_number_doc("1", '0', 100000, "e-1000000");
    assert_null(parse(doc, &e));
    assert_int_equal(e.status, EV_JSON_NUMBER_PRECISION);
    assert_int_equal(e.offset, 5);
    assert_string_equal(e.pointer, "/a");
    /* The text is abbreviated so that the place and the reason still fit. */
    assert_string_equal(e.message, "number 100000000000000000000000...000e-1000000 (100010 characters) at /a "
                                   "cannot be stored exactly (nearest double is 0)");
    free(doc);
    doc = long_number_doc("-1", '0', 100000, "e-1000000");
    expect_err(doc, EV_JSON_NUMBER_PRECISION, 5);
    free(doc);
    doc = long_number_doc("0.", '0', 100000, "1e1000000"); /* 10^899999 */
    expect_err(doc, EV_JSON_NUMBER_RANGE, 5);
    free(doc);
    doc = long_number_doc("1", '0', 100000, "e-100400"); /* 1e-400 */
    expect_err(doc, EV_JSON_NUMBER_PRECISION, 5);
    free(doc);
    doc = long_number_doc("1", '0', 100000, "e-99691"); /* 1e309 */
    expect_err(doc, EV_JSON_NUMBER_RANGE, 5);
    free(doc);
    doc = long_number_doc("9007199254740993", '0', 100000, "e-100000");
    expect_err(doc, EV_JSON_NUMBER_PRECISION, 5);
    free(doc);
    /* Their exact neighbours pass, with their text and the right double. */
    static const struct {
        const char *head;
        size_t zeros;
        const char *tail;
        double value;
    } ok[] = {
        {"1", 100000, "e-100000", 1.0},         {"1", 100000, "e-100001", 0.1},
        {"1", 100000, "e-99692", 1e308},        {"1", 100000, "e-100323", 1e-323},
        {"0.", 100010, "12345e100011", 1.2345}, {"-0.", 1000000, "5e1000001", -5.0},
        {"0.", 100000, "0e99999999999", 0.0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        doc = long_number_doc(ok[i].head, '0', ok[i].zeros, ok[i].tail);
        cJSON *r = parse(doc, &e);
        if (r == NULL)
            fail_msg("case %zu rejected: %s", i, e.message);
        const cJSON *a = cJSON_GetObjectItem(r, "a");
        assert_true(a->valuedouble == ok[i].value);
        assert_int_equal(strlen(ev_json_number_text(a)), strlen(doc) - 6);
        cJSON_Delete(r);
        free(doc);
    }
}

static void test_number_wide_exponents(void **state)
{
    (void)state;
    expect_err("[1e99999999999999999999]", EV_JSON_NUMBER_RANGE, 1);
    expect_err("[-1e99999999999999999999]", EV_JSON_NUMBER_RANGE, 1);
    expect_err("[1e-99999999999999999999]", EV_JSON_NUMBER_PRECISION, 1);
    expect_err("[1e-1000000]", EV_JSON_NUMBER_PRECISION, 1);
    expect_err("[1e100001]", EV_JSON_NUMBER_RANGE, 1);
    expect_ok("[0e99999999999999999999, -0.0e-99999999999999999999, 1e000000000000000000000000001]");
    cJSON *r = parse("[0e99999999999999999999]", NULL);
    assert_non_null(r);
    assert_string_equal(ev_json_number_text(r->child), "0e99999999999999999999");
    cJSON_Delete(r);
}

static void test_strings(void **state)
{
    (void)state;
    ev_json_error e;
    expect_err("[\"a\x01\"]", EV_JSON_SYNTAX, 3);
    expect_err("[\"tab\there\"]", EV_JSON_SYNTAX, 5);
    expect_err("[\"\xc0\xaf\"]", EV_JSON_SYNTAX, 2);         /* overlong */
    expect_err("[\"\xed\xa0\x80\"]", EV_JSON_SYNTAX, 2);     /* surrogate */
    expect_err("[\"\xf4\x90\x80\x80\"]", EV_JSON_SYNTAX, 2); /* > U+10FFFF */
    expect_err("[\"ab\xc3\"]", EV_JSON_SYNTAX, 4);           /* truncated */
    expect_err("[\"a\\u0000b\"]", EV_JSON_SYNTAX, 3);
    expect_ok("[\"a\\\\u0000\"]"); /* an escaped backslash, then text */
    expect_err("[\"\\x\"]", EV_JSON_SYNTAX, 2);
    expect_err("[\"\\ude00\"]", EV_JSON_SYNTAX, 2);
    assert_null(parse("{\"k\":{\"n\xff\":1}}", &e));
    assert_string_equal(e.pointer, "/k"); /* a bad name points at its object */
    assert_null(parse("{\"k\":[\"ok\",\"bad\x1f\"]}", &e));
    assert_string_equal(e.pointer, "/k/1");
    assert_string_equal(e.message,
                        "invalid JSON at byte 15: control character 0x1F must be escaped (string at /k/1)");
    /* Long strings exercise the 16-byte window path. */
    expect_ok("{\"a long member name with spaces\":\"and a long value with \xc3\xa9 and \\\" quotes\","
              "\"second\":\"0123456789abcdef0123456789abcdef\",\"n\":[1,2,3]}");
    expect_err("{\"a long member name with spaces\":\"0123456789abcdef0123\x7f\x01\"}", EV_JSON_SYNTAX, 56);
    expect_err("{\"a long member name with spaces\":\"0123456789abcdef0123\xe2\x82\"}", EV_JSON_SYNTAX, 55);
    expect_err("{\"padding padding padding\":\"0123456789abcdef\\u0000\"}", EV_JSON_SYNTAX, 44);
}

static void test_structure(void **state)
{
    (void)state;
    ev_json_error e;
    expect_err("", EV_JSON_SYNTAX, 0);
    expect_err("   ", EV_JSON_SYNTAX, 3);
    expect_err("[1", EV_JSON_SYNTAX, 2);
    expect_err("[1}", EV_JSON_SYNTAX, 2);
    expect_err("[1,]", EV_JSON_SYNTAX, 3);
    expect_err("{\"a\":1,}", EV_JSON_SYNTAX, 7);
    expect_err("[1] x", EV_JSON_SYNTAX, 4);
    expect_err("[1] [2]", EV_JSON_SYNTAX, 4);
    expect_err("\x01[1]", EV_JSON_SYNTAX, 0); /* cJSON skips any byte <= 0x20 */
    expect_err("[1,\x0b 2]", EV_JSON_SYNTAX, 3);
    assert_null(parse_n("[1]\0", 4, &e)); /* NUL after the value */
    assert_int_equal(e.offset, 3);
    assert_null(parse_n("[\"a\0\"]", 5, &e)); /* raw NUL in a string */
    assert_int_equal(e.offset, 3);
    expect_err("\xef\xbb\xbf[1]", EV_JSON_SYNTAX, 0); /* byte order mark */
    expect_err("\"abc", EV_JSON_SYNTAX, 4);
    expect_err("tru", EV_JSON_SYNTAX, 0);
    expect_err("[1 2]", EV_JSON_SYNTAX, 3);
    assert_null(parse("{\"a\": 1 }}", &e));
    assert_string_equal(e.message, "invalid JSON at byte 9: unexpected character '}' after the value");
    /* Only len bytes are parsed. */
    assert_null(parse_n("[1]", 2, &e));
    assert_int_equal(e.offset, 2);
    assert_string_equal(e.message, "invalid JSON at byte 2: unexpected end of input");
    cJSON *r = parse_n("[1]garbage", 3, NULL);
    assert_non_null(r);
    cJSON_Delete(r);
    assert_null(ev_json_parse(NULL, 3, &e));
    assert_null(ev_json_parse(NULL, 0, NULL));
}

static void test_duplicates(void **state)
{
    (void)state;
    ev_json_error e;
    assert_null(parse("{\"a\":1,\"a\":2}", &e));
    assert_int_equal(e.status, EV_JSON_DUPLICATE_KEY);
    assert_string_equal(e.pointer, "");
    assert_null(parse("{\"x\":{\"payload\":{\"b\":1,\"c\":2,\"b\":3}}}", &e));
    assert_string_equal(e.pointer, "/x/payload");
    assert_string_equal(e.message, "duplicate member name \"b\" in object at /x/payload");
    /* Equal after unescaping. */
    expect_err("{\"a\":1,\"\\u0061\":2}", EV_JSON_DUPLICATE_KEY, -1);
    expect_err("{\"\":1,\"\":2}", EV_JSON_DUPLICATE_KEY, -1);
    assert_null(parse("{\"a/b\":{\"~\":1,\"~\":1}}", &e));
    assert_string_equal(e.pointer, "/a~1b");
    /* Many members: the hashed path, with and without a duplicate. */
    char doc[8192];
    size_t n = 0;
    doc[n++] = '{';
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s\"k%d\":%d", i ? "," : "", i, i);
    doc[n++] = '}';
    cJSON *r = parse_n(doc, n, NULL);
    assert_non_null(r);
    cJSON_Delete(r);
    n--;
    n += (size_t)snprintf(doc + n, sizeof doc - n, ",\"k17\":0}");
    assert_null(parse_n(doc, n, &e));
    assert_int_equal(e.status, EV_JSON_DUPLICATE_KEY);
    assert_string_equal(e.message, "duplicate member name \"k17\" in object at (root)");
}

static void test_depth(void **state)
{
    (void)state;
    char doc[2100];
    memset(doc, '[', 1000);
    memset(doc + 1000, ']', 1000);
    cJSON *r = parse_n(doc, 2000, NULL);
    assert_non_null(r);
    cJSON_Delete(r);
    memset(doc, '[', 1001);
    memset(doc + 1001, ']', 1001);
    ev_json_error e;
    assert_null(parse_n(doc, 2002, &e));
    assert_int_equal(e.status, EV_JSON_TOO_DEEP);
    assert_int_equal(e.offset, 1000);
}

static void test_long_pointer_truncated(void **state)
{
    (void)state;
    char doc[2000];
    size_t n = 0;
    for (int i = 0; i < 30; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"segment-%02d-long-name\":", i);
    n += (size_t)snprintf(doc + n, sizeof doc - n, "01");
    for (int i = 0; i < 30; i++)
        doc[n++] = '}';
    ev_json_error e;
    assert_null(parse_n(doc, n, &e));
    assert_int_equal(strlen(e.pointer), sizeof e.pointer - 1);
    assert_string_equal(e.pointer + strlen(e.pointer) - 3, "...");
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ev_json_status_name(EV_JSON_OK), "ok");
    assert_string_equal(ev_json_status_name(EV_JSON_SYNTAX), "syntax");
    assert_string_equal(ev_json_status_name(EV_JSON_DUPLICATE_KEY), "duplicate-key");
    assert_string_equal(ev_json_status_name(EV_JSON_NUMBER_RANGE), "number-range");
    assert_string_equal(ev_json_status_name(EV_JSON_NUMBER_PRECISION), "number-precision");
    assert_string_equal(ev_json_status_name(EV_JSON_TOO_DEEP), "too-deep");
    assert_string_equal(ev_json_status_name(EV_JSON_NO_MEMORY), "no-memory");
    assert_string_equal(ev_json_status_name(EV_JSON_NO_HOOKS), "no-hooks");
}

/* ---- before ev_json_init: nothing installed, nothing needed --------------- */

/* cJSON memory allocated before ev_json_init is released after it, with
 * cJSON_Delete, cJSON_free or free() alike (runs first, before any init). */
static cJSON *made_before_init;
static char *printed_before_init;

static void test_without_init(void **state)
{
    (void)state;
    /* ev_json_parse needs no hooks; ev_json_parse_arena refuses, clearly. */
    cJSON *t = parse("{\"a\":[1.50]}", NULL);
    assert_non_null(t);
    ev_arena a = EV_ARENA_INIT;
    ev_json_error e;
    assert_null(ev_json_parse_arena("[1]", 3, &a, &e));
    assert_int_equal(e.status, EV_JSON_NO_HOOKS);
    assert_non_null(strstr(e.message, "ev_json_init"));
    assert_null(a.head); /* nothing taken from the arena */
    assert_string_equal(ev_json_status_name(EV_JSON_NO_HOOKS), "no-hooks");
    made_before_init = t;
    printed_before_init = cJSON_PrintUnformatted(t);
    assert_string_equal(printed_before_init, "{\"a\":[1.5]}");
}

static void test_init_changes_nothing_outside_parses(void **state)
{
    (void)state;
    ev_json_init();
    ev_json_init(); /* idempotent */
    /* Memory from before the install goes back through the installed hooks. */
    cJSON_Delete(made_before_init);
    cJSON_free(printed_before_init);
    /* cJSON output is plain malloc memory: free() is as good as cJSON_free
     * (a header in front of it would make this an invalid free). */
    cJSON *t = cJSON_CreateObject();
    assert_non_null(cJSON_AddNumberToObject(t, "n", 2));
    char *s = cJSON_PrintUnformatted(t);
    assert_string_equal(s, "{\"n\":2}");
    free(s);
    char *raw = cJSON_malloc(24);
    assert_non_null(raw);
    free(raw);
    raw = malloc(24);
    assert_non_null(raw);
    cJSON_free(raw); /* and the other way round */
    cJSON_Delete(t);
    cJSON_free(NULL);
}

/* ---- arena-backed parsing and the allocation hooks ----------------------- */

/* Documents covering every node kind, number texts, escapes, nesting and an
 * object big enough for the hashed duplicate check. */
static const char *const ARENA_DOCS[] = {
    "{}",
    "[]",
    "null",
    "\"just a string \\u00e9\\n\"",
    "-12.50e+3",
    "{\"a\":22.50,\"b\":[1E+2,-0,{\"c\":1e-7}],\"d\":\"5\",\"e\":0.1,\"f\":[true,false,null]}",
    "{\"k01\":1,\"k02\":2,\"k03\":3,\"k04\":4,\"k05\":5,\"k06\":6,\"k07\":7,\"k08\":8,\"k09\":9,"
    "\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,\"k17\":17.25,"
    "\"nested\":{\"x\":[[[[1.5]]]],\"\\u00fc\\ud83d\\ude00\":\"\\\"q\\\"\"}}",
};

/* Same shape, values, member names and number texts; the IsReference flag
 * of number nodes included (it protects their texts from cJSON_Delete). */
static void assert_same_tree(const cJSON *a, const cJSON *b)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->type, b->type);
    if ((a->string == NULL) != (b->string == NULL))
        fail_msg("member name present in one tree only");
    if (a->string != NULL)
        assert_string_equal(a->string, b->string);
    if (cJSON_IsNumber(a)) {
        assert_memory_equal(&a->valuedouble, &b->valuedouble, sizeof(double));
        assert_int_equal(a->valueint, b->valueint);
        assert_string_equal(ev_json_number_text(a), ev_json_number_text(b));
    } else if (cJSON_IsString(a)) {
        assert_string_equal(a->valuestring, b->valuestring);
    }
    const cJSON *ca = a->child, *cb = b->child;
    for (; ca != NULL && cb != NULL; ca = ca->next, cb = cb->next)
        assert_same_tree(ca, cb);
    assert_true(ca == NULL && cb == NULL);
}

static bool in_range(const void *p, const unsigned char *lo, const unsigned char *hi)
{
    return (const unsigned char *)p >= lo && (const unsigned char *)p < hi;
}

/* Every node, member name, string and number text lies in [lo, hi). */
static void assert_tree_in(const cJSON *n, const unsigned char *lo, const unsigned char *hi)
{
    for (; n != NULL; n = n->next) {
        assert_true(in_range(n, lo, hi));
        if (n->string != NULL)
            assert_true(in_range(n->string, lo, hi));
        if (n->valuestring != NULL)
            assert_true(in_range(n->valuestring, lo, hi));
        assert_tree_in(n->child, lo, hi);
    }
}

static void test_arena_equals_malloc(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 1 << 20); /* one block: allocations are contiguous */
    for (size_t i = 0; i < sizeof ARENA_DOCS / sizeof ARENA_DOCS[0]; i++) {
        const char *doc = ARENA_DOCS[i];
        cJSON *heap = ev_json_parse(doc, strlen(doc), NULL);
        (void)ev_arena_alloc(&a, 1); /* make sure the block exists, then note where the tree starts */
        const unsigned char *lo = a.ptr;
        ev_json_error e;
        cJSON *arena = ev_json_parse_arena(doc, strlen(doc), &a, &e);
        if (arena == NULL)
            fail_msg("arena parse rejected %s: %s", doc, e.message);
        assert_int_equal(e.status, EV_JSON_OK);
        assert_same_tree(heap, arena);
        assert_tree_in(arena, lo, a.ptr);
        cJSON_Delete(heap);
        ev_arena_reset(&a);
    }
    ev_arena_free(&a);
}

static void test_arena_errors_match(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",          "[1,]",  "{\"a\":1,\"a\":2}", "[1e400]", "[0.10000000000000001]", "[\"\\u0000\"]",
        "{\"a\" 1}", "[1] x", "[\"\x01\"]",        "[01]",    "[\"\xC0\xAF\"]",        "[1",
    };
    ev_arena a = EV_ARENA_INIT;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ev_json_error eh, ea;
        assert_null(ev_json_parse(bad[i], strlen(bad[i]), &eh));
        assert_null(ev_json_parse_arena(bad[i], strlen(bad[i]), &a, &ea));
        assert_int_equal(eh.status, ea.status);
        assert_int_equal(eh.offset, ea.offset);
        assert_string_equal(eh.pointer, ea.pointer);
        assert_string_equal(eh.message, ea.message);
        ev_arena_reset(&a);
    }
    ev_json_error e;
    assert_null(ev_json_parse_arena("[]", 2, NULL, &e));
    assert_int_equal(e.status, EV_JSON_NO_MEMORY);
    ev_arena_free(&a);
}

/* A malloc tree is untouched by arena parses and resets in the same thread
 * (before and after), and a duplicate of an arena tree outlives its arena. */
static void test_trees_own_their_memory(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 4096);
    const char *doc = ARENA_DOCS[6];
    cJSON *heap = ev_json_parse(doc, strlen(doc), NULL);
    assert_non_null(heap);
    cJSON *arena = ev_json_parse_arena(doc, strlen(doc), &a, NULL);
    assert_non_null(arena);
    cJSON *dup = cJSON_Duplicate(arena, 1);
    cJSON *other = cJSON_Parse("{\"plain\":[1,2,3]}"); /* as the AWS layer parses */
    assert_non_null(other);
    ev_arena_free(&a);                          /* the arena tree is gone; nothing else is */
    cJSON *heap_dup = cJSON_Duplicate(heap, 1); /* duplicates clear cJSON_IsReference */
    assert_same_tree(heap_dup, dup);
    cJSON_Delete(heap_dup);
    assert_string_equal(ev_json_number_text(cJSON_GetObjectItem(dup, "k17")), "17.25");
    char *s = cJSON_PrintUnformatted(other);
    assert_string_equal(s, "{\"plain\":[1,2,3]}");
    free(s);
    cJSON_Delete(other);
    cJSON_Delete(dup);
    cJSON_Delete(heap);
}

static void test_print_after_arena_parses(void **state)
{
    (void)state;
    /* A print longer than cJSON's first 256-byte buffer: with custom hooks
     * cJSON grows it by allocate + copy + free instead of realloc. */
    char doc[4096], want[4096];
    size_t n = 0, m = 0;
    doc[n++] = '[';
    want[m++] = '[';
    for (int i = 0; i < 300; i++) {
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s%d", i ? ", " : "", i);
        m += (size_t)snprintf(want + m, sizeof want - m, "%s%d", i ? "," : "", i);
    }
    doc[n++] = ']';
    want[m++] = ']';
    want[m] = '\0';
    ev_arena a;
    ev_arena_init(&a, 1 << 20);
    cJSON *arena = ev_json_parse_arena(doc, n, &a, NULL);
    assert_non_null(arena);
    const unsigned char *lo = (const unsigned char *)a.head, *hi = a.ptr + a.left;
    char *from_arena_tree = cJSON_PrintUnformatted(arena);
    assert_string_equal(from_arena_tree, want);
    assert_false(in_range(from_arena_tree, lo, hi)); /* printing allocates from malloc */
    cJSON *made = cJSON_CreateObject();
    assert_false(in_range(made, lo, hi));
    cJSON_Delete(made);
    ev_arena_reset(&a);
    free(from_arena_tree);
    ev_arena_free(&a);
}

/* A failed arena parse gives the arena back as it was, whatever failed:
 * cJSON, the strictness checks after it, or memory. */
static void test_arena_failure_rewinds(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[1,2,3,", "{\"a\":1,\"a\":2}", "[0.10000000000000001]", "[\"\\u0000\"]", "[1] x", "[01]",
    };
    ev_arena a;
    ev_arena_init(&a, 256); /* small blocks: failures span several */
    assert_non_null(ev_arena_alloc(&a, 40));
    char big[8192];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* The bad text at the end of a long array, so cJSON builds a lot first. */
        size_t n = 0;
        big[n++] = '[';
        for (int k = 0; k < 500; k++)
            n += (size_t)snprintf(big + n, sizeof big - n, "%d,", k);
        n += (size_t)snprintf(big + n, sizeof big - n, "%s]", bad[i]);
        void *head = a.head;
        unsigned char *ptr = a.ptr;
        size_t left = a.left;
        ev_json_error e;
        assert_null(ev_json_parse_arena(big, n, &a, &e));
        assert_int_not_equal(e.status, EV_JSON_OK);
        assert_ptr_equal(a.head, head);
        assert_ptr_equal(a.ptr, ptr);
        assert_int_equal(a.left, left);
    }
    ev_arena_free(&a);
}

/* Out of memory inside cJSON is EV_JSON_NO_MEMORY, not a syntax error at
 * wherever cJSON stopped. An arena with an impossible block size fails
 * every allocation that needs a block. */
static void test_arena_out_of_memory(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, SIZE_MAX);
    ev_json_error e;
    assert_null(ev_json_parse_arena("[1,2,3]", 7, &a, &e));
    assert_int_equal(e.status, EV_JSON_NO_MEMORY);
    assert_string_equal(e.message, "out of memory while parsing a document of 7 bytes");
    assert_int_equal(e.offset, -1);
    ev_arena_free(&a);
}

/* cJSON (some builds) copies every number token into a buffer it frees
 * right away: in an arena that must not cost anything, so a number costs
 * one node and its text. */
static void test_arena_number_cost(void **state)
{
    (void)state;
    enum { COUNT = 1000 };
    char doc[4 * COUNT];
    size_t n = 0;
    doc[n++] = '[';
    for (int i = 0; i < COUNT; i++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s%d", i ? "," : "", i % 10);
    doc[n++] = ']';
    ev_arena a;
    ev_arena_init(&a, 1 << 20);
    assert_non_null(ev_arena_alloc(&a, 1)); /* the block exists */
    size_t before = a.left;
    assert_non_null(ev_json_parse_arena(doc, n, &a, NULL));
    size_t node = (sizeof(cJSON) + EV_ARENA_ALIGN - 1) & ~(size_t)(EV_ARENA_ALIGN - 1);
    size_t texts = ((size_t)COUNT * 2 + EV_ARENA_ALIGN - 1) & ~(size_t)(EV_ARENA_ALIGN - 1);
    assert_int_equal(before - a.left, (COUNT + 1) * node + texts);
    ev_arena_free(&a);
}

/* cJSON hooks replaced behind ev_json's back: the arena parse notices (the
 * tree would not be arena memory) and refuses; ev_json_parse still works.
 * In a child process, since the hooks cannot be put back. */
static void test_hooks_replaced(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cJSON_InitHooks(NULL);
        ev_arena a = EV_ARENA_INIT;
        ev_json_error e;
        int bad = ev_json_parse_arena("[1,2]", 5, &a, &e) != NULL || e.status != EV_JSON_NO_HOOKS;
        cJSON *t = ev_json_parse("[1,2]", 5, NULL);
        bad |= t == NULL;
        cJSON_Delete(t);
        ev_arena_free(&a);
        _exit(bad);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_arena_reuse_no_growth(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 16384);
    const char *doc = ARENA_DOCS[6];
    assert_non_null(ev_json_parse_arena(doc, strlen(doc), &a, NULL));
    ev_arena_reset(&a);
    void *head = a.head;
    unsigned char *start = a.ptr;
    size_t full = a.left, used = 0;
    for (int i = 0; i < 20000; i++) {
        cJSON *t = ev_json_parse_arena(doc, strlen(doc), &a, NULL);
        assert_non_null(t);
        size_t u = full - a.left;
        if (i == 0)
            used = u;
        assert_int_equal(u, used);      /* the same bytes every time */
        assert_ptr_equal(a.head, head); /* no new block */
        ev_arena_reset(&a);
        assert_ptr_equal(a.ptr, start);
    }
    /* A document far bigger than a block: extra blocks, all given back at
     * the reset, which retains the first block only. */
    size_t cap = 1 << 20, n = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    big[n++] = '[';
    while (n < cap - 64)
        n += (size_t)snprintf(big + n, cap - n, "%s{\"v\":%zu.5}", n > 1 ? "," : "", n);
    big[n++] = ']';
    cJSON *t = ev_json_parse_arena(big, n, &a, NULL);
    assert_non_null(t);
    assert_ptr_not_equal(a.head, head);
    ev_arena_reset(&a);
    assert_ptr_equal(a.head, head);
    assert_ptr_equal(a.ptr, start);
    assert_int_equal(a.left, full);
    free(big);
    ev_arena_free(&a);
}

/* Two threads parsing into their own arenas while a third parses and prints
 * with malloc: the current arena is per thread. */
typedef struct worker {
    bool use_arena;
    int iterations;
    int failures;
} worker;

static void *parse_worker(void *arg)
{
    worker *w = arg;
    ev_arena a;
    ev_arena_init(&a, 8192);
    const char *doc = ARENA_DOCS[5];
    size_t len = strlen(doc);
    for (int i = 0; i < w->iterations; i++) {
        cJSON *t = w->use_arena ? ev_json_parse_arena(doc, len, &a, NULL) : ev_json_parse(doc, len, NULL);
        const char *txt = t ? ev_json_number_text(cJSON_GetObjectItem(t, "a")) : NULL;
        if (txt == NULL || strcmp(txt, "22.50") != 0)
            w->failures++;
        if (w->use_arena) {
            ev_arena_reset(&a);
        } else {
            char *s = cJSON_PrintUnformatted(t);
            if (s == NULL || strstr(s, "\"d\":\"5\"") == NULL)
                w->failures++;
            free(s); /* plain malloc memory, also while other threads parse into arenas */
            cJSON_Delete(t);
        }
    }
    ev_arena_free(&a);
    return NULL;
}

static void test_arena_threads(void **state)
{
    (void)state;
    worker w[3] = {{true, 20000, 0}, {true, 20000, 0}, {false, 5000, 0}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, parse_worker, &w[i]), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
}

/* ---- memory pressure and the cost bound (plain builds only) --------------- */

/* Address-space limits and resident-set figures mean nothing under ASan
 * (shadow memory) or valgrind (its own allocator): those tests skip there. */
static bool memory_figures_meaningful(void)
{
    return !RUNNING_ON_VALGRIND && !EV_TEST_ASAN;
}

/* [0,0,...]: a node per two bytes, the costliest text per byte. */
static char *numbers_doc(size_t count, size_t *len)
{
    char *doc = malloc(count * 2 + 2);
    assert_non_null(doc);
    size_t n = 0;
    doc[n++] = '[';
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            doc[n++] = ',';
        doc[n++] = '0';
    }
    doc[n++] = ']';
    *len = n;
    return doc;
}

static long vm_size_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = -1;
    if (f != NULL) {
        if (fscanf(f, "%ld", &pages) != 1)
            pages = -1;
        fclose(f);
    }
    return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

/* In a child: 4 MB of numbers (about 200 MB to parse) with 48 MB of
 * address space to spare. Exit status: a bit per wrong outcome. */
static int parse_under_limit(void)
{
    size_t len;
    char *doc = numbers_doc(2000000, &len);
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)vm_size_bytes() + (48 << 20);
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        return 64;
    int bad = 0;
    ev_json_error e;
    ev_arena a;
    ev_arena_init(&a, 65536);
    if (ev_json_parse_arena(doc, len, &a, &e) != NULL || e.status != EV_JSON_NO_MEMORY)
        bad |= 1;
    ev_arena_free(&a);
    if (ev_json_parse(doc, len, &e) != NULL || e.status != EV_JSON_NO_MEMORY)
        bad |= 2;
    else if (strstr(e.message, "out of memory while parsing") == NULL)
        bad |= 4;
    /* Without the hooks, malloc's ENOMEM tells. */
    cJSON_InitHooks(NULL);
    if (ev_json_parse(doc, len, &e) != NULL || e.status != EV_JSON_NO_MEMORY)
        bad |= 8;
    return bad;
}

static void test_out_of_memory_mid_parse(void **state)
{
    (void)state;
    if (!memory_figures_meaningful())
        skip();
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(parse_under_limit());
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0)
        fail_msg("wrong outcomes under the memory limit: mask %d", WEXITSTATUS(st));
}

/* Measurement mode of this binary (a fresh process, so that no freed
 * memory of earlier tests hides the parse's): prints the peak resident
 * growth of one parse and ev_json_parse_max_bytes for its length. */
static const char *const SHAPES[] = {"numbers", "strings", "arrays", "objects", "open"};

static long status_kib(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(name);
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, name, n) == 0 && line[n] == ':')
            v = atol(line + n + 1);
    if (f != NULL)
        fclose(f);
    return v;
}

static int measure_parse(const char *shape, const char *mode)
{
    enum { ITEMS = 700000 };
    char *doc = malloc(ITEMS * 12 + 16);
    if (doc == NULL)
        return 1;
    size_t n = 0;
    bool object = strcmp(shape, "objects") == 0;
    doc[n++] = object ? '{' : '[';
    for (size_t i = 0; i < ITEMS; i++) {
        if (i > 0)
            doc[n++] = ',';
        if (object)
            n += (size_t)sprintf(doc + n, "\"%zx\":0", i);
        else
            n += (size_t)sprintf(doc + n, "%s",
                                 strcmp(shape, "strings") == 0  ? "\"\""
                                 : strcmp(shape, "arrays") == 0 ? "[]"
                                                                : "0");
    }
    if (strcmp(shape, "open") != 0)
        doc[n++] = object ? '}' : ']';
    ev_json_init();
    ev_arena a;
    ev_arena_init(&a, 65536);
    malloc_trim(0);
    long before = status_kib("VmRSS");
    FILE *f = fopen("/proc/self/clear_refs", "w"); /* resets VmHWM to VmRSS */
    if (f == NULL || fputs("5", f) == EOF || fclose(f) != 0)
        return 1;
    cJSON *t =
        strcmp(mode, "arena") == 0 ? ev_json_parse_arena(doc, n, &a, NULL) : ev_json_parse(doc, n, NULL);
    long peak = status_kib("VmHWM");
    printf("%zu %ld %zu\n", n, (peak - before) * 1024, ev_json_parse_max_bytes(n));
    if (strcmp(mode, "arena") != 0)
        cJSON_Delete(t);
    ev_arena_free(&a);
    free(doc);
    return 0;
}

static void test_parse_max_bytes_bounds_the_peak(void **state)
{
    (void)state;
    assert_int_equal(ev_json_parse_max_bytes(SIZE_MAX), SIZE_MAX);
    assert_true(ev_json_parse_max_bytes(0) > 0);
    assert_true(ev_json_parse_max_bytes(1000) >= 65 * 1000);
    if (!memory_figures_meaningful() || access("/proc/self/clear_refs", W_OK) != 0)
        skip();
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        for (int m = 0; m < 2; m++) {
            const char *mode = m ? "arena" : "heap";
            char cmd[256];
            snprintf(cmd, sizeof cmd, "/proc/%ld/exe --measure-parse %s %s", (long)getpid(), SHAPES[s], mode);
            FILE *p = popen(cmd, "r");
            assert_non_null(p);
            size_t len = 0, bound = 0;
            long peak = -1;
            int got = fscanf(p, "%zu %ld %zu", &len, &peak, &bound);
            assert_int_equal(pclose(p), 0);
            assert_int_equal(got, 3);
            if (peak <= 0 || (size_t)peak > bound)
                fail_msg("%s (%s): %zu bytes took %ld at peak, bound %zu", SHAPES[s], mode, len, peak, bound);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--measure-parse") == 0)
        return measure_parse(argv[2], argv[3]);
    const struct CMUnitTest tests[] = {
        /* First: they need a process where ev_json_init was not called yet. */
        cmocka_unit_test(test_without_init),
        cmocka_unit_test(test_init_changes_nothing_outside_parses),
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_number_grammar),
        cmocka_unit_test(test_number_range_precision),
        cmocka_unit_test(test_number_texts),
        cmocka_unit_test(test_number_long_texts),
        cmocka_unit_test(test_number_wide_exponents),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_long_pointer_truncated),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_arena_equals_malloc),
        cmocka_unit_test(test_arena_errors_match),
        cmocka_unit_test(test_trees_own_their_memory),
        cmocka_unit_test(test_print_after_arena_parses),
        cmocka_unit_test(test_arena_failure_rewinds),
        cmocka_unit_test(test_arena_out_of_memory),
        cmocka_unit_test(test_arena_number_cost),
        cmocka_unit_test(test_hooks_replaced),
        cmocka_unit_test(test_arena_reuse_no_growth),
        cmocka_unit_test(test_arena_threads),
        cmocka_unit_test(test_out_of_memory_mid_parse),
        cmocka_unit_test(test_parse_max_bytes_bounds_the_peak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
