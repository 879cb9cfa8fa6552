/* ev_sqs_event: the SQS event Lambda sends, and partial batch responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "devserver/ev_sqs_event.h"

typedef struct fixture {
    ev_sqs_message m[3];
    const ev_sqs_message *p[3];
    ev_sqs_message_attribute attrs[2];
} fixture;

static void make(fixture *f)
{
    memset(f, 0, sizeof *f);
    static const unsigned char bin[] = {0, 1, 0xff};
    f->attrs[0] = (ev_sqs_message_attribute){
        .name = "event_type", .data_type = "String", .string_value = "temperature"};
    f->attrs[1] = (ev_sqs_message_attribute){
        .name = "raw", .data_type = "Binary", .binary_value = bin, .binary_len = 3};
    const char *ids[] = {"id-0", "id-1", "id-2"};
    const char *bodies[] = {"{\"v\":1.10}", "two \"quoted\"", ""};
    for (int i = 0; i < 3; i++) {
        f->m[i].message_id = (char *)ids[i];
        f->m[i].receipt_handle = (char *)"rh";
        f->m[i].body = (char *)bodies[i];
        f->m[i].body_len = strlen(bodies[i]);
        f->m[i].md5_of_body = (char *)"0123456789abcdef0123456789abcdef";
        f->m[i].attributes = cJSON_CreateObject();
        cJSON_AddStringToObject(f->m[i].attributes, "ApproximateReceiveCount", i == 0 ? "1" : "3");
        cJSON_AddStringToObject(f->m[i].attributes, "SentTimestamp", "1764661200123");
        f->p[i] = &f->m[i];
    }
    f->m[0].message_attributes = f->attrs;
    f->m[0].message_attribute_count = 2;
}

static void clean(fixture *f)
{
    for (int i = 0; i < 3; i++)
        cJSON_Delete(f->m[i].attributes);
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_build(void **state)
{
    (void)state;
    fixture f;
    make(&f);
    ev_buf b = EV_BUF_INIT;
    ev_ds_error err;
    assert_int_equal(
        ev_sqs_event_build(f.p, 3, "arn:aws:sqs:us-east-1:000000000000:q", "us-east-1", &b, &err), 0);
    cJSON *ev = cJSON_ParseWithLength(b.data, b.len);
    assert_non_null(ev);
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(ev, "Records");
    assert_int_equal(cJSON_GetArraySize(records), 3);
    const cJSON *r0 = cJSON_GetArrayItem(records, 0), *r1 = cJSON_GetArrayItem(records, 1);
    assert_string_equal(str(r0, "messageId"), "id-0");
    assert_string_equal(str(r0, "receiptHandle"), "rh");
    assert_string_equal(str(r0, "body"), "{\"v\":1.10}"); /* the body's text exactly */
    assert_string_equal(str(r1, "body"), "two \"quoted\"");
    assert_string_equal(str(r0, "md5OfBody"), "0123456789abcdef0123456789abcdef");
    assert_string_equal(str(r0, "eventSource"), "aws:sqs");
    assert_string_equal(str(r0, "eventSourceARN"), "arn:aws:sqs:us-east-1:000000000000:q");
    assert_string_equal(str(r0, "awsRegion"), "us-east-1");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(r1, "attributes");
    assert_string_equal(str(a, "ApproximateReceiveCount"), "3");
    assert_string_equal(str(a, "SentTimestamp"), "1764661200123");
    const cJSON *ma = cJSON_GetObjectItemCaseSensitive(r0, "messageAttributes");
    const cJSON *et = cJSON_GetObjectItemCaseSensitive(ma, "event_type");
    assert_string_equal(str(et, "stringValue"), "temperature");
    assert_string_equal(str(et, "dataType"), "String");
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(et, "stringListValues")));
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(ma, "raw");
    assert_string_equal(str(raw, "binaryValue"), "AAH/");
    assert_string_equal(str(raw, "dataType"), "Binary");
    assert_non_null(str(r0, "md5OfMessageAttributes"));
    assert_null(cJSON_GetObjectItemCaseSensitive(r1, "md5OfMessageAttributes"));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r1, "messageAttributes")), 0);
    cJSON_Delete(ev);
    ev_buf_free(&b);
    clean(&f);
}

static void expect(const char *answer, bool report, int rc, bool f0, bool f1, bool f2)
{
    fixture f;
    make(&f);
    bool failed[3];
    ev_ds_error err;
    int got = ev_sqs_event_failures(answer, strlen(answer), report, f.p, 3, failed, &err);
    if (got != rc || failed[0] != f0 || failed[1] != f1 || failed[2] != f2)
        fail_msg("%s: rc %d, failed %d%d%d", answer, got, failed[0], failed[1], failed[2]);
    clean(&f);
}

static void test_failures(void **state)
{
    (void)state;
    expect("{\"batchItemFailures\":[{\"itemIdentifier\":\"id-1\"}]}", true, 0, false, true, false);
    expect("{\"batchItemFailures\":[{\"itemIdentifier\":\"id-0\"},{\"itemIdentifier\":\"id-2\"}]}", true, 0,
           true, false, true);
    expect("{\"batchItemFailures\":[]}", true, 0, false, false, false);
    expect("{}", true, 0, false, false, false);
    expect("", true, 0, false, false, false);
    expect("null", true, 0, false, false, false);
    expect("{\"batchItemFailures\":null}", true, 0, false, false, false);
    /* Not understood: the whole batch stays. */
    expect("not json", true, -1, true, true, true);
    expect("[]", true, -1, true, true, true);
    expect("{\"batchItemFailures\":{}}", true, -1, true, true, true);
    expect("{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}", true, -1, true, true, true);
    expect("{\"batchItemFailures\":[{\"itemIdentifier\":\"other\"}]}", true, -1, true, true, true);
    expect("{\"batchItemFailures\":[{}]}", true, -1, true, true, true);
    /* Without ReportBatchItemFailures any answer succeeds the batch. */
    expect("{\"batchItemFailures\":[{\"itemIdentifier\":\"id-1\"}]}", false, 0, false, false, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
