/*
 * libFuzzer target: ev_template_load_text, the reading of template.yaml
 * (libyaml's document, Parameters, Conditions, intrinsics, resources), and
 * the late resolution of every function's environment. Any input must end
 * in a model or a clear error: never a crash, a leak or an endless loop
 * (nesting and alias expansion are bounded).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devserver/ev_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ev_ds_error err;
    ev_template_options o = {.stack_name = "fuzz"};
    ev_template *t = ev_template_load_text((const char *)data, size, &o, &err);
    if (t == NULL) {
        if (memchr(err.message, '\0', sizeof err.message) == NULL || err.message[0] == '\0')
            abort(); /* an error always says why */
        return 0;
    }
    for (size_t i = 0; i < ev_template_function_count(t); i++) {
        ev_tpl_env *env = NULL;
        size_t n = 0;
        if (ev_template_function_env(t, i, &env, &n, &err) == 0)
            ev_template_env_free(env, n);
    }
    ev_template_free(t);
    return 0;
}
