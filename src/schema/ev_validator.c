/* Parse-then-validate: the path every untrusted document takes. */
#include "schema/ev_validator.h"

#include <stdio.h>

bool ev_validate_text(const ev_validator *v, const char *text, size_t len, ev_errors *errors,
                      cJSON **tree_out)
{
    ev_json_error jerr;
    cJSON *tree = ev_json_parse(text, len, &jerr);
    if (tree_out != NULL)
        *tree_out = NULL;
    if (tree == NULL) {
        if (errors != NULL)
            ev_errors_add(errors, jerr.pointer, "json", "", jerr.message);
        return false;
    }
    bool ok = v->validate(tree, errors);
    if (tree_out != NULL)
        *tree_out = tree;
    else
        cJSON_Delete(tree);
    return ok;
}
