/*
 * ev_runtime: everything generated code includes. The version number ties
 * generated files to this runtime: the generator writes the version it
 * targets, and a mismatch stops compilation instead of misbehaving.
 */
#ifndef EV_SCHEMA_RUNTIME_H
#define EV_SCHEMA_RUNTIME_H

#define EV_RUNTIME_VERSION 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "schema/ev_equal.h"
#include "schema/ev_errors.h"
#include "schema/ev_format.h"
#include "schema/ev_json.h"
#include "schema/ev_number.h"
#include "schema/ev_regex.h"
#include "schema/ev_utf8.h"
#include "schema/ev_validator.h"

#endif
