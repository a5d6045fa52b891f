#include "openrsp/lpa/stdio_transport.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // NOLINT

namespace openrsp::lpa {

namespace {

/// Owns a file descriptor.
class fd_handle {
public:
    fd_handle() = default;
    explicit fd_handle(int fd) : m_fd(fd) {}
    fd_handle(fd_handle&& o) noexcept : m_fd(o.release()) {}
    fd_handle& operator=(fd_handle&& o) noexcept
    {
        if (this != &o) reset(o.release());
        return *this;
    }
    ~fd_handle() { reset(); }
    fd_handle(const fd_handle&) = delete;
    fd_handle& operator=(const fd_handle&) = delete;
    [[nodiscard]] int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }
    void reset(int fd = -1)
    {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = fd;
    }

private:
    int m_fd = -1;
};

class stdio_transport final : public rsp::card_transport {
public:
    stdio_transport(std::string command, std::chrono::milliseconds timeout)
        : m_command(std::move(command)), m_timeout(timeout)
    {
    }
    ~stdio_transport() override { stop(); }
    stdio_transport(const stdio_transport&) = delete;
    stdio_transport& operator=(const stdio_transport&) = delete;

    result<void> connect() override
    {
        if (m_pid <= 0) OPENRSP_TRY_VOID(start());
        auto r = call("connect", nullptr);
        if (!r) return r.take_error();
        if (r->ecode < 0) return fail("the card program \"" + m_command + "\" found no card (connect failed)");
        return ok();
    }

    void disconnect() override
    {
        if (m_pid > 0) (void)call("disconnect", nullptr);
        stop();
    }

    result<int> open_logical_channel(byte_view aid) override
    {
        auto r = call("logic_channel_open", to_hex(aid, true));
        if (!r) return r.take_error();
        if (r->ecode < 0) return fail("the card does not know the application " + to_hex(aid, true));
        return r->ecode;
    }

    void close_logical_channel(int channel) override
    {
        // lpac sends the channel as one hex byte.
        (void)call("logic_channel_close", to_hex(bytes{static_cast<std::uint8_t>(channel)}, true));
    }

    result<bytes> transmit(byte_view apdu) override
    {
        auto r = call("transmit", to_hex(apdu, true));
        if (!r) return r.take_error();
        if (r->ecode < 0)
            return fail("the card program could not transmit an APDU (ecode " + std::to_string(r->ecode) + ")");
        auto data = from_hex(r->data);
        if (!data || data->size() < 2) return fail("the card program answered an APDU with malformed data");
        return std::move(*data);
    }

private:
    struct reply {
        int ecode = 0;
        std::string data;
    };

    result<void> start()
    {
        // A socket pair rather than pipes: writes use MSG_NOSIGNAL, so a child that died gives an error, not SIGPIPE.
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
            return fail(std::string("cannot create a socket pair: ") + std::strerror(errno));
        fd_handle ours(sv[0]), theirs(sv[1]);
        posix_spawn_file_actions_t actions;
        ::posix_spawn_file_actions_init(&actions);
        ::posix_spawn_file_actions_adddup2(&actions, theirs.get(), STDIN_FILENO);
        ::posix_spawn_file_actions_adddup2(&actions, theirs.get(), STDOUT_FILENO);
        const char* argv[] = {"/bin/sh", "-c", m_command.c_str(), nullptr};
        pid_t pid = 0;
        const int rc = ::posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ);
        ::posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) return fail("cannot start the card program \"" + m_command + "\": " + std::strerror(rc));
        m_pid = pid;
        m_fd = std::move(ours);
        m_buffer.clear();
        return ok();
    }

    void stop()
    {
        m_fd.reset(); // EOF on the child's stdin: a well-behaved card program exits now
        if (m_pid <= 0) return;
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
                m_pid = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::kill(m_pid, SIGTERM);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }

    result<reply> call(const char* func, nlohmann::json param)
    {
        if (m_pid <= 0) return fail("the card program is not running (connect first)");
        nlohmann::json req{{"type", "apdu"}, {"payload", {{"func", func}, {"param", std::move(param)}}}};
        const std::string line = req.dump() + "\n";
        for (std::size_t off = 0; off < line.size();) {
            const ssize_t n = ::send(m_fd.get(), line.data() + off, line.size() - off, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return fail("the card program \"" + m_command + "\" stopped reading its input");
            off += static_cast<std::size_t>(n);
        }
        for (;;) {
            auto l = read_line();
            if (!l) return l.take_error();
            auto j = nlohmann::json::parse(*l, nullptr, false);
            if (j.is_object() && j.value("type", "") == "apdu" && j.contains("payload") && j["payload"].is_object()) {
                const auto& p = j["payload"];
                reply r;
                if (!p.contains("ecode") || !p["ecode"].is_number_integer())
                    return fail("the card program sent an APDU reply without ecode");
                r.ecode = p["ecode"].get<int>();
                if (p.contains("data") && p["data"].is_string()) r.data = p["data"].get<std::string>();
                return r;
            }
            // Not a reply: the program's own output, shown rather than lost.
            std::fprintf(stderr, "%s\n", l->c_str());
        }
    }

    result<std::string> read_line()
    {
        const auto deadline = std::chrono::steady_clock::now() + m_timeout;
        for (;;) {
            if (auto nl = m_buffer.find('\n'); nl != std::string::npos) {
                std::string line = m_buffer.substr(0, nl);
                m_buffer.erase(0, nl + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                return line;
            }
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0)
                return fail("the card program \"" + m_command + "\" did not answer within " +
                            std::to_string(m_timeout.count()) + " ms");
            pollfd pfd{m_fd.get(), POLLIN, 0};
            const int pr = ::poll(&pfd, 1, static_cast<int>(left.count()));
            if (pr < 0 && errno == EINTR) continue;
            if (pr <= 0) continue;
            char buf[4096];
            const ssize_t n = ::recv(m_fd.get(), buf, sizeof buf, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return fail("the card program \"" + m_command + "\" ended without answering");
            m_buffer.append(buf, static_cast<std::size_t>(n));
        }
    }

    std::string m_command;
    std::chrono::milliseconds m_timeout;
    pid_t m_pid = -1;
    fd_handle m_fd;
    std::string m_buffer;
};

} // namespace

std::unique_ptr<rsp::card_transport> make_stdio_transport(std::string command, std::chrono::milliseconds reply_timeout)
{
    return std::make_unique<stdio_transport>(std::move(command), reply_timeout);
}

} // namespace openrsp::lpa
