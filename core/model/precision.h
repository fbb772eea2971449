#pragma once
/// Numeric precision of a forward pass: plain fp32, or autocast to bf16 / fp16 (mixed
/// precision: matrix products in the lower type, softmax, norms and losses in fp32, as PyTorch's
/// `torch.autocast` does). Torch-free so that option structs and dialogs can hold it.
#include <string>

#include "common/result.h"

namespace stamp::core::model {

enum class Precision { Fp32, Bf16, Fp16 };

/// "fp32", "bf16" or "fp16" (also "float32", "bfloat16", "float16"); InvalidArgument otherwise.
Result<Precision> parsePrecision(const std::string& name);
const char* precisionName(Precision p);

/// Whether this processor computes bf16 products natively (x86-64 AVX512_BF16 or AMX-BF16).
/// Without, CPU bf16 autocast is emulated and slower than fp32.
bool cpuComputesBf16();

}  // namespace stamp::core::model
