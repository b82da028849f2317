/*
 * pdf.c - flow-layout Vietnamese PDF documents on libharu.
 *
 * Design: one eg_pdf owns a libharu document, the two DejaVu TrueType fonts (regular and bold,
 * embedded, used through libharu's UTF-8 encoder so every Vietnamese letter renders) and a
 * cursor (current page, y position). Each block measures its text with HPDF_Page_TextWidth,
 * wraps at word boundaries (breaking over-long words between UTF-8 characters), and starts a
 * new page when the next line does not fit. Tables repeat their header row on every page and
 * split tall rows line by line. Input text is NFC-normalised first (combining marks would
 * render poorly). libharu errors never abort: the error handler records EG_EIO, which
 * eg_pdf_render() returns. libharu 2.3 subsets embedded TrueType fonts but only follows one
 * level of composite glyphs, so DejaVu's stacked-diacritic letters (ấ ồ ế ...) would lose their
 * marks: before saving, fix_composites() marks every component of every used glyph, reading
 * the glyf table from the font file (cached once per process). Page layout follows Decree 30/2020
 * (A4, margins 20/15/20/30 mm).
 */
#include "pdf/pdf.h"

#include <hpdf.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MM          (72.0f / 25.4f)
#define M_TOP       (20 * MM)
#define M_BOTTOM    (20 * MM)
#define M_LEFT      (30 * MM)
#define M_RIGHT     (15 * MM)
#define BODY_SIZE   12.0f
#define TABLE_SIZE  10.0f
#define LEADING     1.35f
#define CELL_PAD    3.0f
#define QR_SIZE_PT  90.0f
#define MAX_COLS    32
#define DEFAULT_DIR "/usr/share/fonts/truetype/dejavu"

struct eg_pdf {
    HPDF_Doc doc;
    HPDF_Font font, bold;
    HPDF_Page page; /* NULL until the first block */
    float y;        /* baseline cursor: top of free space */
    int landscape;  /* following pages are landscape */
    int err;        /* first libharu error (EG_EIO) */
    unsigned long hpdf_err;
    eg_arena *arena; /* NFC copies and wrapped lines */
    char font_path[2][1024];
};

static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    eg_pdf *p = user;
    if (p->err == 0) {
        char code[48];
        snprintf(code, sizeof(code), "0x%04lX/%lu", (unsigned long)error_no,
                 (unsigned long)detail_no);
        eg_log(EG_LOG_ERROR, "pdf", NULL, "libharu error", "code", code, NULL);
        p->hpdf_err = error_no;
    }
    p->err = EG_EIO;
}

eg_pdf *eg_pdf_new(const char *font_dir)
{
    eg_pdf *p = eg_calloc(1, sizeof(*p));
    p->doc = HPDF_New(on_error, p);
    if (!p->doc) {
        free(p);
        return NULL;
    }
    p->arena = eg_arena_new(0);
    HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(p->doc);
    HPDF_SetCurrentEncoder(p->doc, "UTF-8");
    const char *dir = font_dir ? font_dir : DEFAULT_DIR;
    char path[1024];
    snprintf(path, sizeof(path), "%s/DejaVuSans.ttf", dir);
    snprintf(p->font_path[0], sizeof(p->font_path[0]), "%s", path);
    const char *name =
        eg_path_exists(path) ? HPDF_LoadTTFontFromFile(p->doc, path, HPDF_TRUE) : NULL;
    if (name)
        p->font = HPDF_GetFont(p->doc, name, "UTF-8");
    snprintf(path, sizeof(path), "%s/DejaVuSans-Bold.ttf", dir);
    snprintf(p->font_path[1], sizeof(p->font_path[1]), "%s", path);
    name = eg_path_exists(path) ? HPDF_LoadTTFontFromFile(p->doc, path, HPDF_TRUE) : NULL;
    if (name)
        p->bold = HPDF_GetFont(p->doc, name, "UTF-8");
    if (!p->font || !p->bold || p->err) {
        eg_log(EG_LOG_ERROR, "pdf", NULL, "cannot load the DejaVu fonts", "dir", dir, NULL);
        eg_pdf_free(p);
        return NULL;
    }
    return p;
}

void eg_pdf_free(eg_pdf *p)
{
    if (!p)
        return;
    if (p->doc)
        HPDF_Free(p->doc);
    if (p->arena)
        eg_arena_free(p->arena);
    free(p);
}

/* NFC copy of s in the arena ("" for NULL; invalid UTF-8 replaced by '?'). */
static const char *text(eg_pdf *p, const char *s)
{
    if (!s)
        return "";
    eg_buf b = EG_BUF_INIT;
    if (eg_nfc(s, strlen(s), &b) != EG_OK) {
        eg_buf_reset(&b);
        for (const char *q = s; *q; q++)
            eg_buf_putc(&b, (unsigned char)*q < 0x80 ? *q : '?');
    }
    const char *r = eg_arena_strdup(p->arena, eg_buf_cstr(&b));
    eg_buf_free(&b);
    return r;
}

void eg_pdf_info(eg_pdf *p, const char *title, const char *author)
{
    if (title)
        HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, text(p, title));
    if (author)
        HPDF_SetInfoAttr(p->doc, HPDF_INFO_AUTHOR, text(p, author));
    HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "egov");
}

static float page_w(const eg_pdf *p)
{
    return HPDF_Page_GetWidth(p->page);
}

static float content_w(const eg_pdf *p)
{
    return page_w(p) - M_LEFT - M_RIGHT;
}

static void new_page(eg_pdf *p)
{
    p->page = HPDF_AddPage(p->doc);
    HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4,
                      p->landscape ? HPDF_PAGE_LANDSCAPE : HPDF_PAGE_PORTRAIT);
    p->y = HPDF_Page_GetHeight(p->page) - M_TOP;
}

static void need_page(eg_pdf *p)
{
    if (!p->page)
        new_page(p);
}

/* Makes room for h points, starting a new page when the current one is too full. */
static void ensure(eg_pdf *p, float h)
{
    need_page(p);
    if (p->y - h < M_BOTTOM)
        new_page(p);
}

static float width_of(eg_pdf *p, HPDF_Font f, float size, const char *s, size_t n)
{
    char tmp[1024];
    if (n >= sizeof(tmp))
        n = sizeof(tmp) - 1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    HPDF_Page_SetFontAndSize(p->page, f, size);
    return HPDF_Page_TextWidth(p->page, tmp);
}

static size_t utf8_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    for (size_t i = 1; i < n; i++)
        if (!s[i])
            return i;
    return n;
}

/* Wraps s into lines no wider than w; returns the count, lines in *out (arena). */
static int wrap(eg_pdf *p, HPDF_Font f, float size, const char *s, float w, const char ***out)
{
    need_page(p);
    int cap = 8, n = 0;
    const char **lines = eg_arena_alloc(p->arena, cap * sizeof(*lines));
    eg_buf line = EG_BUF_INIT;
    const char *q = s;
    for (;;) {
        /* next word (up to space/newline/end) */
        while (*q == ' ' || *q == '\t')
            q++;
        const char *ws = q;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n')
            q++;
        size_t wl = (size_t)(q - ws);
        while (wl > 0) {
            eg_buf t = EG_BUF_INIT;
            if (line.len)
                eg_buf_printf(&t, "%s ", line.data);
            eg_buf_append(&t, ws, wl);
            int fits = width_of(p, f, size, t.data, t.len) <= w;
            eg_buf_free(&t);
            if (fits) {
                if (line.len)
                    eg_buf_putc(&line, ' ');
                eg_buf_append(&line, ws, wl);
                wl = 0;
            } else if (line.len) {
                goto flush_line;
            } else {
                /* a word wider than the line: break between characters */
                size_t take = 0;
                while (take < wl) {
                    size_t c = utf8_len(ws + take);
                    if (take > 0 && width_of(p, f, size, ws, take + c) > w)
                        break;
                    take += c;
                }
                eg_buf_append(&line, ws, take);
                ws += take;
                wl -= take;
                if (wl > 0)
                    goto flush_line;
            }
            continue;
        flush_line:
            if (n == cap) {
                const char **bigger = eg_arena_alloc(p->arena, 2 * cap * sizeof(*lines));
                memcpy(bigger, lines, cap * sizeof(*lines));
                lines = bigger;
                cap *= 2;
            }
            lines[n++] = eg_arena_strdup(p->arena, eg_buf_cstr(&line));
            eg_buf_reset(&line);
        }
        if (*q == '\n' || !*q) {
            if (n == cap) {
                const char **bigger = eg_arena_alloc(p->arena, 2 * cap * sizeof(*lines));
                memcpy(bigger, lines, cap * sizeof(*lines));
                lines = bigger;
                cap *= 2;
            }
            lines[n++] = eg_arena_strdup(p->arena, eg_buf_cstr(&line));
            eg_buf_reset(&line);
            if (!*q)
                break;
            q++;
        }
    }
    eg_buf_free(&line);
    *out = lines;
    return n;
}

enum { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };

/* Draws one line with its baseline at y inside [x, x+w). */
static void draw(eg_pdf *p, HPDF_Font f, float size, float x, float w, float y, int align,
                 const char *s)
{
    if (!*s)
        return;
    float tw = width_of(p, f, size, s, strlen(s));
    if (align == ALIGN_CENTER)
        x += (w - tw) / 2;
    else if (align == ALIGN_RIGHT)
        x += w - tw;
    HPDF_Page_BeginText(p->page);
    HPDF_Page_SetFontAndSize(p->page, f, size);
    HPDF_Page_TextOut(p->page, x, y, s);
    HPDF_Page_EndText(p->page);
}

/* Flows wrapped text across pages. */
static void flow(eg_pdf *p, HPDF_Font f, float size, float x, float w, int align, const char *s)
{
    const char **lines;
    int n = wrap(p, f, size, s, w, &lines);
    float lh = size * LEADING;
    for (int i = 0; i < n; i++) {
        ensure(p, lh);
        p->y -= lh;
        draw(p, f, size, x, w, p->y + size * 0.3f, align, lines[i]);
    }
}

static void hline(eg_pdf *p, float x0, float x1, float y)
{
    HPDF_Page_SetLineWidth(p->page, 0.6f);
    HPDF_Page_MoveTo(p->page, x0, y);
    HPDF_Page_LineTo(p->page, x1, y);
    HPDF_Page_Stroke(p->page);
}

/* One column of the heading: lines centered in [x, x+w), starting at y0; bold from line
 * bold_from on; a short rule under the last line. Returns the y reached. */
static float heading_col(eg_pdf *p, const char *s, float x, float w, float y0, int bold_from,
                         float size)
{
    float y = y0, lh = size * LEADING;
    int idx = 0;
    float last_w = 0;
    const char *q = s;
    while (*q) {
        const char *e = strchr(q, '\n');
        size_t l = e ? (size_t)(e - q) : strlen(q);
        char *ln = eg_arena_strndup(p->arena, q, l);
        HPDF_Font f = idx >= bold_from ? p->bold : p->font;
        const char **parts;
        int np = wrap(p, f, size, ln, w, &parts);
        for (int i = 0; i < np; i++) {
            y -= lh;
            draw(p, f, size, x, w, y + size * 0.3f, ALIGN_CENTER, parts[i]);
            last_w = width_of(p, f, size, parts[i], strlen(parts[i]));
        }
        idx++;
        q = e ? e + 1 : q + l;
    }
    if (last_w > 0) {
        float rw = last_w * 0.6f;
        hline(p, x + (w - rw) / 2, x + (w + rw) / 2, y - 2);
        y -= 4;
    }
    return y;
}

void eg_pdf_heading(eg_pdf *p, const char *agency_lines, const char *place_date)
{
    need_page(p);
    const char *agency = text(p, agency_lines);
    float cw = content_w(p), lw = cw * 0.42f, rw = cw - lw;
    float size = 11.5f;
    ensure(p, size * LEADING * 4);
    /* the agency: parent agencies regular, the issuing agency (last line) bold */
    int nl = 1;
    for (const char *c = agency; *c; c++)
        nl += *c == '\n';
    float yl = heading_col(p, agency, M_LEFT, lw, p->y, nl - 1, size);
    float yr = heading_col(p, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
                           M_LEFT + lw, rw, p->y, 0, size);
    p->y = yl < yr ? yl : yr;
    if (place_date && *place_date) {
        p->y -= 4;
        float save = p->y;
        p->y = save;
        const char **lines;
        int n = wrap(p, p->font, size, text(p, place_date), rw, &lines);
        for (int i = 0; i < n; i++) {
            p->y -= size * LEADING;
            draw(p, p->font, size, M_LEFT + lw, rw, p->y + size * 0.3f, ALIGN_CENTER, lines[i]);
        }
    }
    p->y -= 10;
}

void eg_pdf_title(eg_pdf *p, const char *title, const char *subtitle)
{
    need_page(p);
    ensure(p, 14 * LEADING * 3);
    p->y -= 6;
    flow(p, p->bold, 14, M_LEFT, content_w(p), ALIGN_CENTER, text(p, title));
    if (subtitle && *subtitle)
        flow(p, p->font, BODY_SIZE, M_LEFT, content_w(p), ALIGN_CENTER, text(p, subtitle));
    p->y -= 8;
}

void eg_pdf_paragraph(eg_pdf *p, const char *s, int bold)
{
    need_page(p);
    flow(p, bold ? p->bold : p->font, BODY_SIZE, M_LEFT, content_w(p), ALIGN_LEFT, text(p, s));
    p->y -= 3;
}

void eg_pdf_field(eg_pdf *p, const char *label, const char *value)
{
    need_page(p);
    const char *l = text(p, label), *v = text(p, value);
    float lh = BODY_SIZE * LEADING, cw = content_w(p);
    char *lab = eg_arena_printf(p->arena, "%s: ", l);
    float lw = width_of(p, p->font, BODY_SIZE, lab, strlen(lab));
    if (lw > cw * 0.5f) { /* a long label: value on the following lines */
        flow(p, p->font, BODY_SIZE, M_LEFT, cw, ALIGN_LEFT, lab);
        flow(p, p->bold, BODY_SIZE, M_LEFT + 14, cw - 14, ALIGN_LEFT, v);
        return;
    }
    const char **lines;
    int n = wrap(p, p->bold, BODY_SIZE, v, cw - lw, &lines);
    for (int i = 0; i < n; i++) {
        ensure(p, lh);
        p->y -= lh;
        if (i == 0)
            draw(p, p->font, BODY_SIZE, M_LEFT, lw, p->y + BODY_SIZE * 0.3f, ALIGN_LEFT, lab);
        draw(p, p->bold, BODY_SIZE, M_LEFT + lw, cw - lw, p->y + BODY_SIZE * 0.3f, ALIGN_LEFT,
             lines[i]);
    }
}

struct row {
    const char **lines[MAX_COLS];
    int n[MAX_COLS];
    int max;
};

static void layout_row(eg_pdf *p, HPDF_Font f, int ncols, const char *const *cells, const float *cw,
                       struct row *r)
{
    r->max = 1;
    for (int c = 0; c < ncols; c++) {
        r->n[c] = wrap(p, f, TABLE_SIZE, text(p, cells[c]), cw[c] - 2 * CELL_PAD, &r->lines[c]);
        if (r->n[c] > r->max)
            r->max = r->n[c];
    }
}

/* Draws lines [from, to) of a row at the cursor, with cell borders (fill for the header). */
static void draw_row(eg_pdf *p, HPDF_Font f, int ncols, const float *cw, const struct row *r,
                     int from, int to, int header)
{
    float lh = TABLE_SIZE * LEADING, h = (float)(to - from) * lh + 2 * CELL_PAD;
    float x = M_LEFT, top = p->y, total = 0;
    for (int c = 0; c < ncols; c++)
        total += cw[c];
    if (header) {
        HPDF_Page_SetGrayFill(p->page, 0.88f);
        HPDF_Page_Rectangle(p->page, x, top - h, total, h);
        HPDF_Page_Fill(p->page);
        HPDF_Page_SetGrayFill(p->page, 0);
    }
    HPDF_Page_SetLineWidth(p->page, 0.5f);
    for (int c = 0; c < ncols; c++) {
        HPDF_Page_Rectangle(p->page, x, top - h, cw[c], h);
        HPDF_Page_Stroke(p->page);
        for (int i = from; i < to && i < r->n[c]; i++) {
            float base = top - CELL_PAD - (float)(i - from + 1) * lh + TABLE_SIZE * 0.3f;
            draw(p, f, TABLE_SIZE, x + CELL_PAD, cw[c] - 2 * CELL_PAD, base,
                 header ? ALIGN_CENTER : ALIGN_LEFT, r->lines[c][i]);
        }
        x += cw[c];
    }
    p->y = top - h;
}

void eg_pdf_table(eg_pdf *p, int ncols, const char *const *headers, const char *const *cells,
                  int nrows, const float *widths)
{
    if (ncols <= 0 || ncols > MAX_COLS)
        return;
    need_page(p);
    float cw[MAX_COLS], sum = 0, lh = TABLE_SIZE * LEADING;
    for (int c = 0; c < ncols; c++)
        sum += widths && widths[c] > 0 ? widths[c] : 1;
    for (int c = 0; c < ncols; c++)
        cw[c] = content_w(p) * (widths && widths[c] > 0 ? widths[c] : 1) / sum;
    struct row head;
    layout_row(p, p->bold, ncols, headers, cw, &head);
    float head_h = (float)head.max * lh + 2 * CELL_PAD;
    ensure(p, head_h + lh + 2 * CELL_PAD);
    draw_row(p, p->bold, ncols, cw, &head, 0, head.max, 1);
    for (int r = 0; r < nrows; r++) {
        struct row row;
        layout_row(p, p->font, ncols, cells + (size_t)r * ncols, cw, &row);
        float full = HPDF_Page_GetHeight(p->page) - M_TOP - M_BOTTOM - head_h;
        int from = 0, fresh = 0;
        while (from < row.max) {
            int fit = (int)((p->y - M_BOTTOM - 2 * CELL_PAD) / lh);
            if (fresh && fit < 1)
                fit = 1;
            if (!fresh && (fit < 1 || (from == 0 && fit < row.max &&
                                       (float)row.max * lh + 2 * CELL_PAD <= full))) {
                /* next page with the header repeated; rows that fit a page are not split */
                new_page(p);
                draw_row(p, p->bold, ncols, cw, &head, 0, head.max, 1);
                fresh = 1;
                continue;
            }
            fresh = 0;
            int to = from + fit < row.max ? from + fit : row.max;
            draw_row(p, p->font, ncols, cw, &row, from, to, 0);
            from = to;
        }
    }
    p->y -= 6;
}

int eg_pdf_qr_matrix(const char *s, int *version, int *width, eg_buf *modules)
{
    QRcode *qr = QRcode_encodeString(s, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return EG_EINVAL;
    if (version)
        *version = qr->version;
    if (width)
        *width = qr->width;
    if (modules) {
        for (int i = 0; i < qr->width * qr->width; i++)
            eg_buf_putc(modules, (qr->data[i] & 1) ? '1' : '0');
    }
    QRcode_free(qr);
    return EG_OK;
}

int eg_pdf_qr(eg_pdf *p, const char *s, const char *caption)
{
    need_page(p);
    QRcode *qr = QRcode_encodeString(s ? s : "", 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return EG_EINVAL;
    const char *cap = text(p, caption);
    float size = QR_SIZE_PT, quiet = 4;
    float mod = size / ((float)qr->width + 2 * quiet);
    const char **lines = NULL;
    float capw = 150;
    int nl = caption && *caption ? wrap(p, p->font, 9, cap, capw, &lines) : 0;
    ensure(p, size + (float)nl * 9 * LEADING + 4);
    float x0 = page_w(p) - M_RIGHT - size - (capw - size) / 2;
    float top = p->y;
    HPDF_Page_SetGrayFill(p->page, 0);
    for (int yy = 0; yy < qr->width; yy++) {
        for (int xx = 0; xx < qr->width; xx++) {
            if (!(qr->data[yy * qr->width + xx] & 1))
                continue;
            HPDF_Page_Rectangle(p->page, x0 + (quiet + (float)xx) * mod,
                                top - (quiet + (float)yy + 1) * mod, mod, mod);
        }
    }
    HPDF_Page_Fill(p->page);
    QRcode_free(qr);
    p->y = top - size;
    for (int i = 0; i < nl; i++) {
        p->y -= 9 * LEADING;
        draw(p, p->font, 9, page_w(p) - M_RIGHT - capw, capw, p->y + 9 * 0.3f, ALIGN_CENTER,
             lines[i]);
    }
    p->y -= 6;
    return p->err;
}

void eg_pdf_signature(eg_pdf *p, const char *role, const char *note, const char *name)
{
    need_page(p);
    float cw = content_w(p), w = cw * 0.5f, x = M_LEFT + cw - w;
    float lh = BODY_SIZE * LEADING;
    ensure(p, lh * 3 + 60);
    p->y -= 6;
    const char **lines;
    int n = wrap(p, p->bold, BODY_SIZE, text(p, role), w, &lines);
    for (int i = 0; i < n; i++) {
        p->y -= lh;
        draw(p, p->bold, BODY_SIZE, x, w, p->y + BODY_SIZE * 0.3f, ALIGN_CENTER, lines[i]);
    }
    if (note && *note) {
        n = wrap(p, p->font, 10, text(p, note), w, &lines);
        for (int i = 0; i < n; i++) {
            p->y -= 10 * LEADING;
            draw(p, p->font, 10, x, w, p->y + 3, ALIGN_CENTER, lines[i]);
        }
    }
    p->y -= 60;
    if (name && *name) {
        n = wrap(p, p->bold, BODY_SIZE, text(p, name), w, &lines);
        for (int i = 0; i < n; i++) {
            p->y -= lh;
            draw(p, p->bold, BODY_SIZE, x, w, p->y + BODY_SIZE * 0.3f, ALIGN_CENTER, lines[i]);
        }
    }
    p->y -= 6;
}

void eg_pdf_space(eg_pdf *p, float points)
{
    need_page(p);
    if (p->y - points < M_BOTTOM)
        new_page(p);
    else
        p->y -= points;
}

void eg_pdf_landscape(eg_pdf *p)
{
    p->landscape = 1;
    /* an untouched current page turns too; otherwise the next page is landscape */
    if (p->page && p->y >= HPDF_Page_GetHeight(p->page) - M_TOP - 0.01f) {
        HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
        p->y = HPDF_Page_GetHeight(p->page) - M_TOP;
    } else if (p->page) {
        new_page(p);
    }
}

/* ---- composite glyphs (see the design note) ---- */

static pthread_mutex_t font_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char path[1024];
    eg_buf data;
} font_cache[4];

/* The bytes of a font file, read once per process (NULL when unreadable). */
static const eg_buf *font_bytes(const char *path)
{
    const eg_buf *r = NULL;
    pthread_mutex_lock(&font_lock);
    for (size_t i = 0; i < sizeof(font_cache) / sizeof(font_cache[0]) && !r; i++) {
        if (strcmp(font_cache[i].path, path) == 0) {
            r = &font_cache[i].data;
        } else if (!font_cache[i].path[0]) {
            eg_buf b = EG_BUF_INIT;
            if (eg_read_file(path, 64u << 20, &b) != EG_OK) {
                eg_buf_free(&b);
                break;
            }
            snprintf(font_cache[i].path, sizeof(font_cache[i].path), "%s", path);
            font_cache[i].data = b;
            r = &font_cache[i].data;
        }
    }
    pthread_mutex_unlock(&font_lock);
    return r;
}

static unsigned be16(const unsigned char *q)
{
    return (unsigned)q[0] << 8 | q[1];
}

static void mark_glyph(HPDF_TTFontDefAttr tt, const eg_buf *file, unsigned gid, int depth)
{
    if (gid >= tt->num_glyphs || depth > 8)
        return;
    tt->glyph_tbl.flgs[gid] = 1;
    size_t mul = tt->header.index_to_loc_format == 0 ? 2 : 1;
    size_t off = tt->glyph_tbl.base_offset + (size_t)tt->glyph_tbl.offsets[gid] * mul;
    size_t end = tt->glyph_tbl.base_offset + (size_t)tt->glyph_tbl.offsets[gid + 1] * mul;
    const unsigned char *d = (const unsigned char *)file->data;
    if (end <= off || end > file->len || end - off < 10)
        return;
    if ((int16_t)be16(d + off) >= 0)
        return; /* simple glyph */
    size_t q = off + 10;
    for (;;) {
        if (q + 4 > end)
            return;
        unsigned flags = be16(d + q), comp = be16(d + q + 2);
        q += 4 + ((flags & 0x1) ? 4 : 2);
        q += (flags & 0x8) ? 2 : (flags & 0x40) ? 4 : (flags & 0x80) ? 8 : 0;
        mark_glyph(tt, file, comp, depth + 1);
        if (!(flags & 0x20))
            return;
    }
}

static void fix_composites(HPDF_Font font, const char *path)
{
    HPDF_FontAttr fa = ((HPDF_Dict)font)->attr;
    if (!fa || !fa->fontdef || fa->fontdef->type != HPDF_FONTDEF_TYPE_TRUETYPE)
        return;
    HPDF_TTFontDefAttr tt = fa->fontdef->attr;
    const eg_buf *file = font_bytes(path);
    if (!tt || !tt->glyph_tbl.flgs || !file)
        return;
    for (unsigned gid = 0; gid < tt->num_glyphs; gid++)
        if (tt->glyph_tbl.flgs[gid])
            mark_glyph(tt, file, gid, 0);
}

int eg_pdf_render(eg_pdf *p, eg_buf *out)
{
    need_page(p);
    fix_composites(p->font, p->font_path[0]);
    fix_composites(p->bold, p->font_path[1]);
    if (p->err)
        return p->err;
    if (HPDF_SaveToStream(p->doc) != HPDF_OK || p->err)
        return EG_EIO;
    HPDF_UINT32 size = HPDF_GetStreamSize(p->doc);
    HPDF_ResetStream(p->doc);
    eg_buf_reserve(out, size);
    while (size > 0) {
        HPDF_BYTE chunk[8192];
        HPDF_UINT32 n = size < sizeof(chunk) ? size : (HPDF_UINT32)sizeof(chunk);
        HPDF_STATUS st = HPDF_ReadFromStream(p->doc, chunk, &n);
        if (n == 0 || (st != HPDF_OK && st != HPDF_STREAM_EOF))
            return EG_EIO;
        eg_buf_append(out, chunk, n);
        size -= n;
    }
    p->err = 0;
    return EG_OK;
}
