/*
 * log.c - JSON-lines logging to stderr with personal identifiers masked.
 *
 * One line per event: {"ts","level","module","request_id","msg", fields...}. Logs leave the
 * process (to journald, to a SIEM), so personal identifiers are masked here, once, rather
 * than trusted to every caller: values of identifier-like keys and any run of 9 or more
 * digits keep only their last 4 digits.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "base/base.h"

static int log_level = EG_LOG_INFO;
static int log_fd = 2;

void eg_log_set_level(int level)
{
    log_level = level;
}

void eg_log_set_fd(int fd)
{
    log_fd = fd;
}

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static const char *const sensitive_keys[] = {"citizen_id", "personal_id", "id_number", "cccd",
                                             "phone",      "tax_code",    "mst",       "password",
                                             "secret",     "token",       "otp",       NULL};

static int is_sensitive(const char *key)
{
    for (int i = 0; sensitive_keys[i]; i++) {
        if (strstr(key, sensitive_keys[i]))
            return 1;
    }
    return 0;
}

void eg_mask_digits(const char *s, eg_buf *out)
{
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        if (s[i] >= '0' && s[i] <= '9') {
            size_t j = i;
            while (j < n && s[j] >= '0' && s[j] <= '9')
                j++;
            size_t run = j - i;
            if (run >= 9) {
                for (size_t k = 0; k < run - 4; k++)
                    eg_buf_putc(out, '*');
                eg_buf_append(out, s + j - 4, 4);
            } else {
                eg_buf_append(out, s + i, run);
            }
            i = j;
        } else {
            eg_buf_putc(out, s[i++]);
        }
    }
}

static void put_json_string(eg_buf *b, const char *s)
{
    json_t *j = json_string(s);
    if (!j) /* invalid UTF-8: log it escaped byte-wise rather than lose the line */
        j = json_string("<invalid utf-8>");
    eg_json_dump_buf(b, j);
    json_decref(j);
}

void eg_log(int level, const char *module, const char *request_id, const char *msg, ...)
{
    if (level < log_level)
        return;
    eg_buf b = EG_BUF_INIT;
    char ts[25];
    eg_time_iso_ms(eg_now_ms(), ts);
    eg_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":", ts,
                  level_names[level < 0   ? 0
                              : level > 3 ? 3
                                          : level]);
    put_json_string(&b, module ? module : "-");
    if (request_id) {
        eg_buf_puts(&b, ",\"request_id\":");
        put_json_string(&b, request_id);
    }
    eg_buf_puts(&b, ",\"msg\":");
    eg_buf masked = EG_BUF_INIT;
    eg_mask_digits(msg ? msg : "", &masked);
    put_json_string(&b, eg_buf_cstr(&masked));
    va_list ap;
    va_start(ap, msg);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        eg_buf_putc(&b, ',');
        put_json_string(&b, k);
        eg_buf_putc(&b, ':');
        eg_buf_reset(&masked);
        if (!v) {
            eg_buf_puts(&b, "null");
            continue;
        }
        if (is_sensitive(k)) {
            size_t n = strlen(v);
            for (size_t i = 0; i + 4 < n; i++)
                eg_buf_putc(&masked, '*');
            eg_buf_puts(&masked, n > 4 ? v + n - 4 : "");
        } else {
            eg_mask_digits(v, &masked);
        }
        put_json_string(&b, eg_buf_cstr(&masked));
    }
    va_end(ap);
    eg_buf_puts(&b, "}\n");
    /* One write per line keeps lines whole when threads log at once. */
    ssize_t w = write(log_fd, b.data, b.len);
    (void)w;
    eg_buf_free(&masked);
    eg_buf_free(&b);
}
