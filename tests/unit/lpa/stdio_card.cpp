// A card program for the stdio transport tests: serves a virtual eUICC file on stdin/stdout with lpac's stdio APDU
// protocol (one request line in, one reply line out), like a modem bridge or `lpac`'s peer would.
// Usage: openrsp_lpa_stdio_card EUICC_FILE
#include "openrsp/euicc/lpac_stdio.h"
#include "openrsp/euicc/virtual_euicc.h"

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s EUICC_FILE\n", argv[0]);
        return 2;
    }
    auto chip = openrsp::euicc::virtual_euicc::open(argv[1]);
    if (!chip) {
        std::fprintf(stderr, "%s\n", chip.error().message.c_str());
        return 1;
    }
    auto transport = (*chip)->make_transport();
    openrsp::euicc::lpac_stdio_responder responder(*transport);
    // A line that is not a reply: the LPA must pass it on, not take it for one.
    std::printf("stdio card ready\n");
    std::fflush(stdout);
    for (std::string line; std::getline(std::cin, line);) {
        if (auto reply = responder.handle_line(line)) {
            std::printf("%s\n", reply->c_str());
            std::fflush(stdout);
        }
    }
    responder.close_all();
    return 0;
}
