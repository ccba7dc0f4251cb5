#ifndef SF_FLOW_H
#define SF_FLOW_H

/* flow: the vocabulary of DESIGN.md 3-4 and the read-only view of one
 * connection that reporters receive. The tracker fills a struct sf_flow;
 * reporters only read it, during the callback that hands it to them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/util.h"

enum sf_side {
    SF_CLIENT = 0,
    SF_SERVER = 1,
    SF_BOTH = 2,            /* close initiator when the FINs crossed */
    SF_NOSIDE = 3,          /* null */
};

/* RFC 9293 3.3.2, as inferred at the capture point. */
enum sf_tcp_state {
    SF_TCP_CLOSED,
    SF_TCP_LISTEN,
    SF_TCP_SYN_SENT,
    SF_TCP_SYN_RCVD,
    SF_TCP_ESTABLISHED,
    SF_TCP_FIN_WAIT_1,
    SF_TCP_FIN_WAIT_2,
    SF_TCP_CLOSING,
    SF_TCP_TIME_WAIT,
    SF_TCP_CLOSE_WAIT,
    SF_TCP_LAST_ACK,
};

enum sf_handshake {
    SF_HS_NONE,             /* mid-stream: no handshake seen */
    SF_HS_SYN_ONLY,
    SF_HS_SYN_SYNACK,
    SF_HS_COMPLETE,
};

enum sf_close {
    SF_CLOSE_NONE,
    SF_CLOSE_FIN4,
    SF_CLOSE_FIN3,
    SF_CLOSE_SIMULTANEOUS,
    SF_CLOSE_HALF_CLOSED,
    SF_CLOSE_RST,
    SF_CLOSE_REFUSED,
};

/* DESIGN.md 4: stable anomaly ids (names by sf_anomaly_name()). */
enum sf_anomaly_type {
    SF_AN_RST,
    SF_AN_REFUSED,
    SF_AN_SYN_UNANSWERED,
    SF_AN_SYN_RETRANSMIT,
    SF_AN_SYNACK_RETRANSMIT,
    SF_AN_FIN_RETRANSMIT,
    SF_AN_SYNACK_UNACKED,
    SF_AN_BAD_HANDSHAKE_ACK,
    SF_AN_CLOSE_WAIT_LINGER,
    SF_AN_FIN_UNACKED,
    SF_AN_DATA_AFTER_FIN,
    SF_AN_PORT_REUSE,
    SF_AN_MIDSTREAM,
    SF_AN_SYN_WITH_DATA,
    SF_AN_SIMULTANEOUS_OPEN,
    SF_AN_RST_OUT_OF_WINDOW,
    SF_AN_COUNT
};

/* Zeek's per-endpoint states (TCP_Endpoint.h), for conn_state. */
enum sf_zeek_state {
    SF_ZEEK_INACTIVE,
    SF_ZEEK_SYN_SENT,
    SF_ZEEK_SYN_ACK_SENT,
    SF_ZEEK_PARTIAL,
    SF_ZEEK_ESTABLISHED,
    SF_ZEEK_CLOSED,
    SF_ZEEK_RESET,
};

/* Why a flow ended (was handed to reporters and freed). */
enum sf_end_reason {
    SF_END_CLOSED,          /* closed or reset, and quiet since */
    SF_END_IDLE,            /* --idle-timeout */
    SF_END_EVICTED,         /* --max-flows */
    SF_END_REUSED,          /* a new connection took its 4-tuple */
    SF_END_INPUT,           /* end of input */
};

struct sf_anomaly {
    uint64_t ts_ns;
    uint8_t type;           /* enum sf_anomaly_type */
    uint8_t side;           /* enum sf_side: who sent / is stuck */
    uint8_t state;          /* that side's state at the time */
    uint8_t extra;          /* type-specific (e.g. count of retransmits) */
    uint32_t arg;           /* type-specific (bytes in flight, idle ms...) */
};

/* Fields are ordered and packed for size: a tracked flow costs
 * sizeof(struct sf_flow) plus the table's bookkeeping (README, "Memory").
 * The endpoint's address is the flow's (sf_flow_addr), its times are the
 * flow's SF_T_SENT and SF_T_FIN slots. */
struct sf_endpoint {
    uint16_t port;
    uint16_t win;           /* last advertised window, unscaled */
    uint32_t iss;           /* sequence number of this side's SYN */
    uint32_t snd_nxt;       /* highest sequence sent + 1 */
    uint32_t ack;           /* highest acknowledgement sent */
    uint32_t fin_seq;       /* sequence number of this side's FIN */
    uint32_t last_rst_seq;
    uint32_t last_fin_end;  /* for Zeek's F repetition rule */
    uint16_t mss;           /* from the SYN, 0 = none */
    uint8_t hist;           /* Zeek letters already given once (bits) */
    unsigned state : 4;     /* enum sf_tcp_state */
    unsigned zeek : 4;      /* Zeek endpoint state (tracker-internal) */
    unsigned wscale : 4;    /* from the SYN (0-14), valid if opt_wscale */
    unsigned t_next : 4;    /* Zeek T/W letter thresholds: 10^(n-1) */
    unsigned w_next : 4;
    bool syn : 1, synack : 1, acked_syn : 1, syn_acked : 1;
    bool fin : 1, fin_acked : 1, acked_fin : 1, passive : 1;
    bool rst : 1, has_ack : 1, open : 1, got_fin : 1;
    bool wrote_after_fin : 1; /* sent data after the peer's FIN */
    bool opt_wscale : 1, opt_sack : 1, opt_ts : 1, opt_tfo : 1;
    bool win_syn : 1;       /* `win` came from a SYN: never scaled */
    /* got_fin: the peer's FIN is taken as received without an ACK from
     * us, because the FINs crossed (both sides go to CLOSING) */
    uint16_t syn_count;     /* SYN segments sent (without ACK) */
    uint16_t synack_count;  /* SYN-ACK segments sent */
    uint16_t syn_data;      /* payload bytes on the SYN (TFO) */
    uint16_t fin_count;
    uint32_t packets;
    uint32_t retrans;       /* payload retransmissions */
    uint32_t zero_wins;
    uint64_t bytes;         /* payload bytes */
};

/* A flow's times after its first (first_ns), read with sf_flow_time()
 * and written with sf_flow_set_time(); 0 = not seen. */
enum sf_flow_time {
    SF_T_SYN,               /* the client's first SYN */
    SF_T_SYNACK,            /* the first SYN-ACK */
    SF_T_ACK,               /* the handshake's third segment */
    SF_T_DONE,              /* when it became finished */
    SF_T_LAST,              /* the latest segment time */
    SF_T_SENT,              /* + side: that side's last segment */
    SF_T_FIN = SF_T_SENT + 2, /* + side: that side's FIN */
    SF_T_COUNT = SF_T_FIN + 2
};

/* What a flow keeps out of line, when it has any of it: IPv6 addresses,
 * times that outgrew their 32-bit offsets, anomalies. One allocation
 * (flow.c): the addresses (8 bytes for IPv4, 32 for IPv6), then the
 * times if `wide`, then the anomalies. */
struct sf_flow_ext {
    uint16_t n_an, cap_an;
    uint32_t unused_;
    uint64_t data[];
};

/* One connection. Owned by the flow table; reporters get const views. */
struct sf_flow {
    uint32_t id;            /* first-seen order, from 1 */
    /* small enums as bit-fields: they and the bools fill the words
     * around the id, not words of their own */
    unsigned ipver : 3;     /* 4 or 6 */
    unsigned handshake : 2; /* enum sf_handshake */
    unsigned close : 3;     /* enum sf_close, final at flow end */
    unsigned initiator : 2; /* enum sf_side */
    unsigned rst_by : 2;    /* enum sf_side */
    unsigned end_reason : 3;/* enum sf_end_reason, set at the end */
    unsigned linger_side : 2; /* CLOSE_WAIT linger already reported for */
    uint8_t hist_len;
    bool midstream : 1;
    bool half_close : 1;
    bool complete : 1;
    bool finished : 1;      /* closed or reset: ends once quiet */
    bool fin_crossed : 1;   /* second FIN sent before the first was acked */
    bool fin_merged : 1;    /* second FIN carried the ACK of the first */
    bool first_fin_acked_alone : 1; /* a segment acked the first FIN alone */
    bool bad_ack3 : 1;      /* the third segment acked the wrong number */
    bool has_syn : 1, has_synack : 1, has_ack : 1; /* SF_T_SYN, SF_T_SYNACK,
                                        * SF_T_ACK set (0 is a valid time) */
    bool syn_timed_out : 1; /* the syn_unanswered timeout has fired */
    bool has_ext : 1;       /* x.ext is set: else x.v4 holds the addresses */
    bool wide : 1;          /* times in x.ext, 64-bit: else t[] */
    bool t_ns : 1;          /* t[] counts ns: else microseconds */
    char history[23];       /* Zeek history, NUL-terminated */
    /* times after first_ns, in its unit: offset + 1, 0 = not seen. A
     * time that does not fit (before first_ns, 2^32 - 1 units after it,
     * or not a whole microsecond once the flow is older than 4.29 s)
     * makes the flow `wide`: all its times move out of line, exact */
    uint32_t t[SF_T_COUNT];
    uint64_t first_ns;
    union {
        uint8_t v4[2][4];   /* [SF_CLIENT], [SF_SERVER], if !has_ext */
        struct sf_flow_ext *ext;        /* owned */
    } x;
    struct sf_endpoint ep[2];            /* [SF_CLIENT], [SF_SERVER] */
};

static inline size_t sf_flow_addr_bytes_(const struct sf_flow *f)
{
    return f->ipver == 6 ? 32 : 8;
}

/* The address of `side` (4 or 16 bytes as ipver says). */
static inline const uint8_t *sf_flow_addr(const struct sf_flow *f, int side)
{
    if (!f->has_ext)
        return f->x.v4[side];
    const uint8_t *a = (const uint8_t *)f->x.ext->data;
    return a + (f->ipver == 6 ? 16 : 4) * side;
}

/* The out-of-line times of a `wide` flow (the anomalies follow). */
static inline uint64_t *sf_flow_wide_(const struct sf_flow *f)
{
    return f->x.ext->data + sf_flow_addr_bytes_(f) / 8;
}

static inline uint64_t sf_flow_time(const struct sf_flow *f,
                                    enum sf_flow_time k)
{
    if (f->wide)
        return sf_flow_wide_(f)[k];
    uint64_t r = f->t[k];
    return r ? f->first_ns + (r - 1) * (f->t_ns ? 1 : 1000) : 0;
}

/* How long after the flow's first packet `ns` is (0 if not after). */
static inline uint64_t sf_flow_since(const struct sf_flow *f, uint64_t ns)
{
    return ns > f->first_ns ? ns - f->first_ns : 0;
}

void sf_flow_set_time_slow_(struct sf_flow *f, enum sf_flow_time k,
                            uint64_t ns);

/* `ns` as t[] holds it, or 0 if it does not fit there as it is. */
static inline uint32_t sf_flow_offset_(const struct sf_flow *f, uint64_t ns)
{
    uint64_t off = ns - f->first_ns;
    if (f->wide || ns < f->first_ns)
        return 0;
    if (f->t_ns)
        return off < UINT32_MAX ? (uint32_t)off + 1 : 0;
    uint64_t us = off / 1000;
    return us * 1000 == off && us < UINT32_MAX ? (uint32_t)us + 1 : 0;
}

/* Sets time `k` to `ns`, exactly; `ns` 0 is "not seen" too. */
static inline void sf_flow_set_time(struct sf_flow *f, enum sf_flow_time k,
                                    uint64_t ns)
{
    uint32_t r = sf_flow_offset_(f, ns);
    if (r)
        f->t[k] = r;
    else
        sf_flow_set_time_slow_(f, k, ns);
}

/* A segment from `side` at `ns`: its SF_T_SENT, and SF_T_LAST if later
 * (time may step back in a capture). Offsets of one unit compare as the
 * times do, so the common case is two stores. */
static inline void sf_flow_saw(struct sf_flow *f, int side, uint64_t ns)
{
    uint32_t r = sf_flow_offset_(f, ns);
    if (r) {
        f->t[SF_T_SENT + side] = r;
        if (r > f->t[SF_T_LAST])
            f->t[SF_T_LAST] = r;
        return;
    }
    if (ns > sf_flow_time(f, SF_T_LAST))
        sf_flow_set_time(f, SF_T_LAST, ns);
    sf_flow_set_time(f, (enum sf_flow_time)(SF_T_SENT + side), ns);
}

/* The flow's anomalies: sf_flow_nan() of them, in the order found. */
static inline size_t sf_flow_nan(const struct sf_flow *f)
{
    return f->has_ext ? f->x.ext->n_an : 0;
}

static inline struct sf_anomaly *sf_flow_an(const struct sf_flow *f)
{
    if (!f->has_ext)
        return NULL;
    return (struct sf_anomaly *)(sf_flow_wide_(f) +
                                 (f->wide ? SF_T_COUNT : 0));
}

/* Sets the addresses, once, at the flow's start (ipver set). */
void sf_flow_set_addrs(struct sf_flow *f, const uint8_t *client,
                       const uint8_t *server);

/* Room for one more anomaly, at the end of the list; NULL when the list
 * holds `max` already. Moves the list: earlier pointers into it are
 * stale, indexes stay valid. */
struct sf_anomaly *sf_flow_an_push(struct sf_flow *f, size_t max);

/* Frees what the flow owns out of line. */
void sf_flow_release(struct sf_flow *f);

/* A copy of `f` that owns nothing: what it keeps out of line is copied
 * into `mem` after it. sf_flow_copy_size(f) bytes, 8-aligned `mem`. */
size_t sf_flow_copy_size(const struct sf_flow *f);
struct sf_flow *sf_flow_copy(void *mem, const struct sf_flow *f);

/* Static names ("fin4", "ESTABLISHED", "syn_unanswered", ...). */
const char *sf_side_name(enum sf_side s);
const char *sf_state_name(enum sf_tcp_state s);
const char *sf_handshake_name(enum sf_handshake h);
const char *sf_close_name(enum sf_close c);
const char *sf_anomaly_name(enum sf_anomaly_type t);
const char *sf_end_reason_name(enum sf_end_reason r);

/* Zeek conn.log conn_state of the flow ("SF", "S0", "REJ", ...). */
const char *sf_flow_conn_state(const struct sf_flow *f);

/* Appends the human detail of an anomaly ("server sent RST in
 * ESTABLISHED with 120 bytes unacked") to `out`. */
void sf_anomaly_format(const struct sf_flow *f, const struct sf_anomaly *a,
                       struct sf_buf *out);

/* Appends the close kind and who closed or reset ("fin4 by client",
 * "rst by server", "none"). */
void sf_close_format(const struct sf_flow *f, struct sf_buf *out);

/* Appends "ip.port" (IPv4) or "[ip].port"-free tcpdump style "ip.port". */
void sf_endpoint_format(const struct sf_flow *f, enum sf_side side,
                        struct sf_buf *out);
/* Appends the address alone. */
void sf_addr_format(int ipver, const uint8_t *addr, struct sf_buf *out);

#endif /* SF_FLOW_H */
