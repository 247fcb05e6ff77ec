#pragma once
// compare's renderings of a comparison (results/compare.hpp computes it).
#include <string>

#include "results/compare.hpp"

namespace xpu {

std::string comparison_text(const comparison& c, const compare_options& o, bool color);
std::string comparison_markdown(const comparison& c, const compare_options& o);

}  // namespace xpu
