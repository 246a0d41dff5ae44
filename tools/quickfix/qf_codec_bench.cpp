// QuickFIX C++ doing the FIX codec work Peregrine's benchmark does, for side-by-side ratios:
// parse (without and with dictionary validation) and encode of the same NewOrderSingle and
// ExecutionReport bytes.
//   qf_codec_bench NOS_FILE ER_FILE DICTIONARY ITERATIONS
// Prints `name value unit` lines: qf.parse.new_order_single, qf.parse_validate.*, qf.encode.*.
#include <quickfix/Message.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/FieldConvertors.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
#include <algorithm>

static std::string readFile(const char *path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename F> static double nanosPerOp(long iterations, int repeats, F body) {
  std::vector<double> samples;
  for (int r = 0; r < repeats; r++) {
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; i++) body();
    auto t1 = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / iterations);
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

int main(int argc, char **argv) {
  if (argc != 5) {
    std::cerr << "usage: qf_codec_bench NOS_FILE ER_FILE DICTIONARY ITERATIONS" << std::endl;
    return 2;
  }
  const std::string nos = readFile(argv[1]);
  const std::string er = readFile(argv[2]);
  const long iterations = std::atol(argv[4]);
  const int repeats = 3;
  try {
    FIX::DataDictionary dictionary(argv[3]);
    size_t sink = 0;
    const struct { const char *name; const std::string *bytes; } messages[] = {
      {"new_order_single", &nos}, {"execution_report", &er}};
    for (auto &m : messages) {
      // Parse without validation (QuickFIX still builds its field map).
      double parse = nanosPerOp(iterations, repeats, [&] {
        FIX::Message message;
        message.setString(*m.bytes, false);
        sink += message.bodyLength();
      });
      std::printf("qf.parse.%s %.3f ns/msg\n", m.name, parse);
      double parseValidate = nanosPerOp(iterations / 2, repeats, [&] {
        FIX::Message message;
        message.setString(*m.bytes, true, &dictionary);
        dictionary.validate(message);
        sink += message.bodyLength();
      });
      std::printf("qf.parse_validate.%s %.3f ns/msg\n", m.name, parseValidate);
      // Encode: serialize a message holding the same fields (QuickFIX's toString computes
      // BodyLength and CheckSum).
      FIX::Message prototype;
      prototype.setString(*m.bytes, false);
      double encode = nanosPerOp(iterations, repeats, [&] {
        FIX::Message message(prototype);
        std::string out;
        message.toString(out);
        sink += out.size();
      });
      std::printf("qf.encode.%s %.3f ns/msg\n", m.name, encode);
    }
    if (sink == 42) std::printf("\n");
  } catch (std::exception &e) {
    std::cerr << "qf_codec_bench: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
