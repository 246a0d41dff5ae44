import PeregrinePlatform
import PeregrineRings

/// The effective configuration, printed at start-up.
extension TuningProfile {
    /// Every key of every section — including the defaults the file left out, marked
    /// `# default` — one per line, in the profile file format (it parses back to the same
    /// profile), followed by a summary of the spinning threads.
    public var effectiveDescription: String {
        var lines = ["# effective tuning profile '\(name)' (from \(source)); '# default': not set in the file"]
        func section(_ header: String, _ id: String, _ entries: [(TuningKey, String)]) {
            lines.append("")
            lines.append("[\(header)]")
            let width = entries.map(\.0.name.count).max() ?? 0
            let rows = entries.map { key, value in
                (key, key.name + String(repeating: " ", count: width - key.name.count) + " = " + value)
            }
            let column = (rows.map(\.1.count).max() ?? 0) + 2
            for (key, row) in rows {
                let defaulted = !locations.isExplicit(key.name, in: id) && locations.line(ofSection: id) != nil
                lines.append(defaulted ? row + String(repeating: " ", count: column - row.count) + "# default" : row)
            }
        }
        section("profile", "profile", [
            (TuningKeys.profileName, name),
            (TuningKeys.isolatedCores, TuningValueSyntax.formatCPUList(isolatedCores)),
            (TuningKeys.lockMemory, "\(lockMemory)"),
            (TuningKeys.hugePages, "\(hugePages)"),
        ])
        for thread in threads {
            section("thread.\(thread.name)", "thread.\(thread.name)", [
                (TuningKeys.threadCPU, thread.cpu.map(String.init) ?? "none"),
                (TuningKeys.threadNUMANode, thread.numaNode.map(String.init) ?? "auto"),
                (TuningKeys.threadIdle, TuningValueSyntax.formatIdle(thread.idle)),
                (TuningKeys.threadPolicy, thread.policy.description),
                (TuningKeys.threadAgents, thread.agents.joined(separator: ", ")),
            ])
        }
        for ring in rings {
            section("ring.\(ring.name)", "ring.\(ring.name)", [
                (TuningKeys.ringCapacity, "\(ring.capacity)"),
                (TuningKeys.ringNUMANode, ring.numaNode.map(String.init) ?? "auto"),
            ])
        }
        for socket in sockets {
            section("socket.\(socket.name)", "socket.\(socket.name)", [
                (TuningKeys.socketMode, socket.mode.rawValue),
                (TuningKeys.socketAgent, socket.agent ?? "none"),
                (TuningKeys.socketQueueDepth, "\(socket.queueDepth)"),
                (TuningKeys.socketReceiveBufferBytes, "\(socket.receiveBufferBytes)"),
                (TuningKeys.socketReceiveBufferCount, "\(socket.receiveBufferCount)"),
                (TuningKeys.socketNoDelay, "\(socket.noDelay)"),
            ])
        }
        lines.append("")
        let spinners = spinningThreads.map { thread in
            "\(thread.name) on cpu \(thread.cpu.map(String.init) ?? "?") (\(spinReason(thread)))"
        }
        var summary = "# spinning: \(spinnerCount) of \(isolatedCores.count) isolated core\(isolatedCores.count == 1 ? "" : "s")"
        if !spinners.isEmpty { summary += " — " + spinners.joined(separator: "; ") }
        if kernelPollerCount > 0 { summary += "; \(kernelPollerCount) io_uring-sqpoll kernel poller\(kernelPollerCount == 1 ? "" : "s")" }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}
