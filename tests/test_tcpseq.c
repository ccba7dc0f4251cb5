/* Unit tests for tcpseq.h: wrap-safe sequence comparison (RFC 9293 3.4),
 * including the wrap at 2^32 and the half-space edge at 2^31. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "synfin/tcpseq.h"

static void test_plain_order(void **state)
{
    (void)state;
    assert_true(sf_seq_lt(1, 2));
    assert_true(sf_seq_le(1, 2));
    assert_false(sf_seq_gt(1, 2));
    assert_false(sf_seq_ge(1, 2));
    assert_true(sf_seq_gt(1000, 10));
    assert_true(sf_seq_ge(1000, 10));
    assert_false(sf_seq_lt(1000, 10));
    assert_false(sf_seq_le(1000, 10));
    assert_int_equal(sf_seq_diff(1000, 10), 990);
    assert_int_equal(sf_seq_diff(10, 1000), -990);
}

static void test_equality(void **state)
{
    (void)state;
    const uint32_t vals[] = { 0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu };
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint32_t v = vals[i];
        assert_false(sf_seq_lt(v, v));
        assert_true(sf_seq_le(v, v));
        assert_false(sf_seq_gt(v, v));
        assert_true(sf_seq_ge(v, v));
        assert_int_equal(sf_seq_diff(v, v), 0);
    }
}

static void test_wrap_around(void **state)
{
    (void)state;
    /* 0x10 comes 0x20 after 0xfffffff0 */
    assert_true(sf_seq_lt(0xfffffff0u, 0x10));
    assert_true(sf_seq_le(0xfffffff0u, 0x10));
    assert_false(sf_seq_gt(0xfffffff0u, 0x10));
    assert_false(sf_seq_ge(0xfffffff0u, 0x10));
    assert_true(sf_seq_gt(0x10, 0xfffffff0u));
    assert_true(sf_seq_ge(0x10, 0xfffffff0u));
    assert_false(sf_seq_lt(0x10, 0xfffffff0u));
    assert_int_equal(sf_seq_diff(0x10, 0xfffffff0u), 0x20);
    assert_int_equal(sf_seq_diff(0xfffffff0u, 0x10), -0x20);
    assert_true(sf_seq_lt(0xffffffffu, 0));
    assert_true(sf_seq_gt(0, 0xffffffffu));
}

static void test_half_space_edge(void **state)
{
    (void)state;
    /* difference 2^31 - 1: still in order */
    assert_true(sf_seq_lt(0, 0x7fffffffu));
    assert_true(sf_seq_gt(0x7fffffffu, 0));
    /* difference exactly 2^31: (int32_t)(a - b) is INT32_MIN both ways,
     * so each of a, b is "less than" the other */
    assert_int_equal(sf_seq_diff(0x80000000u, 0), INT32_MIN);
    assert_int_equal(sf_seq_diff(0, 0x80000000u), INT32_MIN);
    assert_true(sf_seq_lt(0x80000000u, 0));
    assert_true(sf_seq_lt(0, 0x80000000u));
    assert_false(sf_seq_gt(0x80000000u, 0));
    assert_false(sf_seq_gt(0, 0x80000000u));
    assert_true(sf_seq_le(0, 0x80000000u));
    assert_false(sf_seq_ge(0, 0x80000000u));
    /* one past the half space: the order flips */
    assert_true(sf_seq_gt(0, 0x80000001u));
    assert_true(sf_seq_lt(0x80000001u, 0));
    assert_true(sf_seq_lt(5, 0x80000004u));
    assert_true(sf_seq_gt(5, 0x80000006u));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_order),
        cmocka_unit_test(test_equality),
        cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_half_space_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
