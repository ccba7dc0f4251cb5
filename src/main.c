/* main: the command line. Parses options (tcpdump's flag names where they
 * mean the same), wires capture -> decode -> reporters, handles signals
 * and picks the exit status: 0 success, 1 runtime error (after printing
 * everything read before it), 2 usage error. The only file that prints
 * errors. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "sf_config.h"
#include "synfin/capture.h"
#include "synfin/decode.h"
#include "synfin/event.h"
#include "synfin/flowtab.h"
#include "synfin/pipeline.h"
#include "synfin/report_json.h"
#include "synfin/report_ladder.h"
#include "synfin/report_timeline.h"
#include "synfin/tdfmt.h"
#include "synfin/util.h"

enum mode { MODE_TIMELINE, MODE_PLAIN, MODE_SUMMARY, MODE_JSON, MODE_LADDER };
enum color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct options {
    const char **files;
    size_t nfiles;
    char *filter;               /* owned */
    uint64_t count;             /* -c; 0 = unlimited */
    enum mode mode;
    bool anomalies_only;
    bool json_flows, json_events;
    uint32_t ladder_id;         /* --ladder=ID; 0 = every flow */
    bool ladder_text;           /* --ladder given */
    const char *ladder_svg;     /* --ladder-svg FILE */
    bool ascii;                 /* --ascii */
    enum color color;
    int progress;               /* -1 never, 0 auto (terminal), 1 always */
    struct sf_tdfmt_config fmt;
    struct sf_flowtab_config flows;
    /* live capture */
    const char *iface;          /* -i */
    bool list_interfaces;       /* -D */
    bool no_promisc;            /* -p */
    int snaplen;                /* -s */
    int buffer_kib;             /* -B */
    bool immediate;             /* --immediate-mode */
    const char *user;           /* -Z */
    const char *write_file;     /* -w */
};

/* "not decoded" reasons, counted for the end-of-run summary */
#define MAX_REASONS 64
struct reasons {
    struct sf_reason_count r[MAX_REASONS];
    size_t n;
};

static void usage(FILE *out)
{
    fputs(
"usage: synfin [options] -r FILE... | -i INTERFACE  [filter expression]\n"
"\n"
"Reads TCP traffic from capture files and tells, connection by connection,\n"
"how each was opened and closed: each packet as tcpdump -nn prints it,\n"
"annotated with what it means, then the anomalies and a table of flows.\n"
"\n"
"input:\n"
"  -r FILE            read a pcap or pcapng file; repeat to merge several\n"
"                     files by timestamp; - reads standard input\n"
"  -F FILE            read the BPF filter expression from FILE\n"
"  -c N               stop after N packets (counted after the filter)\n"
"live capture (Ctrl-C stops it and prints the flows and totals):\n"
"  -i, --interface IFACE\n"
"                     capture live on IFACE (\"any\": all interfaces)\n"
"  -D, --list-interfaces\n"
"                     list the interfaces that can be captured on\n"
"  -p, --no-promiscuous-mode\n"
"                     do not put the interface in promiscuous mode\n"
"  -s, --snapshot-length N\n"
"                     capture at most N bytes of each packet (262144)\n"
"  -B, --buffer-size KiB\n"
"                     the kernel's capture buffer\n"
"  --immediate-mode   hand each packet over at once (no batching)\n"
"  -Z USER            become USER once the capture is open\n"
"  -w FILE            also save the captured packets to FILE (pcap), created\n"
"                     after -Z has dropped privileges\n"
"output (default: the annotated timeline, anomalies, flow table):\n"
"  --plain            one tcpdump -nn line per TCP packet, nothing else\n"
"  -q, --summary      only the anomalies and the flow table\n"
"  --json[=WHAT]      newline-delimited JSON: flows (the default: one\n"
"                     object per connection), events (one per packet) or\n"
"                     all; then a summary object\n"
"  --anomalies        only packets and flows with anomalies\n"
"  --ladder[=ID]      each flow (or flow ID) as a sequence diagram: arrows\n"
"                     for handshake, close and RST segments, each side's\n"
"                     state beside its line\n"
"  --ladder-svg FILE  the same diagrams as one SVG document in FILE\n"
"  --ascii            draw with ASCII, not Unicode (the default when the\n"
"                     locale is not UTF-8)\n"
"  --color=WHEN       colour annotations: auto (on a terminal), always,\n"
"                     never\n"
"  --progress, --no-progress\n"
"                     a progress line on stderr while reading files\n"
"                     (default: when stderr is a terminal)\n"
"tracking:\n"
"  --linger SECONDS   close_wait_linger threshold (default 5)\n"
"  --idle-timeout SECONDS\n"
"                     end a flow idle this long (default 300)\n"
"  --max-flows N      flows tracked at once; the least recently active is\n"
"                     ended beyond it (default 1000000, at most 2^30)\n"
"packet lines:\n"
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

static int usage_error(const char *fmt, ...) SF_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    fputs("synfin: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
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

/* Seconds as a decimal ("5", "0.25") into nanoseconds. */
static bool parse_seconds(const char *s, uint64_t *ns)
{
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || v <= 0 || v > 1e9)
        return false;
    *ns = (uint64_t)(v * 1e9 + 0.5);
    return *ns > 0;
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
    OPT_JSON,
    OPT_ANOMALIES,
    OPT_LINGER,
    OPT_IDLE,
    OPT_MAXFLOWS,
    OPT_COLOR,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_IMMEDIATE,
    OPT_LADDER,
    OPT_LADDER_SVG,
    OPT_ASCII,
};

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "plain", no_argument, NULL, OPT_PLAIN },
        { "summary", no_argument, NULL, 'q' },
        { "json", optional_argument, NULL, OPT_JSON },
        { "anomalies", no_argument, NULL, OPT_ANOMALIES },
        { "linger", required_argument, NULL, OPT_LINGER },
        { "idle-timeout", required_argument, NULL, OPT_IDLE },
        { "max-flows", required_argument, NULL, OPT_MAXFLOWS },
        { "color", optional_argument, NULL, OPT_COLOR },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { "interface", required_argument, NULL, 'i' },
        { "list-interfaces", no_argument, NULL, 'D' },
        { "no-promiscuous-mode", no_argument, NULL, 'p' },
        { "snapshot-length", required_argument, NULL, 's' },
        { "buffer-size", required_argument, NULL, 'B' },
        { "immediate-mode", no_argument, NULL, OPT_IMMEDIATE },
        { "ladder", optional_argument, NULL, OPT_LADDER },
        { "ladder-svg", required_argument, NULL, OPT_LADDER_SVG },
        { "ascii", no_argument, NULL, OPT_ASCII },
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
    static const char shortopts[] = "+r:F:c:Stn#hqi:Dps:B:Z:w:";
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
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
        case 'q':
            o->mode = MODE_SUMMARY;
            break;
        case OPT_JSON:
            o->mode = MODE_JSON;
            o->json_flows = !optarg || strcmp(optarg, "flows") == 0 ||
                            strcmp(optarg, "all") == 0;
            o->json_events = optarg && (strcmp(optarg, "events") == 0 ||
                                        strcmp(optarg, "all") == 0);
            if (!o->json_flows && !o->json_events)
                return usage_error("--json=%s: expected flows, events or all",
                                   optarg);
            break;
        case OPT_ANOMALIES:
            o->anomalies_only = true;
            break;
        case OPT_LINGER:
            if (!parse_seconds(optarg, &o->flows.linger_ns))
                return usage_error("--linger: not a positive number of "
                                   "seconds: %s", optarg);
            break;
        case OPT_IDLE:
            if (!parse_seconds(optarg, &o->flows.idle_ns))
                return usage_error("--idle-timeout: not a positive number of "
                                   "seconds: %s", optarg);
            break;
        case OPT_MAXFLOWS: {
            uint64_t n;
            if (!parse_u64(optarg, &n) || n == 0)
                return usage_error("--max-flows: not a positive number: %s",
                                   optarg);
            if (n > SF_MAX_FLOWS_LIMIT)
                return usage_error("--max-flows: at most %u: %s",
                                   SF_MAX_FLOWS_LIMIT, optarg);
            o->flows.max_flows = (size_t)n;
            break;
        }
        case OPT_PROGRESS:
            o->progress = 1;
            break;
        case 'i':
            o->iface = optarg;
            break;
        case 'D':
            o->list_interfaces = true;
            break;
        case 'p':
            o->no_promisc = true;
            break;
        case 's':
        case 'B': {
            uint64_t n;
            if (!parse_u64(optarg, &n) || n > INT_MAX / 1024)
                return usage_error(c == 's' ? "-s: not a snapshot length: %s"
                                            : "-B: not a size in KiB: %s",
                                   optarg);
            if (c == 's')
                o->snaplen = (int)n;    /* 0: the capture's default */
            else
                o->buffer_kib = (int)n;
            break;
        }
        case OPT_IMMEDIATE:
            o->immediate = true;
            break;
        case OPT_LADDER: {
            uint64_t id = 0;
            if (optarg && (!parse_u64(optarg, &id) || id == 0 ||
                           id > UINT32_MAX))
                return usage_error("--ladder=%s: not a flow id", optarg);
            o->mode = MODE_LADDER;
            o->ladder_text = true;
            if (id)
                o->ladder_id = (uint32_t)id;
            break;
        }
        case OPT_LADDER_SVG:
            o->mode = MODE_LADDER;
            o->ladder_svg = optarg;
            break;
        case OPT_ASCII:
            o->ascii = true;
            break;
        case 'Z':
            o->user = optarg;
            break;
        case 'w':
            o->write_file = optarg;
            break;
        case OPT_NO_PROGRESS:
            o->progress = -1;
            break;
        case OPT_COLOR:
            if (!optarg || strcmp(optarg, "always") == 0)
                o->color = COLOR_ALWAYS;
            else if (strcmp(optarg, "never") == 0)
                o->color = COLOR_NEVER;
            else if (strcmp(optarg, "auto") == 0)
                o->color = COLOR_AUTO;
            else
                return usage_error("--color: expected auto, always or never, "
                                   "got %s", optarg);
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
        return usage_error("-tttttt: at most five -t");
    o->fmt.ts_style = (enum sf_tstamp_style)tcount;
    if (o->list_interfaces)
        return -1;
    if (o->nfiles == 0 && !o->iface)
        return usage_error("no input: give -r FILE or -i INTERFACE");
    if (o->nfiles && o->iface)
        return usage_error("-r and -i exclude each other");
    if (!o->iface && (o->write_file || o->user))
        return usage_error("-w and -Z go with a live capture (-i)");
    if (filter_file) {
        char errbuf[SF_ERRBUF_SIZE];
        if (optind < argc)
            return usage_error("-F and a filter expression on the "
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
        r->r[r->n].status = (uint8_t)p->status;
        r->r[r->n].why = p->why;
        r->r[r->n].n = 1;
        r->n++;
    }
}

static bool use_color(enum color c)
{
    if (c != COLOR_AUTO)
        return c == COLOR_ALWAYS;
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term &&
           strcmp(term, "dumb") != 0;
}

/* Odd but readable records: one warning line each kind, naming the file
 * and packet (the documented exit status stays 0). */
struct warnings {
    bool cut, invalid, malformed;
    int dlt[8];                 /* link types already warned about */
    size_t ndlt;
};

static void warn_frame(struct warnings *w, const struct sf_frame *fr,
                       const struct sf_pkt *p)
{
    if (!w->cut && fr->rec_caplen > fr->caplen) {
        w->cut = true;
        fprintf(stderr, "synfin: %s: packet %" PRIu64 ": capture length %u "
                "is above the file's snapshot length; cut to %u, as libpcap "
                "does\n", fr->file, fr->number, fr->rec_caplen, fr->caplen);
    }
    bool header_ok = sf_decode_header_ok(fr->caplen, fr->wirelen);
    if (!w->invalid && !header_ok) {
        w->invalid = true;
        fprintf(stderr, "synfin: %s: packet %" PRIu64 ": invalid record "
                "header (caplen %u, length %u); skipped, as tcpdump does\n",
                fr->file, fr->number, fr->caplen, fr->wirelen);
    }
    if (!w->malformed && p->status == SF_DECODE_MALFORMED && header_ok) {
        w->malformed = true;
        fprintf(stderr, "synfin: %s: packet %" PRIu64 ": malformed packet "
                "(%s); shown and counted as not decoded\n", fr->file,
                fr->number, p->why);
    }
    if (p->status == SF_DECODE_UNSUPPORTED &&
        !sf_decode_dlt_supported(fr->dlt)) {
        bool seen = false;
        for (size_t i = 0; i < w->ndlt; i++)
            seen |= w->dlt[i] == fr->dlt;
        if (!seen && w->ndlt < 8) {
            w->dlt[w->ndlt++] = fr->dlt;
            fprintf(stderr, "synfin: %s: packet %" PRIu64 ": link type %d "
                    "is not decoded; its packets are counted, not shown\n",
                    fr->file, fr->number, fr->dlt);
        }
    }
    if (fr->time_back)
        fprintf(stderr, "synfin: %s: packet %" PRIu64 ": time stamp goes "
                "back in the file; packets are taken in file order\n",
                fr->file, fr->number);
}

/* The progress line: percent of the input files, packets/s, flows open;
 * redrawn at most 10 times a second on stderr, erased at the end. */
struct progress {
    bool on;
    struct timespec start, last;
    uint64_t packets;
};

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) +
           (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* `open`: flows open, or UINT64_MAX when nothing tracks flows. */
static void progress_tick(struct progress *pr, const struct sf_capture *cap,
                          uint64_t open, uint64_t packets)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (since(&pr->last, &now) < 0.1)
        return;
    pr->last = now;
    uint64_t done, total;
    sf_capture_progress(cap, &done, &total);
    double el = since(&pr->start, &now);
    fprintf(stderr, "\rsynfin: ");
    if (total)
        fprintf(stderr, "%3.0f%%  ", 100.0 * (double)done / (double)total);
    fprintf(stderr, "%" PRIu64 " packets  %.2f M/s", packets,
            el > 0 ? (double)packets / el / 1e6 : 0.0);
    if (open != UINT64_MAX)
        fprintf(stderr, "  %" PRIu64 " flows open", open);
    fputs("\033[K", stderr);
}

static uint64_t flows_open(const struct sf_flowtab *ft,
                           const struct sf_handoff *ho)
{
    if (ho)
        return sf_handoff_open(ho);
    if (!ft)
        return UINT64_MAX;
    struct sf_flowtab_stats st;
    sf_flowtab_stats(ft, &st);
    return st.open;
}

static void progress_end(struct progress *pr)
{
    if (pr->on)
        fputs("\r\033[K", stderr);
}

/* The live capture SIGINT/SIGTERM stop (the only global, STYLE 8). */
static struct sf_capture *volatile stop_cap;

static void on_stop_signal(int sig)
{
    (void)sig;
    sf_capture_breakloop(stop_cap);
}

static void set_stop_handler(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Closes the capture; the stop signals no longer reach it. */
static void capture_close(struct sf_capture *cap)
{
    if (cap && stop_cap == cap) {
        set_stop_handler(SIG_DFL);
        stop_cap = NULL;
    }
    sf_capture_close(cap);
}

/* -Z: become USER right after the capture is open, as tcpdump does:
 * groups, then gid, then uid, then check that root cannot come back. */
static bool drop_privileges(const char *user, char *errbuf)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        sf_errbuf_set(errbuf, "-Z %s: no such user", user);
        return false;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
        setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        sf_errbuf_set(errbuf, "-Z %s: cannot change to that user: %s", user,
                      strerror(errno));
        return false;
    }
    if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
        getgid() != pw->pw_gid || getegid() != pw->pw_gid ||
        (pw->pw_uid != 0 && setuid(0) == 0)) {
        sf_errbuf_set(errbuf, "-Z %s: privileges were not dropped", user);
        return false;
    }
    return true;
}

/* The output width: COLUMNS, else the terminal's, else 80. */
static unsigned columns(void)
{
    const char *env = getenv("COLUMNS");
    uint64_t n;
    if (env && parse_u64(env, &n) && n > 0 && n < 10000)
        return (unsigned)n;
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
        ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static bool utf8_locale(void)
{
    setlocale(LC_CTYPE, "");
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int list_interfaces(void)
{
    char errbuf[SF_ERRBUF_SIZE];
    struct sf_buf b;
    sf_buf_init(&b);
    int err = sf_capture_list_interfaces(&b, errbuf);
    if (err) {
        fprintf(stderr, "synfin: %s\n", errbuf);
        sf_buf_fini(&b);
        return 1;
    }
    int rc = sf_buf_write(&b, STDOUT_FILENO) ? 1 : 0;
    sf_buf_fini(&b);
    return rc;
}

static int run(const struct options *o)
{
    char errbuf[SF_ERRBUF_SIZE];
    if (o->list_interfaces)
        return list_interfaces();
    struct sf_capture_config ccfg = { .files = o->files,
                                      .nfiles = o->nfiles,
                                      .filter = o->filter,
                                      .iface = o->iface,
                                      .snaplen = o->snaplen,
                                      .buffer_kib = o->buffer_kib,
                                      .no_promisc = o->no_promisc,
                                      .immediate = o->immediate };
    struct sf_capture *cap;
    int err = sf_capture_open(&cap, &ccfg, errbuf);
    if (err) {
        fprintf(stderr, "synfin: %s\n", errbuf);
        return err == SF_ERR_USAGE ? 2 : 1;
    }
    bool live = sf_capture_live(cap);
    if (live && o->user) {
        if (!drop_privileges(o->user, errbuf)) {
            fprintf(stderr, "synfin: %s\n", errbuf);
            capture_close(cap);
            return 1;
        }
    } else if (live && geteuid() == 0) {
        fputs("synfin: running as root; -Z USER drops privileges once the "
              "capture is open\n", stderr);
    }
    if (o->write_file && sf_capture_dump_open(cap, o->write_file, errbuf)) {
        fprintf(stderr, "synfin: %s\n", errbuf);
        capture_close(cap);
        return 1;
    }
    int svg_fd = -1;
    if (o->ladder_svg) {
        svg_fd = open(o->ladder_svg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (svg_fd < 0) {
            fprintf(stderr, "synfin: %s: %s\n", o->ladder_svg,
                    strerror(errno));
            capture_close(cap);
            return 1;
        }
    }
    if (live) {
        stop_cap = cap;
        set_stop_handler(on_stop_signal);
    }
    struct sf_tdfmt *fmt = sf_tdfmt_new(&o->fmt, NULL);
    struct sf_timeline *tl = NULL;
    struct sf_json *js = NULL;
    struct sf_ladder *ld = NULL;
    struct sf_sink sink;
    if (o->mode == MODE_LADDER) {
        struct sf_ladder_config lc = { .fd = STDOUT_FILENO,
                                       .only = o->ladder_id,
                                       .ascii = o->ascii || !utf8_locale(),
                                       .color = use_color(o->color),
                                       .width = columns(),
                                       .text = o->ladder_text,
                                       .svg_fd = svg_fd };
        ld = sf_ladder_new(&lc, NULL);
        sink = sf_ladder_sink(ld);
    } else if (o->mode == MODE_JSON) {
        /* live: each object at once, so `| jq` shows it as it happens */
        struct sf_json_config jc = { .fd = STDOUT_FILENO,
                                     .line_buffered = live,
                                     .nano = sf_capture_nano(cap),
                                     .flows = o->json_flows,
                                     .events = o->json_events };
        js = sf_json_new(&jc, NULL);
        sink = sf_json_sink(js);
    } else {
        struct sf_timeline_config tc = {
            .fmt = fmt,
            .fd = STDOUT_FILENO,
            .plain = o->mode == MODE_PLAIN,
            .summary_only = o->mode == MODE_SUMMARY,
            .anomalies_only = o->anomalies_only,
            .color = use_color(o->color),
            .line_buffered = live,
        };
        tl = sf_timeline_new(&tc, NULL);
        sink = sf_timeline_sink(tl);
    }
    struct sf_flowtab *ft = o->mode != MODE_PLAIN
                                ? sf_flowtab_new(&o->flows, NULL)
                                : NULL;         /* --plain tracks nothing */
    /* -q and --json read nothing of a packet but its decoded fields:
     * tracking runs on a thread of its own meanwhile */
    struct sf_handoff *ho = o->mode == MODE_SUMMARY || o->mode == MODE_JSON
                                ? sf_handoff_new(ft, fmt, &sink, live)
                                : NULL;
    struct reasons reasons = { .n = 0 };
    struct sf_totals tot;
    memset(&tot, 0, sizeof(tot));
    uint64_t last_ns = 0;
    struct progress pr = { .on = !live && (o->progress > 0 ||
                                           (o->progress == 0 &&
                                            isatty(STDERR_FILENO))) };
    clock_gettime(CLOCK_MONOTONIC, &pr.start);
    pr.last = pr.start;
    const struct sf_frame *fr;
    struct sf_pkt pkt;
    struct warnings warn;
    memset(&warn, 0, sizeof(warn));
    int rc, out_rc = 0;
    for (;;) {
        rc = sf_capture_next(cap, &fr, errbuf);
        if (rc == SF_CAPTURE_TICK) {
            /* no packet for a while: the clock still runs timeouts */
            if (ho)
                out_rc = sf_handoff_tick(ho, wall_ns());
            else if (ft)
                out_rc = sf_flowtab_tick(ft, wall_ns(), &sink);
            if (out_rc)
                break;
            continue;
        }
        if (rc != 1)
            break;
        tot.packets++;
        struct sf_pkt *p = ho ? sf_handoff_begin(ho) : &pkt;
        if (sf_pipeline_decode(fr, p) == SF_DECODE_OK)
            tot.tcp++;
        else
            count_reason(&reasons, p);
        if (!live)
            warn_frame(&warn, fr, p);
        if (sf_pkt_ns(p) > last_ns)
            last_ns = sf_pkt_ns(p);
        out_rc = ho ? sf_handoff_end(ho)
                    : sf_pipeline_packet(ft, fmt, &sink, p);
        if (out_rc)
            break;
        if (o->count && tot.packets >= o->count)
            break;
        if (pr.on && (tot.packets & 0xfff) == 0)
            progress_tick(&pr, cap, flows_open(ft, ho), tot.packets);
    }
    progress_end(&pr);
    if (ho) {                   /* the flow table is ours again */
        int drc = sf_handoff_drain(ho);
        if (!out_rc)
            out_rc = drc;
        int e = errno;          /* the sink's, for the message below */
        sf_handoff_free(ho);
        errno = e;
    }
    if (live) {
        uint64_t now = wall_ns();
        if (now > last_ns)
            last_ns = now;      /* linger measured up to the stop */
        tot.live = sf_capture_stats(cap, &tot.received, &tot.dropped,
                                    &tot.ifdropped);
    }
    if (!out_rc && ft)
        out_rc = sf_flowtab_flush(ft, last_ns, &sink);
    if (!out_rc) {
        tot.not_decoded = tot.packets - tot.tcp;
        tot.nreasons = reasons.n;
        tot.reasons = reasons.r;
        if (ft) {
            struct sf_flowtab_stats fs;
            sf_flowtab_stats(ft, &fs);
            tot.flows = fs.flows;
            tot.open_max = fs.max_open;
            tot.evicted = fs.evicted;
            tot.idle = fs.idle;
        }
        if (sink.finish)
            out_rc = sink.finish(sink.ctx, &tot);
    }
    int status = 0;
    if (out_rc) {
        if (errno != EPIPE) {
            fprintf(stderr, "synfin: error writing output: %s\n",
                    strerror(errno));
            status = 1;
        }
    } else if (rc < 0) {
        fprintf(stderr, "synfin: %s\n", errbuf);
        status = 1;
    }
    if (tot.live)               /* as tcpdump says them, on stderr */
        fprintf(stderr, "%" PRIu64 " packets captured\n%" PRIu64
                " packets received by filter\n%" PRIu64
                " packets dropped by kernel\n",
                tot.packets, tot.received, tot.dropped);
    /* --plain has no room for totals on stdout: say them on a terminal */
    if (status == 0 && o->mode == MODE_PLAIN && isatty(STDERR_FILENO)) {
        fprintf(stderr, "synfin: %" PRIu64 " packets, %" PRIu64 " tcp",
                tot.packets, tot.tcp);
        for (size_t i = 0; i < reasons.n; i++)
            fprintf(stderr, "%s %" PRIu64 " %s (%s)",
                    i ? "," : "; not decoded:", reasons.r[i].n,
                    sf_decode_status_name(reasons.r[i].status),
                    reasons.r[i].why);
        fputc('\n', stderr);
    }
    sf_flowtab_free(ft);
    sf_timeline_free(tl);
    sf_json_free(js);
    sf_ladder_free(ld);
    if (svg_fd >= 0 && close(svg_fd) != 0 && status == 0) {
        fprintf(stderr, "synfin: %s: %s\n", o->ladder_svg, strerror(errno));
        status = 1;
    }
    sf_tdfmt_free(fmt);
    capture_close(cap);
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
