// Writes a frame to one of the guest's side-channel serial ports, raw (no newline
// translation), and waits until the UART has sent every byte (tcdrain) so that nothing is
// lost when the VM ends right after.
#pragma once

#include <string>
#include <string_view>

namespace nsm::vm::init {

// Throws nsm::SysError naming the port and the call.
void send_on_port(const std::string& port, std::string_view bytes);

}  // namespace nsm::vm::init
