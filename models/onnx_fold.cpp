#include "models/onnx_fold.hpp"

#include <climits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/checked.hpp"
#include "models/onnx_graph.hpp"

namespace xpu {
namespace {

using namespace onnx_graph;
using values = std::vector<std::int64_t>;

// numpy's slice of a vector of n: the start and end clamped as ONNX's Slice does.
values sliced(const values& data, std::int64_t start, std::int64_t end, std::int64_t step) {
  const auto n = static_cast<std::int64_t>(data.size());
  step = std::clamp<std::int64_t>(step, -(n + 1), n + 1);  // a longer step takes the same elements; i += step cannot overflow
  const auto clamp = [&](std::int64_t i, bool backward) {
    if (i < 0) i = i < -n ? -n - 1 : i + n;
    return backward ? std::clamp<std::int64_t>(i, -1, n - 1) : std::clamp<std::int64_t>(i, 0, n);
  };
  values out;
  const bool backward = step < 0;
  for (std::int64_t i = clamp(start, backward), e = clamp(end, backward); backward ? i > e : i < e; i += step)
    out.push_back(data[static_cast<std::size_t>(i)]);
  return out;
}

struct folder {
  onnx::GraphProto& g;
  std::unordered_map<std::string, values> known_values;
  std::unordered_map<std::string, std::vector<std::int64_t>> shapes;
  std::unordered_map<std::string, int> types;
  std::unordered_map<std::string, onnx::ValueInfoProto*> infos;

  const values* value(const onnx::NodeProto& n, int i) const {
    if (i >= n.input_size() || n.input(i).empty()) return nullptr;
    const auto it = known_values.find(n.input(i));
    return it == known_values.end() ? nullptr : &it->second;
  }

  // The node's output value, when its inputs' values (or, for Shape, its input's shape) are known.
  std::optional<values> evaluate(const onnx::NodeProto& n) const {
    const std::string& op = n.op_type();
    if (op == "Constant") {
      if (const auto* a = attribute(n, "value"); a && a->has_t()) return tensor_values(a->t());
      if (const auto* a = attribute(n, "value_ints")) return values(a->ints().begin(), a->ints().end());
      if (const auto* a = attribute(n, "value_int")) return values{a->i()};
      return std::nullopt;
    }
    if (op == "Shape") {
      const auto s = n.input_size() > 0 ? shapes.find(n.input(0)) : shapes.end();
      if (s == shapes.end() || !known(s->second)) return std::nullopt;
      const auto rank = static_cast<std::int64_t>(s->second.size());
      return sliced(s->second, int_attribute(n, "start", 0), int_attribute(n, "end", rank), 1);
    }
    const values* a = value(n, 0);
    if (!a) return std::nullopt;
    if (op == "Identity") return *a;
    if (op == "Cast") {  // only where the target holds every value unchanged (shape arithmetic: sizes and indices)
      const std::int64_t to = int_attribute(n, "to", 0);
      const std::int64_t limit = to == onnx::TensorProto::INT64 ? INT64_MAX
                                 : to == onnx::TensorProto::INT32 ? INT32_MAX
                                 : to == onnx::TensorProto::FLOAT ? std::int64_t{1} << 24
                                 : to == onnx::TensorProto::DOUBLE ? std::int64_t{1} << 53
                                                                   : 0;
      for (std::int64_t v : *a)
        if (v > limit || v < -limit) return std::nullopt;
      return *a;
    }
    if (op == "Squeeze" || op == "Unsqueeze") return a->size() == 1 ? std::optional<values>(*a) : std::nullopt;
    if (op == "Slice") {  // one axis, 0: the only one a vector has
      const values* starts = n.input_size() > 1 ? value(n, 1) : nullptr;
      const values* ends = n.input_size() > 2 ? value(n, 2) : nullptr;
      const values attr_starts = ints_attribute(n, "starts", {}), attr_ends = ints_attribute(n, "ends", {});
      if (n.input_size() == 1) starts = &attr_starts, ends = &attr_ends;  // opset < 10: attributes
      const values* axes = n.input_size() > 3 ? value(n, 3) : nullptr;
      const values* steps = n.input_size() > 4 ? value(n, 4) : nullptr;
      if (!starts || !ends || starts->size() != 1 || ends->size() != 1) return std::nullopt;
      if (n.input_size() > 3 && !n.input(3).empty() && (!axes || axes->size() != 1 || ((*axes)[0] != 0 && (*axes)[0] != -1))) return std::nullopt;
      if (n.input_size() > 4 && !n.input(4).empty() && (!steps || steps->size() != 1 || (*steps)[0] == 0)) return std::nullopt;
      return sliced(*a, (*starts)[0], (*ends)[0], steps ? (*steps)[0] : 1);
    }
    if (op == "Gather") {
      const values* idx = value(n, 1);
      if (!idx || int_attribute(n, "axis", 0) != 0) return std::nullopt;
      values out;
      for (std::int64_t i : *idx) {
        if (i < 0) i += static_cast<std::int64_t>(a->size());
        if (i < 0 || i >= static_cast<std::int64_t>(a->size())) return std::nullopt;
        out.push_back((*a)[static_cast<std::size_t>(i)]);
      }
      return out;
    }
    if (op == "Concat") {
      values out;
      for (int i = 0; i < n.input_size(); ++i) {
        const values* v = value(n, i);
        if (!v || out.size() + v->size() > max_elements) return std::nullopt;
        out.insert(out.end(), v->begin(), v->end());
      }
      return out;
    }
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      const values* b = value(n, 1);
      if (!b || a->empty() || b->empty() || (a->size() != b->size() && a->size() != 1 && b->size() != 1)) return std::nullopt;
      values out(std::max(a->size(), b->size()));
      for (std::size_t i = 0; i < out.size(); ++i) {
        const std::int64_t x = (*a)[a->size() == 1 ? 0 : i], y = (*b)[b->size() == 1 ? 0 : i];
        std::int64_t difference = 0;
        const bool sub_fits = !__builtin_sub_overflow(x, y, &difference);
        const auto r = op == "Add"   ? checked_add(x, y)
                       : op == "Sub" ? (sub_fits ? std::optional<std::int64_t>(difference) : std::nullopt)
                       : op == "Mul" ? checked_mul(x, y)  // shape arithmetic multiplies sizes: a negative factor is not folded
                       : y != 0 && !(x == INT64_MIN && y == -1) ? std::optional<std::int64_t>(x / y)
                                                                : std::nullopt;
        if (!r) return std::nullopt;
        out[i] = *r;
      }
      return out;
    }
    return std::nullopt;
  }

  // A Reshape's output dimensions from its input's shape and its target (0 copies, -1 fills in).
  std::optional<std::vector<std::int64_t>> reshaped(const onnx::NodeProto& n) const {
    const auto in = n.input_size() > 1 ? shapes.find(n.input(0)) : shapes.end();
    const values* target = value(n, 1);
    if (in == shapes.end() || !known(in->second) || !target || target->empty()) return std::nullopt;
    std::int64_t total = 1, rest = 1;
    for (std::int64_t d : in->second)
      if (const auto t = checked_mul(total, d)) total = *t;
      else return std::nullopt;
    std::vector<std::int64_t> out;
    int fill = -1;
    for (std::size_t i = 0; i < target->size(); ++i) {
      std::int64_t d = (*target)[i];
      if (d == 0 && int_attribute(n, "allowzero", 0) == 0) {
        if (i >= in->second.size()) return std::nullopt;
        d = in->second[i];
      }
      if (d == -1) {
        if (fill >= 0) return std::nullopt;
        fill = static_cast<int>(i);
      } else if (d <= 0) {
        return std::nullopt;
      } else if (const auto r = checked_mul(rest, d)) {
        rest = *r;
      } else {
        return std::nullopt;
      }
      out.push_back(d);
    }
    if (fill >= 0) {
      if (total % rest != 0) return std::nullopt;
      out[static_cast<std::size_t>(fill)] = total / rest;
    } else if (rest != total) {
      return std::nullopt;
    }
    return out;
  }

  // Whether `dims` keeps every dimension inference already fixed (an unknown shape: any).
  static bool agrees(const std::vector<std::int64_t>& inferred, const std::vector<std::int64_t>& dims) {
    if (inferred.empty()) return true;
    if (inferred.size() != dims.size()) return false;
    for (std::size_t i = 0; i < dims.size(); ++i)
      if (inferred[i] > 0 && inferred[i] != dims[i]) return false;
    return true;
  }

  void set_shape(const std::string& name, const std::vector<std::int64_t>& dims, int elem_type) {
    if (infos.empty())  // name -> entry, once (a graph of many Reshapes must not search the list for each)
      for (auto& existing : *g.mutable_value_info()) infos.emplace(existing.name(), &existing);
    onnx::ValueInfoProto*& v = infos[name];
    if (!v) {  // added entries stay where they are: the list holds pointers
      v = g.add_value_info();
      v->set_name(name);
    }
    auto* t = v->mutable_type()->mutable_tensor_type();
    if (t->elem_type() == 0) t->set_elem_type(elem_type);
    auto* shape = t->mutable_shape();
    shape->clear_dim();
    for (std::int64_t d : dims) shape->add_dim()->set_dim_value(d);
    shapes[name] = dims;
  }

  std::size_t run() {
    for (const auto& t : g.initializer())
      if (auto v = tensor_values(t)) known_values[t.name()] = std::move(*v);
    for (const auto& t : g.initializer()) {
      shapes[t.name()] = std::vector<std::int64_t>(t.dims().begin(), t.dims().end());
      types[t.name()] = t.data_type();
    }
    for (const auto* list : {&g.input(), &g.value_info(), &g.output()})
      for (const auto& v : *list) {
        shapes.try_emplace(v.name(), dims_of(v.type()));
        if (v.type().has_tensor_type()) types.try_emplace(v.name(), v.type().tensor_type().elem_type());
      }
    std::size_t given = 0;
    for (int pass = 0, grew = 1; grew && pass < 8; ++pass) {  // nodes are in order; a second pass catches what a later Reshape fed
      grew = 0;
      for (const auto& n : g.node()) {
        if (n.output_size() == 0 || n.output(0).empty()) continue;
        if (!n.domain().empty() && n.domain() != "ai.onnx") continue;  // another domain's "Add" or "Reshape" is not ONNX's
        const std::string& out = n.output(0);
        if (n.op_type() == "Reshape") {
          if (n.input_size() < 2 || known(shapes[out])) continue;
          const auto in_type = types.find(n.input(0));
          if (in_type == types.end() || in_type->second == 0) continue;
          const auto dims = reshaped(n);
          if (!dims || !agrees(shapes[out], *dims)) continue;  // what inference fixed wins: a disagreement is left to it
          set_shape(out, *dims, in_type->second);
          ++given;
          ++grew;
          continue;
        }
        if (known_values.contains(out)) continue;
        if (auto v = evaluate(n)) known_values[out] = std::move(*v), ++grew;
      }
    }
    return given;
  }
};

}  // namespace

std::size_t fold_reshape_targets(onnx::ModelProto& model) {
  folder f{*model.mutable_graph(), {}, {}, {}, {}};
  return f.run();
}

}  // namespace xpu
