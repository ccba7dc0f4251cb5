/* Unit tests for cursor.h: the bounds-checked reader every decoder uses.
 * Checks the getters' byte order, that an overrun is sticky and reads 0,
 * and the contracts of sub, sub_upto, clamp, copy and skip. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "synfin/cursor.h"

static const uint8_t bytes[] = { 0x01, 0x02, 0x03, 0x04, 0x05,
                                 0x06, 0x07, 0x08, 0x09, 0xfa };

static void test_getters_big_endian(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    assert_int_equal(sf_cur_left(&c), 10);
    assert_int_equal(sf_cur_u8(&c), 0x01);
    assert_int_equal(sf_cur_be16(&c), 0x0203);
    assert_int_equal(sf_cur_be32(&c), 0x04050607);
    assert_int_equal(c.pos, 7);
    assert_int_equal(sf_cur_left(&c), 3);
    assert_false(c.overrun);
}

static void test_le32(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    assert_int_equal(sf_cur_le32(&c), 0x04030201);
    assert_int_equal(sf_cur_le32(&c), 0x08070605);
    assert_int_equal(c.pos, 8);
    assert_false(c.overrun);
}

static void test_high_bits_not_sign_extended(void **state)
{
    (void)state;
    static const uint8_t ff[] = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9 };
    struct sf_cursor c = sf_cur_make(ff, sizeof(ff));
    assert_int_equal(sf_cur_u8(&c), 0xff);
    assert_int_equal(sf_cur_be16(&c), 0xfefd);
    assert_true(sf_cur_be32(&c) == 0xfcfbfaf9u);
    c = sf_cur_make(ff, sizeof(ff));
    assert_true(sf_cur_le32(&c) == 0xfcfdfeffu);
}

static void test_overrun_is_sticky(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, 3);
    assert_int_equal(sf_cur_be16(&c), 0x0102);
    /* 1 byte left: a 4-byte read fails, reads 0 and does not move */
    assert_int_equal(sf_cur_be32(&c), 0);
    assert_true(c.overrun);
    assert_int_equal(c.pos, 2);
    /* the byte that is there is not readable any more: sticky */
    assert_int_equal(sf_cur_u8(&c), 0);
    assert_int_equal(sf_cur_be16(&c), 0);
    assert_int_equal(sf_cur_le32(&c), 0);
    assert_true(c.overrun);
    assert_int_equal(c.pos, 2);
    assert_false(sf_cur_need(&c, 0));
}

static void test_exact_end_is_not_overrun(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, 4);
    assert_int_equal(sf_cur_be32(&c), 0x01020304);
    assert_false(c.overrun);
    assert_int_equal(sf_cur_left(&c), 0);
    assert_true(sf_cur_need(&c, 0));
    assert_int_equal(sf_cur_u8(&c), 0);
    assert_true(c.overrun);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(NULL, 100);
    assert_int_equal(c.len, 0);     /* a NULL buffer has nothing in it */
    assert_null(sf_cur_ptr(&c));
    assert_int_equal(sf_cur_u8(&c), 0);
    assert_true(c.overrun);
    c = sf_cur_make(bytes, 0);
    assert_int_equal(sf_cur_be16(&c), 0);
    assert_true(c.overrun);
}

static void test_skip_and_ptr(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    sf_cur_skip(&c, 4);
    assert_false(c.overrun);
    assert_ptr_equal(sf_cur_ptr(&c), bytes + 4);
    assert_int_equal(sf_cur_u8(&c), 0x05);
    sf_cur_skip(&c, 5);
    assert_false(c.overrun);
    assert_int_equal(sf_cur_left(&c), 0);
    sf_cur_skip(&c, 1);
    assert_true(c.overrun);
    assert_int_equal(c.pos, 10);    /* a failed skip does not move */

    c = sf_cur_make(bytes, sizeof(bytes));
    sf_cur_skip(&c, 11);
    assert_true(c.overrun);
    assert_int_equal(c.pos, 0);
    assert_int_equal(sf_cur_u8(&c), 0);
}

static void test_sub_exact(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    sf_cur_skip(&c, 2);
    struct sf_cursor sub = sf_cur_sub(&c, 4);
    assert_false(sub.overrun);
    assert_false(c.overrun);
    assert_int_equal(sub.len, 4);
    assert_int_equal(sub.pos, 0);
    assert_int_equal(c.pos, 6);
    assert_int_equal(sf_cur_be32(&sub), 0x03040506);
    /* the sub-cursor ends where it was carved, not at the parent's end */
    assert_int_equal(sf_cur_u8(&sub), 0);
    assert_true(sub.overrun);
    assert_false(c.overrun);        /* independent of the parent */
    assert_int_equal(sf_cur_u8(&c), 0x07);

    /* all that is left */
    struct sf_cursor rest = sf_cur_sub(&c, 3);
    assert_false(rest.overrun);
    assert_int_equal(sf_cur_left(&c), 0);
    assert_int_equal(sf_cur_u8(&rest), 0x08);
}

static void test_sub_too_long(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    sf_cur_skip(&c, 8);
    struct sf_cursor sub = sf_cur_sub(&c, 3);
    assert_true(sub.overrun);
    assert_int_equal(sub.len, 0);
    assert_int_equal(sf_cur_u8(&sub), 0);
    assert_true(c.overrun);         /* the parent overruns too */
    assert_int_equal(c.pos, 8);
    assert_int_equal(sf_cur_u8(&c), 0);

    /* a sub of an overrun cursor is overrun even for 0 bytes */
    struct sf_cursor sub2 = sf_cur_sub(&c, 0);
    assert_true(sub2.overrun);
}

static void test_sub_upto(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    sf_cur_skip(&c, 6);
    /* fits: behaves like sub */
    struct sf_cursor a = sf_cur_sub_upto(&c, 2);
    assert_false(a.overrun);
    assert_int_equal(a.len, 2);
    assert_int_equal(sf_cur_be16(&a), 0x0708);
    assert_int_equal(c.pos, 8);
    /* too long: takes the 2 bytes that are left, never overruns */
    struct sf_cursor b = sf_cur_sub_upto(&c, 20);
    assert_false(b.overrun);
    assert_false(c.overrun);
    assert_int_equal(b.len, 2);
    assert_int_equal(sf_cur_u8(&b), 0x09);
    assert_int_equal(sf_cur_u8(&b), 0xfa);
    assert_int_equal(sf_cur_left(&c), 0);
    /* nothing left: an empty sub-cursor */
    struct sf_cursor e = sf_cur_sub_upto(&c, 4);
    assert_false(e.overrun);
    assert_false(c.overrun);
    assert_int_equal(e.len, 0);
    assert_int_equal(sf_cur_u8(&e), 0);
    assert_true(e.overrun);
}

static void test_sub_upto_of_overrun_cursor(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, 2);
    assert_int_equal(sf_cur_be32(&c), 0);
    assert_true(c.overrun);
    struct sf_cursor s = sf_cur_sub_upto(&c, 2);
    assert_int_equal(s.len, 0);
    assert_int_equal(c.pos, 0);
    assert_int_equal(sf_cur_u8(&s), 0);
}

static void test_clamp(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    sf_cur_skip(&c, 2);
    sf_cur_clamp(&c, 5);            /* shrinks: 5 bytes from pos 2 */
    assert_int_equal(c.len, 7);
    assert_int_equal(sf_cur_left(&c), 5);
    sf_cur_clamp(&c, 100);          /* never grows */
    assert_int_equal(c.len, 7);
    sf_cur_clamp(&c, 5);            /* equal: no change */
    assert_int_equal(c.len, 7);
    assert_int_equal(sf_cur_be32(&c), 0x03040506);
    assert_int_equal(sf_cur_u8(&c), 0x07);
    assert_int_equal(sf_cur_u8(&c), 0);     /* 0x08 is outside the clamp */
    assert_true(c.overrun);

    struct sf_cursor z = sf_cur_make(bytes, sizeof(bytes));
    sf_cur_clamp(&z, 0);
    assert_int_equal(sf_cur_left(&z), 0);
    assert_int_equal(sf_cur_u8(&z), 0);
    assert_true(z.overrun);
}

static void test_copy(void **state)
{
    (void)state;
    struct sf_cursor c = sf_cur_make(bytes, sizeof(bytes));
    uint8_t dst[8];
    sf_cur_copy(&c, dst, 4);
    assert_memory_equal(dst, bytes, 4);
    assert_int_equal(c.pos, 4);
    assert_false(c.overrun);

    memset(dst, 0xaa, sizeof(dst));
    sf_cur_copy(&c, dst, 8);        /* 6 left: overrun, zero-filled */
    static const uint8_t zeros[8] = { 0 };
    assert_memory_equal(dst, zeros, 8);
    assert_true(c.overrun);
    assert_int_equal(c.pos, 4);

    memset(dst, 0xaa, sizeof(dst));
    sf_cur_copy(&c, dst, 2);        /* sticky: even a fitting copy zeroes */
    assert_memory_equal(dst, zeros, 2);
    assert_int_equal(dst[2], 0xaa); /* and writes only n bytes */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getters_big_endian),
        cmocka_unit_test(test_le32),
        cmocka_unit_test(test_high_bits_not_sign_extended),
        cmocka_unit_test(test_overrun_is_sticky),
        cmocka_unit_test(test_exact_end_is_not_overrun),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_skip_and_ptr),
        cmocka_unit_test(test_sub_exact),
        cmocka_unit_test(test_sub_too_long),
        cmocka_unit_test(test_sub_upto),
        cmocka_unit_test(test_sub_upto_of_overrun_cursor),
        cmocka_unit_test(test_clamp),
        cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
