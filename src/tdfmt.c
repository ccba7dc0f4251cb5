/* tdfmt: formats one decoded TCP packet as tcpdump 4.99.3 prints it with
 * -nn (print-tcp.c tcp_print(), print-ip.c, print-ip6.c, util-print.c
 * ts_print()). Input: struct sf_pkt from decode, in capture order. Output:
 * text up to and including ", length N". It keeps tcpdump's relative
 * sequence table (print-tcp.c tcp_seq_hash) - with the same keying, but
 * a growable open-addressing table instead of tcpdump's fixed 919 chains,
 * so a million connections stay linear - and the -ttt reference time. */

#include "synfin/tdfmt.h"

#include <inttypes.h>
#include <stddef.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synfin/cursor.h"

/* tcpdump's conversations (print-tcp.c tcp_seq_hash4/6): one table per
 * address family, as in tcpdump, each entry `kw` key words (canonical
 * source, destination, ports) then th->seq, th->ack and a used mark, so
 * an IPv4 entry is 24 bytes: a million conversations stay cache-friendly. */
struct seqtab {
    uint32_t *w;                /* cap entries of kw + 3 words */
    size_t cap, count;          /* cap is a power of two */
};

struct ifname_cache {
    uint32_t index;
    char name[IF_NAMESIZE + 1];
};

/* An IPv6 address and its text: flows repeat their addresses, and the
 * text (the "::" run, hex without leading zeros) is slow to work out. */
#define V6_CACHE 64
struct v6_text {
    uint8_t addr[16];
    uint8_t len;                /* 0: empty */
    char text[47];
};

/* What rendering keeps between lines: caches, and tcpdump's relative
 * sequence table. The table depends on packet order, so one renderer
 * sees every line the formatter prepares, in capture order, shown or
 * not; it lives here and not in the formatter so that its lookup, a
 * cache miss per packet on a big capture, runs on the writer thread. */
struct sf_tdfmt_render {
    struct sf_tdfmt_config cfg;
    struct seqtab seq4, seq6;
    /* the last formatted "HH:MM:SS" / date, for one second */
    int64_t cached_sec;
    bool cached_valid;
    char cached_text[20];       /* "YYYY-MM-DD HH:MM:SS" and its NUL */
    size_t cached_len;
    struct ifname_cache ifn[8];
    size_t n_ifn;
    char octet[256][4];         /* "0." .. "255.", with the dot */
    uint8_t octet_len[256];
    char flags[256][8];         /* "S", "S.", "FP.", ... for each byte */
    uint8_t flags_len[256];
    struct v6_text v6[V6_CACHE];    /* recent IPv6 addresses as text */
};

struct sf_tdfmt {
    /* -ttt / -ttttt reference, in the printed precision */
    int64_t ref_sec;
    uint32_t ref_frac;
    int64_t first_sec;          /* first packet, for sf_tdfmt_format_time */
    uint32_t first_frac;
    bool have_first;
    struct sf_tdfmt_render r;   /* for lines formatted at once; its cfg
                                 * is the formatter's */
};

static void render_init(struct sf_tdfmt_render *r,
                        const struct sf_tdfmt_config *cfg)
{
    memset(r, 0, sizeof(*r));
    if (cfg)
        r->cfg = *cfg;
    for (unsigned v = 0; v < 256; v++) {
        char *o = r->octet[v];
        uint8_t n = 0;
        if (v >= 100)
            o[n++] = (char)('0' + v / 100);
        if (v >= 10)
            o[n++] = (char)('0' + v / 10 % 10);
        o[n++] = (char)('0' + v % 10);
        if (n < 4)
            o[n] = '.';
        r->octet_len[v] = (uint8_t)(n + 1);
    }
    static const char letters[] = "FSRP.UEW";
    for (unsigned v = 1; v < 256; v++) {
        uint8_t n = 0;
        for (int i = 0; i < 8; i++)
            if (v & (1u << i))
                r->flags[v][n++] = letters[i];
        r->flags_len[v] = n;
    }
    memcpy(r->flags[0], "none", 4);
    r->flags_len[0] = 4;
}

struct sf_tdfmt_render *sf_tdfmt_render_new(const struct sf_tdfmt *f)
{
    struct sf_tdfmt_render *r = sf_xmalloc(sizeof(*r));
    render_init(r, &f->r.cfg);
    return r;
}

static void render_fini(struct sf_tdfmt_render *r)
{
    free(r->seq4.w);
    free(r->seq6.w);
}

void sf_tdfmt_render_free(struct sf_tdfmt_render *r)
{
    if (!r)
        return;
    render_fini(r);
    free(r);
}

struct sf_tdfmt *sf_tdfmt_new(const struct sf_tdfmt_config *cfg, char *errbuf)
{
    (void)errbuf;
    struct sf_tdfmt *f = sf_xcalloc(1, sizeof(*f));
    render_init(&f->r, cfg);
    tzset();                    /* localtime_r need not do it */
    return f;
}

void sf_tdfmt_free(struct sf_tdfmt *f)
{
    if (!f)
        return;
    render_fini(&f->r);
    free(f);
}

/* ---- timestamps (util-print.c ts_print) ---- */

/* The hot parts of a line are written through a local pointer: the
 * caller reserves room with sf_buf_reserve() and commits the bytes
 * written. The pointer stays in a register (stores through char * may
 * alias the sf_buf's own fields), and a line checks its room a few times
 * instead of once per piece. */
static inline char *w_str(char *w, const char *s, size_t n)
{
    memcpy(w, s, n);
    return w + n;
}

#define W_LIT(w, lit) w_str((w), (lit), sizeof(lit) - 1)

/* Room for any time stamp: "-" or " ", the time or date text (under
 * 40: w_hmsfrac's buffer), the fraction (".%u" of a corrupt stamp: 11)
 * and a space; or the error text. */
#define TS_ROOM 56

static char *w_frac(char *w, uint32_t frac, bool nano)
{
    *w++ = '.';
    if (frac >= (nano ? 1000000000u : 1000000u))
        return sf_put_u32(w, frac);     /* "%06u" of a corrupt stamp */
    return nano ? sf_put_zpad(w, frac, 9) : sf_put_zpad(w, frac, 6);
}

static void put_2(char *d, int v)
{
    d[0] = (char)('0' + v / 10 % 10);
    d[1] = (char)('0' + v % 10);
}

/* ts_date_hmsfrac_print(): local or UTC, with or without the date. */
static char *w_hmsfrac(struct sf_tdfmt_render *r, char *w, int64_t sec,
                       uint32_t frac, bool with_date, bool utc)
{
    if ((uint32_t)sec & 0x80000000u)
        return W_LIT(w, "[Error converting time]");
    if (utc || !r->cached_valid || r->cached_sec != sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        struct tm *ok = utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm);
        if (!ok)
            return W_LIT(w, "[Error converting time]");
        char text[40];
        if (with_date)
            strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
        else {
            put_2(text, tm.tm_hour);
            text[2] = ':';
            put_2(text + 3, tm.tm_min);
            text[5] = ':';
            put_2(text + 6, tm.tm_sec);
            text[8] = '\0';
        }
        size_t n = strlen(text);
        if (utc || n >= sizeof(r->cached_text)) {
            w = w_str(w, text, n);
            return w_frac(w, frac, r->cfg.nano);
        }
        memcpy(r->cached_text, text, n + 1);
        r->cached_len = n;
        r->cached_sec = sec;
        r->cached_valid = true;
    }
    /* all of it, a constant size copied inline (TS_ROOM holds it); only
     * the text counts */
    memcpy(w, r->cached_text, sizeof(r->cached_text));
    return w_frac(w + r->cached_len, frac, r->cfg.nano);
}

/* The time stamp of a line (at most TS_ROOM bytes): util-print.c
 * ts_print(), from what line_time() worked out. */
static char *w_ts(struct sf_tdfmt_render *r, const struct sf_tdfmt_line *l,
                  char *w)
{
    switch (r->cfg.ts_style) {
    case SF_TS_DEFAULT:
        w = w_hmsfrac(r, w, l->ts_sec, l->ts_frac, false, false);
        break;
    case SF_TS_NONE:
        return w;
    case SF_TS_UNIX:
        if ((uint32_t)l->ts_sec & 0x80000000u) {
            w = W_LIT(w, "[Error converting time]");
        } else {
            w = sf_put_u32(w, (uint32_t)l->ts_sec);
            w = w_frac(w, l->ts_frac, r->cfg.nano);
        }
        break;
    case SF_TS_DELTA:
    case SF_TS_SINCE_FIRST:
        *w++ = l->ts_neg ? '-' : ' ';
        w = w_hmsfrac(r, w, l->ts_sec, l->ts_frac, false, true);
        break;
    case SF_TS_DATE:
        w = w_hmsfrac(r, w, l->ts_sec, l->ts_frac, true, false);
        break;
    }
    *w++ = ' ';
    return w;
}

static void put_ts(struct sf_tdfmt_render *r, const struct sf_tdfmt_line *l,
                   struct sf_buf *b)
{
    char *start = sf_buf_reserve(b, TS_ROOM);
    sf_buf_commit(b, (size_t)(w_ts(r, l, start) - start));
}

/* The time a packet's line shows, in the printed precision: the packet's
 * own, or for -ttt/-ttttt its distance from the reference (which -ttt
 * then moves). Runs for every packet tcpdump stamps, in capture order. */
static void line_time(struct sf_tdfmt *f, const struct sf_pkt *p,
                      struct sf_tdfmt_line *l)
{
    bool nano = f->r.cfg.nano;
    int64_t sec = p->ts_sec;
    uint32_t frac = nano ? p->ts_nsec : p->ts_nsec / 1000;
    uint32_t unit = nano ? 1000000000u : 1000000u;
    if (!f->have_first) {
        f->first_sec = sec;
        f->first_frac = frac;
        f->have_first = true;
    }
    l->ts_neg = false;
    l->ts_sec = sec;
    l->ts_frac = frac;
    if (f->r.cfg.ts_style != SF_TS_DELTA &&
        f->r.cfg.ts_style != SF_TS_SINCE_FIRST)
        return;
    if (f->ref_sec == 0 && f->ref_frac == 0) {       /* timevalisset() */
        f->ref_sec = sec;
        f->ref_frac = frac;
    }
    bool neg = sec < f->ref_sec || (sec == f->ref_sec && frac < f->ref_frac);
    int64_t as = neg ? f->ref_sec : sec, bs = neg ? sec : f->ref_sec;
    uint32_t af = neg ? f->ref_frac : frac, bf = neg ? frac : f->ref_frac;
    int64_t ds = as - bs;
    int64_t df = (int64_t)af - bf;
    if (df < 0) {
        ds--;
        df += unit;
    }
    l->ts_neg = neg;
    l->ts_sec = ds;
    l->ts_frac = (uint32_t)df;
    if (f->r.cfg.ts_style == SF_TS_DELTA) {
        f->ref_sec = sec;
        f->ref_frac = frac;
    }
}

void sf_tdfmt_skip(struct sf_tdfmt *f, const struct sf_pkt *p)
{
    /* only -ttt and -ttttt keep time state between lines */
    if (f->r.cfg.ts_style != SF_TS_DELTA &&
        f->r.cfg.ts_style != SF_TS_SINCE_FIRST)
        return;
    if (!sf_decode_header_ok(p->caplen, p->wirelen))
        return;                 /* "[Invalid header...]": no time stamp */
    struct sf_tdfmt_line l;
    line_time(f, p, &l);
}

struct sf_tdfmt_origin sf_tdfmt_origin(const struct sf_tdfmt *f)
{
    struct sf_tdfmt_origin o = { .sec = f->first_sec, .frac = f->first_frac };
    return o;
}

void sf_tdfmt_render_time(struct sf_tdfmt_render *r, struct sf_tdfmt_origin o,
                          uint64_t ts_ns, struct sf_buf *b)
{
    bool nano = r->cfg.nano;
    struct sf_tdfmt_line l = { .ts_sec = (int64_t)(ts_ns / 1000000000) };
    l.ts_frac = (uint32_t)(ts_ns % 1000000000) / (nano ? 1u : 1000u);
    if (r->cfg.ts_style == SF_TS_DELTA ||
        r->cfg.ts_style == SF_TS_SINCE_FIRST) {
        /* since the first packet, and never before it */
        int64_t ds = l.ts_sec - o.sec;
        int64_t df = (int64_t)l.ts_frac - o.frac;
        if (df < 0) {
            ds--;
            df += nano ? 1000000000 : 1000000;
        }
        if (ds < 0)
            ds = 0, df = 0;
        l.ts_sec = ds;
        l.ts_frac = (uint32_t)df;
    }
    if (r->cfg.ts_style != SF_TS_UNIX) {
        put_ts(r, &l, b);
        return;
    }
    /* the whole number, where a packet's line says it cannot */
    char *start = sf_buf_reserve(b, TS_ROOM);
    char *w = sf_put_u64(start, (uint64_t)l.ts_sec);
    w = w_frac(w, l.ts_frac, nano);
    *w++ = ' ';
    sf_buf_commit(b, (size_t)(w - start));
}

void sf_tdfmt_format_time(struct sf_tdfmt *f, uint64_t ts_ns,
                          struct sf_buf *b)
{
    sf_tdfmt_render_time(&f->r, sf_tdfmt_origin(f), ts_ns, b);
}

/* ---- relative sequence numbers (print-tcp.c) ---- */

/* The table functions take the key width as an argument that is a
 * constant at each call (3 or 9 words), and are always inlined, so the
 * compiler makes one copy per family: the IPv4 key compare becomes two
 * loads and compares instead of a memcmp call or a loop. */
static SF_ALWAYS_INLINE uint64_t key_hash(const uint32_t *key, size_t kw)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < kw; i++) {
        h = (h ^ key[i]) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return h;
}

static SF_ALWAYS_INLINE bool key_eq(const uint32_t *a, const uint32_t *b,
                                    size_t kw)
{
    return memcmp(a, b, kw * 4) == 0;
}

static SF_ALWAYS_INLINE uint32_t *seqtab_slot(const struct seqtab *t,
                                              const uint32_t *key, size_t kw)
{
    size_t stride = kw + 3, mask = t->cap - 1;
    size_t i = (size_t)key_hash(key, kw) & mask;
    for (;;) {
        uint32_t *e = t->w + i * stride;
        if (!e[kw + 2] || key_eq(e, key, kw))
            return e;
        i = (i + 1) & mask;
    }
}

static void seqtab_grow(struct seqtab *t, size_t kw)
{
    size_t stride = kw + 3;
    struct seqtab old = *t;
    t->cap = t->cap ? t->cap * 2 : 1024;
    t->w = sf_xcalloc(t->cap, stride * 4);
    for (size_t i = 0; i < old.cap; i++) {
        uint32_t *e = old.w + i * stride;
        if (e[kw + 2])
            memcpy(seqtab_slot(t, e, kw), e, stride * 4);
    }
    free(old.w);
}

/* The entry for `key`, added (unused, *fresh set) if absent. */
static SF_ALWAYS_INLINE uint32_t *seqtab_find(struct seqtab *t,
                                              const uint32_t *key,
                                              size_t kw, bool *fresh)
{
    if ((t->count + 1) * 4 > t->cap * 3)
        seqtab_grow(t, kw);
    uint32_t *e = seqtab_slot(t, key, kw);
    *fresh = !e[kw + 2];
    if (*fresh) {
        memcpy(e, key, kw * 4);
        e[kw + 2] = 1;
        t->count++;
    }
    return e;
}

/* A line's sequence numbers as printed, and what SACK edges need. */
struct seqs {
    uint32_t seq, ack;
    uint32_t thseq, thack;      /* the conversation's bases */
    bool rev;                   /* SACK edges relative to the other side */
};

/* print-tcp.c: for ACK-bearing packets, find or (re)initialise the entry;
 * the packet that initialises it prints absolute numbers. Sets the seq/ack
 * to print and thseq/thack/rev for SACK edges. `alen` is 4 or 16, a
 * constant at each call, as for the table functions. */
static SF_ALWAYS_INLINE void relative_seq(struct seqtab *t,
                                          const struct sf_pkt *p, size_t alen,
                                          struct seqs *s)
{
    size_t kw = alen / 2 + 1;          /* two addresses and the ports */
    uint32_t key[9];
    bool rev = false;
    if (p->sport > p->dport)
        rev = true;
    else if (p->sport == p->dport && memcmp(p->src, p->dst, alen) > 0)
        rev = true;
    /* tha: canonical source, destination, then the ports */
    memcpy(key, rev ? p->dst : p->src, alen);
    memcpy((uint8_t *)key + alen, rev ? p->src : p->dst, alen);
    key[kw - 1] = rev ? (uint32_t)p->dport << 16 | p->sport
                         : (uint32_t)p->sport << 16 | p->dport;
    bool fresh;
    uint32_t *e = seqtab_find(t, key, kw, &fresh);
    uint32_t *th_seq = &e[kw], *th_ack = &e[kw + 1];
    if (fresh || (p->flags & SF_TH_SYN)) {
        if (rev) {
            *th_ack = p->seq;
            *th_seq = p->ack - 1;
        } else {
            *th_seq = p->seq;
            *th_ack = p->ack - 1;
        }
    } else if (rev) {
        s->seq -= *th_ack;
        s->ack -= *th_seq;
    } else {
        s->seq -= *th_seq;
        s->ack -= *th_ack;
    }
    s->thseq = *th_seq;
    s->thack = *th_ack;
    s->rev = rev;
}

/* The renderer's step for every line, shown or not, in capture order:
 * the numbers to print (put_tcp prints seq/ack from SF_REACH_LONGHDR
 * on). */
static void line_seqs(struct sf_tdfmt_render *r, const struct sf_pkt *p,
                      struct seqs *s)
{
    s->seq = p->seq;
    s->ack = p->ack;
    s->thseq = s->thack = 0;
    s->rev = false;
    if (p->reach >= SF_REACH_LONGHDR && !r->cfg.absolute_seq &&
        (p->flags & SF_TH_ACK)) {
        if (p->ipver == 6)
            relative_seq(&r->seq6, p, 16, s);
        else
            relative_seq(&r->seq4, p, 4, s);
    }
}

/* The option bytes tcp_print() may read: the declared options and, for a
 * last option one byte short, its length byte after them - as far as
 * they were captured. */
static size_t opt_reads(const struct sf_pkt *p)
{
    if (!p->opt || p->hlen <= 20 || p->tcp_caplen <= 20)
        return 0;
    size_t declared = (size_t)p->hlen - 20 + 1;
    size_t cap = p->tcp_caplen - 20;
    return cap < declared ? cap : declared;
}

/* IPv6 extension headers whose bytes the line prints: the cases of
 * put_ip6ext() that read e->hdr (the others are NULL in a copy) */
static bool ext_printed(const struct sf_ip6ext *e)
{
    return e->type == 43 || e->type == 44;
}

/* Where a prepared line's copied bytes begin: after the ip6ext entries
 * it uses (see struct sf_tdfmt_line). */
static size_t line_head(const struct sf_pkt *p)
{
    return offsetof(struct sf_tdfmt_line, pkt) +
           offsetof(struct sf_pkt, ip6ext) +
           p->n_ip6ext * sizeof(p->ip6ext[0]);
}

size_t sf_tdfmt_line_size(const struct sf_pkt *p, bool shown)
{
    size_t n = line_head(p);
    if (!shown)
        return n;
    n += opt_reads(p);
    for (size_t i = 0; i < p->n_ip6ext; i++)
        if (ext_printed(&p->ip6ext[i]))
            n += p->ip6ext[i].len;
    return n;
}

/* `copy`: make the line self-contained (else it borrows the packet's
 * bytes); a hidden line copies none and points nowhere. */
static bool prepare(struct sf_tdfmt *f, const struct sf_pkt *p,
                    struct sf_tdfmt_line *l, bool shown, bool copy)
{
    if (p->reach == SF_REACH_NONE)
        return false;
    line_time(f, p, l);
    l->shown = shown;
    /* not the unused ip6ext entries: a third of the struct. The head is
     * a constant size apart, so it is vector moves, not a rep movs
     * (slow to start: half of this function's time) */
    memcpy(&l->pkt, p, offsetof(struct sf_pkt, ip6ext));
    if (p->n_ip6ext)
        memcpy(l->pkt.ip6ext, p->ip6ext,
               p->n_ip6ext * sizeof(p->ip6ext[0]));
    if (!copy)
        return true;
    /* the copy points only into itself: what is not printed, at NULL */
    uint8_t *w = (uint8_t *)l + line_head(p);
    size_t n = shown ? opt_reads(p) : 0;
    l->pkt.opt = n ? w : NULL;
    if (n)
        memcpy(w, p->opt, n);
    w += n;
    for (size_t i = 0; i < p->n_ip6ext; i++) {
        const struct sf_ip6ext *e = &p->ip6ext[i];
        bool printed = shown && ext_printed(e);
        l->pkt.ip6ext[i].hdr = printed ? w : NULL;
        if (!printed)
            continue;
        memcpy(w, e->hdr, e->len);
        w += e->len;
    }
    return true;
}

bool sf_tdfmt_prepare(struct sf_tdfmt *f, const struct sf_pkt *p,
                      struct sf_tdfmt_line *l, bool shown)
{
    return prepare(f, p, l, shown, true);
}

/* ---- addresses ---- */

/* IPv6 text as tcpdump's addrtostr6() (BIND's inet_ntop6): the longest
 * run of two or more zero groups becomes "::" (the first on ties), and an
 * IPv4-mapped or -compatible address ends in dotted quad. */
static void put_ip6(struct sf_buf *b, const uint8_t *a)
{
    static const char hex[] = "0123456789abcdef";
    unsigned w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    int best = -1, best_len = 0;
    for (int i = 0; i < 8;) {
        if (w[i] != 0) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && w[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2)
        best = -1;
    char text[48];
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + best_len) {
            if (i == best)
                text[n++] = ':';
            continue;
        }
        if (i != 0)
            text[n++] = ':';
        if (i == 6 && best == 0 &&
            (best_len == 6 || (best_len == 5 && w[5] == 0xffff))) {
            sf_buf_add(b, text, n);
            for (int k = 12; k < 16; k++) {
                if (k > 12)
                    sf_buf_putc(b, '.');
                sf_buf_putu(b, a[k]);
            }
            return;
        }
        bool lead = true;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = w[i] >> sh & 0xf;
            if (d == 0 && lead && sh)
                continue;
            lead = false;
            text[n++] = hex[d];
        }
    }
    if (best >= 0 && best + best_len == 8)
        text[n++] = ':';
    sf_buf_add(b, text, n);
}

/* Room for an address as text: the longest IPv6 text (an IPv4-mapped
 * one, 45) and the bytes w_ip4 and w_ip6_cached write past its end. */
#define ADDR_ROOM 48

/* put_ip6 through the cache of recent addresses */
static char *w_ip6_cached(struct sf_tdfmt_render *r, char *w,
                          const uint8_t *a)
{
    uint32_t h;
    memcpy(&h, a + 12, 4);
    h = (h * 2654435761u) >> 26;        /* 64 entries */
    struct v6_text *e = &r->v6[h];
    if (!e->len || memcmp(e->addr, a, 16) != 0) {
        struct sf_buf t = { .data = e->text, .len = 0,
                            .cap = sizeof(e->text) };
        put_ip6(&t, a);                 /* at most 39 + NUL: never grows */
        memcpy(e->addr, a, 16);
        e->len = (uint8_t)t.len;
    }
    memcpy(w, e->text, sizeof(e->text));   /* as in w_hmsfrac */
    return w + e->len;
}

static char *w_ip4(const struct sf_tdfmt_render *r, char *w,
                   const uint8_t *a)
{
    /* each octet's text ends in its dot: four fixed-size copies, written
     * out because GCC leaves the four-step loop rolled */
    size_t n = 0;
    memcpy(w + n, r->octet[a[0]], 4);
    n += r->octet_len[a[0]];
    memcpy(w + n, r->octet[a[1]], 4);
    n += r->octet_len[a[1]];
    memcpy(w + n, r->octet[a[2]], 4);
    n += r->octet_len[a[2]];
    memcpy(w + n, r->octet[a[3]], 4);
    n += r->octet_len[a[3]];
    return w + n - 1;                   /* not the last dot */
}

/* An address (at most ADDR_ROOM bytes written). */
static char *w_ip(struct sf_tdfmt_render *r, char *w, int ver,
                  const uint8_t *a)
{
    return ver == 4 ? w_ip4(r, w, a) : w_ip6_cached(r, w, a);
}

static void put_ip(struct sf_tdfmt_render *r, struct sf_buf *b, int ver,
                   const uint8_t *a)
{
    char *start = sf_buf_reserve(b, ADDR_ROOM);
    sf_buf_commit(b, (size_t)(w_ip(r, start, ver, a) - start));
}

void sf_tdfmt_format_addr(int ipver, const uint8_t *a, struct sf_buf *b)
{
    if (ipver == 6) {
        put_ip6(b, a);
        return;
    }
    char *start = sf_buf_reserve(b, 15), *w = start;
    for (int i = 0; i < 4; i++) {
        if (i)
            *w++ = '.';
        w = sf_put_small(w, a[i]);
    }
    sf_buf_commit(b, (size_t)(w - start));
}

static void put_hex(struct sf_buf *b, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    sf_buf_grow(b, n * 2);
    for (size_t i = 0; i < n; i++) {
        b->data[b->len++] = digits[p[i] >> 4];
        b->data[b->len++] = digits[p[i] & 15];
    }
    b->data[b->len] = '\0';
}

/* ---- link and IP prefixes ---- */

static const char *ifname(struct sf_tdfmt_render *r, uint32_t index)
{
    for (size_t i = 0; i < r->n_ifn; i++)
        if (r->ifn[i].index == index)
            return r->ifn[i].name;
    struct ifname_cache *c = &r->ifn[r->n_ifn < 8 ? r->n_ifn++ : 7];
    c->index = index;
    /* tcpdump asks the reading host (print-sll.c), so do we */
    if (!if_indextoname(index, c->name))
        memcpy(c->name, "?", 2);
    return c->name;
}

static void put_padded(struct sf_buf *b, const char *s, size_t width)
{
    size_t n = strlen(s);
    sf_buf_add(b, s, n);
    for (; n < width; n++)
        sf_buf_putc(b, ' ');
}

static const char *pkttype_name(uint8_t t)
{
    static const char *const names[] = { "In", "B", "M", "P", "Out" };
    return t < 5 ? names[t] : "?";
}

static const char *ethertype_name(uint16_t t)
{
    switch (t) {
    case 0x0800:
        return "IPv4";
    case 0x86dd:
        return "IPv6";
    case 0x8100:
        return "802.1Q";
    default:
        return "Unknown";
    }
}

static void put_link(struct sf_tdfmt_render *r, const struct sf_pkt *p,
                     struct sf_buf *b)
{
    if (p->sll2) {
        put_padded(b, ifname(r, p->sll2_ifindex), 5);
        sf_buf_putc(b, ' ');
        put_padded(b, pkttype_name(p->sll_pkttype), 3);
        sf_buf_putc(b, ' ');
    }
    for (size_t i = 0; i < p->sll_nvlan; i++) {
        sf_buf_puts(b, "ethertype ");
        sf_buf_puts(b, ethertype_name(p->sll_vlan_type[i]));
        sf_buf_puts(b, ", ");
    }
}

/* print-rt6.c rt6_print(), for the types decode lets through */
static void put_rt6(struct sf_buf *b, const struct sf_ip6ext *e)
{
    const uint8_t *h = e->hdr;
    uint8_t len = h[1], type = h[2];
    sf_buf_printf(b, "RT6 (len=%u, type=%u", len, type);
    if (type == 0)
        sf_buf_puts(b, " [Deprecated]");
    sf_buf_printf(b, ", segleft=%u", h[3]);
    if (type == 4) {
        sf_buf_printf(b, ", last-entry=%u", h[4]);
        if (h[5])
            sf_buf_printf(b, ", flags=0x%x", h[5]);
        sf_buf_printf(b, ", tag=%x", sf_get_be16(h + 6));
    } else if (sf_get_be32(h + 4)) {
        sf_buf_printf(b, ", rsv=0x%x", sf_get_be32(h + 4));
    }
    for (unsigned i = 0; i < (unsigned)len / 2; i++) {
        sf_buf_printf(b, ", [%u]", i);
        put_ip6(b, h + 8 + 16 * i);
    }
    sf_buf_puts(b, ") ");
}

/* Only the types ext_printed() names may read e->hdr. */
static void put_ip6ext(struct sf_buf *b, const struct sf_pkt *p)
{
    for (size_t i = 0; i < p->n_ip6ext; i++) {
        const struct sf_ip6ext *e = &p->ip6ext[i];
        switch (e->type) {
        case 0:
            sf_buf_puts(b, "HBH ");
            break;
        case 60:
            sf_buf_puts(b, "DSTOPT ");
            break;
        case 44:
            /* print-frag6.c: offset, then the bytes after this header */
            sf_buf_printf(b, "frag (%u|%u) ", sf_get_be16(e->hdr + 2) & 0xfff8,
                          (unsigned)(40 + p->ip_len - e->off - 8));
            break;
        case 43:
            put_rt6(b, e);
            break;
        default:
            break;
        }
    }
}

/* ---- TCP options (print-tcp.c option loop, with its quirks) ---- */

enum opt_end { OPT_DONE, OPT_BAD, OPT_TRUNC, OPT_LONGJMP };

static void put_fastopen(struct sf_buf *b, const uint8_t *cp, unsigned datalen,
                         bool exp)
{
    if (exp)
        sf_buf_puts(b, "tfo");
    if (datalen == 0) {
        sf_buf_puts(b, " cookiereq");
    } else if (datalen % 2 != 0 || datalen < 4 || datalen > 16) {
        sf_buf_puts(b, " (invalid)");
    } else {
        sf_buf_puts(b, " cookie ");
        put_hex(b, cp, datalen);
    }
}

/* One DSS sequence number after `label`: 8 bytes when `wide`, else 4.
 * Advances *o and *left; false when the option is too short (the label
 * is printed first either way, as tcpdump's print_dss does). */
static bool put_dss_num(struct sf_buf *b, const char *label, bool wide,
                        const uint8_t **o, unsigned *left)
{
    unsigned n = wide ? 8 : 4;
    sf_buf_puts(b, label);
    if (*left < n)
        return false;
    if (wide)
        sf_buf_printf(b, "%" PRIu64, sf_get_be64(*o));
    else
        sf_buf_printf(b, "%u", sf_get_be32(*o));
    *o += n, *left -= n;
    return true;
}

/* print-mptcp.c mptcp_print(); `cp` is the option from its kind byte.
 * Returns false where tcpdump returns 0 ("[bad opt]"). */
static bool put_mptcp(struct sf_tdfmt_render *r, struct sf_buf *b,
                      const uint8_t *cp, unsigned len, uint8_t flags)
{
    static const char *const names[] = { "capable", "join", "dss",
                                         "add-addr", "rem-addr", "prio",
                                         "fail", "fast-close", "unknown" };
    if (len < 3)
        return false;
    unsigned sub = cp[2] >> 4 & 0xf;
    if (sub > 8)
        sub = 8;
    sf_buf_printf(b, " %u %s", len, names[sub]);
    switch (sub) {
    case 0: {                                       /* MP_CAPABLE */
        if (!((len == 12 || len == 4) && (flags & SF_TH_SYN)) &&
            !((len == 20 || len == 22) &&
              (flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_ACK))
            return false;
        unsigned ver = cp[2] & 0xf;
        if (ver > 1) {
            sf_buf_printf(b, " Unknown Version (%u)", ver);
            return true;
        }
        sf_buf_printf(b, " v%u", ver);
        if (cp[3] & 0x80)
            sf_buf_puts(b, " csum");
        if (len == 12 || len >= 20) {
            sf_buf_printf(b, " {0x%" PRIx64, sf_get_be64(cp + 4));
            if (len >= 20)
                sf_buf_printf(b, ",0x%" PRIx64, sf_get_be64(cp + 12));
            sf_buf_puts(b, "}");
        }
        return true;
    }
    case 1:                                         /* MP_JOIN */
        if (!(len == 12 && (flags & SF_TH_SYN)) &&
            !(len == 16 && (flags & (SF_TH_SYN | SF_TH_ACK)) ==
                               (SF_TH_SYN | SF_TH_ACK)) &&
            !(len == 24 && (flags & SF_TH_ACK)))
            return false;
        if (len != 24) {
            if (cp[2] & 0x01)
                sf_buf_puts(b, " backup");
            sf_buf_printf(b, " id %u", cp[3]);
        }
        if (len == 12)
            sf_buf_printf(b, " token 0x%x nonce 0x%x", sf_get_be32(cp + 4),
                          sf_get_be32(cp + 8));
        else if (len == 16)
            sf_buf_printf(b, " hmac 0x%" PRIx64 " nonce 0x%x",
                          sf_get_be64(cp + 4), sf_get_be32(cp + 12));
        else {
            sf_buf_puts(b, " hmac 0x");
            put_hex(b, cp + 4, 20);
        }
        return true;
    case 2: {                                       /* DSS */
        if (len < 4 || (flags & SF_TH_SYN))
            return false;
        uint8_t dss = cp[3];
        const uint8_t *o = cp + 4;
        unsigned left = len - 4;
        if (dss & 0x10)
            sf_buf_puts(b, " fin");
        if ((dss & 0x01) && !put_dss_num(b, " ack ", dss & 0x02, &o, &left))
            return false;
        if (dss & 0x04) {
            if (!put_dss_num(b, " seq ", dss & 0x08, &o, &left))
                return false;
            if (left < 4)
                return false;
            sf_buf_printf(b, " subseq %u", sf_get_be32(o));
            o += 4, left -= 4;
            if (left < 2)
                return false;
            sf_buf_printf(b, " len %u", sf_get_be16(o));
            o += 2, left -= 2;
            if (left >= 2) {
                sf_buf_printf(b, " csum 0x%x", sf_get_be16(o));
                left -= 2;
            }
        }
        return left == 0;
    }
    case 3: {                                       /* ADD_ADDR */
        if (!(len == 8 || len == 10 || len == 16 || len == 18 || len == 20 ||
              len == 22 || len == 28 || len == 30))
            return false;
        const char *echo;
        switch (cp[2] & 0xf) {
        case 6:
            echo = "v0-ip6";
            break;
        case 4:
            echo = "v0-ip4";
            break;
        case 1:
            echo = "v1-echo";
            break;
        case 0:
            echo = "v1";
            break;
        default:
            echo = "[bad version/echo]";
            break;
        }
        sf_buf_printf(b, " %s id %u ", echo, cp[3]);
        if (len <= 18) {
            put_ip(r, b, 4, cp + 4);
            if (len == 10 || len == 18)
                sf_buf_printf(b, ":%u", sf_get_be16(cp + 8));
            if (len == 16)
                sf_buf_printf(b, " hmac 0x%" PRIx64, sf_get_be64(cp + 8));
            if (len == 18)
                sf_buf_printf(b, " hmac 0x%" PRIx64, sf_get_be64(cp + 10));
        } else {
            put_ip6(b, cp + 4);
            if (len == 22 || len == 30)
                sf_buf_printf(b, ":%u", sf_get_be16(cp + 20));
            if (len == 28)
                sf_buf_printf(b, " hmac 0x%" PRIx64, sf_get_be64(cp + 20));
            if (len == 30)
                sf_buf_printf(b, " hmac 0x%" PRIx64, sf_get_be64(cp + 22));
        }
        return true;
    }
    case 4:                                         /* REMOVE_ADDR */
        if (len < 4)
            return false;
        sf_buf_puts(b, " id");
        for (unsigned i = 3; i < len; i++)
            sf_buf_printf(b, " %u", cp[i]);
        return true;
    case 5:                                         /* MP_PRIO */
        if (len != 3 && len != 4)
            return false;
        sf_buf_puts(b, cp[2] & 0x01 ? " backup" : " non-backup");
        if (len == 4)
            sf_buf_printf(b, " id %u", cp[3]);
        return true;
    case 6:                                         /* MP_FAIL */
        if (len != 12)
            return false;
        sf_buf_printf(b, " seq %" PRIu64, sf_get_be64(cp + 4));
        return true;
    case 7:                                         /* MP_FASTCLOSE */
        if (len != 12)
            return false;
        sf_buf_printf(b, " key 0x%" PRIx64, sf_get_be64(cp + 4));
        return true;
    default:
        return true;
    }
}

static const char *option_name(uint8_t kind);

static size_t option_name_len(uint8_t kind)
{
    return strlen(option_name(kind));
}

static const char *option_name(uint8_t kind)
{
    switch (kind) {
    case 0: return "eol";
    case 1: return "nop";
    case 2: return "mss";
    case 3: return "wscale";
    case 4: return "sackOK";
    case 5: return "sack";
    case 6: return "echo";
    case 7: return "echoreply";
    case 8: return "TS";
    case 11: return "cc";
    case 12: return "ccnew";
    case 13: return "";           /* ccecho: 4.99.3's table has "" */
    case 19: return "md5";
    case 20: return "scps";
    case 28: return "uto";
    case 29: return "tcp-ao";
    case 30: return "mptcp";
    case 34: return "tfo";
    case 254: return "exp";
    default: return NULL;
    }
}

/* The option loop of tcp_print(). `hlen` counts declared option bytes
 * left; `cap` is how many of them were captured. tcpdump distinguishes a
 * read past the capture in its GET_ macros (longjmp: " [|tcp]") from a
 * LENCHECK failure (label trunc: " [|tcp]" plus ">" after an option). */
static enum opt_end put_options(struct sf_tdfmt_render *r,
                                struct sf_buf *b,
                                const struct sf_tdfmt_line *l,
                                const struct seqs *sq, const char **proto)
{
    const struct sf_pkt *p = &l->pkt;
    uint32_t thseq = sq->thseq, thack = sq->thack;
    bool rev = sq->rev;
    const uint8_t *base = p->opt;
    /* GET_U_1 checks against the end of the capture, which may lie past
     * the options (the length byte of a last one-byte-short option) */
    unsigned cap = p->tcp_caplen - 20;
    unsigned hlen = p->hlen - 20u;
    unsigned pos = 0;                       /* cp - options start */
    char ch = '\0';

    sf_buf_puts(b, ", options [");
    while (hlen > 0) {
        if (ch)
            sf_buf_putc(b, ch);
        if (pos >= cap)
            return OPT_LONGJMP;
        uint8_t opt = base[pos++];
        unsigned len;
        if (opt == 0 || opt == 1) {
            len = 1;
        } else {
            if (pos >= cap)
                return OPT_LONGJMP;
            len = base[pos++];
            if (len < 2 || len > hlen)
                return ch ? (sf_buf_puts(b, "[bad opt]]"), OPT_BAD)
                          : (sf_buf_puts(b, "[bad opt]"), OPT_BAD);
            --hlen;
        }
        --hlen;
        unsigned datalen = 0;
        const uint8_t *cp = base + pos;
        const char *name = option_name(opt);
        if (name)
            sf_buf_add(b, name, option_name_len(opt));
        else
            sf_buf_printf(b, "unknown-%u", opt);

/* LENCHECK(l): l bytes must be left in the header and captured */
#define NEED(l)                                                           \
    ((l) > hlen ? OPT_BAD : (pos + (l) > cap ? OPT_TRUNC : OPT_DONE))
        enum opt_end e = OPT_DONE;
        switch (opt) {
        case 2:
            datalen = 2;
            if ((e = NEED(2)) == OPT_DONE) {
                sf_buf_putc(b, ' ');
                sf_buf_putu(b, sf_get_be16(cp));
            }
            break;
        case 3:
            datalen = 1;
            if ((e = NEED(1)) == OPT_DONE) {
                sf_buf_putc(b, ' ');
                sf_buf_putu(b, cp[0]);
            }
            break;
        case 5:
            datalen = len - 2;
            if (datalen % 8 != 0) {
                sf_buf_puts(b, " invalid sack");
                break;
            }
            sf_buf_printf(b, " %u ", datalen / 8);
            for (unsigned i = 0; i < datalen && e == OPT_DONE; i += 8) {
                if ((e = NEED(i + 4)) != OPT_DONE)
                    break;
                uint32_t s = sf_get_be32(cp + i);
                if ((e = NEED(i + 8)) != OPT_DONE)
                    break;
                uint32_t en = sf_get_be32(cp + i + 4);
                s -= rev ? thseq : thack;
                en -= rev ? thseq : thack;
                sf_buf_printf(b, "{%u:%u}", s, en);
            }
            break;
        case 6:
        case 7:
        case 11:
        case 12:
        case 13:
            datalen = 4;
            if ((e = NEED(4)) == OPT_DONE)
                sf_buf_printf(b, " %u", sf_get_be32(cp));
            break;
        case 8:
            datalen = 8;
            if ((e = NEED(8)) == OPT_DONE) {
                char *st = sf_buf_reserve(b, 32);
                char *w = W_LIT(st, " val ");
                w = sf_put_u32(w, sf_get_be32(cp));
                w = W_LIT(w, " ecr ");
                w = sf_put_u32(w, sf_get_be32(cp + 4));
                sf_buf_commit(b, (size_t)(w - st));
            }
            break;
        case 19:
            datalen = 16;
            if ((e = NEED(16)) != OPT_DONE)
                break;
            /* tcpdump with libcrypto but no -M secret */
            if (p->hlen + p->payload_len > p->tcp_caplen)
                sf_buf_puts(b, " snaplen too short, can't check - ");
            else
                sf_buf_puts(b, " shared secret not supplied with -M, "
                               "can't check - ");
            put_hex(b, cp, 16);
            break;
        case 20:
            datalen = 2;
            if ((e = NEED(2)) == OPT_DONE)
                sf_buf_printf(b, " cap %02x id %u", cp[0], cp[1]);
            break;
        case 29:
            datalen = len - 2;
            if (datalen < 2) {
                sf_buf_puts(b, " (invalid)");
                break;
            }
            if ((e = NEED(1)) != OPT_DONE)
                break;
            sf_buf_printf(b, " keyid %u", cp[0]);
            if ((e = NEED(2)) != OPT_DONE)
                break;
            sf_buf_printf(b, " rnextkeyid %u", cp[1]);
            if (datalen > 2) {
                sf_buf_puts(b, " mac 0x");
                for (unsigned i = 2; i < datalen; i++) {
                    if ((e = NEED(i + 1)) != OPT_DONE)
                        break;
                    sf_buf_printf(b, "%02x", cp[i]);
                }
            }
            break;
        case 0:
        case 1:
        case 4:
            break;
        case 28: {
            datalen = 2;
            if ((e = NEED(2)) != OPT_DONE)
                break;
            unsigned uto = sf_get_be16(cp);
            sf_buf_printf(b, " 0x%x", uto);
            uto = (uto & 1) ? (uto >> 1) * 60 : uto >> 1;
            sf_buf_printf(b, " %u", uto);
            break;
        }
        case 30:
            datalen = len - 2;
            if ((e = NEED(datalen)) != OPT_DONE)
                break;
            *proto = "mptcp";           /* mptcp_print() sets ndo_protocol */
            if (!put_mptcp(r, b, cp - 2, len, p->flags))
                e = OPT_BAD;
            break;
        case 34:
            datalen = len - 2;
            if ((e = NEED(datalen)) != OPT_DONE)
                break;
            sf_buf_putc(b, ' ');
            put_fastopen(b, cp, datalen, false);
            break;
        case 254:
            datalen = len - 2;
            if ((e = NEED(datalen)) != OPT_DONE)
                break;
            if (datalen < 2) {
                e = OPT_BAD;
                break;
            }
            sf_buf_putc(b, '-');
            if (sf_get_be16(cp) == 0xf989)
                put_fastopen(b, cp + 2, datalen - 2, true);
            else
                sf_buf_printf(b, "%04x", sf_get_be16(cp));
            break;
        default:
            datalen = len - 2;
            if (datalen)
                sf_buf_puts(b, " 0x");
            for (unsigned i = 0; i < datalen; i++) {
                if ((e = NEED(i + 1)) != OPT_DONE)
                    break;
                sf_buf_printf(b, "%02x", cp[i]);
            }
            break;
        }
#undef NEED
        if (e == OPT_BAD) {
            sf_buf_puts(b, ch ? "[bad opt]]" : "[bad opt]");
            return OPT_BAD;
        }
        if (e == OPT_TRUNC) {
            sf_buf_printf(b, " [|%s]%s", *proto, ch ? ">" : "");
            return OPT_TRUNC;
        }
        pos += datalen;
        hlen -= datalen;
        unsigned seen = datalen + 1 + (opt > 1);
        if (seen != len)
            sf_buf_printf(b, "[len %u]", len);
        ch = ',';
        if (opt == 0)
            break;
    }
    sf_buf_putc(b, ']');
    return OPT_DONE;
}

/* ---- the TCP part (tcp_print) ---- */

static void put_tcp(struct sf_tdfmt_render *r, const struct sf_tdfmt_line *l,
                    const struct seqs *sq, struct sf_buf *b)
{
    const struct sf_pkt *p = &l->pkt;
    bool with_addrs = p->ipver == 4 || p->ip6_first_nh == 6;
    if (p->reach == SF_REACH_ADDRS) {
        put_ip(r, b, p->ipver, p->src);
        sf_buf_puts(b, " > ");
        put_ip(r, b, p->ipver, p->dst);
        sf_buf_puts(b, ": [|tcp]");
        return;
    }
    /* "SRC.PORT > DST.PORT: " */
    char *start = sf_buf_reserve(b, 2 * (ADDR_ROOM + 6) + 5);
    char *w = start;
    if (with_addrs) {
        w = w_ip(r, w, p->ipver, p->src);
        *w++ = '.';
    }
    w = sf_put_u32(w, p->sport);
    w = W_LIT(w, " > ");
    if (with_addrs) {
        w = w_ip(r, w, p->ipver, p->dst);
        *w++ = '.';
    }
    w = sf_put_u32(w, p->dport);
    w = W_LIT(w, ": ");
    sf_buf_commit(b, (size_t)(w - start));
    if (p->reach == SF_REACH_PORTS) {
        sf_buf_puts(b, " [|tcp]");
        return;
    }
    if (p->reach == SF_REACH_SHORTHDR) {
        sf_buf_printf(b, " tcp %u [bad hdr length %u - too short, < 20]",
                      p->tcp_len - p->hlen, (unsigned)p->hlen);
        return;
    }

    uint32_t seq = sq->seq, ack = sq->ack;
    /* "Flags [..]" to "urg N": at most about 110 bytes */
    start = sf_buf_reserve(b, 160);
    w = W_LIT(start, "Flags [");
    memcpy(w, r->flags[p->flags], 8);
    w += r->flags_len[p->flags];
    *w++ = ']';
    if (p->reach == SF_REACH_LONGHDR) {
        sf_buf_commit(b, (size_t)(w - start));
        sf_buf_printf(b, " [bad hdr length %u - too long, > %u]",
                      (unsigned)p->hlen, p->tcp_len);
        return;
    }
    uint32_t length = p->payload_len;
    if (length > 0 || (p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST))) {
        w = W_LIT(w, ", seq ");
        w = sf_put_u32(w, seq);
        if (length > 0) {
            *w++ = ':';
            w = sf_put_u32(w, (uint32_t)(seq + length));
        }
    }
    if (p->flags & SF_TH_ACK) {
        w = W_LIT(w, ", ack ");
        w = sf_put_u32(w, ack);
    }
    w = W_LIT(w, ", win ");
    w = sf_put_u32(w, p->win);
    if (p->flags & SF_TH_URG) {
        w = W_LIT(w, ", urg ");
        w = sf_put_u32(w, p->urp);
    }
    sf_buf_commit(b, (size_t)(w - start));
    const char *proto = "tcp";             /* for truncation markers */
    static const uint8_t nop_nop_ts[4] = { 1, 1, 8, 10 };
    if (p->hlen == 32 && p->tcp_caplen >= 32 &&
        memcmp(p->opt, nop_nop_ts, 4) == 0) {
        /* Linux's options on every segment after the SYNs: the generic
         * loop below prints exactly this, only slower */
        start = sf_buf_reserve(b, 64);
        w = W_LIT(start, ", options [nop,nop,TS val ");
        w = sf_put_u32(w, sf_get_be32(p->opt + 4));
        w = W_LIT(w, " ecr ");
        w = sf_put_u32(w, sf_get_be32(p->opt + 8));
        *w++ = ']';
        sf_buf_commit(b, (size_t)(w - start));
    } else if (p->hlen > 20) {
        enum opt_end e = put_options(r, b, l, sq, &proto);
        if (e == OPT_LONGJMP)
            sf_buf_printf(b, " [|%s]", proto);
        if (e != OPT_DONE)
            return;
    }
    w = sf_buf_reserve(b, 24);
    start = w;
    w = W_LIT(w, ", length ");
    w = sf_put_u32(w, length);
    sf_buf_commit(b, (size_t)(w - start));
    if (length > 0 && p->tcp_caplen < p->hlen)
        sf_buf_printf(b, " [remaining caplen(%u) < header length(%u)] [|%s]",
                      p->tcp_caplen, (unsigned)p->hlen, proto);
}

void sf_tdfmt_render(struct sf_tdfmt_render *r, const struct sf_tdfmt_line *l,
                     struct sf_buf *b)
{
    const struct sf_pkt *p = &l->pkt;
    struct seqs sq;
    line_seqs(r, p, &sq);
    if (!l->shown)
        return;
    if (r->cfg.number)
        sf_buf_printf(b, "%5" PRIu64 "  ", p->number);
    put_ts(r, l, b);
    put_link(r, p, b);
    if (p->ipver == 4) {
        sf_buf_puts(b, "IP ");
        if (p->ip_missing)
            sf_buf_printf(b, "truncated-ip - %u bytes missing! ",
                          p->ip_missing);
        if (p->reach == SF_REACH_IPOPTS) {
            sf_buf_printf(b, " [remaining caplen(%u) < header length(%u)]"
                             " [|ip]", p->ip_caplen, (unsigned)p->ip_hlen);
            return;
        }
    } else {
        sf_buf_puts(b, "IP6 ");
        if (p->ip_missing)
            sf_buf_printf(b, "truncated-ip6 - %u bytes missing!",
                          p->ip_missing);
        if (p->ip6_first_nh != 6) {
            put_ip(r, b, 6, p->src);
            sf_buf_puts(b, " > ");
            put_ip(r, b, 6, p->dst);
            sf_buf_puts(b, ": ");
        }
        put_ip6ext(b, p);
    }
    put_tcp(r, l, &sq, b);
}

bool sf_tdfmt_format(struct sf_tdfmt *f, const struct sf_pkt *p,
                     struct sf_buf *b)
{
    struct sf_tdfmt_line l;
    if (!prepare(f, p, &l, true, false))
        return false;
    sf_tdfmt_render(&f->r, &l, b);
    return true;
}
