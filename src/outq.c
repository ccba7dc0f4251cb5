/* outq: records in batches, rendered and written in order by one writer
 * thread (see outq.h). The k-th batch handed over lives in slot k % NBATCH;
 * the producer fills the next slot while the writer works through the
 * ones before it, and waits only when all slots are in flight. */

#include "synfin/outq.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBATCH 4
#define BATCH_BYTES (1u << 18)
#define WRITE_AT (1u << 16)     /* the writer's buffer goes out at 64 KiB */

/* Each record in a batch: its size, then the record, both 8-aligned. */
#define HDR 8u

struct batch {
    unsigned char *mem;
    size_t cap, used;
    bool flush;                 /* write everything once it is rendered */
};

/* The producer's fields, the writer's and the shared ones are kept a
 * cache line apart: the writer appending to its buffer must not keep
 * stealing the line the producer touches for every record. */
struct sf_outq {
    struct sf_outq_config cfg;
    struct batch b[NBATCH];
    size_t pending;             /* size of the record begun */
    uint64_t nsub;              /* batches handed over */
    int seen_err, seen_errno;   /* the writer's error as last seen */
    bool threaded;
    pthread_t thread;

    char pad1[64];
    struct {                    /* the writer's (ours when unthreaded) */
        struct sf_buf out;      /* rendered text */
        int err, err_errno;     /* first write error, sticky */
    } w;

    char pad2[64];
    struct {                    /* shared, under mu */
        pthread_mutex_t mu;
        pthread_cond_t cv;
        uint64_t submitted, done;   /* batches handed over / written */
        bool stop;
        int err, err_errno;     /* the writer's error */
    } s;
};

static struct batch *filling(struct sf_outq *q)
{
    return &q->b[q->nsub % NBATCH];
}

static void write_failed(struct sf_outq *q)
{
    q->w.err = SF_ERR_IO;
    q->w.err_errno = errno;
}

/* Renders one batch into the writer's buffer, writing as it goes; after
 * a write error records are skipped (the run is about to stop anyway).
 * What it reads of the producer's fields is read once: the render call
 * would make the compiler read them again for every record, from cache
 * lines the producer keeps writing. */
static void render_batch(struct sf_outq *q, const struct batch *b)
{
    struct sf_buf *out = &q->w.out;
    sf_outq_render_fn render = q->cfg.render;
    void *ctx = q->cfg.ctx;
    int fd = q->cfg.fd;
    const unsigned char *mem = b->mem;
    size_t used = b->used;
    for (size_t off = 0; off < used && !q->w.err;) {
        size_t n;
        memcpy(&n, mem + off, sizeof(n));
        render(ctx, mem + off + HDR, out);
        if (out->len >= WRITE_AT && sf_buf_write(out, fd))
            write_failed(q);
        off += HDR + SF_ALIGN8(n);
    }
    if (b->flush && !q->w.err && out->len && sf_buf_write(out, fd))
        write_failed(q);
    if (q->w.err)
        sf_buf_reset(out);
}

static void *writer_main(void *arg)
{
    struct sf_outq *q = arg;
    pthread_mutex_lock(&q->s.mu);
    for (;;) {
        while (q->s.done == q->s.submitted && !q->s.stop)
            pthread_cond_wait(&q->s.cv, &q->s.mu);
        if (q->s.stop)
            break;              /* sf_outq_free: the rest is dropped */
        struct batch *b = &q->b[q->s.done % NBATCH];
        pthread_mutex_unlock(&q->s.mu);
        render_batch(q, b);
        pthread_mutex_lock(&q->s.mu);
        q->s.err = q->w.err;
        q->s.err_errno = q->w.err_errno;
        q->s.done++;
        pthread_cond_broadcast(&q->s.cv);
    }
    pthread_mutex_unlock(&q->s.mu);
    return NULL;
}

struct sf_outq *sf_outq_new(const struct sf_outq_config *cfg)
{
    struct sf_outq *q = sf_xcalloc(1, sizeof(*q));
    q->cfg = *cfg;
    sf_buf_init(&q->w.out);
    sf_buf_grow(&q->w.out, WRITE_AT + 4096);
    for (size_t i = 0; i < (cfg->line_buffered ? 1 : NBATCH); i++) {
        q->b[i].cap = BATCH_BYTES;
        q->b[i].mem = sf_xmalloc(BATCH_BYTES);
    }
    if (cfg->line_buffered)
        return q;
    pthread_mutex_init(&q->s.mu, NULL);
    pthread_cond_init(&q->s.cv, NULL);
    q->threaded = pthread_create(&q->thread, NULL, writer_main, q) == 0;
    if (!q->threaded) {
        pthread_cond_destroy(&q->s.cv);
        pthread_mutex_destroy(&q->s.mu);
    }
    return q;
}

/* Hands the filling batch to the writer and waits for a free slot (with
 * `flush`, until everything is written). Notes the writer's error. */
static void submit(struct sf_outq *q, bool flush)
{
    filling(q)->flush = flush;
    q->nsub++;
    pthread_mutex_lock(&q->s.mu);
    q->s.submitted = q->nsub;
    pthread_cond_broadcast(&q->s.cv);
    while (q->s.submitted - q->s.done >= NBATCH ||
           (flush && q->s.done != q->s.submitted))
        pthread_cond_wait(&q->s.cv, &q->s.mu);
    q->seen_err = q->s.err;
    q->seen_errno = q->s.err_errno;
    pthread_mutex_unlock(&q->s.mu);
    filling(q)->used = 0;
}

/* The error to report, with errno as the failed write left it. */
static int status(int err, int e)
{
    if (err)
        errno = e;
    return err;
}

void *sf_outq_begin(struct sf_outq *q, size_t n)
{
    struct batch *b = filling(q);   /* b[0] without the thread */
    size_t need = HDR + SF_ALIGN8(n);
    if (q->threaded && b->used + need > b->cap && b->used) {
        submit(q, false);
        b = filling(q);
    }
    if (need > b->cap) {        /* a record bigger than a batch: rare */
        b->cap = need;
        b->mem = sf_xrealloc(b->mem, need);
    }
    q->pending = n;
    return b->mem + b->used + HDR;
}

int sf_outq_end(struct sf_outq *q)
{
    size_t n = q->pending;
    struct batch *b = filling(q);
    memcpy(b->mem + b->used, &n, sizeof(n));
    b->used += HDR + SF_ALIGN8(n);
    if (q->threaded)
        return status(q->seen_err, q->seen_errno);
    b->flush = q->cfg.line_buffered;
    render_batch(q, b);
    b->used = 0;
    return status(q->w.err, q->w.err_errno);
}

int sf_outq_drain(struct sf_outq *q)
{
    if (q->threaded) {
        submit(q, true);
        return status(q->seen_err, q->seen_errno);
    }
    if (!q->w.err && q->w.out.len && sf_buf_write(&q->w.out, q->cfg.fd))
        write_failed(q);
    return status(q->w.err, q->w.err_errno);
}

void sf_outq_free(struct sf_outq *q)
{
    if (!q)
        return;
    if (q->threaded) {
        pthread_mutex_lock(&q->s.mu);
        q->s.stop = true;
        pthread_cond_broadcast(&q->s.cv);
        pthread_mutex_unlock(&q->s.mu);
        pthread_join(q->thread, NULL);
        pthread_cond_destroy(&q->s.cv);
        pthread_mutex_destroy(&q->s.mu);
    }
    for (size_t i = 0; i < NBATCH; i++)
        free(q->b[i].mem);
    sf_buf_fini(&q->w.out);
    free(q);
}
