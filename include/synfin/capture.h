#ifndef SF_CAPTURE_H
#define SF_CAPTURE_H

/* capture: stage 1. Reads frames from one or more capture files (pcap with
 * micro- or nanosecond stamps, pcapng with any number of interfaces and
 * link types; "-" is standard input), merged into one stream by timestamp,
 * and applies a BPF filter compiled by libpcap for each link type; or
 * captures live from an interface through libpcap.
 * File parsing is our own (bounds-checked, streaming): libpcap's reader
 * refuses pcapng files whose interfaces have different link types. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/util.h"

struct sf_capture;

struct sf_capture_config {
    const char *const *files;   /* paths, "-" = stdin; borrowed */
    size_t nfiles;
    const char *filter;         /* BPF expression or NULL; borrowed */
    /* live capture: iface set, no files */
    const char *iface;          /* interface name ("any" too); borrowed */
    int snaplen;                /* -s; 0 = 262144 */
    int buffer_kib;             /* -B; 0 = libpcap's default */
    bool no_promisc;            /* -p */
    bool immediate;             /* deliver each packet at once */
};

/* sf_capture_next: live capture, the read timeout passed with no packet;
 * time moved on (for timeouts that fire without packets). */
#define SF_CAPTURE_TICK 2

/* One frame, the capture's: valid, with the bytes `data` and the name
 * `file` point to, until the next sf_capture_next() or
 * sf_capture_close() (libpcap's rule). */
struct sf_frame {
    int dlt;                    /* DLT_ value of the frame's interface */
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen, wirelen;
    uint32_t rec_caplen;        /* the record's own caplen, before libpcap's
                                 * cut to the file's snaplen */
    const uint8_t *data;
    const char *file;           /* which input it came from */
    uint64_t number;            /* 1-based, over the merged stream */
    bool time_back;             /* the first frame of its input (after
                                 * the filter) earlier than the one before */
};

/* Opens every file (all are checked before anything is read) and compiles
 * the filter. Returns 0 and sets *out, or a negative sf_err with errbuf
 * (SF_ERRBUF_SIZE) set to "FILE: what" or "filter: what". */
SF_NODISCARD int sf_capture_open(struct sf_capture **out,
                                 const struct sf_capture_config *cfg,
                                 char *errbuf);

/* Next frame that passes the filter, in timestamp order across files.
 * Returns 1 with *fr pointing at it (not a copy: the parser has just
 * written it field by field, and a copy's wider loads of those fields
 * stall), 0 at the end of every input (live: after
 * sf_capture_breakloop), SF_CAPTURE_TICK (live: no packet for a tenth of
 * a second), or a negative sf_err with errbuf set ("FILE: what (packet
 * N)"); after an error the capture returns the same error again. */
SF_NODISCARD int sf_capture_next(struct sf_capture *cap,
                                 const struct sf_frame **fr, char *errbuf);

/* True when some input stamps packets more finely than microseconds
 * (nanosecond pcap, or a pcapng interface's if_tsresol): outputs then
 * print nanoseconds. Known once sf_capture_open has returned. */
bool sf_capture_nano(const struct sf_capture *cap);

/* Frames read from the files (before filtering) so far. */
uint64_t sf_capture_frames_read(const struct sf_capture *cap);

/* Bytes consumed / total size of regular-file inputs, for progress; total
 * is 0 when unknown (stdin, pipes). */
void sf_capture_progress(const struct sf_capture *cap, uint64_t *done,
                         uint64_t *total);

/* Live capture: makes sf_capture_next return 0 soon. Async-signal-safe
 * (pcap_breakloop), for a SIGINT handler. No-op on files. */
void sf_capture_breakloop(struct sf_capture *cap);

/* Live capture: the kernel's counts (pcap_stats). Returns false when
 * there are none (files, or the platform gives none). */
bool sf_capture_stats(struct sf_capture *cap, uint64_t *received,
                      uint64_t *dropped, uint64_t *ifdropped);

/* True for a live capture. */
bool sf_capture_live(const struct sf_capture *cap);

/* Live capture, -w: also saves every packet read from now on to `path`
 * as pcap. Opened apart from the capture so that -Z can drop privileges
 * first, as tcpdump does. Returns 0 or SF_ERR_IO with errbuf set. */
SF_NODISCARD int sf_capture_dump_open(struct sf_capture *cap,
                                      const char *path, char *errbuf);

/* Appends the interfaces libpcap can capture on, one per line, as
 * tcpdump -D does ("1.eth0 [Up, Running, Connected]"). */
SF_NODISCARD int sf_capture_list_interfaces(struct sf_buf *out, char *errbuf);

void sf_capture_close(struct sf_capture *cap);   /* NULL: no-op */

#endif /* SF_CAPTURE_H */
