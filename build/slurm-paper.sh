#!/usr/bin/env bash
# Runs the paper profile as a SLURM array: task i of n runs shard i/n of every grid, one GPU each.
# Results of all shards land in the same results/paper/ tree (each file belongs to exactly one cell),
# or copy each shard's results/paper/ into one folder afterwards; then render the report once:
#   sbatch --array=1-8 build/slurm-paper.sh
#   dotnet cake --target=Report --profile=paper
#SBATCH --job-name=eeartifacts-paper
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --time=24:00:00
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/..}"
shards=${SLURM_ARRAY_TASK_COUNT:?run as a SLURM array, e.g. sbatch --array=1-8}
shard=${SLURM_ARRAY_TASK_ID:?run as a SLURM array}
export CUBLAS_WORKSPACE_CONFIG=:4096:8 OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-8}
dotnet build src/Experiments -c Release -p:TorchBackend=cuda
dotnet run --project src/Experiments -c Release --no-build -- \
  run --profile paper --device cuda --threads "${SLURM_CPUS_PER_TASK:-8}" --shard "${shard}/${shards}" --out results
