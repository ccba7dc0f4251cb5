#ifndef SF_TCPFSM_H
#define SF_TCPFSM_H

/* tcpfsm: an endpoint's RFC 9293 state as inferred at the capture point,
 * derived from what has been observed of both sides (who sent SYN and
 * FIN, which of them the other acknowledged, in what order). Deriving the
 * state from the facts instead of stepping a transition table keeps one
 * rule per state, and lets a lost or reordered segment correct itself
 * when a later one shows what happened. Pure: no allocation, no I/O. */

#include "synfin/flow.h"

/* State of `self` given its peer. */
enum sf_tcp_state sf_tcpfsm_state(const struct sf_endpoint *self,
                                  const struct sf_endpoint *peer);

#endif /* SF_TCPFSM_H */
