/*
 * ev_validator: the interface every generated validator exports, and the
 * parse-then-validate path that tools and handlers share.
 *
 * A generated module for schema PREFIX exports `const ev_validator
 * PREFIX_validator`. init compiles the schema's patterns and constants once
 * (thread-safe, idempotent); validate runs the compiled checks.
 */
#ifndef EV_SCHEMA_VALIDATOR_H
#define EV_SCHEMA_VALIDATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/ev_errors.h"
#include "schema/ev_json.h"

typedef struct ev_validator {
    const char *name;          /* schema title or file stem */
    const char *schema_sha256; /* hash of the schema file the code was generated from */
    /* 0, or -1 with a message naming the pattern that failed to compile. */
    int (*init)(char *err, size_t err_len);
    /* True when valid; errors (may be NULL) receive every failed check. */
    bool (*validate)(const cJSON *instance, ev_errors *errors);
} ev_validator;

/* Parses `len` bytes strictly (ev_json_parse) and validates the document.
 * A parse failure is reported as one error with keyword "json" whose message
 * gives the byte offset. Returns true when valid. If tree_out is not NULL it
 * receives the parsed tree (malloc-backed: the caller frees it with
 * cJSON_Delete; NULL when the text is not JSON).
 *
 * Out of memory is not a verdict: when the parse (or recording an error)
 * runs out of memory, this returns false with errors->no_memory set (the
 * parse case adds one error with keyword "memory" and the message); a
 * caller that passes errors checks no_memory before calling the document
 * invalid. With errors NULL the two cannot be told apart.
 *
 * With tree_out NULL the tree lives in a scratch arena of the calling
 * thread (when the program called ev_json_init; else it is a malloc tree)
 * and is gone when this returns, so v->validate must not keep pointers into
 * it (errors are copied). The arena keeps 64 KiB between calls and is freed
 * at thread exit; thread-safe (each thread has its own). */
bool ev_validate_text(const ev_validator *v, const char *text, size_t len, ev_errors *errors,
                      cJSON **tree_out);

/* Frees the calling thread's scratch arena now (it is recreated on the
 * next ev_validate_text). Threads free theirs on exit by themselves; call
 * this from the main thread before exit, or from a thread that will not
 * validate again for a long time, to give the memory back or to keep leak
 * checkers quiet. */
void ev_validate_release_thread(void);

#endif
