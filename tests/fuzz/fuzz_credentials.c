/*
 * libFuzzer target: ev_credentials_from_file, the ~/.aws/credentials (INI)
 * parser. The input is the whole file; it is read back through a memfd
 * (/proc/self/fd/N, nothing on disk), or an unlinked-at-exit mkstemp file
 * in /tmp where memfd_create is not available. Two profiles are looked up
 * per input: "default" and "prod".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aws/ev_credentials.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int file_fd = -1;
static char file_path[64];
static char tmp_path[] = "/tmp/fuzz_credentials.XXXXXX";

static void remove_tmp(void)
{
    unlink(tmp_path);
}

static void open_file(void)
{
    file_fd = memfd_create("fuzz_credentials", 0);
    if (file_fd >= 0) {
        snprintf(file_path, sizeof file_path, "/proc/self/fd/%d", file_fd);
        if (access(file_path, R_OK) == 0)
            return;
        close(file_fd);
    }
    file_fd = mkstemp(tmp_path);
    if (file_fd < 0)
        abort();
    atexit(remove_tmp);
    snprintf(file_path, sizeof file_path, "%s", tmp_path);
}

static void check(const ev_credentials *c, int rc, const ev_credentials_error *err)
{
    if (rc == 0) {
        if (!c->access_key_id || !c->access_key_id[0] || !c->secret_access_key || !c->secret_access_key[0])
            abort();
        if (c->session_token && !c->session_token[0])
            abort(); /* "" means no token */
    } else {
        if (c->access_key_id || c->secret_access_key || c->session_token || !err->message[0])
            abort();
        if (memchr(err->message, '\0', sizeof err->message) == NULL)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (file_fd < 0)
        open_file();
    if (ftruncate(file_fd, 0) != 0 || (size && pwrite(file_fd, data, size, 0) != (ssize_t)size))
        abort();

    ev_credentials creds = EV_CREDENTIALS_INIT;
    ev_credentials_error err;
    memset(&err, 0, sizeof err);
    int rc = ev_credentials_from_file(&creds, file_path, "default", &err);
    check(&creds, rc, &err);
    /* Filling a struct that already holds credentials frees them first. */
    memset(&err, 0, sizeof err);
    rc = ev_credentials_from_file(&creds, file_path, "prod", &err);
    check(&creds, rc, &err);
    ev_credentials_free(&creds);
    if (creds.access_key_id || creds.secret_access_key || creds.session_token)
        abort();
    return 0;
}
