#ifndef SF_TCPSEQ_H
#define SF_TCPSEQ_H

/* Wrap-safe sequence number comparison (RFC 9293 3.4): a is "less than" b
 * when the signed 32-bit difference is negative. Use these, never < on
 * raw sequence numbers. */

#include <stdbool.h>
#include <stdint.h>

static inline int32_t sf_seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

static inline bool sf_seq_lt(uint32_t a, uint32_t b)
{
    return sf_seq_diff(a, b) < 0;
}

static inline bool sf_seq_le(uint32_t a, uint32_t b)
{
    return sf_seq_diff(a, b) <= 0;
}

static inline bool sf_seq_gt(uint32_t a, uint32_t b)
{
    return sf_seq_diff(a, b) > 0;
}

static inline bool sf_seq_ge(uint32_t a, uint32_t b)
{
    return sf_seq_diff(a, b) >= 0;
}

#endif /* SF_TCPSEQ_H */
