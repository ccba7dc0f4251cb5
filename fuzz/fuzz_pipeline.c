/* fuzz_pipeline: libFuzzer target for the whole file path: the input is a
 * capture file (pcap or pcapng) read by capture.c, decoded, tracked by a
 * small flow table (64 flows, short timeouts so eviction, idle ending and
 * linger all happen) and reported. The sink formats every anomaly, flow
 * endpoint and packet line itself, and in turn also drives the timeline
 * or JSON reporter writing to /dev/null. One file in /dev/shm (or /tmp)
 * is created per process and rewritten for each input. */

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synfin/capture.h"
#include "synfin/decode.h"
#include "synfin/event.h"
#include "synfin/flow.h"
#include "synfin/flowtab.h"
#include "synfin/pipeline.h"
#include "synfin/report_json.h"
#include "synfin/report_timeline.h"
#include "synfin/tdfmt.h"
#include "synfin/util.h"

#define MAX_FRAMES 5000
#define MAX_INPUT (4u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static int fd = -1;
static int null_fd = -1;

static void cleanup(void)
{
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    if (null_fd >= 0)
        close(null_fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("TZ", "UTC", 1);
    snprintf(path, sizeof(path), "/dev/shm/synfin-fuzz-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0) {
        snprintf(path, sizeof(path), "/tmp/synfin-fuzz-XXXXXX");
        fd = mkstemp(path);
    }
    null_fd = open("/dev/null", O_WRONLY);
    if (fd < 0 || null_fd < 0) {
        perror("fuzz_pipeline: scratch file");
        abort();
    }
    atexit(cleanup);
    return 0;
}

struct ctx {
    struct sf_buf buf;
    struct sf_tdfmt *fmt;
    struct sf_sink next;         /* reporter driven after our checks */
    bool timeline;               /* next formats the lines with fmt */
};

static void check_anomaly(const struct sf_flow *f, const struct sf_anomaly *a)
{
    if (a->type >= SF_AN_COUNT || a->side > SF_NOSIDE ||
        a->state > SF_TCP_LAST_ACK)
        abort();
    if (!sf_anomaly_name((enum sf_anomaly_type)a->type))
        abort();
    if (f)
        if (a < sf_flow_an(f) || a >= sf_flow_an(f) + sf_flow_nan(f))
            abort();
}

static void check_flow(const struct sf_flow *f)
{
    if (sf_flow_nan(f) > (f->has_ext ? f->x.ext->cap_an : 0) ||
        sf_flow_nan(f) > 256 || (f->wide && !f->has_ext))
        abort();
    if (memchr(f->history, '\0', sizeof(f->history)) == NULL)
        abort();
    if (f->handshake > SF_HS_COMPLETE || f->close > SF_CLOSE_REFUSED ||
        f->initiator > SF_NOSIDE || f->rst_by > SF_NOSIDE)
        abort();
    for (int s = 0; s < 2; s++)
        if (f->ep[s].state > SF_TCP_LAST_ACK)
            abort();
}

static int on_event(void *vctx, const struct sf_event *ev)
{
    struct ctx *c = vctx;
    if (ev->kind > SF_EV_FLOW_END || ev->nstates > SF_EV_MAX_STATES ||
        ev->nanom > SF_EV_MAX_ANOM || ev->step > SF_STEP_ACK3_OF4)
        abort();
    if (!sf_step_name((enum sf_step)ev->step))
        abort();
    if (ev->flow)
        check_flow(ev->flow);
    for (size_t i = 0; i < ev->nstates; i++) {
        const struct sf_state_change *sc = &ev->states[i];
        if (sc->side > SF_SERVER || sc->from > SF_TCP_LAST_ACK ||
            sc->to > SF_TCP_LAST_ACK)
            abort();
    }
    sf_buf_reset(&c->buf);
    for (size_t i = 0; i < ev->nanom; i++) {
        check_anomaly(ev->flow, ev->anom[i]);
        if (ev->flow)
            sf_anomaly_format(ev->flow, ev->anom[i], &c->buf);
    }
    /* without the timeline, the line is made here: fmt must see every
     * packet once, in order */
    if (ev->kind == SF_EV_PACKET && ev->pkt && !c->timeline &&
        ev->pkt->reach != SF_REACH_NONE)
        (void)sf_tdfmt_format(c->fmt, ev->pkt, &c->buf);
    if (c->next.on_event)
        return c->next.on_event(c->next.ctx, ev);
    return 0;
}

static int on_flow_end(void *vctx, const struct sf_flow *f, uint64_t end_ns)
{
    struct ctx *c = vctx;
    check_flow(f);
    if (f->end_reason > SF_END_INPUT)
        abort();
    sf_buf_reset(&c->buf);
    sf_endpoint_format(f, SF_CLIENT, &c->buf);
    sf_endpoint_format(f, SF_SERVER, &c->buf);
    if (!sf_flow_conn_state(f) || !sf_close_name((enum sf_close)f->close) ||
        !sf_handshake_name((enum sf_handshake)f->handshake) ||
        !sf_end_reason_name((enum sf_end_reason)f->end_reason))
        abort();
    for (size_t i = 0; i < sf_flow_nan(f); i++) {
        check_anomaly(f, &sf_flow_an(f)[i]);
        sf_anomaly_format(f, &sf_flow_an(f)[i], &c->buf);
    }
    if (c->next.on_flow_end)
        return c->next.on_flow_end(c->next.ctx, f, end_ns);
    return 0;
}

static int finish(void *vctx, const struct sf_totals *t)
{
    struct ctx *c = vctx;
    if (c->next.finish)
        return c->next.finish(c->next.ctx, t);
    return 0;
}

static bool write_input(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0)
        return false;
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0)
            return false;
        done += (size_t)w;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT || !write_input(data, size))
        return 0;
    /* a cheap input hash picks the variant: filter, reporter */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i += 1 + size / 64)
        h = (h ^ data[i]) * 16777619u;

    const char *files[1] = { path };
    struct sf_capture_config cc = {
        .files = files,
        .nfiles = 1,
        .filter = (h & 7) == 0 ? "tcp" : NULL,
    };
    char errbuf[SF_ERRBUF_SIZE];
    struct sf_capture *cap = NULL;
    if (sf_capture_open(&cap, &cc, errbuf) != 0) {
        if (cap)
            abort();            /* failure must not hand out a handle */
        if (!memchr(errbuf, '\0', sizeof(errbuf)))
            abort();
        return 0;
    }
    bool nano = sf_capture_nano(cap);

    struct sf_tdfmt_config tfc = { .ts_style = (h >> 3) % 6, .nano = nano };
    struct ctx c = { .timeline = false };
    sf_buf_init(&c.buf);
    c.fmt = sf_tdfmt_new(&tfc, NULL);
    struct sf_timeline *tl = NULL;
    struct sf_json *js = NULL;
    switch ((h >> 6) % 3) {
    case 0: {
        /* line-buffered: the same rendering on this thread, without a
         * writer thread and its batches started for every input */
        struct sf_timeline_config tc = { .fmt = c.fmt, .fd = null_fd,
                                         .line_buffered = true,
                                         .anomalies_only = (h >> 8) & 1 };
        tl = sf_timeline_new(&tc, NULL);
        c.next = sf_timeline_sink(tl);
        c.timeline = true;
        break;
    }
    case 1: {
        struct sf_json_config jc = { .fd = null_fd, .nano = nano,
                                     .line_buffered = true,
                                     .flows = true, .events = true };
        js = sf_json_new(&jc, NULL);
        c.next = sf_json_sink(js);
        break;
    }
    default:
        memset(&c.next, 0, sizeof(c.next));
        break;
    }
    struct sf_sink sink = { .ctx = &c, .on_event = on_event,
                            .on_flow_end = on_flow_end, .finish = finish };

    struct sf_flowtab_config fc = {
        .max_flows = 64,
        .idle_ns = 2ull * 1000000000,
        .linger_ns = 1ull * 1000000000,
    };
    struct sf_flowtab *ft = sf_flowtab_new(&fc, NULL);
    if (!ft)
        abort();

    struct sf_totals tot;
    memset(&tot, 0, sizeof(tot));
    uint64_t last_ns = 0;
    const struct sf_frame *fr;
    struct sf_pkt pkt;
    int rc, out_rc = 0;
    unsigned frames = 0;
    while (frames < MAX_FRAMES && (rc = sf_capture_next(cap, &fr,
                                                          errbuf)) == 1) {
        frames++;
        if (fr->caplen > 262144 || fr->number != frames)
            abort();
        tot.packets++;
        if (sf_pipeline_decode(fr, &pkt) == SF_DECODE_OK)
            tot.tcp++;
        if (sf_pkt_ns(&pkt) > last_ns)
            last_ns = sf_pkt_ns(&pkt);
        out_rc = sf_pipeline_packet(ft, c.fmt, &sink, &pkt);
        if (out_rc)
            abort();            /* our sinks never fail */
    }
    if (sf_flowtab_flush(ft, last_ns, &sink) != 0)
        abort();
    struct sf_flowtab_stats fs;
    sf_flowtab_stats(ft, &fs);
    if (fs.open != 0 || fs.max_open > 64)
        abort();
    tot.not_decoded = tot.packets - tot.tcp;
    tot.flows = fs.flows;
    tot.open_max = fs.max_open;
    tot.evicted = fs.evicted;
    tot.idle = fs.idle;
    if (finish(&c, &tot) != 0)
        abort();

    sf_flowtab_free(ft);
    sf_timeline_free(tl);
    sf_json_free(js);
    sf_tdfmt_free(c.fmt);
    sf_buf_fini(&c.buf);
    sf_capture_close(cap);
    return 0;
}
