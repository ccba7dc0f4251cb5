/* Unit tests for the tracker: hand-built segments of one connection fed
 * through sf_tracker_start/side/segment/finish, checking per segment the
 * event (step, state changes, anomalies) and at the end the flow's facts
 * (handshake, close, initiator, Zeek history and conn_state) against
 * RFC 9293 3.5-3.6, DESIGN.md 3-4 and Zeek's rules (prior-art.md 1).
 *
 * Client 10.0.0.1:40000, ISN 1000; server 10.0.0.2:80, ISN 5000. Times
 * are milliseconds after T0. */

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
#include "synfin/tracker.h"

#include "segment.h"

#define CPORT 40000
#define CISN 1000u
#define SISN 5000u
#define LINGER_NS (5ull * 1000000000)

/* One segment from the client (or the server) at T0 + t_ms. */
static struct sf_pkt seg(bool from_client, uint8_t flags, uint32_t seq,
                         uint32_t ack, uint32_t len, uint64_t t_ms)
{
    return test_seg(CPORT, from_client, flags, seq, ack, len, t_ms);
}

/* Each test owns one flow and the last event. */
struct ctx {
    struct sf_flow f;
    struct sf_event ev;
};

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    sf_tracker_fini(&c->f);
    free(c);
    return 0;
}

/* Feeds one segment (starting the flow with it if it is the first) and
 * returns the event. */
static const struct sf_event *feed(struct ctx *c, struct sf_pkt p)
{
    if (c->f.id == 0)
        sf_tracker_start(&c->f, 1, &p);
    enum sf_side side = sf_tracker_side(&c->f, &p);
    sf_tracker_segment(&c->f, &p, side, sf_pkt_ns(&p), &c->ev);
    assert_int_equal(c->ev.kind, SF_EV_PACKET);
    assert_int_equal(c->ev.side, side);
    assert_int_equal(c->ev.flow_id, 1);
    return &c->ev;
}

#define CL(flags, seq, ack, len, t) feed(c, seg(true, flags, seq, ack, len, t))
#define SV(flags, seq, ack, len, t) feed(c, seg(false, flags, seq, ack, len, t))

#define assert_step(ev, want)                                             \
    assert_string_equal(sf_step_name((enum sf_step)(ev)->step),           \
                        sf_step_name(want))
#define assert_tcp_state(got, want)                                       \
    assert_string_equal(sf_state_name((enum sf_tcp_state)(got)),          \
                        sf_state_name(want))
#define assert_states(f, cs, ss)                                          \
    do {                                                                  \
        assert_tcp_state((f)->ep[SF_CLIENT].state, cs);                   \
        assert_tcp_state((f)->ep[SF_SERVER].state, ss);                   \
    } while (0)
#define assert_close(f, want)                                             \
    assert_string_equal(sf_close_name((enum sf_close)(f)->close),         \
                        sf_close_name(want))
#define assert_handshake(f, want)                                         \
    assert_string_equal(sf_handshake_name((enum sf_handshake)(f)->handshake), \
                        sf_handshake_name(want))

/* The state change of `side` in the event: asserts it is there. */
static void assert_change(const struct sf_event *ev, enum sf_side side,
                          enum sf_tcp_state from, enum sf_tcp_state to)
{
    for (uint8_t i = 0; i < ev->nstates; i++) {
        if (ev->states[i].side == side) {
            assert_tcp_state(ev->states[i].from, from);
            assert_tcp_state(ev->states[i].to, to);
            return;
        }
    }
    fail_msg("no state change for the %s (want %s -> %s)",
             sf_side_name(side), sf_state_name(from), sf_state_name(to));
}

static bool has_change(const struct sf_event *ev, enum sf_side side)
{
    for (uint8_t i = 0; i < ev->nstates; i++)
        if (ev->states[i].side == side)
            return true;
    return false;
}

/* A copy of f that owns its out-of-line part: a flow to go on with. */
static struct sf_flow clone(const struct sf_flow *f)
{
    size_t size = sf_flow_copy_size(f), head = SF_ALIGN8(sizeof(*f));
    void *mem = malloc(size);
    assert_non_null(mem);
    struct sf_flow c = *sf_flow_copy(mem, f);
    if (c.has_ext) {
        c.x.ext = malloc(size - head);
        assert_non_null(c.x.ext);
        memcpy(c.x.ext, (unsigned char *)mem + head, size - head);
    }
    free(mem);
    return c;
}

/* Number of anomalies of a type in the flow / in the event. */
static int n_an(const struct sf_flow *f, enum sf_anomaly_type t)
{
    int n = 0;
    for (size_t i = 0; i < sf_flow_nan(f); i++)
        n += sf_flow_an(f)[i].type == t;
    return n;
}

static const struct sf_anomaly *an(const struct sf_flow *f,
                                   enum sf_anomaly_type t)
{
    for (size_t i = 0; i < sf_flow_nan(f); i++)
        if (sf_flow_an(f)[i].type == t)
            return &sf_flow_an(f)[i];
    return NULL;
}

static const struct sf_anomaly *ev_an(const struct sf_event *ev,
                                      enum sf_anomaly_type t)
{
    for (uint8_t i = 0; i < ev->nanom; i++)
        if (ev->anom[i]->type == t)
            return ev->anom[i];
    return NULL;
}

static void handshake(struct ctx *c)
{
    CL(S, CISN, 0, 0, 0);
    SV(S | A, SISN, CISN + 1, 0, 1);
    CL(A, CISN + 1, SISN + 1, 0, 2);
}

static void finish(struct ctx *c, uint64_t now_ms)
{
    sf_tracker_finish(&c->f, NS(now_ms), LINGER_NS, SF_END_INPUT);
}

/* ---- opening ---- */

static void test_handshake(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    ev = CL(S, CISN, 0, 0, 0);
    assert_step(ev, SF_STEP_SYN);
    assert_int_equal(ev->nstates, 1);
    assert_change(ev, SF_CLIENT, SF_TCP_CLOSED, SF_TCP_SYN_SENT);
    assert_states(f, SF_TCP_SYN_SENT, SF_TCP_CLOSED);
    assert_handshake(f, SF_HS_SYN_ONLY);
    assert_int_equal(ev->nanom, 0);

    ev = SV(S | A, SISN, CISN + 1, 0, 10);
    assert_step(ev, SF_STEP_SYNACK);
    assert_int_equal(ev->nstates, 2);
    assert_change(ev, SF_CLIENT, SF_TCP_SYN_SENT, SF_TCP_ESTABLISHED);
    assert_change(ev, SF_SERVER, SF_TCP_CLOSED, SF_TCP_SYN_RCVD);
    assert_handshake(f, SF_HS_SYN_SYNACK);

    ev = CL(A, CISN + 1, SISN + 1, 0, 25);
    assert_step(ev, SF_STEP_ACK3);
    assert_int_equal(ev->nstates, 1);
    assert_change(ev, SF_SERVER, SF_TCP_SYN_RCVD, SF_TCP_ESTABLISHED);
    assert_states(f, SF_TCP_ESTABLISHED, SF_TCP_ESTABLISHED);
    assert_int_equal(ev->nanom, 0);

    assert_handshake(f, SF_HS_COMPLETE);
    assert_int_equal(sf_flow_time(f, SF_T_SYN), NS(0));
    assert_int_equal(sf_flow_time(f, SF_T_SYNACK), NS(10));
    assert_int_equal(sf_flow_time(f, SF_T_ACK), NS(25));
    assert_int_equal(f->ep[SF_CLIENT].port, CPORT);
    assert_int_equal(f->ep[SF_SERVER].port, SPORT);
    assert_memory_equal(sf_flow_addr(f, SF_CLIENT), caddr, 4);
    assert_int_equal(f->ep[SF_CLIENT].iss, CISN);
    assert_int_equal(f->ep[SF_SERVER].iss, SISN);
    assert_int_equal(f->ep[SF_CLIENT].mss, 1460);
    assert_false(f->midstream);
    assert_int_equal(sf_flow_nan(f), 0);
    /* Zeek: S, h, A; established at the SYN-ACK, no FIN: S1 */
    assert_string_equal(f->history, "ShA");
    assert_string_equal(sf_flow_conn_state(f), "S1");

    finish(c, 30);
    assert_close(f, SF_CLOSE_NONE);
    assert_int_equal(sf_flow_nan(f), 0);
    assert_int_equal(f->initiator, SF_NOSIDE);
}

/* ---- closing ---- */

static void test_close_fin4_client(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    ev = CL(F | A, CISN + 1, SISN + 1, 0, 100);
    assert_step(ev, SF_STEP_FIN1);
    assert_int_equal(ev->nstates, 1);
    assert_change(ev, SF_CLIENT, SF_TCP_ESTABLISHED, SF_TCP_FIN_WAIT_1);
    assert_int_equal(f->initiator, SF_CLIENT);

    ev = SV(A, SISN + 1, CISN + 2, 0, 101);
    assert_step(ev, SF_STEP_ACK2);
    assert_int_equal(ev->nstates, 2);
    assert_change(ev, SF_CLIENT, SF_TCP_FIN_WAIT_1, SF_TCP_FIN_WAIT_2);
    assert_change(ev, SF_SERVER, SF_TCP_ESTABLISHED, SF_TCP_CLOSE_WAIT);

    ev = SV(F | A, SISN + 1, CISN + 2, 0, 150);
    assert_step(ev, SF_STEP_FIN3);
    assert_int_equal(ev->nstates, 1);
    assert_change(ev, SF_SERVER, SF_TCP_CLOSE_WAIT, SF_TCP_LAST_ACK);
    assert_false(f->complete);

    ev = CL(A, CISN + 2, SISN + 2, 0, 151);
    assert_step(ev, SF_STEP_ACK4);
    assert_int_equal(ev->nstates, 2);
    assert_change(ev, SF_CLIENT, SF_TCP_FIN_WAIT_2, SF_TCP_TIME_WAIT);
    assert_change(ev, SF_SERVER, SF_TCP_LAST_ACK, SF_TCP_CLOSED);
    assert_true(f->complete);
    assert_true(f->finished);
    assert_int_equal(sf_flow_time(f, SF_T_DONE), NS(151));

    finish(c, 151);
    assert_close(f, SF_CLOSE_FIN4);
    assert_int_equal(f->initiator, SF_CLIENT);
    assert_int_equal(f->rst_by, SF_NOSIDE);
    assert_false(f->half_close);
    assert_true(f->complete);
    assert_int_equal(sf_flow_nan(f), 0);
    /* Zeek: S h A (client ACK3), F (client FIN+ACK: FIN counts), a (server
     * pure ACK), f (server FIN); the client's last ACK adds no second A.
     * Both endpoints CLOSED: SF. */
    assert_string_equal(f->history, "ShAFaf");
    assert_string_equal(sf_flow_conn_state(f), "SF");
}

static void test_close_fin4_server(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    ev = SV(F | A, SISN + 1, CISN + 1, 0, 100);
    assert_step(ev, SF_STEP_FIN1);
    assert_change(ev, SF_SERVER, SF_TCP_ESTABLISHED, SF_TCP_FIN_WAIT_1);
    ev = CL(A, CISN + 1, SISN + 2, 0, 101);
    assert_step(ev, SF_STEP_ACK2);
    assert_change(ev, SF_SERVER, SF_TCP_FIN_WAIT_1, SF_TCP_FIN_WAIT_2);
    assert_change(ev, SF_CLIENT, SF_TCP_ESTABLISHED, SF_TCP_CLOSE_WAIT);
    ev = CL(F | A, CISN + 1, SISN + 2, 0, 120);
    assert_step(ev, SF_STEP_FIN3);
    assert_change(ev, SF_CLIENT, SF_TCP_CLOSE_WAIT, SF_TCP_LAST_ACK);
    ev = SV(A, SISN + 2, CISN + 2, 0, 121);
    assert_step(ev, SF_STEP_ACK4);
    assert_change(ev, SF_SERVER, SF_TCP_FIN_WAIT_2, SF_TCP_TIME_WAIT);
    assert_change(ev, SF_CLIENT, SF_TCP_LAST_ACK, SF_TCP_CLOSED);

    finish(c, 121);
    assert_close(f, SF_CLOSE_FIN4);
    assert_int_equal(f->initiator, SF_SERVER);
    assert_true(f->complete);
    assert_int_equal(sf_flow_nan(f), 0);
    /* S h A, f (server FIN), the client's ACK is not a new A, F, a */
    assert_string_equal(f->history, "ShAfFa");
    assert_string_equal(sf_flow_conn_state(f), "SF");
}

static void test_close_fin3_merged(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    ev = CL(F | A, CISN + 1, SISN + 1, 0, 100);
    assert_step(ev, SF_STEP_FIN1);
    /* the server's FIN carries the ACK of the client's FIN */
    ev = SV(F | A, SISN + 1, CISN + 2, 0, 101);
    assert_step(ev, SF_STEP_FINACK23);
    assert_change(ev, SF_CLIENT, SF_TCP_FIN_WAIT_1, SF_TCP_FIN_WAIT_2);
    assert_change(ev, SF_SERVER, SF_TCP_ESTABLISHED, SF_TCP_LAST_ACK);
    ev = CL(A, CISN + 2, SISN + 2, 0, 102);
    assert_step(ev, SF_STEP_ACK4);
    assert_states(f, SF_TCP_TIME_WAIT, SF_TCP_CLOSED);

    finish(c, 102);
    assert_close(f, SF_CLOSE_FIN3);
    assert_int_equal(f->initiator, SF_CLIENT);
    assert_true(f->complete);
    assert_true(f->fin_merged);
    assert_int_equal(sf_flow_nan(f), 0);
    assert_string_equal(f->history, "ShAFf");
    assert_string_equal(sf_flow_conn_state(f), "SF");
}

/* Crossed FINs: each side sends its FIN before acknowledging the other's
 * (RFC 9293 3.6, figure 13). DESIGN.md 3: "simultaneous (the FINs
 * crossed: both sides FIN_WAIT_1 -> CLOSING)". */
/* Crossed FINs (RFC 9293 3.6, figure 13). A segment seen is taken to
 * reach its receiver, so when the second FIN passes without acknowledging
 * the first, each side has sent its FIN and will receive the other's:
 * both are in CLOSING at that packet (the server's FIN-WAIT-1 lasts no
 * longer than the packet itself). Each ACK of a FIN then moves the FIN's
 * sender to TIME-WAIT. */
static void test_close_simultaneous(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    ev = CL(F | A, CISN + 1, SISN + 1, 0, 100);
    assert_step(ev, SF_STEP_FIN1);
    assert_change(ev, SF_CLIENT, SF_TCP_ESTABLISHED, SF_TCP_FIN_WAIT_1);
    ev = SV(F | A, SISN + 1, CISN + 1, 0, 101);    /* not acking the FIN */
    assert_step(ev, SF_STEP_FIN_CROSSED);
    assert_change(ev, SF_SERVER, SF_TCP_ESTABLISHED, SF_TCP_CLOSING);
    assert_change(ev, SF_CLIENT, SF_TCP_FIN_WAIT_1, SF_TCP_CLOSING);
    assert_states(f, SF_TCP_CLOSING, SF_TCP_CLOSING);
    assert_int_equal(f->initiator, SF_BOTH);

    ev = CL(A, CISN + 2, SISN + 2, 0, 102);    /* client acks server FIN */
    assert_step(ev, SF_STEP_ACK3_OF4);
    assert_change(ev, SF_SERVER, SF_TCP_CLOSING, SF_TCP_TIME_WAIT);
    assert_false(has_change(ev, SF_CLIENT));

    ev = SV(A, SISN + 2, CISN + 2, 0, 103);    /* server acks client FIN */
    assert_step(ev, SF_STEP_ACK4);
    assert_change(ev, SF_CLIENT, SF_TCP_CLOSING, SF_TCP_TIME_WAIT);
    assert_states(f, SF_TCP_TIME_WAIT, SF_TCP_TIME_WAIT);

    finish(c, 103);
    assert_close(f, SF_CLOSE_SIMULTANEOUS);
    assert_int_equal(f->initiator, SF_BOTH);
    assert_true(f->complete);
    assert_int_equal(sf_flow_nan(f), 0);
    assert_string_equal(sf_flow_conn_state(f), "SF");
}

/* shutdown(SHUT_WR) by the client; the server keeps sending, then FINs */
static void test_half_close(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    ev = SV(A, SISN + 1, CISN + 2, 0, 101);
    assert_step(ev, SF_STEP_ACK2);
    assert_states(f, SF_TCP_FIN_WAIT_2, SF_TCP_CLOSE_WAIT);
    assert_false(f->half_close);

    ev = SV(P | A, SISN + 1, CISN + 2, 300, 110);
    assert_step(ev, SF_STEP_HALF_CLOSE_DATA);
    assert_true(f->half_close);
    assert_int_equal(ev->nstates, 0);
    assert_int_equal(ev->nanom, 0);
    ev = CL(A, CISN + 2, SISN + 301, 0, 111);
    assert_step(ev, SF_STEP_ACK);
    ev = SV(P | A, SISN + 301, CISN + 2, 200, 120);
    assert_step(ev, SF_STEP_HALF_CLOSE_DATA);
    ev = SV(F | A, SISN + 501, CISN + 2, 0, 130);
    assert_step(ev, SF_STEP_FIN3);
    assert_states(f, SF_TCP_FIN_WAIT_2, SF_TCP_LAST_ACK);
    ev = CL(A, CISN + 2, SISN + 502, 0, 131);
    assert_step(ev, SF_STEP_ACK4);
    assert_states(f, SF_TCP_TIME_WAIT, SF_TCP_CLOSED);

    finish(c, 131);
    assert_close(f, SF_CLOSE_FIN4);
    assert_true(f->half_close);
    assert_true(f->complete);
    assert_int_equal(f->initiator, SF_CLIENT);
    assert_int_equal(f->ep[SF_SERVER].bytes, 500);
    assert_int_equal(n_an(f, SF_AN_DATA_AFTER_FIN), 0);
    assert_int_equal(sf_flow_nan(f), 0);
    /* S h A F a d(server data) f */
    assert_string_equal(f->history, "ShAFadf");
}

static void test_fin_retransmit(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    ev = CL(F | A, CISN + 1, SISN + 1, 0, 100);
    assert_false(ev->retransmit);
    assert_int_equal(ev->nanom, 0);
    ev = CL(F | A, CISN + 1, SISN + 1, 0, 300);
    assert_true(ev->retransmit);
    assert_step(ev, SF_STEP_FIN1);
    assert_int_equal(ev->nstates, 0);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_FIN_RETRANSMIT);
    assert_non_null(a);
    assert_int_equal(a->side, SF_CLIENT);
    assert_int_equal(a->arg, 2);
    assert_int_equal(a->ts_ns, NS(300));
    ev = CL(F | A, CISN + 1, SISN + 1, 0, 700);
    assert_true(ev->retransmit);
    assert_int_equal(ev->nanom, 0);         /* counted, not repeated */
    assert_int_equal(n_an(f, SF_AN_FIN_RETRANSMIT), 1);
    assert_int_equal(an(f, SF_AN_FIN_RETRANSMIT)->arg, 3);
    assert_int_equal(f->ep[SF_CLIENT].fin_count, 3);
    assert_tcp_state(f->ep[SF_CLIENT].state, SF_TCP_FIN_WAIT_1);
    /* Zeek's F repeats only when seq+len differs: one F */
    assert_string_equal(f->history, "ShAF");

    ev = SV(A, SISN + 1, CISN + 2, 0, 701);
    assert_step(ev, SF_STEP_ACK2);
    finish(c, 701);
    assert_close(f, SF_CLOSE_HALF_CLOSED);
    assert_int_equal(n_an(f, SF_AN_FIN_UNACKED), 0);
}

/* DESIGN.md 3: an ACK acknowledges a FIN only when ack == fin_seq + 1 */
static void test_ack_of_fin_seq_is_not_fin_ack(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    CL(P | A, CISN + 1, SISN + 1, 100, 50);
    CL(F | A, CISN + 101, SISN + 1, 0, 100);      /* fin_seq = CISN+101 */
    assert_int_equal(f->ep[SF_CLIENT].fin_seq, CISN + 101);
    ev = SV(A, SISN + 1, CISN + 101, 0, 101);      /* data acked, FIN not */
    assert_step(ev, SF_STEP_ACK);
    assert_int_equal(ev->nstates, 0);
    assert_states(f, SF_TCP_FIN_WAIT_1, SF_TCP_ESTABLISHED);
    assert_false(f->ep[SF_CLIENT].fin_acked);
    assert_false(f->ep[SF_SERVER].acked_fin);

    ev = SV(A, SISN + 1, CISN + 102, 0, 102);      /* now the FIN */
    assert_step(ev, SF_STEP_ACK2);
    assert_states(f, SF_TCP_FIN_WAIT_2, SF_TCP_CLOSE_WAIT);
}

/* ---- RST ---- */

/* RFC 9293 3.10.7.1: the RST answering a SYN acks ISN+1 */
static void test_rst_refused(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    CL(S, CISN, 0, 0, 0);
    ev = SV(R | A, 0, CISN + 1, 0, 1);
    assert_step(ev, SF_STEP_RST);
    assert_change(ev, SF_CLIENT, SF_TCP_SYN_SENT, SF_TCP_CLOSED);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_REFUSED);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_states(f, SF_TCP_CLOSED, SF_TCP_CLOSED);

    finish(c, 1);
    assert_close(f, SF_CLOSE_REFUSED);
    assert_handshake(f, SF_HS_SYN_ONLY);
    assert_int_equal(f->rst_by, SF_SERVER);
    assert_int_equal(f->initiator, SF_NOSIDE);
    assert_false(f->complete);
    assert_int_equal(n_an(f, SF_AN_REFUSED), 1);
    assert_int_equal(n_an(f, SF_AN_SYN_UNANSWERED), 0);
    assert_int_equal(n_an(f, SF_AN_RST), 0);
    assert_int_equal(sf_flow_nan(f), 1);
    assert_string_equal(f->history, "Sr");
    assert_string_equal(sf_flow_conn_state(f), "REJ");
}

/* RFC 9293 3.10.7.3 (SYN-SENT): a RST whose ACK is not acceptable (here
 * ISN+5, beyond SND.NXT = ISN+1) is dropped by the client. */
static void test_rst_after_syn_bad_ack(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    CL(S, CISN, 0, 0, 0);
    ev = SV(R | A, 0, CISN + 5, 0, 1);
    assert_step(ev, SF_STEP_RST);
    assert_int_equal(n_an(f, SF_AN_REFUSED), 0);
    /* Regression: a RST that does not acknowledge the SYN is dropped by a
     * client in SYN-SENT (RFC 9293 3.10.7.3); it used to end the flow. */
    assert_non_null(ev_an(ev, SF_AN_RST_OUT_OF_WINDOW));
    assert_states(f, SF_TCP_SYN_SENT, SF_TCP_CLOSED);
    finish(c, 1);
    assert_close(f, SF_CLOSE_NONE);
    assert_int_equal(f->rst_by, SF_NOSIDE);
}

/* SYN, SYN-ACK, RST from the client (a SYN scan's pattern) */
static void test_rst_after_synack(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    CL(S, CISN, 0, 0, 0);
    SV(S | A, SISN, CISN + 1, 0, 1);
    ev = CL(R, CISN + 1, 0, 0, 2);
    assert_step(ev, SF_STEP_RST);
    assert_change(ev, SF_CLIENT, SF_TCP_ESTABLISHED, SF_TCP_CLOSED);
    assert_change(ev, SF_SERVER, SF_TCP_SYN_RCVD, SF_TCP_CLOSED);
    assert_non_null(ev_an(ev, SF_AN_RST));
    assert_int_equal(n_an(f, SF_AN_REFUSED), 0);

    finish(c, 2);
    assert_close(f, SF_CLOSE_RST);
    assert_int_equal(f->rst_by, SF_CLIENT);
    assert_handshake(f, SF_HS_SYN_SYNACK);
    assert_int_equal(n_an(f, SF_AN_SYNACK_UNACKED), 0);
    assert_int_equal(n_an(f, SF_AN_SYN_UNANSWERED), 0);
    assert_string_equal(f->history, "ShR");
    /* Zeek: both ESTABLISHED at the SYN-ACK, then the originator RESET and
     * the responder active: RSTO */
    assert_string_equal(sf_flow_conn_state(f), "RSTO");
}

/* RST from the server with 50 of the client's bytes unacknowledged */
static void test_rst_established(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    CL(P | A, CISN + 1, SISN + 1, 100, 10);
    SV(A, SISN + 1, CISN + 101, 0, 11);
    CL(P | A, CISN + 101, SISN + 1, 50, 12);
    ev = SV(R | A, SISN + 1, CISN + 101, 0, 13);
    assert_step(ev, SF_STEP_RST);
    assert_change(ev, SF_CLIENT, SF_TCP_ESTABLISHED, SF_TCP_CLOSED);
    assert_change(ev, SF_SERVER, SF_TCP_ESTABLISHED, SF_TCP_CLOSED);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_RST);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_tcp_state(a->state, SF_TCP_ESTABLISHED);
    assert_int_equal(a->arg, 50);
    assert_true(f->finished);

    finish(c, 13);
    assert_close(f, SF_CLOSE_RST);
    assert_int_equal(f->rst_by, SF_SERVER);
    assert_int_equal(f->initiator, SF_SERVER);
    assert_false(f->complete);
    assert_int_equal(sf_flow_nan(f), 1);
    assert_string_equal(f->history, "ShADar");
    assert_string_equal(sf_flow_conn_state(f), "RSTR");
}

/* The server never sent a pure ACK: its SYN-ACK acknowledged ISN+1, so
 * the client's 100 bytes are all unacknowledged when it resets. */
static void test_rst_unacked_after_synack_only(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    CL(P | A, CISN + 1, SISN + 1, 100, 10);
    ev = SV(R | A, SISN + 1, CISN + 1, 0, 11);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_RST);
    assert_non_null(a);
    /* Regression: the SYN-ACK's acknowledgement counts as the server's
     * last ACK (it used to be ignored, giving 0 unacknowledged bytes). */
    assert_int_equal(a->arg, 100);
    finish(c, 11);
    assert_close(f, SF_CLOSE_RST);
}

/* RST in FIN-WAIT-2 / CLOSE-WAIT: the server aborts instead of closing */
static void test_rst_close_wait(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    SV(A, SISN + 1, CISN + 2, 0, 101);
    assert_states(f, SF_TCP_FIN_WAIT_2, SF_TCP_CLOSE_WAIT);
    ev = SV(R | A, SISN + 1, CISN + 2, 0, 200);
    assert_step(ev, SF_STEP_RST);
    assert_change(ev, SF_CLIENT, SF_TCP_FIN_WAIT_2, SF_TCP_CLOSED);
    assert_change(ev, SF_SERVER, SF_TCP_CLOSE_WAIT, SF_TCP_CLOSED);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_RST);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_tcp_state(a->state, SF_TCP_CLOSE_WAIT);
    assert_int_equal(a->arg, 0);

    finish(c, 200);
    assert_close(f, SF_CLOSE_RST);
    assert_int_equal(f->rst_by, SF_SERVER);
    assert_int_equal(f->initiator, SF_CLIENT);  /* the first FIN */
    assert_false(f->complete);
    assert_int_equal(n_an(f, SF_AN_FIN_UNACKED), 0);
    assert_int_equal(n_an(f, SF_AN_CLOSE_WAIT_LINGER), 0);
    assert_string_equal(f->history, "ShAFar");
    /* client CLOSED (FIN), server RESET: RSTR */
    assert_string_equal(sf_flow_conn_state(f), "RSTR");
}

/* a RST after the close completed does not change the close kind */
static void test_rst_after_complete_close(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    SV(A, SISN + 1, CISN + 2, 0, 101);
    SV(F | A, SISN + 1, CISN + 2, 0, 102);
    CL(A, CISN + 2, SISN + 2, 0, 103);
    assert_true(f->complete);
    ev = CL(R, CISN + 2, 0, 0, 104);
    assert_step(ev, SF_STEP_RST);
    assert_states(f, SF_TCP_CLOSED, SF_TCP_CLOSED);

    finish(c, 104);
    assert_close(f, SF_CLOSE_FIN4);
    assert_true(f->complete);
    assert_int_equal(f->initiator, SF_CLIENT);
    assert_int_equal(f->rst_by, SF_NOSIDE);
    assert_int_equal(n_an(f, SF_AN_FIN_UNACKED), 0);
}

/* RFC 5961 3 / RFC 9293 3.10.7.4: a RST outside the receiver's window is
 * ignored: no state change, no close */
static void test_rst_out_of_window(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    ev = SV(R | A, SISN + 1 + 10000000u, CISN + 1, 0, 10);
    assert_step(ev, SF_STEP_RST);
    assert_int_equal(ev->nstates, 0);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_RST_OUT_OF_WINDOW);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_null(ev_an(ev, SF_AN_RST));
    assert_states(f, SF_TCP_ESTABLISHED, SF_TCP_ESTABLISHED);
    assert_false(f->finished);
    /* just below the window's left edge: also out */
    ev = SV(R | A, SISN, CISN + 1, 0, 11);
    assert_int_equal(ev->nstates, 0);
    assert_states(f, SF_TCP_ESTABLISHED, SF_TCP_ESTABLISHED);

    /* the connection goes on and closes normally */
    CL(F | A, CISN + 1, SISN + 1, 0, 20);
    SV(F | A, SISN + 1, CISN + 2, 0, 21);
    CL(A, CISN + 2, SISN + 2, 0, 22);
    finish(c, 22);
    assert_close(f, SF_CLOSE_FIN3);
    assert_int_equal(f->rst_by, SF_NOSIDE);
    assert_int_equal(n_an(f, SF_AN_RST_OUT_OF_WINDOW), 2);
    assert_int_equal(n_an(f, SF_AN_RST), 0);
}

/* ---- handshake anomalies ---- */

static void test_bad_synack_ack(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    CL(S, CISN, 0, 0, 0);
    ev = SV(S | A, SISN, CISN + 2, 0, 1);
    assert_step(ev, SF_STEP_SYNACK);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_BAD_HANDSHAKE_ACK);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_int_equal(a->extra, 0);              /* the SYN-ACK */
    assert_int_equal((int32_t)a->arg, 1);
    /* the client's SYN is not acknowledged */
    assert_tcp_state(f->ep[SF_CLIENT].state, SF_TCP_SYN_SENT);
    assert_false(f->ep[SF_CLIENT].syn_acked);
}

static void test_bad_third_ack(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    CL(S, CISN, 0, 0, 0);
    SV(S | A, SISN, CISN + 1, 0, 1);
    ev = CL(A, CISN + 1, SISN + 5, 0, 2);
    assert_step(ev, SF_STEP_ACK3);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_BAD_HANDSHAKE_ACK);
    assert_non_null(a);
    assert_int_equal(a->side, SF_CLIENT);
    assert_int_equal(a->extra, 1);              /* the third ACK */
    assert_int_equal((int32_t)a->arg, 4);
    assert_handshake(f, SF_HS_SYN_SYNACK);
    assert_tcp_state(f->ep[SF_SERVER].state, SF_TCP_SYN_RCVD);
    assert_int_equal(n_an(f, SF_AN_BAD_HANDSHAKE_ACK), 1);
}

static void test_syn_retransmit(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    ev = CL(S, CISN, 0, 0, 0);
    assert_false(ev->retransmit);
    ev = CL(S, CISN, 0, 0, 1000);
    assert_true(ev->retransmit);
    assert_step(ev, SF_STEP_SYN);
    assert_non_null(ev_an(ev, SF_AN_SYN_RETRANSMIT));
    ev = CL(S, CISN, 0, 0, 3000);
    assert_true(ev->retransmit);
    assert_int_equal(ev->nanom, 0);
    assert_int_equal(n_an(f, SF_AN_SYN_RETRANSMIT), 1);
    const struct sf_anomaly *a = an(f, SF_AN_SYN_RETRANSMIT);
    assert_int_equal(a->side, SF_CLIENT);
    assert_int_equal(a->arg, 3);
    assert_int_equal(a->ts_ns, NS(1000));
    assert_int_equal(f->ep[SF_CLIENT].syn_count, 3);
    assert_int_equal(sf_flow_time(f, SF_T_SYN), NS(0));
    assert_string_equal(f->history, "S");       /* same seq: one S */
}

static void test_synack_retransmit(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    CL(S, CISN, 0, 0, 0);
    SV(S | A, SISN, CISN + 1, 0, 1);
    ev = SV(S | A, SISN, CISN + 1, 0, 1001);
    assert_true(ev->retransmit);
    assert_step(ev, SF_STEP_SYNACK);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_SYNACK_RETRANSMIT);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_int_equal(a->arg, 2);
    assert_int_equal(sf_flow_time(f, SF_T_SYNACK), NS(1));
    ev = CL(A, CISN + 1, SISN + 1, 0, 1002);
    assert_step(ev, SF_STEP_ACK3);
    assert_handshake(f, SF_HS_COMPLETE);
    finish(c, 1002);
    assert_int_equal(n_an(f, SF_AN_SYNACK_RETRANSMIT), 1);
    assert_int_equal(n_an(f, SF_AN_SYNACK_UNACKED), 0);
    assert_string_equal(f->history, "ShA");
}

static void test_syn_unanswered(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    CL(S, CISN, 0, 0, 0);
    CL(S, CISN, 0, 0, 1000);
    size_t first = sf_tracker_finish(f, NS(4000), LINGER_NS, SF_END_INPUT);
    assert_int_equal(first, 1);                 /* after syn_retransmit */
    assert_int_equal(sf_flow_nan(f), 2);
    const struct sf_anomaly *a = an(f, SF_AN_SYN_UNANSWERED);
    assert_non_null(a);
    assert_int_equal(a->side, SF_CLIENT);
    assert_int_equal(a->arg, 2);
    assert_int_equal(a->ts_ns, NS(0));
    assert_handshake(f, SF_HS_SYN_ONLY);
    assert_close(f, SF_CLOSE_NONE);
    assert_int_equal(f->end_reason, SF_END_INPUT);
    assert_string_equal(f->history, "S");
    assert_string_equal(sf_flow_conn_state(f), "S0");
}

/* While a capture runs, a SYN unanswered for SF_SYN_TIMEOUT_NS is
 * reported once (on a tick, or by a later SYN); the end updates its count
 * instead of adding a second one. A SYN-ACK in time means no anomaly. */
static void test_syn_timeout(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    CL(S, CISN, 0, 0, 0);
    assert_int_equal(sf_tracker_check_syn(f, NS(4999)), -1);
    long idx = sf_tracker_check_syn(f, NS(5000));
    assert_true(idx >= 0);
    assert_int_equal(sf_flow_an(f)[idx].type, SF_AN_SYN_UNANSWERED);
    assert_int_equal(sf_flow_an(f)[idx].arg, 1);
    assert_int_equal(sf_tracker_check_syn(f, NS(6000)), -1);  /* once */
    const struct sf_event *ev = CL(S, CISN, 0, 0, 7000);     /* again */
    assert_true(ev->retransmit);
    sf_tracker_finish(f, NS(8000), LINGER_NS, SF_END_INPUT);
    assert_int_equal(n_an(f, SF_AN_SYN_UNANSWERED), 1);
    assert_int_equal(an(f, SF_AN_SYN_UNANSWERED)->arg, 2);
}

static void test_syn_timeout_answered(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    CL(S, CISN, 0, 0, 0);
    SV(S | A, SISN, CISN + 1, 0, 4000);
    assert_int_equal(sf_tracker_check_syn(f, NS(9000)), -1);
    assert_int_equal(n_an(f, SF_AN_SYN_UNANSWERED), 0);
}

static void test_synack_unacked(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    CL(S, CISN, 0, 0, 0);
    SV(S | A, SISN, CISN + 1, 0, 1);
    size_t first = sf_tracker_finish(f, NS(5000), LINGER_NS, SF_END_INPUT);
    assert_int_equal(first, 0);
    assert_int_equal(sf_flow_nan(f), 1);
    const struct sf_anomaly *a = an(f, SF_AN_SYNACK_UNACKED);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_int_equal(a->ts_ns, NS(1));
    assert_handshake(f, SF_HS_SYN_SYNACK);
    assert_close(f, SF_CLOSE_NONE);
    assert_states(f, SF_TCP_ESTABLISHED, SF_TCP_SYN_RCVD);
    /* Zeek: established at the SYN-ACK */
    assert_string_equal(f->history, "Sh");
    assert_string_equal(sf_flow_conn_state(f), "S1");
}

static void test_fin_unacked(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    CL(F | A, CISN + 1, SISN + 1, 0, 400);
    finish(c, 400);
    const struct sf_anomaly *a = an(f, SF_AN_FIN_UNACKED);
    assert_non_null(a);
    assert_int_equal(a->side, SF_CLIENT);
    assert_int_equal(a->arg, 2);                /* FINs sent */
    assert_int_equal(a->ts_ns, NS(100));
    assert_tcp_state(a->state, SF_TCP_FIN_WAIT_1);
    assert_int_equal(n_an(f, SF_AN_FIN_UNACKED), 1);
    assert_close(f, SF_CLOSE_HALF_CLOSED);
    assert_int_equal(f->initiator, SF_CLIENT);
    assert_false(f->complete);
    /* client CLOSED (FIN), server ESTABLISHED: S2 */
    assert_string_equal(sf_flow_conn_state(f), "S2");
}

static void test_close_wait_linger(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    SV(A, SISN + 1, CISN + 2, 0, 200);
    assert_tcp_state(f->ep[SF_SERVER].state, SF_TCP_CLOSE_WAIT);

    assert_int_equal(sf_tracker_check_linger(f, NS(200), LINGER_NS), -1);
    assert_int_equal(sf_tracker_check_linger(f, NS(200) + LINGER_NS - 1,
                                             LINGER_NS), -1);
    assert_int_equal(sf_flow_nan(f), 0);
    long idx = sf_tracker_check_linger(f, NS(200) + LINGER_NS, LINGER_NS);
    assert_true(idx >= 0);
    const struct sf_anomaly *a = &sf_flow_an(f)[idx];
    assert_int_equal(a->type, SF_AN_CLOSE_WAIT_LINGER);
    assert_int_equal(a->side, SF_SERVER);
    assert_int_equal(a->arg, 5000);             /* idle ms */
    assert_int_equal(a->ts_ns, NS(200) + LINGER_NS);
    assert_tcp_state(a->state, SF_TCP_CLOSE_WAIT);
    /* once */
    assert_int_equal(sf_tracker_check_linger(f, NS(200) + 3 * LINGER_NS,
                                             LINGER_NS), -1);
    finish(c, 60000);
    assert_int_equal(n_an(f, SF_AN_CLOSE_WAIT_LINGER), 1);
    assert_close(f, SF_CLOSE_HALF_CLOSED);
    assert_int_equal(n_an(f, SF_AN_FIN_UNACKED), 0);
}

static void test_close_wait_linger_at_finish(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    SV(A, SISN + 1, CISN + 2, 0, 200);
    /* finishing before the linger: no anomaly */
    struct sf_flow copy = clone(f);
    sf_tracker_finish(&copy, NS(1200), LINGER_NS, SF_END_INPUT);
    assert_int_equal(n_an(&copy, SF_AN_CLOSE_WAIT_LINGER), 0);
    sf_tracker_fini(&copy);

    size_t first = sf_tracker_finish(f, NS(10200), LINGER_NS, SF_END_INPUT);
    assert_int_equal(first, 0);
    const struct sf_anomaly *a = an(f, SF_AN_CLOSE_WAIT_LINGER);
    assert_non_null(a);
    assert_int_equal(a->side, SF_SERVER);
    assert_int_equal(a->arg, 10000);
    assert_int_equal(n_an(f, SF_AN_CLOSE_WAIT_LINGER), 1);
}

/* data that a side sends after activity in CLOSE_WAIT resets the idle
 * clock: the linger counts from its last segment */
static void test_close_wait_linger_counts_from_last_segment(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    SV(A, SISN + 1, CISN + 2, 0, 200);
    SV(P | A, SISN + 1, CISN + 2, 10, 4000);
    assert_int_equal(sf_tracker_check_linger(f, NS(200) + LINGER_NS,
                                             LINGER_NS), -1);
    assert_true(sf_tracker_check_linger(f, NS(4000) + LINGER_NS,
                                        LINGER_NS) >= 0);
}

static void test_data_after_fin(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    handshake(c);
    CL(F | A, CISN + 1, SISN + 1, 0, 100);
    ev = CL(P | A, CISN + 2, SISN + 1, 10, 101);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_DATA_AFTER_FIN);
    assert_non_null(a);
    assert_int_equal(a->side, SF_CLIENT);
    assert_int_equal(a->arg, 10);
    ev = CL(P | A, CISN + 12, SISN + 1, 10, 102);
    assert_null(ev_an(ev, SF_AN_DATA_AFTER_FIN));  /* once per side */
    assert_int_equal(n_an(f, SF_AN_DATA_AFTER_FIN), 1);
    assert_false(f->half_close);    /* not the side that got the FIN */
}

static void test_syn_with_data(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    struct sf_pkt p = seg(true, S, CISN, 0, 20, 0);
    p.opts.tfo = true;
    p.opts.tfo_cookie = true;
    ev = feed(c, p);
    assert_step(ev, SF_STEP_SYN);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_SYN_WITH_DATA);
    assert_non_null(a);
    assert_int_equal(a->side, SF_CLIENT);
    assert_int_equal(a->arg, 20);
    assert_int_equal(f->ep[SF_CLIENT].snd_nxt, CISN + 21);
    assert_true(f->ep[SF_CLIENT].opt_tfo);
    assert_int_equal(f->ep[SF_CLIENT].bytes, 20);
}

/* RFC 7413 4.2: a server that accepts the SYN's data acknowledges it in
 * the SYN-ACK (ack = ISN + 1 + data). That is the right number, not a bad
 * handshake ack. */
static void test_tfo_synack_acks_data(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    struct sf_pkt p = seg(true, S, CISN, 0, 20, 0);
    p.opts.tfo = p.opts.tfo_cookie = true;
    feed(c, p);
    ev = SV(S | A, SISN, CISN + 21, 0, 1);
    /* Regression: a SYN-ACK acknowledging ISN + 1 + the SYN's data is how
     * a server accepts TFO data (RFC 7413 4.2), not a bad ack. */
    assert_null(ev_an(ev, SF_AN_BAD_HANDSHAKE_ACK));
    assert_tcp_state(f->ep[SF_CLIENT].state, SF_TCP_ESTABLISHED);
    CL(A, CISN + 21, SISN + 1, 0, 2);
    assert_handshake(f, SF_HS_COMPLETE);
}

/* crossed SYNs (RFC 9293 3.5, figure 8) */
static void test_simultaneous_open(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    CL(S, CISN, 0, 0, 0);
    ev = SV(S, SISN, 0, 0, 1);
    assert_step(ev, SF_STEP_SYN);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_SIMULTANEOUS_OPEN);
    assert_non_null(a);
    assert_states(f, SF_TCP_SYN_SENT, SF_TCP_SYN_SENT);
    ev = CL(S | A, CISN, SISN + 1, 0, 2);
    assert_step(ev, SF_STEP_SYNACK);
    ev = SV(S | A, SISN, CISN + 1, 0, 3);
    assert_step(ev, SF_STEP_SYNACK);
    assert_states(f, SF_TCP_ESTABLISHED, SF_TCP_ESTABLISHED);
    assert_int_equal(n_an(f, SF_AN_SIMULTANEOUS_OPEN), 1);
    assert_int_equal(n_an(f, SF_AN_BAD_HANDSHAKE_ACK), 0);
    assert_int_equal(f->ep[SF_CLIENT].port, CPORT);

    /* data flows both ways */
    CL(P | A, CISN + 1, SISN + 1, 10, 4);
    SV(P | A, SISN + 1, CISN + 11, 10, 5);
    CL(A, CISN + 11, SISN + 11, 0, 6);
    finish(c, 6);
    /* Regression: when the SYNs cross, the handshake is complete once each
     * SYN-ACK acknowledged the other side's SYN (no ACK 3/3 exists). */
    assert_int_equal(n_an(f, SF_AN_SYNACK_UNACKED), 0);
    assert_handshake(f, SF_HS_COMPLETE);
}

/* capture started mid-connection: the first packet is the server's data */
static void test_midstream(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;

    ev = SV(P | A, 70000, 30000, 100, 0);
    assert_true(f->midstream);
    /* client = higher port, whichever side sent first */
    assert_int_equal(f->ep[SF_CLIENT].port, CPORT);
    assert_int_equal(f->ep[SF_SERVER].port, SPORT);
    assert_int_equal(ev->side, SF_SERVER);
    assert_step(ev, SF_STEP_DATA);
    const struct sf_anomaly *a = ev_an(ev, SF_AN_MIDSTREAM);
    assert_non_null(a);
    assert_int_equal(a->side, SF_CLIENT);
    assert_states(f, SF_TCP_ESTABLISHED, SF_TCP_ESTABLISHED);
    assert_handshake(f, SF_HS_NONE);

    ev = CL(A, 30000, 70100, 0, 1);
    assert_step(ev, SF_STEP_ACK);
    assert_int_equal(ev->nanom, 0);
    assert_int_equal(n_an(f, SF_AN_MIDSTREAM), 1);

    finish(c, 1);
    assert_handshake(f, SF_HS_NONE);
    assert_close(f, SF_CLOSE_NONE);
    assert_int_equal(sf_flow_time(f, SF_T_SYN), 0);
    /* Zeek: both endpoints PARTIAL, no SYN: OTH */
    assert_string_equal(f->history, "dA");
    assert_string_equal(sf_flow_conn_state(f), "OTH");
}

/* mid-stream flow closed by FINs: DESIGN close kinds still apply */
static void test_midstream_close(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    CL(P | A, 30000, 70000, 10, 0);
    SV(F | A, 70000, 30010, 0, 1);
    assert_states(f, SF_TCP_ESTABLISHED, SF_TCP_FIN_WAIT_1);
    CL(F | A, 30010, 70001, 0, 2);
    assert_states(f, SF_TCP_LAST_ACK, SF_TCP_FIN_WAIT_2);
    SV(A, 70001, 30011, 0, 3);
    assert_states(f, SF_TCP_CLOSED, SF_TCP_TIME_WAIT);
    finish(c, 3);
    assert_close(f, SF_CLOSE_FIN3);
    assert_int_equal(f->initiator, SF_SERVER);
    assert_true(f->complete);
    /* prior-art 1.2: two FINs mid-stream still give SF */
    assert_string_equal(sf_flow_conn_state(f), "SF");
}

/* ISN 2^32 - 16: data and FIN cross the wrap */
static void test_seq_wrap(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;
    const struct sf_event *ev;
    const uint32_t isn = 0xfffffff0u;

    CL(S, isn, 0, 0, 0);
    SV(S | A, SISN, isn + 1, 0, 1);
    ev = CL(A, isn + 1, SISN + 1, 0, 2);
    assert_step(ev, SF_STEP_ACK3);
    CL(P | A, isn + 1, SISN + 1, 100, 3);           /* 0xfffffff1..0x55 */
    assert_int_equal(f->ep[SF_CLIENT].snd_nxt, 0x55u);
    SV(A, SISN + 1, 0x55u, 0, 4);
    ev = CL(F | A, 0x55u, SISN + 1, 0, 5);
    assert_step(ev, SF_STEP_FIN1);
    assert_int_equal(f->ep[SF_CLIENT].fin_seq, 0x55u);
    assert_int_equal(f->ep[SF_CLIENT].retrans, 0);
    ev = SV(A, SISN + 1, 0x56u, 0, 6);
    assert_step(ev, SF_STEP_ACK2);
    assert_states(f, SF_TCP_FIN_WAIT_2, SF_TCP_CLOSE_WAIT);
    SV(F | A, SISN + 1, 0x56u, 0, 7);
    ev = CL(A, 0x56u, SISN + 2, 0, 8);
    assert_step(ev, SF_STEP_ACK4);
    assert_states(f, SF_TCP_TIME_WAIT, SF_TCP_CLOSED);
    finish(c, 8);
    assert_close(f, SF_CLOSE_FIN4);
    assert_true(f->complete);
    assert_int_equal(sf_flow_nan(f), 0);
    assert_int_equal(f->ep[SF_CLIENT].bytes, 100);
}

/* a payload retransmission is counted (Zeek T) and not taken as new */
static void test_data_retransmit(void **state)
{
    struct ctx *c = *state;
    struct sf_flow *f = &c->f;

    handshake(c);
    CL(P | A, CISN + 1, SISN + 1, 100, 10);
    CL(P | A, CISN + 1, SISN + 1, 100, 300);
    assert_int_equal(f->ep[SF_CLIENT].retrans, 1);
    assert_int_equal(f->ep[SF_CLIENT].snd_nxt, CISN + 101);
    assert_string_equal(f->history, "ShADT");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_handshake),
        T(test_close_fin4_client),
        T(test_close_fin4_server),
        T(test_close_fin3_merged),
        T(test_syn_timeout),
        T(test_syn_timeout_answered),
        T(test_close_simultaneous),
        T(test_half_close),
        T(test_fin_retransmit),
        T(test_ack_of_fin_seq_is_not_fin_ack),
        T(test_rst_refused),
        T(test_rst_after_syn_bad_ack),
        T(test_rst_after_synack),
        T(test_rst_established),
        T(test_rst_unacked_after_synack_only),
        T(test_rst_close_wait),
        T(test_rst_after_complete_close),
        T(test_rst_out_of_window),
        T(test_bad_synack_ack),
        T(test_bad_third_ack),
        T(test_syn_retransmit),
        T(test_synack_retransmit),
        T(test_syn_unanswered),
        T(test_synack_unacked),
        T(test_fin_unacked),
        T(test_close_wait_linger),
        T(test_close_wait_linger_at_finish),
        T(test_close_wait_linger_counts_from_last_segment),
        T(test_data_after_fin),
        T(test_syn_with_data),
        T(test_tfo_synack_acks_data),
        T(test_simultaneous_open),
        T(test_midstream),
        T(test_midstream_close),
        T(test_seq_wrap),
        T(test_data_retransmit),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
