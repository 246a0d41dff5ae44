// Shared helpers of the QuickFIX interop harness (qf_acceptor, qf_initiator).
// Test-only code: builds against Debian libquickfix-dev 1.15.1 with -std=c++14.
//
// Output protocol (stdout, one line per event, flushed at once; the Swift tests parse it):
//   READY ...                     the engine started
//   LOGON / LOGOUT                session logged on / logged out or disconnected
//   SEND 35=.. 34=.. ...          a message handed to the wire (toAdmin/toApp)
//   RECV 35=.. 34=.. ...          a message received (fromAdmin/fromApp)
//   CRASH reason                  the program is about to _exit without logout (test-requested)
//   DONE ok | DONE fail reason    the end, with exit status 0 | 1
// A summary prints these tags when present, in this order:
//   35 34 43 122 141 108 112 11 37 150 39 14 151 7 16 36 123 45 58 373 380
#ifndef QF_COMMON_H
#define QF_COMMON_H

#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <unistd.h>

namespace qfh {

inline std::mutex& outputMutex() { static std::mutex m; return m; }

inline void line(const std::string& text) {
  std::lock_guard<std::mutex> lock(outputMutex());
  std::fputs(text.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

inline std::string summary(const FIX::Message& message) {
  static const int tags[] = {35, 34, 43, 122, 141, 108, 112, 11, 37, 150, 39, 14, 151, 7, 16, 36, 123, 45, 58, 373, 380};
  std::string out;
  for (int tag : tags) {
    const FIX::FieldMap* map = &message;
    if (message.getHeader().isSetField(tag)) map = &message.getHeader();
    else if (!message.isSetField(tag)) continue;
    std::string value = map->getField(tag);
    for (auto& c : value) if (c == ' ' || c == '\n') c = '_';
    if (!out.empty()) out += ' ';
    out += std::to_string(tag) + "=" + value;
  }
  return out;
}

inline std::string field(const FIX::Message& message, int tag) {
  if (message.isSetField(tag)) return message.getField(tag);
  if (message.getHeader().isSetField(tag)) return message.getHeader().getField(tag);
  return "";
}

/// --key value arguments (and bare --flag → "1").
struct Arguments {
  std::map<std::string, std::string> values;
  Arguments(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string key = argv[i];
      if (key.rfind("--", 0) != 0) { std::fprintf(stderr, "unexpected argument %s\n", argv[i]); std::exit(2); }
      key = key.substr(2);
      if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) values[key] = argv[++i];
      else values[key] = "1";
    }
  }
  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = values.find(key);
    return it == values.end() ? fallback : it->second;
  }
  std::string require(const std::string& key) const {
    auto it = values.find(key);
    if (it == values.end()) { std::fprintf(stderr, "missing --%s\n", key.c_str()); std::exit(2); }
    return it->second;
  }
  int integer(const std::string& key, int fallback) const {
    auto it = values.find(key);
    return it == values.end() ? fallback : std::atoi(it->second.c_str());
  }
};

/// --begin-string (FIX.4.4 by default; FIX.4.2 also supported by both programs).
inline std::string beginString(const Arguments& args) { return args.get("begin-string", "FIX.4.4"); }

/// Writes DIR/session.cfg for one session (FIX 4.4 unless --begin-string) and returns its path.
inline std::string writeSettings(const Arguments& args, bool acceptor) {
  const std::string dir = args.require("dir");
  const std::string path = dir + "/session.cfg";
  std::ofstream cfg(path);
  cfg << "[DEFAULT]\n"
      << "ConnectionType=" << (acceptor ? "acceptor" : "initiator") << "\n"
      << "FileStorePath=" << dir << "/store\n"
      << "FileLogPath=" << dir << "/log\n"
      << "StartTime=00:00:00\nEndTime=00:00:00\n"
      << "UseDataDictionary=Y\n"
      << "DataDictionary=" << args.require("dict") << "\n"
      << "HeartBtInt=" << args.get("heartbeat", "30") << "\n"
      << "ReconnectInterval=1\n"
      << "LogonTimeout=5\nLogoutTimeout=2\n"
      << "ResetOnLogon=" << args.get("reset-on-logon", "N") << "\n"
      << "SocketNodelay=Y\n";
  if (acceptor) {
    cfg << "SocketAcceptPort=" << args.require("port") << "\n";
  } else {
    cfg << "SocketConnectHost=127.0.0.1\nSocketConnectPort=" << args.require("port") << "\n";
  }
  cfg << "\n[SESSION]\nBeginString=" << beginString(args) << "\n"
      << "SenderCompID=" << args.get("sender", acceptor ? "QFVENUE" : "QFCLIENT") << "\n"
      << "TargetCompID=" << args.get("target", "PEREGRINE") << "\n";
  cfg.close();
  return path;
}

inline std::string nowTimestamp() {
  return FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3);
}

inline long long monotonicMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline void sleepMillis(int ms) { usleep(static_cast<useconds_t>(ms) * 1000); }

}  // namespace qfh

#endif
