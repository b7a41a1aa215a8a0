/*
 * jsonw.h - writing JSON the way Go's encoding/json writes it, so API
 * answers compare byte for byte with Prometheus' and Alertmanager's:
 * strings escape <, >, & and U+2028/U+2029 and turn invalid UTF-8 into
 * U+FFFD; floats use the shortest representation, switching to exponent
 * form below 1e-6 and from 1e21 up; maps (label sets) have sorted keys.
 */
#ifndef TOCSIN_JSONW_H
#define TOCSIN_JSONW_H

#include <jansson.h>
#include <stdint.h>

#include "labels.h"
#include "util.h"

/* Appends s as a JSON string, quotes included. */
void jsonw_str(struct buf *out, const char *s);
/* Appends v as encoding/json encodes a float64; NaN and infinities (which
 * Go refuses to encode) become null. */
void jsonw_float(struct buf *out, double v);
/* Appends a time of ms since the epoch as a JSON string in Go's
 * RFC3339Nano, UTC ("2026-11-22T02:53:33.393Z", no trailing zeros). */
void jsonw_time(struct buf *out, int64_t ms);
/* The same without quotes. */
void jsonw_time_raw(struct buf *out, int64_t ms);
/* Appends a time as go-openapi's strfmt.DateTime marshals it, with
 * exactly three decimals ("2026-11-22T02:56:23.390Z"): Alertmanager API
 * v2 payloads. */
void jsonw_time_millis(struct buf *out, int64_t ms);
/* Appends l as a JSON object {"name":"value",...} (sorted, as Go sorts
 * map keys); NULL is {}. */
void jsonw_labels(struct buf *out, const struct labels *l);

/* How encoding/json names a value's type in its errors ("cannot unmarshal
 * object into ..."): object, array, string, number, bool, null. */
const char *jsonw_go_type(const json_t *v);

#endif
