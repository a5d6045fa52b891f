#pragma once
// The parties the LPA tests need, all real (tests/support/parties.h): a test PKI, our SM-DP+ (SQLite inventory)
// behind our HTTPS server on loopback, and a virtual eUICC file. Every ES9+ request passes a hook first, so tests can
// watch (cancelSession reasons) or delay (timeouts) what the LPA sends.

#include "support/parties.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/lpa/download.h"
#include "openrsp/pki/pki.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <mutex>

namespace openrsp::lpa::test {

namespace fs = std::filesystem;
using openrsp::test::make_temp_dir;
using openrsp::test::slurp;

/// One PKI for the whole test binary (key generation is the slow part).
inline const openrsp::test::test_pki& pki_once()
{
    return openrsp::test::shared_pki();
}

class lpa_env : public ::testing::Test {
protected:
    /// Runs before the SM-DP+ sees a request; may sleep or record. Set before the request is made.
    using hook = std::function<void(const http::request&)>;

    void SetUp() override
    {
        m_dir = make_temp_dir("openrsp-lpa");
        auto inv = m_smdp.open_inventory((m_dir / "smdpp.db").string());
        ASSERT_TRUE(inv) << inv.error().message;
        openrsp::test::smdp_options o;
        o.threads = 4; // a delayed request must not hold up the LPA's cancelSession
        o.before = [this](const http::request& r) {
            {
                std::lock_guard lock(m_mutex);
                m_requests.push_back(r);
            }
            if (m_hook) m_hook(r);
        };
        auto started = m_smdp.start(pki_once().dir(), std::move(o));
        ASSERT_TRUE(started) << started.error().message;
        m_address = m_smdp.address();

        m_euicc_path = (m_dir / "euicc.json").string();
        ASSERT_TRUE(openrsp::test::create_euicc(m_euicc_path, pki_once().dir()));
    }

    void TearDown() override
    {
        m_smdp.stop();
        fs::remove_all(m_dir);
    }

    rsp::activation_code add(const std::string& iccid, std::optional<std::string> cc = std::nullopt)
    {
        auto ac = m_smdp.add(openrsp::test::test_profile(iccid), std::move(cc));
        EXPECT_TRUE(ac) << (ac ? "" : ac.error().message);
        return ac ? *ac : rsp::activation_code{};
    }

    store::profile_state state_of(const std::string& iccid)
    {
        const auto s = m_smdp.state_of(iccid);
        EXPECT_TRUE(s) << iccid << " is not in the inventory";
        return s.value_or(store::profile_state::error);
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
        http::client_config hc = openrsp::test::loopback_client_config(pki_once().ci());
        hc.connect_timeout = std::min<std::chrono::milliseconds>(timeout, hc.connect_timeout);
        hc.total_timeout = timeout;
        return hc;
    }

    fs::path m_dir;
    hook m_hook;
    std::mutex m_mutex;
    std::vector<http::request> m_requests;
    std::string m_address;
    std::string m_euicc_path;
    // Last, so it goes first: its server threads call the hook and log above.
    openrsp::test::loopback_smdp m_smdp;
};

} // namespace openrsp::lpa::test
