// RelayBuffer: the bytes read from one side of a proxied connection and not yet
// written to the other. Internal to proxy/.
//
// Fixed capacity, given at construction, so a connection's memory is bounded
// no matter how fast one side sends and how slowly the other reads: when the
// buffer is full the proxy stops reading that side (backpressure). Storage is
// borrowed, not owned, so a connection allocates both of its buffers at once.
#pragma once

#include <cstddef>
#include <cstring>

namespace tandem::proxy {

class RelayBuffer {
 public:
  RelayBuffer(char* storage, size_t capacity) : data_(storage), capacity_(capacity) {}

  bool empty() const { return begin_ == end_; }
  size_t size() const { return end_ - begin_; }

  // Bytes waiting to be written.
  const char* data() const { return data_ + begin_; }
  void Consume(size_t n) {
    begin_ += n;
    // An emptied buffer starts over at the front: the common request/response
    // case never moves bytes.
    if (begin_ == end_) begin_ = end_ = 0;
  }

  // Room for reading more: the free tail, after moving unwritten bytes to the
  // front if that is the only way to make room (rare: a partial write
  // followed by more input).
  char* tail() { return data_ + end_; }
  size_t space() {
    if (end_ == capacity_ && begin_ > 0) {
      std::memmove(data_, data_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    return capacity_ - end_;
  }
  void Produce(size_t n) { end_ += n; }

 private:
  char* data_;
  size_t capacity_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace tandem::proxy
