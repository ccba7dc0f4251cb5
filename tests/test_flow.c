/* Unit tests for flow's compact storage: times as 32-bit offsets from
 * the first (microseconds, then ns), moved out of line at full width
 * when they no longer fit; addresses inline for IPv4, out of line for
 * IPv6; anomalies out of line; copies that own nothing. Every time read
 * back must be the exact time written, whatever the flow went through. */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synfin/flow.h"

#define T0 1700000000123456000ull       /* a whole microsecond */
#define SEC 1000000000ull

static const uint8_t v4c[4] = { 10, 0, 0, 1 }, v4s[4] = { 10, 0, 0, 2 };
static const uint8_t v6c[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t v6s[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

static void start(struct sf_flow *f, int ipver, uint64_t first)
{
    memset(f, 0, sizeof(*f));
    f->ipver = (unsigned)ipver;
    if (ipver == 6)
        sf_flow_set_addrs(f, v6c, v6s);
    else
        sf_flow_set_addrs(f, v4c, v4s);
    f->first_ns = first;
}

static void check_addrs(const struct sf_flow *f)
{
    size_t alen = f->ipver == 6 ? 16 : 4;
    assert_memory_equal(sf_flow_addr(f, SF_CLIENT), f->ipver == 6 ? v6c : v4c,
                        alen);
    assert_memory_equal(sf_flow_addr(f, SF_SERVER), f->ipver == 6 ? v6s : v4s,
                        alen);
}

static void push(struct sf_flow *f, uint8_t type, uint64_t ts)
{
    struct sf_anomaly *a = sf_flow_an_push(f, 256);
    assert_non_null(a);
    memset(a, 0, sizeof(*a));
    a->type = type;
    a->ts_ns = ts;
}

static void test_unset_reads_zero(void **state)
{
    (void)state;
    struct sf_flow f;
    start(&f, 4, T0);
    for (int k = 0; k < SF_T_COUNT; k++)
        assert_int_equal(sf_flow_time(&f, (enum sf_flow_time)k), 0);
    assert_false(f.has_ext);
    check_addrs(&f);
    assert_int_equal(sf_flow_nan(&f), 0);
    assert_null(sf_flow_an(&f));
    sf_flow_release(&f);
}

/* Whole microseconds stay 32-bit offsets for over an hour. */
static void test_microseconds_stay_inline(void **state)
{
    (void)state;
    struct sf_flow f;
    start(&f, 4, T0);
    sf_flow_set_time(&f, SF_T_SYN, T0);
    sf_flow_set_time(&f, SF_T_LAST, T0 + 3600 * SEC + 7000);
    sf_flow_set_time(&f, SF_T_FIN + 1, T0 + 4294 * SEC);
    assert_false(f.wide);
    assert_false(f.has_ext);
    assert_false(f.t_ns);
    assert_int_equal(sf_flow_time(&f, SF_T_SYN), T0);
    assert_int_equal(sf_flow_time(&f, SF_T_LAST), T0 + 3600 * SEC + 7000);
    assert_int_equal(sf_flow_time(&f, SF_T_FIN + 1), T0 + 4294 * SEC);
    /* past 2^32 - 2 microseconds: out of line, exact */
    sf_flow_set_time(&f, SF_T_DONE, T0 + 4295 * SEC);
    assert_true(f.wide);
    assert_int_equal(sf_flow_time(&f, SF_T_DONE), T0 + 4295 * SEC);
    assert_int_equal(sf_flow_time(&f, SF_T_LAST), T0 + 3600 * SEC + 7000);
    assert_int_equal(sf_flow_time(&f, SF_T_SYN), T0);
    assert_int_equal(sf_flow_time(&f, SF_T_ACK), 0);
    check_addrs(&f);
    sf_flow_release(&f);
}

/* A time that is not a whole microsecond: the flow counts ns, and the
 * times it had are converted. */
static void test_nanoseconds_convert(void **state)
{
    (void)state;
    struct sf_flow f;
    start(&f, 4, T0);
    sf_flow_set_time(&f, SF_T_SYN, T0 + 2 * SEC);
    sf_flow_set_time(&f, SF_T_SYNACK, T0 + 2 * SEC + 1);
    assert_true(f.t_ns);
    assert_false(f.wide);
    assert_int_equal(sf_flow_time(&f, SF_T_SYN), T0 + 2 * SEC);
    assert_int_equal(sf_flow_time(&f, SF_T_SYNACK), T0 + 2 * SEC + 1);
    sf_flow_set_time(&f, SF_T_ACK, T0 + 4 * SEC + 3);
    assert_false(f.wide);
    assert_int_equal(sf_flow_time(&f, SF_T_ACK), T0 + 4 * SEC + 3);
    /* 4.29 s of ns is all 32 bits hold */
    sf_flow_set_time(&f, SF_T_LAST, T0 + 5 * SEC);
    assert_true(f.wide);
    assert_int_equal(sf_flow_time(&f, SF_T_LAST), T0 + 5 * SEC);
    assert_int_equal(sf_flow_time(&f, SF_T_SYNACK), T0 + 2 * SEC + 1);
    sf_flow_release(&f);
}

/* A ns time in a flow already older than 4.29 s cannot convert. */
static void test_nanoseconds_after_long_microseconds(void **state)
{
    (void)state;
    struct sf_flow f;
    start(&f, 4, T0);
    sf_flow_set_time(&f, SF_T_SYN, T0 + 10 * SEC);
    sf_flow_set_time(&f, SF_T_ACK, T0 + 1);
    assert_true(f.wide);
    assert_int_equal(sf_flow_time(&f, SF_T_SYN), T0 + 10 * SEC);
    assert_int_equal(sf_flow_time(&f, SF_T_ACK), T0 + 1);
    sf_flow_release(&f);
}

/* Time stepping back before the first packet. */
static void test_before_first(void **state)
{
    (void)state;
    struct sf_flow f;
    start(&f, 4, T0);
    sf_flow_set_time(&f, SF_T_SENT, T0);
    sf_flow_set_time(&f, SF_T_SENT + 1, T0 - 1000);
    assert_true(f.wide);
    assert_int_equal(sf_flow_time(&f, SF_T_SENT), T0);
    assert_int_equal(sf_flow_time(&f, SF_T_SENT + 1), T0 - 1000);
    sf_flow_release(&f);
}

/* Widening moves the anomalies up past the times, intact; IPv6
 * addresses stay readable through all of it. */
static void test_widen_keeps_anomalies_and_addresses(void **state)
{
    (void)state;
    for (int ipver = 4; ipver <= 6; ipver += 2) {
        struct sf_flow f;
        start(&f, ipver, T0);
        assert_int_equal(f.has_ext, ipver == 6);
        check_addrs(&f);
        for (uint8_t k = 0; k < 5; k++)
            push(&f, k, T0 + k);
        assert_true(f.has_ext);
        check_addrs(&f);
        sf_flow_set_time(&f, SF_T_SYN, T0 + 1000);
        sf_flow_set_time(&f, SF_T_DONE, T0 + 9000 * SEC);
        assert_true(f.wide);
        check_addrs(&f);
        assert_int_equal(sf_flow_nan(&f), 5);
        for (uint8_t k = 0; k < 5; k++) {
            assert_int_equal(sf_flow_an(&f)[k].type, k);
            assert_int_equal(sf_flow_an(&f)[k].ts_ns, T0 + k);
        }
        push(&f, 9, 9);
        assert_int_equal(sf_flow_an(&f)[5].type, 9);
        assert_int_equal(sf_flow_time(&f, SF_T_SYN), T0 + 1000);
        assert_int_equal(sf_flow_time(&f, SF_T_DONE), T0 + 9000 * SEC);
        sf_flow_release(&f);
        assert_false(f.has_ext);
    }
}

static void test_anomalies_bounded(void **state)
{
    (void)state;
    struct sf_flow f;
    start(&f, 4, T0);
    for (int k = 0; k < 3; k++)
        assert_non_null(sf_flow_an_push(&f, 3));
    assert_null(sf_flow_an_push(&f, 3));
    assert_int_equal(sf_flow_nan(&f), 3);
    check_addrs(&f);
    sf_flow_release(&f);
}

/* A copy into one buffer: equal to the flow, and pointing into its own
 * buffer only (the flow may be freed). */
static void test_copy_owns_nothing(void **state)
{
    (void)state;
    for (int variant = 0; variant < 4; variant++) {
        struct sf_flow f;
        start(&f, variant & 1 ? 6 : 4, T0);
        sf_flow_set_time(&f, SF_T_SYN, T0 + 5);
        if (variant & 2) {
            push(&f, 3, 77);
            sf_flow_set_time(&f, SF_T_LAST, T0 + 99999 * SEC);
        }
        size_t n = sf_flow_copy_size(&f);
        unsigned char *mem = malloc(n);
        assert_non_null(mem);
        memset(mem, 0xa5, n);
        struct sf_flow *c = sf_flow_copy(mem, &f);
        if (c->has_ext) {
            assert_true((unsigned char *)c->x.ext > mem);
            assert_true((unsigned char *)c->x.ext < mem + n);
        }
        sf_flow_release(&f);            /* the copy must not need it */
        assert_memory_equal(sf_flow_addr(c, SF_SERVER),
                            variant & 1 ? v6s : v4s, variant & 1 ? 16 : 4);
        assert_int_equal(sf_flow_time(c, SF_T_SYN), T0 + 5);
        assert_int_equal(sf_flow_nan(c), variant & 2 ? 1 : 0);
        if (variant & 2) {
            assert_int_equal(sf_flow_an(c)[0].ts_ns, 77);
            assert_int_equal(sf_flow_time(c, SF_T_LAST), T0 + 99999 * SEC);
        }
        free(mem);
    }
}

/* Random writes against a plain array of 64-bit times: every read must
 * give what the array holds, across unit changes and widening. */
static void test_random_against_shadow(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 20000; round++) {
        struct sf_flow f;
        uint64_t shadow[SF_T_COUNT] = { 0 };
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t first = T0 + (x & 0xffff) * (x & 0x10000 ? 1 : 1000);
        start(&f, x & 0x20000 ? 6 : 4, first);
        int n_an = 0;
        for (int step = 0; step < 12; step++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int k = (int)(x % SF_T_COUNT);
            uint64_t span[] = { 1000, 1000000, SEC, 5 * SEC, 5000 * SEC };
            uint64_t d = (x >> 8) % span[(x >> 40) % 5];
            if ((x >> 44) & 1)
                d = d / 1000 * 1000;    /* mostly whole microseconds */
            uint64_t t = (x >> 45) % 16 == 0 ? first - d : first + d;
            if ((x >> 50) % 8 == 0) {
                push(&f, (uint8_t)n_an, t);
                n_an++;
            }
            sf_flow_set_time(&f, (enum sf_flow_time)k, t);
            shadow[k] = t;
            for (int j = 0; j < SF_T_COUNT; j++)
                assert_int_equal(sf_flow_time(&f, (enum sf_flow_time)j),
                                 shadow[j]);
            assert_int_equal(sf_flow_nan(&f), n_an);
            for (int j = 0; j < n_an; j++)
                assert_int_equal(sf_flow_an(&f)[j].type, j);
            check_addrs(&f);
        }
        sf_flow_release(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unset_reads_zero),
        cmocka_unit_test(test_microseconds_stay_inline),
        cmocka_unit_test(test_nanoseconds_convert),
        cmocka_unit_test(test_nanoseconds_after_long_microseconds),
        cmocka_unit_test(test_before_first),
        cmocka_unit_test(test_widen_keeps_anomalies_and_addresses),
        cmocka_unit_test(test_anomalies_bounded),
        cmocka_unit_test(test_copy_owns_nothing),
        cmocka_unit_test(test_random_against_shadow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
