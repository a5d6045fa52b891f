#pragma once
// Small helpers shared by the integration tests.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace openrsp::integration {

/// Whole file as a string (certificates, keys, the eUICC store for before/after comparisons).
inline std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// A fresh private directory under the system temp folder.
inline std::filesystem::path make_temp_dir(const std::string& prefix = "openrsp-it")
{
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    return tmpl;
}

} // namespace openrsp::integration
