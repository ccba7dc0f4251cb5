/* main: the command line. Parses options (tcpdump's flag names where they
 * mean the same), wires capture -> decode -> reporters, handles signals
 * and picks the exit status: 0 success, 1 runtime error (after printing
 * everything read before it), 2 usage error. The only file that prints
 * errors. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sf_config.h"
#include "synfin/capture.h"
#include "synfin/decode.h"
#include "synfin/tdfmt.h"
#include "synfin/util.h"

enum mode { MODE_PLAIN };

struct options {
    const char **files;
    size_t nfiles;
    char *filter;               /* owned */
    uint64_t count;             /* -c; 0 = unlimited */
    enum mode mode;
    struct sf_tdfmt_config fmt;
};

/* "not decoded" reasons, counted for the end-of-run summary */
#define MAX_REASONS 64
struct reasons {
    struct {
        enum sf_decode_status status;
        const char *why;
        uint64_t n;
    } r[MAX_REASONS];
    size_t n;
};

static void usage(FILE *out)
{
    fputs(
"usage: synfin [options] [-r FILE]... [filter expression]\n"
"\n"
"Reads TCP traffic from capture files and prints each TCP packet the way\n"
"tcpdump -nn does.\n"
"\n"
"input:\n"
"  -r FILE            read a pcap or pcapng file; repeat to merge several\n"
"                     files by timestamp; - reads standard input\n"
"  -F FILE            read the BPF filter expression from FILE\n"
"  -c N               stop after N packets (counted after the filter)\n"
"output:\n"
"  --plain            one tcpdump -nn line per TCP packet (current default)\n"
"  -S, --absolute-tcp-sequence-numbers\n"
"                     print absolute, not relative, sequence numbers\n"
"  -t                 timestamps: -t none, -tt seconds since the epoch,\n"
"                     -ttt delta from the previous packet, -tttt date and\n"
"                     time, -ttttt delta from the first packet\n"
"  --nano, --time-stamp-precision=nano|micro\n"
"                     print nanosecond (or microsecond) timestamps\n"
"  -#, --number       prefix each line with the packet number\n"
"  -n                 accepted for tcpdump compatibility; synfin never\n"
"                     resolves names\n"
"  -h, --help         this help\n"
"  --version          print the version\n"
"\n"
"Exit status: 0 success, 1 runtime error, 2 usage error.\n", out);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("synfin: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'synfin --help' for more information.\n", stderr);
    return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* Reads a filter file as tcpdump -F does: the whole file is the
 * expression; '#' starts a comment to the end of the line. */
static char *read_filter_file(const char *path, char *errbuf)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        sf_errbuf_set(errbuf, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct sf_buf b;
    sf_buf_init(&b);
    int c;
    bool comment = false;
    while ((c = fgetc(fp)) != EOF) {
        if (c == '#')
            comment = true;
        else if (c == '\n')
            comment = false;
        if (!comment)
            sf_buf_putc(&b, c == '\n' ? ' ' : (char)c);
    }
    bool bad = ferror(fp);
    fclose(fp);
    if (bad) {
        sf_errbuf_set(errbuf, "%s: read error", path);
        sf_buf_fini(&b);
        return NULL;
    }
    if (!b.data)
        return sf_xstrdup("");
    return b.data;
}

static char *join_args(char **argv, int argc)
{
    struct sf_buf b;
    sf_buf_init(&b);
    for (int i = 0; i < argc; i++) {
        if (i)
            sf_buf_putc(&b, ' ');
        sf_buf_puts(&b, argv[i]);
    }
    return b.data ? b.data : sf_xstrdup("");
}

enum {
    OPT_PLAIN = 256,
    OPT_NANO,
    OPT_TSPREC,
    OPT_VERSION,
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "plain", no_argument, NULL, OPT_PLAIN },
        { "absolute-tcp-sequence-numbers", no_argument, NULL, 'S' },
        { "nano", no_argument, NULL, OPT_NANO },
        { "time-stamp-precision", required_argument, NULL, OPT_TSPREC },
        { "number", no_argument, NULL, '#' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    const char *filter_file = NULL;
    int tcount = 0;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+r:F:c:Stn#h", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'r':
            o->files = sf_xrealloc(o->files,
                                   (o->nfiles + 1) * sizeof(*o->files));
            o->files[o->nfiles++] = optarg;
            break;
        case 'F':
            filter_file = optarg;
            break;
        case 'c':
            if (!parse_u64(optarg, &o->count) || o->count == 0)
                return usage_error("-c: not a positive number: %s", optarg);
            break;
        case 'S':
            o->fmt.absolute_seq = true;
            break;
        case 't':
            tcount++;
            break;
        case 'n':
            break;
        case '#':
            o->fmt.number = true;
            break;
        case OPT_PLAIN:
            o->mode = MODE_PLAIN;
            break;
        case OPT_NANO:
            o->fmt.nano = true;
            break;
        case OPT_TSPREC:
            if (strcmp(optarg, "nano") == 0)
                o->fmt.nano = true;
            else if (strcmp(optarg, "micro") == 0)
                o->fmt.nano = false;
            else
                return usage_error("--time-stamp-precision: expected micro or "
                                   "nano, got %s", optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("synfin %s\n", SF_VERSION);
            return 0;
        case '?':
        default:
            if (optopt && optopt < 256)
                return usage_error("unknown or incomplete option -%s",
                                   (char[]){ (char)optopt, '\0' });
            return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (tcount > 5)
        return usage_error("%s: at most five -t", "-tttttt");
    o->fmt.ts_style = (enum sf_tstamp_style)tcount;
    if (o->nfiles == 0)
        return usage_error("%s", "no input: give -r FILE (live capture is "
                                 "not implemented yet)");
    if (filter_file) {
        char errbuf[SF_ERRBUF_SIZE];
        if (optind < argc)
            return usage_error("%s", "-F and a filter expression on the "
                                     "command line exclude each other");
        o->filter = read_filter_file(filter_file, errbuf);
        if (!o->filter) {
            fprintf(stderr, "synfin: %s\n", errbuf);
            return 1;
        }
    } else if (optind < argc) {
        o->filter = join_args(argv + optind, argc - optind);
    }
    return -1;
}

static void count_reason(struct reasons *r, const struct sf_pkt *p)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->r[i].status == p->status &&
            (r->r[i].why == p->why || strcmp(r->r[i].why, p->why) == 0)) {
            r->r[i].n++;
            return;
        }
    }
    if (r->n < MAX_REASONS) {
        r->r[r->n].status = p->status;
        r->r[r->n].why = p->why;
        r->r[r->n].n = 1;
        r->n++;
    }
}

/* Writes the pending output straight to the descriptor (the buffer is
 * already big: going through stdio would copy it once more); false when
 * stdout is gone or failing, with errno set. */
static bool flush_out(struct sf_buf *out)
{
    size_t done = 0;
    while (done < out->len) {
        ssize_t n = write(STDOUT_FILENO, out->data + done, out->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    sf_buf_reset(out);
    return true;
}

static int run(const struct options *o)
{
    char errbuf[SF_ERRBUF_SIZE];
    struct sf_capture_config ccfg = { .files = o->files,
                                      .nfiles = o->nfiles,
                                      .filter = o->filter };
    struct sf_capture *cap;
    int err = sf_capture_open(&cap, &ccfg, errbuf);
    if (err) {
        fprintf(stderr, "synfin: %s\n", errbuf);
        return err == SF_ERR_USAGE ? 2 : 1;
    }
    struct sf_tdfmt *fmt = sf_tdfmt_new(&o->fmt, NULL);
    struct sf_buf out;
    sf_buf_init(&out);
    sf_buf_grow(&out, 1u << 16);
    struct reasons reasons = { .n = 0 };
    uint64_t packets = 0, tcp = 0;
    int status = 0;
    struct sf_frame fr;
    struct sf_pkt pkt;
    int rc;
    while ((rc = sf_capture_next(cap, &fr, errbuf)) == 1) {
        pkt.ts_sec = fr.ts_sec;
        pkt.ts_nsec = fr.ts_nsec;
        pkt.number = fr.number;
        packets++;
        if (sf_decode(fr.dlt, fr.data, fr.caplen, fr.wirelen, &pkt) ==
            SF_DECODE_OK)
            tcp++;
        else
            count_reason(&reasons, &pkt);
        if (sf_tdfmt_format(fmt, &pkt, &out))
            sf_buf_putc(&out, '\n');
        if (out.len >= (1u << 16) && !flush_out(&out))
            break;
        if (o->count && packets >= o->count)
            break;
    }
    if (!flush_out(&out)) {
        if (errno != EPIPE) {
            fprintf(stderr, "synfin: error writing output: %s\n",
                    strerror(errno));
            status = 1;
        }
    } else if (rc < 0) {
        fprintf(stderr, "synfin: %s\n", errbuf);
        status = 1;
    }
    if (status == 0 && rc >= 0 && isatty(STDERR_FILENO)) {
        fprintf(stderr, "synfin: %" PRIu64 " packets, %" PRIu64 " tcp",
                packets, tcp);
        for (size_t i = 0; i < reasons.n; i++)
            fprintf(stderr, "%s %" PRIu64 " %s (%s)", i ? "," : "; not decoded:",
                    reasons.r[i].n, sf_decode_status_name(reasons.r[i].status),
                    reasons.r[i].why);
        fputc('\n', stderr);
    }
    sf_buf_fini(&out);
    sf_tdfmt_free(fmt);
    sf_capture_close(cap);
    return status;
}

int main(int argc, char **argv)
{
    /* a closed pipe (synfin ... | head) ends the run quietly */
    signal(SIGPIPE, SIG_IGN);
    struct options o;
    memset(&o, 0, sizeof(o));
    int status = parse_args(argc, argv, &o);
    if (status < 0)
        status = run(&o);
    free(o.filter);
    free(o.files);
    return status;
}
