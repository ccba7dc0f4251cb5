#ifndef SF_DECODE_H
#define SF_DECODE_H

/* decode: one captured frame -> struct sf_pkt, a plain value describing the
 * link, IP and TCP headers. Bounds-checked through sf_cursor; never
 * allocates, prints or fails loudly: a bad packet is data (status + why).
 *
 * Besides the fields the tracker needs, sf_pkt records how far tcpdump's
 * printers would get on this packet (`reach`), so that tdfmt can reproduce
 * tcpdump -nn's line, truncation markers included. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/cursor.h"

/* DLT values we decode (pcap/dlt.h; file LINKTYPE_ values are mapped to
 * these by capture). */
#define SF_DLT_NULL 0
#define SF_DLT_EN10MB 1
#define SF_DLT_RAW 12          /* LINKTYPE_RAW (101) in files */
#define SF_DLT_LOOP 108
#define SF_DLT_LINUX_SLL 113
#define SF_DLT_IPV4 228
#define SF_DLT_IPV6 229
#define SF_DLT_LINUX_SLL2 276

enum sf_decode_status {
    SF_DECODE_OK,           /* TCP header fully decoded */
    SF_DECODE_TRUNCATED,    /* capture ends inside a header */
    SF_DECODE_MALFORMED,    /* a header field is impossible */
    SF_DECODE_UNSUPPORTED,  /* link type or encapsulation not decoded */
    SF_DECODE_NOT_TCP,      /* well-formed, but not (the first part of) TCP */
};

/* How far tcpdump's TCP printing gets; SF_REACH_NONE = no TCP line. */
enum sf_reach {
    SF_REACH_NONE,       /* not a TCP packet for tcpdump */
    SF_REACH_IPOPTS,     /* IPv4 header cut inside its options */
    SF_REACH_ADDRS,      /* TCP ports not captured */
    SF_REACH_PORTS,      /* ports, but not the 20-byte TCP header */
    SF_REACH_SHORTHDR,   /* data offset < 5 */
    SF_REACH_LONGHDR,    /* data offset beyond the IP payload length */
    SF_REACH_FULL,       /* whole fixed header; options may still be cut */
};

/* TCP flag bits (RFC 9293 3.1, RFC 3168, RFC 9768 for AE). */
#define SF_TH_FIN 0x01
#define SF_TH_SYN 0x02
#define SF_TH_RST 0x04
#define SF_TH_PSH 0x08
#define SF_TH_ACK 0x10
#define SF_TH_URG 0x20
#define SF_TH_ECE 0x40
#define SF_TH_CWR 0x80

#define SF_MAX_VLAN 4
#define SF_MAX_IP6EXT 8

/* One IPv6 extension header on the way to TCP. */
struct sf_ip6ext {
    uint8_t type;        /* next-header value that introduced it */
    uint16_t len;        /* header length in bytes (captured part) */
    uint16_t off;        /* offset from the start of the IPv6 header */
    const uint8_t *hdr;  /* borrowed: whole header, all `len` bytes captured */
};

/* Parsed TCP options: sf_decode parses them for SYN segments only, and
 * leaves them zero on every other packet. The tracker reads mss, wscale,
 * sackOK, TS and TFO from them; the rest is for tests and fuzzers. */
struct sf_tcpopts {
    uint16_t mss;        /* 0 = absent */
    uint8_t wscale;      /* valid if has_wscale */
    bool has_wscale;
    bool sack_ok;
    bool has_ts;
    uint32_t ts_val, ts_ecr;
    bool tfo;            /* TFO option (34 or 254/0xf989) present */
    bool tfo_cookie;     /* ... carrying a cookie, not a request */
    bool bad;            /* an option was malformed or cut */
};

struct sf_pkt {
    /* capture */
    int64_t ts_sec;          /* seconds since the epoch */
    uint32_t ts_nsec;        /* nanoseconds, < 1e9 */
    uint32_t caplen, wirelen;
    int dlt;                 /* link type of this packet's interface */
    uint64_t number;         /* 1-based packet number in the input stream */

    /* decode result */
    enum sf_decode_status status;
    const char *why;         /* static reason when status != OK, else NULL */
    enum sf_reach reach;

    /* link: what tcpdump prints without -e */
    bool sll2;               /* print "%-5s %-3s " ifname, direction */
    uint32_t sll2_ifindex;
    uint8_t sll_pkttype;
    uint8_t sll_nvlan;       /* SLL VLAN tags: "ethertype X, " each */
    uint8_t nvlan;           /* VLAN tags seen (saturates at 255); only the
                              * first SF_MAX_VLAN are in vlan_ids */

    /* IP */
    uint8_t ipver;           /* 4 or 6 */
    uint8_t src[16], dst[16];/* IPv4 uses the first 4 bytes */
    uint8_t ip6_first_nh;    /* IPv6 fixed header's next header */
    uint16_t ip_hlen;        /* IPv4 header bytes (with options) */
    uint32_t ip_len;         /* IPv4 total length / IPv6 payload length */
    uint32_t ip_missing;     /* "truncated-ip - N bytes missing!" (0 = none) */
    uint32_t ip_caplen;      /* IPv4: bytes captured from the IP header on */
    bool ip_fragment;        /* first fragment of a fragmented datagram */
    uint8_t n_ip6ext;        /* entries of ip6ext */

    /* TCP */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;           /* SF_TH_* */
    bool ae;                 /* AE (ex-NS) bit */
    uint16_t win, urp;
    uint16_t hlen;           /* data offset * 4 */
    uint32_t tcp_len;        /* IP payload length handed to TCP */
    uint32_t payload_len;    /* tcp_len - hlen when reach == FULL */
    const uint8_t *opt;      /* borrowed: option bytes captured */
    uint16_t opt_caplen;     /* captured option bytes (<= hlen - 20) */
    uint32_t tcp_caplen;     /* bytes captured from the TCP header on */
    struct sf_tcpopts opts;  /* SYN segments only (zero otherwise) */

    /* arrays last: sf_decode zeroes what comes before and the counts,
     * and fills only the first entries */
    uint16_t sll_vlan_type[SF_MAX_VLAN]; /* ethertype after each SLL tag */
    uint16_t vlan_ids[SF_MAX_VLAN];      /* 802.1Q VIDs, outermost first */
    struct sf_ip6ext ip6ext[SF_MAX_IP6EXT];
};

/* The packet's capture time in nanoseconds since the epoch. */
static inline uint64_t sf_pkt_ns(const struct sf_pkt *p)
{
    return (uint64_t)p->ts_sec * 1000000000u + p->ts_nsec;
}

/* Decodes `caplen` bytes at `data` of link type `dlt` into `pkt`.
 * Timestamps, wirelen and number must be set by the caller beforehand or
 * after; this fills everything else. `data` is borrowed: pointers in `pkt`
 * point into it and are valid only while it is. Returns pkt->status. */
enum sf_decode_status sf_decode(int dlt, const uint8_t *data, uint32_t caplen,
                                uint32_t wirelen, struct sf_pkt *pkt);

/* tcpdump's sanity check on a record header (print.c): caplen and len
 * nonzero, len >= caplen, both at most 262144. A record failing it is
 * printed as "[Invalid header...]" - no time stamp, nothing decoded. */
bool sf_decode_header_ok(uint32_t caplen, uint32_t wirelen);

/* Static name of a status ("ok", "truncated", ...). */
const char *sf_decode_status_name(enum sf_decode_status st);

/* True when the link type is one sf_decode understands. */
bool sf_decode_dlt_supported(int dlt);

/* Static name of a link type for messages ("EN10MB", ...) or NULL. */
const char *sf_decode_dlt_name(int dlt);

#endif /* SF_DECODE_H */
