/*
 * ev_dynamodb_put: conditional PutItems with typed outcomes. See
 * ev_dynamodb_put.h.
 */
#include "aws/ev_dynamodb_put.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ev_dynamodb.h"

#define DDB_SERVICE "dynamodb"
#define CCF         "ConditionalCheckFailedException"

const char *ev_dynamodb_put_outcome_name(ev_dynamodb_put_outcome outcome)
{
    switch (outcome) {
    case EV_DYNAMODB_PUT_WRITTEN:
        return "written";
    case EV_DYNAMODB_PUT_DUPLICATE:
        return "duplicate";
    case EV_DYNAMODB_PUT_CONFLICT:
        return "conflict";
    case EV_DYNAMODB_PUT_FAILED:
        break;
    }
    return "failed";
}

static int invalid(ev_aws_error *err, const char *what)
{
    int rc = ev_aws_error_set(err, EV_AWS_ERR_INVALID, "MissingParameter", "conditional put: %s", what);
    if (err)
        snprintf(err->service, sizeof err->service, DDB_SERVICE);
    return rc;
}

static int check_put(const char *table, const ev_dynamodb_conditional_put *put, ev_aws_error *err)
{
    if (!table || !*table)
        return invalid(err, "the table name is required");
    if (!put->item_json || !put->key_json)
        return invalid(err, "item_json and key_json are required (the key serves the GetItem fallback)");
    if (!put->condition_expression || !*put->condition_expression)
        return invalid(err, "condition_expression is required (e.g. attribute_not_exists(event_id))");
    if ((put->same_attribute && *put->same_attribute) != (put->same_value != NULL))
        return invalid(err, "same_attribute and same_value go together");
    return 0;
}

int ev_dynamodb_build_conditional_put(const char *table, const ev_dynamodb_conditional_put *put, ev_buf *out,
                                      ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (check_put(table, put, err) != 0)
        return -1;
    ev_dynamodb_item_input in = {
        .table = table,
        .item_json = put->item_json,
        .condition_expression = put->condition_expression,
        .names_json = put->names_json,
        .values_json = put->values_json,
        .return_values_on_condition_check_failure = "ALL_OLD",
    };
    return ev_dynamodb_build_item_request("PutItem", &in, out, err);
}

int ev_dynamodb_build_conditional_get(const char *table, const ev_dynamodb_conditional_put *put, ev_buf *out,
                                      ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (check_put(table, put, err) != 0)
        return -1;
    ev_dynamodb_item_input in = {.table = table, .key_json = put->key_json, .consistent_read = true};
    ev_buf names = EV_BUF_INIT;
    if (put->same_attribute) {
        /* Only the attribute that decides is read back. */
        ev_buf_append_str(&names, "{\"#same\":");
        ev_buf_append_json_string(&names, put->same_attribute, strlen(put->same_attribute));
        ev_buf_append_char(&names, '}');
        if (names.failed) {
            ev_buf_free(&names);
            return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
        }
        in.projection_expression = "#same";
        in.names_json = names.data;
    }
    int rc = ev_dynamodb_build_item_request("GetItem", &in, out, err);
    ev_buf_free(&names);
    return rc;
}

/* DUPLICATE or CONFLICT, comparing the existing item with the put. */
static ev_dynamodb_put_outcome compare(const ev_dynamodb_conditional_put *put, const cJSON *item)
{
    if (!put->same_attribute)
        return EV_DYNAMODB_PUT_DUPLICATE;
    const cJSON *attr = cJSON_GetObjectItemCaseSensitive(item, put->same_attribute);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(attr, "S");
    return cJSON_IsString(s) && strcmp(s->valuestring, put->same_value) == 0 ? EV_DYNAMODB_PUT_DUPLICATE
                                                                             : EV_DYNAMODB_PUT_CONFLICT;
}

/* The "Item" object of an answer body, in *root (to delete); NULL when the
 * body holds none. *parsed tells whether the body was JSON at all. */
static const cJSON *answer_item(const ev_aws_call *answer, cJSON **root, bool *parsed)
{
    const ev_buf *b = &answer->response;
    *root = b->len ? cJSON_ParseWithLength(b->data, b->len) : NULL;
    *parsed = *root != NULL;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(*root, "Item");
    return cJSON_IsObject(item) ? item : NULL;
}

bool ev_dynamodb_conditional_put_settle(ev_dynamodb_conditional_put *put, const ev_aws_call *answer)
{
    put->error = answer->error;
    put->checked_by_get = false;
    if (answer->status == 0) {
        put->outcome = EV_DYNAMODB_PUT_WRITTEN;
        return false;
    }
    put->outcome = EV_DYNAMODB_PUT_FAILED;
    if (!ev_aws_error_is(&answer->error, CCF))
        return false;
    cJSON *root = NULL;
    bool parsed = false;
    const cJSON *item = answer_item(answer, &root, &parsed);
    bool need_get = item == NULL;
    if (item)
        put->outcome = compare(put, item);
    cJSON_Delete(root);
    return need_get;
}

static void note(ev_aws_error *err, const char *what)
{
    size_t len = strlen(err->message);
    snprintf(err->message + len, sizeof err->message - len, "%s%s", len ? " " : "", what);
}

void ev_dynamodb_conditional_put_settle_get(ev_dynamodb_conditional_put *put, const ev_aws_call *answer)
{
    put->outcome = EV_DYNAMODB_PUT_FAILED;
    put->checked_by_get = true;
    if (answer->status != 0) {
        /* The GetItem's own failure says more than the condition's. */
        put->error = answer->error;
        snprintf(put->error.message, sizeof put->error.message, "GetItem after %s: %.440s", CCF,
                 answer->error.message);
        return;
    }
    cJSON *root = NULL;
    bool parsed = false;
    const cJSON *item = answer_item(answer, &root, &parsed);
    if (item) {
        put->outcome = compare(put, item);
    } else if (!parsed) {
        put->error = answer->error;
        ev_aws_error_set(&put->error, EV_AWS_ERR_PARSE, "InvalidResponse",
                         "GetItem after %s: the answer is not JSON", CCF);
    } else {
        /* put->error still holds the ConditionalCheckFailedException. */
        note(&put->error, "[no item under the key on a consistent read: the condition failed for another "
                          "reason, or the item was deleted since]");
    }
    cJSON_Delete(root);
}

/* ---- the batch ---------------------------------------------------------- */

/* One round of requests: calls[k] is for puts[which[k]]. */
typedef struct round {
    ev_aws_call *calls;
    ev_buf *bodies;
    size_t *which;
    size_t count;
} round;

static int round_init(round *r, size_t n)
{
    r->calls = calloc(n, sizeof *r->calls);
    r->bodies = calloc(n, sizeof *r->bodies);
    r->which = calloc(n, sizeof *r->which);
    r->count = 0;
    return r->calls && r->bodies && r->which ? 0 : -1;
}

static void round_reset(round *r)
{
    for (size_t k = 0; k < r->count; k++) {
        ev_buf_free(&r->calls[k].response);
        ev_buf_free(&r->bodies[k]);
    }
    r->count = 0;
}

static void round_free(round *r)
{
    round_reset(r);
    free(r->calls);
    free(r->bodies);
    free(r->which);
}

/* Lines up put i's request (PutItem, or the fallback GetItem); a put whose
 * request cannot be built fails here. */
static void round_add(round *r, const char *table, ev_dynamodb_conditional_put *put, size_t i, bool get)
{
    ev_buf *body = &r->bodies[r->count];
    ev_buf_init(body);
    /* put->error keeps the ConditionalCheckFailedException a GetItem follows. */
    ev_aws_error build_err;
    int rc = get ? ev_dynamodb_build_conditional_get(table, put, body, &build_err)
                 : ev_dynamodb_build_conditional_put(table, put, body, &build_err);
    if (rc != 0) {
        ev_buf_free(body);
        put->outcome = EV_DYNAMODB_PUT_FAILED;
        put->error = build_err;
        return;
    }
    ev_aws_call *call = &r->calls[r->count];
    *call = (ev_aws_call){.operation = get ? "GetItem" : "PutItem",
                          .body = body->data,
                          .body_len = body->len,
                          .raw_error_body = !get};
    ev_buf_init(&call->response);
    r->which[r->count++] = i;
}

int ev_dynamodb_put_conditional_many(ev_aws_client *c, const char *table, ev_dynamodb_conditional_put *puts,
                                     size_t n, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    for (size_t i = 0; i < n; i++) {
        puts[i].outcome = EV_DYNAMODB_PUT_FAILED;
        puts[i].checked_by_get = false;
        ev_aws_error_clear(&puts[i].error);
    }
    if (n == 0)
        return 0;
    round r;
    if (round_init(&r, n) != 0) {
        round_free(&r);
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        round_add(&r, table, &puts[i], i, false);
    ev_aws_error ignored;
    ev_aws_client_call_many(c, r.calls, r.count, &ignored); /* each call says its own outcome */
    bool *need_get = calloc(n, sizeof *need_get);
    for (size_t k = 0; k < r.count; k++) {
        bool get = ev_dynamodb_conditional_put_settle(&puts[r.which[k]], &r.calls[k]);
        if (need_get)
            need_get[r.which[k]] = get;
        else if (get)
            ev_aws_error_set(&puts[r.which[k]].error, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    }
    round_reset(&r);
    for (size_t i = 0; need_get && i < n; i++)
        if (need_get[i])
            round_add(&r, table, &puts[i], i, true);
    if (r.count > 0) {
        ev_aws_client_call_many(c, r.calls, r.count, &ignored);
        for (size_t k = 0; k < r.count; k++)
            ev_dynamodb_conditional_put_settle_get(&puts[r.which[k]], &r.calls[k]);
    }
    free(need_get);
    round_free(&r);
    for (size_t i = 0; i < n; i++) {
        if (puts[i].outcome == EV_DYNAMODB_PUT_FAILED) {
            if (err)
                *err = puts[i].error;
            return -1;
        }
    }
    return 0;
}
