// Helpers of the fusion rules: reading per-channel constants, building float constants.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "optimizer/rewrite.h"

namespace onyx::opt::fusion {

// `c` broadcast against an [N, M, spatial...] tensor of rank `out_rank` varies at most along
// axis 1: fills `out` with its M per-channel values (a scalar repeats). False otherwise or for
// non-float types.
bool per_channel(const Tensor& c, int64_t out_rank, int64_t M, std::vector<double>& out);

// Index of the live ai.onnx node of op `op` producing `v` when `v` has that one reader (the
// node a fusion may absorb), else -1.
int sole_producer(RewriteContext& ctx, const std::string& v, const char* op);

// Adds the onyx domain (version 1) to the model's opset imports, for the fused ops.
void import_onyx_domain(RewriteContext& ctx);

// Turns node i into the fused op `fused_op` of the onyx domain (keeping its inputs and
// attributes) unless it already is one, makes `out` its only output and lets `edit` add to it.
void fuse_into(RewriteContext& ctx, int i, const char* fused_op, const std::string& out,
               const std::function<void(ir::Node&)>& edit);

// The `activation` / `activation_params` a matrix-product fusion gives node `act` (Relu,
// LeakyRelu, Sigmoid, Tanh, onyx Gelu in either form); false for other nodes.
bool matmul_activation(const ir::Node& act, std::string& name, std::vector<float>& params);

// A tensor of element type `dtype` (a float type) holding `values`.
Tensor from_doubles(const std::vector<double>& values, DataType dtype, Shape shape);

}  // namespace onyx::opt::fusion
