/* Unit tests for pipeline's handoff (tracking on a thread of its own):
 * the same packets through sf_pipeline_packet directly and through the
 * handoff must give the sink the same events and flow ends in the same
 * order; a sink's error must come back to the caller with its errno and
 * stop the thread calling the sink; the borrowed bytes must not cross.
 *
 * Flows are built with segment.h: client 10.0.0.1:<port>, server
 * 10.0.0.2:80. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synfin/decode.h"
#include "synfin/event.h"
#include "synfin/flow.h"
#include "synfin/flowtab.h"
#include "synfin/pipeline.h"
#include "synfin/tdfmt.h"

#include "segment.h"

/* ---- a recording sink ---- */

struct seen {
    uint8_t what;           /* 1 + event kind, or 0: flow end */
    uint8_t side, step;
    uint32_t flow_id;
    uint64_t ts_ns, number;
    bool opt_null;          /* the packet's option bytes were withheld */
};

struct rec {
    struct seen *v;
    size_t n, cap;
    size_t fail_at;         /* 0: never; else the n-th call fails */
    uint64_t flows_ended;
};

static int put(struct rec *r, struct seen s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
        assert_non_null(r->v);
    }
    r->v[r->n++] = s;
    if (r->fail_at && r->n == r->fail_at) {
        errno = EPIPE;
        return -5;
    }
    return 0;
}

static int on_event(void *ctx, const struct sf_event *ev)
{
    struct seen s = { .what = (uint8_t)(1 + ev->kind),
                      .side = ev->side,
                      .step = ev->step,
                      .flow_id = ev->flow_id,
                      .ts_ns = ev->ts_ns };
    if (ev->kind == SF_EV_PACKET) {
        s.number = ev->pkt->number;
        s.opt_null = ev->pkt->opt == NULL && ev->pkt->opt_caplen == 0 &&
                     ev->pkt->n_ip6ext == 0;
    }
    return put(ctx, s);
}

static int on_flow_end(void *ctx, const struct sf_flow *f, uint64_t end_ns)
{
    struct rec *r = ctx;
    r->flows_ended++;
    struct seen s = { .what = 0, .flow_id = f->id, .ts_ns = end_ns,
                      .step = f->close };
    return put(r, s);
}

/* ---- the traffic: NFLOWS connections, interleaved ---- */

#define NFLOWS 3000

static const uint8_t opt_bytes[4] = { 2, 4, 5, 180 };     /* mss 1460 */

/* The k-th packet of the test traffic (0 <= k < npackets()): flows
 * start 1 ms apart, each a handshake, one data segment and a four-way
 * close; every third is reset instead (what its peer sends 3 s later
 * then opens new, mid-stream flows: more flows to end). */
#define PER_FLOW 7

static size_t npackets(void)
{
    return (size_t)NFLOWS * PER_FLOW;
}

static struct sf_pkt packet(size_t k)
{
    size_t flow = k % NFLOWS, step = k / NFLOWS;
    uint16_t port = (uint16_t)(20000 + flow);
    uint64_t t = step * NFLOWS + flow;
    uint32_t c = 1000, s = 5000;
    struct sf_pkt p;
    bool rst = flow % 3 == 0;
    switch (step) {
    case 0: p = test_seg(port, true, S, c, 0, 0, t); break;
    case 1: p = test_seg(port, false, S | A, s, c + 1, 0, t); break;
    case 2: p = test_seg(port, true, A, c + 1, s + 1, 0, t); break;
    case 3: p = test_seg(port, true, P | A, c + 1, s + 1, 100, t); break;
    case 4:
        p = rst ? test_seg(port, false, R | A, s + 1, c + 101, 0, t)
                : test_seg(port, true, F | A, c + 101, s + 1, 0, t);
        break;
    case 5: p = test_seg(port, false, F | A, s + 1, c + 102, 0, t); break;
    default: p = test_seg(port, true, A, c + 102, s + 2, 0, t); break;
    }
    p.number = k + 1;
    p.opt = opt_bytes;                  /* as if borrowed from a capture */
    p.opt_caplen = sizeof(opt_bytes);
    return p;
}

struct setup {
    struct rec rec;
    struct sf_sink sink;
    struct sf_flowtab *ft;
    struct sf_tdfmt *fmt;
};

static void setup_init(struct setup *su)
{
    memset(su, 0, sizeof(*su));
    struct sf_flowtab_config cfg = { .max_flows = 0 };
    char err[256] = "";
    su->ft = sf_flowtab_new(&cfg, err);
    assert_non_null(su->ft);
    struct sf_tdfmt_config fc;
    memset(&fc, 0, sizeof(fc));
    su->fmt = sf_tdfmt_new(&fc, NULL);
    su->sink.ctx = &su->rec;
    su->sink.on_event = on_event;
    su->sink.on_flow_end = on_flow_end;
}

static void setup_fini(struct setup *su)
{
    sf_flowtab_free(su->ft);
    sf_tdfmt_free(su->fmt);
    free(su->rec.v);
}

/* Everything through the caller's thread, as --plain and the timeline. */
static void run_direct(struct setup *su, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct sf_pkt p = packet(k);
        assert_int_equal(sf_pipeline_packet(su->ft, su->fmt, &su->sink, &p),
                         0);
    }
}

/* The same through the handoff; returns the first error seen and the
 * packet count queued before it. */
static int run_handoff(struct setup *su, size_t n, bool line_buffered,
                       size_t *queued)
{
    struct sf_handoff *h =
        sf_handoff_new(su->ft, su->fmt, &su->sink, line_buffered);
    int rc = 0;
    size_t k = 0;
    for (; k < n && !rc; k++) {
        struct sf_pkt *p = sf_handoff_begin(h);
        *p = packet(k);
        rc = sf_handoff_end(h);
    }
    if (queued)
        *queued = k;
    int drc = sf_handoff_drain(h);
    if (!rc)
        rc = drc;
    else
        assert_int_equal(drc, rc);  /* sticky */
    if (!rc) {
        struct sf_flowtab_stats st;
        sf_flowtab_stats(su->ft, &st);
        uint64_t said = sf_handoff_open(h);
        if (n >= 4096)
            assert_true(said > 0 && said <= st.max_open);
    }
    sf_handoff_free(h);
    return rc;
}

static void assert_same(const struct rec *a, const struct rec *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct seen *x = &a->v[i], *y = &b->v[i];
        assert_int_equal(x->what, y->what);
        assert_int_equal(x->flow_id, y->flow_id);
        assert_int_equal(x->side, y->side);
        assert_int_equal(x->step, y->step);
        assert_int_equal(x->ts_ns, y->ts_ns);
        assert_int_equal(x->number, y->number);
    }
}

static void check_same(bool line_buffered)
{
    struct setup direct, handed;
    setup_init(&direct);
    setup_init(&handed);
    run_direct(&direct, npackets());
    assert_int_equal(run_handoff(&handed, npackets(), line_buffered, NULL),
                     0);
    /* the flow table is the caller's again: flush on this thread */
    assert_int_equal(sf_flowtab_flush(direct.ft, NS(npackets() + 5000),
                                      &direct.sink), 0);
    assert_int_equal(sf_flowtab_flush(handed.ft, NS(npackets() + 5000),
                                      &handed.sink), 0);
    assert_true(direct.rec.flows_ended >= NFLOWS);
    assert_same(&direct.rec, &handed.rec);
    size_t packets = 0;
    for (size_t i = 0; i < handed.rec.n; i++) {
        if (handed.rec.v[i].what == 1 + SF_EV_PACKET) {
            assert_true(handed.rec.v[i].opt_null);
            assert_false(direct.rec.v[i].opt_null);
            packets++;
        }
    }
    assert_int_equal(packets, npackets());
    setup_fini(&direct);
    setup_fini(&handed);
}

static void test_same_events_threaded(void **state)
{
    (void)state;
    check_same(false);
}

static void test_same_events_line_buffered(void **state)
{
    (void)state;
    check_same(true);
}

/* The sink fails at its 5000th call: the error and its errno reach the
 * caller, and the sink is not called again. */
static void check_error(bool line_buffered)
{
    struct setup su;
    setup_init(&su);
    su.rec.fail_at = 5000;
    size_t queued = 0;
    errno = 0;
    int rc = run_handoff(&su, npackets(), line_buffered, &queued);
    assert_int_equal(rc, -5);
    assert_int_equal(errno, EPIPE);
    assert_int_equal(su.rec.n, 5000);
    if (line_buffered)          /* at once: the packet that failed */
        assert_true(queued <= 5000);
    else                        /* the caller stops soon, not at the end */
        assert_true(queued < npackets());
    setup_fini(&su);
}

static void test_error_threaded(void **state)
{
    (void)state;
    check_error(false);
}

static void test_error_line_buffered(void **state)
{
    (void)state;
    check_error(true);
}

/* A tick runs the flow table's timeouts on the thread, in order with
 * the packets around it: a lone SYN becomes syn_unanswered. */
static void test_tick_in_order(void **state)
{
    (void)state;
    struct setup su;
    setup_init(&su);
    struct sf_handoff *h = sf_handoff_new(su.ft, su.fmt, &su.sink, false);
    struct sf_pkt *p = sf_handoff_begin(h);
    *p = test_seg(40000, true, S, 1, 0, 0, 0);
    assert_int_equal(sf_handoff_end(h), 0);
    assert_int_equal(sf_handoff_tick(h, NS(60000)), 0);
    assert_int_equal(sf_handoff_drain(h), 0);
    sf_handoff_free(h);
    bool anomaly = false;
    for (size_t i = 0; i < su.rec.n; i++)
        anomaly |= su.rec.v[i].what == 1 + SF_EV_ANOMALY;
    assert_true(anomaly);
    setup_fini(&su);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_events_threaded),
        cmocka_unit_test(test_same_events_line_buffered),
        cmocka_unit_test(test_error_threaded),
        cmocka_unit_test(test_error_line_buffered),
        cmocka_unit_test(test_tick_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
