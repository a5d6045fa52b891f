#pragma once
// The parties the LPA tests need, all real: a test PKI, our SM-DP+ (SQLite inventory) behind our HTTPS server on
// loopback, and a virtual eUICC file. Every ES9+ request passes a hook first, so tests can watch (cancelSession
// reasons) or delay (timeouts) what the LPA sends.

#include "openrsp/crypto/ec.h"
#include "openrsp/euicc/virtual_euicc.h"
#include "openrsp/http/server.h"
#include "openrsp/lpa/download.h"
#include "openrsp/pki/pki.h"
#include "openrsp/smdpp/smdpp.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace openrsp::lpa::test {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline fs::path make_temp_dir()
{
    std::string tmpl = (fs::temp_directory_path() / "openrsp-lpa-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
    return tmpl;
}

/// One PKI for the whole test binary (key generation is the slow part).
struct shared_pki {
    fs::path dir;
    shared_pki()
    {
        dir = make_temp_dir();
        pki::init_options o;
        o.directory = (dir / "pki").string();
        o.smdp_host = "localhost";
        auto r = pki::init(o);
        if (!r) throw std::runtime_error(r.error().message);
    }
    ~shared_pki() { fs::remove_all(dir); }
    [[nodiscard]] std::string path(const char* file) const { return (dir / "pki" / file).string(); }
    [[nodiscard]] std::string ci() const { return path(pki::files::ci_cert); }
};

inline shared_pki& pki_once()
{
    static shared_pki p;
    return p;
}

class lpa_env : public ::testing::Test {
protected:
    /// Runs before the SM-DP+ sees a request; may sleep or record. Set before the request is made.
    using hook = std::function<void(const http::request&)>;

    void SetUp() override
    {
        m_dir = make_temp_dir();
        auto inv = store::open_sqlite((m_dir / "smdpp.db").string());
        ASSERT_TRUE(inv) << inv.error().message;
        m_inventory = std::move(*inv);
        auto creds = smdpp::load_credentials((pki_once().dir / "pki").string());
        ASSERT_TRUE(creds) << creds.error().message;
        http::server_config sc;
        sc.cert_chain_pem = creds->dptls.cert.pem();
        sc.private_key_pem = creds->dptls.key.private_pem();
        sc.threads = 4; // a delayed request must not hold up the LPA's cancelSession
        auto server = http::server::start(sc, [this](const http::request& r) {
            {
                std::lock_guard lock(m_mutex);
                m_requests.push_back(r);
            }
            if (m_hook) m_hook(r);
            smdpp::service* s = m_service_ptr.load();
            return s ? s->handle_http(r) : http::response{503, {}, ""};
        });
        ASSERT_TRUE(server) << server.error().message;
        m_server = std::move(*server);
        m_address = "localhost:" + std::to_string(m_server->port());
        smdpp::config cfg;
        cfg.address = m_address;
        m_service = std::make_unique<smdpp::service>(cfg, std::move(*creds), *m_inventory);
        m_service_ptr = m_service.get();

        m_euicc_path = (m_dir / "euicc.json").string();
        euicc::provisioning p;
        p.euicc_cert_pem = slurp(pki_once().path(pki::files::euicc_cert));
        p.euicc_key_pem = slurp(pki_once().path(pki::files::euicc_key));
        p.eum_cert_pem = slurp(pki_once().path(pki::files::eum_cert));
        p.ci_cert_pems.push_back(slurp(pki_once().ci()));
        ASSERT_TRUE(euicc::virtual_euicc::create(m_euicc_path, p));
    }

    void TearDown() override
    {
        if (m_server) m_server->stop();
        m_server.reset();
        m_service_ptr = nullptr;
        m_service.reset();
        m_inventory.reset();
        fs::remove_all(m_dir);
    }

    rsp::activation_code add(const std::string& iccid, std::optional<std::string> cc = std::nullopt)
    {
        rsp::profile_description d;
        d.iccid = iccid;
        d.imsi = "001010123456789";
        d.ki = hex("000102030405060708090a0b0c0d0e0f");
        d.opc = hex("cd63cb71954a9f4e48a5994e37a02baf");
        d.service_provider_name = "OpenRSP Mobile";
        d.profile_name = "Test plan";
        d.apn = "internet";
        smdpp::add_profile_options o;
        o.smdp_address = m_address;
        o.confirmation_code = std::move(cc);
        auto ac = smdpp::add_profile(*m_inventory, d, o);
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? *ac : rsp::activation_code{};
    }

    store::profile_state state_of(const std::string& iccid)
    {
        auto p = m_inventory->find_by_iccid(iccid);
        EXPECT_TRUE(p && *p);
        return p && *p ? (*p)->state : store::profile_state::error;
    }

    /// Requests whose target ends with `function`.
    std::vector<http::request> requests(std::string_view function)
    {
        std::lock_guard lock(m_mutex);
        std::vector<http::request> out;
        for (const auto& r : m_requests)
            if (r.target.ends_with(function)) out.push_back(r);
        return out;
    }

    http::client_config http_config(std::chrono::milliseconds timeout = std::chrono::seconds(10))
    {
        http::client_config hc;
        hc.ca_pem = slurp(pki_once().ci());
        hc.connect_timeout = std::min<std::chrono::milliseconds>(timeout, std::chrono::seconds(2));
        hc.total_timeout = timeout;
        return hc;
    }

    fs::path m_dir;
    std::unique_ptr<store::inventory> m_inventory;
    std::unique_ptr<http::server> m_server;
    std::unique_ptr<smdpp::service> m_service;
    std::atomic<smdpp::service*> m_service_ptr{nullptr};
    hook m_hook;
    std::mutex m_mutex;
    std::vector<http::request> m_requests;
    std::string m_address;
    std::string m_euicc_path;
};

} // namespace openrsp::lpa::test
