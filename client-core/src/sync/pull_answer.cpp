#include "sync/pull_answer.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cstdint>
#include <cstring>

#include "passerelle/shared/json_text.h"
#include "passerelle/shared/protocol.h"

namespace passerelle::client {
namespace json = boost::json;
using error_code = boost::system::error_code;

namespace {

// As protocol::parse_server_message reads every frame.
json::parse_options frame_options() {
  json::parse_options o;
  o.max_depth = 32;
  return o;
}


template <class Int>
void append_integer(std::string& out, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// What basic_parser asks of every handler: no limits of our own (a frame is at most 64 KiB).
struct NoLimits {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);
};

bool give_up(error_code& ec) {
  ec = json::error::syntax;  // any error: the frame is then read the usual way
  return false;
}

// Runs the parser over the whole frame; the handler is usable only if it read all of it.
template <class Handler>
bool parse_whole(json::basic_parser<Handler>& parser, std::string_view frame) {
  error_code ec;
  std::size_t n = parser.write_some(false, frame.data(), frame.size(), ec);
  return !ec && parser.done() && n == frame.size();
}

// The handler that reads a pull answer into a PulledPage: the frame's fields and each change's
// names as values, each change's data written out again into the page's text as it is parsed.
class PullAnswerReader : public NoLimits {
 public:
  PullAnswer answer;

  // Whether the frame was a successful, non-resync pull answer read in full.
  bool usable() const {
    return finished_ && (seen_top_ & kRe) && (seen_top_ & kChanges) && ok_ && !answer.page.resync;
  }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }
  bool on_number_part(json::string_view, error_code&) { return true; }

  bool on_object_begin(error_code& ec) { return open(true, ec); }
  bool on_array_begin(error_code& ec) { return open(false, ec); }
  bool on_object_end(std::size_t, error_code& ec) { return close(ec); }
  bool on_array_end(std::size_t, error_code& ec) { return close(ec); }

  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key_part(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code&) {
    key_part(s);
    if (skip_) return true;
    key_open_ = false;
    if (copying_) text().append("\":");
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, error_code&) {
    string_part(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code& ec) {
    string_part(s);
    if (skip_) return true;
    str_open_ = false;
    if (!copying_) return scalar(Kind::string, ec);
    if (copying_ == 1 && key_ == "thread_id") {
      if (str_escaped_) return give_up(ec);  // the slice must read as the name itself
      row_.thread_id = {str_at_, text().size() - str_at_};
    }
    text().push_back('"');
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, error_code& ec) {
    if (skip_) return true;
    if (!copying_) return scalar(Kind::integer, ec, i);
    value_prefix();
    append_integer(text(), i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, error_code& ec) {
    if (skip_) return true;
    if (!copying_) return scalar(Kind::other, ec);
    value_prefix();
    append_integer(text(), u);
    return true;
  }
  bool on_double(double d, json::string_view, error_code& ec) {
    if (skip_) return true;
    if (!copying_) return scalar(Kind::other, ec);
    value_prefix();
    text() += json::serialize(json::value(d));  // rare in rows: the serializer's own format
    return true;
  }
  bool on_bool(bool b, error_code& ec) {
    if (skip_) return true;
    if (!copying_) return scalar(Kind::boolean, ec, 0, b);
    value_prefix();
    text() += b ? "true" : "false";
    return true;
  }
  bool on_null(error_code& ec) {
    if (skip_) return true;
    if (!copying_) return scalar(Kind::other, ec);
    value_prefix();
    text() += "null";
    return true;
  }

 private:
  enum class Kind { string, integer, boolean, other };
  // The fields read, each at most once (a field given twice is left to the usual reading).
  enum Top : unsigned { kRe = 1, kOk = 2, kCursor = 4, kMore = 8, kResync = 16, kEpoch = 32, kHorizon = 64, kChanges = 128 };
  enum RowField : unsigned { kCollection = 1, kId = 2, kSeq = 4, kDeleted = 8, kData = 16 };
  // One level of the data being written out: an array or an object, and its values so far.
  struct Level {
    bool array = false;
    std::size_t count = 0;
  };
  static constexpr int kMaxLevels = 40;  // above the parser's max_depth

  std::string& text() { return answer.page.text; }

  static unsigned top_field(std::string_view key) {
    if (key == "re") return kRe;
    if (key == "ok") return kOk;
    if (key == "cursor") return kCursor;
    if (key == "more") return kMore;
    if (key == "resync") return kResync;
    if (key == "epoch") return kEpoch;
    if (key == "horizon") return kHorizon;
    if (key == "changes") return kChanges;
    return 0;
  }
  static unsigned row_field(std::string_view key) {
    if (key == "collection") return kCollection;
    if (key == "id") return kId;
    if (key == "seq") return kSeq;
    if (key == "deleted") return kDeleted;
    if (key == "data") return kData;
    return 0;
  }

  // Before a value inside the data: the comma between array elements (an object's comes with
  // its key).
  void value_prefix() {
    Level& l = levels_[copying_ - 1];
    if (l.array && l.count++ > 0) text().push_back(',');
  }

  void key_part(json::string_view s) {
    if (skip_) return;
    if (copying_) {
      if (!key_open_) {
        Level& l = levels_[copying_ - 1];
        if (l.count++ > 0) text().push_back(',');
        text().push_back('"');
        if (copying_ == 1) key_.clear();
        key_open_ = true;
      }
      append_json_escaped(text(), s);
      if (copying_ == 1) key_.append(s.data(), s.size());
      return;
    }
    if (!key_open_) {
      key_.clear();
      key_open_ = true;
    }
    key_.append(s.data(), s.size());
  }

  void string_part(json::string_view s) {
    if (skip_) return;
    if (copying_) {
      if (!str_open_) {
        value_prefix();
        text().push_back('"');
        str_at_ = text().size();
        str_escaped_ = false;
        str_open_ = true;
      }
      str_escaped_ |= append_json_escaped(text(), s);
      return;
    }
    if (!str_open_) {
      str_.clear();
      str_open_ = true;
    }
    str_.append(s.data(), s.size());
  }

  // A value that is not a container, outside the data: a field of the frame or of a change.
  bool scalar(Kind kind, error_code& ec, std::int64_t i = 0, bool b = false) {
    PulledPage& page = answer.page;
    if (depth_ == 1) {
      unsigned f = top_field(key_);
      if (f == 0) return true;  // a field this reading does not need
      if (seen_top_ & f) return give_up(ec);
      seen_top_ |= f;
      switch (f) {
        case kRe: if (kind != Kind::integer) return give_up(ec); answer.re = i; return true;
        case kOk: if (kind != Kind::boolean) return give_up(ec); ok_ = b; return true;
        case kCursor: if (kind != Kind::integer) return give_up(ec); page.cursor = i; return true;
        case kHorizon: if (kind != Kind::integer) return give_up(ec); page.horizon = i; return true;
        case kMore: if (kind != Kind::boolean) return give_up(ec); page.more = b; return true;
        case kResync: if (kind != Kind::boolean) return give_up(ec); page.resync = b; return true;
        case kEpoch: if (kind != Kind::string) return give_up(ec); page.epoch = str_; return true;
        default: return give_up(ec);  // "changes" that is not an array
      }
    }
    if (depth_ == 3) {
      unsigned f = row_field(key_);
      if (f == 0) return true;
      if (seen_row_ & f) return give_up(ec);
      seen_row_ |= f;
      switch (f) {
        case kCollection: if (kind != Kind::string) return give_up(ec); row_.collection = page.add(str_); return true;
        case kId: if (kind != Kind::string) return give_up(ec); row_.id = page.add(str_); return true;
        case kSeq: if (kind != Kind::integer) return give_up(ec); row_.seq = i; return true;
        case kDeleted: if (kind != Kind::boolean) return give_up(ec); row_.deleted = b; return true;
        default: return give_up(ec);  // data that is not an object
      }
    }
    return give_up(ec);  // a change that is not an object
  }

  bool open(bool object, error_code& ec) {
    if (skip_) {
      ++skip_;
      return true;
    }
    if (copying_) {
      if (copying_ >= kMaxLevels) return give_up(ec);
      value_prefix();
      text().push_back(object ? '{' : '[');
      levels_[copying_++] = Level{!object, 0};
      return true;
    }
    switch (depth_) {
      case 0:
        if (!object) return give_up(ec);
        depth_ = 1;
        return true;
      case 1: {
        unsigned f = top_field(key_);
        if (f == 0) {
          skip_ = 1;
          return true;
        }
        if (f != kChanges || object || (seen_top_ & kChanges)) return give_up(ec);
        seen_top_ |= kChanges;
        depth_ = 2;
        return true;
      }
      case 2:
        if (!object) return give_up(ec);
        row_ = PulledPage::Row{};
        seen_row_ = 0;
        depth_ = 3;
        return true;
      case 3: {
        unsigned f = row_field(key_);
        if (f == 0) {
          skip_ = 1;
          return true;
        }
        if (f != kData || !object || (seen_row_ & kData)) return give_up(ec);
        seen_row_ |= kData;
        data_at_ = text().size();
        text().push_back('{');
        levels_[0] = Level{false, 0};
        copying_ = 1;
        return true;
      }
    }
    return give_up(ec);
  }

  bool close(error_code& ec) {
    if (skip_) {
      --skip_;
      return true;
    }
    if (copying_) {
      text().push_back(levels_[copying_ - 1].array ? ']' : '}');
      if (--copying_ == 0) row_.data = {data_at_, text().size() - data_at_};
      return true;
    }
    switch (depth_) {
      case 3: {
        unsigned needed = kCollection | kId | kSeq | (row_.deleted ? 0u : unsigned{kData});
        if ((seen_row_ & needed) != needed) return give_up(ec);
        if (row_.deleted) {  // a tombstone's data is not read
          row_.data = {};
          row_.thread_id = {};
        }
        answer.page.rows.push_back(row_);
        depth_ = 2;
        return true;
      }
      case 2: depth_ = 1; return true;
      case 1: depth_ = 0; finished_ = true; return true;
    }
    return give_up(ec);
  }

  int depth_ = 0;    // 1: in the frame's object; 2: in its changes; 3: in a change
  int skip_ = 0;     // > 0: inside a container this reading does not need, this deep
  int copying_ = 0;  // > 0: inside a change's data, this deep
  Level levels_[kMaxLevels];
  std::string key_, str_;  // the current key and string, outside the data (key_ also at its top level)
  bool key_open_ = false, str_open_ = false, str_escaped_ = false;
  std::size_t str_at_ = 0, data_at_ = 0;
  unsigned seen_top_ = 0, seen_row_ = 0;
  bool ok_ = false, finished_ = false;
  PulledPage::Row row_;
};

// The handler that reads what protocol::parse_server_message looks at in a frame's object ("re",
// "ok", "type"), and nothing else.
class FrameHeadReader : public NoLimits {
 public:
  enum class Seen { absent, integer, null, boolean_true, boolean_false, string, other };
  Seen re = Seen::absent, ok = Seen::absent, type = Seen::absent;
  std::string type_text;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_comment_part(json::string_view, error_code&) { return true; }
  bool on_comment(json::string_view, error_code&) { return true; }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_object_begin(error_code& ec) { return open(ec); }
  bool on_array_begin(error_code& ec) {
    if (depth_ == 0) return give_up(ec);
    return open(ec);
  }
  bool on_object_end(std::size_t, error_code&) { return --depth_, true; }
  bool on_array_end(std::size_t, error_code&) { return --depth_, true; }
  bool on_key_part(json::string_view s, std::size_t, error_code&) {
    key_part(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, error_code& ec) {
    key_part(s);
    key_open_ = false;
    if (depth_ != 1) return true;
    field_ = key_ == "re" ? &re : key_ == "ok" ? &ok : key_ == "type" ? &type : nullptr;
    if (field_ && *field_ != Seen::absent) return give_up(ec);  // given twice
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, error_code&) {
    if (field_ == &type && depth_ == 1) type_text.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, error_code&) {
    if (field_ == &type && depth_ == 1) type_text.append(s.data(), s.size());
    return seen(Seen::string);
  }
  bool on_int64(std::int64_t, json::string_view, error_code&) { return seen(Seen::integer); }
  bool on_uint64(std::uint64_t, json::string_view, error_code&) { return seen(Seen::other); }
  bool on_double(double, json::string_view, error_code&) { return seen(Seen::other); }
  bool on_bool(bool b, error_code&) { return seen(b ? Seen::boolean_true : Seen::boolean_false); }
  bool on_null(error_code&) { return seen(Seen::null); }

 private:
  bool open(error_code&) {
    seen(Seen::other);
    ++depth_;
    return true;
  }
  bool seen(Seen what) {
    if (depth_ == 1 && field_) *field_ = what;
    if (depth_ == 1) field_ = nullptr;
    return true;
  }
  void key_part(json::string_view s) {
    if (depth_ != 1) return;
    if (!key_open_) key_.clear();
    key_open_ = true;
    key_.append(s.data(), s.size());
  }

  int depth_ = 0;
  std::string key_;
  bool key_open_ = false;
  Seen* field_ = nullptr;  // the field whose value comes next
};

std::optional<FrameHeadReader> read_head(std::string_view frame) {
  json::basic_parser<FrameHeadReader> parser(frame_options());
  if (!parse_whole(parser, frame)) return std::nullopt;
  return std::move(parser.handler());
}

}  // namespace

std::optional<PullAnswer> read_pull_answer(std::string_view frame) {
  json::basic_parser<PullAnswerReader> parser(frame_options());
  parser.handler().answer.page.text.reserve(frame.size());
  if (!parse_whole(parser, frame) || !parser.handler().usable()) return std::nullopt;
  return std::move(parser.handler().answer);
}

std::optional<std::string> read_event_type(std::string_view frame) {
  auto head = read_head(frame);
  using Seen = FrameHeadReader::Seen;
  if (!head || head->re != Seen::absent || head->type != Seen::string) return std::nullopt;
  return std::move(head->type_text);
}

bool server_message_readable(std::string_view frame) {
  using Seen = FrameHeadReader::Seen;
  if (auto head = read_head(frame)) {
    // The usual frames: an answer that went well, an event.
    if ((head->re == Seen::integer || head->re == Seen::null) && head->ok == Seen::boolean_true) return true;
    if (head->re == Seen::absent && head->type == Seen::string) return true;
  }
  return protocol::parse_server_message(frame).ok();  // the rest (errors, oddities) as always
}

}  // namespace passerelle::client
