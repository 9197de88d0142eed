// The bad-input checks that the streams share: a sender's misuse (a message too large, commits
// without or beyond a reservation: the calls of namedshm::SendCalls, the same for every sender),
// a header that a peer rewrites after open, and, for the broadcast and the mailbox, names
// taken, missing, too long or invalid, and a region under the name that is not one of theirs.
// `Owner` is the end that creates the name (BroadcastSender, Mailbox), `Joiner` the end that
// opens it (BroadcastReceiver, MailboxSender); `kind` is the word of their messages
// ("broadcast", "mailbox"), `tag` the prefix of the test's names ("bc", "mb").
#ifndef NAMEDSHM_TESTS_SUPPORT_STREAM_BAD_INPUT_HPP
#define NAMEDSHM_TESTS_SUPPORT_STREAM_BAD_INPUT_HPP

#include <namedshm/channel.hpp>
#include <namedshm/namedshm.hpp>

#include <chrono>        // send_for's timeout
#include <cstddef>       // std::byte
#include <cstdint>       // std::uint64_t
#include <string>        // std::string
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <vector>        // std::vector, the message too large

#include "catch.hpp"
#include "process.hpp"  // unique_name

namespace namedshm_test {

/// A message of max_message_size() + 1 bytes through every sending call of `sender` (of a
/// `kind` named `name`): refused with message_size, the exception naming the call, the object
/// and the size; the largest message then goes through.
template <class Sender>
void check_oversized_message(Sender& sender, const std::string& kind, const std::string& name) {
  std::error_code ec;
  const std::vector<std::byte> big(sender.max_message_size() + 1);
  CHECK_FALSE(sender.send(big.data(), big.size(), ec));
  CHECK(ec == std::errc::message_size);
  try {
    static_cast<void>(sender.send(big.data(), big.size()));
    FAIL("no exception");
  } catch (const std::system_error& error) {
    CHECK(error.code() == std::errc::message_size);
    CHECK_THAT(error.what(),
               NAMEDSHM_CONTAINS("send on " + kind + " \"" + name + "\" (" + std::to_string(big.size()) + " bytes)") &&
                   NAMEDSHM_CONTAINS("larger than max_message_size()"));
  }
  CHECK_FALSE(sender.try_send(big.data(), big.size(), ec));
  CHECK(ec == std::errc::message_size);
  CHECK_FALSE(sender.send_for(big.data(), big.size(), std::chrono::seconds(1), ec));
  CHECK(ec == std::errc::message_size);
  CHECK(sender.prepare(big.size(), ec).data() == nullptr);
  CHECK(ec == std::errc::message_size);
  CHECK(sender.send(big.data(), big.size() - 1));  // the largest is fine
}

/// commit() without a reservation and beyond one: invalid_argument, and the reservation
/// survives the bad commits; leaves one 10-byte message committed.
template <class Sender>
void check_commit_misuse(Sender& sender) {
  std::error_code ec;
  sender.commit(1, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK_THROWS_WITH(sender.commit(0), NAMEDSHM_CONTAINS("without a reservation"));
  auto room = sender.prepare(10);
  REQUIRE(room.size() == 10);
  sender.commit(11, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK_THROWS_WITH(sender.commit(11), NAMEDSHM_CONTAINS("more bytes than prepare() reserved"));
  sender.commit(10);  // the reservation survived the bad commits
  sender.commit(10, ec);
  CHECK(ec == std::errc::invalid_argument);  // and is used up
}

/// `name` is taken by a live Owner; the joiner's open of `joining` names its verb in messages.
template <class Owner, class Joiner>
void check_stream_names(const std::string& name, const std::string& kind, const std::string& tag,
                        const std::string& joining) {
  std::error_code ec;
  CHECK_FALSE(Owner::create(name, 4096, ec).valid());
  CHECK(ec == std::errc::file_exists);
  CHECK_FALSE(Joiner::open(unique_name(tag + "-missing"), ec).valid());
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_THROWS_WITH(Joiner::open(unique_name(tag + "-missing")),
                    NAMEDSHM_CONTAINS(joining) && NAMEDSHM_CONTAINS("cannot open the " + kind + "'s region"));
  const std::string long_name(250, 'n');
  CHECK_FALSE(Owner::create(long_name, 4096, ec).valid());
  CHECK(ec == std::errc::filename_too_long);
  CHECK_THROWS_WITH(Owner::create("Local\\" + long_name, 4096), NAMEDSHM_CONTAINS("at most 249 bytes"));
  CHECK_FALSE(Joiner::open(long_name, ec).valid());
  CHECK(ec == std::errc::filename_too_long);
  CHECK_FALSE(Owner::create("bad/name", 4096, ec).valid());
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(Joiner::open("", ec).valid());
  CHECK(ec == std::errc::invalid_argument);
}

/// Regions of other kinds under the name: foreign bytes, zeros, too small, a channel.
template <class Joiner>
void check_foreign_regions(const std::string& kind, const std::string& tag) {
  std::error_code ec;
  const auto other = unique_name(tag + "-not-a-" + kind);
  auto region = namedshm::SharedRegion::create(other, 16384);
  region.object<std::uint64_t>() = 0x0123456789ABCDEFULL;
  CHECK_FALSE(Joiner::open(other, ec).valid());
  CHECK(ec == std::errc::invalid_argument);
  CHECK_THROWS_WITH(Joiner::open(other), NAMEDSHM_CONTAINS("the region is not a " + kind));
  region.object<std::uint64_t>() = 0;  // zero-filled: refused after a short wait for a creator
  CHECK_THROWS_WITH(Joiner::open(other), NAMEDSHM_CONTAINS("no " + kind + " header"));
  const auto small = unique_name(tag + "-small");
  auto small_region = namedshm::SharedRegion::create(small, 64);
  CHECK_THROWS_WITH(Joiner::open(small), NAMEDSHM_CONTAINS("too small to be a " + kind));
  const auto channel = unique_name(tag + "-channel");
  auto channel_sender = namedshm::ChannelSender::create(channel, 8192);
  CHECK_THROWS_WITH(Joiner::open(channel), NAMEDSHM_CONTAINS("not a " + kind + " header"));
}

/// After a peer rewrote the stream's header (capacity, offsets): both ends keep the 4096-byte
/// ring they checked at create or open, and 200 messages, several laps, go through it.
template <class Sender, class Receiver>
void check_ring_kept(Sender& sender, Receiver& receiver) {
  CHECK(sender.capacity() == 4096);
  CHECK(receiver.capacity() == 4096);
  for (int i = 0; i < 200; ++i) {
    REQUIRE(sender.send("0123456789", 10));
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK(message->size() == 10);
  }
}

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_SUPPORT_STREAM_BAD_INPUT_HPP
