/* Schema versions (generated/events_versions.h): a body of the previous
 * version decodes into the current struct by the upgrade rules, and an
 * unknown version is refused with a clear error.
 *
 * The bodies come from the schema, not from this file: the previous version's
 * examples (schema/history/events.v<PREV>.schema.json) and every valid fixture
 * of the current version (generated/fixtures/events.fixtures.json). A fixture
 * the previous version's validator accepts is a previous-version body; it must
 * upgrade to exactly what the current decoder makes of it (the encodings are
 * equal JSON). One it refuses (a new event type, a new member) must not decode
 * as a previous-version body: nothing is dropped silently.
 * Run from the repository root; GENERATED_DIR and HISTORY_DIR override the folders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_versions.h"
#include "schema/ev_equal.h"

#define STR2(x) #x
#define STR(x)  STR2(x)

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s (run from the repository root)", path);
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (cap - len < 4096) {
            cap = cap * 2 + 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

static cJSON *load_json(const char *dir_env, const char *dir_default, const char *rel)
{
    const char *dir = getenv(dir_env);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir != NULL ? dir : dir_default, rel);
    char *text = read_file(path);
    cJSON *x = ev_json_parse(text, strlen(text), NULL);
    free(text);
    if (x == NULL)
        fail_msg("%s is not JSON", path);
    return x;
}

/* The current encoding of *ev, parsed back. */
static cJSON *encoded(const events_event *ev)
{
    ev_buf b = EV_BUF_INIT;
    ev_codec_error err;
    ev_codec_status s = events_event_encode(ev, &b, &err);
    if (s != EV_CODEC_OK)
        fail_msg("encode: %s at %s: %s", ev_codec_status_name(s), err.path, err.message);
    cJSON *x = ev_json_parse(b.data, b.len, NULL);
    assert_non_null(x);
    ev_buf_free(&b);
    return x;
}

/* Checks one previous-version body: it upgrades to what the current decoder
 * reads from it, and the upgrade adds nothing (new optional members absent). */
static void check_previous_body(const cJSON *body, const char *name)
{
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_codec_error err;
    events_event up, cur;
    assert_true(events_validate_version(EVENTS_VERSION_PREVIOUS, body, NULL));
    ev_codec_status s = events_decode_version(EVENTS_VERSION_PREVIOUS, body, &arena, &up, &err);
    if (s != EV_CODEC_OK)
        fail_msg("%s: upgrade failed: %s at %s: %s", name, ev_codec_status_name(s), err.path, err.message);
    /* The upgraded value is a valid current body equal to the input. */
    cJSON *got = encoded(&up);
    if (!ev_json_equal(got, body)) {
        char *a = cJSON_PrintUnformatted(got), *b = cJSON_PrintUnformatted(body);
        fail_msg("%s: upgraded to %s, the body was %s", name, a, b);
    }
    assert_true(events_validate_version(EVENTS_VERSION_CURRENT, got, NULL));
    /* ... and the same as the current decoder's reading, member by member. */
    assert_int_equal(events_decode_version(EVENTS_VERSION_CURRENT, body, &arena, &cur, &err), EV_CODEC_OK);
    cJSON *direct = encoded(&cur);
    assert_true(ev_json_equal(got, direct));
    assert_int_equal(up.type, cur.type);
    assert_string_equal(events_event_type_name(up.type),
                        cJSON_GetObjectItemCaseSensitive(body, "type")->valuestring);
    cJSON_Delete(got);
    cJSON_Delete(direct);
    ev_arena_free(&arena);
}

static void test_previous_examples_upgrade(void **state)
{
    (void)state;
    cJSON *schema =
        load_json("HISTORY_DIR", "schema/history", "events.v" STR(EVENTS_VERSION_PREVIOUS) ".schema.json");
    const cJSON *examples = cJSON_GetObjectItemCaseSensitive(schema, "examples");
    assert_true(cJSON_IsArray(examples));
    int n = 0;
    const cJSON *ex;
    cJSON_ArrayForEach(ex, examples)
    {
        check_previous_body(ex, "previous-version example");
        n++;
    }
    assert_true(n > 0);
    cJSON_Delete(schema);
}

static void test_current_fixtures_by_version(void **state)
{
    (void)state;
    cJSON *file = load_json("GENERATED_DIR", "generated", "fixtures/events.fixtures.json");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(file, "fixtures");
    int previous = 0, current_only = 0;
    const cJSON *fx;
    cJSON_ArrayForEach(fx, list)
    {
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fx, "valid")))
            continue;
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(fx, "instance");
        const char *name = cJSON_GetObjectItemCaseSensitive(fx, "name")->valuestring;
        if (events_validate_version(EVENTS_VERSION_PREVIOUS, body, NULL)) {
            check_previous_body(body, name);
            previous++;
            continue;
        }
        /* A body only the current version describes: the previous decoder
         * must refuse it rather than drop what it does not know. */
        ev_arena arena;
        ev_arena_init(&arena, 0);
        ev_codec_error err;
        events_event out;
        ev_codec_status s = events_decode_version(EVENTS_VERSION_PREVIOUS, body, &arena, &out, &err);
        if (s == EV_CODEC_OK)
            fail_msg("%s: a body version %d refuses decoded as version %d", name, EVENTS_VERSION_PREVIOUS,
                     EVENTS_VERSION_PREVIOUS);
        assert_true(err.message[0] != '\0');
        assert_int_equal(events_decode_version(EVENTS_VERSION_CURRENT, body, &arena, &out, &err),
                         EV_CODEC_OK);
        ev_arena_free(&arena);
        current_only++;
    }
    /* The fixtures hold both kinds while the versions differ. */
    assert_true(previous > 0);
    assert_true(current_only > 0);
    cJSON_Delete(file);
}

static void test_new_optional_member_absent_after_upgrade(void **state)
{
    (void)state;
    cJSON *schema =
        load_json("HISTORY_DIR", "schema/history", "events.v" STR(EVENTS_VERSION_PREVIOUS) ".schema.json");
    const cJSON *ex = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(schema, "examples"), 0);
    assert_non_null(ex);
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_codec_error err;
    events_event out;
    memset(&out, 0xA5, sizeof out); /* the upgrade sets every member */
    assert_int_equal(events_decode_version(EVENTS_VERSION_PREVIOUS, ex, &arena, &out, &err), EV_CODEC_OK);
    assert_false(out.has_sequence);
    assert_string_equal(out.source, cJSON_GetObjectItemCaseSensitive(ex, "source")->valuestring);
    ev_arena_free(&arena);
    cJSON_Delete(schema);
}

static void test_unknown_version_refused(void **state)
{
    (void)state;
    cJSON *file = load_json("GENERATED_DIR", "generated", "fixtures/events.fixtures.json");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(file, "fixtures"), 0), "instance");
    const int bad[] = {0, -1, EVENTS_VERSION_CURRENT + 1, EVENTS_VERSION_PREVIOUS - 1, 1000000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i] == EVENTS_VERSION_PREVIOUS || bad[i] == EVENTS_VERSION_CURRENT)
            continue;
        ev_arena arena;
        ev_arena_init(&arena, 0);
        ev_codec_error err;
        events_event out;
        assert_false(events_version_supported(bad[i]));
        assert_int_equal(events_decode_version(bad[i], body, &arena, &out, &err), EV_CODEC_MISMATCH);
        char want[96];
        snprintf(want, sizeof want, "schema version %d is not supported", bad[i]);
        if (strstr(err.message, want) == NULL)
            fail_msg("message %s lacks %s", err.message, want);
        assert_string_equal(err.path, "");
        ev_errors errors;
        ev_errors_init(&errors);
        assert_false(events_validate_version(bad[i], body, &errors));
        assert_int_equal(errors.count, 1);
        assert_string_equal(errors.items[0].keyword, "version");
        ev_errors_clear(&errors);
        ev_arena_free(&arena);
    }
    assert_true(events_version_supported(EVENTS_VERSION_PREVIOUS));
    assert_true(events_version_supported(EVENTS_VERSION_CURRENT));
    assert_int_equal(EVENTS_VERSION_CURRENT, EVENTS_SCHEMA_VERSION);
    cJSON_Delete(file);
}

int main(void)
{
    ev_json_init();
    char err[256];
    if (events_versions_init(err, sizeof err) != 0) {
        fprintf(stderr, "events_versions_init: %s\n", err);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_previous_examples_upgrade),
        cmocka_unit_test(test_current_fixtures_by_version),
        cmocka_unit_test(test_new_optional_member_absent_after_upgrade),
        cmocka_unit_test(test_unknown_version_refused),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    events_versions_release();
    return rc;
}
