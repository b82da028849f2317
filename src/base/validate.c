/*
 * validate.c - syntax checks for Vietnamese administrative identifiers and contact data.
 *
 * Why this file exists: forms, imports and the edXML gateway all accept agency codes,
 * procedure codes, personal ID numbers, tax codes, phone numbers and e-mail addresses, and
 * each must be checked the same way everywhere (domain-vn.md §3.4, §4, §5). These checks are
 * syntactic: a valid agency code may still be missing from the official catalogue, and a
 * valid personal ID may belong to nobody. All functions take NUL-terminated ASCII, accept
 * NULL (invalid) and return 1 when valid, 0 otherwise.
 */
#include "base/base.h"

#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* Checks s against a pattern: '9' = digit, 'A' = upper-case letter, other = itself. */
static int match(const char *s, const char *pattern)
{
    for (; *pattern; s++, pattern++) {
        if (*pattern == '9') {
            if (!is_digit(*s))
                return 0;
        } else if (*pattern == 'A') {
            if (*s < 'A' || *s > 'Z')
                return 0;
        } else if (*s != *pattern) {
            return 0;
        }
    }
    return *s == '\0';
}

/* Agency identifier (QCVN 102:2016): "CCC.BB.AA.LNN", exactly 13 characters, lowest level
 * first, e.g. 000.00.07.H07. */
int eg_valid_agency_code(const char *s)
{
    return s && match(s, "999.99.99.A99");
}

/* Procedure (TTHC) code: a level digit, '.', 6 digits, '.', an agency code, and an optional
 * ".NN" service variant, e.g. 1.011442.000.00.00.H38 or 2.000815.000.00.00.H55.02. */
int eg_valid_procedure_code(const char *s)
{
    if (!s)
        return 0;
    return match(s, "9.999999.999.99.99.A99") || match(s, "9.999999.999.99.99.A99.99");
}

/* The 63 legacy province codes of TT 07/2016/TT-BCA (birth registration place). They stay
 * valid forever: ID numbers are never renumbered after the 2025 mergers. */
static const unsigned char province_codes[] = {
    1,  2,  4,  6,  8,  10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33,
    34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66,
    67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
};

static int known_province(int code)
{
    for (size_t i = 0; i < sizeof province_codes; i++)
        if (province_codes[i] == code)
            return 1;
    return 0;
}

/* Personal ID (số định danh cá nhân / CCCD): 12 digits "PPP G YY RRRRRR" whose PPP is one of
 * the 63 province codes; G (century and sex) may be any digit. There is no check digit. */
int eg_valid_personal_id(const char *s)
{
    if (!s || strlen(s) != 12 || !all_digits(s, 12))
        return 0;
    int ppp = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    return known_province(ppp);
}

/* 10-digit enterprise tax code: sequence (digits 3-9) not 0000000 and the check digit
 * 10 - (sum of weights 31 29 23 19 17 13 7 5 3 mod 11), a result of 10 being invalid. */
static int valid_mst10(const char *s)
{
    static const int w[9] = {31, 29, 23, 19, 17, 13, 7, 5, 3};
    if (!all_digits(s, 10) || memcmp(s + 2, "0000000", 7) == 0)
        return 0;
    int sum = 0;
    for (int i = 0; i < 9; i++)
        sum += (s[i] - '0') * w[i];
    int check = 10 - sum % 11;
    return check != 10 && check == s[9] - '0';
}

/* Tax code (MST): 10 digits with a valid check digit; a branch as 13 digits or
 * "NNNNNNNNNN-BBB" (branch 001-999 of a valid parent); or 12 digits, an individual's
 * personal ID (TT 86/2024). */
int eg_valid_tax_code(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (n == 10)
        return valid_mst10(s);
    if (n == 12)
        return eg_valid_personal_id(s);
    const char *branch = NULL;
    if (n == 13)
        branch = s + 10;
    else if (n == 14 && s[10] == '-')
        branch = s + 11;
    if (!branch || !all_digits(branch, 3) || memcmp(branch, "000", 3) == 0)
        return 0;
    return valid_mst10(s);
}

/* Vietnamese phone number, digits only: 10-digit mobile 0[35789]xxxxxxxx, 11-digit landline
 * 02xxxxxxxxx, or the same written "+84" without the leading 0. */
int eg_valid_phone(const char *s)
{
    if (!s)
        return 0;
    const char *national = NULL; /* the digits after the trunk 0 or +84 */
    if (s[0] == '0')
        national = s + 1;
    else if (strncmp(s, "+84", 3) == 0)
        national = s + 3;
    else
        return 0;
    size_t n = strlen(national);
    if (!all_digits(national, n))
        return 0;
    if (n == 9)
        return strchr("35789", national[0]) != NULL && national[0] != '\0';
    return n == 10 && national[0] == '2';
}

static int atext(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

static int domain_ok(const char *d, size_t n)
{
    if (n == 0 || n > 253)
        return 0;
    size_t labels = 0;
    size_t i = 0;
    const char *last = d;
    size_t last_len = 0;
    while (i <= n) {
        size_t start = i;
        while (i < n && d[i] != '.')
            i++;
        size_t len = i - start;
        if (len == 0 || len > 63 || d[start] == '-' || d[i - 1] == '-')
            return 0;
        for (size_t k = start; k < i; k++) {
            char c = d[k];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-'))
                return 0;
        }
        labels++;
        last = d + start;
        last_len = len;
        i++; /* skip the dot (or step past the end) */
    }
    if (labels < 2 || last_len < 2)
        return 0;
    if (last_len > 4 && strncmp(last, "xn--", 4) == 0)
        return 1; /* internationalised TLD in punycode */
    for (size_t k = 0; k < last_len; k++)
        if (!((last[k] >= 'a' && last[k] <= 'z') || (last[k] >= 'A' && last[k] <= 'Z')))
            return 0;
    return 1;
}

/* E-mail address, a sane subset of RFC 5322: dot-atom local part (at most 64 bytes, no
 * leading, trailing or double dots) '@' a domain of at least two LDH labels with an
 * alphabetic (or xn--) top-level label; at most 254 bytes in all. No quoted local parts, IP
 * literals, comments or non-ASCII. */
int eg_valid_email(const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    if (n > 254)
        return 0;
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@'))
        return 0;
    size_t local = (size_t)(at - s);
    if (local == 0 || local > 64 || s[0] == '.' || s[local - 1] == '.')
        return 0;
    for (size_t i = 0; i < local; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return 0;
        } else if (!atext(s[i])) {
            return 0;
        }
    }
    return domain_ok(at + 1, n - local - 1);
}
