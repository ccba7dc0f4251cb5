/* pipeline: the dispatch step after decode (see pipeline.h). */

#include "synfin/pipeline.h"

#include <string.h>

/* A TCP line that is not part of a flow (not decoded far enough). */
static int emit_unattached(struct sf_sink *sink, const struct sf_pkt *p)
{
    if (!sink->on_event)
        return 0;
    struct sf_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SF_EV_PACKET;
    ev.ts_ns = sf_pkt_ns(p);
    ev.pkt = p;
    return sink->on_event(sink->ctx, &ev);
}

enum sf_decode_status sf_pipeline_decode(const struct sf_frame *fr,
                                         struct sf_pkt *pkt)
{
    pkt->ts_sec = fr->ts_sec;
    pkt->ts_nsec = fr->ts_nsec;
    pkt->number = fr->number;
    return sf_decode(fr->dlt, fr->data, fr->caplen, fr->wirelen, pkt);
}

int sf_pipeline_packet(struct sf_flowtab *ft, struct sf_tdfmt *fmt,
                       struct sf_sink *sink, const struct sf_pkt *pkt)
{
    if (pkt->status == SF_DECODE_OK && ft)
        return sf_flowtab_input(ft, pkt, sink);
    if (pkt->reach != SF_REACH_NONE)
        return emit_unattached(sink, pkt);
    sf_tdfmt_skip(fmt, pkt);
    return ft ? sf_flowtab_tick(ft, sf_pkt_ns(pkt), sink) : 0;
}
