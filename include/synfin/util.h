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

/* A 64-bit key and what it sorts (an index, a node number). */
struct sf_keyed {
    uint64_t key;
    uint32_t tag;
};

/* Sorts a[0..n) by key, stably: equal keys keep their order, so sorting
 * by a second key, then by the first, orders by both. An LSD radix sort,
 * a byte a pass, passes over bytes every key shares skipped: linear.
 * The timeline's tables at the end of a run (serial time there) and the
 * flow table's due lists use it. `tmp` has room for n entries. */
void sf_sort_keyed(struct sf_keyed *a, struct sf_keyed *tmp, size_t n);

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

/* "00" "01" ... "99", for the decimal writers below. */
extern const char sf_digit_pairs[200];

/* Decimal digits written forward at `w` (no NUL); each returns the end.
 * The hot path of every line: four digits per step from fixed splits,
 * in 32-bit arithmetic when the value fits (faster than printf, or a
 * digit count and a loop of divisions). */

/* v < 10000 as exactly four digits */
static inline char *sf_put_dec4(char *w, uint32_t v)
{
    memcpy(w, sf_digit_pairs + 2 * (v / 100), 2);
    memcpy(w + 2, sf_digit_pairs + 2 * (v % 100), 2);
    return w + 4;
}

/* v < 10000 without leading zeros */
static inline char *sf_put_small(char *w, uint32_t v)
{
    if (v >= 100) {
        uint32_t hi = v / 100;
        if (hi >= 10) {
            memcpy(w, sf_digit_pairs + 2 * hi, 2);
            w += 2;
        } else {
            *w++ = (char)('0' + hi);
        }
        memcpy(w, sf_digit_pairs + 2 * (v % 100), 2);
        return w + 2;
    }
    if (v >= 10) {
        memcpy(w, sf_digit_pairs + 2 * v, 2);
        return w + 2;
    }
    *w = (char)('0' + v);
    return w + 1;
}

/* v < 10^digits as exactly `digits` digits, zero-padded: fractions of a
 * second. Inlined with a constant `digits`, the loops unroll. */
static SF_ALWAYS_INLINE char *sf_put_zpad(char *w, uint32_t v, int digits)
{
    int n = digits;             /* written from the last digit back */
    while (n >= 4) {
        n -= 4;
        sf_put_dec4(w + n, v % 10000);
        v /= 10000;
    }
    if (n >= 2) {
        n -= 2;
        memcpy(w + n, sf_digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (n)
        *w = (char)('0' + v);
    return w + digits;
}

static inline char *sf_put_u32(char *w, uint32_t v)
{
    if (v < 10000)
        return sf_put_small(w, v);
    if (v < 100000000) {
        w = sf_put_small(w, v / 10000);
        return sf_put_dec4(w, v % 10000);
    }
    w = sf_put_small(w, v / 100000000);
    v %= 100000000;
    w = sf_put_dec4(w, v / 10000);
    return sf_put_dec4(w, v % 10000);
}

/* At most 20 digits. */
static inline char *sf_put_u64(char *w, uint64_t v)
{
    if (v <= UINT32_MAX)
        return sf_put_u32(w, (uint32_t)v);
    uint64_t hi = v / 100000000;            /* below 2^64 / 1e8 */
    uint32_t lo = (uint32_t)(v % 100000000);
    if (hi <= UINT32_MAX) {
        w = sf_put_u32(w, (uint32_t)hi);
    } else {
        w = sf_put_u32(w, (uint32_t)(hi / 100000000));
        uint32_t mid = (uint32_t)(hi % 100000000);
        w = sf_put_dec4(w, mid / 10000);
        w = sf_put_dec4(w, mid % 10000);
    }
    w = sf_put_dec4(w, lo / 10000);
    return sf_put_dec4(w, lo % 10000);
}

/* Unsigned decimal appended to the buffer. */
static inline void sf_buf_putu(struct sf_buf *b, uint64_t v)
{
    char *w = sf_buf_reserve(b, 20);
    sf_buf_commit(b, (size_t)(sf_put_u64(w, v) - w));
}

#endif /* SF_UTIL_H */
