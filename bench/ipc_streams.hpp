// namedshm benchmarks, IPC: what the suites that stream between processes share (bench/ipc.cpp,
// bench/broadcast.cpp): the untimed warm-up, the ring size for a message size, the wait
// policies by name, and the echo loop of a round trip's partner.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_IPC_STREAMS_HPP
#define NAMEDSHM_BENCH_IPC_STREAMS_HPP

#include <chrono>   // the warm-up's length
#include <cstddef>  // std::size_t
#include <string>   // std::string, a policy's name

#include <namedshm/channel.hpp>  // WaitPolicy, ChannelState

#include "common.hpp"       // bench::kib
#include "ipc_process.hpp"  // PartnerContext

namespace bench::ipc {

/// Runs `step` for at least 20 ms and 10 times, untimed, so that both processes are past their
/// first page faults and cache misses when the timed loop starts. False if a step failed.
template <class Step>
bool warm_up(Step& step) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  for (int done = 0; done < 10 || std::chrono::steady_clock::now() < until; ++done) {
    if (!step()) return false;
  }
  return true;
}

/// The ring's bytes for messages of `size`: the power of two that holds four of them (with a
/// record header each), and no less than 64 KiB. Channels and broadcasts round their capacity up
/// to a power of two, so every ring gets the same bytes: 64 KiB for 64 B, 512 KiB for 64 KiB,
/// 8 MiB for 1 MiB.
inline std::size_t ring_bytes(std::size_t size) {
  std::size_t bytes = 64 * kib;
  while (bytes < 4 * (size + 64)) bytes *= 2;
  return bytes;
}

inline namedshm::WaitPolicy policy_of(const std::string& text) {
  if (text == "spin") return namedshm::WaitPolicy::spin;
  if (text == "block") return namedshm::WaitPolicy::block;
  return namedshm::WaitPolicy::spin_then_block;
}

inline const char* name_of(namedshm::WaitPolicy policy) {
  switch (policy) {
    case namedshm::WaitPolicy::spin:
      return "spin";
    case namedshm::WaitPolicy::block:
      return "block";
    case namedshm::WaitPolicy::spin_then_block:
      break;
  }
  return "spin_then_block";
}

/// A round trip's partner, once it has opened both streams: says it is ready, then sends every
/// message that comes `down` back `up` until the parent ends the stream. Its exit code.
template <class Down, class Up>
int serve_echo(const PartnerContext& context, Down& down, Up& up) {
  context.control.set_ready();
  while (const auto message = down.receive()) {
    if (!up.send(message->data(), message->size())) return context.fail("send: the parent is gone");
  }
  return down.state() == namedshm::ChannelState::closed ? 0 : context.fail("the parent died");
}

}  // namespace bench::ipc

#endif  // NAMEDSHM_BENCH_IPC_STREAMS_HPP
