/*
 * threads.c - run independent jobs on a few threads.
 *
 * The library starts threads only when a caller asks (option "threads").
 * Jobs are claimed from an atomic counter; results never depend on which
 * thread ran which job, so output is identical for any thread count.
 */
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct pool {
    atomic_size_t next;
    size_t n;
    custseg__job_fn fn;
    void *payload;
    atomic_int status; /* first failure wins */
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    size_t job;

    while ((job = atomic_fetch_add(&p->next, 1)) < p->n) {
        int rc;
        if (atomic_load(&p->status) != CUSTSEG_OK)
            break;
        rc = p->fn(job, p->payload);
        if (rc != CUSTSEG_OK) {
            int expected = CUSTSEG_OK;
            atomic_compare_exchange_strong(&p->status, &expected, rc);
        }
    }
    return NULL;
}

int custseg__run_jobs(size_t n, int threads, custseg__job_fn fn,
                      void *payload)
{
    pthread_t tid[256];
    pool p;
    int t, started = 0;

    atomic_init(&p.next, 0);
    atomic_init(&p.status, CUSTSEG_OK);
    p.n = n;
    p.fn = fn;
    p.payload = payload;
    if (threads > 256)
        threads = 256;
    if ((size_t)threads > n)
        threads = (int)n;
    for (t = 1; t < threads; t++) {
        if (pthread_create(&tid[started], NULL, worker, &p) != 0)
            break; /* fewer threads is still correct */
        started++;
    }
    worker(&p);
    for (t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    return atomic_load(&p.status);
}
