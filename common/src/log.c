#include "via/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int g_level = -1;

int via_log_level_parse(const char *name) {
    if (!name) return -1;
    if (!strcmp(name, "error")) return VIA_LOG_ERROR;
    if (!strcmp(name, "warn") || !strcmp(name, "warning")) return VIA_LOG_WARN;
    if (!strcmp(name, "info")) return VIA_LOG_INFO;
    if (!strcmp(name, "debug")) return VIA_LOG_DEBUG;
    return -1;
}

void via_log_set_level(via_log_level level) {
    atomic_store(&g_level, (int)level);
}

static int level_now(void) {
    int l = atomic_load(&g_level);
    if (l < 0) {
        l = via_log_level_parse(getenv("VIA_LOG_LEVEL"));
        if (l < 0) l = VIA_LOG_INFO;
        atomic_store(&g_level, l);
    }
    return l;
}

int via_log_enabled(via_log_level level) {
    return (int)level <= level_now();
}

static const char *level_name(via_log_level l) {
    switch (l) {
    case VIA_LOG_ERROR:
        return "error";
    case VIA_LOG_WARN:
        return "warn";
    case VIA_LOG_INFO:
        return "info";
    default:
        return "debug";
    }
}

void via_log(via_log_level level, const char *event, const char *fmt, ...) {
    if (!via_log_enabled(level)) return;
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_name(level), event ? event : "-");
    if (n < 0) return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (fmt && *fmt && len < sizeof line - 2) {
        line[len++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + len, sizeof line - len, fmt, ap);
        va_end(ap);
        if (m > 0) len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
    }
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(2, line, len);
    (void)w;
}

size_t via_log_kv(char *buf, size_t cap, const char *key, const char *value) {
    size_t len = strnlen(buf, cap);
    if (!value) value = "";
    int quote = !*value;
    for (const char *p = value; *p; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' || (unsigned char)*p < 0x20)
            quote = 1;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (len + 1 < cap) buf[len++] = (c);                                                       \
    } while (0)
    PUT(' ');
    for (const char *p = key; *p; p++)
        PUT(*p);
    PUT('=');
    if (quote) PUT('"');
    for (const char *p = value; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (quote && (c == '"' || c == '\\')) {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            PUT('\\');
            PUT(c == '\n' ? 'n' : c == '\t' ? 't' : '?');
        } else {
            PUT((char)c);
        }
    }
    if (quote) PUT('"');
#undef PUT
    if (cap) buf[len < cap ? len : cap - 1] = 0;
    return len;
}
