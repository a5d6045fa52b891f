// `openrsp lpa ...` run as a person or a script runs it (a child process, stdin not a terminal), against our
// SM-DP+ on loopback and a virtual eUICC file: --json objects, exit codes 0/1/2, and that refusals change nothing.
// Also `openrsp --version`, the one CLI output a bug report quotes.
#include "lpa_fixture.h"

#include "support/process.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <regex>
#include <string>

using namespace openrsp;
using openrsp::lpa::test::slurp;
using openrsp::test::shell_quote;
using json = nlohmann::json;

namespace {

struct run_result : openrsp::test::run_result {
    [[nodiscard]] json object() const
    {
        auto j = json::parse(out, nullptr, false);
        if (j.is_discarded()) ADD_FAILURE() << "stdout is not one JSON object: " << out << "\nstderr: " << err;
        return j;
    }
};

class cli : public lpa::test::lpa_env {
protected:
    /// Runs `openrsp lpa ARGS` with stdin from /dev/null.
    run_result lpa(const std::string& args)
    {
        return {openrsp::test::run_shell(m_dir, shell_quote(OPENRSP_CLI) + " lpa " + args + " < /dev/null")};
    }
    std::string card() const { return "--euicc " + shell_quote(m_euicc_path); }
    std::string ca() const { return "--ca " + shell_quote(lpa::test::pki_once().ci()); }
    static std::string matching_id(const rsp::activation_code& ac) { return ac.matching_id; }
};

} // namespace

TEST_F(cli, chip_info_json_has_eid_euicc_info2_and_addresses)
{
    const auto r = lpa("chip info --json " + card());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = r.object();
    EXPECT_EQ(j["eid"], "89049032123451234512345678901235");
    EXPECT_EQ(j["euiccInfo2"]["svn"], "2.2.2");
    EXPECT_EQ(j["euiccInfo2"]["euiccCategory"], "mediumEuicc");
    EXPECT_TRUE(j["euiccInfo2"]["extCardResource"]["freeNonVolatileMemory"].is_number());
    EXPECT_TRUE(j["euiccInfo2"]["extCardResource"]["freeVolatileMemory"].is_number());
    EXPECT_EQ(j["euiccInfo2"]["euiccCiPKIdListForVerification"].size(), 1u);
    EXPECT_EQ(j["euiccInfo2"]["euiccCiPKIdListForSigning"].size(), 1u);
    EXPECT_TRUE(j["euiccInfo2"]["uiccCapability"].is_array());
    EXPECT_TRUE(j["euiccInfo2"]["ppVersion"].is_string());
    EXPECT_TRUE(j["euiccInfo2"]["sasAcreditationNumber"].is_string());
    EXPECT_TRUE(j["configuredAddresses"]["defaultDpAddress"].is_null());
    EXPECT_TRUE(j["configuredAddresses"]["rootDsAddress"].is_string());

    const auto human = lpa("chip info " + card());
    ASSERT_EQ(human.code, 0) << human.err;
    EXPECT_NE(human.out.find("EID                     89049032123451234512345678901235"), std::string::npos);
    EXPECT_NE(human.out.find("free non-volatile"), std::string::npos);
}

TEST_F(cli, download_by_address_and_matching_id_then_notifications_are_delivered)
{
    const auto ac = add("8949000000000000018");
    const auto r = lpa("download --json --yes " + card() + " " + ca() + " --smdp " + m_address + " --matching-id " +
                       matching_id(ac) + " --imei 356938035643809");
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    const auto j = r.object();
    EXPECT_EQ(j["iccid"], "8949000000000000018");
    EXPECT_EQ(j["profile"]["serviceProviderName"], "OpenRSP Mobile");
    EXPECT_EQ(j["profile"]["profileClass"], "operational");
    EXPECT_TRUE(j["profile"]["iconType"].is_null());
    EXPECT_GT(j["bppBytes"].get<int>(), 0);
    EXPECT_EQ(j["steps"].size(), 5u);
    ASSERT_EQ(j["notifications"].size(), 1u);
    EXPECT_EQ(j["notifications"][0]["operation"], "install");
    EXPECT_EQ(j["notifications"][0]["delivered"], true);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
}

TEST_F(cli, download_with_binding_asn1_talks_der_on_the_asn1_path_and_refusals_keep_their_codes)
{
    // SGP.22 §6.6: every ES9+ call of the download, and its notification, goes to /gsma/rsp2/asn1 in DER.
    const auto ac = add("8949000000000000018");
    const auto r =
        lpa("download --json --yes --binding asn1 " + card() + " " + ca() + " --ac " + shell_quote(ac.to_string()));
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    const auto j = r.object();
    EXPECT_EQ(j["iccid"], "8949000000000000018");
    EXPECT_EQ(j["notifications"][0]["delivered"], true);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::installed);
    const auto on_asn1 = requests("/gsma/rsp2/asn1");
    ASSERT_EQ(on_asn1.size(), 4u);
    for (const auto& req : on_asn1)
        EXPECT_EQ(req.header("Content-Type"), "application/x-gsma-rsp-asn1");
    EXPECT_TRUE(requests("initiateAuthentication").empty()) << "no JSON call";

    // A refusal in the ASN.1 binding is an error INTEGER; the CLI gives the same codes and advice as over JSON.
    add("8949000000000000026");
    const auto refused = lpa("download --json --yes --binding asn1 " + card() + " " + ca() + " --smdp " + m_address +
                             " --matching-id WRONG-CODE");
    EXPECT_EQ(refused.code, 1) << refused.err;
    const auto e = refused.object();
    EXPECT_EQ(e["error"]["subject"], "8.2.6");
    EXPECT_EQ(e["error"]["reason"], "3.8");
    EXPECT_NE(e["error"]["message"].get<std::string>().find("matchingIdRefused(6)"), std::string::npos)
        << e["error"]["message"];
    EXPECT_TRUE(e["error"]["nextStep"].is_string());
    EXPECT_EQ(state_of("8949000000000000026"), store::profile_state::released);

    EXPECT_EQ(lpa("download --yes --binding xml " + card() + " " + ca() + " --ac " + shell_quote(ac.to_string())).code,
              2);
}

TEST_F(cli, download_human_output_shows_metadata_progress_and_delivery)
{
    const auto ac = add("8949000000000000018");
    const auto r = lpa("download --yes " + card() + " " + ca() + " --ac " + shell_quote(ac.to_string()));
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* want :
         {"operator:   OpenRSP Mobile", "class:      operational", "icon:       none", "Mutual auth",
          "bytes of the Bound Profile Package", "to ", "delivered", "installed profile 8949000000000000018"})
        EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
}

TEST_F(cli, without_yes_on_a_non_terminal_the_download_is_a_usage_error_and_nothing_changes)
{
    const auto ac = add("8949000000000000018");
    const std::string before = slurp(m_euicc_path);
    const auto r = lpa("download --json " + card() + " " + ca() + " --ac " + shell_quote(ac.to_string()));
    EXPECT_EQ(r.code, 2);
    const auto j = r.object();
    EXPECT_EQ(j["error"]["usage"], true);
    EXPECT_NE(j["error"]["message"].get<std::string>().find("--yes"), std::string::npos);
    EXPECT_NE(r.err.find("--yes"), std::string::npos) << "a sentence on stderr too";
    EXPECT_EQ(slurp(m_euicc_path), before);
    EXPECT_TRUE(requests("initiateAuthentication").empty());
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);

    // A CC-protected code without --confirmation-code cannot be asked for either.
    const auto cc = add("8949000000000000026", std::string("1234"));
    const auto r2 = lpa("download --yes " + card() + " " + ca() + " --ac " + shell_quote(cc.to_string()));
    EXPECT_EQ(r2.code, 2) << r2.err;
    EXPECT_NE(r2.err.find("--confirmation-code"), std::string::npos) << r2.err;
}

TEST_F(cli, refused_download_exits_1_with_the_sgp22_code_and_a_next_step)
{
    add("8949000000000000018");
    const auto r =
        lpa("download --json --yes " + card() + " " + ca() + " --smdp " + m_address + " --matching-id WRONG-CODE");
    EXPECT_EQ(r.code, 1) << r.err;
    const auto j = r.object();
    EXPECT_EQ(j["error"]["subject"], "8.2.6");
    EXPECT_EQ(j["error"]["reason"], "3.8");
    EXPECT_FALSE(j["error"]["message"].get<std::string>().empty());
    EXPECT_TRUE(j["error"]["nextStep"].is_string());
    EXPECT_NE(r.err.find("8.2.6/3.8"), std::string::npos) << r.err;
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::released);
}

TEST_F(cli, usage_errors_exit_2)
{
    EXPECT_EQ(lpa("download --yes " + card() + " " + ca() + " --matching-id X").code, 2) << "--matching-id alone";
    EXPECT_EQ(lpa("profile enable " + card() + " 12345").code, 2) << "not an ICCID or AID";
    EXPECT_EQ(lpa("profile list").code, 2) << "no card named";
    EXPECT_EQ(lpa("profile list --no-such-option " + card()).code, 2) << "CLI11 parse error";
    EXPECT_EQ(lpa("memory-reset --yes " + card()).code, 2) << "nothing chosen to reset";
    EXPECT_EQ(lpa("memory-reset --all " + card()).code, 2) << "asks, but stdin is not a terminal";
    const auto j = lpa("profile enable --json " + card() + " 12345").object();
    EXPECT_EQ(j["error"]["usage"], true);
    EXPECT_TRUE(j["error"]["subject"].is_null());
}

TEST_F(cli, profile_operations_by_aid_report_their_notifications)
{
    const auto ac = add("8949000000000000018");
    ASSERT_EQ(lpa("download --yes " + card() + " " + ca() + " --ac " + shell_quote(ac.to_string())).code, 0);
    const auto list = lpa("profile list --json " + card()).object();
    ASSERT_EQ(list["profiles"].size(), 1u);
    EXPECT_EQ(list["profiles"][0]["state"], "disabled");
    const std::string aid = list["profiles"][0]["isdpAid"];
    ASSERT_EQ(aid.size(), 32u);

    const auto en = lpa("profile enable --json " + card() + " " + ca() + " " + aid);
    ASSERT_EQ(en.code, 0) << en.err;
    const auto j = en.object();
    EXPECT_EQ(j["result"], "ok");
    ASSERT_EQ(j["notifications"].size(), 1u);
    EXPECT_EQ(j["notifications"][0]["operation"], "enable");
    EXPECT_EQ(j["notifications"][0]["delivered"], true);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::enabled);

    // Refused by the eUICC: exit 1, nothing sent.
    const auto again = lpa("profile enable --json " + card() + " " + ca() + " " + aid);
    EXPECT_EQ(again.code, 1);
    EXPECT_NE(again.object()["error"]["message"].get<std::string>().find("already enabled"), std::string::npos);

    // --no-notify keeps the disable notification; `notification remove` drops it without sending.
    const auto dis = lpa("profile disable --json --refresh --no-notify " + card() + " 8949000000000000018");
    ASSERT_EQ(dis.code, 0) << dis.err;
    EXPECT_TRUE(dis.object()["notifications"].empty());
    const auto pending = lpa("notification list --json " + card()).object();
    ASSERT_EQ(pending["notifications"].size(), 1u);
    EXPECT_EQ(pending["notifications"][0]["operation"], "disable");
    const auto seq = pending["notifications"][0]["seqNumber"].get<std::uint64_t>();
    EXPECT_EQ(lpa("notification remove " + card() + " 999").code, 1) << "no such notification";
    const auto rm = lpa("notification remove --json " + card() + " " + std::to_string(seq));
    ASSERT_EQ(rm.code, 0) << rm.err;
    EXPECT_EQ(rm.object()["removed"], json::array({seq}));
    EXPECT_TRUE(lpa("notification list --json " + card()).object()["notifications"].empty());
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::enabled) << "the SM-DP+ was never told";

    const auto del = lpa("profile delete --json " + card() + " " + ca() + " " + aid);
    ASSERT_EQ(del.code, 0) << del.err;
    EXPECT_EQ(del.object()["notifications"][0]["operation"], "delete");
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::deleted);
}

TEST_F(cli, default_smdp_and_memory_reset)
{
    ASSERT_EQ(lpa("default-smdp set " + card() + " " + m_address).code, 0);
    EXPECT_EQ(lpa("default-smdp get --json " + card()).object()["defaultDpAddress"], m_address);
    EXPECT_EQ(lpa("default-smdp set " + card() + " 'not an address'").code, 2);

    // With the default SM-DP+ set, a download needs no address (our SM-DP+ keeps no default orders: 8.2.6).
    const auto r = lpa("download --json --yes " + card() + " " + ca());
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.object()["error"]["subject"], "8.2.6");
    ASSERT_EQ(requests("initiateAuthentication").size(), 1u);
    EXPECT_NE(requests("initiateAuthentication")[0].body.find(m_address), std::string::npos);

    const auto ac = add("8949000000000000018");
    ASSERT_EQ(lpa("download --yes " + card() + " " + ca() + " --ac " + shell_quote(ac.to_string())).code, 0);
    const auto reset = lpa("memory-reset --json --yes --operational-profiles " + card());
    ASSERT_EQ(reset.code, 0) << reset.err;
    EXPECT_EQ(reset.object()["result"], "ok");
    EXPECT_TRUE(lpa("profile list --json " + card()).object()["profiles"].empty());
    EXPECT_EQ(lpa("default-smdp get --json " + card()).object()["defaultDpAddress"], m_address) << "not chosen";
    ASSERT_EQ(lpa("memory-reset --yes --default-smdp-address " + card()).code, 0);
    EXPECT_TRUE(lpa("default-smdp get --json " + card()).object()["defaultDpAddress"].is_null());
}

TEST_F(cli, no_esim_and_unreachable_smdp_are_sentences_with_a_next_step)
{
    const auto none = lpa("profile list --json --isd-r-aid A0000005591010FFFFFFFF8900000D00 " + card());
    EXPECT_EQ(none.code, 1);
    EXPECT_TRUE(none.object()["error"]["message"].get<std::string>().starts_with("no eSIM found"));

    const auto missing = lpa("chip info --euicc " + shell_quote((m_dir / "nope.json").string()));
    EXPECT_EQ(missing.code, 1);
    EXPECT_NE(missing.err.find("no eSIM found"), std::string::npos) << missing.err;
}

TEST_F(cli, stdio_card_serves_the_same_euicc)
{
    const std::string stdio =
        "--card " + shell_quote("stdio:" + std::string(OPENRSP_LPA_STDIO_CARD) + " " + m_euicc_path);
    const auto r = lpa("chip info --json " + stdio);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.object()["eid"], "89049032123451234512345678901235");
    EXPECT_NE(r.err.find("stdio card ready"), std::string::npos) << "the program's own output is passed on";
}

TEST_F(cli, profile_and_notification_verbs_run_through_a_stdio_card)
{
    // The shipped card end, `openrsp euicc stdio`. Each verb starts it afresh; the eUICC file carries the state from
    // one to the next.
    const std::string stdio = "--card " + shell_quote("stdio:" + shell_quote(OPENRSP_CLI) + " euicc stdio --euicc " +
                                                      shell_quote(m_euicc_path));
    const auto ac = add("8949000000000000018");
    const auto dl = lpa("download --json --yes " + stdio + " " + ca() + " --ac " + shell_quote(ac.to_string()));
    ASSERT_EQ(dl.code, 0) << dl.err;
    EXPECT_EQ(dl.object()["notifications"][0]["delivered"], true);
    const auto list = lpa("profile list --json " + stdio).object();
    ASSERT_EQ(list["profiles"].size(), 1u);
    const std::string aid = list["profiles"][0]["isdpAid"];

    ASSERT_EQ(lpa("profile enable --no-notify " + stdio + " " + aid).code, 0);
    const auto pending = lpa("notification list --json " + stdio).object();
    ASSERT_EQ(pending["notifications"].size(), 1u);
    EXPECT_EQ(pending["notifications"][0]["operation"], "enable");
    const auto sent = lpa("notification process --json " + stdio + " " + ca());
    ASSERT_EQ(sent.code, 0) << sent.err;
    EXPECT_EQ(sent.object()["notifications"][0]["delivered"], true);
    EXPECT_EQ(state_of("8949000000000000018"), store::profile_state::enabled);
    EXPECT_TRUE(lpa("profile list --json " + stdio).object()["profiles"][0]["state"] == "enabled");

    // The same file opened directly agrees with what the card program wrote.
    auto chip = euicc::virtual_euicc::open(m_euicc_path);
    ASSERT_TRUE(chip);
    ASSERT_EQ((*chip)->profiles().size(), 1u);
    EXPECT_TRUE((*chip)->profiles()[0].enabled);
}

TEST(cli_version, version_flag_and_verb_print_version_commit_and_openssl)
{
    // "openrsp X.Y.Z" with " (git HASH)" when the build was configured from a git checkout, then the OpenSSL library
    // loaded at run time; the flag and the verb print the same.
    std::string version = OPENRSP_VERSION, escaped;
    for (char c : version)
        escaped += c == '.' ? std::string("\\.") : std::string(1, c);
    const std::regex format("openrsp " + escaped + "( \\(git [0-9a-f]{7,40}\\))?\nOpenSSL 3\\.[0-9]+\\.[^\n]*\n");
    const auto dir = openrsp::test::make_temp_dir("openrsp-cli-version");
    const auto flag = openrsp::test::run_shell(dir, shell_quote(OPENRSP_CLI) + " --version < /dev/null");
    const auto verb = openrsp::test::run_shell(dir, shell_quote(OPENRSP_CLI) + " version < /dev/null");
    std::filesystem::remove_all(dir);
    ASSERT_EQ(flag.code, 0) << flag.err;
    EXPECT_TRUE(std::regex_match(flag.out, format)) << flag.out;
    EXPECT_TRUE(flag.err.empty()) << flag.err;
    ASSERT_EQ(verb.code, 0) << verb.err;
    EXPECT_EQ(verb.out, flag.out);
}
