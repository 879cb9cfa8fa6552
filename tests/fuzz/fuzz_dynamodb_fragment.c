/*
 * libFuzzer target: the structural check of the JSON-text inputs that
 * ev_dynamodb splices into request bodies (Item, Key, ExpressionAttribute*).
 *
 * Property: whenever ev_dynamodb_build_item_request accepts a fragment as
 * the Item and the body it builds is JSON at all (cJSON parses it), that
 * body has exactly its two members, TableName and an object Item: no
 * fragment can add a member of its own to the request. Bodies that are not
 * JSON are fine (the service refuses them); a crash or an extra member is a
 * finding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws/ev_dynamodb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *item = malloc(size + 1);
    if (item == NULL)
        abort();
    memcpy(item, data, size);
    item[size] = '\0';
    ev_dynamodb_item_input in = {.table = "t", .item_json = item};
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    if (ev_dynamodb_build_item_request("PutItem", &in, &out, &err) == 0) {
        cJSON *body = cJSON_ParseWithLength(out.data, out.len);
        if (body != NULL) {
            if (cJSON_GetArraySize(body) != 2 ||
                !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(body, "Item")) ||
                !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(body, "TableName")))
                abort();
            cJSON_Delete(body);
        }
    }
    ev_buf_free(&out);
    free(item);
    return 0;
}
