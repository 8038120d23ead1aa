#include "onnx/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "onnx/file_util.h"

namespace onyx::onnx_import {
namespace {

struct DescrEntry {
  const char* descr;
  DataType dt;
};

constexpr DescrEntry kDescrs[] = {
    {"<f4", DataType::kFloat},   {"<f8", DataType::kDouble},  {"<f2", DataType::kFloat16},
    {"|i1", DataType::kInt8},    {"<i2", DataType::kInt16},   {"<i4", DataType::kInt32},
    {"<i8", DataType::kInt64},   {"|u1", DataType::kUInt8},   {"<u2", DataType::kUInt16},
    {"<u4", DataType::kUInt32},  {"<u8", DataType::kUInt64},  {"|b1", DataType::kBool},
    {"<c8", DataType::kComplex64}, {"<c16", DataType::kComplex128},
};

// Value of `key` in the header dict, e.g. 'descr': '<f4'  ->  '<f4'.
std::string header_field(const std::string& header, const std::string& key) {
  const auto k = header.find("'" + key + "'");
  if (k == std::string::npos) return {};
  auto colon = header.find(':', k);
  if (colon == std::string::npos) return {};
  size_t start = colon + 1;
  while (start < header.size() && header[start] == ' ') ++start;
  if (start >= header.size()) return {};
  if (header[start] == '(') return header.substr(start, header.find(')', start) - start + 1);
  size_t end = header.find_first_of(",}", start);
  return header.substr(start, end - start);
}

std::string trim_quotes(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\'')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\'')) ++i;
  return s.substr(i);
}

}  // namespace

Result<Tensor> parse_npy(const std::string& bytes) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) {
    return InvalidArgument("not a .npy file (bad magic)");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0;
  size_t header_start = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return InvalidArgument("truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    header_start = 12;
  } else {
    return InvalidArgument(".npy format version ", major, " is not supported");
  }
  if (header_start + header_len > bytes.size()) return InvalidArgument("truncated .npy header");
  const std::string header = bytes.substr(header_start, header_len);
  const std::string descr = trim_quotes(header_field(header, "descr"));
  if (header_field(header, "fortran_order").find("True") != std::string::npos) {
    return NotImplemented(".npy files in Fortran order");
  }
  DataType dt = DataType::kUndefined;
  for (const auto& d : kDescrs) {
    if (descr == d.descr) dt = d.dt;
  }
  if (descr == "<i1") dt = DataType::kInt8;
  if (descr == "<u1") dt = DataType::kUInt8;
  if (descr == "<b1") dt = DataType::kBool;
  size_t unicode_width = 0;
  if (descr.size() > 2 && descr.rfind("<U", 0) == 0) {
    dt = DataType::kString;
    unicode_width = std::stoul(descr.substr(2));
  }
  if (dt == DataType::kUndefined) return NotImplemented(".npy element type '", descr, "'");
  Shape shape;
  std::string shape_text = header_field(header, "shape");
  std::stringstream ss(shape_text.substr(1, shape_text.size() >= 2 ? shape_text.size() - 2 : 0));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(' ') == std::string::npos) continue;
    try {
      shape.push_back(std::stoll(item));
    } catch (...) {
      return InvalidArgument("bad .npy shape '", shape_text, "'");
    }
  }
  const int64_t n = shape_numel(shape);
  if (n < 0) return InvalidArgument("bad .npy shape '", shape_text, "'");
  const size_t data_start = header_start + header_len;
  const size_t elem = dt == DataType::kString ? unicode_width * 4 : data_type_size(dt);
  if (elem != 0 && static_cast<uint64_t>(n) > (bytes.size() - data_start) / elem) {
    return InvalidArgument(".npy data is shorter than its shape ", shape_to_string(shape), " needs");
  }
  Tensor t(dt, shape);
  if (dt == DataType::kString) {
    for (int64_t i = 0; i < n; ++i) {
      std::string s;
      for (size_t c = 0; c < unicode_width; ++c) {
        uint32_t cp;
        std::memcpy(&cp, bytes.data() + data_start + (static_cast<size_t>(i) * unicode_width + c) * 4, 4);
        if (cp == 0) break;
        if (cp < 0x80) {
          s += static_cast<char>(cp);
        } else if (cp < 0x800) {
          s += static_cast<char>(0xc0 | (cp >> 6));
          s += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
          s += static_cast<char>(0xe0 | (cp >> 12));
          s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
          s += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
          s += static_cast<char>(0xf0 | (cp >> 18));
          s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
          s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
          s += static_cast<char>(0x80 | (cp & 0x3f));
        }
      }
      t.data<std::string>()[i] = std::move(s);
    }
  } else if (t.nbytes() > 0) {
    std::memcpy(t.raw_data(), bytes.data() + data_start, t.nbytes());
  }
  return t;
}

Result<Tensor> read_npy(const std::string& path) {
  ONYX_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
  auto t = parse_npy(bytes);
  if (!t.ok()) return t.status().with_context("'" + path + "': ");
  return t;
}

Status write_npy(const std::string& path, const Tensor& tensor) {
  std::string descr;
  for (const auto& d : kDescrs) {
    if (d.dt == tensor.dtype()) descr = d.descr;
  }
  if (tensor.dtype() == DataType::kBFloat16) {
    return NotImplemented("NumPy has no bfloat16; cannot write '", path, "'");
  }
  std::string payload;
  if (tensor.dtype() == DataType::kString) {
    size_t width = 1;
    for (int64_t i = 0; i < tensor.numel(); ++i) width = std::max(width, tensor.data<std::string>()[i].size());
    descr = "<U" + std::to_string(width);
    payload.assign(static_cast<size_t>(tensor.numel()) * width * 4, '\0');
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      const std::string& s = tensor.data<std::string>()[i];  // bytes as code points (ASCII-safe)
      for (size_t c = 0; c < s.size(); ++c) {
        payload[(static_cast<size_t>(i) * width + c) * 4] = s[c];
      }
    }
  } else {
    payload.assign(static_cast<const char*>(tensor.raw_data()), tensor.nbytes());
  }
  if (descr.empty()) return NotImplemented("cannot write ", data_type_name(tensor.dtype()), " to .npy");
  std::string shape = "(";
  for (size_t i = 0; i < tensor.rank(); ++i) shape += std::to_string(tensor.dim(i)) + ",";
  if (tensor.rank() > 1) shape.pop_back();
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) return RuntimeError("cannot write '", path, "'");
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t len = static_cast<uint16_t>(header.size());
  const char len_bytes[2] = {static_cast<char>(len & 0xff), static_cast<char>(len >> 8)};
  out.write(len_bytes, 2);
  out << header;
  out.write(payload.data(), static_cast<std::streamsize>(payload.size()));
  if (!out) return RuntimeError("cannot write '", path, "'");
  return Status::OK();
}

}  // namespace onyx::onnx_import
