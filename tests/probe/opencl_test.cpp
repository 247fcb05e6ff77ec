// OpenCL probe on the real PoCL driver, cross-checked field by field against clinfo, an
// independent reader of the same ICD loader.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "probe/opencl/opencl.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

// clinfo --raw: "[POCL/0]  CL_DEVICE_NAME  value" -> {"CL_DEVICE_NAME": "value"} for device 0 of PoCL.
std::map<std::string, std::string> clinfo_pocl_device0() {
  const auto r = test::run({"/usr/bin/clinfo", "--raw"});
  std::map<std::string, std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("[POCL/0]", 0) != 0) continue;
    std::istringstream fields(line.substr(8));
    std::string key, value;
    fields >> key;
    std::getline(fields >> std::ws, value);
    out[key] = value;
  }
  return out;
}

const device_info* find_pocl(const backend_probe& p) {
  for (const auto& d : p.devices)
    if (d.opencl && d.opencl->platform_name == "Portable Computing Language") return &d;
  return nullptr;
}

TEST(opencl_probe, pocl_is_an_opencl_cpu_device) {
  const backend_probe p = opencl_probe();
  ASSERT_TRUE(p.status.available) << p.status.reason;
  const device_info* d = find_pocl(p);
  ASSERT_NE(d, nullptr) << "PoCL (pocl-opencl-icd) must appear as an OpenCL platform on this machine";
  EXPECT_EQ(d->backend, "opencl");
  EXPECT_EQ(d->type, "cpu");
  EXPECT_EQ(d->id.rfind("opencl", 0), 0u);
  EXPECT_TRUE(d->opencl->errors.empty()) << d->opencl->errors.front();
  EXPECT_GE(d->opencl->compute_units, 1u);
  EXPECT_GT(d->opencl->global_memory_bytes, 0u);
  EXPECT_GT(d->opencl->max_work_group_size, 0u);
  EXPECT_EQ(d->opencl->max_work_item_sizes.size(), 3u);
  EXPECT_NE(d->opencl->device_version.find("OpenCL"), std::string::npos);
  EXPECT_NE(d->opencl->c_version.find("OpenCL C"), std::string::npos);
}

TEST(opencl_probe, pocl_matches_clinfo) {
  const backend_probe p = opencl_probe();
  const device_info* d = find_pocl(p);
  ASSERT_NE(d, nullptr);
  const auto ref = clinfo_pocl_device0();
  ASSERT_FALSE(ref.empty()) << "clinfo --raw printed nothing for PoCL";
  const opencl_details& o = *d->opencl;
  EXPECT_EQ(d->name, ref.at("CL_DEVICE_NAME"));
  EXPECT_EQ(std::to_string(o.compute_units), ref.at("CL_DEVICE_MAX_COMPUTE_UNITS"));
  EXPECT_EQ(std::to_string(o.max_clock_mhz), ref.at("CL_DEVICE_MAX_CLOCK_FREQUENCY"));
  EXPECT_EQ(std::to_string(o.global_memory_bytes), ref.at("CL_DEVICE_GLOBAL_MEM_SIZE"));
  EXPECT_EQ(std::to_string(o.local_memory_bytes), ref.at("CL_DEVICE_LOCAL_MEM_SIZE"));
  EXPECT_EQ(std::to_string(o.max_work_group_size), ref.at("CL_DEVICE_MAX_WORK_GROUP_SIZE"));

  // The capability flags follow what the driver really reports in its extension list.
  const std::string& ext = ref.at("CL_DEVICE_EXTENSIONS");
  EXPECT_EQ(o.fp16, ext.find("cl_khr_fp16") != std::string::npos);
  EXPECT_EQ(o.integer_dot_product, ext.find("cl_khr_integer_dot_product") != std::string::npos);
  std::istringstream words(ext);
  std::size_t n = 0;
  for (std::string w; words >> w;) {
    ++n;
    EXPECT_NE(std::find(o.extensions.begin(), o.extensions.end(), w), o.extensions.end()) << w;
  }
  EXPECT_EQ(o.extensions.size(), n);
}

}  // namespace
}  // namespace xpu
