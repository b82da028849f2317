/* Unit tests for src/pdf: a Vietnamese document with heading, fields, a table long enough to
 * span pages, a QR code and a signature renders to a PDF whose extracted text (pdftotext)
 * carries the Vietnamese strings exactly; the QR symbol has the expected version and size;
 * a missing font directory is reported, not crashed on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "pdf/pdf.h"

static char tmpdir[64];

/* Runs a shell command and returns its standard output (caller frees). */
static char *run(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    eg_buf b = EG_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        eg_buf_append(&b, chunk, n);
    pclose(f);
    eg_buf_puts(&b, "");
    return eg_buf_steal(&b);
}

static void write_file(const char *path, const eg_buf *b)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
    fclose(f);
}

/* Collapses runs of whitespace into one space so text wrapped across lines still matches. */
static void squash(char *s)
{
    char *w = s;
    int sp = 0;
    for (char *r = s; *r; r++) {
        if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\f' || *r == '\r') {
            sp = 1;
            continue;
        }
        if (sp && w != s)
            *w++ = ' ';
        sp = 0;
        *w++ = *r;
    }
    *w = '\0';
}

static void render_receipt(eg_buf *out, int rows)
{
    eg_pdf *p = eg_pdf_new(NULL);
    assert_non_null(p);
    eg_pdf_info(p, "Giấy tiếp nhận hồ sơ", "UBND tỉnh Vĩnh Long");
    eg_pdf_heading(p, "UBND TỈNH VĨNH LONG\nTRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
                   "Vĩnh Long, ngày 28 tháng 11 năm 2026");
    eg_pdf_title(p, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                 "Mã hồ sơ: 000.00.07.H62-261128-0001");
    eg_pdf_field(p, "Họ và tên", "Nguyễn Thị Hoà");
    eg_pdf_field(p, "Địa chỉ", "Đường 30/4, phường An Hội");
    eg_pdf_paragraph(
        p,
        "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long đã tiếp nhận hồ sơ của "
        "ông/bà với các thành phần dưới đây; kết quả được trả vào ngày hẹn ghi trên "
        "phiếu này. Chuỗi rất dài không có khoảng trắng: "
        "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ",
        0);
    const char *headers[] = {"STT", "Tên giấy tờ", "Số lượng"};
    const float widths[] = {1, 6, 2};
    char **cells = calloc((size_t)rows * 3, sizeof(char *));
    for (int i = 0; i < rows; i++) {
        cells[i * 3] = eg_asprintf("%d", i + 1);
        cells[i * 3 + 1] = eg_asprintf("Bản sao giấy khai sinh có chứng thực số %d", i + 1);
        cells[i * 3 + 2] = eg_strdup("01 bản chính");
    }
    eg_pdf_table(p, 3, headers, (const char *const *)cells, rows, widths);
    for (int i = 0; i < rows * 3; i++)
        free(cells[i]);
    free(cells);
    assert_int_equal(
        eg_pdf_qr(p, "https://dichvucong.vinhlong.gov.vn/tra-cuu/000.00.07.H62", "Tra cứu hồ sơ"),
        EG_OK);
    eg_pdf_signature(p, "NGƯỜI TIẾP NHẬN", "(Ký và ghi rõ họ tên)", "Trần Văn Đức");
    assert_int_equal(eg_pdf_render(p, out), EG_OK);
    eg_pdf_free(p);
}

static void test_vietnamese_text_and_pages(void **state)
{
    eg_buf pdf = EG_BUF_INIT;
    render_receipt(&pdf, 80);
    assert_true(pdf.len > 1000);
    assert_memory_equal(pdf.data, "%PDF", 4);
    char path[128], cmd[256];
    snprintf(path, sizeof(path), "%s/receipt.pdf", tmpdir);
    write_file(path, &pdf);
    snprintf(cmd, sizeof(cmd), "pdftotext -enc UTF-8 %s - 2>&1", path);
    char *txt = run(cmd);
    assert_non_null(txt);
    squash(txt);
    assert_non_null(strstr(txt, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"));
    assert_non_null(strstr(txt, "Nguyễn Thị Hoà"));
    assert_non_null(strstr(txt, "Đường 30/4, phường An Hội"));
    assert_non_null(strstr(txt, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert_non_null(strstr(txt, "Độc lập - Tự do - Hạnh phúc"));
    assert_non_null(strstr(txt, "Bản sao giấy khai sinh có chứng thực số 80"));
    assert_non_null(strstr(txt, "Trần Văn Đức"));
    /* the header row is repeated on each page of the table */
    int heads = 0;
    for (char *q = txt; (q = strstr(q, "Tên giấy tờ")) != NULL; q++)
        heads++;
    free(txt);
    snprintf(cmd, sizeof(cmd), "pdfinfo %s 2>&1", path);
    char *info = run(cmd);
    char *pg = strstr(info, "Pages:");
    assert_non_null(pg);
    int pages = atoi(pg + 6);
    free(info);
    assert_true(pages > 1);
    assert_true(heads >= 2);
    eg_buf_free(&pdf);
}

static void test_short_document_one_page(void **state)
{
    eg_buf pdf = EG_BUF_INIT;
    render_receipt(&pdf, 3);
    char path[128], cmd[256];
    snprintf(path, sizeof(path), "%s/short.pdf", tmpdir);
    write_file(path, &pdf);
    snprintf(cmd, sizeof(cmd), "pdfinfo %s 2>&1", path);
    char *info = run(cmd);
    char *pg = strstr(info, "Pages:");
    assert_non_null(pg);
    assert_int_equal(atoi(pg + 6), 1);
    free(info);
    eg_buf_free(&pdf);
}

static void test_landscape(void **state)
{
    eg_pdf *p = eg_pdf_new(NULL);
    assert_non_null(p);
    eg_pdf_landscape(p);
    eg_pdf_title(p, "Sổ theo dõi hồ sơ", NULL);
    eg_buf pdf = EG_BUF_INIT;
    assert_int_equal(eg_pdf_render(p, &pdf), EG_OK);
    eg_pdf_free(p);
    char path[128], cmd[256];
    snprintf(path, sizeof(path), "%s/register.pdf", tmpdir);
    write_file(path, &pdf);
    snprintf(cmd, sizeof(cmd), "pdfinfo %s 2>&1", path);
    char *info = run(cmd);
    /* A4 landscape: 841.89 x 595.276 pts */
    assert_non_null(strstr(info, "841.89 x 595.2"));
    free(info);
    eg_buf_free(&pdf);
}

static void test_qr_matrix(void **state)
{
    int version = 0, width = 0;
    eg_buf m = EG_BUF_INIT;
    /* 15 lowercase bytes (8-bit mode) exceed version 1 at level M (14 bytes): version 2 */
    assert_int_equal(eg_pdf_qr_matrix("abcdefghijklmno", &version, &width, &m), EG_OK);
    assert_int_equal(version, 2);
    assert_int_equal(width, 25);
    assert_int_equal(m.len, 25 * 25);
    /* the three finder patterns: dark 7x7 outline corners */
    assert_int_equal(m.data[0], '1');
    assert_int_equal(m.data[6], '1');
    assert_int_equal(m.data[24 * 25], '1');
    assert_int_equal(m.data[18], '1');
    assert_int_equal(m.data[1 * 25 + 1], '0'); /* the light ring inside a finder */
    eg_buf_free(&m);
    /* 14 bytes is the version-1 capacity at level M (21 modules) */
    assert_int_equal(eg_pdf_qr_matrix("abcdefghijklmn", &version, &width, NULL), EG_OK);
    assert_int_equal(version, 1);
    assert_int_equal(width, 21);
}

/* Dark pixels of page 1 of a document holding only text, rendered at 40 dpi in grey. */
static long ink_of(const char *text)
{
    eg_pdf *p = eg_pdf_new(NULL);
    assert_non_null(p);
    eg_pdf_paragraph(p, text, 0);
    eg_pdf_paragraph(p, text, 1);
    eg_buf pdf = EG_BUF_INIT;
    assert_int_equal(eg_pdf_render(p, &pdf), EG_OK);
    eg_pdf_free(p);
    char path[128], cmd[256];
    snprintf(path, sizeof(path), "%s/ink.pdf", tmpdir);
    write_file(path, &pdf);
    eg_buf_free(&pdf);
    snprintf(cmd, sizeof(cmd), "pdftoppm -gray -r 40 -f 1 -l 1 %s 2>/dev/null", path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int w = 0, h = 0, max = 0;
    assert_int_equal(fscanf(f, "P5 %d %d %d", &w, &h, &max), 3);
    fgetc(f);
    long dark = 0;
    for (long i = 0; i < (long)w * h; i++) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        dark += 255 - c;
    }
    pclose(f);
    return dark;
}

/* Letters with two stacked diacritics are composite-of-composite glyphs in DejaVu; a PDF that
 * embeds the font subset without their components shows bare letters. */
static void test_stacked_diacritics_render(void **state)
{
    long bare = ink_of("aaa eee ooo AAA OOO");
    long marked = ink_of("ấầẩ ếềể ốồổ ẤẦẨ ỐỒỔ");
    assert_true(bare > 0);
    assert_true(marked > bare + bare / 10);
}

static void test_missing_font(void **state)
{
    assert_null(eg_pdf_new("/nonexistent/fonts"));
}

static int setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/egov-pdf-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vietnamese_text_and_pages),
        cmocka_unit_test(test_short_document_one_page),
        cmocka_unit_test(test_landscape),
        cmocka_unit_test(test_qr_matrix),
        cmocka_unit_test(test_stacked_diacritics_render),
        cmocka_unit_test(test_missing_font),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
