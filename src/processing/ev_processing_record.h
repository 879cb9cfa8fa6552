/*
 * ev_processing_record: one SQS record of the processing function, from
 * the Lambda event's JSON to the DynamoDB item.
 *
 * Job: the steps of ev_processing.h for one record, each testable alone:
 *   ev_record_read_attributes   the message attributes (Lambda's form:
 *                               {"stringValue":"...","dataType":"String"})
 *   ev_processing_decode_for_version   validate + decode under a schema version
 *   ev_record_build_item        the item text and its content hash
 * Every refusal fills an ev_record_problem: a reason (a stable name for
 * logs and tests), where (an attribute name or a JSON Pointer into the
 * body) and a sentence saying why.
 *
 * Ownership: strings read from the record are borrowed from its cJSON
 * tree; decoded events live in the arena given; the item is appended to
 * the caller's ev_buf. Threads: reentrant. Errors: 0 / -1 with the problem.
 */
#ifndef EV_PROCESSING_RECORD_H
#define EV_PROCESSING_RECORD_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "core/ev_uuid.h"
#include "events_types.h"
#include "processing/ev_processing_rules.h"

typedef enum ev_record_reason {
    EV_RECORD_OK = 0,
    EV_RECORD_MISSING_ATTRIBUTE,   /* a required message attribute is absent */
    EV_RECORD_BAD_ATTRIBUTE,       /* an attribute of the wrong type or form */
    EV_RECORD_BODY_TOO_LARGE,      /* the body exceeds max_body_bytes */
    EV_RECORD_INVALID_JSON,        /* the body is not (strict) JSON */
    EV_RECORD_INVALID_EVENT,       /* the body breaks the schema */
    EV_RECORD_UNSUPPORTED_VERSION, /* no decoder for the message's schema version */
    EV_RECORD_RULES,               /* a business rule could not be applied */
    EV_RECORD_ITEM,                /* the item could not be built (DynamoDB limits) */
    EV_RECORD_NO_MEMORY,
    EV_RECORD_CONFLICT,     /* another event is stored under the id */
    EV_RECORD_WRITE_FAILED, /* the write failed (after the client's retries) */
    EV_RECORD_DEADLINE      /* not written by the invocation deadline */
} ev_record_reason;

typedef struct ev_record_problem {
    ev_record_reason reason;
    char where[256];  /* attribute name or JSON Pointer in the body ("" for the whole) */
    char detail[768]; /* why */
} ev_record_problem;

/* "missing-attribute", "bad-attribute", ... "deadline". */
const char *ev_record_reason_name(ev_record_reason reason);

/* Message attribute names (contract.md). */
#define EV_MSG_ATTR_EVENT_ID       "event_id"
#define EV_MSG_ATTR_EVENT_TYPE     "event_type"
#define EV_MSG_ATTR_SCHEMA_VERSION "schema_version"
#define EV_MSG_ATTR_RECEIVED_AT    "received_at"
#define EV_MSG_ATTR_SOURCE_IP      "source_ip"
#define EV_MSG_ATTR_REQUEST_ID     "request_id"

typedef struct ev_record_attrs {
    char event_id[EV_UUID_STRING_LEN + 1]; /* lowercase UUID text */
    const char *event_type;
    int64_t schema_version;
    int64_t received_at_ms;
    char received_at[32];  /* canonical RFC 3339 UTC with milliseconds */
    const char *source_ip; /* NULL when absent */
    const char *request_id;
} ev_record_attrs;

/* Reads the record's messageAttributes (absent or null: every required one
 * is missing). */
int ev_record_read_attributes(const cJSON *record, ev_record_attrs *out, ev_record_problem *p);

/* RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)) to
 * epoch milliseconds (fraction truncated to ms). -1 when malformed. */
int ev_rfc3339_parse_ms(const char *s, int64_t *ms);

/* The schema-evolution seam: reads `body` (strict JSON tree) as an event
 * made under schema `version`: the current version and the previous one
 * (generated/events_versions.h) are validated under their own schema and
 * decoded into the current struct, a previous version's body upgraded by
 * the generated rules (docs/schema-evolution.md); any other version is
 * EV_RECORD_UNSUPPORTED_VERSION. */
int ev_processing_decode_for_version(int64_t version, const cJSON *body, ev_arena *arena, events_event *out,
                                     ev_record_problem *p);

#define EV_ITEM_ATTR_CONTENT_HASH "content_hash"
#define EV_CONTENT_HASH_HEX_LEN   64

typedef struct ev_record_item_input {
    const events_event *event;
    const ev_normalised *normalised;
    const ev_record_attrs *attrs;
    const char *message_id;
    int64_t retention_days;
    /* SHA-256 fetched once (EVP_MD_fetch), saving OpenSSL's lookup of the
     * algorithm on every record; NULL: EVP_sha256(), looked up per call. */
    const struct evp_md_st *sha256;
} ev_record_item_input;

/* Appends the whole item to `item` and writes the content hash (hex
 * SHA-256 of the generated marshaller's item text). */
int ev_record_build_item(const ev_record_item_input *in, ev_buf *item, char hash[EV_CONTENT_HASH_HEX_LEN + 1],
                         ev_record_problem *p);

/* Top-level attribute names the function adds next to the event's own
 * members; a schema property of the same name would collide (a unit test
 * checks the schema). NULL-terminated. */
extern const char *const ev_record_added_attributes[];

#endif
