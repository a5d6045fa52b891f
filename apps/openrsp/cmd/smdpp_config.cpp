// `smdpp serve --config FILE.toml` (smdpp_config.h). The file's keys are checked against the serve command's own
// CLI11 options, so a new option is configurable, typed and documented the moment it is added.
#include "smdpp_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string_view>
#include <vector>

namespace openrsp::cli {

namespace {

enum class value_kind { flag, list, unsigned_integer, integer, text };

value_kind kind_of(const CLI::Option& o)
{
    if (o.get_expected_min() == 0) return value_kind::flag;
    if (o.get_expected_max() > 1) return value_kind::list;
    // The type name is CLI11's ("UINT", "INT", "TEXT"), followed by ":validator" descriptions.
    const std::string type = o.get_type_name();
    if (type.starts_with("UINT")) return value_kind::unsigned_integer;
    if (type.starts_with("INT")) return value_kind::integer;
    return value_kind::text;
}

std::string_view wanted(value_kind k)
{
    switch (k) {
    case value_kind::flag:
        return "true or false";
    case value_kind::list:
        return "a string or an array of strings";
    case value_kind::unsigned_integer:
        return "a non-negative integer";
    case value_kind::integer:
        return "an integer";
    case value_kind::text:
        return "a string";
    }
    return "a value";
}

std::string_view toml_type(const toml::node& n)
{
    switch (n.type()) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a floating-point number";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::table:
        return "a table";
    default:
        return "a date or time";
    }
}

/// Only options a person would put in a file: named, and not --help, --config or --check-config.
const CLI::Option* configurable(const CLI::App& cmd, const std::string& key)
{
    const CLI::Option* o = cmd.get_option_no_throw("--" + key);
    if (o == nullptr || !o->get_configurable() || o == cmd.get_help_ptr()) return nullptr;
    return o;
}

std::string known_keys(const CLI::App& cmd)
{
    std::string out;
    for (const CLI::Option* o : cmd.get_options()) {
        if (o->get_lnames().empty() || configurable(cmd, o->get_lnames().front()) == nullptr) continue;
        out += (out.empty() ? "" : ", ") + o->get_lnames().front();
    }
    return out;
}

struct item {
    std::string key;
    std::int64_t line = 0;
    CLI::Option* option = nullptr;
    std::vector<std::string> values; ///< as CLI11 takes them from a command line; empty: a flag set to false
};

class reader {
public:
    reader(CLI::App& cmd, std::string file) : m_cmd(cmd), m_file(std::move(file)) {}

    /// Every key of `t` and of the tables that scope serve options, checked; throws CLI::ConfigError at the first bad
    /// one in file order.
    std::vector<item> read(const toml::table& root)
    {
        collect(root, "");
        std::sort(m_items.begin(), m_items.end(), [](const item& a, const item& b) { return a.line < b.line; });
        if (!m_errors.empty()) {
            const auto first = std::min_element(m_errors.begin(), m_errors.end());
            throw CLI::ConfigError(first->second);
        }
        return m_items;
    }

private:
    [[nodiscard]] std::string at(std::int64_t line) const { return m_file + " line " + std::to_string(line) + ": "; }

    void refuse(std::int64_t line, const std::string& sentence) { m_errors.emplace_back(line, at(line) + sentence); }

    void collect(const toml::table& t, const std::string& scope)
    {
        for (const auto& [k, v] : t) {
            const std::string key(k.str());
            const std::int64_t line = k.source().begin.line;
            const std::string path = scope.empty() ? key : scope + "." + key;
            if (const auto* sub = v.as_table()) {
                // Sections only scope the serve options, as in `openrsp smdpp serve`: [serve] or [smdpp.serve].
                if (path == "serve" || path == "smdpp" || path == "smdpp.serve")
                    collect(*sub, path);
                else
                    refuse(line, "unknown section [" + path + "]; serve options go at the top level or in [serve]");
                continue;
            }
            if (scope == "smdpp") {
                refuse(line, "unknown key '" + path + "'; serve options go at the top level or in [smdpp.serve]");
                continue;
            }
            add(key, line, v);
        }
    }

    void add(const std::string& key, std::int64_t line, const toml::node& v)
    {
        CLI::Option* option = m_cmd.get_option_no_throw("--" + key);
        if (option == nullptr || configurable(m_cmd, key) == nullptr) {
            refuse(line, "unknown key '" + key + "' (known keys: " + known_keys(m_cmd) + ")");
            return;
        }
        if (const auto twice =
                std::find_if(m_items.begin(), m_items.end(), [&](const item& i) { return i.key == key; });
            twice != m_items.end()) {
            refuse(line, "'" + key + "' is set twice (also on line " + std::to_string(twice->line) + ")");
            return;
        }
        const value_kind kind = kind_of(*option);
        item it{key, line, option, {}};
        bool ok = true;
        switch (kind) {
        case value_kind::flag:
            ok = v.is_boolean();
            if (ok && v.as_boolean()->get()) it.values.emplace_back("true");
            break;
        case value_kind::list:
            if (const auto* s = v.as_string()) {
                it.values.push_back(s->get());
            } else if (const auto* a = v.as_array()) {
                ok = a->is_homogeneous(toml::node_type::string) || a->empty();
                for (const auto& e : *a)
                    if (const auto* s2 = e.as_string()) it.values.push_back(s2->get());
            } else {
                ok = false;
            }
            break;
        case value_kind::unsigned_integer:
        case value_kind::integer:
            ok = v.is_integer() && (kind == value_kind::integer || v.as_integer()->get() >= 0);
            if (ok) it.values.push_back(std::to_string(v.as_integer()->get()));
            break;
        case value_kind::text:
            ok = v.is_string();
            if (ok) it.values.push_back(v.as_string()->get());
            break;
        }
        if (!ok) {
            std::string got(toml_type(v));
            if (v.is_integer() && kind == value_kind::unsigned_integer) got = "a negative integer";
            if (v.is_array() && kind == value_kind::list) got = "an array holding something other than strings";
            refuse(line, "'" + key + "' must be " + std::string(wanted(kind)) + ", not " + got);
            return;
        }
        m_items.push_back(std::move(it));
    }

    CLI::App& m_cmd;
    std::string m_file;
    std::vector<item> m_items;
    std::vector<std::pair<std::int64_t, std::string>> m_errors;
};

void apply_config(CLI::App& cmd, const std::string& file)
{
    toml::table root;
    try {
        root = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
        throw CLI::ConfigError(file + " line " + std::to_string(e.source().begin.line) +
                               ": not valid TOML: " + std::string(e.description()));
    }
    for (const item& it : reader(cmd, file).read(root)) {
        if (it.option->count() > 0 || it.values.empty()) continue; // the command line wins; a false flag is unset
        try {
            it.option->add_result(it.values);
            // Validators (ranges, existing files, allowed levels) run here, so their refusal can name the line.
            it.option->run_callback();
        } catch (const CLI::ParseError& e) {
            throw CLI::ConfigError(file + " line " + std::to_string(it.line) + ": " + e.what());
        }
    }
}

} // namespace

void add_config_option(CLI::App& cmd)
{
    // Option callbacks run after the whole command line is parsed and before required options are checked, so the
    // file can both lose to flags and satisfy --pki/--db/--address.
    cmd.add_option_function<std::string>(
           "--config", [&cmd](const std::string& file) { apply_config(cmd, file); },
           "TOML file setting any of these options by its long name without dashes (`session-ttl = 300`, `pki = "
           "[\"a\", \"b\"]`, flags as true/false), at the top level or in [serve]; options given on the command line "
           "win. See docs/smdpp.example.toml")
        ->check(CLI::ExistingFile)
        ->configurable(false);
}

std::string effective_config(const CLI::App& cmd)
{
    toml::table out;
    for (const CLI::Option* o : cmd.get_options()) {
        if (o->get_lnames().empty() || configurable(cmd, o->get_lnames().front()) == nullptr) continue;
        const std::string& key = o->get_lnames().front();
        std::vector<std::string> values = o->results();
        if (values.empty() && !o->get_default_str().empty()) values.push_back(o->get_default_str());
        const value_kind kind = kind_of(*o);
        if (kind == value_kind::flag) {
            if (o->count() > 0) out.insert(key, true);
            continue;
        }
        if (values.empty()) continue;
        if (kind == value_kind::list) {
            toml::array a;
            for (const auto& v : values)
                a.push_back(v);
            out.insert(key, std::move(a));
        } else if (kind == value_kind::text) {
            out.insert(key, values.back());
        } else {
            out.insert(key, static_cast<std::int64_t>(std::stoll(values.back())));
        }
    }
    std::ostringstream s;
    s << out << "\n";
    return s.str();
}

} // namespace openrsp::cli
