/*
 * ev_ds_error: the one error convention of src/devserver/.
 *
 * Job: every devserver function that can fail returns 0 or -1 and, on -1,
 * fills an ev_ds_error with a message that says what, where (a YAML path,
 * a port, a queue) and why. Functions returning a pointer return NULL
 * instead of -1.
 *
 * Ownership: fixed-size and NUL-terminated (truncated when longer); it
 * never allocates and needs no free. err may be NULL everywhere.
 */
#ifndef EV_DEVSERVER_DS_ERROR_H
#define EV_DEVSERVER_DS_ERROR_H

typedef struct ev_ds_error {
    char message[768];
} ev_ds_error;

/* Formats the message; returns -1 so a caller can `return ev_ds_fail(...)`. */
int ev_ds_fail(ev_ds_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
