/*
 * Credentials: environment, shared file (profiles, comments, whitespace,
 * AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE), the provider chain, and that no
 * error message carries the secret or the token.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/ev_credentials.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "IQoJb3JpZ2luX2VjEXAMPLETOKEN=="

static char file_path[64];

static void clear_env(void)
{
    const char *vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                          "AWS_SHARED_CREDENTIALS_FILE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

static int setup(void **state)
{
    (void)state;
    clear_env();
    snprintf(file_path, sizeof file_path, "/tmp/ev_creds_test_XXXXXX");
    int fd = mkstemp(file_path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# comment line\n"
          "[default]\n"
          "aws_access_key_id = AKIDDEFAULT\n"
          "aws_secret_access_key=" SECRET "\n"
          "\n"
          "; another comment\n"
          "[ dev ]\r\n"
          "  aws_access_key_id   =   AKIDDEV  \r\n"
          "aws_secret_access_key = devsecret\r\n"
          "aws_session_token = " TOKEN "\r\n"
          "region = eu-west-1\n"
          "[partial]\n"
          "aws_access_key_id = AKIDPARTIAL\n"
          "[dup]\n"
          "aws_access_key_id = first\n"
          "aws_secret_access_key = s1\n"
          "aws_access_key_id = second\n",
          f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(file_path);
    clear_env();
    return 0;
}

static void test_set_and_free(void **state)
{
    (void)state;
    ev_credentials c = EV_CREDENTIALS_INIT;
    ev_credentials_error err = {{0}};
    assert_int_equal(ev_credentials_set(&c, "AKID", SECRET, "", &err), 0);
    assert_string_equal(c.access_key_id, "AKID");
    assert_string_equal(c.secret_access_key, SECRET);
    assert_null(c.session_token);
    /* Refilling frees the previous strings (valgrind checks). */
    assert_int_equal(ev_credentials_set(&c, "AKID2", "s", TOKEN, &err), 0);
    assert_string_equal(c.session_token, TOKEN);
    ev_credentials_free(&c);
    assert_null(c.access_key_id);
    ev_credentials_free(&c);
    assert_int_equal(ev_credentials_set(&c, "", "s", NULL, &err), -1);
    assert_int_equal(ev_credentials_set(&c, "a", NULL, NULL, &err), -1);
}

static void test_env(void **state)
{
    (void)state;
    ev_credentials c = EV_CREDENTIALS_INIT;
    ev_credentials_error err = {{0}};
    assert_int_equal(ev_credentials_from_env(&c, &err), -1);
    assert_non_null(strstr(err.message, "AWS_ACCESS_KEY_ID"));
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    assert_int_equal(ev_credentials_from_env(&c, &err), -1);
    assert_null(strstr(err.message, SECRET));
    assert_non_null(strstr(err.message, "AWS_ACCESS_KEY_ID is not"));
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SESSION_TOKEN", TOKEN, 1);
    assert_int_equal(ev_credentials_from_env(&c, &err), 0);
    assert_string_equal(c.access_key_id, "AKIDENV");
    assert_string_equal(c.secret_access_key, SECRET);
    assert_string_equal(c.session_token, TOKEN);
    /* The chain prefers the environment over the file. */
    setenv("AWS_SHARED_CREDENTIALS_FILE", file_path, 1);
    assert_int_equal(ev_credentials_load(&c, &err), 0);
    assert_string_equal(c.access_key_id, "AKIDENV");
    /* Leading/trailing whitespace (a pasted value, a trailing newline) is trimmed. */
    setenv("AWS_ACCESS_KEY_ID", " AKIDENV\t", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "  " SECRET "\n", 1);
    setenv("AWS_SESSION_TOKEN", "\t" TOKEN "  \r\n", 1);
    assert_int_equal(ev_credentials_from_env(&c, &err), 0);
    assert_string_equal(c.access_key_id, "AKIDENV");
    assert_string_equal(c.secret_access_key, SECRET);
    assert_string_equal(c.session_token, TOKEN);
    setenv("AWS_SESSION_TOKEN", "   ", 1);
    assert_int_equal(ev_credentials_from_env(&c, &err), 0);
    assert_null(c.session_token);
    setenv("AWS_SECRET_ACCESS_KEY", " \n", 1);
    assert_int_equal(ev_credentials_from_env(&c, &err), -1);
    assert_non_null(strstr(err.message, "AWS_SECRET_ACCESS_KEY"));
    ev_credentials_free(&c);
    clear_env();
}

static void test_file_profiles(void **state)
{
    (void)state;
    ev_credentials c = EV_CREDENTIALS_INIT;
    ev_credentials_error err = {{0}};
    assert_int_equal(ev_credentials_from_file(&c, file_path, NULL, &err), 0);
    assert_string_equal(c.access_key_id, "AKIDDEFAULT");
    assert_string_equal(c.secret_access_key, SECRET);
    assert_null(c.session_token);

    assert_int_equal(ev_credentials_from_file(&c, file_path, "dev", &err), 0);
    assert_string_equal(c.access_key_id, "AKIDDEV");
    assert_string_equal(c.secret_access_key, "devsecret");
    assert_string_equal(c.session_token, TOKEN);

    assert_int_equal(ev_credentials_from_file(&c, file_path, "dup", &err), 0);
    assert_string_equal(c.access_key_id, "second");

    assert_int_equal(ev_credentials_from_file(&c, file_path, "partial", &err), -1);
    assert_null(c.access_key_id);
    assert_non_null(strstr(err.message, "partial"));

    assert_int_equal(ev_credentials_from_file(&c, file_path, "missing", &err), -1);
    assert_non_null(strstr(err.message, "missing"));
    assert_null(strstr(err.message, SECRET));

    assert_int_equal(ev_credentials_from_file(&c, "/nonexistent/credentials", "default", &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/credentials"));
}

static void test_chain_file_env_vars(void **state)
{
    (void)state;
    ev_credentials c = EV_CREDENTIALS_INIT;
    ev_credentials_error err = {{0}};
    setenv("AWS_SHARED_CREDENTIALS_FILE", file_path, 1);
    assert_int_equal(ev_credentials_load(&c, &err), 0);
    assert_string_equal(c.access_key_id, "AKIDDEFAULT");
    setenv("AWS_PROFILE", "dev", 1);
    assert_int_equal(ev_credentials_load(&c, &err), 0);
    assert_string_equal(c.access_key_id, "AKIDDEV");
    setenv("AWS_PROFILE", "nope", 1);
    assert_int_equal(ev_credentials_load(&c, &err), -1);
    assert_non_null(strstr(err.message, "nope"));
    /* HOME fallback: a HOME without .aws gives a clear error. */
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_PROFILE");
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", "/nonexistent-home", 1);
    assert_int_equal(ev_credentials_load(&c, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent-home/.aws/credentials"));
    if (home) {
        setenv("HOME", home, 1);
        free(home);
    }
    ev_credentials_free(&c);
}

/* A CR/LF in any credential would reach the wire as a header line of its
 * own (X-Amz-Security-Token, Authorization): refused from every source,
 * without quoting the value. */
static void test_control_characters_refused(void **state)
{
    (void)state;
    ev_credentials c = EV_CREDENTIALS_INIT;
    ev_credentials_error err = {{0}};
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    setenv("AWS_SESSION_TOKEN", "tok\r\nX-Injected: evil", 1);
    assert_int_equal(ev_credentials_from_env(&c, &err), -1);
    assert_null(c.session_token);
    assert_non_null(strstr(err.message, "session token"));
    assert_null(strstr(err.message, "evil"));
    assert_int_equal(ev_credentials_load(&c, &err), -1);
    /* A trailing newline is trimmed, not refused. */
    setenv("AWS_SESSION_TOKEN", TOKEN "\n", 1);
    assert_int_equal(ev_credentials_from_env(&c, &err), 0);
    assert_string_equal(c.session_token, TOKEN);

    assert_int_equal(ev_credentials_set(&c, "AKID\nX: y", SECRET, NULL, &err), -1);
    assert_non_null(strstr(err.message, "access key id"));
    assert_int_equal(ev_credentials_set(&c, "AKID", "qzq\x7fqzq", NULL, &err), -1);
    assert_non_null(strstr(err.message, "secret access key"));
    assert_null(strstr(err.message, "qzq"));
    assert_int_equal(ev_credentials_set(&c, "AKID", SECRET, "a\tb", &err), -1);
    assert_null(c.access_key_id);

    /* The shared file too. */
    FILE *f = fopen(file_path, "w");
    assert_non_null(f);
    fputs("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\naws_session_token = a\x01b\n",
          f);
    fclose(f);
    clear_env();
    setenv("AWS_SHARED_CREDENTIALS_FILE", file_path, 1);
    assert_int_equal(ev_credentials_load(&c, &err), -1);
    assert_non_null(strstr(err.message, "session token"));
    ev_credentials_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_and_free, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_file_env_vars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_characters_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
