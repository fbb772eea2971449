#pragma once
/// Large, once-written buffers (token tables, count matrices) backed by transparent huge pages.
///
/// A fresh 4 KiB page costs a fault and a kernel clear: writing a new 160 MB token table took
/// 82 ms in page faults alone on the development VM, 15 ms with 2 MiB pages (tests/bench).
/// Small requests go to the ordinary heap.
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace stamp::core {

/// At least `bytes`, 2 MiB aligned and advised for huge pages when large; throws bad_alloc.
void* allocateLarge(std::size_t bytes);
/// Frees what allocateLarge returned (same `bytes`).
void freeLarge(void* p, std::size_t bytes) noexcept;

/// An allocator that leaves new elements uninitialised and uses allocateLarge: a table that
/// is written once, row by row, by worker threads gains nothing from being zeroed first (one
/// thread touching every page, then a second memory pass).
template <class T>
struct UninitAllocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = UninitAllocator<U>;
  };
  UninitAllocator() = default;
  template <class U>
  UninitAllocator(const UninitAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocateLarge(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { freeLarge(p, n * sizeof(T)); }
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... A>
  void construct(U* p, A&&... a) {
    ::new (static_cast<void*>(p)) U(std::forward<A>(a)...);
  }
  template <class U>
  bool operator==(const UninitAllocator<U>&) const noexcept { return true; }
};

}  // namespace stamp::core
