/*
 * password.c - argon2id password hashes (libsodium) behind a counting semaphore, so a
 * burst of logins cannot take all memory (each hash uses memlimit bytes); the password
 * policy; and failure throttling per account and per client address.
 *
 * Throttling is in memory (one process serves HTTP): a small open-addressing table of
 * keys with their failure timestamps inside the window. After max failures within the
 * window the key is refused until the oldest failure leaves the window.
 */
#include <ctype.h>
#include <string.h>
#include <sodium.h>
#include "identity/internal.h"

static sem_t hash_sem;
static int sem_ready;
static unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
    if (sodium_init() < 0)
        eg_panic("libsodium failed to initialise");
}

void eg__pw_init(int max_concurrent, unsigned long long opslimit, size_t memlimit)
{
    pthread_once(&sodium_once, sodium_start);
    if (sem_ready)
        sem_destroy(&hash_sem);
    sem_init(&hash_sem, 0, (unsigned)(max_concurrent > 0 ? max_concurrent : 2));
    sem_ready = 1;
    if (opslimit >= crypto_pwhash_OPSLIMIT_MIN)
        ops = opslimit;
    if (memlimit >= crypto_pwhash_MEMLIMIT_MIN)
        mem = memlimit;
}

static void enter(void)
{
    if (!sem_ready)
        eg__pw_init(2, 0, 0);
    while (sem_wait(&hash_sem) != 0) {
    }
}

int eg__pw_hash(const char *pw, char *out)
{
    enter();
    int rc = crypto_pwhash_str_alg(out, pw, strlen(pw), ops, mem, crypto_pwhash_ALG_ARGON2ID13);
    sem_post(&hash_sem);
    return rc == 0 ? EG_OK : EG_ENOMEM;
}

int eg__pw_verify(const char *hash, const char *pw)
{
    if (!hash || !pw)
        return 0;
    enter();
    int rc = crypto_pwhash_str_verify(hash, pw, strlen(pw));
    sem_post(&hash_sem);
    return rc == 0;
}

/* The bundled list: data/identity/common-passwords.txt, one per line, lowercase. */
static char *common;
static size_t common_len;
static pthread_once_t common_once = PTHREAD_ONCE_INIT;
static const char *common_dir;

static void load_common(void)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/data/identity/common-passwords.txt",
             common_dir ? common_dir : ".");
    eg_buf b = EG_BUF_INIT;
    if (eg_read_file(path, 4 << 20, &b) == 0) {
        common_len = b.len;
        common = eg_buf_steal(&b);
    }
    eg_buf_free(&b);
}

static int in_common(const char *pw)
{
    if (!common)
        return 0;
    size_t n = strlen(pw);
    char low[256];
    if (n >= sizeof(low))
        return 0;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)pw[i]);
    const char *p = common, *end = common + common_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = (size_t)((nl ? nl : end) - p);
        if (l && p[l - 1] == '\r')
            l--;
        if (l == n && memcmp(p, low, n) == 0)
            return 1;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

const char *eg__pw_policy(const char *share_dir, const char *username, const char *pw)
{
    if (!common_dir)
        common_dir = share_dir;
    pthread_once(&common_once, load_common);
    if (!pw || !eg_utf8_valid(pw, strlen(pw)))
        return "Mật khẩu không hợp lệ";
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)pw; *p; p++)
        chars += (*p & 0xC0) != 0x80;
    if (chars < 10)
        return "Mật khẩu phải có ít nhất 10 ký tự";
    if (strlen(pw) > 200)
        return "Mật khẩu dài quá 200 byte";
    if (username && eg_streq_ci(username, pw))
        return "Mật khẩu không được trùng tên đăng nhập";
    if (in_common(pw))
        return "Mật khẩu quá phổ biến, hãy chọn mật khẩu khác";
    return NULL;
}

/* ------------------------------------------------------------------ throttling */

#define TSLOTS 4096
#define TMAX   32
struct tentry {
    char key[96];
    int64_t at[TMAX];
    int n;
};
static struct tentry ttab[TSLOTS];
static pthread_mutex_t tmu = PTHREAD_MUTEX_INITIALIZER;
static int tmax = 10;
static int64_t twindow = 15 * 60 * 1000;

void eg__throttle_config(int max_failures, int window_s)
{
    pthread_mutex_lock(&tmu);
    tmax = max_failures > 0 && max_failures <= TMAX ? max_failures : 10;
    twindow = (window_s > 0 ? window_s : 900) * 1000LL;
    pthread_mutex_unlock(&tmu);
}

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Slot of key (existing, else a free or expired one); caller holds tmu. */
static struct tentry *slot(const char *key, int64_t now, int create)
{
    uint32_t h = fnv(key) % TSLOTS;
    struct tentry *free_e = NULL;
    for (int i = 0; i < 64; i++) {
        struct tentry *e = &ttab[(h + (uint32_t)i) % TSLOTS];
        if (e->key[0] && strcmp(e->key, key) == 0)
            return e;
        int stale = !e->key[0] || (e->n == 0 || now - e->at[e->n - 1] > twindow);
        if (stale && !free_e)
            free_e = e;
    }
    if (!create)
        return NULL;
    if (!free_e) /* table saturated around this hash: reuse the home slot */
        free_e = &ttab[h];
    memset(free_e, 0, sizeof(*free_e));
    snprintf(free_e->key, sizeof(free_e->key), "%s", key);
    return free_e;
}

static void prune(struct tentry *e, int64_t now)
{
    int w = 0;
    for (int i = 0; i < e->n; i++) {
        if (now - e->at[i] < twindow)
            e->at[w++] = e->at[i];
    }
    e->n = w;
}

int eg__throttle_check(const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&tmu);
    struct tentry *e = slot(key, now_ms, 0);
    int wait = 0;
    if (e) {
        prune(e, now_ms);
        if (e->n >= tmax)
            wait = (int)((e->at[e->n - tmax] + twindow - now_ms + 999) / 1000);
        if (wait < 0)
            wait = 0;
    }
    pthread_mutex_unlock(&tmu);
    return wait;
}

void eg__throttle_fail(const char *key, int64_t now_ms)
{
    pthread_mutex_lock(&tmu);
    struct tentry *e = slot(key, now_ms, 1);
    prune(e, now_ms);
    if (e->n == TMAX) {
        memmove(e->at, e->at + 1, sizeof(e->at[0]) * (TMAX - 1));
        e->n--;
    }
    e->at[e->n++] = now_ms;
    pthread_mutex_unlock(&tmu);
}

void eg__throttle_reset(const char *key)
{
    pthread_mutex_lock(&tmu);
    struct tentry *e = slot(key, 0, 0);
    if (e)
        e->n = 0;
    pthread_mutex_unlock(&tmu);
}
