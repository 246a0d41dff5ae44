// qf_acceptor — a QuickFIX (C++) FIX 4.4 acceptor playing a tiny venue, for interop tests.
//
//   qf_acceptor --port P --dict FIX44.xml --dir DIR [--sender QFVENUE] [--target PEREGRINE]
//               [--begin-string FIX.4.4|FIX.4.2] [--heartbeat 30] [--reset-on-logon N]
//               [--fill-delay-ms 0] [--crash-on-order CLORDID] [--max-seconds 60]
//
// Every NewOrderSingle (35=D) is answered with two ExecutionReports: an ack (150=0 39=0) at
// once, then a fill (150=F 39=2; FIX 4.2: 20=0 and 150=2) after --fill-delay-ms (from a timer thread; a fill due while
// the counterparty is disconnected is stored by QuickFIX and goes out on the ResendRequest
// after the next logon). A repeated ClOrdID (PossDupFlag=Y resend of an order already seen)
// is logged but not answered again.
// --crash-on-order C: on receiving ClOrdID C, print CRASH and _exit(3) inside fromApp, before
// QuickFIX counts the message: a restarted acceptor (same --dir, so same FileStore) expects
// it again and sends a ResendRequest.
// Runs until SIGTERM/SIGINT (stops, exit 0) or --max-seconds (exit 1). Output: qf_common.h.
#include "qf_common.h"

#include <quickfix/SocketAcceptor.h>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>

namespace {

class Venue : public FIX::Application {
 public:
  Venue(int fillDelayMillis, std::string crashOn, bool fix42)
      : fillDelay_(fillDelayMillis), crashOn_(std::move(crashOn)), fix42_(fix42) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { qfh::line("LOGON"); }
  void onLogout(const FIX::SessionID&) override { qfh::line("LOGOUT"); }
  void toAdmin(FIX::Message& m, const FIX::SessionID&) override { qfh::line("SEND " + qfh::summary(m)); }
  void toApp(FIX::Message& m, const FIX::SessionID&) throw(FIX::DoNotSend) override {
    qfh::line("SEND " + qfh::summary(m));
  }
  void fromAdmin(const FIX::Message& m, const FIX::SessionID&)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    qfh::line("RECV " + qfh::summary(m));
  }
  void fromApp(const FIX::Message& m, const FIX::SessionID& id)
      throw(FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override {
    qfh::line("RECV " + qfh::summary(m));
    if (qfh::field(m, 35) != "D") throw FIX::UnsupportedMessageType();
    const std::string clOrdID = qfh::field(m, 11);
    if (!crashOn_.empty() && clOrdID == crashOn_) {
      qfh::line("CRASH on order " + clOrdID);
      _exit(3);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!seen_.insert(clOrdID).second) {
        qfh::line("DUPLICATE " + clOrdID);
        return;
      }
      ++orderCount_;
    }
    Order order{clOrdID, qfh::field(m, 54), qfh::field(m, 55), qfh::field(m, 38), qfh::field(m, 44)};
    if (order.qty.empty()) order.qty = "100";
    if (order.price.empty()) order.price = "10";
    FIX::Message ack = report(order, false);
    FIX::Session::sendToTarget(ack, id);
    if (fillDelay_ <= 0) {
      FIX::Message fill = report(order, true);
      FIX::Session::sendToTarget(fill, id);
    } else {
      std::thread([this, order, id]() {
        qfh::sleepMillis(fillDelay_);
        FIX::Message fill = report(order, true);
        bool sent = FIX::Session::sendToTarget(fill, id);
        qfh::line(std::string("FILL_QUEUED ") + order.clOrdID + (sent ? "" : " failed"));
      }).detach();
    }
  }

 private:
  struct Order { std::string clOrdID, side, symbol, qty, price; };

  FIX::Message report(const Order& order, bool fill) {
    int n;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      n = ++execCount_;
    }
    FIX::Message m;
    m.getHeader().setField(35, "8");
    m.setField(6, fill ? order.price : "0");              // AvgPx
    m.setField(11, order.clOrdID);
    m.setField(14, fill ? order.qty : "0");               // CumQty
    m.setField(17, "QFE-" + std::to_string(n));           // ExecID
    if (fix42_) m.setField(20, "0");                      // ExecTransType (4.2) New
    m.setField(31, fill ? order.price : "0");             // LastPx
    m.setField(32, fill ? order.qty : "0");               // LastQty
    m.setField(37, "QFO-" + order.clOrdID);               // OrderID
    m.setField(38, order.qty);
    m.setField(39, fill ? "2" : "0");                     // OrdStatus
    m.setField(54, order.side.empty() ? "1" : order.side);
    m.setField(55, order.symbol.empty() ? "XYZ" : order.symbol);
    m.setField(150, fill ? (fix42_ ? "2" : "F") : "0");   // ExecType
    m.setField(151, fill ? "0" : order.qty);              // LeavesQty
    return m;
  }

  int fillDelay_;
  std::string crashOn_;
  bool fix42_;
  std::mutex mutex_;
  std::set<std::string> seen_;
  int orderCount_ = 0;
  int execCount_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  qfh::Arguments args(argc, argv);
  const std::string cfg = qfh::writeSettings(args, true);
  const int maxSeconds = args.integer("max-seconds", 60);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);   // inherited by QuickFIX's threads

  try {
    FIX::SessionSettings settings(cfg);
    Venue venue(args.integer("fill-delay-ms", 0), args.get("crash-on-order"), qfh::beginString(args) == "FIX.4.2");
    FIX::FileStoreFactory stores(settings);
    FIX::FileLogFactory logs(settings);
    FIX::SocketAcceptor acceptor(venue, stores, settings, logs);
    acceptor.start();
    qfh::line("READY port=" + args.require("port") + " pid=" + std::to_string(getpid()));
    timespec wait{maxSeconds, 0};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    acceptor.stop(true);
    if (sig < 0) {
      qfh::line("DONE fail max-seconds reached");
      return 1;
    }
    qfh::line("DONE ok");
    return 0;
  } catch (std::exception& e) {
    qfh::line(std::string("DONE fail ") + e.what());
    return 1;
  }
}
