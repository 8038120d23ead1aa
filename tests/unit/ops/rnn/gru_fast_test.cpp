// The float GRU fast path (linear_before_reset = 1, as PyTorch exports GRU: packed R, fused
// cell with vectorized sigmoid / tanh, directions in parallel) against the ONNX formulas
// evaluated here in double: random weights, every direction, sequence lengths, initial state,
// clip, batch-major layout, batch and hidden sizes that leave kernel tails, R as a graph input
// (packed per run) and as a constant (packed at load). linear_before_reset = 0 keeps the
// reference path and is checked against the same formulas.
#include <cmath>
#include <random>

#include "ops/rnn/lstm_fast.h"
#include "recurrent_test_util.h"
#include "test_util.h"

namespace onyx {
namespace {

using test::attr_float;
using test::attr_int;
using test::attr_string;
using test::make;
using test::RunConfig;
using test::sigm;
using test::swap01;
using test::uniform;

struct Case {
  int64_t seq = 5, batch = 1, input = 3, hidden = 5;
  std::string direction = "forward";
  bool lens = false, initial = false, linear_before_reset = true;
  float clip = 0;
  int64_t layout = 0;
};

struct Inputs {
  std::vector<float> x, w, r, b, h0;
  std::vector<int32_t> lens;
};

// Y [seq, dirs, batch, H] (time-major) followed by Y_h [dirs, batch, H].
std::pair<std::vector<double>, std::vector<double>> reference(const Case& c, const Inputs& in) {
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden, GH = 3 * H;
  const int D = c.direction == "bidirectional" ? 2 : 1;
  std::vector<double> y(static_cast<size_t>(S * D * B * H), 0.0), yh(static_cast<size_t>(D * B * H), 0.0);
  const auto cl = [&](double v) { return c.clip > 0 ? std::clamp(v, -double{c.clip}, double{c.clip}) : v; };
  for (int d = 0; d < D; ++d) {
    const bool reverse = c.direction == "reverse" || d == 1;
    const float* wb = in.b.data() + d * 2 * GH;
    const float* rb = wb + GH;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t len = c.lens ? in.lens[static_cast<size_t>(b)] : S;
      std::vector<double> h(static_cast<size_t>(H), 0.0);
      if (c.initial) {
        for (int64_t j = 0; j < H; ++j) h[j] = in.h0[(d * B + b) * H + j];
      }
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reverse ? len - 1 - s : s;
        std::vector<double> xg(static_cast<size_t>(GH)), hg(static_cast<size_t>(GH));
        for (int64_t q = 0; q < GH; ++q) {
          double xv = wb[q], hv = rb[q];
          for (int64_t k = 0; k < I; ++k) xv += double{in.w[(d * GH + q) * I + k]} * in.x[(t * B + b) * I + k];
          for (int64_t k = 0; k < H; ++k) hv += double{in.r[(d * GH + q) * H + k]} * h[k];
          xg[q] = xv;
          hg[q] = hv;
        }
        std::vector<double> next(static_cast<size_t>(H)), r(static_cast<size_t>(H));
        for (int64_t j = 0; j < H; ++j) r[j] = sigm(cl(xg[H + j] + hg[H + j]));
        for (int64_t j = 0; j < H; ++j) {
          const double z = sigm(cl(xg[j] + hg[j]));
          double hh;
          if (c.linear_before_reset) {
            hh = r[j] * hg[2 * H + j];  // r (h Rh^T + Rbh)
          } else {  // (r h) Rh^T + Rbh
            hh = rb[2 * H + j];
            for (int64_t k = 0; k < H; ++k) hh += double{in.r[(d * GH + 2 * H + j) * H + k]} * r[k] * h[k];
          }
          const double n = std::tanh(cl(xg[2 * H + j] + hh));
          next[j] = (1 - z) * n + z * h[j];
        }
        h = next;
        for (int64_t j = 0; j < H; ++j) y[((t * D + d) * B + b) * H + j] = h[j];
      }
      for (int64_t j = 0; j < H; ++j) yh[(d * B + b) * H + j] = h[j];
    }
  }
  return {y, yh};
}

void check(const Case& c, std::mt19937& rng) {
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden;
  const int D = c.direction == "bidirectional" ? 2 : 1;
  Inputs in;
  in.x = uniform(rng, static_cast<size_t>(S * B * I), 1.5f);
  in.w = uniform(rng, static_cast<size_t>(D * 3 * H * I), 0.8f);
  in.r = uniform(rng, static_cast<size_t>(D * 3 * H * H), 0.8f);
  in.b = uniform(rng, static_cast<size_t>(D * 6 * H), 0.5f);
  in.h0 = uniform(rng, static_cast<size_t>(D * B * H), 1.0f);
  for (int64_t b = 0; b < B; ++b) in.lens.push_back(static_cast<int32_t>(rng() % (S + 1)));
  const auto [want_y, want_h] = reference(c, in);

  const bool bm = c.layout == 1;
  std::vector<Value> inputs = {
      Value(make<float>(bm ? swap01(in.x, S, B, I) : in.x, bm ? Shape{B, S, I} : Shape{S, B, I})),
      Value(make<float>(in.w, {D, 3 * H, I})), Value(make<float>(in.r, {D, 3 * H, H})),
      Value(make<float>(in.b, {D, 6 * H})),
      c.lens ? Value(make<int32_t>(in.lens, {B})) : Value(),
      c.initial ? Value(make<float>(bm ? swap01(in.h0, D, B, H) : in.h0, bm ? Shape{B, D, H} : Shape{D, B, H}))
                : Value()};
  while (inputs.back().is_none()) inputs.pop_back();
  std::vector<ir::Attribute> attrs = {attr_int("hidden_size", H), attr_string("direction", c.direction),
                                      attr_int("layout", c.layout),
                                      attr_int("linear_before_reset", c.linear_before_reset ? 1 : 0)};
  if (c.clip > 0) attrs.push_back(attr_float("clip", c.clip));
  test::NodeSpec spec{"GRU", 14, inputs, attrs, 2, ""};
  for (const RunConfig& config : {RunConfig{1, {}}, RunConfig{2, {1, 2, 3}}}) {
    auto r = test::run_node(spec, config);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    const std::string what = c.direction + " batch " + std::to_string(B) + " hidden " + std::to_string(H) +
                             " threads " + std::to_string(config.threads) +
                             (c.linear_before_reset ? "" : " linear_before_reset 0");
    const Tensor& y = (*r)[0].tensor();
    const Tensor& yh = (*r)[1].tensor();
    std::vector<float> yv(y.data<float>(), y.data<float>() + y.numel());
    std::vector<float> hv(yh.data<float>(), yh.data<float>() + yh.numel());
    if (bm) {  // batch-major outputs back to time-major
      yv = swap01(yv, B, S * D, H);
      hv = swap01(hv, B, D, H);
    }
    test::expect_close_to(yv.data(), yv.size(), want_y, what + " Y");
    test::expect_close_to(hv.data(), hv.size(), want_h, what + " Y_h");
  }
}

// Every test runs once per ISA copy of the fast path.
class GruFastIsa : public test::IsaCapTest {};
ONYX_INSTANTIATE_ISAS(GruFastIsa);

// Hidden 384: at two threads and one or two batch rows the threads share each step's product,
// a range of R's panels each, one direction after the other (the check runs 1 and 2 threads).
TEST_P(GruFastIsa, WideHiddenSharesEachStepAmongThreads) {
  std::mt19937 rng(13);
  test::for_each_shared_step_case<Case>(384, [&](const Case& c) { check(c, rng); });
}

TEST_P(GruFastIsa, MatchesFormulaEveryDirectionAndBatch) {
  std::mt19937 rng(7);
  for (const std::string dir : {"forward", "reverse", "bidirectional"}) {
    for (int64_t batch : {1, 2, 3, 5, 8}) {
      for (int64_t hidden : {5, 16, 19, 40}) {
        Case c;
        c.direction = dir;
        c.batch = batch;
        c.hidden = hidden;
        check(c, rng);
      }
    }
  }
}

TEST_P(GruFastIsa, SequenceLensStateClipLayoutAndTheReferencePath) {
  std::mt19937 rng(9);
  for (const std::string dir : {"forward", "reverse", "bidirectional"}) {
    Case c;
    c.direction = dir;
    c.batch = 5;
    c.hidden = 24;
    c.seq = 7;
    c.lens = c.initial = true;
    check(c, rng);
    c.clip = 0.7f;
    c.layout = 1;
    check(c, rng);
    c.linear_before_reset = false;
    check(c, rng);
  }
}

}  // namespace
}  // namespace onyx
