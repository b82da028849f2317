/*
 * rules.c - the dossier module's pure rules, free of I/O (unit-tested and fuzzed alone):
 * the status machine of domain-vn.md (TrangThaiHoSo 1-10 and the allowed moves), status
 * names, and content sniffing of uploads.
 */
#include <string.h>
#include "dossier/dossier.h"

static const char *const names[] = {"?",
                                    "Mới đăng ký",
                                    "Được tiếp nhận",
                                    "Không được tiếp nhận",
                                    "Đang xử lý",
                                    "Yêu cầu bổ sung giấy tờ",
                                    "Yêu cầu thực hiện nghĩa vụ tài chính",
                                    "Công dân yêu cầu rút hồ sơ",
                                    "Dừng xử lý",
                                    "Đã xử lý xong",
                                    "Đã trả kết quả"};

const char *eg_dossier_status_name(int s)
{
    return s >= 1 && s <= 10 ? names[s] : names[0];
}

int eg_dossier_transition_ok(int from, int to)
{
    switch (from) {
    case 1:
        if (to == 2 || to == 3)
            return 1;
        break;
    case 2:
        if (to == 4)
            return 1;
        break;
    case 4:
        if (to == 5 || to == 6 || to == 8 || to == 9)
            return 1;
        break;
    case 5:
        if (to == 4)
            return 1;
        break;
    case 6:
        if (to == 4 || to == 9)
            return 1;
        break;
    case 9:
        if (to == 10)
            return 1;
        break;
    default:
        return 0;
    }
    /* any non-final status may move to 7 (withdrawn) */
    return to == 7 && (from == 1 || from == 2 || from == 4 || from == 5 || from == 6);
}

static int has(const unsigned char *p, size_t n, const char *needle, size_t m)
{
    return m <= n && memmem(p, n, needle, m) != NULL;
}

const char *eg_dossier_sniff(const void *data, size_t n)
{
    const unsigned char *p = data;
    if (n >= 5 && !memcmp(p, "%PDF-", 5))
        return "application/pdf";
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return "image/png";
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (n >= 8 && !memcmp(p, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
        if (has(p, n, "W\0o\0r\0d\0D\0o\0c\0u\0m\0e\0n\0t", 24))
            return "application/msword";
        if (has(p, n, "W\0o\0r\0k\0b\0o\0o\0k", 16) || has(p, n, "B\0o\0o\0k\0", 8))
            return "application/vnd.ms-excel";
        return NULL;
    }
    if (n >= 4 && !memcmp(p, "PK\x03\x04", 4)) {
        if (has(p, n, "[Content_Types].xml", 19) && has(p, n, "word/", 5))
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        if (has(p, n, "[Content_Types].xml", 19) && has(p, n, "xl/", 3))
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    }
    return NULL;
}
