// qf_initiator — a QuickFIX (C++) FIX 4.4 initiator playing a client, for interop tests.
//
//   qf_initiator --port P --dict FIX44.xml --dir DIR [--sender QFCLIENT] [--target PEREGRINE]
//                [--orders N] [--first-id 1] [--prefix ORD-] [--interval-ms 0]
//                [--also-expect ID,ID] [--crash-on-ack CLORDID] [--timeout-seconds 30]
//                [--begin-string FIX.4.4|FIX.4.2] [--heartbeat 30] [--reset-on-logon N] [--hold-ms 0]
//
// Logs on, then sends N NewOrderSingles (ClOrdID PREFIX<first-id> …), --interval-ms apart
// whether or not the session is logged on at that moment (QuickFIX stores what it cannot
// send; the counterparty gets it through a ResendRequest after the next logon). An order
// counts as answered by an ExecutionReport with OrdStatus 39=2 (filled) or by an echoed
// NewOrderSingle with its ClOrdID. When every order (and every --also-expect ClOrdID, e.g.
// one whose reports must come back by resend) is answered, stays logged on --hold-ms more
// (heartbeats), then logs out and exits 0 (DONE ok);
// after --timeout-seconds exits 1 (DONE fail …).
// --crash-on-ack C: on receiving the ack (150=0) of ClOrdID C, print CRASH and _exit(3)
// inside fromApp, before QuickFIX counts the message: restarted with the same --dir it
// expects that report again and sends a ResendRequest. Output protocol: qf_common.h.
#include "qf_common.h"

#include <quickfix/SocketInitiator.h>

#include <atomic>
#include <set>
#include <vector>

namespace {

class Client : public FIX::Application {
 public:
  explicit Client(std::string crashOnAck) : crashOnAck_(std::move(crashOnAck)) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { ++logons_; loggedOn_ = true; qfh::line("LOGON"); }
  void onLogout(const FIX::SessionID&) override { loggedOn_ = false; qfh::line("LOGOUT"); }
  void toAdmin(FIX::Message& m, const FIX::SessionID&) override { qfh::line("SEND " + qfh::summary(m)); }
  void toApp(FIX::Message& m, const FIX::SessionID&) throw(FIX::DoNotSend) override {
    qfh::line("SEND " + qfh::summary(m));
  }
  void fromAdmin(const FIX::Message& m, const FIX::SessionID&)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    qfh::line("RECV " + qfh::summary(m));
  }
  void fromApp(const FIX::Message& m, const FIX::SessionID&)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    qfh::line("RECV " + qfh::summary(m));
    const std::string type = qfh::field(m, 35);
    const std::string clOrdID = qfh::field(m, 11);
    if (type == "8" && qfh::field(m, 150) == "0" && !crashOnAck_.empty() && clOrdID == crashOnAck_) {
      qfh::line("CRASH on ack of " + clOrdID);
      _exit(3);
    }
    if ((type == "8" && qfh::field(m, 39) == "2") || type == "D") {
      std::lock_guard<std::mutex> lock(mutex_);
      answered_.insert(clOrdID);
    }
  }

  bool loggedOn() const { return loggedOn_; }
  int logons() const { return logons_; }
  size_t answeredAmong(const std::vector<std::string>& ids) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (auto& id : ids) n += answered_.count(id);
    return n;
  }

 private:
  std::string crashOnAck_;
  std::atomic<bool> loggedOn_{false};
  std::atomic<int> logons_{0};
  std::mutex mutex_;
  std::set<std::string> answered_;
};

FIX::Message newOrder(const std::string& clOrdID, int i) {
  FIX::Message m;
  m.getHeader().setField(35, "D");
  m.setField(11, clOrdID);
  m.setField(21, "1");                                   // HandlInst
  m.setField(38, std::to_string(100 * i));               // OrderQty
  m.setField(40, "2");                                   // OrdType limit
  m.setField(44, std::to_string(20 + i) + ".25");        // Price
  m.setField(54, i % 2 ? "1" : "2");                     // Side
  m.setField(55, "QFX");                                 // Symbol
  m.setField(FIX::UtcTimeStampField(60, 3));             // TransactTime
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  qfh::Arguments args(argc, argv);
  const std::string cfg = qfh::writeSettings(args, false);
  const int orders = args.integer("orders", 1);
  const int firstID = args.integer("first-id", 1);
  const std::string prefix = args.get("prefix", "ORD-");
  const int interval = args.integer("interval-ms", 0);
  const long long deadline = qfh::monotonicMillis() + 1000LL * args.integer("timeout-seconds", 30);

  std::vector<std::string> ids;
  for (int i = 0; i < orders; ++i) ids.push_back(prefix + std::to_string(firstID + i));
  std::vector<std::string> expected = ids;
  {
    std::stringstream also(args.get("also-expect"));
    std::string id;
    while (std::getline(also, id, ',')) if (!id.empty()) expected.push_back(id);
  }

  try {
    FIX::SessionSettings settings(cfg);
    Client client(args.get("crash-on-ack"));
    FIX::FileStoreFactory stores(settings);
    FIX::FileLogFactory logs(settings);
    FIX::SocketInitiator initiator(client, stores, settings, logs);
    const FIX::SessionID id(qfh::beginString(args), args.get("sender", "QFCLIENT"), args.get("target", "PEREGRINE"));
    initiator.start();
    qfh::line("READY pid=" + std::to_string(getpid()));

    while (!client.loggedOn() && qfh::monotonicMillis() < deadline) qfh::sleepMillis(10);
    if (!client.loggedOn()) {
      qfh::line("DONE fail no logon");
      initiator.stop(true);
      return 1;
    }
    for (int i = 0; i < orders; ++i) {
      if (i > 0 && interval > 0) qfh::sleepMillis(interval);
      FIX::Message order = newOrder(ids[i], firstID + i);
      bool sent = FIX::Session::sendToTarget(order, id);
      qfh::line("ORDER " + ids[i] + (client.loggedOn() ? " online" : " offline") + (sent ? "" : " refused"));
    }
    while (client.answeredAmong(expected) < expected.size() && qfh::monotonicMillis() < deadline) qfh::sleepMillis(10);
    const size_t answered = client.answeredAmong(expected);
    qfh::line("ANSWERED " + std::to_string(answered) + "/" + std::to_string(expected.size()));
    if (answered < expected.size()) {
      qfh::line("DONE fail timeout");
      initiator.stop(true);
      return 1;
    }
    const int hold = args.integer("hold-ms", 0);
    if (hold > 0) {
      qfh::sleepMillis(hold);
      if (!client.loggedOn()) {
        qfh::line("DONE fail session dropped while holding");
        initiator.stop(true);
        return 1;
      }
    }
    initiator.stop(false);   // Logout handshake (QuickFIX waits for the answer)
    qfh::line("DONE ok logons=" + std::to_string(client.logons()));
    return 0;
  } catch (std::exception& e) {
    qfh::line(std::string("DONE fail ") + e.what());
    return 1;
  }
}
