/*
 * send.c - the notify transports: SMTP through libcurl and the SMS HTTP gateway adapter.
 *
 * Each call uses its own easy handle with connect and total timeouts, so a dead peer costs a
 * bounded time of the scheduler thread. Messages are plain text UTF-8: the subject becomes RFC
 * 2047 encoded words (=?UTF-8?B?...?=, split at character boundaries so each word stays under
 * 78 characters with the header name), the body is base64 in 76-column lines. Addresses were
 * validated at enqueue (eg_valid_email), so no header can carry a CR or LF.
 */
#include "notify/internal.h"

#include <curl/curl.h>
#include <string.h>

static const char *const wday_name[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const mon_name[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int is_ascii_plain(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80 || *s == '=' || *s == '?' || *s == '\r' || *s == '\n')
            return 0;
    return 1;
}

static void encode_subject(eg_buf *out, const char *s)
{
    if (is_ascii_plain(s)) {
        eg_buf_puts(out, s);
        return;
    }
    size_t n = strlen(s), i = 0;
    int first = 1;
    while (i < n) {
        size_t take = 0;
        while (i + take < n) {
            unsigned char c = (unsigned char)s[i + take];
            size_t cl = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (take + cl > 42)
                break;
            take += cl;
        }
        if (take == 0)
            take = n - i < 4 ? n - i : 4;
        if (take > n - i)
            take = n - i;
        char enc[64];
        size_t el = eg_b64_encode(s + i, take, enc);
        if (!first)
            eg_buf_puts(out, "\r\n ");
        eg_buf_puts(out, "=?UTF-8?B?");
        eg_buf_append(out, enc, el);
        eg_buf_puts(out, "?=");
        first = 0;
        i += take;
    }
}

void eg__notify_build_mail(eg_buf *out, const char *from, const char *to, const char *subject,
                           const char *body, int64_t id, int64_t now_ms)
{
    eg_tm t;
    eg_time_vn(now_ms, &t);
    eg_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0700\r\n", wday_name[t.wday], t.day,
                  mon_name[t.month - 1], t.year, t.hour, t.min, t.sec);
    eg_buf_printf(out, "From: <%s>\r\nTo: <%s>\r\nSubject: ", from, to);
    encode_subject(out, subject ? subject : "");
    const char *at = strchr(from, '@');
    eg_buf_printf(out, "\r\nMessage-ID: <notify-%lld-%lld@%s>\r\n", (long long)id,
                  (long long)now_ms, at ? at + 1 : "egov.invalid");
    eg_buf_puts(out, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n");
    size_t n = strlen(body);
    for (size_t i = 0; i < n; i += 57) {
        char enc[80];
        size_t el = eg_b64_encode(body + i, n - i < 57 ? n - i : 57, enc);
        eg_buf_append(out, enc, el);
        eg_buf_puts(out, "\r\n");
    }
}

struct reader {
    const char *p;
    size_t left;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    struct reader *r = ud;
    size_t n = size * nitems;
    if (n > r->left)
        n = r->left;
    memcpy(buf, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

static size_t sink_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    eg_buf *b = ud;
    if (b->len < 4096)
        eg_buf_append(b, buf, size * nitems);
    return size * nitems;
}

static int curl_fail(CURLcode cc, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, curl_easy_strerror(cc));
    /* unreachable peer (the outbox holds the channel) vs a peer that answered with a refusal */
    return cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_COULDNT_CONNECT ||
                   cc == CURLE_COULDNT_RESOLVE_HOST
               ? EG_ETIMEOUT
               : EG_EUPSTREAM;
}

int eg__notify_smtp(const eg_config *cfg, const char *to, const char *subject, const char *body,
                    int64_t id, int64_t now_ms, char *err, size_t errlen)
{
    const char *url = eg_config_get(cfg, "notify.smtp_url", NULL);
    const char *from = eg_config_get(cfg, "notify.smtp_from", "no-reply@egov.invalid");
    if (!url || !*url) {
        snprintf(err, errlen, "notify.smtp_url is not configured");
        return EG_EUNAVAIL;
    }
    eg_buf msg = EG_BUF_INIT;
    eg__notify_build_mail(&msg, from, to, subject, body, id, now_ms);
    struct reader rd = {msg.data, msg.len};
    char mfrom[320], mto[320];
    snprintf(mfrom, sizeof(mfrom), "<%s>", from);
    snprintf(mto, sizeof(mto), "<%s>", to);
    CURL *h = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, mto);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mfrom);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &rd);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)eg_config_int(cfg, "notify.connect_timeout_ms", 5000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)eg_config_int(cfg, "notify.timeout_ms", 30000));
    const char *tls = eg_config_get(cfg, "notify.smtp_tls", "try");
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     (long)(strcmp(tls, "all") == 0    ? CURLUSESSL_ALL
                            : strcmp(tls, "none") == 0 ? CURLUSESSL_NONE
                                                       : CURLUSESSL_TRY));
    const char *user = eg_config_get(cfg, "notify.smtp_user", NULL);
    if (user && *user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, eg_config_get(cfg, "notify.smtp_password", ""));
    }
    CURLcode cc = curl_easy_perform(h);
    int rc = cc == CURLE_OK ? EG_OK : curl_fail(cc, "smtp", err, errlen);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    eg_buf_free(&msg);
    return rc;
}

int eg__notify_sms(const eg_config *cfg, const char *to, const char *text, char *err, size_t errlen)
{
    const char *url = eg_config_get(cfg, "notify.sms_url", NULL);
    if (!url || !*url) {
        snprintf(err, errlen, "notify.sms_url is not configured");
        return EG_EUNAVAIL;
    }
    json_t *j = json_pack("{s:s, s:s}", "to", to, "text", text);
    eg_buf payload = EG_BUF_INIT, reply = EG_BUF_INIT;
    eg_json_dump_buf(&payload, j);
    json_decref(j);
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    const char *token = eg_config_get(cfg, "notify.sms_token", NULL);
    char auth[512];
    if (token && *token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        hdr = curl_slist_append(hdr, auth);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)payload.len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)eg_config_int(cfg, "notify.connect_timeout_ms", 5000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)eg_config_int(cfg, "notify.timeout_ms", 30000));
    CURLcode cc = curl_easy_perform(h);
    int rc = EG_OK;
    if (cc != CURLE_OK) {
        rc = curl_fail(cc, "sms", err, errlen);
    } else {
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status < 200 || status > 299) {
            snprintf(err, errlen, "sms gateway answered HTTP %ld", status);
            rc = EG_EUPSTREAM;
        }
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    eg_buf_free(&payload);
    eg_buf_free(&reply);
    return rc;
}

void eg__notify_mask(const char *to, eg_buf *out)
{
    const char *at = strchr(to, '@');
    if (at) {
        if (at > to)
            eg_buf_putc(out, to[0]);
        eg_buf_puts(out, "***");
        eg_buf_puts(out, at);
        return;
    }
    size_t n = strlen(to);
    for (size_t i = 0; i < n; i++)
        eg_buf_putc(out, i + 3 < n ? '*' : to[i]);
}
