#pragma once
// The inventory in schema version 1 (docs/schema.md): written by `xpubench probe --format json`
// and embedded in every run's context.
#include <string_view>

#include <nlohmann/json.hpp>

#include "results/json_support.hpp"

#include "core/error.hpp"
#include "inventory/inventory.hpp"

namespace xpu {

nlohmann::json inventory_to_json(const inventory& inv);
result<inventory> inventory_from_json(const nlohmann::json& j, std::string_view file = "<json>");

// The whole `probe` document: header (schema_version, kind, xpubench version) + inventory.
nlohmann::json probe_document(const inventory& inv);
result<inventory> probe_document_read(const nlohmann::json& doc, std::string_view file);

}  // namespace xpu
