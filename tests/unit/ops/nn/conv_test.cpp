// Conv and ConvTranspose against naive reference loops: odd shapes, groups, depthwise with
// channel multipliers, asymmetric pads, strides, dilations, auto_pad, 1-D/2-D/3-D, dtypes,
// plus hand-computed values and error cases.
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

// run_node with a multi-threaded session, to exercise the parallel_for paths.
Tensor run_threaded(const NodeSpec& spec, int threads) {
  ir::Model model;
  model.ir_version = 8;
  model.opset_imports[""] = spec.opset;
  ir::Node node;
  node.name = "n0";
  node.op_type = spec.op;
  node.opset = spec.opset;
  node.attributes = spec.attributes;
  NamedValues feeds;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const std::string name = "x" + std::to_string(i);
    node.inputs.push_back(name);
    model.graph.inputs.push_back(ir::ValueInfo{name, {}, {}});
    feeds.emplace_back(name, spec.inputs[i]);
  }
  node.outputs.push_back("y0");
  model.graph.outputs.push_back(ir::ValueInfo{"y0", {}, {}});
  model.graph.nodes.push_back(std::move(node));
  SessionOptions options;
  options.intra_op_num_threads = threads;
  auto session = Session::create(std::move(model), options);
  EXPECT_TRUE(session.ok());
  if (!session.ok()) return Tensor();
  auto r = (*session)->run(feeds);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? (*r)[0].tensor() : Tensor();
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

// Conv geometry for the reference, spatial dims given in full rank r.
struct Geo {
  Shape in, k, s, d, pb, pe;
  Shape out() const {
    Shape o;
    for (size_t i = 0; i < in.size(); ++i) {
      o.push_back((in[i] + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1)) / s[i] + 1);
    }
    return o;
  }
};

// Iterates all multi-indices of `dims` (row-major).
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

int64_t flat(const std::vector<int64_t>& idx, const Shape& dims) {
  int64_t f = 0;
  for (size_t i = 0; i < dims.size(); ++i) f = f * dims[i] + idx[i];
  return f;
}

std::vector<float> conv_ref(const std::vector<float>& x, const std::vector<float>& w,
                            const std::vector<float>* b, int64_t N, int64_t C, int64_t M,
                            int64_t G, const Geo& g) {
  const Shape out = g.out();
  const int64_t O = prod(out), I = prod(g.in), K = prod(g.k), Cg = C / G, Mg = M / G;
  std::vector<float> y(static_cast<size_t>(N * M * O));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t m = 0; m < M; ++m) {
      const int64_t grp = m / Mg;
      for_all(out, [&](const std::vector<int64_t>& o) {
        double acc = b ? (*b)[m] : 0.0;
        for (int64_t c = 0; c < Cg; ++c) {
          for_all(g.k, [&](const std::vector<int64_t>& k) {
            std::vector<int64_t> p(o.size());
            for (size_t i = 0; i < o.size(); ++i) {
              p[i] = o[i] * g.s[i] - g.pb[i] + k[i] * g.d[i];
              if (p[i] < 0 || p[i] >= g.in[i]) return;
            }
            acc += double(x[(n * C + grp * Cg + c) * I + flat(p, g.in)]) *
                   w[(m * Cg + c) * K + flat(k, g.k)];
          });
        }
        y[(n * M + m) * O + flat(o, out)] = static_cast<float>(acc);
      });
    }
  }
  return y;
}

void check_conv(int64_t N, int64_t C, int64_t M, int64_t G, const Geo& g, bool bias,
                unsigned seed) {
  Shape xs{N, C}, ws{M, C / G};
  xs.insert(xs.end(), g.in.begin(), g.in.end());
  ws.insert(ws.end(), g.k.begin(), g.k.end());
  const auto x = random_floats(prod(xs), seed), w = random_floats(prod(ws), seed + 1);
  const auto bv = random_floats(M, seed + 2);
  Shape pads = g.pb;
  pads.insert(pads.end(), g.pe.begin(), g.pe.end());
  std::vector<Value> inputs{make<float>(x, xs), make<float>(w, ws)};
  if (bias) inputs.push_back(make<float>(bv, {M}));
  Tensor y = run_ok(spec("Conv", 11, inputs,
                         {attr_ints("strides", g.s), attr_ints("dilations", g.d),
                          attr_ints("pads", pads), attr_int("group", G),
                          attr_ints("kernel_shape", g.k)}));
  Shape ys{N, M};
  const Shape out = g.out();
  ys.insert(ys.end(), out.begin(), out.end());
  SCOPED_TRACE("conv N=" + std::to_string(N) + " C=" + std::to_string(C) + " M=" +
               std::to_string(M) + " G=" + std::to_string(G));
  expect_tensor<float>(y, conv_ref(x, w, bias ? &bv : nullptr, N, C, M, G, g), ys, 1e-4);
}

TEST(NnConv, Hand3x3WithPadding) {
  // The ONNX doc example: 5x5 input 0..24, 3x3 ones kernel, pads 1.
  std::vector<float> x(25);
  for (int i = 0; i < 25; ++i) x[i] = static_cast<float>(i);
  Tensor y = run_ok(spec("Conv", 11,
                         {make<float>(x, {1, 1, 5, 5}), make<float>(std::vector<float>(9, 1.f), {1, 1, 3, 3})},
                         {attr_ints("pads", {1, 1, 1, 1})}));
  expect_tensor<float>(y, {12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81,
                           93, 144, 153, 162, 111, 72, 111, 117, 123, 84},
                       {1, 1, 5, 5});
  // Stride 2, asymmetric pads (ONNX test_conv_with_strides_and_asymmetric_padding, 7x5 input).
  std::vector<float> x2(35);
  for (int i = 0; i < 35; ++i) x2[i] = static_cast<float>(i);
  Tensor y2 = run_ok(spec("Conv", 11,
                          {make<float>(x2, {1, 1, 7, 5}), make<float>(std::vector<float>(9, 1.f), {1, 1, 3, 3})},
                          {attr_ints("pads", {1, 0, 1, 0}), attr_ints("strides", {2, 2})}));
  expect_tensor<float>(y2, {21, 33, 99, 117, 189, 207, 171, 183}, {1, 1, 4, 2});
}

TEST(NnConv, TwoDimensionalAgainstReference) {
  // Plain, odd sizes, asymmetric pads, stride, dilation.
  check_conv(2, 3, 5, 1, {{7, 9}, {3, 2}, {2, 1}, {1, 2}, {1, 0}, {2, 1}}, true, 10);
  // Grouped (ResNeXt-like).
  check_conv(1, 6, 4, 2, {{5, 6}, {3, 3}, {1, 2}, {1, 1}, {1, 1}, {1, 1}}, true, 20);
  // Depthwise and depthwise with a channel multiplier of 2.
  check_conv(2, 4, 4, 4, {{6, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 0}, {0, 1}}, true, 30);
  check_conv(1, 3, 6, 3, {{5, 5}, {3, 2}, {1, 3}, {2, 1}, {2, 1}, {1, 2}}, false, 40);
  // Pointwise 1x1 (no im2col) and 1x1 with stride.
  check_conv(2, 5, 3, 1, {{4, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}, true, 50);
  check_conv(1, 5, 3, 1, {{5, 5}, {1, 1}, {2, 2}, {1, 1}, {0, 0}, {0, 0}}, false, 60);
  // Kernel as large as the padded input.
  check_conv(1, 2, 2, 1, {{3, 3}, {5, 5}, {1, 1}, {1, 1}, {1, 1}, {1, 1}}, false, 70);
}

TEST(NnConv, OneAndThreeDimensionalAgainstReference) {
  check_conv(2, 3, 4, 1, {{11}, {3}, {2}, {2}, {1}, {2}}, true, 80);
  check_conv(1, 4, 4, 4, {{9}, {3}, {1}, {1}, {1}, {1}}, true, 90);  // depthwise 1-D
  check_conv(1, 2, 3, 1, {{4, 5, 3}, {2, 3, 2}, {1, 2, 1}, {1, 1, 2}, {1, 0, 1}, {0, 1, 1}}, true, 100);
  check_conv(1, 2, 2, 2, {{3, 4, 5}, {1, 2, 3}, {1, 1, 2}, {1, 1, 1}, {0, 1, 1}, {0, 1, 1}}, false, 110);
}

TEST(NnConv, AutoPadSameAndValid) {
  const auto x = random_floats(1 * 2 * 5 * 6, 7), w = random_floats(3 * 2 * 3 * 2, 8);
  // SAME_UPPER, stride 2: out = ceil(5/2)=3, ceil(6/2)=3; total pads: H (3-1)*2+3-5=2 -> 1,1;
  // W (3-1)*2+2-6=0.
  Tensor up = run_ok(spec("Conv", 11, {make<float>(x, {1, 2, 5, 6}), make<float>(w, {3, 2, 3, 2})},
                          {attr_string("auto_pad", "SAME_UPPER"), attr_ints("strides", {2, 2})}));
  expect_tensor<float>(up, conv_ref(x, w, nullptr, 1, 2, 3, 1, {{5, 6}, {3, 2}, {2, 2}, {1, 1}, {1, 0}, {1, 0}}),
                       {1, 3, 3, 3}, 1e-4);
  // SAME stride 1 with an even kernel: total 1 -> UPPER pads the end, LOWER the beginning.
  Tensor su = run_ok(spec("Conv", 11, {make<float>(x, {1, 2, 5, 6}), make<float>(w, {3, 2, 3, 2})},
                          {attr_string("auto_pad", "SAME_UPPER")}));
  expect_tensor<float>(su, conv_ref(x, w, nullptr, 1, 2, 3, 1, {{5, 6}, {3, 2}, {1, 1}, {1, 1}, {1, 0}, {1, 1}}),
                       {1, 3, 5, 6}, 1e-4);
  Tensor sl = run_ok(spec("Conv", 11, {make<float>(x, {1, 2, 5, 6}), make<float>(w, {3, 2, 3, 2})},
                          {attr_string("auto_pad", "SAME_LOWER")}));
  expect_tensor<float>(sl, conv_ref(x, w, nullptr, 1, 2, 3, 1, {{5, 6}, {3, 2}, {1, 1}, {1, 1}, {1, 1}, {1, 0}}),
                       {1, 3, 5, 6}, 1e-4);
  Tensor v = run_ok(spec("Conv", 1, {make<float>(x, {1, 2, 5, 6}), make<float>(w, {3, 2, 3, 2})},
                         {attr_string("auto_pad", "VALID")}));
  expect_tensor<float>(v, conv_ref(x, w, nullptr, 1, 2, 3, 1, {{5, 6}, {3, 2}, {1, 1}, {1, 1}, {0, 0}, {0, 0}}),
                       {1, 3, 3, 5}, 1e-4);
}

TEST(NnConv, DtypesAndEmptyBatch) {
  const auto x = random_floats(2 * 3 * 4, 3), w = random_floats(2 * 3 * 2, 4);
  const Geo g{{4}, {2}, {1}, {1}, {0}, {0}};
  const auto ref = conv_ref(x, w, nullptr, 1, 6, 2, 2, g);
  std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end());
  Tensor yd = run_ok(spec("Conv", 22, {make<double>(xd, {1, 6, 4}), make<double>(wd, {2, 3, 2})},
                          {attr_int("group", 2)}));
  expect_tensor<double>(yd, std::vector<double>(ref.begin(), ref.end()), {1, 2, 3}, 1e-5);
  std::vector<float16> xh, wh, refh;
  for (float f : x) xh.push_back(float16(f));
  for (float f : w) wh.push_back(float16(f));
  for (float f : ref) refh.push_back(float16(f));
  Tensor yh = run_ok(spec("Conv", 11, {make<float16>(xh, {1, 6, 4}), make<float16>(wh, {2, 3, 2})},
                          {attr_int("group", 2)}));
  expect_tensor<float16>(yh, refh, {1, 2, 3});
  std::vector<bfloat16> xb, wb, refb;
  for (float f : x) xb.push_back(bfloat16(f));
  for (float f : w) wb.push_back(bfloat16(f));
  for (float f : ref) refb.push_back(bfloat16(f));
  Tensor yb = run_ok(spec("Conv", 22, {make<bfloat16>(xb, {1, 6, 4}), make<bfloat16>(wb, {2, 3, 2})},
                          {attr_int("group", 2)}));
  expect_tensor<bfloat16>(yb, refb, {1, 2, 3});
  Tensor e = run_ok(spec("Conv", 11, {Tensor(DataType::kFloat, {0, 6, 4}), make<float>(w, {2, 3, 2})},
                         {attr_int("group", 2)}));
  expect_tensor<float>(e, {}, {0, 2, 3});
}

TEST(NnConv, Errors) {
  const Tensor x = make<float>(std::vector<float>(16), {1, 1, 4, 4});
  const Tensor w = make<float>(std::vector<float>(9), {1, 1, 3, 3});
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, make<float>(std::vector<float>(18), {1, 2, 3, 3})})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, w, make<float>({1, 2}, {2})})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, make<float>(std::vector<float>(25), {1, 1, 5, 5})})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, w}, {attr_ints("strides", {1})})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, w}, {attr_ints("strides", {0, 1})})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, w}, {attr_ints("kernel_shape", {2, 2})})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, w}, {attr_string("auto_pad", "BOGUS")})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, w}, {attr_int("group", 0)})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {make<float>({1, 2}, {1, 2}), make<float>({1}, {1, 2})})).ok());
  EXPECT_FALSE(run_node(spec("Conv", 11, {x, make<double>(std::vector<double>(9), {1, 1, 3, 3})})).ok());
}

TEST(NnConv, MultiThreadedMatchesReference) {
  for (int64_t G : {1, 4, 8}) {  // im2col + GEMM, grouped, depthwise
    const Geo g{{9, 10}, {3, 3}, {2, 1}, {1, 2}, {1, 2}, {0, 1}};
    const int64_t N = 3, C = 8, M = 8;
    const auto x = random_floats(N * C * 90, 200), w = random_floats(M * (C / G) * 9, 201);
    const auto b = random_floats(M, 202);
    Tensor y = run_threaded(spec("Conv", 11, {make<float>(x, {N, C, 9, 10}), make<float>(w, {M, C / G, 3, 3}),
                                              make<float>(b, {M})},
                                 {attr_ints("strides", g.s), attr_ints("dilations", g.d),
                                  attr_ints("pads", {1, 2, 0, 1}), attr_int("group", G)}),
                            4);
    const Shape out = g.out();
    expect_tensor<float>(y, conv_ref(x, w, &b, N, C, M, G, g), {N, M, out[0], out[1]}, 1e-4);
  }
  const auto x = random_floats(4 * 5 * 36, 203);
  Tensor mp = run_threaded(spec("MaxPool", 12, {make<float>(x, {4, 5, 6, 6})}, {attr_ints("kernel_shape", {6, 6})}), 4);
  Tensor gm = run_threaded(spec("GlobalMaxPool", 1, {make<float>(x, {4, 5, 6, 6})}), 4);
  expect_tensor<float>(mp, values_of<float>(gm), {4, 5, 1, 1});
}

// ---- ConvTranspose ---------------------------------------------------------------------------

// y[n, g*Mg+m, i*s - pb + k*d] += x[n, g*Cg+c, i] * w[g*Cg+c, m, k]
std::vector<float> conv_transpose_ref(const std::vector<float>& x, const std::vector<float>& w,
                                      const std::vector<float>* b, int64_t N, int64_t C,
                                      int64_t M, int64_t G, const Geo& g, const Shape& out) {
  const int64_t O = prod(out), I = prod(g.in), K = prod(g.k), Cg = C / G, Mg = M / G;
  std::vector<double> y(static_cast<size_t>(N * M * O), 0.0);
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      const int64_t grp = c / Cg;
      for_all(g.in, [&](const std::vector<int64_t>& i) {
        for (int64_t m = 0; m < Mg; ++m) {
          for_all(g.k, [&](const std::vector<int64_t>& k) {
            std::vector<int64_t> p(i.size());
            for (size_t d = 0; d < i.size(); ++d) {
              p[d] = i[d] * g.s[d] - g.pb[d] + k[d] * g.d[d];
              if (p[d] < 0 || p[d] >= out[d]) return;
            }
            y[(n * M + grp * Mg + m) * O + flat(p, out)] +=
                double(x[(n * C + c) * I + flat(i, g.in)]) * w[(c * Mg + m) * K + flat(k, g.k)];
          });
        }
      });
    }
  }
  std::vector<float> r(y.size());
  for (size_t i = 0; i < y.size(); ++i) r[i] = static_cast<float>(y[i] + (b ? (*b)[(i / O) % M] : 0.0));
  return r;
}

// With constant weights on oneDNN, the convolution drops its plain copy of the weights once a
// primitive's packed copy can give them back: later input shapes (a new primitive, the
// matrix-vector kernel of a 1x1 image) must still see the right weights, and the graph's own
// copy of the constant is released at load.
TEST(NnConv, ConstantWeightsServeNewShapesAfterPacking) {
  for (const int64_t k : {int64_t{1}, int64_t{3}}) {
    SCOPED_TRACE("kernel " + std::to_string(k));
    const int64_t C = 8, M = 16;
    const auto w = random_floats(M * C * k * k, 900 + static_cast<unsigned>(k));
    const auto bv = random_floats(M, 910);
    ir::Model model;
    model.ir_version = 8;
    model.opset_imports[""] = 17;
    ir::Node node;
    node.name = "conv";
    node.op_type = "Conv";
    node.opset = 17;
    node.inputs = {"x", "w", "b"};
    node.outputs = {"y"};
    node.attributes = {attr_ints("pads", {k / 2, k / 2, k / 2, k / 2}),
                       attr_ints("strides", {2, 2})};  // stride 2: no Winograd
    model.graph.nodes.push_back(node);
    model.graph.inputs.push_back(ir::ValueInfo{"x", {}, {}});
    model.graph.outputs.push_back(ir::ValueInfo{"y", {}, {}});
    model.graph.initializers["w"] = make<float>(w, {M, C, k, k});
    model.graph.initializers["b"] = make<float>(bv, {M});
    auto session = Session::create(std::move(model), SessionOptions());
    ASSERT_TRUE(session.ok()) << session.status().to_string();
    const Tensor& kept = (*session)->model().graph.initializers.at("w");
    bool all_zero = true;
    for (int64_t i = 0; i < kept.numel(); ++i) all_zero = all_zero && kept.data<float>()[i] == 0.f;
    EXPECT_TRUE(all_zero) << "the packed constant was not released";
    const Geo big{{9, 7}, {k, k}, {2, 2}, {1, 1}, {k / 2, k / 2}, {k / 2, k / 2}};
    const Geo one{{1, 1}, {k, k}, {2, 2}, {1, 1}, {k / 2, k / 2}, {k / 2, k / 2}};
    struct Run {
      int64_t N;
      Geo g;
    };
    unsigned seed = 920;
    for (const Run& r : {Run{1, big}, Run{3, big}, Run{2, one}, Run{1, big}}) {
      Shape xs{r.N, C};
      xs.insert(xs.end(), r.g.in.begin(), r.g.in.end());
      const auto x = random_floats(prod(xs), seed++);
      auto out = (*session)->run({{"x", make<float>(x, xs)}});
      ASSERT_TRUE(out.ok()) << out.status().to_string();
      Shape ys{r.N, M};
      const Shape o = r.g.out();
      ys.insert(ys.end(), o.begin(), o.end());
      SCOPED_TRACE("X " + shape_to_string(xs));
      expect_tensor<float>((*out)[0].tensor(), conv_ref(x, w, &bv, r.N, C, M, 1, r.g), ys, 1e-4);
      // The model to save has the weights, unpacked from the primitive's copy after a run.
      auto saved = (*session)->model_with_weights();
      ASSERT_TRUE(saved.ok()) << saved.status().to_string();
      expect_tensor<float>(saved->graph.initializers.at("w"), w, {M, C, k, k}, 0);
    }
  }
}

TEST(NnConvTranspose, HandAndReference) {
  // 1-D: x [1,2,3], w ones [1,1,3] -> full correlation.
  Tensor y = run_ok(spec("ConvTranspose", 11, {make<float>({1, 2, 3}, {1, 1, 3}), make<float>({1, 1, 1}, {1, 1, 3})}));
  expect_tensor<float>(y, {1, 3, 6, 5, 3}, {1, 1, 5});
  // 2-D, stride 2, pads, output_padding, groups, dilation, bias.
  const int64_t N = 2, C = 4, Mg = 3, G = 2, M = Mg * G;
  const Geo g{{3, 4}, {3, 2}, {2, 3}, {1, 2}, {1, 0}, {0, 1}};
  const Shape op{1, 2};
  Shape out;
  for (int i = 0; i < 2; ++i) out.push_back(g.s[i] * (g.in[i] - 1) + op[i] + (g.k[i] - 1) * g.d[i] + 1 - g.pb[i] - g.pe[i]);
  const auto x = random_floats(N * C * 12, 11), w = random_floats(C * Mg * 6, 12), b = random_floats(M, 13);
  Tensor yt = run_ok(spec("ConvTranspose", 11,
                          {make<float>(x, {N, C, 3, 4}), make<float>(w, {C, Mg, 3, 2}), make<float>(b, {M})},
                          {attr_ints("strides", g.s), attr_ints("dilations", g.d), attr_ints("pads", {1, 0, 0, 1}),
                           attr_ints("output_padding", op), attr_int("group", G)}));
  expect_tensor<float>(yt, conv_transpose_ref(x, w, &b, N, C, M, G, g, out), {N, M, out[0], out[1]}, 1e-4);
}

TEST(NnConvTranspose, OutputShapeAndAutoPad) {
  const auto x = random_floats(1 * 1 * 3 * 3, 21), w = random_floats(1 * 2 * 3 * 3, 22);
  // output_shape [10, 8] with strides [3, 2]: natural size 9x7, extra row/col at the end.
  Tensor y = run_ok(spec("ConvTranspose", 11, {make<float>(x, {1, 1, 3, 3}), make<float>(w, {1, 2, 3, 3})},
                         {attr_ints("strides", {3, 2}), attr_ints("output_shape", {10, 8})}));
  expect_tensor<float>(y, conv_transpose_ref(x, w, nullptr, 1, 1, 2, 1, {{3, 3}, {3, 3}, {3, 2}, {1, 1}, {0, 0}, {0, 0}}, {10, 8}),
                       {1, 2, 10, 8}, 1e-4);
  // SAME_UPPER, stride 2: out = in*stride = 6; total = 2*2+3-6 = 1 -> pads begin 0, end 1.
  Tensor s = run_ok(spec("ConvTranspose", 11, {make<float>(x, {1, 1, 3, 3}), make<float>(w, {1, 2, 3, 3})},
                         {attr_ints("strides", {2, 2}), attr_string("auto_pad", "SAME_UPPER")}));
  expect_tensor<float>(s, conv_transpose_ref(x, w, nullptr, 1, 1, 2, 1, {{3, 3}, {3, 3}, {2, 2}, {1, 1}, {0, 0}, {1, 1}}, {6, 6}),
                       {1, 2, 6, 6}, 1e-4);
  Tensor sl = run_ok(spec("ConvTranspose", 11, {make<float>(x, {1, 1, 3, 3}), make<float>(w, {1, 2, 3, 3})},
                          {attr_ints("strides", {2, 2}), attr_string("auto_pad", "SAME_LOWER")}));
  expect_tensor<float>(sl, conv_transpose_ref(x, w, nullptr, 1, 1, 2, 1, {{3, 3}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 0}}, {6, 6}),
                       {1, 2, 6, 6}, 1e-4);
}

TEST(NnConvTranspose, ThreeDimensionalHalfAndErrors) {
  const auto x = random_floats(1 * 2 * 2 * 3 * 2, 31), w = random_floats(2 * 1 * 2 * 2 * 3, 32);
  const Geo g{{2, 3, 2}, {2, 2, 3}, {1, 2, 1}, {1, 1, 1}, {0, 0, 1}, {0, 1, 0}};
  const Shape out{3, 5, 3};
  Tensor y = run_ok(spec("ConvTranspose", 11, {make<float>(x, {1, 2, 2, 3, 2}), make<float>(w, {2, 1, 2, 2, 3})},
                         {attr_ints("strides", g.s), attr_ints("pads", {0, 0, 1, 0, 1, 0})}));
  expect_tensor<float>(y, conv_transpose_ref(x, w, nullptr, 1, 2, 1, 1, g, out), {1, 1, 3, 5, 3}, 1e-4);
  Tensor h = run_ok(spec("ConvTranspose", 22, {make<float16>({float16(1.f), float16(2.f)}, {1, 1, 2}),
                                              make<float16>({float16(1.f), float16(0.5f)}, {1, 1, 2})}));
  expect_tensor<float16>(h, {float16(1.f), float16(2.5f), float16(1.f)}, {1, 1, 3});
  EXPECT_FALSE(run_node(spec("ConvTranspose", 11, {make<float>({1, 2}, {1, 2, 1}), make<float>({1}, {1, 1, 1})})).ok());
  EXPECT_FALSE(run_node(spec("ConvTranspose", 11, {make<float>({1}, {1, 1, 1}), make<float>({1}, {1, 1, 1}),
                                                   make<float>({1, 2}, {2})})).ok());
  EXPECT_FALSE(run_node(spec("ConvTranspose", 11, {make<float>({1}, {1, 1, 1}), make<float>({1}, {1, 1, 1})},
                             {attr_ints("output_shape", {1, 2})})).ok());
  EXPECT_FALSE(run_node(spec("ConvTranspose", 11, {make<float>({1}, {1, 1, 1}), make<float>({1}, {1, 1, 1})},
                             {attr_ints("pads", {2, 2})})).ok());
}

}  // namespace
}  // namespace onyx::test
