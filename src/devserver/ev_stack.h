/*
 * ev_stack: the template's queues and tables, created on the local
 * emulators (SQS: fauxqs; DynamoDB: dynalite) through src/aws.
 *
 * Queues: those without a RedrivePolicy first, then the others with
 * RedrivePolicy {deadLetterTargetArn: the dead-letter queue's ARN as the
 * emulator reports it, maxReceiveCount from the template}; every attribute
 * the template sets (VisibilityTimeout, MessageRetentionPeriod,
 * MaximumMessageSize, DelaySeconds, ReceiveMessageWaitTimeSeconds,
 * FifoQueue). A queue that exists already is reused and its attributes
 * set to the template's. Each queue's URL and ARN then replace the
 * predicted ones in the template (ev_template_set_resource), so the
 * functions' environments hold the real URL.
 *
 * Tables: CreateTable with the template's keys, attribute definitions and
 * GSIs (PAY_PER_REQUEST); an existing table is reused (ResourceInUse).
 * TTL: UpdateTimeToLive is tried; where the emulator lacks it (dynalite),
 * a log line says it was skipped.
 *
 * Ownership: borrows everything. Threads: the calling thread, at start-up.
 * Errors: ev_ds_error naming the resource and the service's answer.
 */
#ifndef EV_DEVSERVER_STACK_H
#define EV_DEVSERVER_STACK_H

#include "aws/ev_aws_client.h"
#include "core/ev_buf.h"
#include "devserver/ev_activity.h"
#include "devserver/ev_ds_error.h"
#include "devserver/ev_template.h"

int ev_stack_create_queues(ev_template *t, ev_aws_client *sqs, ev_activity *act, ev_ds_error *err);
int ev_stack_create_tables(ev_template *t, ev_aws_client *ddb, ev_activity *act, ev_ds_error *err);

/* The CreateTable request of a table of the template (exposed for tests). */
int ev_stack_create_table_request(const ev_tpl_table *tb, ev_buf *out);

#endif
