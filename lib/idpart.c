/*
 * idpart.c - interning a load's ids by hash partition (see idpart.h).
 *
 * Appending: each chunk of the input keeps, per table, a chain of blocks
 * per partition; a record holds the id's row and its bytes (inline up to
 * 8, else a pointer into the input), so that interning reads nothing but
 * the records and its own small table.
 *
 * Interning: a partition's records, chunk after chunk, go through a hash
 * table of its own that lives in a worker's scratch memory and stays in
 * cache. Each worker takes a contiguous range of partitions and writes
 * their strings back to back into its share of one staging area (the
 * records bound its size), which needs no lock. Once all partitions are
 * done, the shares are moved down over the gaps between them, in place,
 * and the staging arrays become the destination table's.
 */
#include "idpart.h"

#include <string.h>

#define FIRST_BLOCKS 64

#if defined(__GNUC__)
#define PREFETCH_W(p) __builtin_prefetch((p), 1)
#else
#define PREFETCH_W(p) ((void)(p))
#endif

/* Slabs of 64 KiB to 16 MiB: big ones make huge pages possible for a
 * big load; small ones keep a small load from touching megabytes. */
#define SLAB_SHIFT_MIN 4
#define SLAB_SHIFT_MAX 12

void custseg__idlist_init(custseg__idlist *l, size_t expect)
{
    memset(l, 0, sizeof *l);
    memset(l->head, 0xff, sizeof l->head); /* CUSTSEG__NONE */
    memset(l->tail, 0xff, sizeof l->tail);
    l->shift = SLAB_SHIFT_MIN;
    while (l->shift < SLAB_SHIFT_MAX &&
           ((size_t)CUSTSEG__IDBLOCK << (l->shift + 2)) < expect)
        l->shift++;
}

void custseg__idlist_free(custseg__idlist *l)
{
    size_t i;

    for (i = 0; i < l->nslabs; i++)
        custseg__free(l->slab[i]);
    custseg__free(l->slab);
    custseg__free(l->next);
    custseg__free(l->keys);
    custseg__idlist_init(l, 0);
}

static custseg__idrec *block_at(const custseg__idlist *l, uint32_t b)
{
    return l->slab[b >> l->shift] +
           (size_t)(b & ((1u << l->shift) - 1)) * CUSTSEG__IDBLOCK;
}

/* Room for one more block: a new slab when the last is full. */
static int reserve_block(custseg__idlist *l)
{
    size_t b = l->nblocks;

    if (b >= CUSTSEG__NONE)
        return CUSTSEG__EFALLBACK;
    if (b == l->capblocks) {
        size_t cap = l->capblocks ? l->capblocks * 2 : FIRST_BLOCKS;
        void *next = custseg__realloc(l->next, cap * sizeof *l->next);
        if (next == NULL)
            return CUSTSEG_ENOMEM;
        l->next = next;
        l->capblocks = cap;
    }
    if (b >> l->shift == l->nslabs) {
        void *dir = custseg__realloc(l->slab,
                                     (l->nslabs + 1) * sizeof *l->slab);
        if (dir == NULL)
            return CUSTSEG_ENOMEM;
        l->slab = dir;
        l->slab[l->nslabs] = custseg__malloc(
            ((size_t)CUSTSEG__IDBLOCK << l->shift) * sizeof **l->slab);
        if (l->slab[l->nslabs] == NULL)
            return CUSTSEG_ENOMEM;
        l->nslabs++;
    }
    return CUSTSEG_OK;
}

static int new_block(custseg__idlist *l, unsigned p)
{
    uint32_t b;
    int rc = reserve_block(l);

    if (rc != CUSTSEG_OK)
        return rc;
    b = (uint32_t)l->nblocks++;
    l->next[b] = CUSTSEG__NONE;
    if (l->tail[p] == CUSTSEG__NONE)
        l->head[p] = b;
    else
        l->next[l->tail[p]] = b;
    l->tail[p] = b;
    l->fill[p] = 0;
    return CUSTSEG_OK;
}

/* A long id that lives in a buffer the parser reuses: keep a copy. */
static int keep_key(custseg__idlist *l, custseg__idrec *r, const char *s,
                    size_t len)
{
    int rc = custseg__grow((void **)&l->keys, &l->capkeys, l->nkeys + len,
                           1);

    if (rc != CUSTSEG_OK)
        return rc;
    memcpy(l->keys + l->nkeys, s, len);
    r->key.off = l->nkeys;
    r->len |= CUSTSEG__IDLONG;
    l->nkeys += len;
    return CUSTSEG_OK;
}

int custseg__idlist_add(custseg__idlist *l, const char *s, size_t len,
                        bool stable, uint32_t row)
{
    uint64_t h;
    unsigned p;
    custseg__idrec *r;
    int rc;

    if (len >= CUSTSEG__IDLONG)
        return CUSTSEG__EFALLBACK;
    h = custseg__hash_bytes(s, len);
    p = (unsigned)(h >> 56);
    if (l->tail[p] == CUSTSEG__NONE || l->fill[p] == CUSTSEG__IDBLOCK)
        if ((rc = new_block(l, p)) != CUSTSEG_OK)
            return rc;
    r = block_at(l, l->tail[p]) + l->fill[p];
    r->row = row;
    r->len = (uint32_t)len;
    if (len <= sizeof r->key.in) {
        uint64_t v = 0;
        memcpy(&v, s, len);
        memcpy(r->key.in, &v, sizeof v);
    } else if (stable) {
        r->key.p = s;
    } else if ((rc = keep_key(l, r, s, len)) != CUSTSEG_OK) {
        return rc;
    }
    /* Each partition writes its own stream, too many streams for the
     * hardware to see coming: ask for the next line now, so that the
     * miss overlaps with parsing instead of stalling a later store. */
    if (l->fill[p] % 4 == 0 && l->fill[p] + 4 < CUSTSEG__IDBLOCK)
        PREFETCH_W(r + 4);
    l->fill[p]++;
    l->nrec[p]++;
    l->nbytes[p] += len + 1;
    return CUSTSEG_OK;
}

static const char *rec_key(const custseg__idlist *l, const custseg__idrec *r)
{
    if (r->len & CUSTSEG__IDLONG)
        return l->keys + r->key.off;
    return r->len <= sizeof r->key.in ? r->key.in : r->key.p;
}

/* ------------------------------------------------------------ interning */

typedef struct intern_job {
    const custseg__idlist *const *lists;
    uint32_t *const *cols;
    size_t n;
    char *sbytes;                    /* staging: strings, */
    uint64_t *soff;                  /* and their offsets */
    uint64_t sb[CUSTSEG__IDPARTS];   /* where partition p stages them: */
    uint64_t so[CUSTSEG__IDPARTS];   /* bounds first, then exact */
    uint64_t nrec[CUSTSEG__IDPARTS];
    uint64_t used[CUSTSEG__IDPARTS]; /* bytes staged */
    uint32_t count[CUSTSEG__IDPARTS];
    size_t nworkers;
    size_t btotal, ototal;           /* staging sizes, in elements */
} intern_job;

typedef struct part_table {
    uint64_t *slots;
    size_t cap;
} part_table;

/* An empty table for n records, at most half full. */
static int table_for(part_table *sc, uint64_t n, size_t *nslots)
{
    size_t ns = 64;

    while (ns < n * 2)
        ns *= 2;
    if (ns > sc->cap) {
        custseg__free(sc->slots);
        sc->cap = 0;
        sc->slots = custseg__malloc(ns * sizeof *sc->slots);
        if (sc->slots == NULL)
            return CUSTSEG_ENOMEM;
        sc->cap = ns;
    }
    memset(sc->slots, 0, ns * sizeof *sc->slots);
    *nslots = ns;
    return CUSTSEG_OK;
}

/* The partition's index of the record's id, added when new. */
static int part_lookup(intern_job *j, unsigned p, part_table *sc,
                       size_t mask, const char *key, size_t len,
                       uint64_t hash, uint32_t *out)
{
    char *bytes = j->sbytes + j->sb[p];
    uint64_t *off = j->soff + j->so[p], tag = hash >> 32;
    size_t pos = (size_t)tag & mask;
    uint32_t i;

    for (;;) {
        uint64_t s = sc->slots[pos];
        if (s == 0)
            break;
        i = (uint32_t)(s & 0xffffffffu) - 1;
        if ((s >> 32) == tag && off[i + 1] - off[i] == len + 1 &&
            custseg__same_bytes(bytes + off[i], key, len)) {
            *out = i;
            return CUSTSEG_OK;
        }
        pos = (pos + 1) & mask;
    }
    i = j->count[p];
    if (i > CUSTSEG__IDLOCAL_MAX)
        return CUSTSEG__EFALLBACK;
    memcpy(bytes + off[i], key, len);
    bytes[off[i] + len] = '\0';
    off[i + 1] = off[i] + len + 1;
    sc->slots[pos] = (tag << 32) | (uint64_t)(i + 1);
    j->count[p] = i + 1;
    *out = i;
    return CUSTSEG_OK;
}

static int intern_part(intern_job *j, unsigned p, part_table *sc)
{
    size_t k, nslots;
    int rc;

    j->count[p] = 0;
    j->soff[j->so[p]] = 0;
    if (j->nrec[p] == 0)
        return CUSTSEG_OK;
    if ((rc = table_for(sc, j->nrec[p], &nslots)) != CUSTSEG_OK)
        return rc;
    for (k = 0; k < j->n; k++) {
        const custseg__idlist *l = j->lists[k];
        uint32_t *col = j->cols[k], b, tag = (uint32_t)p << 24;
        for (b = l->head[p]; b != CUSTSEG__NONE; b = l->next[b]) {
            const custseg__idrec *r = block_at(l, b);
            uint32_t i, m = b == l->tail[p] ? l->fill[p] : CUSTSEG__IDBLOCK;
            for (i = 0; i < m; i++) {
                const char *key = rec_key(l, &r[i]);
                size_t len = r[i].len & ~CUSTSEG__IDLONG;
                uint32_t idx;
                rc = part_lookup(j, p, sc, nslots - 1, key, len,
                                 custseg__hash_bytes(key, len), &idx);
                if (rc != CUSTSEG_OK)
                    return rc;
                col[r[i].row] = tag | idx;
            }
        }
    }
    j->used[p] = j->soff[j->so[p] + j->count[p]];
    return CUSTSEG_OK;
}

/* Worker w interns its partitions [p, end) in order, writing their
 * strings back to back from the start of its share of the staging area,
 * so that only memory holding strings is ever touched. Contiguous ranges
 * keep the result independent of the number of workers. */
static int intern_worker(size_t w, void *payload)
{
    intern_job *j = payload;
    part_table sc = {NULL, 0};
    size_t p = w * CUSTSEG__IDPARTS / j->nworkers;
    size_t end = (w + 1) * CUSTSEG__IDPARTS / j->nworkers;
    uint64_t b, o;
    int rc = CUSTSEG_OK;

    if (p >= end)
        return CUSTSEG_OK;
    b = j->sb[p];
    o = j->so[p];
    for (; p < end && rc == CUSTSEG_OK; p++) {
        j->sb[p] = b;
        j->so[p] = o;
        rc = intern_part(j, (unsigned)p, &sc);
        b += j->used[p];
        o += j->count[p] + 1;
    }
    custseg__free(sc.slots);
    return rc;
}

static int stage_partitions(intern_job *j)
{
    uint64_t bytes = 0, offs = 0;
    size_t p, k;

    for (p = 0; p < CUSTSEG__IDPARTS; p++) {
        uint64_t nb = 0;
        j->nrec[p] = 0;
        for (k = 0; k < j->n; k++) {
            j->nrec[p] += j->lists[k]->nrec[p];
            nb += j->lists[k]->nbytes[p];
        }
        j->sb[p] = bytes;
        j->so[p] = offs;
        bytes += nb;
        offs += j->nrec[p] + 1;
    }
    if (bytes > SIZE_MAX || offs > SIZE_MAX / sizeof *j->soff)
        return CUSTSEG_ENOMEM;
    j->btotal = bytes ? (size_t)bytes : 1;
    j->ototal = (size_t)offs;
    j->sbytes = custseg__malloc(j->btotal);
    j->soff = custseg__malloc(j->ototal * sizeof *j->soff);
    return j->sbytes == NULL || j->soff == NULL ? CUSTSEG_ENOMEM
                                                : CUSTSEG_OK;
}

/* Close the gaps between partitions in the staging arrays, which then
 * become the destination's: partition p moves down to where the ones
 * before it end, never up, so one pass in order overwrites nothing still
 * to be read, and no fresh memory is touched. */
static void compact_staging(intern_job *j, custseg__strtab *dst,
                            const uint32_t *base)
{
    uint64_t nbytes = 0;
    size_t p;
    uint32_t i;

    for (p = 0; p < CUSTSEG__IDPARTS; p++) {
        const uint64_t *so = j->soff + j->so[p];
        uint64_t *o = j->soff + base[p];
        if (j->sb[p] != nbytes)
            memmove(j->sbytes + nbytes, j->sbytes + j->sb[p],
                    (size_t)j->used[p]);
        for (i = 0; i < j->count[p]; i++)
            o[i] = nbytes + so[i];
        nbytes += j->used[p];
    }
    dst->count = base[CUSTSEG__IDPARTS - 1] +
                 j->count[CUSTSEG__IDPARTS - 1];
    j->soff[dst->count] = nbytes;
    dst->bytes = j->sbytes;
    dst->nbytes = (size_t)nbytes;
    dst->capbytes = j->btotal;
    dst->offsets = j->soff;
    dst->capoffsets = j->ototal;
    j->sbytes = NULL;
    j->soff = NULL;
    /* Give back the slack (a failed shrink keeps the larger block). */
    custseg__shrink((void **)&dst->bytes, &dst->capbytes,
                    dst->nbytes ? dst->nbytes : 1, 1);
    custseg__shrink((void **)&dst->offsets, &dst->capoffsets,
                    dst->count + 1, sizeof *dst->offsets);
}

/* Bases, once counts are known, and the destination. */
static int assemble(intern_job *j, custseg__strtab *dst, uint32_t *base,
                    uint32_t limit)
{
    uint64_t total = 0;
    size_t p;

    for (p = 0; p < CUSTSEG__IDPARTS; p++) {
        base[p] = (uint32_t)total;
        total += j->count[p];
        if (total > limit)
            return CUSTSEG_ELIMIT;
    }
    if (total > 0)
        compact_staging(j, dst, base);
    return CUSTSEG_OK;
}

int custseg__idparts_intern(custseg__strtab *dst,
                            const custseg__idlist *const *lists,
                            uint32_t *const *cols, size_t n, int threads,
                            uint32_t limit, bool index,
                            uint32_t base[CUSTSEG__IDPARTS])
{
    intern_job *j = custseg__calloc(1, sizeof *j);
    int rc, w = threads < 1                  ? 1
                : threads > CUSTSEG__IDPARTS ? CUSTSEG__IDPARTS
                                             : threads;

    if (j == NULL)
        return CUSTSEG_ENOMEM;
    j->lists = lists;
    j->cols = cols;
    j->n = n;
    j->nworkers = (size_t)w;
    rc = stage_partitions(j);
    if (rc == CUSTSEG_OK)
        rc = custseg__run_jobs((size_t)w, w, intern_worker, j);
    if (rc == CUSTSEG_OK)
        rc = assemble(j, dst, base, limit);
    if (rc == CUSTSEG_OK && index && (rc = custseg__strtab_index(dst)) != 0)
        custseg__strtab_free(dst);
    custseg__free(j->sbytes);
    custseg__free(j->soff);
    custseg__free(j);
    return rc;
}
