// namedshm: the name an object was opened by, as the caller wrote it, kept for name() and for
// messages.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_NAME_TEXT_HPP
#define NAMEDSHM_DETAIL_NAME_TEXT_HPP

#include <string>       // std::string
#include <string_view>  // std::string_view
#include <utility>      // std::move

#include "error.hpp"  // Status, allocate_or_report

namespace namedshm::detail {

/// A std::string that survives being moved into itself, which std::string does not promise:
/// so the classes that hold one can default their moves.
class NameText {
 public:
  NameText() noexcept = default;
  NameText(const NameText&) = delete;
  NameText& operator=(const NameText&) = delete;
  NameText(NameText&&) noexcept = default;
  NameText& operator=(NameText&& other) noexcept {
    if (this != &other) text_ = std::move(other.text_);
    return *this;
  }
  ~NameText() = default;

  /// Copies `name`; false, with `status` set, if that cannot allocate. Does not throw.
  bool assign(std::string_view name, Status& status) noexcept {
    return allocate_or_report(status, [&] { text_.assign(name); });
  }
  [[nodiscard]] const std::string& get() const noexcept { return text_; }
  /// Hands the name over and keeps none. Does not throw.
  [[nodiscard]] std::string take() noexcept {
    std::string taken = std::move(text_);
    text_.clear();
    return taken;
  }

 private:
  std::string text_;
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_NAME_TEXT_HPP
