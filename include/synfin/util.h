#ifndef SF_UTIL_H
#define SF_UTIL_H

/* Small shared helpers: error codes, the errbuf convention, allocation that
 * aborts on out-of-memory, and a growable output buffer for formatters. */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define SF_NODISCARD __attribute__((warn_unused_result))
#define SF_PRINTF(f, a) __attribute__((format(printf, f, a)))
/* for a function whose constant arguments should fold at each call */
#define SF_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SF_NODISCARD
#define SF_PRINTF(f, a)
#define SF_ALWAYS_INLINE inline
#endif

/* Size of every errbuf, as libpcap's PCAP_ERRBUF_SIZE. */
#define SF_ERRBUF_SIZE 256

/* Fallible calls return 0 or one of these (negative). */
enum sf_err {
    SF_OK = 0,
    SF_ERR_IO = -1,          /* read/open failed */
    SF_ERR_FORMAT = -2,      /* not a capture, or corrupt */
    SF_ERR_TRUNCATED = -3,   /* capture file ends inside a record */
    SF_ERR_FILTER = -4,      /* bad BPF expression */
    SF_ERR_USAGE = -5,       /* bad argument */
    SF_ERR_NOMEM = -6,
    SF_ERR_UNSUPPORTED = -7, /* valid but not handled (e.g. link type) */
};

/* Static name for an sf_err value; never NULL. */
const char *sf_strerror(int err);

/* Writes "fmt..." into errbuf (SF_ERRBUF_SIZE bytes) if errbuf is non-NULL. */
void sf_errbuf_set(char *errbuf, const char *fmt, ...) SF_PRINTF(2, 3);

/* n rounded up to a multiple of 8 (record alignment). */
#define SF_ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* a + b, or UINT64_MAX if that overflows (deadlines that never come). */
static inline uint64_t sf_add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Allocation that prints one line and aborts when memory runs out. */
void *sf_xmalloc(size_t n);
void *sf_xcalloc(size_t nmemb, size_t size);
void *sf_xrealloc(void *p, size_t n);
char *sf_xstrdup(const char *s);

/* Append-only text buffer used by formatters: caller storage, heap data.
 * Appends never fail (growth aborts on OOM); `len` excludes the NUL. */
struct sf_buf {
    char *data;     /* NUL-terminated when cap > 0 */
    size_t len;     /* bytes used */
    size_t cap;     /* bytes allocated */
};

void sf_buf_init(struct sf_buf *b);
void sf_buf_fini(struct sf_buf *b);
static inline void sf_buf_reset(struct sf_buf *b)
{
    b->len = 0;
    if (b->cap)
        b->data[0] = '\0';
}
/* Makes room for `need` more bytes plus the NUL. */
void sf_buf_grow(struct sf_buf *b, size_t need);

static inline void sf_buf_add(struct sf_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        sf_buf_grow(b, n);
    if (n)  /* s may be NULL when n == 0: memcpy(_, NULL, 0) is UB */
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* Room to write up to n bytes directly at the returned pointer; then
 * sf_buf_commit() the number actually written (<= n). */
static inline char *sf_buf_reserve(struct sf_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap)
        sf_buf_grow(b, n);
    return b->data + b->len;
}

static inline void sf_buf_commit(struct sf_buf *b, size_t used)
{
    b->len += used;
    b->data[b->len] = '\0';
}

static inline void sf_buf_putc(struct sf_buf *b, char c)
{
    if (b->len + 2 > b->cap)
        sf_buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

static inline void sf_buf_puts(struct sf_buf *b, const char *s)
{
    sf_buf_add(b, s, strlen(s));
}

void sf_buf_printf(struct sf_buf *b, const char *fmt, ...) SF_PRINTF(2, 3);

/* A duration in seconds to the millisecond, truncated: "12.345 s". */
void sf_buf_put_secs(struct sf_buf *b, uint64_t ns);

/* Appends the n bytes at s in a column `width` wide, as printf's "%-*s"
 * (left) or "%*s" (right): padded with spaces, never cut. */
void sf_buf_put_padded(struct sf_buf *b, const char *s, size_t n,
                       size_t width, bool left);

/* Writes the buffer to `fd` (retrying short writes) and empties it.
 * Returns 0, or SF_ERR_IO with errno set (EPIPE: the reader is gone). */
SF_NODISCARD int sf_buf_write(struct sf_buf *b, int fd);

/* "00" "01" ... "99", for sf_buf_putu. */
extern const char sf_digit_pairs[200];

/* Unsigned decimal, the hot path of every line: two digits per division,
 * in 32-bit arithmetic when the value fits (faster than printf). */
static inline void sf_buf_putu(struct sf_buf *b, uint64_t v)
{
    /* count the digits, then write them backwards straight into the
     * buffer (building them in a scratch array and copying it out stalls
     * on store forwarding) */
    size_t n = 1;
    for (uint64_t t = v; t >= 10; t /= 10)
        n++;
    if (b->len + n + 1 > b->cap)
        sf_buf_grow(b, n);
    char *d = b->data + b->len + n;
    b->len += n;
    *d = '\0';
    while (v > UINT32_MAX) {
        *--d = (char)('0' + v % 10);
        v /= 10;
    }
    uint32_t w = (uint32_t)v;
    while (w >= 100) {
        uint32_t r = w % 100;
        w /= 100;
        d -= 2;
        d[0] = sf_digit_pairs[2 * r];
        d[1] = sf_digit_pairs[2 * r + 1];
    }
    if (w >= 10) {
        d -= 2;
        d[0] = sf_digit_pairs[2 * w];
        d[1] = sf_digit_pairs[2 * w + 1];
    } else {
        *--d = (char)('0' + w);
    }
}

#endif /* SF_UTIL_H */
