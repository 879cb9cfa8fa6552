/*
 * ev_format: the `format` values the generator asserts. Each takes a
 * NUL-terminated UTF-8 string and says whether it conforms:
 *   date-time, date, time  RFC 3339 section 5.6 (leap second 60 allowed; time needs an offset)
 *   email                  RFC 5321 Mailbox (dot-atom or quoted local part; domain or address literal)
 *   hostname               RFC 1123 (labels of 1-63 LDH characters, 253 in all, no trailing
 *                          dot); "xn--" labels must decode (Punycode) to a U-label that passes
 *                          the main IDNA2008 checks (RFC 5891 hyphens and leading marks, RFC 5892
 *                          contextual rules); other "??--" labels are rejected
 *   ipv4                   dotted quad, no leading zeros
 *   ipv6                   RFC 4291 text forms, with embedded IPv4
 *   uri                    RFC 3986 absolute URI
 *   uuid                   RFC 4122 8-4-4-4-12 hex
 */
#ifndef EV_SCHEMA_FORMAT_H
#define EV_SCHEMA_FORMAT_H

#include <stdbool.h>

bool ev_format_date_time(const char *s);
bool ev_format_date(const char *s);
bool ev_format_time(const char *s);
bool ev_format_email(const char *s);
bool ev_format_hostname(const char *s);
bool ev_format_ipv4(const char *s);
bool ev_format_ipv6(const char *s);
bool ev_format_uri(const char *s);
bool ev_format_uuid(const char *s);

#endif
