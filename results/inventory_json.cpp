#include "results/inventory_json.hpp"

#include "results/json_support.hpp"
#include "xpubench/version.hpp"

namespace xpu {

NLOHMANN_JSON_SERIALIZE_ENUM(precision, {{precision::fp32, "fp32"},
                                         {precision::fp16, "fp16"},
                                         {precision::bf16, "bf16"},
                                         {precision::int8, "int8"},
                                         {precision::fp64, "fp64"},
                                         {precision::int32, "int32"},
                                         {precision::fp8_e4m3, "fp8_e4m3"},
                                         {precision::fp8_e5m2, "fp8_e5m2"}})
NLOHMANN_JSON_SERIALIZE_ENUM(support_level, {{support_level::native, "native"},
                                             {support_level::emulated, "emulated"},
                                             {support_level::unsupported, "unsupported"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(cache_info, level, kind, size_bytes, line_bytes, associativity, cores, pus)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(numa_node_info, os_index, local_memory_bytes, pus)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(cpu_topology, source, vendor, model, architecture, packages, cores, pus,
                                                caches, numa_nodes, numa_memory_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(os_memory, total_bytes, available_bytes, source, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(cpu_frequency, base_mhz, max_mhz, min_mhz, current_mhz, source, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(isa_feature, name, present, note)

void to_json(nlohmann::json& j, const cpu_isa& isa) {
  j = {{"family", isa.family}, {"source", isa.source}, {"features", isa.features}, {"present", isa.present()},
       {"sve_vector_bits", isa.sve_vector_bits}};
  if (isa.cpu_family)
    j["cpuid"] = {{"vendor", isa.vendor}, {"family", *isa.cpu_family}, {"model", isa.cpu_model.value_or(0)}};
}
void from_json(const nlohmann::json& j, cpu_isa& isa) {
  isa.family = j.value("family", "");
  isa.source = j.value("source", "");
  isa.features = j.value("features", std::vector<isa_feature>{});
  isa.sve_vector_bits = j.value("sve_vector_bits", std::optional<int>{});
  if (const auto id = j.find("cpuid"); id != j.end() && id->is_object()) {
    isa.vendor = id->value("vendor", "");
    isa.cpu_family = id->value("family", std::optional<int>{});
    isa.cpu_model = id->value("model", std::optional<int>{});
  }
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(cpu_info, topology, memory, frequency, isa)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(peak_estimate, ops_per_s, basis, ops_per_cycle, cores, clock_mhz)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(precision_support, type, level, reason, peak, peak_reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(opencl_details, platform_name, platform_vendor, platform_version,
                                                device_version, c_version, compute_units, max_clock_mhz,
                                                global_memory_bytes, max_alloc_bytes, local_memory_bytes,
                                                constant_memory_bytes, global_cache_bytes, max_work_group_size,
                                                max_work_item_sizes, vector_width_char, vector_width_short,
                                                vector_width_int, vector_width_long, vector_width_float,
                                                vector_width_double, vector_width_half, timer_resolution_ns,
                                                extensions, fp16, fp64, integer_dot_product, subgroups, errors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(vulkan_heap, size_bytes, device_local)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(coop_matrix_shape, m, n, k, a_type, b_type, c_type, result_type, scope,
                                                saturating)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(vulkan_details, api_version, vendor_id, device_id, driver_name,
                                                driver_info, heaps, max_workgroup_size, max_workgroup_count,
                                                max_workgroup_invocations, max_shared_memory_bytes,
                                                max_storage_buffer_range, timestamp_period_ns, timestamp_valid_bits,
                                                compute_queue_families, subgroup_size, min_subgroup_size,
                                                max_subgroup_size, subgroup_operations, shader_float16, shader_int8,
                                                shader_int16, shader_float64, storage_16bit, storage_8bit,
                                                integer_dot_product, integer_dot_product_8bit_accelerated,
                                                coop_matrix_khr, coop_matrix_nv, coop_matrix_khr_shapes,
                                                coop_matrix_nv_shapes, extensions, errors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(device_fact, name, value)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(device_info, id, backend, name, vendor, type, driver_version, pci_bus_id,
                                                precisions, opencl, vulkan, facts, extensions)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(backend_status, name, title, available, version, reason, probe_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(power_sensor, id, source, kind, unit, name, path, covers, readable,
                                                reason, max_energy_range_uj)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(power_source, name, available, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(power_inventory, sources, sensors)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(host_info, hostname, os, kernel, machine)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(inventory, probed_at, probe_ms, host, cpu, devices, power, backends)

nlohmann::json inventory_to_json(const inventory& inv) {
  nlohmann::json j = inv;
  json_strip_nulls(j);
  return j;
}

result<inventory> inventory_from_json(const nlohmann::json& j, std::string_view file) {
  try {
    return j.get<inventory>();
  } catch (const nlohmann::json::exception& e) {
    return fail(status::invalid, "{}: the inventory does not match schema version {}: {}", file, schema_version, e.what());
  }
}

nlohmann::json probe_document(const inventory& inv) {
  return {{"schema_version", schema_version},
          {"kind", "xpubench.inventory"},
          {"xpubench", {{"version", version}, {"git_sha", git_sha}}},
          {"inventory", inventory_to_json(inv)}};
}

result<inventory> probe_document_read(const nlohmann::json& doc, std::string_view file) {
  if (auto ok = json_check_header(doc, "xpubench.inventory", file); !ok) return std::unexpected(ok.error());
  if (!doc.contains("inventory")) return fail(status::invalid, "{}: no 'inventory' object", file);
  return inventory_from_json(doc["inventory"], file);
}

}  // namespace xpu
