// The C++ API (onyx.hpp) end to end: load the bundled digit classifier, run the held-out
// images, print the accuracy; then show that a bad call throws Onyx::Error.
//
//   classify_digits_cpp MODEL.onnx IMAGES.npy LABELS.npy
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "onyx/onyx.hpp"

namespace {

// A little-endian, C-ordered .npy file of element type T: (shape, values). Throws on anything
// else.
template <typename T>
std::pair<std::vector<int64_t>, std::vector<T>> read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    throw std::runtime_error(path + ": not a .npy file");
  }
  const size_t header_len = static_cast<unsigned char>(bytes[8]) |
                            (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  const std::string header = bytes.substr(10, header_len);
  std::vector<int64_t> shape;
  size_t p = header.find("'shape': (");
  if (p == std::string::npos) throw std::runtime_error(path + ": no shape");
  p += 10;
  size_t count = 1;
  while (p < header.size() && header[p] != ')') {
    size_t used = 0;
    shape.push_back(std::stoll(header.substr(p), &used));
    count *= static_cast<size_t>(shape.back());
    p += used;
    while (p < header.size() && (header[p] == ',' || header[p] == ' ')) ++p;
  }
  if (bytes.size() < 10 + header_len + count * sizeof(T)) throw std::runtime_error(path + ": short");
  std::vector<T> values(count);
  std::copy_n(bytes.data() + 10 + header_len, count * sizeof(T), reinterpret_cast<char*>(values.data()));
  return {shape, values};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " MODEL.onnx IMAGES.npy LABELS.npy\n";
    return 2;
  }
  try {
    auto [image_shape, images] = read_npy<float>(argv[2]);
    auto [label_shape, labels] = read_npy<int64_t>(argv[3]);

    Onyx::SessionOptions options;
    options.intra_op_threads(1);
    Onyx::Session session(argv[1], options);
    for (const auto& in : session.inputs()) {
      std::cout << "input " << in.name << ": element type " << in.element_type << ", rank "
                << in.shape.size() << "\n";
    }

    Onyx::Tensor input = Onyx::Tensor::over(images.data(), image_shape);
    std::vector<Onyx::Tensor> outputs = session.run({{session.inputs()[0].name, &input}});
    const std::vector<int64_t> shape = outputs[0].shape();
    const float* logits = outputs[0].data<float>();
    int64_t correct = 0;
    for (int64_t n = 0; n < shape[0]; ++n) {
      int64_t best = 0;
      for (int64_t k = 1; k < shape[1]; ++k) {
        if (logits[n * shape[1] + k] > logits[n * shape[1] + best]) best = k;
      }
      correct += best == labels[static_cast<size_t>(n)];
    }
    std::printf("accuracy on %lld held-out digits: %.4f\n", static_cast<long long>(shape[0]),
                static_cast<double>(correct) / static_cast<double>(shape[0]));

    try {
      Onyx::Tensor wrong = Onyx::Tensor::zeros(ONYX_INT64, {1, 1, 8, 8});
      session.run({{session.inputs()[0].name, &wrong}});
      std::cerr << "a wrong element type was accepted\n";
      return 1;
    } catch (const Onyx::Error& e) {
      std::cout << "wrong element type -> code " << e.code() << ": " << e.what() << "\n";
      if (e.code() != ONYX_INVALID_ARGUMENT) return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
