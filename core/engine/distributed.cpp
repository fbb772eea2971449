#include "engine/distributed.h"

#include <cstdlib>

#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace stamp::core::engine {

namespace {

Result<std::optional<int>> envInt(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::optional<int>{};
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end || x < 0 || x > 1000000)
    return makeError(ErrorCode::InvalidArgument, std::string("environment variable ") + name + "=\"" + v + "\" is not a valid number");
  return std::optional<int>(int(x));
}

}  // namespace

Result<DistEnv> distEnvFromEnvironment() {
  DistEnv e;
  STAMP_ASSIGN(auto rank, envInt("RANK"));
  STAMP_ASSIGN(auto world, envInt("WORLD_SIZE"));
  STAMP_ASSIGN(auto local, envInt("LOCAL_RANK"));
  if (!rank) { STAMP_ASSIGN(rank, envInt("SLURM_PROCID")); }
  if (!world) { STAMP_ASSIGN(world, envInt("SLURM_NTASKS")); }
  if (!local) { STAMP_ASSIGN(local, envInt("SLURM_LOCALID")); }
  e.rank = rank.value_or(0);
  e.worldSize = world.value_or(1);
  e.localRank = local.value_or(0);
  if (e.worldSize < 1) return makeError(ErrorCode::InvalidArgument, "WORLD_SIZE must be at least 1");
  if (e.rank >= e.worldSize)
    return makeError(ErrorCode::InvalidArgument, "RANK " + std::to_string(e.rank) + " is not below WORLD_SIZE " + std::to_string(e.worldSize));
  if (const char* a = std::getenv("MASTER_ADDR"); a && *a) e.masterAddr = a;
  STAMP_ASSIGN(auto port, envInt("MASTER_PORT"));
  if (port) {
    if (*port < 1 || *port > 65535) return makeError(ErrorCode::InvalidArgument, "MASTER_PORT must be in 1..65535");
    e.masterPort = *port;
  }
  return e;
}

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::string backend = "none";
};

Communicator::Communicator() : impl_(std::make_unique<Impl>()) {}
Communicator::~Communicator() = default;

Result<std::unique_ptr<Communicator>> Communicator::connect(const DistEnv& env, const std::string& device) {
  auto c = std::make_unique<Communicator>();
  c->env_ = env;
  if (!env.distributed()) return c;
  try {
    c10d::TCPStoreOptions so;
    so.port = std::uint16_t(env.masterPort);
    so.isServer = env.rank == 0;
    so.numWorkers = std::size_t(env.worldSize);
    so.timeout = std::chrono::minutes(5);
    c->impl_->store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, so);
    if (device.rfind("cuda", 0) == 0) {
#ifdef USE_C10D_NCCL
      c->impl_->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(c->impl_->store, env.rank, env.worldSize);
      c->impl_->backend = "nccl";
#else
      return makeError(ErrorCode::Unsupported, "this build has no NCCL: multi-process CUDA training needs a CUDA build");
#endif
    } else {
#ifndef USE_C10D_GLOO
      return makeError(ErrorCode::Unsupported, "this build has no Gloo: multi-process CPU training is unavailable");
#else
      auto opts = c10d::ProcessGroupGloo::Options::create(std::chrono::minutes(30));
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(env.masterAddr == "localhost" ? "127.0.0.1" : env.masterAddr));
      c->impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(c->impl_->store, env.rank, env.worldSize, opts);
      c->impl_->backend = "gloo";
#endif
    }
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Io, std::string("could not join the process group at ") + env.masterAddr + ":" +
                                        std::to_string(env.masterPort) + ": " + e.what());
  }
  return c;
}

Status Communicator::allReduceMean(torch::Tensor& t) {
  if (!impl_->group) return {};
  try {
    std::vector<torch::Tensor> v{t};
    impl_->group->allreduce(v)->wait();
    t.div_(env_.worldSize);
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Io, std::string("all-reduce failed: ") + e.what());
  }
  return {};
}

Status Communicator::broadcast(torch::Tensor& t) {
  if (!impl_->group) return {};
  try {
    std::vector<torch::Tensor> v{t};
    impl_->group->broadcast(v)->wait();
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Io, std::string("broadcast failed: ") + e.what());
  }
  return {};
}

Status Communicator::barrier() {
  if (!impl_->group) return {};
  try {
    impl_->group->barrier()->wait();
  } catch (const std::exception& e) {
    return makeError(ErrorCode::Io, std::string("barrier failed: ") + e.what());
  }
  return {};
}

std::string Communicator::backend() const { return impl_->backend; }

}  // namespace stamp::core::engine
