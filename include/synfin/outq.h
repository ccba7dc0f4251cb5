#ifndef SF_OUTQ_H
#define SF_OUTQ_H

/* outq: output rendered on a second thread, in order. A reporter that
 * prints something for every packet fills small records (whatever the
 * line needs, made self-contained) on one thread, the producer; they are
 * kept in batches, and a writer thread turns each record into text
 * through the reporter's render callback and writes it. The producer
 * goes on decoding and tracking meanwhile, so a run costs about the
 * larger of the two halves instead of their sum. (pipeline.h's handoff
 * uses a queue whose callback tracks and writes nothing.)
 *
 * Without the thread (line-buffered output for live capture, where every
 * line must be written at once, or when the thread cannot start) a
 * record is rendered and written by sf_outq_end() itself, through the
 * same callback: one code path for the text either way. */

#include <stdbool.h>
#include <stddef.h>

#include "synfin/util.h"

/* Appends the text for one record to `out`. Runs on the writer thread
 * when threaded: it may use only `ctx` and the record. */
typedef void (*sf_outq_render_fn)(void *ctx, const void *rec,
                                  struct sf_buf *out);

struct sf_outq_config {
    int fd;                  /* where the text goes */
    bool line_buffered;      /* live: render and write each record at
                              * once, on the caller's thread */
    sf_outq_render_fn render;
    void *ctx;               /* borrowed; the render callback's alone */
};

struct sf_outq;

/* Never fails but on allocation (which aborts); if the thread cannot be
 * started the queue works unthreaded. */
SF_NODISCARD struct sf_outq *sf_outq_new(const struct sf_outq_config *cfg);

/* Room (8-byte aligned) for a record of `n` bytes, valid until
 * sf_outq_end() or the next sf_outq_begin(); a record begun and not
 * ended is dropped. */
void *sf_outq_begin(struct sf_outq *q, size_t n);

/* Queues the record begun last. Returns 0, or SF_ERR_IO with errno set
 * (EPIPE: the reader is gone) once a write has failed: the run should
 * stop. */
SF_NODISCARD int sf_outq_end(struct sf_outq *q);

/* Waits until every queued record is written. Returns as sf_outq_end(). */
SF_NODISCARD int sf_outq_drain(struct sf_outq *q);

/* Stops the thread; records not drained are dropped. NULL: no-op. */
void sf_outq_free(struct sf_outq *q);

#endif /* SF_OUTQ_H */
