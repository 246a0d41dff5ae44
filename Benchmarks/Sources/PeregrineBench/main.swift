import CBaselines
import PeregrinePlatform
#if canImport(Glibc)
import Glibc
#endif

// peregrine-bench [--quick] [--only rings|sockets|journal|marketdata|fix|models|risk|oms|cep|venue|ticktoorder|wiretowire] [--json FILE] [--chart FILE.html]
// Prints one `name value unit` line per figure and a `ratio` line per side-by-side pair.
// Run latency figures at real-time priority: `chrt -f 1 peregrine-bench --quick`.

var quick = false
var only: String? = nil
var jsonPath: String? = nil
var chartPath: String? = nil
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--quick": quick = true
    case "--only": only = arguments.next()
    case "--json": jsonPath = arguments.next()
    case "--chart": chartPath = arguments.next()
    case "-h", "--help":
        print("usage: peregrine-bench [--quick] [--only rings|sockets|journal|marketdata|fix|models|risk|oms|cep|venue|ticktoorder|wiretowire] [--json FILE] [--chart FILE.html]")
        exit(0)
    default:
        print("unknown argument \(argument); see --help")
        exit(2)
    }
}

setvbufLineBuffered()
var report = BenchReport()
print("# peregrine-bench \(quick ? "quick" : "full"): cpus \(CPU.onlineCount), policy \(RingBenchmarks.policy), invariant TSC \(CPU.hasInvariantTSC)")
if RingBenchmarks.policy == .other {
    print("# note: not at real-time priority; latency figures will be noisy (run under `chrt -f 1`)")
}
do {
    if only == nil || only == "rings" { try RingBenchmarks.run(quick: quick, report: &report) }
    if only == nil || only == "sockets" { runSocketBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "journal" { try JournalBenchmarks.run(quick: quick, report: &report) }
    if only == nil || only == "marketdata" {
        runMarketDataBenchmarks(quick: quick, report: &report)
        runBookBenchmarks(quick: quick, report: &report)
    }
    if only == nil || only == "fix" { runFIXBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "models" { runModelBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "risk" { runRiskBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "oms" { runOMSBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "cep" { runCEPBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "venue" { runVenueBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "ticktoorder" { try runTickToOrderBenchmarks(quick: quick, report: &report) }
    if only == nil || only == "wiretowire" { runWireToWireBenchmarks(quick: quick, report: &report) }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
if let chartPath {
    if let f = fopen(chartPath, "w") {
        fputs(report.html(title: "peregrine-bench \(quick ? "quick" : "full") — \(CPU.onlineCount) CPUs, policy \(RingBenchmarks.policy)"), f)
        fclose(f)
        print("# wrote \(chartPath)")
    } else {
        print("# could not write \(chartPath)")
    }
}
if let jsonPath {
    if let f = fopen(jsonPath, "w") {
        fputs(report.json, f)
        fclose(f)
        print("# wrote \(jsonPath)")
    } else {
        print("# could not write \(jsonPath)")
    }
}

func setvbufLineBuffered() { cbaseline_line_buffered_stdout() }
