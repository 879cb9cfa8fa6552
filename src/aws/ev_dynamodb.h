/*
 * ev_dynamodb: Amazon DynamoDB over JSON 1.0 (X-Amz-Target:
 * DynamoDB_20120810.*).
 *
 * Every function takes an ev_aws_client created for EV_ENDPOINT_DYNAMODB.
 * Items, keys, ExpressionAttributeNames/Values and other structured inputs
 * are JSON text in DynamoDB's AttributeValue format ({"pk":{"S":"a"}}), the
 * format the code generator's marshallers produce. They are spliced into the
 * request as given, after a check that each is exactly one JSON value of
 * the right type (an object; an array for TransactItems) with nothing but
 * whitespace around it: a fragment such as `{...}},"ReturnValues":"ALL_OLD"`
 * could otherwise add members to the request. A failed check is
 * EV_AWS_ERR_INVALID, code InvalidParameterValue, and nothing is sent.
 * The check is a cJSON parse of the input (about a microsecond for an
 * event's item); what the service thinks of the values (a ValidationException)
 * is still the service's answer. Outputs are cJSON trees.
 *
 * Conditional writes that fail return -1 with the service code
 * "ConditionalCheckFailedException" (test with ev_aws_error_is).
 *
 * Ownership: inputs are borrowed. Every cJSON tree handed out through a
 * `cJSON **` parameter is new and the caller's to cJSON_Delete; pass NULL
 * for outputs you do not want. ev_dynamodb_page is released with
 * ev_dynamodb_page_free.
 */
#ifndef EV_AWS_DYNAMODB_H
#define EV_AWS_DYNAMODB_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_aws_error.h"
#include "core/ev_buf.h"

/* The inputs of PutItem, GetItem, UpdateItem and DeleteItem; each uses the
 * fields its API has and ignores the others (NULL: absent). */
typedef struct ev_dynamodb_item_input {
    const char *table;
    const char *item_json;             /* PutItem */
    const char *key_json;              /* GetItem, UpdateItem, DeleteItem */
    const char *update_expression;     /* UpdateItem */
    const char *condition_expression;  /* PutItem, UpdateItem, DeleteItem */
    const char *projection_expression; /* GetItem */
    const char *names_json;            /* ExpressionAttributeNames object */
    const char *values_json;           /* ExpressionAttributeValues object */
    const char *return_values;         /* "ALL_OLD", "ALL_NEW", "UPDATED_NEW", ... */
    /* PutItem, UpdateItem, DeleteItem: "ALL_OLD" to get the existing item in
     * a ConditionalCheckFailedException answer (AWS and moto; dynalite
     * ignores it). */
    const char *return_values_on_condition_check_failure;
    bool consistent_read; /* GetItem */
} ev_dynamodb_item_input;

typedef struct ev_dynamodb_query_input {
    const char *table;
    const char *index_name;
    const char *key_condition_expression;
    const char *filter_expression;
    const char *projection_expression;
    const char *names_json;
    const char *values_json;
    const char *exclusive_start_key_json; /* from a previous page's last_evaluated_key */
    int limit;                            /* <= 0: none */
    int scan_index_forward;               /* < 0: default (ascending), 0: descending, 1: ascending */
    bool consistent_read;
} ev_dynamodb_query_input;

typedef struct ev_dynamodb_page {
    cJSON *items;              /* array of items, never NULL after success */
    cJSON *last_evaluated_key; /* NULL on the last page */
    int count;
    int scanned_count;
} ev_dynamodb_page;

#define EV_DYNAMODB_PAGE_INIT                                                                                \
    {                                                                                                        \
        NULL, NULL, 0, 0                                                                                     \
    }

/* The whole CreateTable request as JSON text. */
int ev_dynamodb_create_table(ev_aws_client *c, const char *request_json, ev_aws_error *err);
/* *table_out: the "Table" description. */
int ev_dynamodb_describe_table(ev_aws_client *c, const char *table, cJSON **table_out, ev_aws_error *err);
/* Polls DescribeTable (through the retry clock) until TableStatus is ACTIVE. */
int ev_dynamodb_wait_active(ev_aws_client *c, const char *table, int timeout_ms, ev_aws_error *err);
int ev_dynamodb_delete_table(ev_aws_client *c, const char *table, ev_aws_error *err);

/* *attributes_out: the response "Attributes" (ReturnValues), or NULL. */
int ev_dynamodb_put_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **attributes_out,
                         ev_aws_error *err);
/* *item_out: the item, or NULL when there is none (still 0). */
int ev_dynamodb_get_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **item_out,
                         ev_aws_error *err);
int ev_dynamodb_update_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **attributes_out,
                            ev_aws_error *err);
int ev_dynamodb_delete_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **attributes_out,
                            ev_aws_error *err);

/* One page. */
int ev_dynamodb_query(ev_aws_client *c, const ev_dynamodb_query_input *in, ev_dynamodb_page *out,
                      ev_aws_error *err);
/* Follows LastEvaluatedKey until the last page (or max_pages > 0 pages);
 * *items_out: all items in one array; *pages_out (may be NULL): pages read. */
int ev_dynamodb_query_all(ev_aws_client *c, const ev_dynamodb_query_input *in, int max_pages,
                          cJSON **items_out, int *pages_out, ev_aws_error *err);
void ev_dynamodb_page_free(ev_dynamodb_page *p);

/*
 * BatchWriteItem with RequestItems as JSON text ({"table":[{"PutRequest":
 * {"Item":...}}, ...]}). UnprocessedItems are sent again after a backoff
 * (the client's retry policy: full jitter, base and cap) for up to
 * max_rounds requests in all (<= 0: 8). When items are still unprocessed
 * then, returns -1 with kind EV_AWS_ERR_PARTIAL and *unprocessed_out (may be
 * NULL) holds them; the same with kind EV_AWS_ERR_DEADLINE when the next
 * round would start past the client's deadline (ev_aws_client_set_deadline).
 */
int ev_dynamodb_batch_write_item(ev_aws_client *c, const char *request_items_json, int max_rounds,
                                 cJSON **unprocessed_out, ev_aws_error *err);

/*
 * TransactWriteItems with TransactItems as a JSON array text.
 * client_request_token NULL or "": a random UUIDv4 made once for the call,
 * so that every attempt (a retry after a timeout included) sends the same
 * token and DynamoDB applies the transaction at most once. On TransactionCanceledException,
 * *cancellation_reasons_out (may be NULL) gets the CancellationReasons array
 * when the service sent one.
 */
int ev_dynamodb_transact_write_items(ev_aws_client *c, const char *transact_items_json,
                                     const char *client_request_token, cJSON **cancellation_reasons_out,
                                     ev_aws_error *err);

int ev_dynamodb_update_time_to_live(ev_aws_client *c, const char *table, const char *attribute_name,
                                    bool enabled, ev_aws_error *err);

/* Any other operation, cJSON in and out. */
int ev_dynamodb_call(ev_aws_client *c, const char *operation, const cJSON *request, cJSON **response,
                     ev_aws_error *err);

/* ---- building blocks, exposed for unit tests (no network) ---- */
#define EV_DYNAMODB_TOKEN_SIZE 37 /* UUID text + NUL */
/* A random (OpenSSL RAND_bytes) UUIDv4, lower-case, for ClientRequestToken. */
int ev_dynamodb_new_request_token(char out[EV_DYNAMODB_TOKEN_SIZE], ev_aws_error *err);
int ev_dynamodb_build_item_request(const char *operation, const ev_dynamodb_item_input *in, ev_buf *out,
                                   ev_aws_error *err);
int ev_dynamodb_build_query_request(const ev_dynamodb_query_input *in, ev_buf *out, ev_aws_error *err);
int ev_dynamodb_parse_query_response(const char *body, size_t len, ev_dynamodb_page *out, ev_aws_error *err);

#endif
