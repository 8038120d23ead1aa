// Helpers shared by the LSTM and GRU fast-path tests: random weights, the batch-major <->
// time-major shuffle, the comparison against the double-precision formulas, and the fixture
// that runs a test once per ISA copy of the fast path.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ops/rnn/lstm_fast.h"

namespace onyx::test {

// A test per ISA copy of the fast path (portable, AVX2, AVX-512; a copy the CPU lacks falls
// back to the next narrower one): derive a suite's fixture from it and instantiate it with
// ONYX_INSTANTIATE_ISAS.
class IsaCapTest : public ::testing::TestWithParam<rnn::Isa> {
 protected:
  void SetUp() override { old_ = rnn::set_isa_cap_for_tests(GetParam()); }
  void TearDown() override { rnn::set_isa_cap_for_tests(old_); }

 private:
  rnn::Isa old_ = rnn::Isa::kAvx512;
};

inline std::string isa_name(const ::testing::TestParamInfo<rnn::Isa>& info) {
  switch (info.param) {
    case rnn::Isa::kPortable: return "Portable";
    case rnn::Isa::kAvx2: return "Avx2";
    default: return "Avx512";
  }
}

#define ONYX_INSTANTIATE_ISAS(fixture)                                                                  \
  INSTANTIATE_TEST_SUITE_P(Isas, fixture,                                                             \
                           ::testing::Values(rnn::Isa::kPortable, rnn::Isa::kAvx2, rnn::Isa::kAvx512), \
                           test::isa_name)

inline double sigm(double v) { return 1 / (1 + std::exp(-v)); }

inline std::vector<float> uniform(std::mt19937& rng, size_t n, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& e : v) e = u(rng);
  return v;
}

// [n1, n2, H] -> [n2, n1, H]
inline std::vector<float> swap01(const std::vector<float>& v, int64_t n1, int64_t n2, int64_t H) {
  std::vector<float> out(v.size());
  for (int64_t i = 0; i < n1; ++i) {
    for (int64_t j = 0; j < n2; ++j) std::copy_n(v.data() + (i * n2 + j) * H, H, out.data() + (j * n1 + i) * H);
  }
  return out;
}

inline void expect_close_to(const float* got, size_t n, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(n, want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 2e-5 * (1 + std::abs(want[i]))) << what << " at " << i;
  }
}

// Every direction, one and two batch rows, full sequences and sequence lengths with initial
// state, at `hidden`: with one direction's R over 1.5 MB, two threads share each step's product
// there (split_directions in recurrent.cpp).
template <typename Case, typename Check>
void for_each_shared_step_case(int64_t hidden, const Check& check) {
  for (const std::string dir : {"forward", "reverse", "bidirectional"}) {
    for (int64_t batch : {1, 2}) {
      for (const bool partial : {false, true}) {
        Case c;
        c.direction = dir;
        c.batch = batch;
        c.hidden = hidden;
        c.seq = 4;
        c.lens = c.initial = partial;
        check(c);
      }
    }
  }
}

}  // namespace onyx::test
