/* mpi_run.c: a run spread over MPI ranks. Each rank computes a contiguous
 * share of the run's segments with its OpenMP threads; rank 0 gathers the
 * packed states and joins them in segment order, so the summary is the one
 * bc_engine_run gives, bit for bit. Built into the bcsim command only with
 * -DBCSIM_MPI=ON. */
#include "mpi_int.h"

#include <string.h>

#include <mpi.h>

#include "alloc_int.h"
#include "bcsim/merge.h"

/* Largest message: MPI counts are ints. */
#define CHUNK (1 << 30)

static int send_bytes(const unsigned char *p, uint64_t n, int to)
{
    while (n > 0) {
        int c = n > CHUNK ? CHUNK : (int)n;
        if (MPI_Send(p, c, MPI_BYTE, to, 1, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
        p += c;
        n -= (uint64_t)c;
    }
    return 0;
}

static int recv_bytes(unsigned char *p, uint64_t n, int from)
{
    while (n > 0) {
        int c = n > CHUNK ? CHUNK : (int)n;
        if (MPI_Recv(p, c, MPI_BYTE, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
        p += c;
        n -= (uint64_t)c;
    }
    return 0;
}

int bc_mpi_rank(void)
{
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int bc_mpi_size(void)
{
    int n = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

int bc_mpi_agree(int rc)
{
    int mine = rc, worst = 0;
    MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return worst;
}

int bc_mpi_from_rank0(int v)
{
    MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return v;
}

int bc_mpi_engine_run(const bc_model *m, const bc_run_config *cfg, bc_summary **out, bc_error *err)
{
    *out = NULL;
    const int rank = bc_mpi_rank(), size = bc_mpi_size();
    uint64_t a, b;
    bc_engine_shard_range(cfg, (uint64_t)rank, (uint64_t)size, &a, &b);
    bc_run_state *s = NULL;
    void *buf = NULL;
    size_t len = 0;
    int rc = bc_run_state_alloc(m, cfg, a, 1, &s, err);
    if (!rc)
        rc = bc_engine_advance(m, cfg, s, b, err);
    if (!rc)
        rc = bc_run_state_pack(s, &buf, &len, err);
    bc_run_state_free(s);
    s = NULL;
    /* every rank learns whether any failed; the failing ranks keep their message */
    int any = bc_mpi_agree(rc);
    if (any) {
        bc_free(buf);
        if (!rc)
            rc = bc_error_set(err, any, "another MPI rank failed (its message is above)");
        return rc;
    }
    uint64_t mylen = len, *lens = NULL;
    if (rank == 0 && !(lens = bc_malloc((size_t)size * sizeof *lens)))
        rc = bc_error_set(err, BC_ENOMEM, "out of memory");
    if (MPI_Gather(&mylen, 1, MPI_UINT64_T, lens, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD) !=
        MPI_SUCCESS)
        rc = bc_error_set(err, BC_EIO, "MPI_Gather failed");
    if (rank != 0) {
        if (!rc && send_bytes(buf, mylen, 0))
            rc = bc_error_set(err, BC_EIO, "MPI_Send failed");
        bc_free(buf);
        return rc;
    }
    /* rank 0: its own piece first, then each rank's in rank (= segment) order */
    if (!rc)
        rc = bc_merge_append(m, cfg, buf, len, &s, err);
    bc_free(buf);
    for (int r = 1; r < size; r++) {
        unsigned char *p = bc_malloc(lens && lens[r] ? (size_t)lens[r] : 1);
        int got = p && !recv_bytes(p, lens ? lens[r] : 0, r);
        if (!rc && !got)
            rc = bc_error_set(err, BC_EIO, "receiving the state of rank %d failed", r);
        if (!rc)
            rc = bc_merge_append(m, cfg, p, (size_t)lens[r], &s, err);
        bc_free(p);
    }
    bc_free(lens);
    if (!rc)
        rc = bc_engine_finish(s, out, err);
    bc_run_state_free(s);
    return rc;
}

/* bc_sobol_combine_fn over MPI: rank 0 receives every rank's waves (ranks
 * hold consecutive waves in rank order), adds them in wave order, and sends
 * the total back to all. */
static int sobol_combine(void *user, const double *local, uint64_t n_local, size_t len,
                         double *total, bc_error *err)
{
    (void)user;
    const int rank = bc_mpi_rank(), size = bc_mpi_size();
    uint64_t mine = n_local, *counts = NULL;
    int rc = BC_OK;
    if (rank == 0 && !(counts = bc_malloc((size_t)size * sizeof *counts)))
        MPI_Abort(MPI_COMM_WORLD, 1); /* rank 0 cannot take part: stop everyone */
    MPI_Gather(&mine, 1, MPI_UINT64_T, counts, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    const uint64_t bytes = (uint64_t)len * sizeof(double);
    if (rank != 0) {
        /* wave by wave, as rank 0 receives them: send_bytes cuts its
         * buffer into messages, and the cuts must fall alike on both sides */
        for (uint64_t w = 0; w < n_local && !rc; w++)
            if (send_bytes((const unsigned char *)(local + w * len), bytes, 0))
                rc = bc_error_set(err, BC_EIO, "MPI_Send failed");
    } else {
        memset(total, 0, len * sizeof *total);
        double *wave = bc_malloc(len * sizeof *wave);
        if (!wave)
            MPI_Abort(MPI_COMM_WORLD, 1);
        for (int r = 0; r < size; r++)
            for (uint64_t w = 0; w < counts[r]; w++) {
                const double *src = local + w * len;
                if (r > 0) {
                    if (recv_bytes((unsigned char *)wave, bytes, r))
                        MPI_Abort(MPI_COMM_WORLD, 1);
                    src = wave;
                }
                for (size_t q = 0; q < len; q++)
                    total[q] += src[q];
            }
        bc_free(wave);
        bc_free(counts);
    }
    /* every rank ends with the same total */
    for (size_t off = 0; off < len; off += CHUNK / sizeof(double)) {
        size_t n = len - off < CHUNK / sizeof(double) ? len - off : CHUNK / sizeof(double);
        MPI_Bcast(total + off, (int)n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    return bc_mpi_agree(rc) ? (rc ? rc : bc_error_set(err, BC_EIO, "another MPI rank failed"))
                            : BC_OK;
}

int bc_mpi_sobol_run(const bc_model *m, const bc_sobol_config *cfg, bc_sobol_result **out,
                     bc_error *err)
{
    const int rank = bc_mpi_rank(), size = bc_mpi_size();
    bc_sobol_config c = *cfg;
    const uint64_t nw = bc_sobol_n_waves(cfg);
    c.combine = sobol_combine;
    c.combine_user = NULL;
    c.wave_first = nw * (uint64_t)rank / (uint64_t)size;
    c.wave_end = nw * (uint64_t)(rank + 1) / (uint64_t)size;
    int rc = bc_sobol_run(m, &c, out, err);
    /* bc_sobol_run fails before combining only on bad input, which every rank
     * sees alike; after combining, every rank has the same result */
    return rc;
}
