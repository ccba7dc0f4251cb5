/* report_json: reporter for scripts. Input: finished flows and the run's
 * totals; output: NDJSON, a "flow" object per flow when it ends and a
 * "summary" object last. json-c keeps insertion order, so the key order
 * below is the contract's order. Flow and event objects are written
 * from skeletons json-c made once (below); the summary, made once, is built
 * the plain json-c way: created, filled, added to its parent at once,
 * only the root put. */

#include "synfin/report_json.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/outq.h"

/* Flow and event objects are written from skeletons: json-c writes a
 * template of each once, keys, nesting and order, with a marker where
 * each value goes; the text between markers is kept, and a flow or event
 * is that text with its values written between (a slot each). Values
 * are text we write ourselves: numbers, times, true/false, and strings,
 * which json-c escapes whenever one needs it. The anomaly list and an
 * event's states are small json-c objects, filled and written by json-c
 * each time. Before, json-c serialized the whole template per flow; that
 * was most of --json's writer thread.
 *
 * Building and serializing run on the output queue's writer thread
 * (outq.h) from copies of the flow or event; only the counts for the
 * summary are kept on the thread that tracks (the main one, or the
 * handoff's: pipeline.h). */

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Room for any fixed_text(): 20 digits, a dot, 9 decimals and a NUL. */
#define FIXED_MAX 32

enum slot_kind {
    SLOT_RAW,                   /* text as it is: a number, true, false */
    SLOT_STR,                   /* text as a JSON string */
    SLOT_JSON,                  /* obj, written by json-c */
};

struct slot {
    uint8_t kind;
    bool shown;                 /* else null */
    uint32_t len;
    const char *text;           /* buf, or a static or the record's */
    json_object *obj;           /* SLOT_JSON: ours */
    char buf[48];               /* numbers, times, addresses */
};

/* A skeleton: text, cut where the values go. */
struct piece {
    uint32_t off, len;          /* text before the value */
    int slot;                   /* -1: the end */
};

struct skel {
    char *text;
    struct piece *p;
    size_t np;
};

/* A marker: \x01, then the slot's number + 1 (json-c escapes control
 * characters in strings, so \x01 cannot come from anything else). */
static int marker_to_json(json_object *o, struct printbuf *pb, int level,
                          int flags)
{
    (void)level, (void)flags;
    return printbuf_memappend(pb, json_object_get_userdata(o), 2);
}

static void add(json_object *parent, const char *key, json_object *val)
{
    json_object_object_add_ex(parent, key, val,
                              JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

/* Puts slot `i`'s marker at `key` in `parent`; `marks` (two bytes per
 * slot) lives until the template is compiled. */
static void slot_init(struct slot *s, char *marks, size_t i,
                      json_object *parent, const char *key,
                      enum slot_kind kind)
{
    s[i].kind = (uint8_t)kind;
    s[i].shown = kind == SLOT_JSON;
    marks[2 * i] = '\x01';
    marks[2 * i + 1] = (char)(i + 1);
    json_object *m = json_object_new_double(0);
    json_object_set_serializer(m, marker_to_json, &marks[2 * i], NULL);
    add(parent, key, m);
}

/* Writes `root` (json-c, once) and cuts it at the markers; frees it. */
static void skel_compile(struct skel *k, json_object *root)
{
    size_t len;
    const char *text = json_object_to_json_string_length(root, JSON_FLAGS,
                                                         &len);
    k->text = sf_xmalloc(len + 1);
    memcpy(k->text, text, len + 1);
    json_object_put(root);
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (k->text[i] == '\x01')
            n++, i++;           /* and the slot's number */
    k->p = sf_xcalloc(n, sizeof(*k->p));
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (k->text[i] != '\x01')
            continue;
        struct piece *p = &k->p[k->np++];
        p->off = (uint32_t)start;
        p->len = (uint32_t)(i - start);
        p->slot = (unsigned char)k->text[++i] - 1;
        start = i + 1;
    }
    struct piece *p = &k->p[k->np++];
    p->off = (uint32_t)start;
    p->len = (uint32_t)(len - start);
    p->slot = -1;
}

static void skel_free(struct skel *k, struct slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_object_put(s[i].obj);
    free(k->text);
    free(k->p);
}

/* A string needs json-c's escaping unless it is printable ASCII without
 * a quote, backslash or slash. */
static bool plain_string(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '/')
            return false;
    }
    return true;
}

static void put_json(struct sf_buf *out, json_object *o)
{
    size_t len;
    const char *text = json_object_to_json_string_length(o, JSON_FLAGS,
                                                         &len);
    sf_buf_add(out, text, len);
}

static void put_value(struct sf_buf *out, const struct slot *s)
{
    if (!s->shown) {
        sf_buf_add(out, "null", 4);
    } else if (s->kind == SLOT_RAW) {
        sf_buf_add(out, s->text, s->len);
    } else if (s->kind == SLOT_JSON) {
        put_json(out, s->obj);
    } else if (plain_string(s->text, s->len)) {
        sf_buf_putc(out, '"');
        sf_buf_add(out, s->text, s->len);
        sf_buf_putc(out, '"');
    } else {
        json_object *o = json_object_new_string_len(s->text, (int)s->len);
        put_json(out, o);
        json_object_put(o);
    }
}

/* One object: the skeleton with the slots' values, and a newline. */
static void skel_put(struct sf_buf *out, const struct skel *k,
                     const struct slot *s)
{
    for (size_t i = 0; i < k->np; i++) {
        const struct piece *p = &k->p[i];
        sf_buf_add(out, k->text + p->off, p->len);
        if (p->slot >= 0)
            put_value(out, &s[p->slot]);
    }
    sf_buf_putc(out, '\n');
}

/* An integer. Every value is unsigned. */
static void set_int(struct slot *s, bool present, uint64_t v)
{
    s->shown = present;
    if (present) {
        s->text = s->buf;
        s->len = (uint32_t)(sf_put_u64(s->buf, v) - s->buf);
    }
}

/* A string that outlives the object's writing (static, or the record's). */
static void set_str(struct slot *s, bool present, const char *v)
{
    s->shown = present;
    if (present) {
        s->text = v;
        s->len = (uint32_t)strlen(v);
    }
}

/* A short string (addresses, flags), copied. */
static void set_copy(struct slot *s, const char *v, size_t n)
{
    if (n >= sizeof(s->buf))
        n = sizeof(s->buf) - 1;         /* cannot happen: at most 45 */
    memcpy(s->buf, v, n);
    s->shown = true;
    s->text = s->buf;
    s->len = (uint32_t)n;
}

static void set_bool(struct slot *s, bool v)
{
    s->shown = true;
    s->text = v ? "true" : "false";
    s->len = v ? 4 : 5;
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
    char *w = sf_put_u64(text, v / unit);
    *w++ = '.';
    w = sf_put_zpad(w, (uint32_t)frac, zeros);
    *w = '\0';
    return (int)(w - text);
}

static void set_fixed(struct slot *s, bool nano, bool present, uint64_t v,
                      int zeros)
{
    s->shown = present;
    if (present) {
        s->text = s->buf;
        s->len = (uint32_t)fixed_text(s->buf, nano, v, zeros);
    }
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
    F_ST_C, F_ST_S, F_CONN, F_HISTORY, F_END, F_ANOMALIES, F_NSLOTS
};

struct flow_tpl {
    struct skel k;
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
    char marks[2 * F_NSLOTS];
    sf_buf_init(&t->text);
    json_object *o = json_object_new_object();
#define SLOT(i, parent, key, kind) slot_init(s, marks, i, parent, key, kind)
    add(o, "type", json_object_new_string("flow"));
    SLOT(F_ID, o, "id", SLOT_RAW);
    json_object *c = child(o, "client");
    SLOT(F_CIP, c, "ip", SLOT_STR);
    SLOT(F_CPORT, c, "port", SLOT_RAW);
    c = child(o, "server");
    SLOT(F_SIP, c, "ip", SLOT_STR);
    SLOT(F_SPORT, c, "port", SLOT_RAW);
    SLOT(F_FIRST, o, "first_ts", SLOT_RAW);
    SLOT(F_LAST, o, "last_ts", SLOT_RAW);
    SLOT(F_DUR, o, "duration_ms", SLOT_RAW);
    static const char *const pairs[] = { "packets", "bytes", "retransmits" };
    for (int i = 0; i < 3; i++) {
        c = child(o, pairs[i]);
        SLOT(F_PKT_C + 2 * i, c, "client", SLOT_RAW);
        SLOT(F_PKT_S + 2 * i, c, "server", SLOT_RAW);
    }
    json_object *h = child(o, "handshake");
    SLOT(F_HS_STATE, h, "state", SLOT_STR);
    SLOT(F_SYN_TS, h, "syn_ts", SLOT_RAW);
    SLOT(F_SYNACK_TS, h, "synack_ts", SLOT_RAW);
    SLOT(F_ACK_TS, h, "ack_ts", SLOT_RAW);
    SLOT(F_SYN_SYNACK, h, "syn_to_synack_ms", SLOT_RAW);
    SLOT(F_SYNACK_ACK, h, "synack_to_ack_ms", SLOT_RAW);
    SLOT(F_RTT, h, "rtt_ms", SLOT_RAW);
    SLOT(F_SYN_COUNT, h, "syn_count", SLOT_RAW);
    SLOT(F_SYNACK_COUNT, h, "synack_count", SLOT_RAW);
    c = child(h, "options");
    SLOT(F_MSS_C, c, "mss_client", SLOT_RAW);
    SLOT(F_MSS_S, c, "mss_server", SLOT_RAW);
    SLOT(F_WS_C, c, "wscale_client", SLOT_RAW);
    SLOT(F_WS_S, c, "wscale_server", SLOT_RAW);
    SLOT(F_SACK, c, "sack_permitted", SLOT_RAW);
    SLOT(F_TS, c, "timestamps", SLOT_RAW);
    SLOT(F_TFO, c, "tfo", SLOT_RAW);
    c = child(o, "close");
    SLOT(F_KIND, c, "kind", SLOT_STR);
    SLOT(F_INITIATOR, c, "initiator", SLOT_STR);
    SLOT(F_RST_BY, c, "rst_by", SLOT_STR);
    SLOT(F_HALF, c, "half_close", SLOT_RAW);
    SLOT(F_COMPLETE, c, "complete", SLOT_RAW);
    c = child(o, "states");
    SLOT(F_ST_C, c, "client", SLOT_STR);
    SLOT(F_ST_S, c, "server", SLOT_STR);
    SLOT(F_CONN, o, "conn_state", SLOT_STR);
    SLOT(F_HISTORY, o, "history", SLOT_STR);
    SLOT(F_END, o, "end", SLOT_STR);
    SLOT(F_ANOMALIES, o, "anomalies", SLOT_JSON);
#undef SLOT
    s[F_ANOMALIES].obj = json_object_new_array();
    skel_compile(&t->k, o);
}

static void flow_fill(struct flow_tpl *t, bool nano, const struct sf_flow *f)
{
    struct slot *s = t->s;
    const struct sf_endpoint *c = &f->ep[SF_CLIENT], *v = &f->ep[SF_SERVER];
    struct sf_buf *b = &t->text;
    set_int(&s[F_ID], true, f->id);
    for (int side = 0; side < 2; side++) {
        sf_buf_reset(b);
        sf_addr_format(f->ipver, sf_flow_addr(f, side), b);
        set_copy(&s[F_CIP + 2 * side], b->data, b->len);
        set_int(&s[F_CPORT + 2 * side], true, f->ep[side].port);
    }
    uint64_t last = sf_flow_time(f, SF_T_LAST);
    uint64_t syn = sf_flow_time(f, SF_T_SYN);
    uint64_t synack = sf_flow_time(f, SF_T_SYNACK);
    uint64_t ack = sf_flow_time(f, SF_T_ACK);
    set_ts(&s[F_FIRST], nano, true, f->first_ns);
    set_ts(&s[F_LAST], nano, true, last);
    set_ms(&s[F_DUR], nano, true, f->first_ns, last);
    for (int side = 0; side < 2; side++) {
        const struct sf_endpoint *e = &f->ep[side];
        set_int(&s[F_PKT_C + side], true, e->packets);
        set_int(&s[F_BYTES_C + side], true, e->bytes);
        set_int(&s[F_RE_C + side], true, e->retrans);
    }
    set_str(&s[F_HS_STATE], true,
            sf_handshake_name((enum sf_handshake)f->handshake));
    set_ts(&s[F_SYN_TS], nano, f->has_syn, syn);
    set_ts(&s[F_SYNACK_TS], nano, f->has_synack, synack);
    set_ts(&s[F_ACK_TS], nano, f->has_ack, ack);
    set_ms(&s[F_SYN_SYNACK], nano, f->has_syn && f->has_synack, syn, synack);
    set_ms(&s[F_SYNACK_ACK], nano, f->has_synack && f->has_ack, synack, ack);
    set_ms(&s[F_RTT], nano, f->has_syn && f->has_ack, syn, ack);
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
    json_object *an = s[F_ANOMALIES].obj;
    json_object_array_del_idx(an, 0, json_object_array_length(an));
    for (size_t i = 0; i < sf_flow_nan(f); i++) {
        const struct sf_anomaly *a = &sf_flow_an(f)[i];
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
    E_STATES, E_ANOMALIES, E_NOT_DECODED, E_NSLOTS
};

/* a marker carries its slot's number + 1 in one byte (slot_init) */
_Static_assert(F_NSLOTS < 255 && E_NSLOTS < 255, "too many slots");

struct event_tpl {
    struct skel k;
    struct slot s[E_NSLOTS];
};

static void event_tpl_init(struct event_tpl *t)
{
    struct slot *s = t->s;
    char marks[2 * E_NSLOTS];
    json_object *o = json_object_new_object();
#define SLOT(i, key, kind) slot_init(s, marks, i, o, key, kind)
    add(o, "type", json_object_new_string("event"));
    SLOT(E_TS, "ts", SLOT_RAW);
    SLOT(E_FLOW, "flow", SLOT_RAW);
    SLOT(E_PACKET, "packet", SLOT_RAW);
    SLOT(E_DIR, "dir", SLOT_STR);
    SLOT(E_FLAGS, "flags", SLOT_STR);
    SLOT(E_SEQ, "seq", SLOT_RAW);
    SLOT(E_ACK, "ack", SLOT_RAW);
    SLOT(E_LEN, "len", SLOT_RAW);
    SLOT(E_STEP, "step", SLOT_STR);
    SLOT(E_STATES, "states", SLOT_JSON);
    SLOT(E_ANOMALIES, "anomalies", SLOT_JSON);
    SLOT(E_NOT_DECODED, "not_decoded", SLOT_STR);
#undef SLOT
    s[E_STATES].obj = json_object_new_object();
    s[E_ANOMALIES].obj = json_object_new_array();
    skel_compile(&t->k, o);
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
    set_copy(&s[E_FLAGS], flags, n);
    s[E_FLAGS].shown = tcp;
    set_int(&s[E_SEQ], tcp, e->seq);
    set_int(&s[E_ACK], tcp && (e->flags & SF_TH_ACK), e->ack);
    set_int(&s[E_LEN], p && e->status == SF_DECODE_OK, e->payload_len);
    const char *step = sf_step_name((enum sf_step)e->ev.step);
    set_str(&s[E_STEP], p && in_flow && *step, step);
    json_object *states = s[E_STATES].obj;
    if (json_object_object_length(states)) {    /* most events: empty */
        json_object_object_del(states, sf_side_name(SF_CLIENT));
        json_object_object_del(states, sf_side_name(SF_SERVER));
    }
    for (uint8_t i = 0; i < e->ev.nstates; i++)
        add(states, sf_side_name((enum sf_side)e->ev.states[i].side),
            json_object_new_string(
                sf_state_name((enum sf_tcp_state)e->ev.states[i].to)));
    json_object *an = s[E_ANOMALIES].obj;
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


static void render(void *ctx, const void *rec, struct sf_buf *out)
{
    struct render *r = ctx;
    const void *body = (const unsigned char *)rec + REC_BODY;
    if (*(const uint8_t *)rec == REC_FLOW) {
        flow_fill(&r->flow, r->nano, body);
        skel_put(out, &r->flow.k, r->flow.s);
    } else {
        event_fill(&r->event, r->nano, body);
        skel_put(out, &r->event.k, r->event.s);
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
    skel_free(&j->r.flow.k, j->r.flow.s, F_NSLOTS);
    sf_buf_fini(&j->r.flow.text);
    skel_free(&j->r.event.k, j->r.event.s, E_NSLOTS);
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

static int on_flow_end(void *ctx, const struct sf_flow *f, uint64_t end_ns)
{
    struct sf_json *j = ctx;
    (void)end_ns;
    if (f->close < 7)
        j->close_counts[f->close]++;
    const struct sf_anomaly *an = sf_flow_an(f);
    for (size_t i = 0; i < sf_flow_nan(f); i++)
        if (an[i].type < SF_AN_COUNT)
            j->anomaly_counts[an[i].type]++;
    if (!j->cfg.flows)
        return 0;
    /* the flow is freed after this call: the record carries a copy */
    unsigned char *rec =
        sf_outq_begin(j->q, REC_BODY + sf_flow_copy_size(f));
    *rec = REC_FLOW;
    sf_flow_copy(rec + REC_BODY, f);
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
        put_json(&j->out, o);
        sf_buf_putc(&j->out, '\n');
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
