#ifndef SF_TDFMT_H
#define SF_TDFMT_H

/* tdfmt: the `tcpdump -nn` line for one TCP packet, byte-identical to
 * tcpdump 4.99.3 up to and including ", length N" (the application-layer
 * suffix tcpdump adds for some ports is not reproduced). Keeps the
 * previous/first timestamp for -ttt and -ttttt and tcpdump's relative
 * sequence table, so packets must be fed in capture order. */

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

/* Appends the line for `pkt` (no newline) to `out`: prepare and render
 * in one. Only packets with pkt->reach != SF_REACH_NONE have a TCP line;
 * for others nothing is written and false is returned. `pkt` is borrowed
 * for the call. */
bool sf_tdfmt_format(struct sf_tdfmt *f, const struct sf_pkt *pkt,
                     struct sf_buf *out);

/* A packet without a TCP line: tcpdump still printed its time stamp, so
 * -ttt measures the next delta from it. */
void sf_tdfmt_skip(struct sf_tdfmt *f, const struct sf_pkt *pkt);

/* Formatting in two steps, so that lines can be rendered on another
 * thread: sf_tdfmt_prepare() works out the time as printed (the -ttt
 * reference depends on packet order) and copies the bytes the line
 * prints, making a self-contained line; sf_tdfmt_render() turns it into
 * text. The renderer keeps tcpdump's relative sequence table, which
 * depends on packet order too: prepare every packet in capture order,
 * and give every prepared line, shown or not, to one renderer in that
 * order (on any thread, any time after). */
struct sf_tdfmt_line {
    int64_t ts_sec;          /* time as printed, in the printed precision: */
    uint32_t ts_frac;        /* the packet's, or the -ttt/-ttttt distance */
    bool ts_neg;             /* -ttt/-ttttt: before the reference */
    bool shown;              /* false: the renderer only counts it in */
    /* Last, and cut short: a prepared line holds only the first
     * pkt.n_ip6ext entries of pkt.ip6ext, then copies of the option and
     * extension header bytes that pkt.opt and ip6ext[].hdr point to. A
     * record per packet moves through the output queue: the unused
     * entries would be a third of it. */
    struct sf_pkt pkt;
};

/* Bytes to reserve for `pkt`'s line (at most sizeof(struct sf_tdfmt_line)
 * plus the bytes it copies; a line not shown copies none). */
size_t sf_tdfmt_line_size(const struct sf_pkt *pkt, bool shown);

/* Fills `line`, which has sf_tdfmt_line_size(pkt, shown) bytes. Returns
 * false (and keeps no state) for a packet without a TCP line. A line not
 * `shown` (filtered out by the reporter) still goes to the renderer, so
 * that the relative numbers of the lines after it are tcpdump's. */
bool sf_tdfmt_prepare(struct sf_tdfmt *f, const struct sf_pkt *pkt,
                      struct sf_tdfmt_line *line, bool shown);

/* A renderer: its caches and the relative sequence table, for the lines
 * `f` prepares. All of them go to the one renderer, in order. */
struct sf_tdfmt_render;
SF_NODISCARD struct sf_tdfmt_render *sf_tdfmt_render_new(
    const struct sf_tdfmt *f);
void sf_tdfmt_render_free(struct sf_tdfmt_render *r);   /* NULL: no-op */

/* Appends the line (no newline) to `out`; for a line not shown, moves
 * the sequence table as if and appends nothing. */
void sf_tdfmt_render(struct sf_tdfmt_render *r,
                     const struct sf_tdfmt_line *line, struct sf_buf *out);

/* Appends an IPv4 (ipver 4) or IPv6 address as tcpdump prints it. */
void sf_tdfmt_format_addr(int ipver, const uint8_t *addr, struct sf_buf *out);

/* Appends a time that is not a packet's (an anomaly found by a timeout)
 * in the configured style, and a space; the -ttt/-ttttt styles print the
 * time since the first packet. Does not move the -ttt reference. */
void sf_tdfmt_format_time(struct sf_tdfmt *f, uint64_t ts_ns,
                          struct sf_buf *out);

/* The first packet's time, which sf_tdfmt_format_time measures -ttt and
 * -ttttt from: set by the first packet prepared or skipped, then fixed. */
struct sf_tdfmt_origin {
    int64_t sec;
    uint32_t frac;           /* in the printed precision */
};
struct sf_tdfmt_origin sf_tdfmt_origin(const struct sf_tdfmt *f);

/* sf_tdfmt_format_time on a renderer, for a formatter whose origin was
 * `o`: so that another thread can print those times too. */
void sf_tdfmt_render_time(struct sf_tdfmt_render *r, struct sf_tdfmt_origin o,
                          uint64_t ts_ns, struct sf_buf *out);

#endif /* SF_TDFMT_H */
