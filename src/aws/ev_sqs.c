/*
 * ev_sqs: SQS JSON-protocol operations. See ev_sqs.h.
 */
#include "aws/ev_sqs.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQS_SERVICE "sqs"

static int nomem(ev_aws_error *err)
{
    return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
}

static int invalid(ev_aws_error *err, const char *code, const char *what)
{
    int rc = ev_aws_error_set(err, EV_AWS_ERR_INVALID, code, "%s", what);
    if (err)
        snprintf(err->service, sizeof err->service, SQS_SERVICE);
    return rc;
}

void ev_sqs_md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(data, len, md, &md_len, EVP_md5(), NULL) != 1 || md_len != 16) {
        out[0] = '\0';
        return;
    }
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 16; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[32] = '\0';
}

static bool is_binary_type(const char *data_type)
{
    return strncmp(data_type, "Binary", 6) == 0;
}

static int attr_cmp(const void *a, const void *b)
{
    const ev_sqs_message_attribute *x = *(const ev_sqs_message_attribute *const *)a;
    const ev_sqs_message_attribute *y = *(const ev_sqs_message_attribute *const *)b;
    return strcmp(x->name, y->name);
}

static int md5_update_lp(EVP_MD_CTX *ctx, const void *data, size_t len)
{
    unsigned char be[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                           (unsigned char)len};
    return EVP_DigestUpdate(ctx, be, 4) == 1 && EVP_DigestUpdate(ctx, data, len) == 1 ? 0 : -1;
}

int ev_sqs_md5_of_attributes(const ev_sqs_message_attribute *attrs, size_t n, char out[33], ev_aws_error *err)
{
    out[0] = '\0';
    const ev_sqs_message_attribute **sorted = calloc(n ? n : 1, sizeof *sorted);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!sorted || !ctx) {
        free(sorted);
        EVP_MD_CTX_free(ctx);
        return nomem(err);
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &attrs[i];
    qsort(sorted, n, sizeof *sorted, attr_cmp);
    int rc = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const ev_sqs_message_attribute *a = sorted[i];
        rc |= md5_update_lp(ctx, a->name, strlen(a->name));
        rc |= md5_update_lp(ctx, a->data_type, strlen(a->data_type));
        if (is_binary_type(a->data_type)) {
            unsigned char t = 2;
            rc |= EVP_DigestUpdate(ctx, &t, 1) == 1 ? 0 : -1;
            rc |= md5_update_lp(ctx, a->binary_value ? (const void *)a->binary_value : "", a->binary_len);
        } else {
            unsigned char t = 1;
            const char *v = a->string_value ? a->string_value : "";
            rc |= EVP_DigestUpdate(ctx, &t, 1) == 1 ? 0 : -1;
            rc |= md5_update_lp(ctx, v, strlen(v));
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (rc == 0 && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 16) {
        static const char hex[] = "0123456789abcdef";
        for (unsigned i = 0; i < 16; i++) {
            out[2 * i] = hex[md[i] >> 4];
            out[2 * i + 1] = hex[md[i] & 15];
        }
        out[32] = '\0';
    } else {
        rc = ev_aws_error_set(err, EV_AWS_ERR_INTEGRITY, "DigestError", "MD5 computation failed");
    }
    EVP_MD_CTX_free(ctx);
    free(sorted);
    return rc;
}

size_t ev_sqs_message_size(const ev_sqs_outgoing *msg)
{
    size_t size = msg->body_len;
    for (size_t i = 0; i < msg->attribute_count; i++) {
        const ev_sqs_message_attribute *a = &msg->attributes[i];
        size += strlen(a->name) + strlen(a->data_type);
        size +=
            is_binary_type(a->data_type) ? a->binary_len : (a->string_value ? strlen(a->string_value) : 0);
    }
    return size;
}

static char *base64_encode(const unsigned char *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Decodes into a new buffer; *len_out excludes the padding. */
static unsigned char *base64_decode(const char *in, size_t *len_out)
{
    size_t in_len = strlen(in);
    unsigned char *out = malloc(in_len / 4 * 3 + 4);
    if (!out)
        return NULL;
    if (in_len == 0) {
        *len_out = 0;
        return out;
    }
    int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)in_len);
    if (n < 0 || in_len % 4 != 0) {
        free(out);
        return NULL;
    }
    size_t pad = (in[in_len - 1] == '=') + (in_len > 1 && in[in_len - 2] == '=');
    *len_out = (size_t)n - pad;
    return out;
}

static int check_outgoing(const ev_sqs_outgoing *msg, size_t max_bytes, ev_aws_error *err)
{
    if (!msg->body || msg->body_len == 0)
        return invalid(err, "MissingParameter", "message body must not be empty");
    /* SQS allows only XML characters (#x9 #xA #xD #x20 and up): a NUL never passes. */
    if (memchr(msg->body, '\0', msg->body_len))
        return invalid(err, "InvalidMessageContents", "message body contains a NUL byte");
    if (msg->attribute_count > EV_SQS_MAX_MESSAGE_ATTRIBUTES)
        return invalid(err, "InvalidParameterValue", "more than 10 message attributes");
    for (size_t i = 0; i < msg->attribute_count; i++) {
        const ev_sqs_message_attribute *a = &msg->attributes[i];
        if (!a->name || !*a->name || !a->data_type || !*a->data_type)
            return invalid(err, "InvalidParameterValue", "message attribute without name or data type");
        if (!is_binary_type(a->data_type) && !a->string_value)
            return invalid(err, "InvalidParameterValue", "string/number message attribute without a value");
        /* A JSON object keeps one of two same-named keys: the MD5 would then
         * cover an attribute the service never saw. */
        for (size_t j = 0; j < i; j++)
            if (strcmp(msg->attributes[j].name, a->name) == 0)
                return invalid(err, "InvalidParameterValue", "duplicate message attribute name");
    }
    size_t size = ev_sqs_message_size(msg);
    if (size > max_bytes) {
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "MessageTooLong",
                         "message is %zu bytes (body and attributes); the queue accepts at most %zu "
                         "(MaximumMessageSize)",
                         size, max_bytes);
        if (err)
            snprintf(err->service, sizeof err->service, SQS_SERVICE);
        return -1;
    }
    return 0;
}

static cJSON *attributes_json(const ev_sqs_message_attribute *attrs, size_t n)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; obj && i < n; i++) {
        const ev_sqs_message_attribute *a = &attrs[i];
        cJSON *v = cJSON_AddObjectToObject(obj, a->name);
        if (!v || !cJSON_AddStringToObject(v, "DataType", a->data_type))
            goto fail;
        if (is_binary_type(a->data_type)) {
            char *b64 = base64_encode(a->binary_value, a->binary_len);
            cJSON *s = b64 ? cJSON_AddStringToObject(v, "BinaryValue", b64) : NULL;
            free(b64);
            if (!s)
                goto fail;
        } else if (!cJSON_AddStringToObject(v, "StringValue", a->string_value)) {
            goto fail;
        }
    }
    return obj;
fail:
    cJSON_Delete(obj);
    return NULL;
}

/* Fills obj with the fields of one outgoing message (SendMessage body or a batch entry). */
static int outgoing_json(cJSON *obj, const ev_sqs_outgoing *msg)
{
    char *body = strndup(msg->body, msg->body_len);
    if (!body)
        return -1;
    cJSON *b = cJSON_AddStringToObject(obj, "MessageBody", body);
    free(body);
    if (!b)
        return -1;
    if (msg->delay_seconds >= 0 && !cJSON_AddNumberToObject(obj, "DelaySeconds", msg->delay_seconds))
        return -1;
    if (msg->attribute_count) {
        cJSON *attrs = attributes_json(msg->attributes, msg->attribute_count);
        if (!attrs)
            return -1;
        cJSON_AddItemToObject(obj, "MessageAttributes", attrs);
    }
    if (msg->trace_header) {
        ev_sqs_message_attribute t = {"AWSTraceHeader", "String", msg->trace_header, NULL, 0};
        cJSON *sys = attributes_json(&t, 1);
        if (!sys)
            return -1;
        cJSON_AddItemToObject(obj, "MessageSystemAttributes", sys);
    }
    if (msg->message_group_id && !cJSON_AddStringToObject(obj, "MessageGroupId", msg->message_group_id))
        return -1;
    if (msg->deduplication_id &&
        !cJSON_AddStringToObject(obj, "MessageDeduplicationId", msg->deduplication_id))
        return -1;
    return 0;
}

static int print_into(cJSON *root, ev_buf *out, ev_aws_error *err)
{
    char *s = cJSON_PrintUnformatted(root);
    if (!s)
        return nomem(err);
    ev_buf_reset(out);
    int rc = ev_buf_append_str(out, s);
    cJSON_free(s);
    return rc == 0 ? 0 : nomem(err);
}

int ev_sqs_max_message_bytes_from_env(size_t *out, ev_aws_error *err)
{
    *out = EV_SQS_MAX_MESSAGE_BYTES;
    const char *v = getenv(EV_SQS_MAX_MESSAGE_BYTES_ENV);
    if (!v || !*v)
        return 0;
    unsigned long long n = 0;
    const char *p = v;
    for (; *p >= '0' && *p <= '9' && n <= EV_SQS_MAX_MESSAGE_SIZE_SETTING; p++)
        n = n * 10 + (unsigned)(*p - '0');
    if (p == v || *p != '\0' || n < EV_SQS_MIN_MESSAGE_SIZE_SETTING || n > EV_SQS_MAX_MESSAGE_SIZE_SETTING) {
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "InvalidConfiguration",
                         "%s='%.40s': want a number of bytes from %u to %u (the queue's MaximumMessageSize)",
                         EV_SQS_MAX_MESSAGE_BYTES_ENV, v, EV_SQS_MIN_MESSAGE_SIZE_SETTING,
                         EV_SQS_MAX_MESSAGE_SIZE_SETTING);
        if (err)
            snprintf(err->service, sizeof err->service, SQS_SERVICE);
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

int ev_sqs_build_send_request(const char *queue_url, const ev_sqs_outgoing *msg, size_t max_message_bytes,
                              ev_buf *out, ev_aws_error *err)
{
    if (check_outgoing(msg, max_message_bytes ? max_message_bytes : EV_SQS_MAX_MESSAGE_BYTES, err) != 0)
        return -1;
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddStringToObject(root, "QueueUrl", queue_url) || outgoing_json(root, msg) != 0) {
        cJSON_Delete(root);
        return nomem(err);
    }
    int rc = print_into(root, out, err);
    cJSON_Delete(root);
    return rc;
}

/* Calls op with root (deleted here) and parses the answer into *resp (may be NULL to ignore it). */
static int call(ev_aws_client *c, const char *op, cJSON *root, long timeout_ms, cJSON **resp,
                ev_aws_error *err)
{
    if (resp)
        *resp = NULL;
    if (!root)
        return nomem(err);
    cJSON *answer = NULL;
    int rc = ev_aws_client_call_json(c, op, root, timeout_ms, &answer, err);
    cJSON_Delete(root);
    if (rc == 0 && resp)
        *resp = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

static const char *get_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int parse_error(ev_aws_error *err, const char *op, const char *what)
{
    int rc = ev_aws_error_set(err, EV_AWS_ERR_PARSE, "InvalidResponse", "%s: %s", op, what);
    if (err)
        snprintf(err->service, sizeof err->service, SQS_SERVICE);
    return rc;
}

static int copy_url(const cJSON *resp, const char *op, char *url_out, size_t url_len, ev_aws_error *err)
{
    const char *url = get_str(resp, "QueueUrl");
    if (!url)
        return parse_error(err, op, "no QueueUrl in the response");
    if (strlen(url) >= url_len)
        return invalid(err, "BufferTooSmall", "queue URL longer than the caller's buffer");
    memcpy(url_out, url, strlen(url) + 1);
    return 0;
}

static cJSON *attrs_object(const ev_sqs_attr *attrs, size_t n)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; obj && i < n; i++) {
        if (!cJSON_AddStringToObject(obj, attrs[i].name, attrs[i].value)) {
            cJSON_Delete(obj);
            return NULL;
        }
    }
    return obj;
}

int ev_sqs_create_queue(ev_aws_client *c, const char *name, const ev_sqs_attr *attrs, size_t attr_count,
                        char *url_out, size_t url_len, ev_aws_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (root && !cJSON_AddStringToObject(root, "QueueName", name))
        goto nomem;
    if (root && attr_count) {
        cJSON *a = attrs_object(attrs, attr_count);
        if (!a)
            goto nomem;
        cJSON_AddItemToObject(root, "Attributes", a);
    }
    cJSON *resp;
    if (call(c, "CreateQueue", root, 0, &resp, err) != 0)
        return -1;
    int rc = copy_url(resp, "CreateQueue", url_out, url_len, err);
    cJSON_Delete(resp);
    return rc;
nomem:
    cJSON_Delete(root);
    return nomem(err);
}

int ev_sqs_get_queue_url(ev_aws_client *c, const char *name, char *url_out, size_t url_len, ev_aws_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (root && !cJSON_AddStringToObject(root, "QueueName", name)) {
        cJSON_Delete(root);
        return nomem(err);
    }
    cJSON *resp;
    if (call(c, "GetQueueUrl", root, 0, &resp, err) != 0)
        return -1;
    int rc = copy_url(resp, "GetQueueUrl", url_out, url_len, err);
    cJSON_Delete(resp);
    return rc;
}

int ev_sqs_get_queue_attributes(ev_aws_client *c, const char *queue_url, const char *const *names,
                                size_t name_count, cJSON **attributes_out, ev_aws_error *err)
{
    *attributes_out = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root ? cJSON_AddArrayToObject(root, "AttributeNames") : NULL;
    if (!list || !cJSON_AddStringToObject(root, "QueueUrl", queue_url))
        goto nomem;
    for (size_t i = 0; i < (names ? name_count : 1); i++) {
        cJSON *s = cJSON_CreateString(names ? names[i] : "All");
        if (!s)
            goto nomem;
        cJSON_AddItemToArray(list, s);
    }
    cJSON *resp;
    if (call(c, "GetQueueAttributes", root, 0, &resp, err) != 0)
        return -1;
    cJSON *attrs = cJSON_DetachItemFromObjectCaseSensitive(resp, "Attributes");
    cJSON_Delete(resp);
    *attributes_out = attrs ? attrs : cJSON_CreateObject();
    return *attributes_out ? 0 : nomem(err);
nomem:
    cJSON_Delete(root);
    return nomem(err);
}

int ev_sqs_set_queue_attributes(ev_aws_client *c, const char *queue_url, const ev_sqs_attr *attrs,
                                size_t attr_count, ev_aws_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *a = attrs_object(attrs, attr_count);
    if (!root || !a || !cJSON_AddStringToObject(root, "QueueUrl", queue_url)) {
        cJSON_Delete(root);
        cJSON_Delete(a);
        return nomem(err);
    }
    cJSON_AddItemToObject(root, "Attributes", a);
    return call(c, "SetQueueAttributes", root, 0, NULL, err);
}

int ev_sqs_delete_queue(ev_aws_client *c, const char *queue_url, ev_aws_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (root && !cJSON_AddStringToObject(root, "QueueUrl", queue_url)) {
        cJSON_Delete(root);
        return nomem(err);
    }
    return call(c, "DeleteQueue", root, 0, NULL, err);
}

static int integrity(ev_aws_error *err, const char *what, const char *expected, const char *got)
{
    int rc = ev_aws_error_set(err, EV_AWS_ERR_INTEGRITY, "MD5Mismatch", "%s: expected %s, service said %s",
                              what, expected, got ? got : "(nothing)");
    if (err)
        snprintf(err->service, sizeof err->service, SQS_SERVICE);
    return rc;
}

/* Checks the MD5s a send answer (or a batch result entry) carries. */
static int verify_sent(const ev_sqs_outgoing *msg, const cJSON *answer, ev_aws_error *err)
{
    char md5[33];
    ev_sqs_md5_hex(msg->body, msg->body_len, md5);
    const char *got = get_str(answer, "MD5OfMessageBody");
    if (!got || strcmp(got, md5) != 0)
        return integrity(err, "MD5OfMessageBody", md5, got);
    if (msg->attribute_count) {
        if (ev_sqs_md5_of_attributes(msg->attributes, msg->attribute_count, md5, err) != 0)
            return -1;
        got = get_str(answer, "MD5OfMessageAttributes");
        if (!got || strcmp(got, md5) != 0)
            return integrity(err, "MD5OfMessageAttributes", md5, got);
    }
    got = get_str(answer, "MD5OfMessageSystemAttributes");
    /* Some emulators do not echo it: only a present, wrong value is an error. */
    if (msg->trace_header && got) {
        ev_sqs_message_attribute t = {"AWSTraceHeader", "String", msg->trace_header, NULL, 0};
        if (ev_sqs_md5_of_attributes(&t, 1, md5, err) != 0)
            return -1;
        if (strcmp(got, md5) != 0)
            return integrity(err, "MD5OfMessageSystemAttributes", md5, got);
    }
    return 0;
}

static void copy_sent(const cJSON *answer, ev_sqs_sent *out)
{
    const char *id = get_str(answer, "MessageId");
    const char *seq = get_str(answer, "SequenceNumber");
    snprintf(out->message_id, sizeof out->message_id, "%s", id ? id : "");
    snprintf(out->sequence_number, sizeof out->sequence_number, "%s", seq ? seq : "");
}

int ev_sqs_send_message(ev_aws_client *c, const char *queue_url, const ev_sqs_outgoing *msg, ev_sqs_sent *out,
                        ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (check_outgoing(msg, ev_aws_client_sqs_max_message_bytes(c), err) != 0)
        return -1;
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddStringToObject(root, "QueueUrl", queue_url) || outgoing_json(root, msg) != 0) {
        cJSON_Delete(root);
        return nomem(err);
    }
    cJSON *resp;
    if (call(c, "SendMessage", root, 0, &resp, err) != 0)
        return -1;
    int rc = verify_sent(msg, resp, err);
    if (rc == 0 && out)
        copy_sent(resp, out);
    cJSON_Delete(resp);
    return rc;
}

/* Shared by the three batch calls: fills results[] from Successful/Failed. */
/* The entry an answer's Id names (our Ids are the indexes "0".."n-1"), or n
 * when it names none of ours. */
static size_t entry_index(const cJSON *e, size_t n)
{
    const char *id = get_str(e, "Id");
    if (id == NULL || id[0] < '0' || id[0] > '9')
        return n;
    char *end = NULL;
    unsigned long i = strtoul(id, &end, 10);
    return *end != '\0' || i >= n ? n : (size_t)i;
}

/* Fails entry i for a second report of the same Id: a faulty or hostile
 * answer must never turn a failure (or an MD5 mismatch) into success. */
static bool report_once(bool *seen, ev_sqs_batch_entry *results, size_t i)
{
    if (!seen[i]) {
        seen[i] = true;
        return true;
    }
    results[i].ok = false;
    snprintf(results[i].code, sizeof results[i].code, "DuplicateResult");
    snprintf(results[i].message, sizeof results[i].message, "the service reported this entry more than once");
    return false;
}

int ev_sqs_parse_batch_response(const char *op, const cJSON *resp, size_t n, ev_sqs_batch_entry *results,
                                const ev_sqs_outgoing *msgs, ev_aws_error *err)
{
    bool *seen = calloc(n ? n : 1, sizeof *seen);
    if (!seen)
        return nomem(err);
    int integrity_rc = 0;
    size_t failed = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(resp, "Successful"))
    {
        size_t i = entry_index(e, n);
        if (i == n || !report_once(seen, results, i))
            continue;
        results[i].ok = true;
        if (msgs) {
            copy_sent(e, &results[i].sent);
            if (verify_sent(&msgs[i], e, err) != 0) {
                results[i].ok = false;
                snprintf(results[i].code, sizeof results[i].code, "MD5Mismatch");
                snprintf(results[i].message, sizeof results[i].message, "%.200s", err ? err->message : "");
                integrity_rc = -1;
            }
        }
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(resp, "Failed"))
    {
        size_t i = entry_index(e, n);
        if (i == n || !report_once(seen, results, i))
            continue;
        results[i].ok = false;
        const char *code = get_str(e, "Code");
        const char *msg = get_str(e, "Message");
        snprintf(results[i].code, sizeof results[i].code, "%s", code ? code : "");
        snprintf(results[i].message, sizeof results[i].message, "%s", msg ? msg : "");
        results[i].sender_fault = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "SenderFault"));
    }
    for (size_t i = 0; i < n; i++) {
        if (!seen[i]) {
            results[i].ok = false;
            snprintf(results[i].code, sizeof results[i].code, "MissingResult");
            snprintf(results[i].message, sizeof results[i].message, "the service did not report this entry");
        }
        if (!results[i].ok)
            failed++;
    }
    free(seen);
    if (integrity_rc != 0)
        return -1;
    if (failed) {
        size_t first = 0;
        while (results[first].ok)
            first++;
        ev_aws_error_set(err, EV_AWS_ERR_PARTIAL, "BatchEntryFailed",
                         "%s: %zu of %zu entries failed (first: %s %s)", op, failed, n, results[first].code,
                         results[first].message);
        if (err)
            snprintf(err->service, sizeof err->service, SQS_SERVICE);
        return -1;
    }
    return 0;
}

static int check_batch_size(size_t n, ev_aws_error *err)
{
    if (n == 0)
        return invalid(err, "EmptyBatchRequest", "a batch needs at least one entry");
    if (n > EV_SQS_MAX_BATCH)
        return invalid(err, "TooManyEntriesInBatchRequest", "a batch takes at most 10 entries");
    return 0;
}

/* {"QueueUrl": ..., "Entries": []} for the *Batch operations; NULL when memory runs out. */
static cJSON *batch_request_new(const char *queue_url, cJSON **entries)
{
    cJSON *root = cJSON_CreateObject();
    *entries = root ? cJSON_AddArrayToObject(root, "Entries") : NULL;
    if (!*entries || !cJSON_AddStringToObject(root, "QueueUrl", queue_url)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* Appends an entry whose Id is its index, so results map back to the inputs. */
static cJSON *batch_entry_add(cJSON *entries, size_t index)
{
    char id[24];
    snprintf(id, sizeof id, "%zu", index);
    cJSON *e = cJSON_CreateObject();
    if (!e)
        return NULL;
    cJSON_AddItemToArray(entries, e);
    return cJSON_AddStringToObject(e, "Id", id) ? e : NULL;
}

int ev_sqs_send_message_batch(ev_aws_client *c, const char *queue_url, const ev_sqs_outgoing *msgs, size_t n,
                              ev_sqs_batch_entry *results, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (check_batch_size(n, err) != 0)
        return -1;
    memset(results, 0, n * sizeof *results);
    size_t limit = ev_aws_client_sqs_max_message_bytes(c);
    size_t batch_limit = limit > EV_SQS_MAX_MESSAGE_BYTES ? limit : EV_SQS_MAX_MESSAGE_BYTES;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (check_outgoing(&msgs[i], limit, err) != 0)
            return -1;
        total += ev_sqs_message_size(&msgs[i]);
    }
    if (total > batch_limit) {
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "BatchRequestTooLong",
                         "batch is %zu bytes; SQS accepts at most %zu in one SendMessageBatch", total,
                         batch_limit);
        if (err)
            snprintf(err->service, sizeof err->service, SQS_SERVICE);
        return -1;
    }
    cJSON *entries;
    cJSON *root = batch_request_new(queue_url, &entries);
    if (!root)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = batch_entry_add(entries, i);
        if (!e || outgoing_json(e, &msgs[i]) != 0)
            goto nomem;
    }
    cJSON *resp;
    if (call(c, "SendMessageBatch", root, 0, &resp, err) != 0)
        return -1;
    int rc = ev_sqs_parse_batch_response("SendMessageBatch", resp, n, results, msgs, err);
    cJSON_Delete(resp);
    return rc;
nomem:
    cJSON_Delete(root);
    return nomem(err);
}

static void message_free(ev_sqs_message *m)
{
    free(m->message_id);
    free(m->receipt_handle);
    free(m->body);
    free(m->md5_of_body);
    cJSON_Delete(m->attributes);
    for (size_t i = 0; i < m->message_attribute_count; i++) {
        ev_sqs_message_attribute *a = &m->message_attributes[i];
        free((char *)a->name);
        free((char *)a->data_type);
        free((char *)a->string_value);
        free((unsigned char *)a->binary_value);
    }
    free(m->message_attributes);
    memset(m, 0, sizeof *m);
}

void ev_sqs_messages_free(ev_sqs_messages *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        message_free(&m->items[i]);
    free(m->items);
    m->items = NULL;
    m->count = 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int parse_message(const cJSON *j, ev_sqs_message *m, ev_aws_error *err)
{
    const char *body = get_str(j, "Body");
    const char *id = get_str(j, "MessageId");
    const char *rh = get_str(j, "ReceiptHandle");
    if (!body || !id || !rh)
        return parse_error(err, "ReceiveMessage", "message without Body, MessageId or ReceiptHandle");
    m->message_id = strdup(id);
    m->receipt_handle = strdup(rh);
    m->body = strdup(body);
    m->body_len = strlen(body);
    m->md5_of_body = dup_or_null(get_str(j, "MD5OfBody"));
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(j, "Attributes");
    m->attributes = attrs ? cJSON_Duplicate(attrs, 1) : cJSON_CreateObject();
    if (!m->message_id || !m->receipt_handle || !m->body || !m->attributes)
        return nomem(err);
    char md5[33];
    ev_sqs_md5_hex(m->body, m->body_len, md5);
    if (!m->md5_of_body || strcmp(md5, m->md5_of_body) != 0)
        return integrity(err, "MD5OfBody", md5, m->md5_of_body);

    const cJSON *mattrs = cJSON_GetObjectItemCaseSensitive(j, "MessageAttributes");
    size_t count = (size_t)cJSON_GetArraySize(mattrs);
    if (cJSON_IsObject(mattrs) && count) {
        m->message_attributes = calloc(count, sizeof *m->message_attributes);
        if (!m->message_attributes)
            return nomem(err);
        const cJSON *a;
        cJSON_ArrayForEach(a, mattrs)
        {
            ev_sqs_message_attribute *out = &m->message_attributes[m->message_attribute_count++];
            const char *type = get_str(a, "DataType");
            if (!a->string || !type)
                return parse_error(err, "ReceiveMessage", "message attribute without a name or DataType");
            out->name = strdup(a->string);
            out->data_type = strdup(type);
            if (!out->name || !out->data_type)
                return nomem(err);
            if (is_binary_type(type)) {
                const char *b64 = get_str(a, "BinaryValue");
                size_t len = 0;
                unsigned char *bin = base64_decode(b64 ? b64 : "", &len);
                if (!bin)
                    return parse_error(err, "ReceiveMessage", "BinaryValue is not base64");
                out->binary_value = bin;
                out->binary_len = len;
            } else {
                const char *sv = get_str(a, "StringValue");
                out->string_value = strdup(sv ? sv : "");
                if (!out->string_value)
                    return nomem(err);
            }
        }
        const char *got = get_str(j, "MD5OfMessageAttributes");
        if (ev_sqs_md5_of_attributes(m->message_attributes, m->message_attribute_count, md5, err) != 0)
            return -1;
        if (!got || strcmp(got, md5) != 0)
            return integrity(err, "MD5OfMessageAttributes", md5, got);
    }
    return 0;
}

int ev_sqs_parse_receive_response(const char *body, size_t len, ev_sqs_messages *out, ev_aws_error *err)
{
    out->items = NULL;
    out->count = 0;
    cJSON *resp = cJSON_ParseWithLength(body, len);
    if (!resp)
        return parse_error(err, "ReceiveMessage", "response is not JSON");
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(resp, "Messages");
    size_t n = cJSON_IsArray(msgs) ? (size_t)cJSON_GetArraySize(msgs) : 0;
    int rc = 0;
    if (n) {
        out->items = calloc(n, sizeof *out->items);
        if (!out->items) {
            cJSON_Delete(resp);
            return nomem(err);
        }
        const cJSON *m;
        cJSON_ArrayForEach(m, msgs)
        {
            rc = parse_message(m, &out->items[out->count], err);
            out->count++;
            if (rc != 0)
                break;
        }
    }
    cJSON_Delete(resp);
    if (rc != 0)
        ev_sqs_messages_free(out);
    return rc;
}

static int add_names(cJSON *root, const char *key, const char *const *names, size_t n)
{
    if (n == 0)
        return 0;
    cJSON *list = cJSON_AddArrayToObject(root, key);
    if (!list)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateString(names[i]);
        if (!s)
            return -1;
        cJSON_AddItemToArray(list, s);
    }
    return 0;
}

int ev_sqs_receive_message(ev_aws_client *c, const ev_sqs_receive_input *in, ev_sqs_messages *out,
                           ev_aws_error *err)
{
    ev_aws_error_clear(err);
    out->items = NULL;
    out->count = 0;
    cJSON *root = cJSON_CreateObject();
    int max = in->max_messages <= 0 ? 1 : in->max_messages;
    if (!root || !cJSON_AddStringToObject(root, "QueueUrl", in->queue_url) ||
        !cJSON_AddNumberToObject(root, "MaxNumberOfMessages", max))
        goto nomem;
    if (in->wait_time_seconds >= 0 &&
        !cJSON_AddNumberToObject(root, "WaitTimeSeconds", in->wait_time_seconds))
        goto nomem;
    if (in->visibility_timeout >= 0 &&
        !cJSON_AddNumberToObject(root, "VisibilityTimeout", in->visibility_timeout))
        goto nomem;
    /* AttributeNames is deprecated in favour of MessageSystemAttributeNames; send both. */
    if (add_names(root, "AttributeNames", in->attribute_names, in->attribute_name_count) != 0 ||
        add_names(root, "MessageSystemAttributeNames", in->attribute_names, in->attribute_name_count) != 0 ||
        add_names(root, "MessageAttributeNames", in->message_attribute_names,
                  in->message_attribute_name_count) != 0)
        goto nomem;
    char *body = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!body)
        return nomem(err);
    /* A long poll holds the request open for up to WaitTimeSeconds: allow for it. */
    long timeout_ms =
        in->wait_time_seconds > 0 ? (long)in->wait_time_seconds * 1000 + EV_HTTP_DEFAULT_TIMEOUT_MS : 0;
    ev_buf resp = EV_BUF_INIT;
    int rc = ev_aws_client_call(c, "ReceiveMessage", body, strlen(body), timeout_ms, &resp, err);
    cJSON_free(body);
    if (rc == 0)
        rc = ev_sqs_parse_receive_response(resp.data ? resp.data : "{}", resp.len ? resp.len : 2, out, err);
    ev_buf_free(&resp);
    return rc;
nomem:
    cJSON_Delete(root);
    return nomem(err);
}

const char *ev_sqs_message_system_attribute(const ev_sqs_message *m, const char *name)
{
    return get_str(m->attributes, name);
}

const ev_sqs_message_attribute *ev_sqs_message_find_attribute(const ev_sqs_message *m, const char *name)
{
    for (size_t i = 0; i < m->message_attribute_count; i++)
        if (strcmp(m->message_attributes[i].name, name) == 0)
            return &m->message_attributes[i];
    return NULL;
}

int ev_sqs_delete_message(ev_aws_client *c, const char *queue_url, const char *receipt_handle,
                          ev_aws_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddStringToObject(root, "QueueUrl", queue_url) ||
        !cJSON_AddStringToObject(root, "ReceiptHandle", receipt_handle)) {
        cJSON_Delete(root);
        return nomem(err);
    }
    return call(c, "DeleteMessage", root, 0, NULL, err);
}

/* DeleteMessageBatch and ChangeMessageVisibilityBatch (timeouts non-NULL). */
static int handle_batch(ev_aws_client *c, const char *op, const char *queue_url, const char *const *receipts,
                        const int *timeouts, size_t n, ev_sqs_batch_entry *results, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (check_batch_size(n, err) != 0)
        return -1;
    memset(results, 0, n * sizeof *results);
    cJSON *entries;
    cJSON *root = batch_request_new(queue_url, &entries);
    if (!root)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = batch_entry_add(entries, i);
        if (!e || !cJSON_AddStringToObject(e, "ReceiptHandle", receipts[i]))
            goto nomem;
        if (timeouts && !cJSON_AddNumberToObject(e, "VisibilityTimeout", timeouts[i]))
            goto nomem;
    }
    cJSON *resp;
    if (call(c, op, root, 0, &resp, err) != 0)
        return -1;
    int rc = ev_sqs_parse_batch_response(op, resp, n, results, NULL, err);
    cJSON_Delete(resp);
    return rc;
nomem:
    cJSON_Delete(root);
    return nomem(err);
}

int ev_sqs_delete_message_batch(ev_aws_client *c, const char *queue_url, const char *const *receipt_handles,
                                size_t n, ev_sqs_batch_entry *results, ev_aws_error *err)
{
    return handle_batch(c, "DeleteMessageBatch", queue_url, receipt_handles, NULL, n, results, err);
}

int ev_sqs_change_message_visibility(ev_aws_client *c, const char *queue_url, const char *receipt_handle,
                                     int visibility_timeout_s, ev_aws_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddStringToObject(root, "QueueUrl", queue_url) ||
        !cJSON_AddStringToObject(root, "ReceiptHandle", receipt_handle) ||
        !cJSON_AddNumberToObject(root, "VisibilityTimeout", visibility_timeout_s)) {
        cJSON_Delete(root);
        return nomem(err);
    }
    return call(c, "ChangeMessageVisibility", root, 0, NULL, err);
}

int ev_sqs_change_message_visibility_batch(ev_aws_client *c, const char *queue_url,
                                           const char *const *receipt_handles,
                                           const int *visibility_timeouts_s, size_t n,
                                           ev_sqs_batch_entry *results, ev_aws_error *err)
{
    return handle_batch(c, "ChangeMessageVisibilityBatch", queue_url, receipt_handles, visibility_timeouts_s,
                        n, results, err);
}
