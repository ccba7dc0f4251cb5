/* Unit tests for tcpfsm: the RFC 9293 3.3.2 state of an endpoint derived
 * from the facts the tracker records (who sent SYN/FIN, what each side
 * acknowledged). Each test sets the facts of both struct sf_endpoint by
 * hand, as they stand after the segments named in the comment, and checks
 * every state of the diagram (LISTEN is never inferred: a listener sends
 * nothing a capture could show). */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "synfin/flow.h"
#include "synfin/tcpfsm.h"

static struct sf_endpoint client, server;

static int reset_endpoints(void **state)
{
    (void)state;
    memset(&client, 0, sizeof(client));
    memset(&server, 0, sizeof(server));
    return 0;
}

#define assert_state(self, peer, want)                                     \
    assert_string_equal(sf_state_name(sf_tcpfsm_state(&(self), &(peer))), \
                        sf_state_name(want))

/* nothing seen from either side */
static void test_closed(void **state)
{
    (void)state;
    assert_state(client, server, SF_TCP_CLOSED);
    assert_state(server, client, SF_TCP_CLOSED);
}

/* client: SYN */
static void test_syn_sent(void **state)
{
    (void)state;
    client.syn = true;
    assert_state(client, server, SF_TCP_SYN_SENT);
    assert_state(server, client, SF_TCP_CLOSED);
}

/* client: SYN; server: SYN-ACK acknowledging it. The server is SYN-RCVD
 * (its SYN not yet acknowledged); the client, whose SYN was acknowledged
 * by a segment carrying the server's SYN, is ESTABLISHED (RFC 9293
 * 3.10.7.3, SYN-SENT state, "our SYN has been ACKed"). */
static void test_syn_rcvd(void **state)
{
    (void)state;
    client.syn = true;
    client.syn_acked = true;
    server.syn = true;
    server.synack = true;
    server.acked_syn = true;
    assert_state(server, client, SF_TCP_SYN_RCVD);
    assert_state(client, server, SF_TCP_ESTABLISHED);
}

/* the third segment: the client acknowledged the server's SYN */
static void test_established(void **state)
{
    (void)state;
    client.syn = client.syn_acked = client.acked_syn = true;
    server.syn = server.synack = server.acked_syn = server.syn_acked = true;
    assert_state(client, server, SF_TCP_ESTABLISHED);
    assert_state(server, client, SF_TCP_ESTABLISHED);
    /* once open (the tracker's sticky flag), no FIN: still ESTABLISHED */
    client.open = server.open = true;
    assert_state(client, server, SF_TCP_ESTABLISHED);
    assert_state(server, client, SF_TCP_ESTABLISHED);
}

static void open_both(void)
{
    client.syn = client.syn_acked = client.acked_syn = true;
    server.syn = server.synack = server.acked_syn = server.syn_acked = true;
    client.open = server.open = true;
}

/* client: FIN, not yet acknowledged */
static void test_fin_wait_1(void **state)
{
    (void)state;
    open_both();
    client.fin = true;
    assert_state(client, server, SF_TCP_FIN_WAIT_1);
    assert_state(server, client, SF_TCP_ESTABLISHED);
}

/* client: FIN; server: ACK of it (no FIN): FIN-WAIT-2 / CLOSE-WAIT */
static void test_fin_wait_2_and_close_wait(void **state)
{
    (void)state;
    open_both();
    client.fin = true;
    client.fin_acked = true;
    server.acked_fin = true;
    server.passive = true;
    assert_state(client, server, SF_TCP_FIN_WAIT_2);
    assert_state(server, client, SF_TCP_CLOSE_WAIT);
}

/* client: FIN; server: ACK; server: FIN: LAST-ACK, the client still
 * FIN-WAIT-2 until it acknowledges that FIN */
static void test_last_ack(void **state)
{
    (void)state;
    open_both();
    client.fin = client.fin_acked = true;
    server.acked_fin = server.passive = server.fin = true;
    assert_state(server, client, SF_TCP_LAST_ACK);
    assert_state(client, server, SF_TCP_FIN_WAIT_2);
}

/* ... client: ACK of the server's FIN: TIME-WAIT and CLOSED */
static void test_time_wait_and_closed(void **state)
{
    (void)state;
    open_both();
    client.fin = client.fin_acked = client.acked_fin = true;
    server.acked_fin = server.passive = server.fin = server.fin_acked = true;
    assert_state(client, server, SF_TCP_TIME_WAIT);
    assert_state(server, client, SF_TCP_CLOSED);
}

/* crossed FINs: the client acknowledged the server's FIN while its own
 * is still unacknowledged: CLOSING; then its FIN acknowledged: TIME-WAIT */
static void test_closing(void **state)
{
    (void)state;
    open_both();
    client.fin = true;
    server.fin = true;
    assert_state(client, server, SF_TCP_FIN_WAIT_1);
    assert_state(server, client, SF_TCP_FIN_WAIT_1);
    client.acked_fin = true;            /* client: ACK of the server's FIN */
    server.fin_acked = true;
    assert_state(client, server, SF_TCP_CLOSING);
    server.acked_fin = true;            /* server: ACK of the client's FIN */
    client.fin_acked = true;
    assert_state(client, server, SF_TCP_TIME_WAIT);
    assert_state(server, client, SF_TCP_TIME_WAIT);
}

/* RFC 9293 3.10.7: a RST closes both ends, whoever sent it, in any state */
static void test_rst_closes_both(void **state)
{
    (void)state;
    /* during the handshake */
    client.syn = true;
    server.rst = true;
    assert_state(client, server, SF_TCP_CLOSED);
    assert_state(server, client, SF_TCP_CLOSED);

    /* established, RST from the client */
    reset_endpoints(NULL);
    open_both();
    client.rst = true;
    assert_state(client, server, SF_TCP_CLOSED);
    assert_state(server, client, SF_TCP_CLOSED);

    /* FIN-WAIT-2 / CLOSE-WAIT, RST from the server */
    reset_endpoints(NULL);
    open_both();
    client.fin = client.fin_acked = true;
    server.acked_fin = server.passive = true;
    server.rst = true;
    assert_state(client, server, SF_TCP_CLOSED);
    assert_state(server, client, SF_TCP_CLOSED);
}

/* facts seen the other way round (the server side as SYN sender) give the
 * mirrored states: the function does not care which side is which */
static void test_symmetric(void **state)
{
    (void)state;
    server.syn = true;
    assert_state(server, client, SF_TCP_SYN_SENT);
    assert_state(client, server, SF_TCP_CLOSED);
    open_both();
    server.fin = true;
    assert_state(server, client, SF_TCP_FIN_WAIT_1);
    server.fin_acked = true;
    client.acked_fin = client.passive = true;
    assert_state(server, client, SF_TCP_FIN_WAIT_2);
    assert_state(client, server, SF_TCP_CLOSE_WAIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_closed, reset_endpoints),
        cmocka_unit_test_setup(test_syn_sent, reset_endpoints),
        cmocka_unit_test_setup(test_syn_rcvd, reset_endpoints),
        cmocka_unit_test_setup(test_established, reset_endpoints),
        cmocka_unit_test_setup(test_fin_wait_1, reset_endpoints),
        cmocka_unit_test_setup(test_fin_wait_2_and_close_wait,
                               reset_endpoints),
        cmocka_unit_test_setup(test_last_ack, reset_endpoints),
        cmocka_unit_test_setup(test_time_wait_and_closed, reset_endpoints),
        cmocka_unit_test_setup(test_closing, reset_endpoints),
        cmocka_unit_test_setup(test_rst_closes_both, reset_endpoints),
        cmocka_unit_test_setup(test_symmetric, reset_endpoints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
