// What is the OpenCL backend's own, on PoCL (a real CPU OpenCL driver): every GEMM tile candidate
// verified, the tuning cache, CLBlast, the extensions' selection, limits, and a kernel that fails to
// build reported as such while the rest of the run goes on. Every operation's cases in every
// precision: operation_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "kernels/opencl/opencl_device.hpp"
#include "kernels/opencl/tuning.hpp"
#include "probe/machine.hpp"
#include "probe/registry.hpp"
#include "suites/runner.hpp"
#include "ops/operation.hpp"
#include "tests/support/run_suite.hpp"
#include "tests/support/test_support.hpp"

namespace xpu {
namespace {

const device_info* pocl(const inventory& inv) {
  for (const auto& d : inv.devices)
    if (d.opencl && d.opencl->platform_name == "Portable Computing Language") return &d;
  return nullptr;
}

class opencl_backend : public ::testing::Test {
 protected:
  void SetUp() override {
    auto probed = probe_machine({std::nullopt, "/", device_backends_except("opencl"), "/nonexistent/libnvidia-ml.so.1"});
    ASSERT_TRUE(probed);
    inv = std::move(*probed);
    info = pocl(inv);
    ASSERT_NE(info, nullptr) << "PoCL (pocl-opencl-icd) must be installed for the OpenCL tests";
  }
  inventory inv;
  const device_info* info = nullptr;
};

TEST_F(opencl_backend, every_gemm_candidate_verifies) {
  // The tuner keeps the fastest candidate; each must be right, whichever wins on a device.
  for (const gemm_params& c : gemm_candidates(true, true)) {  // with the packed int8 dot kernels (emulated dot on PoCL)
    SCOPED_TRACE(c.describe());
    opencl_options o;
    o.gemm = c;
    auto dev = opencl_device_open(*info, o);
    ASSERT_TRUE(dev);
    // B not transposed and N >= 16: the vector kernels run (N % 16 != 0: their edge path); else the default tiles.
    for (const problem& p : {problem{gemm_shape{37, 45, 19}, precision::fp32}, problem{gemm_shape{33, 20, 24, true, true}, precision::fp32},
                             problem{gemm_shape{37, 48, 19}, precision::fp32}, problem{gemm_shape{33, 32, 24, true, false}, precision::fp32},
                             problem{gemm_shape{37, 48, 19}, precision::int8}, problem{gemm_shape{21, 32, 12}, precision::fp16},
                             // K % 4 == 0: the packed-dot kernels run (B transposed or not; A transposed: the defaults)
                             problem{gemm_shape{37, 45, 20}, precision::int8}, problem{gemm_shape{29, 33, 24, false, true}, precision::int8},
                             problem{gemm_shape{19, 21, 8, true, false}, precision::int8}}) {
      SCOPED_TRACE(p.id());
      const workload& w = workload_for(kernel_kind::gemm);
      host_buffers b = w.make_buffers(p, 5);
      auto ready = (*dev)->prepare(p, b, "xpubench");
      ASSERT_TRUE(ready) << ready.error().message;
      const auto& g = std::get<gemm_shape>(p.dims);
      if (c.dot4 && p.type == precision::int8 && !g.trans_a && g.k % 4 == 0) {  // the packed-dot kernel itself ran
        EXPECT_NE((*ready)->notes().find("packed 4 x int8"), std::string::npos) << (*ready)->notes();
      }
      ASSERT_TRUE((*ready)->run_seconds(1));
      ASSERT_TRUE((*ready)->read_back(b));
      const verification v = w.verify(p, b, 5);
      EXPECT_TRUE(v.passed) << v.message;
    }
  }
}

TEST_F(opencl_backend, fp16_follows_the_driver_flag) {
  auto dev = opencl_device_open(*info);
  ASSERT_TRUE(dev);
  // PoCL 3.1 here has no cl_khr_fp16: fp16 runs through vload_half, labelled emulated.
  const support s = (*dev)->supports({gemm_shape{8, 8, 8}, precision::fp16});
  EXPECT_EQ(s.level, support_level::emulated);
  EXPECT_NE(s.reason.find("vload_half"), std::string::npos);
  EXPECT_EQ(info->support_for(precision::fp16)->level, info->opencl->fp16 ? support_level::native : support_level::emulated);
  // The half-arithmetic peak follows cl_khr_fp16: listed only where the device has it.
  const problem peak16{peak_shape{2500}, precision::fp16};
  EXPECT_EQ((*dev)->supports(peak16).level, info->opencl->fp16 ? support_level::native : support_level::unsupported);
  device_info claimed = *info;  // told it has cl_khr_fp16: the kernel is selected and built
  claimed.opencl->fp16 = true;
  auto with_fp16 = opencl_device_open(claimed);
  ASSERT_TRUE(with_fp16);
  EXPECT_EQ((*with_fp16)->supports(peak16).level, support_level::native);
  const workload& w = workload_for(kernel_kind::peak);
  host_buffers b = w.make_buffers(peak16, 3);
  auto ready = (*with_fp16)->prepare(peak16, b, "xpubench");
  if (info->opencl->fp16) {  // a driver with half arithmetic: it must verify
    ASSERT_TRUE(ready) << ready.error().message;
    ASSERT_TRUE((*ready)->run_seconds(1));
    ASSERT_TRUE((*ready)->read_back(b));
    EXPECT_TRUE(w.verify(peak16, b, 3).passed);
  } else {  // PoCL here: the build fails and says why, and nothing crashes
    ASSERT_FALSE(ready);
    EXPECT_EQ(ready.error().code, status::unsupported);
    EXPECT_NE(ready.error().message.find("building peak.cl failed"), std::string::npos) << ready.error().message;
  }
}

TEST_F(opencl_backend, clblast_hgemm_is_listed_with_cl_khr_fp16_and_verified_against_the_half_bound) {
  const problem p{gemm_shape{24, 40, 32}, precision::fp16};
  auto plain = opencl_device_open(*info);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)->supports(p).implementations, std::vector<std::string>{"xpubench"});  // PoCL here: no cl_khr_fp16
  device_info claimed = *info;
  claimed.opencl->fp16 = true;
  auto dev = opencl_device_open(claimed);
  ASSERT_TRUE(dev);
  const support s = (*dev)->supports(p);
  EXPECT_EQ(s.level, support_level::native);
  EXPECT_EQ(s.implementations, (std::vector<std::string>{"xpubench", "clblast"}));
  EXPECT_EQ(s.arithmetic_of("xpubench", precision::fp16), precision::fp32);
  EXPECT_EQ(s.arithmetic_of("clblast", precision::fp16), precision::fp16);
  const workload& w = workload_for(kernel_kind::gemm);
  host_buffers b = w.make_buffers(p, 2);
  auto ready = (*dev)->prepare(p, b, "clblast");
  ASSERT_TRUE(ready) << ready.error().message;
  EXPECT_EQ((*ready)->accumulation(), precision::fp16);
  auto t = (*ready)->run_seconds(1);
  if (info->opencl->fp16) {  // a driver with half arithmetic: HGEMM runs and verifies against the fp16-accumulation bound
    ASSERT_TRUE(t) << t.error().message;
    ASSERT_TRUE((*ready)->read_back(b));
    const verification v = w.verify(p, b, 2, (*ready)->accumulation());
    EXPECT_TRUE(v.passed) << v.message;
    EXPECT_NE(v.tolerance_basis.find("fp16 accumulation"), std::string::npos);
  } else {  // PoCL here: CLBlast refuses or fails to build its half kernels, and says so with its status
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("CLBlastHgemm returned status"), std::string::npos) << t.error().message;
  }
}

TEST_F(opencl_backend, integer_dot_product_adds_the_packed_dot_kernels_to_the_int8_tuning) {
  const problem p{gemm_shape{64, 64, 64}, precision::int8};
  opencl_options untuned;
  untuned.tune = false;
  auto plain = opencl_device_open(*info, untuned);
  ASSERT_TRUE(plain);
  EXPECT_EQ((*plain)->supports(p).reason.find("dot products"), std::string::npos);
  EXPECT_EQ(gemm_candidates(true).size() + 4, gemm_candidates(true, true).size());
  device_info claimed = *info;  // told it has cl_khr_integer_dot_product (PoCL here has not: DOT4_ACC falls back to multiply-adds)
  claimed.opencl->integer_dot_product = true;
  test::temp_dir cache;
  auto dev = opencl_device_open(claimed, {"", true, cache.path(), 128});
  ASSERT_TRUE(dev);
  EXPECT_NE((*dev)->supports(p).reason.find("cl_khr_integer_dot_product"), std::string::npos);
  const workload& w = workload_for(kernel_kind::gemm);
  host_buffers b = w.make_buffers(p, 8);
  auto ready = (*dev)->prepare(p, b, "xpubench");  // tunes over the candidates, packed dot included
  ASSERT_TRUE(ready) << ready.error().message;
  ASSERT_TRUE((*ready)->run_seconds(1));
  ASSERT_TRUE((*ready)->read_back(b));
  EXPECT_TRUE(w.verify(p, b, 8).passed);
  const auto winner = tuning_lookup(cache.path(), {info->name, info->driver_version, "int8", gemm_kernels_key(128)}, gemm_candidates(true, true));  // cached, dot4 flag included
  ASSERT_TRUE(winner);
  EXPECT_NE((*ready)->notes().find(winner->describe()), std::string::npos);
}

TEST_F(opencl_backend, sub_group_reduction_where_claimed_verifies_or_falls_back_with_the_reason) {
  device_info claimed = *info;
  claimed.opencl->subgroups = true;
  auto dev = opencl_device_open(claimed);
  ASSERT_TRUE(dev);
  for (precision type : {precision::fp32, precision::int8, precision::fp16})
    for (reduce_op op : {reduce_op::sum, reduce_op::max}) {
      const problem p{reduction_shape{70001, op}, type};
      SCOPED_TRACE(p.id());
      const workload& w = workload_for(kernel_kind::reduction);
      host_buffers b = w.make_buffers(p, 4);
      auto ready = (*dev)->prepare(p, b, "xpubench");
      ASSERT_TRUE(ready) << ready.error().message;
      const std::string notes = (*ready)->notes();
      // A driver with sub-groups uses them; PoCL here lists none and its build fails: the tree, with the reason.
      EXPECT_TRUE(notes.find("sub-group reductions") != std::string::npos || notes.find("sub-group kernel did not build") != std::string::npos)
          << notes;
      if (!info->opencl->subgroups) {
        EXPECT_NE(notes.find("building reduction.cl failed"), std::string::npos) << notes;
      }
      ASSERT_TRUE((*ready)->run_seconds(1));
      ASSERT_TRUE((*ready)->read_back(b));
      EXPECT_TRUE(w.verify(p, b, 4).passed);
    }
}

TEST_F(opencl_backend, a_kernel_that_fails_to_build_is_reported_and_the_run_goes_on) {
  opencl_options broken;
  broken.extra_build_options = "-DTK=";  // breaks gemm.cl only (the only kernel that uses TK)
  broken.tune = false;
  auto dev = opencl_device_open(*info, broken);
  ASSERT_TRUE(dev);
  const run r = test::run_suite("[[gemm]]\nshapes = [{ m = 8, n = 8, k = 8 }]\n[[latency]]\n", {dev->get()}, inv);
  ASSERT_EQ(r.measurements.size(), 3u);  // latency, our GEMM, CLBlast's GEMM
  EXPECT_EQ(r.measurements[0].kernel, "latency");
  EXPECT_EQ(r.measurements[0].state, status::ok) << r.measurements[0].reason;
  EXPECT_EQ(r.measurements[1].implementation, "xpubench");
  EXPECT_EQ(r.measurements[1].state, status::unsupported);
  EXPECT_NE(r.measurements[1].reason.find("building gemm.cl failed"), std::string::npos) << r.measurements[1].reason;
  EXPECT_NE(r.measurements[1].reason.find("-DTK="), std::string::npos);
  EXPECT_EQ(r.measurements[2].implementation, "clblast");
  EXPECT_EQ(r.measurements[2].state, status::ok) << r.measurements[2].reason;  // the run went on
}

TEST_F(opencl_backend, tuning_is_cached_read_back_and_redone_for_a_new_driver) {
  test::temp_dir cache;
  const problem p{gemm_shape{40, 40, 40}, precision::fp32};
  const workload& w = workload_for(kernel_kind::gemm);
  host_buffers b = w.make_buffers(p, 3);
  auto first = opencl_device_open(*info, {"", true, cache.path(), 128});
  ASSERT_TRUE(first);
  auto ready = (*first)->prepare(p, b, "xpubench");
  ASSERT_TRUE(ready) << ready.error().message;
  EXPECT_NE((*ready)->notes().find("tuned now"), std::string::npos) << (*ready)->notes();
  const tuning_key key{info->name, info->driver_version, "fp32", gemm_kernels_key(128)};
  const auto stored = tuning_lookup(cache.path(), key, gemm_candidates(true, true));
  ASSERT_TRUE(stored);  // written
  // A fresh device object (a later run) reads it back instead of tuning again.
  auto second = opencl_device_open(*info, {"", true, cache.path(), 128});
  ready = (*second)->prepare(p, b, "xpubench");
  ASSERT_TRUE(ready);
  EXPECT_NE((*ready)->notes().find("from the cache"), std::string::npos) << (*ready)->notes();
  EXPECT_NE((*ready)->notes().find(stored->describe()), std::string::npos);
  // The same device with another driver version: a miss, tuned again, the old entry dropped.
  device_info updated = *info;
  updated.driver_version = info->driver_version + "-new";
  auto third = opencl_device_open(updated, {"", true, cache.path(), 128});
  ready = (*third)->prepare(p, b, "xpubench");
  ASSERT_TRUE(ready);
  EXPECT_NE((*ready)->notes().find("tuned now"), std::string::npos) << (*ready)->notes();
  EXPECT_TRUE(tuning_lookup(cache.path(), {info->name, updated.driver_version, "fp32", gemm_kernels_key(128)}, gemm_candidates(true, true)));
  EXPECT_FALSE(tuning_lookup(cache.path(), key, gemm_candidates(true, true)));
  // --no-tune: the defaults, whatever the cache says.
  auto untuned = opencl_device_open(*info, {"", false, cache.path(), 128});
  ready = (*untuned)->prepare(p, b, "xpubench");
  ASSERT_TRUE(ready);
  EXPECT_NE((*ready)->notes().find("--no-tune"), std::string::npos);
  EXPECT_NE((*ready)->notes().find(gemm_candidates().front().describe()), std::string::npos);
}

// At a tuning size of 512 and more the tuner times candidates at a quarter of the size (each kernel
// family's first, then the rest of the two fastest families), then
// the fastest few at the full size; exhaustive tuning times them all at the full size and does not
// take the cached tiles. Either way the winner is one of the candidates and is cached.
TEST_F(opencl_backend, two_pass_and_exhaustive_tuning_pick_a_candidate_and_cache_it) {
  test::temp_dir cache;
  const problem p{gemm_shape{40, 40, 40}, precision::fp32};
  host_buffers b = workload_for(kernel_kind::gemm).make_buffers(p, 3);
  const tuning_key key{info->name, info->driver_version, "fp32", gemm_kernels_key(512)};
  auto two_pass = opencl_device_open(*info, {"", true, cache.path(), 512});
  ASSERT_TRUE(two_pass);
  auto ready = (*two_pass)->prepare(p, b, "xpubench");
  ASSERT_TRUE(ready) << ready.error().message;
  EXPECT_NE((*ready)->notes().find("tuned now"), std::string::npos) << (*ready)->notes();
  ASSERT_TRUE(tuning_lookup(cache.path(), key, gemm_candidates(true, true)));
  opencl_options exhaustive{"", true, cache.path(), 512};
  exhaustive.tune_exhaustive = true;
  auto all = opencl_device_open(*info, exhaustive);
  ASSERT_TRUE(all);
  ready = (*all)->prepare(p, b, "xpubench");
  ASSERT_TRUE(ready) << ready.error().message;
  EXPECT_NE((*ready)->notes().find("tuned now"), std::string::npos) << (*ready)->notes();  // the cache was not taken
  EXPECT_TRUE(tuning_lookup(cache.path(), key, gemm_candidates(true, true)));
}

TEST(tuning_cache, planted_or_foreign_entries_are_never_used) {
  test::temp_dir cache;
  const tuning_key key{"dev", "1.0", "fp32", "k1"};
  ASSERT_TRUE(tuning_store(cache.path(), key, gemm_params{4, 4, 8, 8, 16}, 1e9));
  EXPECT_EQ(std::filesystem::status(cache.path() / "opencl-gemm-tuning.json").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // A planted work-group of 0 (it made the case `unsupported`) is not one of the candidates: re-tuned.
  auto text = nlohmann::json::parse(std::ifstream(cache.path() / "opencl-gemm-tuning.json"));
  text[key.text()]["wg_m"] = 0;
  cache.write("opencl-gemm-tuning.json", text.dump());
  EXPECT_FALSE(tuning_lookup(cache.path(), key, gemm_candidates(true, true)));
  // New kernel sources are a new key; storing under it drops the old one.
  ASSERT_TRUE(tuning_store(cache.path(), {"dev", "1.0", "fp32", "k2"}, gemm_params{8, 8, 2, 2, 16}, 1e9));
  EXPECT_FALSE(tuning_lookup(cache.path(), key, gemm_candidates(true, true)));
  // A cache folder that is a symlink (someone else's folder) is refused.
  std::filesystem::create_directory(cache.path() / "elsewhere");
  std::filesystem::create_directory_symlink(cache.path() / "elsewhere", cache.path() / "link");
  const auto refused = tuning_store(cache.path() / "link", key, gemm_params{4, 4, 8, 8, 16}, 1e9);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not a folder"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(std::filesystem::exists(cache.path() / "elsewhere" / "opencl-gemm-tuning.json"));
}

TEST(tuning_cache, lives_under_the_users_cache_never_a_shared_folder) {
  const std::string old_xdg = std::getenv("XDG_CACHE_HOME") ? std::getenv("XDG_CACHE_HOME") : "";
  ::setenv("XDG_CACHE_HOME", "relative/path", 1);  // the XDG spec: relative values are ignored
  const auto dir = user_cache_dir();
  ASSERT_TRUE(dir) << dir.error().message;
  EXPECT_TRUE(dir->is_absolute());
  EXPECT_EQ(dir->string().find("relative"), std::string::npos);
  EXPECT_EQ(dir->string().rfind(std::filesystem::temp_directory_path().string(), 0), std::string::npos);
  ::setenv("XDG_CACHE_HOME", "/somewhere/cache", 1);
  EXPECT_EQ(user_cache_dir().value(), std::filesystem::path("/somewhere/cache/xpubench"));
  if (old_xdg.empty()) ::unsetenv("XDG_CACHE_HOME");
  else ::setenv("XDG_CACHE_HOME", old_xdg.c_str(), 1);
}

TEST(tuning_cache, damaged_file_is_ignored_and_rewritten) {
  test::temp_dir cache;
  cache.write("opencl-gemm-tuning.json", "{not json");
  const tuning_key key{"dev", "1.0", "fp32"};
  EXPECT_FALSE(tuning_lookup(cache.path(), key, gemm_candidates(true, true)));
  ASSERT_TRUE(tuning_store(cache.path(), key, gemm_params{4, 4, 8, 8, 16}, 1e9));
  EXPECT_EQ(tuning_lookup(cache.path(), key, gemm_candidates(true, true)), (gemm_params{4, 4, 8, 8, 16}));
}

TEST_F(opencl_backend, buffers_beyond_max_alloc_are_skipped_before_allocation) {
  device_info small = *info;  // the same device, told its allocations stop at 16 bytes
  small.opencl->max_alloc_bytes = 16;
  auto limited = opencl_device_open(small);
  ASSERT_TRUE(limited);
  const problem p{reduction_shape{1000, reduce_op::sum}, precision::fp32};
  host_buffers big = workload_for(kernel_kind::reduction).make_buffers(p, 1);
  auto ready = (*limited)->prepare(p, big, "xpubench");
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().code, status::skipped);
  EXPECT_NE(ready.error().message.find("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), std::string::npos);
}

}  // namespace
}  // namespace xpu
