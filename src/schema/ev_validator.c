/* Parse-then-validate: the path every untrusted document takes.
 *
 * When the caller wants only the verdict (tree_out NULL) and the program
 * called ev_json_init, the tree is parsed into a per-thread scratch arena
 * rather than with one malloc per node (about a quarter of the parse
 * time): the arena is reset after each
 * document, keeps one block between calls so steady state allocates
 * nothing, and a reset gives back everything beyond that block, so one huge
 * document does not pin its memory. The errors collected in ev_errors are
 * copies (ev_errors_add), so nothing refers into the tree after the reset.
 *
 * The scratch arena of a thread is freed at thread exit (a pthread key
 * destructor) or by ev_validate_release_thread.
 */
#include "schema/ev_validator.h"

#include <pthread.h>
#include <stdio.h>

#include "core/ev_arena.h"

/* Retained per thread: enough for documents of several kilobytes (a tree
 * takes roughly 8-12 times its text); bigger ones borrow extra blocks until
 * the reset. */
#define SCRATCH_BLOCK (64 * 1024)

static _Thread_local ev_arena scratch = EV_ARENA_INIT;
static _Thread_local bool scratch_ready; /* initialised and registered for thread exit */
static _Thread_local bool scratch_busy;  /* a validation is using it (reentrancy guard) */

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t scratch_key;
static bool key_ok;

static void scratch_at_thread_exit(void *arena)
{
    ev_arena_free(arena);
}

static void make_key(void)
{
    key_ok = pthread_key_create(&scratch_key, scratch_at_thread_exit) == 0;
}

static ev_arena *thread_scratch(void)
{
    if (!scratch_ready) {
        ev_arena_init(&scratch, SCRATCH_BLOCK);
        pthread_once(&key_once, make_key);
        /* Without the key (out of keys) the arena leaks at thread exit
         * unless the thread calls ev_validate_release_thread. */
        if (key_ok)
            pthread_setspecific(scratch_key, &scratch);
        scratch_ready = true;
    }
    return &scratch;
}

void ev_validate_release_thread(void)
{
    if (scratch_ready && !scratch_busy)
        ev_arena_free(&scratch); /* stays usable: the next call starts a block again */
}

static bool report_parse_error(const ev_json_error *jerr, ev_errors *errors)
{
    if (errors == NULL)
        return false;
    if (jerr->status == EV_JSON_NO_MEMORY) {
        /* Not a verdict on the document: say so apart from "invalid". */
        errors->no_memory = true;
        ev_errors_add(errors, "", "memory", "", jerr->message);
    } else {
        ev_errors_add(errors, jerr->pointer, "json", "", jerr->message);
    }
    return false;
}

/* The verdict-only path: the tree lives in the thread's scratch arena for
 * the duration of the call. Returns false with *parsed false when the
 * arena path is not available (ev_json_init was not called). */
static bool validate_in_scratch(const ev_validator *v, const char *text, size_t len, ev_errors *errors,
                                bool *parsed)
{
    ev_arena *a = thread_scratch();
    ev_json_error jerr;
    cJSON *tree = ev_json_parse_arena(text, len, a, &jerr);
    *parsed = tree != NULL || jerr.status != EV_JSON_NO_HOOKS;
    bool ok = false;
    if (tree == NULL) {
        if (*parsed)
            ok = report_parse_error(&jerr, errors);
    } else {
        scratch_busy = true;
        ok = v->validate(tree, errors);
        scratch_busy = false;
    }
    ev_arena_reset(a);
    return ok;
}

bool ev_validate_text(const ev_validator *v, const char *text, size_t len, ev_errors *errors,
                      cJSON **tree_out)
{
    if (tree_out == NULL && !scratch_busy) {
        bool parsed;
        bool ok = validate_in_scratch(v, text, len, errors, &parsed);
        if (parsed)
            return ok;
    }
    /* The caller keeps the tree (malloc-backed, cJSON_Delete), a validator
     * re-entered us while the scratch arena holds a tree, or the program
     * did not call ev_json_init. */
    ev_json_error jerr;
    cJSON *tree = ev_json_parse(text, len, &jerr);
    if (tree_out != NULL)
        *tree_out = NULL;
    if (tree == NULL)
        return report_parse_error(&jerr, errors);
    bool ok = v->validate(tree, errors);
    if (tree_out != NULL)
        *tree_out = tree;
    else
        cJSON_Delete(tree);
    return ok;
}
