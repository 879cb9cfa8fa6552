/*
 * ev_lambda: the Lambda runtime (module header), everything a bootstrap
 * and its handler include.
 *
 * What lives where:
 *   ev_runtime_loop.h   ev_runtime_main, its configuration and exit statuses:
 *                       the loop and its behaviour on every failure
 *   ev_handler.h        the handler and init function contract
 *   ev_invocation.h     the invocation context (request id, deadline, trace,
 *                       arena, log, metrics) and ev_invocation_init for tests
 *   ev_runtime_error.h  errorType/errorMessage and their encodings
 *   ev_next_reply.h     the decision table for replies to invocation/next
 *   ev_runtime_api.h    the Runtime API calls over libcurl
 *   ev_shutdown.h       SIGTERM: flag and self-pipe
 *
 * Layers: a handler depends on ev_handler.h and ev_invocation.h only, so it
 * is tested as a plain function; the loop owns the network, the signal and
 * the per-invocation resets.
 *
 * Ownership, module-wide: the runtime owns its client, arena, and (unless
 * given) logger and metrics; everything it hands to a handler is borrowed
 * for the call. Errors: ev_runtime_main returns an exit status and logs the
 * reason; lower layers return 0/-1 with an ev_runtime_error or an
 * ev_api_result.
 */
#ifndef EV_RUNTIME_LAMBDA_H
#define EV_RUNTIME_LAMBDA_H

#include "runtime/ev_handler.h"
#include "runtime/ev_invocation.h"
#include "runtime/ev_next_reply.h"
#include "runtime/ev_runtime_api.h"
#include "runtime/ev_runtime_error.h"
#include "runtime/ev_runtime_loop.h"
#include "runtime/ev_shutdown.h"

#endif
