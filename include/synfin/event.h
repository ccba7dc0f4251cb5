#ifndef SF_EVENT_H
#define SF_EVENT_H

/* event: what the tracker tells reporters. One SF_EV_PACKET per TCP
 * packet (with what it meant), SF_EV_ANOMALY for anomalies found without
 * a packet (timeouts, end of input), SF_EV_FLOW_END when a flow is done.
 * Reporters see only this header and flow.h. */

#include <stdbool.h>
#include <stdint.h>

#include "synfin/decode.h"
#include "synfin/flow.h"

enum sf_event_kind {
    SF_EV_PACKET,
    SF_EV_ANOMALY,
    SF_EV_FLOW_END,
};

/* Handshake / close step a packet performs (annotation "SYN 1/3"...). */
enum sf_step {
    SF_STEP_NONE,
    SF_STEP_SYN,            /* SYN 1/3 */
    SF_STEP_SYNACK,         /* SYN-ACK 2/3 */
    SF_STEP_ACK3,           /* ACK 3/3 */
    SF_STEP_FIN1,           /* FIN 1/4 */
    SF_STEP_ACK2,           /* ACK 2/4: the first FIN acknowledged */
    SF_STEP_FIN3,           /* FIN 3/4 */
    SF_STEP_FINACK23,       /* FIN+ACK 2+3/4: merged */
    SF_STEP_FIN_CROSSED,    /* FIN 2/4 sent before the first was seen */
    SF_STEP_ACK4,           /* ACK 4/4 */
    SF_STEP_RST,
    SF_STEP_HALF_CLOSE_DATA,/* data from the side that got the first FIN */
    SF_STEP_DATA,
    SF_STEP_ACK,
    SF_STEP_ACK3_OF4,       /* ACK 3/4: first ACK after crossed FINs */
};

#define SF_EV_MAX_STATES 2
#define SF_EV_MAX_ANOM 4

struct sf_state_change {
    uint8_t side;           /* enum sf_side */
    uint8_t from, to;       /* enum sf_tcp_state */
};

struct sf_event {
    enum sf_event_kind kind;
    uint64_t ts_ns;
    uint32_t flow_id;               /* 0: packet not part of any flow */
    uint8_t side;                   /* sender (packet) or anomaly side */
    uint8_t step;                   /* enum sf_step */
    bool retransmit;                /* the step's segment sent again */
    bool half_close_data;           /* also data after the peer's FIN */
    bool at_end;                    /* SF_EV_ANOMALY: found as the flow
                                     * ended, not by a timeout */
    /* the arrays hold `nstates` and `nanom` entries; the rest is not
     * set (the tracker fills events field by field, for speed) */
    uint8_t nstates;
    struct sf_state_change states[SF_EV_MAX_STATES];
    uint8_t nanom;
    /* borrowed: entries of sf_flow_an(flow), valid during the callback;
     * the list only grows while the flow lives, so an entry's index
     * there (anom[i] - sf_flow_an(flow)) stays its index to the end */
    const struct sf_anomaly *anom[SF_EV_MAX_ANOM];
    const struct sf_pkt *pkt;       /* SF_EV_PACKET; borrowed */
    const struct sf_flow *flow;     /* borrowed; NULL for flow_id 0 */
};

/* What a packet or anomaly event says, with no pointers: for reporters
 * that keep it past the callback (records for the output writer). */
struct sf_event_note {
    uint32_t flow_id;
    uint8_t side, step;             /* as in sf_event */
    bool retransmit, half_close_data;
    uint8_t nstates, nanom;
    uint8_t anom[SF_EV_MAX_ANOM];   /* enum sf_anomaly_type */
    struct sf_state_change states[SF_EV_MAX_STATES];
};

static inline void sf_event_note(struct sf_event_note *n,
                                 const struct sf_event *ev)
{
    n->flow_id = ev->flow_id;
    n->side = ev->side;
    n->step = ev->step;
    n->retransmit = ev->retransmit;
    n->half_close_data = ev->half_close_data;
    n->nstates = ev->nstates;
    for (uint8_t i = 0; i < ev->nstates; i++)
        n->states[i] = ev->states[i];
    n->nanom = ev->nanom;
    for (uint8_t i = 0; i < ev->nanom; i++)
        n->anom[i] = ev->anom[i]->type;
}

/* Packets that were not decoded, by reason. */
struct sf_reason_count {
    uint8_t status;                 /* enum sf_decode_status */
    const char *why;                /* static */
    uint64_t n;
};

/* Run-wide counts for the closing summary. */
struct sf_totals {
    uint64_t packets;               /* read (after the filter) */
    uint64_t tcp;                   /* decoded TCP segments */
    uint64_t not_decoded;
    size_t nreasons;
    const struct sf_reason_count *reasons;
    uint64_t flows, open_max, evicted, idle;
    bool live;                      /* live capture: the kernel's counts */
    uint64_t received, dropped, ifdropped;
};

/* A reporter: a context plus callbacks (any may be NULL). Callbacks
 * return 0, or a negative sf_err to stop the run (e.g. write error). */
struct sf_sink {
    void *ctx;
    int (*on_event)(void *ctx, const struct sf_event *ev);
    /* the flow ends at packet time end_ns (at the end of input: the
     * capture's last time), never before its last segment */
    int (*on_flow_end)(void *ctx, const struct sf_flow *flow,
                       uint64_t end_ns);
    int (*finish)(void *ctx, const struct sf_totals *totals);
};

/* Static names of steps ("SYN 1/3") and events. */
const char *sf_step_name(enum sf_step s);

#endif /* SF_EVENT_H */
