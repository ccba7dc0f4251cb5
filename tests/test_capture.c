/* Unit tests for capture: our own pcap/pcapng reader, the merge of several
 * files by timestamp and the BPF filter. Each test writes small capture
 * files from byte arrays into a mkdtemp() directory, reads them back with
 * sf_capture_open/next and removes them. Formats:
 * wiki.wireshark.org/Development/LibpcapFileFormat,
 * draft-ietf-opsawg-pcapng. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synfin/capture.h"

/* ---- fixture: a temp directory and the files written into it ---- */

#define MAX_FILES 64

struct fixture {
    char dir[32];
    char paths[MAX_FILES][64];
    size_t npaths;
};

static int group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof(fx->dir), "%s", "/tmp/sf-test-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    for (size_t i = 0; i < fx->npaths; i++)
        unlink(fx->paths[i]);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* ---- byte builder: capture files in either byte order ---- */

struct bb {
    uint8_t d[8192];
    size_t n;
    bool be;            /* write multi-byte fields big-endian */
};

static void put8(struct bb *b, uint8_t v)
{
    assert_true(b->n < sizeof(b->d));
    b->d[b->n++] = v;
}

static void put16(struct bb *b, uint16_t v)
{
    if (b->be) {
        put8(b, (uint8_t)(v >> 8));
        put8(b, (uint8_t)v);
    } else {
        put8(b, (uint8_t)v);
        put8(b, (uint8_t)(v >> 8));
    }
}

static void put32(struct bb *b, uint32_t v)
{
    if (b->be) {
        put16(b, (uint16_t)(v >> 16));
        put16(b, (uint16_t)v);
    } else {
        put16(b, (uint16_t)v);
        put16(b, (uint16_t)(v >> 16));
    }
}

static void putmem(struct bb *b, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(b, p[i]);
}

static void pad4(struct bb *b)
{
    while (b->n % 4)
        put8(b, 0);
}

/* pcap file header; magic is written in the builder's byte order */
static void pcap_hdr(struct bb *b, uint32_t magic, uint32_t snaplen,
                     uint32_t linktype)
{
    put32(b, magic);
    put16(b, 2);
    put16(b, 4);
    put32(b, 0);        /* thiszone */
    put32(b, 0);        /* sigfigs */
    put32(b, snaplen);
    put32(b, linktype);
}

static void pcap_rec(struct bb *b, uint32_t sec, uint32_t frac,
                     const uint8_t *data, uint32_t caplen, uint32_t len)
{
    put32(b, sec);
    put32(b, frac);
    put32(b, caplen);
    put32(b, len);
    putmem(b, data, caplen);
}

static void ng_shb(struct bb *b)
{
    put32(b, 0x0a0d0d0au);
    put32(b, 28);
    put32(b, 0x1a2b3c4du);
    put16(b, 1);
    put16(b, 0);
    put32(b, 0xffffffffu);      /* section length: unknown */
    put32(b, 0xffffffffu);
    put32(b, 28);
}

/* IDB; tsresol < 0 = no if_tsresol option */
static void ng_idb(struct bb *b, uint16_t linktype, uint32_t snaplen,
                   int tsresol)
{
    uint32_t total = 20 + (tsresol >= 0 ? 12 : 0);
    put32(b, 1);
    put32(b, total);
    put16(b, linktype);
    put16(b, 0);
    put32(b, snaplen);
    if (tsresol >= 0) {
        put16(b, 9);            /* if_tsresol */
        put16(b, 1);
        put8(b, (uint8_t)tsresol);
        pad4(b);
        put16(b, 0);            /* opt_endofopt */
        put16(b, 0);
    }
    put32(b, total);
}

static void ng_epb(struct bb *b, uint32_t ifid, uint64_t ts,
                   const uint8_t *data, uint32_t caplen, uint32_t len)
{
    uint32_t total = 32 + ((caplen + 3) & ~3u);
    put32(b, 6);
    put32(b, total);
    put32(b, ifid);
    put32(b, (uint32_t)(ts >> 32));
    put32(b, (uint32_t)ts);
    put32(b, caplen);
    put32(b, len);
    putmem(b, data, caplen);
    pad4(b);
    put32(b, total);
}

static void ng_spb(struct bb *b, const uint8_t *data, uint32_t len)
{
    uint32_t total = 16 + ((len + 3) & ~3u);
    put32(b, 3);
    put32(b, total);
    put32(b, len);
    putmem(b, data, len);
    pad4(b);
    put32(b, total);
}

/* a block type nobody defines, with an 8-byte body */
static void ng_unknown(struct bb *b)
{
    put32(b, 0x00000badu);
    put32(b, 20);
    put32(b, 0xdeadbeefu);
    put32(b, 0x01020304u);
    put32(b, 20);
}

static const char *write_file(struct fixture *fx, const char *name,
                              const struct bb *b)
{
    assert_true(fx->npaths < MAX_FILES);
    char *path = fx->paths[fx->npaths++];
    char dir[sizeof(fx->dir)];
    memcpy(dir, fx->dir, sizeof(dir));      /* gcc -Wrestrict false alarm */
    snprintf(path, sizeof(fx->paths[0]), "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (b->n)
        assert_int_equal(fwrite(b->d, 1, b->n, fp), b->n);
    assert_int_equal(fclose(fp), 0);
    return path;
}

/* ---- frames ---- */

/* Ethernet + IPv4 + TCP (20-byte header, no payload): 54 bytes. With
 * `udp`, the IP protocol is 17 and the ports stay in the same place. */
static size_t eth_frame(uint8_t *f, uint16_t sport, uint16_t dport, bool udp)
{
    memset(f, 0, 54);
    f[5] = 1;                               /* dst mac */
    f[11] = 2;                              /* src mac */
    f[12] = 0x08;                           /* IPv4 */
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[3] = 40;                             /* total length */
    ip[8] = 64;
    ip[9] = udp ? 17 : 6;
    ip[12] = 10, ip[15] = 1;                /* 10.0.0.1 > 10.0.0.2 */
    ip[16] = 10, ip[19] = 2;
    uint8_t *th = ip + 20;
    th[0] = (uint8_t)(sport >> 8), th[1] = (uint8_t)sport;
    th[2] = (uint8_t)(dport >> 8), th[3] = (uint8_t)dport;
    th[12] = 0x50;
    th[13] = 0x02;
    th[15] = 0xff;
    return 54;
}

/* Linux cooked (SLL, DLT 113) + IPv4 + TCP: 56 bytes. */
static size_t sll_frame(uint8_t *f, uint16_t sport, uint16_t dport)
{
    uint8_t eth[54];
    eth_frame(eth, sport, dport, false);
    memset(f, 0, 16);
    f[3] = 1;                               /* ARPHRD_ETHER */
    f[5] = 6;                               /* address length */
    f[14] = 0x08;                           /* protocol IPv4 */
    memcpy(f + 16, eth + 14, 40);
    return 56;
}

static const uint8_t pay[] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
                               0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
                               0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23 };

/* ---- helpers to open and read ---- */

static int open1(struct sf_capture **cap, const char *path,
                 const char *filter, char *errbuf)
{
    const char *files[] = { path };
    struct sf_capture_config cfg = { .files = files, .nfiles = 1,
                                     .filter = filter };
    return sf_capture_open(cap, &cfg, errbuf);
}

static void expect_frame(struct sf_capture *cap, struct sf_frame *fr,
                         int dlt, int64_t sec, uint32_t nsec,
                         uint32_t caplen, uint32_t wirelen)
{
    char errbuf[SF_ERRBUF_SIZE] = "";
    const struct sf_frame *got;
    int rc = sf_capture_next(cap, &got, errbuf);
    if (rc != 1)
        print_error("sf_capture_next: %d %s\n", rc, errbuf);
    assert_int_equal(rc, 1);
    *fr = *got;
    assert_int_equal(fr->dlt, dlt);
    assert_int_equal(fr->ts_sec, sec);
    assert_int_equal(fr->ts_nsec, nsec);
    assert_int_equal(fr->caplen, caplen);
    assert_int_equal(fr->wirelen, wirelen);
}

static void expect_end(struct sf_capture *cap)
{
    const struct sf_frame *fr;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(sf_capture_next(cap, &fr, errbuf), 0);
    assert_int_equal(sf_capture_next(cap, &fr, errbuf), 0);
}

/* The error comes back from next, names the file, and stays. */
static void expect_next_error(struct sf_capture *cap, int err,
                              const char *path, const char *phrase)
{
    const struct sf_frame *fr;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(sf_capture_next(cap, &fr, errbuf), err);
    assert_non_null(strstr(errbuf, path));
    if (!strstr(errbuf, phrase))
        print_error("errbuf \"%s\" lacks \"%s\"\n", errbuf, phrase);
    assert_non_null(strstr(errbuf, phrase));
    char again[SF_ERRBUF_SIZE] = "";
    assert_int_equal(sf_capture_next(cap, &fr, again), err);
    assert_string_equal(again, errbuf);
}

static void expect_open_error(const char *path, int err, const char *phrase)
{
    struct sf_capture *cap = (struct sf_capture *)1;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, NULL, errbuf), err);
    assert_null(cap);
    assert_non_null(strstr(errbuf, path));
    if (!strstr(errbuf, phrase))
        print_error("errbuf \"%s\" lacks \"%s\"\n", errbuf, phrase);
    assert_non_null(strstr(errbuf, phrase));
}

/* ---- pcap ---- */

static void test_pcap_usec_little_endian(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&b, 1700000000, 123456, pay, 20, 20);
    pcap_rec(&b, 1700000001, 999999, pay + 2, 10, 1514);
    const char *path = write_file(fx, "usec.pcap", &b);
    assert_int_equal(b.d[0], 0xd4);     /* little-endian on disk */

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    struct sf_frame fr;
    expect_frame(cap, &fr, 1, 1700000000, 123456000u, 20, 20);
    assert_memory_equal(fr.data, pay, 20);
    assert_string_equal(fr.file, path);
    assert_int_equal(fr.number, 1);
    expect_frame(cap, &fr, 1, 1700000001, 999999000u, 10, 1514);
    assert_memory_equal(fr.data, pay + 2, 10);
    assert_int_equal(fr.number, 2);
    expect_end(cap);
    assert_int_equal(sf_capture_frames_read(cap), 2);
    uint64_t done, total;
    sf_capture_progress(cap, &done, &total);
    assert_int_equal(total, b.n);
    assert_int_equal(done, b.n);
    sf_capture_close(cap);
}

static void test_pcap_nsec(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b23c4du, 65535, 1);
    pcap_rec(&b, 1700000000, 123456789, pay, 4, 60);
    pcap_rec(&b, 5, 999999999, pay, 1, 1);
    const char *path = write_file(fx, "nsec.pcap", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    struct sf_frame fr;
    expect_frame(cap, &fr, 1, 1700000000, 123456789u, 4, 60);
    expect_frame(cap, &fr, 1, 5, 999999999u, 1, 1);
    expect_end(cap);
    sf_capture_close(cap);
}

static void test_pcap_big_endian(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .be = true };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&b, 0x01020304, 0x00050607, pay, 20, 0x0102);
    const char *path = write_file(fx, "be.pcap", &b);
    assert_int_equal(b.d[0], 0xa1);     /* big-endian on disk */

    struct bb bn = { .be = true };
    pcap_hdr(&bn, 0xa1b23c4du, 65535, 113);
    pcap_rec(&bn, 7, 0x05060708, pay, 3, 3);
    const char *pathn = write_file(fx, "be-nsec.pcap", &bn);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    struct sf_frame fr;
    expect_frame(cap, &fr, 1, 0x01020304, 0x00050607u * 1000u, 20, 0x0102);
    assert_memory_equal(fr.data, pay, 20);  /* data is never swapped */
    expect_end(cap);
    sf_capture_close(cap);

    assert_int_equal(open1(&cap, pathn, NULL, errbuf), 0);
    expect_frame(cap, &fr, 113, 7, 0x05060708u, 3, 3);
    expect_end(cap);
    sf_capture_close(cap);
}

static void test_pcap_linktype_mapping(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 101);  /* LINKTYPE_RAW */
    pcap_rec(&b, 1, 0, pay, 20, 20);
    const char *path = write_file(fx, "raw.pcap", &b);

    /* upper bits of the link type field carry FCS info, not the type */
    struct bb f = { .n = 0 };
    pcap_hdr(&f, 0xa1b2c3d4u, 65535, 0x14000001u);
    pcap_rec(&f, 1, 0, pay, 20, 20);
    const char *pathf = write_file(fx, "fcs.pcap", &f);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 12, 1, 0, 20, 20);
    sf_capture_close(cap);
    assert_int_equal(open1(&cap, pathf, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 20, 20);
    sf_capture_close(cap);
}

/* libpcap (sf-pcap.c) reads a record longer than the file's snaplen whole
 * but hands out only snaplen bytes; the next record must still line up
 * (checked with tcpdump 4.99.3 -xx on the same file). */
static void test_pcap_caplen_cut_to_snaplen(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 8, 1);
    pcap_rec(&b, 1, 0, pay, 20, 30);
    pcap_rec(&b, 2, 0, pay + 4, 8, 8);
    const char *path = write_file(fx, "snap.pcap", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 8, 30);
    assert_memory_equal(fr.data, pay, 8);
    expect_frame(cap, &fr, 1, 2, 0, 8, 8);
    assert_memory_equal(fr.data, pay + 4, 8);
    expect_end(cap);
    sf_capture_close(cap);
}

/* ---- pcapng ---- */

static void test_pcapng_two_interfaces(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1);           /* Ethernet, microseconds */
    ng_idb(&b, 113, 65535, 9);          /* SLL, nanoseconds */
    ng_unknown(&b);                     /* must be skipped */
    ng_epb(&b, 0, 1700000000123456ull, pay, 20, 20);
    ng_epb(&b, 1, 1700000001987654321ull, pay + 1, 7, 60);
    ng_unknown(&b);
    ng_epb(&b, 0, 1700000002000001ull, pay + 2, 5, 5);
    ng_spb(&b, pay + 3, 6);
    const char *path = write_file(fx, "two.pcapng", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1700000000, 123456000u, 20, 20);
    assert_memory_equal(fr.data, pay, 20);
    assert_int_equal(fr.number, 1);
    expect_frame(cap, &fr, 113, 1700000001, 987654321u, 7, 60);
    assert_memory_equal(fr.data, pay + 1, 7);
    expect_frame(cap, &fr, 1, 1700000002, 1000u, 5, 5);
    assert_memory_equal(fr.data, pay + 2, 5);
    /* SPB: interface 0, no timestamp */
    expect_frame(cap, &fr, 1, 0, 0, 6, 6);
    assert_memory_equal(fr.data, pay + 3, 6);
    assert_int_equal(fr.number, 4);
    assert_string_equal(fr.file, path);
    expect_end(cap);
    assert_int_equal(sf_capture_frames_read(cap), 4);
    sf_capture_close(cap);
}

static void test_pcapng_big_endian_and_pow2_resolution(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .be = true };
    ng_shb(&b);
    ng_idb(&b, 101, 65535, 0x80 | 10);  /* LINKTYPE_RAW, 2^-10 s units */
    ng_epb(&b, 0, (5ull << 10) | 512, pay, 9, 9);   /* 5.5 s */
    const char *path = write_file(fx, "be.pcapng", &b);
    assert_int_equal(b.d[8], 0x1a);     /* byte-order magic, big-endian */

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 12, 5, 500000000u, 9, 9);
    assert_memory_equal(fr.data, pay, 9);
    expect_end(cap);
    sf_capture_close(cap);
}

static void test_pcapng_caplen_cut_to_snaplen(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 10, -1);
    ng_epb(&b, 0, 3000000, pay, 20, 100);
    ng_epb(&b, 0, 4000000, pay + 5, 10, 10);
    const char *path = write_file(fx, "snap.pcapng", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 3, 0, 10, 100);
    assert_memory_equal(fr.data, pay, 10);
    expect_frame(cap, &fr, 1, 4, 0, 10, 10);
    assert_memory_equal(fr.data, pay + 5, 10);
    expect_end(cap);
    sf_capture_close(cap);
}

/* ---- merge of several files ---- */

static void test_merge_by_timestamp(void **state)
{
    struct fixture *fx = *state;
    struct bb a = { .n = 0 }, b = { .n = 0 };
    pcap_hdr(&a, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&a, 10, 0, pay, 1, 1);
    pcap_rec(&a, 12, 500, pay, 2, 2);       /* tie with b's second */
    pcap_rec(&a, 14, 0, pay, 3, 3);
    pcap_hdr(&b, 0xa1b23c4du, 65535, 1);    /* ns, so 11.5 < 12.0000005 */
    pcap_rec(&b, 11, 0, pay, 4, 4);
    pcap_rec(&b, 12, 500000, pay, 5, 5);
    pcap_rec(&b, 12, 499999, pay, 6, 6);    /* out of order within b */
    pcap_rec(&b, 13, 0, pay, 7, 7);
    const char *pa = write_file(fx, "a.pcap", &a);
    const char *pb = write_file(fx, "b.pcap", &b);

    /* b listed first: ties keep the order of the file list */
    const char *files[] = { pb, pa };
    struct sf_capture_config cfg = { .files = files, .nfiles = 2 };
    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(sf_capture_open(&cap, &cfg, errbuf), 0);
    static const struct {
        int64_t sec;
        uint32_t nsec, caplen;
        int file;       /* 0 = pb, 1 = pa */
    } want[] = {
        { 10, 0, 1, 1 },
        { 11, 0, 4, 0 },
        { 12, 500000, 5, 0 },   /* tie: b comes first in the list */
        { 12, 499999, 6, 0 },   /* a merge, not a sort: b's order kept */
        { 12, 500000, 2, 1 },
        { 13, 0, 7, 0 },
        { 14, 0, 3, 1 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct sf_frame fr;
        expect_frame(cap, &fr, 1, want[i].sec, want[i].nsec, want[i].caplen,
                     want[i].caplen);
        assert_int_equal(fr.number, i + 1);
        assert_string_equal(fr.file, want[i].file ? pa : pb);
    }
    expect_end(cap);
    assert_int_equal(sf_capture_frames_read(cap), 7);
    sf_capture_close(cap);
}

static void test_merge_open_checks_every_file(void **state)
{
    struct fixture *fx = *state;
    struct bb a = { .n = 0 };
    pcap_hdr(&a, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&a, 10, 0, pay, 1, 1);
    const char *pa = write_file(fx, "good.pcap", &a);
    char missing[96];
    snprintf(missing, sizeof(missing), "%s/nope.pcap", fx->dir);
    const char *files[] = { pa, missing };
    struct sf_capture_config cfg = { .files = files, .nfiles = 2 };
    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(sf_capture_open(&cap, &cfg, errbuf), SF_ERR_IO);
    assert_null(cap);
    assert_non_null(strstr(errbuf, missing));
}

/* ---- errors ---- */

static void test_error_missing_file(void **state)
{
    struct fixture *fx = *state;
    char path[96];
    snprintf(path, sizeof(path), "%s/does-not-exist.pcap", fx->dir);
    expect_open_error(path, SF_ERR_IO, "No such file or directory");
}

static void test_error_empty_file(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    const char *path = write_file(fx, "empty.pcap", &b);
    expect_open_error(path, SF_ERR_FORMAT, "empty file");
}

static void test_error_bad_magic(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    put32(&b, 0x12345678u);
    for (int i = 0; i < 5; i++)
        put32(&b, 0);
    const char *path = write_file(fx, "magic.pcap", &b);
    expect_open_error(path, SF_ERR_FORMAT, "not a pcap or pcapng");
}

static void test_error_truncated_file_header(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    b.n = 20;                           /* 4 bytes short */
    const char *path = write_file(fx, "shorthdr.pcap", &b);
    expect_open_error(path, SF_ERR_TRUNCATED, "file header");
}

static void test_error_truncated_record_header(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&b, 1, 0, pay, 4, 4);
    pcap_rec(&b, 2, 0, pay, 4, 4);
    put32(&b, 3);                       /* half a record header */
    put32(&b, 0);
    const char *path = write_file(fx, "shortrec.pcap", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 4, 4);
    expect_frame(cap, &fr, 1, 2, 0, 4, 4);
    expect_next_error(cap, SF_ERR_TRUNCATED, path,
                      "record header of packet 3");
    sf_capture_close(cap);
}

static void test_error_truncated_packet_data(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&b, 1, 0, pay, 4, 4);
    pcap_rec(&b, 2, 0, pay, 20, 20);
    b.n -= 5;                           /* 15 of 20 data bytes */
    const char *path = write_file(fx, "shortdata.pcap", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 4, 4);
    expect_next_error(cap, SF_ERR_TRUNCATED, path,
                      "data of packet 2 (15 of 20 bytes)");
    sf_capture_close(cap);
}

static void test_error_huge_caplen(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    put32(&b, 1);
    put32(&b, 0);
    put32(&b, 0x80000000u);             /* caplen 2^31 */
    put32(&b, 0x80000000u);
    putmem(&b, pay, 20);
    const char *path = write_file(fx, "huge.pcap", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_next_error(cap, SF_ERR_FORMAT, path, "capture length 2147483648");
    sf_capture_close(cap);
}

static void test_error_pcapng_bad_block_length(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1);
    ng_epb(&b, 0, 1000000, pay, 4, 4);
    put32(&b, 6);                       /* an EPB of length 13 */
    put32(&b, 13);
    for (int i = 0; i < 6; i++)
        put32(&b, 0);
    const char *path = write_file(fx, "len13.pcapng", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 4, 4);
    expect_next_error(cap, SF_ERR_FORMAT, path, "bad length 13");
    sf_capture_close(cap);
}

static void test_error_pcapng_trailer_mismatch(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1);
    ng_epb(&b, 0, 1000000, pay, 4, 4);
    ng_epb(&b, 0, 2000000, pay, 4, 4);
    b.d[b.n - 4] = 40;                  /* trailing length 40, leading 36 */
    const char *path = write_file(fx, "trailer.pcapng", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 4, 4);
    expect_next_error(cap, SF_ERR_FORMAT, path, "block lengths disagree");
    sf_capture_close(cap);
}

static void test_error_pcapng_undefined_interface(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1);
    ng_epb(&b, 1, 1000000, pay, 4, 4);  /* only interface 0 exists */
    const char *path = write_file(fx, "noif.pcapng", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_next_error(cap, SF_ERR_FORMAT, path, "interface 1");
    sf_capture_close(cap);
}

static void test_header_only_is_empty_capture(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    const char *path = write_file(fx, "nopackets.pcap", &b);
    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_end(cap);
    assert_int_equal(sf_capture_frames_read(cap), 0);
    sf_capture_close(cap);
}

static void test_error_pcap_version(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    b.d[4] = 3;                         /* major version 3 */
    const char *path = write_file(fx, "v3.pcap", &b);
    expect_open_error(path, SF_ERR_FORMAT, "unsupported pcap version 3");
}

static void test_error_pcapng_truncated_block(void **state)
{
    struct fixture *fx = *state;
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1);
    ng_epb(&b, 0, 1000000, pay, 4, 4);
    ng_epb(&b, 0, 2000000, pay, 20, 20);
    b.n -= 10;                          /* file ends inside the block */
    const char *path = write_file(fx, "shortblock.pcapng", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, NULL, errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 4, 4);
    expect_next_error(cap, SF_ERR_TRUNCATED, path, "inside a pcapng block");
    sf_capture_close(cap);
}

/* ---- filter ---- */

static void test_filter_tcp_port_80(void **state)
{
    struct fixture *fx = *state;
    uint8_t f[64];
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&b, 1, 0, f, (uint32_t)eth_frame(f, 40000, 80, false), 54);
    pcap_rec(&b, 2, 0, f, (uint32_t)eth_frame(f, 40000, 443, false), 54);
    pcap_rec(&b, 3, 0, f, (uint32_t)eth_frame(f, 40000, 80, true), 54);
    pcap_rec(&b, 4, 0, f, (uint32_t)eth_frame(f, 80, 40000, false), 54);
    pcap_rec(&b, 5, 0, f, (uint32_t)eth_frame(f, 8080, 40000, false), 54);
    const char *path = write_file(fx, "filter.pcap", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, "tcp port 80", errbuf), 0);
    assert_int_equal(sf_capture_frames_read(cap), 0);
    expect_frame(cap, &fr, 1, 1, 0, 54, 54);
    assert_int_equal(fr.number, 1);
    assert_int_equal(sf_capture_frames_read(cap), 1);
    expect_frame(cap, &fr, 1, 4, 0, 54, 54);
    assert_int_equal(fr.number, 2);     /* numbers count what passed */
    assert_int_equal(sf_capture_frames_read(cap), 4);
    expect_end(cap);
    assert_int_equal(sf_capture_frames_read(cap), 5);
    sf_capture_close(cap);
}

/* one program per link type: the same expression on Ethernet and SLL */
static void test_filter_pcapng_mixed_link_types(void **state)
{
    struct fixture *fx = *state;
    uint8_t f[64];
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1);
    ng_idb(&b, 113, 65535, -1);
    ng_epb(&b, 0, 1000000, f, (uint32_t)eth_frame(f, 1, 80, false), 54);
    ng_epb(&b, 1, 2000000, f, (uint32_t)sll_frame(f, 1, 81), 56);
    ng_epb(&b, 1, 3000000, f, (uint32_t)sll_frame(f, 80, 2), 56);
    ng_epb(&b, 0, 4000000, f, (uint32_t)eth_frame(f, 1, 81, false), 54);
    const char *path = write_file(fx, "filter.pcapng", &b);

    struct sf_capture *cap;
    char errbuf[SF_ERRBUF_SIZE] = "";
    struct sf_frame fr;
    assert_int_equal(open1(&cap, path, "tcp port 80", errbuf), 0);
    expect_frame(cap, &fr, 1, 1, 0, 54, 54);
    expect_frame(cap, &fr, 113, 3, 0, 56, 56);
    assert_int_equal(fr.number, 2);
    expect_end(cap);
    assert_int_equal(sf_capture_frames_read(cap), 4);
    sf_capture_close(cap);
}

static void test_filter_bad_expression(void **state)
{
    struct fixture *fx = *state;
    uint8_t f[64];
    struct bb b = { .n = 0 };
    pcap_hdr(&b, 0xa1b2c3d4u, 65535, 1);
    pcap_rec(&b, 1, 0, f, (uint32_t)eth_frame(f, 1, 80, false), 54);
    const char *path = write_file(fx, "badfilter.pcap", &b);

    struct sf_capture *cap = (struct sf_capture *)1;
    char errbuf[SF_ERRBUF_SIZE] = "";
    assert_int_equal(open1(&cap, path, "tcp port", errbuf), SF_ERR_FILTER);
    assert_null(cap);
    assert_int_equal(strncmp(errbuf, "filter: ", 8), 0);
    assert_non_null(strstr(errbuf, "syntax error"));    /* libpcap's text */
}

/* A bad expression fails at open for a pcapng input too (regression: it
 * used to be reported only by the first sf_capture_next, and never for a
 * file without packets, where tcpdump exits 1). */
static void test_filter_bad_expression_pcapng(void **state)
{
    struct fixture *fx = *state;
    uint8_t f[64];
    struct bb b = { .n = 0 };
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1);
    ng_epb(&b, 0, 1000000, f, (uint32_t)eth_frame(f, 1, 80, false), 54);
    const char *path = write_file(fx, "badfilter.pcapng", &b);

    struct sf_capture *cap = (struct sf_capture *)1;
    char errbuf[SF_ERRBUF_SIZE] = "";
    int rc = open1(&cap, path, "tcp port", errbuf);
    if (rc == 0)
        sf_capture_close(cap);
    assert_int_equal(rc, SF_ERR_FILTER);
    assert_int_equal(strncmp(errbuf, "filter: ", 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_usec_little_endian),
        cmocka_unit_test(test_pcap_nsec),
        cmocka_unit_test(test_pcap_big_endian),
        cmocka_unit_test(test_pcap_linktype_mapping),
        cmocka_unit_test(test_pcap_caplen_cut_to_snaplen),
        cmocka_unit_test(test_pcapng_two_interfaces),
        cmocka_unit_test(test_pcapng_big_endian_and_pow2_resolution),
        cmocka_unit_test(test_pcapng_caplen_cut_to_snaplen),
        cmocka_unit_test(test_merge_by_timestamp),
        cmocka_unit_test(test_merge_open_checks_every_file),
        cmocka_unit_test(test_error_missing_file),
        cmocka_unit_test(test_error_empty_file),
        cmocka_unit_test(test_error_bad_magic),
        cmocka_unit_test(test_error_truncated_file_header),
        cmocka_unit_test(test_error_truncated_record_header),
        cmocka_unit_test(test_error_truncated_packet_data),
        cmocka_unit_test(test_error_huge_caplen),
        cmocka_unit_test(test_error_pcapng_bad_block_length),
        cmocka_unit_test(test_error_pcapng_trailer_mismatch),
        cmocka_unit_test(test_error_pcapng_undefined_interface),
        cmocka_unit_test(test_header_only_is_empty_capture),
        cmocka_unit_test(test_error_pcap_version),
        cmocka_unit_test(test_error_pcapng_truncated_block),
        cmocka_unit_test(test_filter_tcp_port_80),
        cmocka_unit_test(test_filter_pcapng_mixed_link_types),
        cmocka_unit_test(test_filter_bad_expression),
        cmocka_unit_test(test_filter_bad_expression_pcapng),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
