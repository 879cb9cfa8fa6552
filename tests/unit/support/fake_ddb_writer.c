/* An in-memory table behind the writer seam: see fake_ddb_writer.h. */
#include "fake_ddb_writer.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void fake_ddb_writer_init(fake_ddb_writer *f)
{
    memset(f, 0, sizeof *f);
    f->deadline_after = SIZE_MAX;
}

void fake_ddb_writer_free(fake_ddb_writer *f)
{
    for (size_t i = 0; i < f->n_rows; i++) {
        free(f->rows[i].event_id);
        free(f->rows[i].same_value);
        free(f->rows[i].item_json);
    }
    f->n_rows = 0;
}

static fake_ddb_row *find(const fake_ddb_writer *f, const char *event_id)
{
    for (size_t i = 0; i < f->n_rows; i++)
        if (strcmp(f->rows[i].event_id, event_id) == 0)
            return (fake_ddb_row *)&f->rows[i];
    return NULL;
}

const char *fake_ddb_writer_item(const fake_ddb_writer *f, const char *event_id)
{
    fake_ddb_row *r = find(f, event_id);
    return r ? r->item_json : NULL;
}

static void decide(fake_ddb_writer *f, ev_dynamodb_conditional_put *put)
{
    cJSON *key = cJSON_Parse(put->key_json);
    const cJSON *id =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(key, "event_id"), "S");
    cJSON *item = cJSON_Parse(put->item_json);
    bool item_ok = cJSON_IsObject(item);
    cJSON_Delete(item);
    if (!cJSON_IsString(id) || !item_ok) {
        put->outcome = EV_DYNAMODB_PUT_FAILED;
        ev_aws_error_set(&put->error, EV_AWS_ERR_SERVICE, "ValidationException", "fake: bad key or item");
        cJSON_Delete(key);
        return;
    }
    fake_ddb_row *row = find(f, id->valuestring);
    if (row == NULL && f->n_rows < FAKE_DDB_MAX_ROWS) {
        row = &f->rows[f->n_rows++];
        row->event_id = strdup(id->valuestring);
        row->same_value = strdup(put->same_value ? put->same_value : "");
        row->item_json = strdup(put->item_json);
        put->outcome = EV_DYNAMODB_PUT_WRITTEN;
    } else if (row != NULL && put->same_value != NULL && strcmp(row->same_value, put->same_value) == 0) {
        put->outcome = EV_DYNAMODB_PUT_DUPLICATE;
    } else if (row != NULL) {
        put->outcome = EV_DYNAMODB_PUT_CONFLICT;
    } else {
        put->outcome = EV_DYNAMODB_PUT_FAILED;
        ev_aws_error_set(&put->error, EV_AWS_ERR_SERVICE, "ItemCollectionSizeLimitExceededException",
                         "fake: full");
    }
    cJSON_Delete(key);
}

int fake_ddb_writer_write(void *ctx, const ev_invocation *inv, const char *table,
                          ev_dynamodb_conditional_put *puts, size_t n)
{
    fake_ddb_writer *f = ctx;
    f->calls++;
    f->last_deadline_ms = inv->deadline_ms;
    strncpy(f->last_table, table ? table : "", sizeof f->last_table - 1);
    if (f->mode == FAKE_DDB_REFUSE)
        return -1;
    for (size_t i = 0; i < n; i++, f->puts_seen++) {
        ev_aws_error_clear(&puts[i].error);
        if (f->mode == FAKE_DDB_FAIL) {
            puts[i].outcome = EV_DYNAMODB_PUT_FAILED;
            ev_aws_error_set(&puts[i].error, EV_AWS_ERR_TRANSPORT, "ConnectionRefused",
                             "fake: could not connect to the table");
        } else if (i >= f->deadline_after) {
            puts[i].outcome = EV_DYNAMODB_PUT_FAILED;
            ev_aws_error_set(&puts[i].error, EV_AWS_ERR_TRANSPORT, "RequestTimeout", "fake: slow");
            ev_aws_error_to_deadline(&puts[i].error, "the invocation deadline is near");
        } else {
            decide(f, &puts[i]);
        }
    }
    return 0;
}
