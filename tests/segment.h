/* Test segments for the flow table and tracker unit tests: one IPv4 TCP
 * segment between client 10.0.0.1:cport and server 10.0.0.2:80 at
 * T0 + t_ms, as decode would hand it over. */
#ifndef SYNFIN_TESTS_SEGMENT_H
#define SYNFIN_TESTS_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "synfin/decode.h"

#define T0_SEC 1700000000ll
#define T0_NS ((uint64_t)T0_SEC * 1000000000u)
#define NS(ms) (T0_NS + (uint64_t)(ms) * 1000000u)

#define SPORT 80

#define S SF_TH_SYN
#define A SF_TH_ACK
#define F SF_TH_FIN
#define R SF_TH_RST
#define P SF_TH_PSH

static const uint8_t caddr[4] = { 10, 0, 0, 1 };
static const uint8_t saddr[4] = { 10, 0, 0, 2 };

/* A SYN carries MSS 1460, as every kernel's does. */
static inline struct sf_pkt test_seg(uint16_t cport, bool from_client,
                                     uint8_t flags, uint32_t seq,
                                     uint32_t ack, uint32_t len,
                                     uint64_t t_ms)
{
    struct sf_pkt p;
    memset(&p, 0, sizeof(p));
    p.ipver = 4;
    memcpy(p.src, from_client ? caddr : saddr, 4);
    memcpy(p.dst, from_client ? saddr : caddr, 4);
    p.sport = from_client ? cport : SPORT;
    p.dport = from_client ? SPORT : cport;
    p.seq = seq;
    p.ack = ack;
    p.flags = flags;
    p.win = 65535;
    p.payload_len = len;
    p.status = SF_DECODE_OK;
    p.reach = SF_REACH_FULL;
    p.hlen = 20;
    p.tcp_len = 20 + len;
    p.ts_sec = T0_SEC + (int64_t)(t_ms / 1000);
    p.ts_nsec = (uint32_t)(t_ms % 1000) * 1000000u;
    if (flags & S)
        p.opts.mss = 1460;
    return p;
}

#endif
