// Download paths beyond the happy one, end to end over HTTPS on loopback with our LPA and virtual eUICC (issue 11):
// a getBoundProfilePackage answer lost once (SGP.22 §3.1.3 retry), a profile the eUICC's policy forbids (§3.1.3
// eligibility, 8.2.5 / 4.3), and StoreMetadataRequest split over several 88 segments (§5.5.3).
#include "openrsp/lpa/download.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/smdpp/import.h"
#include "support/parties.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

using namespace openrsp;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* iccid1 = "8949000000000000018";

class download_paths : public ::testing::Test {
protected:
    void SetUp() override { m_dir = test::make_temp_dir("openrsp-it-paths"); }
    void TearDown() override
    {
        m_smdp.stop();
        fs::remove_all(m_dir);
    }

    /// Starts the SM-DP+ on a fresh inventory; every BPP it answers is kept, and the first one is lost when
    /// `lose_first_bpp` (a 504 in its place, as from a proxy whose upstream answer did not come through).
    void start(bool lose_first_bpp, std::size_t metadata_segment_size = 0)
    {
        ASSERT_TRUE(m_smdp.open_inventory((m_dir / "smdpp.db").string()));
        test::smdp_options o;
        o.configure = [metadata_segment_size](smdpp::config& c) { c.metadata_segment_size = metadata_segment_size; };
        o.after = [this, lose_first_bpp](const http::request& r, http::response& answer) {
            if (!r.target.ends_with("getBoundProfilePackage") || answer.status != 200) return;
            auto parsed = rsp::es9p::parse_get_bound_profile_package_response(answer.body);
            if (!parsed) return;
            std::lock_guard lock(m_mutex);
            m_bpps.push_back(parsed->bound_profile_package);
            if (lose_first_bpp && m_bpps.size() == 1) answer = http::response{504, {}, ""};
        };
        auto started = m_smdp.start(test::shared_pki().dir(), std::move(o));
        ASSERT_TRUE(started) << started.error().message;
    }

    std::string make_euicc(const std::string& name, const std::function<void(euicc::provisioning&)>& adjust = {})
    {
        const std::string path = (m_dir / (name + ".json")).string();
        auto p = test::provisioning_from(test::shared_pki().dir());
        if (adjust) adjust(p);
        auto made = euicc::virtual_euicc::create(path, p);
        EXPECT_TRUE(made) << (made ? "" : made.error().message);
        return path;
    }

    result<lpa::download_result> download(const std::string& euicc_path, const rsp::activation_code& ac)
    {
        auto chip = euicc::virtual_euicc::open(euicc_path);
        if (!chip) return chip.take_error();
        auto transport = (*chip)->make_transport();
        lpa::es10_client es10(*transport, 120);
        OPENRSP_TRY_VOID(es10.open());
        http::client http(test::loopback_client_config(test::shared_pki().ci()));
        lpa::download_options o;
        o.activation_code = ac;
        o.retry_backoff = 10ms;
        return lpa::download_profile(es10, http, o);
    }

    std::vector<rsp::bound_profile_package> bpps()
    {
        std::lock_guard lock(m_mutex);
        std::vector<rsp::bound_profile_package> out;
        for (const auto& b : m_bpps) {
            auto d = rsp::bound_profile_package::decode(b);
            EXPECT_TRUE(d) << (d ? "" : d.error().message);
            if (d) out.push_back(std::move(*d));
        }
        return out;
    }

    fs::path m_dir;
    test::loopback_smdp m_smdp;
    std::mutex m_mutex;
    std::vector<bytes> m_bpps;
};

} // namespace

TEST_F(download_paths, a_lost_bound_profile_package_is_asked_again_rebuilt_under_the_same_keys_and_installed)
{
    start(true);
    auto ac = m_smdp.add(test::test_profile(iccid1));
    ASSERT_TRUE(ac) << ac.error().message;
    const auto euicc_path = make_euicc("euicc");
    auto r = download(euicc_path, *ac);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(m_smdp.state_of(iccid1), store::profile_state::installed);
    const auto packages = bpps();
    ASSERT_EQ(packages.size(), 2u) << "one lost, one retried";
    const auto& first = packages[0].initialise_secure_channel_request;
    const auto& second = packages[1].initialise_secure_channel_request;
    EXPECT_EQ(second.smdp_otpk, first.smdp_otpk) << "the retry used the same otPK.DP.ECKA";
    EXPECT_EQ(second.control_ref_template.host_id, first.control_ref_template.host_id);
    auto chip = euicc::virtual_euicc::open(euicc_path);
    ASSERT_TRUE(chip);
    ASSERT_EQ((*chip)->profiles().size(), 1u);
}

TEST_F(download_paths, a_ppr1_profile_is_refused_8_2_5_4_3_to_an_euicc_that_forbids_ppr1_and_stays_released)
{
    start(false);
    smdpp::inventory_profile_options o;
    o.smdp_address = m_smdp.address();
    o.operator_id = "acme";
    auto p = smdpp::make_inventory_record(test::test_profile(iccid1), o);
    ASSERT_TRUE(p) << p.error().message;
    auto md = rsp::store_metadata_request::decode(p->metadata);
    ASSERT_TRUE(md);
    md->profile_policy_rules = bytes{0x06, 0x40}; // PprIds {ppr1}
    md->profile_owner = rsp::operator_id{bytes{0x00, 0xF1, 0x10}, std::nullopt, std::nullopt};
    p->metadata = md->encode();
    p->state = store::profile_state::released;
    p->matching_id = "PPR1-ORDER";
    ASSERT_TRUE(m_smdp.inventory().add_profile(*p));
    const rsp::activation_code ac{m_smdp.address(), "PPR1-ORDER", {}, false};

    const auto strict = make_euicc("strict", [](euicc::provisioning& prov) {
        euicc::rat_rule only_ppr2;
        only_ppr2.ppr1 = false;
        prov.rat = {only_ppr2};
    });
    auto refused = download(strict, ac);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().subject, "8.2.5") << refused.error().message;
    EXPECT_EQ(refused.error().reason, "4.3") << refused.error().message;
    EXPECT_EQ(m_smdp.state_of(iccid1), store::profile_state::released);
    EXPECT_TRUE(bpps().empty()) << "no package was built";
    auto chip = euicc::virtual_euicc::open(strict);
    ASSERT_TRUE(chip);
    EXPECT_TRUE((*chip)->profiles().empty());
}

TEST_F(download_paths, store_metadata_split_over_several_88_segments_installs)
{
    start(false, 16);
    auto ac = m_smdp.add(test::test_profile(iccid1, "A profile name long enough to need several segments"));
    ASSERT_TRUE(ac) << ac.error().message;
    const auto euicc_path = make_euicc("euicc");
    auto r = download(euicc_path, *ac);
    ASSERT_TRUE(r) << r.error().message;
    const auto packages = bpps();
    ASSERT_EQ(packages.size(), 1u);
    EXPECT_GT(packages[0].sequence_of_88.size(), 3u) << "the metadata travelled in 16-byte parts";
    EXPECT_EQ(m_smdp.state_of(iccid1), store::profile_state::installed);
    auto chip = euicc::virtual_euicc::open(euicc_path);
    ASSERT_TRUE(chip);
    const auto profiles = (*chip)->profiles();
    ASSERT_EQ(profiles.size(), 1u);
    EXPECT_EQ(profiles[0].profile_name, "A profile name long enough to need several segments");
}
