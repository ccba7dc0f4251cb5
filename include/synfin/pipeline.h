#ifndef SF_PIPELINE_H
#define SF_PIPELINE_H

/* pipeline: where a decoded packet goes next. One function shared by
 * synfin's run loop and the pipeline fuzzer, so the fuzzer drives the
 * path the tool takes; the handoff below runs that same function on
 * another thread (test_pipeline checks it gives the same events). */

#include <stdbool.h>
#include <stdint.h>

#include "synfin/capture.h"
#include "synfin/decode.h"
#include "synfin/event.h"
#include "synfin/flowtab.h"
#include "synfin/tdfmt.h"

/* Decodes the frame into `pkt`, with its time stamp and number. Returns
 * pkt->status. */
enum sf_decode_status sf_pipeline_decode(const struct sf_frame *fr,
                                         struct sf_pkt *pkt);

/* Hands `pkt` (already through sf_pipeline_decode) on: a decoded
 * segment to the flow table `ft`; a TCP packet that is not (cut short,
 * malformed, or every packet when `ft` is NULL, i.e. --plain) to the
 * sink as a line of no flow; anything else is skipped by `fmt`
 * (tcpdump's -ttt delta still moves) and its time still runs `ft`'s
 * timeouts. Returns 0 or the sink's first negative value. */
int sf_pipeline_packet(struct sf_flowtab *ft, struct sf_tdfmt *fmt,
                       struct sf_sink *sink, const struct sf_pkt *pkt);

/* The step above on a thread of its own, for outputs that read nothing
 * of a packet but its decoded fields (-q, --json): the caller captures
 * and decodes while the thread tracks, so a run costs about the larger
 * of the two halves. Packets are decoded in place, straight into the
 * queue; the bytes they borrow from the capture do not cross: the
 * thread sees `opt` NULL (opt_caplen 0) and no IPv6 extension headers.
 * `ft`, `fmt` and `sink` belong to the thread until sf_handoff_drain()
 * returns. With `line_buffered` (live capture) every call runs at once
 * on the caller's thread, through the same code. */
struct sf_handoff;

SF_NODISCARD struct sf_handoff *sf_handoff_new(struct sf_flowtab *ft,
                                               struct sf_tdfmt *fmt,
                                               struct sf_sink *sink,
                                               bool line_buffered);

/* Room for the next packet, to decode into (sf_pipeline_decode); valid
 * until sf_handoff_end(). */
struct sf_pkt *sf_handoff_begin(struct sf_handoff *h);

/* Queues sf_pipeline_packet(ft, fmt, sink, pkt) for the packet begun.
 * Returns 0, or the first negative value the sink returned so far
 * (errno as it was then): later packets are dropped, the run should
 * stop. */
SF_NODISCARD int sf_handoff_end(struct sf_handoff *h);

/* Queues sf_flowtab_tick(ft, now_ns, sink). Returns as above. */
SF_NODISCARD int sf_handoff_tick(struct sf_handoff *h, uint64_t now_ns);

/* Waits until everything queued has run; then `ft`, `fmt` and `sink` are
 * the caller's again. Returns as above. */
SF_NODISCARD int sf_handoff_drain(struct sf_handoff *h);

/* Flows open in `ft`, as the thread last said (every 4096 packets). */
uint64_t sf_handoff_open(const struct sf_handoff *h);

/* Stops the thread; what was not drained is dropped. NULL: no-op. */
void sf_handoff_free(struct sf_handoff *h);

#endif /* SF_PIPELINE_H */
