#pragma once
// A shared library opened at run time: the ICD loaders and NVML are never link dependencies,
// so a machine without them still runs xpubench and reports the backend as missing.
#include <dlfcn.h>

#include <cstdlib>
#include <string>

#include "core/error.hpp"

namespace xpu {

class dynlib {
 public:
  // Opens `name`, or the path in environment variable `override_env` when it is set.
  static result<dynlib> open(const std::string& name, const char* override_env = nullptr) {
    std::string path = name;
    if (override_env)
      if (const char* v = std::getenv(override_env); v && *v) path = v;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = dlerror();
      return fail(status::unsupported, "cannot load {}: {}", path, why ? why : "unknown dlopen error");
    }
    return dynlib(handle, path);
  }

  template <class Fn>
  Fn symbol(const char* name) const {
    return reinterpret_cast<Fn>(dlsym(m_handle, name));
  }
  const std::string& path() const { return m_path; }

 private:
  dynlib(void* handle, std::string path) : m_handle(handle), m_path(std::move(path)) {}
  // Never dlclose'd: GPU drivers start threads and register exit handlers, and unloading them
  // under their feet crashes at exit. The loader stays mapped for the life of the process.
  void* m_handle = nullptr;
  std::string m_path;
};

}  // namespace xpu
