/*
 * Test-suite driver: reads `{"g":N,"valid":B}<TAB>DATA` lines, validates DATA
 * with compiled validator N and prints `ok` or `FAIL <details>` per line. A
 * validator that cannot start (a pattern PCRE2 refuses) fails every line
 * given to it, as `make validator` fails to build it.
 * Exit status 0 when all match, 1 otherwise, 2 on malformed input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"
#include "schema/ev_validator.h"

extern const ev_validator *const suite_validators[];
extern const size_t suite_validator_count;

int main(void)
{
    ev_json_init(); /* the verdict-only path parses into an arena, as evcheck's does */
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    ev_errors errors;
    ev_errors_init(&errors);
    ev_buf out = EV_BUF_INIT;
    while ((n = getline(&line, &cap, stdin)) != -1) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        char *tab = strchr(line, '\t');
        if (tab == NULL) {
            fprintf(stderr, "suite_driver: malformed line\n");
            return 2;
        }
        *tab = '\0';
        cJSON *head = cJSON_Parse(line);
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(head, "g");
        const cJSON *valid = cJSON_GetObjectItemCaseSensitive(head, "valid");
        if (!cJSON_IsNumber(g) || !cJSON_IsBool(valid) || g->valueint < 0 ||
            (size_t)g->valueint >= suite_validator_count || suite_validators[g->valueint] == NULL) {
            fprintf(stderr, "suite_driver: malformed header %s\n", line);
            return 2;
        }
        bool expected = cJSON_IsTrue(valid);
        const char *data = tab + 1;
        char init_error[320];
        if (suite_validators[g->valueint]->init(init_error, sizeof init_error) != 0) {
            printf("FAIL the validator cannot start: %s\n", init_error);
            status = 1;
            cJSON_Delete(head);
            continue;
        }
        ev_errors_clear(&errors);
        bool got = ev_validate_text(suite_validators[g->valueint], data, strlen(data), &errors, NULL);
        /* The quiet path (no error list) must agree with the reporting one. */
        bool quiet = ev_validate_text(suite_validators[g->valueint], data, strlen(data), NULL, NULL);
        if (got == expected && quiet == got && (got || errors.count > 0)) {
            puts("ok");
        } else {
            ev_buf_reset(&out);
            ev_errors_to_json(&errors, &out);
            printf("FAIL expected %s, got %s (quiet %s): %s\n", expected ? "valid" : "invalid",
                   got ? "valid" : "invalid", quiet ? "valid" : "invalid", out.data ? out.data : "[]");
            status = 1;
        }
        cJSON_Delete(head);
    }
    free(line);
    ev_buf_free(&out);
    ev_errors_clear(&errors);
    return status;
}
