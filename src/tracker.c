/* tracker: one connection's handshake, close, endpoint states, Zeek
 * history/state and anomalies. Input: segments of one flow (from flowtab)
 * in capture order; output: struct sf_flow facts and one event per
 * segment. Sequence numbers are compared only through tcpseq.h. RFC 9293
 * 3.5 (open), 3.6 (close), 3.10.7 (segment arrives); Zeek rules from
 * prior-art.md 1. */

#include "synfin/tracker.h"

#include <stdlib.h>
#include <string.h>

#include "synfin/tcpfsm.h"
#include "synfin/tcpseq.h"

#define MAX_ANOMALIES 256       /* per flow; more are counted, not kept */

/* alen is a constant at each call: the memcmp is inlined */
static SF_ALWAYS_INLINE bool is_client(const struct sf_flow *f,
                                       const uint8_t *addr,
                                       uint16_t port, size_t alen)
{
    return f->ep[SF_CLIENT].port == port &&
           memcmp(sf_flow_addr(f, SF_CLIENT), addr, alen) == 0;
}

void sf_tracker_start(struct sf_flow *f, uint32_t id, const struct sf_pkt *p)
{
    bool syn = p->flags & SF_TH_SYN, ack = p->flags & SF_TH_ACK;
    bool src_is_client;
    f->id = id;
    f->ipver = p->ipver;
    f->initiator = SF_NOSIDE;
    f->rst_by = SF_NOSIDE;
    f->linger_side = SF_NOSIDE;
    if (syn && !ack)
        src_is_client = true;           /* DESIGN 3: first SYN's sender */
    else if (syn && ack)
        src_is_client = false;          /* the SYN-ACK goes to the client */
    else {
        /* mid-stream: the higher port is the client; ties: first sender */
        src_is_client = p->sport >= p->dport;
        f->midstream = true;
    }
    struct sf_endpoint *c = &f->ep[SF_CLIENT], *s = &f->ep[SF_SERVER];
    if (src_is_client) {
        sf_flow_set_addrs(f, p->src, p->dst);
        c->port = p->sport;
        s->port = p->dport;
    } else {
        sf_flow_set_addrs(f, p->dst, p->src);
        c->port = p->dport;
        s->port = p->sport;
    }
    f->ep[SF_CLIENT].t_next = f->ep[SF_SERVER].t_next = 1;
    f->ep[SF_CLIENT].w_next = f->ep[SF_SERVER].w_next = 1;
}

enum sf_side sf_tracker_side(const struct sf_flow *f, const struct sf_pkt *p)
{
    bool client = f->ipver == 6 ? is_client(f, p->src, p->sport, 16)
                                : is_client(f, p->src, p->sport, 4);
    return client ? SF_CLIENT : SF_SERVER;
}

bool sf_tracker_new_connection(const struct sf_flow *f,
                               const struct sf_pkt *p, enum sf_side from)
{
    const struct sf_endpoint *s = &f->ep[from];
    if (!(p->flags & SF_TH_SYN) || (p->flags & (SF_TH_RST | SF_TH_FIN)))
        return false;
    bool ack = p->flags & SF_TH_ACK;
    if (!ack) {
        if (f->midstream)
            return true;                /* a handshake after pickup */
        if (s->syn && !s->synack)
            return p->seq != s->iss;    /* same ISN: a retransmission */
        /* the server sending a SYN: simultaneous open, unless the flow
         * is over */
        return f->finished;
    }
    /* a SYN-ACK with a new ISN after the flow finished */
    return f->finished && s->synack && p->seq != s->iss;
}

size_t sf_tracker_add_anomaly(struct sf_flow *f, enum sf_anomaly_type type,
                              enum sf_side side, uint64_t ts_ns,
                              uint32_t arg, uint8_t extra)
{
    struct sf_anomaly *a = sf_flow_an_push(f, MAX_ANOMALIES);
    if (!a)
        return sf_flow_nan(f);          /* bounded: never grows past */
    a->ts_ns = ts_ns;
    a->type = (uint8_t)type;
    a->side = (uint8_t)side;
    a->state = side <= SF_SERVER ? f->ep[side].state : SF_TCP_CLOSED;
    a->extra = extra;
    a->arg = arg;
    return sf_flow_nan(f) - 1;
}

/* The flow's anomaly of `type` about `side`, or NULL. */
static struct sf_anomaly *find_anomaly(const struct sf_flow *f,
                                       enum sf_anomaly_type type,
                                       enum sf_side side)
{
    struct sf_anomaly *an = sf_flow_an(f);
    for (size_t i = 0; i < sf_flow_nan(f); i++)
        if (an[i].type == type && an[i].side == side)
            return &an[i];
    return NULL;
}

/* An anomaly that is recorded once per flow and side, counting repeats
 * (retransmissions): returns true if it was new. */
static bool count_anomaly(struct sf_flow *f, enum sf_anomaly_type type,
                          enum sf_side side, uint64_t ts, uint32_t count,
                          size_t *idx)
{
    struct sf_anomaly *a = find_anomaly(f, type, side);
    if (a) {
        a->arg = count;
        return false;
    }
    *idx = sf_tracker_add_anomaly(f, type, side, ts, count, 0);
    return true;
}

/* ---- Zeek history and endpoint states (prior-art.md 1.2, 1.3) ---- */

#define HIST_A 0x01
#define HIST_D 0x02
#define HIST_I 0x04
#define HIST_Q 0x08
#define HIST_SYN_SEEN 0x10

static void history_add(struct sf_flow *f, enum sf_side from, char letter)
{
    if (from == SF_SERVER && letter >= 'A' && letter <= 'Z')
        letter = (char)(letter - 'A' + 'a');
    if ((size_t)f->hist_len + 1 < sizeof(f->history)) {
        f->history[f->hist_len++] = letter;
        f->history[f->hist_len] = '\0';
    }
}

/* C/G/T/W letters: the 1st, 10th, 100th... occurrence add one letter.
 * Returns the power of ten at which the next one is given. */
static unsigned history_scaled(struct sf_flow *f, enum sf_side from,
                               char letter, uint32_t count, unsigned next_pow)
{
    uint32_t threshold = 1;
    for (unsigned i = 1; i < next_pow; i++)
        threshold *= 10;
    if (count >= threshold && next_pow < 10) {
        history_add(f, from, letter);
        next_pow++;
    }
    return next_pow;
}

static void zeek_update(struct sf_flow *f, enum sf_side from,
                        const struct sf_pkt *p)
{
    struct sf_endpoint *s = &f->ep[from], *r = &f->ep[!from];
    uint8_t fl = p->flags;
    bool syn = fl & SF_TH_SYN, fin = fl & SF_TH_FIN, rst = fl & SF_TH_RST;
    bool ack = fl & SF_TH_ACK;
    int nflags = syn + fin + rst;

    /* history letter (update_history) */
    if (nflags > 1) {
        uint8_t bit = fin && rst ? HIST_I : HIST_Q;
        if (!(s->hist & bit)) {
            s->hist |= bit;
            history_add(f, from, fin && rst ? 'I' : 'Q');
        }
    } else if (syn) {
        /* again only if the SYN's sequence differs from the last one */
        if (!(s->hist & HIST_SYN_SEEN) || p->seq != s->iss)
            history_add(f, from, ack ? 'H' : 'S');
        s->hist |= HIST_SYN_SEEN;
    } else if (fin) {
        uint32_t end = p->seq + p->payload_len;
        if (!s->fin || end != s->last_fin_end)
            history_add(f, from, 'F');
        s->last_fin_end = end;
    } else if (rst) {
        if (!s->rst || p->seq != s->last_rst_seq)
            history_add(f, from, 'R');
        s->last_rst_seq = p->seq;
    } else if (p->payload_len > 0) {
        if (!(s->hist & HIST_D)) {
            s->hist |= HIST_D;
            history_add(f, from, 'D');
        }
    } else if (ack) {
        if (!(s->hist & HIST_A)) {
            s->hist |= HIST_A;
            history_add(f, from, 'A');
        }
    }

    /* endpoint states (TCPSessionAdapter, simplified to what conn_state
     * reads) */
    if (rst) {
        if (!(s->zeek == SF_ZEEK_CLOSED && r->zeek == SF_ZEEK_CLOSED))
            s->zeek = SF_ZEEK_RESET;
    } else if (syn && !ack) {
        if (s->zeek == SF_ZEEK_INACTIVE)
            s->zeek = SF_ZEEK_SYN_SENT;
    } else if (syn && ack) {
        if (s->zeek == SF_ZEEK_INACTIVE || s->zeek == SF_ZEEK_SYN_SENT) {
            if (r->zeek == SF_ZEEK_SYN_SENT) {
                /* established at the SYN-ACK, as Zeek does */
                s->zeek = SF_ZEEK_ESTABLISHED;
                r->zeek = SF_ZEEK_ESTABLISHED;
            } else if (s->zeek == SF_ZEEK_INACTIVE) {
                s->zeek = SF_ZEEK_SYN_ACK_SENT;
            }
        }
    } else if (fin) {
        if (s->zeek != SF_ZEEK_RESET)
            s->zeek = SF_ZEEK_CLOSED;
        /* a FIN after the peer's FIN then RST: "actually normal" */
        if (r->zeek == SF_ZEEK_RESET && r->fin)
            r->zeek = SF_ZEEK_CLOSED;
    } else if (s->zeek == SF_ZEEK_INACTIVE) {
        /* a pure ACK from the responder before its SYN-ACK does not make
         * the connection partial */
        if (!(from == SF_SERVER && p->payload_len == 0 &&
              r->zeek == SF_ZEEK_SYN_SENT))
            s->zeek = SF_ZEEK_PARTIAL;
    } else if (s->zeek == SF_ZEEK_SYN_ACK_SENT && r->zeek == SF_ZEEK_PARTIAL) {
        s->zeek = SF_ZEEK_ESTABLISHED;
    }
}

/* ---- the segment ---- */

struct seg_ctx {
    struct sf_flow *f;
    enum sf_side from;
    struct sf_endpoint *s, *r;      /* sender, receiver */
    const struct sf_pkt *p;
    uint64_t ts;
    struct sf_event *ev;
    size_t new_an[SF_EV_MAX_ANOM];
    uint8_t n_new;
};

static void note(struct seg_ctx *c, size_t idx)
{
    if (idx < sf_flow_nan(c->f) && c->n_new < SF_EV_MAX_ANOM)
        c->new_an[c->n_new++] = idx;
}

static void add(struct seg_ctx *c, enum sf_anomaly_type type,
                enum sf_side side, uint32_t arg, uint8_t extra)
{
    note(c, sf_tracker_add_anomaly(c->f, type, side, c->ts, arg, extra));
}

static void take_options(struct sf_endpoint *e, const struct sf_pkt *p)
{
    e->mss = p->opts.mss;
    e->opt_wscale = p->opts.has_wscale;
    e->wscale = p->opts.wscale > 14 ? 14 : p->opts.wscale; /* RFC 7323 2.3 */
    e->opt_sack = p->opts.sack_ok;
    e->opt_ts = p->opts.has_ts;
    e->opt_tfo = p->opts.tfo;
}

/* Was the connection established, for "initiator" (DESIGN 3)? */
static bool established(const struct sf_flow *f)
{
    return f->handshake == SF_HS_COMPLETE || f->midstream;
}

/* Does `ack` acknowledge the SYN of `e`? ISN + 1, or with TCP Fast Open
 * ISN + 1 + the SYN's data when the server accepted it (RFC 7413 4.2). */
static bool acks_syn(const struct sf_endpoint *e, uint32_t ack)
{
    return ack == e->iss + 1 ||
           (e->syn_data && ack == e->iss + 1 + e->syn_data);
}

/* RFC 9293 3.5: SYN and SYN-ACK. */
static void on_syn(struct seg_ctx *c)
{
    struct sf_flow *f = c->f;
    struct sf_endpoint *s = c->s, *r = c->r;
    const struct sf_pkt *p = c->p;
    bool ack = p->flags & SF_TH_ACK;
    bool first = ack ? !s->synack : !s->syn;

    /* SYNs and SYN-ACKs are counted apart: in a simultaneous open a side
     * sends one of each with the same sequence number (RFC 9293 fig. 8),
     * which is no retransmission */
    uint16_t *count = ack ? &s->synack_count : &s->syn_count;
    c->ev->step = ack ? SF_STEP_SYNACK : SF_STEP_SYN;
    if (!first) {
        if (p->seq == s->iss) {
            size_t idx;
            (*count)++;
            c->ev->retransmit = true;
            if (count_anomaly(f, ack ? SF_AN_SYNACK_RETRANSMIT
                                     : SF_AN_SYN_RETRANSMIT,
                              c->from, c->ts, *count, &idx))
                note(c, idx);
        }
        return;
    }
    *count = 1;
    if (!s->syn || p->seq != s->iss) {
        s->iss = p->seq;
        s->snd_nxt = p->seq + 1 + p->payload_len;
        s->syn_data = (uint16_t)(p->payload_len > UINT16_MAX
                                     ? UINT16_MAX
                                     : p->payload_len);
    }
    s->syn = true;
    take_options(s, p);
    if (p->payload_len > 0)
        add(c, SF_AN_SYN_WITH_DATA, c->from, p->payload_len, 0);
    if (!ack) {
        if (c->from == SF_CLIENT && !f->has_syn) {
            f->has_syn = true;
            sf_flow_set_time(f, SF_T_SYN, c->ts);
            f->handshake = SF_HS_SYN_ONLY;
        }
        /* crossed SYNs: the peer sent a SYN we had not acknowledged */
        if (r->syn && !r->synack && !s->acked_syn && !r->acked_syn)
            add(c, SF_AN_SIMULTANEOUS_OPEN, c->from, 0, 0);
        return;
    }
    s->synack = true;
    if (!f->has_synack) {
        f->has_synack = true;
        sf_flow_set_time(f, SF_T_SYNACK, c->ts);
    }
    if (f->handshake == SF_HS_SYN_ONLY)
        f->handshake = SF_HS_SYN_SYNACK;
    if (r->syn) {
        if (acks_syn(r, p->ack)) {
            s->acked_syn = true;
            r->syn_acked = true;
        } else {
            add(c, SF_AN_BAD_HANDSHAKE_ACK, c->from,
                (uint32_t)sf_seq_diff(p->ack, r->iss + 1), 0);
        }
    } else if (!f->midstream) {
        /* capture began between SYN and SYN-ACK: the SYN it answers is
         * implied by its ack number */
        f->midstream = true;
        r->syn = true;
        r->iss = p->ack - 1;
        r->snd_nxt = p->ack;
        r->syn_acked = true;
        s->acked_syn = true;
        add(c, SF_AN_MIDSTREAM, SF_CLIENT, 0, 0);
    }
}

/* Which FIN of the close a segment acknowledges, and its step. */
static void on_ack(struct seg_ctx *c)
{
    struct sf_flow *f = c->f;
    struct sf_endpoint *s = c->s, *r = c->r;
    const struct sf_pkt *p = c->p;
    uint32_t ack = p->ack;

    /* RFC 9293 3.5: the third segment acknowledges the SYN-ACK */
    if (r->synack && !s->acked_syn && s->syn && !(p->flags & SF_TH_SYN)) {
        if (acks_syn(r, ack)) {
            s->acked_syn = true;
            r->syn_acked = true;
            if (!f->has_ack && !f->bad_ack3) {
                f->has_ack = true;
                sf_flow_set_time(f, SF_T_ACK, c->ts);
                c->ev->step = SF_STEP_ACK3;
            }
        } else if (!f->has_ack && !f->bad_ack3) {
            /* the step happened, wrongly: no time for it, no RTT */
            f->bad_ack3 = true;
            c->ev->step = SF_STEP_ACK3;
            add(c, SF_AN_BAD_HANDSHAKE_ACK, c->from,
                (uint32_t)sf_seq_diff(ack, r->iss + 1), 1);
        }
    }

    /* DESIGN 3: an ACK acknowledges a FIN only when ack == fin_seq + 1 */
    if (r->fin && !s->acked_fin && ack == r->fin_seq + 1) {
        s->acked_fin = true;
        r->fin_acked = true;
        if (!s->fin)
            s->passive = true;          /* CLOSE-WAIT before our FIN */
        bool last = s->fin && s->fin_acked;
        if (f->fin_crossed)
            c->ev->step = last ? SF_STEP_ACK4 : SF_STEP_ACK3_OF4;
        else if (s->fin && !(p->flags & SF_TH_FIN))
            c->ev->step = SF_STEP_ACK4;  /* our FIN went first: last ACK */
        else if (!(p->flags & SF_TH_FIN)) {
            c->ev->step = SF_STEP_ACK2;
            f->first_fin_acked_alone = true;
        }
    }
}

/* RFC 9293 3.6: FIN. Runs after on_ack, so a FIN+ACK that acknowledges
 * the peer's FIN is seen as a passive close (LAST-ACK). */
static void on_fin(struct seg_ctx *c)
{
    struct sf_flow *f = c->f;
    struct sf_endpoint *s = c->s, *r = c->r;
    const struct sf_pkt *p = c->p;
    uint32_t fin_seq = p->seq + p->payload_len;

    if (s->fin) {
        if (fin_seq == s->fin_seq) {
            size_t idx;
            s->fin_count++;
            c->ev->retransmit = true;
            c->ev->step = SF_STEP_FIN1;     /* refined below */
            if (count_anomaly(f, SF_AN_FIN_RETRANSMIT, c->from, c->ts,
                              s->fin_count, &idx))
                note(c, idx);
        }
        if (!r->fin)
            c->ev->step = SF_STEP_FIN1;
        else if (s->passive)
            c->ev->step = f->fin_merged ? SF_STEP_FINACK23 : SF_STEP_FIN3;
        else if (c->ev->retransmit)
            c->ev->step = f->fin_crossed &&
                                      sf_flow_time(f, SF_T_FIN + !c->from) <
                                          sf_flow_time(f, SF_T_FIN + c->from)
                              ? SF_STEP_FIN_CROSSED
                              : SF_STEP_FIN1;
        return;
    }
    s->fin = true;
    s->fin_seq = fin_seq;
    sf_flow_set_time(f, SF_T_FIN + c->from, c->ts);
    s->fin_count = 1;
    if (!r->fin) {
        c->ev->step = SF_STEP_FIN1;
        if (f->close == SF_CLOSE_NONE && f->initiator == SF_NOSIDE &&
            established(f))
            f->initiator = (uint8_t)c->from;
    } else if (s->acked_fin) {
        /* passive close: merged with the ACK of the first FIN when this
         * very segment acknowledged it and no segment did so alone */
        if (!f->first_fin_acked_alone) {
            f->fin_merged = true;
            c->ev->step = SF_STEP_FINACK23;
        } else {
            c->ev->step = SF_STEP_FIN3;
        }
    } else {
        /* our FIN left before we acknowledged theirs: they crossed, and
         * each will arrive in FIN-WAIT-1 (RFC 9293 3.6, figure 13) */
        f->fin_crossed = true;
        s->got_fin = true;
        r->got_fin = true;
        c->ev->step = SF_STEP_FIN_CROSSED;
        if (f->close == SF_CLOSE_NONE && f->initiator != SF_NOSIDE)
            f->initiator = SF_BOTH;
    }
}

/* RFC 9293 3.10.7.3-4 and RFC 5961 3: is a RST acceptable to its
 * receiver? In SYN-SENT only if it acknowledges the SYN; otherwise its
 * sequence number must fall in the receive window. */
static bool rst_in_window(const struct seg_ctx *c)
{
    const struct sf_endpoint *s = c->s, *r = c->r;
    uint32_t seq = c->p->seq;
    if (!r->has_ack)
        return true;                    /* no window known */
    uint32_t base = r->ack;
    uint64_t wnd = r->win;
    if (r->opt_wscale && s->opt_wscale && !r->win_syn)
        wnd <<= r->wscale;              /* RFC 7323 2.2: not on SYNs */
    if (wnd == 0)
        return seq == base;
    if (wnd > 0x7fffffff)
        wnd = 0x7fffffff;
    return sf_seq_ge(seq, base) && sf_seq_lt(seq, base + (uint32_t)wnd);
}

static void on_rst(struct seg_ctx *c)
{
    struct sf_flow *f = c->f;
    struct sf_endpoint *s = c->s, *r = c->r;
    const struct sf_pkt *p = c->p;

    c->ev->step = SF_STEP_RST;
    /* the receiver is in SYN-SENT (RFC 9293 3.10.7.3): the RST is
     * acceptable only if it acknowledges the SYN - a refused connection;
     * any other is dropped by the receiver */
    if (r->syn && !r->synack && !r->syn_acked && !s->synack) {
        if ((p->flags & SF_TH_ACK) && acks_syn(r, p->ack) && !f->finished) {
            s->rst = true;
            f->close = SF_CLOSE_REFUSED;
            f->rst_by = (uint8_t)c->from;
            f->finished = true;
            sf_flow_set_time(f, SF_T_DONE, c->ts);
            add(c, SF_AN_REFUSED, c->from, 0, 0);
        } else if (!f->finished) {
            add(c, SF_AN_RST_OUT_OF_WINDOW, c->from, 0, 0);
        }
        return;
    }
    if (f->finished && (s->rst || r->rst))
        return;                         /* after the reset: noise */
    if (!rst_in_window(c)) {
        add(c, SF_AN_RST_OUT_OF_WINDOW, c->from, 0, 0);
        return;
    }
    uint8_t state = s->state;
    s->rst = true;
    /* the side that sent the first FIN resets the peer's data after it:
     * it had closed, not shut down its writing half - the peer wrote
     * after the close, which is no half-close */
    if (s->fin && r->wrote_after_fin)
        f->half_close = false;
    bool was_complete = f->complete;
    if (!was_complete) {
        f->close = SF_CLOSE_RST;
        f->rst_by = (uint8_t)c->from;
        if (f->initiator == SF_NOSIDE && established(f))
            f->initiator = (uint8_t)c->from;
    }
    /* bytes the peer sent that the RST sender never acknowledged: the
     * "closed with unread data" signature */
    uint32_t unread = 0;
    if (s->has_ack && sf_seq_gt(r->snd_nxt, s->ack))
        unread = (uint32_t)sf_seq_diff(r->snd_nxt, s->ack);
    if (r->fin && unread)
        unread--;                       /* the peer's FIN is not data */
    size_t idx = sf_tracker_add_anomaly(f, SF_AN_RST, c->from, c->ts,
                                        unread, 0);
    if (idx < sf_flow_nan(f))
        sf_flow_an(f)[idx].state = state;
    note(c, idx);
    f->finished = true;
    sf_flow_set_time(f, SF_T_DONE, c->ts);
}

static void on_payload(struct seg_ctx *c)
{
    struct sf_flow *f = c->f;
    struct sf_endpoint *s = c->s, *r = c->r;
    const struct sf_pkt *p = c->p;
    uint32_t len = p->payload_len;
    uint32_t end = p->seq + len + ((p->flags & SF_TH_SYN) != 0) +
                   ((p->flags & SF_TH_FIN) != 0);

    if (len > 0 && !(p->flags & SF_TH_SYN)) {
        bool old = sf_seq_lt(p->seq, s->snd_nxt) && s->packets > 1;
        if (old) {
            s->retrans++;
            s->t_next = history_scaled(f, c->from, 'T', s->retrans, s->t_next);
        }
        /* data beyond our own FIN */
        if (s->fin && !(p->flags & SF_TH_FIN) &&
            sf_seq_gt(p->seq + len, s->fin_seq)) {
            if (!find_anomaly(f, SF_AN_DATA_AFTER_FIN, c->from))
                add(c, SF_AN_DATA_AFTER_FIN, c->from, len, 0);
        }
        /* the side that received the first FIN keeps sending: the
         * shutdown(SHUT_WR) pattern (DESIGN 3 half_close) */
        if (r->fin && !s->fin && !old && s->acked_fin) {
            f->half_close = true;
            s->wrote_after_fin = true;
            if (c->ev->step == SF_STEP_NONE)
                c->ev->step = SF_STEP_HALF_CLOSE_DATA;
            else
                c->ev->half_close_data = true;  /* e.g. with ACK 2/4 */
        }
    }
    if (!s->snd_nxt && !s->syn)
        s->snd_nxt = end;               /* mid-stream pickup */
    else if (sf_seq_gt(end, s->snd_nxt))
        s->snd_nxt = end;
    if (!(p->flags & SF_TH_RST)) {
        s->win = p->win;
        s->win_syn = (p->flags & SF_TH_SYN) != 0;
    }
    if (!(p->flags & (SF_TH_SYN | SF_TH_RST))) {
        if (p->win == 0 && !r->fin) {
            s->zero_wins++;
            s->w_next =
                history_scaled(f, c->from, 'W', s->zero_wins, s->w_next);
        }
    }
}

static void update_states(struct seg_ctx *c)
{
    struct sf_flow *f = c->f;
    /* the handshake is complete once the client's SYN was seen and both
     * SYNs are acknowledged (three segments, or four when the SYNs
     * crossed) */
    if (f->handshake == SF_HS_SYN_SYNACK && f->ep[0].syn_acked &&
        f->ep[1].syn_acked) {
        f->handshake = SF_HS_COMPLETE;
        if (!f->has_ack) {
            f->has_ack = true;
            sf_flow_set_time(f, SF_T_ACK, c->ts);
        }
    }
    for (int i = 0; i < 2; i++) {
        struct sf_endpoint *e = &f->ep[i];
        /* opening is done once a side reaches ESTABLISHED (sticky) */
        if (!e->open && !e->rst && !f->ep[!i].rst &&
            sf_tcpfsm_state(e, &f->ep[!i]) == SF_TCP_ESTABLISHED)
            e->open = true;
    }
    for (int i = 0; i < 2; i++) {
        struct sf_endpoint *e = &f->ep[i];
        uint8_t now = (uint8_t)sf_tcpfsm_state(e, &f->ep[!i]);
        if (now != e->state && c->ev->nstates < SF_EV_MAX_STATES) {
            struct sf_state_change *sc = &c->ev->states[c->ev->nstates++];
            sc->side = (uint8_t)i;
            sc->from = e->state;
            sc->to = now;
        }
        e->state = now;
    }
    /* the close is complete when the last FIN is acknowledged */
    struct sf_endpoint *a = &f->ep[0], *b = &f->ep[1];
    if (a->fin && b->fin && a->fin_acked && b->fin_acked && !f->complete &&
        f->close != SF_CLOSE_RST && f->close != SF_CLOSE_REFUSED) {
        f->complete = true;
        f->finished = true;
        sf_flow_set_time(f, SF_T_DONE, c->ts);
    }
}

void sf_tracker_segment(struct sf_flow *f, const struct sf_pkt *p,
                        enum sf_side from, uint64_t ts_ns,
                        struct sf_event *ev)
{
    /* field by field, not zeroed whole: the arrays are read only up to
     * their counts, and zeroing them cost more than the rest of a plain
     * ACK's tracking (rep stos, twice) */
    struct seg_ctx c;
    c.f = f;
    c.from = from;
    c.s = &f->ep[from];
    c.r = &f->ep[!from];
    c.p = p;
    c.ts = ts_ns;
    c.ev = ev;
    c.n_new = 0;
    ev->kind = SF_EV_PACKET;
    ev->ts_ns = ts_ns;
    ev->flow_id = f->id;
    ev->side = (uint8_t)from;
    ev->step = SF_STEP_NONE;
    ev->retransmit = false;
    ev->half_close_data = false;
    ev->at_end = false;
    ev->nstates = 0;
    ev->nanom = 0;
    ev->pkt = p;
    ev->flow = f;

    if (f->ep[0].packets + f->ep[1].packets == 0) {
        f->first_ns = ts_ns;
        if (f->midstream) {
            /* both ends were established before the capture began */
            f->ep[0].open = f->ep[1].open = true;
            f->ep[0].state = f->ep[1].state = SF_TCP_ESTABLISHED;
            add(&c, SF_AN_MIDSTREAM, SF_CLIENT, 0, 0);
        }
    }
    sf_flow_saw(f, from, ts_ns);
    c.s->packets++;
    c.s->bytes += p->payload_len;

    zeek_update(f, from, p);
    uint8_t fl = p->flags;
    if ((fl & SF_TH_ACK) && !(fl & SF_TH_RST)) {
        if (!c.s->has_ack || sf_seq_gt(p->ack, c.s->ack))
            c.s->ack = p->ack;
        c.s->has_ack = true;
    }
    if (fl & SF_TH_RST) {
        on_rst(&c);
    } else {
        if (fl & SF_TH_SYN)
            on_syn(&c);
        if ((fl & SF_TH_ACK) && !(fl & SF_TH_SYN))
            on_ack(&c);
        if (fl & SF_TH_FIN)
            on_fin(&c);
    }
    on_payload(&c);
    /* a SYN sent again after the timeout: the anomaly is due now */
    long late = sf_tracker_check_syn(f, ts_ns);
    if (late >= 0)
        note(&c, (size_t)late);
    if (ev->step == SF_STEP_NONE)
        ev->step = p->payload_len ? SF_STEP_DATA : SF_STEP_ACK;
    update_states(&c);
    for (uint8_t i = 0; i < c.n_new; i++)
        ev->anom[ev->nanom++] = &sf_flow_an(f)[c.new_an[i]];
}

static bool syn_unanswered(const struct sf_flow *f)
{
    return f->handshake == SF_HS_SYN_ONLY && f->close != SF_CLOSE_REFUSED &&
           !f->ep[SF_CLIENT].rst && !f->ep[SF_SERVER].rst;
}

/* When the two timed checks below fire, UINT64_MAX for never: one
 * copy of their conditions, for the checks and for the flow table's
 * timers (sf_tracker_next_check). Each fires once per flow (whether or
 * not the flow's anomalies had room left for it). */
static uint64_t syn_due(const struct sf_flow *f)
{
    if (!syn_unanswered(f) || f->syn_timed_out)
        return UINT64_MAX;
    return sf_add_sat(sf_flow_time(f, SF_T_SYN), SF_SYN_TIMEOUT_NS);
}

/* idle since it acknowledged the FIN or last sent anything */
static uint64_t linger_due(const struct sf_flow *f, int side,
                           uint64_t linger_ns)
{
    if (f->linger_side != SF_NOSIDE || f->ep[side].state != SF_TCP_CLOSE_WAIT)
        return UINT64_MAX;
    return sf_add_sat(sf_flow_time(f, SF_T_SENT + side), linger_ns);
}

long sf_tracker_check_syn(struct sf_flow *f, uint64_t now_ns)
{
    if (now_ns < syn_due(f))
        return -1;
    f->syn_timed_out = true;
    size_t idx = sf_tracker_add_anomaly(f, SF_AN_SYN_UNANSWERED, SF_CLIENT,
                                        sf_flow_time(f, SF_T_SYN),
                                        f->ep[SF_CLIENT].syn_count, 0);
    return idx < sf_flow_nan(f) ? (long)idx : -1;
}

uint64_t sf_tracker_next_check(const struct sf_flow *f, uint64_t linger_ns)
{
    uint64_t t = syn_due(f);
    for (int i = 0; i < 2; i++) {
        uint64_t at = linger_due(f, i, linger_ns);
        if (at < t)
            t = at;
    }
    return t;
}

long sf_tracker_check_linger(struct sf_flow *f, uint64_t now_ns,
                             uint64_t linger_ns)
{
    for (int i = 0; i < 2; i++) {
        if (now_ns < linger_due(f, i, linger_ns))
            continue;
        uint64_t since = sf_flow_time(f, SF_T_SENT + i);
        f->linger_side = (uint8_t)i;
        uint64_t idle = now_ns - since;
        size_t idx = sf_tracker_add_anomaly(
            f, SF_AN_CLOSE_WAIT_LINGER, (enum sf_side)i, since + linger_ns,
            idle / 1000000 > UINT32_MAX ? UINT32_MAX
                                       : (uint32_t)(idle / 1000000),
            0);
        return idx < sf_flow_nan(f) ? (long)idx : -1;
    }
    return -1;
}

size_t sf_tracker_finish(struct sf_flow *f, uint64_t now_ns,
                         uint64_t linger_ns, enum sf_end_reason why)
{
    size_t first = sf_flow_nan(f);
    struct sf_endpoint *c = &f->ep[SF_CLIENT], *s = &f->ep[SF_SERVER];
    f->end_reason = (uint8_t)why;

    if (f->close != SF_CLOSE_RST && f->close != SF_CLOSE_REFUSED) {
        if (c->fin && s->fin)
            f->close = f->fin_crossed  ? SF_CLOSE_SIMULTANEOUS
                       : f->fin_merged ? SF_CLOSE_FIN3
                                       : SF_CLOSE_FIN4;
        else if (c->fin || s->fin)
            f->close = SF_CLOSE_HALF_CLOSED;
        else
            f->close = SF_CLOSE_NONE;
    }
    if (f->close == SF_CLOSE_REFUSED)
        f->initiator = SF_NOSIDE;
    if (syn_unanswered(f)) {
        /* reported by the timeout already: bring its count up to date */
        struct sf_anomaly *a = find_anomaly(f, SF_AN_SYN_UNANSWERED,
                                           SF_CLIENT);
        if (a)
            a->arg = c->syn_count;
        else
            sf_tracker_add_anomaly(f, SF_AN_SYN_UNANSWERED, SF_CLIENT,
                                   sf_flow_time(f, SF_T_SYN), c->syn_count,
                                   0);
    }
    if (f->handshake == SF_HS_SYN_SYNACK && !c->rst && !s->rst)
        sf_tracker_add_anomaly(f, SF_AN_SYNACK_UNACKED, SF_SERVER,
                               sf_flow_time(f, SF_T_SYNACK),
                               s->synack_count, 0);
    if (!c->rst && !s->rst) {
        for (int i = 0; i < 2; i++) {
            struct sf_endpoint *e = &f->ep[i];
            if (e->fin && !e->fin_acked)
                sf_tracker_add_anomaly(f, SF_AN_FIN_UNACKED, (enum sf_side)i,
                                       sf_flow_time(f, SF_T_FIN + i),
                                       e->fin_count, 0);
        }
    }
    /* the idle span at the end already exceeds the threshold */
    sf_tracker_check_linger(f, now_ns, linger_ns);
    return first;
}

void sf_tracker_fini(struct sf_flow *f)
{
    sf_flow_release(f);
}
