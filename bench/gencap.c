/*
 * gencap - deterministic generator of large, realistic TCP pcap files.
 *
 * Writes a classic pcap (microsecond timestamps, LINKTYPE_ETHERNET,
 * snaplen 262144) of Ethernet + IPv4/IPv6 + TCP traffic with correct IP and
 * TCP checksums, Linux-like TCP options and a fixed mix of connection
 * behaviours.  Only --concurrency connections are live at once; their
 * packets are interleaved in time through a min-heap keyed on the time of
 * each connection's next packet, so memory stays bounded whatever the
 * number of packets or flows.
 *
 * Usage: gencap [--packets N] [--flows N] [--concurrency N] [--v6 PCT]
 *               [--seed S] -o FILE|-
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SNAPLEN 262144u
#define LINKTYPE_ETHERNET 1u
#define OUTBUF_SIZE (8u * 1024u * 1024u)
#define MAX_PKT 1600u
#define POOL_SIZE (1u << 20)
#define MSS4 1448u
#define MSS6 1428u
#define N_SERVERS 300u
#define PPF_BASE 5.30
#define PPF_EXCH 4.13
#define START_SEC 1704067200u /* 2024-01-01 00:00:00 UTC */

#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_PSH 0x08u
#define TH_ACK 0x10u

enum opt_kind {
    OPT_NONE,
    OPT_SYN,
    OPT_TS
};

/* Connection behaviours; percentages in kind_pct[] below. */
enum flow_kind {
    K_NORMAL,
    K_RESET,
    K_REFUSED,
    K_UNANSWERED,
    K_HALFOPEN,
    K_CLOSEWAIT,
    K_OPEN,
    K_COUNT
};

static const unsigned kind_pct[K_COUNT] = { 62, 8, 6, 6, 4, 6, 8 };

/* Kinds that end with a close or a reset: a tracker can let them go. */
static int kind_closes(unsigned kind)
{
    return kind == K_NORMAL || kind == K_RESET || kind == K_REFUSED;
}

enum flow_state {
    ST_SYN,
    ST_SYN_RETX,
    ST_REFUSE,
    ST_SYNACK,
    ST_SYNACK_RETX,
    ST_ACK3,
    ST_REQ,
    ST_REQACK,
    ST_RESP,
    ST_RESPACK,
    ST_CLOSE,
    ST_FIN1ACK,
    ST_FIN2,
    ST_LASTACK,
    ST_HOLD,                /* silent, but still open to a tracker */
    ST_DONE
};

struct flow {
    uint64_t next_ts;       /* time of the next packet, microseconds */
    uint8_t caddr[16];      /* IPv4 uses the first 4 bytes */
    uint8_t saddr[16];
    uint8_t cmac[6];
    uint8_t smac[6];
    uint32_t cseq;          /* client's next sequence number */
    uint32_t sseq;          /* server's next sequence number */
    uint32_t cisn;
    uint32_t cts_base;      /* TS clock offsets */
    uint32_t sts_base;
    uint32_t cts_last;      /* last TS val sent by each side */
    uint32_t sts_last;
    uint32_t rtt;           /* microseconds */
    uint32_t resp_left;     /* bytes of the current response still to send */
    uint16_t cport;
    uint16_t sport;
    uint16_t cipid;
    uint16_t sipid;
    uint16_t cwin;
    uint16_t swin;
    uint16_t nexch;         /* request/response exchanges left */
    uint8_t v6;
    uint8_t kind;
    uint8_t state;
    uint8_t retx;
    uint8_t unacked;        /* server segments not yet acked by client */
    uint8_t closer_client;  /* who sends the first FIN or the RST */
    uint8_t merged;         /* FIN+ACK merged into the second FIN */
    uint8_t ttl_c;
};

struct gen {
    uint64_t rng;
    uint64_t now;           /* last emitted timestamp, microseconds */
    uint64_t pkts;
    uint64_t max_pkts;
    uint64_t flows_started;
    uint64_t max_flows;
    uint64_t bytes;
    uint64_t hold_us;       /* --hold: how long an unclosed flow keeps
                             * its slot */
    unsigned v6pct;
    double mean_exch;       /* mean request/response exchanges per flow */
    struct flow *flows;
    uint32_t *heap;
    uint32_t heap_len;
    uint8_t *out;
    size_t out_len;
    FILE *fp;
    uint8_t *pool;
    uint64_t *prefix;       /* prefix sums of the pool's 16-bit words */
    uint8_t servers4[N_SERVERS][4];
    uint8_t servers6[N_SERVERS][16];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rnd(struct gen *g)
{
    /* xorshift64* */
    uint64_t x = g->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform-ish value in [0, n). */
static uint32_t rnd_below(struct gen *g, uint32_t n)
{
    return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rnd_range(struct gen *g, uint32_t lo, uint32_t hi)
{
    return lo + rnd_below(g, hi - lo + 1);
}

/* Roughly log-uniform value in [lo, hi]. */
static uint32_t rnd_log(struct gen *g, uint32_t lo, uint32_t hi)
{
    uint32_t v = lo;
    uint32_t span;

    while (v < hi / 2 && rnd_below(g, 2) == 0) {
        v *= 2;
    }
    span = v < hi - v ? v : hi - v;
    return v + rnd_below(g, span + 1);
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void putle16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void putle32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint64_t sum_bytes(const uint8_t *p, size_t len)
{
    uint64_t s = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2) {
        s += (uint64_t)((uint32_t)p[i] << 8 | p[i + 1]);
    }
    if (len & 1u) {
        s += (uint64_t)p[len - 1] << 8;
    }
    return s;
}

static uint16_t fold(uint64_t s)
{
    while (s >> 16) {
        s = (s & 0xffffu) + (s >> 16);
    }
    return (uint16_t)~s;
}

static void flush_out(struct gen *g)
{
    if (g->out_len > 0 && fwrite(g->out, 1, g->out_len, g->fp) != g->out_len) {
        perror("gencap: write");
        exit(1);
    }
    g->bytes += g->out_len;
    g->out_len = 0;
}

/*
 * Append one packet.  seq/ack are absolute, payload comes from the random
 * pool, timestamp is g->now.
 */
static void emit(struct gen *g, struct flow *f, int from_client, unsigned flags,
                 uint32_t seq, uint32_t ack, uint32_t win, enum opt_kind ok,
                 uint32_t paylen)
{
    uint8_t *rec, *eth, *ip, *tcp, *opt;
    uint32_t iplen, tcplen, optlen, thl, poff, caplen;
    uint64_t s;
    const uint8_t *src = from_client ? f->caddr : f->saddr;
    const uint8_t *dst = from_client ? f->saddr : f->caddr;
    uint32_t tsval, tsecr;

    if (g->out_len + MAX_PKT + 16 > OUTBUF_SIZE) {
        flush_out(g);
    }
    optlen = ok == OPT_SYN ? 20u : ok == OPT_TS ? 12u : 0u;
    thl = 20u + optlen;
    tcplen = thl + paylen;
    iplen = f->v6 ? 40u : 20u;
    caplen = 14u + iplen + tcplen;

    rec = g->out + g->out_len;
    putle32(rec, (uint32_t)(START_SEC + g->now / 1000000u));
    putle32(rec + 4, (uint32_t)(g->now % 1000000u));
    putle32(rec + 8, caplen);
    putle32(rec + 12, caplen);

    eth = rec + 16;
    memcpy(eth, from_client ? f->smac : f->cmac, 6);
    memcpy(eth + 6, from_client ? f->cmac : f->smac, 6);
    put16(eth + 12, f->v6 ? 0x86ddu : 0x0800u);

    ip = eth + 14;
    tcp = ip + iplen;
    if (f->v6) {
        put32(ip, 0x60000000u | ((uint32_t)f->cport * 2654435761u >> 12));
        put16(ip + 4, tcplen);
        ip[6] = 6;
        ip[7] = from_client ? f->ttl_c : 64;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        s = sum_bytes(src, 16) + sum_bytes(dst, 16);
    } else {
        uint16_t id;

        if (from_client) {
            id = f->cipid++;
        } else {
            id = (flags & TH_SYN) ? 0 : f->sipid++;
        }
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, 20u + tcplen);
        put16(ip + 4, id);
        put16(ip + 6, 0x4000u);
        ip[8] = from_client ? f->ttl_c : 64;
        ip[9] = 6;
        put16(ip + 10, 0);
        memcpy(ip + 12, src, 4);
        memcpy(ip + 16, dst, 4);
        put16(ip + 10, fold(sum_bytes(ip, 20)));
        s = sum_bytes(src, 4) + sum_bytes(dst, 4);
    }
    s += 6u + tcplen; /* pseudo header: protocol and TCP length */

    put16(tcp, from_client ? f->cport : f->sport);
    put16(tcp + 2, from_client ? f->sport : f->cport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = (uint8_t)((thl / 4u) << 4);
    tcp[13] = (uint8_t)flags;
    put16(tcp + 14, win);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);

    /* Linux-like TCP timestamp clock: 1 kHz plus a per-side offset. */
    if (from_client) {
        tsval = f->cts_base + (uint32_t)(g->now / 1000u);
        tsecr = f->sts_last;
        f->cts_last = tsval;
    } else {
        tsval = f->sts_base + (uint32_t)(g->now / 1000u);
        tsecr = f->cts_last;
        f->sts_last = tsval;
    }
    opt = tcp + 20;
    if (ok == OPT_SYN) {
        opt[0] = 2;
        opt[1] = 4;
        put16(opt + 2, f->v6 ? 1440u : 1460u);
        opt[4] = 4;
        opt[5] = 2;
        opt[6] = 8;
        opt[7] = 10;
        put32(opt + 8, tsval);
        put32(opt + 12, (flags & TH_ACK) ? tsecr : 0);
        opt[16] = 1;
        opt[17] = 3;
        opt[18] = 3;
        opt[19] = 7;
    } else if (ok == OPT_TS) {
        opt[0] = 1;
        opt[1] = 1;
        opt[2] = 8;
        opt[3] = 10;
        put32(opt + 4, tsval);
        put32(opt + 8, tsecr);
    }
    s += sum_bytes(tcp, thl);
    if (paylen > 0) {
        /* Even offset into the pool: the payload sum is a prefix difference. */
        poff = rnd_below(g, (POOL_SIZE - MAX_PKT) / 2u) * 2u;
        memcpy(tcp + thl, g->pool + poff, paylen);
        s += g->prefix[(poff + paylen) / 2u] - g->prefix[poff / 2u];
        if (paylen & 1u) {
            s += (uint64_t)g->pool[poff + paylen - 1] << 8;
        }
    }
    put16(tcp + 16, fold(s));

    g->out_len += 16u + caplen;
    g->pkts++;
}

static void heap_push(struct gen *g, uint32_t idx)
{
    uint32_t i = g->heap_len++;

    while (i > 0) {
        uint32_t parent = (i - 1) / 2;

        if (g->flows[g->heap[parent]].next_ts <= g->flows[idx].next_ts) {
            break;
        }
        g->heap[i] = g->heap[parent];
        i = parent;
    }
    g->heap[i] = idx;
}

/* Replace the root by idx (whose key changed) and sift it down. */
static void heap_sift_root(struct gen *g, uint32_t idx)
{
    uint32_t i = 0;
    uint64_t key = g->flows[idx].next_ts;

    for (;;) {
        uint32_t c = 2 * i + 1;

        if (c >= g->heap_len) {
            break;
        }
        if (c + 1 < g->heap_len
            && g->flows[g->heap[c + 1]].next_ts < g->flows[g->heap[c]].next_ts) {
            c++;
        }
        if (key <= g->flows[g->heap[c]].next_ts) {
            break;
        }
        g->heap[i] = g->heap[c];
        i = c;
    }
    g->heap[i] = idx;
}

static void heap_pop(struct gen *g)
{
    uint32_t last = g->heap[--g->heap_len];

    if (g->heap_len > 0) {
        heap_sift_root(g, last);
    }
}

static void random_client4(struct gen *g, uint8_t *a)
{
    for (;;) {
        uint32_t v = (uint32_t)(rnd(g) >> 32);
        uint32_t top = v >> 24;

        if (top == 0 || top == 127 || top >= 224 || (v & 0xffu) == 0
            || (v & 0xffu) == 255) {
            continue;
        }
        put32(a, v);
        return;
    }
}

static void new_flow(struct gen *g, struct flow *f, uint64_t start)
{
    uint32_t r = rnd_below(g, 100);
    unsigned k;
    uint32_t si = rnd_below(g, N_SERVERS);
    uint32_t pr = rnd_below(g, 100);

    memset(f, 0, sizeof(*f));
    for (k = 0; k < K_COUNT - 1; k++) {
        if (r < kind_pct[k]) {
            break;
        }
        r -= kind_pct[k];
    }
    f->kind = (uint8_t)k;
    f->v6 = rnd_below(g, 100) < g->v6pct;
    if (f->v6) {
        uint64_t x = rnd(g);
        uint64_t y = rnd(g);

        f->caddr[0] = 0x20;
        f->caddr[1] = 0x01;
        f->caddr[2] = 0x0d;
        f->caddr[3] = 0xb8;
        memcpy(f->caddr + 4, &x, 8);
        memcpy(f->caddr + 12, &y, 4);
        memcpy(f->saddr, g->servers6[si], 16);
    } else {
        random_client4(g, f->caddr);
        memcpy(f->saddr, g->servers4[si], 4);
    }
    f->cmac[0] = 0x02;
    memcpy(f->cmac + 1, f->caddr + (f->v6 ? 11 : 0), 4);
    f->cmac[5] = 0x01;
    f->smac[0] = 0x02;
    f->smac[1] = 0x5f;
    f->smac[2] = 0x00;
    f->smac[3] = 0x00;
    f->smac[4] = (uint8_t)(si >> 8);
    f->smac[5] = (uint8_t)si;
    f->cport = (uint16_t)rnd_range(g, 32768, 60999);
    f->sport = pr < 55 ? 443 : pr < 75 ? 8443 : pr < 90 ? 5432 : 6000;
    f->cisn = (uint32_t)rnd(g);
    f->cseq = f->cisn;
    f->sseq = (uint32_t)rnd(g);
    f->cts_base = (uint32_t)rnd(g);
    f->sts_base = (uint32_t)rnd(g);
    f->cipid = (uint16_t)rnd(g);
    f->sipid = (uint16_t)rnd(g);
    f->ttl_c = rnd_below(g, 4) == 0 ? 128 : 64;
    f->rtt = rnd_log(g, 60, 120000);
    f->cwin = (uint16_t)rnd_range(g, 501, 2058);
    f->swin = (uint16_t)rnd_range(g, 505, 1024);
    {
        /* Uniform on [1, 2 * mean - 1] with random rounding: mean exact. */
        double x = 1.0 + (double)(rnd(g) >> 11) * 0x1.0p-53 * 2.0 * (g->mean_exch - 1.0);
        uint32_t n = (uint32_t)x;

        if ((double)(rnd(g) >> 11) * 0x1.0p-53 < x - (double)n) {
            n++;
        }
        f->nexch = (uint16_t)(n > 65535u ? 65535u : n);
    }
    f->closer_client = rnd_below(g, 100) < 60;
    f->merged = rnd_below(g, 100) < 30;
    f->state = ST_SYN;
    f->next_ts = start;
    g->flows_started++;
}

/* Server response size: mostly one segment, sometimes a few, rarely many. */
static uint32_t resp_size(struct gen *g, uint32_t mss)
{
    uint32_t r = rnd_below(g, 100);

    if (r < 55) {
        return rnd_range(g, 40, mss);
    }
    if (r < 95) {
        return rnd_range(g, mss + 1, 4 * mss);
    }
    return rnd_range(g, 4 * mss + 1, 12 * mss);
}

static uint32_t think(struct gen *g)
{
    return rnd_log(g, 20, 40000);
}

/* After the last exchange: close according to the flow's kind. */
static uint32_t after_exchanges(struct gen *g, struct flow *f)
{
    switch (f->kind) {
    case K_OPEN:
        f->state = ST_DONE;
        return 0;
    default:
        f->state = ST_CLOSE;
        return think(g);
    }
}

/* Emit the next packet of flow f; return the gap to its following packet. */
static uint32_t step(struct gen *g, struct flow *f)
{
    uint32_t mss = f->v6 ? MSS6 : MSS4;
    uint32_t len;

    switch (f->state) {
    case ST_SYN:
        emit(g, f, 1, TH_SYN, f->cisn, 0, f->v6 ? 64800u : 64240u, OPT_SYN, 0);
        f->cseq = f->cisn + 1;
        if (f->kind == K_UNANSWERED) {
            f->retx = (uint8_t)rnd_range(g, 1, 2);
            f->state = ST_SYN_RETX;
            return 1000000u + rnd_below(g, 2000);
        }
        f->state = f->kind == K_REFUSED ? ST_REFUSE : ST_SYNACK;
        return f->rtt;
    case ST_SYN_RETX:
        emit(g, f, 1, TH_SYN, f->cisn, 0, f->v6 ? 64800u : 64240u, OPT_SYN, 0);
        if (--f->retx == 0) {
            f->state = ST_DONE;
            return 0;
        }
        return 2000000u + rnd_below(g, 4000);
    case ST_REFUSE:
        emit(g, f, 0, TH_RST | TH_ACK, 0, f->cseq, 0, OPT_NONE, 0);
        f->state = ST_DONE;
        return 0;
    case ST_SYNACK:
    case ST_SYNACK_RETX:
        emit(g, f, 0, TH_SYN | TH_ACK, f->sseq, f->cseq,
             f->v6 ? 64260u : 65160u, OPT_SYN, 0);
        if (f->kind == K_HALFOPEN) {
            if (f->state == ST_SYNACK && rnd_below(g, 2) == 0) {
                f->state = ST_SYNACK_RETX;
                return 1000000u + rnd_below(g, 3000);
            }
            f->state = ST_DONE;
            return 0;
        }
        f->sseq++;
        f->state = ST_ACK3;
        return f->rtt / 2 + 5;
    case ST_ACK3:
        emit(g, f, 1, TH_ACK, f->cseq, f->sseq, f->cwin, OPT_TS, 0);
        f->state = ST_REQ;
        return rnd_log(g, 5, 2000);
    case ST_REQ:
        len = rnd_below(g, 10) == 0 ? rnd_range(g, 600, mss) : rnd_range(g, 30, 700);
        emit(g, f, 1, TH_PSH | TH_ACK, f->cseq, f->sseq, f->cwin, OPT_TS, len);
        f->cseq += len;
        f->resp_left = resp_size(g, mss);
        f->unacked = 0;
        if (rnd_below(g, 100) < 30) {
            f->state = ST_REQACK;
            return f->rtt / 2 + 3;
        }
        f->state = ST_RESP;
        return f->rtt / 2 + think(g);
    case ST_REQACK:
        emit(g, f, 0, TH_ACK, f->sseq, f->cseq, f->swin, OPT_TS, 0);
        f->state = ST_RESP;
        return think(g);
    case ST_RESP:
        if (f->kind == K_RESET && f->nexch == 1 && f->unacked == 1
            && rnd_below(g, 2) == 0) {
            /* Abort in the middle of a response. */
            f->state = ST_CLOSE;
            return rnd_log(g, 5, 500);
        }
        len = f->resp_left > mss ? mss : f->resp_left;
        f->resp_left -= len;
        emit(g, f, 0, f->resp_left == 0 ? TH_PSH | TH_ACK : TH_ACK, f->sseq,
             f->cseq, f->swin, OPT_TS, len);
        f->sseq += len;
        f->unacked++;
        if (f->resp_left == 0 || f->unacked == 2) {
            f->state = ST_RESPACK;
            return f->rtt / 2 + 2;
        }
        return rnd_log(g, 1, 60);
    case ST_RESPACK:
        emit(g, f, 1, TH_ACK, f->cseq, f->sseq, f->cwin, OPT_TS, 0);
        f->unacked = 0;
        if (f->resp_left > 0) {
            f->state = ST_RESP;
            return f->rtt / 2 + 2;
        }
        if (--f->nexch > 0) {
            f->state = ST_REQ;
            return think(g);
        }
        return after_exchanges(g, f);
    case ST_CLOSE:
        if (f->kind == K_RESET) {
            if (f->closer_client) {
                emit(g, f, 1, TH_RST | TH_ACK, f->cseq, f->sseq, f->cwin, OPT_NONE, 0);
            } else {
                emit(g, f, 0, TH_RST, f->sseq, 0, 0, OPT_NONE, 0);
            }
            f->state = ST_DONE;
            return 0;
        }
        if (f->kind == K_CLOSEWAIT) {
            f->closer_client = 1;
            f->merged = 0;
        }
        if (f->closer_client) {
            emit(g, f, 1, TH_FIN | TH_ACK, f->cseq, f->sseq, f->cwin, OPT_TS, 0);
            f->cseq++;
        } else {
            emit(g, f, 0, TH_FIN | TH_ACK, f->sseq, f->cseq, f->swin, OPT_TS, 0);
            f->sseq++;
        }
        f->state = f->merged ? ST_FIN2 : ST_FIN1ACK;
        return f->rtt / 2 + 3;
    case ST_FIN1ACK:
        if (f->closer_client) {
            emit(g, f, 0, TH_ACK, f->sseq, f->cseq, f->swin, OPT_TS, 0);
        } else {
            emit(g, f, 1, TH_ACK, f->cseq, f->sseq, f->cwin, OPT_TS, 0);
        }
        if (f->kind == K_CLOSEWAIT) {
            f->state = ST_DONE;
            return 0;
        }
        f->state = ST_FIN2;
        return think(g);
    case ST_FIN2:
        if (f->closer_client) {
            emit(g, f, 0, TH_FIN | TH_ACK, f->sseq, f->cseq, f->swin, OPT_TS, 0);
            f->sseq++;
        } else {
            emit(g, f, 1, TH_FIN | TH_ACK, f->cseq, f->sseq, f->cwin, OPT_TS, 0);
            f->cseq++;
        }
        f->state = ST_LASTACK;
        return f->rtt / 2 + 3;
    case ST_LASTACK:
        if (f->closer_client) {
            emit(g, f, 1, TH_ACK, f->cseq, f->sseq, f->cwin, OPT_TS, 0);
        } else {
            emit(g, f, 0, TH_ACK, f->sseq, f->cseq, f->swin, OPT_TS, 0);
        }
        f->state = ST_DONE;
        return 0;
    default:
        f->state = ST_DONE;
        return 0;
    }
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    uint64_t mult = 1;

    errno = 0;
    if (s[0] == '-' || s[0] == '\0') {
        return -1;
    }
    v = strtoull(s, &end, 0);
    if (errno != 0 || end == s) {
        return -1;
    }
    if (*end == 'k' || *end == 'K') {
        mult = 1000;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mult = 1000000;
        end++;
    }
    if (*end != '\0' || v > UINT64_MAX / mult) {
        return -1;
    }
    *out = (uint64_t)v * mult;
    return 0;
}

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: gencap [--packets N] [--flows N] [--concurrency N] [--v6 PCT]\n"
            "              [--hold SECONDS] [--seed S] -o FILE|-\n"
            "  --packets N      stop after N packets (default 1M, or unlimited\n"
            "                   when only --flows is given)\n"
            "  --flows N        total connections (default packets/20)\n"
            "  --concurrency N  connections open at once (default 1000)\n"
            "  --v6 PCT         share of IPv6 connections in percent (default 10)\n"
            "  --hold SECONDS   a connection that ends without a close (left open,\n"
            "                   CLOSE_WAIT, half-open, unanswered) keeps its place\n"
            "                   among the --concurrency open ones this long after\n"
            "                   its last packet, as a tracker keeps it until its\n"
            "                   idle timeout (default 0)\n"
            "  --seed S         PRNG seed (default 1)\n"
            "  N accepts k/M suffixes (x1000, x1000000).\n");
}

/* Expected packets per connection for a given mean number of exchanges. */
static double exchanges_for(double packets_per_flow)
{
    /* Measured: about PPF_BASE packets per connection plus PPF_EXCH per
     * request/response exchange, averaged over the behaviour mix. */
    double e = (packets_per_flow - PPF_BASE) / PPF_EXCH;

    return e < 1.0 ? 1.0 : e > 30000.0 ? 30000.0 : e;
}

int main(int argc, char **argv)
{
    struct gen g;
    uint64_t packets = 0, flows = 0, conc = 1000, seed = 1, v6 = 10, hold = 0;
    uint64_t tmp;
    const char *outname = NULL;
    uint8_t hdr[24];
    uint32_t i;
    int a;
    struct timespec t0, t1;
    double secs;

    memset(&g, 0, sizeof(g));
    for (a = 1; a < argc; a++) {
        const char *o = argv[a];
        uint64_t *dst = NULL;

        if (strcmp(o, "-h") == 0 || strcmp(o, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (a + 1 >= argc) {
            fprintf(stderr, "gencap: %s: missing argument or unknown option\n", o);
            usage(stderr);
            return 2;
        }
        if (strcmp(o, "-o") == 0) {
            outname = argv[++a];
            continue;
        }
        if (strcmp(o, "--packets") == 0) {
            dst = &packets;
        } else if (strcmp(o, "--flows") == 0) {
            dst = &flows;
        } else if (strcmp(o, "--concurrency") == 0) {
            dst = &conc;
        } else if (strcmp(o, "--seed") == 0) {
            dst = &seed;
        } else if (strcmp(o, "--v6") == 0) {
            dst = &v6;
        } else if (strcmp(o, "--hold") == 0) {
            dst = &hold;
        } else {
            fprintf(stderr, "gencap: unknown option %s\n", o);
            usage(stderr);
            return 2;
        }
        if (parse_u64(argv[++a], &tmp) != 0) {
            fprintf(stderr, "gencap: %s: bad number '%s'\n", o, argv[a]);
            return 2;
        }
        *dst = tmp;
    }
    if (outname == NULL) {
        fprintf(stderr, "gencap: -o FILE is required (- for stdout)\n");
        usage(stderr);
        return 2;
    }
    if (v6 > 100 || conc == 0 || conc > 10000000u || hold > 3600) {
        fprintf(stderr, "gencap: --v6 must be 0..100, --concurrency 1..10M, "
                "--hold 0..3600\n");
        return 2;
    }
    g.hold_us = hold * 1000000u;
    if (packets == 0 && flows == 0) {
        packets = 1000000;
    }
    if (packets == 0) {
        packets = UINT64_MAX;
    }
    if (flows == 0) {
        flows = packets / 20 > 0 ? packets / 20 : 1;
    }
    if (conc > flows) {
        conc = flows;
    }
    g.max_pkts = packets;
    g.max_flows = flows;
    g.v6pct = (unsigned)v6;
    if (packets != UINT64_MAX) {
        g.mean_exch = exchanges_for((double)packets / (double)flows);
    } else {
        g.mean_exch = 3.0;
    }

    g.rng = splitmix64(&seed);
    if (g.rng == 0) {
        g.rng = 1;
    }
    g.out = malloc(OUTBUF_SIZE);
    g.pool = malloc(POOL_SIZE);
    g.prefix = malloc((POOL_SIZE / 2 + 1) * sizeof(*g.prefix));
    g.flows = calloc((size_t)conc, sizeof(*g.flows));
    g.heap = calloc((size_t)conc, sizeof(*g.heap));
    if (g.out == NULL || g.pool == NULL || g.prefix == NULL || g.flows == NULL
        || g.heap == NULL) {
        fprintf(stderr, "gencap: out of memory\n");
        return 1;
    }
    for (i = 0; i < POOL_SIZE; i += 8) {
        uint64_t x = rnd(&g);

        memcpy(g.pool + i, &x, 8);
    }
    g.prefix[0] = 0;
    for (i = 0; i < POOL_SIZE / 2; i++) {
        g.prefix[i + 1] = g.prefix[i] + ((uint32_t)g.pool[2 * i] << 8 | g.pool[2 * i + 1]);
    }
    for (i = 0; i < N_SERVERS; i++) {
        random_client4(&g, g.servers4[i]);
        memset(g.servers6[i], 0, 16);
        g.servers6[i][0] = 0x20;
        g.servers6[i][1] = 0x01;
        g.servers6[i][2] = 0x0d;
        g.servers6[i][3] = 0xb8;
        g.servers6[i][4] = 0xff;
        g.servers6[i][6] = (uint8_t)(i >> 8);
        g.servers6[i][7] = (uint8_t)i;
        g.servers6[i][15] = (uint8_t)(1 + rnd_below(&g, 250));
    }

    if (strcmp(outname, "-") == 0) {
        g.fp = stdout;
    } else {
        g.fp = fopen(outname, "wb");
        if (g.fp == NULL) {
            fprintf(stderr, "gencap: %s: %s\n", outname, strerror(errno));
            return 1;
        }
    }
    setvbuf(g.fp, NULL, _IONBF, 0); /* we write whole 8 MiB blocks ourselves */
    clock_gettime(CLOCK_MONOTONIC, &t0);

    putle32(hdr, 0xa1b2c3d4u);
    putle16(hdr + 4, 2);
    putle16(hdr + 6, 4);
    putle32(hdr + 8, 0);
    putle32(hdr + 12, 0);
    putle32(hdr + 16, SNAPLEN);
    putle32(hdr + 20, LINKTYPE_ETHERNET);
    memcpy(g.out, hdr, sizeof(hdr));
    g.out_len = sizeof(hdr);

    /* Start the first connections staggered over ~1 ms each. */
    for (i = 0; i < (uint32_t)conc; i++) {
        new_flow(&g, &g.flows[i], (uint64_t)i * 700u + rnd_below(&g, 600));
        heap_push(&g, i);
    }
    while (g.heap_len > 0 && g.pkts < g.max_pkts) {
        uint32_t idx = g.heap[0];
        struct flow *f = &g.flows[idx];
        uint32_t gap;

        if (f->next_ts > g.now) {
            g.now = f->next_ts;
        }
        if (f->state == ST_HOLD) {
            f->state = ST_DONE;         /* its hold is over: free the slot */
            gap = 0;
        } else {
            gap = step(&g, f);
            if (f->state == ST_DONE && g.hold_us > 0 && !kind_closes(f->kind)) {
                /* Still open to a tracker: keep the slot, send nothing. */
                f->state = ST_HOLD;
                gap = (uint32_t)g.hold_us;
            }
        }
        if (f->state != ST_DONE) {
            f->next_ts = g.now + gap;
            heap_sift_root(&g, idx);
        } else if (g.flows_started < g.max_flows) {
            /* Poisson-ish arrivals: a new connection replaces this one. */
            new_flow(&g, f, g.now + rnd_log(&g, 1, 2 * 700u));
            heap_sift_root(&g, idx);
        } else {
            heap_pop(&g);
        }
    }
    flush_out(&g);
    if (g.fp != stdout) {
        if (fclose(g.fp) != 0) {
            perror("gencap: close");
            return 1;
        }
    } else if (fflush(stdout) != 0) {
        perror("gencap: flush");
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "gencap: packets %" PRIu64 " flows %" PRIu64 " bytes %" PRIu64
            " (%.2f s, %.0f packets/s, %.2f exchanges/flow mean, %.3f s of traffic)\n",
            g.pkts, g.flows_started, g.bytes, secs,
            secs > 0 ? (double)g.pkts / secs : 0.0, g.mean_exch,
            (double)g.now / 1e6);
    free(g.out);
    free(g.pool);
    free(g.prefix);
    free(g.flows);
    free(g.heap);
    return 0;
}
