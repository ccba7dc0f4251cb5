/* report_json: reporter for scripts. Input: finished flows and the run's
 * totals; output: NDJSON, a "flow" object per flow when it ends and a
 * "summary" object last. json-c keeps insertion order, so the key order
 * below is the contract's order; objects are created, filled and added to
 * their parent at once (the parent owns them), only the root is put. */

#include "synfin/report_json.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#define FLUSH_AT (1u << 16)

struct sf_json {
    struct sf_json_config cfg;
    struct sf_buf out;
    uint64_t close_counts[7];
    uint64_t anomaly_counts[SF_AN_COUNT];
};

struct sf_json *sf_json_new(const struct sf_json_config *cfg, char *errbuf)
{
    (void)errbuf;
    struct sf_json *j = sf_xcalloc(1, sizeof(*j));
    j->cfg = *cfg;
    sf_buf_init(&j->out);
    return j;
}

void sf_json_free(struct sf_json *j)
{
    if (!j)
        return;
    sf_buf_fini(&j->out);
    free(j);
}

/* v / unit written by us, never float noise: as many decimals as unit
 * has zeros for nanosecond captures, three fewer for microsecond ones. */
static json_object *fixed_obj(const struct sf_json *j, uint64_t v,
                              uint64_t unit, int zeros)
{
    uint64_t frac = v % unit;
    if (!j->cfg.nano)
        frac /= 1000, zeros -= 3;
    char text[32];
    snprintf(text, sizeof(text), "%" PRIu64 ".%0*" PRIu64, v / unit, zeros,
             frac);
    return json_object_new_double_s((double)v / (double)unit, text);
}

/* Epoch seconds with 6 decimals (9 for nanosecond captures). */
static json_object *ts_obj(const struct sf_json *j, uint64_t ns)
{
    if (!ns)
        return NULL; /* serialised as null */
    return fixed_obj(j, ns, 1000000000, 9);
}

/* A duration in milliseconds, to the microsecond (nanosecond). */
static json_object *ms_obj(const struct sf_json *j, bool valid,
                           uint64_t from_ns, uint64_t to_ns)
{
    if (!valid || to_ns < from_ns)
        return NULL;
    return fixed_obj(j, to_ns - from_ns, 1000000, 6);
}

static json_object *side_obj(enum sf_side s)
{
    return s == SF_NOSIDE ? NULL : json_object_new_string(sf_side_name(s));
}

static json_object *endpoint_obj(const struct sf_flow *f, enum sf_side side)
{
    json_object *o = json_object_new_object();
    struct sf_buf b;
    sf_buf_init(&b);
    sf_addr_format(f->ipver, f->ep[side].addr, &b);
    json_object_object_add(o, "ip", json_object_new_string(b.data));
    json_object_object_add(o, "port", json_object_new_int(f->ep[side].port));
    sf_buf_fini(&b);
    return o;
}

static json_object *pair_obj(uint64_t client, uint64_t server)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "client", json_object_new_int64((int64_t)client));
    json_object_object_add(o, "server", json_object_new_int64((int64_t)server));
    return o;
}

static json_object *handshake_obj(const struct sf_json *j,
                                  const struct sf_flow *f)
{
    const struct sf_endpoint *c = &f->ep[SF_CLIENT], *s = &f->ep[SF_SERVER];
    json_object *h = json_object_new_object();
    json_object_object_add(
        h, "state", json_object_new_string(sf_handshake_name(f->handshake)));
    json_object_object_add(h, "syn_ts",
                           f->has_syn ? ts_obj(j, f->syn_ns) : NULL);
    json_object_object_add(h, "synack_ts",
                           f->has_synack ? ts_obj(j, f->synack_ns) : NULL);
    json_object_object_add(h, "ack_ts",
                           f->has_ack ? ts_obj(j, f->ack_ns) : NULL);
    json_object_object_add(
        h, "syn_to_synack_ms",
        ms_obj(j, f->has_syn && f->has_synack, f->syn_ns, f->synack_ns));
    json_object_object_add(
        h, "synack_to_ack_ms",
        ms_obj(j, f->has_synack && f->has_ack, f->synack_ns, f->ack_ns));
    json_object_object_add(
        h, "rtt_ms", ms_obj(j, f->has_syn && f->has_ack, f->syn_ns, f->ack_ns));
    json_object_object_add(h, "syn_count",
                           json_object_new_int(f->has_syn ? c->syn_count : 0));
    json_object_object_add(h, "synack_count",
                           json_object_new_int(s->synack_count));
    json_object *o = json_object_new_object();
    json_object_object_add(o, "mss_client",
                           c->mss ? json_object_new_int(c->mss) : NULL);
    json_object_object_add(o, "mss_server",
                           s->mss ? json_object_new_int(s->mss) : NULL);
    bool ws = c->syn && s->synack && c->opt_wscale && s->opt_wscale;
    json_object_object_add(o, "wscale_client",
                           ws ? json_object_new_int(c->wscale) : NULL);
    json_object_object_add(o, "wscale_server",
                           ws ? json_object_new_int(s->wscale) : NULL);
    json_object_object_add(o, "sack_permitted",
                           json_object_new_boolean(c->opt_sack && s->opt_sack));
    json_object_object_add(o, "timestamps",
                           json_object_new_boolean(c->opt_ts && s->opt_ts));
    json_object_object_add(o, "tfo", json_object_new_boolean(c->opt_tfo));
    json_object_object_add(h, "options", o);
    return h;
}

static json_object *flow_obj(const struct sf_json *j, const struct sf_flow *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("flow"));
    json_object_object_add(o, "id", json_object_new_int64(f->id));
    json_object_object_add(o, "client", endpoint_obj(f, SF_CLIENT));
    json_object_object_add(o, "server", endpoint_obj(f, SF_SERVER));
    json_object_object_add(o, "first_ts", ts_obj(j, f->first_ns));
    json_object_object_add(o, "last_ts", ts_obj(j, f->last_ns));
    json_object_object_add(o, "duration_ms",
                           ms_obj(j, true, f->first_ns, f->last_ns));
    json_object_object_add(o, "packets",
                           pair_obj(f->ep[0].packets, f->ep[1].packets));
    json_object_object_add(o, "bytes",
                           pair_obj(f->ep[0].bytes, f->ep[1].bytes));
    json_object_object_add(o, "retransmits",
                           pair_obj(f->ep[0].retrans, f->ep[1].retrans));
    json_object_object_add(o, "handshake", handshake_obj(j, f));
    json_object *c = json_object_new_object();
    json_object_object_add(c, "kind",
                           json_object_new_string(sf_close_name(f->close)));
    json_object_object_add(c, "initiator", side_obj(f->initiator));
    json_object_object_add(c, "rst_by", side_obj(f->rst_by));
    json_object_object_add(c, "half_close",
                           json_object_new_boolean(f->half_close));
    json_object_object_add(c, "complete", json_object_new_boolean(f->complete));
    json_object_object_add(o, "close", c);
    json_object *st = json_object_new_object();
    json_object_object_add(
        st, "client", json_object_new_string(sf_state_name(f->ep[0].state)));
    json_object_object_add(
        st, "server", json_object_new_string(sf_state_name(f->ep[1].state)));
    json_object_object_add(o, "states", st);
    json_object_object_add(o, "conn_state",
                           json_object_new_string(sf_flow_conn_state(f)));
    json_object_object_add(o, "history", json_object_new_string(f->history));
    json_object_object_add(
        o, "end", json_object_new_string(sf_end_reason_name(f->end_reason)));
    json_object *an = json_object_new_array();
    struct sf_buf b;
    sf_buf_init(&b);
    for (size_t i = 0; i < f->n_an; i++) {
        const struct sf_anomaly *a = &f->an[i];
        json_object *x = json_object_new_object();
        json_object_object_add(
            x, "type", json_object_new_string(sf_anomaly_name(a->type)));
        json_object_object_add(x, "ts", ts_obj(j, a->ts_ns));
        json_object_object_add(x, "side", side_obj(a->side));
        sf_buf_reset(&b);
        sf_anomaly_format(f, a, &b);
        json_object_object_add(x, "detail",
                               json_object_new_string(b.data ? b.data : ""));
        json_object_array_add(an, x);
    }
    sf_buf_fini(&b);
    json_object_object_add(o, "anomalies", an);
    return o;
}

static int emit(struct sf_json *j, json_object *o)
{
    int how = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
    sf_buf_puts(&j->out, json_object_to_json_string_ext(o, how));
    sf_buf_putc(&j->out, '\n');
    json_object_put(o);
    if (j->cfg.line_buffered || j->out.len >= FLUSH_AT)
        return sf_buf_write(&j->out, j->cfg.fd);
    return 0;
}

static json_object *u32_obj(uint32_t v)
{
    return json_object_new_int64((int64_t)v);
}

/* One object per packet: what it was and what it meant. */
static json_object *event_obj(const struct sf_json *j,
                              const struct sf_event *ev)
{
    const struct sf_pkt *p = ev->kind == SF_EV_PACKET ? ev->pkt : NULL;
    bool in_flow = ev->flow_id != 0;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("event"));
    json_object_object_add(o, "ts", ts_obj(j, ev->ts_ns));
    json_object_object_add(o, "flow",
                           in_flow ? json_object_new_int64(ev->flow_id) : NULL);
    json_object_object_add(
        o, "packet", p ? json_object_new_int64((int64_t)p->number) : NULL);
    json_object_object_add(
        o, "dir",
        p && in_flow
            ? json_object_new_string(ev->side == SF_CLIENT ? "c2s" : "s2c")
            : NULL);
    bool tcp = p && p->reach >= SF_REACH_SHORTHDR;
    char flags[9];
    size_t n = 0;
    static const char letters[] = "FSRP.UEW";
    for (int i = 0; tcp && i < 8; i++)
        if (p->flags & (1u << i))
            flags[n++] = letters[i];
    flags[n] = '\0';
    json_object_object_add(o, "flags",
                           tcp ? json_object_new_string(flags) : NULL);
    json_object_object_add(o, "seq", tcp ? u32_obj(p->seq) : NULL);
    json_object_object_add(
        o, "ack", tcp && (p->flags & SF_TH_ACK) ? u32_obj(p->ack) : NULL);
    json_object_object_add(
        o, "len",
        p && p->status == SF_DECODE_OK ? u32_obj(p->payload_len) : NULL);
    const char *step = sf_step_name((enum sf_step)ev->step);
    json_object_object_add(
        o, "step", p && in_flow && *step ? json_object_new_string(step) : NULL);
    json_object *st = json_object_new_object();
    for (uint8_t i = 0; i < ev->nstates; i++)
        json_object_object_add(st,
                               sf_side_name((enum sf_side)ev->states[i].side),
                               json_object_new_string(sf_state_name(
                                   (enum sf_tcp_state)ev->states[i].to)));
    json_object_object_add(o, "states", st);
    json_object *an = json_object_new_array();
    for (uint8_t i = 0; i < ev->nanom; i++)
        json_object_array_add(
            an, json_object_new_string(
                    sf_anomaly_name((enum sf_anomaly_type)ev->anom[i]->type)));
    json_object_object_add(o, "anomalies", an);
    json_object_object_add(o, "not_decoded",
                           p && p->status != SF_DECODE_OK && p->why
                               ? json_object_new_string(p->why)
                               : NULL);
    return o;
}

static int on_event(void *ctx, const struct sf_event *ev)
{
    struct sf_json *j = ctx;
    if (!j->cfg.events || ev->kind == SF_EV_FLOW_END)
        return 0;
    return emit(j, event_obj(j, ev));
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
    return emit(j, flow_obj(j, f));
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
    int rc = emit(j, o);
    if (rc == 0)
        rc = sf_buf_write(&j->out, j->cfg.fd);
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
