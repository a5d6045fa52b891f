// The LPA side of ES9+/ES11: libcurl's easy interface, one handle kept per client so its connection is reused.
#include "openrsp/http/client.h"

#include "tls_context.h"

#include <curl/curl.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace openrsp::http {
namespace {

struct easy_deleter {
    void operator()(CURL* h) const { ::curl_easy_cleanup(h); }
};
struct slist_deleter {
    void operator()(curl_slist* l) const { ::curl_slist_free_all(l); }
};
struct url_deleter {
    void operator()(CURLU* u) const { ::curl_url_cleanup(u); }
};
struct curl_string_deleter {
    void operator()(char* s) const { ::curl_free(s); }
};
using easy_ptr = std::unique_ptr<CURL, easy_deleter>;
using slist_ptr = std::unique_ptr<curl_slist, slist_deleter>;

// curl_global_init is not guaranteed thread-safe on every libcurl build; do it exactly once.
void global_init()
{
    static std::once_flag once;
    std::call_once(once, [] { ::curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string host_of(const std::string& url)
{
    std::unique_ptr<CURLU, url_deleter> u{::curl_url()};
    char* host = nullptr;
    if (!u || ::curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
        ::curl_url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK)
        return url;
    std::unique_ptr<char, curl_string_deleter> owned{host};
    return host;
}

std::string trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

/// Receives the response while curl runs.
struct transfer {
    response res;
    std::size_t header_bytes = 0;
    std::size_t body_bytes = 0;
    std::size_t max_body = 0;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user)
{
    auto* t = static_cast<transfer*>(user);
    const std::size_t n = size * count;
    if (t->res.body.size() + n > t->max_body) {
        t->too_large = true;
        return 0; // curl ends the transfer with CURLE_WRITE_ERROR
    }
    t->res.body.append(data, n);
    t->body_bytes += n;
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user)
{
    auto* t = static_cast<transfer*>(user);
    const std::size_t n = size * count;
    t->header_bytes += n;
    const std::string_view line(data, n);
    // A status line starts a new header block (after a 100 Continue, for instance): keep only the final one.
    if (line.starts_with("HTTP/")) {
        t->res.headers.clear();
        return n;
    }
    if (const auto colon = line.find(':'); colon != std::string_view::npos && colon > 0)
        t->res.headers.push_back({trim(line.substr(0, colon)), trim(line.substr(colon + 1))});
    return n;
}

} // namespace

struct client::impl {
    client_config config;
    easy_ptr handle;
    client_stats stats;
    char error_text[CURL_ERROR_SIZE] = {};

    error describe(CURLcode code, const std::string& url) const;
};

error client::impl::describe(CURLcode code, const std::string& url) const
{
    const std::string detail = error_text[0] != '\0' ? error_text : ::curl_easy_strerror(code);
    long os_errno = 0;
    ::curl_easy_getinfo(handle.get(), CURLINFO_OS_ERRNO, &os_errno);
    switch (code) {
    case CURLE_COULDNT_CONNECT: {
        std::string why = os_errno == ECONNREFUSED ? "connection refused"
                          : os_errno != 0          ? std::string(std::strerror(static_cast<int>(os_errno)))
                                                   : detail;
        if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
        return error::plain("cannot reach " + url + ": " + why);
    }
    case CURLE_COULDNT_RESOLVE_HOST:
        return error::plain("cannot reach " + url + ": host name " + host_of(url) + " not found");
    case CURLE_OPERATION_TIMEDOUT:
        return error::plain("request to " + url + " timed out: " + detail);
    case CURLE_PEER_FAILED_VERIFICATION:
        return error::plain("TLS certificate of " + host_of(url) + " is not trusted: " + detail);
    case CURLE_SSL_CACERT_BADFILE:
        return error::plain("cannot use the trust anchors for " + host_of(url) + ": " + detail);
    case CURLE_SSL_CONNECT_ERROR:
        return error::plain("TLS handshake with " + host_of(url) + " failed: " + detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return error::plain("cannot use URL " + url + ": " + detail);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        return error::plain("connection to " + url + " failed: " + detail);
    default:
        return error::plain("request to " + url + " failed: " + detail);
    }
}

client::client(client_config config) : m_impl(std::make_unique<impl>())
{
    global_init();
    m_impl->config = std::move(config);
    m_impl->handle.reset(::curl_easy_init());
    CURL* h = m_impl->handle.get();
    if (!h) return; // post() reports it
    const client_config& cfg = m_impl->config;
    ::curl_easy_setopt(h, CURLOPT_ERRORBUFFER, m_impl->error_text);
    ::curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); // no SIGALRM for timeouts: we live in multi-threaded programs
    ::curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
    ::curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    ::curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    ::curl_easy_setopt(h, CURLOPT_USERAGENT, cfg.user_agent.c_str());
    ::curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg.connect_timeout.count()));
    ::curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg.total_timeout.count()));
    ::curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    ::curl_easy_setopt(h, CURLOPT_SSL_EC_CURVES, detail::tls_groups()); // brainpool DPtls certificates
    ::curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, cfg.verify_peer ? 1L : 0L);
    ::curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, cfg.verify_peer ? 2L : 0L);
    if (!cfg.ca_pem.empty()) {
        curl_blob anchors{const_cast<char*>(cfg.ca_pem.data()), cfg.ca_pem.size(), CURL_BLOB_COPY};
        ::curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &anchors);
    }
    if (!cfg.client_cert_pem.empty() && !cfg.client_key_pem.empty()) {
        curl_blob cert{const_cast<char*>(cfg.client_cert_pem.data()), cfg.client_cert_pem.size(), CURL_BLOB_COPY};
        curl_blob key{const_cast<char*>(cfg.client_key_pem.data()), cfg.client_key_pem.size(), CURL_BLOB_COPY};
        ::curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
        ::curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        ::curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
        ::curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    ::curl_easy_setopt(h, CURLOPT_POST, 1L);
    ::curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    ::curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
}

client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

result<response> client::post(const std::string& url, std::string_view body, const std::vector<header_field>& headers)
{
    if (!m_impl || !m_impl->handle) return fail("cannot post to " + url + ": HTTP client not initialised");
    impl& s = *m_impl;
    CURL* h = s.handle.get();

    slist_ptr header_list;
    auto add_header = [&](const std::string& line) {
        curl_slist* grown = ::curl_slist_append(header_list.get(), line.c_str());
        if (!grown) return false;
        (void)header_list.release(); // curl_slist_append returns the same list head, now longer
        header_list.reset(grown);
        return true;
    };
    for (const auto& f : headers) {
        if (f.name.find_first_of(":\r\n") != std::string::npos || f.value.find_first_of("\r\n") != std::string::npos)
            return fail("cannot post to " + url + ": invalid header " + f.name);
        if (!add_header(f.name + ": " + f.value)) return fail("cannot post to " + url + ": out of memory");
    }
    // libcurl would wait up to a second for "100 Continue" on larger bodies; our server never needs that pause.
    if (!add_header("Expect:")) return fail("cannot post to " + url + ": out of memory");

    transfer t;
    t.max_body = s.config.max_response_bytes;
    s.error_text[0] = '\0';
    // The handle keeps the options set by the constructor (and its connection); only per-call ones are set here.
    ::curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    ::curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data()); // NULL would mean "read stdin"
    ::curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    ::curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
    ::curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    ::curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);

    const CURLcode code = ::curl_easy_perform(h);

    long request_header_bytes = 0;
    curl_off_t uploaded = 0;
    ::curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_header_bytes);
    ::curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &uploaded);
    s.stats.bytes_sent += static_cast<std::size_t>(request_header_bytes) + static_cast<std::size_t>(uploaded);
    s.stats.bytes_received += t.header_bytes + t.body_bytes;
    // The list dies with this call: do not leave curl pointing at it (nor at `body` and `t`).
    ::curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    ::curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
    ::curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
    ::curl_easy_setopt(h, CURLOPT_HEADERDATA, nullptr);

    if (t.too_large)
        return fail("cannot post to " + url + ": the response is larger than " +
                    std::to_string(s.config.max_response_bytes) + " bytes");
    if (code != CURLE_OK) return fail(s.describe(code, url));
    long status = 0;
    ::curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.res.status = static_cast<int>(status);
    return std::move(t.res);
}

client_stats client::stats() const { return m_impl ? m_impl->stats : client_stats{}; }

} // namespace openrsp::http
