#ifndef SF_CURSOR_H
#define SF_CURSOR_H

/* Bounds-checked reader over captured bytes. Reads past the end yield 0 and
 * set `overrun`, which stays set: decode a whole header, then test once.
 * Every packet byte synfin looks at is read through one of these. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sf_cursor {
    const uint8_t *buf;
    size_t len;          /* bytes available (caplen-limited) */
    size_t pos;          /* invariant: pos <= len */
    bool overrun;
};

static inline struct sf_cursor sf_cur_make(const uint8_t *buf, size_t len)
{
    struct sf_cursor c = { .buf = buf, .len = buf ? len : 0 };
    return c;
}

static inline size_t sf_cur_left(const struct sf_cursor *c)
{
    return c->len - c->pos;
}

static inline bool sf_cur_need(struct sf_cursor *c, size_t n)
{
    if (c->overrun || c->len - c->pos < n)
        c->overrun = true;
    return !c->overrun;
}

static inline uint8_t sf_cur_u8(struct sf_cursor *c)
{
    if (!sf_cur_need(c, 1))
        return 0;
    return c->buf[c->pos++];
}

static inline uint16_t sf_cur_be16(struct sf_cursor *c)
{
    if (!sf_cur_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)(c->buf[c->pos] << 8 | c->buf[c->pos + 1]);
    c->pos += 2;
    return v;
}

static inline uint32_t sf_cur_be32(struct sf_cursor *c)
{
    if (!sf_cur_need(c, 4))
        return 0;
    const uint8_t *p = c->buf + c->pos;
    uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                 (uint32_t)p[2] << 8 | p[3];
    c->pos += 4;
    return v;
}

/* Little-endian 32-bit read (capture file headers, BSD loopback family). */
static inline uint32_t sf_cur_le32(struct sf_cursor *c)
{
    if (!sf_cur_need(c, 4))
        return 0;
    const uint8_t *p = c->buf + c->pos;
    uint32_t v = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[1] << 8 | p[0];
    c->pos += 4;
    return v;
}

/* Copies n bytes into dst (zeroes on overrun). */
static inline void sf_cur_copy(struct sf_cursor *c, void *dst, size_t n)
{
    uint8_t *d = dst;
    if (!sf_cur_need(c, n)) {
        for (size_t i = 0; i < n; i++)
            d[i] = 0;
        return;
    }
    for (size_t i = 0; i < n; i++)
        d[i] = c->buf[c->pos + i];
    c->pos += n;
}

static inline void sf_cur_skip(struct sf_cursor *c, size_t n)
{
    if (sf_cur_need(c, n))
        c->pos += n;
}

/* Pointer to the current position (valid while the buffer is). */
static inline const uint8_t *sf_cur_ptr(const struct sf_cursor *c)
{
    return c->buf ? c->buf + c->pos : NULL;
}

/* The next n bytes if all are there (nothing consumed), else NULL: read
 * a fixed-size header with sf_get_be16/32 after this one check. */
static inline const uint8_t *sf_cur_peek(const struct sf_cursor *c, size_t n)
{
    if (c->overrun || c->len - c->pos < n)
        return NULL;
    return c->buf + c->pos;
}

/* Big-endian reads from bytes a successful sf_cur_peek vouched for. */
static inline uint16_t sf_get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t sf_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t sf_get_be64(const uint8_t *p)
{
    return (uint64_t)sf_get_be32(p) << 32 | sf_get_be32(p + 4);
}

/* Carve the next n bytes off as an independent cursor (e.g. TCP options). */
static inline struct sf_cursor sf_cur_sub(struct sf_cursor *c, size_t n)
{
    struct sf_cursor sub = { .overrun = !sf_cur_need(c, n) };
    if (!sub.overrun) {
        sub.buf = c->buf + c->pos;
        sub.len = n;
        c->pos += n;
    }
    return sub;
}

/* Like sf_cur_sub, but takes whatever is left when fewer than n bytes are
 * available (for a header cut by the snaplen). Never overruns. */
static inline struct sf_cursor sf_cur_sub_upto(struct sf_cursor *c, size_t n)
{
    size_t left = c->overrun ? 0 : c->len - c->pos;
    if (n > left)
        n = left;
    struct sf_cursor sub = { .buf = c->buf ? c->buf + c->pos : NULL,
                             .len = n };
    if (!c->overrun)
        c->pos += n;
    return sub;
}

/* Shrink the cursor so that at most n bytes remain from the current
 * position (clamp to an IP total length). Never grows it. */
static inline void sf_cur_clamp(struct sf_cursor *c, size_t n)
{
    if (!c->overrun && c->len - c->pos > n)
        c->len = c->pos + n;
}

#endif /* SF_CURSOR_H */
