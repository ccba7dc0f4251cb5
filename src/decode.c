/* decode: stage 2 of the pipeline. Input: one captured frame and its link
 * type; output: struct sf_pkt (link, IPv4/IPv6, TCP header and options).
 * Every read goes through sf_cursor; the captured length is clamped to the
 * IP total length first. The rules for which frames count as TCP, and how
 * far into them we get, follow tcpdump 4.99.3's printers (print-ether.c,
 * print-sll.c, print-null.c, print-ip.c, print-ip6.c, print-tcp.c) so that
 * tdfmt can print the same line. RFC 791, RFC 8200, RFC 9293 3.1. */

#include "synfin/decode.h"

#include <stddef.h>
#include <string.h>

#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021Q9100 0x9100
#define ETHERTYPE_8021Q9200 0x9200
#define ETHERTYPE_8021AD 0x88a8
#define MAX_ETHERNET_LENGTH_VAL 1500

#define IPPROTO_TCP_ 6
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_DSTOPTS 60
#define IP6_MOBILITY_OLD 62
#define IP6_MOBILITY 135

static enum sf_decode_status fail(struct sf_pkt *p, enum sf_decode_status st,
                                  const char *why)
{
    p->status = st;
    p->why = why;
    return st;
}

/* Option values the tracker uses. Cut or malformed options set `bad`; the
 * walk always advances (length < 2 stops it, as RFC 9293 3.1 requires). */
static void parse_tcp_options(struct sf_cursor *c, struct sf_tcpopts *o,
                              bool cut)
{
    o->bad = cut;
    while (sf_cur_left(c) > 0) {
        uint8_t kind = sf_cur_u8(c);
        if (kind == 0)                      /* end of option list */
            return;
        if (kind == 1)                      /* nop */
            continue;
        uint8_t len = sf_cur_u8(c);
        if (c->overrun || len < 2 || (size_t)len - 2 > sf_cur_left(c)) {
            o->bad = true;
            return;
        }
        struct sf_cursor v = sf_cur_sub(c, (size_t)len - 2);
        switch (kind) {
        case 2:
            if (len == 4)
                o->mss = sf_cur_be16(&v);
            break;
        case 3:
            if (len == 3) {
                o->wscale = sf_cur_u8(&v);
                o->has_wscale = true;
            }
            break;
        case 4:
            o->sack_ok = true;
            break;
        case 8:
            if (len == 10) {
                o->ts_val = sf_cur_be32(&v);
                o->ts_ecr = sf_cur_be32(&v);
                o->has_ts = true;
            }
            break;
        case 34:                            /* RFC 7413 */
            o->tfo = true;
            o->tfo_cookie = len > 2;
            break;
        case 254:                           /* RFC 6994 experimental */
            if (len >= 4 && sf_cur_be16(&v) == 0xf989) {
                o->tfo = true;
                o->tfo_cookie = len > 4;
            }
            break;
        default:
            break;
        }
    }
}

/* RFC 9293 3.1. `c` holds the captured TCP bytes (already clamped to the
 * IP payload); `tcp_len` is the payload length the IP header claims. */
static enum sf_decode_status decode_tcp(struct sf_cursor *c, uint32_t tcp_len,
                                        struct sf_pkt *p)
{
    p->tcp_len = tcp_len;
    p->tcp_caplen = (uint32_t)sf_cur_left(c);
    const uint8_t *h = sf_cur_peek(c, 4);
    if (!h) {
        p->reach = SF_REACH_ADDRS;
        return fail(p, SF_DECODE_TRUNCATED, "tcp ports");
    }
    p->sport = sf_get_be16(h);
    p->dport = sf_get_be16(h + 2);
    h = sf_cur_peek(c, 20);
    if (!h) {
        p->reach = SF_REACH_PORTS;
        return fail(p, SF_DECODE_TRUNCATED, "tcp header");
    }
    p->seq = sf_get_be32(h + 4);
    p->ack = sf_get_be32(h + 8);
    uint8_t off = h[12];
    p->flags = h[13];
    p->win = sf_get_be16(h + 14);
    p->urp = sf_get_be16(h + 18);               /* 16..17: checksum */
    sf_cur_skip(c, 20);
    p->hlen = (uint16_t)((off >> 4) * 4);
    p->ae = off & 0x01;
    if (p->hlen < 20) {                     /* RFC 9293 3.1: offset >= 5 */
        p->reach = SF_REACH_SHORTHDR;
        return fail(p, SF_DECODE_MALFORMED, "tcp data offset");
    }
    if (p->hlen > tcp_len) {
        p->reach = SF_REACH_LONGHDR;
        return fail(p, SF_DECODE_MALFORMED, "tcp header past ip length");
    }
    p->reach = SF_REACH_FULL;
    p->payload_len = tcp_len - p->hlen;
    struct sf_cursor opts = sf_cur_sub_upto(c, (size_t)p->hlen - 20);
    p->opt = opts.buf;
    p->opt_caplen = (uint16_t)opts.len;
    /* parsed only where the tracker reads them: mss, wscale and sackOK
     * mean something only on a SYN (RFC 9293 3.7.1, RFC 7323 1.3, RFC
     * 2018 2); the printer reads the raw bytes */
    if (p->flags & SF_TH_SYN)
        parse_tcp_options(&opts, &p->opts, p->opt_caplen < p->hlen - 20);
    p->status = SF_DECODE_OK;
    p->why = NULL;
    return SF_DECODE_OK;
}

/* print-ip.c ip_print(): `length` is what the link layer says is left on
 * the wire after its header. */
static enum sf_decode_status decode_ipv4(struct sf_cursor *c, uint32_t length,
                                         struct sf_pkt *p)
{
    p->ipver = 4;
    if (sf_cur_left(c) < 20)
        return fail(p, SF_DECODE_TRUNCATED, "ipv4 header");
    if (length < 20)
        return fail(p, SF_DECODE_MALFORMED, "ipv4 length below header");
    const uint8_t *h = sf_cur_peek(c, 20);      /* checked above */
    uint8_t vhl = h[0];
    if (vhl >> 4 != 4)
        return fail(p, SF_DECODE_MALFORMED, "ip version");
    uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4;
    if (hlen < 20)
        return fail(p, SF_DECODE_MALFORMED, "ipv4 header length");
    uint32_t len = sf_get_be16(h + 2);
    uint16_t off = sf_get_be16(h + 6);          /* 4..5: id */
    uint8_t proto = h[9];                       /* 8: ttl, 10..11: sum */
    memcpy(p->src, h + 12, 4);
    memcpy(p->dst, h + 16, 4);
    p->ip_len = len;
    if (length < len)
        p->ip_missing = len - length;
    if (len < hlen)                         /* tcpdump: "bad-len" */
        return fail(p, SF_DECODE_MALFORMED, "ipv4 total length");
    sf_cur_clamp(c, len);                   /* drop link padding (p0f) */
    if ((off & 0x1fff) != 0)
        return fail(p, proto == IPPROTO_TCP_ ? SF_DECODE_UNSUPPORTED
                                             : SF_DECODE_NOT_TCP,
                    "ipv4 non-first fragment");
    if (proto != IPPROTO_TCP_)
        return fail(p, SF_DECODE_NOT_TCP, "not tcp");
    p->ip_fragment = (off & 0x2000) != 0;
    p->ip_hlen = (uint16_t)hlen;
    p->ip_caplen = (uint32_t)sf_cur_left(c);
    if (sf_cur_left(c) < hlen) {
        p->reach = SF_REACH_IPOPTS;
        return fail(p, SF_DECODE_TRUNCATED, "ipv4 options");
    }
    sf_cur_skip(c, hlen);
    return decode_tcp(c, len - hlen, p);
}

/* print-ip6opts.c ip6_opt_process(): the checks that make tcpdump stop. */
static bool ip6_opts_valid(struct sf_cursor o)
{
    size_t len = o.len;
    for (size_t i = 0; i < len;) {
        uint8_t type = o.buf[i];
        size_t optlen;
        if (type == 0) {
            optlen = 1;
        } else {
            if (i + 1 >= len)
                return false;
            optlen = (size_t)o.buf[i + 1] + 2;
        }
        if (i + optlen > len)
            return false;
        switch (type) {
        case 0x05:                          /* router alert */
            if (len - i < 4 || o.buf[i + 1] != 2)
                return false;
            break;
        case 0xc2:                          /* jumbo payload */
            return false;                   /* jumbograms: not decoded */
        case 0xc9:                          /* home address */
            if (len - i < 18 || o.buf[i + 1] < 16)
                return false;
            break;
        default:
            break;
        }
        i += optlen;
    }
    return true;
}

/* print-ip6.c ip6_print() and the extension header printers. */
static enum sf_decode_status decode_ipv6(struct sf_cursor *c, uint32_t length,
                                         struct sf_pkt *p)
{
    p->ipver = 6;
    if (sf_cur_left(c) < 40)
        return fail(p, SF_DECODE_TRUNCATED, "ipv6 header");
    if (length < 40)
        return fail(p, SF_DECODE_MALFORMED, "ipv6 length below header");
    struct sf_cursor h = *c;
    if (sf_cur_u8(&h) >> 4 != 6)
        return fail(p, SF_DECODE_MALFORMED, "ip version");
    sf_cur_skip(&h, 3);
    uint32_t plen = sf_cur_be16(&h);
    uint8_t nh = sf_cur_u8(&h);
    sf_cur_skip(&h, 1);                     /* hop limit */
    sf_cur_copy(&h, p->src, 16);
    sf_cur_copy(&h, p->dst, 16);
    p->ip6_first_nh = nh;
    p->ip_len = plen;
    uint32_t len;
    if (plen != 0) {
        len = plen + 40;
        if (length < len)
            p->ip_missing = len - length;
    } else {
        len = length + 40;                  /* tcpdump's jumbo guess */
    }
    sf_cur_clamp(c, len);
    sf_cur_skip(c, 40);
    len -= 40;
    bool found_ext = false;
    for (;;) {
        uint32_t advance;
        const uint8_t *hdr = sf_cur_ptr(c);
        struct sf_cursor x = *c;
        switch (nh) {
        case IP6_HOPOPTS:
            if (found_ext)
                return fail(p, SF_DECODE_MALFORMED, "ipv6 hop-by-hop order");
            if (plen == 0)
                return fail(p, SF_DECODE_UNSUPPORTED, "ipv6 jumbogram");
            sf_cur_skip(&x, 1);
            advance = ((uint32_t)sf_cur_u8(&x) + 1) * 8;
            if (x.overrun || sf_cur_left(c) < advance)
                return fail(p, SF_DECODE_TRUNCATED, "ipv6 hop-by-hop");
            if (!ip6_opts_valid(sf_cur_make(hdr + 2, advance - 2)))
                return fail(p, SF_DECODE_MALFORMED, "ipv6 hop-by-hop option");
            break;
        case IP6_DSTOPTS:
            sf_cur_skip(&x, 1);
            advance = ((uint32_t)sf_cur_u8(&x) + 1) * 8;
            if (x.overrun || sf_cur_left(c) < advance)
                return fail(p, SF_DECODE_TRUNCATED, "ipv6 destination options");
            break;
        case IP6_FRAGMENT: {
            sf_cur_skip(&x, 2);
            uint16_t offlg = sf_cur_be16(&x);
            if (x.overrun)
                return fail(p, SF_DECODE_TRUNCATED, "ipv6 fragment header");
            if ((offlg & 0xfff8) != 0)
                return fail(p, SF_DECODE_UNSUPPORTED,
                            "ipv6 non-first fragment");
            advance = 8;
            if (sf_cur_left(c) <= advance)
                return fail(p, SF_DECODE_TRUNCATED, "ipv6 fragment");
            p->ip_fragment = true;
            break;
        }
        case IP6_ROUTING: {
            sf_cur_skip(&x, 1);
            uint8_t rlen = sf_cur_u8(&x);
            uint8_t type = sf_cur_u8(&x);
            if (type != 0 && type != 2 && type != 4)
                return fail(p, SF_DECODE_UNSUPPORTED, "ipv6 routing type");
            if (rlen % 2 == 1)
                return fail(p, SF_DECODE_MALFORMED, "ipv6 routing length");
            /* the printer reads 8 fixed bytes plus every address */
            sf_cur_skip(&x, 5 + (size_t)rlen / 2 * 16);
            if (x.overrun)
                return fail(p, SF_DECODE_TRUNCATED, "ipv6 routing header");
            advance = ((uint32_t)rlen + 1) * 8;
            break;
        }
        case IP6_MOBILITY_OLD:
        case IP6_MOBILITY:
            return fail(p, SF_DECODE_NOT_TCP, "ipv6 mobility");
        default:
            if (plen == 0 && found_ext)
                return fail(p, SF_DECODE_MALFORMED, "ipv6 payload length");
            if (plen == 0) {                /* tcpdump: snapend = header */
                sf_cur_clamp(c, 0);
                len = 0;
            }
            if (nh != IPPROTO_TCP_)
                return fail(p, SF_DECODE_NOT_TCP, "not tcp");
            return decode_tcp(c, len, p);
        }
        if (len < advance)
            return fail(p, SF_DECODE_MALFORMED, "ipv6 extension length");
        if (p->n_ip6ext == SF_MAX_IP6EXT)
            return fail(p, SF_DECODE_UNSUPPORTED, "ipv6 extension chain");
        struct sf_ip6ext *e = &p->ip6ext[p->n_ip6ext++];
        e->type = nh;
        e->len = (uint16_t)(advance > sf_cur_left(c) ? sf_cur_left(c)
                                                      : advance);
        e->hdr = hdr;
        e->off = (uint16_t)(40 + (plen - len));
        nh = hdr[0];
        found_ext = true;
        /* a routing header may claim more than was captured: what
         * follows it then has no captured bytes */
        if (sf_cur_left(c) < advance)
            sf_cur_clamp(c, 0);
        else
            sf_cur_skip(c, advance);
        len -= advance;
    }
}

static enum sf_decode_status decode_ethertype(struct sf_cursor *c,
                                              uint16_t type, uint32_t length,
                                              struct sf_pkt *p)
{
    switch (type) {
    case ETHERTYPE_IP:
        return decode_ipv4(c, length, p);
    case ETHERTYPE_IPV6:
        return decode_ipv6(c, length, p);
    default:
        return fail(p, SF_DECODE_NOT_TCP, "not ip");
    }
}

/* print-ether.c ether_common_print(): tags 0x8100, 0x9100, 0x9200, 0x88a8
 * are stripped in a loop (802.1Q, 802.1ad, stacked). */
static enum sf_decode_status decode_ether(struct sf_cursor *c, uint32_t length,
                                          struct sf_pkt *p)
{
    if (length < c->len)
        return fail(p, SF_DECODE_MALFORMED, "wire length below caplen");
    if (sf_cur_left(c) < 14)
        return fail(p, SF_DECODE_TRUNCATED, "ethernet header");
    sf_cur_skip(c, 12);
    uint16_t type = sf_cur_be16(c);
    length -= 14;
    while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021Q9100 ||
           type == ETHERTYPE_8021Q9200 || type == ETHERTYPE_8021AD) {
        if (sf_cur_left(c) < 4 || length < 4)
            return fail(p, SF_DECODE_TRUNCATED, "vlan tag");
        uint16_t tci = sf_cur_be16(c);
        if (p->nvlan < SF_MAX_VLAN)
            p->vlan_ids[p->nvlan] = tci & 0x0fff;
        if (p->nvlan < UINT8_MAX)
            p->nvlan++;
        type = sf_cur_be16(c);
        length -= 4;
    }
    if (type <= MAX_ETHERNET_LENGTH_VAL)
        return fail(p, SF_DECODE_NOT_TCP, "802.3 frame");
    return decode_ethertype(c, type, length, p);
}

/* print-sll.c: LINUX_SLL (16-byte header) and LINUX_SLL2 (20 bytes). */
static enum sf_decode_status decode_sll(struct sf_cursor *c, uint32_t length,
                                        bool v2, struct sf_pkt *p)
{
    size_t hl = v2 ? 20 : 16;
    if (sf_cur_left(c) < hl)
        return fail(p, SF_DECODE_TRUNCATED, "sll header");
    uint16_t hatype, type;
    if (v2) {
        type = sf_cur_be16(c);
        sf_cur_skip(c, 2);
        p->sll2 = true;
        p->sll2_ifindex = sf_cur_be32(c);
        hatype = sf_cur_be16(c);
        p->sll_pkttype = sf_cur_u8(c);
        sf_cur_skip(c, 9);
    } else {
        p->sll_pkttype = (uint8_t)sf_cur_be16(c);
        hatype = sf_cur_be16(c);
        sf_cur_skip(c, 10);
        type = sf_cur_be16(c);
    }
    length -= (uint32_t)hl;
    if (hatype == 803)
        return fail(p, SF_DECODE_NOT_TCP, "radiotap");
    while (type == ETHERTYPE_8021Q) {
        if (sf_cur_left(c) < 4)
            return fail(p, SF_DECODE_TRUNCATED, "vlan tag");
        uint16_t tci = sf_cur_be16(c);
        type = sf_cur_be16(c);
        if (type <= MAX_ETHERNET_LENGTH_VAL)
            return fail(p, SF_DECODE_NOT_TCP, "802.2 frame");
        if (p->sll_nvlan < SF_MAX_VLAN) {
            p->sll_vlan_type[p->sll_nvlan] = type;
            p->vlan_ids[p->sll_nvlan] = tci & 0x0fff;
            p->sll_nvlan++;
            p->nvlan++;
        } else {
            return fail(p, SF_DECODE_UNSUPPORTED, "vlan stack");
        }
        length -= 4;
    }
    if (type <= MAX_ETHERNET_LENGTH_VAL)
        return fail(p, SF_DECODE_NOT_TCP, "802.2 frame");
    return decode_ethertype(c, type, length, p);
}

/* print-null.c: a 4-byte address family, host order or byte-swapped;
 * tcpdump recognises only the BSD values (2; 24, 28, 30 for IPv6). */
static enum sf_decode_status decode_null(struct sf_cursor *c, uint32_t length,
                                         struct sf_pkt *p)
{
    if (sf_cur_left(c) < 4)
        return fail(p, SF_DECODE_TRUNCATED, "loopback header");
    uint32_t fam = sf_cur_le32(c);
    if ((fam & 0xffff0000) != 0)
        fam = (fam >> 24) | ((fam >> 8) & 0xff00) | ((fam << 8) & 0xff0000) |
              (fam << 24);
    length -= 4;
    switch (fam) {
    case 2:
        return decode_ipv4(c, length, p);
    case 24:
    case 28:
    case 30:
        return decode_ipv6(c, length, p);
    default:
        return fail(p, SF_DECODE_NOT_TCP, "loopback family");
    }
}

/* print-raw.c / ipN_print(): IP version from the first nibble. */
static enum sf_decode_status decode_raw(struct sf_cursor *c, uint32_t length,
                                        struct sf_pkt *p)
{
    if (length < 1 || sf_cur_left(c) < 1)
        return fail(p, SF_DECODE_TRUNCATED, "ip version");
    switch (c->buf[c->pos] & 0xf0) {
    case 0x40:
        return decode_ipv4(c, length, p);
    case 0x60:
        return decode_ipv6(c, length, p);
    default:
        return fail(p, SF_DECODE_MALFORMED, "ip version");
    }
}

static const struct {
    int dlt;
    const char *name;
} dlt_names[] = {
    { SF_DLT_NULL, "NULL" },           { SF_DLT_EN10MB, "EN10MB" },
    { SF_DLT_RAW, "RAW" },             { SF_DLT_LOOP, "LOOP" },
    { SF_DLT_LINUX_SLL, "LINUX_SLL" }, { SF_DLT_IPV4, "IPV4" },
    { SF_DLT_IPV6, "IPV6" },           { SF_DLT_LINUX_SLL2, "LINUX_SLL2" },
};

const char *sf_decode_dlt_name(int dlt)
{
    for (size_t i = 0; i < sizeof(dlt_names) / sizeof(dlt_names[0]); i++)
        if (dlt_names[i].dlt == dlt)
            return dlt_names[i].name;
    return NULL;
}

bool sf_decode_dlt_supported(int dlt)
{
    return sf_decode_dlt_name(dlt) != NULL;
}

enum sf_decode_status sf_decode(int dlt, const uint8_t *data, uint32_t caplen,
                                uint32_t wirelen, struct sf_pkt *p)
{
    int64_t sec = p->ts_sec;
    uint32_t nsec = p->ts_nsec;
    uint64_t number = p->number;
    /* copied from a zero value, not memset: GCC 12 makes this memset a
     * rep stos, slow to start for ~200 bytes; the copy is vector moves */
    static const struct sf_pkt zero;
    memcpy(p, &zero, offsetof(struct sf_pkt, sll_vlan_type));
    p->ts_sec = sec;
    p->ts_nsec = nsec;
    p->number = number;
    p->dlt = dlt;
    p->caplen = caplen;
    p->wirelen = wirelen;
    p->status = SF_DECODE_OK;

    if (!sf_decode_header_ok(caplen, wirelen))
        return fail(p, SF_DECODE_MALFORMED, "invalid record header");
    struct sf_cursor c = sf_cur_make(data, caplen);
    enum sf_decode_status st;
    /* as tcpdump, the link printers take the wire length and subtract
     * their header from it with unsigned arithmetic */
    uint32_t length = wirelen;
    switch (dlt) {
    case SF_DLT_EN10MB:
        st = decode_ether(&c, wirelen, p);
        break;
    case SF_DLT_LINUX_SLL:
        st = decode_sll(&c, length, false, p);
        break;
    case SF_DLT_LINUX_SLL2:
        st = decode_sll(&c, length, true, p);
        break;
    case SF_DLT_NULL:
    case SF_DLT_LOOP:
        st = decode_null(&c, length, p);
        break;
    case SF_DLT_RAW:
    case SF_DLT_IPV4:
    case SF_DLT_IPV6:
        st = decode_raw(&c, length, p);
        break;
    default:
        st = fail(p, SF_DECODE_UNSUPPORTED, "link type");
        break;
    }
    return st;
}

bool sf_decode_header_ok(uint32_t caplen, uint32_t wirelen)
{
    return caplen != 0 && wirelen != 0 && wirelen >= caplen &&
           caplen <= 262144 && wirelen <= 262144;
}

const char *sf_decode_status_name(enum sf_decode_status st)
{
    switch (st) {
    case SF_DECODE_OK:
        return "ok";
    case SF_DECODE_TRUNCATED:
        return "truncated";
    case SF_DECODE_MALFORMED:
        return "malformed";
    case SF_DECODE_UNSUPPORTED:
        return "unsupported";
    case SF_DECODE_NOT_TCP:
        return "not tcp";
    }
    return "?";
}
