/* pipeline: the dispatch step after decode (see pipeline.h). */

#include "synfin/pipeline.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/outq.h"

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

/* ---- the handoff: tracking on the output queue's thread ----
 *
 * The queue (outq.h) was made for text, but its writer thread only
 * needs a render callback: here the callback tracks and renders
 * nothing, so the queue never writes. */

enum { REC_PACKET, REC_TICK };

struct rec {
    uint8_t kind;
    uint64_t now_ns;            /* REC_TICK */
    struct sf_pkt pkt;          /* REC_PACKET, decoded in place */
};

/* The caller's fields, the thread's and the shared ones a cache line
 * apart: each side writes its own for every packet. */
struct sf_handoff {
    struct sf_outq *q;
    struct rec *rec;            /* begun, not queued yet */

    char pad1[64];
    struct sf_flowtab *ft;      /* the thread's, as fmt and sink */
    struct sf_tdfmt *fmt;
    struct sf_sink *sink;
    uint32_t since_open;        /* packets since `open` was said */
    int err_errno;              /* set before err */

    char pad2[64];
    _Atomic int err;            /* the sink's first error, sticky */
    _Atomic uint64_t open;
};

static void run_rec(void *ctx, const void *r, struct sf_buf *out)
{
    (void)out;
    struct sf_handoff *h = ctx;
    const struct rec *rec = r;
    if (atomic_load_explicit(&h->err, memory_order_relaxed))
        return;                 /* the run is stopping */
    int rc;
    if (rec->kind == REC_TICK) {
        rc = sf_flowtab_tick(h->ft, rec->now_ns, h->sink);
    } else {
        rc = sf_pipeline_packet(h->ft, h->fmt, h->sink, &rec->pkt);
        if (++h->since_open == 4096) {
            struct sf_flowtab_stats st;
            sf_flowtab_stats(h->ft, &st);
            atomic_store_explicit(&h->open, st.open, memory_order_relaxed);
            h->since_open = 0;
        }
    }
    if (rc) {
        h->err_errno = errno;
        atomic_store_explicit(&h->err, rc, memory_order_release);
    }
}

struct sf_handoff *sf_handoff_new(struct sf_flowtab *ft,
                                  struct sf_tdfmt *fmt,
                                  struct sf_sink *sink, bool line_buffered)
{
    struct sf_handoff *h = sf_xcalloc(1, sizeof(*h));
    h->ft = ft;
    h->fmt = fmt;
    h->sink = sink;
    atomic_init(&h->err, 0);
    atomic_init(&h->open, 0);
    struct sf_outq_config qc = { .fd = -1,
                                 .line_buffered = line_buffered,
                                 .render = run_rec,
                                 .ctx = h };
    h->q = sf_outq_new(&qc);
    return h;
}

/* The sink's error, with errno as it was then; else `rc` (the queue's,
 * which never writes: 0). */
static int status(struct sf_handoff *h, int rc)
{
    int err = atomic_load_explicit(&h->err, memory_order_acquire);
    if (!err)
        return rc;
    errno = h->err_errno;
    return err;
}

struct sf_pkt *sf_handoff_begin(struct sf_handoff *h)
{
    h->rec = sf_outq_begin(h->q, sizeof(struct rec));
    h->rec->kind = REC_PACKET;
    return &h->rec->pkt;
}

int sf_handoff_end(struct sf_handoff *h)
{
    struct sf_pkt *p = &h->rec->pkt;
    p->opt = NULL;              /* the capture's bytes stay here */
    p->opt_caplen = 0;
    p->n_ip6ext = 0;
    return status(h, sf_outq_end(h->q));
}

int sf_handoff_tick(struct sf_handoff *h, uint64_t now_ns)
{
    struct rec *r = sf_outq_begin(h->q, offsetof(struct rec, pkt));
    r->kind = REC_TICK;
    r->now_ns = now_ns;
    return status(h, sf_outq_end(h->q));
}

int sf_handoff_drain(struct sf_handoff *h)
{
    return status(h, sf_outq_drain(h->q));
}

uint64_t sf_handoff_open(const struct sf_handoff *h)
{
    return atomic_load_explicit(&h->open, memory_order_relaxed);
}

void sf_handoff_free(struct sf_handoff *h)
{
    if (!h)
        return;
    sf_outq_free(h->q);
    free(h);
}
