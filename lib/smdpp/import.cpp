// Bulk import: CSV, JSON and SAIP folders read row by row, built into inventory records and committed in batches.
#include "openrsp/smdpp/import.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

namespace openrsp::smdpp {

namespace {

/// One row's values by column, as text.
struct row_fields {
    std::string iccid, imsi, ki, opc, spn, profile_name, apn, profile_type, mnc_length;
};

enum class column { iccid, imsi, ki, opc, spn, profile_name, apn, profile_type, mnc_length };

struct column_name {
    std::string_view name; ///< normalized: lower case, no '_', '-' or spaces
    column id;
};
constexpr std::array<column_name, 11> column_names{{{"iccid", column::iccid},
                                                    {"imsi", column::imsi},
                                                    {"ki", column::ki},
                                                    {"opc", column::opc},
                                                    {"spn", column::spn},
                                                    {"serviceprovidername", column::spn},
                                                    {"profilename", column::profile_name},
                                                    {"apn", column::apn},
                                                    {"profiletype", column::profile_type},
                                                    {"type", column::profile_type},
                                                    {"mnclength", column::mnc_length}}};
constexpr std::array<column, 6> required_columns{column::iccid, column::imsi, column::ki,
                                                 column::opc,   column::spn,  column::profile_name};
constexpr std::array<std::string_view, 9> display_names{"iccid",       "imsi", "ki",          "opc",      "spn",
                                                        "profileName", "apn",  "profileType", "mncLength"};

std::string normalize(std::string_view name)
{
    std::string out;
    for (char c : name)
        if (c != '_' && c != '-' && c != ' ' && c != '\t')
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<column> find_column(std::string_view name)
{
    const std::string n = normalize(name);
    for (const auto& c : column_names)
        if (c.name == n) return c.id;
    return std::nullopt;
}

std::string& field(row_fields& f, column c)
{
    switch (c) {
    case column::iccid:
        return f.iccid;
    case column::imsi:
        return f.imsi;
    case column::ki:
        return f.ki;
    case column::opc:
        return f.opc;
    case column::spn:
        return f.spn;
    case column::profile_name:
        return f.profile_name;
    case column::apn:
        return f.apn;
    case column::profile_type:
        return f.profile_type;
    case column::mnc_length:
        break;
    }
    return f.mnc_length;
}

result<bytes> key_16(const std::string& text, const char* what)
{
    auto b = from_hex(text);
    if (!b || b->size() != 16) return fail(std::string(what) + " must be 32 hex digits");
    return std::move(*b);
}

result<rsp::profile_description> describe(const row_fields& f)
{
    rsp::profile_description d;
    d.iccid = f.iccid;
    d.imsi = f.imsi;
    auto ki = key_16(f.ki, "ki");
    if (!ki) return ki.take_error();
    auto opc = key_16(f.opc, "opc");
    if (!opc) return opc.take_error();
    d.ki = std::move(*ki);
    d.opc = std::move(*opc);
    d.service_provider_name = f.spn;
    d.profile_name = f.profile_name;
    d.apn = f.apn;
    if (!f.mnc_length.empty()) {
        if (f.mnc_length != "2" && f.mnc_length != "3") return fail("mncLength must be 2 or 3");
        d.mnc_length = f.mnc_length == "2" ? 2u : 3u;
    }
    OPENRSP_TRY_VOID(rsp::validate(d));
    return d;
}

/// Collects rows into batches and commits each in one transaction; keeps the report.
class batcher {
public:
    batcher(store::inventory& inv, const import_options& o) : m_inv(inv), m_options(o)
    {
        m_batch.reserve(o.batch_size);
    }

    /// False once the import must stop (strict mode met a problem, or after_batch said so).
    [[nodiscard]] bool running() const { return !m_report.stopped; }

    /// A row as read: its fields (or why it could not be read at all), or a ready description (SAIP).
    result<void> add(std::size_t line, std::string where, const result<row_fields>& fields)
    {
        if (!fields) return reject(line, std::move(where), {}, fields.error().message);
        auto d = describe(*fields);
        if (!d) return reject(line, std::move(where), fields->iccid, d.error().message);
        const std::string& type = fields->profile_type.empty() ? m_options.default_profile_type : fields->profile_type;
        return add_described(line, std::move(where), *d, type, std::nullopt);
    }

    /// A described profile; `upp` replaces the package built from the description (SAIP import keeps its own).
    result<void> add_described(std::size_t line, std::string where, const rsp::profile_description& d,
                               const std::string& type, std::optional<bytes> upp)
    {
        auto rec =
            make_inventory_record(d, inventory_profile_options{m_options.smdp_address, m_options.operator_id, type});
        if (!rec) return reject(line, std::move(where), d.iccid, rec.error().message);
        if (upp) rec->upp = std::move(*upp);
        m_batch.push_back(std::move(*rec));
        m_origin.push_back({line, std::move(where)});
        if (m_batch.size() >= m_options.batch_size) return flush();
        return ok();
    }

    result<void> reject(std::size_t line, std::string where, std::string iccid, std::string reason)
    {
        ++m_report.rejected;
        m_report.problems.push_back({line, std::move(where), std::move(iccid), std::move(reason), false});
        if (m_options.strict) {
            // Nothing of the batch holding the bad row is imported.
            m_batch.clear();
            m_origin.clear();
            m_report.stopped = true;
        }
        return ok();
    }

    result<void> flush()
    {
        if (m_batch.empty() || m_report.stopped) return ok();
        auto outcomes = m_inv.import_profiles(m_batch, m_options.strict);
        if (!outcomes)
            return fail("the import stopped at a database error after " + std::to_string(m_report.batches) +
                        " committed batches (" + std::to_string(m_report.imported) +
                        " profiles imported; run it again to continue): " + outcomes.error().message);
        std::size_t added = 0, present = 0, conflicts = 0;
        for (std::size_t i = 0; i < outcomes->size(); ++i) {
            switch ((*outcomes)[i]) {
            case store::import_outcome::added:
                ++added;
                break;
            case store::import_outcome::present:
                ++present;
                break;
            case store::import_outcome::conflict:
                ++conflicts;
                m_report.problems.push_back({m_origin[i].first, m_origin[i].second, m_batch[i].iccid,
                                             "the ICCID is already in the inventory with other data, owner or type; "
                                             "it was left as it is",
                                             true});
                break;
            }
        }
        m_report.conflicts += conflicts;
        m_batch.clear();
        m_origin.clear();
        if (m_options.strict && conflicts > 0) {
            m_report.stopped = true; // the store rolled the batch back
            return ok();
        }
        m_report.imported += added;
        m_report.present += present;
        ++m_report.batches;
        if (m_options.after_batch && !m_options.after_batch(m_report)) m_report.stopped = true;
        return ok();
    }

    result<import_report> finish()
    {
        OPENRSP_TRY_VOID(flush());
        return std::move(m_report);
    }

private:
    store::inventory& m_inv;
    const import_options& m_options;
    std::vector<store::inventory_profile> m_batch;
    std::vector<std::pair<std::size_t, std::string>> m_origin;
    import_report m_report;
};

result<void> check_options(const import_options& o)
{
    if (o.operator_id.empty()) return fail("imported profiles need an operator (--operator)");
    if (o.batch_size == 0) return fail("the batch size must be at least 1");
    if (!rsp::is_valid_smdp_address(o.smdp_address))
        return fail("the SM-DP+ address '" + o.smdp_address + "' is not a valid host name");
    return ok();
}

// ---- CSV (RFC 4180: quoted fields may hold commas, doubled quotes and line breaks) ----

class csv_reader {
public:
    explicit csv_reader(std::string_view text) : m_text(text)
    {
        if (m_text.starts_with("\xEF\xBB\xBF")) m_text.remove_prefix(3); // UTF-8 byte order mark
    }

    /// The next record's fields and the line it starts on; nullopt at the end. Blank lines are skipped.
    result<std::optional<std::pair<std::size_t, std::vector<std::string>>>> next()
    {
        using out_t = std::optional<std::pair<std::size_t, std::vector<std::string>>>;
        while (m_pos < m_text.size() && (m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
            if (m_text[m_pos] == '\n') ++m_line;
            ++m_pos;
        }
        if (m_pos >= m_text.size()) return out_t{};
        const std::size_t start_line = m_line;
        std::vector<std::string> fields;
        std::string cur;
        bool quoted_field = false;
        for (;;) {
            if (m_pos >= m_text.size() || m_text[m_pos] == '\n' || m_text[m_pos] == '\r') {
                fields.push_back(quoted_field ? std::move(cur) : trim(cur));
                if (m_pos < m_text.size() && m_text[m_pos] == '\r') ++m_pos;
                if (m_pos < m_text.size() && m_text[m_pos] == '\n') {
                    ++m_pos;
                    ++m_line;
                }
                return out_t{{start_line, std::move(fields)}};
            }
            const char c = m_text[m_pos++];
            if (c == ',') {
                fields.push_back(quoted_field ? std::move(cur) : trim(cur));
                cur.clear();
                quoted_field = false;
            } else if (c == '"' && trim(cur).empty() && !quoted_field) {
                quoted_field = true;
                cur.clear();
                for (;;) {
                    if (m_pos >= m_text.size()) {
                        m_error_line = start_line;
                        return fail("a quoted field is not closed");
                    }
                    const char q = m_text[m_pos++];
                    if (q == '"') {
                        if (m_pos < m_text.size() && m_text[m_pos] == '"') {
                            cur += '"';
                            ++m_pos;
                            continue;
                        }
                        break;
                    }
                    if (q == '\n') ++m_line;
                    cur += q;
                }
                // Only spaces may follow the closing quote before the separator.
                while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t'))
                    ++m_pos;
                if (m_pos < m_text.size() && m_text[m_pos] != ',' && m_text[m_pos] != '\n' && m_text[m_pos] != '\r') {
                    m_error_line = start_line;
                    return fail("text after a closing quote");
                }
            } else {
                cur += c;
            }
        }
    }

    /// Where the record that failed to parse starts.
    [[nodiscard]] std::size_t error_line() const { return m_error_line; }

private:
    static std::string trim(const std::string& s)
    {
        const auto b = s.find_first_not_of(" \t");
        if (b == std::string::npos) return {};
        return s.substr(b, s.find_last_not_of(" \t") - b + 1);
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::size_t m_line = 1;
    std::size_t m_error_line = 0;
};

// ---- JSON ----

result<row_fields> fields_from_json(const nlohmann::json& j)
{
    if (!j.is_object()) return fail("not a JSON object");
    row_fields f;
    std::array<bool, display_names.size()> seen{};
    for (const auto& [key, value] : j.items()) {
        auto c = find_column(key);
        if (!c) return fail("unknown field \"" + key + "\"");
        if (*c == column::mnc_length && value.is_number_unsigned()) {
            f.mnc_length = std::to_string(value.get<unsigned>());
        } else if (!value.is_string()) {
            return fail("\"" + key + "\" must be a string");
        } else {
            field(f, *c) = value.get<std::string>();
        }
        seen[static_cast<std::size_t>(*c)] = true;
    }
    for (auto c : required_columns)
        if (!seen[static_cast<std::size_t>(c)]) {
            // Appended, not "\"" + std::string(...): GCC 12 -O3 flags the latter (-Wrestrict, GCC bug 105329).
            std::string sentence = "\"";
            sentence += display_names[static_cast<std::size_t>(c)];
            sentence += "\" is missing";
            return fail(std::move(sentence));
        }
    return f;
}

// ---- SAIP ----

result<rsp::profile_description> describe_package(const bytes& der, const std::string& name)
{
    auto summary = rsp::parse_upp(der);
    if (!summary) return fail("not a SAIP profile package: " + summary.error().message);
    // Milenage or the USIM test algorithm (TS.48 test profiles): either way the package carries Ki and OPc.
    if (summary->algorithm_id == 0) return fail("the package has no AKA parameters (Ki, OPc)");
    rsp::profile_description d;
    d.iccid = summary->iccid;
    d.imsi = summary->imsi;
    d.ki = summary->ki;
    d.opc = summary->opc;
    d.service_provider_name = summary->service_provider_name;
    d.profile_name = name.substr(0, 64);
    d.apn = summary->apn;
    OPENRSP_TRY_VOID(rsp::validate(d));
    return d;
}

} // namespace

result<import_report> import_csv(store::inventory& inventory, std::string_view text, const import_options& options)
{
    OPENRSP_TRY_VOID(check_options(options));
    csv_reader reader(text);
    auto header = reader.next();
    if (!header) return fail("line 1: " + header.error().message);
    if (!*header) return fail("the CSV file is empty: it needs a header row naming the columns");
    std::vector<column> columns;
    std::array<bool, display_names.size()> seen{};
    for (const auto& name : (*header)->second) {
        auto c = find_column(name);
        if (!c)
            return fail("the CSV header names an unknown column \"" + name +
                        "\" (known: iccid, imsi, ki, opc, spn, profileName, apn, profileType, mncLength)");
        if (seen[static_cast<std::size_t>(*c)]) return fail("the CSV header names column \"" + name + "\" twice");
        seen[static_cast<std::size_t>(*c)] = true;
        columns.push_back(*c);
    }
    for (auto c : required_columns)
        if (!seen[static_cast<std::size_t>(c)])
            return fail("the CSV header lacks the column \"" + std::string(display_names[static_cast<std::size_t>(c)]) +
                        "\"");

    batcher b(inventory, options);
    while (b.running()) {
        auto rec = reader.next();
        if (!rec) {
            // A broken quote leaves the rest of the file unreadable: report it as a bad row and stop reading.
            OPENRSP_TRY_VOID(b.reject(reader.error_line(), {}, {},
                                      rec.error().message + "; the rest of the file "
                                                            "cannot be read"));
            break;
        }
        if (!*rec) break;
        const auto& [line, values] = **rec;
        result<row_fields> f = row_fields{};
        if (values.size() != columns.size()) {
            f = fail("has " + std::to_string(values.size()) + " fields, the header " + std::to_string(columns.size()));
        } else {
            for (std::size_t i = 0; i < values.size(); ++i)
                field(*f, columns[i]) = values[i];
        }
        OPENRSP_TRY_VOID(b.add(line, {}, f));
    }
    return b.finish();
}

result<import_report> import_json(store::inventory& inventory, std::string_view text, const import_options& options)
{
    OPENRSP_TRY_VOID(check_options(options));
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return fail("the JSON file is empty");
    batcher b(inventory, options);
    if (text[first] == '[') {
        auto all = nlohmann::json::parse(text, nullptr, false);
        if (all.is_discarded() || !all.is_array())
            return fail("the JSON file is not a valid JSON array of profiles (or one profile object per line)");
        for (std::size_t i = 0; i < all.size() && b.running(); ++i)
            OPENRSP_TRY_VOID(b.add(i + 1, {}, fields_from_json(all[i])));
        return b.finish();
    }
    // JSON Lines: one object per line, so a bad line is reported by its number and the others still import.
    std::size_t line = 0;
    std::size_t pos = 0;
    while (pos <= text.size() && b.running()) {
        const auto end = std::min(text.find('\n', pos), text.size());
        const std::string_view one = text.substr(pos, end - pos);
        ++line;
        pos = end + 1;
        if (one.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        auto j = nlohmann::json::parse(one, nullptr, false);
        result<row_fields> f = j.is_discarded() ? result<row_fields>(fail("not valid JSON")) : fields_from_json(j);
        OPENRSP_TRY_VOID(b.add(line, {}, f));
    }
    return b.finish();
}

result<import_report> import_saip_dir(store::inventory& inventory, const std::string& dir,
                                      const import_options& options)
{
    OPENRSP_TRY_VOID(check_options(options));
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return fail("'" + dir + "' is not a folder");
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".der" && it->is_regular_file()) files.push_back(it->path());
    if (ec) return fail("cannot list '" + dir + "': " + ec.message());
    if (files.empty()) return fail("'" + dir + "' holds no .der profile packages");
    std::sort(files.begin(), files.end());

    batcher b(inventory, options);
    for (std::size_t i = 0; i < files.size() && b.running(); ++i) {
        const std::string name = files[i].filename().string();
        std::ifstream in(files[i], std::ios::binary);
        bytes der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            OPENRSP_TRY_VOID(b.reject(i + 1, name, {}, "cannot read the file"));
            continue;
        }
        auto d = describe_package(der, files[i].stem().string());
        if (!d) {
            OPENRSP_TRY_VOID(b.reject(i + 1, name, {}, d.error().message));
            continue;
        }
        OPENRSP_TRY_VOID(b.add_described(i + 1, name, *d, options.default_profile_type, std::move(der)));
    }
    return b.finish();
}

} // namespace openrsp::smdpp
