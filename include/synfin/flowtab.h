#ifndef SF_FLOWTAB_H
#define SF_FLOWTAB_H

/* flowtab: live TCP connections keyed by canonical 4-tuple + generation.
 * Owns every flow; hands segments to the tracker and events to a sink.
 * Bounded: --max-flows evicts the least recently active flow, idle flows
 * end after --idle-timeout, finished flows shortly after they go quiet;
 * every ending is an event, never silent. All time is packet time. */

#include <stddef.h>
#include <stdint.h>

#include "synfin/decode.h"
#include "synfin/event.h"
#include "synfin/util.h"

struct sf_flowtab;

struct sf_flowtab_config {
    size_t max_flows;        /* 0 = default (1,000,000); at most
                              * SF_MAX_FLOWS_LIMIT */
    uint64_t idle_ns;        /* 0 = default (300 s) */
    uint64_t linger_ns;      /* 0 = default (5 s): close_wait_linger */
};

#define SF_DEFAULT_MAX_FLOWS 1000000u
/* 2^30: flows are numbered in 32 bits */
#define SF_MAX_FLOWS_LIMIT 1073741824u
#define SF_DEFAULT_IDLE_NS (300ull * 1000000000)
#define SF_DEFAULT_LINGER_NS (5ull * 1000000000)

struct sf_flowtab_stats {
    uint64_t flows;          /* connections seen */
    uint64_t open;           /* in the table now */
    uint64_t max_open;
    uint64_t evicted;        /* ended by --max-flows */
    uint64_t idle;           /* ended by --idle-timeout */
};

/* Returns NULL and writes "what" into errbuf on bad config. */
SF_NODISCARD struct sf_flowtab *sf_flowtab_new(
    const struct sf_flowtab_config *cfg, char *errbuf);
void sf_flowtab_free(struct sf_flowtab *ft);           /* NULL: no-op */

/* Feeds one decoded packet (status OK); `pkt` is borrowed for this call.
 * Every resulting event is delivered to `sink` before returning. Returns
 * 0 or the first negative value a sink callback returned. */
int sf_flowtab_input(struct sf_flowtab *ft, const struct sf_pkt *pkt,
                     struct sf_sink *sink);

/* Runs the timeouts (linger, idle, finished flows) up to packet time
 * `now_ns`; sf_flowtab_input does this itself, live capture calls it on
 * a clock tick when no packet comes. */
int sf_flowtab_tick(struct sf_flowtab *ft, uint64_t now_ns,
                    struct sf_sink *sink);

/* End of input: ends every flow in first-seen order at packet time
 * `now_ns` (the last timestamp seen), emitting final events. */
int sf_flowtab_flush(struct sf_flowtab *ft, uint64_t now_ns,
                     struct sf_sink *sink);

void sf_flowtab_stats(const struct sf_flowtab *ft,
                      struct sf_flowtab_stats *out);

#endif /* SF_FLOWTAB_H */
