// CPU topology through hwloc. hwloc objects never leave this file: everything is copied into
// cpu_topology before the topology is destroyed.
#include <hwloc.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "core/forked.hpp"
#include "probe/cpu.hpp"

namespace xpu {
namespace {

struct topology_deleter {
  void operator()(hwloc_topology_t t) const { hwloc_topology_destroy(t); }
};
using topology_ptr = std::unique_ptr<hwloc_topology, topology_deleter>;

std::string info_of(hwloc_obj_t obj, const char* name) {
  const char* value = obj ? hwloc_obj_get_info_by_name(obj, name) : nullptr;
  return value ? value : "";
}

std::vector<int> pu_indices(hwloc_const_cpuset_t set) {
  std::vector<int> out;
  if (!set) return out;
  for (int id = hwloc_bitmap_first(set); id >= 0; id = hwloc_bitmap_next(set, id)) out.push_back(id);
  return out;
}

std::string cache_kind(hwloc_obj_cache_type_t type) {
  switch (type) {
    case HWLOC_OBJ_CACHE_DATA: return "data";
    case HWLOC_OBJ_CACHE_INSTRUCTION: return "instruction";
    case HWLOC_OBJ_CACHE_UNIFIED: return "unified";
  }
  return "unified";
}

// The first non-empty value of an info key on the packages, then the root.
std::string cpu_info_value(hwloc_topology_t topo, const char* key) {
  for (hwloc_obj_t pkg = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PACKAGE, nullptr); pkg;
       pkg = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PACKAGE, pkg)) {
    if (std::string v = info_of(pkg, key); !v.empty()) return v;
  }
  return info_of(hwloc_get_root_obj(topo), key);
}

}  // namespace

std::string topology_library_version() {
  const unsigned v = hwloc_get_api_version();
  return "hwloc " + std::to_string(v >> 16) + "." + std::to_string((v >> 8) & 0xff) + "." + std::to_string(v & 0xff);
}

// hwloc's XML reader trusts its input: a damaged file can crash it (found by fuzz/topology_fuzz.cpp:
// a SEGV inside hwloc_topology_load). A saved topology is therefore loaded once in a child
// process first; only a file that loads there is loaded here. Returns the reason it cannot be.
namespace {
std::optional<std::string> xml_crashes_hwloc(const std::filesystem::path& xml) {
  // A file hwloc cannot finish reading in 30 s is as unusable as one it crashes on.
  constexpr double timeout_s = 30;
  auto tried = run_forked(
      [&](std::string&) {
        hwloc_topology_t t = nullptr;
        if (hwloc_topology_init(&t) != 0 || hwloc_topology_set_xml(t, xml.c_str()) != 0) return 3;
        hwloc_topology_set_icache_types_filter(t, HWLOC_TYPE_FILTER_KEEP_ALL);
        return hwloc_topology_load(t) == 0 ? 0 : 3;  // no destroy: only the load matters
      },
      timeout_s);
  if (!tried) return std::nullopt;  // cannot check: load it as before
  // 0: loaded; 3: an error the in-process load reports with its own message; anything else (a
  // signal, or a sanitizer's exit status after catching one) is a crash.
  if (tried->exited() && (tried->exit_code == 0 || tried->exit_code == 3)) return std::nullopt;
  if (tried->timed_out)
    return fmt::format("hwloc did not finish reading the topology file '{}' in {:g} s: write it again with `lstopo --of xml FILE.xml`",
                       xml.string(), timeout_s);
  return fmt::format("hwloc crashed ({}) reading the topology file '{}': the file is damaged; write it again with "
                     "`lstopo --of xml FILE.xml`",
                     tried->how_it_ended(timeout_s), xml.string());
}
}  // namespace

result<cpu_topology> topology_load(const std::optional<std::filesystem::path>& xml) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) return fail(status::failed, "hwloc_topology_init failed");
  topology_ptr topo(raw);

  cpu_topology out;
  out.source = "live";
  if (xml) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(*xml, ec))
      return fail(status::invalid, "topology file '{}' does not exist or is not a file; write one with `lstopo --of xml FILE.xml`",
                  xml->string());
    if (auto crash = xml_crashes_hwloc(*xml)) return fail(status::invalid, "{}", *crash);
    if (hwloc_topology_set_xml(topo.get(), xml->c_str()) != 0)
      return fail(status::invalid, "topology file '{}' is not an hwloc XML topology (expected the output of `lstopo --of xml`)",
                  xml->string());
    out.source = "xml:" + xml->string();
  }
  // hwloc 2 drops instruction caches by default; every cache is part of the report.
  hwloc_topology_set_icache_types_filter(topo.get(), HWLOC_TYPE_FILTER_KEEP_ALL);
  if (hwloc_topology_load(topo.get()) != 0) {
    if (xml)
      return fail(status::invalid, "hwloc could not load the topology in '{}': the file is damaged or not hwloc XML",
                  xml->string());
    return fail(status::failed, "hwloc could not load this machine's topology");
  }
  hwloc_topology_t t = topo.get();
  hwloc_obj_t root = hwloc_get_root_obj(t);

  out.vendor = cpu_info_value(t, "CPUVendor");
  out.model = cpu_info_value(t, "CPUModel");
  out.architecture = info_of(root, "Architecture");
  out.packages = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
  out.cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
  out.pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);

  for (int depth = 0; depth < hwloc_topology_get_depth(t); ++depth) {
    hwloc_obj_type_t type = hwloc_get_depth_type(t, depth);
    if (!hwloc_obj_type_is_cache(type)) continue;
    for (hwloc_obj_t obj = hwloc_get_next_obj_by_depth(t, depth, nullptr); obj;
         obj = hwloc_get_next_obj_by_depth(t, depth, obj)) {
      cache_info c;
      c.level = static_cast<int>(obj->attr->cache.depth);
      c.kind = cache_kind(obj->attr->cache.type);
      c.size_bytes = obj->attr->cache.size;
      c.line_bytes = obj->attr->cache.linesize;
      c.associativity = obj->attr->cache.associativity;
      c.pus = pu_indices(obj->cpuset);
      for (hwloc_obj_t core = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_CORE, nullptr); core;
           core = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_CORE, core)) {
        if (obj->cpuset && core->cpuset && hwloc_bitmap_isincluded(core->cpuset, obj->cpuset))
          c.cores.push_back(static_cast<int>(core->logical_index));
      }
      out.caches.push_back(std::move(c));
    }
  }

  for (hwloc_obj_t node = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, nullptr); node;
       node = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, node)) {
    numa_node_info n;
    n.os_index = static_cast<int>(node->os_index);
    n.local_memory_bytes = node->attr->numanode.local_memory;
    n.pus = pu_indices(node->cpuset);
    out.numa_memory_bytes += n.local_memory_bytes;
    out.numa_nodes.push_back(std::move(n));
  }
  return out;
}

}  // namespace xpu
