/* Unit tests for decode: hand-built frames for every link type and header
 * shape, each decoded whole and then cut at every length from 0 to full
 * (tcpdump's snaplen advice). Each cut is copied into a buffer of exactly
 * that size, so under ASan any read past the captured bytes is caught.
 * The same cutting is applied to every packet of every capture in the
 * testdata directory given as argv[1]. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/capture.h"
#include "synfin/decode.h"
#include "synfin/tdfmt.h"

static const char *testdata_dir;

/* Ethernet + IPv4 + TCP SYN with Linux's options (mss, sackOK, TS, nop,
 * wscale), 10.0.0.1:40000 -> 10.0.0.2:5001. */
static const uint8_t eth_syn[] = {
    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0, 0,
    10, 0, 0, 1, 10, 0, 0, 2,
    0x9c, 0x40, 0x13, 0x89, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
    0xa0, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

/* Two 802.1Q tags (0x88a8 outer, 0x8100 inner) around IPv4 + TCP ACK
 * with 4 payload bytes. */
static const uint8_t qinq_ack[] = {
    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1,
    0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x2c, 0, 1, 0x40, 0x00, 0x40, 0x06, 0, 0,
    10, 0, 0, 2, 10, 0, 0, 1,
    0x13, 0x89, 0x9c, 0x40, 0, 0, 0, 1, 0x11, 0x22, 0x33, 0x45,
    0x50, 0x18, 0x01, 0x00, 0, 0, 0, 0, 'a', 'b', 'c', 'd',
};

/* IPv4 with 8 bytes of options (NOP x3, EOL, then router alert) */
static const uint8_t ipopts[] = {
    0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
    0x47, 0x00, 0x00, 0x30, 0, 2, 0, 0, 0x40, 0x06, 0, 0,
    10, 0, 0, 1, 10, 0, 0, 2,
    0x01, 0x01, 0x01, 0x00, 0x94, 0x04, 0x00, 0x00,
    0x9c, 0x40, 0x13, 0x89, 0, 0, 0, 9, 0, 0, 0, 7,
    0x50, 0x11, 0x01, 0x00, 0, 0, 0, 0,
};

/* Linux SLL2 + IPv6 + hop-by-hop (PadN) + destination options + TCP RST */
static const uint8_t sll2_v6ext[] = {
    0x86, 0xdd, 0, 0, 0, 0, 0, 1, 0x00, 0x01, 0x04, 0x06,
    0, 0, 0, 0, 0, 0, 0, 0,
    0x60, 0, 0, 0, 0x00, 0x24, 0x00, 0x40,
    0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    60, 0, 0x01, 0x04, 0, 0, 0, 0,
    6, 0, 0x01, 0x04, 0, 0, 0, 0,
    0x9c, 0x40, 0x13, 0x89, 0, 0, 0, 5, 0, 0, 0, 0,
    0x50, 0x04, 0, 0, 0, 0, 0, 0,
};

/* BSD loopback (DLT_NULL, host order AF_INET=2) + IPv4 + TCP FIN+ACK */
static const uint8_t null_fin[] = {
    2, 0, 0, 0,
    0x45, 0x00, 0x00, 0x28, 0, 3, 0x40, 0x00, 0x40, 0x06, 0, 0,
    127, 0, 0, 1, 127, 0, 0, 1,
    0x9c, 0x40, 0x13, 0x89, 0, 0, 0, 9, 0, 0, 0, 7,
    0x50, 0x11, 0x01, 0x00, 0, 0, 0, 0,
};

/* Raw IPv6 + routing header type 0 with one address + TCP SYN-ACK */
static const uint8_t raw_v6rt[] = {
    0x60, 0, 0, 0, 0x00, 0x2c, 43, 0x40,
    0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    6, 2, 0, 1, 0, 0, 0, 0,
    0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3,
    0x13, 0x89, 0x9c, 0x40, 0, 0, 0, 5, 0x11, 0x22, 0x33, 0x45,
    0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0,
};

struct sample {
    const char *name;
    int dlt;
    const uint8_t *bytes;
    size_t len;
};

static const struct sample samples[] = {
    { "eth_syn", SF_DLT_EN10MB, eth_syn, sizeof(eth_syn) },
    { "qinq_ack", SF_DLT_EN10MB, qinq_ack, sizeof(qinq_ack) },
    { "ipopts", SF_DLT_EN10MB, ipopts, sizeof(ipopts) },
    { "sll2_v6ext", SF_DLT_LINUX_SLL2, sll2_v6ext, sizeof(sll2_v6ext) },
    { "null_fin", SF_DLT_NULL, null_fin, sizeof(null_fin) },
    { "raw_v6rt", SF_DLT_RAW, raw_v6rt, sizeof(raw_v6rt) },
};

/* Decodes `len` bytes from an exactly-sized heap copy and formats the
 * tcpdump line, so ASan sees any overread. */
static enum sf_decode_status decode_exact(int dlt, const uint8_t *bytes,
                                          size_t len, uint32_t wirelen,
                                          struct sf_tdfmt *fmt,
                                          struct sf_pkt *pkt)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, bytes, len);
    memset(pkt, 0, sizeof(*pkt));
    enum sf_decode_status st = sf_decode(dlt, copy, (uint32_t)len, wirelen,
                                         pkt);
    struct sf_buf out;
    sf_buf_init(&out);
    bool line = sf_tdfmt_format(fmt, pkt, &out);
    assert_true(line == (pkt->reach != SF_REACH_NONE));
    if (line)
        assert_true(out.len > 0);
    sf_buf_fini(&out);
    free(copy);
    return st;
}

static void test_samples_whole(void **state)
{
    (void)state;
    struct sf_tdfmt_config cfg = { .ts_style = SF_TS_UNIX };
    struct sf_tdfmt *fmt = sf_tdfmt_new(&cfg, NULL);
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        const struct sample *s = &samples[i];
        struct sf_pkt p;
        enum sf_decode_status st = decode_exact(s->dlt, s->bytes, s->len,
                                                (uint32_t)s->len, fmt, &p);
        if (st != SF_DECODE_OK)
            fail_msg("%s: %s (%s)", s->name, sf_decode_status_name(st),
                     p.why ? p.why : "");
        assert_int_equal(p.reach, SF_REACH_FULL);
    }
    sf_tdfmt_free(fmt);
}

static void test_sample_fields(void **state)
{
    (void)state;
    struct sf_pkt p;
    memset(&p, 0, sizeof(p));
    assert_int_equal(sf_decode(SF_DLT_EN10MB, eth_syn, sizeof(eth_syn),
                               sizeof(eth_syn), &p), SF_DECODE_OK);
    assert_int_equal(p.ipver, 4);
    assert_int_equal(p.sport, 40000);
    assert_int_equal(p.dport, 5001);
    assert_int_equal(p.seq, 0x11223344);
    assert_int_equal(p.flags, SF_TH_SYN);
    assert_int_equal(p.hlen, 40);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.opts.mss, 1460);
    assert_true(p.opts.sack_ok);
    assert_true(p.opts.has_ts);
    assert_int_equal(p.opts.ts_val, 4096);
    assert_true(p.opts.has_wscale);
    assert_int_equal(p.opts.wscale, 7);
    assert_false(p.opts.bad);

    /* the same segment as a plain ACK: options kept raw, not parsed */
    uint8_t ack[sizeof(eth_syn)];
    memcpy(ack, eth_syn, sizeof(ack));
    ack[14 + 20 + 13] = SF_TH_ACK;
    assert_int_equal(sf_decode(SF_DLT_EN10MB, ack, sizeof(ack), sizeof(ack),
                               &p), SF_DECODE_OK);
    assert_int_equal(p.hlen, 40);
    assert_int_equal(p.opt_caplen, 20);
    assert_int_equal(p.opt[0], 2);                  /* mss */
    assert_int_equal(p.opts.mss, 0);
    assert_false(p.opts.has_ts);

    assert_int_equal(sf_decode(SF_DLT_EN10MB, qinq_ack, sizeof(qinq_ack),
                               sizeof(qinq_ack), &p), SF_DECODE_OK);
    assert_int_equal(p.nvlan, 2);
    assert_int_equal(p.vlan_ids[0], 100);
    assert_int_equal(p.vlan_ids[1], 200);
    assert_int_equal(p.payload_len, 4);

    assert_int_equal(sf_decode(SF_DLT_EN10MB, ipopts, sizeof(ipopts),
                               sizeof(ipopts), &p), SF_DECODE_OK);
    assert_int_equal(p.ip_hlen, 28);
    assert_int_equal(p.flags, SF_TH_FIN | SF_TH_ACK);

    assert_int_equal(sf_decode(SF_DLT_LINUX_SLL2, sll2_v6ext,
                               sizeof(sll2_v6ext), sizeof(sll2_v6ext), &p),
                     SF_DECODE_OK);
    assert_int_equal(p.ipver, 6);
    assert_int_equal(p.n_ip6ext, 2);
    assert_int_equal(p.ip6ext[0].type, 0);
    assert_int_equal(p.ip6ext[1].type, 60);
    assert_true(p.sll2);
    assert_int_equal(p.sll2_ifindex, 1);
    assert_int_equal(p.sll_pkttype, 4);
    assert_int_equal(p.flags, SF_TH_RST);

    assert_int_equal(sf_decode(SF_DLT_RAW, raw_v6rt, sizeof(raw_v6rt),
                               sizeof(raw_v6rt), &p), SF_DECODE_OK);
    assert_int_equal(p.n_ip6ext, 1);
    assert_int_equal(p.ip6ext[0].type, 43);
    assert_int_equal(p.tcp_len, 20);
}

/* Every prefix of every sample: never crashes, never claims OK for a
 * frame cut inside the fixed TCP header, and a cut after the header
 * keeps the fields. */
static void test_samples_every_cut(void **state)
{
    (void)state;
    struct sf_tdfmt_config cfg = { .ts_style = SF_TS_UNIX };
    struct sf_tdfmt *fmt = sf_tdfmt_new(&cfg, NULL);
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        const struct sample *s = &samples[i];
        struct sf_pkt whole;
        memset(&whole, 0, sizeof(whole));
        sf_decode(s->dlt, s->bytes, (uint32_t)s->len, (uint32_t)s->len,
                  &whole);
        for (size_t cut = 0; cut <= s->len; cut++) {
            struct sf_pkt p;
            enum sf_decode_status st = decode_exact(
                s->dlt, s->bytes, cut, (uint32_t)s->len, fmt, &p);
            if (st == SF_DECODE_OK) {
                assert_int_equal(p.seq, whole.seq);
                assert_int_equal(p.flags, whole.flags);
                assert_int_equal(p.payload_len, whole.payload_len);
            } else if (cut == 0) {
                /* tcpdump: "[Invalid header: caplen==0]" */
                assert_int_equal(st, SF_DECODE_MALFORMED);
                assert_int_equal(p.reach, SF_REACH_NONE);
            } else {
                assert_non_null(p.why);
                assert_int_equal(st, SF_DECODE_TRUNCATED);
            }
        }
    }
    sf_tdfmt_free(fmt);
}

/* Corrupting each byte of each sample in turn never crashes either. */
static void test_samples_every_byte_flipped(void **state)
{
    (void)state;
    struct sf_tdfmt_config cfg = { .ts_style = SF_TS_UNIX };
    struct sf_tdfmt *fmt = sf_tdfmt_new(&cfg, NULL);
    static const uint8_t values[] = { 0x00, 0x01, 0x0f, 0x7f, 0x80, 0xff };
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        const struct sample *s = &samples[i];
        uint8_t buf[256];
        assert_true(s->len <= sizeof(buf));
        for (size_t at = 0; at < s->len; at++) {
            for (size_t v = 0; v < sizeof(values); v++) {
                memcpy(buf, s->bytes, s->len);
                buf[at] = values[v];
                struct sf_pkt p;
                decode_exact(s->dlt, buf, s->len, (uint32_t)s->len, fmt, &p);
                decode_exact(s->dlt, buf, s->len / 2, (uint32_t)s->len, fmt,
                             &p);
            }
        }
    }
    sf_tdfmt_free(fmt);
}

static bool is_capture(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".pcap") == 0) ||
           (n > 7 && strcmp(name + n - 7, ".pcapng") == 0);
}

/* Every packet of every testdata capture, cut at every length. */
static void test_testdata_every_cut(void **state)
{
    (void)state;
    if (!testdata_dir)
        skip();
    DIR *d = opendir(testdata_dir);
    assert_non_null(d);
    struct sf_tdfmt_config cfg = { .ts_style = SF_TS_UNIX };
    struct sf_tdfmt *fmt = sf_tdfmt_new(&cfg, NULL);
    struct dirent *e;
    size_t files = 0, packets = 0, ok = 0;
    while ((e = readdir(d)) != NULL) {
        if (!is_capture(e->d_name) || strncmp(e->d_name, "broken-", 7) == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", testdata_dir, e->d_name);
        const char *files_v[] = { path };
        struct sf_capture_config ccfg = { .files = files_v, .nfiles = 1 };
        struct sf_capture *cap;
        char errbuf[SF_ERRBUF_SIZE];
        if (sf_capture_open(&cap, &ccfg, errbuf) != 0)
            fail_msg("%s", errbuf);
        files++;
        const struct sf_frame *fr;
        int rc;
        while ((rc = sf_capture_next(cap, &fr, errbuf)) == 1) {
            packets++;
            struct sf_pkt p;
            if (decode_exact(fr->dlt, fr->data, fr->caplen, fr->wirelen, fmt,
                             &p) == SF_DECODE_OK)
                ok++;
            for (uint32_t cut = 0; cut < fr->caplen; cut++)
                decode_exact(fr->dlt, fr->data, cut, fr->wirelen, fmt, &p);
        }
        /* crafted files may end in an error on purpose; only broken-*
         * files are allowed to, and they were skipped */
        if (rc < 0)
            fail_msg("%s", errbuf);
        sf_capture_close(cap);
    }
    closedir(d);
    sf_tdfmt_free(fmt);
    print_message("# %zu files, %zu packets (%zu tcp), every cut decoded\n",
                  files, packets, ok);
    assert_true(files > 0);
    assert_true(ok > 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        testdata_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_whole),
        cmocka_unit_test(test_sample_fields),
        cmocka_unit_test(test_samples_every_cut),
        cmocka_unit_test(test_samples_every_byte_flipped),
        cmocka_unit_test(test_testdata_every_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
