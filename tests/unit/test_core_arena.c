/* Unit tests for core/ev_arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdalign.h>
#include <string.h>

#include "core/ev_arena.h"

static void test_alignment_and_distinct(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 256);
    void *prev = NULL;
    for (size_t i = 0; i < 200; i++) {
        void *p = ev_arena_alloc(&a, i % 7 + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        assert_ptr_not_equal(p, prev);
        memset(p, 0xAB, i % 7 + 1);
        prev = p;
    }
    ev_arena_free(&a);
}

static void test_large_and_zero(void **state)
{
    (void)state;
    ev_arena a = EV_ARENA_INIT;
    void *small = ev_arena_alloc(&a, 8);
    void *big = ev_arena_alloc(&a, 100000); /* own block */
    void *small2 = ev_arena_alloc(&a, 8);   /* still from the first block */
    assert_non_null(small);
    assert_non_null(big);
    assert_non_null(small2);
    memset(big, 1, 100000);
    assert_int_equal((char *)small2 - (char *)small, 16);
    void *z1 = ev_arena_alloc(&a, 0), *z2 = ev_arena_alloc(&a, 0);
    assert_non_null(z1);
    assert_ptr_not_equal(z1, z2);
    ev_arena_free(&a);
}

static void test_calloc_and_strings(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 0);
    int *v = ev_arena_calloc(&a, 10, sizeof(int));
    for (int i = 0; i < 10; i++)
        assert_int_equal(v[i], 0);
    assert_null(ev_arena_calloc(&a, SIZE_MAX / 2, 4)); /* overflow */
    char *s = ev_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(ev_arena_strdup(&a, ""), "");
    assert_string_equal(ev_arena_strdup(&a, "abc"), "abc");
    ev_arena_free(&a);
}

static void test_reset_reuses(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 128);
    void *first = ev_arena_alloc(&a, 16);
    for (int i = 0; i < 100; i++)
        assert_non_null(ev_arena_alloc(&a, 48)); /* several blocks */
    ev_arena_reset(&a);
    void *again = ev_arena_alloc(&a, 16);
    assert_ptr_equal(first, again); /* first block kept and rewound */
    ev_arena_reset(&a);
    ev_arena_reset(&a);
    ev_arena_free(&a);
    ev_arena_free(&a); /* idempotent */
}

static void test_odd_block_size_alignment(void **state)
{
    (void)state;
    /* Block sizes that are not a multiple of the alignment, requests of
     * every size around it: always aligned, never overlapping. */
    ev_arena a;
    ev_arena_init(&a, 100);
    unsigned char *prev = NULL;
    size_t prev_size = 0;
    for (size_t i = 0; i < 2000; i++) {
        size_t size = i % 70;
        unsigned char *p = ev_arena_alloc(&a, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
        assert_int_equal(a.left % EV_ARENA_ALIGN, 0);
        memset(p, 0x5A, size);
        if (prev != NULL && p > prev)
            assert_true(p >= prev + prev_size);
        prev = p;
        prev_size = size;
    }
    ev_arena_free(&a);
}

static void test_reset_retains_one_block(void **state)
{
    (void)state;
    /* Even when the first request is a large one, the block a reset keeps
     * is a regular one: a huge first document does not stay pinned. */
    ev_arena a;
    ev_arena_init(&a, 1024);
    void *big = ev_arena_alloc(&a, 1 << 20);
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    void *head = a.head;
    for (int i = 0; i < 50; i++)
        assert_non_null(ev_arena_alloc(&a, 600)); /* more large ones, and new blocks */
    ev_arena_reset(&a);
    assert_ptr_equal(a.head, head);
    assert_int_equal(a.left, 1024);
    /* Steady state: the same block, the same addresses, cycle after cycle. */
    void *first = ev_arena_alloc(&a, 24);
    for (int cycle = 0; cycle < 100; cycle++) {
        ev_arena_reset(&a);
        assert_ptr_equal(ev_arena_alloc(&a, 24), first);
        for (int i = 0; i < 20; i++)
            assert_non_null(ev_arena_alloc(&a, 40));
        assert_ptr_equal(a.head, head);
    }
    ev_arena_free(&a);
    assert_null(a.head);
    assert_int_equal(a.left, 0);
    assert_non_null(ev_arena_alloc(&a, 8)); /* usable after free */
    ev_arena_free(&a);
}

static void test_huge_requests(void **state)
{
    (void)state;
    ev_arena a = EV_ARENA_INIT;
    assert_null(ev_arena_alloc(&a, SIZE_MAX));
    assert_null(ev_arena_alloc(&a, SIZE_MAX - 8));
    assert_null(ev_arena_strndup(&a, "x", SIZE_MAX));
    assert_non_null(ev_arena_alloc(&a, 1));
    ev_arena_free(&a);
}

static void test_unwind_last(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 1024);
    void *keep = ev_arena_alloc(&a, 24);
    unsigned char *ptr = a.ptr;
    size_t left = a.left;
    void *scratch = ev_arena_alloc(&a, 40);
    ev_arena_unwind(&a, scratch, 40); /* the latest: given back */
    assert_ptr_equal(a.ptr, ptr);
    assert_int_equal(a.left, left);
    assert_ptr_equal(ev_arena_alloc(&a, 40), scratch); /* and reused */
    ev_arena_unwind(&a, keep, 24);                     /* not the latest: kept */
    assert_ptr_not_equal(a.ptr, ptr);
    void *big = ev_arena_alloc(&a, 4000); /* a block of its own: kept */
    unsigned char *after_big = a.ptr;
    ev_arena_unwind(&a, big, 4000);
    assert_ptr_equal(a.ptr, after_big);
    ev_arena_unwind(&a, NULL, 0);
    ev_arena_free(&a);
}

static void test_mark_and_rewind(void **state)
{
    (void)state;
    ev_arena a;
    ev_arena_init(&a, 512);
    /* From an empty arena: everything goes. */
    ev_arena_mark empty = ev_arena_get_mark(&a);
    for (int i = 0; i < 40; i++)
        assert_non_null(ev_arena_alloc(&a, i % 3 ? 100 : 2000));
    ev_arena_rewind(&a, &empty);
    assert_null(a.head);
    assert_int_equal(a.left, 0);
    /* From a point inside a block: later regular blocks and large ones,
     * whichever head they were chained behind, are freed (valgrind and
     * ASan see a leak or a double free otherwise). */
    char *kept = ev_arena_alloc(&a, 64);
    memset(kept, 7, 64);
    void *large_before = ev_arena_alloc(&a, 4000);
    ev_arena_mark m = ev_arena_get_mark(&a);
    void *head = a.head;
    unsigned char *ptr = a.ptr;
    size_t left = a.left;
    assert_non_null(ev_arena_alloc(&a, 3000)); /* large, behind the marked head */
    for (int i = 0; i < 30; i++)
        assert_non_null(ev_arena_alloc(&a, i % 4 ? 200 : 5000));
    ev_arena_rewind(&a, &m);
    assert_ptr_equal(a.head, head);
    assert_ptr_equal(a.ptr, ptr);
    assert_int_equal(a.left, left);
    for (int i = 0; i < 64; i++)
        assert_int_equal(kept[i], 7);
    memset(large_before, 1, 4000); /* still ours */
    /* The arena goes on as before: allocation, reset, retention. */
    assert_ptr_equal(ev_arena_alloc(&a, 16), ptr);
    ev_arena_reset(&a);
    assert_ptr_equal(a.head, head);
    ev_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_and_distinct),
        cmocka_unit_test(test_large_and_zero),
        cmocka_unit_test(test_calloc_and_strings),
        cmocka_unit_test(test_reset_reuses),
        cmocka_unit_test(test_odd_block_size_alignment),
        cmocka_unit_test(test_reset_retains_one_block),
        cmocka_unit_test(test_huge_requests),
        cmocka_unit_test(test_unwind_last),
        cmocka_unit_test(test_mark_and_rewind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
