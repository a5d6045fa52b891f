#include "openrsp/lpa/download.h"

#include "es9p_client.h"

#include "openrsp/crypto/ec.h"
#include "openrsp/rsp/authentication.h"
#include "openrsp/rsp/codes.h"
#include "openrsp/rsp/download.h"
#include "openrsp/rsp/es9p.h"
#include "openrsp/rsp/installation_result.h"

#include <algorithm>
#include <thread>

namespace openrsp::lpa {

namespace {

namespace es9p = rsp::es9p;
using clock_type = std::chrono::steady_clock;

using detail::es9p_client;

// For idempotent steps only (initiateAuthentication): retries transient failures with exponential backoff.
result<es9p::initiate_authentication_response>
initiate_retrying(es9p_client& dp, const es9p::initiate_authentication_request& req, const download_options& o)
{
    auto wait = o.retry_backoff;
    for (int attempt = 0;; ++attempt) {
        bool transient = false;
        auto r = dp.initiate_authentication(req, &transient);
        if (r || !transient || attempt >= o.retries) {
            if (!r && attempt > 0) {
                error e = r.error();
                e.message += " (" + std::to_string(attempt + 1) + " attempts)";
                return fail(std::move(e));
            }
            return r;
        }
        if (o.interrupted && o.interrupted()) return r;
        std::this_thread::sleep_for(wait);
        wait *= 2;
    }
}

class step_timer {
public:
    step_timer(const download_options& o, es10_client& e, http::client& h, std::string name)
        : m_opts(o), m_euicc(e), m_http(h), m_name(std::move(name)), m_start(clock_type::now()),
          m_apdu0(e.bytes_moved()), m_http0(h.stats().bytes_sent + h.stats().bytes_received)
    {
    }
    void done(std::string detail = {})
    {
        if (!m_opts.on_step) return;
        step_report r;
        r.name = m_name;
        r.duration = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - m_start);
        r.apdu_bytes = m_euicc.bytes_moved() - m_apdu0;
        r.http_bytes = m_http.stats().bytes_sent + m_http.stats().bytes_received - m_http0;
        r.detail = std::move(detail);
        m_opts.on_step(r);
    }

private:
    const download_options& m_opts;
    es10_client& m_euicc;
    http::client& m_http;
    std::string m_name;
    clock_type::time_point m_start;
    std::size_t m_apdu0, m_http0;
};

result<void> send_notification(es10_client& euicc, http::client& http, es9p_binding binding, std::uint64_t seq,
                               const std::string& address, byte_view notification)
{
    es9p::handle_notification_request req;
    req.pending_notification.assign(notification.begin(), notification.end());
    OPENRSP_TRY_VOID(detail::make_es9p_client(binding, http, address)->handle_notification(req));
    auto removed = euicc.remove_notification(seq);
    if (!removed) return removed.take_error();
    return ok();
}

std::string mcc_mnc_text(byte_view b)
{
    if (b.size() != 3) return {};
    const auto lo = [](std::uint8_t x) { return static_cast<unsigned>(x & 0x0F); };
    const auto hi = [](std::uint8_t x) { return static_cast<unsigned>(x >> 4); };
    // EF.IMSI-style PLMN: MCC1 MCC2 MCC3 in the first nibbles, MNC3 ('F' if 2 digits) in byte 2's high nibble.
    const unsigned d[6] = {lo(b[0]), hi(b[0]), lo(b[1]), lo(b[2]), hi(b[2]), hi(b[1])};
    std::string out;
    for (unsigned v : d)
        if (v <= 9) out += static_cast<char>('0' + v);
    return out;
}

} // namespace

std::string profile_class_name(int profile_class)
{
    switch (profile_class) {
    case 0:
        return "test";
    case 1:
        return "provisioning";
    case 2:
        return "operational";
    default:
        return std::to_string(profile_class);
    }
}

result<profile_metadata> parse_metadata(byte_view bf25)
{
    auto md = rsp::store_metadata_request::decode(bf25);
    if (!md) return fail("the SM-DP+ sent malformed profile metadata (" + md.error().message + ")");
    profile_metadata m;
    m.iccid = md->iccid_digits();
    m.service_provider_name = std::move(md->service_provider_name);
    m.profile_name = std::move(md->profile_name);
    m.profile_class = static_cast<int>(md->profile_class_or_default());
    m.icon_bytes = md->icon ? md->icon->size() : 0;
    if (m.icon_bytes > 0) {
        // IconType: jpg(0) is the default when 93 is absent.
        const unsigned type = md->icon_type.value_or(0);
        m.icon_type = type == 1 ? "png" : type == 0 ? "jpg" : "unknown";
    }
    if (md->profile_owner) m.profile_owner = mcc_mnc_text(md->profile_owner->mcc_mnc);
    return m;
}

result<download_result> download_profile(es10_client& euicc, http::client& http, const download_options& o)
{
    const std::string& address = o.activation_code.smdp_address;
    download_result out;
    const auto interrupted = [&] { return o.interrupted && o.interrupted(); };
    if (interrupted()) return fail("the download was interrupted before it started; nothing changed");

    step_timer init(o, euicc, http, "LPA init");
    auto info1 = euicc.get_euicc_info1();
    if (!info1) return info1.take_error();
    auto challenge = euicc.get_euicc_challenge();
    if (!challenge) return challenge.take_error();
    init.done("GetEUICCInfo1, GetEUICCChallenge");

    step_timer connect(o, euicc, http, "Connect");
    const auto dp = detail::make_es9p_client(o.binding, http, address);
    es9p::initiate_authentication_request ia{address, *challenge, *info1};
    auto ia_resp = initiate_retrying(*dp, ia, o);
    if (!ia_resp) return ia_resp.take_error();
    auto tid = es9p::transaction_id_from_hex(ia_resp->transaction_id);
    if (!tid) return fail("the SM-DP+ sent a malformed transaction ID");
    out.transaction_id = ia_resp->transaction_id;
    connect.done("TLS to " + address + ", initiateAuthentication");

    // From here on both sides hold a session; any failure cancels it on both, with the reason that fits:
    // a step that timed out is reported as timeout rather than as an undefined error.
    using reason_code = rsp::cancel_session_reason;
    auto abort = [&](reason_code reason, error e) -> unexpected {
        if (reason == reason_code::undefined_reason && is_timeout(e)) reason = reason_code::timeout;
        bool cancelled = false;
        if (auto cancel = euicc.cancel_session(*tid, reason)) {
            cancelled = static_cast<bool>(dp->cancel_session({ia_resp->transaction_id, *cancel}));
        }
        e.message += cancelled ? " (session cancelled on the eUICC and at the SM-DP+)"
                               : " (session cancelled on the eUICC; the SM-DP+ could not be told)";
        return unexpected{std::move(e)};
    };
    const auto stop_if_interrupted = [&]() -> std::optional<unexpected> {
        if (!interrupted()) return std::nullopt;
        return abort(reason_code::postponed,
                     error::plain("the download was interrupted; nothing was installed and the same activation code "
                                  "can be used again"));
    };
    if (auto stop = stop_if_interrupted()) return *stop;

    step_timer auth(o, euicc, http, "Mutual auth");
    auto as = euicc.authenticate_server(ia_resp->server_signed1, ia_resp->server_signature1,
                                        ia_resp->euicc_ci_pkid_to_be_used, ia_resp->server_certificate,
                                        o.activation_code.matching_id, o.device);
    if (!as) return abort(reason_code::undefined_reason, as.error());
    // An answer that does not decode goes on to the SM-DP+ as it is: judging it is authenticateClient's job.
    if (auto answer = rsp::authenticate_server_response::decode(*as); answer && answer->error())
        return abort(reason_code::undefined_reason,
                     error::plain("the eUICC did not accept the SM-DP+: " +
                                  rsp::describe(answer->error()->authenticate_error_code)));
    auto ac_resp = dp->authenticate_client({ia_resp->transaction_id, *as});
    if (!ac_resp) return abort(reason_code::undefined_reason, ac_resp.error());
    auto metadata = parse_metadata(ac_resp->profile_metadata);
    if (!metadata) return abort(reason_code::metadata_mismatch, metadata.error());
    out.metadata = *metadata;
    auth.done("AuthenticateServer, authenticateClient: " + metadata->service_provider_name + " / " +
              metadata->profile_name + " (ICCID " + metadata->iccid + ")");
    if (auto stop = stop_if_interrupted()) return *stop;

    if (o.confirm && !o.confirm(*metadata))
        return abort(reason_code::end_user_rejection, error::plain("the download was declined by the user"));
    if (auto stop = stop_if_interrupted()) return *stop;

    step_timer dl(o, euicc, http, "Download");
    // smdpSigned2.ccRequiredFlag says whether a confirmation code is needed (SGP.22 §5.6.3).
    bool cc_required = o.activation_code.confirmation_code_required;
    if (auto s2 = rsp::smdp_signed2::decode(ac_resp->smdp_signed2)) cc_required = s2->cc_required;
    std::optional<bytes> hash_cc;
    if (cc_required) {
        std::optional<std::string> cc = o.ask_confirmation_code ? o.ask_confirmation_code() : std::nullopt;
        if (!cc || cc->empty())
            return abort(reason_code::end_user_rejection,
                         error::rsp("8.2.7", "2.2", "this profile needs a confirmation code and none was given"));
        hash_cc = crypto::sha256(concat({crypto::sha256(as_bytes(*cc)), *tid}));
    }
    // A getBoundProfilePackage whose answer was lost (no answer, timeout, 502/503/504) is asked again in the same
    // session after a new PrepareDownload (SGP.22 §3.1.3): the eUICC answers with the same otPK.EUICC.ECKA, so the
    // SM-DP+ rebuilds the BPP under the same session keys instead of binding the profile a second time.
    result<es9p::get_bound_profile_package_response> gb_resp = fail("getBoundProfilePackage was not sent");
    auto wait = o.retry_backoff;
    for (int attempt = 0;; ++attempt) {
        auto pd =
            euicc.prepare_download(ac_resp->smdp_signed2, ac_resp->smdp_signature2, ac_resp->smdp_certificate, hash_cc);
        if (!pd) return abort(reason_code::undefined_reason, pd.error());
        if (auto answer = rsp::prepare_download_response::decode(*pd); answer && answer->error())
            return abort(reason_code::undefined_reason,
                         error::plain("the eUICC refused PrepareDownload (error " +
                                      std::to_string(answer->error()->download_error_code) + ")"));
        bool transient = false;
        gb_resp = dp->get_bound_profile_package({ia_resp->transaction_id, *pd}, &transient);
        if (gb_resp || !transient || attempt >= o.retries || interrupted()) break;
        std::this_thread::sleep_for(wait);
        wait *= 2;
    }
    if (!gb_resp) return abort(reason_code::undefined_reason, gb_resp.error());
    out.bpp_bytes = gb_resp->bound_profile_package.size();
    dl.done("PrepareDownload, getBoundProfilePackage: " + std::to_string(gb_resp->bound_profile_package.size()) +
            "-byte BPP");
    // Last point where stopping leaves nothing behind; once loading starts the eUICC finishes or rolls back itself.
    if (auto stop = stop_if_interrupted()) return *stop;

    step_timer install(o, euicc, http, "Install");
    auto pir = euicc.load_bound_profile_package(gb_resp->bound_profile_package, o.on_bpp_progress);
    if (!pir) return abort(reason_code::load_bpp_execution_error, pir.error());
    // ProfileInstallationResult (SGP.22 §5.7.6): its ErrorResult says which BPP command failed and why.
    const auto installation = rsp::profile_installation_result::decode(*pir);
    std::string failure;
    if (!installation)
        failure = "a malformed installation result";
    else if (const auto* e = installation->error())
        failure = e->sentence();

    // The installation result is a pending notification on the eUICC either way; deliver it.
    if (o.send_notification && installation) {
        const auto& meta = installation->notification_metadata;
        notification_delivery d;
        d.notification.seq_number = meta.seq_number;
        d.notification.operation = rsp::describe(rsp::notification_event::install);
        d.notification.address = meta.notification_address;
        d.notification.iccid = out.metadata.iccid;
        auto sent = send_notification(euicc, http, o.binding, meta.seq_number, d.notification.address, *pir);
        d.delivered = static_cast<bool>(sent);
        if (!sent) d.error = sent.error().message;
        out.notification_sent = d.delivered;
        out.install_notification = std::move(d);
    }
    if (!failure.empty()) return fail("the eUICC could not install the profile: " + failure);
    install.done("LoadBoundProfilePackage, handleNotification" +
                 std::string(out.notification_sent ? "" : " (notification kept for later)"));
    return out;
}

result<std::vector<notification_delivery>> deliver_notifications(es10_client& euicc, http::client& http,
                                                                 const std::vector<std::uint64_t>& only,
                                                                 es9p_binding binding)
{
    auto list = euicc.list_notifications();
    if (!list) return list.take_error();
    std::vector<notification_delivery> out;
    for (const auto& n : *list) {
        if (!only.empty() && std::ranges::find(only, n.seq_number) == only.end()) continue;
        notification_delivery d;
        d.notification = n;
        auto raw = euicc.retrieve_notification(n.seq_number);
        if (!raw) {
            d.error = raw.error().message;
        } else if (auto r = send_notification(euicc, http, binding, n.seq_number, n.address, *raw); r) {
            d.delivered = true;
        } else {
            d.error = r.error().message;
        }
        out.push_back(std::move(d));
    }
    return out;
}

result<std::size_t> process_notifications(es10_client& euicc, http::client& http, es9p_binding binding)
{
    auto list = deliver_notifications(euicc, http, {}, binding);
    if (!list) return list.take_error();
    std::size_t sent = 0;
    std::string first_error;
    for (const auto& d : *list) {
        if (d.delivered)
            ++sent;
        else if (first_error.empty())
            first_error = d.error;
    }
    if (sent == 0 && !first_error.empty()) return fail(first_error);
    return sent;
}

bool is_timeout(const error& e)
{
    return e.message.find(detail::timeout_marker) != std::string::npos;
}

std::string next_step(const error& e)
{
    struct entry {
        std::string_view subject, reason, text;
    };
    static constexpr entry table[] = {
        {"8.2.6", "3.8",
         "Check the activation code for typos; if it was used before or has expired, ask the operator "
         "for a new one"},
        {"8.2.6", "3.3", "Another download with this code is running; wait a minute and try again"},
        {"8.8.1", "3.8", "The code names another server; check that the whole activation code was copied"},
        {"8.2.7", "2.2", "Run the download again with --confirmation-code CODE (the operator gave it with the code)"},
        {"8.2.7", "3.8", "Check the confirmation code with the operator and try again"},
        {"8.2.7", "6.4", "Too many tries: ask the operator for a new activation code"},
        {"8.8.5", "4.10", "Ask the operator to issue the profile again"},
        {"8.8.5", "4.1", "Ask the operator to issue the profile again"},
        {"8.8.5", "6.4", "Ask the operator to issue the profile again"},
        {"8.1.1", "3.8",
         "The profile was ordered for another eSIM: give the operator this eSIM's EID "
         "(openrsp lpa chip info)"},
        {"8.1.1", "2.2", "Give the operator this eSIM's EID (openrsp lpa chip info) so the order can be completed"},
        {"8.2", "1.2", "The operator has not released the profile yet; ask them to release it, then try again"},
        {"8.2", "3.7", "Ask the operator for another profile"},
        {"8.1", "4.8", "Free memory on the eSIM (openrsp lpa profile delete) and try again"},
        {"8.10.1", "3.9", "The server forgot the session (it may have expired); start the download again"},
        {"8.8.2", "3.1", "This eSIM and this SM-DP+ trust no common certificate issuer; ask the operator"},
        {"8.8.3", "3.1", "This eSIM's SGP.22 version is not supported by the SM-DP+; ask the operator"},
        {"8.8.4", "3.7", "This eSIM and this SM-DP+ trust no common certificate issuer; ask the operator"},
        {"8.11.1", "3.9", "The SM-DP+ does not trust this eSIM's manufacturer; ask the operator"},
    };
    for (const auto& t : table)
        if (t.subject == e.subject && t.reason == e.reason) return std::string(t.text);
    if (is_timeout(e)) return "Try again later; a download stopped this way can simply be restarted";
    if (e.has_codes()) return "Quote the SGP.22 code " + e.subject + "/" + e.reason + " to the operator";
    return {};
}

} // namespace openrsp::lpa
