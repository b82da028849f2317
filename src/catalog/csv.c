/*
 * csv.c - the RFC 4180 reader and writer used for catalogue import/export, the agency
 * list and the EAMS seed. Strict on purpose: an import is all-or-nothing, so the reader
 * reports the first malformed line instead of guessing.
 */
#include <string.h>
#include "catalog/internal.h"

#define MAX_FIELDS 256

typedef struct {
    eg_arena *a;
    eg_buf field;
    char *fields[MAX_FIELDS];
    int nf;
    eg_csv_row *rows;
    int nrows, cap;
} reader;

static void end_field(reader *rd)
{
    rd->fields[rd->nf++] = eg_arena_strndup(rd->a, eg_buf_cstr(&rd->field), rd->field.len);
    eg_buf_reset(&rd->field);
}

static void end_row(reader *rd, int line)
{
    if (rd->nf == 1 && rd->fields[0][0] == '\0') { /* blank line */
        rd->nf = 0;
        return;
    }
    if (rd->nrows == rd->cap) {
        int ncap = rd->cap ? rd->cap * 2 : 64;
        eg_csv_row *nr = eg_arena_alloc(rd->a, sizeof(*nr) * (size_t)ncap);
        if (rd->nrows)
            memcpy(nr, rd->rows, sizeof(*nr) * (size_t)rd->nrows);
        rd->rows = nr;
        rd->cap = ncap;
    }
    eg_csv_row *r = &rd->rows[rd->nrows++];
    r->n = rd->nf;
    r->line = line;
    r->f = eg_arena_alloc(rd->a, sizeof(char *) * (size_t)(rd->nf ? rd->nf : 1));
    memcpy(r->f, rd->fields, sizeof(char *) * (size_t)rd->nf);
    rd->nf = 0;
}

int eg_csv_parse(eg_arena *a, const char *s, size_t n, int max_rows, eg_csv *out, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    if (memchr(s, '\0', n)) {
        snprintf(err, errlen, "tệp CSV chứa byte NUL");
        return EG_EINVAL;
    }
    if (!eg_utf8_valid(s, n)) {
        snprintf(err, errlen, "tệp CSV không phải UTF-8 hợp lệ");
        return EG_EINVAL;
    }
    reader rd = {.a = a};
    int rc = EG_OK, line = 1, start_line = 1;
    size_t i = 0;
    while (i < n) {
        /* at the start of a field */
        if (s[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) {
                    snprintf(err, errlen, "dòng %d: dấu ngoặc kép không được đóng", start_line);
                    rc = EG_EINVAL;
                    goto done;
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        eg_buf_putc(&rd.field, '"');
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (s[i] == '\n')
                    line++;
                eg_buf_putc(&rd.field, s[i++]);
            }
            if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                snprintf(err, errlen, "dòng %d: ký tự sau dấu ngoặc kép đóng", line);
                rc = EG_EINVAL;
                goto done;
            }
        } else {
            while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                if (s[i] == '"') {
                    snprintf(err, errlen, "dòng %d: dấu ngoặc kép trong trường không được bọc",
                             line);
                    rc = EG_EINVAL;
                    goto done;
                }
                eg_buf_putc(&rd.field, s[i++]);
            }
        }
        if (rd.nf >= MAX_FIELDS) {
            snprintf(err, errlen, "dòng %d: quá %d cột", line, MAX_FIELDS);
            rc = EG_EINVAL;
            goto done;
        }
        end_field(&rd);
        if (i < n && s[i] == ',') {
            i++;
            if (i == n) { /* trailing comma at end of input: one more empty field */
                if (rd.nf >= MAX_FIELDS) {
                    snprintf(err, errlen, "dòng %d: quá %d cột", line, MAX_FIELDS);
                    rc = EG_EINVAL;
                    goto done;
                }
                end_field(&rd);
            }
            continue;
        }
        if (i < n && s[i] == '\r')
            i++;
        if (i < n && s[i] == '\n')
            i++;
        end_row(&rd, start_line);
        if (rd.nrows > max_rows) {
            snprintf(err, errlen, "quá %d dòng", max_rows);
            rc = EG_ETOOBIG;
            goto done;
        }
        line++;
        start_line = line;
    }
    if (rd.nf)
        end_row(&rd, start_line);
    out->rows = rd.rows;
    out->nrows = rd.nrows;
done:
    eg_buf_free(&rd.field);
    return rc;
}

void eg_csv_put(eg_buf *b, const char *field)
{
    if (!field)
        field = "";
    size_t n = strlen(field);
    int quote = n && (field[0] == ' ' || field[n - 1] == ' ');
    if (strpbrk(field, ",\"\r\n"))
        quote = 1;
    if (!quote) {
        eg_buf_append(b, field, n);
        return;
    }
    eg_buf_putc(b, '"');
    for (const char *p = field; *p; p++) {
        if (*p == '"')
            eg_buf_putc(b, '"');
        eg_buf_putc(b, *p);
    }
    eg_buf_putc(b, '"');
}

int eg_csv_col(const eg_csv *c, const char *name)
{
    if (c->nrows == 0)
        return -1;
    for (int i = 0; i < c->rows[0].n; i++)
        if (strcmp(c->rows[0].f[i], name) == 0)
            return i;
    return -1;
}

const char *eg_csv_get(const eg_csv_row *r, int i)
{
    if (i < 0 || i >= r->n)
        return "";
    return r->f[i];
}
