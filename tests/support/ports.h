#pragma once
/// \file
/// \brief Loopback TCP ports for tests that start a server as a separate process: a free port to give it, and a wait
/// until it accepts connections. Header-only.

#include <cstdint>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace openrsp::test {

/// 127.0.0.1:port.
inline sockaddr_in loopback(int port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/// A port the kernel just handed out on loopback (0 if none): free for the child to bind a moment later.
inline int free_port()
{
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
}

/// Waits until something accepts connections on the port, up to `tries` x 50 ms.
inline bool wait_listening(int port, int tries = 200)
{
    for (int i = 0; i < tries; ++i) {
        const int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a = loopback(port);
        const bool up = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(s);
        if (up) return true;
        ::usleep(50 * 1000);
    }
    return false;
}

} // namespace openrsp::test
