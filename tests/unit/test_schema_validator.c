/* Unit tests for schema/ev_validator: ev_validate_text with a hand-written
 * validator, the scratch arena behind the verdict-only path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "schema/ev_validator.h"

/* A sanitizer's allocator (ASan, TSan): RLIMIT_AS and heap-peak measures do not apply. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define EV_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define EV_TEST_ASAN 1
#endif
#endif
#ifndef EV_TEST_ASAN
#define EV_TEST_ASAN 0
#endif

/* The schema, by hand: an object whose "n" is a number below 10 and whose
 * optional "tags" is an array of strings. */
static bool tiny_validate(const cJSON *doc, ev_errors *errors)
{
    bool ok = true;
    if (!cJSON_IsObject(doc)) {
        if (errors != NULL)
            ev_errors_add(errors, "", "type", "#/type", "must be an object");
        return false;
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, "n");
    if (!cJSON_IsNumber(n)) {
        ok = false;
        if (errors != NULL)
            ev_errors_add(errors, "", "required", "#/required", "n is required");
    } else if (n->valuedouble >= 10) {
        ok = false;
        if (errors != NULL) {
            char msg[128];
            snprintf(msg, sizeof msg, "%s must be below 10", ev_json_number_text(n));
            ev_errors_add(errors, "/n", "maximum", "#/properties/n/exclusiveMaximum", msg);
        }
    }
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(doc, "tags"), *t;
    cJSON_ArrayForEach(t, tags)
    {
        if (!cJSON_IsString(t)) {
            ok = false;
            if (errors != NULL)
                ev_errors_add(errors, "/tags", "type", "#/properties/tags/items/type", "must be a string");
        }
    }
    return ok;
}

static int tiny_init(char *err, size_t err_len)
{
    (void)err;
    (void)err_len;
    return 0;
}

static const ev_validator tiny = {"tiny", "", tiny_init, tiny_validate};

static const struct {
    const char *doc;
    bool valid;
} CASES[] = {
    {"{\"n\":1}", true},
    {"{\"n\":9.99,\"tags\":[\"a\",\"b\"]}", true},
    {"{\"n\":10.0}", false},
    {"{\"n\":1,\"tags\":[\"a\",2]}", false},
    {"{\"tags\":[]}", false},
    {"[1]", false},
    {"{\"n\":1,}", false},        /* not JSON */
    {"{\"n\":1,\"n\":2}", false}, /* duplicate */
    {"", false},
};

/* Errors as one comparable string. */
static void render(const ev_errors *e, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < e->count && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s|%s|%s|%s;", e->items[i].instance_path,
                              e->items[i].keyword, e->items[i].schema_path, e->items[i].message);
}

static const char OTHER[] = "{\"n\":123456,\"tags\":[\"xxxxxxxxxxxxxxxx\"]}";

static void check_cases(void)
{
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const char *doc = CASES[i].doc;
        size_t len = strlen(doc);
        ev_errors ea, eb;
        ev_errors_init(&ea);
        ev_errors_init(&eb);
        cJSON *tree = NULL;
        /* Scratch arena (no tree wanted) and malloc tree: same verdict, same errors. */
        bool va = ev_validate_text(&tiny, doc, len, &ea, NULL);
        bool vb = ev_validate_text(&tiny, doc, len, &eb, &tree);
        if (va != CASES[i].valid || vb != CASES[i].valid)
            fail_msg("%s: got %d/%d, want %d", doc, va, vb, CASES[i].valid);
        assert_true(ev_validate_text(&tiny, doc, len, NULL, NULL) == CASES[i].valid);
        char ra[1024], rb[1024];
        render(&ea, ra, sizeof ra);
        render(&eb, rb, sizeof rb);
        assert_string_equal(ra, rb);
        assert_int_equal(ea.count == 0, CASES[i].valid);
        /* The kept tree is the caller's, unaffected by later calls. */
        bool json = !(ea.count == 1 && strcmp(ea.items[0].keyword, "json") == 0);
        assert_true((tree != NULL) == json);
        for (int k = 0; k < 50; k++)
            (void)ev_validate_text(&tiny, OTHER, strlen(OTHER), NULL, NULL);
        if (tree != NULL) {
            cJSON *copy = cJSON_Duplicate(tree, 1);
            assert_true(cJSON_Compare(tree, copy, 1));
            cJSON_Delete(copy);
            cJSON_Delete(tree);
        }
        ev_errors_clear(&ea);
        ev_errors_clear(&eb);
    }
}

/* Without ev_json_init the verdict-only path parses with malloc: the same
 * verdicts and errors (runs first). */
static void test_verdicts_without_init(void **state)
{
    (void)state;
    check_cases();
}

static void test_verdicts_and_errors(void **state)
{
    (void)state;
    ev_json_init();
    check_cases();
}

/* A validator that validates an embedded document with ev_validate_text
 * while its own tree sits in the scratch arena. */
static bool nested_validate(const cJSON *doc, ev_errors *errors)
{
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(doc, "inner");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(doc, "n");
    if (!cJSON_IsString(inner) || !cJSON_IsNumber(n))
        return false;
    char before[64];
    snprintf(before, sizeof before, "%s", ev_json_number_text(n));
    bool ok = ev_validate_text(&tiny, inner->valuestring, strlen(inner->valuestring), errors, NULL);
    /* Our tree survived the inner call. */
    return ok && strcmp(before, ev_json_number_text(n)) == 0 && strcmp(before, "7.25") == 0;
}

static const ev_validator nested = {"nested", "", tiny_init, nested_validate};

static void test_reentrant(void **state)
{
    (void)state;
    const char *ok = "{\"n\":7.25,\"inner\":\"{\\\"n\\\":3}\"}";
    const char *bad = "{\"n\":7.25,\"inner\":\"{\\\"n\\\":30}\"}";
    assert_true(ev_validate_text(&nested, ok, strlen(ok), NULL, NULL));
    ev_errors e;
    ev_errors_init(&e);
    assert_false(ev_validate_text(&nested, bad, strlen(bad), &e, NULL));
    assert_int_equal(e.count, 1);
    assert_string_equal(e.items[0].message, "30 must be below 10");
    ev_errors_clear(&e);
}

static void test_large_document(void **state)
{
    (void)state;
    /* Far beyond the scratch arena's retained block; then small ones again. */
    size_t cap = 4 << 20, n = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    n += (size_t)snprintf(big, cap, "{\"n\":1,\"tags\":[");
    while (n < cap - 64)
        n += (size_t)snprintf(big + n, cap - n, "%s\"tag-%zu\"", big[n - 1] == '[' ? "" : ",", n);
    big[n++] = ']';
    big[n++] = '}';
    assert_true(ev_validate_text(&tiny, big, n, NULL, NULL));
    big[n - 3] = '1'; /* ..."tag-N1] : an unterminated string */
    assert_false(ev_validate_text(&tiny, big, n, NULL, NULL));
    free(big);
    assert_true(ev_validate_text(&tiny, "{\"n\":2}", 7, NULL, NULL));
    ev_validate_release_thread();
    ev_validate_release_thread();                                     /* idempotent */
    assert_true(ev_validate_text(&tiny, "{\"n\":2}", 7, NULL, NULL)); /* usable again */
}

/* Threads that validate and exit: their scratch arenas are freed at thread
 * exit (make valgrind / make sanitize report a leak otherwise). */
static void *validate_worker(void *arg)
{
    int *failures = arg;
    for (int i = 0; i < 20000; i++) {
        size_t k = (size_t)i % (sizeof CASES / sizeof CASES[0]);
        if (ev_validate_text(&tiny, CASES[k].doc, strlen(CASES[k].doc), NULL, NULL) != CASES[k].valid)
            (*failures)++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[2];
    int failures[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, validate_worker, &failures[i]), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(failures[i], 0);
    }
}

/* Out of memory while parsing is not a verdict: no_memory is set and the
 * one error says what happened (keyword "memory"), on both paths. In a
 * child with a small address space; skipped under ASan and valgrind, whose
 * memory figures mean nothing here. */
static int validate_under_limit(void)
{
    size_t len = 4000001, n = 0;
    char *doc = malloc(len);
    if (doc == NULL)
        return 64;
    doc[n++] = '[';
    while (n < len - 1) {
        doc[n++] = '0';
        doc[n++] = ',';
    }
    doc[len - 2] = '0';
    doc[len - 1] = ']';
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0;
    if (f == NULL || fscanf(f, "%ld", &pages) != 1)
        return 64;
    fclose(f);
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = (rlim_t)(pages * sysconf(_SC_PAGESIZE)) + (48 << 20);
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        return 64;
    int bad = 0;
    for (int k = 0; k < 2; k++) {
        ev_errors e;
        ev_errors_init(&e);
        cJSON *tree = NULL;
        if (ev_validate_text(&tiny, doc, len, &e, k ? &tree : NULL) || tree != NULL)
            bad |= 1;
        if (!e.no_memory || e.count != 1 || strcmp(e.items[0].keyword, "memory") != 0 ||
            strstr(e.items[0].message, "out of memory while parsing") == NULL)
            bad |= 2 << k;
        ev_errors_clear(&e);
    }
    ev_validate_release_thread();
    free(doc);
    return bad;
}

static void test_out_of_memory_is_not_a_verdict(void **state)
{
    (void)state;
    if (RUNNING_ON_VALGRIND || EV_TEST_ASAN)
        skip();
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(validate_under_limit());
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0)
        fail_msg("wrong outcomes under the memory limit: mask %d", WEXITSTATUS(st));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: it needs a process where ev_json_init was not called yet. */
        cmocka_unit_test(test_verdicts_without_init),
        cmocka_unit_test(test_verdicts_and_errors),
        cmocka_unit_test(test_reentrant),
        cmocka_unit_test(test_large_document),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_out_of_memory_is_not_a_verdict),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ev_validate_release_thread();
    return rc;
}
