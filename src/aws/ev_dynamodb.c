/*
 * ev_dynamodb: DynamoDB JSON 1.0 operations. See ev_dynamodb.h.
 */
#include "aws/ev_dynamodb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#define DDB_SERVICE "dynamodb"

static int nomem(ev_aws_error *err)
{
    return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
}

static int fail(ev_aws_error *err, ev_aws_error_kind kind, const char *code, const char *what)
{
    int rc = ev_aws_error_set(err, kind, code, "%s", what);
    if (err)
        snprintf(err->service, sizeof err->service, DDB_SERVICE);
    return rc;
}

/* Request bodies are built by concatenation: the JSON-valued inputs are
 * already JSON, so there is nothing to gain from a parse-and-print. */
typedef struct body {
    ev_buf buf;
    bool first;
} body;

static void body_begin(body *b)
{
    ev_buf_init(&b->buf);
    ev_buf_append_char(&b->buf, '{');
    b->first = true;
}

static void key(body *b, const char *k)
{
    if (!b->first)
        ev_buf_append_char(&b->buf, ',');
    b->first = false;
    ev_buf_append_json_string(&b->buf, k, strlen(k));
    ev_buf_append_char(&b->buf, ':');
}

static void add_str(body *b, const char *k, const char *v)
{
    if (!v)
        return;
    key(b, k);
    ev_buf_append_json_string(&b->buf, v, strlen(v));
}

static void add_raw(body *b, const char *k, const char *json)
{
    if (!json)
        return;
    key(b, k);
    ev_buf_append_str(&b->buf, json);
}

static int body_end(body *b, ev_aws_error *err)
{
    ev_buf_append_char(&b->buf, '}');
    if (b->buf.failed) {
        ev_buf_free(&b->buf);
        return nomem(err);
    }
    return 0;
}

static int require(const char *v, const char *what, ev_aws_error *err)
{
    if (v && *v)
        return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "%s is required", what);
    return fail(err, EV_AWS_ERR_INVALID, "MissingParameter", msg);
}

static size_t skip_ws(const char *s, size_t i)
{
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    return i;
}

/* Deeper nesting is refused by the check (DynamoDB allows 32 levels). */
#define JSON_MAX_DEPTH 64

/* Where the structure of `json` as one `open`...close value first breaks,
 * or SIZE_MAX when it holds. Open brackets are kept as bits of a stack
 * (1 for '{'), so every closing bracket must match its opener. */
static size_t structure_break(const char *json, char open)
{
    size_t i = skip_ws(json, 0);
    if (json[i] != open)
        return i;
    uint64_t stack = 0;
    unsigned depth = 0;
    bool in_string = false;
    for (; json[i]; i++) {
        char ch = json[i];
        if (in_string) {
            if (ch == '\\' && json[i + 1])
                i++; /* the escaped byte cannot end the string */
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            if (depth == JSON_MAX_DEPTH)
                return i;
            stack = (stack << 1) | (ch == '{');
            depth++;
        } else if (ch == '}' || ch == ']') {
            if ((stack & 1) != (ch == '}'))
                return i;
            stack >>= 1;
            if (--depth == 0) {
                i = skip_ws(json, i + 1);
                return json[i] ? i : SIZE_MAX;
            }
        }
    }
    return i; /* ended inside the value */
}

/*
 * The JSON-text inputs are spliced into the request body as they are, so
 * each must be exactly one JSON value of the expected type: a fragment such
 * as `{"pk":{"S":"a"}},"ConditionExpression":"..."` would otherwise close
 * the value early and add members of its own to the request. The check is
 * structural and exact for that: brackets nest and match, strings and
 * their escapes honoured, and the first '{' (or '[') closes at the last
 * non-whitespace byte, so the input is one whole value whatever it holds.
 * What lies between the brackets (numbers, literals, commas, control bytes
 * in strings) is not checked here: text that is not JSON is refused by the
 * service as before, and cannot escape the value. One pass, no allocation:
 * it runs on every PutItem. NULL (absent) passes.
 */
static int check_json(const char *json, char open, const char *what, ev_aws_error *err)
{
    if (!json)
        return 0;
    size_t at = structure_break(json, open);
    if (at == SIZE_MAX)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be exactly one JSON %s (structure breaks at byte %zu of %zu)", what,
             open == '[' ? "array" : "object", at, strlen(json));
    return fail(err, EV_AWS_ERR_INVALID, "InvalidParameterValue", msg);
}

int ev_dynamodb_build_item_request(const char *operation, const ev_dynamodb_item_input *in, ev_buf *out,
                                   ev_aws_error *err)
{
    bool put = strcmp(operation, "PutItem") == 0;
    bool get = strcmp(operation, "GetItem") == 0;
    bool update = strcmp(operation, "UpdateItem") == 0;
    if (require(in->table, "TableName", err) != 0)
        return -1;
    if (put ? require(in->item_json, "Item", err) : require(in->key_json, "Key", err))
        return -1;
    if (update && require(in->update_expression, "UpdateExpression", err) != 0)
        return -1;
    if (check_json(put ? in->item_json : in->key_json, '{', put ? "Item" : "Key", err) != 0 ||
        check_json(in->names_json, '{', "ExpressionAttributeNames", err) != 0 ||
        check_json(in->values_json, '{', "ExpressionAttributeValues", err) != 0)
        return -1;
    body b;
    body_begin(&b);
    add_str(&b, "TableName", in->table);
    if (put)
        add_raw(&b, "Item", in->item_json);
    else
        add_raw(&b, "Key", in->key_json);
    if (update)
        add_str(&b, "UpdateExpression", in->update_expression);
    if (get) {
        add_str(&b, "ProjectionExpression", in->projection_expression);
        if (in->consistent_read)
            add_raw(&b, "ConsistentRead", "true");
    } else {
        add_str(&b, "ConditionExpression", in->condition_expression);
        add_str(&b, "ReturnValues", in->return_values);
        add_str(&b, "ReturnValuesOnConditionCheckFailure", in->return_values_on_condition_check_failure);
    }
    add_raw(&b, "ExpressionAttributeNames", in->names_json);
    add_raw(&b, "ExpressionAttributeValues", in->values_json);
    if (body_end(&b, err) != 0)
        return -1;
    ev_buf_free(out);
    *out = b.buf;
    return 0;
}

/* Sends a built body; *resp (may be NULL) gets the parsed answer. */
static int send_body(ev_aws_client *c, const char *op, ev_buf *req, cJSON **resp, ev_aws_error *err)
{
    if (resp)
        *resp = NULL;
    ev_buf out = EV_BUF_INIT;
    int rc = ev_aws_client_call(c, op, req->data, req->len, 0, &out, err);
    if (rc == 0 && resp) {
        *resp = cJSON_ParseWithLength(out.data ? out.data : "{}", out.len ? out.len : 2);
        if (!*resp)
            rc = fail(err, EV_AWS_ERR_PARSE, "InvalidResponse", "response is not JSON");
    }
    ev_buf_free(&out);
    return rc;
}

static int item_call(ev_aws_client *c, const char *op, const ev_dynamodb_item_input *in, const char *member,
                     cJSON **out, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (out)
        *out = NULL;
    ev_buf req = EV_BUF_INIT;
    if (ev_dynamodb_build_item_request(op, in, &req, err) != 0)
        return -1;
    cJSON *resp = NULL;
    int rc = send_body(c, op, &req, out ? &resp : NULL, err);
    ev_buf_free(&req);
    if (rc == 0 && out)
        *out = cJSON_DetachItemFromObjectCaseSensitive(resp, member);
    cJSON_Delete(resp);
    return rc;
}

int ev_dynamodb_put_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **attributes_out,
                         ev_aws_error *err)
{
    return item_call(c, "PutItem", in, "Attributes", attributes_out, err);
}

int ev_dynamodb_get_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **item_out,
                         ev_aws_error *err)
{
    return item_call(c, "GetItem", in, "Item", item_out, err);
}

int ev_dynamodb_update_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **attributes_out,
                            ev_aws_error *err)
{
    return item_call(c, "UpdateItem", in, "Attributes", attributes_out, err);
}

int ev_dynamodb_delete_item(ev_aws_client *c, const ev_dynamodb_item_input *in, cJSON **attributes_out,
                            ev_aws_error *err)
{
    return item_call(c, "DeleteItem", in, "Attributes", attributes_out, err);
}

int ev_dynamodb_call(ev_aws_client *c, const char *operation, const cJSON *request, cJSON **response,
                     ev_aws_error *err)
{
    ev_aws_error_clear(err);
    cJSON *resp = NULL;
    int rc = ev_aws_client_call_json(c, operation, request, 0, &resp, err);
    if (response)
        *response = resp;
    else
        cJSON_Delete(resp);
    return rc;
}

static int raw_call(ev_aws_client *c, const char *op, const char *json, cJSON **resp, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    ev_buf req = EV_BUF_INIT;
    if (ev_buf_append_str(&req, json) != 0)
        return nomem(err);
    int rc = send_body(c, op, &req, resp, err);
    ev_buf_free(&req);
    return rc;
}

int ev_dynamodb_create_table(ev_aws_client *c, const char *request_json, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (require(request_json, "CreateTable request", err) != 0 ||
        check_json(request_json, '{', "CreateTable request", err) != 0)
        return -1;
    return raw_call(c, "CreateTable", request_json, NULL, err);
}

static int table_call(ev_aws_client *c, const char *op, const char *table, cJSON **resp, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (require(table, "TableName", err) != 0)
        return -1;
    body b;
    body_begin(&b);
    add_str(&b, "TableName", table);
    if (body_end(&b, err) != 0)
        return -1;
    int rc = send_body(c, op, &b.buf, resp, err);
    ev_buf_free(&b.buf);
    return rc;
}

int ev_dynamodb_describe_table(ev_aws_client *c, const char *table, cJSON **table_out, ev_aws_error *err)
{
    if (table_out)
        *table_out = NULL;
    cJSON *resp = NULL;
    if (table_call(c, "DescribeTable", table, &resp, err) != 0)
        return -1;
    cJSON *t = cJSON_DetachItemFromObjectCaseSensitive(resp, "Table");
    cJSON_Delete(resp);
    if (!t)
        return fail(err, EV_AWS_ERR_PARSE, "InvalidResponse", "DescribeTable: no Table in the response");
    if (table_out)
        *table_out = t;
    else
        cJSON_Delete(t);
    return 0;
}

int ev_dynamodb_wait_active(ev_aws_client *c, const char *table, int timeout_ms, ev_aws_error *err)
{
    ev_retry *r = ev_aws_client_retry(c);
    int waited = 0;
    for (;;) {
        cJSON *t = NULL;
        if (ev_dynamodb_describe_table(c, table, &t, err) != 0)
            return -1;
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "TableStatus");
        bool active = cJSON_IsString(st) && strcmp(st->valuestring, "ACTIVE") == 0;
        cJSON_Delete(t);
        if (active)
            return 0;
        if (waited >= timeout_ms)
            return fail(err, EV_AWS_ERR_INVALID, "WaiterTimeout", "table did not become ACTIVE in time");
        if (!ev_retry_fits_deadline(r, 100)) {
            ev_aws_error_clear(err);
            if (err)
                snprintf(err->service, sizeof err->service, DDB_SERVICE);
            return ev_aws_error_to_deadline(err, "the table is not ACTIVE yet");
        }
        ev_retry_sleep(r, 100);
        waited += 100;
    }
}

int ev_dynamodb_delete_table(ev_aws_client *c, const char *table, ev_aws_error *err)
{
    return table_call(c, "DeleteTable", table, NULL, err);
}

int ev_dynamodb_build_query_request(const ev_dynamodb_query_input *in, ev_buf *out, ev_aws_error *err)
{
    if (require(in->table, "TableName", err) != 0 ||
        require(in->key_condition_expression, "KeyConditionExpression", err) != 0 ||
        check_json(in->names_json, '{', "ExpressionAttributeNames", err) != 0 ||
        check_json(in->values_json, '{', "ExpressionAttributeValues", err) != 0 ||
        check_json(in->exclusive_start_key_json, '{', "ExclusiveStartKey", err) != 0)
        return -1;
    body b;
    body_begin(&b);
    add_str(&b, "TableName", in->table);
    add_str(&b, "IndexName", in->index_name);
    add_str(&b, "KeyConditionExpression", in->key_condition_expression);
    add_str(&b, "FilterExpression", in->filter_expression);
    add_str(&b, "ProjectionExpression", in->projection_expression);
    add_raw(&b, "ExpressionAttributeNames", in->names_json);
    add_raw(&b, "ExpressionAttributeValues", in->values_json);
    add_raw(&b, "ExclusiveStartKey", in->exclusive_start_key_json);
    if (in->limit > 0) {
        key(&b, "Limit");
        ev_buf_printf(&b.buf, "%d", in->limit);
    }
    if (in->scan_index_forward >= 0)
        add_raw(&b, "ScanIndexForward", in->scan_index_forward ? "true" : "false");
    if (in->consistent_read)
        add_raw(&b, "ConsistentRead", "true");
    if (body_end(&b, err) != 0)
        return -1;
    ev_buf_free(out);
    *out = b.buf;
    return 0;
}

void ev_dynamodb_page_free(ev_dynamodb_page *p)
{
    if (!p)
        return;
    cJSON_Delete(p->items);
    cJSON_Delete(p->last_evaluated_key);
    memset(p, 0, sizeof *p);
}

int ev_dynamodb_parse_query_response(const char *text, size_t len, ev_dynamodb_page *out, ev_aws_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *resp = cJSON_ParseWithLength(text, len);
    if (!cJSON_IsObject(resp)) {
        cJSON_Delete(resp);
        return fail(err, EV_AWS_ERR_PARSE, "InvalidResponse", "Query: response is not a JSON object");
    }
    out->items = cJSON_DetachItemFromObjectCaseSensitive(resp, "Items");
    out->last_evaluated_key = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    const cJSON *cnt = cJSON_GetObjectItemCaseSensitive(resp, "Count");
    const cJSON *scn = cJSON_GetObjectItemCaseSensitive(resp, "ScannedCount");
    out->count = cJSON_IsNumber(cnt) ? cnt->valueint : 0;
    out->scanned_count = cJSON_IsNumber(scn) ? scn->valueint : 0;
    cJSON_Delete(resp);
    if (!out->items)
        out->items = cJSON_CreateArray();
    if (!cJSON_IsArray(out->items)) {
        ev_dynamodb_page_free(out);
        return fail(err, EV_AWS_ERR_PARSE, "InvalidResponse", "Query: Items is not an array");
    }
    return 0;
}

int ev_dynamodb_query(ev_aws_client *c, const ev_dynamodb_query_input *in, ev_dynamodb_page *out,
                      ev_aws_error *err)
{
    ev_aws_error_clear(err);
    memset(out, 0, sizeof *out);
    ev_buf req = EV_BUF_INIT, resp = EV_BUF_INIT;
    if (ev_dynamodb_build_query_request(in, &req, err) != 0)
        return -1;
    int rc = ev_aws_client_call(c, "Query", req.data, req.len, 0, &resp, err);
    if (rc == 0)
        rc = ev_dynamodb_parse_query_response(resp.data ? resp.data : "", resp.len, out, err);
    ev_buf_free(&req);
    ev_buf_free(&resp);
    return rc;
}

int ev_dynamodb_query_all(ev_aws_client *c, const ev_dynamodb_query_input *in, int max_pages,
                          cJSON **items_out, int *pages_out, ev_aws_error *err)
{
    if (items_out)
        *items_out = NULL;
    if (pages_out)
        *pages_out = 0;
    cJSON *all = cJSON_CreateArray();
    if (!all)
        return nomem(err);
    ev_dynamodb_query_input page_in = *in;
    char *start_key = NULL;
    int pages = 0, rc = 0;
    for (;;) {
        page_in.exclusive_start_key_json = start_key ? start_key : in->exclusive_start_key_json;
        ev_dynamodb_page page;
        rc = ev_dynamodb_query(c, &page_in, &page, err);
        cJSON_free(start_key); /* cJSON_PrintUnformatted output */
        start_key = NULL;
        if (rc != 0)
            break;
        pages++;
        while (page.items->child)
            cJSON_AddItemToArray(all, cJSON_DetachItemViaPointer(page.items, page.items->child));
        if (page.last_evaluated_key && (max_pages <= 0 || pages < max_pages)) {
            start_key = cJSON_PrintUnformatted(page.last_evaluated_key);
            ev_dynamodb_page_free(&page);
            if (!start_key) {
                rc = nomem(err);
                break;
            }
            continue;
        }
        ev_dynamodb_page_free(&page);
        break;
    }
    if (pages_out)
        *pages_out = pages;
    if (rc != 0 || !items_out) {
        cJSON_Delete(all);
        return rc;
    }
    *items_out = all;
    return 0;
}

static bool has_items(const cJSON *unprocessed)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, unprocessed)
    {
        if (cJSON_GetArraySize(t) > 0)
            return true;
    }
    return false;
}

int ev_dynamodb_batch_write_item(ev_aws_client *c, const char *request_items_json, int max_rounds,
                                 cJSON **unprocessed_out, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (unprocessed_out)
        *unprocessed_out = NULL;
    if (require(request_items_json, "RequestItems", err) != 0 ||
        check_json(request_items_json, '{', "RequestItems", err) != 0)
        return -1;
    if (max_rounds <= 0)
        max_rounds = 8;
    ev_retry *r = ev_aws_client_retry(c);
    /* items is always cJSON memory (later rounds hold cJSON_PrintUnformatted
     * output), so cJSON_free releases it whichever round we stop in. */
    size_t items_size = strlen(request_items_json) + 1;
    char *items = cJSON_malloc(items_size);
    if (!items)
        return nomem(err);
    memcpy(items, request_items_json, items_size);
    cJSON *left = NULL;
    int rc = 0;
    for (int round = 1;; round++) {
        body b;
        body_begin(&b);
        add_raw(&b, "RequestItems", items);
        if (body_end(&b, err) != 0) {
            rc = -1;
            break;
        }
        cJSON *resp = NULL;
        rc = send_body(c, "BatchWriteItem", &b.buf, &resp, err);
        ev_buf_free(&b.buf);
        if (rc != 0)
            break;
        cJSON_Delete(left);
        left = cJSON_DetachItemFromObjectCaseSensitive(resp, "UnprocessedItems");
        cJSON_Delete(resp);
        if (!left || !has_items(left))
            break;
        if (round >= max_rounds) {
            rc = fail(err, EV_AWS_ERR_PARTIAL, "UnprocessedItems", "BatchWriteItem: items still unprocessed");
            break;
        }
        /* Unprocessed items mean the table is throttling: back off as for a throttling error. */
        uint32_t delay_ms = ev_retry_delay_ms(r, round);
        if (!ev_retry_fits_deadline(r, delay_ms)) {
            ev_aws_error_clear(err);
            if (err)
                snprintf(err->service, sizeof err->service, DDB_SERVICE);
            rc = ev_aws_error_to_deadline(err, "BatchWriteItem: items still unprocessed, and the next round "
                                               "would start past it");
            break;
        }
        ev_retry_sleep(r, delay_ms);
        cJSON_free(items);
        items = cJSON_PrintUnformatted(left);
        if (!items) {
            rc = nomem(err);
            break;
        }
    }
    cJSON_free(items);
    if (rc != 0 && unprocessed_out && left && has_items(left)) {
        *unprocessed_out = left;
        left = NULL;
    }
    cJSON_Delete(left);
    return rc;
}

int ev_dynamodb_new_request_token(char out[EV_DYNAMODB_TOKEN_SIZE], ev_aws_error *err)
{
    unsigned char b[16];
    if (RAND_bytes(b, (int)sizeof b) != 1)
        return fail(err, EV_AWS_ERR_INVALID, "RandomFailure",
                    "RAND_bytes failed to make a ClientRequestToken");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, EV_DYNAMODB_TOKEN_SIZE,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

int ev_dynamodb_transact_write_items(ev_aws_client *c, const char *transact_items_json,
                                     const char *client_request_token, cJSON **cancellation_reasons_out,
                                     ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (cancellation_reasons_out)
        *cancellation_reasons_out = NULL;
    if (require(transact_items_json, "TransactItems", err) != 0 ||
        check_json(transact_items_json, '[', "TransactItems", err) != 0)
        return -1;
    /* Without a caller's token one is made here, once per call: every
     * attempt (a retry after a timeout too) carries the same token, so
     * DynamoDB applies the transaction at most once (botocore does the same). */
    char token[EV_DYNAMODB_TOKEN_SIZE];
    if (!client_request_token || !*client_request_token) {
        if (ev_dynamodb_new_request_token(token, err) != 0)
            return -1;
        client_request_token = token;
    }
    body b;
    body_begin(&b);
    add_raw(&b, "TransactItems", transact_items_json);
    add_str(&b, "ClientRequestToken", client_request_token);
    if (body_end(&b, err) != 0)
        return -1;
    ev_buf out = EV_BUF_INIT;
    int rc = ev_aws_client_call(c, "TransactWriteItems", b.buf.data, b.buf.len, 0, &out, err);
    ev_buf_free(&b.buf);
    if (rc != 0 && cancellation_reasons_out && ev_aws_error_is(err, "TransactionCanceledException") &&
        out.len) {
        cJSON *e = cJSON_ParseWithLength(out.data, out.len);
        *cancellation_reasons_out = cJSON_DetachItemFromObjectCaseSensitive(e, "CancellationReasons");
        cJSON_Delete(e);
    }
    ev_buf_free(&out);
    return rc;
}

int ev_dynamodb_update_time_to_live(ev_aws_client *c, const char *table, const char *attribute_name,
                                    bool enabled, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (require(table, "TableName", err) != 0 || require(attribute_name, "AttributeName", err) != 0)
        return -1;
    body b;
    body_begin(&b);
    add_str(&b, "TableName", table);
    key(&b, "TimeToLiveSpecification");
    ev_buf_append_str(&b.buf, "{\"AttributeName\":");
    ev_buf_append_json_string(&b.buf, attribute_name, strlen(attribute_name));
    ev_buf_append_str(&b.buf, enabled ? ",\"Enabled\":true}" : ",\"Enabled\":false}");
    if (body_end(&b, err) != 0)
        return -1;
    int rc = send_body(c, "UpdateTimeToLive", &b.buf, NULL, err);
    ev_buf_free(&b.buf);
    return rc;
}
