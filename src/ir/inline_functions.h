// Model-local functions (FunctionProto) expanded in place: every node calling one is replaced by
// a copy of the function's body, so the executor and the optimizer only ever see plain ops.
#pragma once

#include "core/status.h"
#include "ir/graph.h"

namespace onyx::ir {

// Replaces calls of model.functions in model.graph and in every subgraph, recursively (a function
// may call another). Value names inside an expanded body get a unique prefix; the call's inputs and
// outputs take the place of the function's formal ones; attributes that refer to the caller's
// (ref_attr_name) take the caller's value, else the function's default, else are left out.
// Fails on a call with more inputs or outputs than the function declares and on recursion.
Status inline_functions(Model& model);

}  // namespace onyx::ir
