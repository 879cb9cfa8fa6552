/*
 * ev_credentials: AWS credentials (access key id, secret access key,
 * optional session token) for the SigV4 signer.
 *
 * Sources, in order (ev_credentials_load):
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) from
 *      the environment; when only one of the two keys is set it is an error
 *      rather than a silent fall-through to the file, because a half-set
 *      environment is nearly always a mistake the user wants to hear about.
 *   2. The profile AWS_PROFILE (default "default") of the shared credentials
 *      file AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials), keys
 *      aws_access_key_id, aws_secret_access_key, aws_session_token.
 *   No IMDS/ECS/SSO/process providers: a Lambda gets its role credentials
 *   through the environment, and nothing here ever opens a socket.
 *
 * Ownership: an ev_credentials owns its three strings (heap copies). Every
 * ev_credentials_* function that fills one frees what it held before;
 * ev_credentials_free wipes the secret and token (OPENSSL_cleanse) before
 * freeing them and leaves the struct zeroed, ready for reuse. A zeroed
 * struct ({0} or EV_CREDENTIALS_INIT) is a valid empty value.
 *
 * Validation: a credential holding a control character (below 0x20, or
 * DEL) is refused, wherever it comes from: the key id and the token are sent
 * as header values, where a CR or LF would add a header line
 * (AWS_SESSION_TOKEN=$'tok\r\nX-Injected: evil'). Surrounding whitespace
 * is trimmed first (environment and file), so a trailing newline is fine.
 *
 * Secrecy: error messages may name variables, files, profiles and the
 * access key id, never the secret access key or the session token.
 *
 * Errors: functions return 0 or -1; on -1 err->message says why (err may be
 * NULL). On failure *out is left empty (all NULL).
 */
#ifndef EV_AWS_CREDENTIALS_H
#define EV_AWS_CREDENTIALS_H

#include <stddef.h>

typedef struct ev_credentials {
    char *access_key_id;     /* "AKIDEXAMPLE"; never NULL once loaded */
    char *secret_access_key; /* never NULL once loaded; never print it */
    char *session_token;     /* NULL when the credentials are long-term */
} ev_credentials;

#define EV_CREDENTIALS_INIT                                                                                  \
    {                                                                                                        \
        NULL, NULL, NULL                                                                                     \
    }

typedef struct ev_credentials_error {
    char message[256];
} ev_credentials_error;

/* Copies the given strings. session_token may be NULL or "" (no token);
 * access_key_id and secret_access_key must be non-empty; none may hold a
 * control character. */
int ev_credentials_set(ev_credentials *out, const char *access_key_id, const char *secret_access_key,
                       const char *session_token, ev_credentials_error *err);

/* Environment only. Returns -1 when the variables are absent or half-set. */
int ev_credentials_from_env(ev_credentials *out, ev_credentials_error *err);

/* One profile of a shared credentials file. path NULL: AWS_SHARED_CREDENTIALS_FILE
 * or $HOME/.aws/credentials; profile NULL: AWS_PROFILE or "default".
 * INI rules as the AWS CLI reads them: "[name]" sections, "key = value"
 * lines, '#' and ';' comment lines, surrounding whitespace trimmed, key names
 * case-sensitive, later duplicate keys win. */
int ev_credentials_from_file(ev_credentials *out, const char *path, const char *profile,
                             ev_credentials_error *err);

/* The provider chain described above: environment, then the shared file. */
int ev_credentials_load(ev_credentials *out, ev_credentials_error *err);

/* Wipes and frees the strings; the struct is left empty. NULL is fine. */
void ev_credentials_free(ev_credentials *c);

#endif
