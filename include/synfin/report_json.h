#ifndef SF_REPORT_JSON_H
#define SF_REPORT_JSON_H

/* report_json: newline-delimited JSON (DESIGN.md 5): "event" objects per
 * packet (--json=events|all), one "flow" object as each flow ends
 * (--json=flows|all), then one "summary" object. Keys in a fixed
 * order, timestamps as epoch seconds with 6 decimals, null for known but
 * unset values. The only module that includes json-c. */

#include <stdbool.h>

#include "synfin/event.h"
#include "synfin/util.h"

struct sf_json;

struct sf_json_config {
    int fd;
    bool line_buffered;      /* write every object at once (live, pipes) */
    bool nano;               /* 9 decimals in time stamps, not 6 */
    bool flows;              /* "flow" objects (--json, --json=flows/all) */
    bool events;             /* "event" objects per packet (=events/all) */
};

SF_NODISCARD struct sf_json *sf_json_new(const struct sf_json_config *cfg,
                                         char *errbuf);
void sf_json_free(struct sf_json *j);       /* NULL: no-op */
struct sf_sink sf_json_sink(struct sf_json *j);

#endif /* SF_REPORT_JSON_H */
