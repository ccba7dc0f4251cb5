/* Unit tests for outq: records come out rendered, complete and in order,
 * threaded or line-buffered (on the caller's thread); a record bigger
 * than a batch; a record begun and not ended is dropped; drain writes
 * everything; a failed write (EPIPE) is reported with errno, sticks and
 * stops the output. */

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "synfin/outq.h"

/* A record: a number and how many times to repeat its text. */
struct rec {
    uint32_t n;
    uint32_t pad;       /* extra bytes after the header (big records) */
};

static void render(void *ctx, const void *rec, struct sf_buf *out)
{
    const struct rec *r = rec;
    (*(unsigned *)ctx)++;
    sf_buf_printf(out, "%u:%u\n", r->n, r->pad);
    const unsigned char *tail = (const unsigned char *)(r + 1);
    for (uint32_t i = 0; i < r->pad; i++)
        if (tail[i] != (unsigned char)(r->n + i))
            sf_buf_puts(out, "CORRUPT\n");
}

static int put(struct sf_outq *q, uint32_t n, uint32_t pad)
{
    struct rec *r = sf_outq_begin(q, sizeof(*r) + pad);
    assert_non_null(r);
    assert_int_equal((uintptr_t)r % 8, 0);
    r->n = n;
    r->pad = pad;
    unsigned char *tail = (unsigned char *)(r + 1);
    for (uint32_t i = 0; i < pad; i++)
        tail[i] = (unsigned char)(n + i);
    return sf_outq_end(q);
}

/* Reads everything from `fd` into a malloc'd string. */
static char *slurp(int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            s = realloc(s, cap *= 2);
        ssize_t k = read(fd, s + len, cap - len - 1);
        assert_true(k >= 0);
        if (k == 0)
            break;
        len += (size_t)k;
    }
    s[len] = '\0';
    return s;
}

static char *expected(uint32_t count, uint32_t big_every)
{
    struct sf_buf b;
    sf_buf_init(&b);
    for (uint32_t i = 0; i < count; i++)
        sf_buf_printf(&b, "%u:%u\n", i,
                      big_every && i % big_every == 7 ? 300000u : i % 50);
    return b.data;
}

static void run_order(bool line_buffered)
{
    char path[] = "/tmp/synfin-outq-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    unsigned calls = 0;
    struct sf_outq_config cfg = { .fd = fd, .line_buffered = line_buffered,
                                  .render = render, .ctx = &calls };
    struct sf_outq *q = sf_outq_new(&cfg);
    const uint32_t count = 200000, big_every = 50000;
    for (uint32_t i = 0; i < count; i++) {
        if (i % 1000 == 3) {            /* begun, never ended: dropped */
            struct rec *r = sf_outq_begin(q, sizeof(*r));
            r->n = 999999999;
            r->pad = 0;
        }
        uint32_t pad = i % big_every == 7 ? 300000u : i % 50;
        assert_int_equal(put(q, i, pad), 0);
    }
    assert_int_equal(sf_outq_drain(q), 0);
    sf_outq_free(q);
    assert_int_equal(calls, count);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    char *got = slurp(fd);
    char *want = expected(count, big_every);
    assert_string_equal(got, want);
    free(got);
    free(want);
    close(fd);
}

static void test_threaded_order(void **state)
{
    (void)state;
    run_order(false);
}

static void test_unthreaded_order(void **state)
{
    (void)state;
    run_order(true);
}

static void test_line_buffered_writes_each_record(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    unsigned calls = 0;
    struct sf_outq_config cfg = { .fd = p[1], .line_buffered = true,
                                  .render = render,
                                  .ctx = &calls };
    struct sf_outq *q = sf_outq_new(&cfg);
    assert_int_equal(put(q, 42, 0), 0);
    char buf[16] = { 0 };
    /* already in the pipe: no drain, no free */
    assert_int_equal(read(p[0], buf, sizeof(buf) - 1), 5);
    assert_string_equal(buf, "42:0\n");
    sf_outq_free(q);
    close(p[0]);
    close(p[1]);
}

static void run_epipe(bool line_buffered)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);                        /* nobody reads: EPIPE */
    unsigned calls = 0;
    struct sf_outq_config cfg = { .fd = p[1],
                                  .line_buffered = line_buffered,
                                  .render = render, .ctx = &calls };
    struct sf_outq *q = sf_outq_new(&cfg);
    int rc = 0;
    uint32_t i;
    for (i = 0; i < 10000000 && rc == 0; i++)
        rc = put(q, i, 40);
    if (rc == 0)
        rc = sf_outq_drain(q);
    assert_int_equal(rc, SF_ERR_IO);
    assert_int_equal(errno, EPIPE);
    /* the error is sticky */
    assert_int_equal(put(q, 1, 0), SF_ERR_IO);
    assert_int_equal(sf_outq_drain(q), SF_ERR_IO);
    assert_int_equal(errno, EPIPE);
    /* it stopped soon after the first failed write, not at the end */
    assert_true(i < 1000000);
    sf_outq_free(q);
    close(p[1]);
}

static void test_threaded_epipe(void **state)
{
    (void)state;
    run_epipe(false);
}

static void test_unthreaded_epipe(void **state)
{
    (void)state;
    run_epipe(true);
}

static void test_free_without_drain(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    unsigned calls = 0;
    struct sf_outq_config cfg = { .fd = p[1], .render = render,
                                  .ctx = &calls };
    struct sf_outq *q = sf_outq_new(&cfg);
    assert_int_equal(put(q, 1, 0), 0);
    sf_outq_free(q);                    /* joins; nothing left running */
    sf_outq_free(NULL);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threaded_order),
        cmocka_unit_test(test_unthreaded_order),
        cmocka_unit_test(test_line_buffered_writes_each_record),
        cmocka_unit_test(test_threaded_epipe),
        cmocka_unit_test(test_unthreaded_epipe),
        cmocka_unit_test(test_free_without_drain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
