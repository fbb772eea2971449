#pragma once
/// Multi-process data parallelism over PyTorch c10d: Gloo on CPU, NCCL when built with CUDA.
/// Launched the torchrun / SLURM way: every process reads its rank from the environment.
#include <memory>
#include <string>

#include <torch/torch.h>

#include "common/result.h"

namespace stamp::core::engine {

struct DistEnv {
  int rank = 0, worldSize = 1, localRank = 0;
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  bool distributed() const { return worldSize > 1; }
};

/// RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR / MASTER_PORT, falling back to SLURM_PROCID /
/// SLURM_NTASKS / SLURM_LOCALID. Single process when none is set; errors name the bad variable.
Result<DistEnv> distEnvFromEnvironment();

/// A process group: all ranks must make the same calls in the same order.
class Communicator {
 public:
  /// Single-process (no-op) communicator.
  Communicator();
  ~Communicator();
  /// Connects to the others (TCP store at MASTER_ADDR:MASTER_PORT, rank 0 serves it).
  static Result<std::unique_ptr<Communicator>> connect(const DistEnv& env, const std::string& device);
  int rank() const { return env_.rank; }
  int worldSize() const { return env_.worldSize; }
  /// In place: the mean over ranks.
  Status allReduceMean(torch::Tensor& t);
  /// In place: rank 0's values.
  Status broadcast(torch::Tensor& t);
  Status barrier();
  /// "gloo", "nccl" or "none".
  std::string backend() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  DistEnv env_;
};

}  // namespace stamp::core::engine
