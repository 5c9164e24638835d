/// Tiny one-split models written by hand, in the exact shape the libraries save, for routing and
/// error tests. Each was also loaded into the real library (xgboost 3.2.0, lightgbm 4.7.0) when the
/// tests were written, and the expectations in RoutingTests agree with what the library predicted.
enum HandBuiltModels {
    /// An xgboost reg:squarederror model: one tree, root split on feature "x", left leaf 1, right
    /// leaf 2, base score 0. `categories` makes the root a categorical split on those categories.
    static func xgboost(
        threshold: String = "1E-1", defaultLeft: Int = 1, categories: [Int]? = nil,
        objective: String = "reg:squarederror",
        baseScore: String = "[0E0]", leftChildren: String = "[1,-1,-1]", rightChildren: String = "[2,-1,-1]",
        splitIndices: String = "[0,0,0]", numNodes: String = "3"
    ) -> String {
        let isCategorical = categories != nil
        let list = (categories ?? []).map(String.init).joined(separator: ",")
        return """
            {"learner":{"attributes":{},"feature_names":["x"],"feature_types":["\(isCategorical ? "c" : "float")"],\
            "gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"1"},\
            "iteration_indptr":[0,1],"tree_info":[0],"trees":[{"base_weights":[0.0,1.0,2.0],\
            "categories":[\(list)],"categories_nodes":[\(isCategorical ? "0" : "")],\
            "categories_segments":[\(isCategorical ? "0" : "")],\
            "categories_sizes":[\(isCategorical ? String(categories!.count) : "")],\
            "default_left":[\(defaultLeft),0,0],"id":0,"left_children":\(leftChildren),"loss_changes":[1.0,0.0,0.0],\
            "parents":[2147483647,0,0],"right_children":\(rightChildren),"split_conditions":[\(threshold),1E0,2E0],\
            "split_indices":\(splitIndices),"split_type":[\(isCategorical ? 1 : 0),0,0],"sum_hessian":[2.0,1.0,1.0],\
            "tree_param":{"num_deleted":"0","num_feature":"1","num_nodes":"\(numNodes)","size_leaf_vector":"1"}}]},\
            "name":"gbtree"},"learner_model_param":{"base_score":"\(baseScore)","boost_from_average":"0",\
            "num_class":"0","num_feature":"1","num_target":"1"},"objective":{"name":"\(objective)",\
            "reg_loss_param":{"scale_pos_weight":"1"}}},"version":[3,2,0]}
            """
    }

    /// A LightGBM regression model: one tree, root split on feature "x", left leaf 1, right leaf 2.
    /// `categoryBits` makes the root a categorical split with that one-word bit set.
    static func lightgbm(
        threshold: String = "0.5", decisionType: Int = 2, categoryBits: UInt32? = nil, objective: String = "regression",
        leftChild: String = "-1", rightChild: String = "-2", endOfTrees: Bool = true
    ) -> String {
        var lines = [
            "tree", "version=v4", "num_class=1", "num_tree_per_iteration=1", "label_index=0", "max_feature_idx=0",
            "objective=\(objective)", "feature_names=x", "feature_infos=none", "tree_sizes=100", "",
            "Tree=0", "num_leaves=2", "num_cat=\(categoryBits == nil ? 0 : 1)", "split_feature=0", "split_gain=1",
            "threshold=\(threshold)", "decision_type=\(decisionType)", "left_child=\(leftChild)",
            "right_child=\(rightChild)", "leaf_value=1 2", "leaf_weight=1 1", "leaf_count=1 1", "internal_value=0",
            "internal_weight=1", "internal_count=2",
        ]
        if let categoryBits {
            lines += ["cat_boundaries=0 1", "cat_threshold=\(categoryBits)"]
        }
        lines += ["is_linear=0", "shrinkage=1", "", ""]
        if endOfTrees {
            lines += ["end of trees", ""]
        }
        return lines.joined(separator: "\n")
    }

    /// A sluice-linear document with two features, a and b.
    static func linear(kind: String = "linear", missing: String = #"{"policy": "propagate"}"#) -> String {
        """
        {"format": "sluice-linear", "version": 1, "kind": "\(kind)", "feature_names": ["a", "b"],
         "coefficients": [2.0, -1.0], "intercept": 0.5, "missing": \(missing)}
        """
    }
}
