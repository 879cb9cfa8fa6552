/*
 * ev_credentials: environment and shared-file credentials (see the header).
 */
#include "aws/ev_credentials.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

static void set_err(ev_credentials_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(ev_credentials_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static void wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void ev_credentials_free(ev_credentials *c)
{
    if (c == NULL)
        return;
    free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    c->access_key_id = c->secret_access_key = c->session_token = NULL;
}

/* Index of the first control character (below 0x20, or DEL) of s, or -1. */
static long control_char_at(const char *s)
{
    for (const char *p = s; p && *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            return (long)(p - s);
    return -1;
}

/* Credentials end up in header values (the key id in Authorization, the
 * token in X-Amz-Security-Token): a CR or LF would start a header line of
 * its own. The message gives the position, never the value. */
static int check_control_chars(const char *access_key_id, const char *secret_access_key,
                               const char *session_token, ev_credentials_error *err)
{
    const char *names[3] = {"access key id", "secret access key", "session token"};
    const char *values[3] = {access_key_id, secret_access_key, session_token};
    for (size_t i = 0; i < 3; i++) {
        long at = control_char_at(values[i]);
        if (at >= 0) {
            set_err(err, "credentials: the %s has a control character (CR, LF, ...) at byte %ld", names[i],
                    at);
            return -1;
        }
    }
    return 0;
}

int ev_credentials_set(ev_credentials *out, const char *access_key_id, const char *secret_access_key,
                       const char *session_token, ev_credentials_error *err)
{
    if (out == NULL) {
        set_err(err, "credentials: NULL output");
        return -1;
    }
    ev_credentials_free(out);
    if (access_key_id == NULL || access_key_id[0] == '\0') {
        set_err(err, "credentials: the access key id is empty");
        return -1;
    }
    if (secret_access_key == NULL || secret_access_key[0] == '\0') {
        set_err(err, "credentials: the secret access key is empty");
        return -1;
    }
    if (check_control_chars(access_key_id, secret_access_key, session_token, err) != 0)
        return -1;
    out->access_key_id = strdup(access_key_id);
    out->secret_access_key = strdup(secret_access_key);
    if (session_token != NULL && session_token[0] != '\0')
        out->session_token = strdup(session_token);
    if (out->access_key_id == NULL || out->secret_access_key == NULL ||
        (session_token != NULL && session_token[0] != '\0' && out->session_token == NULL)) {
        ev_credentials_free(out);
        set_err(err, "credentials: out of memory");
        return -1;
    }
    return 0;
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

/* A copy of v without leading and trailing whitespace (NULL: out of memory). */
static char *env_trimmed(const char *v)
{
    while (is_space(*v))
        v++;
    size_t n = strlen(v);
    while (n > 0 && is_space(v[n - 1]))
        n--;
    return strndup(v, n);
}

int ev_credentials_from_env(ev_credentials *out, ev_credentials_error *err)
{
    if (out == NULL) {
        set_err(err, "credentials: NULL output");
        return -1;
    }
    ev_credentials_free(out);
    const char *akid = env_nonempty("AWS_ACCESS_KEY_ID");
    const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (akid == NULL && secret == NULL) {
        set_err(err, "credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
        return -1;
    }
    if (akid == NULL || secret == NULL) {
        set_err(err, "credentials: %s is set but %s is not",
                akid ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                akid ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return -1;
    }
    /* Values pasted into the environment often carry a stray space or
     * newline: sign with (and send) the trimmed value, as the file reader does. */
    char *a = env_trimmed(akid), *k = env_trimmed(secret);
    const char *tok_env = env_nonempty("AWS_SESSION_TOKEN");
    char *t = tok_env ? env_trimmed(tok_env) : NULL;
    int rc;
    if (a == NULL || k == NULL || (tok_env != NULL && t == NULL)) {
        set_err(err, "credentials: out of memory");
        rc = -1;
    } else if (a[0] == '\0' || k[0] == '\0') {
        set_err(err, "credentials: %s is blank",
                a[0] == '\0' ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY");
        rc = -1;
    } else {
        rc = ev_credentials_set(out, a, k, t, err);
    }
    free(a);
    wipe_free(k);
    wipe_free(t);
    return rc;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* Replaces *slot with a copy of v, wiping what it held: the file may set a
 * key twice and the first copy is as secret as the second. */
static bool put_value(char **slot, const char *v)
{
    char *copy = strdup(v);
    if (copy == NULL)
        return false;
    wipe_free(*slot);
    *slot = copy;
    return true;
}

/* The keys of one profile read from a shared credentials file (owned;
 * the secret and token wiped when freed). */
typedef struct profile_keys {
    char *akid, *secret, *token;
    bool found_profile;
} profile_keys;

static void profile_keys_free(profile_keys *k)
{
    free(k->akid);
    wipe_free(k->secret);
    wipe_free(k->token);
}

/* Reads `profile` of the open file into *k. false only when memory runs out. */
static bool read_profile(FILE *f, const char *profile, profile_keys *k)
{
    char *line = NULL;
    size_t cap = 0;
    bool in_profile = false, ok = true;
    while (ok && getline(&line, &cap, f) != -1) {
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end == NULL) {
                in_profile = false;
                continue;
            }
            *end = '\0';
            in_profile = strcmp(trim(s + 1), profile) == 0;
            k->found_profile |= in_profile;
            continue;
        }
        char *eq = in_profile ? strchr(s, '=') : NULL;
        if (eq == NULL)
            continue;
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        if (strcmp(key, "aws_access_key_id") == 0)
            ok = put_value(&k->akid, value);
        else if (strcmp(key, "aws_secret_access_key") == 0)
            ok = put_value(&k->secret, value);
        else if (strcmp(key, "aws_session_token") == 0)
            ok = put_value(&k->token, value);
    }
    if (line != NULL) {
        OPENSSL_cleanse(line, cap);
        free(line);
    }
    return ok;
}

/* path NULL: AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials (into
 * buf). NULL after setting err when neither can be had. */
static const char *credentials_path(const char *path, char *buf, size_t len, ev_credentials_error *err)
{
    if (path == NULL)
        path = env_nonempty("AWS_SHARED_CREDENTIALS_FILE");
    if (path != NULL)
        return path;
    const char *home = env_nonempty("HOME");
    if (home == NULL) {
        set_err(err, "credentials: HOME is not set and AWS_SHARED_CREDENTIALS_FILE is not given");
        return NULL;
    }
    int n = snprintf(buf, len, "%s/.aws/credentials", home);
    if (n < 0 || (size_t)n >= len) {
        set_err(err, "credentials: HOME is too long");
        return NULL;
    }
    return buf;
}

int ev_credentials_from_file(ev_credentials *out, const char *path, const char *profile,
                             ev_credentials_error *err)
{
    if (out == NULL) {
        set_err(err, "credentials: NULL output");
        return -1;
    }
    ev_credentials_free(out);
    char default_path[4096];
    path = credentials_path(path, default_path, sizeof default_path, err);
    if (path == NULL)
        return -1;
    if (profile == NULL)
        profile = env_nonempty("AWS_PROFILE");
    if (profile == NULL)
        profile = "default";

    FILE *f = fopen(path, "r");
    if (f == NULL) {
        set_err(err, "credentials: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    profile_keys k = {0};
    bool ok = read_profile(f, profile, &k);
    fclose(f);
    int rc = -1;
    if (!ok)
        set_err(err, "credentials: out of memory reading %s", path);
    else if (!k.found_profile)
        set_err(err, "credentials: profile '%s' not found in %s", profile, path);
    else if (k.akid == NULL || k.akid[0] == '\0' || k.secret == NULL || k.secret[0] == '\0')
        set_err(err, "credentials: profile '%s' in %s lacks aws_access_key_id or aws_secret_access_key",
                profile, path);
    else
        rc = ev_credentials_set(out, k.akid, k.secret, k.token, err);
    profile_keys_free(&k);
    return rc;
}

int ev_credentials_load(ev_credentials *out, ev_credentials_error *err)
{
    if (env_nonempty("AWS_ACCESS_KEY_ID") || env_nonempty("AWS_SECRET_ACCESS_KEY"))
        return ev_credentials_from_env(out, err);
    ev_credentials_error ferr = {{0}};
    if (ev_credentials_from_file(out, NULL, NULL, &ferr) == 0)
        return 0;
    set_err(err,
            "no AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and the shared file "
            "gave none (%s)",
            ferr.message);
    return -1;
}
