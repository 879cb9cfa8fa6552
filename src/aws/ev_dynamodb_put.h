/*
 * ev_dynamodb_put: idempotent writes for the processing function. Many
 * conditional PutItems in flight at once, one typed outcome per item:
 * written, duplicate (the item is already there, the same), conflict (an
 * item is there under the key, a different one) or failed (with the
 * ev_aws_error saying why).
 *
 * How an outcome is decided, for each put:
 *   1. PutItem with the put's ConditionExpression (e.g.
 *      attribute_not_exists(event_id)) and
 *      ReturnValuesOnConditionCheckFailure=ALL_OLD. A 2xx is WRITTEN.
 *   2. ConditionalCheckFailedException carrying the existing Item (AWS,
 *      moto): the item is compared (below): DUPLICATE or CONFLICT.
 *   3. ConditionalCheckFailedException without the Item (dynalite ignores
 *      the parameter; AWS omits it when no item exists): a GetItem with
 *      ConsistentRead on the put's key, all such GetItems in flight at once
 *      too; an item found is compared (checked_by_get set); no item is
 *      FAILED with the ConditionalCheckFailedException and a note (the
 *      condition failed for another reason, or the item was deleted since:
 *      a redelivery may succeed).
 *   4. Any other error, after the client's retries, is FAILED.
 * "The same item": when same_attribute is set, the existing item's
 * same_attribute must be a string (S) equal to same_value (e.g. a content
 * hash of the event); otherwise it is a CONFLICT. Without same_attribute
 * any existing item counts as the same (idempotency by key alone).
 *
 * Every request goes through ev_aws_client_call_many: the client's retry
 * policy, connection pool and invocation deadline (ev_aws_client_set_deadline)
 * apply to PutItems and GetItems alike; a put stopped at the deadline is
 * FAILED with kind EV_AWS_ERR_DEADLINE.
 *
 * Ownership: inputs are borrowed for the call; outcome, checked_by_get and
 * error are written into each put (fixed-size, nothing to free). The
 * ConditionalCheckFailedException body is parsed as received (never
 * redacted) and never shown.
 *
 * Threads: as the client (one thread at a time).
 *
 * Errors: ev_dynamodb_put_conditional_many returns 0 when every put has an
 * outcome other than FAILED, -1 otherwise with err = the first failed put's
 * error (each put says its own). Bad arguments of one put fail that put
 * alone (EV_AWS_ERR_INVALID, nothing sent for it); a NULL table fails all.
 */
#ifndef EV_AWS_DYNAMODB_PUT_H
#define EV_AWS_DYNAMODB_PUT_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_aws_error.h"
#include "core/ev_buf.h"

typedef enum ev_dynamodb_put_outcome {
    EV_DYNAMODB_PUT_FAILED = 0, /* not written and not known to be there: see error */
    EV_DYNAMODB_PUT_WRITTEN,    /* the condition held and the item was written */
    EV_DYNAMODB_PUT_DUPLICATE,  /* the condition failed; the existing item is the same */
    EV_DYNAMODB_PUT_CONFLICT    /* the condition failed; the existing item differs */
} ev_dynamodb_put_outcome;

typedef struct ev_dynamodb_conditional_put {
    /* in */
    const char *item_json;            /* the item, one JSON object (AttributeValue format) */
    const char *key_json;             /* its key, one JSON object: for the GetItem fallback */
    const char *condition_expression; /* e.g. "attribute_not_exists(event_id)" */
    const char *names_json;           /* ExpressionAttributeNames, or NULL */
    const char *values_json;          /* ExpressionAttributeValues, or NULL */
    const char *same_attribute;       /* attribute naming "the same item" (e.g. "content_hash"), or NULL */
    const char *same_value;           /* the string it must hold; required with same_attribute */
    /* out */
    ev_dynamodb_put_outcome outcome;
    bool checked_by_get; /* the outcome came from the GetItem fallback */
    /* FAILED: why. DUPLICATE / CONFLICT: the ConditionalCheckFailedException
     * (request id, attempts). WRITTEN: kind NONE, attempts. */
    ev_aws_error error;
} ev_dynamodb_conditional_put;

/* Writes puts[0..n) into table concurrently (up to the client's
 * max_in_flight at once) and decides each outcome as described above. */
int ev_dynamodb_put_conditional_many(ev_aws_client *c, const char *table, ev_dynamodb_conditional_put *puts,
                                     size_t n, ev_aws_error *err);

/* "written", "duplicate", "conflict", "failed". */
const char *ev_dynamodb_put_outcome_name(ev_dynamodb_put_outcome outcome);

/* ---- building blocks, exposed for unit tests (no network) ---- */

/* The PutItem body: TableName, Item, ConditionExpression, names, values,
 * ReturnValuesOnConditionCheckFailure=ALL_OLD. */
int ev_dynamodb_build_conditional_put(const char *table, const ev_dynamodb_conditional_put *put, ev_buf *out,
                                      ev_aws_error *err);
/* The fallback GetItem body: TableName, Key, ConsistentRead, and a
 * projection of same_attribute when there is one. */
int ev_dynamodb_build_conditional_get(const char *table, const ev_dynamodb_conditional_put *put, ev_buf *out,
                                      ev_aws_error *err);
/* Decides put->outcome from its PutItem's finished call (status, error,
 * response as ev_aws_client_call_many leaves them). Returns true when the
 * answer cannot tell (ConditionalCheckFailedException without the Item):
 * the GetItem fallback must decide. */
bool ev_dynamodb_conditional_put_settle(ev_dynamodb_conditional_put *put, const ev_aws_call *answer);
/* Decides put->outcome from its fallback GetItem's finished call. */
void ev_dynamodb_conditional_put_settle_get(ev_dynamodb_conditional_put *put, const ev_aws_call *answer);

#endif
