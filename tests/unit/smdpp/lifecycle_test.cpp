/// \file
/// \brief ES9+ lifecycle rules on both inventory backends: confirmation-code and download attempt limits, EID
/// binding, session expiry, unknown and foreign transaction IDs, failed installs recorded with their reason.

#include "smdpp_fixture.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";

class lifecycle : public smdpp_test {};

} // namespace

TEST_P(lifecycle, a_released_profile_downloads_and_installs)
{
    const auto mid = add_released(iccid1);
    auto r = download(make_euicc(), mid);
    ASSERT_TRUE(r) << r.error().message;
    const auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::installed);
    EXPECT_EQ(p.download_attempts, 1);
    EXPECT_TRUE(p.last_error.empty());
    EXPECT_EQ(m_service->counters().installs, 1u);
}

TEST_P(lifecycle, when_confirmation_code_is_wrong_three_times_then_6_4_and_the_order_is_locked)
{
    const auto mid = add_released(iccid1, std::string("1234"));
    const auto euicc = make_euicc();
    for (int i = 1; i <= 2; ++i) {
        auto r = download(euicc, mid, std::string("0000"));
        ASSERT_FALSE(r);
        expect_codes(r.error(), "8.2.7", "3.8");
        EXPECT_EQ(profile(iccid1).state, profile_state::released);
        EXPECT_EQ(profile(iccid1).cc_attempts, i);
    }
    auto third = download(euicc, mid, std::string("0000"));
    ASSERT_FALSE(third);
    expect_codes(third.error(), "8.2.7", "6.4");
    auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::error);
    EXPECT_NE(p.last_error.find("confirmation code"), std::string::npos) << p.last_error;

    // Even the right code no longer opens the order.
    auto right = download(euicc, mid, std::string("1234"));
    ASSERT_FALSE(right);
    expect_codes(right.error(), "8.2.7", "6.4");
    EXPECT_EQ(profile(iccid1).state, profile_state::error);
}

TEST_P(lifecycle, confirmation_code_limit_is_configurable_and_a_right_code_before_it_installs)
{
    smdpp::config cfg;
    cfg.max_confirmation_code_attempts = 5;
    start_service(cfg);
    const auto mid = add_released(iccid1, std::string("1234"));
    const auto euicc = make_euicc();
    for (int i = 0; i < 4; ++i) {
        auto r = download(euicc, mid, std::string("9999"));
        ASSERT_FALSE(r);
        expect_codes(r.error(), "8.2.7", "3.8");
    }
    auto right = download(euicc, mid, std::string("1234"));
    ASSERT_TRUE(right) << right.error().message;
    EXPECT_EQ(profile(iccid1).state, profile_state::installed);
}

TEST_P(lifecycle, failed_install_is_recorded_with_its_reason_and_the_same_euicc_may_retry)
{
    const auto mid = add_released(iccid1);
    const auto euicc = make_euicc();
    auto r = download(euicc, mid, std::nullopt, finish::tamper_bpp);
    ASSERT_TRUE(r) << r.error().message; // the PIR itself was accepted
    auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::error);
    EXPECT_NE(p.last_error.find("installation failed"), std::string::npos) << p.last_error;
    EXPECT_NE(p.last_error.find("scp03t"), std::string::npos) << p.last_error;
    EXPECT_EQ(m_service->counters().failures, 1u);

    auto again = download(euicc, mid);
    ASSERT_TRUE(again) << again.error().message;
    p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::installed);
    EXPECT_EQ(p.download_attempts, 2);
}

TEST_P(lifecycle, when_download_attempts_are_used_up_then_8_8_5_6_4)
{
    smdpp::config cfg;
    cfg.max_download_attempts = 2;
    start_service(cfg);
    const auto mid = add_released(iccid1);
    const auto euicc = make_euicc();
    ASSERT_TRUE(download(euicc, mid, std::nullopt, finish::cancel_after_bpp));
    EXPECT_EQ(profile(iccid1).state, profile_state::error);
    EXPECT_NE(profile(iccid1).last_error.find("cancelled"), std::string::npos) << profile(iccid1).last_error;
    ASSERT_TRUE(download(euicc, mid, std::nullopt, finish::tamper_bpp));
    EXPECT_EQ(profile(iccid1).download_attempts, 2);
    auto third = download(euicc, mid);
    ASSERT_FALSE(third);
    expect_codes(third.error(), "8.8.5", "6.4");
    EXPECT_EQ(profile(iccid1).state, profile_state::error);
}

TEST_P(lifecycle, when_a_delivered_code_is_used_on_another_euicc_then_8_1_1_3_8)
{
    // The order was delivered to one eUICC and failed; the same code on another eUICC (another EID) is refused.
    const auto mid = add_released(iccid1);
    ASSERT_TRUE(download(make_euicc("first"), mid, std::nullopt, finish::tamper_bpp));
    ASSERT_TRUE(
        m_inventory->update_order(iccid1, "", profile_state::error,
                                  store::order_change{profile_state::error, std::string(32, '1'), {}, {}, false}));
    auto stolen = download(make_euicc("second"), mid);
    ASSERT_FALSE(stolen);
    expect_codes(stolen.error(), "8.1.1", "3.8");
}

TEST_P(lifecycle, when_an_installed_code_is_used_on_another_euicc_then_8_1_1_3_8)
{
    const auto mid = add_released(iccid1);
    ASSERT_TRUE(download(make_euicc(), mid));
    // Rebind to another EID: our test eUICCs share one identity, so the "other" eUICC is the order's view.
    ASSERT_TRUE(
        m_inventory->update_order(iccid1, "", profile_state::installed,
                                  store::order_change{profile_state::installed, std::string(32, '7'), {}, {}, false}));
    auto again = download(make_euicc("thief"), mid);
    ASSERT_FALSE(again);
    expect_codes(again.error(), "8.1.1", "3.8");
}

TEST_P(lifecycle, when_the_session_expires_then_8_10_1_3_9_and_the_profile_is_free_again)
{
    smdpp::config cfg;
    cfg.session_ttl = std::chrono::seconds(60);
    start_service(cfg);
    const auto mid = add_released(iccid1);
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;
    auto ia = begin_authentication(es10);
    ASSERT_TRUE(ia) << ia.error().message;
    auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                       ia->server_certificate, mid);
    ASSERT_TRUE(as);
    m_now += 61; // the phone sat too long between the two calls
    auto ac = m_service->authenticate_client({ia->transaction_id, *as});
    ASSERT_FALSE(ac);
    expect_codes(ac.error(), "8.10.1", "3.9");
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
    EXPECT_TRUE(profile(iccid1).session_tid.empty());
}

TEST_P(lifecycle, when_the_session_expires_after_authentication_then_the_bpp_is_refused_and_others_may_download)
{
    smdpp::config cfg;
    cfg.session_ttl = std::chrono::seconds(60);
    start_service(cfg);
    const auto mid = add_released(iccid1);
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;
    auto ia = begin_authentication(es10);
    ASSERT_TRUE(ia) << ia.error().message;
    auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                       ia->server_certificate, mid);
    auto ac = m_service->authenticate_client({ia->transaction_id, *as});
    ASSERT_TRUE(ac) << ac.error().message;
    auto pd = es10.prepare_download(ac->smdp_signed2, ac->smdp_signature2, ac->smdp_certificate, std::nullopt);
    ASSERT_TRUE(pd);
    m_now += 120;
    auto bpp = m_service->get_bound_profile_package({ia->transaction_id, *pd});
    ASSERT_FALSE(bpp);
    expect_codes(bpp.error(), "8.10.1", "3.9");
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
    // The abandoned reservation has lapsed: a fresh download (new session) gets the profile.
    auto fresh = download(make_euicc("fresh"), mid);
    EXPECT_TRUE(fresh) << fresh.error().message;
}

TEST_P(lifecycle, when_the_transaction_id_is_unknown_or_foreign_then_8_10_1_3_9)
{
    const auto mid = add_released(iccid1);
    // Unknown: never issued.
    auto unknown = m_service->get_bound_profile_package({"00112233445566778899AABBCCDDEEFF", bytes{0xBF, 0x21, 0x00}});
    ASSERT_FALSE(unknown);
    expect_codes(unknown.error(), "8.10.1", "3.9");
    auto unknown_cancel = m_service->cancel_session({"0A0B", bytes{0xBF, 0x41, 0x00}});
    ASSERT_FALSE(unknown_cancel);
    expect_codes(unknown_cancel.error(), "8.10.1", "3.9");

    // Foreign: the eUICC's answer for one session presented under another session's transactionId.
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;
    auto info1 = es10.get_euicc_info1();
    auto challenge = es10.get_euicc_challenge();
    auto ia = m_service->initiate_authentication({smdp_address, *challenge, *info1});
    ASSERT_TRUE(ia);
    auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                       ia->server_certificate, mid);
    ASSERT_TRUE(as);
    auto challenge2 = es10.get_euicc_challenge();
    auto other = m_service->initiate_authentication({smdp_address, *challenge2, *info1});
    ASSERT_TRUE(other);
    auto foreign = m_service->authenticate_client({other->transaction_id, *as});
    ASSERT_FALSE(foreign);
    expect_codes(foreign.error(), "8.10.1", "3.9");
    EXPECT_EQ(profile(iccid1).state, profile_state::released);
}

INSTANTIATE_TEST_SUITE_P(backends, lifecycle, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
