/* mpi_int.h: the bcsim command's MPI layer (built with -DBCSIM_MPI=ON). */
#ifndef BCSIM_MPI_INT_H
#define BCSIM_MPI_INT_H

#include "bcsim/engine.h"
#include "bcsim/sensitivity.h"

/* This process's rank and the number of ranks. */
int bc_mpi_rank(void);
int bc_mpi_size(void);

/* Every rank passes its status; all get the largest (0 when all succeeded). */
int bc_mpi_agree(int rc);

/* Rank 0's v, on every rank. */
int bc_mpi_from_rank0(int v);

/* bc_engine_run over all ranks: on rank 0, *out is the summary; elsewhere
 * NULL. Every rank returns the same success or failure. */
int bc_mpi_engine_run(const bc_model *m, const bc_run_config *cfg, bc_summary **out, bc_error *err);

/* bc_sobol_run over all ranks, each computing a share of the design's waves;
 * every rank gets the same result. */
int bc_mpi_sobol_run(const bc_model *m, const bc_sobol_config *cfg, bc_sobol_result **out,
                     bc_error *err);

#endif
