// Precompiled header for stamp_core: LibTorch costs ~15 s per TU without it.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>
