/*
 * mem.c - allocation, per-request arenas, string views and growable buffers.
 *
 * Allocation failure aborts (eg_oom) instead of being threaded through every caller: a
 * server that cannot allocate a few bytes cannot do anything useful, and Redis has shown
 * the approach is sound. Arenas follow nginx pools: requests allocate freely and release
 * everything at once, with cleanup handlers for non-memory resources.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/base.h"

void *eg_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        eg_oom(n);
    return p;
}

void *eg_calloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        eg_oom(n * sz);
    return p;
}

void *eg_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        eg_oom(n);
    return q;
}

char *eg_strdup(const char *s)
{
    return s ? eg_strndup(s, strlen(s)) : NULL;
}

char *eg_strndup(const char *s, size_t n)
{
    char *p = eg_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *eg_asprintf(const char *fmt, ...)
{
    eg_buf b = EG_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    eg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (!b.data)
        return eg_strdup("");
    return eg_buf_steal(&b);
}

/* ------------------------------------------------------------------ arena */

struct block {
    struct block *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct eg_arena {
    struct block *head;
    struct cleanup *cleanups;
    size_t block_size;
    size_t total;
};

#define ARENA_DEFAULT (16 * 1024)

static struct block *block_new(size_t cap)
{
    struct block *b = eg_malloc(sizeof(*b) + cap);
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

/* Creates an arena; blocks grow by block_size (0 = 16 KiB). Free with eg_arena_free(). */
eg_arena *eg_arena_new(size_t block_size)
{
    eg_arena *a = eg_calloc(1, sizeof(*a));
    a->block_size = block_size ? block_size : ARENA_DEFAULT;
    a->head = block_new(a->block_size);
    return a;
}

/* Runs cleanup handlers (newest first) and releases every block. NULL is a no-op. */
void eg_arena_free(eg_arena *a)
{
    if (!a)
        return;
    struct cleanup *c = a->cleanups;
    while (c) {
        struct cleanup *next = c->next;
        c->fn(c->arg);
        c = next;
    }
    struct block *b = a->head;
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *eg_arena_alloc(eg_arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        eg_oom(n);
    struct block *b = a->head;
    if (b->cap - b->used < need) {
        if (need > a->block_size / 4) {
            /* Large allocation: its own block, linked behind the head so the head's
             * remaining space stays usable. */
            struct block *big = block_new(need);
            big->used = need;
            big->next = b->next;
            b->next = big;
            a->total += need;
            return big->data;
        }
        b = block_new(a->block_size);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    return p;
}

void *eg_arena_zalloc(eg_arena *a, size_t n)
{
    void *p = eg_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *eg_arena_strdup(eg_arena *a, const char *s)
{
    return s ? eg_arena_strndup(a, s, strlen(s)) : NULL;
}

char *eg_arena_strndup(eg_arena *a, const char *s, size_t n)
{
    char *p = eg_arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *eg_arena_printf(eg_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    EG_ASSERT(n >= 0);
    char *p = eg_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void eg_arena_on_free(eg_arena *a, void (*fn)(void *), void *arg)
{
    struct cleanup *c = eg_arena_alloc(a, sizeof(*c));
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
}

size_t eg_arena_used(const eg_arena *a)
{
    return a->total;
}

/* ------------------------------------------------------------------ strings */

eg_str eg_str_c(const char *s)
{
    eg_str r = {s, s ? strlen(s) : 0};
    return r;
}

int eg_str_eq(eg_str a, eg_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int eg_str_eq_c(eg_str a, const char *s)
{
    return eg_str_eq(a, eg_str_c(s));
}

int eg_str_starts(eg_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

int eg_streq_ci(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

int eg_str_has_prefix(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

int eg_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *x = a, *y = b;
    unsigned char diff = (unsigned char)(alen != blen);
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(x[i] ^ y[i]);
    return diff == 0;
}

/* ------------------------------------------------------------------ buffers */

void eg_buf_reserve(eg_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need < b->len)
        eg_oom(extra);
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = eg_realloc(b->data, cap);
    if (b->cap == 0)
        b->data[0] = '\0';
    b->cap = cap;
}

void eg_buf_append(eg_buf *b, const void *p, size_t n)
{
    eg_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void eg_buf_puts(eg_buf *b, const char *s)
{
    eg_buf_append(b, s, strlen(s));
}

void eg_buf_putc(eg_buf *b, char c)
{
    eg_buf_append(b, &c, 1);
}

void eg_buf_vprintf(eg_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    EG_ASSERT(n >= 0);
    eg_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

void eg_buf_printf(eg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void eg_buf_reset(eg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void eg_buf_free(eg_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *eg_buf_cstr(eg_buf *b)
{
    return b->data ? b->data : "";
}

char *eg_buf_steal(eg_buf *b)
{
    char *p = b->data ? b->data : eg_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void eg_buf_html(eg_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            eg_buf_puts(b, "&amp;");
            break;
        case '<':
            eg_buf_puts(b, "&lt;");
            break;
        case '>':
            eg_buf_puts(b, "&gt;");
            break;
        case '"':
            eg_buf_puts(b, "&quot;");
            break;
        case '\'':
            eg_buf_puts(b, "&#39;");
            break;
        default:
            eg_buf_putc(b, *s);
        }
    }
}

void eg_buf_xml(eg_buf *b, const char *s)
{
    eg_buf_html(b, s);
}

void eg_buf_urlencode(eg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            eg_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            eg_buf_append(b, e, 3);
        }
    }
}
