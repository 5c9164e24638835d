#!/usr/bin/env python3
"""Trains the demo's models and drift profile (topologies/models/) on synthetic card transactions.

The training rows come from Sluice itself, so the models see exactly the inputs the pipeline computes:
  1. `sluice generate --with-labels` writes labelled transactions (the same generator `sluice demo` streams);
  2. `sluice features topologies/demo.yaml` runs them through the demo topology's windows and features;
  3. XGBoost (the primary) and LightGBM (the shadow challenger) are trained on the feature columns and
     saved in their own formats, which Sluice loads;
  4. `sluice profile` records the training distribution of the monitored features and of every model's
     scores, the reference drift monitoring compares live traffic with.

Usage: python3 scripts/train_demo_models.py [--sluice .build/release/sluice] [--events 300000]
Needs: pip install xgboost lightgbm numpy scikit-learn
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import lightgbm
import numpy as np
import xgboost
from sklearn.metrics import roc_auc_score

# The model inputs: feature columns of topologies/demo.yaml, in the models' input order.
FEATURES = [
    "log_amount", "amount_vs_mean", "online", "risky_mcc", "foreign", "hour", "night", "burst",
    "share_online", "countries_1h", "largest_10m",
]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOPOLOGY = os.path.join(ROOT, "topologies", "demo.yaml")
MODELS = os.path.join(ROOT, "topologies", "models")


def run(command, **kwargs):
    print("+", " ".join(command), file=sys.stderr)
    return subprocess.run(command, check=True, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sluice", default=os.path.join(ROOT, ".build", "release", "sluice"))
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    os.makedirs(MODELS, exist_ok=True)

    with tempfile.TemporaryDirectory() as scratch:
        events = os.path.join(scratch, "train.jsonl")
        run([arguments.sluice, "generate", "--output", events, "--count", str(arguments.events), "--with-labels",
             "--seed", str(arguments.seed)])
        labels = {}
        with open(events) as lines:
            for line in lines:
                event = json.loads(line)
                labels[event["event_id"]] = event["is_fraud"]
        features = run([arguments.sluice, "features", TOPOLOGY, "--input", events], capture_output=True, text=True)
        rows = [json.loads(line) for line in features.stdout.splitlines()]
        matrix = np.array([[np.nan if row.get(name) is None else row[name] for name in FEATURES] for row in rows],
                          dtype=np.float64)
        target = np.array([labels[row["event_id"]] for row in rows], dtype=np.int32)
        print(f"{len(rows)} rows, {target.sum()} fraudulent ({target.mean():.2%})", file=sys.stderr)

        # Time-ordered split: the last fifth is held out.
        cut = len(rows) * 4 // 5
        train, test = slice(0, cut), slice(cut, None)

        primary = xgboost.XGBClassifier(n_estimators=100, max_depth=6, learning_rate=0.1, subsample=0.8,
                                        colsample_bytree=0.8, random_state=arguments.seed, n_jobs=2)
        primary.fit(matrix[train], target[train])
        primary.get_booster().feature_names = FEATURES
        primary.get_booster().save_model(os.path.join(MODELS, "fraud-xgb.json"))
        primary_auc = roc_auc_score(target[test], primary.predict_proba(matrix[test])[:, 1])

        challenger = lightgbm.LGBMClassifier(n_estimators=150, num_leaves=31, learning_rate=0.05,
                                             random_state=arguments.seed, n_jobs=2, verbose=-1)
        challenger.fit(matrix[train], target[train], feature_name=FEATURES)
        challenger.booster_.save_model(os.path.join(MODELS, "fraud-lgbm.txt"))
        challenger_auc = roc_auc_score(target[test], challenger.predict_proba(matrix[test])[:, 1])
        print(f"held-out ROC AUC: xgboost {primary_auc:.4f} (xgboost {xgboost.__version__}), "
              f"lightgbm {challenger_auc:.4f} (lightgbm {lightgbm.__version__})", file=sys.stderr)

        run([arguments.sluice, "profile", TOPOLOGY, "--input", events, "--output",
             os.path.join(MODELS, "reference-profile.json")])


if __name__ == "__main__":
    main()
