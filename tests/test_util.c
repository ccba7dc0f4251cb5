/* Unit tests for util's sort: sf_sort_keyed against a plain stable sort
 * (insertion) on keys with many ties, keys that differ only in one byte
 * (the passes it skips), all equal, and the sizes around a pass; and the
 * two-key order the timeline's anomaly list relies on. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synfin/util.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The reference: insertion sort, stable by construction. */
static void reference(struct sf_keyed *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct sf_keyed x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].key > x.key) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

enum shape { TIES, FULL, HIGH_BYTE, MID_BYTE, EQUAL };

static uint64_t key_of(enum shape s)
{
    switch (s) {
    case TIES:
        return next() % 7;
    case FULL:
        return next();
    case HIGH_BYTE:
        return (next() & 0xff) << 56 | 0x1234;
    case MID_BYTE:
        return 0xabcd000000000000ull | (next() % 5) << 24;
    case EQUAL:
        return 42;
    }
    return 0;
}

static void check(enum shape s, size_t n)
{
    struct sf_keyed *a = calloc(n + 1, sizeof(*a));
    struct sf_keyed *want = calloc(n + 1, sizeof(*want));
    struct sf_keyed *tmp = calloc(n + 1, sizeof(*tmp));
    assert_non_null(a);
    assert_non_null(want);
    assert_non_null(tmp);
    for (size_t i = 0; i < n; i++)
        a[i] = (struct sf_keyed){ .key = key_of(s), .tag = (uint32_t)i };
    memcpy(want, a, n * sizeof(*a));
    reference(want, n);
    sf_sort_keyed(a, tmp, n);
    for (size_t i = 0; i < n; i++) {
        if (a[i].key != want[i].key || a[i].tag != want[i].tag)
            fail_msg("shape %d, n %zu: at %zu got (%llu, %u), want "
                     "(%llu, %u)", (int)s, n, i,
                     (unsigned long long)a[i].key, a[i].tag,
                     (unsigned long long)want[i].key, want[i].tag);
    }
    free(a);
    free(want);
    free(tmp);
}

static void test_matches_stable_sort(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 1, 2, 3, 255, 256, 257, 3000 };
    for (int s = TIES; s <= EQUAL; s++)
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
            check((enum shape)s, sizes[k]);
}

/* By time, then flow, then the order kept: sort by flow, then by time. */
static void test_two_keys(void **state)
{
    (void)state;
    struct { uint64_t ts; uint32_t id; } rows[] = {
        { 30, 2 }, { 10, 5 }, { 30, 1 }, { 10, 5 }, { 20, 9 }, { 30, 1 },
    };
    enum { N = sizeof(rows) / sizeof(rows[0]) };
    struct sf_keyed ord[N], tmp[N];
    for (uint32_t i = 0; i < N; i++)
        ord[i] = (struct sf_keyed){ .key = rows[i].id, .tag = i };
    sf_sort_keyed(ord, tmp, N);
    for (uint32_t i = 0; i < N; i++)
        ord[i].key = rows[ord[i].tag].ts;
    sf_sort_keyed(ord, tmp, N);
    static const uint32_t want[N] = { 1, 3, 4, 2, 5, 0 };
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(ord[i].tag, want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_stable_sort),
        cmocka_unit_test(test_two_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
