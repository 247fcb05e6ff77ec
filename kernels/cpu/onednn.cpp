// GEMM (matmul) and conv2d through oneDNN, used as its documentation recommends for inference:
// weights reordered once into the primitive's preferred ("any") layout, activations for conv
// likewise, so the timed region is the primitive alone. fp16 on CPUs without fp16 arithmetic is
// emulated: fp16 inputs are converted to fp32 on every launch (F16C), then fp32 compute.
#include <oneapi/dnnl/dnnl.hpp>

#include <fmt/format.h>

#include "kernels/cpu/cpu_kernels.hpp"

namespace xpu::cpu {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dt dnnl_type(element_type t) {
  switch (t) {
    case element_type::f32: return dt::f32;
    case element_type::bf16: return dt::bf16;
    case element_type::f16: return dt::f16;
    case element_type::u8: return dt::u8;
    case element_type::s8: return dt::s8;
    case element_type::s32: return dt::s32;
    default: return dt::undef;
  }
}

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// Inputs as oneDNN will read them: fp16 becomes an fp32 staging buffer refreshed every launch.
struct staged_input {
  const host_buffer* source = nullptr;
  std::vector<float> staging;  // only for emulated fp16
  element_type type() const { return source->type == element_type::f16 ? element_type::f32 : source->type; }
  void* data() { return staging.empty() ? const_cast<std::byte*>(source->bytes.data()) : static_cast<void*>(staging.data()); }
  void refresh() {
    if (!staging.empty()) half_to_float_bulk(reinterpret_cast<const std::uint16_t*>(source->bytes.data()), staging.data(), staging.size());
  }
  static staged_input of(const host_buffer& b) {
    staged_input s{&b, {}};
    if (b.type == element_type::f16) s.staging.resize(b.count());
    s.refresh();
    return s;
  }
};

struct isa_level {
  unsigned bits;
  const char* name;
};
// oneDNN's ISA values are supersets by bits (dnnl_types.h), from the widest down.
constexpr isa_level onednn_levels[] = {{0x3e7, "avx512_core_amx"}, {0xe7, "avx512_core_bf16"}, {0x67, "avx512_core_vnni"},
                                       {0x27, "avx512_core"},      {0x407, "avx2_vnni"},      {0x7, "avx2"},
                                       {0x3, "avx"},               {0x1, "sse41"}};

const char* onednn_isa_name(unsigned bits) {
  for (const auto& l : onednn_levels)
    if ((bits & l.bits) == l.bits) return l.name;
  return "any";
}

// The widest oneDNN ISA this CPU's features allow.
unsigned onednn_isa_expected(const cpu_isa& isa) {
  if (isa.family != "x86") return 0;
  const bool core = isa.has("avx512f") && isa.has("avx512bw") && isa.has("avx512vl");
  if (core && isa.has("amx_tile") && isa.has("amx_int8") && isa.has("amx_bf16")) return 0x3e7;
  if (core && isa.has("avx512_bf16")) return 0xe7;
  if (core && isa.has("avx512_vnni")) return 0x67;
  if (core) return 0x27;
  if (isa.has("avx_vnni")) return 0x407;
  if (isa.has("avx2") && isa.has("fma")) return 0x7;
  if (isa.has("avx")) return 0x3;
  return isa.has("sse4_2") ? 0x1 : 0;
}

class gemm_prepared final : public timed {
 public:
  gemm_prepared(const problem& p, const host_buffers& in, const cpu_isa& isa) : m_stream(engine()), m_isa(isa) {
    const auto& g = std::get<gemm_shape>(p.dims);
    m_a = staged_input::of(in.inputs[0]);
    m_b = staged_input::of(in.inputs[1]);
    m_emulated = in.inputs[0].type == element_type::f16;
    const element_type out_t = p.type == precision::int8 ? element_type::s32 : element_type::f32;
    dnnl::memory::desc a_md({g.m, g.k}, dnnl_type(m_a.type()), g.trans_a ? tag::ba : tag::ab);
    dnnl::memory::desc b_user({g.k, g.n}, dnnl_type(m_b.type()), g.trans_b ? tag::ba : tag::ab);
    // Emulated fp16 converts B every launch, so B stays in the user layout; otherwise pre-pack.
    dnnl::memory::desc b_md = m_emulated ? b_user : dnnl::memory::desc({g.k, g.n}, dnnl_type(m_b.type()), tag::any);
    dnnl::memory::desc c_md({g.m, g.n}, dnnl_type(out_t), tag::ab);
    m_pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), engine());
    m_prim = dnnl::matmul(m_pd);
    m_a_mem = dnnl::memory(a_md, engine(), m_a.data());
    m_b_user = dnnl::memory(b_user, engine(), m_b.data());
    if (m_pd.weights_desc() != b_user) {
      m_b_mem = dnnl::memory(m_pd.weights_desc(), engine());
      dnnl::reorder(m_b_user, m_b_mem).execute(m_stream, m_b_user, m_b_mem);
      m_stream.wait();
    } else {
      m_b_mem = m_b_user;
    }
    m_c = host_buffer(out_t, static_cast<std::size_t>(g.m * g.n));
    m_c_mem = dnnl::memory(c_md, engine(), m_c.bytes.data());
  }
  std::string_view implementation() const override { return "onednn"; }
  choice dispatch() const override { return onednn_choice(m_pd.impl_info_str(), m_isa); }
  std::string notes() const override {
    return fmt::format("oneDNN {}{}", m_pd.impl_info_str(), m_emulated ? "; fp16 emulated: inputs converted to fp32 each launch" : "; weights pre-packed");
  }
  result<void> read_back(host_buffers& out) override {
    out.outputs.at(0).bytes = m_c.bytes;
    return {};
  }

 protected:
  result<void> run_once() override {
    if (m_emulated) {
      m_a.refresh();
      m_b.refresh();
    }
    m_prim.execute(m_stream, {{DNNL_ARG_SRC, m_a_mem}, {DNNL_ARG_WEIGHTS, m_b_mem}, {DNNL_ARG_DST, m_c_mem}});
    m_stream.wait();
    return {};
  }

 private:
  dnnl::stream m_stream;
  cpu_isa m_isa;
  staged_input m_a, m_b;
  bool m_emulated = false;
  dnnl::matmul::primitive_desc m_pd;
  dnnl::matmul m_prim;
  dnnl::memory m_a_mem, m_b_user, m_b_mem, m_c_mem;
  host_buffer m_c;
};

class conv_prepared final : public timed {
 public:
  conv_prepared(const problem& p, const host_buffers& in, const cpu_isa& isa) : m_stream(engine()), m_isa(isa) {
    const auto& c = std::get<conv_shape>(p.dims);
    m_x = staged_input::of(in.inputs[0]);
    m_w = staged_input::of(in.inputs[1]);
    m_emulated = in.inputs[0].type == element_type::f16;
    const element_type out_t = p.type == precision::int8 ? element_type::s32 : element_type::f32;
    const bool nhwc = c.layout == conv_layout::nhwc;
    const dnnl::memory::dims x_dims{c.n, c.c, c.h, c.w}, w_dims{c.k, c.c, c.r, c.s}, y_dims{c.n, c.k, c.p(), c.q()};
    dnnl::memory::desc x_user(x_dims, dnnl_type(m_x.type()), nhwc ? tag::nhwc : tag::nchw);
    dnnl::memory::desc w_user(w_dims, dnnl_type(m_w.type()), nhwc ? tag::ohwi : tag::oihw);
    m_y_user_md = dnnl::memory::desc(y_dims, dnnl_type(out_t), nhwc ? tag::nhwc : tag::nchw);
    // Emulated fp16 keeps the user layouts (the conversion writes them every launch).
    auto any = [&](const dnnl::memory::desc& user, const dnnl::memory::dims& d, element_type t) {
      return m_emulated ? user : dnnl::memory::desc(d, dnnl_type(t), tag::any);
    };
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, any(x_user, x_dims, m_x.type()),
        any(w_user, w_dims, m_w.type()), dnnl::memory::desc(y_dims, dnnl_type(out_t), tag::any), {c.stride_h, c.stride_w},
        {c.dilation_h - 1, c.dilation_w - 1}, {c.pad_top, c.pad_left}, {c.pad_bottom, c.pad_right});
    m_pd = dnnl::convolution_forward::primitive_desc(desc, engine());
    m_prim = dnnl::convolution_forward(m_pd);
    m_x_user = dnnl::memory(x_user, engine(), m_x.data());
    m_w_user = dnnl::memory(w_user, engine(), m_w.data());
    m_x_mem = reordered(m_x_user, m_pd.src_desc());
    m_w_mem = reordered(m_w_user, m_pd.weights_desc());
    m_y_mem = dnnl::memory(m_pd.dst_desc(), engine());
  }
  std::string_view implementation() const override { return "onednn"; }
  choice dispatch() const override { return onednn_choice(m_pd.impl_info_str(), m_isa); }
  std::string notes() const override {
    return fmt::format("oneDNN {}{}", m_pd.impl_info_str(),
                       m_emulated ? "; fp16 emulated: inputs converted to fp32 each launch" : "; tensors in oneDNN's preferred layouts");
  }
  result<void> read_back(host_buffers& out) override {
    host_buffer& y = out.outputs.at(0);
    dnnl::memory user(m_y_user_md, engine(), y.bytes.data());
    dnnl::reorder(m_y_mem, user).execute(m_stream, m_y_mem, user);
    m_stream.wait();
    return {};
  }

 protected:
  result<void> run_once() override {
    if (m_emulated) {
      m_x.refresh();
      m_w.refresh();
    }
    m_prim.execute(m_stream, {{DNNL_ARG_SRC, m_x_mem}, {DNNL_ARG_WEIGHTS, m_w_mem}, {DNNL_ARG_DST, m_y_mem}});
    m_stream.wait();
    return {};
  }

 private:
  dnnl::memory reordered(const dnnl::memory& user, const dnnl::memory::desc& want) {
    if (user.get_desc() == want) return user;
    dnnl::memory m(want, engine());
    dnnl::reorder(user, m).execute(m_stream, const_cast<dnnl::memory&>(user), m);
    m_stream.wait();
    return m;
  }
  dnnl::stream m_stream;
  cpu_isa m_isa;
  staged_input m_x, m_w;
  bool m_emulated = false;
  dnnl::memory::desc m_y_user_md;
  dnnl::convolution_forward::primitive_desc m_pd;
  dnnl::convolution_forward m_prim;
  dnnl::memory m_x_user, m_w_user, m_x_mem, m_w_mem, m_y_mem;
};

template <class P>
result<std::unique_ptr<prepared>> make(const problem& p, const host_buffers& in, const cpu_isa& isa) {
  try {
    return std::make_unique<P>(p, in, isa);
  } catch (const dnnl::error& e) {
    if (e.status == dnnl_unimplemented)
      return fail(status::unsupported, "oneDNN has no implementation for {} on this CPU", p.id());
    if (e.status == dnnl_out_of_memory) return fail(status::skipped, "oneDNN ran out of memory for {}", p.id());
    return fail(status::failed, "oneDNN: {} (status {})", e.what(), static_cast<int>(e.status));
  } catch (const std::bad_alloc&) {
    return fail(status::skipped, "out of host memory preparing {}", p.id());
  }
}

}  // namespace

prepared::choice onednn_choice(std::string_view impl_info, const cpu_isa& isa) {
  const auto effective = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  prepared::choice c;
  c.what = fmt::format("oneDNN {} (dispatches up to {})", impl_info, onednn_isa_name(effective));
  const unsigned expected = onednn_isa_expected(isa);
  if (impl_info.starts_with("ref"))
    c.warning = fmt::format("oneDNN fell back to its reference implementation '{}' (plain C++, no JIT kernel for this case): the row "
                            "is far below what the CPU can do",
                            impl_info);
  else if ((effective & expected) != expected)
    c.warning = fmt::format("oneDNN dispatches up to {} on a CPU that has {}: ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA caps it, or this "
                            "oneDNN predates the CPU; unset the variable (or use a newer oneDNN) to measure its best kernels",
                            onednn_isa_name(effective), onednn_isa_name(expected));
  return c;
}

result<std::unique_ptr<prepared>> gemm_onednn(const problem& p, const host_buffers& in, const context& ctx) {
  return make<gemm_prepared>(p, in, ctx.isa);
}

result<std::unique_ptr<prepared>> conv_onednn(const problem& p, const host_buffers& in, const context& ctx) {
  return make<conv_prepared>(p, in, ctx.isa);
}

XPU_OP_ROW(cpu_device, gemm){
    kernel_kind::gemm,
    [](const cpu_device& d, const problem& p) {
      support s = d.precision_level(p);
      if (s.level == support_level::unsupported) return s;
      s.implementations = {"onednn"};
      if (p.kind() == kernel_kind::gemm && p.type == precision::fp32) s.implementations.push_back("openblas");
      if (p.type == precision::fp16)
        return support{support_level::emulated, "fp16 converted to fp32 (F16C) every launch, fp32 compute in oneDNN", s.implementations};
      return s;
    },
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view impl) {
      return impl == "openblas" ? gemm_openblas(p, in, d.kernel_context()) : gemm_onednn(p, in, d.kernel_context());
    }};

XPU_OP_ROW(cpu_device, conv2d){
    kernel_kind::conv2d, rows::gemm.supports,
    [](cpu_device& d, const problem& p, const host_buffers& in, std::string_view) { return conv_onednn(p, in, d.kernel_context()); }};

}  // namespace xpu::cpu
