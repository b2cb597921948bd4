#include "tokenizer/normalizer.h"

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace encore::tok {

void Normalizer::start(const NormalizerOptions& options, Words& out) {
  if (!ascii_built_ || !(options == options_)) {
    options_ = options;
    flags_ = &CharFlagTable::instance();
    build_ascii_actions();
  }
  out_ = &out;
  in_word_ = false;
  pending_.clear();
  pending_sources_.clear();
  last_origin_ = 0;
}

void Normalizer::build_ascii_actions() {
  for (char32_t c = 0; c < 128; ++c) {
    const uint8_t flags = (*flags_)(c);
    Ascii& ascii = ascii_[c];
    ascii.normalized = static_cast<char>(options_.lowercase && c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (options_.clean_text && (flags & kRemoved)) {
      ascii.action = kDrop;
    } else if (flags & kWhitespace) {
      ascii.action = kSpace;
    } else if (flags & kPunctuation) {
      ascii.action = kIsolate;
    } else {
      ascii.action = kKeep;
    }
    ascii_word_byte_[c] = ascii.action == kKeep;
  }
  ascii_built_ = true;
}

void Normalizer::add(char32_t c, uint32_t origin) {
  if (c < 128) {  // no ASCII character decomposes, is a mark or a Chinese character
    const Ascii ascii = ascii_[c];
    // HF removes clean_text's characters before NFD: marks on either side of one are neighbours
    // and get reordered together, so a dropped character must not end the pending run.
    if (ascii.action == kDrop) return;
    if (!pending_.empty()) flush_pending();
    last_origin_ = origin;
    switch (ascii.action) {
      case kDrop:
        return;
      case kSpace:
        close_word();
        return;
      case kIsolate:
        close_word();
        append(static_cast<char32_t>(ascii.normalized), origin);
        close_word();
        return;
      case kKeep:
        append(static_cast<char32_t>(ascii.normalized), origin);
        return;
    }
  }
  const uint8_t flags = (*flags_)(c);
  if (options_.clean_text) {
    if (flags & kRemoved) return;
    if (flags & kWhitespace) c = ' ';
  }
  if (options_.handle_chinese_chars && (flags & kChinese)) {
    // HF inserts real spaces, which then go through NFD like any character (they flush
    // reordering) and end the word.
    decompose_and_strip(' ', origin);
    decompose_and_strip(c, origin);
    decompose_and_strip(' ', origin);
    return;
  }
  decompose_and_strip(c, origin);
}

void Normalizer::add_ascii_run(std::string_view run, uint32_t first_origin) {
  if (!in_word_) {
    out_->words.push_back({out_->char_count(), 0, -1});
    in_word_ = true;
  }
  const auto count = static_cast<uint32_t>(run.size());
  last_origin_ = first_origin + count - 1;
  const auto old_bytes = static_cast<uint32_t>(out_->text.size());
  out_->text.reserve_more(count);
  out_->byte.reserve_more(count);
  out_->origin.reserve_more(count);
  uint32_t* __restrict byte = out_->byte.extend_unchecked(count);
  uint32_t* __restrict origin = out_->origin.extend_unchecked(count);
  char* __restrict text = out_->text.extend_unchecked(count);
  const char* __restrict source = run.data();
  const char lowercase_offset = options_.lowercase ? 32 : 0;
  for (uint32_t i = 0; i < count; ++i) {  // runs are short: one plain loop beats vector code
    const char c = source[i];
    text[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + lowercase_offset : c);
    byte[i] = old_bytes + i;
    origin[i] = first_origin + i;
  }
}

void Normalizer::end_piece() {
  flush_pending();
  close_word();
}

void Normalizer::decompose_and_strip(char32_t c, uint32_t origin) {
  if (!options_.strip_accents) {
    lowercase_and_emit(c, origin);
    return;
  }
  const uint8_t flags = (*flags_)(c);
  if (!(flags & (kDecomposes | kReorderable))) {  // a starter that NFD leaves alone
    flush_pending();
    strip_and_continue(c, origin);
    return;
  }
  char32_t parts[kMaxDecomposition];
  const size_t count = (flags & kDecomposes) ? decompose(c, parts) : (parts[0] = c, 1);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t combining = ((*flags_)(parts[i]) & kReorderable) ? combining_class(parts[i]) : 0;
    if (combining == 0) {
      flush_pending();
      strip_and_continue(parts[i], origin);
    } else {
      pending_.push_back({parts[i], combining, i > 0});
      if (i == 0) pending_sources_.push_back(origin);
    }
  }
}

// HF's NFD sorts each run of combining marks by combining class (stable), then assigns alignments
// by position: the k-th character that replaced a source character takes the k-th source of the
// run, and a character inserted by a decomposition takes the alignment of the one before it.
void Normalizer::flush_pending() {
  if (pending_.empty()) return;
  for (size_t i = 1; i < pending_.size(); ++i) {  // insertion sort: runs are a few marks long
    const PendingMark mark = pending_[i];
    size_t j = i;
    for (; j > 0 && pending_[j - 1].combining_class > mark.combining_class; --j) {
      pending_[j] = pending_[j - 1];
    }
    pending_[j] = mark;
  }
  size_t next_source = 0;
  for (const PendingMark& mark : pending_) {
    const uint32_t origin = mark.inserted ? last_origin_ : pending_sources_[next_source++];
    strip_and_continue(mark.c, origin);
  }
  pending_.clear();
  pending_sources_.clear();
}

void Normalizer::strip_and_continue(char32_t c, uint32_t origin) {
  last_origin_ = origin;
  if ((*flags_)(c) & kNonspacingMark) return;
  lowercase_and_emit(c, origin);
}

void Normalizer::lowercase_and_emit(char32_t c, uint32_t origin) {
  if (options_.lowercase && ((*flags_)(c) & kLowercaseChanges)) {
    char32_t lowered[kMaxLowercase];
    const size_t count = to_lowercase(c, lowered);
    for (size_t i = 0; i < count; ++i) emit(lowered[i], origin);
    return;
  }
  emit(c, origin);
}

// BertPreTokenizer: whitespace ends a word; punctuation is a word of its own.
void Normalizer::emit(char32_t c, uint32_t origin) {
  const uint8_t flags = (*flags_)(c);
  if (flags & kWhitespace) {
    close_word();
    return;
  }
  const bool punctuation = (flags & kPunctuation) != 0;
  if (punctuation) close_word();
  append(c, origin);
  if (punctuation) close_word();
}

// Adds a normalized character to the current word (opening one if needed).
void Normalizer::append(char32_t c, uint32_t origin) {
  if (!in_word_) {
    out_->words.push_back({out_->char_count(), 0, -1});
    in_word_ = true;
  }
  out_->byte.push_back(static_cast<uint32_t>(out_->text.size()));
  out_->origin.push_back(origin);
  out_->text.reserve_more(4);
  char* end = out_->text.data() + out_->text.size();
  out_->text.extend_unchecked(encode_utf8(c, end));
}

void Normalizer::close_word() {
  if (!in_word_) return;
  out_->words.back().end = out_->char_count();
  in_word_ = false;
}

}  // namespace encore::tok
