/* report_json: reporter for scripts. Input: finished flows and the run's
 * totals; output: NDJSON, a "flow" object per flow when it ends and a
 * "summary" object last. json-c keeps insertion order, so the key order
 * below is the contract's order. Flow and event objects are templates
 * whose values are rewritten (below); the summary, made once, is built
 * the plain json-c way: created, filled, added to its parent at once,
 * only the root put. */

#include "synfin/report_json.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/outq.h"

/* Flow and event objects are not built anew each time: a template of
 * each is built once and its values rewritten in place, so a flow costs
 * no object, hash table or key allocation (they were most of the time);
 * only a string whose text changed, and the anomaly entries, are new.
 * A value that may be null is a slot: our own object, put into its
 * parent or replaced by null there (json-c replaces a key's value in
 * place, so the order stays). Times and integers are text we
 * write ourselves, handed to json-c through a serializer of our own.
 *
 * Building and serializing run on the output queue's writer thread
 * (outq.h) from copies of the flow or event; only the counts for the
 * summary are kept on the main thread. */

/* Room for any fixed_text(): 20 digits, a dot, 9 decimals and a NUL. */
#define FIXED_MAX 32

/* A value written as our own text: times, durations and integers. */
struct fixed {
    char text[FIXED_MAX];
    int len;
};

struct slot {
    json_object *parent;
    const char *key;            /* static */
    json_object *val;           /* ours: we hold one reference */
    bool shown;                 /* val is in parent (else null there) */
    struct fixed fx;            /* fixed-point and integer slots */
};

static int fixed_to_json(json_object *o, struct printbuf *pb, int level,
                         int flags)
{
    (void)level, (void)flags;
    const struct fixed *fx = json_object_get_userdata(o);
    return printbuf_memappend(pb, fx->text, fx->len);
}

static void add(json_object *parent, const char *key, json_object *val)
{
    json_object_object_add_ex(parent, key, val,
                              JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

/* `val` becomes the slot's value; `parent` owns a reference too. */
static void slot_init(struct slot *s, json_object *parent, const char *key,
                      json_object *val)
{
    s->parent = parent;
    s->key = key;
    s->val = val;
    s->shown = true;
    add(parent, key, json_object_get(val));
}

static void slot_show(struct slot *s, bool present)
{
    if (present == s->shown)
        return;
    add(s->parent, s->key, present ? json_object_get(s->val) : NULL);
    s->shown = present;
}

static void slot_free(struct slot *s)
{
    json_object_put(s->val);
}

static void fixed_init(struct slot *s, json_object *parent, const char *key)
{
    json_object *o = json_object_new_double(0);
    json_object_set_serializer(o, fixed_to_json, &s->fx, NULL);
    slot_init(s, parent, key, o);
}

/* An integer slot: a fixed_init() slot whose text is a decimal (json-c
 * prints an int64 with snprintf, which was a third of --json's writer
 * thread). Every value is unsigned. */
static void set_int(struct slot *s, bool present, uint64_t v)
{
    slot_show(s, present);
    if (present)
        s->fx.len = (int)(sf_put_u64(s->fx.text, v) - s->fx.text);
}

static void set_str(struct slot *s, bool present, const char *v)
{
    if (present && strcmp(json_object_get_string(s->val), v) != 0) {
        /* a new object, not json_object_set_string(): json-c 0.16 loses
         * the buffer of a string it had to grow (LeakSanitizer found it
         * under the pipeline fuzzer); most values repeat anyway */
        json_object *o = json_object_new_string(v);
        if (s->shown)
            add(s->parent, s->key, json_object_get(o));
        json_object_put(s->val);
        s->val = o;
    }
    slot_show(s, present);
}

static void set_bool(struct slot *s, bool v)
{
    json_object_set_boolean(s->val, v);
}

/* v / 10^zeros written by us, never float noise: `zeros` decimals for
 * nanosecond captures, three fewer for microsecond ones. `text` has
 * FIXED_MAX bytes; it gets a NUL too. Returns the length. */
static int fixed_text(char *text, bool nano, uint64_t v, int zeros)
{
    uint64_t unit = 1;
    for (int i = 0; i < zeros; i++)
        unit *= 10;
    uint64_t frac = v % unit;
    if (!nano)
        frac /= 1000, zeros -= 3;
    int n = (int)(sf_put_u64(text, v / unit) - text);
    text[n++] = '.';
    for (int i = zeros - 1; i >= 0; i--) {
        text[n + i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    text[n + zeros] = '\0';
    return n + zeros;
}

static void set_fixed(struct slot *s, bool nano, bool present, uint64_t v,
                      int zeros)
{
    slot_show(s, present);
    if (present)
        s->fx.len = fixed_text(s->fx.text, nano, v, zeros);
}

/* Epoch seconds with 6 decimals (9 for nanosecond captures); time 0 is
 * null as well as one not `present`. */
static void set_ts(struct slot *s, bool nano, bool present, uint64_t ns)
{
    set_fixed(s, nano, present && ns != 0, ns, 9);
}

/* A duration in milliseconds, to the microsecond (nanosecond). */
static void set_ms(struct slot *s, bool nano, bool valid, uint64_t from_ns,
                   uint64_t to_ns)
{
    set_fixed(s, nano, valid && to_ns >= from_ns, to_ns - from_ns, 6);
}

static void set_side(struct slot *s, uint8_t side)
{
    set_str(s, side != SF_NOSIDE, sf_side_name((enum sf_side)side));
}

/* ---- flow objects ---- */

enum {
    F_ID, F_CIP, F_CPORT, F_SIP, F_SPORT, F_FIRST, F_LAST, F_DUR,
    F_PKT_C, F_PKT_S, F_BYTES_C, F_BYTES_S, F_RE_C, F_RE_S,
    F_HS_STATE, F_SYN_TS, F_SYNACK_TS, F_ACK_TS, F_SYN_SYNACK, F_SYNACK_ACK,
    F_RTT, F_SYN_COUNT, F_SYNACK_COUNT, F_MSS_C, F_MSS_S, F_WS_C, F_WS_S,
    F_SACK, F_TS, F_TFO,
    F_KIND, F_INITIATOR, F_RST_BY, F_HALF, F_COMPLETE,
    F_ST_C, F_ST_S, F_CONN, F_HISTORY, F_END, F_NSLOTS
};

struct flow_tpl {
    json_object *root, *anomalies;
    struct slot s[F_NSLOTS];
    struct sf_buf text;         /* addresses and anomaly details */
};

static json_object *child(json_object *parent, const char *key)
{
    json_object *o = json_object_new_object();
    add(parent, key, o);
    return o;
}

static void flow_tpl_init(struct flow_tpl *t)
{
    struct slot *s = t->s;
    sf_buf_init(&t->text);
    json_object *o = t->root = json_object_new_object();
    add(o, "type", json_object_new_string("flow"));
    fixed_init(&s[F_ID], o, "id");
    json_object *c = child(o, "client");
    slot_init(&s[F_CIP], c, "ip", json_object_new_string(""));
    fixed_init(&s[F_CPORT], c, "port");
    c = child(o, "server");
    slot_init(&s[F_SIP], c, "ip", json_object_new_string(""));
    fixed_init(&s[F_SPORT], c, "port");
    fixed_init(&s[F_FIRST], o, "first_ts");
    fixed_init(&s[F_LAST], o, "last_ts");
    fixed_init(&s[F_DUR], o, "duration_ms");
    static const char *const pairs[] = { "packets", "bytes", "retransmits" };
    for (int i = 0; i < 3; i++) {
        c = child(o, pairs[i]);
        fixed_init(&s[F_PKT_C + 2 * i], c, "client");
        fixed_init(&s[F_PKT_S + 2 * i], c, "server");
    }
    json_object *h = child(o, "handshake");
    slot_init(&s[F_HS_STATE], h, "state", json_object_new_string(""));
    fixed_init(&s[F_SYN_TS], h, "syn_ts");
    fixed_init(&s[F_SYNACK_TS], h, "synack_ts");
    fixed_init(&s[F_ACK_TS], h, "ack_ts");
    fixed_init(&s[F_SYN_SYNACK], h, "syn_to_synack_ms");
    fixed_init(&s[F_SYNACK_ACK], h, "synack_to_ack_ms");
    fixed_init(&s[F_RTT], h, "rtt_ms");
    fixed_init(&s[F_SYN_COUNT], h, "syn_count");
    fixed_init(&s[F_SYNACK_COUNT], h, "synack_count");
    c = child(h, "options");
    fixed_init(&s[F_MSS_C], c, "mss_client");
    fixed_init(&s[F_MSS_S], c, "mss_server");
    fixed_init(&s[F_WS_C], c, "wscale_client");
    fixed_init(&s[F_WS_S], c, "wscale_server");
    slot_init(&s[F_SACK], c, "sack_permitted", json_object_new_boolean(0));
    slot_init(&s[F_TS], c, "timestamps", json_object_new_boolean(0));
    slot_init(&s[F_TFO], c, "tfo", json_object_new_boolean(0));
    c = child(o, "close");
    slot_init(&s[F_KIND], c, "kind", json_object_new_string(""));
    slot_init(&s[F_INITIATOR], c, "initiator", json_object_new_string(""));
    slot_init(&s[F_RST_BY], c, "rst_by", json_object_new_string(""));
    slot_init(&s[F_HALF], c, "half_close", json_object_new_boolean(0));
    slot_init(&s[F_COMPLETE], c, "complete", json_object_new_boolean(0));
    c = child(o, "states");
    slot_init(&s[F_ST_C], c, "client", json_object_new_string(""));
    slot_init(&s[F_ST_S], c, "server", json_object_new_string(""));
    slot_init(&s[F_CONN], o, "conn_state", json_object_new_string(""));
    slot_init(&s[F_HISTORY], o, "history", json_object_new_string(""));
    slot_init(&s[F_END], o, "end", json_object_new_string(""));
    t->anomalies = json_object_new_array();
    add(o, "anomalies", t->anomalies);
}

static void tpl_free(json_object *root, struct slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        slot_free(&s[i]);
    json_object_put(root);
}

static void flow_fill(struct flow_tpl *t, bool nano, const struct sf_flow *f)
{
    struct slot *s = t->s;
    const struct sf_endpoint *c = &f->ep[SF_CLIENT], *v = &f->ep[SF_SERVER];
    struct sf_buf *b = &t->text;
    set_int(&s[F_ID], true, f->id);
    for (int side = 0; side < 2; side++) {
        sf_buf_reset(b);
        sf_addr_format(f->ipver, f->ep[side].addr, b);
        set_str(&s[F_CIP + 2 * side], true, b->data);
        set_int(&s[F_CPORT + 2 * side], true, f->ep[side].port);
    }
    set_ts(&s[F_FIRST], nano, true, f->first_ns);
    set_ts(&s[F_LAST], nano, true, f->last_ns);
    set_ms(&s[F_DUR], nano, true, f->first_ns, f->last_ns);
    for (int side = 0; side < 2; side++) {
        const struct sf_endpoint *e = &f->ep[side];
        set_int(&s[F_PKT_C + side], true, e->packets);
        set_int(&s[F_BYTES_C + side], true, e->bytes);
        set_int(&s[F_RE_C + side], true, e->retrans);
    }
    set_str(&s[F_HS_STATE], true,
            sf_handshake_name((enum sf_handshake)f->handshake));
    set_ts(&s[F_SYN_TS], nano, f->has_syn, f->syn_ns);
    set_ts(&s[F_SYNACK_TS], nano, f->has_synack, f->synack_ns);
    set_ts(&s[F_ACK_TS], nano, f->has_ack, f->ack_ns);
    set_ms(&s[F_SYN_SYNACK], nano, f->has_syn && f->has_synack, f->syn_ns,
           f->synack_ns);
    set_ms(&s[F_SYNACK_ACK], nano, f->has_synack && f->has_ack,
           f->synack_ns, f->ack_ns);
    set_ms(&s[F_RTT], nano, f->has_syn && f->has_ack, f->syn_ns, f->ack_ns);
    set_int(&s[F_SYN_COUNT], true, f->has_syn ? c->syn_count : 0);
    set_int(&s[F_SYNACK_COUNT], true, v->synack_count);
    set_int(&s[F_MSS_C], c->mss != 0, c->mss);
    set_int(&s[F_MSS_S], v->mss != 0, v->mss);
    bool ws = c->syn && v->synack && c->opt_wscale && v->opt_wscale;
    set_int(&s[F_WS_C], ws, c->wscale);
    set_int(&s[F_WS_S], ws, v->wscale);
    set_bool(&s[F_SACK], c->opt_sack && v->opt_sack);
    set_bool(&s[F_TS], c->opt_ts && v->opt_ts);
    set_bool(&s[F_TFO], c->opt_tfo);
    set_str(&s[F_KIND], true, sf_close_name((enum sf_close)f->close));
    set_side(&s[F_INITIATOR], f->initiator);
    set_side(&s[F_RST_BY], f->rst_by);
    set_bool(&s[F_HALF], f->half_close);
    set_bool(&s[F_COMPLETE], f->complete);
    set_str(&s[F_ST_C], true, sf_state_name((enum sf_tcp_state)c->state));
    set_str(&s[F_ST_S], true, sf_state_name((enum sf_tcp_state)v->state));
    set_str(&s[F_CONN], true, sf_flow_conn_state(f));
    set_str(&s[F_HISTORY], true, f->history);
    set_str(&s[F_END], true,
            sf_end_reason_name((enum sf_end_reason)f->end_reason));
    json_object *an = t->anomalies;
    json_object_array_del_idx(an, 0, json_object_array_length(an));
    for (size_t i = 0; i < f->n_an; i++) {
        const struct sf_anomaly *a = &f->an[i];
        json_object *x = json_object_new_object();
        add(x, "type", json_object_new_string(
                           sf_anomaly_name((enum sf_anomaly_type)a->type)));
        char text[FIXED_MAX];
        fixed_text(text, nano, a->ts_ns, 9);
        add(x, "ts", a->ts_ns ? json_object_new_double_s(
                                    (double)a->ts_ns / 1e9, text)
                              : NULL);
        add(x, "side", a->side == SF_NOSIDE
                           ? NULL
                           : json_object_new_string(
                                 sf_side_name((enum sf_side)a->side)));
        sf_buf_reset(b);
        sf_anomaly_format(f, a, b);
        add(x, "detail", json_object_new_string(b->data ? b->data : ""));
        json_object_array_add(an, x);
    }
}

/* ---- event objects: one per packet ---- */

enum {
    E_TS, E_FLOW, E_PACKET, E_DIR, E_FLAGS, E_SEQ, E_ACK, E_LEN, E_STEP,
    E_NOT_DECODED, E_NSLOTS
};

struct event_tpl {
    json_object *root, *states, *anomalies;
    struct slot s[E_NSLOTS];
};

static void event_tpl_init(struct event_tpl *t)
{
    struct slot *s = t->s;
    json_object *o = t->root = json_object_new_object();
    add(o, "type", json_object_new_string("event"));
    fixed_init(&s[E_TS], o, "ts");
    fixed_init(&s[E_FLOW], o, "flow");
    fixed_init(&s[E_PACKET], o, "packet");
    slot_init(&s[E_DIR], o, "dir", json_object_new_string(""));
    slot_init(&s[E_FLAGS], o, "flags", json_object_new_string(""));
    fixed_init(&s[E_SEQ], o, "seq");
    fixed_init(&s[E_ACK], o, "ack");
    fixed_init(&s[E_LEN], o, "len");
    slot_init(&s[E_STEP], o, "step", json_object_new_string(""));
    t->states = child(o, "states");
    t->anomalies = json_object_new_array();
    add(o, "anomalies", t->anomalies);
    slot_init(&s[E_NOT_DECODED], o, "not_decoded",
              json_object_new_string(""));
}

/* What an event object says, copied off the event and its packet. */
struct event_rec {
    uint64_t ts_ns;
    uint64_t number;            /* packet number */
    const char *why;            /* static */
    uint32_t seq, ack, payload_len;
    bool has_pkt;
    uint8_t reach, status, flags;
    struct sf_event_note ev;
};

static void event_fill(struct event_tpl *t, bool nano,
                       const struct event_rec *e)
{
    struct slot *s = t->s;
    bool p = e->has_pkt, in_flow = e->ev.flow_id != 0;
    set_ts(&s[E_TS], nano, true, e->ts_ns);
    set_int(&s[E_FLOW], in_flow, e->ev.flow_id);
    set_int(&s[E_PACKET], p, e->number);
    set_str(&s[E_DIR], p && in_flow, e->ev.side == SF_CLIENT ? "c2s" : "s2c");
    bool tcp = p && e->reach >= SF_REACH_SHORTHDR;
    char flags[9];
    size_t n = 0;
    static const char letters[] = "FSRP.UEW";
    for (int i = 0; tcp && i < 8; i++)
        if (e->flags & (1u << i))
            flags[n++] = letters[i];
    flags[n] = '\0';
    set_str(&s[E_FLAGS], tcp, flags);
    set_int(&s[E_SEQ], tcp, e->seq);
    set_int(&s[E_ACK], tcp && (e->flags & SF_TH_ACK), e->ack);
    set_int(&s[E_LEN], p && e->status == SF_DECODE_OK, e->payload_len);
    const char *step = sf_step_name((enum sf_step)e->ev.step);
    set_str(&s[E_STEP], p && in_flow && *step, step);
    json_object_object_del(t->states, sf_side_name(SF_CLIENT));
    json_object_object_del(t->states, sf_side_name(SF_SERVER));
    for (uint8_t i = 0; i < e->ev.nstates; i++)
        add(t->states, sf_side_name((enum sf_side)e->ev.states[i].side),
            json_object_new_string(
                sf_state_name((enum sf_tcp_state)e->ev.states[i].to)));
    json_object *an = t->anomalies;
    json_object_array_del_idx(an, 0, json_object_array_length(an));
    for (uint8_t i = 0; i < e->ev.nanom; i++)
        json_object_array_add(
            an, json_object_new_string(
                    sf_anomaly_name((enum sf_anomaly_type)e->ev.anom[i])));
    set_str(&s[E_NOT_DECODED], p && e->status != SF_DECODE_OK && e->why,
            e->why);
}

/* ---- the reporter ---- */

enum { REC_FLOW, REC_EVENT };

/* The writer thread's side: the templates. */
struct render {
    bool nano;
    struct flow_tpl flow;
    struct event_tpl event;
};

struct sf_json {
    struct sf_json_config cfg;
    struct render r;
    struct sf_outq *q;
    struct sf_buf out;          /* the summary */
    uint64_t close_counts[7];
    uint64_t anomaly_counts[SF_AN_COUNT];
};

#define REC_BODY 8u             /* the kind, then the flow or event */

static void put_object(json_object *o, struct sf_buf *out)
{
    size_t len;
    const char *text = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    sf_buf_add(out, text, len);
    sf_buf_putc(out, '\n');
}

static void render(void *ctx, const void *rec, struct sf_buf *out)
{
    struct render *r = ctx;
    const void *body = (const unsigned char *)rec + REC_BODY;
    if (*(const uint8_t *)rec == REC_FLOW) {
        flow_fill(&r->flow, r->nano, body);
        put_object(r->flow.root, out);
    } else {
        event_fill(&r->event, r->nano, body);
        put_object(r->event.root, out);
    }
}

struct sf_json *sf_json_new(const struct sf_json_config *cfg, char *errbuf)
{
    (void)errbuf;
    struct sf_json *j = sf_xcalloc(1, sizeof(*j));
    j->cfg = *cfg;
    sf_buf_init(&j->out);
    j->r.nano = cfg->nano;
    flow_tpl_init(&j->r.flow);
    event_tpl_init(&j->r.event);
    struct sf_outq_config qc = { .fd = cfg->fd,
                                 .line_buffered = cfg->line_buffered,
                                 .render = render,
                                 .ctx = &j->r };
    j->q = sf_outq_new(&qc);
    return j;
}

void sf_json_free(struct sf_json *j)
{
    if (!j)
        return;
    sf_outq_free(j->q);         /* first: its thread uses the templates */
    tpl_free(j->r.flow.root, j->r.flow.s, F_NSLOTS);
    sf_buf_fini(&j->r.flow.text);
    tpl_free(j->r.event.root, j->r.event.s, E_NSLOTS);
    sf_buf_fini(&j->out);
    free(j);
}

static int on_event(void *ctx, const struct sf_event *ev)
{
    struct sf_json *j = ctx;
    if (!j->cfg.events || ev->kind == SF_EV_FLOW_END)
        return 0;
    unsigned char *rec = sf_outq_begin(j->q, REC_BODY +
                                             sizeof(struct event_rec));
    *rec = REC_EVENT;
    struct event_rec *e = (struct event_rec *)(rec + REC_BODY);
    const struct sf_pkt *p = ev->kind == SF_EV_PACKET ? ev->pkt : NULL;
    memset(e, 0, sizeof(*e));
    e->ts_ns = ev->ts_ns;
    sf_event_note(&e->ev, ev);
    if (p) {
        e->has_pkt = true;
        e->number = p->number;
        e->why = p->why;
        e->seq = p->seq;
        e->ack = p->ack;
        e->payload_len = p->payload_len;
        e->reach = (uint8_t)p->reach;
        e->status = (uint8_t)p->status;
        e->flags = p->flags;
    }
    return sf_outq_end(j->q);
}

static int on_flow_end(void *ctx, const struct sf_flow *f)
{
    struct sf_json *j = ctx;
    if (f->close < 7)
        j->close_counts[f->close]++;
    for (size_t i = 0; i < f->n_an; i++)
        if (f->an[i].type < SF_AN_COUNT)
            j->anomaly_counts[f->an[i].type]++;
    if (!j->cfg.flows)
        return 0;
    /* the flow is freed after this call: the record carries a copy,
     * its anomalies right after it */
    size_t an_bytes = f->n_an * sizeof(f->an[0]);
    size_t off = SF_ALIGN8(sizeof(*f));
    unsigned char *rec = sf_outq_begin(j->q, REC_BODY + off + an_bytes);
    *rec = REC_FLOW;
    struct sf_flow *copy = (struct sf_flow *)(rec + REC_BODY);
    *copy = *f;
    copy->an = (struct sf_anomaly *)(rec + REC_BODY + off);
    if (an_bytes)
        memcpy(copy->an, f->an, an_bytes);
    return sf_outq_end(j->q);
}

static int finish(void *ctx, const struct sf_totals *t)
{
    struct sf_json *j = ctx;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("summary"));
    json_object_object_add(o, "packets",
                           json_object_new_int64((int64_t)t->packets));
    json_object_object_add(o, "tcp_packets",
                           json_object_new_int64((int64_t)t->tcp));
    json_object *nd = json_object_new_object();
    for (size_t i = 0; i < t->nreasons; i++)
        json_object_object_add(nd, t->reasons[i].why,
                               json_object_new_int64((int64_t)t->reasons[i].n));
    json_object_object_add(o, "not_decoded", nd);
    json_object_object_add(o, "flows",
                           json_object_new_int64((int64_t)t->flows));
    json_object *ck = json_object_new_object();
    for (int k = 0; k < 7; k++)
        json_object_object_add(
            ck, sf_close_name((enum sf_close)k),
            json_object_new_int64((int64_t)j->close_counts[k]));
    json_object_object_add(o, "close", ck);
    json_object *an = json_object_new_object();
    for (int k = 0; k < SF_AN_COUNT; k++)
        if (j->anomaly_counts[k])
            json_object_object_add(
                an, sf_anomaly_name((enum sf_anomaly_type)k),
                json_object_new_int64((int64_t)j->anomaly_counts[k]));
    json_object_object_add(o, "anomalies", an);
    json_object *cap = NULL;
    if (t->live) {                      /* the kernel's counts */
        cap = json_object_new_object();
        json_object_object_add(cap, "received",
                               json_object_new_int64((int64_t)t->received));
        json_object_object_add(cap, "dropped",
                               json_object_new_int64((int64_t)t->dropped));
        json_object_object_add(cap, "ifdropped",
                               json_object_new_int64((int64_t)t->ifdropped));
    }
    json_object_object_add(o, "capture", cap);
    json_object_object_add(o, "evicted",
                           json_object_new_int64((int64_t)t->evicted));
    int rc = sf_outq_drain(j->q);   /* the flows and events first */
    if (rc == 0) {
        put_object(o, &j->out);
        rc = sf_buf_write(&j->out, j->cfg.fd);
    }
    json_object_put(o);
    return rc;
}

struct sf_sink sf_json_sink(struct sf_json *j)
{
    struct sf_sink s = {.ctx = j,
                        .on_event = on_event,
                        .on_flow_end = on_flow_end,
                        .finish = finish};
    return s;
}
