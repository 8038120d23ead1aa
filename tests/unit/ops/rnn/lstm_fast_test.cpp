// The float LSTM fast path (packed R, fused cell with vectorized sigmoid / tanh, directions in
// parallel) against the plain ONNX formulas evaluated here in double: random weights, every
// direction, sequence lengths, initial states, peepholes, clip, input_forget, batch sizes and
// hidden sizes that leave kernel tails, R as a graph input (packed per run) and as a constant
// (packed at load).
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
  int64_t seq = 4, batch = 1, input = 3, hidden = 5;
  std::string direction = "forward";
  bool lens = false, initial = false, peepholes = false, input_forget = false;
  float clip = 0;
  int64_t layout = 0;
};

struct Inputs {
  std::vector<float> x, w, r, b, h0, c0, p;
  std::vector<int32_t> lens;
};

// The expected Y [seq, dirs, batch, H] (time-major), Y_h and Y_c [dirs, batch, H].
struct Expected {
  std::vector<double> y, yh, yc;
};

Expected reference(const Case& c, const Inputs& in) {
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden;
  const int D = c.direction == "bidirectional" ? 2 : 1;
  Expected e;
  e.y.assign(static_cast<size_t>(S * D * B * H), 0.0);
  e.yh.assign(static_cast<size_t>(D * B * H), 0.0);
  e.yc = e.yh;
  const auto cl = [&](double v) { return c.clip > 0 ? std::clamp(v, -double{c.clip}, double{c.clip}) : v; };
  for (int d = 0; d < D; ++d) {
    const bool reverse = c.direction == "reverse" || d == 1;
    for (int64_t b = 0; b < B; ++b) {
      const int64_t len = c.lens ? in.lens[static_cast<size_t>(b)] : S;
      std::vector<double> h(static_cast<size_t>(H), 0.0), cs(static_cast<size_t>(H), 0.0);
      if (c.initial) {
        for (int64_t j = 0; j < H; ++j) {
          h[j] = in.h0[(d * B + b) * H + j];
          cs[j] = in.c0[(d * B + b) * H + j];
        }
      }
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reverse ? len - 1 - s : s;
        std::vector<double> g(static_cast<size_t>(4 * H));
        for (int64_t q = 0; q < 4 * H; ++q) {
          double v = in.b[d * 8 * H + q] + in.b[d * 8 * H + 4 * H + q];
          for (int64_t k = 0; k < I; ++k) v += double{in.w[(d * 4 * H + q) * I + k]} * in.x[(t * B + b) * I + k];
          for (int64_t k = 0; k < H; ++k) v += double{in.r[(d * 4 * H + q) * H + k]} * h[k];
          g[q] = v;
        }
        for (int64_t j = 0; j < H; ++j) {
          const double pi = c.peepholes ? in.p[d * 3 * H + j] : 0, po = c.peepholes ? in.p[d * 3 * H + H + j] : 0,
                       pf = c.peepholes ? in.p[d * 3 * H + 2 * H + j] : 0;
          const double ig = sigm(cl(g[j] + pi * cs[j]));
          const double fg = c.input_forget ? 1 - ig : sigm(cl(g[2 * H + j] + pf * cs[j]));
          const double cc = std::tanh(cl(g[3 * H + j]));
          cs[j] = fg * cs[j] + ig * cc;
          const double og = sigm(cl(g[H + j] + po * cs[j]));
          h[j] = og * std::tanh(cs[j]);
        }
        for (int64_t j = 0; j < H; ++j) e.y[((t * D + d) * B + b) * H + j] = h[j];
      }
      for (int64_t j = 0; j < H; ++j) {
        e.yh[(d * B + b) * H + j] = h[j];
        e.yc[(d * B + b) * H + j] = cs[j];
      }
    }
  }
  return e;
}

void expect_close(const Tensor& t, const std::vector<double>& want, const std::string& what) {
  test::expect_close_to(t.data<float>(), static_cast<size_t>(t.numel()), want, what);
}

void check(const Case& c, std::mt19937& rng) {
  const int64_t S = c.seq, B = c.batch, I = c.input, H = c.hidden;
  const int D = c.direction == "bidirectional" ? 2 : 1;
  Inputs in;
  in.x = uniform(rng, static_cast<size_t>(S * B * I), 1.5f);
  in.w = uniform(rng, static_cast<size_t>(D * 4 * H * I), 0.8f);
  in.r = uniform(rng, static_cast<size_t>(D * 4 * H * H), 0.8f);
  in.b = uniform(rng, static_cast<size_t>(D * 8 * H), 0.5f);
  in.h0 = uniform(rng, static_cast<size_t>(D * B * H), 1.0f);
  in.c0 = uniform(rng, static_cast<size_t>(D * B * H), 1.0f);
  in.p = uniform(rng, static_cast<size_t>(D * 3 * H), 0.5f);
  for (int64_t b = 0; b < B; ++b) in.lens.push_back(static_cast<int32_t>(rng() % (S + 1)));
  const Expected e = reference(c, in);

  const bool bm = c.layout == 1;
  std::vector<Value> inputs = {
      Value(make<float>(bm ? swap01(in.x, S, B, I) : in.x, bm ? Shape{B, S, I} : Shape{S, B, I})),
      Value(make<float>(in.w, {D, 4 * H, I})), Value(make<float>(in.r, {D, 4 * H, H})),
      Value(make<float>(in.b, {D, 8 * H})),
      c.lens ? Value(make<int32_t>(in.lens, {B})) : Value(),
      c.initial ? Value(make<float>(bm ? swap01(in.h0, D, B, H) : in.h0, bm ? Shape{B, D, H} : Shape{D, B, H}))
                : Value(),
      c.initial ? Value(make<float>(bm ? swap01(in.c0, D, B, H) : in.c0, bm ? Shape{B, D, H} : Shape{D, B, H}))
                : Value(),
      c.peepholes ? Value(make<float>(in.p, {D, 3 * H})) : Value()};
  while (inputs.back().is_none()) inputs.pop_back();
  std::vector<ir::Attribute> attrs = {attr_int("hidden_size", H), attr_string("direction", c.direction),
                                      attr_int("layout", c.layout)};
  if (c.clip > 0) attrs.push_back(attr_float("clip", c.clip));
  if (c.input_forget) attrs.push_back(attr_int("input_forget", 1));
  test::NodeSpec spec{"LSTM", 14, inputs, attrs, 3, ""};
  for (const RunConfig& config : {RunConfig{1, {}}, RunConfig{2, {1, 2, 3}}}) {
    auto r = test::run_node(spec, config);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    const std::string what = c.direction + " batch " + std::to_string(B) + " hidden " + std::to_string(H) +
                             " threads " + std::to_string(config.threads);
    // Batch-major outputs back to time-major for the comparison.
    const Tensor& y = (*r)[0].tensor();
    if (bm) {
      std::vector<float> yv(y.data<float>(), y.data<float>() + y.numel());
      expect_close(make<float>(swap01(yv, B, S * D, H), {S, D, B, H}), e.y, what + " Y");
      std::vector<float> hv((*r)[1].tensor().data<float>(), (*r)[1].tensor().data<float>() + D * B * H);
      std::vector<float> cv((*r)[2].tensor().data<float>(), (*r)[2].tensor().data<float>() + D * B * H);
      expect_close(make<float>(swap01(hv, B, D, H), {D, B, H}), e.yh, what + " Y_h");
      expect_close(make<float>(swap01(cv, B, D, H), {D, B, H}), e.yc, what + " Y_c");
    } else {
      expect_close(y, e.y, what + " Y");
      expect_close((*r)[1].tensor(), e.yh, what + " Y_h");
      expect_close((*r)[2].tensor(), e.yc, what + " Y_c");
    }
  }
}

// Every test runs once per ISA copy of the fast path.
class LstmFastIsa : public test::IsaCapTest {};
ONYX_INSTANTIATE_ISAS(LstmFastIsa);

// Hidden 320: at two threads and one or two batch rows the threads share each step's product,
// a range of R's panels each, one direction after the other (the check runs 1 and 2 threads).
TEST_P(LstmFastIsa, WideHiddenSharesEachStepAmongThreads) {
  std::mt19937 rng(11);
  test::for_each_shared_step_case<Case>(320, [&](const Case& c) { check(c, rng); });
}

TEST_P(LstmFastIsa, MatchesFormulaEveryDirectionAndBatch) {
  std::mt19937 rng(3);
  for (const std::string dir : {"forward", "reverse", "bidirectional"}) {
    for (int64_t batch : {1, 2, 3, 5, 8}) {
      for (int64_t hidden : {5, 16, 19, 40}) {
        Case c;
        c.direction = dir;
        c.batch = batch;
        c.hidden = hidden;
        c.seq = 6;
        check(c, rng);
      }
    }
  }
}

TEST_P(LstmFastIsa, SequenceLensStatesPeepholesClipInputForgetLayout) {
  std::mt19937 rng(5);
  for (const std::string dir : {"forward", "reverse", "bidirectional"}) {
    Case c;
    c.direction = dir;
    c.batch = 5;
    c.hidden = 24;
    c.seq = 7;
    c.lens = c.initial = true;
    check(c, rng);
    c.peepholes = true;
    c.clip = 0.7f;
    check(c, rng);
    c.input_forget = true;
    c.layout = 1;
    check(c, rng);
  }
}

// The packed product alone against a double reference: panel counts odd and even, partial
// last panels, hidden sizes that leave the k loop a tail, batches past one 8-row pass, both
// panel orders, row strides wider than the rows.
TEST_P(LstmFastIsa, PackedRecurrenceMatchesReference) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int64_t hidden : {1, 5, 16, 19, 256}) {
    for (int64_t gh : {7, 16, 40, 48, 76, 1024}) {
      std::vector<float> r(static_cast<size_t>(gh * hidden));
      for (float& v : r) v = u(rng);
      rnn::PackedRecurrence pack;
      pack.pack(r.data(), gh, hidden);
      for (int64_t batch : {1, 2, 7, 8, 9, 11, 17}) {
        const int64_t ldh = hidden + 3, ldo = gh + 5;
        std::vector<float> h(static_cast<size_t>(batch * ldh));
        for (float& v : h) v = u(rng);
        for (bool backward : {false, true}) {
          std::vector<float> out(static_cast<size_t>(batch * ldo), 123.f);
          pack.multiply(h.data(), batch, ldh, out.data(), ldo, backward);
          for (int64_t b = 0; b < batch; ++b) {
            for (int64_t c = 0; c < ldo; ++c) {
              const float got = out[static_cast<size_t>(b * ldo + c)];
              if (c >= gh) {
                ASSERT_EQ(got, 123.f) << "wrote past the row: hidden " << hidden << " gh " << gh << " batch " << batch;
                continue;
              }
              double want = 0;
              for (int64_t k = 0; k < hidden; ++k) want += double{r[c * hidden + k]} * h[b * ldh + k];
              ASSERT_NEAR(got, want, 1e-5 * hidden) << "hidden " << hidden << " gh " << gh << " batch " << batch
                                                     << " row " << b << " col " << c << " backward " << backward;
            }
          }
        }
      }
    }
  }
}

TEST_P(LstmFastIsa, SigmoidAndTanhMatchLibm) {
  std::vector<float> v;
  for (float x = -30.f; x <= 30.f; x += 0.0137f) v.push_back(x);
  for (float x : {0.f, -0.f, 1e-8f, -1e-8f, 0.6249f, 0.625f, 0.6251f, 88.f, -88.f, 100.f, -100.f}) v.push_back(x);
  std::vector<float> s = v, t = v;
  rnn::sigmoid_inplace(s.data(), static_cast<int64_t>(s.size()));
  rnn::tanh_inplace(t.data(), static_cast<int64_t>(t.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    const double ws = 1 / (1 + std::exp(-double{v[i]})), wt = std::tanh(double{v[i]});
    EXPECT_NEAR(s[i], ws, 1e-6 * ws + 1e-38) << "sigmoid(" << v[i] << ")";
    EXPECT_NEAR(t[i], wt, 1e-6 * std::abs(wt) + 1e-30) << "tanh(" << v[i] << ")";
  }
  std::vector<float> nan = {std::nanf(""), std::nanf(""), 0, 0, 0, 0, 0, 0};
  rnn::tanh_inplace(nan.data(), 8);
  rnn::sigmoid_inplace(nan.data() + 1, 7);
  EXPECT_TRUE(std::isnan(nan[0]));
  EXPECT_TRUE(std::isnan(nan[1]));
}

}  // namespace
}  // namespace onyx
