// iost-bench: the in-process benchmarks of iost-flight (bench/README.md). Each subcommand runs
// one measurement on the release build and prints one JSON object on stdout; bench/run.py
// orchestrates them with cyclictest and `iostd run`, takes medians and writes bench/results.json.
#if canImport(Glibc)
    import Glibc
#endif
import Systems

@main
enum IostBench {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let command = arguments.first else { usage() }
        arguments.removeFirst()
        let options = Options(arguments)
        let result: JSONObject
        switch command {
        case "loop": result = LoopBenchmark.run(options)
        case "encode": result = EncodingBenchmark.run(options)
        case "probe": result = ProbeBenchmark.run(options)
        case "latency": result = LatencyBenchmark.run(options)
        case "store": result = StoreBenchmark.run(options)
        case "attitude": result = AttitudeBenchmark.run(options)
        default: usage()
        }
        print(result.text)
    }

    static func usage() -> Never {
        let text = """
            usage: iost-bench loop [--seconds 10] [--rate 1000] [--priority 80] [--no-lock] [--no-pm-qos]
                   iost-bench encode [--seconds 1] [--repeats 5]
                   iost-bench probe [--config config/sim.toml] [--runs 7]
                   iost-bench latency [--config config/sim.toml] [--seconds 30]
                   iost-bench store [--hours 24] [--rate 10] [--capacity-mib 128] [--dir /var/tmp]
                   iost-bench attitude [--steps 200000] [--ratio 50]

            """
        writeError(text)
        exit(64)
    }

    /// Ends the run with a message on stderr (exit status 1).
    static func fail(_ message: String) -> Never {
        writeError("iost-bench: \(message)\n")
        exit(1)
    }
}

/// Writes `text` to standard error (all of it; a closed stderr loses it).
func writeError(_ text: String) {
    try? writeAll(text, to: STDERR_FILENO)
}

/// `--name value` options and `--flag` flags.
struct Options {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    init(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            guard word.hasPrefix("--") else { IostBench.usage() }
            let name = String(word.dropFirst(2))
            if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") {
                values[name] = arguments[index + 1]
                index += 2
            } else {
                flags.insert(name)
                index += 1
            }
        }
    }

    func string(_ name: String, default fallback: String) -> String { values[name] ?? fallback }

    func double(_ name: String, default fallback: Double) -> Double {
        guard let text = values[name] else { return fallback }
        guard let value = Double(text), value.isFinite, value > 0 else { IostBench.fail("--\(name): expected a positive number, found \"\(text)\"") }
        return value
    }

    func int(_ name: String, default fallback: Int) -> Int {
        guard let text = values[name] else { return fallback }
        guard let value = Int(text), value > 0 else { IostBench.fail("--\(name): expected a positive integer, found \"\(text)\"") }
        return value
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }
}
