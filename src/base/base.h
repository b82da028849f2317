/*
 * base.h - the bottom layer of egov: memory, strings, errors, time, working calendar,
 * Vietnamese text, validators, JSON helpers, logging and configuration.
 *
 * Everything above (store, http, modules) builds on these. Nothing here knows about
 * HTTP or the database. Memory policy (Redis style): allocation failure aborts the
 * process with a message (eg_oom); callers never check malloc results.
 */
#ifndef EG_BASE_H
#define EG_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* ------------------------------------------------------------------ errors */

/* Result codes: 0 ok, negative on failure. One table (error.c) gives each a name,
 * an English message, the HTTP status, the problem-type slug and a Vietnamese title. */
enum {
    EG_OK = 0,
    EG_ENOMEM = -1,         /* out of memory (500) */
    EG_EINVAL = -2,         /* malformed input (400) */
    EG_ENOTFOUND = -3,      /* no such object (404) */
    EG_ECONFLICT = -4,      /* state or uniqueness conflict (409) */
    EG_EPRECOND = -5,       /* If-Match failed (412) */
    EG_ETOOBIG = -6,        /* payload too large (413) */
    EG_EMEDIA = -7,         /* unsupported media type (415) */
    EG_EUNPROCESSABLE = -8, /* well-formed but invalid content (422) */
    EG_EAUTH = -9,          /* not authenticated (401) */
    EG_EFORBIDDEN = -10,    /* authenticated but not allowed (403) */
    EG_ERATE = -11,         /* rate limited (429) */
    EG_EUNAVAIL = -12,      /* not ready / dependency down (503) */
    EG_EIO = -13,           /* file or network I/O failure (500) */
    EG_EDB = -14,           /* database failure (500) */
    EG_EMETHOD = -15,       /* method not allowed (405) */
    EG_EINTERNAL = -16,     /* broken invariant reported instead of crashing (500) */
    EG_EDECLINED = -17,     /* "not mine, try the next one" (nginx NGX_DECLINED) */
    EG_ETIMEOUT = -18,      /* upstream timed out (504) */
    EG_EUPSTREAM = -19,     /* upstream unreachable or broken (502) */
    EG_EBUSY = -20,         /* database busy / locked (503) */
    EG_EGONE = -21,         /* existed but removed (410) */
    EG_ERRNO_MIN = -21
};

const char *eg_errname(int rc);      /* "EG_EINVAL" */
const char *eg_strerror(int rc);     /* English message */
int eg_err_status(int rc);           /* HTTP status, 500 for unknown codes */
const char *eg_err_slug(int rc);     /* problem type slug, e.g. "bad-request" */
const char *eg_err_title_vi(int rc); /* Vietnamese short title */

/* Crash loudly on a broken invariant, with file and line (Redis serverAssert). Active in
 * release builds too. */
#define EG_ASSERT(e) ((e) ? (void)0 : eg__assert_fail(#e, __FILE__, __LINE__))
_Noreturn void eg__assert_fail(const char *expr, const char *file, int line);
_Noreturn void eg_oom(size_t size);
_Noreturn void eg_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ memory */

void *eg_malloc(size_t n); /* never NULL */
void *eg_calloc(size_t n, size_t sz);
void *eg_realloc(void *p, size_t n);
char *eg_strdup(const char *s);
char *eg_strndup(const char *s, size_t n);
char *eg_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Arena: one per request (nginx pool). Everything allocated from it is freed by
 * eg_arena_free(); cleanup handlers run first, in reverse order of registration. */
typedef struct eg_arena eg_arena;
eg_arena *eg_arena_new(size_t block_size); /* 0 = default (16 KiB) */
void eg_arena_free(eg_arena *a);
void *eg_arena_alloc(eg_arena *a, size_t n); /* 16-byte aligned, uninitialised */
void *eg_arena_zalloc(eg_arena *a, size_t n);
char *eg_arena_strdup(eg_arena *a, const char *s); /* NULL in, NULL out */
char *eg_arena_strndup(eg_arena *a, const char *s, size_t n);
char *eg_arena_printf(eg_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eg_arena_on_free(eg_arena *a, void (*fn)(void *), void *arg);
size_t eg_arena_used(const eg_arena *a);

/* ------------------------------------------------------------------ strings */

/* Length-aware string view; does not own its bytes. */
typedef struct {
    const char *ptr;
    size_t len;
} eg_str;
#define EG_STR(lit) ((eg_str){(lit), sizeof(lit) - 1})
eg_str eg_str_c(const char *s); /* NULL gives {NULL, 0} */
int eg_str_eq(eg_str a, eg_str b);
int eg_str_eq_c(eg_str a, const char *s);
int eg_str_starts(eg_str s, const char *prefix);
int eg_streq_ci(const char *a, const char *b); /* ASCII case-insensitive, NULL safe */
int eg_str_has_prefix(const char *s, const char *prefix);
/* Constant-time comparison of two byte strings (secrets, MACs). 1 when equal. */
int eg_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* Growable byte buffer; always NUL-terminated after any append. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} eg_buf;
#define EG_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }
void eg_buf_reserve(eg_buf *b, size_t extra);
void eg_buf_append(eg_buf *b, const void *p, size_t n);
void eg_buf_puts(eg_buf *b, const char *s);
void eg_buf_putc(eg_buf *b, char c);
void eg_buf_printf(eg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eg_buf_vprintf(eg_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void eg_buf_reset(eg_buf *b); /* len = 0, keeps memory */
void eg_buf_free(eg_buf *b);
const char *eg_buf_cstr(eg_buf *b); /* "" when empty */
char *eg_buf_steal(eg_buf *b);      /* caller frees with free(); buffer reset */
/* Appends s escaped for HTML text and attribute values (& < > " '). */
void eg_buf_html(eg_buf *b, const char *s);
/* Appends s escaped for XML text and attribute values (the same five characters; the
 * character references used are valid in XML 1.0). NULL appends nothing. */
void eg_buf_xml(eg_buf *b, const char *s);
/* Appends s percent-encoded (RFC 3986 unreserved kept). */
void eg_buf_urlencode(eg_buf *b, const char *s, size_t n);

/* Hex and base64url helpers. Output buffers must be large enough (2n+1, 4n/3+4). */
void eg_hex(const void *in, size_t n, char *out);
size_t eg_b64url_encode(const void *in, size_t n, char *out); /* no padding; returns len */
int eg_b64url_decode(const char *in, size_t n, eg_buf *out);  /* EG_EINVAL on bad input */
size_t eg_b64_encode(const void *in, size_t n, char *out);    /* standard, padded */
int eg_b64_decode(const char *in, size_t n, eg_buf *out);
/* SHA-256 of a buffer as 64 lowercase hex chars + NUL. */
void eg_sha256_hex(const void *data, size_t n, char out[65]);
/* Cryptographically random bytes / a random token of n bytes encoded base64url. */
void eg_random(void *out, size_t n);
char *eg_random_token(eg_arena *a, size_t nbytes);
/* A new identifier: 26-char Crockford-base32 ULID-like, time-ordered. out[27]. */
void eg_new_id(char out[27]);

/* ------------------------------------------------------------------ time */

/* All instants are int64 milliseconds since the Unix epoch, UTC. Business rules use
 * Asia/Ho_Chi_Minh (UTC+7, no DST since 1975); eg_tm values are in that zone unless said. */
#define EG_VN_OFFSET_MS (7 * 3600 * 1000LL)
int64_t eg_now_ms(void);  /* wall clock; tests may fix it with EGOV_FAKE_NOW=ISO8601 */
int64_t eg_mono_ms(void); /* monotonic, for durations */
typedef struct {
    int year, month, day; /* month 1-12, day 1-31 */
    int hour, min, sec, ms;
    int wday; /* 0 = Sunday */
} eg_tm;
void eg_time_utc(int64_t ms, eg_tm *out);
void eg_time_vn(int64_t ms, eg_tm *out);
int64_t eg_time_from_utc(const eg_tm *t);
int64_t eg_time_from_vn(const eg_tm *t);
/* "2026-04-23T03:00:00Z" (seconds) into out[21]; eg_time_iso_ms adds ".123" into out[25]. */
void eg_time_iso(int64_t ms, char out[21]);
void eg_time_iso_ms(int64_t ms, char out[25]);
/* Parses "YYYY-MM-DD" (VN midnight), "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z" or "+hh:mm"
 * (no zone = Asia/Ho_Chi_Minh). EG_EINVAL on malformed or impossible dates. */
int eg_time_parse(const char *s, int64_t *ms);
/* Day numbers: days since 1970-01-01 of a civil date (proleptic Gregorian). */
int32_t eg_days_from_civil(int y, int m, int d);
void eg_civil_from_days(int32_t days, int *y, int *m, int *d);
int eg_weekday(int32_t days); /* 0 = Sunday */
int eg_date_valid(int y, int m, int d);
/* The VN-local day number that contains instant ms. */
int32_t eg_vn_day(int64_t ms);

/* ------------------------------------------------------------------ lunar calendar */

/* Vietnamese lunar calendar (UTC+7), from the published astronomical algorithm. */
typedef struct {
    int year, month, day;
    int leap; /* 1 when the month is a leap month (tháng nhuận) */
} eg_lunar;
int eg_lunar_from_solar(int y, int m, int d, eg_lunar *out);
/* Solar day number of a lunar date; EG_EINVAL if it does not exist. */
int eg_solar_from_lunar(const eg_lunar *l, int32_t *days);

/* ------------------------------------------------------------------ working calendar */

/* Working days: Mon-Fri minus statutory holidays (generated per year from the lunar
 * calendar and the Labour Code), plus official yearly overrides held as data. */
enum eg_day_override {
    EG_DAY_HOLIDAY = 1,          /* extra day off (e.g. Tết days chosen by the PM) */
    EG_DAY_COMPENSATORY_OFF = 2, /* nghỉ bù */
    EG_DAY_SWAPPED_WORKDAY = 3,  /* a Saturday/Sunday made a working day */
    EG_DAY_NORMAL = 4            /* cancels a generated holiday for that date */
};
typedef struct eg_calendar eg_calendar;
typedef struct {
    int32_t day;   /* day number */
    int kind;      /* EG_DAY_HOLIDAY, EG_DAY_COMPENSATORY_OFF or EG_DAY_SWAPPED_WORKDAY */
    char name[96]; /* Vietnamese name, e.g. "Tết Nguyên đán" */
    int generated; /* 1 = from the statutory rules, 0 = from an override */
} eg_holiday;
eg_calendar *eg_calendar_new(void); /* statutory rules only; eg_calendar_free() */
void eg_calendar_free(eg_calendar *c);
/* Adds or replaces an override for one date. Thread-safety: configure before sharing. */
int eg_calendar_override(eg_calendar *c, int32_t day, int kind, const char *name);
/* Loads overrides from CSV text "date,kind,name" (kind: holiday|compensatory_off|
 * swapped_workday|normal); EG_EINVAL naming the line in err on bad input. */
int eg_calendar_load_csv(eg_calendar *c, const char *csv, size_t len, char *err, size_t errlen);
void eg_calendar_set_cutoff(eg_calendar *c, int minutes_after_midnight); /* default 15:00; <0 off */
int eg_calendar_is_working(const eg_calendar *c, int32_t day);
/* The n-th working day after day (n >= 0; n = 0 gives day itself if working, else next). */
int32_t eg_calendar_add_working_days(const eg_calendar *c, int32_t day, int n);
/* Working days in (from, to]. */
int eg_calendar_working_days_between(const eg_calendar *c, int32_t from, int32_t to);
/* Appointment date for a dossier received at instant received_ms (UTC) needing n working
 * days: receipt day not counted, receipts after the cut-off count from the next working
 * day. *due_ms = end of the due day (17:00 VN, configurable later). */
int eg_calendar_deadline(const eg_calendar *c, int64_t received_ms, int working_days,
                         int64_t *due_ms);
/* Holidays and overrides of a year, sorted; returns the count (at most max). */
int eg_calendar_holidays(const eg_calendar *c, int year, eg_holiday *out, int max);

/* ------------------------------------------------------------------ Vietnamese text */

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int eg_utf8_valid(const char *s, size_t n);
/* Decodes one code point at s (n bytes available); returns bytes used, 0 on error. */
size_t eg_utf8_decode(const char *s, size_t n, uint32_t *cp);
size_t eg_utf8_encode(uint32_t cp, char out[4]);
/* NFC normalisation covering Latin (incl. all Vietnamese letters, combining marks
 * U+0300-U+036F); other scripts pass through unchanged. Appends to out. EG_EINVAL on
 * invalid UTF-8. */
int eg_nfc(const char *s, size_t n, eg_buf *out);
/* Search key: NFC/NFD-insensitive, lowercase, diacritics removed, đ/Đ/ð/Ð -> d, other
 * characters kept, runs of whitespace collapsed to one space, trimmed. Appends to out. */
int eg_fold(const char *s, size_t n, eg_buf *out);
char *eg_fold_arena(eg_arena *a, const char *s); /* NULL on invalid UTF-8 */
/* Canonical tone placement (hòa -> hoà style) for tone-sensitive exact comparison;
 * output is NFC. */
int eg_tone_normalize(const char *s, size_t n, eg_buf *out);
/* Vietnamese collation (a ă â b c d đ e ê ...; tones secondary); strcmp-like result. */
int eg_vi_collate(const char *a, const char *b);

/* ------------------------------------------------------------------ validators */

/* Each returns 1 when valid. */
int eg_valid_agency_code(const char *s);    /* CCC.BB.AA.LNN, e.g. 000.00.07.H07 */
int eg_valid_procedure_code(const char *s); /* 1.011442.000.00.00.H38[.02] */
int eg_valid_personal_id(const char *s);    /* 12 digits, known province/country prefix */
int eg_valid_tax_code(
    const char *s);                /* 10 digits + checksum, or 10-3 / 13 branch; 12 = individual */
int eg_valid_phone(const char *s); /* Vietnamese mobile/landline, 0xxxxxxxxx or +84 */
int eg_valid_email(const char *s);

/* ------------------------------------------------------------------ JSON */

/* Parses JSON with limits: at most max_depth nesting, valid UTF-8, no duplicate keys, no
 * NUL in strings. On failure returns NULL and writes a message naming line/column to err. */
json_t *eg_json_parse(const char *buf, size_t len, int max_depth, char *err, size_t errlen);
/* Field getters: NULL / default when missing or of another type. */
const char *eg_json_str(const json_t *obj, const char *key);
long long eg_json_int(const json_t *obj, const char *key, long long def);
int eg_json_bool(const json_t *obj, const char *key, int def);
/* Compact dump into an arena / a buffer (UTF-8 unescaped, sorted keys off). */
char *eg_json_dump_arena(eg_arena *a, const json_t *j);
void eg_json_dump_buf(eg_buf *b, const json_t *j);
/* Builds a JSON string from possibly-NULL C string (NULL -> json null). */
json_t *eg_json_strn(const char *s);

/* ------------------------------------------------------------------ logging */

enum { EG_LOG_DEBUG = 0, EG_LOG_INFO = 1, EG_LOG_WARN = 2, EG_LOG_ERROR = 3 };
void eg_log_set_level(int level);
void eg_log_set_fd(int fd); /* default 2 (stderr) */
/* One JSON line: {"ts","level","module","request_id","msg", key: value ...}. The varargs are
 * NULL-terminated pairs of const char * key and value. Values of personal-identifier keys
 * (citizen_id, personal_id, phone, tax_code, id_number, ...) and any run of 9+ digits are
 * masked to their last 4 digits. */
void eg_log(int level, const char *module, const char *request_id, const char *msg, ...);
/* Masks digits of s into out (same length), keeping the last 4 of each run of >= 9 digits. */
void eg_mask_digits(const char *s, eg_buf *out);

/* ------------------------------------------------------------------ configuration */

/* egov.conf: "[section]" headers and "key = value" lines, '#' comments. Keys are looked up
 * as "section.key". Environment EGOV_SECTION_KEY (upper case, '.' -> '_') overrides the file. */
typedef struct eg_config eg_config;
/* path may be NULL (defaults + environment only). EG_EINVAL with "file:line: why" in err. */
int eg_config_load(const char *path, eg_config **out, char *err, size_t errlen);
void eg_config_free(eg_config *c);
const char *eg_config_get(const eg_config *c, const char *key, const char *def);
long long eg_config_int(const eg_config *c, const char *key, long long def);
int eg_config_bool(const eg_config *c, const char *key, int def);
void eg_config_set(eg_config *c, const char *key, const char *value);

/* ------------------------------------------------------------------ files */

/* Reads a whole file (max bytes; EG_ETOOBIG beyond). */
int eg_read_file(const char *path, size_t max, eg_buf *out);
/* Writes atomically: temp file in the same dir, fsync, rename, fsync dir. */
int eg_write_file_atomic(const char *path, const void *data, size_t n, int mode);
int eg_mkdir_p(const char *path, int mode);
int eg_path_exists(const char *path);
/* Removes a directory tree (like rm -rf; symlinks are removed, not followed). */
int eg_remove_tree(const char *path);

#endif
