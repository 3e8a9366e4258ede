/*
 * alloc.c - the allocator hooks and checked size arithmetic.
 *
 * Every allocation of the library goes through here so that a host can
 * route memory to its own allocator, and tests can fail the n-th
 * allocation. The hooks are global state: they may be replaced only before
 * the first allocation, which custseg_set_allocator() enforces.
 */
/* madvise() and MADV_HUGEPAGE are outside strict POSIX. */
#define _DEFAULT_SOURCE 1

#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/*
 * Large columns are touched once, sequentially, right after they are
 * allocated. Page faults then dominate: on virtual machines a fresh 4 KiB
 * page can cost over 10 us (about 300 MB/s). Asking for transparent huge
 * pages on the 2 MiB-aligned interior of big blocks makes first touch
 * several times faster. It is only advice: where THP is off, or on other
 * systems, nothing changes. Only the default allocator does this; a host's
 * own hooks are left alone.
 */
#define HUGE_MIN ((size_t)4 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

static void advise_huge(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t start = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t end = ((uintptr_t)p + size) & ~(HUGE_PAGE - 1);

    if (p != NULL && size >= HUGE_MIN && end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
    CUSTSEG__UNUSED(p);
    CUSTSEG__UNUSED(size);
#endif
}

static void *default_alloc(void *payload, size_t size)
{
    void *p;

    CUSTSEG__UNUSED(payload);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* A big block that starts and ends on huge-page boundaries is huge
     * pages throughout; malloc's would have about 2 MB of small pages
     * at its ends, 512 faults where one would do. */
    if (size >= HUGE_MIN && size <= SIZE_MAX - HUGE_PAGE) {
        size_t whole = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
        if (posix_memalign(&p, HUGE_PAGE, whole) != 0)
            return NULL;
        advise_huge(p, whole);
        return p;
    }
#endif
    p = malloc(size);
    advise_huge(p, size);
    return p;
}

static void *default_realloc(void *payload, void *ptr, size_t size)
{
    void *p = realloc(ptr, size);

    CUSTSEG__UNUSED(payload);
    advise_huge(p, size);
    return p;
}

static void default_free(void *payload, void *ptr)
{
    CUSTSEG__UNUSED(payload);
    free(ptr);
}

static custseg_allocator hooks = {
    CUSTSEG_ALLOCATOR_VERSION, default_alloc, default_realloc, default_free,
    NULL
};

/* Set by the first allocation; after it the hooks must not change, or
 * memory would be freed by an allocator that did not allocate it. */
static atomic_bool allocated;

int custseg_set_allocator(const custseg_allocator *a)
{
    if (atomic_load(&allocated))
        return CUSTSEG_EMISUSE;
    if (a == NULL) {
        hooks.alloc = default_alloc;
        hooks.realloc = default_realloc;
        hooks.free = default_free;
        hooks.payload = NULL;
        return CUSTSEG_OK;
    }
    if (a->version < 1 || a->alloc == NULL || a->realloc == NULL ||
        a->free == NULL)
        return CUSTSEG_EINVAL;
    hooks.alloc = a->alloc;
    hooks.realloc = a->realloc;
    hooks.free = a->free;
    hooks.payload = a->payload;
    return CUSTSEG_OK;
}

void *custseg__malloc(size_t size)
{
    if (!atomic_load_explicit(&allocated, memory_order_relaxed))
        atomic_store(&allocated, true);
    return hooks.alloc(hooks.payload, size == 0 ? 1 : size);
}

void *custseg__calloc(size_t count, size_t size)
{
    size_t total;
    void *p;

    if (!custseg__mul_size(count, size, &total))
        return NULL;
    if (hooks.alloc == default_alloc) {
        /* calloc gets fresh pages from the kernel already zeroed; a
         * memset would touch (fault in) every page for nothing. */
        if (!atomic_load_explicit(&allocated, memory_order_relaxed))
            atomic_store(&allocated, true);
        p = calloc(count ? count : 1, size ? size : 1);
        advise_huge(p, total);
        return p;
    }
    p = custseg__malloc(total);
    if (p != NULL)
        memset(p, 0, total);
    return p;
}

void *custseg__realloc(void *ptr, size_t size)
{
    if (ptr == NULL)
        return custseg__malloc(size);
    return hooks.realloc(hooks.payload, ptr, size == 0 ? 1 : size);
}

void custseg__free(void *ptr)
{
    if (ptr != NULL)
        hooks.free(hooks.payload, ptr);
}

char *custseg__strndup(const char *s, size_t len)
{
    char *d = custseg__malloc(len + 1);

    if (d != NULL) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

char *custseg__strdup(const char *s)
{
    return custseg__strndup(s, strlen(s));
}

bool custseg__mul_size(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
}

bool custseg__add_size(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return false;
    *out = a + b;
    return true;
}

int custseg__grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap < 16 ? 16 : *cap, bytes;
    void *p;

    if (need <= *cap)
        return CUSTSEG_OK;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return CUSTSEG_ENOMEM;
        ncap *= 2;
    }
    if (!custseg__mul_size(ncap, elem, &bytes))
        return CUSTSEG_ENOMEM;
    p = custseg__realloc(*ptr, bytes);
    if (p == NULL)
        return CUSTSEG_ENOMEM;
    *ptr = p;
    *cap = ncap;
    return CUSTSEG_OK;
}

void custseg__shrink(void **ptr, size_t *cap, size_t n, size_t elem)
{
    void *p;

    if (*ptr == NULL || n == 0 || n >= *cap)
        return;
    p = custseg__realloc(*ptr, n * elem);
    if (p != NULL) { /* a failed shrink keeps the larger block: harmless */
        *ptr = p;
        *cap = n;
    }
}
