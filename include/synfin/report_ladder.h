#ifndef SF_REPORT_LADDER_H
#define SF_REPORT_LADDER_H

/* report_ladder: --ladder[=ID], each connection as the sequence diagram of
 * TCP textbooks: two lines, one per endpoint, an arrow per handshake,
 * close and RST segment (data collapsed into one row per run), each side's
 * state beside its line where it changes, anomalies on their row. */

#include <stdbool.h>
#include <stdint.h>

#include "synfin/event.h"
#include "synfin/util.h"

struct sf_ladder;

struct sf_ladder_config {
    int fd;
    uint32_t only;           /* flow id to draw; 0 = every flow */
    bool ascii;              /* ASCII art instead of Unicode box drawing */
    bool color;              /* ANSI colours */
    unsigned width;          /* columns, at least 72 */
    bool text;               /* draw the text diagrams to fd */
    int svg_fd;              /* -1, or where to write one SVG document */
};

SF_NODISCARD struct sf_ladder *sf_ladder_new(const struct sf_ladder_config *cfg,
                                             char *errbuf);
void sf_ladder_free(struct sf_ladder *l);      /* NULL: no-op */
struct sf_sink sf_ladder_sink(struct sf_ladder *l);

#endif /* SF_REPORT_LADDER_H */
