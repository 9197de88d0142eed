// namedshm: Published<T>, a seqlock slot in shared memory: one writer, any number of readers.
// SPDX-License-Identifier: MIT
//
//   struct Quote { double bid, ask; std::uint64_t time; };
//
//   auto region = namedshm::SharedRegion::create("Local\\quote", sizeof(namedshm::Published<Quote>));
//   region.object<namedshm::Published<Quote>>().publish({1.25, 1.26, 42});   // the writer
//
//   auto reader = namedshm::ReadOnlyRegion::open("Local\\quote");            // any reader
//   Quote quote = reader.object<namedshm::Published<Quote>>().load();       // never torn
#ifndef NAMEDSHM_SEQLOCK_HPP
#define NAMEDSHM_SEQLOCK_HPP

#include <atomic>       // std::atomic, std::atomic_thread_fence
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t, the sequence and the value's words
#include <cstring>      // std::memcpy, between the value's bytes and its words
#include <memory>       // std::addressof
#include <thread>       // std::this_thread::yield, the reader's back-off
#include <type_traits>  // the checks on T, enable_sharing

#include "detail/fences.hpp"  // seqlock_fences, seqlock_word_store, seqlock_word_load
#include "detail/spin.hpp"    // cpu_relax
#include "shareable.hpp"      // enable_sharing

namespace namedshm {

namespace detail {

/// One step of a reader's back-off while a write is in progress: a few CPU pauses, then yields.
inline void seqlock_back_off(unsigned& spins) noexcept {
  if (spins >= 64) {
    std::this_thread::yield();
    return;
  }
  ++spins;
  cpu_relax();
}

/// Lets namedshm's own tests drive a single reader step; not for users.
struct PublishedTestAccess;

}  // namespace detail

// cl.exe warns (C4324, an error under /WX) that a class was padded because of its alignment
// specifier: here that padding is the point. Silenced around this class only, as the Microsoft
// STL does in its own headers, so that users' code never has to.
#if defined(_MSC_VER)
#  pragma warning(push)
#  pragma warning(disable : 4324)
#endif

/**
 * A seqlock slot: one writer publishes a trivially copyable `T`; any number of readers, in any
 * process, take consistent snapshots of it without locks and never see a torn (half-written)
 * value. Place it in a region; it has no constructor to run:
 *
 *   auto& slot = region.object<namedshm::Published<Quote>>(offset);   // offset: a multiple of 64
 *
 * Zero-filled memory (a new region) is a valid slot holding a zero `T` at version 0. In ordinary
 * memory, value-initialise it: `namedshm::Published<Quote> slot{};`.
 *
 * Thread safety: publish() must never run in two threads or processes at once (a single writer:
 * two concurrent writers are a bug that readers cannot detect, and can leave a torn value).
 * load(), try_load() and version() may run anywhere at any time, also concurrently with
 * publish(), including through the `const Published<T>&` of a ReadOnlyRegion: readers never
 * write to the slot. The writer never waits for readers; a read succeeds only if no write
 * overlapped its copy, so a writer that publishes back to back without pause can starve its
 * readers. If the writer dies inside publish(), load() waits until the next publish() (by any
 * new writer), and try_load() fails until then.
 *
 * Layout (fixed, so that processes built by different compilers agree): a 64-bit sequence at
 * offset 0, odd while a write is in progress and twice the version otherwise; then the bytes of
 * `T` in 64-bit words from offset 8, the unused tail of the last word zero; the whole is
 * 64-byte aligned and a multiple of 64 bytes long, so it shares no cache line with its
 * neighbours. sizeof(Published<T>) is 64 for a `T` of up to 56 bytes.
 *
 * Example:
 *   struct Position { double x, y, z; std::uint64_t frame; };
 *   auto region = namedshm::SharedRegion::create("Local\\position", 4096);
 *   auto& slot = region.object<namedshm::Published<Position>>();
 *   slot.publish({1.0, 2.0, 3.0, 1});                                    // writer process
 *
 *   auto view = namedshm::ReadOnlyRegion::open("Local\\position");
 *   const auto& published = view.object<namedshm::Published<Position>>();
 *   Position now = published.load();                                    // reader process
 *   std::uint64_t count = published.version();                           // 1
 */
template <class T>
class alignas(64) Published {
  static_assert(std::is_trivially_copyable_v<T>,
                "namedshm::Published<T>: T must be trivially copyable: readers receive copies of its bytes, "
                "possibly in another process");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T> && !std::is_array_v<T>,
                "namedshm::Published<T>: T must be a non-const, non-volatile object type, not an array (use "
                "std::array); through a ReadOnlyRegion the slot is already read-only");
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
                "namedshm::Published<T> needs always-lock-free 64-bit atomics: a lock would be private to one "
                "process");

 public:
  using value_type = T;  ///< the published type

  /**
   * Makes `value` the slot's value and adds one to version(). Single writer only: never call it
   * from two threads or processes at once. Readers are never waited for. If a previous writer
   * died inside publish(), this call completes the slot again. Does not throw.
   */
  void publish(const T& value) noexcept {
    const auto* bytes = reinterpret_cast<const unsigned char*>(std::addressof(value));
    // Odd while writing; a sequence left odd by a writer that died mid-write stays odd here.
    const std::uint64_t writing = sequence_.load(std::memory_order_relaxed) | 1U;
    sequence_.store(writing, std::memory_order_relaxed);
    if constexpr (detail::seqlock_fences) std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t i = 0; i < full_words; ++i) {
      std::uint64_t word = 0;
      std::memcpy(&word, bytes + i * word_size, word_size);
      words_[i].store(word, word_store);
    }
    if constexpr (tail_bytes != 0) {
      std::uint64_t word = 0;
      std::memcpy(&word, bytes + full_words * word_size, tail_bytes);
      words_[full_words].store(word, word_store);
    }
    sequence_.store(writing + 1, std::memory_order_release);
  }

  /**
   * A consistent copy of the value of the latest publish() completed when the copy was taken:
   * never a mix of two. Retries while a write is in progress, pausing the CPU and then yielding,
   * so it waits for as long as a write takes (forever if the writer died inside publish(); use
   * try_load() to bound the wait). Needs a default-constructible `T`. Does not throw.
   */
  [[nodiscard]] T load() const noexcept {
    static_assert(std::is_default_constructible_v<T>,
                  "namedshm::Published<T>::load() returns a T, so T must be default-constructible; "
                  "use try_load(T&) otherwise");
    T value;
    auto* bytes = reinterpret_cast<unsigned char*>(std::addressof(value));
    for (unsigned spins = 0;; detail::seqlock_back_off(spins)) {
      const std::uint64_t before = sequence_.load(std::memory_order_acquire);
      if ((before & 1U) == 0 && copy_unchanged(bytes, before)) return value;
    }
  }

  /**
   * One attempt at load(): true and `out` set to a consistent copy, or false and `out`
   * unchanged if a write was in progress during the attempt. The copy goes through a buffer of
   * sizeof(T) bytes on the stack. Does not throw.
   */
  [[nodiscard]] bool try_load(T& out) const noexcept {
    const std::uint64_t before = sequence_.load(std::memory_order_acquire);
    if ((before & 1U) != 0) return false;
    unsigned char bytes[sizeof(T)];
    if (!copy_unchanged(bytes, before)) return false;
    std::memcpy(std::addressof(out), bytes, sizeof(T));
    return true;
  }

  /**
   * The number of publish() calls completed so far (0 for a zero-filled slot); it never goes
   * backwards. A load() that starts after version() returned `n` returns publication `n` or a
   * later one. Does not throw.
   */
  [[nodiscard]] std::uint64_t version() const noexcept { return sequence_.load(std::memory_order_acquire) / 2; }

 private:
  friend struct detail::PublishedTestAccess;

  static constexpr std::size_t word_size = sizeof(std::uint64_t);
  static constexpr std::size_t full_words = sizeof(T) / word_size;
  static constexpr std::size_t tail_bytes = sizeof(T) % word_size;
  static constexpr std::size_t word_count = full_words + (tail_bytes != 0 ? 1 : 0);
  static constexpr std::memory_order word_store = detail::seqlock_word_store;
  static constexpr std::memory_order word_load = detail::seqlock_word_load;

  /// The second half of a read that found the even sequence `before`: copies the words to
  /// `destination` and returns true if no publish() overlapped the copy.
  bool copy_unchanged(unsigned char* destination, std::uint64_t before) const noexcept {
    for (std::size_t i = 0; i < full_words; ++i) {
      const std::uint64_t word = words_[i].load(word_load);
      std::memcpy(destination + i * word_size, &word, word_size);
    }
    if constexpr (tail_bytes != 0) {
      const std::uint64_t word = words_[full_words].load(word_load);
      std::memcpy(destination + full_words * word_size, &word, tail_bytes);
    }
    // Orders the word loads before the re-read: a word written by an overlapping publish()
    // makes this load see that publish()'s odd sequence (or a later one).
    if constexpr (detail::seqlock_fences) std::atomic_thread_fence(std::memory_order_acquire);
    return sequence_.load(std::memory_order_relaxed) == before;
  }

  std::atomic<std::uint64_t> sequence_{0};
  std::atomic<std::uint64_t> words_[word_count]{};
};

#if defined(_MSC_VER)
#  pragma warning(pop)
#endif

/// Published<T> has atomic members, so it is not trivially copyable; it may live in a region.
template <class T>
struct enable_sharing<Published<T>> : std::true_type {};

}  // namespace namedshm

#endif  // NAMEDSHM_SEQLOCK_HPP
