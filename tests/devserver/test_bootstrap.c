/*
 * A bootstrap for devserver's tests, on the project's runtime
 * (ev_runtime_main). TEST_MODE (from the test template's Environment)
 * picks what it is:
 *   api    an API function: answers 200 with the proxy event it got as the
 *          body; the path decides the misbehaviour: .../crash aborts the
 *          process, .../slow sleeps past the function's timeout,
 *          .../error fails the invocation, .../malformed answers something
 *          that is not a proxy response, .../binary answers base64;
 *   sqs    an SQS consumer: appends each record it gets to RECORD_FILE
 *          (one JSON line: messageId, body, receive count), reports the
 *          records whose body holds "fail" as batchItemFailures, and fails
 *          the whole invocation when a body holds "whole-batch-error";
 *   initfail  fails its init (posts init/error) every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "runtime/ev_lambda.h"

typedef struct app {
    const char *mode;
    const char *record_file;
} app;

static int init(void *ctx, ev_log *log, ev_runtime_error *err)
{
    (void)log;
    app *a = ctx;
    a->mode = getenv("TEST_MODE") ? getenv("TEST_MODE") : "api";
    a->record_file = getenv("RECORD_FILE");
    if (strcmp(a->mode, "initfail") == 0)
        return ev_runtime_error_set(err, "Runtime.ConfigInvalid", "TEST_MODE=initfail always fails its init");
    return 0;
}

static int answer(ev_handler_output *out, const ev_invocation *inv, cJSON *resp)
{
    char *text = cJSON_PrintUnformatted(resp);
    cJSON_Delete(resp);
    if (text == NULL)
        return ev_handler_fail(out, "OutOfMemory", "cannot print the answer");
    char *copy = ev_arena_strdup(inv->arena, text);
    free(text);
    return ev_handler_respond(out, copy, strlen(copy));
}

static int handle_api(const ev_invocation *inv, const char *event, size_t len, ev_handler_output *out)
{
    cJSON *ev = cJSON_ParseWithLength(event, len);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(ev, "path");
    const char *p = cJSON_IsString(path) ? path->valuestring : "";
    int rc;
    if (strstr(p, "/crash") != NULL) {
        abort();
    } else if (strstr(p, "/slow") != NULL) {
        sleep(30);
        rc = ev_handler_fail(out, "Slow", "woke up");
    } else if (strstr(p, "/error") != NULL) {
        rc = ev_handler_fail(out, "TestError", "asked to fail");
    } else if (strstr(p, "/malformed") != NULL) {
        rc = ev_handler_respond(out, "{\"body\":\"no status\"}", 20);
    } else {
        cJSON *resp = cJSON_CreateObject();
        cJSON_AddNumberToObject(resp, "statusCode", strstr(p, "/created") ? 201 : 200);
        cJSON *h = cJSON_AddObjectToObject(resp, "headers");
        cJSON_AddStringToObject(h, "Content-Type", "application/json");
        cJSON *mv = cJSON_AddObjectToObject(resp, "multiValueHeaders");
        cJSON *tags = cJSON_AddArrayToObject(mv, "X-Tag");
        cJSON_AddItemToArray(tags, cJSON_CreateString("a"));
        cJSON_AddItemToArray(tags, cJSON_CreateString("b"));
        if (strstr(p, "/binary") != NULL) {
            cJSON_AddStringToObject(resp, "body", "AAEC/w==");
            cJSON_AddBoolToObject(resp, "isBase64Encoded", 1);
        } else {
            cJSON_AddStringToObject(resp, "body", event);
        }
        rc = answer(out, inv, resp);
    }
    cJSON_Delete(ev);
    return rc;
}

static int handle_sqs(const app *a, const ev_invocation *inv, const char *event, size_t len,
                      ev_handler_output *out)
{
    cJSON *ev = cJSON_ParseWithLength(event, len);
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(ev, "Records");
    if (!cJSON_IsArray(records)) {
        cJSON_Delete(ev);
        return ev_handler_fail(out, "BadEvent", "no Records");
    }
    FILE *f = a->record_file ? fopen(a->record_file, "a") : NULL;
    cJSON *resp = cJSON_CreateObject();
    cJSON *failures = cJSON_AddArrayToObject(resp, "batchItemFailures");
    bool whole = false;
    const cJSON *r;
    cJSON_ArrayForEach(r, records)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "messageId");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(r, "body");
        if (f != NULL) {
            char *line = cJSON_PrintUnformatted(r);
            fprintf(f, "%s\n", line ? line : "{}");
            free(line);
        }
        if (cJSON_IsString(body) && strstr(body->valuestring, "whole-batch-error") != NULL)
            whole = true;
        if (cJSON_IsString(body) && strstr(body->valuestring, "fail") != NULL && cJSON_IsString(id)) {
            cJSON *item = cJSON_CreateObject();
            cJSON_AddStringToObject(item, "itemIdentifier", id->valuestring);
            cJSON_AddItemToArray(failures, item);
        }
    }
    if (f != NULL)
        fclose(f);
    cJSON_Delete(ev);
    if (whole) {
        cJSON_Delete(resp);
        return ev_handler_fail(out, "WholeBatch", "asked to fail the whole batch");
    }
    return answer(out, inv, resp);
}

static int handle(void *ctx, const ev_invocation *inv, const char *event, size_t len, ev_handler_output *out)
{
    const app *a = ctx;
    if (strcmp(a->mode, "sqs") == 0)
        return handle_sqs(a, inv, event, len, out);
    return handle_api(inv, event, len, out);
}

int main(void)
{
    static app a;
    return ev_runtime_main(NULL, init, handle, &a);
}
