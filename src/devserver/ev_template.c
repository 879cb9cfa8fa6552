/* ev_template: the model of template.yaml devserver runs (see ev_template.h). */
#include "devserver/ev_template.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/ev_buf.h"

#define MAX_DEPTH       64
#define MAX_VISITS      100000
#define MAX_RESOURCES   512
#define MAX_TEXT_BYTES  (16u * 1024u * 1024u)
#define DEFAULT_STACK   "evpipe"
#define DEFAULT_REGION  "us-east-1"
#define DEFAULT_ACCOUNT "123456789012"

typedef struct resource {
    char *logical_id;
    char *type;
    char *ref;
    char *arn;
    char *name;  /* QueueName / TableName / FunctionName as resolved */
    int node;    /* the resource's mapping node */
    bool active; /* its Condition holds (or it has none) */
} resource;

struct ev_template {
    yaml_document_t doc;
    bool doc_loaded;
    char *stack;
    char *region;
    char *account;
    char **strings; /* every string the model owns */
    size_t string_count, string_cap;
    ev_tpl_param params[EV_TPL_MAX_PARAMS];
    size_t param_count;
    resource resources[MAX_RESOURCES];
    size_t resource_count;
    ev_tpl_api apis[EV_TPL_MAX_APIS];
    size_t api_count;
    ev_tpl_function functions[EV_TPL_MAX_FUNCTIONS];
    size_t function_count;
    ev_tpl_queue queues[EV_TPL_MAX_QUEUES];
    size_t queue_count;
    ev_tpl_table tables[EV_TPL_MAX_TABLES];
    size_t table_count;
    int conditions_node;
    int globals_function_node;
    long visits; /* nodes visited by the resolution in progress */
};

/* A resolved value: text, or AWS::NoValue (the property is absent). */
typedef struct value {
    char *text; /* malloc'd; NULL with novalue */
    bool novalue;
} value;

/* snprintf for paths and names: a long one is cut, never overflows. */
static void pathf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

/* ---- strings owned by the template ---- */

static char *own(ev_template *t, char *s)
{
    if (s == NULL)
        return NULL;
    if (t->string_count == t->string_cap) {
        size_t cap = t->string_cap ? t->string_cap * 2 : 64;
        char **n = realloc(t->strings, cap * sizeof *n);
        if (n == NULL) {
            free(s);
            return NULL;
        }
        t->strings = n;
        t->string_cap = cap;
    }
    t->strings[t->string_count++] = s;
    return s;
}

static char *own_dup(ev_template *t, const char *s)
{
    return s ? own(t, strdup(s)) : NULL;
}

static char *own_printf(ev_template *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *own_printf(ev_template *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : own(t, s);
}

/* ---- YAML node access ---- */

static yaml_node_t *node_at(const ev_template *t, int id)
{
    if (id <= 0)
        return NULL;
    return yaml_document_get_node((yaml_document_t *)&t->doc, id);
}

static bool is_intrinsic_tag(const yaml_node_t *n)
{
    return n != NULL && n->tag != NULL && n->tag[0] == '!';
}

/* The value node of `key` in a mapping node (0 when absent or not a mapping). */
static int map_get(const ev_template *t, int map_id, const char *key)
{
    yaml_node_t *m = node_at(t, map_id);
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node_at(t, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
            memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
            return p->value;
    }
    return 0;
}

static const char *scalar_text(const ev_template *t, int id)
{
    yaml_node_t *n = node_at(t, id);
    return (n != NULL && n->type == YAML_SCALAR_NODE) ? (const char *)n->data.scalar.value : NULL;
}

static size_t seq_len(const ev_template *t, int id)
{
    yaml_node_t *n = node_at(t, id);
    if (n == NULL || n->type != YAML_SEQUENCE_NODE)
        return 0;
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static int seq_item(const ev_template *t, int id, size_t i)
{
    yaml_node_t *n = node_at(t, id);
    if (n == NULL || n->type != YAML_SEQUENCE_NODE || i >= seq_len(t, id))
        return 0;
    return n->data.sequence.items.start[i];
}

/* ---- resources ---- */

static resource *find_resource(const ev_template *t, const char *logical_id)
{
    for (size_t i = 0; i < t->resource_count; i++)
        if (strcmp(t->resources[i].logical_id, logical_id) == 0)
            return (resource *)&t->resources[i];
    return NULL;
}

static const ev_tpl_param *find_param(const ev_template *t, const char *name)
{
    for (size_t i = 0; i < t->param_count; i++)
        if (strcmp(t->params[i].name, name) == 0)
            return &t->params[i];
    return NULL;
}

/* ---- resolution ---- */

static int resolve(ev_template *t, int id, const char *path, int depth, value *out, ev_ds_error *err);
static int eval_condition(ev_template *t, const char *name, const char *path, int depth, bool *out,
                          ev_ds_error *err);

static int set_text(value *out, const char *s, size_t len, ev_ds_error *err, const char *path)
{
    out->novalue = false;
    out->text = strndup(s, len);
    if (out->text == NULL)
        return ev_ds_fail(err, "%s: out of memory", path);
    return 0;
}

static int ref_value(ev_template *t, const char *name, const char *path, value *out, ev_ds_error *err)
{
    const ev_tpl_param *p = find_param(t, name);
    if (p != NULL) {
        if (p->value == NULL)
            return ev_ds_fail(
                err, "%s: parameter %s has no Default and no override (--parameter-overrides %s=...)", path,
                name, name);
        return set_text(out, p->value, strlen(p->value), err, path);
    }
    const char *pseudo = NULL;
    char buf[64];
    if (strcmp(name, "AWS::Region") == 0)
        pseudo = t->region;
    else if (strcmp(name, "AWS::StackName") == 0)
        pseudo = t->stack;
    else if (strcmp(name, "AWS::AccountId") == 0)
        pseudo = t->account;
    else if (strcmp(name, "AWS::Partition") == 0)
        pseudo = "aws";
    else if (strcmp(name, "AWS::URLSuffix") == 0)
        pseudo = "amazonaws.com";
    else if (strcmp(name, "AWS::StackId") == 0) {
        pathf(buf, sizeof buf, "arn:aws:cloudformation:%.16s:%.12s:stack/local", t->region, t->account);
        pseudo = buf;
    } else if (strcmp(name, "AWS::NoValue") == 0) {
        out->novalue = true;
        out->text = NULL;
        return 0;
    }
    if (pseudo != NULL)
        return set_text(out, pseudo, strlen(pseudo), err, path);
    resource *r = find_resource(t, name);
    if (r == NULL)
        return ev_ds_fail(err, "%s: !Ref %s names no parameter, pseudo parameter or resource", path, name);
    if (r->ref == NULL)
        return ev_ds_fail(err,
                          "%s: !Ref %s: its name depends on this value (a resource's name may refer only to "
                          "resources named before it)",
                          path, name);
    return set_text(out, r->ref, strlen(r->ref), err, path);
}

static int getatt_value(ev_template *t, const char *logical, const char *attr, const char *path, value *out,
                        ev_ds_error *err)
{
    resource *r = find_resource(t, logical);
    if (r == NULL)
        return ev_ds_fail(err, "%s: !GetAtt %s.%s names no resource", path, logical, attr);
    const char *v = NULL;
    if (r->ref == NULL)
        return ev_ds_fail(err, "%s: !GetAtt %s.%s: its name depends on this value", path, logical, attr);
    if (strcmp(attr, "Arn") == 0)
        v = r->arn;
    else if (strcmp(attr, "QueueName") == 0 && strcmp(r->type, "AWS::SQS::Queue") == 0)
        v = r->name;
    else if (strcmp(attr, "QueueUrl") == 0 && strcmp(r->type, "AWS::SQS::Queue") == 0)
        v = r->ref;
    if (v == NULL)
        return ev_ds_fail(err, "%s: !GetAtt %s.%s: attribute %s of %s is not supported locally", path,
                          logical, attr, attr, r->type);
    return set_text(out, v, strlen(v), err, path);
}

/* A scalar argument of an intrinsic, resolved (nested intrinsics allowed). */
static int resolve_text(ev_template *t, int id, const char *path, int depth, char **out, ev_ds_error *err)
{
    value v = {0};
    if (resolve(t, id, path, depth, &v, err) != 0)
        return -1;
    if (v.novalue)
        return ev_ds_fail(err, "%s: AWS::NoValue where a value is needed", path);
    *out = v.text;
    return 0;
}

static int do_getatt(ev_template *t, int arg, const char *path, int depth, value *out, ev_ds_error *err)
{
    yaml_node_t *n = node_at(t, arg);
    char *logical = NULL, *attr = NULL;
    int rc = -1;
    if (n != NULL && n->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)n->data.scalar.value;
        const char *dot = strchr(s, '.');
        if (dot == NULL)
            return ev_ds_fail(err, "%s: !GetAtt %s: expected Resource.Attribute", path, s);
        logical = strndup(s, (size_t)(dot - s));
        attr = strdup(dot + 1);
    } else if (seq_len(t, arg) == 2) {
        if (resolve_text(t, seq_item(t, arg, 0), path, depth + 1, &logical, err) != 0)
            return -1;
        if (resolve_text(t, seq_item(t, arg, 1), path, depth + 1, &attr, err) != 0) {
            free(logical);
            return -1;
        }
    } else {
        return ev_ds_fail(err, "%s: !GetAtt: expected \"Resource.Attribute\" or [Resource, Attribute]", path);
    }
    if (logical == NULL || attr == NULL)
        ev_ds_fail(err, "%s: out of memory", path);
    else
        rc = getatt_value(t, logical, attr, path, out, err);
    free(logical);
    free(attr);
    return rc;
}

/* ${Name} in a !Sub string: a variable of the map, a parameter/resource
 * (Ref), or Resource.Attribute (GetAtt). */
static int sub_variable(ev_template *t, const char *name, int vars, const char *path, int depth, ev_buf *b,
                        ev_ds_error *err)
{
    value v = {0};
    int var = vars ? map_get(t, vars, name) : 0;
    int rc;
    const char *dot = strchr(name, '.');
    if (var != 0)
        rc = resolve(t, var, path, depth + 1, &v, err);
    else if (dot != NULL && strncmp(name, "AWS::", 5) != 0) {
        char logical[256];
        pathf(logical, sizeof logical, "%.*s", (int)(dot - name), name);
        rc = getatt_value(t, logical, dot + 1, path, &v, err);
    } else
        rc = ref_value(t, name, path, &v, err);
    if (rc != 0)
        return -1;
    if (v.novalue)
        return ev_ds_fail(err, "%s: !Sub ${%s} is AWS::NoValue", path, name);
    ev_buf_append_str(b, v.text);
    free(v.text);
    return 0;
}

static int do_sub(ev_template *t, int arg, const char *path, int depth, value *out, ev_ds_error *err)
{
    int str_node = arg, vars = 0;
    if (seq_len(t, arg) == 2) {
        str_node = seq_item(t, arg, 0);
        vars = seq_item(t, arg, 1);
    }
    const char *s = scalar_text(t, str_node);
    if (s == NULL)
        return ev_ds_fail(err, "%s: !Sub: expected a string or [string, {variables}]", path);
    ev_buf b = EV_BUF_INIT;
    ev_buf_append_str(&b, "");
    while (*s) {
        const char *open = strstr(s, "${");
        if (open == NULL) {
            ev_buf_append_str(&b, s);
            break;
        }
        ev_buf_append(&b, s, (size_t)(open - s));
        const char *close = strchr(open, '}');
        if (close == NULL) {
            ev_buf_free(&b);
            return ev_ds_fail(err, "%s: !Sub: unterminated ${ in \"%s\"", path, scalar_text(t, str_node));
        }
        if (open[2] == '!') { /* ${!Literal} is the text ${Literal} */
            ev_buf_append_str(&b, "${");
            ev_buf_append(&b, open + 3, (size_t)(close - open - 3));
            ev_buf_append_char(&b, '}');
        } else {
            char name[256];
            pathf(name, sizeof name, "%.*s", (int)(close - open - 2), open + 2);
            if (sub_variable(t, name, vars, path, depth, &b, err) != 0) {
                ev_buf_free(&b);
                return -1;
            }
        }
        s = close + 1;
    }
    if (b.failed) {
        ev_buf_free(&b);
        return ev_ds_fail(err, "%s: out of memory", path);
    }
    out->novalue = false;
    out->text = ev_buf_take(&b);
    return 0;
}

static int do_join(ev_template *t, int arg, const char *path, int depth, value *out, ev_ds_error *err)
{
    if (seq_len(t, arg) != 2)
        return ev_ds_fail(err, "%s: !Join: expected [delimiter, [values]]", path);
    const char *delim = scalar_text(t, seq_item(t, arg, 0));
    int list = seq_item(t, arg, 1);
    if (delim == NULL || node_at(t, list) == NULL || node_at(t, list)->type != YAML_SEQUENCE_NODE)
        return ev_ds_fail(err, "%s: !Join: expected [delimiter, [values]]", path);
    ev_buf b = EV_BUF_INIT;
    ev_buf_append_str(&b, "");
    for (size_t i = 0; i < seq_len(t, list); i++) {
        char *s = NULL;
        if (resolve_text(t, seq_item(t, list, i), path, depth + 1, &s, err) != 0) {
            ev_buf_free(&b);
            return -1;
        }
        if (i > 0)
            ev_buf_append_str(&b, delim);
        ev_buf_append_str(&b, s);
        free(s);
    }
    out->novalue = false;
    out->text = ev_buf_take(&b);
    return out->text ? 0 : ev_ds_fail(err, "%s: out of memory", path);
}

static int do_if(ev_template *t, int arg, const char *path, int depth, value *out, ev_ds_error *err)
{
    if (seq_len(t, arg) != 3)
        return ev_ds_fail(err, "%s: !If: expected [condition, value if true, value if false]", path);
    const char *cond = scalar_text(t, seq_item(t, arg, 0));
    if (cond == NULL)
        return ev_ds_fail(err, "%s: !If: the condition must be a condition's name", path);
    bool holds = false;
    if (eval_condition(t, cond, path, depth + 1, &holds, err) != 0)
        return -1;
    return resolve(t, seq_item(t, arg, holds ? 1 : 2), path, depth + 1, out, err);
}

/* The intrinsic `name` (without "!" or "Fn::") applied to its argument node. */
static int intrinsic(ev_template *t, const char *name, int arg, const char *path, int depth, value *out,
                     ev_ds_error *err)
{
    if (strcmp(name, "Ref") == 0) {
        const char *target = scalar_text(t, arg);
        if (target == NULL)
            return ev_ds_fail(err, "%s: !Ref: expected a name", path);
        return ref_value(t, target, path, out, err);
    }
    if (strcmp(name, "GetAtt") == 0)
        return do_getatt(t, arg, path, depth, out, err);
    if (strcmp(name, "Sub") == 0)
        return do_sub(t, arg, path, depth, out, err);
    if (strcmp(name, "Join") == 0)
        return do_join(t, arg, path, depth, out, err);
    if (strcmp(name, "If") == 0)
        return do_if(t, arg, path, depth, out, err);
    return ev_ds_fail(err, "%s: unsupported intrinsic !%s (devserver resolves Ref, GetAtt, Sub, Join, If)",
                      path, name);
}

static int resolve(ev_template *t, int id, const char *path, int depth, value *out, ev_ds_error *err)
{
    out->text = NULL;
    out->novalue = false;
    if (depth > MAX_DEPTH)
        return ev_ds_fail(err, "%s: nested deeper than %d levels", path, MAX_DEPTH);
    if (++t->visits > MAX_VISITS)
        return ev_ds_fail(err, "%s: resolving visits more than %d nodes (alias expansion?)", path,
                          MAX_VISITS);
    yaml_node_t *n = node_at(t, id);
    if (n == NULL)
        return ev_ds_fail(err, "%s: missing value", path);
    if (is_intrinsic_tag(n))
        return intrinsic(t, (const char *)n->tag + 1, id, path, depth, out, err);
    if (n->type == YAML_SCALAR_NODE)
        return set_text(out, (const char *)n->data.scalar.value, n->data.scalar.length, err, path);
    if (n->type == YAML_MAPPING_NODE && n->data.mapping.pairs.top - n->data.mapping.pairs.start == 1) {
        const char *key = scalar_text(t, n->data.mapping.pairs.start->key);
        int arg = n->data.mapping.pairs.start->value;
        if (key != NULL && strcmp(key, "Ref") == 0)
            return intrinsic(t, "Ref", arg, path, depth, out, err);
        if (key != NULL && strncmp(key, "Fn::", 4) == 0) {
            /* The long form's argument carries no tag; mark it as the tag would. */
            return intrinsic(t, key + 4, arg, path, depth, out, err);
        }
    }
    return ev_ds_fail(err, "%s: expected a single value, found a %s", path,
                      n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
}

/* ---- conditions ---- */

static int eval_condition_node(ev_template *t, int id, const char *path, int depth, bool *out,
                               ev_ds_error *err)
{
    if (depth > MAX_DEPTH || ++t->visits > MAX_VISITS)
        return ev_ds_fail(err, "%s: condition nested too deeply", path);
    yaml_node_t *n = node_at(t, id);
    const char *name = NULL;
    int arg = id;
    if (is_intrinsic_tag(n))
        name = (const char *)n->tag + 1;
    else if (n != NULL && n->type == YAML_MAPPING_NODE &&
             n->data.mapping.pairs.top - n->data.mapping.pairs.start == 1) {
        name = scalar_text(t, n->data.mapping.pairs.start->key);
        arg = n->data.mapping.pairs.start->value;
        if (name != NULL && strncmp(name, "Fn::", 4) == 0)
            name += 4;
    }
    if (name == NULL)
        return ev_ds_fail(err, "%s: a condition must be Equals, Not, And, Or or Condition", path);
    if (strcmp(name, "Condition") == 0) {
        const char *other = scalar_text(t, arg);
        if (other == NULL)
            return ev_ds_fail(err, "%s: Condition: expected a name", path);
        return eval_condition(t, other, path, depth + 1, out, err);
    }
    if (strcmp(name, "Equals") == 0) {
        char *a = NULL, *b = NULL;
        if (seq_len(t, arg) != 2)
            return ev_ds_fail(err, "%s: !Equals: expected [a, b]", path);
        if (resolve_text(t, seq_item(t, arg, 0), path, depth + 1, &a, err) != 0)
            return -1;
        if (resolve_text(t, seq_item(t, arg, 1), path, depth + 1, &b, err) != 0) {
            free(a);
            return -1;
        }
        *out = strcmp(a, b) == 0;
        free(a);
        free(b);
        return 0;
    }
    bool is_not = strcmp(name, "Not") == 0, is_and = strcmp(name, "And") == 0,
         is_or = strcmp(name, "Or") == 0;
    if (!is_not && !is_and && !is_or)
        return ev_ds_fail(err, "%s: unsupported condition function %s", path, name);
    size_t count = seq_len(t, arg);
    if (count == 0 || (is_not && count != 1))
        return ev_ds_fail(err, "%s: !%s: expected a list of conditions", path, name);
    bool acc = is_and;
    for (size_t i = 0; i < count; i++) {
        bool v = false;
        if (eval_condition_node(t, seq_item(t, arg, i), path, depth + 1, &v, err) != 0)
            return -1;
        acc = is_not ? !v : is_and ? (acc && v) : (acc || v);
    }
    *out = acc;
    return 0;
}

static int eval_condition(ev_template *t, const char *name, const char *path, int depth, bool *out,
                          ev_ds_error *err)
{
    int c = map_get(t, t->conditions_node, name);
    if (c == 0)
        return ev_ds_fail(err, "%s: condition %s is not defined under Conditions", path, name);
    char cpath[300];
    pathf(cpath, sizeof cpath, "Conditions.%s", name);
    return eval_condition_node(t, c, cpath, depth, out, err);
}

/* ---- typed reads of properties ---- */

/* Resolves an optional property (0/absent/NoValue: *out = NULL). */
static int opt_text(ev_template *t, int map, const char *key, const char *base, char **out, ev_ds_error *err)
{
    *out = NULL;
    int id = map_get(t, map, key);
    if (id == 0)
        return 0;
    char path[512];
    pathf(path, sizeof path, "%s.%s", base, key);
    value v = {0};
    t->visits = 0;
    if (resolve(t, id, path, 0, &v, err) != 0)
        return -1;
    if (v.novalue)
        return 0;
    *out = own(t, v.text);
    return *out ? 0 : ev_ds_fail(err, "%s: out of memory", path);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int opt_int(ev_template *t, int map, const char *key, const char *base, long lo, long hi, long *out,
                   bool *present, ev_ds_error *err)
{
    char *s = NULL;
    if (present)
        *present = false;
    if (opt_text(t, map, key, base, &s, err) != 0)
        return -1;
    if (s == NULL)
        return 0;
    if (parse_long(s, lo, hi, out) != 0)
        return ev_ds_fail(err, "%s.%s: expected an integer from %ld to %ld, got \"%s\"", base, key, lo, hi,
                          s);
    if (present)
        *present = true;
    return 0;
}

static int opt_bool(ev_template *t, int map, const char *key, const char *base, bool dflt, bool *out,
                    ev_ds_error *err)
{
    char *s = NULL;
    *out = dflt;
    if (opt_text(t, map, key, base, &s, err) != 0)
        return -1;
    if (s == NULL)
        return 0;
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
        *out = true;
    else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
        *out = false;
    else
        return ev_ds_fail(err, "%s.%s: expected true or false, got \"%s\"", base, key, s);
    return 0;
}

/* ---- Parameters ---- */

static int apply_override(ev_template *t, const char *item, ev_ds_error *err)
{
    char key[256];
    const char *val;
    if (strncmp(item, "ParameterKey=", 13) == 0) {
        const char *comma = strstr(item, ",ParameterValue=");
        if (comma == NULL)
            return ev_ds_fail(err, "--parameter-overrides: \"%s\": expected ParameterKey=K,ParameterValue=V",
                              item);
        pathf(key, sizeof key, "%.*s", (int)(comma - item - 13), item + 13);
        val = comma + 16;
    } else {
        const char *eq = strchr(item, '=');
        if (eq == NULL || eq == item)
            return ev_ds_fail(err, "--parameter-overrides: \"%s\": expected Key=Value", item);
        pathf(key, sizeof key, "%.*s", (int)(eq - item), item);
        val = eq + 1;
    }
    for (size_t i = 0; i < t->param_count; i++) {
        ev_tpl_param *p = &t->params[i];
        if (strcmp(p->name, key) != 0)
            continue;
        p->value = own_dup(t, val);
        return p->value ? 0 : ev_ds_fail(err, "out of memory");
    }
    return ev_ds_fail(err, "--parameter-overrides: the template has no parameter %s", key);
}

/* Type Number values are numbers; AllowedValues hold. */
static int check_param(ev_template *t, const ev_tpl_param *p, int node, ev_ds_error *err)
{
    if (p->value == NULL)
        return 0;
    if (p->type != NULL && strcmp(p->type, "Number") == 0) {
        char *end = NULL;
        errno = 0;
        double d = strtod(p->value, &end);
        if (*p->value == '\0' || *end != '\0' || errno != 0 || !isfinite(d))
            return ev_ds_fail(err, "Parameters.%s: Type Number, but the value is \"%s\"", p->name, p->value);
    }
    int allowed = map_get(t, node, "AllowedValues");
    size_t n = seq_len(t, allowed);
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const char *a = scalar_text(t, seq_item(t, allowed, i));
        if (a != NULL && strcmp(a, p->value) == 0)
            return 0;
    }
    return ev_ds_fail(err, "Parameters.%s: \"%s\" is not one of its AllowedValues", p->name, p->value);
}

static int read_parameters(ev_template *t, int root, const ev_template_options *opts, ev_ds_error *err)
{
    int params = map_get(t, root, "Parameters");
    yaml_node_t *m = node_at(t, params);
    if (m != NULL && m->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
            const char *name = scalar_text(t, p->key);
            if (name == NULL)
                return ev_ds_fail(err, "Parameters: a parameter's name must be a string");
            if (t->param_count == EV_TPL_MAX_PARAMS)
                return ev_ds_fail(err, "Parameters: more than %d parameters", EV_TPL_MAX_PARAMS);
            ev_tpl_param *tp = &t->params[t->param_count++];
            tp->name = own_dup(t, name);
            tp->type = own_dup(t, scalar_text(t, map_get(t, p->value, "Type")));
            int d = map_get(t, p->value, "Default");
            if (d != 0 && scalar_text(t, d) == NULL)
                return ev_ds_fail(err, "Parameters.%s.Default: expected a scalar", name);
            tp->value = own_dup(t, scalar_text(t, d));
            if (tp->name == NULL)
                return ev_ds_fail(err, "out of memory");
        }
    }
    for (size_t i = 0; opts != NULL && i < opts->override_count; i++)
        if (apply_override(t, opts->overrides[i], err) != 0)
            return -1;
    for (size_t i = 0; i < t->param_count; i++)
        if (check_param(t, &t->params[i], map_get(t, params, t->params[i].name), err) != 0)
            return -1;
    return 0;
}

/* ---- Resources: names first, so references between them resolve ---- */

static const char *service_of(const char *type)
{
    if (strcmp(type, "AWS::SQS::Queue") == 0)
        return "sqs";
    if (strcmp(type, "AWS::DynamoDB::Table") == 0)
        return "dynamodb";
    if (strcmp(type, "AWS::Serverless::Function") == 0 || strcmp(type, "AWS::Lambda::Function") == 0)
        return "lambda";
    return NULL;
}

/* Name, Ref and predicted Arn of one resource. */
static int name_resource(ev_template *t, resource *r, ev_ds_error *err)
{
    char base[300];
    pathf(base, sizeof base, "Resources.%s.Properties", r->logical_id);
    int props = map_get(t, r->node, "Properties");
    const char *svc = service_of(r->type);
    const char *name_key = NULL;
    if (svc != NULL && strcmp(svc, "sqs") == 0)
        name_key = "QueueName";
    else if (svc != NULL && strcmp(svc, "dynamodb") == 0)
        name_key = "TableName";
    else if (svc != NULL)
        name_key = "FunctionName";
    char *name = NULL;
    if (name_key != NULL && opt_text(t, props, name_key, base, &name, err) != 0)
        return -1;
    if (name == NULL) {
        bool fifo = false;
        if (svc != NULL && strcmp(svc, "sqs") == 0 &&
            opt_bool(t, props, "FifoQueue", base, false, &fifo, err) != 0)
            return -1;
        name = own_printf(t, "%s-%s%s", t->stack, r->logical_id, fifo ? ".fifo" : "");
    }
    r->name = name;
    if (svc != NULL && strcmp(svc, "sqs") == 0) {
        r->arn = own_printf(t, "arn:aws:sqs:%s:%s:%s", t->region, t->account, name);
        r->ref = own_printf(t, "https://sqs.%s.amazonaws.com/%s/%s", t->region, t->account, name);
    } else if (svc != NULL && strcmp(svc, "dynamodb") == 0) {
        r->arn = own_printf(t, "arn:aws:dynamodb:%s:%s:table/%s", t->region, t->account, name);
        r->ref = name;
    } else if (svc != NULL) {
        r->arn = own_printf(t, "arn:aws:lambda:%s:%s:function:%s", t->region, t->account, name);
        r->ref = name;
    } else {
        r->ref = name;
        r->arn = own_printf(t, "arn:aws:local:%s:%s:%s", t->region, t->account, name);
    }
    return (r->name && r->ref && r->arn) ? 0 : ev_ds_fail(err, "out of memory");
}

static int register_resources(ev_template *t, int root, ev_ds_error *err)
{
    int res = map_get(t, root, "Resources");
    yaml_node_t *m = node_at(t, res);
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return ev_ds_fail(err, "Resources: missing or not a mapping");
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *logical = scalar_text(t, p->key);
        const char *type = scalar_text(t, map_get(t, p->value, "Type"));
        if (logical == NULL || type == NULL)
            return ev_ds_fail(err, "Resources.%s: every resource needs a Type", logical ? logical : "?");
        if (t->resource_count == MAX_RESOURCES)
            return ev_ds_fail(err, "Resources: more than %d resources", MAX_RESOURCES);
        resource *r = &t->resources[t->resource_count++];
        r->logical_id = own_dup(t, logical);
        r->type = own_dup(t, type);
        r->node = p->value;
        r->active = true;
        if (r->logical_id == NULL || r->type == NULL)
            return ev_ds_fail(err, "out of memory");
    }
    for (size_t i = 0; i < t->resource_count; i++) {
        resource *r = &t->resources[i];
        const char *cond = scalar_text(t, map_get(t, r->node, "Condition"));
        if (cond != NULL && service_of(r->type) != NULL) {
            char path[300];
            pathf(path, sizeof path, "Resources.%s.Condition", r->logical_id);
            t->visits = 0;
            if (eval_condition(t, cond, path, 0, &r->active, err) != 0)
                return -1;
        }
        if (name_resource(t, r, err) != 0)
            return -1;
    }
    return 0;
}

/* ---- queues ---- */

static int queue_by_arn(const ev_template *t, const char *arn)
{
    for (size_t i = 0; i < t->queue_count; i++) {
        resource *r = find_resource(t, t->queues[i].logical_id);
        if (r != NULL && strcmp(r->arn, arn) == 0)
            return (int)i;
    }
    return -1;
}

static int read_queue(ev_template *t, resource *r, ev_ds_error *err)
{
    if (t->queue_count == EV_TPL_MAX_QUEUES)
        return ev_ds_fail(err, "Resources: more than %d queues", EV_TPL_MAX_QUEUES);
    ev_tpl_queue *q = &t->queues[t->queue_count++];
    char base[300];
    pathf(base, sizeof base, "Resources.%s.Properties", r->logical_id);
    int props = map_get(t, r->node, "Properties");
    q->logical_id = r->logical_id;
    q->name = r->name;
    q->dlq = -1;
    long v;
    bool present;
    const char *const keys[] = {"VisibilityTimeout", "MessageRetentionPeriod", "MaximumMessageSize",
                                "DelaySeconds", "ReceiveMessageWaitTimeSeconds"};
    char **fields[] = {&q->visibility_timeout, &q->message_retention_period, &q->maximum_message_size,
                       &q->delay_seconds, &q->receive_wait_time};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (opt_int(t, props, keys[i], base, 0, 1209600, &v, &present, err) != 0)
            return -1;
        if (present)
            *fields[i] = own_printf(t, "%ld", v);
    }
    return opt_bool(t, props, "FifoQueue", base, false, &q->fifo, err);
}

/* RedrivePolicy, once every queue is known. */
static int read_redrive(ev_template *t, ev_tpl_queue *q, ev_ds_error *err)
{
    resource *r = find_resource(t, q->logical_id);
    char base[400];
    pathf(base, sizeof base, "Resources.%s.Properties.RedrivePolicy", q->logical_id);
    int rp = map_get(t, map_get(t, r->node, "Properties"), "RedrivePolicy");
    if (rp == 0)
        return 0;
    if (node_at(t, rp)->type != YAML_MAPPING_NODE)
        return ev_ds_fail(err, "%s: expected a mapping with deadLetterTargetArn and maxReceiveCount", base);
    char *arn = NULL;
    long count = 0;
    bool present = false;
    if (opt_text(t, rp, "deadLetterTargetArn", base, &arn, err) != 0 ||
        opt_int(t, rp, "maxReceiveCount", base, 1, 1000, &count, &present, err) != 0)
        return -1;
    if (arn == NULL || !present)
        return ev_ds_fail(err, "%s: needs deadLetterTargetArn and maxReceiveCount", base);
    q->dlq = queue_by_arn(t, arn);
    if (q->dlq < 0)
        return ev_ds_fail(err, "%s.deadLetterTargetArn: %s is not a queue of this template", base, arn);
    q->max_receive_count = (int)count;
    return 0;
}

/* ---- tables ---- */

static int read_keyattrs(ev_template *t, int list, const char *base, const char *name_key,
                         const char *type_key, ev_tpl_keyattr *out, size_t max, size_t *count,
                         ev_ds_error *err)
{
    *count = 0;
    for (size_t i = 0; i < seq_len(t, list); i++) {
        if (i == max)
            return ev_ds_fail(err, "%s: more than %zu entries", base, max);
        char path[400];
        pathf(path, sizeof path, "%s[%zu]", base, i);
        int item = seq_item(t, list, i);
        if (opt_text(t, item, name_key, path, &out[i].name, err) != 0 ||
            opt_text(t, item, type_key, path, &out[i].type, err) != 0)
            return -1;
        if (out[i].name == NULL || out[i].type == NULL)
            return ev_ds_fail(err, "%s: needs %s and %s", path, name_key, type_key);
        (*count)++;
    }
    return 0;
}

static int read_table(ev_template *t, resource *r, ev_ds_error *err)
{
    if (t->table_count == EV_TPL_MAX_TABLES)
        return ev_ds_fail(err, "Resources: more than %d tables", EV_TPL_MAX_TABLES);
    ev_tpl_table *tb = &t->tables[t->table_count++];
    char base[300], path[400];
    pathf(base, sizeof base, "Resources.%s.Properties", r->logical_id);
    int props = map_get(t, r->node, "Properties");
    tb->logical_id = r->logical_id;
    tb->name = r->name;
    pathf(path, sizeof path, "%s.AttributeDefinitions", base);
    if (read_keyattrs(t, map_get(t, props, "AttributeDefinitions"), path, "AttributeName", "AttributeType",
                      tb->attributes, EV_TPL_MAX_KEYATTRS, &tb->attribute_count, err) != 0)
        return -1;
    pathf(path, sizeof path, "%s.KeySchema", base);
    if (read_keyattrs(t, map_get(t, props, "KeySchema"), path, "AttributeName", "KeyType", tb->keys, 2,
                      &tb->key_count, err) != 0)
        return -1;
    if (tb->key_count == 0)
        return ev_ds_fail(err, "%s: missing or empty", path);
    int gsis = map_get(t, props, "GlobalSecondaryIndexes");
    for (size_t i = 0; i < seq_len(t, gsis); i++) {
        if (i == EV_TPL_MAX_GSIS)
            return ev_ds_fail(err, "%s.GlobalSecondaryIndexes: more than %d", base, EV_TPL_MAX_GSIS);
        ev_tpl_gsi *g = &tb->gsis[tb->gsi_count++];
        int item = seq_item(t, gsis, i);
        pathf(path, sizeof path, "%s.GlobalSecondaryIndexes[%zu]", base, i);
        char kpath[450];
        pathf(kpath, sizeof kpath, "%s.KeySchema", path);
        if (opt_text(t, item, "IndexName", path, &g->name, err) != 0 ||
            read_keyattrs(t, map_get(t, item, "KeySchema"), kpath, "AttributeName", "KeyType", g->keys, 2,
                          &g->key_count, err) != 0 ||
            opt_text(t, map_get(t, item, "Projection"), "ProjectionType", path, &g->projection, err) != 0)
            return -1;
        if (g->name == NULL || g->key_count == 0)
            return ev_ds_fail(err, "%s: needs IndexName and KeySchema", path);
    }
    int ttl = map_get(t, props, "TimeToLiveSpecification");
    if (ttl != 0) {
        bool enabled = false;
        pathf(path, sizeof path, "%s.TimeToLiveSpecification", base);
        if (opt_bool(t, ttl, "Enabled", path, false, &enabled, err) != 0)
            return -1;
        if (enabled && opt_text(t, ttl, "AttributeName", path, &tb->ttl_attribute, err) != 0)
            return -1;
    }
    return 0;
}

/* ---- the API ---- */

/* GatewayResponses: {TYPE: {StatusCode, ResponseParameters: {Headers: {...}},
 * ResponseTemplates: {application/json: ...}}}. */
static int read_gateway_responses(ev_template *t, ev_tpl_api *a, int map, const char *base, ev_ds_error *err)
{
    yaml_node_t *m = node_at(t, map);
    if (m == NULL)
        return 0;
    if (m->type != YAML_MAPPING_NODE)
        return ev_ds_fail(err, "%s.GatewayResponses: expected a mapping", base);
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *type = scalar_text(t, p->key);
        if (type == NULL || a->response_count == EV_TPL_MAX_GATEWAY_RESPONSES)
            return ev_ds_fail(err, "%s.GatewayResponses: a type must be a name (at most %d)", base,
                              EV_TPL_MAX_GATEWAY_RESPONSES);
        ev_tpl_gateway_response *g = &a->responses[a->response_count++];
        char path[500], hpath[560];
        pathf(path, sizeof path, "%s.GatewayResponses.%s", base, type);
        g->type = own_dup(t, type);
        long status = 0;
        bool present = false;
        if (opt_int(t, p->value, "StatusCode", path, 100, 599, &status, &present, err) != 0)
            return -1;
        g->status = present ? (int)status : 0;
        int headers = map_get(t, map_get(t, p->value, "ResponseParameters"), "Headers");
        yaml_node_t *h = node_at(t, headers);
        pathf(hpath, sizeof hpath, "%s.ResponseParameters.Headers", path);
        for (yaml_node_pair_t *q = h && h->type == YAML_MAPPING_NODE ? h->data.mapping.pairs.start : NULL;
             q != NULL && q < h->data.mapping.pairs.top && g->header_count < EV_TPL_MAX_RESPONSE_HEADERS;
             q++) {
            const char *name = scalar_text(t, q->key);
            char *v = NULL;
            if (name == NULL || opt_text(t, headers, name, hpath, &v, err) != 0)
                return -1;
            size_t len = v ? strlen(v) : 0;
            if (len < 2 || v[0] != '\'' || v[len - 1] != '\'')
                continue; /* a mapping from the request: not emulated */
            v[len - 1] = '\0';
            g->header_names[g->header_count] = own_dup(t, name);
            g->header_values[g->header_count++] = v + 1;
        }
        if (opt_text(t, map_get(t, p->value, "ResponseTemplates"), "application/json", path,
                     &g->body_template, err) != 0)
            return -1;
    }
    return 0;
}

static int read_api(ev_template *t, resource *r, ev_ds_error *err)
{
    if (t->api_count == EV_TPL_MAX_APIS)
        return ev_ds_fail(err, "Resources: more than %d APIs", EV_TPL_MAX_APIS);
    ev_tpl_api *a = &t->apis[t->api_count++];
    char base[300], path[400];
    pathf(base, sizeof base, "Resources.%s.Properties", r->logical_id);
    int props = map_get(t, r->node, "Properties");
    a->logical_id = r->logical_id;
    a->rate_limit = -1;
    a->burst_limit = -1;
    if (opt_text(t, props, "StageName", base, &a->stage, err) != 0)
        return -1;
    if (a->stage == NULL)
        return ev_ds_fail(err, "%s.StageName: missing (AWS::Serverless::Api requires it)", base);
    if (read_gateway_responses(t, a, map_get(t, props, "GatewayResponses"), base, err) != 0)
        return -1;
    int settings = map_get(t, props, "MethodSettings");
    for (size_t i = 0; i < seq_len(t, settings); i++) {
        int item = seq_item(t, settings, i);
        pathf(path, sizeof path, "%s.MethodSettings[%zu]", base, i);
        char *rp = NULL, *method = NULL, *rate = NULL;
        if (opt_text(t, item, "ResourcePath", path, &rp, err) != 0 ||
            opt_text(t, item, "HttpMethod", path, &method, err) != 0 ||
            opt_text(t, item, "ThrottlingRateLimit", path, &rate, err) != 0)
            return -1;
        /* The stage-wide setting; per-method settings are not emulated. */
        if (rp == NULL || strcmp(rp, "/*") != 0 || method == NULL || strcmp(method, "*") != 0)
            continue;
        if (rate != NULL) {
            char *end = NULL;
            a->rate_limit = strtod(rate, &end);
            if (*end != '\0' || !(a->rate_limit >= 0) || !isfinite(a->rate_limit))
                return ev_ds_fail(err, "%s.ThrottlingRateLimit: expected a number >= 0, got \"%s\"", path,
                                  rate);
        }
        bool present;
        if (opt_int(t, item, "ThrottlingBurstLimit", path, 0, 100000000, &a->burst_limit, &present, err) != 0)
            return -1;
        if (!present)
            a->burst_limit = -1;
    }
    return 0;
}

/* ---- functions ---- */

static int read_api_event(ev_template *t, ev_tpl_function *f, const char *name, int props, const char *base,
                          ev_ds_error *err)
{
    if (f->api_event_count == EV_TPL_MAX_API_EVENTS)
        return ev_ds_fail(err, "%s: more than %d Api events", base, EV_TPL_MAX_API_EVENTS);
    ev_tpl_api_event *e = &f->api_events[f->api_event_count++];
    char *api_ref = NULL;
    e->name = own_dup(t, name);
    e->api = -1;
    if (opt_text(t, props, "Path", base, &e->path, err) != 0 ||
        opt_text(t, props, "Method", base, &e->method, err) != 0 ||
        opt_text(t, props, "RestApiId", base, &api_ref, err) != 0)
        return -1;
    if (e->path == NULL || e->method == NULL || e->path[0] != '/')
        return ev_ds_fail(err, "%s: an Api event needs Path (starting with /) and Method", base);
    for (char *c = e->method; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    for (size_t i = 0; api_ref != NULL && i < t->api_count; i++)
        if (strcmp(find_resource(t, t->apis[i].logical_id)->ref, api_ref) == 0)
            e->api = (int)i;
    if (api_ref != NULL && e->api < 0)
        return ev_ds_fail(err, "%s.RestApiId: %s is not an AWS::Serverless::Api of this template", base,
                          api_ref);
    return 0;
}

static int read_sqs_event(ev_template *t, ev_tpl_function *f, const char *name, int props, const char *base,
                          ev_ds_error *err)
{
    if (f->sqs_event_count == EV_TPL_MAX_SQS_EVENTS)
        return ev_ds_fail(err, "%s: more than %d SQS events", base, EV_TPL_MAX_SQS_EVENTS);
    ev_tpl_sqs_event *e = &f->sqs_events[f->sqs_event_count++];
    char *arn = NULL, path[500];
    long v;
    bool present;
    e->name = own_dup(t, name);
    if (opt_text(t, props, "Queue", base, &arn, err) != 0)
        return -1;
    if (arn == NULL)
        return ev_ds_fail(err, "%s.Queue: missing", base);
    e->queue = queue_by_arn(t, arn);
    if (e->queue < 0)
        return ev_ds_fail(err, "%s.Queue: %s is not a queue of this template", base, arn);
    e->batch_size = 10;
    if (opt_int(t, props, "BatchSize", base, 1, 10000, &v, &present, err) != 0)
        return -1;
    if (present)
        e->batch_size = (int)v;
    if (opt_int(t, props, "MaximumBatchingWindowInSeconds", base, 0, 300, &v, &present, err) != 0)
        return -1;
    e->batching_window_s = present ? (int)v : 0;
    if (e->batch_size > 10 && e->batching_window_s == 0)
        return ev_ds_fail(err, "%s.BatchSize: over 10 needs MaximumBatchingWindowInSeconds >= 1", base);
    pathf(path, sizeof path, "%s.ScalingConfig", base);
    if (opt_int(t, map_get(t, props, "ScalingConfig"), "MaximumConcurrency", path, 2, 1000, &v, &present,
                err) != 0)
        return -1;
    e->max_concurrency = present ? (int)v : 0;
    if (opt_bool(t, props, "Enabled", base, true, &e->enabled, err) != 0)
        return -1;
    int types = map_get(t, props, "FunctionResponseTypes");
    for (size_t i = 0; i < seq_len(t, types); i++) {
        char *s = NULL;
        pathf(path, sizeof path, "%s.FunctionResponseTypes[%zu]", base, i);
        t->visits = 0;
        if (resolve_text(t, seq_item(t, types, i), path, 0, &s, err) != 0)
            return -1;
        if (strcmp(s, "ReportBatchItemFailures") == 0)
            e->report_batch_item_failures = true;
        free(s);
    }
    return 0;
}

static int read_events(ev_template *t, ev_tpl_function *f, int events, const char *fbase, ev_ds_error *err)
{
    yaml_node_t *m = node_at(t, events);
    if (m == NULL)
        return 0;
    if (m->type != YAML_MAPPING_NODE)
        return ev_ds_fail(err, "%s.Events: expected a mapping", fbase);
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *name = scalar_text(t, p->key);
        const char *type = scalar_text(t, map_get(t, p->value, "Type"));
        char base[500];
        pathf(base, sizeof base, "%s.Events.%s", fbase, name ? name : "?");
        if (name == NULL || type == NULL)
            return ev_ds_fail(err, "%s: an event needs a Type", base);
        int props = map_get(t, p->value, "Properties");
        pathf(base, sizeof base, "%s.Events.%s.Properties", fbase, name);
        if (strcmp(type, "Api") == 0 && read_api_event(t, f, name, props, base, err) != 0)
            return -1;
        if (strcmp(type, "SQS") == 0 && read_sqs_event(t, f, name, props, base, err) != 0)
            return -1;
    }
    return 0;
}

static int read_function(ev_template *t, resource *r, ev_ds_error *err)
{
    if (t->function_count == EV_TPL_MAX_FUNCTIONS)
        return ev_ds_fail(err, "Resources: more than %d functions", EV_TPL_MAX_FUNCTIONS);
    ev_tpl_function *f = &t->functions[t->function_count++];
    char base[300], gbase[] = "Globals.Function";
    pathf(base, sizeof base, "Resources.%s.Properties", r->logical_id);
    int props = map_get(t, r->node, "Properties");
    f->logical_id = r->logical_id;
    f->name = r->name;
    f->reserved_concurrency = -1;
    struct {
        const char *key;
        char **out;
    } texts[] = {{"Handler", &f->handler}, {"CodeUri", &f->code_uri}};
    for (size_t i = 0; i < 2; i++) {
        bool own_prop = map_get(t, props, texts[i].key) != 0;
        if (opt_text(t, own_prop ? props : t->globals_function_node, texts[i].key, own_prop ? base : gbase,
                     texts[i].out, err) != 0)
            return -1;
    }
    struct {
        const char *key;
        long lo, hi, dflt;
        int *out;
    } ints[] = {{"Timeout", 1, 900, 3, &f->timeout_s},
                {"MemorySize", 128, 10240, 128, &f->memory_mb},
                {"ReservedConcurrentExecutions", 0, 100000, -1, &f->reserved_concurrency}};
    for (size_t i = 0; i < 3; i++) {
        bool own_prop = map_get(t, props, ints[i].key) != 0, present = false;
        long v = 0;
        if (opt_int(t, own_prop ? props : t->globals_function_node, ints[i].key, own_prop ? base : gbase,
                    ints[i].lo, ints[i].hi, &v, &present, err) != 0)
            return -1;
        *ints[i].out = present ? (int)v : (int)ints[i].dflt;
    }
    f->env_globals_node = map_get(t, map_get(t, t->globals_function_node, "Environment"), "Variables");
    f->env_node = map_get(t, map_get(t, props, "Environment"), "Variables");
    return read_events(t, f, map_get(t, props, "Events"), base, err);
}

/* ---- load ---- */

static int read_model(ev_template *t, const ev_template_options *opts, ev_ds_error *err)
{
    yaml_node_t *root = yaml_document_get_root_node(&t->doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        return ev_ds_fail(err, "template: the document is not a mapping");
    int root_id = 1; /* libyaml numbers the root node 1 */
    t->conditions_node = map_get(t, root_id, "Conditions");
    t->globals_function_node = map_get(t, map_get(t, root_id, "Globals"), "Function");
    if (read_parameters(t, root_id, opts, err) != 0 || register_resources(t, root_id, err) != 0)
        return -1;
    /* Queues and APIs first: functions refer to them. */
    for (size_t i = 0; i < t->resource_count; i++) {
        resource *r = &t->resources[i];
        if (r->active && strcmp(r->type, "AWS::SQS::Queue") == 0 && read_queue(t, r, err) != 0)
            return -1;
        if (r->active && strcmp(r->type, "AWS::Serverless::Api") == 0 && read_api(t, r, err) != 0)
            return -1;
    }
    for (size_t i = 0; i < t->queue_count; i++)
        if (read_redrive(t, &t->queues[i], err) != 0)
            return -1;
    for (size_t i = 0; i < t->resource_count; i++) {
        resource *r = &t->resources[i];
        if (r->active && strcmp(r->type, "AWS::DynamoDB::Table") == 0 && read_table(t, r, err) != 0)
            return -1;
        if (r->active && strcmp(r->type, "AWS::Serverless::Function") == 0 && read_function(t, r, err) != 0)
            return -1;
    }
    return 0;
}

ev_template *ev_template_load_text(const char *text, size_t len, const ev_template_options *opts,
                                   ev_ds_error *err)
{
    ev_template *t = calloc(1, sizeof *t);
    if (t == NULL) {
        ev_ds_fail(err, "template: out of memory");
        return NULL;
    }
    t->stack = own_dup(t, opts && opts->stack_name ? opts->stack_name : DEFAULT_STACK);
    t->region = own_dup(t, opts && opts->region ? opts->region : DEFAULT_REGION);
    t->account = own_dup(t, opts && opts->account_id ? opts->account_id : DEFAULT_ACCOUNT);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        ev_ds_fail(err, "template: out of memory");
        ev_template_free(t);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &t->doc)) {
        ev_ds_fail(err, "template: YAML error at line %zu, column %zu: %s%s%s", parser.problem_mark.line + 1,
                   parser.problem_mark.column + 1, parser.problem ? parser.problem : "unknown",
                   parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        ev_template_free(t);
        return NULL;
    }
    t->doc_loaded = true;
    yaml_parser_delete(&parser);
    if (t->stack == NULL || t->region == NULL || t->account == NULL || read_model(t, opts, err) != 0) {
        if (t->stack == NULL || t->region == NULL || t->account == NULL)
            ev_ds_fail(err, "template: out of memory");
        ev_template_free(t);
        return NULL;
    }
    return t;
}

ev_template *ev_template_load_file(const char *path, const ev_template_options *opts, ev_ds_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        ev_ds_fail(err, "template %s: %s", path, strerror(errno));
        return NULL;
    }
    ev_buf b = EV_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_TEXT_BYTES)
        ev_buf_append(&b, chunk, n);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || b.failed || b.len > MAX_TEXT_BYTES) {
        ev_ds_fail(err, "template %s: %s", path,
                   bad        ? "read error"
                   : b.failed ? "out of memory"
                              : "larger than 16 MiB");
        ev_buf_free(&b);
        return NULL;
    }
    ev_template *t = ev_template_load_text(b.data ? b.data : "", b.len, opts, err);
    if (t == NULL) {
        char msg[sizeof err->message];
        pathf(msg, sizeof msg, "%s", err ? err->message : "");
        ev_ds_fail(err, "%s: %s", path, msg);
    }
    ev_buf_free(&b);
    return t;
}

void ev_template_free(ev_template *t)
{
    if (t == NULL)
        return;
    if (t->doc_loaded)
        yaml_document_delete(&t->doc);
    for (size_t i = 0; i < t->string_count; i++)
        free(t->strings[i]);
    free(t->strings);
    free(t);
}

/* ---- accessors ---- */

size_t ev_template_param_count(const ev_template *t)
{
    return t->param_count;
}
const ev_tpl_param *ev_template_param(const ev_template *t, size_t i)
{
    return &t->params[i];
}
const ev_tpl_param *ev_template_find_param(const ev_template *t, const char *name)
{
    return find_param(t, name);
}
size_t ev_template_api_count(const ev_template *t)
{
    return t->api_count;
}
const ev_tpl_api *ev_template_api(const ev_template *t, size_t i)
{
    return &t->apis[i];
}
size_t ev_template_function_count(const ev_template *t)
{
    return t->function_count;
}
const ev_tpl_function *ev_template_function(const ev_template *t, size_t i)
{
    return &t->functions[i];
}
size_t ev_template_queue_count(const ev_template *t)
{
    return t->queue_count;
}
const ev_tpl_queue *ev_template_queue(const ev_template *t, size_t i)
{
    return &t->queues[i];
}
size_t ev_template_table_count(const ev_template *t)
{
    return t->table_count;
}
const ev_tpl_table *ev_template_table(const ev_template *t, size_t i)
{
    return &t->tables[i];
}
const char *ev_template_region(const ev_template *t)
{
    return t->region;
}

int ev_template_find_function(const ev_template *t, const char *logical_id)
{
    for (size_t i = 0; i < t->function_count; i++)
        if (strcmp(t->functions[i].logical_id, logical_id) == 0)
            return (int)i;
    return -1;
}

int ev_template_find_queue(const ev_template *t, const char *logical_id)
{
    for (size_t i = 0; i < t->queue_count; i++)
        if (strcmp(t->queues[i].logical_id, logical_id) == 0)
            return (int)i;
    return -1;
}

const char *ev_template_resource_ref(const ev_template *t, const char *logical_id)
{
    resource *r = find_resource(t, logical_id);
    return r ? r->ref : NULL;
}

const char *ev_template_resource_arn(const ev_template *t, const char *logical_id)
{
    resource *r = find_resource(t, logical_id);
    return r ? r->arn : NULL;
}

int ev_template_set_resource(ev_template *t, const char *logical_id, const char *ref, const char *arn,
                             ev_ds_error *err)
{
    resource *r = find_resource(t, logical_id);
    if (r == NULL)
        return ev_ds_fail(err, "template: no resource %s", logical_id);
    if (ref != NULL && (r->ref = own_dup(t, ref)) == NULL)
        return ev_ds_fail(err, "out of memory");
    if (arn != NULL && (r->arn = own_dup(t, arn)) == NULL)
        return ev_ds_fail(err, "out of memory");
    return 0;
}

/* ---- environments ---- */

static int env_add(ev_template *t, int vars, const char *base, ev_tpl_env **env, size_t *count,
                   ev_ds_error *err)
{
    yaml_node_t *m = node_at(t, vars);
    if (m == NULL)
        return 0;
    if (m->type != YAML_MAPPING_NODE)
        return ev_ds_fail(err, "%s: expected a mapping of variables", base);
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        const char *name = scalar_text(t, p->key);
        if (name == NULL)
            return ev_ds_fail(err, "%s: a variable name must be a string", base);
        char path[600];
        pathf(path, sizeof path, "%s.%s", base, name);
        value v = {0};
        t->visits = 0;
        if (resolve(t, p->value, path, 0, &v, err) != 0)
            return -1;
        size_t i = 0;
        while (i < *count && strcmp((*env)[i].name, name) != 0)
            i++;
        if (i == *count) {
            if (v.novalue)
                continue;
            ev_tpl_env *n = realloc(*env, (*count + 1) * sizeof *n);
            if (n == NULL) {
                free(v.text);
                return ev_ds_fail(err, "out of memory");
            }
            *env = n;
            n[i].name = strdup(name);
            n[i].value = NULL;
            (*count)++;
            if (n[i].name == NULL) {
                free(v.text);
                return ev_ds_fail(err, "out of memory");
            }
        }
        free((*env)[i].value);
        (*env)[i].value = v.novalue ? strdup("") : v.text;
    }
    return 0;
}

int ev_template_function_env(const ev_template *tc, size_t function, ev_tpl_env **out, size_t *count,
                             ev_ds_error *err)
{
    ev_template *t = (ev_template *)tc; /* resolution counts visits only */
    *out = NULL;
    *count = 0;
    if (function >= t->function_count)
        return ev_ds_fail(err, "template: no function %zu", function);
    const ev_tpl_function *f = &t->functions[function];
    char base[300];
    pathf(base, sizeof base, "Resources.%s.Properties.Environment.Variables", f->logical_id);
    if (env_add(t, f->env_globals_node, "Globals.Function.Environment.Variables", out, count, err) != 0 ||
        env_add(t, f->env_node, base, out, count, err) != 0) {
        ev_template_env_free(*out, *count);
        *out = NULL;
        *count = 0;
        return -1;
    }
    return 0;
}

void ev_template_env_free(ev_tpl_env *env, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(env[i].name);
        free(env[i].value);
    }
    free(env);
}
