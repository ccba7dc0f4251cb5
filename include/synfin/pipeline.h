#ifndef SF_PIPELINE_H
#define SF_PIPELINE_H

/* pipeline: where a decoded packet goes next. One function shared by
 * synfin's run loop and the pipeline fuzzer, so the fuzzer drives the
 * very path the tool takes. */

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

#endif /* SF_PIPELINE_H */
