/*
 * fixtures: the generated fixture file (generated/fixtures/events.fixtures.json,
 * or $GENERATED_DIR/fixtures/...) for schema-driven tests.
 *
 * The file is parsed with ev_json, so every number keeps its source text:
 * print instances with ev_json_print_exact (never cJSON_Print, which rounds
 * numbers through double and can turn an invalid fixture into a valid one).
 * Ownership: the caller frees the tree with cJSON_Delete. A missing or
 * malformed file fails the calling test.
 */
#ifndef EV_TEST_FIXTURES_H
#define EV_TEST_FIXTURES_H

#include <cjson/cJSON.h>

cJSON *ev_test_load_fixtures(void);

#endif
