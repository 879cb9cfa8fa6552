/*
 * awsreq: sign one AWS request with SigV4 and send it (like awscurl).
 *
 *   awsreq --service sqs|dynamodb [--region R] [--target Operation] [-X METHOD]
 *          [-H 'Name: value']... [-d BODY | -d @file] [--date YYYYMMDDTHHMMSSZ]
 *          [--dry-run] URL
 *   awsreq --dry-run --batch FILE [--service S] [--region R] [--date D]
 *
 * Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, else
 * the AWS_PROFILE of ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE).
 * Region: --region, else AWS_REGION, else AWS_DEFAULT_REGION.
 *
 * Only the URL on the command line is contacted; the URL is sent as written,
 * so it must already be percent-encoded the way it should go on the wire
 * (SigV4 signs that wire form).
 *
 * Exit status: 0 on a 2xx answer (or a successful dry run), 1 on an AWS or
 * transport error (printed: code, message, HTTP status), 2 on usage and
 * configuration errors.
 *
 * --batch FILE (dry run only; "-" is stdin) reads JSON Lines, one request per
 * line: {"method":"GET","url":"https://h/p?q","headers":[["Name","value"],...],
 * "body":"...","service":"sqs","region":"us-east-1","date":"20150830T123600Z"}
 * (all but url optional; service/region/date default to the options) and
 * prints one line per request: the Authorization header value, or
 * "ERROR <message>". It exists so tests can compare thousands of signatures
 * with another implementation without a process per request.
 *
 * Secrets: neither the secret access key nor the session token is ever
 * printed; a dry run shows the token's canonical header as "<redacted>",
 * error answers are printed with both replaced by "<redacted>".
 *
 * Headers: -H 'Name:' or -H 'Name;' sends an empty value (as "Name;", which
 * curl does not drop). The headers the signer sets (X-Amz-Date,
 * Authorization, X-Amz-Security-Token, X-Amz-Content-Sha256) are refused in
 * -H (exit 2), and so is -d with -X GET or HEAD.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws/ev_aws_error.h"
#include "aws/ev_credentials.h"
#include "aws/ev_endpoint.h"
#include "aws/ev_http.h"
#include "aws/ev_sigv4.h"

#define EXIT_AWS    1
#define EXIT_USAGE  2
#define MAX_HEADERS 64

static void usage(FILE *out)
{
    fputs(
        "usage: awsreq --service sqs|dynamodb [--region R] [--target Operation] [-X METHOD]\n"
        "              [-H 'Name: value']... [-d BODY | -d @file] [--date YYYYMMDDTHHMMSSZ] [--dry-run] URL\n"
        "       awsreq --dry-run --batch FILE [--service S] [--region R] [--date D]\n"
        "  --target Op   sets X-Amz-Target (AmazonSQS.Op / DynamoDB_20120810.Op), JSON 1.0 content type, "
        "POST\n"
        "  --dry-run     print the canonical request, string to sign and Authorization header; send nothing\n"
        "  --batch FILE  dry-run JSON Lines requests, one Authorization header per line (see source)\n"
        "credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN or ~/.aws/credentials;\n"
        "region from --region, AWS_REGION or AWS_DEFAULT_REGION\n",
        out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("awsreq: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    usage(stderr);
    return EXIT_USAGE;
}

static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    bool err = ferror(f) != 0;
    if (f != stdin)
        fclose(f);
    if (buf == NULL || err) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

/* Prints a canonical request: the value of the x-amz-security-token line is
 * replaced whole (the canonical form holds the token trimmed, with runs of
 * spaces collapsed, so it need not match the raw token), and any other
 * occurrence of the token or the secret key too. */
static void print_redacted(const char *s, const ev_credentials *creds)
{
    const char *secrets[2] = {creds->session_token, creds->secret_access_key};
    static const char tok[] = "x-amz-security-token:";
    while (*s) {
        size_t len = strcspn(s, "\n");
        if (strncmp(s, tok, sizeof tok - 1) == 0) {
            fputs(tok, stdout);
            fputs("<redacted>", stdout);
        } else {
            size_t rl = 0;
            char *r = ev_aws_redact(s, len, secrets, 2, &rl);
            if (r)
                fwrite(r, 1, rl, stdout);
            else
                fputs("<redacted>", stdout);
            free(r);
        }
        s += len;
        if (*s == '\n') {
            fputc('\n', stdout);
            s++;
        }
    }
}

/* Headers the signer adds: a -H copy would be signed or sent twice. */
static bool signer_owned(const char *name)
{
    static const char *const owned[] = {"X-Amz-Date", "Authorization", "X-Amz-Security-Token",
                                        "X-Amz-Content-Sha256"};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (strcasecmp(name, owned[i]) == 0)
            return true;
    return false;
}

static bool header_named(const ev_sigv4_header *hs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(hs[i].name, name) == 0)
            return true;
    return false;
}

/* ---- batch mode ---------------------------------------------------------- */

static const char *json_str(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Signs one JSON Lines request and prints its Authorization header; NULL,
 * or the message of why it could not be signed. */
static const char *sign_batch_line(ev_sigv4_signer *signer, const char *line, time_t def_when,
                                   ev_sigv4_error *serr, ev_endpoint_error *uerr)
{
    cJSON *j = cJSON_Parse(line);
    ev_url url = EV_URL_INIT;
    ev_sigv4_header hs[MAX_HEADERS];
    size_t hn = 0;
    const char *msg = NULL;
    const char *u = json_str(j, "url");
    if (u == NULL)
        msg = "line is not a JSON object with a \"url\" string";
    else if (ev_endpoint_url_parse(u, &url, uerr) != 0)
        msg = uerr->message;
    const cJSON *headers = msg ? NULL : cJSON_GetObjectItemCaseSensitive(j, "headers");
    const cJSON *pair;
    cJSON_ArrayForEach(pair, headers)
    {
        const cJSON *nm = cJSON_GetArrayItem(pair, 0), *val = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsString(nm) || !cJSON_IsString(val) || hn == MAX_HEADERS) {
            msg = "headers must be [[name, value], ...] (at most 64)";
            break;
        }
        hs[hn++] = (ev_sigv4_header){nm->valuestring, val->valuestring};
    }
    time_t when = def_when;
    const char *date = json_str(j, "date");
    if (msg == NULL && date != NULL && ev_sigv4_parse_amz_date(date, &when, serr) != 0)
        msg = serr->message;
    if (msg == NULL) {
        const char *method = json_str(j, "method");
        ev_sigv4_request req = {.method = method ? method : "GET",
                                .host = url.host,
                                .path = url.path,
                                .query = url.query,
                                .headers = hs,
                                .header_count = hn,
                                .body = json_str(j, "body"),
                                .service = json_str(j, "service"),
                                .region = json_str(j, "region")};
        req.body_len = req.body ? strlen(req.body) : 0;
        ev_sigv4_result r;
        if (ev_sigv4_sign(signer, &req, when, &r, serr) == 0)
            printf("%s\n", r.authorization);
        else
            msg = serr->message;
    }
    ev_endpoint_url_free(&url);
    cJSON_Delete(j);
    return msg;
}

static int run_batch(const char *path, const ev_credentials *creds, const char *def_service,
                     const char *def_region, time_t def_when)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "awsreq: cannot open %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    ev_sigv4_error serr = {{0}};
    ev_sigv4_signer *signer = ev_sigv4_signer_new(creds, def_region ? def_region : "us-east-1",
                                                  def_service ? def_service : "service", &serr);
    if (signer == NULL) {
        fprintf(stderr, "awsreq: %s\n", serr.message);
        if (f != stdin)
            fclose(f);
        return EXIT_USAGE;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = 0;
    while ((n = getline(&line, &cap, f)) != -1) {
        if (n <= 1)
            continue;
        ev_endpoint_error uerr = {{0}};
        const char *msg = sign_batch_line(signer, line, def_when, &serr, &uerr);
        if (msg != NULL) {
            printf("ERROR %s\n", msg);
            status = EXIT_AWS;
        }
    }
    free(line);
    if (f != stdin)
        fclose(f);
    ev_sigv4_signer_free(signer);
    return status;
}

/* ---- single request ------------------------------------------------------ */

typedef struct options {
    const char *service_name, *region, *target, *method, *data, *date, *batch, *url;
    bool dry_run;
    const char *raw_headers[MAX_HEADERS];
    size_t raw_count;
} options;

/* Parses argv into *o. Returns -1 to go on, else the exit status (help: 0). */
static int parse_options(int argc, char **argv, options *o)
{
    enum { OPT_SERVICE = 256, OPT_REGION, OPT_TARGET, OPT_DRY_RUN, OPT_DATE, OPT_BATCH, OPT_HELP };
    static const struct option opts[] = {{"service", required_argument, NULL, OPT_SERVICE},
                                         {"region", required_argument, NULL, OPT_REGION},
                                         {"target", required_argument, NULL, OPT_TARGET},
                                         {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                                         {"date", required_argument, NULL, OPT_DATE},
                                         {"batch", required_argument, NULL, OPT_BATCH},
                                         {"request", required_argument, NULL, 'X'},
                                         {"header", required_argument, NULL, 'H'},
                                         {"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, OPT_HELP},
                                         {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "X:H:d:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SERVICE:
            o->service_name = optarg;
            break;
        case OPT_REGION:
            o->region = optarg;
            break;
        case OPT_TARGET:
            o->target = optarg;
            break;
        case OPT_DRY_RUN:
            o->dry_run = true;
            break;
        case OPT_DATE:
            o->date = optarg;
            break;
        case OPT_BATCH:
            o->batch = optarg;
            break;
        case 'X':
            o->method = optarg;
            break;
        case 'd':
            if (o->data != NULL)
                return usage_error("-d given twice");
            o->data = optarg;
            break;
        case 'H':
            if (o->raw_count == MAX_HEADERS)
                return usage_error("too many -H options (at most 64)");
            o->raw_headers[o->raw_count++] = optarg;
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            return usage_error("unknown option or missing argument: %s", argv[optind - 1]);
        }
    }
    if (o->batch == NULL) {
        if (optind + 1 != argc)
            return usage_error("%s", optind == argc ? "no URL given" : "more than one URL given");
        o->url = argv[optind];
    } else if (optind != argc) {
        return usage_error("--batch takes no URL");
    }
    return -1;
}

static int batch_mode(const options *o, time_t when)
{
    if (!o->dry_run)
        return usage_error("--batch only works with --dry-run");
    ev_credentials creds = EV_CREDENTIALS_INIT;
    ev_credentials_error cerr = {{0}};
    if (ev_credentials_load(&creds, &cerr) != 0) {
        fprintf(stderr, "awsreq: %s\n", cerr.message);
        return EXIT_USAGE;
    }
    const char *region = o->region;
    char region_buf[EV_ENDPOINT_REGION_MAX];
    if (region == NULL && ev_endpoint_region(region_buf, sizeof region_buf, NULL) == 0)
        region = region_buf;
    int rc = run_batch(o->batch, &creds, o->service_name, region, when);
    ev_credentials_free(&creds);
    return rc;
}

/* One request's pieces, all owned here (request_free releases them). */
typedef struct request {
    ev_endpoint endpoint;
    ev_url url;
    const char *method;
    char *hcopies[MAX_HEADERS];
    size_t hcopy_count;
    ev_sigv4_header hs[MAX_HEADERS + 3];
    size_t hn;
    char target_value[256];
    char *body;
    size_t body_len;
    ev_credentials creds;
} request;

static void request_free(request *r)
{
    ev_endpoint_url_free(&r->url);
    for (size_t i = 0; i < r->hcopy_count; i++)
        free(r->hcopies[i]);
    free(r->body);
    ev_credentials_free(&r->creds);
}

/* -H values, "Name: value" (or curl's "Name;" for an empty value), split
 * in copies. 0, or -1 after a message. */
static int add_user_headers(request *r, const options *o)
{
    for (size_t i = 0; i < o->raw_count; i++) {
        char *h = strdup(o->raw_headers[i]);
        if (h == NULL) {
            fprintf(stderr, "awsreq: out of memory\n");
            return -1;
        }
        r->hcopies[r->hcopy_count++] = h;
        char *colon = strchr(h, ':');
        size_t hl = strlen(h);
        if (colon == NULL && hl > 1 && h[hl - 1] == ';' && !strchr(h, ' ')) {
            h[hl - 1] = '\0';
            colon = h + hl - 1;
            colon[1] = '\0';
        } else if (colon == NULL || colon == h) {
            usage_error("bad -H '%s' (want 'Name: value')", o->raw_headers[i]);
            return -1;
        }
        *colon = '\0';
        if (signer_owned(h)) {
            usage_error("-H %s: the signer sets this header", h);
            return -1;
        }
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        r->hs[r->hn++] = (ev_sigv4_header){h, v};
    }
    return 0;
}

/* --target's X-Amz-Target and Content-Type, and Host, unless -H gave them. */
static int add_protocol_headers(request *r, const options *o)
{
    if (o->target != NULL) {
        int n =
            snprintf(r->target_value, sizeof r->target_value, "%s.%s", r->endpoint.target_prefix, o->target);
        if (n < 0 || (size_t)n >= sizeof r->target_value) {
            usage_error("--target is too long");
            return -1;
        }
        if (!header_named(r->hs, r->hn, "X-Amz-Target"))
            r->hs[r->hn++] = (ev_sigv4_header){"X-Amz-Target", r->target_value};
        if (!header_named(r->hs, r->hn, "Content-Type"))
            r->hs[r->hn++] = (ev_sigv4_header){"Content-Type", r->endpoint.content_type};
    }
    if (!header_named(r->hs, r->hn, "Host"))
        r->hs[r->hn++] = (ev_sigv4_header){"Host", r->url.host};
    return 0;
}

/* -d BODY or -d @file, and the method. 0, or -1 after a message. */
static int read_body(request *r, const options *o)
{
    if (o->data != NULL) {
        if (o->data[0] == '@') {
            r->body = read_file(o->data + 1, &r->body_len);
            if (r->body == NULL) {
                fprintf(stderr, "awsreq: cannot read %s: %s\n", o->data + 1, strerror(errno));
                return -1;
            }
        } else {
            r->body = strdup(o->data);
            if (r->body == NULL) {
                fprintf(stderr, "awsreq: out of memory\n");
                return -1;
            }
            r->body_len = strlen(r->body);
        }
    }
    r->method = o->method ? o->method : (o->target != NULL || o->data != NULL) ? "POST" : "GET";
    if (o->data != NULL && (strcasecmp(r->method, "GET") == 0 || strcasecmp(r->method, "HEAD") == 0)) {
        /* curl sends no body with these: signing one would sign what is not sent. */
        usage_error("-d with -X %s: a %s request carries no body", r->method, r->method);
        return -1;
    }
    return 0;
}

/* Endpoint, URL, headers, body, credentials: EXIT_USAGE or -1 to go on. */
static int build_request(request *r, const options *o)
{
    if (o->service_name == NULL)
        return usage_error("--service is required (sqs or dynamodb)");
    ev_endpoint_service service;
    ev_endpoint_error eerr = {{0}};
    if (ev_endpoint_service_from_name(o->service_name, &service, &eerr) != 0)
        return usage_error("%s", eerr.message);
    if (ev_endpoint_resolve(service, o->region, &r->endpoint, &eerr) != 0) {
        fprintf(stderr, "awsreq: %s\n", eerr.message);
        return EXIT_USAGE;
    }
    if (ev_endpoint_url_parse(o->url, &r->url, &eerr) != 0)
        return usage_error("%s", eerr.message);
    if (add_user_headers(r, o) != 0 || add_protocol_headers(r, o) != 0 || read_body(r, o) != 0)
        return EXIT_USAGE;
    ev_credentials_error cerr = {{0}};
    if (ev_credentials_load(&r->creds, &cerr) != 0) {
        fprintf(stderr, "awsreq: %s\n", cerr.message);
        return EXIT_USAGE;
    }
    return -1;
}

static void print_dry_run(const ev_sigv4_result *sig, const ev_credentials *creds)
{
    fputs("--- canonical request\n", stdout);
    print_redacted(sig->canonical_request, creds);
    fputs("\n--- string to sign\n", stdout);
    fputs(sig->string_to_sign, stdout);
    fputs("\n--- headers\n", stdout);
    for (size_t i = 0; i < sig->header_count; i++) {
        bool secret = strcmp(sig->headers[i].name, "X-Amz-Security-Token") == 0;
        printf("%s: %s\n", sig->headers[i].name, secret ? "<redacted>" : sig->headers[i].value);
    }
}

/* "Name: value" lines for curl: the request's headers, then the signer's. */
static char **header_lines(const request *r, const ev_sigv4_result *sig, size_t *count)
{
    size_t total = r->hn + sig->header_count;
    char **lines = calloc(total, sizeof *lines);
    if (lines == NULL)
        return NULL;
    bool failed = false;
    for (size_t i = 0; i < r->hn; i++) {
        /* curl drops "Name:" with nothing after it; "Name;" sends it empty. */
        int n = r->hs[i].value[0] == '\0' ? asprintf(&lines[i], "%s;", r->hs[i].name)
                                          : asprintf(&lines[i], "%s: %s", r->hs[i].name, r->hs[i].value);
        failed |= n < 0;
        if (n < 0)
            lines[i] = NULL;
    }
    for (size_t i = 0; i < sig->header_count; i++) {
        char **l = &lines[r->hn + i];
        if (asprintf(l, "%s: %s", sig->headers[i].name, sig->headers[i].value) < 0) {
            *l = NULL;
            failed = true;
        }
    }
    *count = total;
    if (failed) {
        for (size_t i = 0; i < total; i++)
            free(lines[i]);
        free(lines);
        return NULL;
    }
    return lines;
}

/* Prints an answer's body (redacted when it is an error: it may quote the
 * canonical request, token included) and, for an error, the typed error. */
static int report_answer(const request *r, const ev_http_response *resp)
{
    const char *secrets[2] = {r->creds.session_token, r->creds.secret_access_key};
    bool ok = resp->status >= 200 && resp->status < 300;
    if (resp->body.len > 0) {
        size_t olen = resp->body.len;
        char *shown = ok ? NULL : ev_aws_redact(resp->body.data, resp->body.len, secrets, 2, &olen);
        const char *p = ok ? resp->body.data : shown ? shown : "<redacted>";
        if (!ok && !shown)
            olen = strlen(p);
        fwrite(p, 1, olen, stdout);
        if (olen > 0 && p[olen - 1] != '\n')
            fputc('\n', stdout);
        free(shown);
    }
    if (ok)
        return 0;
    char qerr[256], etype[256], rid[128];
    bool has_q = ev_http_response_header(resp, "x-amzn-query-error", qerr, sizeof qerr) == 0;
    bool has_t = ev_http_response_header(resp, "x-amzn-ErrorType", etype, sizeof etype) == 0;
    bool has_rid = ev_http_response_header(resp, "x-amzn-RequestId", rid, sizeof rid) == 0;
    ev_aws_error aerr;
    ev_aws_error_from_response(&aerr, r->endpoint.signing_name, resp->status, resp->body.data, resp->body.len,
                               has_q ? qerr : NULL, has_t ? etype : NULL, has_rid ? rid : NULL);
    aerr.attempts = 1;
    ev_aws_error_redact(&aerr, secrets, 2);
    char formatted[1024];
    fprintf(stderr, "awsreq: %s\n", ev_aws_error_format(&aerr, formatted, sizeof formatted));
    return EXIT_AWS;
}

/* Sends the signed request to the URL as given; 0, EXIT_AWS or EXIT_USAGE. */
static int send_request(const request *r, const char *url, const ev_sigv4_result *sig)
{
    size_t count = 0;
    char **lines = header_lines(r, sig, &count);
    if (lines == NULL) {
        fprintf(stderr, "awsreq: out of memory\n");
        return EXIT_USAGE;
    }
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    char formatted[1024];
    int rc = EXIT_AWS;
    ev_http_response resp;
    ev_http_response_init(&resp);
    ev_http_client *http = ev_http_client_new(NULL, &aerr);
    ev_http_request hreq = {.method = r->method,
                            .url = url,
                            .headers = (const char *const *)lines,
                            .header_count = count,
                            .body = r->body,
                            .body_len = r->body_len};
    if (http == NULL || ev_http_send(http, &hreq, &resp, &aerr) != 0) {
        snprintf(aerr.service, sizeof aerr.service, "%s", r->endpoint.signing_name);
        fprintf(stderr, "awsreq: %s\n", ev_aws_error_format(&aerr, formatted, sizeof formatted));
    } else {
        rc = report_answer(r, &resp);
    }
    ev_http_response_free(&resp);
    ev_http_client_free(http);
    for (size_t i = 0; i < count; i++)
        free(lines[i]);
    free(lines);
    return rc;
}

static int single_request(const options *o, time_t when)
{
    request r = {.url = EV_URL_INIT, .creds = EV_CREDENTIALS_INIT};
    int rc = build_request(&r, o);
    if (rc >= 0) {
        request_free(&r);
        return rc;
    }
    ev_sigv4_error serr = {{0}};
    ev_sigv4_signer *signer =
        ev_sigv4_signer_new(&r.creds, r.endpoint.region, r.endpoint.signing_name, &serr);
    ev_sigv4_request req = {.method = r.method,
                            .host = r.url.host,
                            .path = r.url.path,
                            .query = r.url.query,
                            .headers = r.hs,
                            .header_count = r.hn,
                            .body = r.body,
                            .body_len = r.body_len};
    ev_sigv4_result sig;
    if (signer == NULL || ev_sigv4_sign(signer, &req, when, &sig, &serr) != 0) {
        fprintf(stderr, "awsreq: %s\n", serr.message);
        rc = EXIT_USAGE;
    } else if (o->dry_run) {
        print_dry_run(&sig, &r.creds);
        rc = 0;
    } else {
        rc = send_request(&r, o->url, &sig);
    }
    ev_sigv4_signer_free(signer);
    request_free(&r);
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    time_t when = time(NULL);
    ev_sigv4_error serr = {{0}};
    if (o.date != NULL && ev_sigv4_parse_amz_date(o.date, &when, &serr) != 0)
        return usage_error("%s", serr.message);
    rc = o.batch != NULL ? batch_mode(&o, when) : single_request(&o, when);
    fflush(stdout);
    ev_http_global_cleanup();
    return rc;
}
