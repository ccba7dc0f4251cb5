/* fuzz_decode: libFuzzer target for stage 2 (decode) and the tcpdump line
 * (tdfmt). Input layout:
 *   byte 0     link type: index into `dlts` (mod 8)
 *   bytes 1-4  wirelen tweak (big-endian), see wirelen_of()
 *   byte 5     formatter config: ts_style (mod 6), -S, --nano, -#
 *   rest       the frame
 * The frame is copied into a heap buffer of exactly its size, so ASan
 * catches any read past caplen. One sf_tdfmt per config lives for the
 * process (as in synfin, where one formatter sees every packet); it is
 * recreated every RESET_EVERY uses so the relative-sequence table stays
 * bounded. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/decode.h"
#include "synfin/tdfmt.h"
#include "synfin/util.h"

#define HDR_LEN 6
#define NCONFIG (6 * 2 * 2 * 2)
#define RESET_EVERY 20000u

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[8] = {
    SF_DLT_EN10MB, SF_DLT_LINUX_SLL, SF_DLT_LINUX_SLL2, SF_DLT_NULL,
    SF_DLT_LOOP, SF_DLT_RAW, SF_DLT_IPV4, SF_DLT_IPV6,
};

static struct sf_tdfmt *fmts[NCONFIG];
static unsigned fmt_uses[NCONFIG];
static struct sf_buf line;

static void free_all(void)
{
    for (size_t i = 0; i < NCONFIG; i++) {
        sf_tdfmt_free(fmts[i]);
        fmts[i] = NULL;
    }
    sf_buf_fini(&line);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("TZ", "UTC", 1);     /* local-time styles: deterministic */
    sf_buf_init(&line);
    atexit(free_all);
    return 0;
}

static struct sf_tdfmt *fmt_for(uint8_t b)
{
    size_t i = (size_t)(b % 6) * 8 + (size_t)((b >> 3) & 7);
    if (fmts[i] && ++fmt_uses[i] >= RESET_EVERY) {
        sf_tdfmt_free(fmts[i]);
        fmts[i] = NULL;
    }
    if (!fmts[i]) {
        struct sf_tdfmt_config cfg = {
            .ts_style = (enum sf_tstamp_style)(b % 6),
            .absolute_seq = (b >> 3) & 1,
            .nano = (b >> 4) & 1,
            .number = (b >> 5) & 1,
        };
        fmts[i] = sf_tdfmt_new(&cfg, NULL);
        fmt_uses[i] = 0;
        if (!fmts[i])
            abort();
    }
    return fmts[i];
}

/* Top two bits of the tweak pick how wirelen relates to caplen. */
static uint32_t wirelen_of(uint32_t tweak, uint32_t caplen)
{
    switch (tweak >> 30) {
    case 0:
        return caplen;
    case 1:
        return caplen + (tweak & 0xffff);   /* snapped capture */
    case 2:
        return caplen - (tweak & 0xffff) % (caplen + 1); /* impossible */
    default:
        return tweak & 0x3fffffff;          /* anything */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HDR_LEN)
        return 0;
    int dlt = dlts[data[0] & 7];
    uint32_t tweak = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 |
                     (uint32_t)data[3] << 8 | data[4];
    uint8_t cfgb = data[5];
    size_t n = size - HDR_LEN;
    if (n > 262144)
        return 0;
    uint32_t caplen = (uint32_t)n;

    /* exactly sized copy: malloc(0) may return NULL, keep 1 byte then */
    uint8_t *frame = malloc(n ? n : 1);
    if (!frame)
        abort();
    memcpy(frame, data + HDR_LEN, n);

    struct sf_pkt pkt;
    memset(&pkt, 0xa5, sizeof(pkt));        /* decode must set its part */
    pkt.ts_sec = 1700000000 + (int64_t)(data[0] >> 3) * 3599;
    pkt.ts_nsec = (tweak >> 2) % 1000000000u;
    pkt.number = 1;
    uint32_t wirelen = wirelen_of(tweak, caplen);
    pkt.caplen = caplen;
    pkt.wirelen = wirelen;
    (void)sf_decode_header_ok(caplen, wirelen);

    enum sf_decode_status st = sf_decode(dlt, frame, caplen, wirelen, &pkt);
    if (st != pkt.status || st > SF_DECODE_NOT_TCP)
        abort();
    if ((st == SF_DECODE_OK) != (pkt.why == NULL))
        abort();
    if (pkt.why && !pkt.why[0])
        abort();
    if (pkt.reach > SF_REACH_FULL || !sf_decode_status_name(st))
        abort();
    if (st == SF_DECODE_OK && pkt.reach != SF_REACH_FULL)
        abort();
    /* nvlan counts every tag (vlan_ids keeps the first SF_MAX_VLAN), so
     * only the arrays' own counts are bounded */
    if (pkt.sll_nvlan > SF_MAX_VLAN || pkt.n_ip6ext > SF_MAX_IP6EXT)
        abort();
    if (pkt.reach == SF_REACH_FULL && pkt.opt_caplen > 0) {
        /* option bytes must lie inside the frame */
        if (pkt.opt < frame || pkt.opt + pkt.opt_caplen > frame + n)
            abort();
    }

    struct sf_tdfmt *f = fmt_for(cfgb);
    sf_buf_reset(&line);
    if (pkt.reach != SF_REACH_NONE) {
        if (!sf_tdfmt_format(f, &pkt, &line))
            abort();
        if (line.len == 0 || strlen(line.data) != line.len)
            abort();
    } else {
        if (sf_tdfmt_format(f, &pkt, &line))
            abort();
        sf_tdfmt_skip(f, &pkt);
    }
    if (cfgb & 0x40) {
        sf_buf_reset(&line);
        sf_tdfmt_format_time(f, sf_pkt_ns(&pkt), &line);
    }
    free(frame);
    return 0;
}
