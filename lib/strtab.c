/*
 * strtab.c - interned byte strings (customer, order and category ids).
 *
 * Ids are stored once, back to back, and referred to by a dense uint32
 * index everywhere else, so per-transaction storage holds 4 bytes instead
 * of a pointer and a copy. Lookup is open addressing with linear probing;
 * each slot keeps 32 bits of the hash beside the index so most probes are
 * settled without touching the string bytes.
 */
#include "internal.h"

#include <string.h>

void custseg__strtab_init(custseg__strtab *t)
{
    memset(t, 0, sizeof *t);
}

void custseg__strtab_free(custseg__strtab *t)
{
    custseg__free(t->bytes);
    custseg__free(t->offsets);
    custseg__free(t->slots);
    custseg__strtab_init(t);
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t read32(const char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

/* The last 1..7 bytes as a number: two overlapping loads, not a copy of
 * variable length (which costs a library call per id). Distinct for
 * distinct bytes of one length, which is all a hash needs, since the
 * length is mixed in too. */
static uint64_t read_tail(const char *p, size_t n)
{
    if (n >= 4)
        return read32(p) | read32(p + n - 4) << 32;
    return (uint64_t)(unsigned char)p[0] |
           (uint64_t)(unsigned char)p[n / 2] << 8 |
           (uint64_t)(unsigned char)p[n - 1] << 16;
}

/* Eight bytes at a time. The value depends on byte order, which is fine:
 * hashes never leave the process. */
uint64_t custseg__hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len;
    size_t i = 0;

    for (; i + 8 <= len; i += 8)
        h = (h ^ custseg__load8(s + i)) * 0x100000001b3ULL + (h >> 29);
    if (i < len)
        h = (h ^ read_tail(s + i, len - i)) * 0x100000001b3ULL + (h >> 29);
    return mix(h);
}

static bool same(const custseg__strtab *t, uint32_t i, const char *s,
                 size_t len)
{
    return custseg__strtab_len(t, i) == len &&
           custseg__same_bytes(custseg__strtab_get(t, i), s, len);
}

static size_t probe(const custseg__strtab *t, uint64_t h, const char *s,
                    size_t len, bool *found)
{
    size_t mask = t->nslots - 1, pos = custseg__strtab_home(t, h);
    uint64_t tag = h >> 32;

    for (;;) {
        uint64_t slot = t->slots[pos];
        if (slot == 0) {
            *found = false;
            return pos;
        }
        if ((slot >> 32) == tag &&
            same(t, (uint32_t)(slot & 0xffffffffu) - 1, s, len)) {
            *found = true;
            return pos;
        }
        pos = (pos + 1) & mask;
    }
}

/* The home slot derives from the tag kept in each slot, so growing the
 * table moves slots without reading (or hashing) a single string. */
static int rehash(custseg__strtab *t, size_t nslots)
{
    uint64_t *slots = custseg__calloc(nslots, sizeof *slots);
    size_t i, mask = nslots - 1;

    if (slots == NULL)
        return CUSTSEG_ENOMEM;
    for (i = 0; i < t->nslots; i++) {
        uint64_t slot = t->slots[i];
        size_t pos;
        if (slot == 0)
            continue;
        pos = custseg__slot_home(slot >> 32, nslots);
        while (slots[pos] != 0)
            pos = (pos + 1) & mask;
        slots[pos] = slot;
    }
    if (t->nslots == 0) /* index dropped (frozen): rebuild from strings */
        for (i = 0; i < t->count; i++) {
            uint64_t h = custseg__hash_bytes(
                custseg__strtab_get(t, (uint32_t)i),
                custseg__strtab_len(t, (uint32_t)i));
            size_t pos = custseg__slot_home(h >> 32, nslots);
            while (slots[pos] != 0)
                pos = (pos + 1) & mask;
            slots[pos] = ((h >> 32) << 32) | (uint64_t)(i + 1);
        }
    custseg__free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return CUSTSEG_OK;
}

/* Without slots (a table loaded by idpart.c, or dropped at freeze) a
 * lookup that cannot build them reads every string: slow, never wrong. */
static uint32_t scan_strings(const custseg__strtab *t, const char *s,
                             size_t len)
{
    size_t i;

    for (i = 0; i < t->count; i++)
        if (same(t, (uint32_t)i, s, len))
            return (uint32_t)i;
    return CUSTSEG__NONE;
}

uint32_t custseg__strtab_find(const custseg__strtab *t, const char *s,
                              size_t len)
{
    bool found;
    size_t pos;

    if (t->nslots == 0)
        return scan_strings(t, s, len);
    pos = probe(t, custseg__hash_bytes(s, len), s, len, &found);
    return found ? (uint32_t)(t->slots[pos] & 0xffffffffu) - 1
                 : CUSTSEG__NONE;
}

/* Slots for n strings: at most half full, doubling from 1024. */
static size_t slots_for(const custseg__strtab *t, size_t n)
{
    size_t ns = t->nslots == 0 ? 1024 : t->nslots;

    while (ns < n * 2) /* also after drop_index */
        ns *= 2;
    return ns;
}

/* Make room for one more string of len bytes (plus NUL) and its offset. */
static int reserve(custseg__strtab *t, size_t len)
{
    size_t need;
    int rc;

    if (!custseg__add_size(t->nbytes, len + 1, &need))
        return CUSTSEG_ENOMEM;
    rc = custseg__grow((void **)&t->bytes, &t->capbytes, need, 1);
    if (rc == CUSTSEG_OK)
        rc = custseg__grow((void **)&t->offsets, &t->capoffsets,
                           t->count + 2, sizeof *t->offsets);
    if (rc == CUSTSEG_OK && (t->count + 1) * 2 > t->nslots)
        rc = rehash(t, slots_for(t, t->count + 1));
    return rc;
}

int custseg__strtab_index(custseg__strtab *t)
{
    if (t->nslots != 0 || t->count == 0)
        return CUSTSEG_OK;
    return rehash(t, slots_for(t, t->count));
}

int custseg__strtab_intern(custseg__strtab *t, const char *s, size_t len,
                           uint32_t limit, uint32_t *out_index,
                           bool *out_added)
{
    return custseg__strtab_intern_hashed(t, s, len,
                                         custseg__hash_bytes(s, len), limit,
                                         out_index, out_added);
}

int custseg__strtab_intern_hashed(custseg__strtab *t, const char *s,
                                  size_t len, uint64_t h, uint32_t limit,
                                  uint32_t *out_index, bool *out_added)
{
    bool found = false;
    size_t pos;
    int rc;

    /* A table loaded without slots (idpart.c) gets them when first
     * needed: strings must not be added twice. */
    if (t->nslots == 0 && (rc = custseg__strtab_index(t)) != CUSTSEG_OK)
        return rc;
    if (t->nslots != 0) {
        pos = probe(t, h, s, len, &found);
        if (found) {
            *out_index = (uint32_t)(t->slots[pos] & 0xffffffffu) - 1;
            if (out_added != NULL)
                *out_added = false;
            return CUSTSEG_OK;
        }
    }
    if (t->count >= limit)
        return CUSTSEG_ELIMIT;
    if ((rc = reserve(t, len)) != CUSTSEG_OK)
        return rc;
    pos = probe(t, h, s, len, &found); /* the table may have moved */
    if (t->count == 0)
        t->offsets[0] = 0;
    memcpy(t->bytes + t->nbytes, s, len);
    t->bytes[t->nbytes + len] = '\0';
    t->nbytes += len + 1;
    t->slots[pos] = ((h >> 32) << 32) | (uint64_t)(t->count + 1);
    *out_index = (uint32_t)t->count;
    t->count++;
    t->offsets[t->count] = t->nbytes;
    if (out_added != NULL)
        *out_added = true;
    return CUSTSEG_OK;
}

void custseg__strtab_truncate(custseg__strtab *t, size_t count)
{
    /* Removing the latest string is safe with linear probing: no string
     * was inserted after it, so no probe chain runs through its slot. */
    while (t->count > count) {
        uint32_t last = (uint32_t)(t->count - 1);
        const char *s = custseg__strtab_get(t, last);
        size_t len = custseg__strtab_len(t, last);
        if (t->nslots != 0) {
            bool found;
            size_t pos = probe(t, custseg__hash_bytes(s, len), s, len,
                               &found);
            if (found)
                t->slots[pos] = 0;
        }
        t->nbytes = t->offsets[last];
        t->count--;
    }
}

void custseg__strtab_drop_index(custseg__strtab *t)
{
    custseg__free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
}

size_t custseg__strtab_memory(const custseg__strtab *t)
{
    return t->capbytes + t->capoffsets * sizeof *t->offsets +
           t->nslots * sizeof *t->slots;
}
