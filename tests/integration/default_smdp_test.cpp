// The Default SM-DP+ (SGP.22 §3.1.2) as a user runs it, every party a separate `openrsp` process: an operator orders
// a profile for one EID on the shell (`smdpp order download --eid`, `smdpp order confirm --release` without a
// matching ID), `smdpp serve` serves it, and `lpa download` with no activation code, the eUICC's default SM-DP+
// address set, installs it.
#include "support/files.h"
#include "support/ports.h"
#include "support/process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // NOLINT

namespace fs = std::filesystem;
using openrsp::test::run_result;
using openrsp::test::free_port;
using openrsp::test::run_shell;
using openrsp::test::wait_listening;
using openrsp::test::shell_quote;

namespace {

const std::string cli = OPENRSP_CLI;
constexpr const char* iccid = "8949000000000000018";

struct temp_dir {
    fs::path path;
    temp_dir() : path(openrsp::test::make_temp_dir("openrsp-default-smdp")) {}
    ~temp_dir() { fs::remove_all(path); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};


/// `openrsp smdpp serve` as a child process, stopped with SIGTERM.
class serve_process {
public:
    explicit serve_process(std::vector<std::string> args)
    {
        args.insert(args.begin(), cli);
        std::vector<char*> argv;
        for (auto& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        if (::posix_spawn(&m_pid, cli.c_str(), nullptr, nullptr, argv.data(), environ) != 0) m_pid = -1;
    }
    ~serve_process()
    {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGTERM);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
    serve_process(const serve_process&) = delete;
    serve_process& operator=(const serve_process&) = delete;

private:
    pid_t m_pid = -1;
};

run_result run(const fs::path& dir, const std::string& args)
{
    return run_shell(dir, shell_quote(cli) + " " + args);
}

} // namespace

TEST(default_smdp, an_order_for_the_eid_released_without_a_matching_id_installs_without_an_activation_code)
{
    temp_dir d;
    const fs::path pki = d.path / "pki", euicc = d.path / "euicc.json", db = d.path / "smdpp.db";
    ASSERT_EQ(run(d.path, "pki init " + shell_quote(pki) + " --smdp-host localhost").code, 0);
    const auto made = run(d.path, "euicc init --pki " + shell_quote(pki) + " --out " + shell_quote(euicc));
    ASSERT_EQ(made.code, 0) << made.err;
    const auto info = run(d.path, "euicc info --euicc " + shell_quote(euicc));
    ASSERT_EQ(info.code, 0) << info.err;
    const auto at = info.out.find("EID ");
    ASSERT_NE(at, std::string::npos) << info.out;
    const std::string eid = info.out.substr(at + 4, 32);

    const int port = free_port();
    const std::string address = "localhost:" + std::to_string(port);
    {
        std::ofstream(d.path / "profile.json")
            << R"({"iccid":"8949000000000000018","imsi":"001010000000001","ki":"000102030405060708090a0b0c0d0e0f",)"
               R"("opc":"cd63cb71954a9f4e48a5994e37a02baf","spn":"OpenRSP Mobile","profileName":"Default plan",)"
               R"("apn":"internet"})";
    }
    const auto added =
        run(d.path, "smdpp add-profile --db " + shell_quote(db) + " --address " + address +
                        " --available --operator acme --profile " + shell_quote(d.path / "profile.json"));
    ASSERT_EQ(added.code, 0) << added.err;
    const auto ordered = run(d.path, "smdpp order download --db " + shell_quote(db) + " --operator acme --iccid " +
                                         iccid + " --eid " + eid);
    ASSERT_EQ(ordered.code, 0) << ordered.err;
    const auto confirmed = run(d.path, "smdpp order confirm --json --db " + shell_quote(db) + " --address " + address +
                                           " --operator acme --iccid " + iccid + " --eid " + eid + " --release");
    ASSERT_EQ(confirmed.code, 0) << confirmed.err;
    EXPECT_TRUE(nlohmann::json::parse(confirmed.out).value("defaultSmdp", false)) << confirmed.out;

    serve_process server({"smdpp", "serve", "--pki", pki.string(), "--db", db.string(), "--address", address,
                          "--listen", "127.0.0.1:" + std::to_string(port), "--threads", "1", "--log",
                          (d.path / "serve.log").string()});
    ASSERT_TRUE(wait_listening(port));

    const std::string card = "--euicc " + shell_quote(euicc);
    const auto set = run(d.path, "lpa default-smdp set " + card + " " + address);
    ASSERT_EQ(set.code, 0) << set.err;
    const auto dl = run(d.path, "lpa download " + card + " --ca " + shell_quote(pki / "ci.pem") + " --yes --json");
    ASSERT_EQ(dl.code, 0) << dl.out << dl.err;

    const auto list = run(d.path, "smdpp list --json --db " + shell_quote(db));
    ASSERT_EQ(list.code, 0) << list.err;
    const auto rows = nlohmann::json::parse(list.out);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].value("state", ""), "installed");
    EXPECT_EQ(rows[0].value("eid", ""), eid);
    const auto chip = run(d.path, "euicc info --euicc " + shell_quote(euicc));
    EXPECT_NE(chip.out.find(iccid), std::string::npos) << chip.out;

    // Nothing more is pending for this eUICC: the default SM-DP+ refuses with the unknown-order code.
    const auto again = run(d.path, "lpa download " + card + " --ca " + shell_quote(pki / "ci.pem") + " --yes");
    EXPECT_NE(again.code, 0);
    EXPECT_NE((again.out + again.err).find("8.2.6"), std::string::npos) << again.out << again.err;
}
