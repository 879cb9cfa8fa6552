/*
 * SigV4 against AWS's published examples: the IAM ListUsers example of the
 * SigV4 documentation and cases of aws-sig-v4-test-suite (credentials
 * AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service"). Each case
 * checks the canonical request, then the string to sign, then the
 * Authorization header, so a failure names the step that broke.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ev_sigv4.h"

#define AKID        "AKIDEXAMPLE"
#define SECRET      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define EMPTY_SHA   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SCOPE       "20150830/us-east-1/service/aws4_request"
#define AUTH_PREFIX "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" SCOPE ", SignedHeaders="

static time_t when_2015(void)
{
    time_t t = 0;
    assert_int_equal(ev_sigv4_parse_amz_date("20150830T123600Z", &t, NULL), 0);
    return t;
}

static ev_sigv4_signer *new_signer(const char *service, const char *token)
{
    ev_credentials c = {AKID, SECRET, (char *)token};
    ev_sigv4_error err = {{0}};
    ev_sigv4_signer *s = ev_sigv4_signer_new(&c, "us-east-1", service, &err);
    if (s == NULL)
        fail_msg("signer_new: %s", err.message);
    return s;
}

/* One suite case: the request as the suite's .req gives it. */
typedef struct vec {
    const char *name;
    const char *method;
    const char *path;
    const char *query;
    ev_sigv4_header headers[6];
    size_t header_count;
    const char *body;
    const char *creq;
    const char *sts_hash; /* last line of the .sts; NULL: not checked */
    const char *signed_headers;
    const char *signature; /* NULL: not checked */
} vec;

#define H(n, v)                                                                                              \
    {                                                                                                        \
        (n), (v)                                                                                             \
    }
#define HOST  H("Host", "example.amazonaws.com")
#define XDATE H("X-Amz-Date", "20150830T123600Z")
#define CH    "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"

static const vec VECTORS[] = {
    {"get-vanilla",
     "GET",
     "/",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-vanilla-query-order-key",
     "GET",
     "/",
     "Param1=value2&Param1=Value1",
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\nParam1=Value1&Param1=value2\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
     "host;x-amz-date",
     "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
    {"get-vanilla-query-order-key-case",
     "GET",
     "/",
     "Param2=value2&Param1=value1",
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\nParam1=value1&Param2=value2\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
     "host;x-amz-date",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
    {"get-vanilla-query-order-value",
     "GET",
     "/",
     "Param1=value2&Param1=value1",
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\nParam1=value1&Param1=value2\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
     "host;x-amz-date",
     "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
    {"get-vanilla-empty-query-key",
     "GET",
     "/",
     "Param1=value1",
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\nParam1=value1\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
     "host;x-amz-date",
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
    {"get-vanilla-query-unreserved",
     "GET",
     "/",
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n" CH
     "\nhost;x-amz-date\n" EMPTY_SHA,
     "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
     "host;x-amz-date",
     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
    /* The raw UTF-8 form and the already-encoded form must agree. */
    {"get-vanilla-utf8-query",
     "GET",
     "/",
     "\xe1\x88\xb4=bar",
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n%E1%88%B4=bar\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
     "host;x-amz-date",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"get-vanilla-utf8-query (encoded)",
     "GET",
     "/",
     "%E1%88%B4=bar",
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n%E1%88%B4=bar\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
     "host;x-amz-date",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
    {"get-unreserved",
     "GET",
     "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n" CH
     "\nhost;x-amz-date\n" EMPTY_SHA,
     "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
     "host;x-amz-date",
     "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
    {"get-utf8",
     "GET",
     "/\xe1\x88\xb4",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/%E1%88%B4\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
    {"get-space",
     "GET",
     "/example space/",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/example%20space/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
    {"get-header-key-duplicate",
     "GET",
     "/",
     NULL,
     {HOST, H("My-Header1", "value2"), H("My-Header1", "value2"), H("My-Header1", "value1"), XDATE},
     5,
     NULL,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;x-amz-date\n" EMPTY_SHA,
     "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
     "host;my-header1;x-amz-date",
     "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
    {"get-header-value-order",
     "GET",
     "/",
     NULL,
     {HOST, H("My-Header1", "value4"), H("My-Header1", "value1"), H("My-Header1", "value3"),
      H("My-Header1", "value2"), XDATE},
     6,
     NULL,
     "GET\n/"
     "\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;x-amz-date\n" EMPTY_SHA,
     "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
     "host;my-header1;x-amz-date",
     "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
    {"get-header-value-trim",
     "GET",
     "/",
     NULL,
     {HOST, H("My-Header1", " value1"), H("My-Header2", " \"a   b   c\""), XDATE},
     4,
     NULL,
     "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b "
     "c\"\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;my-header2;x-amz-date\n" EMPTY_SHA,
     "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
     "host;my-header1;my-header2;x-amz-date",
     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
    {"post-header-key-sort",
     "POST",
     "/",
     NULL,
     {HOST, H("My-Header1", "value1"), XDATE},
     3,
     NULL,
     "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;x-amz-date\n" EMPTY_SHA,
     "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
     "host;my-header1;x-amz-date",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
    {"post-header-value-case",
     "POST",
     "/",
     NULL,
     {HOST, H("My-Header1", "VALUE1"), XDATE},
     3,
     NULL,
     "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\n"
     "host;my-header1;x-amz-date\n" EMPTY_SHA,
     "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
     "host;my-header1;x-amz-date",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
    {"post-vanilla",
     "POST",
     "/",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "POST\n/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
     "host;x-amz-date",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
    {"post-vanilla-query",
     "POST",
     "/",
     "Param1=value1",
     {HOST, XDATE},
     2,
     NULL,
     "POST\n/\nParam1=value1\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
     "host;x-amz-date",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
    /* The suite's .sts/.authz for this case were made from another request
     * than its .creq; only the canonical request is unambiguous. */
    {"post-x-www-form-urlencoded",
     "POST",
     "/",
     NULL,
     {H("Content-Type", "application/x-www-form-urlencoded"), HOST, XDATE, H("Content-Length", "13")},
     4,
     "Param1=value1",
     "POST\n/\n\ncontent-length:13\ncontent-type:application/"
     "x-www-form-urlencoded\nhost:example.amazonaws.com\n"
     "x-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-date\n"
     "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
     NULL,
     "content-length;content-type;host;x-amz-date",
     NULL},
    /* normalize-path group (botocore normalises every non-S3 path). */
    {"get-slash",
     "GET",
     "//",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-slash-dot-slash",
     "GET",
     "/./",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-relative",
     "GET",
     "/example/..",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-relative-relative",
     "GET",
     "/example1/example2/../..",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    {"get-slash-pointless-dot",
     "GET",
     "/./example",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/example\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     NULL},
    {"get-slashes",
     "GET",
     "//example//",
     NULL,
     {HOST, XDATE},
     2,
     NULL,
     "GET\n/example/\n\n" CH "\nhost;x-amz-date\n" EMPTY_SHA,
     NULL,
     "host;x-amz-date",
     NULL},
};

static void run_vector(const vec *v, ev_sigv4_signer *s)
{
    ev_sigv4_request req = {0};
    req.method = v->method;
    req.path = v->path;
    req.query = v->query;
    req.headers = v->headers;
    req.header_count = v->header_count;
    req.body = v->body;
    req.body_len = v->body ? strlen(v->body) : 0;
    ev_sigv4_result r;
    ev_sigv4_error err = {{0}};
    if (ev_sigv4_sign(s, &req, when_2015(), &r, &err) != 0)
        fail_msg("%s: sign failed: %s", v->name, err.message);
    if (strcmp(r.canonical_request, v->creq) != 0)
        fail_msg("%s: canonical request differs\n--- got\n%s\n--- want\n%s", v->name, r.canonical_request,
                 v->creq);
    assert_string_equal(r.signed_headers, v->signed_headers);
    assert_string_equal(r.credential_scope, SCOPE);
    assert_string_equal(r.amz_date, "20150830T123600Z");
    char sts[512];
    snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n20150830T123600Z\n" SCOPE "\n%s",
             v->sts_hash ? v->sts_hash : "");
    if (v->sts_hash != NULL && strcmp(r.string_to_sign, sts) != 0)
        fail_msg("%s: string to sign differs\n--- got\n%s\n--- want\n%s", v->name, r.string_to_sign, sts);
    if (v->signature != NULL) {
        char auth[512];
        snprintf(auth, sizeof auth, AUTH_PREFIX "%s, Signature=%s", v->signed_headers, v->signature);
        if (strcmp(r.signature, v->signature) != 0)
            fail_msg("%s: signature differs: got %s want %s", v->name, r.signature, v->signature);
        assert_string_equal(r.authorization, auth);
    }
}

static void test_suite_vectors(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++)
        run_vector(&VECTORS[i], s);
    /* All share one scope: one derivation for the whole table. */
    assert_int_equal(ev_sigv4_signer_key_derivations(s), 1);
    ev_sigv4_signer_free(s);
}

static void test_suite_vectors_uncached(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    ev_sigv4_signer_set_key_cache(s, false);
    size_t n = sizeof VECTORS / sizeof VECTORS[0];
    for (size_t i = 0; i < n; i++)
        run_vector(&VECTORS[i], s);
    assert_int_equal(ev_sigv4_signer_key_derivations(s), n);
    ev_sigv4_signer_free(s);
}

/* The worked example of the SigV4 documentation (IAM ListUsers). */
static void test_iam_example(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("iam", NULL);
    ev_sigv4_header hs[] = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    ev_sigv4_request req = {.method = "GET",
                            .host = "iam.amazonaws.com",
                            .path = "/",
                            .query = "Action=ListUsers&Version=2010-05-08",
                            .headers = hs,
                            .header_count = 1};
    ev_sigv4_result r;
    ev_sigv4_error err = {{0}};
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), 0);
    assert_string_equal(r.canonical_uri, "/");
    assert_string_equal(r.canonical_query, "Action=ListUsers&Version=2010-05-08");
    assert_string_equal(r.canonical_headers, "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                                             "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n");
    assert_string_equal(r.signed_headers, "content-type;host;x-amz-date");
    assert_string_equal(r.payload_hash, EMPTY_SHA);
    assert_string_equal(
        r.canonical_request,
        "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
        "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n" EMPTY_SHA);
    assert_string_equal(r.string_to_sign,
                        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
                        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    assert_string_equal(r.signature, "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    assert_string_equal(r.authorization,
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                        "SignedHeaders=content-type;host;x-amz-date, "
                        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    assert_int_equal(r.header_count, 2);
    assert_string_equal(r.headers[0].name, "X-Amz-Date");
    assert_string_equal(r.headers[0].value, "20150830T123600Z");
    assert_string_equal(r.headers[1].name, "Authorization");
    assert_null(r.security_token);
    ev_sigv4_signer_free(s);
}

static void test_derive_key(void **state)
{
    (void)state;
    uint8_t k[32];
    assert_int_equal(ev_sigv4_derive_key(SECRET, "20150830", "us-east-1", "iam", k, NULL), 0);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", k[i]);
    assert_string_equal(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    assert_int_equal(ev_sigv4_derive_key(SECRET, "2015083", "us-east-1", "iam", k, NULL), -1);
}

/* Same-scope signatures reuse the key; a new day, region or service, or new
 * credentials, derive again; results never depend on the cache. */
static void test_key_cache(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    ev_sigv4_request req = {.method = "GET", .host = "example.amazonaws.com", .path = "/"};
    ev_sigv4_result r;
    time_t t = when_2015();
    assert_int_equal(ev_sigv4_sign(s, &req, t, &r, NULL), 0);
    assert_string_equal(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_int_equal(ev_sigv4_sign(s, &req, t + 60, &r, NULL), 0);
    assert_int_equal(ev_sigv4_signer_key_derivations(s), 1);
    assert_int_equal(ev_sigv4_sign(s, &req, t + 86400, &r, NULL), 0);
    assert_int_equal(ev_sigv4_signer_key_derivations(s), 2);
    req.region = "eu-west-1";
    assert_int_equal(ev_sigv4_sign(s, &req, t + 86400, &r, NULL), 0);
    assert_string_equal(r.credential_scope, "20150831/eu-west-1/service/aws4_request");
    assert_int_equal(ev_sigv4_signer_key_derivations(s), 3);
    req.region = NULL;
    assert_int_equal(ev_sigv4_sign(s, &req, t, &r, NULL), 0);
    assert_string_equal(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_int_equal(ev_sigv4_signer_key_derivations(s), 4);
    /* Same scope again after the detour: cached, same bytes. */
    assert_int_equal(ev_sigv4_sign(s, &req, t, &r, NULL), 0);
    assert_string_equal(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    assert_int_equal(ev_sigv4_signer_key_derivations(s), 4);
    ev_credentials other = {AKID, "another-secret", NULL};
    assert_int_equal(ev_sigv4_signer_set_credentials(s, &other, NULL), 0);
    assert_int_equal(ev_sigv4_sign(s, &req, t, &r, NULL), 0);
    assert_int_equal(ev_sigv4_signer_key_derivations(s), 5);
    assert_string_not_equal(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    ev_sigv4_signer_free(s);
}

static void test_session_token(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", "TOKEN/with+chars==");
    /* A stale token header from a previous attempt is replaced, not doubled. */
    ev_sigv4_header hs[] = {{"X-Amz-Security-Token", "old"}, {"Authorization", "stale"}, {"X-Amz-Date", "x"}};
    ev_sigv4_request req = {
        .method = "GET", .host = "example.amazonaws.com", .path = "/", .headers = hs, .header_count = 3};
    ev_sigv4_result r;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, NULL), 0);
    assert_string_equal(r.signed_headers, "host;x-amz-date;x-amz-security-token");
    assert_string_equal(r.canonical_headers, CH "x-amz-security-token:TOKEN/with+chars==\n");
    assert_string_equal(r.security_token, "TOKEN/with+chars==");
    assert_int_equal(r.header_count, 3);
    assert_string_equal(r.headers[1].name, "X-Amz-Security-Token");
    assert_string_equal(r.headers[1].value, "TOKEN/with+chars==");
    assert_string_equal(r.headers[2].name, "Authorization");
    ev_sigv4_signer_free(s);
}

static void test_payload_hash_sources(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    ev_sigv4_request req = {.method = "POST", .host = "h", .path = "/", .body = "{}", .body_len = 2};
    ev_sigv4_result r;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, NULL), 0);
    assert_string_equal(r.payload_hash, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    req.payload_hash = "UNSIGNED-PAYLOAD";
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, NULL), 0);
    assert_string_equal(r.payload_hash, "UNSIGNED-PAYLOAD");
    assert_non_null(strstr(r.canonical_request, "\nUNSIGNED-PAYLOAD"));
    req.payload_hash = NULL;
    ev_sigv4_header hs[] = {{"x-amz-content-sha256", "abc"}};
    req.headers = hs;
    req.header_count = 1;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, NULL), 0);
    assert_string_equal(r.payload_hash, "abc");
    assert_string_equal(r.signed_headers, "host;x-amz-content-sha256;x-amz-date");
    req.headers = NULL;
    req.header_count = 0;
    req.add_content_sha256 = true;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, NULL), 0);
    assert_string_equal(r.signed_headers, "host;x-amz-content-sha256;x-amz-date");
    assert_int_equal(r.header_count, 3);
    assert_string_equal(r.headers[1].name, "X-Amz-Content-SHA256");
    assert_string_equal(r.headers[1].value,
                        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    ev_sigv4_signer_free(s);
}

/* The result's payload hash and the X-Amz-Content-SHA256 header are the
 * signer's strings, as the header promises: they stay right after the
 * caller's request (its payload_hash or header value) changes or is gone. */
static void test_payload_hash_owned_by_signer(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    char given[32];
    snprintf(given, sizeof given, "UNSIGNED-PAYLOAD");
    ev_sigv4_request req = {
        .method = "PUT", .host = "h", .path = "/", .payload_hash = given, .add_content_sha256 = true};
    ev_sigv4_result r;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, NULL), 0);
    assert_ptr_not_equal(r.payload_hash, given);
    assert_ptr_not_equal(r.headers[1].value, given);
    memset(given, 'X', sizeof given - 1);
    assert_string_equal(r.payload_hash, "UNSIGNED-PAYLOAD");
    assert_string_equal(r.headers[1].name, "X-Amz-Content-SHA256");
    assert_string_equal(r.headers[1].value, "UNSIGNED-PAYLOAD");

    /* The same when the value came from an input header. */
    char hvalue[80];
    snprintf(hvalue, sizeof hvalue, "%s", EMPTY_SHA);
    ev_sigv4_header hs[] = {{"X-Amz-Content-SHA256", hvalue}};
    ev_sigv4_request req2 = {.method = "GET", .host = "h", .path = "/", .headers = hs, .header_count = 1};
    assert_int_equal(ev_sigv4_sign(s, &req2, when_2015(), &r, NULL), 0);
    assert_ptr_not_equal(r.payload_hash, hvalue);
    memset(hvalue, '0', 64);
    assert_string_equal(r.payload_hash, EMPTY_SHA);
    ev_sigv4_signer_free(s);
}

/* A payload hash may become a header value: a line break in it is refused. */
static void test_payload_hash_control_characters_refused(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    ev_sigv4_request req = {.method = "PUT",
                            .host = "h",
                            .path = "/",
                            .payload_hash = "UNSIGNED-PAYLOAD\r\nX-Injected: evil",
                            .add_content_sha256 = true};
    ev_sigv4_result r;
    ev_sigv4_error err = {{0}};
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), -1);
    assert_non_null(strstr(err.message, "payload_hash"));
    ev_sigv4_signer_free(s);
}

/* Every credential is checked, not only the key id: a session token holding
 * CR/LF would reach the wire as an extra header line. */
static void test_credentials_with_control_characters_refused(void **state)
{
    (void)state;
    ev_sigv4_error err = {{0}};
    ev_credentials tok = {AKID, SECRET, "tok\r\nX-Injected: evil"};
    assert_null(ev_sigv4_signer_new(&tok, "us-east-1", "sqs", &err));
    assert_non_null(strstr(err.message, "session token"));
    assert_null(strstr(err.message, "evil"));
    ev_credentials lf = {AKID, SECRET, "tok\nX-Injected: evil"};
    assert_null(ev_sigv4_signer_new(&lf, "us-east-1", "sqs", &err));
    ev_credentials secret = {AKID, "sec\x01ret", NULL};
    assert_null(ev_sigv4_signer_new(&secret, "us-east-1", "sqs", &err));
    assert_non_null(strstr(err.message, "secret access key"));
    /* Rotation is checked too, and keeps the old credentials on refusal. */
    ev_sigv4_signer *s = new_signer("service", "good-token");
    assert_int_equal(ev_sigv4_signer_set_credentials(s, &tok, &err), -1);
    ev_sigv4_request req = {.method = "GET", .host = "h", .path = "/"};
    ev_sigv4_result r;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), 0);
    assert_string_equal(r.security_token, "good-token");
    ev_sigv4_signer_free(s);
}

static void test_canonical_pieces(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    ev_sigv4_header hs[] = {{"X-Mixed-Case", "\t a \t b  "},
                            {"user-agent", "not signed"},
                            {"Connection", "keep-alive"},
                            {"x-empty", ""},
                            {"HOST", "Example.com:8080"}};
    ev_sigv4_request req = {.method = "get",
                            .path = "/a b/%2F/./c/../~d+e",
                            .query = "b=2&a=&a&c=%7e&d=x y&=z&e=%zz",
                            .headers = hs,
                            .header_count = 5};
    ev_sigv4_result r;
    ev_sigv4_error err = {{0}};
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), 0);
    assert_string_equal(r.canonical_uri, "/a%20b/%252F/~d%2Be");
    assert_string_equal(r.canonical_query, "=z&a=&a=&b=2&c=%7e&d=x%20y&e=%25zz");
    assert_string_equal(r.canonical_headers,
                        "host:Example.com:8080\nx-amz-date:20150830T123600Z\nx-empty:\nx-mixed-case:a b\n");
    assert_string_equal(r.signed_headers, "host;x-amz-date;x-empty;x-mixed-case");
    assert_true(strncmp(r.canonical_request, "GET\n", 4) == 0);
    /* A trailing slash survives, an empty path is "/". */
    req.path = "/x//y/";
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), 0);
    assert_string_equal(r.canonical_uri, "/x/y/");
    req.path = NULL;
    req.query = "";
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), 0);
    assert_string_equal(r.canonical_uri, "/");
    assert_string_equal(r.canonical_query, "");
    ev_sigv4_signer_free(s);
}

static void test_errors(void **state)
{
    (void)state;
    ev_sigv4_error err = {{0}};
    ev_credentials none = {NULL, NULL, NULL};
    assert_null(ev_sigv4_signer_new(&none, "us-east-1", "sqs", &err));
    assert_non_null(strstr(err.message, "access key"));
    ev_credentials c = {AKID, SECRET, NULL};
    assert_null(ev_sigv4_signer_new(&c, "", "sqs", &err));
    assert_null(ev_sigv4_signer_new(&c, "us-east-1", NULL, &err));

    ev_sigv4_signer *s = new_signer("service", NULL);
    ev_sigv4_result r;
    ev_sigv4_request req = {.method = "GET", .path = "/"};
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), -1);
    assert_non_null(strstr(err.message, "host"));
    ev_sigv4_header bad[] = {{"X-A", "line\r\nInjected: 1"}};
    req.host = "h";
    req.headers = bad;
    req.header_count = 1;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), -1);
    assert_null(strstr(err.message, SECRET));
    ev_sigv4_header badname[] = {{"Bad Name", "v"}};
    req.headers = badname;
    assert_int_equal(ev_sigv4_sign(s, &req, when_2015(), &r, &err), -1);
    ev_sigv4_signer_free(s);

    time_t t;
    assert_int_equal(ev_sigv4_parse_amz_date("20150230T123600Z", &t, &err), -1);
    assert_int_equal(ev_sigv4_parse_amz_date("20150830T123600", &t, &err), -1);
    assert_int_equal(ev_sigv4_parse_amz_date("2015-08-30T12:36:00Z", &t, &err), -1);
    assert_int_equal(ev_sigv4_parse_amz_date("20150830T123600Z", &t, &err), 0);
    assert_int_equal((long long)t, 1440938160LL);
}

static void test_sign_tm(void **state)
{
    (void)state;
    ev_sigv4_signer *s = new_signer("service", NULL);
    struct tm tm = {.tm_year = 115, .tm_mon = 7, .tm_mday = 30, .tm_hour = 12, .tm_min = 36, .tm_sec = 0};
    ev_sigv4_request req = {.method = "GET", .host = "example.amazonaws.com", .path = "/"};
    ev_sigv4_result r;
    assert_int_equal(ev_sigv4_sign_tm(s, &req, &tm, &r, NULL), 0);
    assert_string_equal(r.amz_date, "20150830T123600Z");
    assert_string_equal(r.signature, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    ev_sigv4_signer_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iam_example),
        cmocka_unit_test(test_derive_key),
        cmocka_unit_test(test_suite_vectors),
        cmocka_unit_test(test_suite_vectors_uncached),
        cmocka_unit_test(test_key_cache),
        cmocka_unit_test(test_session_token),
        cmocka_unit_test(test_payload_hash_sources),
        cmocka_unit_test(test_payload_hash_owned_by_signer),
        cmocka_unit_test(test_payload_hash_control_characters_refused),
        cmocka_unit_test(test_credentials_with_control_characters_refused),
        cmocka_unit_test(test_canonical_pieces),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sign_tm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
