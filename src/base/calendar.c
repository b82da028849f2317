/*
 * calendar.c - the working calendar: which days count for administrative deadlines.
 *
 * Why this file exists: appointment dates on receipts (Mẫu 01) are counted in working days,
 * and a wrong holiday makes a dossier look late (or on time) when it is not. The rules,
 * from domain-vn.md §1 and §3.2:
 *   - Mon-Fri are working days for civil servants (QĐ 188/1999/QĐ-TTg);
 *   - statutory holidays (Labour Code 2019 Art. 112) are generated per year: 1/1, Tết
 *     Nguyên đán (5 days), Giỗ Tổ Hùng Vương (10/3 lunar), 30/4, 1/5, 2/9 plus one adjacent
 *     day;
 *   - a statutory holiday on Saturday or Sunday gives the next working day off (nghỉ bù,
 *     Art. 111(3)), taken in date order, so two weekend holidays give two days;
 *   - the yearly official notices are data (overrides) and always win.
 *
 * Default rules where the PM decides each year (overrides replace them):
 *   - Tết: the last day of the lunar year plus mùng 1-4 (Tết 2026: Mon 16/2 - Fri 20/2).
 *   - 2/9 adjacent day: the neighbour that joins the break to a weekend. 1/9 when 2/9 is a
 *     Tuesday, Friday or Saturday; 3/9 when it is a Sunday, Monday, Wednesday or Thursday
 *     (matches the notices of 2021-2025). When an override makes 1/9 or 3/9 a holiday, that
 *     day is the adjacent day and no default one is generated.
 *   - Override interplay: a `normal` override removes a statutory holiday before nghỉ bù is
 *     computed (so cancelling a weekend Tết day also cancels its nghỉ bù); override holidays
 *     never produce nghỉ bù themselves (the notice lists its own).
 *
 * Lunar holidays need the lunar table (solar years 1800-2199); outside it, and outside
 * years 1-9999 altogether, only the solar rules (resp. weekends) apply.
 *
 * Concurrency: the generated days of 1990-2100 are computed at eg_calendar_new() and
 * recomputed for the affected year by eg_calendar_override(), which callers run before
 * sharing the calendar; readers then only read. Other years are generated on the fly into a
 * stack buffer. No helper from mem.c is used so the fuzz target links this file alone;
 * allocation failure aborts, as everywhere in egov.
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_FIRST        1990
#define CACHE_LAST         2100
#define GEN_MAX            24 /* 11 statutory days + at most as many nghỉ bù */
#define NAME_MAX_LEN       95
#define DEFAULT_CUTOFF_MIN (15 * 60)
#define DUE_MIN_OF_DAY     (17 * 60)

enum {
    N_NEW_YEAR,
    N_TET,
    N_HUNG_KINGS,
    N_VICTORY,
    N_LABOUR,
    N_NATIONAL,
    N_NATIONAL_ADJ,
    N_COMPENSATORY
};
static const char *const gen_names[] = {
    "Tết Dương lịch",        "Tết Nguyên đán", "Giỗ Tổ Hùng Vương",         "Ngày Chiến thắng",
    "Ngày Quốc tế Lao động", "Quốc khánh",     "Quốc khánh (ngày liền kề)", "Nghỉ bù",
};

typedef struct {
    int32_t day;
    unsigned char kind; /* EG_DAY_HOLIDAY or EG_DAY_COMPENSATORY_OFF */
    unsigned char name; /* index into gen_names */
} gen_day;

typedef struct {
    int n;
    gen_day d[GEN_MAX]; /* sorted by day */
} gen_year;

typedef struct {
    int32_t day;
    int kind;
    char name[NAME_MAX_LEN + 1];
} override;

struct eg_calendar {
    int cutoff_min;
    override *ov; /* sorted by day, unique */
    int n_ov;
    int cap_ov;
    gen_year years[CACHE_LAST - CACHE_FIRST + 1];
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "egov: out of memory (%zu bytes) in calendar\n", n);
        abort();
    }
    return q;
}

static int is_weekend(int32_t day)
{
    int w = eg_weekday(day);
    return w == 0 || w == 6;
}

static int year_of(int32_t day)
{
    int y;
    int m;
    int d;
    eg_civil_from_days(day, &y, &m, &d);
    return y;
}

/* Index of the override for day, or -1. */
static int find_override(const eg_calendar *c, int32_t day)
{
    int lo = 0;
    int hi = c->n_ov - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->ov[mid].day == day)
            return mid;
        if (c->ov[mid].day < day)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int override_kind(const eg_calendar *c, int32_t day)
{
    int i = find_override(c, day);
    return i < 0 ? 0 : c->ov[i].kind;
}

static void gen_add(gen_year *g, int32_t day, int kind, int name)
{
    if (g->n >= GEN_MAX)
        return;
    int i = g->n++;
    while (i > 0 && g->d[i - 1].day > day) {
        g->d[i] = g->d[i - 1];
        i--;
    }
    g->d[i] = (gen_day){day, (unsigned char)kind, (unsigned char)name};
}

static int gen_find(const gen_year *g, int32_t day)
{
    for (int i = 0; i < g->n; i++)
        if (g->d[i].day == day)
            return i;
    return -1;
}

/* Adds a statutory holiday unless a `normal` override cancels it. */
static void add_statutory(const eg_calendar *c, gen_year *g, int32_t day, int name)
{
    if (override_kind(c, day) != EG_DAY_NORMAL)
        gen_add(g, day, EG_DAY_HOLIDAY, name);
}

static int32_t default_adjacent_day(int year)
{
    int32_t sep2 = eg_days_from_civil(year, 9, 2);
    int w = eg_weekday(sep2);
    return (w == 2 || w == 5 || w == 6) ? sep2 - 1 : sep2 + 1;
}

/* Statutory holidays and nghỉ bù of one year, given the calendar's overrides. */
static void generate_year(const eg_calendar *c, int year, gen_year *g)
{
    g->n = 0;
    if (year < 1 || year > 9999)
        return; /* weekends only; keeps the day arithmetic below far from int32 limits */
    add_statutory(c, g, eg_days_from_civil(year, 1, 1), N_NEW_YEAR);
    eg_lunar tet = {year, 1, 1, 0};
    int32_t day;
    if (eg_solar_from_lunar(&tet, &day) == EG_OK)
        for (int i = -1; i <= 3; i++)
            add_statutory(c, g, day + i, N_TET);
    eg_lunar hung = {year, 3, 10, 0};
    if (eg_solar_from_lunar(&hung, &day) == EG_OK)
        add_statutory(c, g, day, N_HUNG_KINGS);
    add_statutory(c, g, eg_days_from_civil(year, 4, 30), N_VICTORY);
    add_statutory(c, g, eg_days_from_civil(year, 5, 1), N_LABOUR);
    int32_t sep2 = eg_days_from_civil(year, 9, 2);
    add_statutory(c, g, sep2, N_NATIONAL);
    if (override_kind(c, sep2 - 1) != EG_DAY_HOLIDAY &&
        override_kind(c, sep2 + 1) != EG_DAY_HOLIDAY)
        add_statutory(c, g, default_adjacent_day(year), N_NATIONAL_ADJ);

    /* Nghỉ bù: each weekend holiday, in date order, takes the first weekday not already off. */
    int statutory = g->n;
    int32_t weekend_days[GEN_MAX];
    int nw = 0;
    for (int i = 0; i < statutory; i++)
        if (is_weekend(g->d[i].day))
            weekend_days[nw++] = g->d[i].day;
    for (int i = 0; i < nw; i++) {
        int32_t d = weekend_days[i] + 1;
        for (;;) {
            int k = override_kind(c, d);
            int off = gen_find(g, d) >= 0 || k == EG_DAY_HOLIDAY || k == EG_DAY_COMPENSATORY_OFF;
            if (!is_weekend(d) && !off)
                break;
            d++;
        }
        gen_add(g, d, EG_DAY_COMPENSATORY_OFF, N_COMPENSATORY);
    }
}

/* The generated days of year: the cached table or, outside 1990-2100, *tmp filled now. */
static const gen_year *year_days(const eg_calendar *c, int year, gen_year *tmp)
{
    if (year >= CACHE_FIRST && year <= CACHE_LAST)
        return &c->years[year - CACHE_FIRST];
    generate_year(c, year, tmp);
    return tmp;
}

static void refresh_year(eg_calendar *c, int year)
{
    if (year >= CACHE_FIRST && year <= CACHE_LAST)
        generate_year(c, year, &c->years[year - CACHE_FIRST]);
}

/* A new calendar with the statutory rules only, cut-off 15:00. Free with eg_calendar_free().
 * Aborts on out-of-memory. */
eg_calendar *eg_calendar_new(void)
{
    eg_calendar *c = calloc(1, sizeof *c);
    if (!c) {
        fprintf(stderr, "egov: out of memory (%zu bytes) in calendar\n", sizeof *c);
        abort();
    }
    c->cutoff_min = DEFAULT_CUTOFF_MIN;
    for (int y = CACHE_FIRST; y <= CACHE_LAST; y++)
        refresh_year(c, y);
    return c;
}

/* Frees c; NULL is ignored. */
void eg_calendar_free(eg_calendar *c)
{
    if (!c)
        return;
    free(c->ov);
    free(c);
}

/* 1 when s[0..n) is UTF-8 without control characters (names end up in JSON and HTML). */
static int name_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x20 || b == 0x7f)
            return 0;
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
        if (len == 0 || b > 0xf4 || i + len > n)
            return 0;
        uint32_t cp = b & (0x3f >> (len - 1));
        for (size_t k = 1; k < len; k++) {
            unsigned char cb = (unsigned char)s[i + k];
            if ((cb & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (cb & 0x3f);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += len;
    }
    return 1;
}

static const char *default_override_name(int kind)
{
    switch (kind) {
    case EG_DAY_HOLIDAY:
        return "Ngày nghỉ";
    case EG_DAY_COMPENSATORY_OFF:
        return "Nghỉ bù";
    case EG_DAY_SWAPPED_WORKDAY:
        return "Làm bù";
    default:
        return "Ngày làm việc";
    }
}

static int check_override(int32_t day, int kind, const char *name, size_t name_len)
{
    if (kind < EG_DAY_HOLIDAY || kind > EG_DAY_NORMAL)
        return EG_EINVAL;
    int y = year_of(day);
    if (y < 1 || y > 9999)
        return EG_EINVAL;
    if (name && (name_len > NAME_MAX_LEN || !name_ok(name, name_len)))
        return EG_EINVAL;
    return EG_OK;
}

static void put_override(eg_calendar *c, int32_t day, int kind, const char *name, size_t len)
{
    if (!name || len == 0) {
        name = default_override_name(kind);
        len = strlen(name);
    }
    int i = find_override(c, day);
    if (i < 0) {
        if (c->n_ov == c->cap_ov) {
            c->cap_ov = c->cap_ov ? c->cap_ov * 2 : 32;
            c->ov = xrealloc(c->ov, (size_t)c->cap_ov * sizeof *c->ov);
        }
        i = c->n_ov;
        while (i > 0 && c->ov[i - 1].day > day) {
            c->ov[i] = c->ov[i - 1];
            i--;
        }
        c->n_ov++;
    }
    c->ov[i].day = day;
    c->ov[i].kind = kind;
    memcpy(c->ov[i].name, name, len);
    c->ov[i].name[len] = '\0';
    refresh_year(c, year_of(day));
}

/* Adds or replaces the override of one date (kind: EG_DAY_*; name NULL or "" = a default
 * Vietnamese name, at most 95 bytes of UTF-8). EG_EINVAL for a bad kind, date outside years
 * 1-9999 or bad name. Not thread-safe: configure before sharing the calendar. */
int eg_calendar_override(eg_calendar *c, int32_t day, int kind, const char *name)
{
    if (!c)
        return EG_EINVAL;
    size_t len = name ? strlen(name) : 0;
    int rc = check_override(day, kind, name, len);
    if (rc)
        return rc;
    put_override(c, day, kind, name, len);
    return EG_OK;
}

static int kind_from_text(const char *s, size_t n)
{
    static const struct {
        const char *text;
        int kind;
    } kinds[] = {{"holiday", EG_DAY_HOLIDAY},
                 {"compensatory_off", EG_DAY_COMPENSATORY_OFF},
                 {"swapped_workday", EG_DAY_SWAPPED_WORKDAY},
                 {"normal", EG_DAY_NORMAL}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i].text) == n && memcmp(kinds[i].text, s, n) == 0)
            return kinds[i].kind;
    return 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* Parses the name field: plain text, or a double-quoted field with "" for a quote, copied
 * into buf. */
static const char *parse_name(const char *s, size_t n, char *buf, size_t *out_len)
{
    if (n == 0 || s[0] != '"') {
        if (memchr(s, '"', n))
            return "stray quote in name";
        if (n > NAME_MAX_LEN)
            return "name longer than 95 bytes";
        memcpy(buf, s, n);
        *out_len = n;
        return NULL;
    }
    size_t len = 0;
    size_t i = 1;
    for (;;) {
        if (i >= n)
            return "unterminated quoted name";
        if (s[i] == '"') {
            if (i + 1 < n && s[i + 1] == '"') {
                i++;
            } else {
                if (i + 1 != n)
                    return "text after quoted name";
                break;
            }
        }
        if (len == NAME_MAX_LEN)
            return "name longer than 95 bytes";
        buf[len++] = s[i++];
    }
    *out_len = len;
    return NULL;
}

/* Parses one data line "YYYY-MM-DD,kind,name"; returns NULL or the reason it is bad. */
static const char *parse_line(const char *s, size_t n, int32_t *day, int *kind, char *name,
                              size_t *name_len)
{
    const char *c1 = memchr(s, ',', n);
    if (!c1)
        return "expected date,kind,name";
    const char *date = s;
    size_t date_len = (size_t)(c1 - s);
    trim(&date, &date_len);
    char tmp[11];
    int64_t ms;
    if (date_len != 10)
        return "date must be YYYY-MM-DD";
    memcpy(tmp, date, 10);
    tmp[10] = '\0';
    if (eg_time_parse(tmp, &ms) != EG_OK)
        return "date must be YYYY-MM-DD";
    *day = eg_vn_day(ms);
    const char *k = c1 + 1;
    size_t rest = n - (size_t)(k - s);
    const char *c2 = memchr(k, ',', rest);
    size_t k_len = c2 ? (size_t)(c2 - k) : rest;
    trim(&k, &k_len);
    *kind = kind_from_text(k, k_len);
    if (!*kind)
        return "kind must be holiday, compensatory_off, swapped_workday or normal";
    *name_len = 0;
    if (c2) {
        const char *nm = c2 + 1;
        size_t nm_len = n - (size_t)(nm - s);
        trim(&nm, &nm_len);
        const char *why = parse_name(nm, nm_len, name, name_len);
        if (why)
            return why;
    }
    if (check_override(*day, *kind, NULL, 0) != EG_OK)
        return "date out of range (years 0001-9999)";
    if (check_override(*day, *kind, name, *name_len) != EG_OK)
        return "name must be UTF-8 text without control characters";
    return NULL;
}

/* One pass over the CSV; applies rows only when apply is set. */
static int csv_pass(eg_calendar *c, const char *csv, size_t len, int apply, char *err,
                    size_t errlen)
{
    size_t pos = 0;
    int line_no = 0;
    int seen_data = 0;
    if (len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* UTF-8 byte order mark from spreadsheet exports */
    while (pos < len) {
        line_no++;
        const char *line = csv + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n && line[n - 1] == '\r')
            n--;
        const char *t = line;
        size_t tn = n;
        trim(&t, &tn);
        if (tn == 0 || t[0] == '#')
            continue;
        int first = !seen_data;
        seen_data = 1;
        if (first && tn == 14 && memcmp(t, "date,kind,name", 14) == 0)
            continue;
        const char *why = memchr(line, '\0', n) ? "NUL byte" : NULL;
        int32_t day = 0;
        int kind = 0;
        char name[NAME_MAX_LEN + 1];
        size_t name_len = 0;
        if (!why)
            why = parse_line(t, tn, &day, &kind, name, &name_len);
        if (why) {
            if (err && errlen)
                snprintf(err, errlen, "line %d: %s", line_no, why);
            return EG_EINVAL;
        }
        if (apply)
            put_override(c, day, kind, name, name_len);
    }
    return EG_OK;
}

/* Loads overrides from CSV text: one "YYYY-MM-DD,kind,name" per line (kind: holiday,
 * compensatory_off, swapped_workday or normal; name optional, may be double-quoted). Blank
 * lines, '#' comments and a first line "date,kind,name" are skipped; CRLF and a BOM are fine;
 * a later row for the same date replaces an earlier one. All or nothing: on EG_EINVAL nothing
 * is applied and err (when non-NULL) reads "line N: why". */
int eg_calendar_load_csv(eg_calendar *c, const char *csv, size_t len, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!c || (!csv && len)) {
        if (err && errlen)
            snprintf(err, errlen, "no calendar or no text");
        return EG_EINVAL;
    }
    int rc = csv_pass(c, csv, len, 0, err, errlen);
    if (rc)
        return rc;
    return csv_pass(c, csv, len, 1, err, errlen);
}

/* Receipts after this many minutes past VN midnight count from the next working day;
 * negative disables the cut-off. */
void eg_calendar_set_cutoff(eg_calendar *c, int minutes_after_midnight)
{
    if (c)
        c->cutoff_min = minutes_after_midnight;
}

/* 1 when day is a working day: an override decides when present (normal = Mon-Fri rule),
 * else generated holidays and nghỉ bù are off, else Mon-Fri. */
int eg_calendar_is_working(const eg_calendar *c, int32_t day)
{
    int k = override_kind(c, day);
    if (k == EG_DAY_HOLIDAY || k == EG_DAY_COMPENSATORY_OFF)
        return 0;
    if (k == EG_DAY_SWAPPED_WORKDAY)
        return 1;
    if (is_weekend(day))
        return 0;
    if (k == EG_DAY_NORMAL)
        return 1;
    gen_year tmp;
    const gen_year *g = year_days(c, year_of(day), &tmp);
    return gen_find(g, day) < 0;
}

/* The n-th working day after day; n = 0 gives day itself when working, else the next working
 * day. Negative n counts backwards (-1 = the last working day before day). */
int32_t eg_calendar_add_working_days(const eg_calendar *c, int32_t day, int n)
{
    if (n == 0) {
        while (!eg_calendar_is_working(c, day))
            day++;
        return day;
    }
    int step = n > 0 ? 1 : -1;
    long left = n > 0 ? (long)n : -(long)n;
    while (left > 0) {
        day += step;
        if (eg_calendar_is_working(c, day))
            left--;
    }
    return day;
}

/* Number of working days in (from, to]; negative (minus those in (to, from]) when to < from. */
int eg_calendar_working_days_between(const eg_calendar *c, int32_t from, int32_t to)
{
    int sign = 1;
    if (to < from) {
        int32_t t = from;
        from = to;
        to = t;
        sign = -1;
    }
    int n = 0;
    for (int32_t d = from + 1; d <= to; d++)
        n += eg_calendar_is_working(c, d);
    return sign * n;
}

/* Appointment time for a dossier received at received_ms needing working_days (>= 0).
 * The receipt day is not counted. A receipt on a non-working day, or after the cut-off, is
 * treated as received on the next working day, which is not counted either: received on
 * Saturday, day 1 is Tuesday (when Mon and Tue are working days). 0 days = the (effective)
 * receipt day. *due_ms = 17:00 VN of the due day, as UTC ms. EG_EINVAL on bad arguments. */
int eg_calendar_deadline(const eg_calendar *c, int64_t received_ms, int working_days,
                         int64_t *due_ms)
{
    /* Years 0001-9999 only, so the day arithmetic stays far from the int32 limits. */
    if (!c || !due_ms || working_days < 0 || received_ms < -62135596800000LL ||
        received_ms > 253402300799999LL)
        return EG_EINVAL;
    int32_t day = eg_vn_day(received_ms);
    int64_t ms_of_day = received_ms + EG_VN_OFFSET_MS - (int64_t)day * 86400000LL;
    if (!eg_calendar_is_working(c, day) ||
        (c->cutoff_min >= 0 && ms_of_day > (int64_t)c->cutoff_min * 60000))
        day = eg_calendar_add_working_days(c, day, 1);
    int32_t due = eg_calendar_add_working_days(c, day, working_days);
    *due_ms = (int64_t)due * 86400000LL + (int64_t)DUE_MIN_OF_DAY * 60000 - EG_VN_OFFSET_MS;
    return EG_OK;
}

static void fill_holiday(eg_holiday *h, int32_t day, int kind, const char *name, int generated)
{
    h->day = day;
    h->kind = kind;
    snprintf(h->name, sizeof h->name, "%s", name);
    h->generated = generated;
}

/* Days off and overrides of year, sorted by day: generated holidays and nghỉ bù
 * (generated = 1) merged with overrides (generated = 0; an override replaces the generated
 * entry of its date; `normal` overrides are not listed). Writes at most max entries and
 * returns how many were written. */
int eg_calendar_holidays(const eg_calendar *c, int year, eg_holiday *out, int max)
{
    if (!c || !out || max <= 0 || year < 1 || year > 9999)
        return 0;
    gen_year tmp;
    const gen_year *g = year_days(c, year, &tmp);
    int32_t first = eg_days_from_civil(year, 1, 1);
    int32_t last = eg_days_from_civil(year, 12, 31);
    int oi = 0;
    while (oi < c->n_ov && c->ov[oi].day < first)
        oi++;
    int gi = 0;
    int n = 0;
    while (n < max) {
        int has_o = oi < c->n_ov && c->ov[oi].day <= last;
        int has_g = gi < g->n;
        if (!has_o && !has_g)
            break;
        if (has_o && (!has_g || c->ov[oi].day <= g->d[gi].day)) {
            const override *o = &c->ov[oi++];
            if (has_g && g->d[gi].day == o->day)
                gi++;
            if (o->kind != EG_DAY_NORMAL)
                fill_holiday(&out[n++], o->day, o->kind, o->name, 0);
        } else {
            const gen_day *d = &g->d[gi++];
            fill_holiday(&out[n++], d->day, d->kind, gen_names[d->name], 1);
        }
    }
    return n;
}
