/* Unit tests for tdfmt: the tcpdump -nn line. Test cases are data (jq
 * style): a config, the TCP segments of one capture and, for each, the line
 * tcpdump 4.99.3 prints. Every expected line was checked once with the
 * real tcpdump 4.99.3 (libpcap 1.10.3) by writing the same frames to a
 * nanosecond pcap and running `TZ=UTC tcpdump -nn -r FILE` with the flags
 * the config stands for (-t... -S -# --nano); it was not written by hand.
 * Frames go through sf_decode first, as in the program. */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "synfin/decode.h"
#include "synfin/tdfmt.h"
#include "synfin/util.h"

#define MAX_SEGS 8

/* One TCP segment in Ethernet + IPv4 (10.0.0.src > 10.0.0.dst) or IPv6
 * (2001:db8::src > 2001:db8::dst). */
struct seg {
    int64_t sec;
    uint32_t nsec;
    bool v6;
    uint8_t src, dst;       /* last address byte */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;          /* SF_TH_* */
    uint16_t win, urp;
    const char *opt;        /* option bytes (a multiple of 4) or NULL */
    uint8_t optlen;
    uint16_t paylen;        /* payload bytes (zeros) */
    uint16_t cut;           /* caplen in bytes from the frame start; 0 = all */
    uint8_t doff;           /* data offset to claim; 0 = the real one */
    uint16_t ipextra;       /* IP length claims this much more than sent */
};

struct tcase {
    const char *name;
    struct sf_tdfmt_config cfg;
    struct seg segs[MAX_SEGS];
    const char *want[MAX_SEGS];     /* NULL ends the list */
};

#define S SF_TH_SYN
#define A SF_TH_ACK
#define F SF_TH_FIN
#define R SF_TH_RST
#define P SF_TH_PSH
#define U SF_TH_URG

#define T_NONE { .ts_style = SF_TS_NONE }
#define T_NONE_ABS { .ts_style = SF_TS_NONE, .absolute_seq = true }

/* SYN options: mss 1460, sackOK, TS val 100 ecr 0, nop, wscale 7 */
#define SYNOPT "\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x64" \
               "\x00\x00\x00\x00\x01\x03\x03\x07"

static const struct tcase cases[] = {
    {
        .name = "flag_letters",
        .cfg = T_NONE_ABS,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 7, .win = 512 },
            { .src = 1, .dst = 2, .sport = 40001, .dport = 12345,
              .seq = 7, .ack = 9, .flags = 0xff, .win = 512, .urp = 3 },
            { .src = 1, .dst = 2, .sport = 40002, .dport = 12345,
              .seq = 7, .ack = 9, .flags = F | A, .win = 512 },
            { .src = 1, .dst = 2, .sport = 40003, .dport = 12345,
              .seq = 7, .ack = 9, .flags = P | A, .win = 512, .paylen = 5 },
            { .src = 1, .dst = 2, .sport = 40004, .dport = 12345,
              .seq = 7, .ack = 9, .flags = 0xc0 | S, .win = 512 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [none], win 512, "
            "length 0",
            "IP 10.0.0.1.40001 > 10.0.0.2.12345: Flags [FSRP.UEW], seq 7, "
            "ack 9, win 512, urg 3, length 0",
            "IP 10.0.0.1.40002 > 10.0.0.2.12345: Flags [F.], seq 7, ack 9, "
            "win 512, length 0",
            "IP 10.0.0.1.40003 > 10.0.0.2.12345: Flags [P.], seq 7:12, "
            "ack 9, win 512, length 5",
            "IP 10.0.0.1.40004 > 10.0.0.2.12345: Flags [SEW], seq 7, "
            "win 512, length 0",
        },
    },
    {
        .name = "relative_handshake",
        .cfg = T_NONE,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 64240 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 5000, .ack = 1001, .flags = S | A, .win = 65160 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1001, .ack = 5001, .flags = A, .win = 502 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1001, .ack = 5001, .flags = P | A, .win = 502,
              .paylen = 8 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 5001, .ack = 1009, .flags = A, .win = 509 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 5001, .ack = 1009, .flags = F | A, .win = 509 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 64240, length 0",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [S.], seq 5000, "
            "ack 1001, win 65160, length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 1, "
            "win 502, length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [P.], seq 1:9, "
            "ack 1, win 502, length 8",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [.], ack 9, "
            "win 509, length 0",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [F.], seq 1, "
            "ack 9, win 509, length 0",
        },
    },
    {
        .name = "absolute_with_S",
        .cfg = T_NONE_ABS,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 64240 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 5000, .ack = 1001, .flags = S | A, .win = 65160 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1001, .ack = 5001, .flags = P | A, .win = 502,
              .paylen = 8 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 64240, length 0",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [S.], seq 5000, "
            "ack 1001, win 65160, length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [P.], "
            "seq 1001:1009, ack 5001, win 502, length 8",
        },
    },
    {
        .name = "mid_stream",
        .cfg = T_NONE,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 3000000000u, .ack = 70000, .flags = P | A, .win = 100,
              .paylen = 10 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 70000, .ack = 3000000010u, .flags = A, .win = 100 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 3000000000u, .ack = 70000, .flags = P | A, .win = 100,
              .paylen = 10 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 70000, .ack = 3000000020u, .flags = P | A, .win = 100,
              .paylen = 4 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [P.], "
            "seq 3000000000:3000000010, ack 70000, win 100, length 10",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [.], ack 10, "
            "win 100, length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [P.], seq 0:10, "
            "ack 1, win 100, length 10",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [P.], seq 1:5, "
            "ack 20, win 100, length 4",
        },
    },
    {
        .name = "rst_without_ack_absolute",
        .cfg = T_NONE,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 64240 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 5000, .ack = 1001, .flags = S | A, .win = 65160 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1001, .flags = R, .win = 0 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1001, .ack = 5001, .flags = R | A, .win = 0 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 64240, length 0",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [S.], seq 5000, "
            "ack 1001, win 65160, length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [R], seq 1001, "
            "win 0, length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [R.], seq 1, "
            "ack 1, win 0, length 0",
        },
    },
    {
        /* equal ports: the lower address is the key's first end */
        .name = "equal_ports",
        .cfg = T_NONE,
        .segs = {
            { .src = 9, .dst = 3, .sport = 12345, .dport = 12345,
              .seq = 800, .ack = 100, .flags = P | A, .win = 10,
              .paylen = 2 },
            { .src = 3, .dst = 9, .sport = 12345, .dport = 12345,
              .seq = 100, .ack = 802, .flags = P | A, .win = 10,
              .paylen = 3 },
            { .src = 9, .dst = 3, .sport = 12345, .dport = 12345,
              .seq = 802, .ack = 103, .flags = A, .win = 10 },
        },
        .want = {
            "IP 10.0.0.9.12345 > 10.0.0.3.12345: Flags [P.], seq 800:802, "
            "ack 100, win 10, length 2",
            "IP 10.0.0.3.12345 > 10.0.0.9.12345: Flags [P.], seq 1:4, "
            "ack 2, win 10, length 3",
            "IP 10.0.0.9.12345 > 10.0.0.3.12345: Flags [.], ack 4, "
            "win 10, length 0",
        },
    },
    {
        .name = "sack_relative",
        .cfg = T_NONE,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 64240 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 5000, .ack = 1001, .flags = S | A, .win = 65160 },
            /* server SACKs client bytes 1101..1201 and 1301..1401 */
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 5001, .ack = 1001, .flags = A, .win = 500,
              .opt = "\x01\x01\x05\x12\x00\x00\x04\x4d\x00\x00\x04\xb1"
                     "\x00\x00\x05\x15\x00\x00\x05\x79", .optlen = 20 },
            /* client SACKs server bytes 5011..5021 */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1001, .ack = 5001, .flags = A, .win = 500,
              .opt = "\x01\x01\x05\x0a\x00\x00\x13\x93\x00\x00\x13\x9d",
              .optlen = 12 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 64240, length 0",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [S.], seq 5000, "
            "ack 1001, win 65160, length 0",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [.], ack 1, "
            "win 500, options [nop,nop,sack 2 {101:201}{301:401}], length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 1, "
            "win 500, options [nop,nop,sack 1 {11:21}], length 0",
        },
    },
    {
        .name = "ipv6",
        .cfg = T_NONE,
        .segs = {
            { .v6 = true, .src = 1, .dst = 2, .sport = 40000,
              .dport = 12345, .seq = 1000, .flags = S, .win = 64800,
              .opt = SYNOPT, .optlen = 20 },
            { .v6 = true, .src = 2, .dst = 1, .sport = 12345,
              .dport = 40000, .seq = 5000, .ack = 1001, .flags = S | A,
              .win = 64260 },
            { .v6 = true, .src = 1, .dst = 2, .sport = 40000,
              .dport = 12345, .seq = 1001, .ack = 5001, .flags = P | A,
              .win = 100, .paylen = 30 },
        },
        .want = {
            "IP6 2001:db8::1.40000 > 2001:db8::2.12345: Flags [S], "
            "seq 1000, win 64800, options [mss 1460,sackOK,TS val 100 ecr 0,"
            "nop,wscale 7], length 0",
            "IP6 2001:db8::2.12345 > 2001:db8::1.40000: Flags [S.], "
            "seq 5000, ack 1001, win 64260, length 0",
            "IP6 2001:db8::1.40000 > 2001:db8::2.12345: Flags [P.], "
            "seq 1:31, ack 1, win 100, length 30",
        },
    },
    {
        .name = "options",
        .cfg = T_NONE_ABS,
        .segs = {
            /* nop, nop, TS; then eol ends the list */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .ack = 2, .flags = A, .win = 1,
              .opt = "\x01\x01\x08\x0a\x00\x01\x02\x03\xff\xff\xff\xff"
                     "\x00\x00\x00\x00", .optlen = 16 },
            /* md5 (tcpdump built with libcrypto, no -M) */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .ack = 2, .flags = A, .win = 1,
              .opt = "\x13\x12\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99"
                     "\xaa\xbb\xcc\xdd\xee\xff\x01\x01", .optlen = 20 },
            /* uto: 0x12d = 150 minutes (granularity bit) */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .ack = 2, .flags = A, .win = 1,
              .opt = "\x1c\x04\x01\x2d\x1c\x04\x00\x78", .optlen = 8 },
            /* TFO cookie request, TFO cookie */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1,
              .opt = "\x22\x02\x01\x01\x22\x0a\x01\x02\x03\x04\x05\x06"
                     "\x07\x08\x01\x01", .optlen = 16 },
            /* experimental TFO (RFC 6994 0xf989): request, cookie; other */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1,
              .opt = "\xfe\x04\xf9\x89\xfe\x0c\xf9\x89\xa1\xa2\xa3\xa4"
                     "\xa5\xa6\xa7\xa8\xfe\x04\x12\x34", .optlen = 20 },
            /* unknown kind 99, and one without data */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .ack = 2, .flags = A, .win = 1,
              .opt = "\x63\x04\xaa\xbb\x64\x02\x01\x01", .optlen = 8 },
            /* mss with length 6: "[len 6]", and tcpdump reads the 2 extra
             * bytes as the next options */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1,
              .opt = "\x02\x06\x05\xb4\x01\x01\x01\x01", .optlen = 8 },
            /* option length 1: [bad opt] after a nop */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1,
              .opt = "\x01\x02\x01\x00", .optlen = 4 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 2, win 1, "
            "options [nop,nop,TS val 66051 ecr 4294967295,eol], length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 2, win 1, "
            "options [md5 shared secret not supplied with -M, can't check - "
            "00112233445566778899aabbccddeeff,nop,nop], length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 2, win 1, "
            "options [uto 0x12d 9000,uto 0x78 60], length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1, win 1, "
            "options [tfo  cookiereq,nop,nop,tfo  cookie 0102030405060708,nop,"
            "nop], "
            "length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1, win 1, "
            "options [exp-tfo cookiereq,exp-tfo cookie a1a2a3a4a5a6a7a8,"
            "exp-1234], length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 2, win 1, "
            "options [unknown-99 0xaabb,unknown-100,nop,nop], length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1, win 1, "
            "options [mss 1460[len 6],nop,nop,nop,nop], length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1, win 1, "
            "options [nop,[bad opt]]",
        },
    },
    {
        .name = "bad_opt_first",
        .cfg = T_NONE_ABS,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1,
              .opt = "\x02\x09\x05\xb4", .optlen = 4 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1, win 1, "
            "options [[bad opt]",
        },
    },
    {
        /* 14 Ethernet + 20 IP + 20 TCP + 20 options (SYNOPT) */
        .name = "truncation",
        .cfg = T_NONE,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 3 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 4 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 19 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 20 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 20 + 3 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 20 + 6 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 20 + 10 },
            /* payload cut, header whole: no marker */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .ack = 1, .flags = P | A, .win = 1,
              .paylen = 100, .cut = 14 + 20 + 20 + 10 },
        },
        .want = {
            "IP 10.0.0.1 > 10.0.0.2: [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345:  [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345:  [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 1, options [ [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 1, options [mss [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 1, options [mss 1460,sackOK, [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 1, options [mss 1460,sackOK,TS [|tcp]>",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [P.], seq 1000:1100, "
            "ack 1, win 1, length 100",
        },
    },
    {
        .name = "truncation_more",
        .cfg = T_NONE,
        .segs = {
            /* IPv6, cut inside the ports and right after them */
            { .v6 = true, .src = 1, .dst = 2, .sport = 40000,
              .dport = 12345, .seq = 1, .flags = S, .win = 1,
              .cut = 14 + 40 + 2 },
            { .v6 = true, .src = 1, .dst = 2, .sport = 40000,
              .dport = 12345, .seq = 1, .flags = S, .win = 1,
              .cut = 14 + 40 + 4 },
            /* TS kind captured, its length byte not */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1000, .flags = S, .win = 1, .opt = SYNOPT,
              .optlen = 20, .cut = 14 + 20 + 20 + 7 },
            /* cut inside the second SACK block */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .ack = 2, .flags = A, .win = 1,
              .opt = "\x01\x01\x05\x12\x00\x00\x04\x4d\x00\x00\x04\xb1"
                     "\x00\x00\x05\x15\x00\x00\x05\x79", .optlen = 20,
              .cut = 14 + 20 + 20 + 16 },
            /* eol, then the rest of the header and the payload not captured */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .ack = 2, .flags = P | A, .win = 1,
              .opt = "\x00\x00\x00\x00", .optlen = 4, .paylen = 10,
              .cut = 14 + 20 + 20 + 1 },
            /* SACK length not a multiple of 8 */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .ack = 2, .flags = A, .win = 1,
              .opt = "\x05\x06\x00\x00\x00\x01\x01\x01", .optlen = 8 },
        },
        .want = {
            "IP6 2001:db8::1 > 2001:db8::2: [|tcp]",
            "IP6 2001:db8::1.40000 > 2001:db8::2.12345:  [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], seq 1000, "
            "win 1, options [mss 1460,sackOK, [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 2, win 1, "
            "options [nop,nop,sack 2 {1100:1200} [|tcp]>",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [P.], seq 0:10, "
            "ack 1, win 1, options [eol], length 10 "
            "[remaining caplen(21) < header length(24)] [|tcp]",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [.], ack 1, win 1, "
            "options [sack invalid sack,nop,nop], length 0",
        },
    },
    {
        .name = "header_lengths",
        .cfg = T_NONE,
        .segs = {
            /* data offset 4: too short */
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1, .doff = 4, .paylen = 6 },
            /* data offset 15 (60 bytes) in a 30-byte IP payload */
            { .src = 1, .dst = 2, .sport = 40001, .dport = 12345,
              .seq = 1, .ack = 5, .flags = A, .win = 1, .doff = 15,
              .paylen = 10 },
            /* IP claims 20 bytes more than the frame carries */
            { .src = 1, .dst = 2, .sport = 40002, .dport = 12345,
              .seq = 1, .flags = S, .win = 1, .paylen = 4, .ipextra = 20 },
            { .v6 = true, .src = 1, .dst = 2, .sport = 40002,
              .dport = 12345, .seq = 1, .flags = S, .win = 1, .paylen = 4,
              .ipextra = 20 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345:  tcp 10 "
            "[bad hdr length 16 - too short, < 20]",
            "IP 10.0.0.1.40001 > 10.0.0.2.12345: Flags [.] "
            "[bad hdr length 60 - too long, > 30]",
            "IP truncated-ip - 20 bytes missing! 10.0.0.1.40002 > "
            "10.0.0.2.12345: Flags [S], seq 1:25, win 1, length 24",
            /* no space after "missing!" for IPv6 (print-ip6.c) */
            "IP6 truncated-ip6 - 20 bytes missing!2001:db8::1.40002 > "
            "2001:db8::2.12345: Flags [S], seq 1:25, win 1, length 24",
        },
    },
    {
        /* relative numbers across the 2^32 wrap, and urg */
        .name = "relative_wrap",
        .cfg = T_NONE,
        .segs = {
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 0xfffffff0u, .flags = S, .win = 1 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 0xfffffffeu, .ack = 0xfffffff1u, .flags = S | A,
              .win = 1 },
            { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 0xfffffff1u, .ack = 0xffffffffu, .flags = P | A | U,
              .win = 1, .urp = 7, .paylen = 32 },
            { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
              .seq = 0xffffffffu, .ack = 0x11, .flags = A, .win = 1 },
        },
        .want = {
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], "
            "seq 4294967280, win 1, length 0",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [S.], "
            "seq 4294967294, ack 4294967281, win 1, length 0",
            "IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [P.U], seq 1:33, "
            "ack 1, win 1, urg 7, length 32",
            "IP 10.0.0.2.12345 > 10.0.0.1.40000: Flags [.], ack 33, "
            "win 1, length 0",
        },
    },
    {
        .name = "number_default_ts",
        .cfg = { .ts_style = SF_TS_DEFAULT, .number = true, .nano = true },
        .segs = {
            { .sec = 86399, .nsec = 999999999, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "    1  23:59:59.999999999 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_default_micro",
        .cfg = { .ts_style = SF_TS_DEFAULT },
        .segs = {
            { .sec = 1700000000, .nsec = 123456789, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 1700003661, .nsec = 999, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "22:13:20.123456 IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], "
            "seq 1, win 1, length 0",
            "23:14:21.000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], "
            "seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_default_nano",
        .cfg = { .ts_style = SF_TS_DEFAULT, .nano = true },
        .segs = {
            { .sec = 1700000000, .nsec = 123456789, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 1700003661, .nsec = 999, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "22:13:20.123456789 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            "23:14:21.000000999 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_unix",
        .cfg = { .ts_style = SF_TS_UNIX },
        .segs = {
            { .sec = 1700000000, .nsec = 123456789, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 2, .nsec = 5000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "1700000000.123456 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            "2.000005 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_unix_nano",
        .cfg = { .ts_style = SF_TS_UNIX, .nano = true },
        .segs = {
            { .sec = 1700000000, .nsec = 123456789, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "1700000000.123456789 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_delta",
        .cfg = { .ts_style = SF_TS_DELTA },
        .segs = {
            { .sec = 1700000000, .nsec = 900000000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 1700003662, .nsec = 100000000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            /* earlier than the previous packet */
            { .sec = 1700003661, .nsec = 100500000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            " 00:00:00.000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            " 01:01:01.200000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            "-00:00:00.999500 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_delta_nano",
        .cfg = { .ts_style = SF_TS_DELTA, .nano = true },
        .segs = {
            { .sec = 1700000000, .nsec = 900000001, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 1700000001, .nsec = 1, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            " 00:00:00.000000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            " 00:00:00.100000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_date",
        .cfg = { .ts_style = SF_TS_DATE },
        .segs = {
            { .sec = 1700000000, .nsec = 5000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "2023-11-14 22:13:20.000005 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_date_nano",
        .cfg = { .ts_style = SF_TS_DATE, .nano = true },
        .segs = {
            { .sec = 1700000000, .nsec = 5000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "2023-11-14 22:13:20.000005000 IP 10.0.0.1.40000 > "
            "10.0.0.2.12345: Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_since_first",
        .cfg = { .ts_style = SF_TS_SINCE_FIRST },
        .segs = {
            { .sec = 1700000000, .nsec = 500000000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 1700000001, .nsec = 0, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 1700000003, .nsec = 250000000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            " 00:00:00.000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            " 00:00:00.500000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            " 00:00:02.750000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_since_first_nano",
        .cfg = { .ts_style = SF_TS_SINCE_FIRST, .nano = true },
        .segs = {
            { .sec = 1700000000, .nsec = 500000000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
            { .sec = 1700000003, .nsec = 250000007, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            " 00:00:00.000000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
            " 00:00:02.750000007 IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        /* seconds with bit 31 set cannot be converted (ts_print) */
        .name = "ts_error_default",
        .cfg = { .ts_style = SF_TS_DEFAULT },
        .segs = {
            { .sec = 0x80000000u, .nsec = 1000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "[Error converting time] IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_error_unix",
        .cfg = { .ts_style = SF_TS_UNIX },
        .segs = {
            { .sec = 0x80000000u, .nsec = 1000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "[Error converting time] IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "ts_error_date",
        .cfg = { .ts_style = SF_TS_DATE },
        .segs = {
            { .sec = 0xfffffff0u, .nsec = 1000, .src = 1, .dst = 2,
              .sport = 40000, .dport = 12345, .seq = 1, .flags = S,
              .win = 1 },
        },
        .want = {
            "[Error converting time] IP 10.0.0.1.40000 > 10.0.0.2.12345: "
            "Flags [S], seq 1, win 1, length 0",
        },
    },
    {
        .name = "number_prefix",
        .cfg = { .ts_style = SF_TS_UNIX, .number = true },
        .segs = {
            { .sec = 1, .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1 },
            { .sec = 2, .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
              .seq = 1, .flags = S, .win = 1 },
        },
        .want = {
            "    1  1.000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], "
            "seq 1, win 1, length 0",
            "    2  2.000000 IP 10.0.0.1.40000 > 10.0.0.2.12345: Flags [S], "
            "seq 1, win 1, length 0",
        },
    },
};

/* ---- frame building ---- */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* Writes the whole frame for `s` into f (zeroed, `size` bytes); returns
 * its length on the wire. */
static size_t build_frame(const struct seg *s, uint8_t *f, size_t size)
{
    size_t iphl = s->v6 ? 40 : 20;
    size_t thl = 20 + s->optlen;
    size_t total = 14 + iphl + thl + s->paylen;
    assert_true(total <= size);
    assert_int_equal(s->optlen % 4, 0);
    memset(f, 0, size);
    f[5] = 0x02;                            /* dst mac */
    f[11] = 0x01;                           /* src mac */
    uint8_t *ip = f + 14;
    if (s->v6) {
        put16(f + 12, 0x86dd);
        ip[0] = 0x60;
        put16(ip + 4, (uint32_t)(thl + s->paylen + s->ipextra));
        ip[6] = 6;
        ip[7] = 64;
        ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8;
        ip[23] = s->src;
        ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8;
        ip[39] = s->dst;
    } else {
        put16(f + 12, 0x0800);
        ip[0] = 0x45;
        put16(ip + 2, (uint32_t)(iphl + thl + s->paylen + s->ipextra));
        ip[8] = 64;
        ip[9] = 6;
        ip[12] = 10, ip[15] = s->src;
        ip[16] = 10, ip[19] = s->dst;
    }
    uint8_t *th = ip + iphl;
    put16(th, s->sport);
    put16(th + 2, s->dport);
    put32(th + 4, s->seq);
    put32(th + 8, s->ack);
    th[12] = (uint8_t)((s->doff ? s->doff : thl / 4) << 4);
    th[13] = s->flags;
    put16(th + 14, s->win);
    put16(th + 18, s->urp);
    if (s->optlen)
        memcpy(th + 20, s->opt, s->optlen);
    return total;
}

static size_t nsegs(const struct tcase *tc)
{
    size_t n = 0;
    while (n < MAX_SEGS && tc->want[n])
        n++;
    return n;
}

static void run_case(void **state)
{
    const struct tcase *tc = *state;
    struct sf_tdfmt *f = sf_tdfmt_new(&tc->cfg, NULL);
    assert_non_null(f);
    struct sf_buf out;
    sf_buf_init(&out);
    for (size_t i = 0; i < nsegs(tc); i++) {
        const struct seg *s = &tc->segs[i];
        uint8_t frame[256];
        size_t len = build_frame(s, frame, sizeof(frame));
        size_t caplen = s->cut ? s->cut : len;
        struct sf_pkt pkt;
        sf_decode(SF_DLT_EN10MB, frame, (uint32_t)caplen, (uint32_t)len,
                  &pkt);
        pkt.ts_sec = s->sec;
        pkt.ts_nsec = s->nsec;
        pkt.number = i + 1;
        sf_buf_reset(&out);
        assert_true(sf_tdfmt_format(f, &pkt, &out));
        if (strcmp(out.data, tc->want[i]) != 0)
            print_error("%s, packet %zu:\n  got  \"%s\"\n  want \"%s\"\n",
                        tc->name, i + 1, out.data, tc->want[i]);
        assert_string_equal(out.data, tc->want[i]);
        assert_int_equal(out.len, strlen(tc->want[i]));
    }
    sf_buf_fini(&out);
    sf_tdfmt_free(f);
}

/* ---- tests that are not a capture ---- */

/* A frame tcpdump prints no TCP line for: nothing written. */
static void test_not_tcp_writes_nothing(void **state)
{
    (void)state;
    struct seg s = { .src = 1, .dst = 2, .sport = 1, .dport = 2 };
    uint8_t frame[128];
    size_t len = build_frame(&s, frame, sizeof(frame));
    frame[14 + 9] = 17;                     /* UDP */
    struct sf_pkt pkt;
    sf_decode(SF_DLT_EN10MB, frame, (uint32_t)len, (uint32_t)len, &pkt);
    assert_int_equal(pkt.reach, SF_REACH_NONE);
    struct sf_tdfmt_config cfg = { .ts_style = SF_TS_NONE };
    struct sf_tdfmt *f = sf_tdfmt_new(&cfg, NULL);
    struct sf_buf out;
    sf_buf_init(&out);
    sf_buf_puts(&out, "keep");
    assert_false(sf_tdfmt_format(f, &pkt, &out));
    assert_string_equal(out.data, "keep");
    sf_buf_fini(&out);
    sf_tdfmt_free(f);
}

/* The line is appended, and a NULL config means the defaults. */
static void test_appends_and_null_config(void **state)
{
    (void)state;
    struct seg s = { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
                     .seq = 1, .flags = SF_TH_SYN, .win = 1 };
    uint8_t frame[128];
    size_t len = build_frame(&s, frame, sizeof(frame));
    struct sf_pkt pkt;
    sf_decode(SF_DLT_EN10MB, frame, (uint32_t)len, (uint32_t)len, &pkt);
    pkt.ts_sec = 1700000000;
    pkt.ts_nsec = 42000;
    struct sf_tdfmt *f = sf_tdfmt_new(NULL, NULL);
    struct sf_buf out;
    sf_buf_init(&out);
    sf_buf_puts(&out, ">");
    assert_true(sf_tdfmt_format(f, &pkt, &out));
    assert_string_equal(out.data, ">22:13:20.000042 IP 10.0.0.1.40000 > "
                        "10.0.0.2.12345: Flags [S], seq 1, win 1, length 0");
    sf_buf_fini(&out);
    sf_tdfmt_free(f);
    sf_tdfmt_free(NULL);
}

/* More connections than the initial table holds stay relative. */
static void test_many_connections(void **state)
{
    (void)state;
    struct sf_tdfmt_config cfg = { .ts_style = SF_TS_NONE };
    struct sf_tdfmt *f = sf_tdfmt_new(&cfg, NULL);
    struct sf_buf out;
    sf_buf_init(&out);
    uint8_t frame[128];
    struct sf_pkt pkt;
    for (int round = 0; round < 2; round++) {
        for (uint32_t i = 0; i < 3000; i++) {
            struct seg s = { .src = 1, .dst = 2,
                             .sport = (uint16_t)(20000 + i), .dport = 12345,
                             .seq = 1000 * i + (uint32_t)round * 5,
                             .ack = 77, .flags = SF_TH_ACK, .win = 1 };
            size_t len = build_frame(&s, frame, sizeof(frame));
            sf_decode(SF_DLT_EN10MB, frame, (uint32_t)len, (uint32_t)len,
                      &pkt);
            sf_buf_reset(&out);
            assert_true(sf_tdfmt_format(f, &pkt, &out));
            /* first round: absolute ack 77; second: relative ack 1 */
            assert_non_null(strstr(out.data, round ? "ack 1," : "ack 77,"));
        }
    }
    sf_buf_fini(&out);
    sf_tdfmt_free(f);
}

/* Lines prepared, then rendered by a renderer of their own (as on the
 * writer thread): a line not shown writes nothing but still moves the
 * relative sequence table, so the next line of its connection prints
 * the numbers tcpdump prints after it. */
static void test_hidden_line_moves_numbers(void **state)
{
    (void)state;
    struct sf_tdfmt_config cfg = { .ts_style = SF_TS_NONE };
    struct sf_tdfmt *f = sf_tdfmt_new(&cfg, NULL);
    struct sf_tdfmt_render *r = sf_tdfmt_render_new(f);
    struct seg segs[2] = {
        { .src = 2, .dst = 1, .sport = 12345, .dport = 40000,
          .seq = 5000, .ack = 101, .flags = SF_TH_SYN | SF_TH_ACK,
          .win = 1 },
        { .src = 1, .dst = 2, .sport = 40000, .dport = 12345,
          .seq = 101, .ack = 5001, .flags = SF_TH_ACK, .win = 1 },
    };
    struct sf_buf out;
    sf_buf_init(&out);
    for (int i = 0; i < 2; i++) {
        uint8_t frame[128];
        size_t len = build_frame(&segs[i], frame, sizeof(frame));
        struct sf_pkt pkt;
        sf_decode(SF_DLT_EN10MB, frame, (uint32_t)len, (uint32_t)len, &pkt);
        bool shown = i == 1;
        size_t n = sf_tdfmt_line_size(&pkt, shown);
        struct sf_tdfmt_line *l = malloc(n);
        assert_non_null(l);
        assert_true(sf_tdfmt_prepare(f, &pkt, l, shown));
        memset(frame, 0xee, sizeof(frame));     /* the line owns its copy */
        sf_tdfmt_render(r, l, &out);
        free(l);
        if (!shown)
            assert_int_equal(out.len, 0);
    }
    assert_string_equal(out.data, "IP 10.0.0.1.40000 > 10.0.0.2.12345: "
                        "Flags [.], ack 1, win 1, length 0");
    sf_buf_fini(&out);
    sf_tdfmt_render_free(r);
    sf_tdfmt_render_free(NULL);
    sf_tdfmt_free(f);
}

/* Every decimal width, at both ends, against snprintf: seq, ack, win,
 * ports and length all go through the same digit writer. */
static void test_number_widths(void **state)
{
    (void)state;
    struct sf_tdfmt_config cfg = T_NONE_ABS;
    struct sf_tdfmt *f = sf_tdfmt_new(&cfg, NULL);
    struct sf_buf out;
    sf_buf_init(&out);
    uint32_t vals[40];
    size_t n = 0;
    vals[n++] = 0;
    for (uint32_t p = 10; ; p *= 10) {
        vals[n++] = p - 1;
        vals[n++] = p;
        vals[n++] = p + 1;
        if (p == 1000000000u)
            break;
    }
    vals[n++] = 4294967295u;
    vals[n++] = 1234567890u;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = vals[i];
        struct seg s = { .src = 1, .dst = 2,
                         .sport = (uint16_t)v, .dport = (uint16_t)(v >> 7),
                         .seq = v, .ack = ~v, .flags = F | A,
                         .win = (uint16_t)(v >> 16) };
        uint8_t frame[128];
        size_t len = build_frame(&s, frame, sizeof(frame));
        struct sf_pkt pkt;
        sf_decode(SF_DLT_EN10MB, frame, (uint32_t)len, (uint32_t)len, &pkt);
        char want[200];
        snprintf(want, sizeof(want), "IP 10.0.0.1.%u > 10.0.0.2.%u: "
                 "Flags [F.], seq %u, ack %u, win %u, length 0",
                 (unsigned)(uint16_t)v, (unsigned)(uint16_t)(v >> 7), v, ~v,
                 (unsigned)(uint16_t)(v >> 16));
        sf_buf_reset(&out);
        assert_true(sf_tdfmt_format(f, &pkt, &out));
        assert_string_equal(out.data, want);
    }
    sf_buf_fini(&out);
    sf_tdfmt_free(f);
}

/* sf_buf_putu (util.h) over the 64-bit range: every width at both ends
 * against snprintf, up to UINT64_MAX (times and counts in the reports). */
static void test_putu_widths(void **state)
{
    (void)state;
    struct sf_buf b;
    sf_buf_init(&b);
    uint64_t p = 1;
    for (int k = 0; k < 20; k++, p *= 10) {
        uint64_t vals[3] = { p - 1, p, p + 1 };
        for (int i = 0; i < 3; i++) {
            char want[32];
            snprintf(want, sizeof(want), "%" PRIu64, vals[i]);
            sf_buf_reset(&b);
            sf_buf_putu(&b, vals[i]);
            assert_string_equal(b.data, want);
        }
    }
    sf_buf_reset(&b);
    sf_buf_putu(&b, UINT64_MAX);
    assert_string_equal(b.data, "18446744073709551615");
    sf_buf_fini(&b);
}

/* sf_put_zpad (util.h), the time fractions of the line, JSON and -q:
 * every width from 1 to 9 digits against snprintf's "%0*u". */
static void test_zpad_widths(void **state)
{
    (void)state;
    uint32_t p = 10;
    for (int d = 1; d <= 9; d++, p *= 10) {
        uint32_t vals[4] = { 0, 7, p / 2 + 3, p - 1 };
        for (int i = 0; i < 4; i++) {
            char want[16], got[16];
            snprintf(want, sizeof(want), "%0*u", d, (unsigned)vals[i]);
            char *end = sf_put_zpad(got, vals[i], d);
            *end = '\0';
            assert_string_equal(got, want);
        }
    }
}

int main(void)
{
    /* tcpdump's default and -tttt styles print local time */
    setenv("TZ", "UTC", 1);
    tzset();
    enum { NCASES = sizeof(cases) / sizeof(cases[0]) };
    const struct CMUnitTest more[] = {
        cmocka_unit_test(test_not_tcp_writes_nothing),
        cmocka_unit_test(test_appends_and_null_config),
        cmocka_unit_test(test_many_connections),
        cmocka_unit_test(test_hidden_line_moves_numbers),
        cmocka_unit_test(test_number_widths),
        cmocka_unit_test(test_putu_widths),
        cmocka_unit_test(test_zpad_widths),
    };
    enum { NMORE = sizeof(more) / sizeof(more[0]) };
    struct CMUnitTest tests[NCASES + NMORE];
    memset(tests, 0, sizeof(tests));
    for (size_t i = 0; i < NCASES; i++) {
        tests[i].name = cases[i].name;
        tests[i].test_func = run_case;
        tests[i].initial_state = (void *)&cases[i];
    }
    memcpy(tests + NCASES, more, sizeof(more));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
