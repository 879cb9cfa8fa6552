#include "fixtures.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/ev_buf.h"
#include "schema/ev_json.h"

cJSON *ev_test_load_fixtures(void)
{
    const char *dir = getenv("GENERATED_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/fixtures/events.fixtures.json", dir ? dir : "generated");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    ev_buf text = EV_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ev_buf_append(&text, chunk, n);
    fclose(f);
    ev_json_error jerr;
    cJSON *root = text.failed ? NULL : ev_json_parse(text.data, text.len, &jerr);
    ev_buf_free(&text);
    if (root == NULL)
        fail_msg("%s is not a JSON document ev_json reads", path);
    return root;
}
