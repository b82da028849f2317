/*
 * calendar_api.c - the HTTP face of the working calendar that lives in base
 * (app->calendar, statutory holidays + data/calendar/overrides.csv):
 *   GET /api/v1/calendar/deadline?start=ISO8601&working_days=N  -> {"due": "YYYY-MM-DD", ...}
 *   GET /api/v1/calendar/holidays?year=YYYY                      -> {"year", "items": [...]}
 */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include "catalog/internal.h"

/* Strict decimal integer (optional leading '-'); 0 on success. */
static int parse_int(const char *s, long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || (s[0] != '-' && (s[0] < '0' || s[0] > '9')))
        return -1;
    *out = v;
    return 0;
}

static void fmt_day(int32_t d, char out[11])
{
    int y, m, dd;
    eg_civil_from_days(d, &y, &m, &dd);
    snprintf(out, 11, "%04d-%02d-%02d", y, m, dd);
}

static int deadline(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *start = eg_req_query(r, "start"), *wd = eg_req_query(r, "working_days");
    if (!start || !*start)
        return eg_req_fail_field(r, EG_EINVAL, "start", "Thiếu thời điểm tiếp nhận (start)");
    int64_t ms;
    if (eg_time_parse(start, &ms))
        return eg_req_fail_field(r, EG_EINVAL, "start",
                                 "Thời điểm '%s' không hợp lệ (ISO 8601, ví dụ 2026-04-23T10:00)",
                                 start);
    long n;
    if (!wd || parse_int(wd, &n))
        return eg_req_fail_field(r, EG_EINVAL, "working_days", "working_days phải là số nguyên");
    if (n < 0 || n > 3650)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "working_days",
                                 "working_days phải trong khoảng 0-3650");
    int64_t due_ms;
    int rc = eg_calendar_deadline(app->calendar, ms, (int)n, &due_ms);
    if (rc)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "start",
                                 "Không tính được hạn cho thời điểm này");
    char due[11], at[21], recv[11];
    fmt_day(eg_vn_day(due_ms), due);
    eg_time_iso(due_ms, at);
    fmt_day(eg_vn_day(ms), recv);
    return eg_reply_json(r, 200,
                         json_pack("{s:s, s:s, s:s, s:i}", "due", due, "due_at", at, "received",
                                   recv, "working_days", (int)n));
}

static const char *kind_name(int k)
{
    switch (k) {
    case EG_DAY_HOLIDAY:
        return "holiday";
    case EG_DAY_COMPENSATORY_OFF:
        return "compensatory_off";
    case EG_DAY_SWAPPED_WORKDAY:
        return "swapped_workday";
    default:
        return "normal";
    }
}

static int holidays(eg_req *r)
{
    eg_app *app = eg_req_app(r);
    const char *ys = eg_req_query(r, "year");
    long y;
    if (!ys || parse_int(ys, &y))
        return eg_req_fail_field(r, EG_EINVAL, "year", "year phải là số năm, ví dụ 2026");
    if (y < 1900 || y > 2199)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "year", "year phải trong khoảng 1900-2199");
    eg_holiday hs[64];
    int n = eg_calendar_holidays(app->calendar, (int)y, hs, 64);
    if (n < 0)
        return eg_req_fail_field(r, EG_EUNPROCESSABLE, "year", "Không có lịch cho năm này");
    json_t *items = json_array();
    for (int i = 0; i < n && i < 64; i++) {
        char d[11];
        fmt_day(hs[i].day, d);
        json_array_append_new(items, json_pack("{s:s, s:s, s:s, s:b}", "date", d, "kind",
                                               kind_name(hs[i].kind), "name", hs[i].name,
                                               "generated", hs[i].generated));
    }
    return eg_reply_json(r, 200, json_pack("{s:i, s:o}", "year", (int)y, "items", items));
}

void eg__calendar_routes(eg_app *app, eg_http *h)
{
    (void)app;
    static const eg_route_opts dl = {
        .summary = "Ngày hẹn trả: N ngày làm việc từ thời điểm tiếp nhận (sau 15:00 tính từ ngày "
                   "làm việc sau)",
        .tag = "catalog"};
    static const eg_route_opts hol = {.summary = "Ngày nghỉ lễ, nghỉ bù, ngày làm bù của một năm",
                                      .tag = "catalog"};
    eg_http_route(h, "GET", "/api/v1/calendar/deadline", deadline, &dl);
    eg_http_route(h, "GET", "/api/v1/calendar/holidays", holidays, &hol);
}
