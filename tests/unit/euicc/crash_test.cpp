/// Crash safety of the eUICC file, proven on a real process (issue 3): a child (crash_helper.cpp) performs one
/// operation on the file and is SIGKILLed (a) at every step of the store's write path, through the
/// OPENRSP_EUICC_CRASH_POINT hook, and (b) after random delays anywhere in its run. After every kill the file must
/// open and hold either exactly the state before the operation or exactly the state after it.
/// OPENRSP_EUICC_CRASH_LONG=1 multiplies the random kills (minutes instead of seconds).

#include "support/euicc_doubles.h"

#include "openrsp/rsp/tags.h"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

using namespace openrsp;
using namespace openrsp::euicc;
using namespace openrsp::euicc::test;

namespace {

constexpr const char* eid_text = "89049032123451234512345678901235";
const std::string iccid_a = "8949449999999990148";
const std::string iccid_b = "8949449999999990155";
const std::string iccid_c = "8949449999999990163";

/// Steps of write_file_atomically() that crash_point() marks; 1-5 are before the rename, 6-7 after.
constexpr int last_step_before_rename = 5;
constexpr int write_steps = 7;

struct child_result {
    bool killed = false; ///< ended by SIGKILL
    int exit_code = -1;
};

/// fork + execve of the helper; the environment is built before fork so the child only calls async-safe functions.
class child {
public:
    child(const std::vector<std::string>& args, std::optional<int> crash_point)
    {
        for (char** e = environ; *e != nullptr; ++e)
            if (std::string_view(*e).rfind("OPENRSP_EUICC_CRASH_POINT=", 0) != 0) m_env.emplace_back(*e);
        if (crash_point) m_env.push_back("OPENRSP_EUICC_CRASH_POINT=" + std::to_string(*crash_point));
        std::vector<char*> argv, envp;
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (auto& e : m_env)
            envp.push_back(e.data());
        envp.push_back(nullptr);
        m_pid = ::fork();
        if (m_pid == 0) {
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
    }
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    ~child()
    {
        if (m_pid > 0 && !m_reaped) {
            ::kill(m_pid, SIGKILL);
            (void)wait();
        }
    }

    void kill_now() const { ::kill(m_pid, SIGKILL); }

    child_result wait()
    {
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
        m_reaped = true;
        child_result r;
        r.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
        return r;
    }

private:
    std::vector<std::string> m_env;
    pid_t m_pid = -1;
    bool m_reaped = false;
};

/// One operation of the list, with the helper arguments that perform it.
struct operation {
    std::string name;
    std::vector<std::string> args;
    int exit_code = 0; ///< what the helper returns when the operation runs to its end
};

std::vector<operation> operations()
{
    return {
        {"install", {"install", iccid_c}},
        {"failed_install", {"install-bad", iccid_c}, 3}, // stores the error PIR as a pending notification
        {"enable", {"enable", iccid_b}},                 // disables A and enables B in the same write
        {"disable", {"disable", iccid_a}},
        {"delete", {"delete", iccid_b}},
        {"nickname", {"nickname", iccid_a, "Crashed"}},
        {"notification_removal", {"remove-notification", "1"}},
        {"memory_reset", {"memory-reset"}},
    };
}

/// Everything an LPA can observe about the card, as one comparable string; "UNREADABLE ..." if it does not open.
std::string observable_state(const std::string& path)
{
    auto opened = virtual_euicc::open(path);
    if (!opened) return "UNREADABLE " + opened.error().message;
    auto& card = **opened;
    std::ostringstream out;
    for (const auto& p : card.profiles())
        out << "profile " << p.iccid << (p.enabled ? " enabled" : " disabled") << " '" << p.nickname << "'\n";
    auto t = card.make_transport();
    const int ch = open_isdr(*t);
    const bytes list = es10(*t, ch, der::encode(rsp::tag::list_notification, {}));
    auto top = der::parse_one(list);
    auto a0 = top ? der::reader(top->value).find(0xA0) : std::nullopt;
    for (const auto& n : a0 ? *der::reader(a0->value).all() : std::vector<der::tlv>{}) {
        const der::reader r(n.value);
        out << "notification " << *der::decode_uint(r.find(0x80)->value) << " pmo " << to_hex(r.find(0x81)->value)
            << "\n";
    }
    return out.str();
}

class crash_test : public ::testing::Test {
protected:
    /// The starting card: A enabled (notifies enable/disable/delete), B disabled, pending notifications.
    static void SetUpTestSuite()
    {
        s_dir = std::make_unique<temp_dir>();
        const std::string path = s_dir->file("template.json");
        auto card = make_card(path);
        ASSERT_TRUE(card);
        auto t = card->make_transport();
        const int ch = open_isdr(*t);
        der::writer cfg;
        cfg.begin(0x30).add_named_bits(0x80, {1, 2, 3}).add(0x81, std::string_view{"notify.openrsp.test"}).end();
        bpp_options o;
        o.notification_config = cfg.finish();
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_a), o))->success);
        ASSERT_TRUE(decode_pir(download(*t, ch, eid_text, sample_profile(iccid_b)))->success);
        const bytes enable =
            der::encode(rsp::tag::enable_profile,
                        concat({der::encode(0xA0, der::encode(0x5A, *rsp::iccid_to_bcd(iccid_a))), hex("810100")}));
        ASSERT_EQ(es10(*t, ch, enable), hex("BF3103800100"));
        s_template = path;
    }
    static void TearDownTestSuite() { s_dir.reset(); }

    /// Puts a fresh copy of the starting card at `path` (and no leftover PATH.tmp).
    static void reset(const std::string& path)
    {
        std::filesystem::copy_file(s_template, path, std::filesystem::copy_options::overwrite_existing);
        std::filesystem::remove(path + ".tmp");
    }

    static std::vector<std::string> helper_args(const std::string& path, const operation& op)
    {
        std::vector<std::string> a{OPENRSP_EUICC_CRASH_HELPER, main_pki().dir, path};
        a.insert(a.end(), op.args.begin(), op.args.end());
        return a;
    }

    static inline std::unique_ptr<temp_dir> s_dir;
    static inline std::string s_template;
    temp_dir m_work;
};

/// Runs the operation without a crash on a fresh copy; returns the state after it and how long it took.
std::pair<std::string, std::chrono::microseconds> clean_run(const std::vector<std::string>& args,
                                                            const std::string& path, int exit_code)
{
    const auto start = std::chrono::steady_clock::now();
    child c(args, std::nullopt);
    const auto r = c.wait();
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    EXPECT_FALSE(r.killed);
    EXPECT_EQ(r.exit_code, exit_code) << "the operation itself must run to its end";
    return {observable_state(path), took};
}

} // namespace

TEST_F(crash_test, when_killed_at_every_write_step_then_store_is_before_or_after_never_between)
{
    const std::string path = m_work.file("card.json");
    const std::string before = observable_state(s_template);
    ASSERT_EQ(before.rfind("UNREADABLE", 0), std::string::npos) << before;
    int kills = 0;
    for (const auto& op : operations()) {
        SCOPED_TRACE(op.name);
        reset(path);
        const auto [after, took] = clean_run(helper_args(path, op), path, op.exit_code);
        ASSERT_NE(after, before) << "the operation must change what the LPA sees";

        for (int point = 1; point <= write_steps + 1; ++point) {
            SCOPED_TRACE("crash point " + std::to_string(point));
            reset(path);
            child c(helper_args(path, op), point);
            const auto r = c.wait();
            // Every operation writes the file exactly once, so steps 1..7 kill and step 8 is never reached.
            EXPECT_EQ(r.killed, point <= write_steps);
            kills += r.killed ? 1 : 0;
            const std::string now = observable_state(path);
            if (point <= last_step_before_rename)
                EXPECT_EQ(now, before) << "the rename is the commit point";
            else
                EXPECT_EQ(now, after);
            if (now == before) {
                // The leftover PATH.tmp of the dead writer must not disturb the next run of the operation.
                child again(helper_args(path, op), std::nullopt);
                EXPECT_EQ(again.wait().exit_code, op.exit_code);
                EXPECT_EQ(observable_state(path), after);
            }
        }
    }
    EXPECT_EQ(kills, static_cast<int>(operations().size()) * write_steps);
}

TEST_F(crash_test, when_killed_after_random_delays_then_store_is_before_or_after_never_between)
{
    const bool long_run = std::getenv("OPENRSP_EUICC_CRASH_LONG") != nullptr;
    const int kills_per_op = long_run ? 400 : 6;
    const std::string path = m_work.file("card.json");
    const std::string before = observable_state(s_template);
    std::mt19937 rng(std::random_device{}());
    int before_seen = 0, after_seen = 0;
    for (const auto& op : operations()) {
        SCOPED_TRACE(op.name);
        reset(path);
        const auto [after, took] = clean_run(helper_args(path, op), path, op.exit_code);
        for (int k = 0; k < kills_per_op; ++k) {
            // Half of the kills anywhere in the run, half in its last fifth where the write happens.
            const auto span = static_cast<long>(took.count());
            std::uniform_int_distribution<long> anywhere(0, span), late(span * 4 / 5, span + span / 20);
            const std::chrono::microseconds delay(k % 2 == 0 ? anywhere(rng) : late(rng));
            SCOPED_TRACE("kill after " + std::to_string(delay.count()) + " us");
            reset(path);
            child c(helper_args(path, op), std::nullopt);
            std::this_thread::sleep_for(delay);
            c.kill_now();
            (void)c.wait();
            const std::string now = observable_state(path);
            EXPECT_TRUE(now == before || now == after) << now;
            before_seen += now == before ? 1 : 0;
            after_seen += now == after ? 1 : 0;
        }
    }
    std::printf("random kills: %d left the state before, %d after the operation\n", before_seen, after_seen);
}
