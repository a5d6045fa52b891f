/// \file
/// \brief The eUICC file: one JSON document, replaced atomically on every state change, and the
/// create()/open() factories that parse certificates and keys exactly once.

#include "euicc_impl.h"

#include "openrsp/rsp/saip.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace openrsp::euicc {
namespace detail {

namespace {

using json = nlohmann::json;

constexpr const char* file_format = "openrsp-virtual-euicc/1";

std::string event_name(rsp::notification_event e)
{
    switch (e) {
    case rsp::notification_event::install: return "install";
    case rsp::notification_event::enable: return "enable";
    case rsp::notification_event::disable: return "disable";
    case rsp::notification_event::del: return "delete";
    }
    return "install";
}

std::optional<rsp::notification_event> event_from_name(std::string_view n)
{
    if (n == "install") return rsp::notification_event::install;
    if (n == "enable") return rsp::notification_event::enable;
    if (n == "disable") return rsp::notification_event::disable;
    if (n == "delete") return rsp::notification_event::del;
    return std::nullopt;
}

bytes hex_field(const json& j, const char* key)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    auto b = from_hex(it->get<std::string>());
    if (!b) throw std::runtime_error(std::string("field \"") + key + "\" is not hex");
    return *b;
}

std::string errno_text() { return std::strerror(errno); }

/// Closes a file descriptor on scope exit.
struct fd_guard {
    int fd = -1;
    ~fd_guard()
    {
        if (fd >= 0) ::close(fd);
    }
};

/// \brief Test hook for the crash-safety test (tests/unit/euicc/crash_test.cpp): with OPENRSP_EUICC_CRASH_POINT=N in
/// the environment the process SIGKILLs itself at the Nth step of the write path, counted over the whole process.
/// A real `kill -9` cannot be aimed between two syscalls; this makes every step boundary reproducible.
void crash_point()
{
    static const long target = [] {
        const char* v = std::getenv("OPENRSP_EUICC_CRASH_POINT");
        return v != nullptr ? std::atol(v) : 0L;
    }();
    static std::atomic<long> reached{0};
    if (target > 0 && ++reached == target) ::raise(SIGKILL);
}

bool write_all(int fd, std::string_view data)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

} // namespace

std::string serialise(const card_state& s)
{
    json j;
    j["format"] = file_format;
    j["eid"] = s.eid;
    j["euicc_certificate"] = s.euicc_cert_pem;
    j["euicc_private_key"] = s.euicc_key_pem;
    j["eum_certificate"] = s.eum_cert_pem;
    j["ci_certificates"] = s.ci_cert_pems;
    // Written only when present, so single-identity files stay exactly as older versions wrote them.
    if (!s.more_identities.empty()) {
        json more = json::array();
        for (const auto& id : s.more_identities)
            more.push_back({{"euicc_certificate", id.euicc_cert_pem},
                            {"euicc_private_key", id.euicc_key_pem},
                            {"eum_certificate", id.eum_cert_pem}});
        j["more_identities"] = std::move(more);
    }
    j["default_dp_address"] = s.default_dp_address;
    j["root_ds_address"] = s.root_ds_address;
    j["next_seq_number"] = s.next_seq;
    json profiles = json::array();
    for (const auto& p : s.profiles) {
        json e;
        e["iccid"] = p.info.iccid;
        e["iccid_bcd"] = to_hex(p.iccid_bcd);
        e["isdp_aid"] = to_hex(p.info.isdp_aid);
        e["state"] = p.info.enabled ? "enabled" : "disabled";
        e["nickname"] = p.info.nickname;
        e["service_provider_name"] = p.info.service_provider_name;
        e["profile_name"] = p.info.profile_name;
        e["profile_class"] = p.info.profile_class;
        if (p.icon_type) e["icon_type"] = *p.icon_type;
        e["icon"] = to_hex(p.icon);
        e["notification_configuration"] = to_hex(p.notification_config);
        e["profile_owner"] = to_hex(p.profile_owner);
        e["profile_policy_rules"] = to_hex(p.ppr);
        if (p.identity != 0) e["identity"] = p.identity; // absent for identity 0: older files stay as they were
        e["imsi"] = p.info.imsi;
        e["ki"] = to_hex(p.info.ki);
        e["opc"] = to_hex(p.info.opc);
        e["apn"] = p.info.apn;
        e["upp"] = to_hex(p.upp);
        profiles.push_back(std::move(e));
    }
    j["profiles"] = std::move(profiles);
    json notes = json::array();
    for (const auto& n : s.notifications) {
        json e;
        e["seq_number"] = n.seq;
        e["event"] = event_name(n.event);
        e["address"] = n.address;
        e["iccid_bcd"] = to_hex(n.iccid_bcd);
        e["der"] = to_hex(n.der);
        notes.push_back(std::move(e));
    }
    j["notifications"] = std::move(notes);
    policy_to_json(s, j);
    return j.dump(1);
}

result<card_state> deserialise(std::string_view text, const std::string& path)
{
    try {
        const json j = json::parse(text);
        if (j.value("format", std::string{}) != file_format)
            return fail("The file " + path + " is not a virtual eUICC file (its format marker is missing).");
        card_state s;
        s.eid = j.at("eid").get<std::string>();
        s.euicc_cert_pem = j.at("euicc_certificate").get<std::string>();
        s.euicc_key_pem = j.at("euicc_private_key").get<std::string>();
        s.eum_cert_pem = j.at("eum_certificate").get<std::string>();
        s.ci_cert_pems = j.at("ci_certificates").get<std::vector<std::string>>();
        if (auto more = j.find("more_identities"); more != j.end())
            for (const auto& e : *more)
                s.more_identities.push_back({e.at("euicc_certificate").get<std::string>(),
                                             e.at("euicc_private_key").get<std::string>(),
                                             e.at("eum_certificate").get<std::string>()});
        s.default_dp_address = j.value("default_dp_address", std::string{});
        s.root_ds_address = j.value("root_ds_address", std::string{"lpa.ds.gsma.com"});
        s.next_seq = j.at("next_seq_number").get<std::uint64_t>();
        for (const auto& e : j.at("profiles")) {
            installed_profile p;
            p.info.iccid = e.at("iccid").get<std::string>();
            p.iccid_bcd = hex_field(e, "iccid_bcd");
            p.info.isdp_aid = hex_field(e, "isdp_aid");
            p.info.enabled = e.at("state").get<std::string>() == "enabled";
            p.info.nickname = e.value("nickname", std::string{});
            p.info.service_provider_name = e.value("service_provider_name", std::string{});
            p.info.profile_name = e.value("profile_name", std::string{});
            p.info.profile_class = e.value("profile_class", 2u);
            if (e.contains("icon_type")) p.icon_type = e.at("icon_type").get<unsigned>();
            p.icon = hex_field(e, "icon");
            p.notification_config = hex_field(e, "notification_configuration");
            p.profile_owner = hex_field(e, "profile_owner");
            p.ppr = hex_field(e, "profile_policy_rules");
            p.identity = e.value("identity", std::size_t{0});
            p.info.imsi = e.value("imsi", std::string{});
            p.info.ki = hex_field(e, "ki");
            p.info.opc = hex_field(e, "opc");
            p.info.apn = e.value("apn", std::string{});
            p.upp = hex_field(e, "upp");
            if (p.iccid_bcd.size() != 10 || p.info.isdp_aid.empty())
                return fail("The file " + path + " holds a profile without a valid ICCID or ISD-P AID.");
            s.profiles.push_back(std::move(p));
        }
        for (const auto& e : j.at("notifications")) {
            notification_record n;
            n.seq = e.at("seq_number").get<std::uint64_t>();
            auto ev = event_from_name(e.at("event").get<std::string>());
            if (!ev) return fail("The file " + path + " holds a notification with an unknown event.");
            n.event = *ev;
            n.address = e.value("address", std::string{});
            n.iccid_bcd = hex_field(e, "iccid_bcd");
            n.der = hex_field(e, "der");
            s.notifications.push_back(std::move(n));
        }
        policy_from_json(j, s);
        // SGP.22 §2.4.1: at most one Profile is Enabled; a file claiming more was not written by us.
        if (std::ranges::count_if(s.profiles, [](const installed_profile& p) { return p.info.enabled; }) > 1)
            return fail("The file " + path + " is damaged: it has more than one enabled profile.");
        return s;
    } catch (const std::exception& ex) {
        return fail("The file " + path + " is damaged and cannot be read as a virtual eUICC (" + ex.what() + ").");
    }
}

result<void> write_file_atomically(const std::string& path, std::string_view content, bool must_not_exist)
{
    const std::string tmp = path + ".tmp";
    {
        fd_guard f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
        if (f.fd < 0) return fail("Cannot write " + tmp + ": " + errno_text() + ".");
        crash_point(); // 1: empty PATH.tmp exists
        const std::size_t half = content.size() / 2;
        bool written = write_all(f.fd, content.substr(0, half));
        crash_point(); // 2: PATH.tmp half written
        written = written && write_all(f.fd, content.substr(half));
        crash_point(); // 3: PATH.tmp complete, not yet synced
        if (!written || ::fsync(f.fd) != 0) {
            const std::string why = errno_text();
            ::unlink(tmp.c_str());
            return fail("Cannot write " + tmp + ": " + why + ".");
        }
        crash_point(); // 4: PATH.tmp synced
    }
    crash_point(); // 5: PATH.tmp closed, PATH still the old state
    if (must_not_exist) {
        // link() refuses an existing target, so two concurrent create() calls cannot both win.
        if (::link(tmp.c_str(), path.c_str()) != 0) {
            const std::string why = errno == EEXIST ? std::string("it already exists") : errno_text();
            ::unlink(tmp.c_str());
            return fail("Cannot create " + path + ": " + why + ".");
        }
        ::unlink(tmp.c_str());
    } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = errno_text();
        ::unlink(tmp.c_str());
        return fail("Cannot replace " + path + ": " + why + ".");
    }
    crash_point(); // 6: PATH replaced, directory not yet synced
    // The rename is only durable once the directory entry is on disk.
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd < 0 || ::fsync(d.fd) != 0) return fail("Cannot sync the directory " + dir + ": " + errno_text() + ".");
    crash_point(); // 7: durable, not yet acknowledged to the caller
    return ok();
}

result<card_credentials> load_credentials(const card_state& s)
{
    auto cert = crypto::certificate::from_pem(s.euicc_cert_pem);
    if (!cert) return fail("The eUICC certificate cannot be read: " + cert.error().message);
    auto key = crypto::ec_key::from_pem(s.euicc_key_pem);
    if (!key || !key->has_private()) return fail("The eUICC private key cannot be read.");
    if (key->public_point() != cert->public_key().public_point())
        return fail("The eUICC private key does not belong to the eUICC certificate.");
    auto eum = crypto::certificate::from_pem(s.eum_cert_pem);
    if (!eum) return fail("The EUM certificate cannot be read: " + eum.error().message);
    if (s.ci_cert_pems.empty()) return fail("At least one CI certificate is needed.");
    std::vector<crypto::certificate> cis;
    for (const auto& pem : s.ci_cert_pems) {
        auto ci = crypto::certificate::from_pem(pem);
        if (!ci) return fail("A CI certificate cannot be read: " + ci.error().message);
        if (ci->subject_key_id().empty()) return fail("A CI certificate has no SubjectKeyIdentifier.");
        cis.push_back(std::move(*ci));
    }
    const std::string& eid = cert->subject_serial_number();
    auto eid_bytes = from_hex(eid);
    if (eid.size() != 32 || !eid_bytes)
        return fail("The eUICC certificate subject serialNumber is not a 32-digit EID.");
    std::vector<identity> more;
    for (const auto& id : s.more_identities) {
        auto c = crypto::certificate::from_pem(id.euicc_cert_pem);
        if (!c) return fail("A further eUICC certificate cannot be read: " + c.error().message);
        auto k = crypto::ec_key::from_pem(id.euicc_key_pem);
        if (!k || !k->has_private()) return fail("A further eUICC private key cannot be read.");
        if (k->public_point() != c->public_key().public_point() || k->key_curve() != c->public_key().key_curve())
            return fail("A further eUICC private key does not belong to its certificate.");
        auto e = crypto::certificate::from_pem(id.eum_cert_pem);
        if (!e) return fail("A further EUM certificate cannot be read: " + e.error().message);
        // One card, one EID: every identity speaks for the same eUICC (SGP.22 §4.5.2.1.0.2).
        if (c->subject_serial_number() != eid)
            return fail("A further eUICC certificate names the EID " + c->subject_serial_number() + ", not " + eid +
                        ".");
        if (c->authority_key_id() != e->subject_key_id())
            return fail("A further eUICC certificate was not issued by the EUM certificate given with it.");
        more.push_back(identity{std::move(*c), std::move(*k), std::move(*e)});
    }
    return card_credentials{std::move(*cert), std::move(*key),       std::move(*eum),
                       std::move(cis),   std::move(*eid_bytes), std::move(more)};
}

euicc_impl::euicc_impl(std::string path, card_state state, card_credentials creds)
    : m_path(std::move(path)), m_state(std::move(state)), m_creds(std::move(creds))
{
    m_channels[0].open = true; // the basic channel always exists
}

result<void> euicc_impl::commit(card_state next)
{
    std::string text;
    try {
        text = serialise(next);
    } catch (const std::exception& ex) {
        // e.g. a string from the wire that is not UTF-8: refuse the change, keep the card as it was.
        return fail(std::string("cannot record the eUICC state: ") + ex.what());
    }
    OPENRSP_TRY_VOID(write_file_atomically(m_path, text, false));
    m_state = std::move(next);
    return ok();
}

result<bytes> euicc_impl::sign(byte_view message, std::size_t identity) const
{
    return crypto::ecdsa_sign(m_creds.key_at(identity), message, crypto::sig_format::raw_rs);
}

std::string euicc_impl::eid() const { return m_state.eid; }

std::vector<stored_profile> euicc_impl::profiles() const
{
    std::lock_guard lock(m_mutex);
    std::vector<stored_profile> out;
    out.reserve(m_state.profiles.size());
    for (const auto& p : m_state.profiles) out.push_back(p.info);
    return out;
}

} // namespace detail

result<void> virtual_euicc::create(const std::string& path, const provisioning& p)
{
    if (std::filesystem::exists(path)) return fail("Cannot create " + path + ": it already exists.");
    detail::card_state s;
    s.euicc_cert_pem = p.euicc_cert_pem;
    s.euicc_key_pem = p.euicc_key_pem;
    s.eum_cert_pem = p.eum_cert_pem;
    s.ci_cert_pems = p.ci_cert_pems;
    s.more_identities = p.more_identities;
    s.default_dp_address = p.default_smdp_address;
    s.limits = p.limits;
    s.rat = p.rat;
    auto creds = detail::load_credentials(s);
    if (!creds) return creds.take_error();
    s.eid = creds->euicc_cert.subject_serial_number();
    return detail::write_file_atomically(path, detail::serialise(s), true);
}

result<std::unique_ptr<virtual_euicc>> virtual_euicc::open(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("The eUICC file " + path + " does not exist or cannot be opened.");
    std::ostringstream text;
    text << in.rdbuf();
    auto state = detail::deserialise(text.str(), path);
    if (!state) return state.take_error();
    auto creds = detail::load_credentials(*state);
    if (!creds) return fail("The eUICC file " + path + " is unusable: " + creds.error().message);
    if (creds->euicc_cert.subject_serial_number() != state->eid)
        return fail("The eUICC file " + path + " names an EID that differs from its certificate.");
    std::unique_ptr<virtual_euicc> card =
        std::make_unique<detail::euicc_impl>(path, std::move(*state), std::move(*creds));
    return card;
}

} // namespace openrsp::euicc
