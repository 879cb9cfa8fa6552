/*
 * fake_ddb_writer: an in-memory table behind the processing function's
 * writer seam (ev_processing_writer), for handler tests with no network.
 *
 * Job: decides each conditional put as DynamoDB would for
 * attribute_not_exists(event_id) with a same_attribute check: no item under
 * the key -> WRITTEN (stored), an item with the same same_value ->
 * DUPLICATE, another -> CONFLICT. Modes inject failures: every put FAILED
 * (transport), puts after the first `deadline_after` FAILED with kind
 * EV_AWS_ERR_DEADLINE, or the whole call refused (-1).
 *
 * Ownership: the fake owns copies of the stored items; fake_ddb_writer_free
 * releases them. Threads: one.
 */
#ifndef TEST_FAKE_DDB_WRITER_H
#define TEST_FAKE_DDB_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "processing/ev_processing.h"

#define FAKE_DDB_MAX_ROWS 512

typedef enum fake_ddb_mode {
    FAKE_DDB_TABLE = 0, /* behave like the table */
    FAKE_DDB_FAIL,      /* every put FAILED: transport error */
    FAKE_DDB_REFUSE     /* the call returns -1, outcomes untouched */
} fake_ddb_mode;

typedef struct fake_ddb_row {
    char *event_id;
    char *same_value;
    char *item_json;
} fake_ddb_row;

typedef struct fake_ddb_writer {
    fake_ddb_mode mode;
    size_t deadline_after; /* SIZE_MAX: never; else puts after this many are stopped at the deadline */
    fake_ddb_row rows[FAKE_DDB_MAX_ROWS];
    size_t n_rows;
    size_t calls;     /* write calls */
    size_t puts_seen; /* puts over all calls */
    int64_t last_deadline_ms;
    char last_table[256];
} fake_ddb_writer;

void fake_ddb_writer_init(fake_ddb_writer *f);
void fake_ddb_writer_free(fake_ddb_writer *f);
/* The ev_processing_write_fn; ctx is a fake_ddb_writer. */
int fake_ddb_writer_write(void *ctx, const ev_invocation *inv, const char *table,
                          ev_dynamodb_conditional_put *puts, size_t n);
/* The stored item under event_id (JSON text), or NULL. */
const char *fake_ddb_writer_item(const fake_ddb_writer *f, const char *event_id);

#endif
