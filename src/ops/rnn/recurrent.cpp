// RNN, GRU and LSTM (ONNX gate orders: GRU z r h, LSTM i o f c; peepholes P = [Pi Po Pf]).
//
// Per direction: the input projection of every time step is one gemm
// XW[seq*batch, G*H] = X * W^T (+ biases that are plain additive terms), then each step does a
// gemm of the previous hidden state with R^T and the element-wise cell update. Everything is
// computed in float (double for double inputs); 16-bit inputs are widened once up front.
// sequence_lens: batch entry b runs steps [0, len_b) (reverse: len_b-1 down to 0); its Y rows
// past len_b are zero and its Y_h / Y_c are the state after its last step.
// layout = 1 (opset 14+): X / Y / states are batch-major; converted at the edges.
#include <dnnl.h>

#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

#include "ops/registry.h"
#include "ops/rnn/lstm_fast.h"
#include "ops/rnn/rnn_common.h"

namespace onyx {
namespace {

enum class Cell { kRnn, kGru, kLstm };

constexpr int gates_of(Cell c) { return c == Cell::kRnn ? 1 : (c == Cell::kGru ? 3 : 4); }

template <typename C>
Result<std::vector<C>> load(const Tensor& t) {
  std::vector<C> out(static_cast<size_t>(t.numel()));
  Status s = dispatch<FloatTypes>(t.dtype(), [&]<typename T>() {
    const T* p = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<C>(static_cast<compute_t<T>>(p[i]));
    return Status::OK();
  });
  if (!s.ok()) return s;
  return out;
}

// A tensor's values as C: its own buffer when it already holds C (the weights, megabytes, are
// not copied per run), a widened copy otherwise.
template <typename C>
struct View {
  std::vector<C> own;
  const C* data = nullptr;
};

template <typename C>
Status view_as(const Tensor& t, View<C>* v) {
  if (t.dtype() == data_type_of<C>) {
    v->data = t.data<C>();
    return Status::OK();
  }
  ONYX_ASSIGN_OR_RETURN(v->own, load<C>(t));
  v->data = v->own.data();
  return Status::OK();
}

// Problem dimensions and the inputs widened to C, time-major.
template <typename C>
struct Problem {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
  int dirs = 1;
  std::vector<C> b, h0, c0, p;
  View<C> x, w, r;
  std::vector<int64_t> lens;
};

template <Cell K>
class Recurrent final : public OpKernel {
  static constexpr int G = gates_of(K);
  static constexpr int A = K == Cell::kRnn ? 1 : (K == Cell::kGru ? 2 : 3);

 public:
  Status init(const KernelInfo& info) override {
    std::vector<std::string> defaults = {"Tanh"};
    if (K == Cell::kGru) defaults = {"Sigmoid", "Tanh"};
    if (K == Cell::kLstm) defaults = {"Sigmoid", "Tanh", "Tanh"};
    ONYX_ASSIGN_OR_RETURN(attrs_, rnn::parse_attrs(info, defaults));
    if constexpr (K == Cell::kGru) {
      ONYX_ASSIGN_OR_RETURN(int64_t lbr, info.attr_int("linear_before_reset", 0));
      linear_before_reset_ = lbr != 0;
      // The fast path serves PyTorch's GRU: linear_before_reset = 1, sigmoid and tanh.
      fast_ = linear_before_reset_ && default_activations();
      if (fast_) pack_constant_recurrence(info);
    }
    if constexpr (K == Cell::kLstm) {
      ONYX_ASSIGN_OR_RETURN(int64_t f, info.attr_int("input_forget", 0));
      input_forget_ = f != 0;
      fast_ = default_activations();
      if (fast_) pack_constant_recurrence(info);
    }
    return Status::OK();
  }

  Status compute(KernelContext& ctx) const override {
    ONYX_ASSIGN_OR_RETURN(const Tensor* x, ctx.required_input(0));
    if (x->dtype() == DataType::kDouble) return run<double>(ctx, *x);
    return run<float>(ctx, *x);
  }

 private:
  template <typename C>
  Status prepare(KernelContext& ctx, const Tensor& x, Problem<C>& pb) const {
    ONYX_ASSIGN_OR_RETURN(const Tensor* w, ctx.required_input(1));
    ONYX_ASSIGN_OR_RETURN(const Tensor* r, ctx.required_input(2));
    if (x.rank() != 3 || w->rank() != 3 || r->rank() != 3) {
      return ctx.invalid_argument("X, W and R must have rank 3");
    }
    const bool bm = attrs_.layout == 1;
    pb.seq = x.dim(bm ? 1 : 0);
    pb.batch = x.dim(bm ? 0 : 1);
    pb.input = x.dim(2);
    pb.dirs = attrs_.num_directions;
    pb.hidden = attrs_.hidden_size > 0 ? attrs_.hidden_size : r->dim(2);
    const int64_t H = pb.hidden, D = pb.dirs, B = pb.batch;
    const auto expect = [&](const Tensor* t, const char* name, const Shape& s) -> Status {
      if (t->shape() != s) {
        return ctx.invalid_argument(name, " has shape ", shape_to_string(t->shape()), ", expected ",
                                    shape_to_string(s));
      }
      return Status::OK();
    };
    ONYX_RETURN_IF_ERROR(expect(w, "W", {D, G * H, pb.input}));
    ONYX_RETURN_IF_ERROR(expect(r, "R", {D, G * H, H}));
    if (bm) {  // [batch, seq, input] -> [seq, batch, input]
      ONYX_ASSIGN_OR_RETURN(std::vector<C> xv, load<C>(x));
      pb.x.own.resize(xv.size());
      for (int64_t b = 0; b < B; ++b) {
        for (int64_t s = 0; s < pb.seq; ++s) {
          std::copy_n(xv.data() + (b * pb.seq + s) * pb.input, pb.input,
                      pb.x.own.data() + (s * B + b) * pb.input);
        }
      }
      pb.x.data = pb.x.own.data();
    } else {
      ONYX_RETURN_IF_ERROR(view_as<C>(x, &pb.x));
    }
    ONYX_RETURN_IF_ERROR(view_as<C>(*w, &pb.w));
    ONYX_RETURN_IF_ERROR(view_as<C>(*r, &pb.r));
    if (const Tensor* b = ctx.input(3)) {
      ONYX_RETURN_IF_ERROR(expect(b, "B", {D, 2 * G * H}));
      ONYX_ASSIGN_OR_RETURN(pb.b, load<C>(*b));
    } else {
      pb.b.assign(static_cast<size_t>(D * 2 * G * H), C(0));
    }
    pb.lens.assign(static_cast<size_t>(B), pb.seq);
    if (const Tensor* sl = ctx.input(4)) {
      if (sl->shape() != Shape{B}) return ctx.invalid_argument("sequence_lens must have shape [", B, "]");
      for (int64_t i = 0; i < B; ++i) {
        int64_t v;
        if (sl->dtype() == DataType::kInt32) {
          v = sl->data<int32_t>()[i];
        } else if (sl->dtype() == DataType::kInt64) {
          v = sl->data<int64_t>()[i];
        } else {
          return ctx.invalid_argument("sequence_lens must be int32");
        }
        if (v < 0 || v > pb.seq) {
          return ctx.invalid_argument("sequence_lens[", i, "] = ", v, " is outside [0, ", pb.seq, "]");
        }
        pb.lens[i] = v;
      }
    }
    const auto load_state = [&](size_t idx, const char* name, std::vector<C>& out) -> Status {
      const Tensor* t = ctx.input(idx);
      if (t == nullptr) {
        out.assign(static_cast<size_t>(D * B * H), C(0));
        return Status::OK();
      }
      ONYX_RETURN_IF_ERROR(expect(t, name, bm ? Shape{B, D, H} : Shape{D, B, H}));
      ONYX_ASSIGN_OR_RETURN(std::vector<C> v, load<C>(*t));
      out = bm ? to_dir_major(v, B, D, H) : std::move(v);
      return Status::OK();
    };
    ONYX_RETURN_IF_ERROR(load_state(5, "initial_h", pb.h0));
    if constexpr (K == Cell::kLstm) {
      ONYX_RETURN_IF_ERROR(load_state(6, "initial_c", pb.c0));
      if (const Tensor* p = ctx.input(7)) {
        ONYX_RETURN_IF_ERROR(expect(p, "P", {D, 3 * H}));
        ONYX_ASSIGN_OR_RETURN(pb.p, load<C>(*p));
      }
    }
    return Status::OK();
  }

  // [n1, n2, H] -> [n2, n1, H]
  template <typename C>
  static std::vector<C> to_dir_major(const std::vector<C>& v, int64_t n1, int64_t n2, int64_t H) {
    std::vector<C> out(v.size());
    for (int64_t i = 0; i < n1; ++i) {
      for (int64_t j = 0; j < n2; ++j) std::copy_n(v.data() + (i * n2 + j) * H, H, out.data() + (j * n1 + i) * H);
    }
    return out;
  }

  template <typename C>
  Status run(KernelContext& ctx, const Tensor& x) const {
    Problem<C> pb;
    ONYX_RETURN_IF_ERROR(prepare<C>(ctx, x, pb));
    const int64_t S = pb.seq, B = pb.batch, H = pb.hidden;
    const int D = pb.dirs;
    // Y [seq, dir, batch, H]: written straight into the output when that needs no conversion
    // (float, layout 0), so no buffer is cleared and copied per run; zeros only where some
    // sequence ends early (its later rows are never written).
    const bool bm = attrs_.layout == 1;
    const size_t y_size = static_cast<size_t>(S * D * B * H);
    const bool y_direct = std::is_same_v<C, float> && x.dtype() == DataType::kFloat && !bm &&
                          ctx.output_requested(0);
    const bool all_full = std::all_of(pb.lens.begin(), pb.lens.end(), [&](int64_t l) { return l == S; });
    std::vector<C> y_own;
    C* y = nullptr;
    if (y_direct) {
      y = reinterpret_cast<C*>(ctx.allocate_output(0, x.dtype(), Shape{S, D, B, H}).raw_data());
      if (!all_full) std::fill_n(y, y_size, C(0));
    } else {
      y_own.assign(y_size, C(0));
      y = y_own.data();
    }
    std::vector<C> hT = pb.h0, cT = pb.c0;  // final states, [dir, batch, H]
    if constexpr (K != Cell::kRnn && std::is_same_v<C, float>) {
      if (fast_) {
        run_fast(ctx, pb, y, hT, cT);
      } else {
        for (int d = 0; d < D; ++d) run_direction<C>(pb, d, reversed(d), y, hT, cT);
      }
    } else {
      for (int d = 0; d < D; ++d) run_direction<C>(pb, d, reversed(d), y, hT, cT);
    }
    // Outputs in the input's dtype and layout.
    const DataType dt = x.dtype();
    return dispatch<FloatTypes>(dt, [&]<typename T>() {
      const auto store = [&](size_t idx, const std::vector<C>& src, Shape shape) {
        Tensor& t = ctx.allocate_output(idx, dt, std::move(shape));
        T* o = t.data<T>();
        for (size_t i = 0; i < src.size(); ++i) o[i] = static_cast<T>(static_cast<compute_t<T>>(src[i]));
      };
      if (ctx.output_requested(0) && !y_direct) {
        // [seq, dir, batch, H], or [batch, seq, dir, H] for layout 1.
        store(0, bm ? to_dir_major(y_own, S * D, B, H) : y_own, bm ? Shape{B, S, D, H} : Shape{S, D, B, H});
      }
      if (ctx.output_requested(1)) store(1, bm ? to_dir_major(hT, D, B, H) : hT, bm ? Shape{B, D, H} : Shape{D, B, H});
      if (K == Cell::kLstm && ctx.output_requested(2)) {
        store(2, bm ? to_dir_major(cT, D, B, H) : cT, bm ? Shape{B, D, H} : Shape{D, B, H});
      }
      return Status::OK();
    });
  }

  template <typename C>
  void run_direction(const Problem<C>& pb, int d, bool reverse, C* y, std::vector<C>& hT,
                     std::vector<C>& cT) const {
    const int64_t S = pb.seq, B = pb.batch, H = pb.hidden, I = pb.input, GH = G * H;
    const int D = pb.dirs;
    const C* W = pb.w.data + d * GH * I;
    const C* R = pb.r.data + d * GH * H;
    const C* Wb = pb.b.data() + d * 2 * GH;
    const C* Rb = Wb + GH;
    const rnn::Activation* act = attrs_.acts.data() + d * A;
    const C clip = static_cast<C>(attrs_.clip);
    const auto cl = [clip](C v) { return clip > C(0) ? std::clamp(v, -clip, clip) : v; };
    const bool lbr = linear_before_reset_;

    // Input projection for all steps, with the additive biases folded in.
    std::vector<C> xw(static_cast<size_t>(S * B * GH));
    rnn::gemm_nt(S * B, GH, I, pb.x.data, I, W, I, C(0), xw.data(), GH);
    for (int64_t row = 0; row < S * B; ++row) {
      C* g = xw.data() + row * GH;
      for (int64_t j = 0; j < GH; ++j) {
        const bool rb_inside = K == Cell::kGru && lbr && j >= 2 * H;  // r * (h R^T + Rbh)
        g[j] += Wb[j] + (rb_inside ? C(0) : Rb[j]);
      }
    }
    C* h = hT.data() + d * B * H;  // running state, updated in place
    C* c = K == Cell::kLstm ? cT.data() + d * B * H : nullptr;
    const C* P = pb.p.empty() ? nullptr : pb.p.data() + d * 3 * H;
    // GRU without linear_before_reset projects only z, r first; h after the reset gate.
    const int64_t hr_cols = (K == Cell::kGru && !lbr) ? 2 * H : GH;
    std::vector<C> hr(static_cast<size_t>(B * GH)), rh, hh, z;
    if (K == Cell::kGru) {
      rh.assign(static_cast<size_t>(B * H), C(0));
      hh.resize(static_cast<size_t>(B * H));
      z.resize(static_cast<size_t>(B * H));
    }
    for (int64_t s = 0; s < S; ++s) {
      rnn::gemm_nt(B, hr_cols, H, h, H, R, H, C(0), hr.data(), GH);
      const auto step_of = [&](int64_t b) { return reverse ? pb.lens[b] - 1 - s : s; };
      if constexpr (K == Cell::kGru) {
        for (int64_t b = 0; b < B; ++b) {
          C* rhb = rh.data() + b * H;
          if (s >= pb.lens[b]) {
            std::fill_n(rhb, H, C(0));
            continue;
          }
          const C* g = xw.data() + (step_of(b) * B + b) * GH;
          const C* q = hr.data() + b * GH;
          for (int64_t j = 0; j < H; ++j) {
            z[b * H + j] = act[0](cl(g[j] + q[j]));
            const C rg = act[0](cl(g[H + j] + q[H + j]));
            rhb[j] = lbr ? rg * (q[2 * H + j] + Rb[2 * H + j]) : rg * h[b * H + j];
          }
        }
        if (!lbr) rnn::gemm_nt(B, H, H, rh.data(), H, R + 2 * H * H, H, C(0), hh.data(), H);
      }
      for (int64_t b = 0; b < B; ++b) {
        if (s >= pb.lens[b]) continue;
        const int64_t t = step_of(b);
        const C* g = xw.data() + (t * B + b) * GH;
        const C* q = hr.data() + b * GH;
        C* hb = h + b * H;
        if constexpr (K == Cell::kRnn) {
          for (int64_t j = 0; j < H; ++j) hb[j] = act[0](cl(g[j] + q[j]));
        } else if constexpr (K == Cell::kGru) {
          const C* pre = lbr ? rh.data() + b * H : hh.data() + b * H;  // r-gated hidden term
          for (int64_t j = 0; j < H; ++j) {
            const C cand = act[1](cl(g[2 * H + j] + pre[j]));
            const C zj = z[b * H + j];
            hb[j] = (C(1) - zj) * cand + zj * hb[j];
          }
        } else {
          C* cb = c + b * H;
          for (int64_t j = 0; j < H; ++j) {
            const C cprev = cb[j];
            const C ig = act[0](cl(g[j] + q[j] + (P ? P[j] * cprev : C(0))));
            C fg = act[0](cl(g[2 * H + j] + q[2 * H + j] + (P ? P[2 * H + j] * cprev : C(0))));
            if (input_forget_) fg = C(1) - ig;
            const C cc = act[1](cl(g[3 * H + j] + q[3 * H + j]));
            const C cn = fg * cprev + ig * cc;
            const C og = act[0](cl(g[H + j] + q[H + j] + (P ? P[H + j] * cn : C(0))));
            cb[j] = cn;
            hb[j] = og * act[2](cn);
          }
        }
        std::copy_n(hb, H, y + ((t * D + d) * B + b) * H);
      }
    }
  }

  bool reversed(int d) const { return attrs_.direction == rnn::Direction::kReverse || d == 1; }

  // The fast paths serve the default activations in every direction: sigmoid, tanh, tanh for
  // LSTM, sigmoid, tanh for GRU.
  bool default_activations() const {
    for (size_t i = 0; i < attrs_.acts.size(); ++i) {
      const rnn::ActKind want = i % A == 0 ? rnn::ActKind::kSigmoid : rnn::ActKind::kTanh;
      if (attrs_.acts[i].kind != want) return false;
    }
    return true;
  }

  // R packed once per direction when it is a float constant of the expected shape; otherwise
  // each run packs it (compute validates the shapes).
  void pack_constant_recurrence(const KernelInfo& info) {
    const Tensor* r = info.constant_input(2);
    if (r == nullptr || r->dtype() != DataType::kFloat || r->rank() != 3) return;
    const int64_t D = r->dim(0), GH = r->dim(1), H = r->dim(2);
    if (D != attrs_.num_directions || GH != G * H || (attrs_.hidden_size > 0 && attrs_.hidden_size != H)) return;
    packed_.resize(static_cast<size_t>(D));
    for (int64_t d = 0; d < D; ++d) packed_[static_cast<size_t>(d)].pack(r->data<float>() + d * GH * H, GH, H);
  }

  // LSTM and GRU in float with the default activations. The directions are independent: each runs on
  // its own thread, its input projection for every step as one product, then each step a
  // product with the packed R and the fused cell update, with no allocation per step. One
  // parallel region per layer: a thread woken once, not for the projection and again for the
  // recurrence (which costs milliseconds when the machine is busy). Where R outgrows a core's
  // L2 at one or two batch rows, the threads share each step instead (split_directions).
  void run_fast(KernelContext& ctx, const Problem<float>& pb, float* y, std::vector<float>& hT,
                std::vector<float>& cT) const {
    const int64_t H = pb.hidden, GH = G * H;
    const int D = pb.dirs;
    std::vector<rnn::PackedRecurrence> local;
    const rnn::PackedRecurrence* packs = packed_.data();
    if (packed_.size() != static_cast<size_t>(D)) {
      local.resize(static_cast<size_t>(D));
      for (int d = 0; d < D; ++d) local[d].pack(pb.r.data + d * GH * H, GH, H);
      packs = local.data();
    }
    auto direction = [&](int d, const ThreadPool* split) {
      if constexpr (K == Cell::kLstm) {
        lstm_direction_fast(pb, d, packs[d], y, hT, cT, split);
      } else {
        gru_direction_fast(pb, d, packs[d], y, hT, split);
      }
    };
    const ThreadPool* pool = ctx.pool();
    if (split_directions(pool, pb, packs[0])) {
      for (int d = 0; d < D; ++d) direction(d, pool);
      return;
    }
    parallel_for(pool, D, 1, [&](int64_t d0, int64_t d1) {
      for (int64_t d = d0; d < d1; ++d) direction(static_cast<int>(d), nullptr);
    });
  }

  // Whether the threads share each direction's steps (each a range of R's panels, one
  // direction after the other) instead of taking a direction each. Where one direction's R
  // is larger than a core's L2 (hidden 512: 3-4 MB against 2 MB) but a thread's share is not,
  // every step reads that share from L2 instead of streaming all of R from memory, which pays
  // for a synchronisation per step; also where there are more threads than directions. Only
  // for a few batch rows: with more, each panel's reads serve enough rows.
  static bool split_directions(const ThreadPool* pool, const Problem<float>& pb,
                               const rnn::PackedRecurrence& pack) {
    if (pool == nullptr || pool->num_threads() < 2 || pb.batch > kMaxSplitRows) return false;
    const size_t bytes = pack.bytes();
    if (bytes < kMinSplitBytes || pack.panels() < 2 * pool->num_threads()) return false;
    return pb.dirs < pool->num_threads() || bytes > kCoreCacheBytes;
  }
  static constexpr int64_t kMaxSplitRows = 2;
  static constexpr size_t kMinSplitBytes = size_t{512} << 10;
  static constexpr size_t kCoreCacheBytes = size_t{3} << 19;  // 1.5 MB of a 2 MB L2

  // out[rows, cols] = x[rows, depth] w[cols, depth]^T with oneDNN's sgemm: it runs on our OpenMP team (one thread
  // inside the directions' parallel region), where the pthread OpenBLAS Debian ships would
  // start its own pool, whose threads spin after the call and take the cores the other
  // direction needs.
  static void project_inputs(int64_t rows, int64_t cols, int64_t depth, const float* x, const float* w, float* out) {
    if (rows == 0 || cols == 0) return;
    if (depth == 0) {
      std::fill_n(out, rows * cols, 0.0f);
      return;
    }
    dnnl_sgemm('N', 'T', rows, cols, depth, 1.0f, x, depth, w, depth, 0.0f, out, cols);
  }

  // One direction: X W^T for every step (the gates' input parts; the cell adds the biases, so
  // no pass over this buffer, 4 MB at batch 8), then the recurrence.
  // `split`: the pool whose threads share each step's product (split_directions), else null.
  void lstm_direction_fast(const Problem<float>& pb, int d, const rnn::PackedRecurrence& pack, float* y,
                           std::vector<float>& hT, std::vector<float>& cT, const ThreadPool* split) const {
    const int64_t S = pb.seq, B = pb.batch, H = pb.hidden, I = pb.input, GH = 4 * H;
    std::unique_ptr<float[]> xw(new float[static_cast<size_t>(S * B * GH)]);
    project_inputs(S * B, GH, I, pb.x.data, pb.w.data + d * GH * I, xw.get());
    std::vector<float> bias(static_cast<size_t>(GH));  // Wb + Rb
    const float* wb = pb.b.data() + d * 2 * GH;
    for (int64_t j = 0; j < GH; ++j) bias[j] = wb[j] + wb[GH + j];
    rnn::CellConfig cell;
    cell.hidden = H;
    cell.bias = bias.data();
    cell.peepholes = pb.p.empty() ? nullptr : pb.p.data() + d * 3 * H;
    cell.clip = attrs_.clip;
    cell.input_forget = input_forget_;
    float* c = cT.data() + d * B * H;
    recur_fast(pb, d, pack, split, xw.get(), GH, y, hT, [&](int64_t b, const float* x, const float* r, const float*, float* hb) {
      rnn::lstm_cell(cell, x, r, c + b * H, hb);
    });
  }

  // The recurrence of one direction on the fast paths: per step, h R^T for every batch row with
  // the packed R (its panels walked alternately forward and backward, so each step starts on
  // those the last one left in cache), then cell(b, x W^T row, h R^T row, previous h row, new h
  // row) for the rows still inside their sequence. When every sequence runs all S steps, each
  // step's h is written once, into its Y block ([batch, H], contiguous), and read from there by
  // the next step; otherwise h is updated in place in hT (finished rows keep their state) and
  // copied to Y.
  template <typename Cell>
  void recur_fast(const Problem<float>& pb, int d, const rnn::PackedRecurrence& pack, const ThreadPool* split,
                  const float* xw, int64_t GH, float* y, std::vector<float>& hT, const Cell& cell) const {
    const int64_t S = pb.seq, B = pb.batch, H = pb.hidden;
    const int D = pb.dirs;
    const bool reverse = reversed(d);
    float* h = hT.data() + d * B * H;
    std::vector<float> hr(static_cast<size_t>(B * GH));
    // h R^T, by the split pool's threads each over its range of panels (the same range every
    // step, so it stays in that core's L2), or all panels on this thread when split is null.
    auto multiply = [&](const float* hp, bool backward) {
      parallel_for(split, pack.panels(), 1, [&](int64_t p0, int64_t p1) {
        pack.multiply_panels(hp, B, H, hr.data(), GH, p0, p1, backward);
      });
    };
    const bool all_full = std::all_of(pb.lens.begin(), pb.lens.end(), [&](int64_t l) { return l == S; });
    if (all_full) {
      const float* h_prev = h;
      for (int64_t s = 0; s < S; ++s) {
        multiply(h_prev, s % 2 == 1);
        const int64_t t = reverse ? S - 1 - s : s;
        float* yt = y + (t * D + d) * B * H;
        for (int64_t b = 0; b < B; ++b) cell(b, xw + (t * B + b) * GH, hr.data() + b * GH, h_prev + b * H, yt + b * H);
        h_prev = yt;
      }
      if (S > 0) std::copy_n(h_prev, B * H, h);
      return;
    }
    for (int64_t s = 0; s < S; ++s) {
      multiply(h, s % 2 == 1);
      for (int64_t b = 0; b < B; ++b) {
        if (s >= pb.lens[b]) continue;
        const int64_t t = reverse ? pb.lens[b] - 1 - s : s;
        float* hb = h + b * H;
        cell(b, xw + (t * B + b) * GH, hr.data() + b * GH, hb, hb);
        std::copy_n(hb, H, y + ((t * D + d) * B + b) * H);
      }
    }
  }

  // One GRU direction (linear_before_reset = 1), as lstm_direction_fast.
  void gru_direction_fast(const Problem<float>& pb, int d, const rnn::PackedRecurrence& pack, float* y,
                          std::vector<float>& hT, const ThreadPool* split) const {
    const int64_t S = pb.seq, B = pb.batch, H = pb.hidden, I = pb.input, GH = 3 * H;
    std::unique_ptr<float[]> xw(new float[static_cast<size_t>(S * B * GH)]);
    project_inputs(S * B, GH, I, pb.x.data, pb.w.data + d * GH * I, xw.get());
    const float* wb = pb.b.data() + d * 2 * GH;
    const float* rb = wb + GH;
    std::vector<float> bias_zr(static_cast<size_t>(2 * H));
    for (int64_t j = 0; j < 2 * H; ++j) bias_zr[j] = wb[j] + rb[j];
    rnn::GruCellConfig cell;
    cell.hidden = H;
    cell.bias_zr = bias_zr.data();
    cell.wbh = wb + 2 * H;
    cell.rbh = rb + 2 * H;
    cell.clip = attrs_.clip;
    recur_fast(pb, d, pack, split, xw.get(), GH, y, hT,
               [&](int64_t, const float* x, const float* r, const float* h_prev, float* hb) {
                 rnn::gru_cell(cell, x, r, h_prev, hb);
    });
  }

  rnn::RnnAttrs attrs_;
  bool linear_before_reset_ = false;
  bool input_forget_ = false;
  bool fast_ = false;                          // LSTM / GRU fast path (default activations)
  std::vector<rnn::PackedRecurrence> packed_;  // per direction, when R is a float constant
};

}  // namespace

void register_recurrent_kernels(KernelRegistry& r) {
  r.add_versions<Recurrent<Cell::kRnn>, FloatTypes>("", "RNN", {1, 7, 14, 22});
  r.add_versions<Recurrent<Cell::kGru>, FloatTypes>("", "GRU", {1, 3, 7, 14, 22});
  r.add_versions<Recurrent<Cell::kLstm>, FloatTypes>("", "LSTM", {1, 7, 14, 22});
}

}  // namespace onyx
