#ifndef SF_CAPTURE_H
#define SF_CAPTURE_H

/* capture: stage 1. Reads frames from one or more capture files (pcap with
 * micro- or nanosecond stamps, pcapng with any number of interfaces and
 * link types; "-" is standard input), merged into one stream by timestamp,
 * and applies a BPF filter compiled by libpcap for each link type.
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
};

/* One frame. `data` and `file` are borrowed: valid until the next
 * sf_capture_next() or sf_capture_close() (libpcap's rule). */
struct sf_frame {
    int dlt;                    /* DLT_ value of the frame's interface */
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen, wirelen;
    const uint8_t *data;
    const char *file;           /* which input it came from */
    uint64_t number;            /* 1-based, over the merged stream */
};

/* Opens every file (all are checked before anything is read) and compiles
 * the filter. Returns 0 and sets *out, or a negative sf_err with errbuf
 * (SF_ERRBUF_SIZE) set to "FILE: what" or "filter: what". */
SF_NODISCARD int sf_capture_open(struct sf_capture **out,
                                 const struct sf_capture_config *cfg,
                                 char *errbuf);

/* Next frame that passes the filter, in timestamp order across files.
 * Returns 1 with *fr filled, 0 at the end of every input, or a negative
 * sf_err with errbuf set ("FILE: what (packet N)"); after an error the
 * capture returns the same error again. */
SF_NODISCARD int sf_capture_next(struct sf_capture *cap, struct sf_frame *fr,
                                 char *errbuf);

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

void sf_capture_close(struct sf_capture *cap);   /* NULL: no-op */

#endif /* SF_CAPTURE_H */
