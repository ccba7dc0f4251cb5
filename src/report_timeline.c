/* report_timeline: reporter for text. Input: events (every TCP packet, in
 * capture order, with what it meant) and finished flows; output: the
 * annotated timeline, then anomalies, per-flow table and totals. The
 * annotation grammar (man page, OUTPUT):
 *   LINE  # [ID] [STEP] [SIDE:STATE]... [!ANOMALY]...
 * Stripping from "  # " to the end of each packet line gives --plain. */

#include "synfin/report_timeline.h"

#include <stdlib.h>
#include <string.h>

#include "synfin/outq.h"

#define FLUSH_AT (1u << 16)
/* The flow table and the anomaly list are printed at the end, sorted, so
 * they are kept until then: at most this many lines each (about 6 MB),
 * so memory stays bounded by --max-flows and not by the capture's size.
 * The totals count everything; --json lists every flow. */
#define MAX_KEPT 50000

#define C_RESET "\033[0m"
#define C_STEP "\033[36m"       /* cyan */
#define C_STATE "\033[33m"      /* yellow */
#define C_ANOM "\033[1;31m"     /* bold red */
#define C_DIM "\033[2m"

struct row {
    uint32_t id;
    uint32_t len;
    size_t off;                 /* into rows_text, or anoms */
    uint64_t ts_ns;             /* anomalies: sorted by time, then flow */
};

/* What a packet line, a line of its own or a finished flow becomes on
 * the output queue: everything its text needs, copied, so the writer
 * thread renders it while the main thread goes on (outq.h). */
enum { REC_PACKET, REC_TEXT, REC_FLOW };

/* A finished flow: its row in the table (if kept), and the first
 * `nanoms` of its anomalies for the list (those kept). */
struct flow_note {
    bool row;
    uint32_t nanoms;
    struct sf_tdfmt_origin origin;  /* for the anomalies' times */
};

struct rec {
    uint8_t kind;
    union {
        uint32_t text_len;          /* REC_TEXT */
        struct sf_event_note ev;    /* REC_PACKET; flow_id 0: not
                                     * decoded, see the line's why */
        struct flow_note flow;      /* REC_FLOW */
    };
};

/* the line, the text or the flow's copy follows the header */
#define REC_BODY SF_ALIGN8(sizeof(struct rec))

/* The flow table and the anomaly list, formatted as flows end, kept in
 * the order they ended and sorted at the end. */
struct tables {
    struct sf_buf cell;         /* a row's cell (empty between uses) */
    struct sf_buf rows_text;    /* per-flow table rows, formatted */
    struct row *rows;
    size_t nrows, caprows;
    struct sf_buf anoms;        /* anomaly list, formatted */
    struct row *arows;          /* its lines */
    size_t nanoms, caparows;
};

/* The writer's side: only what rendering needs. The tables are the
 * writer's too, until the queue is drained; without a queue (-q), they
 * are formatted at once. */
struct lines {
    struct sf_tdfmt_render *render;
    bool plain, color;
    struct tables tab;
};

struct sf_timeline {
    struct sf_timeline_config cfg;
    struct sf_outq *q;          /* packet lines, and lines between them */
    struct lines lines;
    struct sf_buf scratch;      /* a line of its own, before it is queued */
    struct sf_buf out;          /* the end: anomalies, flows, totals */
    uint64_t nanoms;            /* all of them; the first MAX_KEPT listed */
    uint64_t close_counts[7];
    uint64_t anomaly_counts[SF_AN_COUNT];
    uint64_t shown_flows;
};

static void render(void *ctx, const void *rec, struct sf_buf *out);

struct sf_timeline *sf_timeline_new(const struct sf_timeline_config *cfg,
                                    char *errbuf)
{
    (void)errbuf;
    struct sf_timeline *t = sf_xcalloc(1, sizeof(*t));
    t->cfg = *cfg;
    sf_buf_init(&t->out);
    sf_buf_grow(&t->out, FLUSH_AT + 4096);
    sf_buf_init(&t->scratch);
    sf_buf_init(&t->lines.tab.cell);
    sf_buf_init(&t->lines.tab.rows_text);
    sf_buf_init(&t->lines.tab.anoms);
    t->lines.render = sf_tdfmt_render_new(cfg->fmt);
    t->lines.plain = cfg->plain;
    t->lines.color = cfg->color;
    if (!cfg->summary_only) {
        struct sf_outq_config qc = { .fd = cfg->fd,
                                     .line_buffered = cfg->line_buffered,
                                     .render = render,
                                     .ctx = &t->lines };
        t->q = sf_outq_new(&qc);
    }
    return t;
}

void sf_timeline_free(struct sf_timeline *t)
{
    if (!t)
        return;
    sf_outq_free(t->q);
    sf_tdfmt_render_free(t->lines.render);
    sf_buf_fini(&t->out);
    sf_buf_fini(&t->scratch);
    sf_buf_fini(&t->lines.tab.cell);
    sf_buf_fini(&t->lines.tab.rows_text);
    sf_buf_fini(&t->lines.tab.anoms);
    free(t->lines.tab.arows);
    free(t->lines.tab.rows);
    free(t);
}

static void color(const struct lines *ls, struct sf_buf *b, const char *code)
{
    if (ls->color)
        sf_buf_puts(b, code);
}

static void annotate(const struct lines *ls, const struct rec *r,
                     const struct sf_pkt *p, struct sf_buf *b)
{
    if (!r->ev.flow_id) {
        sf_buf_puts(b, "  # [-] not decoded: ");
        sf_buf_puts(b, p->why ? p->why : "?");
        return;
    }
    /* "  # [ID]" through one pointer: most lines say nothing more */
    char *start = sf_buf_reserve(b, 16), *w = start;
    memcpy(w, "  # [", 5);
    w = sf_put_u32(w + 5, r->ev.flow_id);
    *w++ = ']';
    sf_buf_commit(b, (size_t)(w - start));
    const char *step = r->ev.step != SF_STEP_DATA && r->ev.step != SF_STEP_ACK
                           ? sf_step_name(r->ev.step)
                           : "";
    if (*step) {
        sf_buf_putc(b, ' ');
        color(ls, b, C_STEP);
        sf_buf_puts(b, step);
        if (r->ev.retransmit)
            sf_buf_puts(b, " again");
        if (r->ev.half_close_data)
            sf_buf_puts(b, " + data after peer FIN");
        color(ls, b, C_RESET);
    }
    for (uint8_t i = 0; i < r->ev.nstates; i++) {
        sf_buf_putc(b, ' ');
        color(ls, b, C_STATE);
        sf_buf_puts(b, sf_side_name(r->ev.states[i].side));
        sf_buf_putc(b, ':');
        sf_buf_puts(b, sf_state_name(r->ev.states[i].to));
        color(ls, b, C_RESET);
    }
    for (uint8_t i = 0; i < r->ev.nanom; i++) {
        sf_buf_putc(b, ' ');
        color(ls, b, C_ANOM);
        sf_buf_putc(b, '!');
        sf_buf_puts(b, sf_anomaly_name(r->ev.anom[i]));
        color(ls, b, C_RESET);
    }
}

/* A table cell: the text in `cell`, padded to `width` as "%-*s " (left)
 * or "%*s " (right), then `cell` emptied for the next one. */
static void put_cell(struct sf_buf *b, struct sf_buf *cell, size_t width,
                     bool left)
{
    sf_buf_put_padded(b, cell->data, cell->len, width, left);
    sf_buf_putc(b, ' ');
    sf_buf_reset(cell);
}

/* A new row at the end of `*rows`, which holds n and has room for
 * *cap. */
static struct row *row_push(struct row **rows, size_t n, size_t *cap)
{
    if (n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *rows = sf_xrealloc(*rows, *cap * sizeof(**rows));
    }
    return &(*rows)[n];
}

/* The anomaly list is kept formatted, "TIME [ID] type: detail", one
 * line each, and sorted by time at the end. */
static void add_anomaly(struct lines *ls, struct sf_tdfmt_origin origin,
                        const struct sf_flow *f, const struct sf_anomaly *a)
{
    struct tables *tab = &ls->tab;
    struct sf_buf *b = &tab->anoms;
    struct row *r = row_push(&tab->arows, tab->nanoms++, &tab->caparows);
    r->id = f->id;
    r->ts_ns = a->ts_ns;
    r->off = b->len;
    sf_buf_puts(b, "  ");
    sf_tdfmt_render_time(ls->render, origin, a->ts_ns, b);
    sf_buf_putc(b, '[');
    sf_buf_putu(b, f->id);
    sf_buf_puts(b, "] ");
    sf_buf_puts(b, sf_anomaly_name(a->type));
    sf_buf_puts(b, ": ");
    sf_anomaly_format(f, a, b);
    sf_buf_putc(b, '\n');
    r->len = (uint32_t)(b->len - r->off);
}

/* no printf: -q spends most of its output time on these rows */
static void add_row(struct tables *tab, const struct sf_flow *f)
{
    const struct sf_anomaly *an = sf_flow_an(f);
    size_t n_an = sf_flow_nan(f);
    struct sf_buf *b = &tab->rows_text;
    struct row *r = row_push(&tab->rows, tab->nrows++, &tab->caprows);
    r->id = f->id;
    r->off = b->len;
    struct sf_buf *cell = &tab->cell;
    sf_buf_putu(cell, f->id);
    put_cell(b, cell, 5, false);
    sf_buf_putc(b, ' ');
    sf_endpoint_format(f, SF_CLIENT, cell);
    put_cell(b, cell, 22, true);
    sf_endpoint_format(f, SF_SERVER, cell);
    put_cell(b, cell, 22, true);
    sf_buf_puts(cell, sf_handshake_name(f->handshake));
    put_cell(b, cell, 10, true);
    sf_close_format(f, cell);
    if (f->half_close)
        sf_buf_puts(cell, ", half-close");
    put_cell(b, cell, 24, true);
    sf_buf_put_secs(cell, sf_flow_since(f, sf_flow_time(f, SF_T_LAST)));
    put_cell(b, cell, 11, false);
    sf_buf_putu(cell, f->ep[0].packets + f->ep[1].packets);
    put_cell(b, cell, 6, false);
    sf_buf_putc(b, ' ');
    sf_buf_puts(cell, sf_flow_conn_state(f));
    put_cell(b, cell, 6, true);
    if (n_an == 0)
        sf_buf_puts(b, "-");
    for (size_t i = 0; i < n_an; i++) {
        /* each type once, in order of appearance */
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= an[j].type == an[i].type;
        if (dup)
            continue;
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, sf_anomaly_name(an[i].type));
    }
    sf_buf_putc(b, '\n');
    r->len = (uint32_t)(b->len - r->off);
}

/* What on_flow_end decided to keep of `f`, formatted. */
static void add_flow(struct lines *ls, const struct flow_note *n,
                     const struct sf_flow *f)
{
    const struct sf_anomaly *an = sf_flow_an(f);
    for (size_t i = 0; i < n->nanoms; i++)
        add_anomaly(ls, n->origin, f, &an[i]);
    if (n->row)
        add_row(&ls->tab, f);
}

/* The output queue's callback: on the writer thread, it sees only the
 * record and `struct lines`. */
static void render(void *ctx, const void *rec, struct sf_buf *out)
{
    struct lines *ls = ctx;
    const struct rec *r = rec;
    const unsigned char *body = (const unsigned char *)rec + REC_BODY;
    if (r->kind == REC_TEXT) {
        sf_buf_add(out, (const char *)body, r->text_len);
        return;
    }
    if (r->kind == REC_FLOW) {
        add_flow(ls, &r->flow, (const struct sf_flow *)body);
        return;
    }
    const struct sf_tdfmt_line *l = (const struct sf_tdfmt_line *)body;
    sf_tdfmt_render(ls->render, l, out);
    if (!l->shown)
        return;
    if (!ls->plain)
        annotate(ls, r, &l->pkt, out);
    sf_buf_putc(out, '\n');
}

/* Queues the text in t->scratch as a line of its own. */
static int queue_text(struct sf_timeline *t)
{
    struct rec *r = sf_outq_begin(t->q, REC_BODY + t->scratch.len);
    r->kind = REC_TEXT;
    r->text_len = (uint32_t)t->scratch.len;
    memcpy((unsigned char *)r + REC_BODY, t->scratch.data, t->scratch.len);
    sf_buf_reset(&t->scratch);
    return sf_outq_end(t->q);
}

static int on_event(void *ctx, const struct sf_event *ev)
{
    struct sf_timeline *t = ctx;
    if (ev->kind == SF_EV_ANOMALY) {
        /* found at the end of input: the anomaly list says it, an inline
         * line after the last packet would only repeat it */
        if (t->cfg.plain || t->cfg.summary_only ||
            ev->flow->end_reason == SF_END_INPUT)
            return 0;
        /* a timeout found it: a line of its own, in time order */
        struct sf_buf *b = &t->scratch;
        sf_tdfmt_format_time(t->cfg.fmt, ev->ts_ns, b);
        sf_buf_puts(b, "# [");
        sf_buf_putu(b, ev->flow_id);
        sf_buf_puts(b, "] ");
        color(&t->lines, b, C_ANOM);
        sf_buf_putc(b, '!');
        sf_buf_puts(b, sf_anomaly_name(ev->anom[0]->type));
        color(&t->lines, b, C_RESET);
        sf_buf_puts(b, " (");
        sf_anomaly_format(ev->flow, ev->anom[0], b);
        sf_buf_puts(b, ")\n");
        return queue_text(t);
    }
    if (ev->kind != SF_EV_PACKET)
        return 0;
    if (t->cfg.summary_only) {
        /* no line, but -ttt and -ttttt measure the anomalies' times
         * from the first packet */
        sf_tdfmt_skip(t->cfg.fmt, ev->pkt);
        return 0;
    }
    /* the formatter and the renderer see every packet shown or not:
     * relative sequence numbers and -ttt depend on all of them */
    const struct sf_pkt *p = ev->pkt;
    bool shown = !t->cfg.anomalies_only || ev->nanom > 0;
    struct rec *r =
        sf_outq_begin(t->q, REC_BODY + sf_tdfmt_line_size(p, shown));
    struct sf_tdfmt_line *l =
        (struct sf_tdfmt_line *)((unsigned char *)r + REC_BODY);
    if (!sf_tdfmt_prepare(t->cfg.fmt, p, l, shown))
        return 0;
    r->kind = REC_PACKET;
    sf_event_note(&r->ev, ev);
    return sf_outq_end(t->q);
}

static int on_flow_end(void *ctx, const struct sf_flow *f, uint64_t end_ns)
{
    struct sf_timeline *t = ctx;
    const struct sf_anomaly *an = sf_flow_an(f);
    size_t n_an = sf_flow_nan(f);
    (void)end_ns;
    if (f->close < 7)
        t->close_counts[f->close]++;
    /* the first MAX_KEPT anomalies and shown rows are kept: what is
     * kept of this flow is decided here, in the order flows end */
    struct flow_note n = { .origin = sf_tdfmt_origin(t->cfg.fmt) };
    for (size_t i = 0; i < n_an; i++) {
        if (an[i].type < SF_AN_COUNT)
            t->anomaly_counts[an[i].type]++;
        if (t->nanoms++ < MAX_KEPT)
            n.nanoms++;
    }
    if (!t->cfg.plain && (!t->cfg.anomalies_only || n_an > 0))
        n.row = t->shown_flows++ < MAX_KEPT;
    if (!n.row && !n.nanoms)
        return 0;
    if (!t->q) {
        add_flow(&t->lines, &n, f);
        return 0;
    }
    /* the flow is freed after this call: the record carries a copy */
    struct rec *r = sf_outq_begin(t->q, REC_BODY + sf_flow_copy_size(f));
    r->kind = REC_FLOW;
    r->flow = n;
    sf_flow_copy((unsigned char *)r + REC_BODY, f);
    return sf_outq_end(t->q);
}

/* The kept rows in print order, as indexes: by time (the anomalies;
 * `by_time`), then flow, then the order they were kept. Stable sorts,
 * the last key first. `ord` and `tmp` have room for n each. */
static void row_order(const struct row *rows, size_t n, bool by_time,
                      struct sf_keyed *ord, struct sf_keyed *tmp)
{
    for (size_t i = 0; i < n; i++)
        ord[i] = (struct sf_keyed){ .key = rows[i].id, .tag = (uint32_t)i };
    sf_sort_keyed(ord, tmp, n);
    if (!by_time)
        return;
    for (size_t i = 0; i < n; i++)
        ord[i].key = rows[ord[i].tag].ts_ns;
    sf_sort_keyed(ord, tmp, n);
}

/* Appends the rows in that order, writing out as the buffer fills. */
static int put_rows(struct sf_timeline *t, const struct row *rows,
                    const struct sf_buf *text, const struct sf_keyed *ord,
                    size_t n)
{
    struct sf_buf *b = &t->out;
    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows[ord[i].tag];
        sf_buf_add(b, text->data + r->off, r->len);
        if (b->len >= FLUSH_AT) {
            int rc = sf_buf_write(b, t->cfg.fd);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int finish(void *ctx, const struct sf_totals *tot)
{
    struct sf_timeline *t = ctx;
    struct sf_buf *b = &t->out;
    struct tables *tab = &t->lines.tab;   /* ours again once drained */
    if (t->q) {
        int rc = sf_outq_drain(t->q);
        if (rc || t->cfg.plain)
            return rc;
    }
    if (!t->cfg.summary_only)       /* the packets end at a blank line */
        sf_buf_putc(b, '\n');
    size_t most = tab->nrows > tab->nanoms ? tab->nrows : tab->nanoms;
    struct sf_keyed *ord = sf_xmalloc((2 * most + 1) * sizeof(*ord));
    struct sf_keyed *tmp = ord + most;
    int rc = 0;
    if (t->nanoms) {
        sf_buf_printf(b, "Anomalies (%llu):\n", (unsigned long long)t->nanoms);
        row_order(tab->arows, tab->nanoms, true, ord, tmp);
        rc = put_rows(t, tab->arows, &tab->anoms, ord, tab->nanoms);
        if (tab->nanoms < t->nanoms)
            sf_buf_printf(b, "  ... and %llu more (--json lists them all)\n",
                          (unsigned long long)(t->nanoms - tab->nanoms));
        sf_buf_putc(b, '\n');
    }
    sf_buf_printf(b, "Flows (%llu):\n", (unsigned long long)t->shown_flows);
    if (tab->nrows)
        sf_buf_printf(b, "%5s  %-22s %-22s %-10s %-24s %11s %6s  %-6s %s\n",
                      "id", "client", "server", "handshake", "close",
                      "duration", "pkts", "zeek", "anomalies");
    row_order(tab->rows, tab->nrows, false, ord, tmp);
    if (!rc)
        rc = put_rows(t, tab->rows, &tab->rows_text, ord, tab->nrows);
    free(ord);
    if (rc)
        return rc;
    if (t->shown_flows > tab->nrows)
        sf_buf_printf(b, "  ... and %llu more flows, not kept for this table "
                      "(--json lists them all)\n",
                      (unsigned long long)(t->shown_flows - tab->nrows));
    sf_buf_printf(b, "\nPackets: %llu read, %llu TCP, %llu not decoded",
                  (unsigned long long)tot->packets,
                  (unsigned long long)tot->tcp,
                  (unsigned long long)tot->not_decoded);
    for (size_t i = 0; i < tot->nreasons; i++)
        sf_buf_printf(b, "%s%llu %s", i ? ", " : " (",
                      (unsigned long long)tot->reasons[i].n,
                      tot->reasons[i].why);
    sf_buf_puts(b, tot->nreasons ? ")\n" : "\n");
    if (tot->live)
        sf_buf_printf(b, "Capture: %llu received by filter, %llu dropped by "
                      "kernel, %llu dropped by interface\n",
                      (unsigned long long)tot->received,
                      (unsigned long long)tot->dropped,
                      (unsigned long long)tot->ifdropped);
    sf_buf_printf(b, "Flows: %llu", (unsigned long long)tot->flows);
    static const char *const kinds[] = { "none", "fin4", "fin3",
                                         "simultaneous", "half_closed",
                                         "rst", "refused" };
    bool any = false;
    for (int k = 0; k < 7; k++) {
        if (!t->close_counts[k])
            continue;
        sf_buf_printf(b, "%s%s %llu", any ? ", " : " (", kinds[k],
                      (unsigned long long)t->close_counts[k]);
        any = true;
    }
    sf_buf_puts(b, any ? ")" : "");
    if (tot->evicted)
        sf_buf_printf(b, "; %llu evicted by --max-flows",
                      (unsigned long long)tot->evicted);
    sf_buf_putc(b, '\n');
    if (t->nanoms) {
        sf_buf_printf(b, "Anomalies: %llu", (unsigned long long)t->nanoms);
        any = false;
        for (int k = 0; k < SF_AN_COUNT; k++) {
            if (!t->anomaly_counts[k])
                continue;
            sf_buf_printf(b, "%s%s %llu", any ? ", " : " (",
                          sf_anomaly_name((enum sf_anomaly_type)k),
                          (unsigned long long)t->anomaly_counts[k]);
            any = true;
        }
        sf_buf_puts(b, ")\n");
    }
    return sf_buf_write(b, t->cfg.fd);
}

struct sf_sink sf_timeline_sink(struct sf_timeline *t)
{
    struct sf_sink s = { .ctx = t, .on_event = on_event,
                         .on_flow_end = on_flow_end, .finish = finish };
    return s;
}
