/* The processing function's business rules and record steps, on exact
 * numbers at their boundaries (expected values computed with Python's
 * fractions and decimal, round half-even). */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "processing/ev_processing_record.h"
#include "processing/ev_processing_rules.h"
#include "schema/ev_json.h"

static void check_celsius(const char *text, events_temperature_unit unit, const char *expected)
{
    char out[EV_DECIMAL_TEXT_MAX], why[256] = "";
    int rc = ev_rule_temperature_celsius(text, unit, out, why, sizeof why);
    if (rc != 0 || strcmp(out, expected) != 0)
        fail_msg("%s %s: expected %s celsius, got rc %d, %s (%s)", text, events_temperature_unit_name(unit),
                 expected, rc, rc == 0 ? out : "-", why);
}

static void check_hpa(const char *text, events_pressure_unit unit, const char *expected)
{
    char out[EV_DECIMAL_TEXT_MAX], why[256] = "";
    int rc = ev_rule_pressure_hpa(text, unit, out, why, sizeof why);
    if (rc != 0 || strcmp(out, expected) != 0)
        fail_msg("%s %s: expected %s hPa, got rc %d, %s (%s)", text, events_pressure_unit_name(unit),
                 expected, rc, rc == 0 ? out : "-", why);
}

static void test_celsius_as_is(void **state)
{
    (void)state;
    check_celsius("22.5", EVENTS_TEMPERATURE_UNIT_CELSIUS, "22.5");
    check_celsius("22.50", EVENTS_TEMPERATURE_UNIT_CELSIUS, "22.5");
    check_celsius("-273.15", EVENTS_TEMPERATURE_UNIT_CELSIUS, "-273.15");
    check_celsius("1000", EVENTS_TEMPERATURE_UNIT_CELSIUS, "1000");
    check_celsius("1E3", EVENTS_TEMPERATURE_UNIT_CELSIUS, "1000");
    check_celsius("0", EVENTS_TEMPERATURE_UNIT_CELSIUS, "0");
    check_celsius("-0", EVENTS_TEMPERATURE_UNIT_CELSIUS, "0");
    check_celsius("-0.0", EVENTS_TEMPERATURE_UNIT_CELSIUS, "0");
}

static void test_kelvin_exact(void **state)
{
    (void)state;
    check_celsius("0", EVENTS_TEMPERATURE_UNIT_KELVIN, "-273.15");
    check_celsius("273.15", EVENTS_TEMPERATURE_UNIT_KELVIN, "0");
    check_celsius("273.16", EVENTS_TEMPERATURE_UNIT_KELVIN, "0.01");
    check_celsius("273.14", EVENTS_TEMPERATURE_UNIT_KELVIN, "-0.01");
    check_celsius("0.01", EVENTS_TEMPERATURE_UNIT_KELVIN, "-273.14");
    check_celsius("1000", EVENTS_TEMPERATURE_UNIT_KELVIN, "726.85");
    check_celsius("373.15", EVENTS_TEMPERATURE_UNIT_KELVIN, "100");
}

/* (F - 32) * 5 / 9 rounded half-even to 2 decimals. */
static void test_fahrenheit_rounding(void **state)
{
    (void)state;
    check_celsius("32", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "0");
    check_celsius("-40", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "-40");
    check_celsius("212", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "100");
    check_celsius("98.6", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "37");
    check_celsius("100.4", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "38");
    check_celsius("-459.67", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "-273.15"); /* absolute zero, exact */
    check_celsius("1000", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "537.78");     /* 537.777... up */
    check_celsius("0", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "-17.78");        /* -17.777... away from 0 */
    check_celsius("0.01", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "-17.77");     /* -17.7722... toward 0 */
    check_celsius("-0.01", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "-17.78");    /* -17.7833... */
    check_celsius("32.01", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "0.01");      /* 0.00555... */
    check_celsius("31.99", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "-0.01");     /* -0.00555... */
    check_celsius("-17.78", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, "-27.66");   /* -27.6555... */
}

static void test_pressure_hpa(void **state)
{
    (void)state;
    check_hpa("101325", EVENTS_PRESSURE_UNIT_PA, "1013.25");
    check_hpa("0.001", EVENTS_PRESSURE_UNIT_PA, "0.00001"); /* exact, 5 decimals */
    check_hpa("2000000", EVENTS_PRESSURE_UNIT_PA, "20000");
    check_hpa("1013.25", EVENTS_PRESSURE_UNIT_HPA, "1013.25");
    check_hpa("0.001", EVENTS_PRESSURE_UNIT_HPA, "0.001");
    check_hpa("101.325", EVENTS_PRESSURE_UNIT_KPA, "1013.25");
    check_hpa("2000000", EVENTS_PRESSURE_UNIT_KPA, "20000000");
    check_hpa("1.013", EVENTS_PRESSURE_UNIT_BAR, "1013");
    check_hpa("0.001", EVENTS_PRESSURE_UNIT_BAR, "1");
    check_hpa("2000000", EVENTS_PRESSURE_UNIT_BAR, "2000000000");
    /* psi: exact factor 44482216152605 / 645160000000, half-even to 3 decimals. */
    check_hpa("1", EVENTS_PRESSURE_UNIT_PSI, "68.948");              /* 68.94757... */
    check_hpa("14.696", EVENTS_PRESSURE_UNIT_PSI, "1013.254");       /* 1013.25353... */
    check_hpa("0.001", EVENTS_PRESSURE_UNIT_PSI, "0.069");           /* 0.068947... */
    check_hpa("0.007", EVENTS_PRESSURE_UNIT_PSI, "0.483");           /* 0.482633... */
    check_hpa("2000000", EVENTS_PRESSURE_UNIT_PSI, "137895145.863"); /* the schema's maximum */
}

static void test_more_decimals_than_the_rule_keeps(void **state)
{
    (void)state;
    char out[EV_DECIMAL_TEXT_MAX], why[256] = "";
    assert_int_equal(ev_rule_pressure_hpa("14.5038", EVENTS_PRESSURE_UNIT_PSI, out, why, sizeof why), -1);
    assert_non_null(strstr(why, "14.5038"));
    assert_int_equal(
        ev_rule_temperature_celsius("32.005", EVENTS_TEMPERATURE_UNIT_FAHRENHEIT, out, why, sizeof why), -1);
    assert_int_equal(ev_rule_temperature_celsius(NULL, EVENTS_TEMPERATURE_UNIT_CELSIUS, out, why, sizeof why),
                     -1);
    assert_int_equal(
        ev_rule_temperature_celsius("1e30", EVENTS_TEMPERATURE_UNIT_CELSIUS, out, why, sizeof why), -1);
    assert_int_equal(
        ev_rule_temperature_celsius("abc", EVENTS_TEMPERATURE_UNIT_CELSIUS, out, why, sizeof why), -1);
}

static void test_half_even_and_format(void **state)
{
    (void)state;
    /* Ties go to the even neighbour, both signs; others to the nearest. */
    assert_true(ev_decimal_div_half_even(5, 2) == 2);
    assert_true(ev_decimal_div_half_even(7, 2) == 4);
    assert_true(ev_decimal_div_half_even(-5, 2) == -2);
    assert_true(ev_decimal_div_half_even(-7, 2) == -4);
    assert_true(ev_decimal_div_half_even(1, 3) == 0);
    assert_true(ev_decimal_div_half_even(2, 3) == 1);
    assert_true(ev_decimal_div_half_even(-2, 3) == -1);
    assert_true(ev_decimal_div_half_even(25, 10) == 2);
    assert_true(ev_decimal_div_half_even(35, 10) == 4);
    char out[EV_DECIMAL_TEXT_MAX];
    ev_decimal_format(-5, 2, out);
    assert_string_equal(out, "-0.05");
    ev_decimal_format(120, 2, out);
    assert_string_equal(out, "1.2");
    ev_decimal_format(0, 5, out);
    assert_string_equal(out, "0");
    ev_decimal_format(100000, 5, out);
    assert_string_equal(out, "1");
    ev_decimal_format(-123456789, 0, out);
    assert_string_equal(out, "-123456789");
    int64_t m;
    assert_int_equal(ev_decimal_scaled("1.5e-2", 3, &m), 0);
    assert_true(m == 15);
    assert_int_equal(ev_decimal_scaled("1.5e-3", 3, &m), -1);
    assert_int_equal(ev_decimal_scaled("999999999999999999", 0, &m), 0);
    assert_int_equal(ev_decimal_scaled("1000000000000000000", 0, &m), -1);
}

static void test_rfc3339(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(ev_rfc3339_parse_ms("2026-12-02T07:40:00.123Z", &ms), 0);
    assert_true(ms == 1796197200123LL);
    assert_int_equal(ev_rfc3339_parse_ms("1970-01-01T00:00:00Z", &ms), 0);
    assert_true(ms == 0);
    assert_int_equal(ev_rfc3339_parse_ms("1970-01-01T01:00:00+01:00", &ms), 0);
    assert_true(ms == 0);
    assert_int_equal(ev_rfc3339_parse_ms("2024-02-29T00:00:00.5z", &ms), 0);
    assert_true(ms == 1709164800500LL);
    assert_int_equal(ev_rfc3339_parse_ms("2023-02-29T00:00:00Z", &ms), -1);
    assert_int_equal(ev_rfc3339_parse_ms("2026-12-02 07:40:00Z", &ms), -1);
    assert_int_equal(ev_rfc3339_parse_ms("2026-12-02T07:40:00", &ms), -1);
    assert_int_equal(ev_rfc3339_parse_ms("2026-12-02T07:40:00.Z", &ms), -1);
    assert_int_equal(ev_rfc3339_parse_ms("2026-12-02T24:00:00Z", &ms), -1);
    assert_int_equal(ev_rfc3339_parse_ms("2026-12-02T07:40:00Zx", &ms), -1);
    assert_int_equal(ev_rfc3339_parse_ms("", &ms), -1);
}

/* The names the function adds must never collide with the event's own
 * top-level members, whatever the schema grows into. */
static void test_added_attributes_do_not_collide_with_the_schema(void **state)
{
    (void)state;
    FILE *f = fopen("schema/events.schema.json", "rb");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    cJSON *schema = cJSON_ParseWithLength(text, n);
    assert_non_null(schema);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    assert_non_null(props);
    for (const cJSON *p = props->child; p != NULL; p = p->next)
        for (size_t i = 0; ev_record_added_attributes[i] != NULL; i++)
            if (strcmp(p->string, ev_record_added_attributes[i]) == 0)
                fail_msg("the schema's member %s collides with an attribute the function adds", p->string);
    cJSON_Delete(schema);
}

static cJSON *attrs_record(const char *json)
{
    cJSON *r = cJSON_Parse(json);
    assert_non_null(r);
    return r;
}

static void test_attributes(void **state)
{
    (void)state;
    ev_record_attrs a;
    ev_record_problem p;
    memset(&p, 0, sizeof p);
    cJSON *r = attrs_record(
        "{\"messageAttributes\":{"
        "\"event_id\":{\"stringValue\":\"0190A6E2-0000-7000-8000-00000000000A\",\"stringListValues\":[],"
        "\"binaryListValues\":[],\"dataType\":\"String\"},"
        "\"event_type\":{\"stringValue\":\"pressure\",\"dataType\":\"String\"},"
        "\"schema_version\":{\"stringValue\":\"1\",\"dataType\":\"Number\"},"
        "\"received_at\":{\"stringValue\":\"2026-12-02T08:40:00.1234+01:00\",\"dataType\":\"String\"},"
        "\"source_ip\":{\"stringValue\":\"203.0.113.9\",\"dataType\":\"String\"}}}");
    assert_int_equal(ev_record_read_attributes(r, &a, &p), 0);
    assert_string_equal(a.event_id, "0190a6e2-0000-7000-8000-00000000000a");
    assert_string_equal(a.event_type, "pressure");
    assert_true(a.schema_version == 1);
    assert_string_equal(a.received_at, "2026-12-02T07:40:00.123Z");
    assert_string_equal(a.source_ip, "203.0.113.9");
    assert_null(a.request_id);
    cJSON_Delete(r);

    struct {
        const char *json, *reason, *where;
    } bad[] = {
        {"{}", "missing-attribute", "event_id"},
        {"{\"messageAttributes\":[]}", "bad-attribute", "messageAttributes"},
        {"{\"messageAttributes\":{\"event_id\":{\"stringValue\":\"x\",\"dataType\":\"String\"}}}",
         "bad-attribute", "event_id"},
        {"{\"messageAttributes\":{\"event_id\":{\"stringValue\":\"0190a6e2-0000-7000-8000-00000000000a\","
         "\"dataType\":\"Binary\"}}}",
         "bad-attribute", "event_id"},
        {"{\"messageAttributes\":{\"event_id\":{\"stringValue\":\"0190a6e2-0000-7000-8000-00000000000a\","
         "\"dataType\":\"String\"},\"event_type\":{\"stringValue\":\"humidity\",\"dataType\":\"String\"},"
         "\"schema_version\":{\"stringValue\":\"01\",\"dataType\":\"Number\"}}}",
         "bad-attribute", "schema_version"},
        {"{\"messageAttributes\":{\"event_id\":{\"stringValue\":\"0190a6e2-0000-7000-8000-00000000000a\","
         "\"dataType\":\"String\"},\"event_type\":{\"stringValue\":\"humidity\",\"dataType\":\"String\"},"
         "\"schema_version\":{\"stringValue\":\"1\",\"dataType\":\"Number.int\"}}}",
         "missing-attribute", "received_at"},
        {"{\"messageAttributes\":{\"event_id\":{\"stringValue\":\"0190a6e2-0000-7000-8000-00000000000a\","
         "\"dataType\":\"String\"},\"event_type\":{\"stringValue\":\"humidity\",\"dataType\":\"String\"},"
         "\"schema_version\":{\"stringValue\":\"1\",\"dataType\":\"Number\"},"
         "\"received_at\":{\"stringValue\":\"yesterday\",\"dataType\":\"String\"}}}",
         "bad-attribute", "received_at"},
        {"{\"messageAttributes\":{\"event_id\":{\"stringValue\":\"0190a6e2-0000-7000-8000-00000000000a\","
         "\"dataType\":\"String\"},\"event_type\":{\"stringValue\":\"humidity\",\"dataType\":\"String\"},"
         "\"schema_version\":{\"stringValue\":\"1\",\"dataType\":\"Number\"},"
         "\"received_at\":{\"stringValue\":\"2026-12-02T07:40:00.123Z\",\"dataType\":\"String\"},"
         "\"request_id\":{\"binaryValue\":\"AA==\",\"dataType\":\"Binary\"}}}",
         "bad-attribute", "request_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = attrs_record(bad[i].json);
        memset(&p, 0, sizeof p);
        assert_int_equal(ev_record_read_attributes(r, &a, &p), -1);
        if (strcmp(ev_record_reason_name(p.reason), bad[i].reason) != 0 || strcmp(p.where, bad[i].where) != 0)
            fail_msg("case %zu: expected %s at %s, got %s at %s (%s)", i, bad[i].reason, bad[i].where,
                     ev_record_reason_name(p.reason), p.where, p.detail);
        assert_true(strlen(p.detail) > 10);
        cJSON_Delete(r);
    }
}

static void test_decode_for_version(void **state)
{
    (void)state;
    ev_arena arena;
    ev_arena_init(&arena, 0);
    const char *body = "{\"source\":\"s\",\"type\":\"humidity\",\"payload\":{\"value\":50}}";
    cJSON *tree = ev_json_parse(body, strlen(body), NULL);
    assert_non_null(tree);
    events_event ev;
    ev_record_problem p;
    memset(&p, 0, sizeof p);
    assert_int_equal(ev_processing_decode_for_version(EVENTS_SCHEMA_VERSION, tree, &arena, &ev, &p), 0);
    assert_int_equal(ev.type, EVENTS_EVENT_TYPE_HUMIDITY);
    assert_int_equal(ev_processing_decode_for_version(EVENTS_SCHEMA_VERSION + 1, tree, &arena, &ev, &p), -1);
    assert_string_equal(ev_record_reason_name(p.reason), "unsupported-schema-version");
    char expected[128];
    snprintf(expected, sizeof expected, "unsupported schema version %d", EVENTS_SCHEMA_VERSION + 1);
    assert_non_null(strstr(p.detail, expected));
    assert_int_equal(ev_processing_decode_for_version(0, tree, &arena, &ev, &p), -1);
    cJSON_Delete(tree);
    ev_arena_free(&arena);
}

int main(void)
{
    ev_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_celsius_as_is),
        cmocka_unit_test(test_kelvin_exact),
        cmocka_unit_test(test_fahrenheit_rounding),
        cmocka_unit_test(test_pressure_hpa),
        cmocka_unit_test(test_more_decimals_than_the_rule_keeps),
        cmocka_unit_test(test_half_even_and_format),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_added_attributes_do_not_collide_with_the_schema),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_decode_for_version),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    events_release();
    return rc;
}
