/* report_ladder: reporter for --ladder. Input: packet and anomaly events
 * and finished flows; output: one sequence diagram per flow, in flow id
 * order, after the input ends (live: at exit). Rows are kept per flow
 * while it lives (handshake, close and RST segments, state changes,
 * anomalies; runs of plain data collapsed into one row), drawn when the
 * flow ends, and printed sorted at the end. Unicode box drawing or ASCII,
 * fitted to the width given (at least 72 columns). */

#include "synfin/report_ladder.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 400            /* rows drawn per flow; the rest counted */
#define MAX_FLOWS 10000         /* diagrams kept for the end */
#define STATE_W 12              /* a state name column */
#define TIME_W 12               /* "   12.345678 " */

#define C_RESET "\033[0m"
#define C_STATE "\033[33m"
#define C_ANOM "\033[1;31m"

enum row_kind { ROW_SEG, ROW_DATA, ROW_NOTE };

struct lrow {
    uint64_t t_ns;              /* since the flow's first packet */
    uint8_t kind;               /* enum row_kind */
    bool at_end;                /* ROW_NOTE found when the flow ended */
    uint8_t dir;                /* SF_CLIENT: client to server */
    int8_t state[2];            /* new state per side, or -1 */
    char text[48];              /* "SYN-ACK seq 0 ack 1" */
    uint32_t segs[2];           /* ROW_DATA: segments per direction */
    uint64_t bytes;             /* ROW_DATA: payload bytes */
    uint8_t nan;
    uint16_t an[SF_EV_MAX_ANOM]; /* indices into the flow's anomalies
                                  * (append-only: final counts at draw) */
};

struct lflow {
    struct lrow *rows;
    size_t n, cap;
    uint64_t dropped;           /* rows beyond MAX_ROWS */
    struct lrow run;            /* data run being collected */
    bool in_run;
    bool have_base[2];
    uint32_t base[2];           /* first sequence number per side */
    uint64_t since[2];          /* when each side's state last changed */
    uint64_t end;               /* when the flow ended (as `since`) */
};

struct drawn {
    uint32_t id;
    size_t off, len;            /* in text */
    size_t svg_off, svg_len;    /* in svg */
    unsigned svg_h;             /* height of the SVG diagram */
};

struct glyphs {
    const char *line, *head_r, *head_l, *bar, *both, *to, *from, *arrow;
};

static const struct glyphs unicode = { "\xe2\x94\x80", "\xe2\x96\xb6",
                                       "\xe2\x97\x80", "\xe2\x94\x82",
                                       "\xe2\x87\x84", "\xe2\x86\x92",
                                       "\xe2\x86\x90", "\xe2\x86\x92" };
static const struct glyphs ascii = { "-", ">", "<", "|", "<>", "->", "<-",
                                     "->" };

struct sf_ladder {
    struct sf_ladder_config cfg;
    const struct glyphs *g;
    struct lflow **flows;       /* by slot_of() */
    size_t nflows;
    struct sf_buf text;         /* drawn diagrams */
    struct sf_buf svg;          /* the same, as SVG groups */
    struct drawn *drawn;
    size_t ndrawn, capdrawn;
    uint64_t not_kept;
};

struct sf_ladder *sf_ladder_new(const struct sf_ladder_config *cfg,
                                char *errbuf)
{
    (void)errbuf;
    struct sf_ladder *l = sf_xcalloc(1, sizeof(*l));
    l->cfg = *cfg;
    if (l->cfg.width < 72)
        l->cfg.width = 72;
    l->g = cfg->ascii ? &ascii : &unicode;
    sf_buf_init(&l->text);
    sf_buf_init(&l->svg);
    return l;
}

static void lflow_free(struct lflow *lf)
{
    if (lf) {
        free(lf->rows);
        free(lf);
    }
}

void sf_ladder_free(struct sf_ladder *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->nflows; i++)
        lflow_free(l->flows[i]);
    free(l->flows);
    free(l->drawn);
    sf_buf_fini(&l->text);
    sf_buf_fini(&l->svg);
    free(l);
}

/* Where flow `id` is kept: by id, or in the one slot with --ladder=ID;
 * SIZE_MAX for a flow not drawn. */
static size_t slot_of(const struct sf_ladder *l, uint32_t id)
{
    if (id == 0)
        return SIZE_MAX;
    if (l->cfg.only)
        return id == l->cfg.only ? 0 : SIZE_MAX;
    return id - 1;
}

/* The rows of flow `id`, started on its first event; NULL for a flow not
 * drawn, and for new flows once MAX_FLOWS diagrams are kept. */
static struct lflow *flow_of(struct sf_ladder *l, uint32_t id)
{
    size_t k = slot_of(l, id);
    if (k == SIZE_MAX)
        return NULL;
    if (k >= l->nflows) {
        if (l->ndrawn == MAX_FLOWS)
            return NULL;
        size_t n = l->nflows ? l->nflows : 64;
        while (n <= k)
            n *= 2;
        l->flows = sf_xrealloc(l->flows, n * sizeof(*l->flows));
        memset(l->flows + l->nflows, 0,
               (n - l->nflows) * sizeof(*l->flows));
        l->nflows = n;
    }
    if (!l->flows[k] && l->ndrawn < MAX_FLOWS)
        l->flows[k] = sf_xcalloc(1, sizeof(struct lflow));
    return l->flows[k];
}

static void add_row(struct lflow *lf, const struct lrow *r)
{
    if (lf->n == MAX_ROWS) {
        lf->dropped++;
        return;
    }
    if (lf->n == lf->cap) {
        lf->cap = lf->cap ? lf->cap * 2 : 16;
        lf->rows = sf_xrealloc(lf->rows, lf->cap * sizeof(*lf->rows));
    }
    lf->rows[lf->n++] = *r;
}

static void end_run(struct lflow *lf)
{
    if (lf->in_run)
        add_row(lf, &lf->run);
    lf->in_run = false;
}

static uint32_t rel(const struct lflow *lf, int side, uint32_t v)
{
    return lf->have_base[side] ? v - lf->base[side] : v;
}

static void on_packet(struct lflow *lf, const struct sf_event *ev)
{
    const struct sf_pkt *p = ev->pkt;
    const struct sf_flow *f = ev->flow;
    int side = ev->side, peer = !side;
    uint64_t t = sf_flow_since(f, ev->ts_ns);
    /* relative numbers from each side's ISN (or first sequence seen) */
    for (int s = 0; s < 2; s++) {
        if (f->ep[s].syn && !lf->have_base[s]) {
            lf->base[s] = f->ep[s].iss;
            lf->have_base[s] = true;
        }
    }
    if (!lf->have_base[side]) {
        lf->base[side] = p->seq;
        lf->have_base[side] = true;
    }
    if (!lf->have_base[peer] && (p->flags & SF_TH_ACK)) {
        lf->base[peer] = p->ack - 1;    /* mid-stream: as tcpdump, from 1 */
        lf->have_base[peer] = true;
    }
    bool step = ev->step != SF_STEP_NONE && ev->step != SF_STEP_DATA &&
                ev->step != SF_STEP_ACK &&
                ev->step != SF_STEP_HALF_CLOSE_DATA;
    if (!step && ev->nstates == 0 && ev->nanom == 0) {
        if (!lf->in_run) {
            memset(&lf->run, 0, sizeof(lf->run));
            lf->run.kind = ROW_DATA;
            lf->run.t_ns = t;
            lf->run.state[0] = lf->run.state[1] = -1;
            lf->in_run = true;
        }
        lf->run.segs[side]++;
        lf->run.bytes += p->payload_len;
        return;
    }
    end_run(lf);
    struct lrow r;
    memset(&r, 0, sizeof(r));
    r.kind = ROW_SEG;
    r.t_ns = t;
    r.dir = (uint8_t)side;
    r.state[0] = r.state[1] = -1;
    uint8_t fl = p->flags;
    const char *name = (fl & SF_TH_RST)               ? "RST"
                       : (fl & SF_TH_SYN) && (fl & SF_TH_ACK) ? "SYN-ACK"
                       : (fl & SF_TH_SYN)              ? "SYN"
                       : (fl & SF_TH_FIN)              ? "FIN"
                       : p->payload_len                ? "data"
                                                       : "ACK";
    size_t n = (size_t)snprintf(r.text, sizeof(r.text), "%s", name);
    if ((fl & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) || p->payload_len)
        n += (size_t)snprintf(r.text + n, sizeof(r.text) - n, " seq %" PRIu32,
                              rel(lf, side, p->seq));
    if ((fl & SF_TH_ACK) && n < sizeof(r.text))
        n += (size_t)snprintf(r.text + n, sizeof(r.text) - n, " ack %" PRIu32,
                              rel(lf, peer, p->ack));
    if (p->payload_len && n < sizeof(r.text))
        n += (size_t)snprintf(r.text + n, sizeof(r.text) - n, " len %" PRIu32,
                              p->payload_len);
    if (ev->retransmit && n < sizeof(r.text))
        snprintf(r.text + n, sizeof(r.text) - n, " again");
    for (uint8_t i = 0; i < ev->nstates; i++) {
        r.state[ev->states[i].side] = (int8_t)ev->states[i].to;
        lf->since[ev->states[i].side] = t;
    }
    for (uint8_t i = 0; i < ev->nanom; i++)
        r.an[r.nan++] = (uint16_t)(ev->anom[i] - sf_flow_an(f));
    add_row(lf, &r);
}

static int on_event(void *ctx, const struct sf_event *ev)
{
    struct sf_ladder *l = ctx;
    struct lflow *lf = flow_of(l, ev->flow_id);
    if (!lf)
        return 0;
    if (ev->kind == SF_EV_PACKET) {
        on_packet(lf, ev);
    } else if (ev->kind == SF_EV_ANOMALY) {
        end_run(lf);
        struct lrow r;
        memset(&r, 0, sizeof(r));
        r.kind = ROW_NOTE;
        r.at_end = ev->at_end;
        r.t_ns = sf_flow_since(ev->flow, ev->ts_ns);
        r.state[0] = r.state[1] = -1;
        r.an[0] = (uint16_t)(ev->anom[0] - sf_flow_an(ev->flow));
        r.nan = 1;
        add_row(lf, &r);
    }
    return 0;
}

/* ---- drawing ---- */

static void put_rep(struct sf_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sf_buf_puts(b, s);
}

/* Appends `text` (plain ASCII) wrapped at spaces to `width` columns:
 * the first line continues what is already there (`col` columns used),
 * the others start with `indent` spaces. Ends with a newline. */
static void put_wrapped(struct sf_buf *b, const char *text, size_t col,
                        size_t indent, size_t width)
{
    const char *p = text;
    while (*p) {
        const char *sp = strchr(p, ' ');
        size_t word = sp ? (size_t)(sp - p) : strlen(p);
        if (col > indent && col + 1 + word > width) {
            sf_buf_putc(b, '\n');
            put_rep(b, " ", indent);
            col = indent;
        } else if (p != text) {
            sf_buf_putc(b, ' ');
            col++;
        }
        sf_buf_add(b, p, word);
        col += word;
        p += word;
        while (*p == ' ')
            p++;
    }
    sf_buf_putc(b, '\n');
}

static void put_time(struct sf_buf *b, uint64_t t)
{
    sf_buf_printf(b, "%4" PRIu64 ".%06" PRIu64 " ", t / 1000000000,
                  t % 1000000000 / 1000);
}

static void put_state(struct sf_ladder *l, struct sf_buf *b, int state,
                      bool right)
{
    const char *name = state >= 0 ? sf_state_name((enum sf_tcp_state)state)
                                  : "";
    size_t n = strlen(name);
    if (n > STATE_W)
        n = STATE_W;
    if (!right)
        put_rep(b, " ", STATE_W - n);
    if (n && l->cfg.color)
        sf_buf_puts(b, C_STATE);
    sf_buf_add(b, name, n);
    if (n && l->cfg.color)
        sf_buf_puts(b, C_RESET);
    if (right)
        put_rep(b, " ", STATE_W - n);
}

/* The lane between the two lines: `inner` columns. */
static void put_lane(struct sf_ladder *l, struct sf_buf *b,
                     const struct lrow *r, size_t inner)
{
    const struct glyphs *g = l->g;
    char text[96];
    size_t tl;
    if (r->kind == ROW_DATA) {
        /* the longest form that fits: arrows are one column in Unicode,
         * so columns are counted, not bytes */
        uint32_t segs = r->segs[SF_CLIENT] + r->segs[SF_SERVER];
        size_t arrows = l->cfg.ascii ? 0 : 4;     /* 2 x (3 bytes - 1) */
        tl = (size_t)snprintf(text, sizeof(text),
                              "%" PRIu32 " segment%s (%" PRIu32 " %s, %" PRIu32
                              " %s), %" PRIu64 " bytes", segs,
                              segs == 1 ? "" : "s",
                              r->segs[SF_CLIENT], l->g->to,
                              r->segs[SF_SERVER], l->g->from, r->bytes);
        if (tl - arrows + 4 > inner) {
            arrows = 0;
            tl = (size_t)snprintf(text, sizeof(text),
                                  "%" PRIu32 " segment%s, %" PRIu64 " bytes",
                                  segs, segs == 1 ? "" : "s", r->bytes);
            if (tl + 4 > inner)
                tl = (size_t)snprintf(text, sizeof(text), "%" PRIu32 " segs",
                                      segs);
            if (tl + 4 > inner)
                tl = inner > 4 ? inner - 4 : 0;
        }
        size_t cols = tl - arrows;
        size_t both = l->cfg.ascii ? 2 : 1;
        size_t pad = inner > cols + both + 2 ? (inner - cols - both - 2) / 2
                                             : 0;
        put_rep(b, " ", pad);
        sf_buf_puts(b, g->both);
        sf_buf_putc(b, ' ');
        sf_buf_add(b, text, tl);
        sf_buf_putc(b, ' ');
        size_t used = pad + both + 2 + cols;
        put_rep(b, " ", inner > used ? inner - used : 0);
        return;
    }
    if (r->kind == ROW_NOTE) {
        put_rep(b, " ", inner);
        return;
    }
    tl = strlen(r->text);
    if (tl + 6 > inner)
        tl = inner > 6 ? inner - 6 : 0;
    size_t fill = inner - tl - 4;       /* head, 2 spaces, 1 lead line */
    if (r->dir == SF_CLIENT) {
        sf_buf_puts(b, g->line);
        sf_buf_putc(b, ' ');
        sf_buf_add(b, r->text, tl);
        sf_buf_putc(b, ' ');
        put_rep(b, g->line, fill);
        sf_buf_puts(b, g->head_r);
    } else {
        sf_buf_puts(b, g->head_l);
        put_rep(b, g->line, fill);
        sf_buf_putc(b, ' ');
        sf_buf_add(b, r->text, tl);
        sf_buf_putc(b, ' ');
        sf_buf_puts(b, g->line);
    }
}

/* "! type: detail", under the row it belongs to, wrapped to the width. */
static void put_anomaly(struct sf_ladder *l, const struct sf_anomaly *a,
                        const struct sf_flow *f, struct sf_buf *scratch,
                        struct sf_buf *b)
{
    const char *name = sf_anomaly_name((enum sf_anomaly_type)a->type);
    put_rep(b, " ", TIME_W);
    if (l->cfg.color)
        sf_buf_printf(b, "%s! %s%s:", C_ANOM, name, C_RESET);
    else
        sf_buf_printf(b, "! %s:", name);
    sf_buf_reset(scratch);
    sf_anomaly_format(f, a, scratch);
    sf_buf_putc(b, ' ');
    put_wrapped(b, scratch->data, TIME_W + strlen(name) + 4, TIME_W + 2,
                l->cfg.width);
}

static void draw(struct sf_ladder *l, const struct sf_flow *f,
                 struct lflow *lf, struct sf_buf *b)
{
    size_t inner = l->cfg.width - TIME_W - 2 * STATE_W - 4;
    struct sf_buf cell;
    sf_buf_init(&cell);
    /* header: the two endpoints, on two lines when one is too narrow */
    sf_buf_printf(&cell, "[%u] client ", f->id);
    sf_endpoint_format(f, SF_CLIENT, &cell);
    size_t client_len = cell.len;
    sf_buf_printf(&cell, " %s server ", l->g->arrow);
    sf_endpoint_format(f, SF_SERVER, &cell);
    if (cell.len - (l->cfg.ascii ? 0 : 2) <= l->cfg.width) {
        sf_buf_add(b, cell.data, cell.len);
    } else {
        sf_buf_add(b, cell.data, client_len);
        sf_buf_puts(b, "\n    server ");
        sf_endpoint_format(f, SF_SERVER, b);
    }
    sf_buf_printf(b, "\n    handshake %s, close ",
                  sf_handshake_name(f->handshake));
    sf_close_format(f, b);
    sf_buf_putc(b, '\n');
    put_rep(b, " ", TIME_W);
    sf_buf_printf(b, "%*s ", STATE_W, "client");
    put_rep(b, " ", inner + 2);
    sf_buf_puts(b, " server\n");
    for (size_t i = 0; i < lf->n; i++) {
        const struct lrow *r = &lf->rows[i];
        if (r->at_end)
            continue;               /* drawn after the end row */
        put_time(b, r->t_ns);
        put_state(l, b, r->state[SF_CLIENT], false);
        sf_buf_putc(b, ' ');
        sf_buf_puts(b, l->g->bar);
        put_lane(l, b, r, inner);
        sf_buf_puts(b, l->g->bar);
        sf_buf_putc(b, ' ');
        put_state(l, b, r->state[SF_SERVER], true);
        while (b->len && b->data[b->len - 1] == ' ')
            b->len--;                   /* no trailing blanks */
        b->data[b->len] = '\0';
        sf_buf_putc(b, '\n');
        for (uint8_t k = 0; k < r->nan; k++)
            put_anomaly(l, &sf_flow_an(f)[r->an[k]], f, &cell, b);
    }
    if (lf->dropped)
        sf_buf_printf(b, "%*s... %" PRIu64 " more rows\n", TIME_W, "",
                      lf->dropped);
    /* states still held at the end, with how long */
    uint64_t end = lf->end;
    bool any = false;
    for (int s = 0; s < 2; s++)
        any |= f->ep[s].state != SF_TCP_CLOSED;
    if (any) {
        put_time(b, end);
        sf_buf_reset(&cell);
        sf_buf_puts(&cell, "end:");
        for (int s = 0; s < 2; s++) {
            if (f->ep[s].state == SF_TCP_CLOSED)
                continue;
            uint64_t d = end > lf->since[s] ? end - lf->since[s] : 0;
            if (cell.len > 4)
                sf_buf_putc(&cell, ',');
            sf_buf_printf(&cell, " %s %s for ", sf_side_name((enum sf_side)s),
                          sf_state_name((enum sf_tcp_state)f->ep[s].state));
            sf_buf_put_secs(&cell, d);
        }
        put_wrapped(b, cell.data, TIME_W, TIME_W + 5, l->cfg.width);
    }
    /* what only the end could tell: syn_unanswered, synack_unacked... */
    for (size_t i = 0; i < lf->n; i++)
        if (lf->rows[i].at_end)
            put_anomaly(l, &sf_flow_an(f)[lf->rows[i].an[0]], f, &cell,
                        b);
    sf_buf_putc(b, '\n');
    sf_buf_fini(&cell);
}

/* ---- SVG: the same rows, drawn for a browser or a report ---- */

#define SVG_W 960
#define SVG_CX 300              /* client line */
#define SVG_SX 700              /* server line */
#define SVG_ROW 30
#define SVG_NOTE 18

static void xml_text(struct sf_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': sf_buf_puts(b, "&amp;"); break;
        case '<': sf_buf_puts(b, "&lt;"); break;
        case '>': sf_buf_puts(b, "&gt;"); break;
        case '"': sf_buf_puts(b, "&quot;"); break;
        default: sf_buf_putc(b, *s); break;
        }
    }
}

static void svg_anomaly(const struct sf_flow *f, const struct sf_anomaly *a,
                        struct sf_buf *scratch, struct sf_buf *b, unsigned y)
{
    sf_buf_reset(scratch);
    sf_buf_printf(scratch, "! %s: ",
                  sf_anomaly_name((enum sf_anomaly_type)a->type));
    sf_anomaly_format(f, a, scratch);
    sf_buf_printf(b, "<text x=\"110\" y=\"%u\" class=\"an\">", y);
    xml_text(b, scratch->data);
    sf_buf_puts(b, "</text>\n");
}

/* One flow's diagram as an SVG group starting at y = 0; returns its
 * height. */
static unsigned draw_svg(const struct sf_flow *f, struct lflow *lf,
                         struct sf_buf *b)
{
    struct sf_buf cell, scratch;
    sf_buf_init(&cell);
    sf_buf_init(&scratch);
    sf_buf_printf(&cell, "[%u] client ", f->id);
    sf_endpoint_format(f, SF_CLIENT, &cell);
    sf_buf_puts(&cell, " \xe2\x86\x92 server ");
    sf_endpoint_format(f, SF_SERVER, &cell);
    sf_buf_printf(&cell, " \xe2\x80\x94 handshake %s, close ",
                  sf_handshake_name(f->handshake));
    sf_close_format(f, &cell);
    sf_buf_puts(b, "<text x=\"10\" y=\"22\" class=\"h\">");
    xml_text(b, cell.data);
    sf_buf_puts(b, "</text>\n");
    sf_buf_printf(b, "<text x=\"%d\" y=\"48\" class=\"side\">client</text>"
                  "<text x=\"%d\" y=\"48\" class=\"side\">server</text>\n",
                  SVG_CX, SVG_SX);
    unsigned y = 70;
    for (size_t i = 0; i < lf->n; i++) {
        const struct lrow *r = &lf->rows[i];
        if (r->at_end)
            continue;
        sf_buf_printf(b, "<text x=\"10\" y=\"%u\" class=\"t\">%" PRIu64
                      ".%06" PRIu64 "</text>\n", y + 4, r->t_ns / 1000000000,
                      r->t_ns % 1000000000 / 1000);
        for (int s = 0; s < 2; s++) {
            if (r->state[s] < 0)
                continue;
            sf_buf_printf(b, "<text x=\"%d\" y=\"%u\" class=\"st%s\">%s"
                          "</text>\n", s == 0 ? SVG_CX - 10 : SVG_SX + 10,
                          y + 4, s == 0 ? " l" : "",
                          sf_state_name((enum sf_tcp_state)r->state[s]));
        }
        const char *cls = r->nan ? "arr bad" : "arr";
        if (r->kind == ROW_SEG) {
            bool c2s = r->dir == SF_CLIENT;
            sf_buf_printf(b, "<line x1=\"%d\" y1=\"%u\" x2=\"%d\" "
                          "y2=\"%u\" class=\"%s\" marker-end=\"url(#%s)\"/>\n",
                          c2s ? SVG_CX : SVG_SX, y - 4, c2s ? SVG_SX - 2
                                                            : SVG_CX + 2,
                          y + 6, cls, r->nan ? "hb" : "h");
            sf_buf_printf(b, "<text x=\"%d\" y=\"%u\" class=\"lbl\">",
                          (SVG_CX + SVG_SX) / 2, y - 6);
            xml_text(b, r->text);
            sf_buf_puts(b, "</text>\n");
        } else if (r->kind == ROW_DATA) {
            sf_buf_printf(b, "<text x=\"%d\" y=\"%u\" class=\"data\">"
                          "\xe2\x87\x84 %" PRIu32 " segments (%" PRIu32
                          " \xe2\x86\x92, %" PRIu32 " \xe2\x86\x90), %" PRIu64
                          " bytes</text>\n", (SVG_CX + SVG_SX) / 2, y + 4,
                          r->segs[0] + r->segs[1], r->segs[0], r->segs[1],
                          r->bytes);
        }
        y += SVG_ROW;
        for (uint8_t k = 0; k < r->nan; k++) {
            svg_anomaly(f, &sf_flow_an(f)[r->an[k]], &scratch, b, y - 8);
            y += SVG_NOTE;
        }
    }
    uint64_t end = lf->end;
    for (int s = 0; s < 2; s++) {
        if (f->ep[s].state == SF_TCP_CLOSED)
            continue;
        uint64_t d = end > lf->since[s] ? end - lf->since[s] : 0;
        /* a lingering state: drawn down to the end, with its duration */
        int x = s == 0 ? SVG_CX : SVG_SX;
        sf_buf_printf(b, "<rect x=\"%d\" y=\"%u\" width=\"8\" height=\"24\" "
                      "class=\"linger\"/>\n", x - 4, y - 20);
        sf_buf_printf(b, "<text x=\"%d\" y=\"%u\" class=\"st%s\">%s for ",
                      s == 0 ? x - 10 : x + 10, y, s == 0 ? " l" : "",
                      sf_state_name((enum sf_tcp_state)f->ep[s].state));
        sf_buf_put_secs(b, d);
        sf_buf_puts(b, "</text>\n");
    }
    y += 14;
    for (size_t i = 0; i < lf->n; i++) {
        if (lf->rows[i].at_end) {
            svg_anomaly(f, &sf_flow_an(f)[lf->rows[i].an[0]], &scratch, b,
                        y);
            y += SVG_NOTE;
        }
    }
    sf_buf_printf(b, "<line x1=\"%d\" y1=\"56\" x2=\"%d\" y2=\"%u\" "
                  "class=\"life\"/><line x1=\"%d\" y1=\"56\" x2=\"%d\" "
                  "y2=\"%u\" class=\"life\"/>\n", SVG_CX, SVG_CX, y - 10,
                  SVG_SX, SVG_SX, y - 10);
    sf_buf_fini(&cell);
    sf_buf_fini(&scratch);
    return y + 16;
}

static int on_flow_end(void *ctx, const struct sf_flow *f, uint64_t end_ns)
{
    struct sf_ladder *l = ctx;
    size_t k = slot_of(l, f->id);
    if (k == SIZE_MAX)
        return 0;
    struct lflow *lf = k < l->nflows ? l->flows[k] : NULL;
    if (!lf) {                  /* started after MAX_FLOWS were kept */
        l->not_kept++;
        return 0;
    }
    l->flows[k] = NULL;
    end_run(lf);
    lf->end = sf_flow_since(f, end_ns);
    if (l->ndrawn == MAX_FLOWS) {
        l->not_kept++;
    } else {
        if (l->ndrawn == l->capdrawn) {
            l->capdrawn = l->capdrawn ? l->capdrawn * 2 : 64;
            l->drawn = sf_xrealloc(l->drawn, l->capdrawn * sizeof(*l->drawn));
        }
        struct drawn *d = &l->drawn[l->ndrawn++];
        d->id = f->id;
        d->off = l->text.len;
        if (l->cfg.text)
            draw(l, f, lf, &l->text);
        d->len = l->text.len - d->off;
        d->svg_off = l->svg.len;
        d->svg_h = l->cfg.svg_fd >= 0 ? draw_svg(f, lf, &l->svg) : 0;
        d->svg_len = l->svg.len - d->svg_off;
    }
    lflow_free(lf);
    return 0;
}

static int drawn_cmp(const void *a, const void *b)
{
    const struct drawn *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int finish(void *ctx, const struct sf_totals *t)
{
    struct sf_ladder *l = ctx;
    (void)t;
    struct sf_buf out;
    sf_buf_init(&out);
    if (l->ndrawn)
        qsort(l->drawn, l->ndrawn, sizeof(*l->drawn), drawn_cmp);
    int rc = 0;
    for (size_t i = 0; i < l->ndrawn && l->cfg.text && rc == 0; i++) {
        sf_buf_add(&out, l->text.data + l->drawn[i].off, l->drawn[i].len);
        if (out.len >= (1u << 16))
            rc = sf_buf_write(&out, l->cfg.fd);
    }
    if (l->not_kept)
        sf_buf_printf(&out, "... and %" PRIu64 " more flows (use --ladder=ID "
                      "for one of them)\n", l->not_kept);
    if (l->cfg.only && l->ndrawn == 0)
        sf_buf_printf(&out, "no flow %u\n", l->cfg.only);
    if (rc == 0)
        rc = sf_buf_write(&out, l->cfg.fd);
    if (rc == 0 && l->cfg.svg_fd >= 0) {
        /* one document: the diagrams stacked, each under its heading */
        unsigned h = 0;
        for (size_t i = 0; i < l->ndrawn; i++)
            h += l->drawn[i].svg_h;
        sf_buf_printf(&out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%u\" viewBox=\"0 0 %d %u\">\n"
            "<style>text{font-family:'DejaVu Sans',Helvetica,Arial,"
            "sans-serif;font-size:13px;fill:#222}"
            ".h{font-size:15px;font-weight:bold}"
            ".side{font-weight:bold;text-anchor:middle}"
            ".t{font-family:'DejaVu Sans Mono',monospace;fill:#777}"
            ".st{fill:#8a5a00;font-weight:bold}.l{text-anchor:end}"
            ".lbl{text-anchor:middle;font-family:'DejaVu Sans Mono',"
            "monospace}.data{text-anchor:middle;fill:#666}"
            ".an{fill:#c00;paint-order:stroke;stroke:#fff;stroke-width:4px;"
            "stroke-linejoin:round}.life{stroke:#444;stroke-width:2}"
            ".arr{stroke:#225;stroke-width:1.5}.bad{stroke:#c00}"
            ".linger{fill:#e8b84a}</style>\n"
            "<defs><marker id=\"h\" markerWidth=\"10\" markerHeight=\"8\" "
            "refX=\"9\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L10,4 "
            "L0,8 z\" fill=\"#225\"/></marker><marker id=\"hb\" "
            "markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" "
            "orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" "
            "fill=\"#c00\"/></marker></defs>\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
            SVG_W, h ? h : 40, SVG_W, h ? h : 40);
        unsigned y = 0;
        for (size_t i = 0; i < l->ndrawn && rc == 0; i++) {
            sf_buf_printf(&out, "<g transform=\"translate(0,%u)\">\n", y);
            sf_buf_add(&out, l->svg.data + l->drawn[i].svg_off,
                       l->drawn[i].svg_len);
            sf_buf_puts(&out, "</g>\n");
            y += l->drawn[i].svg_h;
            if (out.len >= (1u << 16))
                rc = sf_buf_write(&out, l->cfg.svg_fd);
        }
        sf_buf_puts(&out, "</svg>\n");
        if (rc == 0)
            rc = sf_buf_write(&out, l->cfg.svg_fd);
    }
    sf_buf_fini(&out);
    return rc;
}

struct sf_sink sf_ladder_sink(struct sf_ladder *l)
{
    struct sf_sink s = { .ctx = l, .on_event = on_event,
                         .on_flow_end = on_flow_end, .finish = finish };
    return s;
}
