#ifndef SF_TRACKER_H
#define SF_TRACKER_H

/* tracker: per-connection analysis. Input: the decoded segments of one
 * flow (struct sf_pkt with status OK) in capture order, from the flow
 * table; output: the flow's facts (struct sf_flow: handshake, close,
 * endpoint states, Zeek history, anomalies) and, per segment, an event
 * saying what the segment meant. DESIGN.md 3-4, RFC 9293 3.5-3.6. */

#include <stdbool.h>
#include <stdint.h>

#include "synfin/decode.h"
#include "synfin/event.h"
#include "synfin/flow.h"

/* TIME-WAIT lasts 2 x MSL; MSL taken as 30 s like Linux's 60 s
 * TIME_WAIT (DESIGN.md 4, port_reuse). */
#define SF_TIME_WAIT_NS (60ull * 1000000000)

/* Starts `f` (zeroed by the caller) with its first segment: picks client
 * and server (DESIGN.md 3) and records `id`. Does not process `p`. */
void sf_tracker_start(struct sf_flow *f, uint32_t id, const struct sf_pkt *p);

/* Which side sent `p`, a segment of the flow's 4-tuple. */
enum sf_side sf_tracker_side(const struct sf_flow *f, const struct sf_pkt *p);

/* True when `p` opens a new connection on the 4-tuple of `f` (a SYN with
 * a new initial sequence number, or any SYN after a close or reset). */
bool sf_tracker_new_connection(const struct sf_flow *f,
                               const struct sf_pkt *p, enum sf_side from);

/* Feeds one segment sent by `from` at `ts_ns`; fills `ev` (an
 * SF_EV_PACKET) with the step, state changes and new anomalies. Pointers
 * in `ev` are valid until the flow is next changed. */
void sf_tracker_segment(struct sf_flow *f, const struct sf_pkt *p,
                        enum sf_side from, uint64_t ts_ns,
                        struct sf_event *ev);

/* Adds an anomaly to the flow; returns its index in sf_flow_an(f). */
size_t sf_tracker_add_anomaly(struct sf_flow *f, enum sf_anomaly_type type,
                              enum sf_side side, uint64_t ts_ns,
                              uint32_t arg, uint8_t extra);

/* A SYN unanswered this long is reported while the capture runs (Zeek's
 * tcp_attempt_delay is the same 5 s); at the end of a flow it is reported
 * whatever its age. */
#define SF_SYN_TIMEOUT_NS (5ull * 1000000000)

/* syn_unanswered: when the client's SYN has had no SYN-ACK (nor RST) for
 * SF_SYN_TIMEOUT_NS at packet time `now_ns`, records the anomaly (once
 * per flow) and returns its index, else -1. */
long sf_tracker_check_syn(struct sf_flow *f, uint64_t now_ns);

/* The earliest packet time at which sf_tracker_check_syn() or
 * sf_tracker_check_linger() could report something, UINT64_MAX if
 * neither can any more (the flow table's timers use it). */
uint64_t sf_tracker_next_check(const struct sf_flow *f, uint64_t linger_ns);

/* close_wait_linger: when a side acknowledged the peer's FIN and has been
 * idle in CLOSE_WAIT for `linger_ns` at packet time `now_ns`, records the
 * anomaly (once per flow) and returns its index, else -1. */
long sf_tracker_check_linger(struct sf_flow *f, uint64_t now_ns,
                             uint64_t linger_ns);

/* Final verdicts when the flow ends at packet time `now_ns` (end of input:
 * the last timestamp of the capture): close kind, and the anomalies only
 * an end can tell (syn_unanswered, synack_unacked, fin_unacked, linger).
 * Returns the index of the first anomaly it added (sf_flow_nan(f) if
 * none). */
size_t sf_tracker_finish(struct sf_flow *f, uint64_t now_ns,
                         uint64_t linger_ns, enum sf_end_reason why);

/* Frees what the flow owns (not the flow itself). */
void sf_tracker_fini(struct sf_flow *f);

#endif /* SF_TRACKER_H */
