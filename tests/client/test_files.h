// Small file helpers for the client tests that attach, upload and download files.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace passerelle::client::testing {

// A minimal PDF: what the shared type check recognizes as application/pdf.
inline std::string pdf(const std::string& text) { return "%PDF-1.4\n% " + text + "\n%%EOF\n"; }

inline std::filesystem::path write_file(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace passerelle::client::testing
