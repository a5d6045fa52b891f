/// \file
/// \brief The confirmation code is no oracle once the order is locked (SGP.22 §5.6.2, 8.2.7 / 6.4): every later
/// getBoundProfilePackage of the session gets one answer whatever the code, and the session ends. The eUICC side
/// is played by hand (euiccSigned2 signed with the test PKI's eUICC key) so one session can send many codes, as a
/// rogue device could. Both inventory backends.

#include "smdpp_fixture.h"

#include "openrsp/rsp/download.h"
#include "openrsp/rsp/tags.h"

using namespace openrsp;
using namespace openrsp::smdpp::testing;
using store::profile_state;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* iccid2 = "8949000000000000026";
constexpr const char* right_code = "1234";

class confirmation_lock : public smdpp_test {
protected:
    /// One session up to getBoundProfilePackage: the eUICC prepared the download once (its otPK is kept).
    void open_session(const char* iccid = iccid1)
    {
        const auto mid = add_released(iccid, std::string(right_code));
        auto opened = open_euicc(make_euicc(std::string("euicc-") + iccid));
        ASSERT_TRUE(opened) << opened.error().message;
        auto& es10 = *opened->es10;
        auto ia = begin_authentication(es10);
        ASSERT_TRUE(ia) << ia.error().message;
        m_tid_hex = ia->transaction_id;
        m_tid = *from_hex(m_tid_hex);
        auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                           ia->server_certificate, mid);
        ASSERT_TRUE(as) << as.error().message;
        auto ac = m_service->authenticate_client({m_tid_hex, *as});
        ASSERT_TRUE(ac) << ac.error().message;
        m_smdp_signature2 = ac->smdp_signature2;
        auto pd = es10.prepare_download(ac->smdp_signed2, ac->smdp_signature2, ac->smdp_certificate,
                                        crypto::sha256(concat({crypto::sha256(as_bytes("0")), m_tid})));
        ASSERT_TRUE(pd) << pd.error().message;
        auto decoded = rsp::prepare_download_response::decode(*pd);
        ASSERT_TRUE(decoded && decoded->ok());
        m_otpk = decoded->ok()->euicc_signed2.euicc_otpk;
        auto key = crypto::ec_key::from_pem(slurp(shared_pki::get().path(pki::files::euicc_key)));
        ASSERT_TRUE(key);
        m_euicc_key = std::move(*key);
    }

    /// A PrepareDownloadResponse for this session carrying `code`, signed as the eUICC signs it (§5.7.5).
    result<rsp::es9p::get_bound_profile_package_response> guess(const std::string& code)
    {
        rsp::prepare_download_response_ok ok;
        ok.euicc_signed2.transaction_id = m_tid;
        ok.euicc_signed2.euicc_otpk = m_otpk;
        ok.euicc_signed2.hash_cc = crypto::sha256(concat({crypto::sha256(as_bytes(code)), m_tid}));
        ok.euicc_signed2.raw = ok.euicc_signed2.encode();
        auto sig = crypto::ecdsa_sign(*m_euicc_key, concat({ok.euicc_signed2.raw, m_smdp_signature2}));
        if (!sig) return sig.take_error();
        ok.euicc_signature2 = std::move(*sig);
        return m_service->get_bound_profile_package(
            {m_tid_hex, rsp::prepare_download_response{std::move(ok)}.encode()});
    }

    /// 100 guesses, one of them the right code: all refused with exactly the same subject, reason and text.
    void expect_one_answer_for_100_guesses(const char* subject, const char* reason)
    {
        std::optional<error> first;
        for (int i = 0; i < 100; ++i) {
            const std::string code = i == 57 ? std::string(right_code) : std::to_string(5000 + i);
            auto r = guess(code);
            ASSERT_FALSE(r) << "guess " << i << " was accepted";
            if (!first) first = r.error();
            EXPECT_EQ(r.error().subject, first->subject) << "guess " << i;
            EXPECT_EQ(r.error().reason, first->reason) << "guess " << i;
            EXPECT_EQ(r.error().message, first->message) << "guess " << i;
        }
        ASSERT_TRUE(first);
        expect_codes(*first, subject, reason);
    }

    std::string m_tid_hex;
    bytes m_tid;
    bytes m_otpk;
    bytes m_smdp_signature2;
    std::optional<crypto::ec_key> m_euicc_key;
};

} // namespace

TEST_P(confirmation_lock, after_the_last_wrong_code_the_session_ends_and_100_guesses_get_one_answer)
{
    ASSERT_NO_FATAL_FAILURE(open_session());
    for (int i = 1; i <= 2; ++i) {
        auto r = guess("0000");
        ASSERT_FALSE(r);
        expect_codes(r.error(), "8.2.7", "3.8");
    }
    auto last = guess("0000");
    ASSERT_FALSE(last);
    expect_codes(last.error(), "8.2.7", "6.4");
    // The session ended with the lock: its transactionId is unknown from now on, whatever the code.
    ASSERT_NO_FATAL_FAILURE(expect_one_answer_for_100_guesses("8.10.1", "3.9"));
    const auto p = profile(iccid1);
    EXPECT_EQ(p.state, profile_state::error);
    EXPECT_EQ(p.cc_attempts, 3);
    EXPECT_EQ(m_service->counters().downloads, 0u);
}

TEST_P(confirmation_lock, a_session_that_outlived_a_lock_made_elsewhere_answers_6_4_whatever_the_code)
{
    // Another request (or node) spends the attempts while the session is open; then the session sends a code.
    auto locked_then = [this](const char* iccid, const std::string& code) -> error {
        open_session(iccid);
        for (int i = 0; i < 3; ++i)
            EXPECT_TRUE(m_inventory->record_confirmation_failure(iccid, m_tid_hex, 3, "locked elsewhere"));
        EXPECT_EQ(profile(iccid).state, profile_state::error);
        auto r = guess(code);
        EXPECT_FALSE(r);
        return r ? error{} : r.error();
    };
    const error right = locked_then(iccid1, right_code);
    expect_codes(right, "8.2.7", "6.4");
    // That answer ended the session: everything after it is the unknown-transaction answer.
    ASSERT_NO_FATAL_FAILURE(expect_one_answer_for_100_guesses("8.10.1", "3.9"));
    const error wrong = locked_then(iccid2, "9999");
    EXPECT_EQ(wrong.subject, right.subject);
    EXPECT_EQ(wrong.reason, right.reason);
    EXPECT_EQ(wrong.message, right.message);
    EXPECT_EQ(m_service->counters().downloads, 0u);
}

INSTANTIATE_TEST_SUITE_P(backends, confirmation_lock, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
