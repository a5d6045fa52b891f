// `openrsp euicc lpac` and what lpac needs from our side, as separate processes like a user runs them:
// the bridge against a stand-in for lpac (a shell script speaking its stdio APDU protocol), the HTTPS server
// against libcurl offering HTTP/2 like lpac's curl driver does, and, when OPENRSP_LPAC names an lpac binary
// built outside the tree, a whole lpac session (chip info, download, enable, notifications, delete).
#include "openrsp/http/server.h"
#include "openrsp/pki/pki.h"
#include "support/ports.h"
#include "support/process.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // NOLINT

namespace fs = std::filesystem;
using namespace openrsp;

using openrsp::test::run_result;
using openrsp::test::free_port;
using openrsp::test::run_shell;
using openrsp::test::wait_listening;
using openrsp::test::shell_quote;
using openrsp::test::slurp;

namespace {

const std::string cli = OPENRSP_CLI;

/// A fresh temp directory, removed at the end.
struct temp_dir {
    fs::path path;
    temp_dir() : path(openrsp::test::make_temp_dir("openrsp-lpac")) {}
    ~temp_dir() { fs::remove_all(path); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

std::vector<std::string> lines(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

/// One virtual eUICC made with the CLI, like a user would.
struct cli_card {
    temp_dir dir;
    fs::path euicc;
    cli_card()
    {
        euicc = dir.path / "euicc.json";
        const auto pki = run_shell(dir.path, shell_quote(cli) + " pki init " + shell_quote(dir.path / "pki") +
                                                 " --smdp-host localhost");
        if (pki.code != 0) throw std::runtime_error("pki init: " + pki.err);
        const auto e = run_shell(dir.path, shell_quote(cli) + " euicc init --pki " + shell_quote(dir.path / "pki") +
                                               " --out " + shell_quote(euicc));
        if (e.code != 0) throw std::runtime_error("euicc init: " + e.err);
    }
    [[nodiscard]] std::string bridge(const std::string& program_and_args) const
    {
        return shell_quote(cli) + " euicc lpac --euicc " + shell_quote(euicc) + " -- " + program_and_args;
    }
};

} // namespace

TEST(lpac_bridge, when_child_speaks_lpac_stdio_then_apdus_are_answered_and_other_lines_pass_through)
{
    cli_card card;
    // Stands in for lpac: requests on stdout, replies read from stdin, its own output mixed in.
    const std::string script = R"(
echo "apdu=$LPAC_APDU http=$LPAC_HTTP"
echo '{"type":"apdu","payload":{"func":"connect","param":null}}'
read r; echo "connect: $r" >&2
echo '{"type":"apdu","payload":{"func":"logic_channel_open","param":"A0000005591010FFFFFFFF8900000100"}}'
read r; echo "open: $r"
echo '{"type":"apdu","payload":{"func":"transmit","param":"81E2910006BF3E035C015A"}}'
read r; echo "eid: $r"
echo '{"type":"lpa","payload":{"code":0,"message":"success","data":null}}'
printf 'last line without newline'
exit 7
)";
    ::setenv("LPAC_APDU", "pcsc", 1);
    ::setenv("LPAC_HTTP", "curl", 1);
    const auto r = run_shell(card.dir.path, card.bridge("/bin/sh -c " + shell_quote(script)));
    ::unsetenv("LPAC_APDU");
    ::unsetenv("LPAC_HTTP");

    EXPECT_EQ(r.code, 7) << r.err;
    const auto out = lines(r.out);
    ASSERT_EQ(out.size(), 5u) << r.out;
    EXPECT_EQ(out[0], "apdu=stdio http=curl") << "LPAC_APDU forced, LPAC_HTTP kept";
    EXPECT_EQ(out[1], R"(open: {"type":"apdu","payload":{"ecode":1}})");
    EXPECT_TRUE(out[2].starts_with(R"(eid: {"type":"apdu","payload":{"ecode":0,"data":"BF3E)")) << out[2];
    EXPECT_NE(out[2].find("9000\"}}"), std::string::npos);
    EXPECT_EQ(out[3], R"({"type":"lpa","payload":{"code":0,"message":"success","data":null}})");
    EXPECT_EQ(out[4], "last line without newline");
    EXPECT_NE(r.err.find(R"(connect: {"type":"apdu","payload":{"ecode":0}})"), std::string::npos) << "stderr passes";
}

TEST(lpac_bridge, when_program_does_not_exist_then_error_and_nonzero_exit)
{
    cli_card card;
    const auto r = run_shell(card.dir.path, card.bridge("/nonexistent/lpac chip info"));
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.err.find("cannot start /nonexistent/lpac"), std::string::npos) << r.err;
}

// lpac's curl driver offers h2 and http/1.1 via ALPN (facts: peers). Our server speaks HTTP/1.1 only, so it must
// not select h2; curl then has to fall back to HTTP/1.1 and the request must succeed.
TEST(lpac_interop, when_client_offers_h2_via_alpn_then_server_answers_over_http_1_1)
{
    temp_dir dir;
    pki::init_options o;
    o.directory = (dir.path / "pki").string();
    o.smdp_host = "localhost";
    ASSERT_TRUE(pki::init(o));
    http::server_config sc;
    sc.cert_chain_pem = slurp(dir.path / "pki" / pki::files::dptls_cert);
    sc.private_key_pem = slurp(dir.path / "pki" / pki::files::dptls_key);
    auto server = http::server::start(sc, [](const http::request&) {
        return http::response{200, {{"Content-Type", "application/json"}}, "{}"};
    });
    ASSERT_TRUE(server) << server.error().message;

    CURL* c = curl_easy_init();
    ASSERT_NE(c, nullptr);
    const std::string url = "https://localhost:" + std::to_string((*server)->port()) + "/gsma/rsp2/es9plus/x";
    std::string body;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L); // as lpac does
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(
        c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* ud) {
            static_cast<std::string*>(ud)->append(p, s * n);
            return s * n;
        });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(c);
    long status = 0, version = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &version);
    curl_easy_cleanup(c);
    (*server)->stop();
    ASSERT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc);
    EXPECT_EQ(status, 200);
    EXPECT_EQ(version, static_cast<long>(CURL_HTTP_VERSION_1_1));
    EXPECT_EQ(body, "{}");
}

namespace {

/// `openrsp smdpp serve` as a child process, stopped with SIGTERM.
class serve_process {
public:
    serve_process(const fs::path& dir, int port)
    {
        std::vector<std::string> args{cli,
                                      "smdpp",
                                      "serve",
                                      "--pki",
                                      (dir / "pki").string(),
                                      "--db",
                                      (dir / "smdpp.db").string(),
                                      "--address",
                                      "localhost:" + std::to_string(port),
                                      "--listen",
                                      "127.0.0.1:" + std::to_string(port),
                                      "--threads",
                                      "1"};
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
    [[nodiscard]] bool started() const { return m_pid > 0; }

private:
    pid_t m_pid = -1;
};


/// The final `{"type":"lpa",...}` line of an lpac run.
nlohmann::json lpa_result(const run_result& r)
{
    for (const auto& l : lines(r.out)) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (!j.is_discarded() && j.value("type", "") == "lpa") return j.at("payload");
    }
    return {};
}

} // namespace

// Needs lpac (estkme-group/lpac) built outside the tree: OPENRSP_LPAC=/path/to/lpac ctest -R real_lpac
TEST(lpac_interop, real_lpac_full_session_against_virtual_euicc_and_smdpp)
{
    const char* lpac = std::getenv("OPENRSP_LPAC");
    if (lpac == nullptr || *lpac == '\0') GTEST_SKIP() << "set OPENRSP_LPAC to an lpac binary to run this";
    cli_card card;
    const fs::path& d = card.dir.path;
    const int port = free_port();
    ASSERT_NE(port, 0);
    serve_process server(d, port);
    ASSERT_TRUE(server.started());
    ASSERT_TRUE(wait_listening(port, 100));

    const std::string iccid = "894900000000000027"; // 18 digits: lpac sends 9-byte ICCIDs for it (facts §11.4)
    std::ofstream(d / "profile.json") << R"({"iccid":")" << iccid << R"(","imsi":"001010000000027",
        "ki":"000102030405060708090a0b0c0d0e0f","opc":"00112233445566778899aabbccddeeff",
        "spn":"OpenRSP Mobile","profileName":"lpac plan","apn":"internet"})";
    const auto add =
        run_shell(d, shell_quote(cli) + " smdpp add-profile --db " + shell_quote(d / "smdpp.db") + " --profile " +
                         shell_quote(d / "profile.json") + " --address localhost:" + std::to_string(port));
    ASSERT_EQ(add.code, 0) << add.err;
    const std::string ac = lines(add.out).at(0);

    const auto lpac_ok = [&](const std::string& args) {
        const auto r = run_shell(d, card.bridge(shell_quote(lpac) + " " + args));
        const auto p = lpa_result(r);
        EXPECT_EQ(r.code, 0) << args << "\n" << r.out << r.err;
        EXPECT_EQ(p.value("code", -1), 0) << args << "\n" << r.out;
        return p;
    };
    EXPECT_EQ(lpac_ok("chip info").at("data").at("eidValue").get<std::string>().size(), 32u);
    // lpac's final line of a download carries the installation result (seqNumber, bppCommandId, errorReason), not
    // the ICCID: the profile list shows which profile arrived.
    lpac_ok("profile download -a " + shell_quote(ac));
    const auto list = lpac_ok("profile list").at("data");
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("iccid"), iccid);
    EXPECT_EQ(list[0].at("profileState"), "disabled");
    lpac_ok("profile nickname " + iccid + " mine");
    lpac_ok("profile enable " + iccid);
    EXPECT_EQ(lpac_ok("profile list").at("data")[0].at("profileState"), "enabled");
    lpac_ok("profile disable " + iccid);
    EXPECT_EQ(lpac_ok("notification list").at("data").size(), 3u) << "install, enable, disable";
    lpac_ok("notification process -a -r");
    lpac_ok("profile delete " + iccid);
    EXPECT_EQ(lpac_ok("notification list").at("data").size(), 1u) << "delete";
    lpac_ok("notification remove -a");
    EXPECT_TRUE(lpac_ok("notification list").at("data").empty());
    EXPECT_TRUE(lpac_ok("profile list").at("data").empty());
}
