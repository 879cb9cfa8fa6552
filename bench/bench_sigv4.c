/*
 * bench_sigv4: SigV4 signatures per second for a typical SQS SendMessage
 * request, with the signing key cached (steady state of a Lambda) and with
 * the key derived for every signature.
 *
 * usage: bench_sigv4 [seconds_per_mode]   (default 1.0)
 * Prints one JSON object: {"cached_us":..., "uncached_us":..., ...}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ev_sigv4.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char BODY[] = "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/evpipe-events\","
                           "\"MessageBody\":\"{\\\"id\\\":\\\"3f1c9a4e-1b2d-4c6e-9f00-1234567890ab\\\","
                           "\\\"type\\\":\\\"order.created\\\","
                           "\\\"payload\\\":{\\\"amount\\\":1250,\\\"currency\\\":\\\"EUR\\\"}}\"}";

/* Runs signatures for about `seconds`; returns microseconds per signature. */
static double run(ev_sigv4_signer *s, const ev_sigv4_request *req, time_t when, double seconds,
                  long *count_out)
{
    ev_sigv4_result r;
    ev_sigv4_error err;
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 1000; i++) {
            if (ev_sigv4_sign(s, req, when, &r, &err) != 0) {
                fprintf(stderr, "sign failed: %s\n", err.message);
                exit(1);
            }
        }
        n += 1000;
        t = now_s();
    } while (t - t0 < seconds);
    *count_out = n;
    return (t - t0) * 1e6 / (double)n;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (seconds <= 0)
        seconds = 1.0;
    ev_credentials creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};
    ev_sigv4_error err;
    ev_sigv4_signer *s = ev_sigv4_signer_new(&creds, "us-east-1", "sqs", &err);
    if (s == NULL) {
        fprintf(stderr, "signer: %s\n", err.message);
        return 1;
    }
    ev_sigv4_header hs[] = {{"Content-Type", "application/x-amz-json-1.0"},
                            {"X-Amz-Target", "AmazonSQS.SendMessage"}};
    ev_sigv4_request req = {.method = "POST",
                            .host = "sqs.us-east-1.amazonaws.com",
                            .path = "/",
                            .headers = hs,
                            .header_count = 2,
                            .body = BODY,
                            .body_len = sizeof BODY - 1};
    time_t when = 1440938160; /* 20150830T123600Z */
    long n_cached, n_uncached;
    run(s, &req, when, seconds / 10, &n_cached); /* warm-up */
    double cached = run(s, &req, when, seconds, &n_cached);
    ev_sigv4_signer_set_key_cache(s, false);
    double uncached = run(s, &req, when, seconds, &n_uncached);
    printf("{\"cached_us\": %.3f, \"uncached_us\": %.3f, \"cached_per_s\": %.0f, \"uncached_per_s\": %.0f, "
           "\"cached_n\": %ld, \"uncached_n\": %ld, \"body_bytes\": %zu}\n",
           cached, uncached, 1e6 / cached, 1e6 / uncached, n_cached, n_uncached, sizeof BODY - 1);
    ev_sigv4_signer_free(s);
    return 0;
}
