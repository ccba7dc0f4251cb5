/* flowtab: stage 3. Input: decoded TCP segments; output: segments handed
 * to the tracker per flow, events to the sink, flows ended and freed.
 * A seeded hash on the canonical 4-tuple (lower endpoint first) with
 * linear probing; flows also sit on two lists: first-seen order (ids and
 * the end-of-input flush never depend on hash order) and last-activity
 * order (p0f's age list) for --max-flows eviction and the order in
 * which timeouts act. Timeouts (idle, finished flows, SYN and CLOSE_WAIT
 * timers) run from a timer wheel: each flow sits in the bucket of the
 * earliest time one could act on it, so a sweep looks only at flows that
 * are due, not at every quiet one. A small table of closed 4-tuples
 * remembers TIME-WAIT for port_reuse. */

#include "synfin/flowtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "synfin/tracker.h"

#define CLOSE_HOLD_NS (2ull * 1000000000)  /* finished flows end when quiet */
#define SWEEP_EVERY_NS 250000000u       /* timeouts checked every 0.25 s */
#define WHEEL_SHIFT 28                  /* buckets of 2^28 ns, ~0.27 s */
#define WHEEL_SIZE 4096u                /* ~18 minutes around */

struct node {
    struct sf_flow flow;
    struct node *seen_prev, *seen_next;  /* first-seen order */
    struct node *age_prev, *age_next;    /* oldest activity first */
    struct node *tw_next, **tw_pprev;    /* timer bucket; pprev NULL:
                                          * not in the wheel */
    uint64_t due;            /* a timeout may act from then on */
    uint64_t touch;          /* activity order: the age list's */
    uint64_t hash;
};

struct tomb {
    uint64_t hash;           /* 4-tuple hash; 0 = empty */
    uint64_t closed_ns;
};

struct sf_flowtab {
    struct sf_flowtab_config cfg;
    uint64_t seed;
    struct node **slots;
    size_t cap;              /* power of two */
    size_t count;
    struct node *seen_head, *seen_tail;
    struct node *age_head, *age_tail;
    uint32_t next_id;
    uint64_t last_sweep;
    uint64_t soonest;        /* the shortest timeout */
    uint64_t touches;
    struct node *wheel[WHEEL_SIZE];
    uint64_t wheel_from;     /* first bucket (absolute) not swept past */
    struct node **due;       /* a sweep's due flows */
    size_t cap_due;
    uint64_t now;
    struct tomb *tombs;
    size_t tomb_cap, tomb_count;
    struct sf_flowtab_stats st;
};

/* ---- keys ---- */

struct key {
    uint8_t ver;
    uint8_t a[16], b[16];    /* canonical: lower endpoint first */
    uint16_t pa, pb;
};

static int endpoint_cmp(const uint8_t *x, uint16_t px, const uint8_t *y,
                        uint16_t py, size_t alen)
{
    int c = memcmp(x, y, alen);
    if (c)
        return c;
    return px < py ? -1 : px > py;
}

static void key_of(const struct sf_pkt *p, struct key *k)
{
    size_t alen = p->ipver == 6 ? 16 : 4;
    memset(k, 0, sizeof(*k));           /* zeroed before filling */
    k->ver = p->ipver;
    if (endpoint_cmp(p->src, p->sport, p->dst, p->dport, alen) <= 0) {
        memcpy(k->a, p->src, alen);
        memcpy(k->b, p->dst, alen);
        k->pa = p->sport;
        k->pb = p->dport;
    } else {
        memcpy(k->a, p->dst, alen);
        memcpy(k->b, p->src, alen);
        k->pa = p->dport;
        k->pb = p->sport;
    }
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* Seeded and symmetric by construction (the key is canonical). */
static uint64_t key_hash(const struct sf_flowtab *ft, const struct key *k)
{
    uint64_t h = ft->seed ^ k->ver;
    size_t alen = k->ver == 6 ? 16 : 4;
    for (size_t i = 0; i < alen; i += 4) {
        uint32_t wa, wb;
        memcpy(&wa, k->a + i, 4);
        memcpy(&wb, k->b + i, 4);
        h = mix(h ^ ((uint64_t)wa << 32 | wb));
    }
    h = mix(h ^ ((uint64_t)k->pa << 16 | k->pb));
    return h ? h : 1;
}

/* Is `p` a segment of flow `f`, in either direction? Compares the
 * endpoints directly (no key is built per probe). */
static bool flow_matches(const struct sf_flow *f, const struct sf_pkt *p)
{
    if (f->ipver != p->ipver)
        return false;
    size_t alen = p->ipver == 6 ? 16 : 4;
    const struct sf_endpoint *a = &f->ep[0], *b = &f->ep[1];
    if (a->port == p->sport && b->port == p->dport &&
        memcmp(a->addr, p->src, alen) == 0 &&
        memcmp(b->addr, p->dst, alen) == 0)
        return true;
    return a->port == p->dport && b->port == p->sport &&
           memcmp(a->addr, p->dst, alen) == 0 &&
           memcmp(b->addr, p->src, alen) == 0;
}

/* ---- hash table (linear probing, backward-shift deletion) ---- */

static size_t slot_find(const struct sf_flowtab *ft, uint64_t h,
                        const struct sf_pkt *p)
{
    size_t mask = ft->cap - 1;
    size_t i = (size_t)h & mask;
    while (ft->slots[i]) {
        if (ft->slots[i]->hash == h && flow_matches(&ft->slots[i]->flow, p))
            return i;
        i = (i + 1) & mask;
    }
    return i;                           /* empty slot */
}

static void slots_grow(struct sf_flowtab *ft)
{
    struct node **old = ft->slots;
    size_t oldcap = ft->cap;
    ft->cap *= 2;
    ft->slots = sf_xcalloc(ft->cap, sizeof(*ft->slots));
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i])
            continue;
        size_t j = (size_t)old[i]->hash & (ft->cap - 1);
        while (ft->slots[j])
            j = (j + 1) & (ft->cap - 1);
        ft->slots[j] = old[i];
    }
    free(old);
}

static void slot_remove(struct sf_flowtab *ft, struct node *n)
{
    size_t mask = ft->cap - 1;
    size_t i = (size_t)n->hash & mask;
    while (ft->slots[i] != n)
        i = (i + 1) & mask;
    ft->slots[i] = NULL;
    /* shift back the entries that probed past the hole */
    for (size_t j = (i + 1) & mask; ft->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)ft->slots[j]->hash & mask;
        bool between = i <= j ? (home <= i || home > j)
                              : (home <= i && home > j);
        if (between) {
            ft->slots[i] = ft->slots[j];
            ft->slots[j] = NULL;
            i = j;
        }
    }
}

/* ---- lists ---- */

static void age_unlink(struct sf_flowtab *ft, struct node *n)
{
    if (n->age_prev)
        n->age_prev->age_next = n->age_next;
    else
        ft->age_head = n->age_next;
    if (n->age_next)
        n->age_next->age_prev = n->age_prev;
    else
        ft->age_tail = n->age_prev;
    n->age_prev = n->age_next = NULL;
}

static void age_push(struct sf_flowtab *ft, struct node *n)
{
    n->touch = ++ft->touches;
    n->age_prev = ft->age_tail;
    n->age_next = NULL;
    if (ft->age_tail)
        ft->age_tail->age_next = n;
    else
        ft->age_head = n;
    ft->age_tail = n;
}

static void seen_unlink(struct sf_flowtab *ft, struct node *n)
{
    if (n->seen_prev)
        n->seen_prev->seen_next = n->seen_next;
    else
        ft->seen_head = n->seen_next;
    if (n->seen_next)
        n->seen_next->seen_prev = n->seen_prev;
    else
        ft->seen_tail = n->seen_prev;
}

/* ---- TIME-WAIT memory of closed 4-tuples ---- */

static void tomb_put(struct sf_flowtab *ft, uint64_t h, uint64_t closed_ns);

static void tombs_rebuild(struct sf_flowtab *ft, size_t cap)
{
    struct tomb *old = ft->tombs;
    size_t oldcap = ft->tomb_cap;
    ft->tombs = sf_xcalloc(cap, sizeof(*ft->tombs));
    ft->tomb_cap = cap;
    ft->tomb_count = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].hash && ft->now - old[i].closed_ns < SF_TIME_WAIT_NS)
            tomb_put(ft, old[i].hash, old[i].closed_ns);
    free(old);
}

static void tomb_put(struct sf_flowtab *ft, uint64_t h, uint64_t closed_ns)
{
    if ((ft->tomb_count + 1) * 4 > ft->tomb_cap * 3) {
        /* drop the expired; grow only if that did not make room */
        tombs_rebuild(ft, ft->tomb_cap);
        if ((ft->tomb_count + 1) * 2 > ft->tomb_cap)
            tombs_rebuild(ft, ft->tomb_cap * 2);
    }
    size_t mask = ft->tomb_cap - 1;
    size_t i = (size_t)h & mask;
    while (ft->tombs[i].hash && ft->tombs[i].hash != h)
        i = (i + 1) & mask;
    if (!ft->tombs[i].hash)
        ft->tomb_count++;
    ft->tombs[i].hash = h;
    ft->tombs[i].closed_ns = closed_ns;
}

/* When the 4-tuple closed, if within TIME-WAIT of `now`, else 0. */
static uint64_t tomb_get(const struct sf_flowtab *ft, uint64_t h)
{
    size_t mask = ft->tomb_cap - 1;
    for (size_t i = (size_t)h & mask; ft->tombs[i].hash; i = (i + 1) & mask)
        if (ft->tombs[i].hash == h)
            return ft->now - ft->tombs[i].closed_ns < SF_TIME_WAIT_NS
                       ? ft->tombs[i].closed_ns
                       : 0;
    return 0;
}

/* ---- timers ---- */

/* The earliest time a sweep may act on f: end it (idle, or finished and
 * quiet), or report a SYN or CLOSE_WAIT timeout, which sweeps check only
 * once the flow has been quiet for the shortest timeout. */
static uint64_t deadline(const struct sf_flowtab *ft, const struct sf_flow *f)
{
    uint64_t d = sf_add_sat(f->last_ns, ft->cfg.idle_ns);
    if (f->finished && sf_add_sat(f->last_ns, CLOSE_HOLD_NS) < d)
        d = sf_add_sat(f->last_ns, CLOSE_HOLD_NS);
    uint64_t check = sf_tracker_next_check(f, ft->cfg.linger_ns);
    uint64_t gate = sf_add_sat(f->last_ns, ft->soonest);
    if (check < gate)
        check = gate;
    return check < d ? check : d;
}

static void wheel_unlink(struct node *n)
{
    if (!n->tw_pprev)
        return;
    *n->tw_pprev = n->tw_next;
    if (n->tw_next)
        n->tw_next->tw_pprev = n->tw_pprev;
    n->tw_next = NULL;
    n->tw_pprev = NULL;
}

static void wheel_insert(struct sf_flowtab *ft, struct node *n, uint64_t due)
{
    struct node **head = &ft->wheel[(due >> WHEEL_SHIFT) % WHEEL_SIZE];
    n->due = due;
    n->tw_next = *head;
    if (*head)
        (*head)->tw_pprev = &n->tw_next;
    *head = n;
    n->tw_pprev = head;
}

/* After a segment: a deadline that came closer moves the flow now; one
 * that went away is found when the old bucket comes up. */
static void wheel_update(struct sf_flowtab *ft, struct node *n)
{
    uint64_t d = deadline(ft, &n->flow);
    if (n->tw_pprev && d >= n->due)
        return;
    wheel_unlink(n);
    wheel_insert(ft, n, d);
}

static int touch_cmp(const void *a, const void *b)
{
    const struct node *x = *(struct node *const *)a;
    const struct node *y = *(struct node *const *)b;
    return x->touch < y->touch ? -1 : x->touch > y->touch;
}

/* Takes the flows due at ft->now out of the wheel into ft->due, in
 * activity order (as the age list has them); returns how many. */
static size_t take_due(struct sf_flowtab *ft)
{
    uint64_t cur = ft->now >> WHEEL_SHIFT;
    uint64_t from = ft->wheel_from;
    if (from > cur || cur - from >= WHEEL_SIZE)     /* each bucket once */
        from = cur >= WHEEL_SIZE - 1 ? cur - (WHEEL_SIZE - 1) : 0;
    size_t n_due = 0;
    for (uint64_t k = from; k <= cur; k++) {
        for (struct node *n = ft->wheel[k % WHEEL_SIZE], *next; n;
             n = next) {
            next = n->tw_next;
            if (n->due > ft->now)
                continue;
            wheel_unlink(n);
            if (n_due == ft->cap_due) {
                ft->cap_due = ft->cap_due ? ft->cap_due * 2 : 256;
                ft->due = sf_xrealloc(ft->due,
                                      ft->cap_due * sizeof(*ft->due));
            }
            ft->due[n_due++] = n;
        }
    }
    ft->wheel_from = cur;   /* the current bucket is not all due yet */
    if (n_due > 1)
        qsort(ft->due, n_due, sizeof(*ft->due), touch_cmp);
    return n_due;
}

/* ---- life cycle ---- */

struct sf_flowtab *sf_flowtab_new(const struct sf_flowtab_config *cfg,
                                  char *errbuf)
{
    (void)errbuf;
    struct sf_flowtab *ft = sf_xcalloc(1, sizeof(*ft));
    if (cfg)
        ft->cfg = *cfg;
    if (!ft->cfg.max_flows)
        ft->cfg.max_flows = SF_DEFAULT_MAX_FLOWS;
    if (!ft->cfg.idle_ns)
        ft->cfg.idle_ns = SF_DEFAULT_IDLE_NS;
    if (!ft->cfg.linger_ns)
        ft->cfg.linger_ns = SF_DEFAULT_LINGER_NS;
    ft->soonest = CLOSE_HOLD_NS;
    if (ft->cfg.linger_ns < ft->soonest)
        ft->soonest = ft->cfg.linger_ns;
    if (ft->cfg.idle_ns < ft->soonest)
        ft->soonest = ft->cfg.idle_ns;
    ft->wheel_from = UINT64_MAX;        /* no sweep yet */
    /* a random seed: crafted 4-tuples cannot be made to collide */
    if (getrandom(&ft->seed, sizeof(ft->seed), GRND_NONBLOCK) !=
        (ssize_t)sizeof(ft->seed))
        ft->seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)ft;
    ft->cap = 1024;
    ft->slots = sf_xcalloc(ft->cap, sizeof(*ft->slots));
    ft->tomb_cap = 256;
    ft->tombs = sf_xcalloc(ft->tomb_cap, sizeof(*ft->tombs));
    ft->next_id = 1;
    return ft;
}

static void node_free(struct node *n)
{
    sf_tracker_fini(&n->flow);
    free(n);
}

void sf_flowtab_free(struct sf_flowtab *ft)
{
    if (!ft)
        return;
    for (struct node *n = ft->seen_head, *next; n; n = next) {
        next = n->seen_next;
        node_free(n);
    }
    free(ft->slots);
    free(ft->tombs);
    free(ft->due);
    free(ft);
}

static int emit_anomaly(struct sf_sink *sink, const struct sf_flow *f,
                        const struct sf_anomaly *a, bool at_end)
{
    if (!sink->on_event)
        return 0;
    struct sf_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SF_EV_ANOMALY;
    ev.ts_ns = a->ts_ns;
    ev.flow_id = f->id;
    ev.side = a->side;
    ev.nanom = 1;
    ev.anom[0] = a;
    ev.at_end = at_end;
    ev.flow = f;
    return sink->on_event(sink->ctx, &ev);
}

/* Ends a flow: final verdicts, their anomaly events, the flow's end event,
 * then it is freed. */
static int end_flow(struct sf_flowtab *ft, struct node *n,
                    enum sf_end_reason why, struct sf_sink *sink)
{
    struct sf_flow *f = &n->flow;
    int rc = 0;
    size_t first = sf_tracker_finish(f, ft->now, ft->cfg.linger_ns, why);
    for (size_t i = first; i < f->n_an && rc == 0; i++)
        rc = emit_anomaly(sink, f, &f->an[i], true);
    if (rc == 0 && sink->on_flow_end)
        rc = sink->on_flow_end(sink->ctx, f);
    if (f->complete)                    /* a side is in TIME-WAIT */
        tomb_put(ft, n->hash, f->done_ns);
    slot_remove(ft, n);
    age_unlink(ft, n);
    seen_unlink(ft, n);
    wheel_unlink(n);
    ft->count--;
    if (why == SF_END_EVICTED)
        ft->st.evicted++;
    else if (why == SF_END_IDLE)
        ft->st.idle++;
    node_free(n);
    return rc;
}

int sf_flowtab_tick(struct sf_flowtab *ft, uint64_t now_ns,
                    struct sf_sink *sink)
{
    if (now_ns > ft->now)
        ft->now = now_ns;
    if (ft->now - ft->last_sweep < SWEEP_EVERY_NS)
        return 0;
    ft->last_sweep = ft->now;
    size_t n_due = take_due(ft);
    int rc = 0;
    for (size_t i = 0; i < n_due; i++) {
        struct node *n = ft->due[i];
        struct sf_flow *f = &n->flow;
        uint64_t quiet = ft->now - f->last_ns;
        if (rc == 0 && quiet >= ft->soonest) {
            if (quiet >= ft->cfg.idle_ns) {
                rc = end_flow(ft, n, SF_END_IDLE, sink);
                continue;
            }
            if (f->finished && quiet >= CLOSE_HOLD_NS) {
                rc = end_flow(ft, n, SF_END_CLOSED, sink);
                continue;
            }
            long idx = sf_tracker_check_linger(f, ft->now, ft->cfg.linger_ns);
            if (idx >= 0)
                rc = emit_anomaly(sink, f, &f->an[idx], false);
            idx = sf_tracker_check_syn(f, ft->now);
            if (idx >= 0 && rc == 0)
                rc = emit_anomaly(sink, f, &f->an[idx], false);
        }
        wheel_insert(ft, n, deadline(ft, f));
    }
    return rc;
}

static struct node *new_flow(struct sf_flowtab *ft, const struct sf_pkt *p,
                             uint64_t h)
{
    struct node *n = sf_xcalloc(1, sizeof(*n));
    n->hash = h;
    sf_tracker_start(&n->flow, ft->next_id++, p);
    if ((ft->count + 1) * 4 > ft->cap * 3)
        slots_grow(ft);
    ft->slots[slot_find(ft, h, p)] = n;
    n->seen_prev = ft->seen_tail;
    if (ft->seen_tail)
        ft->seen_tail->seen_next = n;
    else
        ft->seen_head = n;
    ft->seen_tail = n;
    age_push(ft, n);
    ft->count++;
    ft->st.flows++;
    if (ft->count > ft->st.max_open)
        ft->st.max_open = ft->count;
    return n;
}

int sf_flowtab_input(struct sf_flowtab *ft, const struct sf_pkt *p,
                     struct sf_sink *sink)
{
    uint64_t ts = sf_pkt_ns(p);
    int rc = sf_flowtab_tick(ft, ts, sink);
    if (rc)
        return rc;
    struct key k;
    key_of(p, &k);
    uint64_t h = key_hash(ft, &k);
    size_t slot = slot_find(ft, h, p);
    struct node *n = ft->slots[slot];
    uint8_t reuse = 0;              /* 1: previous open, 2: in TIME-WAIT */
    uint64_t closed_ns = 0;
    if (n) {
        enum sf_side from = sf_tracker_side(&n->flow, p);
        if (sf_tracker_new_connection(&n->flow, p, from)) {
            struct sf_flow *old = &n->flow;
            if (!old->finished && old->handshake != SF_HS_SYN_ONLY)
                reuse = 1;
            else if (old->complete)
                reuse = 2, closed_ns = old->done_ns;
            rc = end_flow(ft, n, SF_END_REUSED, sink);
            if (rc)
                return rc;
            n = NULL;
        }
    } else if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN) {
        closed_ns = tomb_get(ft, h);
        if (closed_ns)
            reuse = 2;
    }
    if (!n) {
        while (ft->count >= ft->cfg.max_flows && ft->age_head && rc == 0)
            rc = end_flow(ft, ft->age_head, SF_END_EVICTED, sink);
        if (rc)
            return rc;
        n = new_flow(ft, p, h);
    } else {
        age_unlink(ft, n);
        age_push(ft, n);
    }
    struct sf_flow *f = &n->flow;
    size_t reuse_idx = SIZE_MAX;
    if (reuse) {
        /* added first, so the segment's own anomalies cannot move it */
        uint32_t ms = reuse == 2 && ts > closed_ns
                          ? (uint32_t)((ts - closed_ns) / 1000000)
                          : 0;
        reuse_idx = sf_tracker_add_anomaly(f, SF_AN_PORT_REUSE, SF_CLIENT,
                                           ts, ms, reuse == 2);
    }
    struct sf_event ev;
    sf_tracker_segment(f, p, sf_tracker_side(f, p), ts, &ev);
    if (reuse_idx < f->n_an) {
        if (ev.nanom == SF_EV_MAX_ANOM)
            ev.nanom--;
        memmove(ev.anom + 1, ev.anom, ev.nanom * sizeof(ev.anom[0]));
        ev.anom[0] = &f->an[reuse_idx];
        ev.nanom++;
    }
    wheel_update(ft, n);
    if (sink->on_event)
        rc = sink->on_event(sink->ctx, &ev);
    return rc;
}

int sf_flowtab_flush(struct sf_flowtab *ft, uint64_t now_ns,
                     struct sf_sink *sink)
{
    if (now_ns > ft->now)
        ft->now = now_ns;
    int rc = 0;
    while (ft->seen_head && rc == 0)
        rc = end_flow(ft, ft->seen_head, SF_END_INPUT, sink);
    return rc;
}

void sf_flowtab_stats(const struct sf_flowtab *ft,
                      struct sf_flowtab_stats *out)
{
    *out = ft->st;
    out->open = ft->count;
}
