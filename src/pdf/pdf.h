/*
 * pdf.h - Vietnamese PDF documents (forms, receipts, registers, results) on libharu with a
 * Unicode TrueType font (DejaVu) and QR codes from libqrencode.
 *
 * A small flow-layout document model: blocks are appended top to bottom on A4 pages with
 * automatic page breaks; text is UTF-8 (every Vietnamese letter renders). Used by the dossier
 * forms (Mẫu 01-06), payment receipts and document rendering.
 */
#ifndef EG_PDF_H
#define EG_PDF_H

#include "base/base.h"

typedef struct eg_pdf eg_pdf;

/* A new document. font_dir: where DejaVuSans.ttf and DejaVuSans-Bold.ttf live (NULL = the
 * Debian location /usr/share/fonts/truetype/dejavu). NULL when the font cannot be loaded.
 * Free with eg_pdf_free(). */
eg_pdf *eg_pdf_new(const char *font_dir);
void eg_pdf_free(eg_pdf *p);
/* Document metadata (title, author). */
void eg_pdf_info(eg_pdf *p, const char *title, const char *author);
/* The two-column heading of Vietnamese administrative documents: left the agency (lines
 * separated by '\n', e.g. "UBND TỈNH VĨNH LONG\nSỞ TƯ PHÁP"), right the national motto
 * ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc") and optionally a
 * place/date line. */
void eg_pdf_heading(eg_pdf *p, const char *agency_lines, const char *place_date);
/* Centered bold title and optional subtitle (NULL). */
void eg_pdf_title(eg_pdf *p, const char *title, const char *subtitle);
/* A wrapped paragraph (bold when bold=1). */
void eg_pdf_paragraph(eg_pdf *p, const char *text, int bold);
/* "Label: value" line, wrapped. */
void eg_pdf_field(eg_pdf *p, const char *label, const char *value);
/* A table with a header row. cells has nrows*ncols entries (row-major); widths are relative
 * column weights (NULL = equal). Rows wrap and split across pages. */
void eg_pdf_table(eg_pdf *p, int ncols, const char *const *headers, const char *const *cells,
                  int nrows, const float *widths);
/* A QR code of text (e.g. the public lookup URL) with a caption below, right-aligned. */
int eg_pdf_qr(eg_pdf *p, const char *text, const char *caption);
/* The QR symbol eg_pdf_qr draws for text (level M, 8-bit mode): its version, its width in
 * modules and, when modules is not NULL, width*width '0'/'1' characters row by row (dark = '1').
 * EG_EINVAL when text cannot be encoded. For tests and for callers sizing a layout. */
int eg_pdf_qr_matrix(const char *text, int *version, int *width, eg_buf *modules);
/* Signature block at the right: role line (e.g. "NGƯỜI TIẾP NHẬN"), a note, and a name. */
void eg_pdf_signature(eg_pdf *p, const char *role, const char *note, const char *name);
/* Vertical space in points. */
void eg_pdf_space(eg_pdf *p, float points);
/* Switches the page to landscape for what follows (registers); must precede content. */
void eg_pdf_landscape(eg_pdf *p);
/* Renders the whole document into out. EG_EIO on libharu failure. */
int eg_pdf_render(eg_pdf *p, eg_buf *out);

#endif
