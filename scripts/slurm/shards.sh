#!/usr/bin/env bash
# shards.sh: a large bcsim study as a Slurm job array, one shard per task, and
# a merge job that runs when every shard has finished.
#
#   sbatch scripts/slurm/shards.sh                  # submits the array and the merge
#
# Each task computes the I-th of N shares of the run's segments with all the
# cores Slurm gives it, and writes results/shards/part-I.h5; `bcsim merge`
# joins them into the file the run in one piece would have written, bit for
# bit. A task that fails can simply be run again: shards are independent.
# Change the settings below; every task must use the same ones (the merge
# refuses shards of different models, seeds, run counts or samplers).
#
#SBATCH --job-name=bcsim-shards
#SBATCH --array=0-15            # N = 16 shards: I = 0 .. 15
#SBATCH --cpus-per-task=16      # OpenMP threads of one shard
#SBATCH --time=01:00:00
#SBATCH --output=results/shards/slurm-%A_%a.out

set -euo pipefail
MODEL=${MODEL:-models/aarhus-2026.yaml}
RUNS=${RUNS:-1000000000}        # 10^9 runs in all
SEED=${SEED:-1}
N=${SLURM_ARRAY_TASK_COUNT:-16} # how many shards the array has
BCSIM=${BCSIM:-build/bcsim}
mkdir -p results/shards

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # not inside the array: submit it, then the merge, which waits for all of it
  jid=$(sbatch --parsable "$0")
  sbatch --dependency=afterok:"$jid" --job-name=bcsim-merge --cpus-per-task=1 \
         --output=results/shards/merge-%j.out \
         --wrap="$BCSIM merge results/shards/part-*.h5 -o results/study.h5 --force"
  echo "submitted shards $jid and their merge"
  exit 0
fi

export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
"$BCSIM" run "$MODEL" -n "$RUNS" --seed "$SEED" --threads "$OMP_NUM_THREADS" \
  --shard "$SLURM_ARRAY_TASK_ID/$N" -o "results/shards/part-$SLURM_ARRAY_TASK_ID.h5" --force
