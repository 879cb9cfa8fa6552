/*
 * libFuzzer target: evcheck's path for one line, strict parse then the
 * generated event validator with error reporting, as the ingestion function
 * runs it on untrusted request bodies.
 */
#include <stddef.h>
#include <stdint.h>

#include "events_validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ev_json_init(); /* as evcheck: the arena path */
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ev_errors errors;
    ev_errors_init(&errors);
    (void)ev_validate_text(&events_validator, (const char *)data, size, &errors, NULL);
    ev_buf out = EV_BUF_INIT;
    ev_errors_to_json(&errors, &out);
    ev_buf_free(&out);
    ev_errors_clear(&errors);
    return 0;
}
