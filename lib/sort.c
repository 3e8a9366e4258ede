/*
 * sort.c - stable sorts of customer index arrays.
 *
 * NTILE ranking needs "ORDER BY key, customer_id": customers are first put
 * in id order, then sorted stably by key, so equal keys stay in id order.
 * LSD radix sort is stable, needs no comparison callback and runs in a few
 * linear passes; passes whose byte is the same for every key are skipped,
 * so small integer keys (frequency, recency) cost two or three passes.
 */
#include "internal.h"

#include <string.h>

typedef struct keyed {
    uint64_t key;
    uint32_t idx;
} keyed;

/* Map int64 to uint64 preserving order; invert for descending. */
static uint64_t order_key(int64_t v, bool desc)
{
    uint64_t u = (uint64_t)v ^ 0x8000000000000000ULL;
    return desc ? ~u : u;
}

static void histograms(const keyed *a, size_t n, size_t (*hist)[256])
{
    size_t i;
    int b;

    memset(hist, 0, 8 * 256 * sizeof(size_t));
    for (i = 0; i < n; i++)
        for (b = 0; b < 8; b++)
            hist[b][(a[i].key >> (8 * b)) & 0xff]++;
}

static void radix_pass(const keyed *src, keyed *dst, size_t n,
                       const size_t *count, int byte)
{
    size_t pos[256], sum = 0, i;
    int d;

    for (d = 0; d < 256; d++) {
        pos[d] = sum;
        sum += count[d];
    }
    for (i = 0; i < n; i++)
        dst[pos[(src[i].key >> (8 * byte)) & 0xff]++] = src[i];
}

/* Sort a[0..n) by key, stably; tmp has n elements. Returns the array that
 * holds the result (a or tmp). */
static keyed *radix_sort(keyed *a, keyed *tmp, size_t n)
{
    size_t (*hist)[256] = custseg__malloc(8 * 256 * sizeof(size_t));
    int b;

    if (hist == NULL)
        return NULL;
    histograms(a, n, hist);
    for (b = 0; b < 8; b++) {
        keyed *t;
        if (hist[b][(a[0].key >> (8 * b)) & 0xff] == n)
            continue; /* every key has the same byte here */
        radix_pass(a, tmp, n, hist[b], b);
        t = a;
        a = tmp;
        tmp = t;
    }
    custseg__free(hist);
    return a;
}

int custseg__sort_by_i64(uint32_t *idx, size_t n, const int64_t *key,
                         bool desc)
{
    keyed *a, *sorted;
    size_t i;

    if (n < 2)
        return CUSTSEG_OK;
    a = custseg__malloc(2 * n * sizeof *a);
    if (a == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++) {
        a[i].key = order_key(key[idx[i]], desc);
        a[i].idx = idx[i];
    }
    sorted = radix_sort(a, a + n, n);
    if (sorted == NULL) {
        custseg__free(a);
        return CUSTSEG_ENOMEM;
    }
    for (i = 0; i < n; i++)
        idx[i] = sorted[i].idx;
    custseg__free(a);
    return CUSTSEG_OK;
}

/* The first 8 bytes of a string, big-endian, zero padded: comparing these
 * as integers orders strings like memcmp on their first 8 bytes. */
static uint64_t prefix_key(const char *s, size_t len)
{
    uint64_t k = 0;
    size_t i;

    for (i = 0; i < 8; i++)
        k = (k << 8) | (i < len ? (unsigned char)s[i] : 0u);
    return k;
}

static int cmp_ids(const custseg__strtab *t, uint32_t a, uint32_t b)
{
    size_t la = custseg__strtab_len(t, a), lb = custseg__strtab_len(t, b);
    int c = memcmp(custseg__strtab_get(t, a), custseg__strtab_get(t, b),
                   la < lb ? la : lb);

    if (c != 0)
        return c;
    return la < lb ? -1 : la > lb;
}

/* Merge sort with the table passed along (qsort has no payload argument,
 * and a static would be global mutable state). */
static void merge_sort(const custseg__strtab *t, uint32_t *v, uint32_t *tmp,
                       size_t n)
{
    size_t mid = n / 2, i = 0, j, k = 0;

    if (n < 12) { /* insertion sort for short runs */
        for (i = 1; i < n; i++) {
            uint32_t x = v[i];
            for (j = i; j > 0 && cmp_ids(t, v[j - 1], x) > 0; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        return;
    }
    merge_sort(t, v, tmp, mid);
    merge_sort(t, v + mid, tmp, n - mid);
    j = mid;
    while (i < mid && j < n)
        tmp[k++] = cmp_ids(t, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Finish runs of equal 8-byte prefixes with a full comparison. */
static int finish_ties(const custseg__strtab *t, const keyed *a,
                       uint32_t *out, size_t n)
{
    uint32_t *tmp = NULL;
    size_t i, j;

    for (i = 0; i < n; i++)
        out[i] = a[i].idx;
    for (i = 0; i < n; i = j) {
        for (j = i + 1; j < n && a[j].key == a[i].key; j++)
            ;
        if (j - i < 2)
            continue;
        if (tmp == NULL && (tmp = custseg__malloc(n * sizeof *tmp)) == NULL)
            return CUSTSEG_ENOMEM;
        merge_sort(t, out + i, tmp, j - i);
    }
    custseg__free(tmp);
    return CUSTSEG_OK;
}

int custseg__sort_ids(const custseg__strtab *t, uint32_t *out)
{
    size_t n = t->count, i;
    keyed *a, *sorted;
    int rc;

    if (n == 0)
        return CUSTSEG_OK;
    a = custseg__malloc(2 * n * sizeof *a);
    if (a == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < n; i++) {
        a[i].key = prefix_key(custseg__strtab_get(t, (uint32_t)i),
                              custseg__strtab_len(t, (uint32_t)i));
        a[i].idx = (uint32_t)i;
    }
    sorted = n > 1 ? radix_sort(a, a + n, n) : a;
    if (sorted == NULL) {
        custseg__free(a);
        return CUSTSEG_ENOMEM;
    }
    rc = finish_ties(t, sorted, out, n);
    custseg__free(a);
    return rc;
}
