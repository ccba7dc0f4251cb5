/* util: error names, errbuf formatting, allocation that aborts on OOM and
 * the growable text buffer every formatter writes into. Nothing here knows
 * about packets. */

#include "synfin/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
    int err;
    const char *name;
} err_names[] = {
    { SF_OK, "success" },
    { SF_ERR_IO, "i/o error" },
    { SF_ERR_FORMAT, "bad capture format" },
    { SF_ERR_TRUNCATED, "truncated capture" },
    { SF_ERR_FILTER, "bad filter" },
    { SF_ERR_USAGE, "usage error" },
    { SF_ERR_NOMEM, "out of memory" },
    { SF_ERR_UNSUPPORTED, "unsupported" },
};

const char *sf_strerror(int err)
{
    for (size_t i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
        if (err_names[i].err == err)
            return err_names[i].name;
    return "unknown error";
}

void sf_errbuf_set(char *errbuf, const char *fmt, ...)
{
    if (!errbuf)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, SF_ERRBUF_SIZE, fmt, ap);
    va_end(ap);
}

static void oom(size_t n)
{
    fprintf(stderr, "synfin: out of memory allocating %zu bytes\n", n);
    abort();
}

void *sf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *sf_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom(nmemb * size);
    return p;
}

void *sf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *sf_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = sf_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

const char sf_digit_pairs[200] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

void sf_buf_init(struct sf_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void sf_buf_fini(struct sf_buf *b)
{
    free(b->data);
    sf_buf_init(b);
}

void sf_buf_grow(struct sf_buf *b, size_t need)
{
    if (b->len + need + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + need + 1)
        cap *= 2;
    b->data = sf_xrealloc(b->data, cap);
    b->cap = cap;
}

void sf_buf_put_secs(struct sf_buf *b, uint64_t ns)
{
    sf_buf_putu(b, ns / 1000000000);
    char *w = sf_buf_reserve(b, 6);
    *w = '.';
    w = sf_put_zpad(w + 1, (uint32_t)(ns % 1000000000 / 1000000), 3);
    memcpy(w, " s", 2);
    sf_buf_commit(b, 6);
}

void sf_buf_put_padded(struct sf_buf *b, const char *s, size_t n,
                       size_t width, bool left)
{
    size_t pad = n < width ? width - n : 0;
    char *w = sf_buf_reserve(b, n + pad);
    if (!left)
        memset(w, ' ', pad);
    if (n)      /* s may be NULL when n == 0 (an empty sf_buf) */
        memcpy(w + (left ? 0 : pad), s, n);
    if (left)
        memset(w + n, ' ', pad);
    sf_buf_commit(b, n + pad);
}

void sf_buf_printf(struct sf_buf *b, const char *fmt, ...)
{
    size_t room = b->cap - b->len;     /* includes the NUL's byte */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->cap ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    if ((size_t)n >= room) {
        sf_buf_grow(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

int sf_buf_write(struct sf_buf *b, int fd)
{
    size_t done = 0;
    while (done < b->len) {
        ssize_t n = write(fd, b->data + done, b->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return SF_ERR_IO;
        }
        done += (size_t)n;
    }
    sf_buf_reset(b);
    return 0;
}

void sf_sort_keyed(struct sf_keyed *a, struct sf_keyed *tmp, size_t n)
{
    uint64_t any = 0, all = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        any |= a[i].key;
        all &= a[i].key;
    }
    uint64_t differ = any ^ all;        /* the bits some keys differ in */
    struct sf_keyed *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        if (!(differ >> shift & 0xff))
            continue;
        size_t at[256] = { 0 };
        for (size_t i = 0; i < n; i++)
            at[src[i].key >> shift & 0xff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 256; d++) {
            size_t c = at[d];
            at[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[at[src[i].key >> shift & 0xff]++] = src[i];
        struct sf_keyed *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(*a));
}
