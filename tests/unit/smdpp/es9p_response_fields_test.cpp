/// \file
/// \brief Every ES9+ success response carries exactly the fields SGP.22 §6.5.2 lists for it, no more: strict
/// clients refuse what they do not know (cancelSession used to echo a transactionId that §5.6.5 does not define).
/// Driven through the HTTP edge on both inventory backends; our LPA's parsers read every answer back.

#include "smdpp_fixture.h"

#include "openrsp/http/http.h"
#include "openrsp/rsp/es9p.h"

#include <nlohmann/json.hpp>

#include <set>

using namespace openrsp;
using namespace openrsp::smdpp::testing;
namespace es9p = openrsp::rsp::es9p;

namespace {

constexpr const char* iccid1 = "8949000000000000018";
constexpr const char* iccid2 = "8949000000000000026";

class es9p_response_fields : public smdpp_test {
protected:
    http::response post(std::string_view function, std::string body)
    {
        http::request req;
        req.method = "POST";
        req.target = std::string(es9p::path_prefix) + std::string(function);
        req.headers = {{"Content-Type", "application/json"}, {"X-Admin-Protocol", std::string(es9p::admin_protocol)}};
        req.body = std::move(body);
        return m_service->handle_http(req);
    }

    /// The top-level keys of a JSON answer, and a successful header with nothing but the status.
    static std::set<std::string> keys_of(const http::response& r)
    {
        EXPECT_EQ(r.status, 200) << r.body;
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        EXPECT_TRUE(j.is_object()) << r.body;
        std::set<std::string> keys;
        if (!j.is_object()) return keys;
        for (auto it = j.begin(); it != j.end(); ++it)
            keys.insert(it.key());
        const auto header = j.value("header", nlohmann::json::object());
        EXPECT_EQ(header, nlohmann::json::parse(R"({"functionExecutionStatus":{"status":"Executed-Success"}})"))
            << r.body;
        return keys;
    }

    /// initiateAuthentication and AuthenticateServer over HTTP for this card and matching ID.
    struct started {
        es9p::initiate_authentication_response ia;
        bytes authenticate_server_response;
    };
    result<started> start(lpa::es10_client& es10, const std::string& matching_id, std::set<std::string>* keys = nullptr)
    {
        auto info1 = es10.get_euicc_info1();
        if (!info1) return info1.take_error();
        auto challenge = es10.get_euicc_challenge();
        if (!challenge) return challenge.take_error();
        const auto r = post("initiateAuthentication",
                            es9p::to_json(es9p::initiate_authentication_request{smdp_address, *challenge, *info1}));
        if (keys) *keys = keys_of(r);
        auto ia = es9p::parse_initiate_authentication_response(r.body);
        if (!ia) return ia.take_error();
        auto as = es10.authenticate_server(ia->server_signed1, ia->server_signature1, ia->euicc_ci_pkid_to_be_used,
                                           ia->server_certificate, matching_id);
        if (!as) return as.take_error();
        return started{std::move(*ia), std::move(*as)};
    }
};

} // namespace

TEST_P(es9p_response_fields, a_download_answers_exactly_the_fields_of_sgp22_6_5_2)
{
    const auto mid = add_released(iccid1);
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;

    // §6.5.2.1 InitiateAuthentication.
    std::set<std::string> keys;
    auto s = start(es10, mid, &keys);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(keys, (std::set<std::string>{"header", "transactionId", "serverSigned1", "serverSignature1",
                                           "euiccCiPKIdToBeUsed", "serverCertificate"}));
    const std::string tid = s->ia.transaction_id;

    // §6.5.2.3 AuthenticateClient.
    auto r = post("authenticateClient",
                  es9p::to_json(es9p::authenticate_client_request{tid, s->authenticate_server_response}));
    EXPECT_EQ(keys_of(r), (std::set<std::string>{"header", "transactionId", "profileMetadata", "smdpSigned2",
                                                 "smdpSignature2", "smdpCertificate"}));
    auto ac = es9p::parse_authenticate_client_response(r.body);
    ASSERT_TRUE(ac) << ac.error().message;

    // §6.5.2.2 GetBoundProfilePackage.
    auto pd = es10.prepare_download(ac->smdp_signed2, ac->smdp_signature2, ac->smdp_certificate, std::nullopt);
    ASSERT_TRUE(pd) << pd.error().message;
    r = post("getBoundProfilePackage", es9p::to_json(es9p::get_bound_profile_package_request{tid, *pd}));
    EXPECT_EQ(keys_of(r), (std::set<std::string>{"header", "transactionId", "boundProfilePackage"}));
    auto bpp = es9p::parse_get_bound_profile_package_response(r.body);
    ASSERT_TRUE(bpp) << bpp.error().message;

    // §6.5.2.4 HandleNotification: HTTP 204, no content.
    auto pir = es10.load_bound_profile_package(bpp->bound_profile_package);
    ASSERT_TRUE(pir) << pir.error().message;
    r = post("handleNotification", es9p::to_json(es9p::handle_notification_request{*pir}));
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty()) << r.body;
    EXPECT_TRUE(es9p::parse_header_only_response(r.body));
    EXPECT_EQ(profile(iccid1).state, store::profile_state::installed);
}

TEST_P(es9p_response_fields, cancel_session_answers_the_header_only)
{
    // §5.6.5 defines no output data for ES9+.CancelSession; §6.5.2.5 answers the header alone.
    const auto mid = add_released(iccid2);
    auto opened = open_euicc(make_euicc());
    ASSERT_TRUE(opened) << opened.error().message;
    auto& es10 = *opened->es10;
    auto s = start(es10, mid);
    ASSERT_TRUE(s) << s.error().message;
    const std::string tid = s->ia.transaction_id;
    auto cs = es10.cancel_session(*from_hex(tid), rsp::cancel_session_reason::end_user_rejection);
    ASSERT_TRUE(cs) << cs.error().message;
    const auto r = post("cancelSession", es9p::to_json(es9p::cancel_session_request{tid, *cs}));
    EXPECT_EQ(keys_of(r), (std::set<std::string>{"header"}));
    EXPECT_TRUE(es9p::parse_header_only_response(r.body));
    // The session is over.
    const auto again = post("cancelSession", es9p::to_json(es9p::cancel_session_request{tid, *cs}));
    auto refused = es9p::parse_header_only_response(again.body);
    ASSERT_FALSE(refused);
    expect_codes(refused.error(), "8.10.1", "3.9");
}

INSTANTIATE_TEST_SUITE_P(backends, es9p_response_fields, ::testing::Values(backend::sqlite, backend::postgres),
                         [](const auto& info) { return info.param == backend::sqlite ? "sqlite" : "postgres"; });
