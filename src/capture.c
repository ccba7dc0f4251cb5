/* capture: stage 1 of the pipeline. Input: capture files (pcap, pcapng,
 * "-" for stdin); output: struct sf_frame, one at a time, merged across
 * files by timestamp and filtered by BPF. We parse the file formats
 * ourselves - streaming, every length checked before use - because
 * libpcap 1.10 refuses pcapng files whose interfaces use different link
 * types; libpcap still compiles and runs the filters (pcap_open_dead +
 * pcap_offline_filter), one program per link type. Formats: pcap
 * (wiki.wireshark.org/Development/LibpcapFileFormat) and pcapng
 * (draft-ietf-opsawg-pcapng). */

#include "synfin/capture.h"

#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synfin/cursor.h"

#define MAX_CAPLEN 262144u              /* libpcap's MAXIMUM_SNAPLEN */
#define MAX_BLOCK (16u * 1024 * 1024)   /* libpcap's pcapng block cap */
#define CHUNK_SIZE (1u << 20)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22           /* Linux 5.14; older say EINVAL */
#endif
#define NCHUNKS 4
#define SF_DLT_EN10MB_ 1                /* DLT_EN10MB */

enum fmt { FMT_PCAP, FMT_PCAPNG };

struct iface {
    int dlt;
    uint32_t snaplen;
    bool pow2;          /* if_tsresol: 2^-exp instead of 10^-exp */
    uint8_t exp;
    int64_t tsoffset;   /* if_tsoffset, seconds */
};

struct chunk {
    uint8_t *data;          /* `buf`, or a window mapped from the file */
    size_t len;             /* bytes read into it */
    uint8_t *buf;           /* CHUNK_SIZE bytes, for read() */
    bool mapped;            /* data is a mapping: unmapped on release */
};

/* A file's bytes as a queue of chunks, parsed in place. For a regular
 * file a thread prepares them ahead of the parser: it maps the file a
 * window at a time and has the kernel fault each window in
 * (MADV_POPULATE_READ), so the parser reads the page cache itself and
 * nothing is copied; past the size the file had when opened, or where
 * mapping fails, it read()s. For pipes and terminals the parser fills
 * its one chunk itself when it needs it (a thread could block in read()
 * forever). A record that spans chunks is gathered into `spill`. */
struct reader {
    int fd;
    bool threaded;
    uint64_t map_end;       /* map the file up to here... */
    uint64_t map_off;       /* ...from here; read() once they meet */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk ring[NCHUNKS];
    size_t head, count;     /* oldest filled chunk; filled chunks */
    bool eof, stop;         /* end of file reached; close asked */
    int err;                /* errno of a failed read, 0 if none */
    struct chunk *cur;      /* being parsed, or NULL */
    size_t pos;             /* in cur */
    bool release_cur;       /* cur is used up: release at the next take */
    uint8_t *spill;
    size_t spillcap;
};

struct source {
    const char *path;
    int fd;
    bool owns_fd;
    struct reader rd;
    int rerrno;         /* errno of a failed read, 0 if none */
    uint64_t size;      /* regular files; 0 = unknown */
    uint64_t offset;    /* bytes consumed */
    enum fmt fmt;
    bool swapped;       /* file byte order differs from little-endian read */
    /* pcap */
    bool nano;
    int dlt;
    uint32_t snaplen;
    /* pcapng */
    struct iface *ifs;
    size_t nifs;
    /* current record */
    const uint8_t *buf; /* block body being parsed (borrowed from rd) */
    struct sf_frame cur;
    bool have;          /* cur holds an unread frame */
    bool eof;
    uint64_t records;
    int64_t prev_sec;   /* the frame returned before, for time_back */
    uint32_t prev_nsec;
    bool have_prev, went_back;
};

struct filter_prog {
    int dlt;
    struct bpf_program prog;
};

struct sf_capture {
    struct source *src;
    size_t nsrc;
    pcap_t *live;           /* live capture, or NULL */
    pcap_dumper_t *dump;    /* -w */
    int live_dlt;           /* the interface's link type */
    bool live_nano;         /* libpcap gives nanoseconds */
    int live_fd;            /* to poll(): libpcap's timeout does not
                             * return on an idle TPACKET_V3 socket */
    struct sf_frame live_frame; /* the one sf_capture_next returned */
    volatile sig_atomic_t stop;
    char *iface;            /* its name, for messages */
    const char *filter;
    struct filter_prog *progs;
    size_t nprogs;
    uint64_t frames;        /* read from files */
    uint64_t number;        /* returned */
    int err;                /* sticky */
    char errmsg[SF_ERRBUF_SIZE];
};

/* ---- low-level reads ---- */

/* Reads into `c`: until it is full or the file ends with `whole` (the
 * reader thread, ahead of the parser), else only what the first read
 * that returns data gives (a pipe: a packet is parsed as soon as it
 * comes, not once a chunk's worth has). End of file sets *eof, a read
 * error leaves its errno in *err. */
static void fill_chunk(int fd, struct chunk *c, bool whole, bool *eof,
                       int *err)
{
    c->data = c->buf;
    c->len = 0;
    while (c->len < CHUNK_SIZE) {
        ssize_t got = read(fd, c->data + c->len, CHUNK_SIZE - c->len);
        if (got > 0) {
            c->len += (size_t)got;
            if (!whole)
                return;
        } else if (got == 0) {
            *eof = true;
            return;
        } else if (errno != EINTR) {
            *err = errno;
            return;
        }
    }
}

/* Maps the next window of the file into `c` and faults it in. False
 * when there is nothing left to map or it cannot be done; read() then
 * goes on from the first byte not mapped: a file that grew is read to
 * its new end, and one that shrank (the kernel refuses to fault in
 * pages past the end of file) gives a short read, as it would have. */
static bool map_chunk(struct reader *r, struct chunk *c)
{
    if (!r->map_end)
        return false;
    if (r->map_off < r->map_end) {
        size_t n = r->map_end - r->map_off < CHUNK_SIZE
                       ? (size_t)(r->map_end - r->map_off)
                       : CHUNK_SIZE;
        void *p = mmap(NULL, n, PROT_READ, MAP_PRIVATE, r->fd,
                       (off_t)r->map_off);
        if (p != MAP_FAILED && madvise(p, n, MADV_POPULATE_READ) == 0) {
            c->data = p;
            c->len = n;
            c->mapped = true;
            r->map_off += n;
            return true;
        }
        if (p != MAP_FAILED)
            munmap(p, n);
    }
    r->map_end = 0;         /* read() from here on */
    if (lseek(r->fd, (off_t)r->map_off, SEEK_SET) < 0)
        r->err = errno;
    return false;
}

static void chunk_unmap(struct chunk *c)
{
    if (c->mapped) {
        munmap(c->data, c->len);
        c->mapped = false;
        c->data = c->buf;
        c->len = 0;
    }
}

/* ---- a mapped file that shrinks ----
 * Another program may truncate a file while its pages are mapped: the
 * next touch of a page past the new end raises SIGBUS. While a capture
 * of files is open, the handler names the file and exits with status 1,
 * as for any other read error (what was already written stays). */

static struct sf_capture *volatile bus_cap;
static struct sigaction bus_old;

static void put_err(const char *s)
{
    ssize_t rc = write(STDERR_FILENO, s, strlen(s));
    (void)rc;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    const struct sf_capture *cap = bus_cap;
    uintptr_t a = (uintptr_t)si->si_addr;
    /* only the parser touches the mappings: the fault is in the chunk
     * it has taken from a reader (its own field) */
    for (size_t i = 0; cap && i < cap->nsrc; i++) {
        const struct chunk *c = cap->src[i].rd.cur;
        uintptr_t at = c ? (uintptr_t)c->data : 0;
        if (c && c->mapped && a >= at && a - at < c->len) {
            put_err("synfin: ");
            put_err(cap->src[i].path);
            put_err(": read error: the file shrank while being read\n");
            _exit(1);
        }
    }
    /* not ours: with the default action the fault happens again */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
}

static void bus_watch(struct sf_capture *cap)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (!bus_cap && sigaction(SIGBUS, &sa, &bus_old) == 0)
        bus_cap = cap;
}

static void bus_unwatch(struct sf_capture *cap)
{
    if (bus_cap == cap) {
        sigaction(SIGBUS, &bus_old, NULL);
        bus_cap = NULL;
    }
}

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stop && !r->eof && !r->err) {
        while (r->count == NCHUNKS && !r->stop)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->stop)
            break;
        /* the free slot after the filled ones: never the parser's */
        struct chunk *c = &r->ring[(r->head + r->count) % NCHUNKS];
        pthread_mutex_unlock(&r->mu);
        bool eof = false;
        int err = 0;
        if (!map_chunk(r, c))
            fill_chunk(r->fd, c, true, &eof, &err);
        pthread_mutex_lock(&r->mu);
        if (c->len)
            r->count++;
        r->eof |= eof;
        if (err)
            r->err = err;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* `map_size`: the bytes to map from offset 0, 0 to read() all */
static void reader_init(struct reader *r, int fd, bool regular,
                        uint64_t map_size)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    r->map_end = map_size;
    for (size_t i = 0; i < (regular ? NCHUNKS : 1); i++)
        r->ring[i].buf = sf_xmalloc(CHUNK_SIZE);
    if (regular) {
        pthread_mutex_init(&r->mu, NULL);
        pthread_cond_init(&r->cv, NULL);
        r->threaded = pthread_create(&r->thread, NULL, reader_main, r) == 0;
        if (!r->threaded) {
            pthread_cond_destroy(&r->cv);
            pthread_mutex_destroy(&r->mu);
        }
    }
}

static void reader_fini(struct reader *r)
{
    if (r->threaded) {
        pthread_mutex_lock(&r->mu);
        r->stop = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
    }
    for (size_t i = 0; i < NCHUNKS; i++) {
        chunk_unmap(&r->ring[i]);
        free(r->ring[i].buf);
    }
    free(r->spill);
    memset(r, 0, sizeof(*r));
}

/* The oldest filled chunk, waiting for it; NULL at end of file or on an
 * error (r->err). */
static struct chunk *reader_next(struct reader *r)
{
    if (!r->threaded) {
        struct chunk *c = &r->ring[0];
        if (r->eof || r->err)
            return NULL;
        fill_chunk(r->fd, c, false, &r->eof, &r->err);
        return c->len ? c : NULL;
    }
    pthread_mutex_lock(&r->mu);
    while (r->count == 0 && !r->eof && !r->err)
        pthread_cond_wait(&r->cv, &r->mu);
    struct chunk *c = r->count ? &r->ring[r->head] : NULL;
    pthread_mutex_unlock(&r->mu);
    return c;
}

static void reader_release(struct reader *r)
{
    if (!r->threaded)
        return;
    chunk_unmap(&r->ring[r->head]);
    pthread_mutex_lock(&r->mu);
    r->head = (r->head + 1) % NCHUNKS;
    r->count--;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* The next n bytes, which the current chunk holds. */
static inline size_t take_in_chunk(struct source *s, size_t n,
                                   const uint8_t **out)
{
    struct reader *r = &s->rd;
    *out = r->cur->data + r->pos;
    r->pos += n;
    r->release_cur = r->pos == r->cur->len;
    s->offset += n;
    return n;
}

/* take() when the n bytes are not all in the current chunk: moves to the
 * next chunk, gathering bytes that span chunks in the spill buffer. */
static size_t take_slow(struct source *s, size_t n, const uint8_t **out)
{
    struct reader *r = &s->rd;
    if (r->release_cur) {
        reader_release(r);
        r->cur = NULL;
        r->release_cur = false;
    }
    if (!r->cur) {
        r->cur = reader_next(r);
        r->pos = 0;
    }
    if (r->cur && r->cur->len - r->pos >= n)
        return take_in_chunk(s, n, out);
    if (r->spillcap < n) {
        r->spill = sf_xrealloc(r->spill, n);
        r->spillcap = n;
    }
    size_t got = 0;
    while (r->cur && got < n) {
        size_t k = r->cur->len - r->pos;
        if (k > n - got)
            k = n - got;
        memcpy(r->spill + got, r->cur->data + r->pos, k);
        got += k;
        r->pos += k;
        if (r->pos == r->cur->len) {
            reader_release(r);
            r->cur = got < n ? reader_next(r) : NULL;
            r->pos = 0;
        }
    }
    *out = r->spill;
    if (got < n && r->err)
        s->rerrno = r->err;
    s->offset += got;
    return got;
}

/* Consumes the next n bytes: *out points at them until the next take()
 * (in place in a chunk, or gathered in the spill buffer when they span
 * chunks). Returns how many there were: fewer than n only at end of file
 * or on a read error, which sets rerrno. Inline: it runs twice for every
 * record, and almost always finds the bytes in the current chunk. */
static inline size_t take(struct source *s, size_t n, const uint8_t **out)
{
    struct reader *r = &s->rd;
    /* a used-up chunk (release_cur) has no bytes left: the slow path
     * releases it */
    if (r->cur && r->cur->len - r->pos >= n)
        return take_in_chunk(s, n, out);
    return take_slow(s, n, out);
}

/* Starts loading the bytes after the last take() (the next record's
 * header and the start of its packet) into the cache while the caller
 * works on this record. Nothing else reads them before the next take(),
 * and packets lie far enough apart that each header would otherwise be
 * a miss all the way to memory, for every packet. */
static inline void prefetch_next(const struct source *s)
{
    const struct reader *r = &s->rd;
    /* unconditional: GCC 12 deletes a branch that holds only prefetches.
     * A prefetch never faults, so past the chunk's end (a mapping's last
     * page, where the next one may not exist) it is only wasted. */
    uintptr_t next = r->cur ? (uintptr_t)r->cur->data + r->pos : 0;
    __builtin_prefetch((const void *)next);
    __builtin_prefetch((const void *)(next + 64));
}

static int io_error(struct source *s, char *errbuf)
{
    sf_errbuf_set(errbuf, "%s: read error: %s", s->path, strerror(s->rerrno));
    return SF_ERR_IO;
}

static inline uint32_t get32(const struct source *s, const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                 (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (s->swapped)
        v = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
            (v << 24);
    return v;
}

static inline uint16_t get16(const struct source *s, const uint8_t *p)
{
    uint16_t v = (uint16_t)(p[0] | p[1] << 8);
    if (s->swapped)
        v = (uint16_t)(v >> 8 | v << 8);
    return v;
}

/* pcap LINKTYPE_ values that differ from DLT_ values (pcap-common.c). */
static int linktype_to_dlt(uint32_t lt)
{
    switch (lt) {
    case 101:
        return 12;              /* LINKTYPE_RAW -> DLT_RAW */
    default:
        return (int)lt;
    }
}

/* ---- pcap ---- */

static int pcap_header(struct source *s, const uint8_t *h, char *errbuf)
{
    /* magic already identified; h holds the 24-byte file header */
    uint16_t major = get16(s, h + 4);
    if (major != 2) {
        sf_errbuf_set(errbuf, "%s: unsupported pcap version %u", s->path,
                      major);
        return SF_ERR_FORMAT;
    }
    s->snaplen = get32(s, h + 16);
    if (s->snaplen == 0 || s->snaplen > MAX_CAPLEN)
        s->snaplen = MAX_CAPLEN;        /* as libpcap does */
    s->dlt = linktype_to_dlt(get32(s, h + 20) & 0x03ffffff);
    return 0;
}

static int pcap_next_rec(struct source *s, char *errbuf)
{
    const uint8_t *h;
    size_t got = take(s, 16, &h);
    if (s->rerrno)
        return io_error(s, errbuf);
    if (got == 0) {
        s->eof = true;
        return 0;
    }
    if (got < 16) {
        sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside the "
                      "record header of packet %" PRIu64, s->path,
                      s->records + 1);
        return SF_ERR_TRUNCATED;
    }
    uint32_t sec = get32(s, h), frac = get32(s, h + 4);
    uint32_t caplen = get32(s, h + 8), len = get32(s, h + 12);
    if (caplen > MAX_CAPLEN) {
        sf_errbuf_set(errbuf, "%s: packet %" PRIu64 ": capture length %u "
                      "is bigger than the maximum of %u (corrupt file?)",
                      s->path, s->records + 1, caplen, MAX_CAPLEN);
        return SF_ERR_FORMAT;
    }
    const uint8_t *data;
    got = take(s, caplen, &data);
    if (s->rerrno)
        return io_error(s, errbuf);
    if (got < caplen) {
        sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside the "
                      "data of packet %" PRIu64 " (%zu of %u bytes)",
                      s->path, s->records + 1, got, caplen);
        return SF_ERR_TRUNCATED;
    }
    prefetch_next(s);
    s->records++;
    s->cur.rec_caplen = caplen;
    /* libpcap reads the whole record but cuts caplen to the snaplen */
    if (caplen > s->snaplen)
        caplen = s->snaplen;
    s->cur.dlt = s->dlt;
    s->cur.ts_sec = sec;
    s->cur.ts_nsec = s->nano ? frac : frac * 1000u;
    s->cur.caplen = caplen;
    s->cur.wirelen = len;
    s->cur.data = data;
    s->have = true;
    return 0;
}

/* ---- pcapng ---- */

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BT_OPB 0x00000002u
#define BT_SPB 0x00000003u
#define BT_EPB 0x00000006u

static void ng_timestamp(const struct iface *ifc, uint64_t ts, int64_t *sec,
                         uint32_t *nsec)
{
    uint64_t per_sec, frac;
    if (ifc->pow2) {
        uint8_t e = ifc->exp > 63 ? 63 : ifc->exp;
        *sec = (int64_t)(ts >> e);
        frac = ts & ((1ull << e) - 1);
        if (e > 34) {                   /* keep frac * 1e9 below 2^64 */
            frac >>= e - 34;
            e = 34;
        }
        *nsec = (uint32_t)((frac * 1000000000ull) >> e);
    } else {
        uint8_t e = ifc->exp > 19 ? 19 : ifc->exp;
        per_sec = 1;
        for (uint8_t i = 0; i < e; i++)
            per_sec *= 10;
        *sec = (int64_t)(ts / per_sec);
        frac = ts % per_sec;
        if (e <= 9) {
            for (uint8_t i = e; i < 9; i++)
                frac *= 10;
        } else {
            for (uint8_t i = 9; i < e; i++)
                frac /= 10;
        }
        *nsec = (uint32_t)frac;
    }
    *sec += ifc->tsoffset;
}

static int ng_idb(struct source *s, struct sf_cursor *c, char *errbuf)
{
    if (sf_cur_left(c) < 8) {
        sf_errbuf_set(errbuf, "%s: interface description block too short",
                      s->path);
        return SF_ERR_FORMAT;
    }
    struct iface ifc = { .exp = 6 };
    const uint8_t *b = sf_cur_ptr(c);
    ifc.dlt = linktype_to_dlt(get16(s, b));
    ifc.snaplen = get32(s, b + 4);
    if (ifc.snaplen == 0 || ifc.snaplen > MAX_CAPLEN)
        ifc.snaplen = MAX_CAPLEN;
    sf_cur_skip(c, 8);
    /* options: code(2) length(2) value padded to 4 */
    while (sf_cur_left(c) >= 4) {
        const uint8_t *o = sf_cur_ptr(c);
        uint16_t code = get16(s, o), olen = get16(s, o + 2);
        sf_cur_skip(c, 4);
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (code == 0 || padded > sf_cur_left(c))
            break;                      /* opt_endofopt, or bad: ignore */
        const uint8_t *v = sf_cur_ptr(c);
        if (code == 9 && olen == 1) {           /* if_tsresol */
            ifc.pow2 = (v[0] & 0x80) != 0;
            ifc.exp = v[0] & 0x7f;
        } else if (code == 14 && olen == 8) {   /* if_tsoffset */
            uint64_t lo = get32(s, v), hi = get32(s, v + 4);
            ifc.tsoffset = (int64_t)(s->swapped ? (lo << 32 | hi)
                                                : (hi << 32 | lo));
        }
        sf_cur_skip(c, padded);
    }
    if (s->nifs >= 65536) {
        sf_errbuf_set(errbuf, "%s: too many interfaces", s->path);
        return SF_ERR_FORMAT;
    }
    s->ifs = sf_xrealloc(s->ifs, (s->nifs + 1) * sizeof(*s->ifs));
    s->ifs[s->nifs++] = ifc;
    return 0;
}

/* Reads the block body after an 8-byte block header; the trailing length
 * must repeat the leading one. */
static int ng_block_body(struct source *s, uint32_t type, uint32_t total,
                         char *errbuf)
{
    if (total < 12 || total % 4 != 0 || total > MAX_BLOCK) {
        sf_errbuf_set(errbuf, "%s: corrupt pcapng: block of type 0x%08x has "
                      "bad length %u (after packet %" PRIu64 ")", s->path,
                      type, total, s->records);
        return SF_ERR_FORMAT;
    }
    size_t body = total - 8;
    size_t got = take(s, body, &s->buf);
    if (s->rerrno)
        return io_error(s, errbuf);
    if (got < body) {
        sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside a "
                      "pcapng block (after packet %" PRIu64 ")", s->path,
                      s->records);
        return SF_ERR_TRUNCATED;
    }
    if (get32(s, s->buf + body - 4) != total) {
        sf_errbuf_set(errbuf, "%s: corrupt pcapng: block lengths disagree "
                      "(after packet %" PRIu64 ")", s->path, s->records);
        return SF_ERR_FORMAT;
    }
    return 0;
}

static int ng_shb(struct source *s, const uint8_t *bom, char *errbuf)
{
    uint32_t magic = (uint32_t)bom[0] | (uint32_t)bom[1] << 8 |
                     (uint32_t)bom[2] << 16 | (uint32_t)bom[3] << 24;
    if (magic == 0x1a2b3c4du)
        s->swapped = false;
    else if (magic == 0x4d3c2b1au)
        s->swapped = true;
    else {
        sf_errbuf_set(errbuf, "%s: corrupt pcapng: bad byte-order magic",
                      s->path);
        return SF_ERR_FORMAT;
    }
    free(s->ifs);                       /* a new section: new interfaces */
    s->ifs = NULL;
    s->nifs = 0;
    return 0;
}

/* s->buf holds the block body (after the 8-byte header), `body` bytes. */
static int ng_packet(struct source *s, uint32_t type, size_t body,
                     char *errbuf)
{
    uint32_t ifid, caplen, len;
    uint64_t ts = 0;
    size_t data_off;
    const uint8_t *b = s->buf;
    if (type == BT_EPB || type == BT_OPB) {
        if (type == BT_EPB) {
            ifid = get32(s, b);
        } else {
            ifid = get16(s, b);
        }
        ts = (uint64_t)get32(s, b + 4) << 32 | get32(s, b + 8);
        caplen = get32(s, b + 12);
        len = get32(s, b + 16);
        data_off = 20;
    } else {                            /* SPB: interface 0, no time */
        ifid = 0;
        len = get32(s, b);
        caplen = len;
        data_off = 4;
    }
    if (ifid >= s->nifs) {
        sf_errbuf_set(errbuf, "%s: corrupt pcapng: packet %" PRIu64 " names "
                      "interface %u, but only %zu are described", s->path,
                      s->records + 1, ifid, s->nifs);
        return SF_ERR_FORMAT;
    }
    const struct iface *ifc = &s->ifs[ifid];
    size_t room = body - 4 - data_off;  /* minus trailing length */
    if (type == BT_SPB && caplen > room)
        caplen = (uint32_t)room;
    if (type == BT_SPB && caplen > ifc->snaplen)
        caplen = ifc->snaplen;
    if (caplen > room) {
        sf_errbuf_set(errbuf, "%s: corrupt pcapng: packet %" PRIu64 " claims "
                      "%u captured bytes in a %zu-byte block", s->path,
                      s->records + 1, caplen, body + 8);
        return SF_ERR_FORMAT;
    }
    if (caplen > MAX_CAPLEN) {
        sf_errbuf_set(errbuf, "%s: packet %" PRIu64 ": capture length %u "
                      "is bigger than the maximum of %u (corrupt file?)",
                      s->path, s->records + 1, caplen, MAX_CAPLEN);
        return SF_ERR_FORMAT;
    }
    prefetch_next(s);
    s->records++;
    s->cur.rec_caplen = caplen;
    if (caplen > ifc->snaplen)
        caplen = ifc->snaplen;
    s->cur.dlt = ifc->dlt;
    if (type == BT_SPB) {
        s->cur.ts_sec = 0;
        s->cur.ts_nsec = 0;
    } else {
        ng_timestamp(ifc, ts, &s->cur.ts_sec, &s->cur.ts_nsec);
    }
    s->cur.caplen = caplen;
    s->cur.wirelen = len;
    s->cur.data = b + data_off;
    s->have = true;
    return 0;
}

/* The rest of a section header block whose type and total length were
 * read: byte-order magic first (it tells how to read the length), then
 * version, section length and options, skipped. */
static int ng_section(struct source *s, const uint8_t *lenb, char *errbuf)
{
    const uint8_t *bom;
    if (take(s, 4, &bom) < 4) {
        if (s->rerrno)
            return io_error(s, errbuf);
        sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside a "
                      "section header", s->path);
        return SF_ERR_TRUNCATED;
    }
    int err = ng_shb(s, bom, errbuf);
    if (err)
        return err;
    uint32_t total = get32(s, lenb);
    if (total < 28 || total % 4 != 0 || total > MAX_BLOCK) {
        sf_errbuf_set(errbuf, "%s: corrupt pcapng: section header has bad "
                      "length %u", s->path, total);
        return SF_ERR_FORMAT;
    }
    size_t rest = total - 12;
    const uint8_t *body;
    if (take(s, rest, &body) < rest) {
        if (s->rerrno)
            return io_error(s, errbuf);
        sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside a "
                      "section header", s->path);
        return SF_ERR_TRUNCATED;
    }
    if (get32(s, body + rest - 4) != total) {
        sf_errbuf_set(errbuf, "%s: corrupt pcapng: section header lengths "
                      "disagree", s->path);
        return SF_ERR_FORMAT;
    }
    return 0;
}

static int pcapng_next_rec(struct source *s, char *errbuf)
{
    for (;;) {
        const uint8_t *h;
        size_t got = take(s, 8, &h);
        if (s->rerrno)
            return io_error(s, errbuf);
        if (got == 0) {
            s->eof = true;
            return 0;
        }
        if (got < 8) {
            sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside a "
                          "pcapng block header (after packet %" PRIu64 ")",
                          s->path, s->records);
            return SF_ERR_TRUNCATED;
        }
        uint32_t type = get32(s, h);
        uint8_t lenb[4];
        memcpy(lenb, h + 4, 4);
        int err;
        if (type == BT_SHB) {
            err = ng_section(s, lenb, errbuf);
            if (err)
                return err;
            continue;
        }
        uint32_t total = get32(s, lenb);
        err = ng_block_body(s, type, total, errbuf);
        if (err)
            return err;
        size_t body = total - 8;
        struct sf_cursor c = sf_cur_make(s->buf, body - 4);
        switch (type) {
        case BT_IDB:
            err = ng_idb(s, &c, errbuf);
            if (err)
                return err;
            break;
        case BT_EPB:
        case BT_OPB:
        case BT_SPB:
            if (body < (type == BT_SPB ? 8u : 24u)) {
                sf_errbuf_set(errbuf, "%s: corrupt pcapng: packet block too "
                              "short (after packet %" PRIu64 ")", s->path,
                              s->records);
                return SF_ERR_FORMAT;
            }
            return ng_packet(s, type, body, errbuf);
        default:
            break;                      /* name resolution, stats, ...: skip */
        }
    }
}

/* ---- sources ---- */

static int source_open(struct source *s, const char *path, char *errbuf)
{
    memset(s, 0, sizeof(*s));
    s->path = path;
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
        s->path = "(stdin)";
    } else {
        s->fd = open(path, O_RDONLY);
        if (s->fd < 0) {
            sf_errbuf_set(errbuf, "%s: %s", path, strerror(errno));
            return SF_ERR_IO;
        }
        s->owns_fd = true;
    }
    struct stat st;
    bool have_st = fstat(s->fd, &st) == 0;
    if (have_st && S_ISDIR(st.st_mode)) {
        sf_errbuf_set(errbuf, "%s: is a directory", path);
        return SF_ERR_IO;
    }
    bool regular = have_st && S_ISREG(st.st_mode);
    /* a file given by name: its size for the progress line and the
     * reader's mappings (stdin is read from where it stands) */
    if (regular && s->owns_fd)
        s->size = (uint64_t)st.st_size;
    reader_init(&s->rd, s->fd, regular, s->size);

    const uint8_t *h;
    size_t got = take(s, 4, &h);
    if (s->rerrno)
        return io_error(s, errbuf);
    if (got == 0) {
        sf_errbuf_set(errbuf, "%s: empty file, not a capture", s->path);
        return SF_ERR_FORMAT;
    }
    if (got < 4) {
        sf_errbuf_set(errbuf, "%s: too short to be a capture file", s->path);
        return SF_ERR_FORMAT;
    }
    uint32_t magic = (uint32_t)h[0] | (uint32_t)h[1] << 8 |
                     (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    switch (magic) {
    case 0xa1b2c3d4u:
    case 0xa1b23c4du:
        s->swapped = false;
        break;
    case 0xd4c3b2a1u:
    case 0x4d3cb2a1u:
        s->swapped = true;
        break;
    case BT_SHB: {
        s->fmt = FMT_PCAPNG;
        const uint8_t *lenb;
        if (take(s, 4, &lenb) < 4) {
            sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside "
                          "the section header", s->path);
            return SF_ERR_TRUNCATED;
        }
        uint8_t l[4];
        memcpy(l, lenb, 4);
        return ng_section(s, l, errbuf);
    }
    default:
        sf_errbuf_set(errbuf, "%s: not a pcap or pcapng capture file "
                      "(magic 0x%08x)", s->path, magic);
        return SF_ERR_FORMAT;
    }
    s->fmt = FMT_PCAP;
    s->nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
    const uint8_t *rest;
    if (take(s, 20, &rest) < 20) {
        if (s->rerrno)
            return io_error(s, errbuf);
        sf_errbuf_set(errbuf, "%s: truncated capture: file ends inside the "
                      "pcap file header", s->path);
        return SF_ERR_TRUNCATED;
    }
    uint8_t hdr[24] = { 0 };
    memcpy(hdr + 4, rest, 20);
    return pcap_header(s, hdr, errbuf);
}

static void source_close(struct source *s)
{
    reader_fini(&s->rd);
    if (s->owns_fd)
        close(s->fd);
    free(s->ifs);
    memset(s, 0, sizeof(*s));
}

static int source_fill(struct source *s, char *errbuf)
{
    if (s->have || s->eof)
        return 0;
    return s->fmt == FMT_PCAP ? pcap_next_rec(s, errbuf)
                              : pcapng_next_rec(s, errbuf);
}

/* ---- filters ---- */

static int filter_for(struct sf_capture *cap, int dlt,
                      const struct bpf_program **out, char *errbuf)
{
    for (size_t i = 0; i < cap->nprogs; i++) {
        if (cap->progs[i].dlt == dlt) {
            *out = &cap->progs[i].prog;
            return 0;
        }
    }
    pcap_t *dead = pcap_open_dead(dlt, (int)MAX_CAPLEN);
    if (!dead) {
        sf_errbuf_set(errbuf, "filter: cannot set up link type %d", dlt);
        return SF_ERR_FILTER;
    }
    struct bpf_program prog;
    if (pcap_compile(dead, &prog, cap->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        sf_errbuf_set(errbuf, "filter: %s", pcap_geterr(dead));
        pcap_close(dead);
        return SF_ERR_FILTER;
    }
    pcap_close(dead);
    cap->progs = sf_xrealloc(cap->progs,
                             (cap->nprogs + 1) * sizeof(*cap->progs));
    cap->progs[cap->nprogs].dlt = dlt;
    cap->progs[cap->nprogs].prog = prog;
    *out = &cap->progs[cap->nprogs++].prog;
    return 0;
}

/* ---- public ---- */

/* libpcap's activation errors, said for an operator. */
static void live_error(pcap_t *p, int rc, const char *iface, char *errbuf)
{
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        sf_errbuf_set(errbuf, "%s: no such interface (synfin -D lists "
                      "them)", iface);
        break;
    case PCAP_ERROR_PERM_DENIED:
        sf_errbuf_set(errbuf, "%s: permission denied: capturing needs root, "
                      "or CAP_NET_RAW and CAP_NET_ADMIN (setcap "
                      "cap_net_raw,cap_net_admin=eip synfin)", iface);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        sf_errbuf_set(errbuf, "%s: interface is not up", iface);
        break;
    default:
        sf_errbuf_set(errbuf, "%s: %s", iface, pcap_geterr(p));
        break;
    }
}

static int live_open(struct sf_capture *cap,
                     const struct sf_capture_config *cfg, char *errbuf)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_create(cfg->iface, perr);
    if (!p) {
        sf_errbuf_set(errbuf, "%s: %s", cfg->iface, perr);
        return SF_ERR_IO;
    }
    cap->live = p;
    cap->iface = sf_xstrdup(cfg->iface);
    pcap_set_snaplen(p, cfg->snaplen > 0 ? cfg->snaplen : (int)MAX_CAPLEN);
    pcap_set_promisc(p, !cfg->no_promisc);
    /* a tenth of a second: timeouts fire without packets (DESIGN 6) */
    pcap_set_timeout(p, 100);
    if (cfg->buffer_kib > 0)
        pcap_set_buffer_size(p, cfg->buffer_kib * 1024);
    if (cfg->immediate)
        pcap_set_immediate_mode(p, 1);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    int rc = pcap_activate(p);
    if (rc < 0) {
        live_error(p, rc, cfg->iface, errbuf);
        return SF_ERR_IO;
    }
    cap->live_nano = pcap_get_tstamp_precision(p) ==
                     PCAP_TSTAMP_PRECISION_NANO;
    cap->live_fd = pcap_get_selectable_fd(p);
    if (cap->live_fd < 0 || pcap_setnonblock(p, 1, perr) < 0) {
        sf_errbuf_set(errbuf, "%s: cannot poll the capture: %s", cfg->iface,
                      cap->live_fd < 0 ? "no selectable descriptor" : perr);
        return SF_ERR_IO;
    }
    if (cap->filter) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, cap->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            sf_errbuf_set(errbuf, "filter: %s", pcap_geterr(p));
            return SF_ERR_FILTER;
        }
        rc = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            sf_errbuf_set(errbuf, "filter: %s", pcap_geterr(p));
            return SF_ERR_FILTER;
        }
    }
    cap->live_dlt = pcap_datalink(p);
    return 0;
}

static int live_next(struct sf_capture *cap, const struct sf_frame **out,
                     char *errbuf)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = 0;
    /* non-blocking reads, and our own poll() for a tenth of a second, so
     * the caller gets a tick when nothing comes */
    for (int tries = 0; tries < 2 && !cap->stop; tries++) {
        rc = pcap_next_ex(cap->live, &h, &data);
        if (rc != 0 || tries == 1)
            break;
        struct pollfd pfd = { .fd = cap->live_fd, .events = POLLIN };
        if (poll(&pfd, 1, 100) <= 0)
            return cap->stop ? 0 : SF_CAPTURE_TICK;
    }
    if (cap->stop || rc == PCAP_ERROR_BREAK)
        return 0;
    if (rc == 0)
        return SF_CAPTURE_TICK;
    if (rc < 0) {
        /* e.g. "The interface disappeared" (libpcap's words) */
        sf_errbuf_set(cap->errmsg, "%s: %s", cap->iface,
                      pcap_geterr(cap->live));
        cap->err = SF_ERR_IO;
        sf_errbuf_set(errbuf, "%s", cap->errmsg);
        return cap->err;
    }
    if (cap->dump)
        pcap_dump((u_char *)cap->dump, h, data);
    cap->frames++;
    struct sf_frame *fr = &cap->live_frame;
    memset(fr, 0, sizeof(*fr));
    fr->dlt = cap->live_dlt;
    fr->ts_sec = h->ts.tv_sec;
    fr->ts_nsec = (uint32_t)h->ts.tv_usec * (cap->live_nano ? 1u : 1000u);
    fr->caplen = h->caplen > MAX_CAPLEN ? MAX_CAPLEN : h->caplen;
    fr->rec_caplen = h->caplen;
    fr->wirelen = h->len;
    fr->data = data;        /* libpcap's, valid until the next call */
    fr->file = cap->iface;
    fr->number = ++cap->number;
    *out = fr;
    return 1;
}

int sf_capture_open(struct sf_capture **out,
                    const struct sf_capture_config *cfg, char *errbuf)
{
    *out = NULL;
    if (cfg && cfg->iface) {
        struct sf_capture *cap = sf_xcalloc(1, sizeof(*cap));
        cap->filter = cfg->filter && *cfg->filter ? cfg->filter : NULL;
        int err = live_open(cap, cfg, errbuf);
        if (err) {
            sf_capture_close(cap);
            return err;
        }
        *out = cap;
        return 0;
    }
    if (!cfg || cfg->nfiles == 0) {
        sf_errbuf_set(errbuf, "no input files");
        return SF_ERR_USAGE;
    }
    struct sf_capture *cap = sf_xcalloc(1, sizeof(*cap));
    cap->filter = cfg->filter && *cfg->filter ? cfg->filter : NULL;
    cap->src = sf_xcalloc(cfg->nfiles, sizeof(*cap->src));
    size_t nstdin = 0;
    for (size_t i = 0; i < cfg->nfiles; i++)
        nstdin += strcmp(cfg->files[i], "-") == 0;
    if (nstdin > 1) {
        sf_errbuf_set(errbuf, "-: standard input can be read only once");
        free(cap->src);
        free(cap);
        return SF_ERR_USAGE;
    }
    bus_watch(cap);
    for (size_t i = 0; i < cfg->nfiles; i++) {
        int err = source_open(&cap->src[i], cfg->files[i], errbuf);
        cap->nsrc = i + 1;
        if (err) {
            sf_capture_close(cap);
            return err;
        }
    }
    /* Read up to each file's first frame: that reads a pcapng file's
     * interface descriptions, so the time stamp precision is known, and
     * the filter can be compiled for the first frame's link type before
     * any output (a bad expression fails here). */
    for (size_t i = 0; i < cap->nsrc && !cap->err; i++) {
        /* a bad first record is reported by the first sf_capture_next,
         * like any later one */
        int err = source_fill(&cap->src[i], cap->errmsg);
        if (err)
            cap->err = err;
    }
    if (cap->filter) {
        struct source *s = &cap->src[0];
        int err;
        int dlt = s->have ? s->cur.dlt
                  : s->fmt == FMT_PCAP ? s->dlt
                  : s->nifs ? s->ifs[0].dlt : SF_DLT_EN10MB_;
        const struct bpf_program *prog;
        err = filter_for(cap, dlt, &prog, errbuf);
        if (err) {
            sf_capture_close(cap);
            return err;
        }
    }
    *out = cap;
    return 0;
}

/* Whether the frame `s` returns goes back in time from the one it
 * returned before; true once per input, for one warning. */
static bool time_back(struct source *s)
{
    bool back = s->have_prev && !s->went_back &&
                (s->cur.ts_sec < s->prev_sec ||
                 (s->cur.ts_sec == s->prev_sec &&
                  s->cur.ts_nsec < s->prev_nsec));
    s->went_back |= back;
    s->have_prev = true;
    s->prev_sec = s->cur.ts_sec;
    s->prev_nsec = s->cur.ts_nsec;
    return back;
}

int sf_capture_next(struct sf_capture *cap, const struct sf_frame **fr,
                    char *errbuf)
{
    if (cap->err) {
        sf_errbuf_set(errbuf, "%s", cap->errmsg);
        return cap->err;
    }
    if (cap->live)
        return live_next(cap, fr, errbuf);
    for (;;) {
        struct source *best = NULL;
        for (size_t i = 0; i < cap->nsrc; i++) {
            struct source *s = &cap->src[i];
            int err = source_fill(s, cap->errmsg);
            if (err) {
                cap->err = err;
                sf_errbuf_set(errbuf, "%s", cap->errmsg);
                return err;
            }
            if (!s->have)
                continue;
            if (!best || s->cur.ts_sec < best->cur.ts_sec ||
                (s->cur.ts_sec == best->cur.ts_sec &&
                 s->cur.ts_nsec < best->cur.ts_nsec))
                best = s;
        }
        if (!best)
            return 0;
        /* taken: the next call refills this source (its bytes stay until
         * then). Cleared now, not at the start of the next call: there
         * the flag was read right after this store, a byte written and a
         * word read, which the CPU cannot forward (a stall per packet) */
        best->have = false;
        cap->frames++;
        if (cap->filter) {
            const struct bpf_program *prog;
            int err = filter_for(cap, best->cur.dlt, &prog, cap->errmsg);
            if (err) {
                cap->err = err;
                sf_errbuf_set(errbuf, "%s", cap->errmsg);
                return err;
            }
            struct pcap_pkthdr h = { .caplen = best->cur.caplen,
                                     .len = best->cur.wirelen };
            if (!pcap_offline_filter(prog, &h, best->cur.data))
                continue;
        }
        best->cur.file = best->path;
        best->cur.number = ++cap->number;
        best->cur.time_back = time_back(best);
        *fr = &best->cur;
        return 1;
    }
}

bool sf_capture_nano(const struct sf_capture *cap)
{
    if (cap->live)
        return cap->live_nano;
    for (size_t i = 0; i < cap->nsrc; i++) {
        const struct source *s = &cap->src[i];
        if (s->fmt == FMT_PCAP && s->nano)
            return true;
        for (size_t j = 0; j < s->nifs; j++)
            if (s->ifs[j].pow2 ? s->ifs[j].exp > 20 : s->ifs[j].exp > 6)
                return true;
    }
    return false;
}

uint64_t sf_capture_frames_read(const struct sf_capture *cap)
{
    return cap->frames;
}

void sf_capture_progress(const struct sf_capture *cap, uint64_t *done,
                         uint64_t *total)
{
    *done = *total = 0;
    for (size_t i = 0; i < cap->nsrc; i++) {
        if (!cap->src[i].size) {
            *total = 0;
            return;
        }
        *done += cap->src[i].offset;
        *total += cap->src[i].size;
    }
}

void sf_capture_breakloop(struct sf_capture *cap)
{
    if (cap && cap->live) {
        cap->stop = 1;
        pcap_breakloop(cap->live);
    }
}

int sf_capture_dump_open(struct sf_capture *cap, const char *path,
                         char *errbuf)
{
    if (!cap->live) {
        sf_errbuf_set(errbuf, "%s: -w needs a live capture", path);
        return SF_ERR_IO;
    }
    cap->dump = pcap_dump_open(cap->live, path);
    if (!cap->dump) {
        sf_errbuf_set(errbuf, "%s: %s", path, pcap_geterr(cap->live));
        return SF_ERR_IO;
    }
    return 0;
}

bool sf_capture_live(const struct sf_capture *cap)
{
    return cap->live != NULL;
}

bool sf_capture_stats(struct sf_capture *cap, uint64_t *received,
                      uint64_t *dropped, uint64_t *ifdropped)
{
    struct pcap_stat st;
    if (!cap->live || pcap_stats(cap->live, &st) < 0)
        return false;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    *ifdropped = st.ps_ifdrop;
    return true;
}

int sf_capture_list_interfaces(struct sf_buf *out, char *errbuf)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_if_t *all;
    if (pcap_findalldevs(&all, perr) < 0) {
        sf_errbuf_set(errbuf, "interfaces: %s", perr);
        return SF_ERR_IO;
    }
    /* tcpdump.c show_devices_and_exit(), word for word */
    static const struct {
        bpf_u_int32 bit;
        const char *name;
    } flags[] = { { PCAP_IF_UP, "Up" }, { PCAP_IF_RUNNING, "Running" },
                  { PCAP_IF_LOOPBACK, "Loopback" },
                  { PCAP_IF_WIRELESS, "Wireless" } };
    unsigned n = 0;
    for (pcap_if_t *d = all; d; d = d->next) {
        sf_buf_printf(out, "%u.%s", ++n, d->name);
        if (d->description)
            sf_buf_printf(out, " (%s)", d->description);
        if (d->flags) {
            const char *sep = "";
            sf_buf_puts(out, " [");
            for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
                if (d->flags & flags[i].bit) {
                    sf_buf_printf(out, "%s%s", sep, flags[i].name);
                    sep = ", ";
                }
            }
            if (!*sep)
                sf_buf_puts(out, "none");
            bool wireless = d->flags & PCAP_IF_WIRELESS;
            switch (d->flags & PCAP_IF_CONNECTION_STATUS) {
            case PCAP_IF_CONNECTION_STATUS_UNKNOWN:
                sf_buf_puts(out, wireless ? ", Association status unknown"
                                          : ", Connection status unknown");
                break;
            case PCAP_IF_CONNECTION_STATUS_CONNECTED:
                sf_buf_puts(out, wireless ? ", Associated" : ", Connected");
                break;
            case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
                sf_buf_puts(out, wireless ? ", Not associated"
                                          : ", Disconnected");
                break;
            default:
                break;
            }
            sf_buf_putc(out, ']');
        }
        sf_buf_putc(out, '\n');
    }
    pcap_freealldevs(all);
    return 0;
}

void sf_capture_close(struct sf_capture *cap)
{
    if (!cap)
        return;
    if (cap->dump)
        pcap_dump_close(cap->dump);
    if (cap->live)
        pcap_close(cap->live);
    free(cap->iface);
    for (size_t i = 0; i < cap->nsrc; i++)
        source_close(&cap->src[i]);
    bus_unwatch(cap);
    for (size_t i = 0; i < cap->nprogs; i++)
        pcap_freecode(&cap->progs[i].prog);
    free(cap->progs);
    free(cap->src);
    free(cap);
}
