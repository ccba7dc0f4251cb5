/* flow: names for the contract vocabulary (DESIGN.md 3-4), Zeek's
 * conn_state of a finished flow (main.zeek conn_state(), TCP branch), and
 * the human detail of each anomaly. Read-only over struct sf_flow. */

#include "synfin/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/event.h"
#include "synfin/tdfmt.h"

static const char *const side_names[] = { "client", "server", "both", "none" };
static const char *const state_names[] = {
    "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
    "FIN_WAIT_2", "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK",
};
static const char *const hs_names[] = { "none", "syn_only", "syn_synack",
                                        "complete" };
static const char *const close_names[] = { "none", "fin4", "fin3",
                                           "simultaneous", "half_closed",
                                           "rst", "refused" };
static const char *const anomaly_names[] = {
    "rst", "refused", "syn_unanswered", "syn_retransmit",
    "synack_retransmit", "fin_retransmit", "synack_unacked",
    "bad_handshake_ack", "close_wait_linger", "fin_unacked",
    "data_after_fin", "port_reuse", "midstream", "syn_with_data",
    "simultaneous_open", "rst_out_of_window",
};
static const char *const end_names[] = { "closed", "idle", "evicted",
                                         "reused", "end_of_input" };
static const char *const step_names[] = {
    "", "SYN 1/3", "SYN-ACK 2/3", "ACK 3/3", "FIN 1/4", "ACK 2/4",
    "FIN 3/4", "FIN+ACK 2+3/4", "FIN 2/4 crossed", "ACK 4/4", "RST",
    "data after peer FIN", "data", "ACK", "ACK 3/4",
};

#define NAME(table, v)                                                    \
    ((size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : "?")

const char *sf_side_name(enum sf_side s) { return NAME(side_names, s); }
const char *sf_state_name(enum sf_tcp_state s) { return NAME(state_names, s); }
const char *sf_handshake_name(enum sf_handshake h) { return NAME(hs_names, h); }
const char *sf_close_name(enum sf_close c) { return NAME(close_names, c); }
const char *sf_anomaly_name(enum sf_anomaly_type t)
{
    return NAME(anomaly_names, t);
}
const char *sf_end_reason_name(enum sf_end_reason r)
{
    return NAME(end_names, r);
}
const char *sf_step_name(enum sf_step s) { return NAME(step_names, s); }

/* main.zeek conn_state(), TCP branch, rules in order (prior-art.md 1.2). */
const char *sf_flow_conn_state(const struct sf_flow *f)
{
    enum sf_zeek_state os = f->ep[SF_CLIENT].zeek, rs = f->ep[SF_SERVER].zeek;
    bool o_inactive = os == SF_ZEEK_INACTIVE || os == SF_ZEEK_PARTIAL;
    bool r_inactive = rs == SF_ZEEK_INACTIVE || rs == SF_ZEEK_PARTIAL;

    if (rs == SF_ZEEK_RESET) {
        if (os == SF_ZEEK_SYN_SENT || os == SF_ZEEK_SYN_ACK_SENT ||
            (os == SF_ZEEK_RESET && f->ep[SF_CLIENT].bytes == 0 &&
             f->ep[SF_SERVER].bytes == 0))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == SF_ZEEK_RESET) {
        if (r_inactive) {
            /* history must fully match ^?S[^HAFGIQ]*R.* */
            const char *h = f->history;
            if (*h == '^')
                h++;
            if (*h == 'S') {
                h++;
                while (*h && !strchr("HAFGIQ", *h) && *h != 'R')
                    h++;
                if (*h == 'R')
                    return "RSTOS0";
            }
            return "OTH";
        }
        return "RSTO";
    }
    if (os == SF_ZEEK_CLOSED && rs == SF_ZEEK_CLOSED)
        return "SF";
    if (os == SF_ZEEK_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == SF_ZEEK_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == SF_ZEEK_SYN_SENT && rs == SF_ZEEK_INACTIVE)
        return "S0";
    if (os == SF_ZEEK_ESTABLISHED && rs == SF_ZEEK_ESTABLISHED)
        return "S1";
    return "OTH";
}

void sf_close_format(const struct sf_flow *f, struct sf_buf *out)
{
    sf_buf_puts(out, sf_close_name(f->close));
    enum sf_side by = f->initiator != SF_NOSIDE ? f->initiator : f->rst_by;
    if (by != SF_NOSIDE) {
        sf_buf_puts(out, " by ");
        sf_buf_puts(out, sf_side_name(by));
    }
}

void sf_addr_format(int ipver, const uint8_t *a, struct sf_buf *out)
{
    sf_tdfmt_format_addr(ipver, a, out);    /* as tcpdump prints it */
}

void sf_endpoint_format(const struct sf_flow *f, enum sf_side side,
                        struct sf_buf *out)
{
    sf_addr_format(f->ipver, sf_flow_addr(f, side), out);
    char *start = sf_buf_reserve(out, 6), *w = start;
    *w++ = '.';
    w = sf_put_u32(w, f->ep[side].port);
    sf_buf_commit(out, (size_t)(w - start));
}

void sf_anomaly_format(const struct sf_flow *f, const struct sf_anomaly *a,
                       struct sf_buf *out)
{
    const char *who = sf_side_name(a->side);
    const char *other = sf_side_name(a->side == SF_CLIENT ? SF_SERVER
                                                          : SF_CLIENT);
    const char *st = sf_state_name(a->state);
    (void)f;
    switch (a->type) {
    case SF_AN_RST:
        sf_buf_printf(out, "%s sent RST in %s", who, st);
        if (a->arg)
            sf_buf_printf(out, "; %u bytes from the %s not acknowledged by "
                          "it", a->arg, other);
        break;
    case SF_AN_REFUSED:
        sf_buf_printf(out, "%s answered the SYN with RST (port closed)", who);
        break;
    case SF_AN_SYN_UNANSWERED:
        sf_buf_printf(out, "%u SYN%s from the %s, no SYN-ACK", a->arg,
                      a->arg == 1 ? "" : "s", who);
        break;
    case SF_AN_SYN_RETRANSMIT:
    case SF_AN_SYNACK_RETRANSMIT:
    case SF_AN_FIN_RETRANSMIT:
        sf_buf_printf(out, "%s sent the same %s %u times", who,
                      a->type == SF_AN_SYN_RETRANSMIT     ? "SYN"
                      : a->type == SF_AN_SYNACK_RETRANSMIT ? "SYN-ACK"
                                                           : "FIN",
                      a->arg);
        break;
    case SF_AN_SYNACK_UNACKED:
        sf_buf_printf(out, "SYN-ACK from the %s never acknowledged "
                      "(half-open)", who);
        break;
    case SF_AN_BAD_HANDSHAKE_ACK:
        sf_buf_printf(out, "%s %s acknowledges %+d from the expected number",
                      who, a->extra ? "ACK" : "SYN-ACK", (int32_t)a->arg);
        break;
    case SF_AN_CLOSE_WAIT_LINGER:
        sf_buf_printf(out, "%s acknowledged the %s's FIN and stayed idle in "
                      "CLOSE_WAIT for %u.%03u s", who, other, a->arg / 1000,
                      a->arg % 1000);
        break;
    case SF_AN_FIN_UNACKED:
        sf_buf_printf(out, "FIN from the %s never acknowledged (%s)", who, st);
        break;
    case SF_AN_DATA_AFTER_FIN:
        sf_buf_printf(out, "%s sent %u bytes after its own FIN", who, a->arg);
        break;
    case SF_AN_PORT_REUSE:
        if (a->extra)
            sf_buf_printf(out, "new SYN on a 4-tuple whose previous "
                          "connection closed %u ms before (TIME_WAIT)",
                          a->arg);
        else
            sf_buf_printf(out, "new SYN on a 4-tuple whose previous "
                          "connection was not closed");
        break;
    case SF_AN_MIDSTREAM:
        sf_buf_printf(out, "no handshake seen; roles guessed (%s has the "
                      "higher port)", sf_side_name(SF_CLIENT));
        break;
    case SF_AN_SYN_WITH_DATA:
        sf_buf_printf(out, "%s SYN carries %u bytes (TCP Fast Open)", who,
                      a->arg);
        break;
    case SF_AN_SIMULTANEOUS_OPEN:
        sf_buf_printf(out, "both sides sent a SYN before seeing the "
                      "other's");
        break;
    case SF_AN_RST_OUT_OF_WINDOW:
        sf_buf_printf(out, "RST from the %s is outside the %s's window "
                      "(ignored by it)", who, other);
        break;
    default:
        sf_buf_puts(out, "?");
        break;
    }
}

/* ---- what a flow keeps out of line ---- */

/* The out-of-line block's size: the addresses, then the wide times,
 * then room for `cap_an` anomalies. */
static size_t ext_bytes(const struct sf_flow *f, size_t cap_an)
{
    return sizeof(struct sf_flow_ext) + sf_flow_addr_bytes_(f) +
           (f->wide ? SF_T_COUNT * 8 : 0) +
           cap_an * sizeof(struct sf_anomaly);
}

/* Gives the flow its out-of-line block, with the addresses moved in. */
static void ext_make(struct sf_flow *f)
{
    if (f->has_ext)
        return;
    uint8_t v4[2][4];
    memcpy(v4, f->x.v4, sizeof(v4));
    struct sf_flow_ext *e = sf_xcalloc(1, ext_bytes(f, 0));
    memcpy(e->data, v4, sizeof(v4));
    f->x.ext = e;
    f->has_ext = true;
}

void sf_flow_set_addrs(struct sf_flow *f, const uint8_t *client,
                       const uint8_t *server)
{
    size_t alen = f->ipver == 6 ? 16 : 4;
    if (f->ipver == 6)
        ext_make(f);
    uint8_t *a = f->has_ext ? (uint8_t *)f->x.ext->data : f->x.v4[0];
    memcpy(a, client, alen);
    memcpy(a + alen, server, alen);
}

/* Moves every time out of line at full width (once, for good). */
static void widen(struct sf_flow *f)
{
    uint64_t t[SF_T_COUNT];
    for (int k = 0; k < SF_T_COUNT; k++)
        t[k] = sf_flow_time(f, (enum sf_flow_time)k);
    ext_make(f);
    struct sf_flow_ext *e = f->x.ext;
    size_t n_an = e->n_an;
    f->wide = true;
    f->x.ext = sf_xrealloc(e, ext_bytes(f, e->cap_an));
    uint64_t *times = sf_flow_wide_(f);
    /* the anomalies move up past the times */
    memmove(times + SF_T_COUNT, times, n_an * sizeof(struct sf_anomaly));
    memcpy(times, t, sizeof(t));
}

/* What sf_flow_set_time does not do inline: a flow's first time that is
 * not a whole microsecond, and times that do not fit at all. */
void sf_flow_set_time_slow_(struct sf_flow *f, enum sf_flow_time k,
                            uint64_t ns)
{
    if (!f->wide && ns >= f->first_ns && !f->t_ns) {
        /* the flow counts ns from now on, if its times fit */
        uint64_t top = ns - f->first_ns;
        for (int i = 0; i < SF_T_COUNT; i++)
            if (f->t[i] && (uint64_t)(f->t[i] - 1) * 1000 > top)
                top = (uint64_t)(f->t[i] - 1) * 1000;
        if (top < UINT32_MAX) {
            for (int i = 0; i < SF_T_COUNT; i++)
                if (f->t[i])
                    f->t[i] = (f->t[i] - 1) * 1000 + 1;
            f->t_ns = true;
            f->t[k] = (uint32_t)(ns - f->first_ns) + 1;
            return;
        }
    }
    if (!f->wide)
        widen(f);
    sf_flow_wide_(f)[k] = ns;
}

struct sf_anomaly *sf_flow_an_push(struct sf_flow *f, size_t max)
{
    ext_make(f);
    struct sf_flow_ext *e = f->x.ext;
    if (e->n_an == e->cap_an) {
        if (e->cap_an >= max)
            return NULL;                /* bounded: never grows past */
        size_t cap = e->cap_an ? (size_t)e->cap_an * 2 : 2;
        if (cap > max)
            cap = max;
        e = sf_xrealloc(e, ext_bytes(f, cap));
        e->cap_an = (uint16_t)cap;
        f->x.ext = e;
    }
    return &sf_flow_an(f)[e->n_an++];
}

void sf_flow_release(struct sf_flow *f)
{
    if (f->has_ext)
        free(f->x.ext);
    f->has_ext = f->wide = false;
    memset(&f->x, 0, sizeof(f->x));
}

size_t sf_flow_copy_size(const struct sf_flow *f)
{
    size_t n = SF_ALIGN8(sizeof(*f));
    if (f->has_ext)
        n += ext_bytes(f, f->x.ext->n_an);
    return n;
}

struct sf_flow *sf_flow_copy(void *mem, const struct sf_flow *f)
{
    struct sf_flow *c = mem;
    *c = *f;
    if (f->has_ext) {
        struct sf_flow_ext *e =
            (struct sf_flow_ext *)((unsigned char *)mem +
                                   SF_ALIGN8(sizeof(*f)));
        size_t n = ext_bytes(f, f->x.ext->n_an);
        memcpy(e, f->x.ext, n);
        e->cap_an = e->n_an;
        c->x.ext = e;
    }
    return c;
}
