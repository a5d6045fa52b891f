// The LPA's stdio transport (--card stdio:COMMAND) against a child serving a virtual eUICC over lpac's protocol.
#include "lpa_fixture.h"

#include "openrsp/lpa/es10.h"
#include "openrsp/lpa/stdio_transport.h"

using namespace openrsp;
using namespace std::chrono_literals;

namespace {

using stdio_card = lpa::test::lpa_env;

std::string card_command(const std::string& euicc)
{
    return std::string(OPENRSP_LPA_STDIO_CARD) + " '" + euicc + "'";
}

} // namespace

TEST_F(stdio_card, es10_calls_and_a_whole_download_run_through_the_child)
{
    const auto ac = add("8949000000000000018");
    auto transport = lpa::make_stdio_transport(card_command(m_euicc_path));
    lpa::es10_client es10(*transport, 120);
    ASSERT_TRUE(es10.open());
    auto eid = es10.get_eid();
    ASSERT_TRUE(eid) << eid.error().message;
    EXPECT_EQ(*eid, "89049032123451234512345678901235");

    http::client http(http_config());
    lpa::download_options o;
    o.activation_code = ac;
    auto r = lpa::download_profile(es10, http, o);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
    auto list = es10.get_profiles_info();
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].iccid, "8949000000000000018");
    es10.close();

    // The child wrote the profile to its file: another process sees it.
    auto chip = euicc::virtual_euicc::open(m_euicc_path);
    ASSERT_TRUE(chip);
    EXPECT_EQ((*chip)->profiles().size(), 1u);
}

TEST(stdio_transport, when_the_program_ends_or_does_not_exist_then_a_sentence_and_no_esim)
{
    auto gone = lpa::make_stdio_transport("exit 0", 2s);
    lpa::es10_client es10(*gone);
    auto r = es10.open();
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().message.starts_with("no eSIM found")) << r.error().message;
    // Depending on timing the child is gone before or after our request: either sentence names the program.
    EXPECT_NE(r.error().message.find("the card program \"exit 0\""), std::string::npos) << r.error().message;

    auto missing = lpa::make_stdio_transport("/nonexistent/card-program", 2s);
    lpa::es10_client es10b(*missing);
    EXPECT_FALSE(es10b.open());
}

TEST(stdio_transport, when_the_program_never_answers_then_it_times_out)
{
    auto silent = lpa::make_stdio_transport("sleep 5", 300ms);
    const auto start = std::chrono::steady_clock::now();
    auto r = silent->connect();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("did not answer within 300 ms"), std::string::npos) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
    silent->disconnect();
}
