/*
 * Helpers shared by the integration tests: clients for the emulators that
 * tests/integration/run.sh started (endpoints in the environment), unique
 * names, and assertion helpers that print the typed error.
 *
 * A missing endpoint variable fails the test: run.sh always sets them, so
 * an unset one means the harness is broken, not that the test may pass.
 */
#ifndef EV_ITEST_COMMON_H
#define EV_ITEST_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_aws_error.h"
#include "aws/ev_dynamodb.h"

static inline const char *itest_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set: run through tests/integration/run.sh\n", name);
        fail();
    }
    return v;
}

static inline ev_aws_client *itest_client(ev_endpoint_service svc, const char *endpoint, const char *key,
                                          const char *secret)
{
    ev_credentials creds = {(char *)key, (char *)secret, NULL};
    ev_aws_client_config cfg = {
        .service = svc,
        .region = "us-east-1",
        .endpoint_url = endpoint,
        .credentials = &creds,
    };
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    if (!c) {
        char buf[1024];
        fprintf(stderr, "client: %s\n", ev_aws_error_format(&err, buf, sizeof buf));
        fail();
    }
    return c;
}

/* Asserts a call returned 0, printing the typed error otherwise. */
#define ITEST_OK(expr, errp)                                                                                 \
    do {                                                                                                     \
        if ((expr) != 0) {                                                                                   \
            char itest_buf_[1024];                                                                           \
            fail_msg("%s failed: %s", #expr, ev_aws_error_format((errp), itest_buf_, sizeof itest_buf_));    \
        }                                                                                                    \
    } while (0)

static inline void itest_unique(char *out, size_t len, const char *prefix)
{
    static unsigned counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(out, len, "%s-%ld-%ld-%u", prefix, (long)getpid(), (long)(ts.tv_nsec % 1000000), counter++);
}

/* Creates an on-demand table keyed by pk (S), plus sk (N) when with_sort_key,
 * and waits until it is active. 0, or -1 after printing the typed error. */
static inline int itest_create_table(ev_aws_client *ddb, const char *table, bool with_sort_key)
{
    char req[512];
    snprintf(req, sizeof req,
             "{\"TableName\":\"%s\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":"
             "\"S\"}%s],"
             "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}%s],\"BillingMode\":\"PAY_PER_"
             "REQUEST\"}",
             table, with_sort_key ? ",{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}" : "",
             with_sort_key ? ",{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}" : "");
    ev_aws_error err;
    if (ev_dynamodb_create_table(ddb, req, &err) != 0 ||
        ev_dynamodb_wait_active(ddb, table, 20000, &err) != 0) {
        char buf[1024];
        fprintf(stderr, "setup: %s\n", ev_aws_error_format(&err, buf, sizeof buf));
        return -1;
    }
    return 0;
}

/* Drops the table (best effort) and frees the client. */
static inline void itest_drop_table(ev_aws_client *ddb, const char *table)
{
    ev_aws_error err;
    ev_dynamodb_delete_table(ddb, table, &err);
    ev_aws_client_free(ddb);
}

#endif
