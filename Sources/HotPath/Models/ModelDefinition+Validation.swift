extension ModelDefinition {
    /// Format limits, checked by `validate()` and the loader before allocating.
    public enum Limits {
        public static let featureCount = 1 << 16
        public static let featureNameBytes = 1 << 12
        public static let treeCount = 1 << 20
        public static let nodesPerTree = 1 << 24
        public static let totalNodes = 1 << 28
        public static let sourceBytes = 1 << 12
    }

    /// Checks everything evaluation relies on: counts, finiteness, feature indices, and that
    /// every tree is a tree (children in range, no cycles, no shared or unreachable nodes).
    ///
    /// Cold tier; O(parameters). Throws the first problem found.
    public func validate() throws(ModelArtifactError) {
        let features = featureCount
        if features == 0 || features > Limits.featureCount {
            throw ModelArtifactError(.limitExceeded(field: "feature count", value: features, limit: Limits.featureCount))
        }
        if source.utf8.count > Limits.sourceBytes {
            throw ModelArtifactError(.limitExceeded(field: "source bytes", value: source.utf8.count, limit: Limits.sourceBytes))
        }
        var seen = Set<String>()
        for (index, name) in featureNames.enumerated() {
            if name.isEmpty || name.utf8.count > Limits.featureNameBytes || !seen.insert(name).inserted {
                throw ModelArtifactError(.invalidFeatureName(index: index))
            }
        }
        switch body {
        case .linear(let parameters), .logistic(let parameters):
            if parameters.weights.count != features {
                throw ModelArtifactError(.weightCountMismatch(weights: parameters.weights.count, features: features))
            }
            for (index, weight) in parameters.weights.enumerated() where !weight.isFinite {
                throw ModelArtifactError(.nonFiniteParameter(field: "weight", tree: -1, node: index))
            }
            if !parameters.intercept.isFinite {
                throw ModelArtifactError(.nonFiniteParameter(field: "intercept", tree: -1, node: -1))
            }
        case .trees(let ensemble):
            try ensemble.validate(featureCount: features)
        }
    }
}

extension TreeEnsembleParameters {
    /// See `ModelDefinition.validate()`.
    func validate(featureCount: Int) throws(ModelArtifactError) {
        if !baseline.isFinite { throw ModelArtifactError(.nonFiniteParameter(field: "baseline", tree: -1, node: -1)) }
        if !leafScale.isFinite { throw ModelArtifactError(.nonFiniteParameter(field: "leaf scale", tree: -1, node: -1)) }
        if trees.count > ModelDefinition.Limits.treeCount {
            throw ModelArtifactError(.limitExceeded(field: "tree count", value: trees.count, limit: ModelDefinition.Limits.treeCount))
        }
        var total = 0
        for (treeIndex, nodes) in trees.enumerated() {
            total += nodes.count
            if total > ModelDefinition.Limits.totalNodes {
                throw ModelArtifactError(.limitExceeded(field: "total nodes", value: total, limit: ModelDefinition.Limits.totalNodes))
            }
            try Self.validate(tree: nodes, index: treeIndex, featureCount: featureCount, leafScale: leafScale)
        }
    }

    /// Node-local checks, then a depth-first walk from the root that colours nodes to tell a
    /// cycle (a node met again while still on the path) from a shared node (met again later).
    static func validate(tree nodes: [TreeNode], index tree: Int, featureCount: Int, leafScale: Double) throws(ModelArtifactError) {
        if nodes.isEmpty { throw ModelArtifactError(.emptyTree(tree: tree)) }
        if nodes.count > ModelDefinition.Limits.nodesPerTree {
            throw ModelArtifactError(.limitExceeded(field: "nodes in tree \(tree)", value: nodes.count, limit: ModelDefinition.Limits.nodesPerTree))
        }
        let count = Int32(nodes.count)
        for (index, node) in nodes.enumerated() {
            if node.feature == -1 {
                if node.left != -1 || node.right != -1 { throw ModelArtifactError(.malformedNode(tree: tree, node: index)) }
                if !node.value.isFinite || !(node.value * leafScale).isFinite {
                    throw ModelArtifactError(.nonFiniteParameter(field: "leaf value", tree: tree, node: index))
                }
            } else {
                if node.feature < 0 || Int(node.feature) >= featureCount {
                    throw ModelArtifactError(.featureIndexOutOfRange(tree: tree, node: index, feature: node.feature))
                }
                if node.threshold.isNaN {
                    throw ModelArtifactError(.nonFiniteParameter(field: "threshold", tree: tree, node: index))
                }
                for child in [node.left, node.right] where child < 0 || child >= count {
                    throw ModelArtifactError(child == -1 ? .malformedNode(tree: tree, node: index)
                                                         : .childIndexOutOfRange(tree: tree, node: index, child: child))
                }
            }
        }
        // 0 = unvisited, 1 = on the current path, 2 = finished.
        var colour = [UInt8](repeating: 0, count: nodes.count)
        var stack: [(node: Int, nextChild: Int)] = [(0, 0)]
        colour[0] = 1
        while let top = stack.last {
            let node = nodes[top.node]
            if node.isLeaf || top.nextChild == 2 {
                colour[top.node] = 2
                stack.removeLast()
                continue
            }
            stack[stack.count - 1].nextChild += 1
            let child = Int(top.nextChild == 0 ? node.left : node.right)
            switch colour[child] {
            case 0:
                colour[child] = 1
                stack.append((child, 0))
            case 1:
                throw ModelArtifactError(.cycle(tree: tree, node: child))
            default:
                throw ModelArtifactError(.sharedNode(tree: tree, node: child))
            }
        }
        if let unreachable = colour.firstIndex(of: 0) {
            throw ModelArtifactError(.unreachableNode(tree: tree, node: unreachable))
        }
    }
}
