// `openrsp smdpp serve --config FILE.toml` run as an operator runs it: the file alone, flags over the file, refusals
// that name the key and line before anything starts, and the shipped example staying loadable. --check-config prints
// the options in effect as TOML, which these tests read back with toml++.
#include "support/process.h"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using openrsp::test::shell_quote;

namespace {

class serve_config : public ::testing::Test {
protected:
    void SetUp() override { m_dir = openrsp::test::make_temp_dir("openrsp-serve-config"); }
    void TearDown() override { std::filesystem::remove_all(m_dir); }

    std::string write(const std::string& name, const std::string& text)
    {
        const auto p = m_dir / name;
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }

    openrsp::test::run_result serve(const std::string& args)
    {
        return openrsp::test::run_shell(m_dir, shell_quote(OPENRSP_CLI) + " smdpp serve " + args + " < /dev/null");
    }

    /// The options in effect after --config FILE and `flags`, read back from --check-config.
    toml::table effective(const std::string& file, const std::string& flags = "")
    {
        const auto r = serve("--config " + shell_quote(file) + " --check-config " + flags);
        EXPECT_EQ(r.code, 0) << r.err;
        try {
            return toml::parse(r.out);
        } catch (const toml::parse_error& e) {
            ADD_FAILURE() << "--check-config printed no TOML: " << e.description() << "\n" << r.out;
            return {};
        }
    }

    /// A refused config: exit 2, nothing on stdout, and the inventory never created (the server did not start).
    std::string refused(const std::string& text)
    {
        const auto file = write("bad.toml", text);
        const auto db = (m_dir / "refused.db").string();
        const auto r = serve("--config " + shell_quote(file) + " --db " + shell_quote(db) + " --plain-http");
        EXPECT_EQ(r.code, 2) << r.out;
        EXPECT_TRUE(r.out.empty()) << r.out;
        EXPECT_FALSE(std::filesystem::exists(db)) << "a refused configuration opened the inventory";
        return r.err;
    }

    std::filesystem::path m_dir;
};

const char* const full_file = R"(address = "smdp.example.com:9443"
db = "postgresql://openrsp@db.example.com/openrsp"
pki = ["pki-a", "pki-b"]
session-ttl = 120

[serve]
max-cc-attempts = 5
plain-http = true
log-level = "debug"
node-id = "node-7"
)";

TEST_F(serve_config, file_alone_sets_every_kind_of_option_and_satisfies_the_required_ones)
{
    const auto c = effective(write("smdpp.toml", full_file));
    EXPECT_EQ(c["address"].value<std::string>(), "smdp.example.com:9443");
    EXPECT_EQ(c["db"].value<std::string>(), "postgresql://openrsp@db.example.com/openrsp");
    ASSERT_TRUE(c["pki"].is_array());
    EXPECT_EQ(c["pki"].as_array()->size(), 2u);
    EXPECT_EQ(c["pki"][0].value<std::string>(), "pki-a");
    EXPECT_EQ(c["pki"][1].value<std::string>(), "pki-b");
    EXPECT_EQ(c["session-ttl"].value<std::int64_t>(), 120);
    EXPECT_EQ(c["max-cc-attempts"].value<std::int64_t>(), 5);
    EXPECT_EQ(c["max-download-attempts"].value<std::int64_t>(), 3) << "defaults stay when the file is silent";
    EXPECT_EQ(c["plain-http"].value<bool>(), true);
    EXPECT_EQ(c["log-level"].value<std::string>(), "debug");
    EXPECT_EQ(c["node-id"].value<std::string>(), "node-7");
    EXPECT_FALSE(c.contains("listen"));
}

TEST_F(serve_config, flags_on_the_command_line_override_the_file)
{
    const auto c = effective(write("smdpp.toml", full_file),
                             "--session-ttl 60 --pki other --address dp.test --listen 0.0.0.0:8443 --log-level warn");
    EXPECT_EQ(c["session-ttl"].value<std::int64_t>(), 60);
    ASSERT_TRUE(c["pki"].is_array());
    ASSERT_EQ(c["pki"].as_array()->size(), 1u) << "a repeatable flag replaces the file's list, it does not extend it";
    EXPECT_EQ(c["pki"][0].value<std::string>(), "other");
    EXPECT_EQ(c["address"].value<std::string>(), "dp.test");
    EXPECT_EQ(c["listen"].value<std::string>(), "0.0.0.0:8443");
    EXPECT_EQ(c["log-level"].value<std::string>(), "warn");
    // Keys the command line did not give still come from the file.
    EXPECT_EQ(c["db"].value<std::string>(), "postgresql://openrsp@db.example.com/openrsp");
    EXPECT_EQ(c["max-cc-attempts"].value<std::int64_t>(), 5);
}

TEST_F(serve_config, required_options_missing_from_both_are_still_refused)
{
    const auto r = serve("--config " + shell_quote(write("partial.toml", "address = \"dp.test\"\n")) +
                         " --db x.db --check-config");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--pki is required"), std::string::npos) << r.err;
}

TEST_F(serve_config, unknown_key_is_refused_with_its_name_and_line)
{
    const auto err = refused("address = \"dp.test\"\npki = [\"p\"]\nsesion-ttl = 30\n");
    EXPECT_NE(err.find("bad.toml line 3: unknown key 'sesion-ttl'"), std::string::npos) << err;
    EXPECT_NE(err.find("session-ttl"), std::string::npos) << "the sentence lists the known keys: " << err;

    const auto section = refused("address = \"dp.test\"\npki = [\"p\"]\n\n[tls]\ncert = \"a.pem\"\n");
    EXPECT_NE(section.find("bad.toml line 4: unknown section [tls]"), std::string::npos) << section;
}

TEST_F(serve_config, wrong_types_are_refused_with_the_key_and_line)
{
    auto err = refused("address = \"dp.test\"\npki = [\"p\"]\nsession-ttl = \"300\"\n");
    EXPECT_NE(err.find("bad.toml line 3: 'session-ttl' must be a non-negative integer, not a string"),
              std::string::npos)
        << err;
    err = refused("address = \"dp.test\"\npki = [1, 2]\n");
    EXPECT_NE(err.find("bad.toml line 2: 'pki' must be a string or an array of strings"), std::string::npos) << err;
    err = refused("address = \"dp.test\"\npki = \"p\"\nplain-http = \"yes\"\n");
    EXPECT_NE(err.find("bad.toml line 3: 'plain-http' must be true or false, not a string"), std::string::npos) << err;
    err = refused("address = 443\npki = \"p\"\n");
    EXPECT_NE(err.find("bad.toml line 1: 'address' must be a string, not an integer"), std::string::npos) << err;
    err = refused("pki = \"p\"\naddress = \"dp.test\"\nmax-cc-attempts = -3\n");
    EXPECT_NE(err.find("bad.toml line 3: 'max-cc-attempts' must be a non-negative integer, not a negative integer"),
              std::string::npos)
        << err;
}

TEST_F(serve_config, out_of_range_values_duplicates_and_broken_toml_name_their_line)
{
    auto err = refused("address = \"dp.test\"\npki = \"p\"\nsession-ttl = 0\n");
    EXPECT_NE(err.find("bad.toml line 3: --session-ttl: Value 0 not in range 1 to 86400"), std::string::npos) << err;
    err = refused("address = \"dp.test\"\npki = \"p\"\nlog-level = \"loud\"\n");
    EXPECT_NE(err.find("bad.toml line 3: --log-level"), std::string::npos) << err;
    err = refused("address = \"dp.test\"\npki = \"p\"\n[serve]\naddress = \"other\"\n");
    EXPECT_NE(err.find("bad.toml line 4: 'address' is set twice (also on line 1)"), std::string::npos) << err;
    err = refused("address = \"dp.test\"\npki = \n");
    EXPECT_NE(err.find("bad.toml line 2: not valid TOML"), std::string::npos) << err;
}

TEST_F(serve_config, the_example_file_loads_with_and_without_its_commented_lines)
{
    const std::string example = std::string(OPENRSP_SOURCE_DIR) + "/docs/smdpp.example.toml";
    const auto c = effective(example);
    EXPECT_EQ(c["address"].value<std::string>(), "smdp.example.com");
    EXPECT_EQ(c["listen"].value<std::string>(), "0.0.0.0:443");
    EXPECT_EQ(c["session-ttl"].value<std::int64_t>(), 300);
    EXPECT_EQ(c["pki"].as_array()->size(), 2u);

    // The commented-out settings must be valid too: uncomment each key the file does not already set, pointing its
    // /etc/openrsp paths at files that exist here.
    std::istringstream in(openrsp::test::slurp(example));
    const std::regex commented(R"(^# ([a-z-]+) = (.*)$)"), set(R"(^([a-z-]+) = )");
    std::set<std::string> keys;
    std::string line, text;
    std::vector<std::string> lines;
    while (std::getline(in, line)) {
        lines.push_back(line);
        if (std::smatch m; std::regex_search(line, m, set)) keys.insert(m[1]);
    }
    int uncommented = 0;
    for (auto& l : lines) {
        if (std::smatch m; std::regex_match(l, m, commented) && !keys.contains(m[1])) {
            l = std::regex_replace(l.substr(2), std::regex("/etc/openrsp/"), m_dir.string() + "/");
            ++uncommented;
        }
        text += l + "\n";
    }
    EXPECT_GE(uncommented, 6);
    for (const char* f : {"operators-ca.pem", "callback-ca.pem", "kek", "kek.old"})
        write(f, "");
    const auto all = effective(write("all.toml", text));
    EXPECT_EQ(all["kek"].value<std::string>(), (m_dir / "kek").string());
    EXPECT_EQ(all["node-id"].value<std::string>(), "smdp-1");
    EXPECT_TRUE(all["operator-ca"].is_array());
}

} // namespace
