/*
 * error.c - the one table of egov result codes.
 *
 * Each EG_E* code has a name, an English message for logs, the HTTP status the API answers
 * with, the problem-type slug (https://egov.local/problems/<slug>) and a Vietnamese title
 * shown to users. Keeping them together means a module never invents its own mapping.
 */
#include <stdio.h>
#include <stdlib.h>
#include "base/base.h"

struct errinfo {
    int code;
    const char *name;
    const char *msg;
    int status;
    const char *slug;
    const char *title_vi;
};

static const struct errinfo errors[] = {
    {EG_OK, "EG_OK", "success", 200, "ok", "Thành công"},
    {EG_ENOMEM, "EG_ENOMEM", "out of memory", 500, "internal", "Lỗi hệ thống"},
    {EG_EINVAL, "EG_EINVAL", "malformed input", 400, "bad-request", "Yêu cầu không hợp lệ"},
    {EG_ENOTFOUND, "EG_ENOTFOUND", "not found", 404, "not-found", "Không tìm thấy"},
    {EG_ECONFLICT, "EG_ECONFLICT", "conflict", 409, "conflict", "Xung đột trạng thái"},
    {EG_EPRECOND, "EG_EPRECOND", "precondition failed", 412, "precondition-failed",
     "Dữ liệu đã bị thay đổi"},
    {EG_ETOOBIG, "EG_ETOOBIG", "payload too large", 413, "payload-too-large",
     "Dữ liệu gửi lên quá lớn"},
    {EG_EMEDIA, "EG_EMEDIA", "unsupported media type", 415, "unsupported-media-type",
     "Định dạng dữ liệu không được hỗ trợ"},
    {EG_EUNPROCESSABLE, "EG_EUNPROCESSABLE", "invalid content", 422, "validation-failed",
     "Dữ liệu không hợp lệ"},
    {EG_EAUTH, "EG_EAUTH", "not authenticated", 401, "unauthenticated", "Chưa đăng nhập"},
    {EG_EFORBIDDEN, "EG_EFORBIDDEN", "forbidden", 403, "forbidden", "Không có quyền truy cập"},
    {EG_ERATE, "EG_ERATE", "too many requests", 429, "rate-limited",
     "Quá nhiều yêu cầu, vui lòng thử lại sau"},
    {EG_EUNAVAIL, "EG_EUNAVAIL", "service unavailable", 503, "unavailable",
     "Dịch vụ tạm thời không sẵn sàng"},
    {EG_EIO, "EG_EIO", "I/O error", 500, "internal", "Lỗi hệ thống"},
    {EG_EDB, "EG_EDB", "database error", 500, "internal", "Lỗi hệ thống"},
    {EG_EMETHOD, "EG_EMETHOD", "method not allowed", 405, "method-not-allowed",
     "Phương thức không được hỗ trợ"},
    {EG_EINTERNAL, "EG_EINTERNAL", "internal error", 500, "internal", "Lỗi hệ thống"},
    {EG_EDECLINED, "EG_EDECLINED", "declined", 404, "not-found", "Không tìm thấy"},
    {EG_ETIMEOUT, "EG_ETIMEOUT", "upstream timeout", 504, "upstream-timeout",
     "Hệ thống cung cấp không phản hồi kịp"},
    {EG_EUPSTREAM, "EG_EUPSTREAM", "upstream unreachable", 502, "upstream-unreachable",
     "Không kết nối được hệ thống cung cấp"},
    {EG_EBUSY, "EG_EBUSY", "database busy", 503, "unavailable", "Hệ thống đang bận"},
    {EG_EGONE, "EG_EGONE", "gone", 410, "gone", "Đối tượng không còn tồn tại"},
};

static const struct errinfo *lookup(int rc)
{
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        if (errors[i].code == rc)
            return &errors[i];
    }
    return &errors[16]; /* EG_EINTERNAL */
}

const char *eg_errname(int rc)
{
    return lookup(rc)->name;
}

const char *eg_strerror(int rc)
{
    return lookup(rc)->msg;
}

int eg_err_status(int rc)
{
    return lookup(rc)->status;
}

const char *eg_err_slug(int rc)
{
    return lookup(rc)->slug;
}

const char *eg_err_title_vi(int rc)
{
    return lookup(rc)->title_vi;
}

void eg__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr,
            "{\"level\":\"fatal\",\"msg\":\"assertion failed: %s\",\"file\":\"%s\","
            "\"line\":%d}\n",
            expr, file, line);
    abort();
}

void eg_oom(size_t size)
{
    fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory allocating %zu bytes\"}\n", size);
    abort();
}

void eg_panic(const char *fmt, ...)
{
    va_list ap;
    fputs("{\"level\":\"fatal\",\"msg\":\"", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\"}\n", stderr);
    abort();
}
