/* Unit tests for flowtab: hand-built segments through sf_flowtab_input /
 * sf_flowtab_flush into a sink that records every event and flow end, to
 * check flow ids, direction matching, 4-tuple reuse (port_reuse, DESIGN.md
 * 4), --max-flows eviction, idle timeout and the end-of-input flush.
 *
 * Clients are 10.0.0.1:<port>, the server 10.0.0.2:80; times are
 * milliseconds after T0. */

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

#include "segment.h"

/* ---- a recording sink ---- */

#define MAX_REC 1024

struct ev_rec {
    enum sf_event_kind kind;
    uint32_t flow_id;
    uint8_t side, step;
    bool retransmit;
    uint64_t ts_ns;
    uint8_t nanom;
    uint8_t an_type[SF_EV_MAX_ANOM];
    uint8_t an_extra[SF_EV_MAX_ANOM];
    uint32_t an_arg[SF_EV_MAX_ANOM];
    size_t seq;             /* position among all records */
};

struct end_rec {
    uint32_t id;
    uint8_t reason, close;
    uint16_t cport;
    uint32_t client_iss;
    bool complete;
    size_t seq;             /* position among all records */
};

struct rec {
    struct ev_rec ev[MAX_REC];
    size_t nev;
    struct end_rec end[MAX_REC];
    size_t nend;
    size_t order;           /* events + ends so far */
};

static int on_event(void *ctx, const struct sf_event *ev)
{
    struct rec *r = ctx;
    assert_true(r->nev < MAX_REC);
    struct ev_rec *e = &r->ev[r->nev++];
    e->seq = r->order++;
    e->kind = ev->kind;
    e->flow_id = ev->flow_id;
    e->side = ev->side;
    e->step = ev->step;
    e->retransmit = ev->retransmit;
    e->ts_ns = ev->ts_ns;
    e->nanom = ev->nanom;
    for (uint8_t i = 0; i < ev->nanom; i++) {
        e->an_type[i] = ev->anom[i]->type;
        e->an_extra[i] = ev->anom[i]->extra;
        e->an_arg[i] = ev->anom[i]->arg;
    }
    return 0;
}

static int on_flow_end(void *ctx, const struct sf_flow *f, uint64_t end_ns)
{
    (void)end_ns;
    struct rec *r = ctx;
    assert_true(r->nend < MAX_REC);
    struct end_rec *e = &r->end[r->nend++];
    e->seq = r->order++;
    e->id = f->id;
    e->reason = f->end_reason;
    e->close = f->close;
    e->cport = f->ep[SF_CLIENT].port;
    e->client_iss = f->ep[SF_CLIENT].iss;
    e->complete = f->complete;
    return 0;
}

struct ctx {
    struct rec rec;
    struct sf_sink sink;
    struct sf_flowtab *ft;
};

static struct ctx *ctx_new(size_t max_flows, uint64_t idle_ns)
{
    struct ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    struct sf_flowtab_config cfg = { .max_flows = max_flows,
                                     .idle_ns = idle_ns };
    char err[256] = "";
    c->ft = sf_flowtab_new(&cfg, err);
    assert_non_null(c->ft);
    c->sink.ctx = &c->rec;
    c->sink.on_event = on_event;
    c->sink.on_flow_end = on_flow_end;
    return c;
}

static void ctx_free(struct ctx *c)
{
    sf_flowtab_free(c->ft);
    free(c);
}

/* Feeds one segment; returns its (packet) event record. */
static const struct ev_rec *in(struct ctx *c, uint16_t cport,
                               bool from_client, uint8_t flags, uint32_t seq,
                               uint32_t ack, uint32_t len, uint64_t t_ms)
{
    struct sf_pkt p = test_seg(cport, from_client, flags, seq, ack, len, t_ms);
    size_t before = c->rec.nev;
    assert_int_equal(sf_flowtab_input(c->ft, &p, &c->sink), 0);
    assert_true(c->rec.nev > before);
    const struct ev_rec *e = &c->rec.ev[c->rec.nev - 1];
    assert_int_equal(e->kind, SF_EV_PACKET);
    assert_int_equal(e->ts_ns, NS(t_ms));
    return e;
}

static bool ev_has(const struct ev_rec *e, enum sf_anomaly_type t)
{
    for (uint8_t i = 0; i < e->nanom; i++)
        if (e->an_type[i] == t)
            return true;
    return false;
}

static const struct end_rec *end_of(const struct ctx *c, uint32_t id)
{
    for (size_t i = 0; i < c->rec.nend; i++)
        if (c->rec.end[i].id == id)
            return &c->rec.end[i];
    return NULL;
}

#define assert_reason(got, want)                                          \
    assert_string_equal(sf_end_reason_name((enum sf_end_reason)(got)),    \
                        sf_end_reason_name(want))

/* a full connection on client port `cport`, ISNs ci / si, from t_ms;
 * 7 segments, the last at t_ms + 6 */
static void connection(struct ctx *c, uint16_t cport, uint32_t ci,
                       uint32_t si, uint64_t t)
{
    in(c, cport, true, S, ci, 0, 0, t);
    in(c, cport, false, S | A, si, ci + 1, 0, t + 1);
    in(c, cport, true, A, ci + 1, si + 1, 0, t + 2);
    in(c, cport, true, F | A, ci + 1, si + 1, 0, t + 3);
    in(c, cport, false, A, si + 1, ci + 2, 0, t + 4);
    in(c, cport, false, F | A, si + 1, ci + 2, 0, t + 5);
    in(c, cport, true, A, ci + 2, si + 2, 0, t + 6);
}

/* ---- tests ---- */

static void test_ids_first_seen_order(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    assert_int_equal(in(c, 40003, true, S, 300, 0, 0, 0)->flow_id, 1);
    assert_int_equal(in(c, 40001, true, S, 100, 0, 0, 1)->flow_id, 2);
    assert_int_equal(in(c, 40002, true, S, 200, 0, 0, 2)->flow_id, 3);
    /* answers find their flows, whatever the order */
    assert_int_equal(in(c, 40002, false, S | A, 9, 201, 0, 3)->flow_id, 3);
    assert_int_equal(in(c, 40003, false, S | A, 9, 301, 0, 4)->flow_id, 1);
    assert_int_equal(in(c, 40001, false, S | A, 9, 101, 0, 5)->flow_id, 2);
    struct sf_flowtab_stats st;
    sf_flowtab_stats(c->ft, &st);
    assert_int_equal(st.flows, 3);
    assert_int_equal(st.open, 3);
    assert_int_equal(st.max_open, 3);
    assert_int_equal(c->rec.nend, 0);
    ctx_free(c);
}

static void test_both_directions_one_flow(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    const struct ev_rec *e;
    e = in(c, 40000, true, S, 1000, 0, 0, 0);
    assert_int_equal(e->flow_id, 1);
    assert_int_equal(e->side, SF_CLIENT);
    e = in(c, 40000, false, S | A, 5000, 1001, 0, 1);
    assert_int_equal(e->flow_id, 1);
    assert_int_equal(e->side, SF_SERVER);
    assert_int_equal(e->step, SF_STEP_SYNACK);
    e = in(c, 40000, true, A, 1001, 5001, 0, 2);
    assert_int_equal(e->flow_id, 1);
    assert_int_equal(e->step, SF_STEP_ACK3);
    e = in(c, 40000, false, P | A, 5001, 1001, 10, 3);
    assert_int_equal(e->flow_id, 1);
    assert_int_equal(e->side, SF_SERVER);
    struct sf_flowtab_stats st;
    sf_flowtab_stats(c->ft, &st);
    assert_int_equal(st.flows, 1);
    assert_int_equal(st.open, 1);
    ctx_free(c);
}

/* a new SYN (new ISN) right after a completed close on the same 4-tuple:
 * the old flow ends as reused, the new one carries port_reuse in its
 * TIME-WAIT form (extra 1, arg = ms since the close) */
static void test_reuse_time_wait(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    connection(c, 40000, 1000, 5000, 0);
    assert_int_equal(c->rec.nend, 0);
    const struct ev_rec *e = in(c, 40000, true, S, 777000, 0, 0, 1006);
    assert_int_equal(e->flow_id, 2);
    assert_int_equal(e->step, SF_STEP_SYN);
    assert_true(ev_has(e, SF_AN_PORT_REUSE));
    assert_int_equal(e->an_type[0], SF_AN_PORT_REUSE);
    assert_int_equal(e->an_extra[0], 1);
    assert_int_equal(e->an_arg[0], 1000);
    assert_int_equal(c->rec.nend, 1);
    const struct end_rec *end = end_of(c, 1);
    assert_non_null(end);
    assert_reason(end->reason, SF_END_REUSED);
    assert_string_equal(sf_close_name((enum sf_close)end->close), "fin4");
    assert_true(end->complete);
    assert_int_equal(end->client_iss, 1000);
    /* the old flow ended before the new SYN's event */
    assert_true(end->seq < c->rec.order - 1);
    ctx_free(c);
}

/* the same after the closed flow has left the table (quiet for a while),
 * still within TIME-WAIT (2 x MSL = 60 s) */
static void test_reuse_time_wait_after_end(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    connection(c, 40000, 1000, 5000, 0);
    /* another flow's packet 10 s later lets the closed one go */
    in(c, 50000, true, S, 1, 0, 0, 10006);
    const struct end_rec *end = end_of(c, 1);
    assert_non_null(end);
    assert_reason(end->reason, SF_END_CLOSED);
    const struct ev_rec *e = in(c, 40000, true, S, 777000, 0, 0, 20006);
    assert_int_equal(e->flow_id, 3);
    assert_true(ev_has(e, SF_AN_PORT_REUSE));
    assert_int_equal(e->an_extra[0], 1);
    assert_int_equal(e->an_arg[0], 20000);
    /* after TIME-WAIT: no anomaly */
    in(c, 50001, true, S, 1, 0, 0, 30006);
    connection(c, 40001, 1000, 5000, 30010);
    in(c, 50002, true, S, 1, 0, 0, 40016);
    assert_non_null(end_of(c, 5));
    e = in(c, 40001, true, S, 999, 0, 0, 30016 + 61000);
    assert_false(ev_has(e, SF_AN_PORT_REUSE));
    ctx_free(c);
}

/* empties the recorder (for tests that feed more than MAX_REC records) */
static void rec_reset(struct ctx *c)
{
    c->rec.nev = 0;
    c->rec.nend = 0;
}

/* TIME-WAIT memory under load: 6000 connections, one every 100 ms. The
 * table of closed 4-tuples grows a few times, then drops its expired
 * entries in place again and again (about 600 are live at a time). Every
 * 4-tuple closed less than 60 s before its new SYN is still found, with
 * the right age, and none closed earlier. */
static void test_time_wait_many(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    const uint32_t n = 6000, gap = 100;
    for (uint32_t k = 0; k < n; k++) {
        rec_reset(c);
        connection(c, (uint16_t)(20000 + k), 1000, 5000, k * gap);
    }
    uint64_t t = (uint64_t)n * gap;
    size_t found = 0;
    for (uint32_t k = 0; k < n - 10; k++) {
        rec_reset(c);
        const struct ev_rec *e =
            in(c, (uint16_t)(20000 + k), true, S, 7000, 0, 0, t + k);
        /* the old one closed with its last ACK, at k * gap + 6 */
        uint64_t age = t + k - (k * gap + 6);
        assert_int_equal(ev_has(e, SF_AN_PORT_REUSE), age < 60000);
        if (age < 60000) {
            assert_int_equal(e->an_extra[0], 1);
            assert_int_equal(e->an_arg[0], age);
            found++;
        }
    }
    assert_true(found > 500);
    ctx_free(c);
}

/* a new SYN while the old connection is established: port_reuse with
 * extra 0, the old flow ends as reused */
static void test_reuse_established(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    in(c, 40000, true, S, 1000, 0, 0, 0);
    in(c, 40000, false, S | A, 5000, 1001, 0, 1);
    in(c, 40000, true, A, 1001, 5001, 0, 2);
    in(c, 40000, true, P | A, 1001, 5001, 10, 3);
    const struct ev_rec *e = in(c, 40000, true, S, 900000, 0, 0, 500);
    assert_int_equal(e->flow_id, 2);
    assert_int_equal(e->an_type[0], SF_AN_PORT_REUSE);
    assert_int_equal(e->an_extra[0], 0);
    assert_int_equal(e->an_arg[0], 0);
    const struct end_rec *end = end_of(c, 1);
    assert_non_null(end);
    assert_reason(end->reason, SF_END_REUSED);
    assert_string_equal(sf_close_name((enum sf_close)end->close), "none");
    struct sf_flowtab_stats st;
    sf_flowtab_stats(c->ft, &st);
    assert_int_equal(st.flows, 2);
    assert_int_equal(st.open, 1);
    ctx_free(c);
}

/* --max-flows 2, three flows: the least recently active one goes */
static void test_max_flows_evicts_lru(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(2, 0);
    in(c, 40001, true, S, 100, 0, 0, 0);           /* flow 1 */
    in(c, 40002, true, S, 200, 0, 0, 1);           /* flow 2 */
    in(c, 40001, false, S | A, 9, 101, 0, 2);      /* flow 1 active again */
    const struct ev_rec *e = in(c, 40003, true, S, 300, 0, 0, 3);
    assert_int_equal(e->flow_id, 3);
    assert_int_equal(c->rec.nend, 1);
    assert_int_equal(c->rec.end[0].id, 2);
    assert_int_equal(c->rec.end[0].cport, 40002);
    assert_reason(c->rec.end[0].reason, SF_END_EVICTED);
    struct sf_flowtab_stats st;
    sf_flowtab_stats(c->ft, &st);
    assert_int_equal(st.evicted, 1);
    assert_int_equal(st.open, 2);
    assert_int_equal(st.max_open, 2);
    assert_int_equal(st.flows, 3);
    /* flow 1 is still there */
    assert_int_equal(in(c, 40001, true, A, 101, 10, 0, 4)->flow_id, 1);
    ctx_free(c);
}

/* --idle-timeout 10 s: a later packet of another flow ends the idle one */
static void test_idle_timeout(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 10ull * 1000000000);
    in(c, 40001, true, S, 100, 0, 0, 0);
    in(c, 40001, false, S | A, 9, 101, 0, 1);
    in(c, 40001, true, A, 101, 10, 0, 2);
    in(c, 40002, true, S, 200, 0, 0, 9000);
    assert_int_equal(c->rec.nend, 0);              /* 8.998 s idle */
    const struct ev_rec *e = in(c, 40002, true, S, 200, 0, 0, 10003);
    assert_int_equal(e->flow_id, 2);
    assert_int_equal(c->rec.nend, 1);
    assert_int_equal(c->rec.end[0].id, 1);
    assert_reason(c->rec.end[0].reason, SF_END_IDLE);
    /* ended before the packet that advanced time was reported */
    assert_true(c->rec.end[0].seq < c->rec.order - 1);
    struct sf_flowtab_stats st;
    sf_flowtab_stats(c->ft, &st);
    assert_int_equal(st.idle, 1);
    assert_int_equal(st.open, 1);
    ctx_free(c);
}

/* A flow whose packets are stamped behind the clock (time steps back in
 * the capture) gets a deadline already past: it must still be acted on
 * at the next sweep, not parked in a timer bucket swept long ago. */
static void test_deadline_in_the_past(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    in(c, 40001, true, S, 100, 0, 0, 0);
    in(c, 40001, false, S | A, 9, 101, 0, 1);
    in(c, 40001, true, A, 101, 10, 0, 2);
    for (uint64_t t = 0; t <= 20000; t += 500)     /* the clock: 20 s */
        in(c, 40002, true, A, 500, 7, 0, t);
    /* flow 1 closes with segments stamped 10 s behind the clock */
    in(c, 40001, true, F | A, 101, 10, 0, 10000);
    in(c, 40001, false, A, 10, 102, 0, 10001);
    in(c, 40001, false, F | A, 10, 102, 0, 10002);
    in(c, 40001, true, A, 102, 11, 0, 10003);
    for (uint64_t t = 20500; t <= 24000; t += 500)
        in(c, 40002, true, A, 500, 7, 0, t);
    const struct end_rec *e = end_of(c, 1);
    assert_non_null(e);                 /* closed and quiet for 2 s */
    assert_reason(e->reason, SF_END_CLOSED);
    ctx_free(c);
}

/* Flows that fall due in one sweep end in order of last activity,
 * oldest first (the age list's order), whatever their ids. */
static void test_sweep_activity_order(void **state)
{
    (void)state;
    static const uint16_t touch[] = { 3, 1, 5, 2, 4 };
    struct ctx *c = ctx_new(0, 0);                     /* idle 300 s */
    for (uint16_t k = 1; k <= 5; k++)
        in(c, (uint16_t)(40000 + k), true, S, k * 100u, 0, 0, k);
    for (size_t k = 0; k < 5; k++)
        in(c, (uint16_t)(40000 + touch[k]), true, S, touch[k] * 100u, 0, 0,
           10 + k);
    in(c, 40009, true, S, 900, 0, 0, 400000);
    assert_int_equal(c->rec.nend, 5);
    for (size_t k = 0; k < 5; k++)
        assert_int_equal(c->rec.end[k].id, touch[k]);
    ctx_free(c);
}

/* The clock jumps three years (past the range of a node's packed due
 * time): the flows idle since end then, and a flow started after the
 * jump still ends on its idle timeout, not before. */
static void test_clock_jump_years(void **state)
{
    (void)state;
    const uint64_t jump = 3ull * 365 * 86400 * 1000;   /* ms */
    struct ctx *c = ctx_new(0, 0);                     /* idle 300 s */
    in(c, 40001, true, S, 100, 0, 0, 0);
    in(c, 40002, true, S, 200, 0, 0, 1);
    in(c, 40003, true, S, 300, 0, 0, jump);
    assert_int_equal(c->rec.nend, 2);
    assert_reason(c->rec.end[0].reason, SF_END_IDLE);
    assert_reason(c->rec.end[1].reason, SF_END_IDLE);
    in(c, 40004, true, S, 400, 0, 0, jump + 299000);
    assert_int_equal(c->rec.nend, 2);
    in(c, 40004, true, S, 400, 0, 0, jump + 300500);
    assert_int_equal(c->rec.nend, 3);
    assert_int_equal(c->rec.end[2].id, 3);
    assert_reason(c->rec.end[2].reason, SF_END_IDLE);
    in(c, 40005, true, S, 500, 0, 0, 2 * jump);
    assert_int_equal(c->rec.nend, 4);
    assert_int_equal(c->rec.end[3].id, 4);
    ctx_free(c);
}

/* end of input: every remaining flow ends, in first-seen order (not in
 * order of activity), with its end-time anomalies first */
static void test_flush_first_seen_order(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    in(c, 40003, true, S, 300, 0, 0, 0);           /* 1: syn_unanswered */
    in(c, 40001, true, S, 100, 0, 0, 1);           /* 2 */
    in(c, 40002, true, S, 200, 0, 0, 2);           /* 3 */
    in(c, 40001, false, S | A, 9, 101, 0, 3);      /* 2: synack_unacked */
    in(c, 40002, true, S, 200, 0, 0, 4);
    in(c, 40003, true, S, 300, 0, 0, 5);           /* 1 most recent */
    size_t nev = c->rec.nev;
    assert_int_equal(sf_flowtab_flush(c->ft, NS(5), &c->sink), 0);
    assert_int_equal(c->rec.nend, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(c->rec.end[i].id, i + 1);
        assert_reason(c->rec.end[i].reason, SF_END_INPUT);
    }
    /* one anomaly event per flow, each before its flow's end */
    assert_int_equal(c->rec.nev, nev + 3);
    const struct ev_rec *a = &c->rec.ev[nev];
    assert_int_equal(a[0].kind, SF_EV_ANOMALY);
    assert_int_equal(a[0].flow_id, 1);
    assert_int_equal(a[0].an_type[0], SF_AN_SYN_UNANSWERED);
    assert_int_equal(a[0].an_arg[0], 2);
    assert_int_equal(a[1].flow_id, 2);
    assert_int_equal(a[1].an_type[0], SF_AN_SYNACK_UNACKED);
    assert_int_equal(a[2].flow_id, 3);
    assert_int_equal(a[2].an_type[0], SF_AN_SYN_UNANSWERED);
    for (size_t i = 0; i < 3; i++) {
        assert_true(a[i].seq < c->rec.end[i].seq);
        if (i > 0)
            assert_true(a[i].seq > c->rec.end[i - 1].seq);
    }
    struct sf_flowtab_stats st;
    sf_flowtab_stats(c->ft, &st);
    assert_int_equal(st.open, 0);
    assert_int_equal(st.evicted, 0);
    assert_int_equal(st.idle, 0);
    ctx_free(c);
}

/* a SYN retransmission (same ISN) stays in its flow */
static void test_syn_retransmit_same_flow(void **state)
{
    (void)state;
    struct ctx *c = ctx_new(0, 0);
    const struct ev_rec *e = in(c, 40000, true, S, 1000, 0, 0, 0);
    assert_false(e->retransmit);
    e = in(c, 40000, true, S, 1000, 0, 0, 1000);
    assert_int_equal(e->flow_id, 1);
    assert_true(e->retransmit);
    assert_true(ev_has(e, SF_AN_SYN_RETRANSMIT));
    assert_false(ev_has(e, SF_AN_PORT_REUSE));
    e = in(c, 40000, true, S, 1000, 0, 0, 3000);
    assert_int_equal(e->flow_id, 1);
    assert_int_equal(c->rec.nend, 0);
    struct sf_flowtab_stats st;
    sf_flowtab_stats(c->ft, &st);
    assert_int_equal(st.flows, 1);
    /* a SYN with another ISN while only SYNs were seen: a new attempt,
     * no port_reuse (the old one never got an answer) */
    e = in(c, 40000, true, S, 2000, 0, 0, 4000);
    assert_int_equal(e->flow_id, 2);
    assert_false(ev_has(e, SF_AN_PORT_REUSE));
    assert_int_equal(c->rec.nend, 1);
    assert_reason(c->rec.end[0].reason, SF_END_REUSED);
    ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_first_seen_order),
        cmocka_unit_test(test_both_directions_one_flow),
        cmocka_unit_test(test_reuse_time_wait),
        cmocka_unit_test(test_reuse_time_wait_after_end),
        cmocka_unit_test(test_reuse_established),
        cmocka_unit_test(test_time_wait_many),
        cmocka_unit_test(test_max_flows_evicts_lru),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_clock_jump_years),
        cmocka_unit_test(test_sweep_activity_order),
        cmocka_unit_test(test_deadline_in_the_past),
        cmocka_unit_test(test_flush_first_seen_order),
        cmocka_unit_test(test_syn_retransmit_same_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
