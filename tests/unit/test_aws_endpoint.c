/*
 * Endpoints: region variables, endpoint overrides (service-specific before
 * global), AWS defaults, and URL splitting as botocore derives the Host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_endpoint.h"
#include "aws/ev_http.h"

static int clean_env(void **state)
{
    (void)state;
    const char *vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SQS",
                          "AWS_ENDPOINT_URL_DYNAMODB"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    return 0;
}

static void test_region(void **state)
{
    (void)state;
    char r[EV_ENDPOINT_REGION_MAX];
    ev_endpoint_error err = {{0}};
    assert_int_equal(ev_endpoint_region(r, sizeof r, &err), -1);
    assert_non_null(strstr(err.message, "AWS_REGION"));
    assert_non_null(strstr(err.message, "AWS_DEFAULT_REGION"));
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    assert_int_equal(ev_endpoint_region(r, sizeof r, &err), 0);
    assert_string_equal(r, "eu-west-1");
    setenv("AWS_REGION", "us-east-2", 1);
    assert_int_equal(ev_endpoint_region(r, sizeof r, &err), 0);
    assert_string_equal(r, "us-east-2");
    setenv("AWS_REGION", "", 1); /* empty counts as unset */
    assert_int_equal(ev_endpoint_region(r, sizeof r, &err), 0);
    assert_string_equal(r, "eu-west-1");
    setenv("AWS_REGION", "US East/1", 1);
    assert_int_equal(ev_endpoint_region(r, sizeof r, &err), -1);
    assert_int_equal(ev_endpoint_region(r, 4, &err), -1);
}

static void test_resolve_defaults(void **state)
{
    (void)state;
    ev_endpoint e;
    ev_endpoint_error err = {{0}};
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_SQS, NULL, &e, &err), -1);
    assert_non_null(strstr(err.message, "region"));
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_SQS, "us-east-1", &e, &err), 0);
    assert_string_equal(e.url, "https://sqs.us-east-1.amazonaws.com");
    assert_string_equal(e.signing_name, "sqs");
    assert_string_equal(e.target_prefix, "AmazonSQS");
    assert_string_equal(e.content_type, "application/x-amz-json-1.0");
    setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_DYNAMODB, NULL, &e, &err), 0);
    assert_string_equal(e.url, "https://dynamodb.ap-south-1.amazonaws.com");
    assert_string_equal(e.region, "ap-south-1");
    assert_string_equal(e.target_prefix, "DynamoDB_20120810");
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_DYNAMODB, "bad region", &e, &err), -1);
}

static void test_resolve_overrides(void **state)
{
    (void)state;
    ev_endpoint e;
    ev_endpoint_error err = {{0}};
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_SQS, "us-east-1", &e, &err), 0);
    assert_string_equal(e.url, "http://127.0.0.1:4566");
    setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324", 1);
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_SQS, "us-east-1", &e, &err), 0);
    assert_string_equal(e.url, "http://127.0.0.1:9324");
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_DYNAMODB, "us-east-1", &e, &err), 0);
    assert_string_equal(e.url, "http://127.0.0.1:4566");
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000/", 1);
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_DYNAMODB, "us-east-1", &e, &err), 0);
    assert_string_equal(e.url, "http://127.0.0.1:8000/");
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "ftp://x", 1);
    assert_int_equal(ev_endpoint_resolve(EV_ENDPOINT_DYNAMODB, "us-east-1", &e, &err), -1);
    assert_non_null(strstr(err.message, "AWS_ENDPOINT_URL_DYNAMODB"));
}

static void test_service_names(void **state)
{
    (void)state;
    ev_endpoint_service s;
    assert_int_equal(ev_endpoint_service_from_name("sqs", &s, NULL), 0);
    assert_int_equal(s, EV_ENDPOINT_SQS);
    assert_int_equal(ev_endpoint_service_from_name("dynamodb", &s, NULL), 0);
    assert_int_equal(s, EV_ENDPOINT_DYNAMODB);
    assert_int_equal(ev_endpoint_service_from_name("SQS", &s, NULL), -1);
    assert_int_equal(ev_endpoint_service_from_name(NULL, &s, NULL), -1);
    assert_string_equal(ev_endpoint_service_name(EV_ENDPOINT_DYNAMODB), "dynamodb");
}

static void test_url_parse(void **state)
{
    (void)state;
    ev_url u = EV_URL_INIT;
    ev_endpoint_error err = {{0}};
    assert_int_equal(ev_endpoint_url_parse("https://SQS.us-east-1.AmazonAWS.com", &u, &err), 0);
    assert_string_equal(u.scheme, "https");
    assert_string_equal(u.host, "sqs.us-east-1.amazonaws.com");
    assert_string_equal(u.path, "/");
    assert_string_equal(u.query, "");
    assert_int_equal(u.port, 443);
    /* Filling again frees the previous block (valgrind checks). */
    assert_int_equal(ev_endpoint_url_parse("http://127.0.0.1:4566/a%20b/c?x=1&y#frag", &u, &err), 0);
    assert_string_equal(u.host, "127.0.0.1:4566");
    assert_string_equal(u.path, "/a%20b/c");
    assert_string_equal(u.query, "x=1&y");
    assert_int_equal(u.port, 4566);
    assert_int_equal(ev_endpoint_url_parse("https://h:443/p", &u, &err), 0);
    assert_string_equal(u.host, "h");
    assert_int_equal(ev_endpoint_url_parse("http://h:443?q", &u, &err), 0);
    assert_string_equal(u.host, "h:443");
    assert_string_equal(u.path, "/");
    assert_string_equal(u.query, "q");
    assert_int_equal(ev_endpoint_url_parse("http://[::1]:8000/x", &u, &err), 0);
    assert_string_equal(u.host, "[::1]:8000");
    ev_endpoint_url_free(&u);

    assert_int_equal(ev_endpoint_url_parse("ftp://h/", &u, &err), -1);
    assert_int_equal(ev_endpoint_url_parse("http:///p", &u, &err), -1);
    assert_int_equal(ev_endpoint_url_parse("http://user:pw@h/", &u, &err), -1);
    assert_null(strstr(err.message, "pw"));
    assert_int_equal(ev_endpoint_url_parse("http://h:99999/", &u, &err), -1);
    assert_int_equal(ev_endpoint_url_parse("http://h:8x/", &u, &err), -1);
    assert_int_equal(ev_endpoint_url_parse(NULL, &u, &err), -1);
    assert_null(u.host);
    ev_endpoint_url_free(&u);
}

/* Client configuration errors: a URL's password never reaches the message,
 * an over-long URL is refused rather than cut, an unreadable AWS_CA_BUNDLE
 * is an error rather than a fall back to the system bundle. */
static void test_client_config_errors(void **state)
{
    (void)state;
    ev_credentials creds = {"AKID", "secret", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_SQS,
                                .region = "us-east-1",
                                .endpoint_url = "http://admin:hunter2pass@127.0.0.1:1/",
                                .credentials = &creds};
    ev_aws_error err;
    assert_null(ev_aws_client_new(&cfg, &err));
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    assert_null(strstr(err.message, "hunter2pass"));
    assert_null(strstr(err.message, "admin"));
    assert_non_null(strstr(err.message, "<redacted>@127.0.0.1"));

    char long_url[EV_ENDPOINT_URL_MAX + 64];
    memset(long_url, 'a', sizeof long_url);
    memcpy(long_url, "http://127.0.0.1:1/", 19);
    long_url[sizeof long_url - 1] = '\0';
    cfg.endpoint_url = long_url;
    assert_null(ev_aws_client_new(&cfg, &err));
    assert_string_equal(err.code, "InvalidConfiguration");
    assert_non_null(strstr(err.message, "longer than"));

    setenv("AWS_CA_BUNDLE", "/nonexistent/ca.pem", 1);
    assert_null(ev_http_client_new(NULL, &err));
    assert_non_null(strstr(err.message, "AWS_CA_BUNDLE"));
    unsetenv("AWS_CA_BUNDLE");
    ev_http_client *h = ev_http_client_new(NULL, &err);
    assert_non_null(h);
    ev_http_client_free(h);
    ev_http_global_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_region, clean_env, clean_env),
        cmocka_unit_test_setup_teardown(test_resolve_defaults, clean_env, clean_env),
        cmocka_unit_test_setup_teardown(test_resolve_overrides, clean_env, clean_env),
        cmocka_unit_test(test_service_names),
        cmocka_unit_test(test_url_parse),
        cmocka_unit_test_setup_teardown(test_client_config_errors, clean_env, clean_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
