/* fuzz_tracker: libFuzzer target for the per-connection analysis
 * (tracker.c, tcpfsm.c) without decode or the flow table: segments of ONE
 * 4-tuple built by hand, as tests/test_tracker.c does. Each 16-byte record:
 *   0      bit0 sender (0 client address, 1 server address), bit1 raw seq,
 *          bit2 raw ack, bits3-4 time unit (us, ms, 100 ms, s), bit5 run
 *          check_linger, bit6 run check_syn, bit7 time goes backwards
 *   1      TCP flags (SF_TH_*)
 *   2-5    seq: raw value, or signed 16-bit delta from the sender's next
 *          expected sequence number (so in-window values are common)
 *   6-9    ack: raw, or signed 16-bit delta from the peer's next sequence
 *   10-11  payload length
 *   12-13  time step, in the unit of byte 0
 *   14     window (x 257)
 *   15     bit0 AE, bit1 MSS, bit2 wscale, bit3 SACK-perm, bit4 TS,
 *          bit5 TFO, bit6 IPv6 (first record only), bit7 big payload
 * A SYN that sf_tracker_new_connection calls new ends the flow and starts
 * the next one, as the flow table does. Invariants abort(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/cursor.h"
#include "synfin/decode.h"
#include "synfin/event.h"
#include "synfin/flow.h"
#include "synfin/tracker.h"
#include "synfin/util.h"

#define REC 16
#define MAX_RECORDS 4096
#define LINGER_NS (1ull * 1000000000)
#define T0_NS (1700000000ull * 1000000000u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t addr4[2][16] = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } };
static const uint8_t addr6[2][16] = {
    { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
    { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
};
static const uint16_t ports[2] = { 40000, 80 };

static struct sf_buf text;

static void check_anomaly(const struct sf_flow *f, const struct sf_anomaly *a)
{
    if (a < sf_flow_an(f) || a >= sf_flow_an(f) + sf_flow_nan(f))
        abort();
    if (a->type >= SF_AN_COUNT || a->side > SF_NOSIDE ||
        a->state > SF_TCP_LAST_ACK)
        abort();
    if (!sf_anomaly_name((enum sf_anomaly_type)a->type))
        abort();
    sf_anomaly_format(f, a, &text);
}

static void check_flow(const struct sf_flow *f)
{
    if (sf_flow_nan(f) > (f->has_ext ? f->x.ext->cap_an : 0) ||
        sf_flow_nan(f) > 256 || (f->wide && !f->has_ext))
        abort();
    if (memchr(f->history, '\0', sizeof(f->history)) == NULL)
        abort();
    if (f->hist_len >= sizeof(f->history))
        abort();
    if (f->handshake > SF_HS_COMPLETE || f->close > SF_CLOSE_REFUSED ||
        f->initiator > SF_NOSIDE || f->rst_by > SF_NOSIDE)
        abort();
    for (int s = 0; s < 2; s++) {
        if (f->ep[s].state > SF_TCP_LAST_ACK ||
            f->ep[s].zeek > SF_ZEEK_RESET)
            abort();
    }
    for (size_t i = 0; i < sf_flow_nan(f); i++)
        if (sf_flow_an(f)[i].type >= SF_AN_COUNT)
            abort();
}

static void check_event(const struct sf_flow *f, const struct sf_event *ev,
                        enum sf_side from)
{
    if (ev->kind != SF_EV_PACKET || ev->side != from ||
        ev->nstates > SF_EV_MAX_STATES || ev->nanom > SF_EV_MAX_ANOM ||
        ev->step > SF_STEP_ACK3_OF4 || !sf_step_name(ev->step))
        abort();
    for (size_t i = 0; i < ev->nstates; i++)
        if (ev->states[i].side > SF_SERVER ||
            ev->states[i].from > SF_TCP_LAST_ACK ||
            ev->states[i].to > SF_TCP_LAST_ACK)
            abort();
    for (size_t i = 0; i < ev->nanom; i++)
        check_anomaly(f, ev->anom[i]);
}

static void end_flow(struct sf_flow *f, uint64_t now, enum sf_end_reason why)
{
    size_t before = sf_flow_nan(f);
    size_t first = sf_tracker_finish(f, now, LINGER_NS, why);
    if (first > sf_flow_nan(f) || first < before)
        abort();
    check_flow(f);
    if (f->close > SF_CLOSE_REFUSED || f->end_reason != why)
        abort();
    if (!sf_flow_conn_state(f) || !sf_close_name(f->close) ||
        !sf_handshake_name(f->handshake))
        abort();
    sf_buf_reset(&text);
    sf_endpoint_format(f, SF_CLIENT, &text);
    sf_endpoint_format(f, SF_SERVER, &text);
    for (size_t i = 0; i < sf_flow_nan(f); i++)
        check_anomaly(f, &sf_flow_an(f)[i]);
    sf_tracker_fini(f);
    if (f->has_ext || f->wide)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nrec = size / REC;
    if (nrec == 0)
        return 0;
    if (nrec > MAX_RECORDS)
        nrec = MAX_RECORDS;
    if (!text.cap)
        sf_buf_init(&text);

    bool v6 = data[15] & 0x40;
    uint32_t next_seq[2] = { 1000, 5000 };
    uint64_t now = T0_NS;
    uint32_t id = 1;
    struct sf_flow f;
    bool started = false;

    for (size_t r = 0; r < nrec; r++) {
        const uint8_t *d = data + r * REC;
        int dir = d[0] & 1;
        uint32_t seqf = sf_get_be32(d + 2), ackf = sf_get_be32(d + 6);
        uint32_t len = (uint32_t)d[10] << 8 | d[11];
        if (d[15] & 0x80)
            len *= 23;
        static const uint64_t unit[4] = { 1000, 1000000, 100000000,
                                          1000000000 };
        uint64_t step = ((uint64_t)d[12] << 8 | d[13]) * unit[(d[0] >> 3) & 3];
        if (d[0] & 0x80)
            now = now > step ? now - step : 0;
        else
            now += step;

        struct sf_pkt p;
        memset(&p, 0, sizeof(p));
        p.ipver = v6 ? 6 : 4;
        memcpy(p.src, v6 ? addr6[dir] : addr4[dir], 16);
        memcpy(p.dst, v6 ? addr6[!dir] : addr4[!dir], 16);
        p.sport = ports[dir];
        p.dport = ports[!dir];
        p.flags = d[1];
        p.seq = (d[0] & 2) ? seqf : next_seq[dir] + (uint32_t)(int16_t)seqf;
        p.ack = (d[0] & 4) ? ackf : next_seq[!dir] + (uint32_t)(int16_t)ackf;
        p.ae = d[15] & 1;
        p.win = (uint16_t)(d[14] * 257);
        p.payload_len = len;
        p.hlen = 20;
        p.tcp_len = 20 + len;
        p.status = SF_DECODE_OK;
        p.reach = SF_REACH_FULL;
        p.ts_sec = (int64_t)(now / 1000000000u);
        p.ts_nsec = (uint32_t)(now % 1000000000u);
        p.caplen = p.wirelen = 40 + len;
        /* as sf_decode: parsed options on SYN segments only */
        bool syn = p.flags & SF_TH_SYN;
        if (syn && (d[15] & 2))
            p.opts.mss = (uint16_t)(536 + d[14]);
        if (syn && (d[15] & 4)) {
            p.opts.has_wscale = true;
            p.opts.wscale = d[14] & 15;
        }
        p.opts.sack_ok = syn && (d[15] & 8);
        if (syn && (d[15] & 0x10)) {
            p.opts.has_ts = true;
            p.opts.ts_val = (uint32_t)(now / 1000000u);
            p.opts.ts_ecr = seqf;
        }
        if (syn && (d[15] & 0x20)) {
            p.opts.tfo = true;
            p.opts.tfo_cookie = d[14] & 1;
        }
        uint32_t seglen = len + ((p.flags & SF_TH_SYN) ? 1 : 0) +
                          ((p.flags & SF_TH_FIN) ? 1 : 0);
        next_seq[dir] = p.seq + seglen;

        if (!started) {
            memset(&f, 0, sizeof(f));
            sf_tracker_start(&f, id++, &p);
            started = true;
        }
        enum sf_side from = sf_tracker_side(&f, &p);
        if (from != SF_CLIENT && from != SF_SERVER)
            abort();
        if (sf_tracker_new_connection(&f, &p, from)) {
            end_flow(&f, now, SF_END_REUSED);
            memset(&f, 0, sizeof(f));
            sf_tracker_start(&f, id++, &p);
            from = sf_tracker_side(&f, &p);
        }
        struct sf_event ev;
        memset(&ev, 0, sizeof(ev));
        sf_tracker_segment(&f, &p, from, now, &ev);
        check_event(&f, &ev, from);
        check_flow(&f);
        if (d[0] & 0x20) {
            long i = sf_tracker_check_linger(&f, now, LINGER_NS);
            if (i < -1 || i >= (long)sf_flow_nan(&f))
                abort();
        }
        if (d[0] & 0x40) {
            long i = sf_tracker_check_syn(&f, now);
            if (i < -1 || i >= (long)sf_flow_nan(&f))
                abort();
        }
        check_flow(&f);
    }
    end_flow(&f, now, (enum sf_end_reason)(data[14] % 5));
    sf_buf_fini(&text);
    return 0;
}
