#include "models/onnx.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/checked.hpp"
#include "core/forked.hpp"
#include "core/units.hpp"
#include "models/model_suite.hpp"
#include "ops/operation.hpp"

#ifdef XPUBENCH_WITH_ONNX
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "models/onnx_fold.hpp"
#include "models/onnx_graph.hpp"
#endif

namespace xpu {

std::string onnx_suite_toml(const onnx_structure& m, const onnx_dims& dims) {
  std::string dims_text;
  for (const auto& d : m.dims_set) dims_text += (dims_text.empty() ? "" : ", ") + d;
  std::string s;
  s += toml_comment(fmt::format("# Written by `xpubench suite from-model {}`: the products, convolutions and LayerNorms of ONNX graph '{}' ({}, opset {}){}.",
                                m.source, m.name, m.producer.empty() ? "producer not named" : m.producer, m.opset,
                                dims_text.empty() ? "" : fmt::format(" at {}", dims_text))) +
       "\n";
  s += "# Each distinct shape once, in fp32, fp16, bf16 and int8 (LayerNorm: no int8); [[model.inference]] says how many\n"
       "# times one inference runs it, and the report sums those into a kernel-time bound on inferences/s (element-wise\n"
       "# operators, other normalizations, reshapes and the runtime's own costs are not measured).\n";
  s += fmt::format("name = {}\n", toml_quoted(suite_name_for(m.source)));  // the file's: the graph's name is in [model]
  s += fmt::format("description = {}\n", toml_quoted(fmt::format("{}: {} GEMM/convolution/LayerNorm shapes{}", m.name, m.steps.size(),
                                                                   dims_text.empty() ? "" : " at " + dims_text)));
  s += "repetitions = 5\nmin_time_s = 0.05\n\n";
  constexpr precision dense[] = {precision::fp32, precision::fp16, precision::bf16, precision::int8};
  for (kernel_kind kind : {kernel_kind::gemm, kernel_kind::conv2d, kernel_kind::layernorm}) {  // through the operations' own writers
    std::vector<std::pair<problem, std::string>> entries;
    for (const onnx_step& st : m.steps)
      if (st.what.kind() == kind) entries.emplace_back(st.what, fmt::format("{} x {} ({})", st.count, toml_comment(st.nodes), toml_comment(st.weight_type)));
    const std::span<const precision> types(dense, kind == kernel_kind::layernorm ? 3 : 4);
    if (!entries.empty()) s += operation_section(operation_for(kind), types, entries) + "\n";
  }
  s += fmt::format("[model]\nname = {}\nsource = {}\nweight_type = {}\nweight_bytes = {:.0f}\n", toml_quoted(fmt::format("onnx: {}", m.name)),
                   toml_quoted(m.source), toml_quoted(m.weight_type), m.weight_bytes);
  if (m.uses_tokens) s += fmt::format("tokens = {}\n", dims.tokens);
  std::vector<std::string> notes = m.notes;
  if (!dims_text.empty()) notes.insert(notes.begin(), "an inference at " + dims_text);
  s += toml_notes(notes);
  s += "\n";
  for (const onnx_step& st : m.steps) s += fmt::format("[[model.inference]]\nrun = \"{}\"\ncount = {}\n", st.what.shape_id(), st.count);
  return s;
}

#ifndef XPUBENCH_WITH_ONNX

bool onnx_supported() { return false; }

result<onnx_structure> model_from_onnx(const std::filesystem::path& path, const onnx_dims&) {
  return fail(status::unsupported, "{}: this xpubench was built without ONNX support (libonnx-dev and libprotobuf-dev were not found when it was "
                                   "configured: run scripts/install-deps.sh and rebuild)",
              path.string());
}

#else

bool onnx_supported() { return true; }

namespace {

using namespace onnx_graph;
using shape_map = std::unordered_map<std::string, std::vector<std::int64_t>>;  // -1: a dimension shape inference could not fix

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string type_name(int t) {
  return onnx::TensorProto_DataType_IsValid(t) ? lower(onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(t)))
                                               : fmt::format("type {}", t);
}

std::optional<int> element_bytes(int t) {
  using T = onnx::TensorProto;
  switch (t) {
    case T::INT8: case T::UINT8: case T::BOOL: return 1;
    case T::FLOAT16: case T::BFLOAT16: case T::INT16: case T::UINT16: return 2;
    case T::FLOAT: case T::INT32: case T::UINT32: return 4;
    case T::DOUBLE: case T::INT64: case T::UINT64: return 8;
    default: return std::nullopt;
  }
}

// A symbolic dimension's value from the options, or nullopt.
std::optional<std::int64_t> value_for(const std::string& name, const onnx_dims& dims, bool& took_tokens) {
  if (const auto it = dims.dims.find(name); it != dims.dims.end()) return it->second;
  const std::string l = lower(name);
  if (l.find("batch") != std::string::npos) return dims.batch;
  if (l.find("seq") != std::string::npos || l.find("token") != std::string::npos || l.find("length") != std::string::npos) {
    took_tokens = true;
    return dims.tokens;
  }
  return std::nullopt;
}

struct graph_reader {
  graph_reader(const onnx::GraphProto& graph, onnx_structure& structure) : g(graph), out(structure) {}
  const onnx::GraphProto& g;
  onnx_structure& out;
  shape_map shapes;
  std::unordered_map<std::string, int> types;             // element type of every name shape inference typed
  std::unordered_map<std::string, const onnx::NodeProto*> producer;
  std::unordered_map<std::string, const onnx::TensorProto*> initializer_of;
  std::set<std::string> constants;                          // initializers and Constant outputs
  std::set<std::string> weights_counted;
  std::map<std::string, double> bytes_by_type;
  std::map<std::string, std::size_t> step_of;               // shape id -> index in out.steps
  std::map<std::string, std::int64_t> left_out;             // "com.microsoft.Attention" -> nodes

  std::set<std::string> noted;                              // out.notes, for note_once in O(log n)
  std::vector<std::size_t> nodes_of_step;                   // per step, how many nodes it counts
  std::string invalid;                                      // the first node no ONNX runtime would accept

  void note_once(std::string note) {
    if (noted.insert(note).second) out.notes.push_back(std::move(note));
  }

  // The stored type of an operand: the constant it comes from (through casts, transposes,
  // reshapes and dequantization, as exporters write weights), or "activations".
  std::string operand_type(const std::string& name) {
    std::string at = name;
    for (int hops = 0; hops < 4; ++hops) {
      if (constants.contains(at)) {
        const auto t = types.find(at);
        const std::string type = t == types.end() ? "unknown" : type_name(t->second);
        const auto s = shapes.find(at);
        if (t != types.end() && s != shapes.end() && known(s->second) && weights_counted.insert(at).second) {
          std::optional<std::int64_t> elements = 1;
          for (std::int64_t d : s->second) elements = elements ? checked_mul(*elements, d) : std::nullopt;
          if (const auto b = element_bytes(t->second); b && elements) bytes_by_type[type] += static_cast<double>(*elements) * *b;
        }
        return type;
      }
      const auto p = producer.find(at);
      if (p == producer.end() || p->second->input_size() == 0) break;
      const std::string& op = p->second->op_type();
      if (op != "Cast" && op != "Transpose" && op != "Reshape" && op != "DequantizeLinear" && op != "Identity") break;
      at = p->second->input(0);
    }
    return "activations";
  }

  // What a node adds while an If's branches are walked (collect set): kept until a branch is chosen.
  struct pending {
    const onnx::NodeProto* node;
    problem what;
    std::int64_t count;
    std::string weight;
  };
  std::vector<pending>* collect = nullptr;
  std::int64_t scale = 1;  // the enclosing Loops' trip counts multiplied

  void add(const onnx::NodeProto& n, problem what, std::int64_t count_in_graph, const std::string& weight) {
    const auto scaled = checked_mul(count_in_graph, scale);
    if (!scaled) return note_once(fmt::format("{} '{}': its problem runs more than 2^63 times an inference: left out", quoted_name(n.op_type()), quoted_name(n.name())));
    const std::int64_t count = *scaled;
    if (collect) return collect->push_back({&n, std::move(what), count, weight});
    const std::string id = what.shape_id();
    const std::string node = fmt::format("{} '{}'", quoted_name(n.op_type()), quoted_name(!n.name().empty() ? n.name() : n.output_size() > 0 ? n.output(0) : "(unnamed)"));
    auto [it, fresh] = step_of.try_emplace(id, out.steps.size());
    if (fresh) {
      out.steps.push_back({std::move(what), 0, node, weight});
      nodes_of_step.push_back(1);
    } else {
      onnx_step& st = out.steps[it->second];
      const std::size_t listed = nodes_of_step[it->second]++;  // the first three nodes named, then "..."
      if (listed < 3) st.nodes += ", " + node;
      else if (listed == 3) st.nodes += ", ...";
      if (st.weight_type != weight) st.weight_type = "mixed";
    }
    const auto total = checked_add(out.steps[it->second].count, count);
    if (!total) return note_once(fmt::format("{}: its problem runs more than 2^63 times an inference: left out", node));
    out.steps[it->second].count = *total;
  }

  const std::vector<std::int64_t>* shape(const onnx::NodeProto& n, int input) const {
    if (input >= n.input_size()) return nullptr;
    const auto it = shapes.find(n.input(input));
    return it == shapes.end() || !known(it->second) ? nullptr : &it->second;
  }

  void unknown_shape(const onnx::NodeProto& n) {
    note_once(fmt::format("{} '{}': an operand's shape is not known after shape inference: left out", quoted_name(n.op_type()), quoted_name(n.name())));
  }

  // MatMul and its integer forms: numpy's matmul rules. A 2-D second operand (a weight) takes
  // every leading dimension of the first as rows; otherwise the broadcast batch is the count.
  void matmul(const onnx::NodeProto& n, int a_input, int b_input) {
    const auto* a = shape(n, a_input);
    const auto* b = shape(n, b_input);
    if (!a || !b) return unknown_shape(n);
    std::vector<std::int64_t> A = *a, B = *b;
    if (A.size() == 1) A.insert(A.begin(), 1);
    if (B.size() == 1) B.push_back(1);
    const std::int64_t k = A.back(), n_cols = B.back(), m_rows = A[A.size() - 2];
    if (B[B.size() - 2] != k)
      return note_once(fmt::format("{} '{}': inner dimensions {} and {} differ: left out", quoted_name(n.op_type()), quoted_name(n.name()), k, B[B.size() - 2]));
    std::optional<std::int64_t> m = m_rows, count = 1;
    if (B.size() == 2) {
      for (std::size_t i = 0; i + 2 < A.size(); ++i) m = m ? checked_mul(*m, A[i]) : std::nullopt;
    } else {
      const std::size_t batch = std::max(A.size(), B.size()) - 2;
      for (std::size_t i = 0; i < batch; ++i) {
        const auto dim = [&](const std::vector<std::int64_t>& v) {
          const std::size_t lead = v.size() - 2;
          return i + lead >= batch ? v[i + lead - batch] : std::int64_t{1};
        };
        if (dim(A) != dim(B) && dim(A) != 1 && dim(B) != 1)
          return note_once(fmt::format("{} '{}': batch dimensions {} and {} do not broadcast: left out", quoted_name(n.op_type()), quoted_name(n.name()), dim(A), dim(B)));
        count = count ? checked_mul(*count, std::max(dim(A), dim(B))) : std::nullopt;
      }
    }
    if (!m || !count) return note_once(fmt::format("{} '{}': a size beyond 64 bits: left out", quoted_name(n.op_type()), quoted_name(n.name())));
    add(n, {gemm_shape{*m, n_cols, k, false, false}}, *count, operand_type(n.input(b_input)));
  }

  void gemm(const onnx::NodeProto& n) {
    const auto* a = shape(n, 0);
    const auto* b = shape(n, 1);
    if (!a || !b) return unknown_shape(n);
    if (a->size() != 2 || b->size() != 2) return note_once(fmt::format("Gemm '{}': operands are not matrices: left out", quoted_name(n.name())));
    const bool ta = int_attribute(n, "transA", 0) != 0, tb = int_attribute(n, "transB", 0) != 0;
    const std::int64_t m = ta ? (*a)[1] : (*a)[0], k = ta ? (*a)[0] : (*a)[1], cols = tb ? (*b)[0] : (*b)[1];
    if ((tb ? (*b)[1] : (*b)[0]) != k)
      return note_once(fmt::format("Gemm '{}': inner dimensions {} and {} differ: left out", quoted_name(n.name()), k, tb ? (*b)[1] : (*b)[0]));
    add(n, {gemm_shape{m, cols, k, ta, tb}}, 1, operand_type(n.input(1)));
  }

  // Conv: 2-D, or 1-D as 2-D with h = r = 1 (audio front ends), any stride, padding and dilation
  // per axis; a grouped convolution as one of its groups, `group` times.
  void conv(const onnx::NodeProto& n, int x_input, int w_input) {
    const auto* x = shape(n, x_input);
    const auto* w = shape(n, w_input);
    if (!x || !w) return unknown_shape(n);
    const std::string what = fmt::format("{} '{}'", quoted_name(n.op_type()), quoted_name(n.name()));
    // What the ONNX operator's definition requires (onnxruntime refuses such a node): an error, not a note.
    const auto refuse = [&](std::string why) {
      if (invalid.empty()) invalid = fmt::format("{}: {}", what, why);
    };
    if (x->size() != w->size() || x->size() < 3)
      return refuse(fmt::format("its input has {} dimensions and its weights {}: ONNX needs N x C x spatial and K x C x spatial", x->size(),
                                w->size()));
    if (x->size() > 4) return note_once(fmt::format("{}: a {}-D convolution: conv2d measures 1-D and 2-D ones: left out", what, x->size() - 2));
    const std::size_t axes = x->size() - 2;
    // Operands and attributes as 2-D: a 1-D convolution gets a leading axis of extent 1.
    std::vector<std::int64_t> xs = *x, ws = *w;
    if (axes == 1) xs.insert(xs.begin() + 2, 1), ws.insert(ws.begin() + 2, 1);
    const std::int64_t group = int_attribute(n, "group", 1);
    auto strides = ints_attribute(n, "strides", std::vector<std::int64_t>(axes, 1));
    auto dilations = ints_attribute(n, "dilations", std::vector<std::int64_t>(axes, 1));
    auto pads = ints_attribute(n, "pads", std::vector<std::int64_t>(2 * axes, 0));
    const std::string auto_pad = attribute(n, "auto_pad") ? attribute(n, "auto_pad")->s() : "NOTSET";
    const std::int64_t C = xs[1], K = ws[0], R = ws[2], S = ws[3];
    if (group < 1 || C % group != 0 || K % group != 0)
      return refuse(fmt::format("group {} does not divide its {} input and {} output channels", group, C, K));
    if (ws[1] != C / group)
      return refuse(fmt::format("its weights have {} input channels per group, its input {} / group {} = {}", ws[1], C, group, C / group));
    if (const std::vector<std::int64_t> taps(w->begin() + 2, w->end()); ints_attribute(n, "kernel_shape", taps) != taps)
      return refuse(fmt::format("kernel_shape {} disagrees with its weights' {}", fmt::join(ints_attribute(n, "kernel_shape", taps), " x "),
                                fmt::join(taps, " x ")));
    if (strides.size() != axes || dilations.size() != axes || pads.size() != 2 * axes ||
        std::ranges::any_of(strides, [](std::int64_t v) { return v < 1; }) || std::ranges::any_of(dilations, [](std::int64_t v) { return v < 1; }) ||
        std::ranges::any_of(pads, [](std::int64_t v) { return v < 0; }))
      return refuse(fmt::format("strides [{}], dilations [{}] or pads [{}] do not fit its {} spatial axes", fmt::join(strides, ", "),
                                fmt::join(dilations, ", "), fmt::join(pads, ", "), axes));
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      for (std::size_t d = 0; d < axes; ++d) {
        const std::int64_t in = (*x)[2 + d], k = (*w)[2 + d], st = strides[d];
        const std::int64_t total = std::max<std::int64_t>(0, ((in + st - 1) / st - 1) * st + (k - 1) * dilations[d] + 1 - in);
        pads[d] = pads[d + axes] = total / 2;
        if (total % 2 != 0) pads[auto_pad == "SAME_UPPER" ? d + axes : d] += 1;
      }
    } else if (auto_pad == "VALID") {
      std::ranges::fill(pads, 0);
    }
    if (axes == 1) {  // h: stride 1, dilation 1, no padding
      strides.insert(strides.begin(), 1), dilations.insert(dilations.begin(), 1);
      pads = {0, pads[0], 0, pads[1]};
    }
    if (group > 1)
      note_once("grouped convolutions are measured as one group of their channels, counted once per group: a kernel that runs the "
                "groups together (depthwise) is faster than that sum");
    if (axes == 1) note_once("1-D convolutions are measured as 2-D ones of height 1 (h = r = 1)");
    add(n,
        {conv_shape{xs[0], C / group, xs[2], xs[3], K / group, R, S, strides[0], strides[1], pads[0], pads[1], pads[2], pads[3], dilations[0],
                    dilations[1], conv_layout::nchw}},
        group, operand_type(n.input(w_input)));
  }

  // LayerNormalization (opset 17): mean and variance over the axes from `axis` on, one row per
  // index of the axes before it; measured as layernorm rows x cols.
  void layernorm(const onnx::NodeProto& n) {
    const auto* x = shape(n, 0);
    if (!x) return unknown_shape(n);
    const std::string what = fmt::format("{} '{}'", quoted_name(n.op_type()), quoted_name(n.name()));
    const auto rank = static_cast<std::int64_t>(x->size());
    const std::int64_t given = int_attribute(n, "axis", -1), axis = given < 0 ? given + rank : given;
    if (axis < 0 || axis >= rank) {
      if (invalid.empty()) invalid = fmt::format("{}: axis {} is outside its input's {} dimensions", what, given, rank);
      return;
    }
    std::optional<std::int64_t> rows = 1, cols = 1;
    for (std::int64_t d = 0; d < rank; ++d) {
      auto& into = d < axis ? rows : cols;
      into = into ? checked_mul(*into, (*x)[static_cast<std::size_t>(d)]) : std::nullopt;
    }
    if (!rows || !cols) return note_once(fmt::format("{}: a size beyond 64 bits: left out", what));
    add(n, {layernorm_shape{*rows, *cols}}, 1, operand_type(n.input_size() > 1 ? n.input(1) : n.input(0)));
  }

  // The names of one graph (the main graph, or a subgraph of If/Loop, whose names ONNX keeps apart
  // from the outer graph's): initializers, typed values with their shapes, Constant outputs, producers.
  void index(const onnx::GraphProto& graph) {
    for (const auto& t : graph.initializer()) {
      initializer_of[t.name()] = &t;
      constants.insert(t.name());
      types[t.name()] = t.data_type();
      shapes[t.name()] = std::vector<std::int64_t>(t.dims().begin(), t.dims().end());
    }
    for (const auto* list : {&graph.input(), &graph.value_info(), &graph.output()})
      for (const auto& v : *list) {
        if (constants.contains(v.name())) continue;
        shapes[v.name()] = dims_of(v.type());
        if (v.type().has_tensor_type()) types[v.name()] = v.type().tensor_type().elem_type();
      }
    for (const auto& n : graph.node()) {
      for (const auto& o : n.output()) producer[o] = &n;
      if (n.op_type() == "Constant" && n.output_size() == 1)
        if (const auto* v = attribute(n, "value"); v && v->has_t()) {
          constants.insert(n.output(0));
          types[n.output(0)] = v->t().data_type();
          shapes[n.output(0)] = std::vector<std::int64_t>(v->t().dims().begin(), v->t().dims().end());
        }
    }
  }

  // A constant integer scalar (a Loop's trip count): an initializer or a Constant's value.
  std::optional<std::int64_t> constant_integer(const std::string& name) const {
    const auto i = initializer_of.find(name);
    const onnx::TensorProto* t = i == initializer_of.end() ? nullptr : i->second;
    if (const auto p = producer.find(name); !t && p != producer.end() && p->second->op_type() == "Constant")
      if (const auto* v = attribute(*p->second, "value"); v && v->has_t()) t = &v->t();
    if (!t || t->data_type() != onnx::TensorProto::INT64) return std::nullopt;  // ONNX's Loop takes an int64 M
    const auto v = tensor_values(*t);
    return v && v->size() == 1 ? std::optional(v->front()) : std::nullopt;
  }

  // If: one branch runs per inference, which one depends on data: the branch of more work (its
  // products' operations) is counted, both named. Each branch is walked into its own list first.
  void walk_if(const onnx::NodeProto& n, int depth) {
    const onnx::GraphProto* branches[2] = {nullptr, nullptr};
    for (const auto& a : n.attribute())
      if (a.has_g()) branches[a.name() == "else_branch" ? 1 : 0] = &a.g();
    std::vector<pending> taken[2];
    double work[2] = {0, 0};
    for (int b = 0; b < 2; ++b) {
      if (!branches[b]) continue;
      std::vector<pending>* outer = collect;
      collect = &taken[b];
      index(*branches[b]);
      walk(*branches[b], depth + 1);
      collect = outer;
      for (const auto& p : taken[b]) work[b] += workload_for(p.what.kind()).ops(p.what) * static_cast<double>(p.count);
    }
    const int chosen = work[1] > work[0] ? 1 : 0;
    note_once(fmt::format("If '{}': the {} branch counted ({} product(s), {:.3g} GFLOP), not the {} ({} product(s), {:.3g} GFLOP): one runs per "
                          "inference, chosen by data; the one of more work is what the sums hold",
                          quoted_name(n.name()), chosen ? "else" : "then", taken[chosen].size(), work[chosen] / 1e9, chosen ? "then" : "else",
                          taken[1 - chosen].size(), work[1 - chosen] / 1e9));
    const std::int64_t outer = scale;
    scale = 1;  // the counts collected hold the enclosing loops' trip counts already
    for (auto& p : taken[chosen]) add(*p.node, std::move(p.what), p.count, p.weight);
    scale = outer;
  }

  // Loop: its body runs the trip count's times where that is a constant (and no condition stops it
  // sooner: a condition input is noted); otherwise once, noted.
  void walk_loop(const onnx::NodeProto& n, int depth) {
    const onnx::GraphProto* body = nullptr;
    for (const auto& a : n.attribute())
      if (a.name() == "body" && a.has_g()) body = &a.g();
    if (!body) return;
    const auto trips = n.input_size() > 0 && !n.input(0).empty() ? constant_integer(n.input(0)) : std::nullopt;
    std::int64_t times = 1;
    if (trips && *trips >= 0 && *trips <= (std::int64_t{1} << 30)) {
      times = *trips;
      note_once(fmt::format("Loop '{}': its body counted {} time(s), its constant trip count{}", quoted_name(n.name()), times,
                            n.input_size() > 1 && !n.input(1).empty() ? " (a condition may end it sooner)" : ""));
    } else {
      note_once(fmt::format("Loop '{}': its trip count is not a constant: its body counted once", quoted_name(n.name())));
    }
    if (times == 0) return;
    const std::int64_t outer = scale;
    const auto inner = checked_mul(scale, times);
    if (!inner) return note_once(fmt::format("Loop '{}': nested loops run more than 2^63 times: left out", quoted_name(n.name())));
    scale = *inner;
    index(*body);
    walk(*body, depth + 1);
    scale = outer;
  }

  void walk(const onnx::GraphProto& graph, int depth) {
    for (const auto& n : graph.node()) {
      const std::string& op = n.op_type();
      if (!n.domain().empty() && n.domain() != "ai.onnx") {
        ++left_out[n.domain() + "." + op];
        continue;
      }
      if (op == "MatMul" || op == "MatMulInteger") matmul(n, 0, 1);
      else if (op == "QLinearMatMul") matmul(n, 0, 3);
      else if (op == "Gemm") gemm(n);
      else if (op == "Conv" || op == "ConvInteger") conv(n, 0, 1);
      else if (op == "QLinearConv") conv(n, 0, 3);
      else if (op == "LayerNormalization") layernorm(n);
      else if (op == "If" && depth < 64) walk_if(n, depth);
      else if (op == "Loop" && depth < 64) walk_loop(n, depth);
      else if (op == "ConvTranspose" || op == "If" || op == "Loop" || op == "Scan" || op == "Einsum") ++left_out[op];
    }
  }

  void read() {
    index(g);
    walk(g, 0);
    for (const auto& [op, count] : left_out)
      out.notes.push_back(fmt::format("{} x {}: not mapped to a problem (its work is not in the sums)", count, op));
    double most = -1;
    for (const auto& [type, b] : bytes_by_type) {
      out.weight_bytes += b;
      if (b > most) most = b, out.weight_type = type;
    }
  }
};

// libonnx's convolution and pooling shape inference divides by strides, dilations and the group
// without checking them (a zero is SIGFPE, which no catch sees): every node's spatial attributes, in
// subgraphs too, are checked before inference runs.
std::optional<std::string> bad_spatial_attribute(const onnx::GraphProto& g, int depth = 0) {
  if (depth > 64) return "subgraphs nested more than 64 deep";
  for (const auto& n : g.node())
    for (const auto& a : n.attribute()) {
      if (!n.domain().empty() && n.domain() != "ai.onnx" && !a.has_g() && a.graphs_size() == 0) continue;  // not ONNX's operator: not its rules
      const bool positive = a.name() == "strides" || a.name() == "dilations" || a.name() == "kernel_shape", pads = a.name() == "pads";
      for (std::int64_t v : a.ints())
        if ((positive && (v < 1 || v > (std::int64_t{1} << 30))) || (pads && (v < 0 || v > (std::int64_t{1} << 30))))
          return fmt::format("{} '{}': {} holds {} ({} must be {} 2^30)", quoted_name(n.op_type()), quoted_name(n.name()), a.name(), v, a.name(),
                             positive ? "from 1 to" : "from 0 to");
      if (a.name() == "group" && (a.i() < 1 || a.i() > (std::int64_t{1} << 30)))
        return fmt::format("{} '{}': group {} (it must be from 1 to 2^30)", quoted_name(n.op_type()), quoted_name(n.name()), a.i());
      if (a.has_g())
        if (auto bad = bad_spatial_attribute(a.g(), depth + 1)) return bad;
      for (const auto& sub : a.graphs())
        if (auto bad = bad_spatial_attribute(sub, depth + 1)) return bad;
    }
  return std::nullopt;
}

// libonnx's shape inference has more such holes than attributes can be checked for (1.12: a Conv
// whose input has another rank than its weight reads past its strides, SIGSEGV; the input's rank is
// known only during inference). It runs in a forked child (core/forked.hpp), on the model in memory,
// which sends the inferred model back: a child that dies is an error naming the signal, one that
// hangs is stopped at the deadline, never the command's crash or hang. (suite from-model is
// single-threaded: fork without exec is safe here.)
result<void> infer_shapes_isolated(onnx::ModelProto& model, const std::string& source, double timeout_s) {
  auto inferred = run_forked(
      [&](std::string& reply) {  // "M" + the inferred model, or "E" + libonnx's message
        try {
          onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(false, 0, true));
          reply = "M" + model.SerializeAsString();
        } catch (const std::exception& e) {
          reply = std::string("E") + e.what();
        }
        return 0;
      },
      timeout_s);
  if (!inferred) return fail(status::failed, "{}: cannot start ONNX shape inference: {}", source, inferred.error().message);
  if (inferred->signal)
    return fail(status::invalid, "{}: ONNX shape inference crashed on this graph ({}): a malformed graph libonnx does not check (e.g. a "
                "convolution whose input and weight ranks differ)", source, inferred->how_it_ended(timeout_s));
  if (inferred->timed_out)
    return fail(status::invalid, "{}: ONNX shape inference gave no answer within 300 s and was stopped", source);
  const std::string& reply = inferred->reply;
  if (inferred->exit_code != 0 || reply.empty()) return fail(status::failed, "{}: ONNX shape inference ended without an answer ({})", source,
                                                             inferred->how_it_ended(timeout_s));
  if (reply[0] == 'E') return fail(status::invalid, "{}: ONNX shape inference failed: {}", source, reply.substr(1));
  if (!model.ParseFromArray(reply.data() + 1, static_cast<int>(reply.size() - 1)))
    return fail(status::failed, "{}: ONNX shape inference sent back a model protobuf could not read", source);
  return {};
}

}  // namespace

result<onnx_structure> model_from_onnx(const std::filesystem::path& path, const onnx_dims& dims) {
  const std::string source = path.string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail(status::invalid, "{}: cannot read: {}", source, ec.message());
  if (size > (std::uintmax_t{1} << 31) - 1)
    return fail(status::invalid, "{}: {} bytes: protobuf cannot parse a file over 2 GiB (models that large keep their weights in external data files, "
                "and the graph file beside them is what to give)", source, size);
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in))
    return fail(status::invalid, "{}: not an ONNX model (protobuf could not parse it as onnx.ModelProto: truncated or another format)", source);
  if (!model.has_graph() || model.graph().node_size() == 0) return fail(status::invalid, "{}: an ONNX model without a graph or without nodes", source);
  onnx_structure out;
  out.source = source;
  out.name = model.graph().name().empty() ? path.stem().string() : model.graph().name();
  out.producer = model.producer_name();
  if (!model.producer_version().empty()) out.producer += " " + model.producer_version();
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") out.opset = o.version();
  if (out.opset == 0) return fail(status::invalid, "{}: no opset of the default ONNX domain is imported", source);

  // Fix every symbolic dimension of the inputs, then let ONNX infer the rest.
  onnx::GraphProto& g = *model.mutable_graph();
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) initializers.insert(t.name());
  std::map<std::string, std::string> given;  // dimension -> "name = value (input 'x')"
  for (auto& input : *g.mutable_input()) {
    if (initializers.contains(input.name()) || !input.type().has_tensor_type()) continue;
    auto* dims_of_input = input.mutable_type()->mutable_tensor_type()->mutable_shape();
    for (int i = 0; i < dims_of_input->dim_size(); ++i) {
      auto* d = dims_of_input->mutable_dim(i);
      if (d->has_dim_value() && d->dim_value() > (std::int64_t{1} << 30))
        return fail(status::invalid, "{}: input '{}' has dimension {} of {}: above 2^30, beyond any device", source, quoted_name(input.name()), i, d->dim_value());
      if (d->has_dim_value() && d->dim_value() > 0) continue;
      if (!d->has_dim_param() || d->dim_param().empty())
        return fail(status::invalid, "{}: input '{}' has an unnamed dimension {} without a size: xpubench cannot give it a value", source, quoted_name(input.name()), i);
      const std::string name = d->dim_param();
      const auto v = value_for(name, dims, out.uses_tokens);
      if (!v)
        return fail(status::invalid, "{}: input '{}' has the symbolic dimension '{}': give it a size with --dim {}=N (batch and sequence "
                    "dimensions take --batch and --tokens)", source, quoted_name(input.name()), quoted_name(name), quoted_name(name));
      if (*v < 1 || *v > (std::int64_t{1} << 30)) return fail(status::invalid, "{}: dimension '{}' = {} is outside 1 to 2^30", source, quoted_name(name), *v);
      given.try_emplace(name, fmt::format("{} = {} (input '{}')", quoted_name(name), *v, quoted_name(input.name())));
      d->set_dim_value(*v);
    }
  }
  for (const auto& [name, text] : given) out.dims_set.push_back(text);
  for (const auto& [name, value] : dims.dims)
    if (!given.contains(name)) {
      std::string names;
      for (const auto& [n, text] : given) names += (names.empty() ? "" : ", ") + n;
      return fail(status::invalid, "{}: --dim {}={}: no input of the graph has a symbolic dimension '{}' ({})", source, name, value, name,
                  names.empty() ? "it has none" : "it has: " + names);
    }
  if (auto bad = bad_spatial_attribute(g)) return fail(status::invalid, "{}: {}: not a valid ONNX graph", source, *bad);
  // Inference, then what it left open behind shape arithmetic (models/onnx_fold.hpp), a few rounds.
  // One budget for every round (graphs of thousands of nodes take seconds; a loop in libonnx is not
  // waited out), and inference always after the last fold.
  using clock = std::chrono::steady_clock;
  const auto give_up = clock::now() + std::chrono::seconds(300);
  std::size_t folded = 0;
  for (int round = 0;; ++round) {
    const double left = std::chrono::duration<double>(give_up - clock::now()).count();
    if (left <= 0) return fail(status::invalid, "{}: ONNX shape inference gave no answer within 300 s and was stopped", source);
    if (auto inferred = infer_shapes_isolated(model, source, left); !inferred) return std::unexpected(inferred.error());
    if (round == 32) break;
    const std::size_t more = fold_reshape_targets(model);
    if (more == 0) break;
    folded += more;
  }
  if (folded > 0)
    out.notes.push_back(fmt::format("{} Reshape target(s) computed from the graph's shape arithmetic (Shape, Slice, Concat, ...) that ONNX's "
                                    "shape inference left open", folded));
  graph_reader reader{model.graph(), out};
  reader.read();
  if (!reader.invalid.empty()) return fail(status::invalid, "{}: {}: not a valid ONNX graph", source, reader.invalid);
  if (out.steps.empty())
    return fail(status::invalid, "{}: no MatMul, Gemm, 1-D or 2-D Conv or LayerNormalization of known shape in the graph{}", source,
                out.notes.empty() ? "" : fmt::format(" ({})", out.notes.front()));
  return out;
}

#endif

}  // namespace xpu
