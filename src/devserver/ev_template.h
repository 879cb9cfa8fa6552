/*
 * ev_template: what the local stack needs from template.yaml, read with
 * libyaml (no YAML parser of our own), so local and deployed settings
 * come from the same file.
 *
 * Job: load the template's Parameters (defaults, then overrides), Globals
 * (Function) and the Resources devserver runs: the REST Api (stage,
 * throttling of MethodSettings, GatewayResponses), the functions (Handler, CodeUri, Timeout,
 * MemorySize, Environment, ReservedConcurrentExecutions, Api and SQS
 * events), the SQS queues (attributes, RedrivePolicy) and the DynamoDB
 * tables (keys, GSIs, TTL attribute). Other resource types are ignored.
 *
 * Intrinsics resolved (short `!X` and long `Fn::X` forms): Ref (parameters,
 * pseudo parameters, resources), GetAtt (Arn, QueueName, QueueUrl, the
 * table's and function's Arn), Sub (both forms, ${!literal}), Join, If,
 * Equals/Not/And/Or in Conditions, AWS::NoValue. Anything else in a place
 * devserver reads is an error naming the YAML path ("Resources.X.Properties.
 * Timeout: unsupported intrinsic !FindInMap"), never a guess.
 *
 * Physical names: a property (QueueName, TableName, FunctionName) when the
 * template sets one, else "<stack>-<LogicalId>". A resource's Ref and Arn
 * start as predicted values (account 123456789012) and are replaced with
 * what the emulator answers once the resource exists
 * (ev_template_set_resource); function environments are resolved after
 * that (ev_template_function_env), so SQS_QUEUE_URL is the real URL.
 *
 * Ownership: ev_template_load returns a template the caller frees with
 * ev_template_free; every string in it belongs to it. The YAML document is
 * kept inside for the late resolution of environments.
 *
 * Threads: load and resolve on one thread; the loaded model is read-only
 * afterwards and may be read from any thread.
 *
 * Errors: ev_ds_error (0/-1 or NULL), messages naming the YAML path.
 * Bounds: nesting deeper than 64 and alias expansion beyond 100,000 nodes
 * visited by one resolution are errors, so a hostile file cannot recurse or
 * loop forever.
 */
#ifndef EV_DEVSERVER_TEMPLATE_H
#define EV_DEVSERVER_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "devserver/ev_ds_error.h"

#define EV_TPL_MAX_PARAMS     64
#define EV_TPL_MAX_FUNCTIONS  16
#define EV_TPL_MAX_QUEUES     16
#define EV_TPL_MAX_TABLES     8
#define EV_TPL_MAX_APIS       4
#define EV_TPL_MAX_API_EVENTS 16
#define EV_TPL_MAX_SQS_EVENTS 4
#define EV_TPL_MAX_GSIS       8
#define EV_TPL_MAX_KEYATTRS   16

typedef struct ev_tpl_param {
    char *name;
    char *type;  /* "String", "Number", ... */
    char *value; /* default or override; NULL when neither */
} ev_tpl_param;

#define EV_TPL_MAX_GATEWAY_RESPONSES 16
#define EV_TPL_MAX_RESPONSE_HEADERS  8

/* One of the Api's GatewayResponses: API Gateway's own answer of that type
 * (MISSING_AUTHENTICATION_TOKEN, THROTTLED, REQUEST_TOO_LARGE, DEFAULT_4XX,
 * ...) reshaped. Header values are the static ones ('...' in the template,
 * quotes removed); others (mappings from the request) are not kept. */
typedef struct ev_tpl_gateway_response {
    char *type;
    int status; /* 0: the type's own status */
    char *header_names[EV_TPL_MAX_RESPONSE_HEADERS];
    char *header_values[EV_TPL_MAX_RESPONSE_HEADERS];
    size_t header_count;
    char *body_template; /* ResponseTemplates["application/json"], NULL: the default body */
} ev_tpl_gateway_response;

typedef struct ev_tpl_api {
    char *logical_id;
    char *stage;
    double rate_limit; /* requests per second; < 0: not throttled */
    long burst_limit;  /* < 0: not throttled */
    ev_tpl_gateway_response responses[EV_TPL_MAX_GATEWAY_RESPONSES];
    size_t response_count;
} ev_tpl_api;

typedef struct ev_tpl_api_event {
    char *name;   /* the event's key under Events */
    char *path;   /* "/events", "/items/{id}", "/{proxy+}" */
    char *method; /* upper case; "ANY" */
    int api;      /* index into apis, -1: the implicit API */
} ev_tpl_api_event;

typedef struct ev_tpl_sqs_event {
    char *name;
    int queue; /* index into queues */
    int batch_size;
    int batching_window_s;
    int max_concurrency; /* ScalingConfig.MaximumConcurrency; 0: not set */
    bool report_batch_item_failures;
    bool enabled;
} ev_tpl_sqs_event;

typedef struct ev_tpl_function {
    char *logical_id;
    char *name; /* physical: FunctionName or <stack>-<LogicalId> */
    char *handler;
    char *code_uri;
    int timeout_s;
    int memory_mb;
    int reserved_concurrency; /* -1: not set */
    ev_tpl_api_event api_events[EV_TPL_MAX_API_EVENTS];
    size_t api_event_count;
    ev_tpl_sqs_event sqs_events[EV_TPL_MAX_SQS_EVENTS];
    size_t sqs_event_count;
    int env_globals_node; /* YAML node ids of Environment.Variables (0: none) */
    int env_node;
} ev_tpl_function;

typedef struct ev_tpl_queue {
    char *logical_id;
    char *name;
    bool fifo;
    /* Attribute values as SQS takes them (decimal text), NULL when unset. */
    char *visibility_timeout;
    char *message_retention_period;
    char *maximum_message_size;
    char *delay_seconds;
    char *receive_wait_time;
    int dlq;               /* index into queues of the RedrivePolicy target, -1: none */
    int max_receive_count; /* RedrivePolicy maxReceiveCount, 0: none */
} ev_tpl_queue;

typedef struct ev_tpl_keyattr {
    char *name;
    char *type; /* "S", "N", "B" for attribute definitions; "HASH"/"RANGE" in key schemas */
} ev_tpl_keyattr;

typedef struct ev_tpl_gsi {
    char *name;
    ev_tpl_keyattr keys[2];
    size_t key_count;
    char *projection; /* "ALL", "KEYS_ONLY", "INCLUDE" */
} ev_tpl_gsi;

typedef struct ev_tpl_table {
    char *logical_id;
    char *name;
    ev_tpl_keyattr attributes[EV_TPL_MAX_KEYATTRS]; /* AttributeDefinitions */
    size_t attribute_count;
    ev_tpl_keyattr keys[2]; /* KeySchema */
    size_t key_count;
    ev_tpl_gsi gsis[EV_TPL_MAX_GSIS];
    size_t gsi_count;
    char *ttl_attribute; /* TimeToLiveSpecification.AttributeName when Enabled, else NULL */
} ev_tpl_table;

typedef struct ev_template ev_template;

typedef struct ev_template_options {
    const char *stack_name; /* NULL: "evpipe" */
    const char *region;     /* NULL: "us-east-1" */
    const char *account_id; /* NULL: "123456789012" */
    /* "Key=Value" or "ParameterKey=Key,ParameterValue=Value" items. */
    const char *const *overrides;
    size_t override_count;
} ev_template_options;

/* Reads a template from a file / from memory. NULL with err on failure. */
ev_template *ev_template_load_file(const char *path, const ev_template_options *opts, ev_ds_error *err);
ev_template *ev_template_load_text(const char *text, size_t len, const ev_template_options *opts,
                                   ev_ds_error *err);
void ev_template_free(ev_template *t);

/* The model (read-only views into the template). */
size_t ev_template_param_count(const ev_template *t);
const ev_tpl_param *ev_template_param(const ev_template *t, size_t i);
const ev_tpl_param *ev_template_find_param(const ev_template *t, const char *name);
size_t ev_template_api_count(const ev_template *t);
const ev_tpl_api *ev_template_api(const ev_template *t, size_t i);
size_t ev_template_function_count(const ev_template *t);
const ev_tpl_function *ev_template_function(const ev_template *t, size_t i);
int ev_template_find_function(const ev_template *t, const char *logical_id);
size_t ev_template_queue_count(const ev_template *t);
const ev_tpl_queue *ev_template_queue(const ev_template *t, size_t i);
int ev_template_find_queue(const ev_template *t, const char *logical_id);
size_t ev_template_table_count(const ev_template *t);
const ev_tpl_table *ev_template_table(const ev_template *t, size_t i);
const char *ev_template_region(const ev_template *t);

/* A resource's Ref value and Arn (queue: URL and ARN; table: name and ARN;
 * function: name and ARN); NULL when the logical id is unknown. */
const char *ev_template_resource_ref(const ev_template *t, const char *logical_id);
const char *ev_template_resource_arn(const ev_template *t, const char *logical_id);
/* Replaces them once the resource exists (either may be NULL: unchanged). */
int ev_template_set_resource(ev_template *t, const char *logical_id, const char *ref, const char *arn,
                             ev_ds_error *err);

/* One environment variable of a function. */
typedef struct ev_tpl_env {
    char *name;
    char *value;
} ev_tpl_env;

/* Globals.Function.Environment.Variables merged with the function's own
 * (the function's win), every value resolved now. *out is a new array the
 * caller frees with ev_template_env_free. */
int ev_template_function_env(const ev_template *t, size_t function, ev_tpl_env **out, size_t *count,
                             ev_ds_error *err);
void ev_template_env_free(ev_tpl_env *env, size_t count);

#endif
