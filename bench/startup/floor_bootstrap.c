/*
 * floor_bootstrap: the least a Lambda bootstrap can do before its first
 * invocation/next, for the start-up benchmark (bench/startup/run.sh).
 *
 * Job: connect to $AWS_LAMBDA_RUNTIME_API with a plain socket, send the
 * GET invocation/next request line and headers, and wait for an answer.
 * It links nothing but libc, so the time the probe measures for it is the
 * floor of this machine: process creation, exec, the dynamic loader with
 * libc alone, one loopback connection. The difference between a real
 * bootstrap and this floor is what its libraries and initialisation cost.
 *
 * Ownership: nothing to free. Threads: one. Errors: exit status 1 with a
 * message on stderr when the variable is unset or the connection fails;
 * SIGTERM (the probe's stop) ends it with the default action.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    const char *colon = api != NULL ? strrchr(api, ':') : NULL;
    if (colon == NULL || colon == api) {
        fprintf(stderr, "floor_bootstrap: AWS_LAMBDA_RUNTIME_API is not host:port\n");
        return 1;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - api), api);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || ai == NULL) {
        fprintf(stderr, "floor_bootstrap: cannot resolve %s\n", api);
        return 1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        fprintf(stderr, "floor_bootstrap: cannot connect to %s\n", api);
        freeaddrinfo(ai);
        return 1;
    }
    freeaddrinfo(ai);
    char req[512];
    int n = snprintf(req, sizeof req, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n",
                     api);
    if (write(fd, req, (size_t)n) != n) {
        fprintf(stderr, "floor_bootstrap: cannot send the request\n");
        return 1;
    }
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
    return 0;
}
