// MaxPool / AveragePool / LpPool / Global*Pool: hand values, a naive reference over odd shapes
// (pads, strides, dilations, ceil_mode, count_include_pad), Indices with both storage orders,
// integer and 16-bit dtypes, and error cases.
#include <cmath>
#include <limits>
#include <random>

#include "test_util.h"

namespace onyx::test {
namespace {

NodeSpec spec(const std::string& op, int opset, std::vector<Value> inputs,
              std::vector<ir::Attribute> attributes = {}, int num_outputs = 1) {
  NodeSpec s;
  s.op = op;
  s.opset = opset;
  s.inputs = std::move(inputs);
  s.attributes = std::move(attributes);
  s.num_outputs = num_outputs;
  return s;
}

std::vector<float> random_floats(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(gen);
  return v;
}

int64_t prod(const Shape& s) {
  int64_t p = 1;
  for (int64_t d : s) p *= d;
  return p;
}

template <typename F>
void for_all(const Shape& dims, F&& f) {
  std::vector<int64_t> idx(dims.size(), 0);
  const int64_t n = prod(dims);
  for (int64_t i = 0; i < n; ++i) {
    f(idx);
    for (size_t d = dims.size(); d-- > 0;) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

struct PoolCase {
  Shape in, k, s, d, pb, pe;
  bool ceil = false;
};

Shape pool_out(const PoolCase& c) {
  Shape o;
  for (size_t i = 0; i < c.in.size(); ++i) {
    const int64_t span = c.in[i] + c.pb[i] + c.pe[i] - ((c.k[i] - 1) * c.d[i] + 1);
    int64_t v = (c.ceil ? (span + c.s[i] - 1) / c.s[i] : span / c.s[i]) + 1;
    if (c.ceil && (v - 1) * c.s[i] >= c.in[i] + c.pb[i]) --v;
    o.push_back(v);
  }
  return o;
}

// mode 0 max, 1 avg exclude pad, 2 avg include pad, 3 L2.
std::vector<float> pool_ref(const std::vector<float>& x, int64_t planes, const PoolCase& c,
                            int mode, std::vector<int64_t>* argmax = nullptr) {
  const Shape out = pool_out(c);
  const int64_t I = prod(c.in), O = prod(out);
  std::vector<float> y;
  for (int64_t p = 0; p < planes; ++p) {
    for_all(out, [&](const std::vector<int64_t>& o) {
      double acc = mode == 0 ? -INFINITY : 0.0;
      int64_t best = -1, valid = 0, padded = 1;
      for (size_t i = 0; i < o.size(); ++i) {
        int64_t cnt = 0;
        for (int64_t k = 0; k < c.k[i]; ++k) {
          const int64_t q = o[i] * c.s[i] - c.pb[i] + k * c.d[i];
          cnt += q >= -c.pb[i] && q < c.in[i] + c.pe[i];
        }
        padded *= cnt;
      }
      for_all(c.k, [&](const std::vector<int64_t>& k) {
        int64_t f = 0;
        for (size_t i = 0; i < o.size(); ++i) {
          const int64_t q = o[i] * c.s[i] - c.pb[i] + k[i] * c.d[i];
          if (q < 0 || q >= c.in[i]) return;
          f = f * c.in[i] + q;
        }
        const double v = x[p * I + f];
        ++valid;
        if (mode == 0) {
          if (v > acc) { acc = v; best = p * I + f; }
        } else if (mode == 3) {
          acc += v * v;
        } else {
          acc += v;
        }
      });
      if (mode == 1) acc /= valid;
      if (mode == 2) acc /= padded;
      if (mode == 3) acc = std::sqrt(acc);
      y.push_back(static_cast<float>(acc));
      if (argmax) argmax->push_back(best);
    });
  }
  (void)O;
  return y;
}

std::vector<ir::Attribute> pool_attrs(const PoolCase& c) {
  Shape pads = c.pb;
  pads.insert(pads.end(), c.pe.begin(), c.pe.end());
  return {attr_ints("kernel_shape", c.k), attr_ints("strides", c.s), attr_ints("pads", pads),
          attr_ints("dilations", c.d), attr_int("ceil_mode", c.ceil ? 1 : 0)};
}

void check_pools(const PoolCase& c, unsigned seed) {
  const int64_t N = 2, C = 3;
  Shape xs{N, C};
  xs.insert(xs.end(), c.in.begin(), c.in.end());
  Shape ys{N, C};
  const Shape out = pool_out(c);
  ys.insert(ys.end(), out.begin(), out.end());
  const auto x = random_floats(prod(xs), seed);
  std::vector<int64_t> argmax;
  const auto mx = pool_ref(x, N * C, c, 0, &argmax);
  auto r = run_node(spec("MaxPool", 12, {make<float>(x, xs)}, pool_attrs(c), 2));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  expect_tensor<float>((*r)[0].tensor(), mx, ys);
  expect_tensor<int64_t>((*r)[1].tensor(), argmax, ys);
  auto avg_attrs = pool_attrs(c);
  expect_tensor<float>(run_ok(spec("AveragePool", 19, {make<float>(x, xs)}, avg_attrs)),
                       pool_ref(x, N * C, c, 1), ys);
  avg_attrs.push_back(attr_int("count_include_pad", 1));
  expect_tensor<float>(run_ok(spec("AveragePool", 19, {make<float>(x, xs)}, avg_attrs)),
                       pool_ref(x, N * C, c, 2), ys);
  expect_tensor<float>(run_ok(spec("LpPool", 18, {make<float>(x, xs)}, pool_attrs(c))),
                       pool_ref(x, N * C, c, 3), ys);
}

TEST(NnPool, HandValues) {
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, {1, 1, 4, 4});
  expect_tensor<float>(run_ok(spec("MaxPool", 8, {x}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})})),
                       {6, 8, 14, 16}, {1, 1, 2, 2});
  expect_tensor<float>(run_ok(spec("AveragePool", 7, {x}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})})),
                       {3.5f, 5.5f, 11.5f, 13.5f}, {1, 1, 2, 2});
  // Pads 1 on a 3x3 kernel: corner averages 4 real values (exclude) vs 9 (include).
  const Tensor x3 = make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Tensor ex = run_ok(spec("AveragePool", 11, {x3}, {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1}),
                                                    attr_ints("strides", {2, 2})}));
  expect_tensor<float>(ex, {3, 4, 6, 7}, {1, 1, 2, 2});
  Tensor in = run_ok(spec("AveragePool", 11, {x3}, {attr_ints("kernel_shape", {3, 3}), attr_ints("pads", {1, 1, 1, 1}),
                                                    attr_ints("strides", {2, 2}), attr_int("count_include_pad", 1)}));
  expect_tensor<float>(in, {12.f / 9, 16.f / 9, 24.f / 9, 28.f / 9}, {1, 1, 2, 2});
  // L2 pool of [3, 4] = 5; p = 1 sums magnitudes.
  const Tensor v = make<float>({3, -4}, {1, 1, 2});
  expect_tensor<float>(run_ok(spec("LpPool", 11, {v}, {attr_ints("kernel_shape", {2})})), {5}, {1, 1, 1});
  expect_tensor<float>(run_ok(spec("LpPool", 11, {v}, {attr_ints("kernel_shape", {2}), attr_int("p", 1)})), {7}, {1, 1, 1});
  expect_tensor<float>(run_ok(spec("LpPool", 1, {v}, {attr_ints("kernel_shape", {2}), attr_float("p", 3.f)})),
                       {std::cbrt(91.f)}, {1, 1, 1});
}

TEST(NnPool, AgainstReference) {
  check_pools({{9}, {3}, {2}, {1}, {1}, {0}}, 1);
  check_pools({{7, 8}, {3, 2}, {2, 3}, {1, 1}, {1, 0}, {1, 1}}, 2);
  check_pools({{7, 8}, {3, 2}, {2, 3}, {1, 1}, {1, 0}, {1, 1}, true}, 3);  // ceil_mode
  check_pools({{8, 9}, {2, 3}, {1, 2}, {2, 2}, {0, 1}, {1, 0}}, 4);       // dilations
  check_pools({{6, 6}, {3, 3}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, true}, 5);  // last window on pad
  check_pools({{4, 5, 6}, {2, 3, 2}, {2, 1, 2}, {1, 1, 2}, {1, 0, 1}, {0, 1, 1}, true}, 6);
}

TEST(NnPool, AutoPadAndIndicesStorageOrder) {
  const Tensor x = make<float>({1, 9, 3, 4, 5, 6}, {1, 1, 2, 3});
  // SAME_UPPER, k 2x2, stride 1: pads end by 1 -> out 2x3.
  expect_tensor<float>(run_ok(spec("MaxPool", 11, {x}, {attr_ints("kernel_shape", {2, 2}), attr_string("auto_pad", "SAME_UPPER")})),
                       {9, 9, 6, 5, 6, 6}, {1, 1, 2, 3});
  expect_tensor<float>(run_ok(spec("MaxPool", 11, {x}, {attr_ints("kernel_shape", {2, 2}), attr_string("auto_pad", "SAME_LOWER")})),
                       {1, 9, 9, 4, 9, 9}, {1, 1, 2, 3});
  expect_tensor<float>(run_ok(spec("MaxPool", 11, {x}, {attr_ints("kernel_shape", {2, 2}), attr_string("auto_pad", "VALID")})),
                       {9, 9}, {1, 1, 1, 2});
  // Indices: row-major 1 (9 at [0,1]); column-major index of [0,1] in a 2x3 plane is 0 + 1*2 = 2.
  // The second plane is offset by the plane size (6).
  const Tensor x2 = make<float>({1, 9, 3, 4, 5, 6, 1, 1, 1, 1, 1, 7}, {1, 2, 2, 3});
  auto r0 = run_node(spec("MaxPool", 12, {x2}, {attr_ints("kernel_shape", {2, 3})}, 2));
  ASSERT_TRUE(r0.ok());
  expect_tensor<int64_t>((*r0)[1].tensor(), {1, 11}, {1, 2, 1, 1});
  auto r1 = run_node(spec("MaxPool", 12, {x2}, {attr_ints("kernel_shape", {2, 3}), attr_int("storage_order", 1)}, 2));
  ASSERT_TRUE(r1.ok());
  expect_tensor<int64_t>((*r1)[1].tensor(), {2, 11}, {1, 2, 1, 1});
}

TEST(NnPool, DtypesAndEmpty) {
  expect_tensor<int8_t>(run_ok(spec("MaxPool", 12, {make<int8_t>({-5, -128, -3, -7}, {1, 1, 4})}, {attr_ints("kernel_shape", {2})})),
                        {-5, -3, -3}, {1, 1, 3});
  expect_tensor<uint8_t>(run_ok(spec("MaxPool", 12, {make<uint8_t>({250, 1, 255}, {1, 1, 3})}, {attr_ints("kernel_shape", {2})})),
                         {250, 255}, {1, 1, 2});
  expect_tensor<double>(run_ok(spec("AveragePool", 11, {make<double>({1, 2, 4}, {1, 1, 3})}, {attr_ints("kernel_shape", {3})})),
                        {7.0 / 3}, {1, 1, 1});
  expect_tensor<float16>(run_ok(spec("AveragePool", 11, {make<float16>({float16(1.f), float16(2.f)}, {1, 1, 2})},
                                     {attr_ints("kernel_shape", {2})})),
                         {float16(1.5f)}, {1, 1, 1});
  expect_tensor<bfloat16>(run_ok(spec("MaxPool", 22, {make<bfloat16>({bfloat16(1.f), bfloat16(2.f)}, {1, 1, 2})},
                                      {attr_ints("kernel_shape", {2})})),
                          {bfloat16(2.f)}, {1, 1, 1});
  expect_tensor<float>(run_ok(spec("MaxPool", 12, {Tensor(DataType::kFloat, {0, 3, 4, 4})}, {attr_ints("kernel_shape", {2, 2})})),
                       {}, {0, 3, 3, 3});
}

TEST(NnPool, Errors) {
  const Tensor x = make<float>(std::vector<float>(16), {1, 1, 4, 4});
  EXPECT_FALSE(run_node(spec("MaxPool", 12, {x})).ok());  // kernel_shape missing
  EXPECT_FALSE(run_node(spec("MaxPool", 12, {x}, {attr_ints("kernel_shape", {2})})).ok());
  EXPECT_FALSE(run_node(spec("MaxPool", 12, {x}, {attr_ints("kernel_shape", {5, 5})})).ok());
  EXPECT_FALSE(run_node(spec("MaxPool", 12, {x}, {attr_ints("kernel_shape", {2, 2}), attr_ints("pads", {1, 1})})).ok());
  EXPECT_FALSE(run_node(spec("MaxPool", 12, {x}, {attr_ints("kernel_shape", {2, 2}), attr_ints("pads", {-1, 0, 0, 0})})).ok());
  EXPECT_FALSE(run_node(spec("AveragePool", 11, {make<float>({1, 2}, {1, 2})}, {attr_ints("kernel_shape", {1})})).ok());
  EXPECT_FALSE(run_node(spec("AveragePool", 11, {make<int32_t>({1, 2}, {1, 1, 2})}, {attr_ints("kernel_shape", {1})})).ok());
  EXPECT_FALSE(run_node(spec("LpPool", 11, {x}, {attr_ints("kernel_shape", {2, 2}), attr_int("p", 0)})).ok());
  EXPECT_FALSE(run_node(spec("GlobalAveragePool", 1, {make<float>({1}, {1})})).ok());
}

TEST(NnGlobalPool, Values) {
  const Tensor x = make<float>({1, 2, 3, 4, -1, -2, -3, -4}, {1, 2, 2, 2});
  expect_tensor<float>(run_ok(spec("GlobalAveragePool", 1, {x})), {2.5f, -2.5f}, {1, 2, 1, 1});
  expect_tensor<float>(run_ok(spec("GlobalMaxPool", 1, {x})), {4, -1}, {1, 2, 1, 1});
  expect_tensor<float>(run_ok(spec("GlobalLpPool", 2, {x})), {std::sqrt(30.f), std::sqrt(30.f)}, {1, 2, 1, 1});
  expect_tensor<float>(run_ok(spec("GlobalLpPool", 2, {x}, {attr_int("p", 1)})), {10, 10}, {1, 2, 1, 1});
  expect_tensor<double>(run_ok(spec("GlobalAveragePool", 22, {make<double>({1, 2, 3}, {1, 1, 3})})), {2}, {1, 1, 1});
  expect_tensor<float16>(run_ok(spec("GlobalMaxPool", 1, {make<float16>({float16(1.f), float16(3.f)}, {1, 2})})),
                         {float16(1.f), float16(3.f)}, {1, 2});
  expect_tensor<float>(run_ok(spec("GlobalAveragePool", 1, {Tensor(DataType::kFloat, {0, 2, 3, 3})})), {}, {0, 2, 1, 1});
}

}  // namespace
}  // namespace onyx::test
