#!/usr/bin/env bash
# mpi.sh: one bcsim study over several nodes with MPI, checkpointed so that a
# job that hits its time limit or is requeued goes on where it stopped.
#
#   sbatch scripts/slurm/mpi.sh
#
# Needs a build with MPI: cmake -S . -B build-mpi -DBCSIM_MPI=ON && cmake --build build-mpi
# The run's segments are divided among the ranks, each rank uses its OpenMP
# threads, and rank 0 joins the pieces in order and writes the file: the
# result is the one a single process would give, bit for bit.
#
#SBATCH --job-name=bcsim-mpi
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1     # one rank per node ...
#SBATCH --cpus-per-task=32      # ... with all its cores as OpenMP threads
#SBATCH --time=02:00:00
#SBATCH --output=results/mpi-%j.out

set -euo pipefail
MODEL=${MODEL:-models/aarhus-2026.yaml}
RUNS=${RUNS:-10000000000}       # 10^10 runs
SEED=${SEED:-1}
BCSIM=${BCSIM:-build-mpi/bcsim}
mkdir -p results
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}

srun "$BCSIM" run "$MODEL" -n "$RUNS" --seed "$SEED" --threads "$OMP_NUM_THREADS" \
  -o results/study-mpi.h5 --force

# Without MPI, one node, and a time limit: checkpoint, and resume on requeue.
# (SIGTERM at the time limit saves the checkpoint; exit status 75.)
#   R=""; [ -f results/study.ck.h5 ] && R="--resume results/study.ck.h5"
#   build/bcsim run "$MODEL" -n "$RUNS" --seed "$SEED" --checkpoint results/study.ck.h5 \
#     --checkpoint-every 300 $R -o results/study.h5 --force
