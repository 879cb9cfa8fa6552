/* Unit tests for schema/ev_json: strict parsing on top of cJSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/ev_json.h"

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

static cJSON *parse(const char *s, ev_json_error *e) { return parse_n(s, strlen(s), e); }

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
        fail_msg("%s: got %s at %ld (%s), want %s at %ld", s, ev_json_status_name(e.status),
                 e.offset, e.message, ev_json_status_name(st), offset);
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
    assert_string_equal(e.message,
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

static void test_strings(void **state)
{
    (void)state;
    ev_json_error e;
    expect_err("[\"a\x01\"]", EV_JSON_SYNTAX, 3);
    expect_err("[\"tab\there\"]", EV_JSON_SYNTAX, 5);
    expect_err("[\"\xc0\xaf\"]", EV_JSON_SYNTAX, 2);          /* overlong */
    expect_err("[\"\xed\xa0\x80\"]", EV_JSON_SYNTAX, 2);      /* surrogate */
    expect_err("[\"\xf4\x90\x80\x80\"]", EV_JSON_SYNTAX, 2);  /* > U+10FFFF */
    expect_err("[\"ab\xc3\"]", EV_JSON_SYNTAX, 4);            /* truncated */
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
    expect_err("\x01[1]", EV_JSON_SYNTAX, 0);          /* cJSON skips any byte <= 0x20 */
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents), cmocka_unit_test(test_number_grammar),
        cmocka_unit_test(test_number_range_precision), cmocka_unit_test(test_number_texts),
        cmocka_unit_test(test_strings),         cmocka_unit_test(test_structure),
        cmocka_unit_test(test_duplicates),      cmocka_unit_test(test_depth),
        cmocka_unit_test(test_long_pointer_truncated), cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
