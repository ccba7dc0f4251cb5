/*
 * readloop - the floor: a bare libpcap read loop over one capture file.
 *
 * Counts packets and sums their captured lengths; nothing else.  With
 * --bufsize N the file is opened with fopen(), given an N-byte stdio buffer
 * with setvbuf() and handed to pcap_fopen_offline(): libpcap reads each
 * record with small fread() calls, so a big buffer saves most syscalls.
 *
 * Usage: readloop [--bufsize N[k|M]] FILE
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    unsigned long long mult = 1;

    errno = 0;
    if (s[0] == '-' || s[0] == '\0') {
        return -1;
    }
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s) {
        return -1;
    }
    if (*end == 'k' || *end == 'K') {
        mult = 1024;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        mult = 1024 * 1024;
        end++;
    }
    if (*end != '\0' || v == 0 || v > (unsigned long long)SIZE_MAX / mult) {
        return -1;
    }
    *out = (size_t)(v * mult);
    return 0;
}

static void usage(FILE *fp)
{
    fprintf(fp, "usage: readloop [--bufsize N[k|M]] FILE\n");
}

int main(int argc, char **argv)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    const char *path = NULL;
    size_t bufsize = 0;
    char *buf = NULL;
    pcap_t *p;
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    int a, rc;

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--bufsize") == 0) {
            if (a + 1 >= argc || parse_size(argv[a + 1], &bufsize) != 0) {
                fprintf(stderr, "readloop: --bufsize needs a size such as 1M\n");
                return 2;
            }
            a++;
        } else if (strcmp(argv[a], "-h") == 0 || strcmp(argv[a], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (path == NULL) {
            path = argv[a];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (path == NULL) {
        usage(stderr);
        return 2;
    }

    errbuf[0] = '\0';
    if (bufsize > 0) {
        FILE *fp = fopen(path, "rb");

        if (fp == NULL) {
            fprintf(stderr, "readloop: %s: %s\n", path, strerror(errno));
            return 1;
        }
        buf = malloc(bufsize);
        if (buf == NULL || setvbuf(fp, buf, _IOFBF, bufsize) != 0) {
            fprintf(stderr, "readloop: cannot set a %zu-byte buffer\n", bufsize);
            fclose(fp);
            free(buf);
            return 1;
        }
        p = pcap_fopen_offline(fp, errbuf);
        if (p == NULL) {
            fclose(fp);
        }
    } else {
        p = pcap_open_offline(path, errbuf);
    }
    if (p == NULL) {
        fprintf(stderr, "readloop: %s: %s\n", path, errbuf);
        free(buf);
        return 1;
    }

    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "readloop: %s: %s\n", path, pcap_geterr(p));
        pcap_close(p);
        free(buf);
        return 1;
    }
    pcap_close(p); /* also closes the FILE */
    free(buf);
    printf("packets %" PRIu64 " bytes %" PRIu64 "\n", packets, bytes);
    return 0;
}
