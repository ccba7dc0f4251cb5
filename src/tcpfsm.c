/* tcpfsm: RFC 9293 3.3.2 endpoint states from observed facts. Input: the
 * two struct sf_endpoint of a flow, as the tracker updates them segment by
 * segment; output: the state each side must be in to have sent (and
 * acknowledged) what the capture shows. The facts are monotonic, so the
 * derived states only move forward along the RFC 9293 diagram. */

#include "synfin/tcpfsm.h"

/* RFC 9293 3.10.7.3-3.10.7.4: opening. A SYN sender is SYN-SENT until the
 * peer's SYN is acknowledged by it (then SYN-RECEIVED, as a server after
 * its SYN-ACK, or a simultaneous opener) or its own SYN is acknowledged
 * by a segment carrying the peer's SYN (ESTABLISHED, the client seeing the
 * SYN-ACK). A SYN-RECEIVED side becomes ESTABLISHED when its SYN is
 * acknowledged. */
static enum sf_tcp_state opening(const struct sf_endpoint *self,
                                 const struct sf_endpoint *peer)
{
    if (!self->syn)
        return SF_TCP_CLOSED;
    if (self->syn_acked && (self->acked_syn || peer->synack))
        return SF_TCP_ESTABLISHED;
    /* a SYN-ACK is sent from SYN-RECEIVED, whatever it acknowledges */
    if (self->acked_syn || self->synack)
        return SF_TCP_SYN_RCVD;
    return SF_TCP_SYN_SENT;
}

/* RFC 9293 3.10.7.4 / 3.6: closing, by who sent a FIN, whether the peer
 * acknowledged it, and whether this side had acknowledged the peer's FIN
 * before sending its own (passive close) or not (active or simultaneous
 * close). */
static enum sf_tcp_state closing(const struct sf_endpoint *self)
{
    /* the peer's FIN reached us: we acknowledged it, or the FINs crossed
     * (each left before the other arrived; each arrives all the same) */
    bool got = self->acked_fin || self->got_fin;
    if (!self->fin)
        return got ? SF_TCP_CLOSE_WAIT : SF_TCP_ESTABLISHED;
    if (self->passive)                      /* CLOSE-WAIT, then FIN */
        return self->fin_acked ? SF_TCP_CLOSED : SF_TCP_LAST_ACK;
    if (!got)
        return self->fin_acked ? SF_TCP_FIN_WAIT_2 : SF_TCP_FIN_WAIT_1;
    /* both FINs, ours first or crossed: FIN-WAIT-1 + FIN = CLOSING,
     * FIN-WAIT-2 + FIN = TIME-WAIT */
    return self->fin_acked ? SF_TCP_TIME_WAIT : SF_TCP_CLOSING;
}

enum sf_tcp_state sf_tcpfsm_state(const struct sf_endpoint *self,
                                  const struct sf_endpoint *peer)
{
    /* RFC 9293 3.10.7: a valid RST closes both ends at once */
    if (self->rst || peer->rst)
        return SF_TCP_CLOSED;
    if (!self->open)
        return opening(self, peer);
    return closing(self);
}
