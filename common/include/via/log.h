/* key=value logging with levels, one line per event on standard error:
 *   ts=2026-12-06T16:29:57.123Z level=info event=job.claimed job=42 node=gpu-3
 * The threshold comes from VIA_LOG_LEVEL (error, warn, info, debug; default info) or
 * via_log_set_level. Values that contain spaces, quotes or '=' are quoted by via_log_kv. */
#ifndef VIA_LOG_H
#define VIA_LOG_H
#include <stddef.h>

typedef enum {
    VIA_LOG_ERROR = 0,
    VIA_LOG_WARN = 1,
    VIA_LOG_INFO = 2,
    VIA_LOG_DEBUG = 3
} via_log_level;

/* Parses "error", "warn", "info" or "debug"; -1 for anything else. */
int via_log_level_parse(const char *name);
void via_log_set_level(via_log_level level);
/* 1 when a line at this level would be written. */
int via_log_enabled(via_log_level level);

/* Writes ts, level and event, then the caller's "k=v k=v" text (printf-style, may be NULL).
 * Lines are written with one write() so concurrent threads do not interleave. */
void via_log(via_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends ` key=value` to buf (NUL-terminated, cap bytes), quoting and escaping the value
 * when it needs it; returns the new length (truncated at cap-1). */
size_t via_log_kv(char *buf, size_t cap, const char *key, const char *value);
#endif
