/*
 * idpart.h - private: interning a load's ids by hash partition (idpart.c).
 *
 * A large load meets each id in a table of a million or more: one lookup
 * in such a table misses the cache several times, one miss after the
 * other. The CSV loader therefore does not look ids up while it parses.
 * It appends each id (row, bytes) to a list per hash partition and
 * goes on; afterwards each partition is interned alone, in a table small
 * enough to stay in cache, and partitions are independent, so threads
 * share the work without locks. The partition of an id is the top byte
 * of its hash, which is also where the id's home slot lies in the final
 * table (custseg__strtab_home()), so building that index walks the slots
 * in order.
 *
 * Indexes come out partition by partition, each partition in input
 * order: a deterministic numbering that depends neither on the number
 * of threads nor on where the input was cut, though not the order of
 * first appearance (freezing renumbers customers by id anyway, and order
 * and category indexes only tell ids apart).
 */
#ifndef CUSTSEG_IDPART_H
#define CUSTSEG_IDPART_H

#include "internal.h"

#define CUSTSEG__IDPARTS 256
#define CUSTSEG__IDBLOCK 256 /* records per block */

/* Column values while a load is in progress (idpart.c writes the rest):
 * the id of the previous row that had one, and an id still to resolve,
 * (partition << 24) | index in the partition. */
#define CUSTSEG__IDSAME 0xfffffffeu
#define CUSTSEG__IDLOCAL_MAX ((1u << 24) - 3)

/* Not a public status: the fast path cannot take this input (an id of
 * 2 GB, a partition of 16 million ids, a row index past 32 bits); the
 * caller loads it again the ordinary way. */
#define CUSTSEG__EFALLBACK (-100)

#define CUSTSEG__IDLONG 0x80000000u /* rec.len flag: key.off, own bytes */

/* 16 bytes: records are most of a load's memory traffic, so the hash is
 * computed again when interning rather than stored. */
typedef struct custseg__idrec {
    uint32_t row;  /* row in the list's chunk */
    uint32_t len;  /* bytes; CUSTSEG__IDLONG: key.off into list->keys */
    union {
        char in[8];    /* len <= 8: the bytes themselves */
        const char *p; /* longer: the bytes in the input */
        size_t off;    /* longer and unescaped: in list->keys */
    } key;
} custseg__idrec;

/* One chunk's ids of one table, by partition: each partition a chain of
 * blocks, so appending costs no search. Blocks come from slabs that are
 * never moved: growing an array would copy every record made so far. */
typedef struct custseg__idlist {
    custseg__idrec **slab; /* block b: slab[b >> shift], b & (2^shift-1) */
    uint32_t *next;        /* per block: next block of its partition */
    size_t nblocks, capblocks, nslabs;
    unsigned shift;        /* 2^shift blocks per slab */
    uint32_t head[CUSTSEG__IDPARTS], tail[CUSTSEG__IDPARTS];
    uint32_t fill[CUSTSEG__IDPARTS];   /* records in the tail block */
    uint64_t nrec[CUSTSEG__IDPARTS];   /* records per partition */
    uint64_t nbytes[CUSTSEG__IDPARTS]; /* their bytes, + 1 each */
    char *keys;           /* long ids that had to be unescaped */
    size_t nkeys, capkeys;
} custseg__idlist;

/* expect: about how many ids will be added (sizes the slabs). */
void custseg__idlist_init(custseg__idlist *l, size_t expect);
void custseg__idlist_free(custseg__idlist *l);
/* Append id s[0..len) of chunk row `row`. stable: s stays valid until the
 * load ends (it is in the input), else long ids are copied. Returns
 * CUSTSEG_OK, CUSTSEG_ENOMEM or CUSTSEG__EFALLBACK. */
int custseg__idlist_add(custseg__idlist *l, const char *s, size_t len,
                        bool stable, uint32_t row);

/* Intern the records of lists[0..n) (in that order: input order) into
 * dst, which must be empty, on up to `threads` threads. cols[k][row]
 * gets (partition << 24) | index in partition for each record of list
 * k; base[p] gets the dataset index of partition p's first id, so the
 * final index is base[v >> 24] + (v & 0xffffff). index: build dst's
 * hash index now (else the first custseg__strtab_intern builds it).
 * Returns CUSTSEG_OK, CUSTSEG_ENOMEM, CUSTSEG_ELIMIT (more than limit
 * ids; dst is left empty) or CUSTSEG__EFALLBACK. */
int custseg__idparts_intern(custseg__strtab *dst,
                            const custseg__idlist *const *lists,
                            uint32_t *const *cols, size_t n, int threads,
                            uint32_t limit, bool index,
                            uint32_t base[CUSTSEG__IDPARTS]);

#endif /* CUSTSEG_IDPART_H */
