/// \file
/// \brief `openrsp euicc lpac --euicc FILE -- PROGRAM ARGS...`: runs lpac (or anything speaking its stdio APDU
/// protocol) as a child with LPAC_APDU=stdio, answers its APDU requests from a virtual eUICC and passes every
/// other line of its stdout through. lpac's stderr is inherited; the exit code is lpac's.

#include "common.h"

#include "openrsp/euicc/lpac_stdio.h"
#include "openrsp/euicc/virtual_euicc.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX declares it nowhere else

namespace openrsp::cli {

namespace {

/// \brief Owns one file descriptor.
class unique_fd {
public:
    unique_fd() = default;
    explicit unique_fd(int fd) : m_fd(fd) {}
    ~unique_fd() { reset(); }
    unique_fd(unique_fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
    unique_fd& operator=(unique_fd&& o) noexcept
    {
        if (this != &o) {
            reset();
            m_fd = std::exchange(o.m_fd, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;

    [[nodiscard]] int get() const { return m_fd; }
    void reset()
    {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd = -1;
};

struct pipe_ends {
    unique_fd read;
    unique_fd write;
};

/// Close-on-exec, so the child only inherits the ends posix_spawn dup2s onto its stdin/stdout.
pipe_ends make_pipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) die(std::string("cannot create a pipe: ") + std::strerror(errno));
    return {unique_fd(fds[0]), unique_fd(fds[1])};
}

bool write_all(int fd, std::string_view s)
{
    while (!s.empty()) {
        const ssize_t n = ::write(fd, s.data(), s.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// Our environment with LPAC_APDU forced to stdio; LPAC_HTTP, LPAC_APDU_DEBUG etc. stay as the user set them.
std::vector<std::string> child_environment()
{
    constexpr std::string_view apdu_key = "LPAC_APDU=";
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        if (!entry.starts_with(apdu_key)) env.emplace_back(entry);
    }
    env.emplace_back("LPAC_APDU=stdio");
    return env;
}

/// argv/envp arrays for posix_spawn; they point into `strings`, which must outlive them.
std::vector<char*> c_array(std::vector<std::string>& strings)
{
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

/// \brief posix_spawn's two attribute objects, destroyed on every path.
class spawn_setup {
public:
    spawn_setup()
    {
        ::posix_spawn_file_actions_init(&m_actions);
        ::posix_spawnattr_init(&m_attr);
    }
    ~spawn_setup()
    {
        ::posix_spawn_file_actions_destroy(&m_actions);
        ::posix_spawnattr_destroy(&m_attr);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;

    posix_spawn_file_actions_t* actions() { return &m_actions; }
    posix_spawnattr_t* attr() { return &m_attr; }

private:
    posix_spawn_file_actions_t m_actions{};
    posix_spawnattr_t m_attr{};
};

/// \brief Ignores SIGPIPE while alive: if lpac exits while we answer it, write() fails with EPIPE instead of
/// killing the bridge before it can report lpac's exit code.
class sigpipe_ignored {
public:
    sigpipe_ignored() { m_old = std::signal(SIGPIPE, SIG_IGN); }
    ~sigpipe_ignored() { std::signal(SIGPIPE, m_old); }
    sigpipe_ignored(const sigpipe_ignored&) = delete;
    sigpipe_ignored& operator=(const sigpipe_ignored&) = delete;

private:
    void (*m_old)(int) = SIG_DFL;
};

/// Starts the child with its stdin/stdout on our pipes; returns its pid.
pid_t spawn_child(std::vector<std::string> argv, int child_stdin, int child_stdout)
{
    spawn_setup s;
    ::posix_spawn_file_actions_adddup2(s.actions(), child_stdin, STDIN_FILENO);
    ::posix_spawn_file_actions_adddup2(s.actions(), child_stdout, STDOUT_FILENO);
    // The child must die of SIGPIPE normally even though we ignore it.
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    ::posix_spawnattr_setsigdefault(s.attr(), &defaults);
    ::posix_spawnattr_setflags(s.attr(), POSIX_SPAWN_SETSIGDEF);

    auto env = child_environment();
    auto c_argv = c_array(argv);
    auto c_env = c_array(env);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, c_argv[0], s.actions(), s.attr(), c_argv.data(), c_env.data());
    if (rc != 0) die("cannot start " + argv[0] + ": " + std::strerror(rc));
    return pid;
}

int wait_child(pid_t pid)
{
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) die(std::string("waitpid failed: ") + std::strerror(errno));
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status); // the shell's convention
    return 1;
}

/// \brief The user's y/n for lpac's download preview, read as a line from our stdin.
/// lpac reads it with getchar() from the pipe that also carries the APDU replies, so exactly one character may be
/// sent: a trailing newline would be taken as the (empty, hence broken) reply to its next APDU request.
char user_answer()
{
    char buf[64];
    if (std::fgets(buf, sizeof buf, stdin) == nullptr) return 'n'; // no answer means no consent
    for (const char* p = buf; *p != '\0'; ++p)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') return *p;
    return 'n';
}

/// Runs the child to completion, answering its APDU lines; returns its exit code.
int run_bridge(euicc::virtual_euicc& card, std::vector<std::string> argv)
{
    const sigpipe_ignored no_sigpipe;
    pipe_ends to_child = make_pipe();
    pipe_ends from_child = make_pipe();
    const pid_t pid = spawn_child(std::move(argv), to_child.read.get(), from_child.write.get());
    // Our copies of the child's ends must go, or we would never see EOF on its stdout.
    to_child.read.reset();
    from_child.write.reset();

    const auto transport = card.make_transport();
    euicc::lpac_stdio_responder responder(*transport);
    bool child_listening = true;
    const auto handle = [&](std::string_view line) {
        std::string_view content = line;
        if (content.ends_with('\r')) content.remove_suffix(1);
        if (auto reply = responder.handle_line(content)) {
            if (child_listening) child_listening = write_all(to_child.write.get(), *reply + "\n");
            return;
        }
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
        // Line by line, so a user watching progress or piping into jq sees it as lpac prints it.
        std::fflush(stdout);
        if (euicc::lpac_stdio_responder::is_user_prompt(content) && child_listening)
            child_listening = write_all(to_child.write.get(), std::string(1, user_answer()));
    };

    std::string pending;
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::read(from_child.read.get(), chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(chunk, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1)
            handle(std::string_view(pending).substr(start, nl - start));
        pending.erase(0, start);
    }
    if (!pending.empty()) { // a last line without newline is passed through as it came
        std::fwrite(pending.data(), 1, pending.size(), stdout);
        std::fflush(stdout);
    }
    // lpac may have died between logic_channel_open and _close; do not leave the channel open.
    responder.close_all();
    to_child.write.reset();
    return wait_child(pid);
}

/// The card end of lpac's stdio protocol on our own stdin/stdout, for an LPA that runs us as its child (e.g.
/// `openrsp lpa ... --card stdio:'openrsp euicc stdio --euicc e.json'`). Lines that are not APDU requests are
/// ignored; EOF ends the session.
int serve_stdio(euicc::virtual_euicc& card)
{
    const auto transport = card.make_transport();
    euicc::lpac_stdio_responder responder(*transport);
    std::string line;
    int c;
    bool open = true;
    while (open) {
        line.clear();
        while ((c = std::fgetc(stdin)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
        open = c != EOF;
        std::string_view content = line;
        if (content.ends_with('\r')) content.remove_suffix(1);
        if (content.empty()) continue;
        if (auto reply = responder.handle_line(content)) {
            reply->push_back('\n');
            if (std::fwrite(reply->data(), 1, reply->size(), stdout) != reply->size() || std::fflush(stdout) != 0)
                break; // the LPA went away
        }
    }
    responder.close_all();
    return 0;
}

} // namespace

void register_euicc_lpac(CLI::App& euicc_group)
{
    auto* serve = euicc_group.add_subcommand(
        "stdio", "Serve a virtual eUICC on stdin/stdout with lpac's stdio APDU protocol (for an LPA running us as its "
                 "child)");
    serve->footer("Example: openrsp lpa profile list --card stdio:'openrsp euicc stdio --euicc euicc.json'\n"
                  "One JSON request per line in, one reply per line out; the eUICC file is updated as with any "
                  "other transport.");
    auto serve_path = std::make_shared<std::string>();
    serve->add_option("--euicc", *serve_path, "eUICC file")->required();
    serve->callback([serve_path] {
        auto card = must(euicc::virtual_euicc::open(*serve_path));
        throw exit_status{serve_stdio(*card)};
    });

    auto* cmd = euicc_group.add_subcommand(
        "lpac", "Run lpac against a virtual eUICC through lpac's stdio APDU driver (LPAC_APDU=stdio)");
    cmd->footer("Example: openrsp euicc lpac --euicc euicc.json -- /path/to/lpac chip info\n"
                "lpac's result lines go to stdout unchanged; the exit code is lpac's.");
    auto path = std::make_shared<std::string>();
    auto command = std::make_shared<std::vector<std::string>>();
    cmd->add_option("--euicc", *path, "eUICC file")->required();
    cmd->add_option("command", *command, "lpac program and its arguments, after --")->required();
    cmd->callback([path, command] {
        auto card = must(euicc::virtual_euicc::open(*path));
        throw exit_status{run_bridge(*card, *command)};
    });
}

} // namespace openrsp::cli
