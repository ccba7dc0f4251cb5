#ifndef SF_REPORT_TIMELINE_H
#define SF_REPORT_TIMELINE_H

/* report_timeline: the default text output (DESIGN.md 5). One line per
 * TCP packet - tcpdump -nn's line, then "  # [ID] STEP SIDE:STATE...
 * !ANOMALY..." - then the anomaly list, the per-flow summary table and
 * totals. Also --plain (lines only), -q (summary only) and --anomalies. */

#include <stdbool.h>

#include "synfin/event.h"
#include "synfin/tdfmt.h"
#include "synfin/util.h"

struct sf_timeline;

struct sf_timeline_config {
    struct sf_tdfmt *fmt;    /* borrowed: formats the packet lines */
    int fd;                  /* where to write */
    bool plain;              /* tcpdump lines only */
    bool summary_only;       /* -q: no packet lines */
    bool anomalies_only;     /* --anomalies */
    bool color;              /* ANSI colours on annotations */
    bool line_buffered;      /* write every line at once (live) */
};

SF_NODISCARD struct sf_timeline *sf_timeline_new(
    const struct sf_timeline_config *cfg, char *errbuf);
void sf_timeline_free(struct sf_timeline *t);   /* NULL: no-op */

/* The sink feeding this reporter; valid while `t` is. */
struct sf_sink sf_timeline_sink(struct sf_timeline *t);

#endif /* SF_REPORT_TIMELINE_H */
