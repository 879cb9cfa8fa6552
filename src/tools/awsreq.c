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
        cJSON *j = cJSON_Parse(line);
        ev_endpoint_error uerr = {{0}};
        ev_url url = EV_URL_INIT;
        ev_sigv4_header hs[MAX_HEADERS];
        size_t hn = 0;
        const char *msg = NULL;
        char msgbuf[300];
        const cJSON *ju = j ? cJSON_GetObjectItemCaseSensitive(j, "url") : NULL;
        if (!cJSON_IsString(ju)) {
            msg = "line is not a JSON object with a \"url\" string";
        } else if (ev_endpoint_url_parse(ju->valuestring, &url, &uerr) != 0) {
            msg = uerr.message;
        }
        const cJSON *jh = j ? cJSON_GetObjectItemCaseSensitive(j, "headers") : NULL;
        const cJSON *pair;
        if (msg == NULL && jh != NULL) {
            cJSON_ArrayForEach(pair, jh)
            {
                const cJSON *nm = cJSON_GetArrayItem(pair, 0), *val = cJSON_GetArrayItem(pair, 1);
                if (!cJSON_IsString(nm) || !cJSON_IsString(val) || hn == MAX_HEADERS) {
                    msg = "headers must be [[name, value], ...] (at most 64)";
                    break;
                }
                hs[hn++] = (ev_sigv4_header){nm->valuestring, val->valuestring};
            }
        }
        time_t when = def_when;
        const cJSON *jd = j ? cJSON_GetObjectItemCaseSensitive(j, "date") : NULL;
        if (msg == NULL && cJSON_IsString(jd) && ev_sigv4_parse_amz_date(jd->valuestring, &when, &serr) != 0)
            msg = serr.message;
        const cJSON *jm = j ? cJSON_GetObjectItemCaseSensitive(j, "method") : NULL;
        const cJSON *jb = j ? cJSON_GetObjectItemCaseSensitive(j, "body") : NULL;
        const cJSON *js = j ? cJSON_GetObjectItemCaseSensitive(j, "service") : NULL;
        const cJSON *jr = j ? cJSON_GetObjectItemCaseSensitive(j, "region") : NULL;
        if (msg == NULL) {
            ev_sigv4_request req = {0};
            req.method = cJSON_IsString(jm) ? jm->valuestring : "GET";
            req.host = url.host;
            req.path = url.path;
            req.query = url.query;
            req.headers = hs;
            req.header_count = hn;
            req.body = cJSON_IsString(jb) ? jb->valuestring : NULL;
            req.body_len = req.body ? strlen(req.body) : 0;
            req.service = cJSON_IsString(js) ? js->valuestring : NULL;
            req.region = cJSON_IsString(jr) ? jr->valuestring : NULL;
            ev_sigv4_result r;
            if (ev_sigv4_sign(signer, &req, when, &r, &serr) == 0)
                printf("%s\n", r.authorization);
            else
                msg = serr.message;
        }
        if (msg != NULL) {
            snprintf(msgbuf, sizeof msgbuf, "%s", msg);
            printf("ERROR %s\n", msgbuf);
            status = EXIT_AWS;
        }
        ev_endpoint_url_free(&url);
        cJSON_Delete(j);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    ev_sigv4_signer_free(signer);
    return status;
}

/* ---- single request ------------------------------------------------------ */

int main(int argc, char **argv)
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
    const char *service_name = NULL, *region_arg = NULL, *target = NULL, *method = NULL, *data = NULL;
    const char *date = NULL, *batch = NULL;
    bool dry_run = false;
    const char *raw_headers[MAX_HEADERS];
    size_t raw_count = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "X:H:d:h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_SERVICE:
            service_name = optarg;
            break;
        case OPT_REGION:
            region_arg = optarg;
            break;
        case OPT_TARGET:
            target = optarg;
            break;
        case OPT_DRY_RUN:
            dry_run = true;
            break;
        case OPT_DATE:
            date = optarg;
            break;
        case OPT_BATCH:
            batch = optarg;
            break;
        case 'X':
            method = optarg;
            break;
        case 'd':
            if (data != NULL)
                return usage_error("-d given twice");
            data = optarg;
            break;
        case 'H':
            if (raw_count == MAX_HEADERS)
                return usage_error("too many -H options (at most 64)");
            raw_headers[raw_count++] = optarg;
            break;
        case 'h':
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            return usage_error("unknown option or missing argument: %s", argv[optind - 1]);
        }
    }

    time_t when = time(NULL);
    ev_sigv4_error serr = {{0}};
    if (date != NULL && ev_sigv4_parse_amz_date(date, &when, &serr) != 0)
        return usage_error("%s", serr.message);

    ev_credentials creds = EV_CREDENTIALS_INIT;
    ev_credentials_error cerr = {{0}};

    if (batch != NULL) {
        if (!dry_run)
            return usage_error("--batch only works with --dry-run");
        if (optind != argc)
            return usage_error("--batch takes no URL");
        if (ev_credentials_load(&creds, &cerr) != 0) {
            fprintf(stderr, "awsreq: %s\n", cerr.message);
            return EXIT_USAGE;
        }
        char region_buf[EV_ENDPOINT_REGION_MAX];
        if (region_arg == NULL && ev_endpoint_region(region_buf, sizeof region_buf, NULL) == 0)
            region_arg = region_buf;
        int rc = run_batch(batch, &creds, service_name, region_arg, when);
        ev_credentials_free(&creds);
        return rc;
    }

    if (service_name == NULL)
        return usage_error("--service is required (sqs or dynamodb)");
    ev_endpoint_service service;
    ev_endpoint_error eerr = {{0}};
    if (ev_endpoint_service_from_name(service_name, &service, &eerr) != 0)
        return usage_error("%s", eerr.message);
    if (optind + 1 != argc)
        return usage_error("%s", optind == argc ? "no URL given" : "more than one URL given");
    const char *url_arg = argv[optind];

    ev_endpoint endpoint;
    if (ev_endpoint_resolve(service, region_arg, &endpoint, &eerr) != 0) {
        fprintf(stderr, "awsreq: %s\n", eerr.message);
        return EXIT_USAGE;
    }
    ev_url url = EV_URL_INIT;
    if (ev_endpoint_url_parse(url_arg, &url, &eerr) != 0)
        return usage_error("%s", eerr.message);

    /* Headers: "Name: value" split in place in copies we own. */
    int rc = EXIT_USAGE;
    char *body = NULL;
    size_t body_len = 0;
    char *hcopies[MAX_HEADERS + 2] = {0};
    ev_sigv4_header hs[MAX_HEADERS + 3];
    size_t hn = 0;
    char target_value[256];
    ev_sigv4_signer *signer = NULL;
    ev_http_client *http = NULL;
    ev_http_response resp;
    ev_http_response_init(&resp);
    const char **lines = NULL;
    size_t total = 0;

    for (size_t i = 0; i < raw_count; i++) {
        hcopies[i] = strdup(raw_headers[i]);
        if (hcopies[i] == NULL) {
            fprintf(stderr, "awsreq: out of memory\n");
            goto out;
        }
        char *colon = strchr(hcopies[i], ':');
        size_t hl = strlen(hcopies[i]);
        if (colon == NULL && hl > 1 && hcopies[i][hl - 1] == ';' && !strchr(hcopies[i], ' ')) {
            /* curl's "Name;" spelling of an empty value */
            hcopies[i][hl - 1] = '\0';
            colon = hcopies[i] + hl - 1;
            colon[1] = '\0';
        } else if (colon == NULL || colon == hcopies[i]) {
            usage_error("bad -H '%s' (want 'Name: value')", raw_headers[i]);
            goto out;
        }
        *colon = '\0';
        if (signer_owned(hcopies[i])) {
            usage_error("-H %s: the signer sets this header", hcopies[i]);
            goto out;
        }
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        hs[hn++] = (ev_sigv4_header){hcopies[i], v};
    }
    if (target != NULL) {
        int n = snprintf(target_value, sizeof target_value, "%s.%s", endpoint.target_prefix, target);
        if (n < 0 || (size_t)n >= sizeof target_value) {
            usage_error("--target is too long");
            goto out;
        }
        if (!header_named(hs, hn, "X-Amz-Target"))
            hs[hn++] = (ev_sigv4_header){"X-Amz-Target", target_value};
        if (!header_named(hs, hn, "Content-Type"))
            hs[hn++] = (ev_sigv4_header){"Content-Type", endpoint.content_type};
    }
    if (!header_named(hs, hn, "Host"))
        hs[hn++] = (ev_sigv4_header){"Host", url.host};
    if (data != NULL) {
        if (data[0] == '@') {
            body = read_file(data + 1, &body_len);
            if (body == NULL) {
                fprintf(stderr, "awsreq: cannot read %s: %s\n", data + 1, strerror(errno));
                goto out;
            }
        } else {
            body = strdup(data);
            if (body == NULL)
                goto out;
            body_len = strlen(body);
        }
    }
    if (method == NULL)
        method = (target != NULL || data != NULL) ? "POST" : "GET";
    if (data != NULL && (strcasecmp(method, "GET") == 0 || strcasecmp(method, "HEAD") == 0)) {
        /* curl sends no body with these: signing one would sign what is not sent. */
        usage_error("-d with -X %s: a %s request carries no body", method, method);
        goto out;
    }

    if (ev_credentials_load(&creds, &cerr) != 0) {
        fprintf(stderr, "awsreq: %s\n", cerr.message);
        goto out;
    }
    signer = ev_sigv4_signer_new(&creds, endpoint.region, endpoint.signing_name, &serr);
    if (signer == NULL) {
        fprintf(stderr, "awsreq: %s\n", serr.message);
        goto out;
    }
    ev_sigv4_request req = {.method = method,
                            .host = url.host,
                            .path = url.path,
                            .query = url.query,
                            .headers = hs,
                            .header_count = hn,
                            .body = body,
                            .body_len = body_len};
    ev_sigv4_result r;
    if (ev_sigv4_sign(signer, &req, when, &r, &serr) != 0) {
        fprintf(stderr, "awsreq: %s\n", serr.message);
        goto out;
    }

    if (dry_run) {
        fputs("--- canonical request\n", stdout);
        print_redacted(r.canonical_request, &creds);
        fputs("\n--- string to sign\n", stdout);
        fputs(r.string_to_sign, stdout);
        fputs("\n--- headers\n", stdout);
        for (size_t i = 0; i < r.header_count; i++) {
            bool secret = strcmp(r.headers[i].name, "X-Amz-Security-Token") == 0;
            printf("%s: %s\n", r.headers[i].name, secret ? "<redacted>" : r.headers[i].value);
        }
        rc = 0;
        goto out;
    }

    /* Send: the signed headers plus the ones the signer added. */
    total = hn + r.header_count;
    lines = calloc(total, sizeof *lines);
    if (lines == NULL)
        goto out;
    size_t ln = 0;
    bool line_fail = false;
    for (size_t i = 0; i < hn; i++) {
        char *l = NULL;
        /* curl drops "Name:" with nothing after it; "Name;" sends it empty. */
        int n = hs[i].value[0] == '\0' ? asprintf(&l, "%s;", hs[i].name)
                                       : asprintf(&l, "%s: %s", hs[i].name, hs[i].value);
        if (n < 0)
            line_fail = true;
        else
            lines[ln++] = l;
    }
    for (size_t i = 0; i < r.header_count; i++) {
        char *l = NULL;
        if (asprintf(&l, "%s: %s", r.headers[i].name, r.headers[i].value) < 0)
            line_fail = true;
        else
            lines[ln++] = l;
    }
    if (line_fail) {
        fprintf(stderr, "awsreq: out of memory\n");
        goto out;
    }
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    snprintf(aerr.service, sizeof aerr.service, "%s", endpoint.signing_name);
    http = ev_http_client_new(NULL, &aerr);
    char formatted[1024];
    if (http == NULL) {
        fprintf(stderr, "awsreq: %s\n", ev_aws_error_format(&aerr, formatted, sizeof formatted));
        rc = EXIT_AWS;
        goto out;
    }
    ev_http_request hreq = {.method = method,
                            .url = url_arg,
                            .headers = lines,
                            .header_count = ln,
                            .body = body,
                            .body_len = body_len};
    if (ev_http_send(http, &hreq, &resp, &aerr) != 0) {
        snprintf(aerr.service, sizeof aerr.service, "%s", endpoint.signing_name);
        fprintf(stderr, "awsreq: %s\n", ev_aws_error_format(&aerr, formatted, sizeof formatted));
        rc = EXIT_AWS;
        goto out;
    }
    const char *secrets[2] = {creds.session_token, creds.secret_access_key};
    if (resp.body.len > 0) {
        /* An error answer can quote the canonical request, token included. */
        bool ok = resp.status >= 200 && resp.status < 300;
        size_t olen = resp.body.len;
        char *shown = ok ? NULL : ev_aws_redact(resp.body.data, resp.body.len, secrets, 2, &olen);
        const char *p = ok ? resp.body.data : shown ? shown : "<redacted>";
        if (!ok && !shown)
            olen = strlen(p);
        fwrite(p, 1, olen, stdout);
        if (olen > 0 && p[olen - 1] != '\n')
            fputc('\n', stdout);
        free(shown);
    }
    if (resp.status >= 200 && resp.status < 300) {
        rc = 0;
    } else {
        char qerr[256], rid[128];
        bool has_q = ev_http_response_header(&resp, "x-amzn-query-error", qerr, sizeof qerr) == 0;
        bool has_rid = ev_http_response_header(&resp, "x-amzn-RequestId", rid, sizeof rid) == 0;
        ev_aws_error_from_response(&aerr, endpoint.signing_name, resp.status, resp.body.data, resp.body.len,
                                   has_q ? qerr : NULL, has_rid ? rid : NULL);
        aerr.attempts = 1;
        ev_aws_error_redact(&aerr, secrets, 2);
        fprintf(stderr, "awsreq: %s\n", ev_aws_error_format(&aerr, formatted, sizeof formatted));
        rc = EXIT_AWS;
    }

out:
    if (lines != NULL) {
        for (size_t i = 0; i < total; i++)
            free((char *)lines[i]);
        free(lines);
    }
    ev_http_response_free(&resp);
    ev_http_client_free(http);
    ev_sigv4_signer_free(signer);
    ev_credentials_free(&creds);
    ev_endpoint_url_free(&url);
    for (size_t i = 0; i < raw_count; i++)
        free(hcopies[i]);
    free(body);
    fflush(stdout);
    return rc;
}
