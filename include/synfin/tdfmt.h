#ifndef SF_TDFMT_H
#define SF_TDFMT_H

/* tdfmt: the `tcpdump -nn` line for one TCP packet, byte-identical to
 * tcpdump 4.99.3 up to and including ", length N" (the application-layer
 * suffix tcpdump adds for some ports is not reproduced). Keeps tcpdump's
 * relative-sequence table and the previous/first timestamp for -ttt and
 * -ttttt, so packets must be fed in capture order. */

#include <stdbool.h>

#include "synfin/decode.h"
#include "synfin/util.h"

struct sf_tdfmt;

enum sf_tstamp_style {
    SF_TS_DEFAULT = 0,   /* HH:MM:SS.frac, local time */
    SF_TS_NONE = 1,      /* -t */
    SF_TS_UNIX = 2,      /* -tt */
    SF_TS_DELTA = 3,     /* -ttt: since previous packet */
    SF_TS_DATE = 4,      /* -tttt: date and local time */
    SF_TS_SINCE_FIRST = 5, /* -ttttt */
};

struct sf_tdfmt_config {
    enum sf_tstamp_style ts_style;
    bool nano;           /* 9 fractional digits (--nano) */
    bool absolute_seq;   /* -S */
    bool number;         /* -#: "%5u  " packet number prefix */
};

/* Never fails except on allocation (which aborts); errbuf may be NULL. */
SF_NODISCARD struct sf_tdfmt *sf_tdfmt_new(const struct sf_tdfmt_config *cfg,
                                           char *errbuf);
void sf_tdfmt_free(struct sf_tdfmt *f);   /* NULL: no-op */

/* Appends the line for `pkt` (no newline) to `out`. Only packets with
 * pkt->reach != SF_REACH_NONE have a TCP line; for others nothing is
 * written and false is returned. `pkt` is borrowed for the call. */
bool sf_tdfmt_format(struct sf_tdfmt *f, const struct sf_pkt *pkt,
                     struct sf_buf *out);

/* A packet without a TCP line: tcpdump still printed its time stamp, so
 * -ttt measures the next delta from it. */
void sf_tdfmt_skip(struct sf_tdfmt *f, const struct sf_pkt *pkt);

/* Appends just the timestamp as tcpdump prints it (with its trailing
 * space), updating the -ttt reference; used by sf_tdfmt_format. */
void sf_tdfmt_format_ts(struct sf_tdfmt *f, const struct sf_pkt *pkt,
                        struct sf_buf *out);

/* Appends an IPv4 (ipver 4) or IPv6 address as tcpdump prints it. */
void sf_tdfmt_format_addr(int ipver, const uint8_t *addr, struct sf_buf *out);

/* Appends a time that is not a packet's (an anomaly found by a timeout)
 * in the configured style, and a space; the -ttt/-ttttt styles print the
 * time since the first packet. Does not move the -ttt reference. */
void sf_tdfmt_format_time(struct sf_tdfmt *f, uint64_t ts_ns,
                          struct sf_buf *out);

#endif /* SF_TDFMT_H */
