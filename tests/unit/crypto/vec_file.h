#pragma once
/// \file
/// \brief Reads known-answer files from tests/data/vectors: blocks of "key = value" lines separated by blank
/// lines; "# ..." comments; a "[name]" line starts a named block.

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace openrsp::test {

struct vec_block {
    std::string section; ///< the "[name]" header, empty if none
    std::map<std::string, std::string> fields;
    const std::string& at(const std::string& key) const { return fields.at(key); }
};

inline std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

inline std::vector<vec_block> read_vectors(const std::string& name)
{
    const std::string path = std::string(OPENRSP_SOURCE_DIR) + "/tests/data/vectors/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<vec_block> out;
    vec_block cur;
    auto flush = [&] {
        if (!cur.fields.empty() || !cur.section.empty()) out.push_back(cur);
        cur = {};
    };
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty()) {
            flush();
            continue;
        }
        if (line[0] == '#') continue;
        if (line[0] == '[') {
            flush();
            cur.section = line.substr(1, line.find(']') - 1);
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos) throw std::runtime_error("bad line in " + path + ": " + line);
        cur.fields[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
    }
    flush();
    return out;
}

} // namespace openrsp::test
