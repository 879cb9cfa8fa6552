/* libFuzzer target: ev_json_parse over arbitrary bytes. Beyond "no crash,
 * no leak, no read past len" (the input buffer is exactly size bytes), it
 * checks the invariants the strict parser promises on success: every
 * number node has its source text, that text reads back as the node's
 * double, and duplicates own their texts. (cJSON_Print is not used for a
 * round trip: it may print doubles with 15 digits that do not read back.) */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schema/ev_equal.h"
#include "schema/ev_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_numbers(const cJSON *n)
{
    for (; n != NULL; n = n->next) {
        if (cJSON_IsNumber(n)) {
            const char *t = ev_json_number_text(n);
            if (t == NULL || strtod(t, NULL) != n->valuedouble)
                abort();
        }
        check_numbers(n->child);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ev_json_error err;
    cJSON *root = ev_json_parse((const char *)data, size, &err);
    if (root == NULL) {
        if (err.status == EV_JSON_OK || err.message[0] == '\0' || err.offset > (long)size)
            abort();
        return 0;
    }
    check_numbers(root);
    /* A duplicate owns its texts: it must stay intact after the original
     * is gone (ASan catches a dangling text) and equal to a fresh parse. */
    cJSON *dup = cJSON_Duplicate(root, 1);
    cJSON_Delete(root);
    if (dup != NULL) {
        check_numbers(dup);
        cJSON *again = ev_json_parse((const char *)data, size, NULL);
        if (again == NULL || !ev_json_equal(dup, again))
            abort();
        cJSON_Delete(again);
        cJSON_Delete(dup);
    }
    return 0;
}
