/* flowtab: stage 3. Input: decoded TCP segments; output: segments handed
 * to the tracker per flow, events to the sink, flows ended and freed.
 * A seeded hash on the canonical 4-tuple (lower endpoint first) with
 * linear probing in a table at most half full; the table holds node
 * numbers only, and a node's hash is computed again from its 4-tuple
 * when the table grows or an entry moves back. Flows live in a pool of
 * nodes linked by number and sit on a last-activity list (p0f's age
 * list) for --max-flows eviction and the order in which timeouts act;
 * the end-of-input flush takes them by id, which is first-seen order
 * (never hash order). Timeouts (idle, finished flows, SYN and
 * CLOSE_WAIT timers) run from a timer wheel: each flow sits in the
 * bucket of the earliest time one could act on it, so a sweep looks only
 * at flows that are due, not at every quiet one.
 * A small table of closed 4-tuples remembers TIME-WAIT for port_reuse. */

#include "synfin/flowtab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "synfin/cursor.h"
#include "synfin/tracker.h"

#define CLOSE_HOLD_NS (2ull * 1000000000)  /* finished flows end when quiet */
#define SWEEP_EVERY_NS 250000000u       /* timeouts checked every 0.25 s */
#define WHEEL_SHIFT 28                  /* buckets of 2^28 ns, ~0.27 s */
#define WHEEL_SIZE 4096u                /* ~18 minutes around */
#define POOL_SHIFT 10                   /* nodes per pool chunk: 1024 */
#define POOL_MASK ((1u << POOL_SHIFT) - 1)
#define NOT_IN_WHEEL UINT32_MAX
/* a node's due time is kept in 32 bits: units of 2^24 ns (17 ms) after
 * the table's due_base, rounded down, so a sweep may look at a flow a
 * little early (it acts only on exact times), never late */
#define DUE_SHIFT 24
#define DUE_REBASE (1ull << 55)         /* ns from due_base: ~1.1 years */
#ifndef TOUCH_LIMIT
#define TOUCH_LIMIT UINT32_MAX          /* activity numbers renumbered at */
#endif

/* Nodes live in chunks of a pool and link to each other by number (0 is
 * no node): half the size of pointers and no malloc header per flow.
 * A freed node goes on a free list and is reused; chunks are kept until
 * the table is freed. */
struct node {
    struct sf_flow flow;
    uint32_t due;            /* a timeout may act from then on (packed) */
    uint32_t touch;          /* activity order: the age list's */
    uint32_t age_prev, age_next;    /* oldest activity first; age_next
                                     * also links the free list */
    uint32_t tw_next, tw_prev;      /* timer bucket; tw_prev 0: first in
                                     * its bucket, NOT_IN_WHEEL: none */
};

/* README, "Memory": what a tracked flow costs, besides its hash slot */
_Static_assert(sizeof(struct node) <= 240, "a node outgrew 240 bytes");

struct tomb {
    uint64_t hash;           /* 4-tuple hash; 0 = empty */
    uint64_t closed_ns;
};

struct sf_flowtab {
    struct sf_flowtab_config cfg;
    uint64_t seed;
    uint32_t *slots;         /* node numbers, 0 = empty */
    size_t cap;              /* power of two */
    size_t count;
    struct node **chunks;    /* the pool */
    uint32_t nchunks;
    uint32_t pool_top;       /* next never-used node number */
    uint32_t free_head;      /* freed nodes */
    uint32_t age_head, age_tail;
    uint32_t next_id;
    uint64_t last_sweep;
    uint64_t soonest;        /* the shortest timeout */
    uint32_t touches;
    uint64_t due_base;       /* due times count from here (set by the
                              * first tick: any clock is far from 0) */
    uint32_t wheel[WHEEL_SIZE];
    uint64_t wheel_from;     /* first bucket (absolute) not swept past */
    /* flows to act on (tag: node number), keyed by the order they are
     * taken in: touch (sweeps), flow id (flush) or due time (rebase).
     * A sweep's due flows; all flows at flush. Then as many again: the
     * sort's scratch */
    struct sf_keyed *due;
    size_t cap_due;
    uint64_t now;
    struct tomb *tombs;
    size_t tomb_cap, tomb_count;
    struct sf_flowtab_stats st;
};

/* ---- keys ---- */

/* The helpers below take the address length as an argument that is a
 * constant at each call (4 or 16) and are always inlined: an equality
 * memcmp of a constant size is then loads and compares, not a libc call
 * (-q did three or four of those per packet). */
static SF_ALWAYS_INLINE int endpoint_cmp(const uint8_t *x, uint16_t px,
                                         const uint8_t *y, uint16_t py,
                                         size_t alen)
{
    /* byte order as memcmp's, from big-endian words: GCC calls memcmp
     * for an ordering compare even of a constant size */
    uint64_t a = alen == 4 ? sf_get_be32(x) : sf_get_be64(x);
    uint64_t b = alen == 4 ? sf_get_be32(y) : sf_get_be64(y);
    if (alen == 16 && a == b) {
        a = sf_get_be64(x + 8);
        b = sf_get_be64(y + 8);
    }
    if (a != b)
        return a < b ? -1 : 1;
    return px < py ? -1 : px > py;
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

/* Seeded and symmetric: the endpoints are hashed in canonical order,
 * the lower first. Straight from the addresses, with no key built. */
static SF_ALWAYS_INLINE uint64_t tuple_hash_n(const struct sf_flowtab *ft,
                                              uint8_t ver, const uint8_t *a,
                                              uint16_t pa, const uint8_t *b,
                                              uint16_t pb, size_t alen)
{
    if (endpoint_cmp(a, pa, b, pb, alen) > 0) {
        const uint8_t *t = a;
        uint16_t pt = pa;
        a = b, pa = pb;
        b = t, pb = pt;
    }
    uint64_t h = ft->seed ^ ver;
    for (size_t i = 0; i < alen; i += 4) {
        uint32_t wa, wb;
        memcpy(&wa, a + i, 4);
        memcpy(&wb, b + i, 4);
        h = mix(h ^ ((uint64_t)wa << 32 | wb));
    }
    h = mix(h ^ ((uint64_t)pa << 16 | pb));
    return h ? h : 1;
}

static uint64_t tuple_hash(const struct sf_flowtab *ft, uint8_t ver,
                           const uint8_t *src, uint16_t sport,
                           const uint8_t *dst, uint16_t dport)
{
    return ver == 6 ? tuple_hash_n(ft, ver, src, sport, dst, dport, 16)
                    : tuple_hash_n(ft, ver, src, sport, dst, dport, 4);
}

/* The hash of a flow's 4-tuple, as its packets give it. */
static uint64_t flow_hash(const struct sf_flowtab *ft, const struct sf_flow *f)
{
    return tuple_hash(ft, f->ipver, sf_flow_addr(f, 0), f->ep[0].port,
                      sf_flow_addr(f, 1), f->ep[1].port);
}

static SF_ALWAYS_INLINE bool tuple_matches(const struct sf_flow *f,
                                           const struct sf_pkt *p,
                                           size_t alen)
{
    uint16_t pa = f->ep[0].port, pb = f->ep[1].port;
    const uint8_t *a = sf_flow_addr(f, 0), *b = sf_flow_addr(f, 1);
    if (pa == p->sport && pb == p->dport && memcmp(a, p->src, alen) == 0 &&
        memcmp(b, p->dst, alen) == 0)
        return true;
    return pa == p->dport && pb == p->sport && memcmp(a, p->dst, alen) == 0 &&
           memcmp(b, p->src, alen) == 0;
}

/* Is `p` a segment of flow `f`, in either direction? Compares the
 * endpoints directly (no key is built per probe). */
static bool flow_matches(const struct sf_flow *f, const struct sf_pkt *p)
{
    if (f->ipver != p->ipver)
        return false;
    return p->ipver == 6 ? tuple_matches(f, p, 16) : tuple_matches(f, p, 4);
}

/* ---- node pool ---- */

static inline struct node *N(const struct sf_flowtab *ft, uint32_t i)
{
    return &ft->chunks[i >> POOL_SHIFT][i & POOL_MASK];
}

/* A zeroed node's number. */
static uint32_t node_alloc(struct sf_flowtab *ft)
{
    uint32_t i = ft->free_head;
    if (i) {
        ft->free_head = N(ft, i)->age_next;
    } else {
        i = ft->pool_top++;
        if ((i >> POOL_SHIFT) == ft->nchunks) {
            ft->chunks = sf_xrealloc(ft->chunks,
                                     (ft->nchunks + 1) * sizeof(*ft->chunks));
            ft->chunks[ft->nchunks++] =
                sf_xmalloc(sizeof(struct node) << POOL_SHIFT);
        }
    }
    memset(N(ft, i), 0, sizeof(struct node));
    return i;
}

static void node_release(struct sf_flowtab *ft, uint32_t i)
{
    struct node *n = N(ft, i);
    sf_tracker_fini(&n->flow);
    n->age_next = ft->free_head;
    ft->free_head = i;
}

/* ---- hash table (linear probing, backward-shift deletion) ---- */

/* Backward-shift deletion: may the entry at `j`, whose home slot is
 * `home`, move back into the hole at `hole` (it probed past the hole)? */
static bool may_fill(size_t home, size_t hole, size_t j)
{
    return hole <= j ? (home <= hole || home > j)
                     : (home <= hole && home > j);
}

static size_t slot_find(const struct sf_flowtab *ft, uint64_t h,
                        const struct sf_pkt *p)
{
    size_t mask = ft->cap - 1;
    size_t i = (size_t)h & mask;
    for (; ft->slots[i]; i = (i + 1) & mask) {
        const struct node *n = N(ft, ft->slots[i]);
        if (flow_matches(&n->flow, p))
            return i;
    }
    return i;                           /* empty slot */
}

static void slots_grow(struct sf_flowtab *ft)
{
    uint32_t *old = ft->slots;
    size_t oldcap = ft->cap;
    ft->cap *= 2;
    ft->slots = sf_xcalloc(ft->cap, sizeof(*ft->slots));
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i])
            continue;
        size_t j = (size_t)flow_hash(ft, &N(ft, old[i])->flow) &
                   (ft->cap - 1);
        while (ft->slots[j])
            j = (j + 1) & (ft->cap - 1);
        ft->slots[j] = old[i];
    }
    free(old);
}

/* Takes node `num`, whose 4-tuple hashes to `h`, out of the table. */
static void slot_remove(struct sf_flowtab *ft, uint32_t num, uint64_t h)
{
    size_t mask = ft->cap - 1;
    size_t i = (size_t)h & mask;
    while (ft->slots[i] != num)
        i = (i + 1) & mask;
    ft->slots[i] = 0;
    /* shift back the entries that probed past the hole */
    for (size_t j = (i + 1) & mask; ft->slots[j]; j = (j + 1) & mask) {
        size_t home = (size_t)flow_hash(ft, &N(ft, ft->slots[j])->flow);
        if (may_fill(home & mask, i, j)) {
            ft->slots[i] = ft->slots[j];
            ft->slots[j] = 0;
            i = j;
        }
    }
}

/* ---- the age list ---- */

static void age_unlink(struct sf_flowtab *ft, uint32_t i)
{
    struct node *n = N(ft, i);
    if (n->age_prev)
        N(ft, n->age_prev)->age_next = n->age_next;
    else
        ft->age_head = n->age_next;
    if (n->age_next)
        N(ft, n->age_next)->age_prev = n->age_prev;
    else
        ft->age_tail = n->age_prev;
    n->age_prev = n->age_next = 0;
}

/* The activity numbers, 1 up in age-list order, when they ran out. */
static void touches_renumber(struct sf_flowtab *ft)
{
    ft->touches = 0;
    for (uint32_t i = ft->age_head; i; i = N(ft, i)->age_next)
        N(ft, i)->touch = ++ft->touches;
}

static void age_push(struct sf_flowtab *ft, uint32_t i)
{
    struct node *n = N(ft, i);
    if (ft->touches >= TOUCH_LIMIT)
        touches_renumber(ft);
    n->touch = ++ft->touches;
    n->age_prev = ft->age_tail;
    n->age_next = 0;
    if (ft->age_tail)
        N(ft, ft->age_tail)->age_next = i;
    else
        ft->age_head = i;
    ft->age_tail = i;
}

/* ---- TIME-WAIT memory of closed 4-tuples ---- */

static bool tomb_live(const struct sf_flowtab *ft, const struct tomb *t)
{
    return t->hash && ft->now - t->closed_ns < SF_TIME_WAIT_NS;
}

/* Drops the expired in place, so that the table's memory never doubles
 * at the peak: backward-shift deletion, walking from
 * just after an empty slot so that no shift wraps into slots already
 * walked. */
static void tombs_purge(struct sf_flowtab *ft)
{
    size_t mask = ft->tomb_cap - 1;
    size_t start = 0;
    while (ft->tombs[start].hash)
        start++;                        /* the table is never full */
    for (size_t k = 1; k <= ft->tomb_cap; k++) {
        size_t i = (start + k) & mask;
        while (ft->tombs[i].hash && !tomb_live(ft, &ft->tombs[i])) {
            ft->tombs[i].hash = 0;
            ft->tomb_count--;
            size_t hole = i;
            for (size_t j = (hole + 1) & mask; ft->tombs[j].hash;
                 j = (j + 1) & mask) {
                if (may_fill((size_t)ft->tombs[j].hash & mask, hole, j)) {
                    ft->tombs[hole] = ft->tombs[j];
                    ft->tombs[j].hash = 0;
                    hole = j;
                }
            }
        }
    }
}

static void tombs_grow(struct sf_flowtab *ft)
{
    struct tomb *old = ft->tombs;
    size_t oldcap = ft->tomb_cap;
    ft->tomb_cap *= 2;
    ft->tombs = sf_xcalloc(ft->tomb_cap, sizeof(*ft->tombs));
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].hash)
            continue;
        size_t j = (size_t)old[i].hash & (ft->tomb_cap - 1);
        while (ft->tombs[j].hash)
            j = (j + 1) & (ft->tomb_cap - 1);
        ft->tombs[j] = old[i];
    }
    free(old);
}

static void tomb_put(struct sf_flowtab *ft, uint64_t h, uint64_t closed_ns)
{
    if ((ft->tomb_count + 1) * 4 > ft->tomb_cap * 3) {
        /* drop the expired; grow only if that did not make room */
        tombs_purge(ft);
        if ((ft->tomb_count + 1) * 2 > ft->tomb_cap)
            tombs_grow(ft);
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
            return tomb_live(ft, &ft->tombs[i]) ? ft->tombs[i].closed_ns : 0;
    return 0;
}

/* ---- timers ---- */

static void due_push(struct sf_flowtab *ft, size_t *n_due, uint32_t i,
                     uint64_t order)
{
    if (*n_due == ft->cap_due) {
        ft->cap_due = ft->cap_due ? ft->cap_due * 2 : 256;
        ft->due = sf_xrealloc(ft->due, 2 * ft->cap_due * sizeof(*ft->due));
    }
    ft->due[(*n_due)++] = (struct sf_keyed){ .key = order, .tag = i };
}

static void due_sort(struct sf_flowtab *ft, size_t n_due)
{
    if (n_due > 1)              /* else ft->due may be NULL */
        sf_sort_keyed(ft->due, ft->due + ft->cap_due, n_due);
}

/* The earliest time a sweep may act on f: end it (idle, or finished and
 * quiet), or report a SYN or CLOSE_WAIT timeout, which sweeps check only
 * once the flow has been quiet for the shortest timeout. */
static uint64_t deadline(const struct sf_flowtab *ft, const struct sf_flow *f)
{
    uint64_t last = sf_flow_time(f, SF_T_LAST);
    uint64_t d = sf_add_sat(last, ft->cfg.idle_ns);
    if (f->finished && sf_add_sat(last, CLOSE_HOLD_NS) < d)
        d = sf_add_sat(last, CLOSE_HOLD_NS);
    uint64_t check = sf_tracker_next_check(f, ft->cfg.linger_ns);
    uint64_t gate = sf_add_sat(last, ft->soonest);
    if (check < gate)
        check = gate;
    return check < d ? check : d;
}

static uint64_t due_of(const struct sf_flowtab *ft, const struct node *n)
{
    return ft->due_base + ((uint64_t)n->due << DUE_SHIFT);
}

static uint32_t *bucket_of(struct sf_flowtab *ft, uint64_t due)
{
    return &ft->wheel[(due >> WHEEL_SHIFT) % WHEEL_SIZE];
}

static void wheel_unlink(struct sf_flowtab *ft, uint32_t i)
{
    struct node *n = N(ft, i);
    if (n->tw_prev == NOT_IN_WHEEL)
        return;
    if (n->tw_prev)
        N(ft, n->tw_prev)->tw_next = n->tw_next;
    else
        *bucket_of(ft, due_of(ft, n)) = n->tw_next;
    if (n->tw_next)
        N(ft, n->tw_next)->tw_prev = n->tw_prev;
    n->tw_next = 0;
    n->tw_prev = NOT_IN_WHEEL;
}

static void wheel_insert(struct sf_flowtab *ft, uint32_t i, uint64_t due);

/* Due times count from a base near the clock: moved up (every flow in
 * the wheel put back) when the clock runs far from it. Uses ft->due:
 * not while a sweep's flows are in it. */
static void due_rebase(struct sf_flowtab *ft)
{
    size_t n = 0;
    for (uint32_t i = ft->age_head; i; i = N(ft, i)->age_next) {
        if (N(ft, i)->tw_prev == NOT_IN_WHEEL)
            continue;
        due_push(ft, &n, i, due_of(ft, N(ft, i)));
        wheel_unlink(ft, i);
    }
    ft->due_base = ft->now >> DUE_SHIFT << DUE_SHIFT;
    for (size_t k = 0; k < n; k++)
        wheel_insert(ft, ft->due[k].tag, ft->due[k].key);
}

static void wheel_insert(struct sf_flowtab *ft, uint32_t i, uint64_t due)
{
    struct node *n = N(ft, i);
    /* a deadline already past (packets stamped behind the clock) goes
     * in the current bucket, which the next sweep reads again: buckets
     * before it were swept and come up only once the wheel turns */
    if (due < ft->now)
        due = ft->now;
    uint64_t units = (due - ft->due_base) >> DUE_SHIFT;
    n->due = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units;
    uint32_t *head = bucket_of(ft, due_of(ft, n));
    n->tw_prev = 0;
    n->tw_next = *head;
    if (*head)
        N(ft, *head)->tw_prev = i;
    *head = i;
}

/* After a segment: a deadline that came closer moves the flow now; one
 * that went away is found when the old bucket comes up. */
static void wheel_update(struct sf_flowtab *ft, uint32_t i)
{
    struct node *n = N(ft, i);
    uint64_t d = deadline(ft, &n->flow);
    if (n->tw_prev != NOT_IN_WHEEL && d >= due_of(ft, n))
        return;
    wheel_unlink(ft, i);
    wheel_insert(ft, i, d);
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
        for (uint32_t i = ft->wheel[k % WHEEL_SIZE], next; i; i = next) {
            next = N(ft, i)->tw_next;
            if (due_of(ft, N(ft, i)) > ft->now)
                continue;
            wheel_unlink(ft, i);
            due_push(ft, &n_due, i, N(ft, i)->touch);
        }
    }
    ft->wheel_from = cur;   /* the current bucket is not all due yet */
    due_sort(ft, n_due);
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
    if (ft->cfg.max_flows > SF_MAX_FLOWS_LIMIT)
        ft->cfg.max_flows = SF_MAX_FLOWS_LIMIT;
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
    ft->pool_top = 1;                   /* node 0 is "no node" */
    ft->next_id = 1;
    return ft;
}

void sf_flowtab_free(struct sf_flowtab *ft)
{
    if (!ft)
        return;
    for (uint32_t i = ft->age_head; i; i = N(ft, i)->age_next)
        sf_tracker_fini(&N(ft, i)->flow);
    for (uint32_t c = 0; c < ft->nchunks; c++)
        free(ft->chunks[c]);
    free(ft->chunks);
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
static int end_flow(struct sf_flowtab *ft, uint32_t i,
                    enum sf_end_reason why, struct sf_sink *sink)
{
    struct sf_flow *f = &N(ft, i)->flow;
    int rc = 0;
    size_t first = sf_tracker_finish(f, ft->now, ft->cfg.linger_ns, why);
    for (size_t k = first; k < sf_flow_nan(f) && rc == 0; k++)
        rc = emit_anomaly(sink, f, &sf_flow_an(f)[k], true);
    uint64_t last = sf_flow_time(f, SF_T_LAST);
    if (rc == 0 && sink->on_flow_end)
        rc = sink->on_flow_end(sink->ctx, f, ft->now > last ? ft->now : last);
    /* a side is in TIME-WAIT; at the end of input nothing can follow */
    uint64_t h = flow_hash(ft, f);
    if (f->complete && why != SF_END_INPUT)
        tomb_put(ft, h, sf_flow_time(f, SF_T_DONE));
    slot_remove(ft, i, h);
    age_unlink(ft, i);
    wheel_unlink(ft, i);
    ft->count--;
    if (why == SF_END_EVICTED)
        ft->st.evicted++;
    else if (why == SF_END_IDLE)
        ft->st.idle++;
    node_release(ft, i);
    return rc;
}

int sf_flowtab_tick(struct sf_flowtab *ft, uint64_t now_ns,
                    struct sf_sink *sink)
{
    if (now_ns > ft->now)
        ft->now = now_ns;
    if (ft->now - ft->due_base >= DUE_REBASE)
        due_rebase(ft);
    if (ft->now - ft->last_sweep < SWEEP_EVERY_NS)
        return 0;
    ft->last_sweep = ft->now;
    size_t n_due = take_due(ft);
    int rc = 0;
    for (size_t k = 0; k < n_due; k++) {
        uint32_t i = ft->due[k].tag;
        struct sf_flow *f = &N(ft, i)->flow;
        uint64_t quiet = ft->now - sf_flow_time(f, SF_T_LAST);
        if (rc == 0 && quiet >= ft->soonest) {
            if (quiet >= ft->cfg.idle_ns) {
                rc = end_flow(ft, i, SF_END_IDLE, sink);
                continue;
            }
            if (f->finished && quiet >= CLOSE_HOLD_NS) {
                rc = end_flow(ft, i, SF_END_CLOSED, sink);
                continue;
            }
            long idx = sf_tracker_check_linger(f, ft->now, ft->cfg.linger_ns);
            if (idx >= 0)
                rc = emit_anomaly(sink, f, &sf_flow_an(f)[idx], false);
            idx = sf_tracker_check_syn(f, ft->now);
            if (idx >= 0 && rc == 0)
                rc = emit_anomaly(sink, f, &sf_flow_an(f)[idx], false);
        }
        wheel_insert(ft, i, deadline(ft, f));
    }
    return rc;
}

static uint32_t new_flow(struct sf_flowtab *ft, const struct sf_pkt *p,
                         uint64_t h)
{
    uint32_t i = node_alloc(ft);
    struct node *n = N(ft, i);
    n->tw_prev = NOT_IN_WHEEL;
    sf_tracker_start(&n->flow, ft->next_id++, p);
    if ((ft->count + 1) * 2 > ft->cap)  /* at most half full: short probes */
        slots_grow(ft);
    ft->slots[slot_find(ft, h, p)] = i;
    age_push(ft, i);
    ft->count++;
    ft->st.flows++;
    if (ft->count > ft->st.max_open)
        ft->st.max_open = ft->count;
    return i;
}

int sf_flowtab_input(struct sf_flowtab *ft, const struct sf_pkt *p,
                     struct sf_sink *sink)
{
    uint64_t ts = sf_pkt_ns(p);
    int rc = sf_flowtab_tick(ft, ts, sink);
    if (rc)
        return rc;
    uint64_t h = tuple_hash(ft, p->ipver, p->src, p->sport, p->dst, p->dport);
    uint32_t i = ft->slots[slot_find(ft, h, p)];
    uint8_t reuse = 0;              /* 1: previous open, 2: in TIME-WAIT */
    uint64_t closed_ns = 0;
    if (i) {
        struct sf_flow *old = &N(ft, i)->flow;
        enum sf_side from = sf_tracker_side(old, p);
        if (sf_tracker_new_connection(old, p, from)) {
            if (!old->finished && old->handshake != SF_HS_SYN_ONLY)
                reuse = 1;
            else if (old->complete)
                reuse = 2, closed_ns = sf_flow_time(old, SF_T_DONE);
            rc = end_flow(ft, i, SF_END_REUSED, sink);
            if (rc)
                return rc;
            i = 0;
        }
    } else if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN) {
        closed_ns = tomb_get(ft, h);
        if (closed_ns)
            reuse = 2;
    }
    if (!i) {
        while (ft->count >= ft->cfg.max_flows && ft->age_head && rc == 0)
            rc = end_flow(ft, ft->age_head, SF_END_EVICTED, sink);
        if (rc)
            return rc;
        i = new_flow(ft, p, h);
    } else {
        age_unlink(ft, i);
        age_push(ft, i);
    }
    struct sf_flow *f = &N(ft, i)->flow;
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
    if (reuse_idx < sf_flow_nan(f)) {
        if (ev.nanom == SF_EV_MAX_ANOM)
            ev.nanom--;
        memmove(ev.anom + 1, ev.anom, ev.nanom * sizeof(ev.anom[0]));
        ev.anom[0] = &sf_flow_an(f)[reuse_idx];
        ev.nanom++;
    }
    wheel_update(ft, i);
    if (sink->on_event)
        rc = sink->on_event(sink->ctx, &ev);
    return rc;
}

int sf_flowtab_flush(struct sf_flowtab *ft, uint64_t now_ns,
                     struct sf_sink *sink)
{
    if (now_ns > ft->now)
        ft->now = now_ns;
    /* every flow, in first-seen order: ids are handed out in that order */
    size_t n = 0;
    for (uint32_t i = ft->age_head; i; i = N(ft, i)->age_next)
        due_push(ft, &n, i, N(ft, i)->flow.id);
    due_sort(ft, n);
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++)
        rc = end_flow(ft, ft->due[k].tag, SF_END_INPUT, sink);
    return rc;
}

void sf_flowtab_stats(const struct sf_flowtab *ft,
                      struct sf_flowtab_stats *out)
{
    *out = ft->st;
    out->open = ft->count;
}
