#pragma once
/// \file
/// \brief File helpers every test suite needs; header-only so suites that link nothing else (the lpac bridge) can
/// use them too.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace openrsp::test {

/// Whole file as a string (certificates, keys, the eUICC store for before/after comparisons).
inline std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// A fresh private directory under the system temp folder; the prefix names the suite in a leftover directory.
inline std::filesystem::path make_temp_dir(const std::string& prefix = "openrsp-test")
{
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    return tmpl;
}

} // namespace openrsp::test
