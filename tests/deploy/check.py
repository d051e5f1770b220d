"""Checks deploy/: the files parse and carry what systemd, Kubernetes, KEDA and Grafana need,
and the drain settings agree (grace periods longer than the drain timeout). Exits 1 naming
every problem. Usage: python3 tests/deploy/check.py [deploy dir]"""
import configparser
import json
import os
import sys

import yaml

root = sys.argv[1] if len(sys.argv) > 1 else "deploy"
problems = []


def need(cond, what):
    if not cond:
        problems.append(what)


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


# systemd unit
unit_path = os.path.join(root, "systemd", "via-prover-node.service")
cp = configparser.ConfigParser(strict=False, interpolation=None)
cp.optionxform = str
with open(unit_path) as f:
    unit_text = f.read()
cp.read_string(unit_text)
for sec in ("Unit", "Service", "Install"):
    need(cp.has_section(sec), f"{unit_path}: no [{sec}] section")
svc = cp["Service"] if cp.has_section("Service") else {}
need(svc.get("ExecStart", "").split()[:2] == ["/usr/local/bin/via-prover", "run"],
     f"{unit_path}: ExecStart must run `via-prover run`")
need(svc.get("KillSignal") == "SIGTERM", f"{unit_path}: KillSignal must be SIGTERM (drain)")
drain = None
for line in unit_text.splitlines():  # Environment= may be repeated
    if line.startswith("Environment="):
        for kv in line[len("Environment="):].split():
            if kv.startswith("VIA_DRAIN_TIMEOUT="):
                drain = int(kv.split("=", 1)[1])
need(drain is not None, f"{unit_path}: VIA_DRAIN_TIMEOUT is not set")
stop = int(svc.get("TimeoutStopSec", "0"))
need(drain is not None and stop > drain,
     f"{unit_path}: TimeoutStopSec ({stop}) must exceed the drain timeout ({drain})")
for h in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
    need(h in svc, f"{unit_path}: hardening option {h} missing")
need(cp.get("Install", "WantedBy", fallback="") != "", f"{unit_path}: WantedBy missing")

# Kubernetes Deployment
dep_path = os.path.join(root, "k8s", "node-deployment.yaml")
with open(dep_path) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]
deps = [d for d in docs if d.get("kind") == "Deployment"]
need(len(deps) == 1, f"{dep_path}: expected one Deployment")
for d in deps:
    need(d.get("apiVersion") == "apps/v1", f"{dep_path}: apiVersion must be apps/v1")
    need(d.get("metadata", {}).get("name"), f"{dep_path}: metadata.name missing")
    spec = d.get("spec", {})
    sel = spec.get("selector", {}).get("matchLabels", {})
    tmpl = spec.get("template", {})
    labels = tmpl.get("metadata", {}).get("labels", {})
    need(sel and all(labels.get(k) == v for k, v in sel.items()),
         f"{dep_path}: the selector does not match the pod labels")
    pod = tmpl.get("spec", {})
    cs = pod.get("containers", [])
    need(len(cs) >= 1, f"{dep_path}: no container")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    for c in cs:
        need(c.get("name") and c.get("image"), f"{dep_path}: container name and image required")
        lim = c.get("resources", {}).get("limits", {})
        need("nvidia.com/gpu" in lim, f"{dep_path}: the container must request nvidia.com/gpu")
        env = env_of(c)
        need("VIA_DB" in env and "valueFrom" in env["VIA_DB"],
             f"{dep_path}: VIA_DB must come from a Secret")
        dt = int(env.get("VIA_DRAIN_TIMEOUT", {}).get("value", "60"))
        need(grace > dt, f"{dep_path}: terminationGracePeriodSeconds ({grace}) must exceed "
                         f"VIA_DRAIN_TIMEOUT ({dt})")
        need(c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command"),
             f"{dep_path}: a preStop drain hook is required")
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            need(c.get(probe, {}).get("httpGet", {}).get("path") == path,
                 f"{dep_path}: {probe} must GET {path}")

# KEDA
keda_path = os.path.join(root, "k8s", "keda-scaledobject.yaml")
with open(keda_path) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]
so = [d for d in docs if d.get("kind") == "ScaledObject"]
ta = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "TriggerAuthentication"}
need(len(so) == 1, f"{keda_path}: expected one ScaledObject")
for s in so:
    need(s.get("apiVersion") == "keda.sh/v1alpha1", f"{keda_path}: apiVersion keda.sh/v1alpha1")
    spec = s.get("spec", {})
    tgt = spec.get("scaleTargetRef", {})
    need(tgt.get("name") in [d["metadata"]["name"] for d in deps],
         f"{keda_path}: scaleTargetRef must name the node Deployment")
    mn, mx = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    need(0 <= mn <= mx, f"{keda_path}: min/max replicas inconsistent")
    trig = spec.get("triggers", [])
    need(len(trig) >= 1, f"{keda_path}: no trigger")
    for t in trig:
        need(t.get("type") == "postgresql", f"{keda_path}: the trigger must be postgresql")
        md = t.get("metadata", {})
        need("via_backlog" in md.get("query", ""), f"{keda_path}: the query must read via_backlog")
        for k in ("targetQueryValue", "activationTargetQueryValue"):
            need(isinstance(md.get(k), str) and float(md.get(k)) > 0,
                 f"{keda_path}: {k} must be a positive number in a string")
        ref = t.get("authenticationRef", {}).get("name")
        need(ref in ta, f"{keda_path}: authenticationRef {ref} has no TriggerAuthentication")
        if ref in ta:
            params = [p.get("parameter") for p in ta[ref]["spec"].get("secretTargetRef", [])]
            need("connection" in params,
                 f"{keda_path}: the TriggerAuthentication must provide `connection`")

# Grafana
graf_path = os.path.join(root, "grafana", "via-farm.json")
with open(graf_path) as f:
    g = json.load(f)
for k in ("uid", "title", "panels", "schemaVersion"):
    need(k in g, f"{graf_path}: {k} missing")
ids = set()
metrics_used = set()
for p in g.get("panels", []):
    need(p.get("id") not in ids, f"{graf_path}: duplicate panel id {p.get('id')}")
    ids.add(p.get("id"))
    for k in ("type", "title", "gridPos", "targets"):
        need(k in p, f"{graf_path}: panel {p.get('title')} lacks {k}")
    for t in p.get("targets", []):
        need(t.get("expr") and t.get("refId"), f"{graf_path}: panel {p.get('title')}: target "
                                                f"needs expr and refId")
        for m in ("via_backlog_gpu_seconds", "via_jobs_done_total", "via_proof_seconds_bucket",
                  "via_leases_lost_total", "via_jobs_failed_total"):
            if m in t.get("expr", ""):
                metrics_used.add(m)
need(len(metrics_used) == 5, f"{graf_path}: panels must cover backlog, throughput, proof time, "
                             f"lease losses and failures (have {sorted(metrics_used)})")

# the sequencer: unit and manifest
seq_unit = os.path.join(root, "systemd", "via-sequencer.service")
sp = configparser.ConfigParser(strict=False, interpolation=None)
sp.optionxform = str
with open(seq_unit) as f:
    sp.read_string(f.read())
need(sp.get("Service", "ExecStart", fallback="").split()[:2] == ["/usr/local/bin/via-sequencer", "run"],
     f"{seq_unit}: ExecStart must run `via-sequencer run`")
for h in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp"):
    need(sp.has_option("Service", h), f"{seq_unit}: hardening option {h} missing")
seq_path = os.path.join(root, "k8s", "sequencer.yaml")
with open(seq_path) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]
sd = [d for d in docs if d.get("kind") == "Deployment"]
sv = [d for d in docs if d.get("kind") == "Service"]
need(len(sd) == 1 and len(sv) == 1, f"{seq_path}: one Deployment and one Service expected")
for d in sd:
    spec = d.get("spec", {})
    need(spec.get("replicas") == 1, f"{seq_path}: the sequencer runs as exactly one replica")
    need(spec.get("strategy", {}).get("type") == "Recreate",
         f"{seq_path}: Recreate, so two sequencers never run at once")
    labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    for s_ in sv:
        sel = s_.get("spec", {}).get("selector", {})
        need(sel and all(labels.get(k) == v for k, v in sel.items()),
             f"{seq_path}: the Service selector does not match the pods")
    for c in spec.get("template", {}).get("spec", {}).get("containers", []):
        need("VIA_DB" in env_of(c), f"{seq_path}: VIA_DB missing")

# the verifier and the coordinator: units and manifest
for name, coord in (("via-verifier.service", False), ("via-coordinator.service", True)):
    path = os.path.join(root, "systemd", name)
    vp = configparser.ConfigParser(strict=False, interpolation=None)
    vp.optionxform = str
    with open(path) as f:
        vp.read_string(f.read())
    ex = vp.get("Service", "ExecStart", fallback="").split()
    need(ex[:2] == ["/usr/local/bin/via-verifier", "run"], f"{path}: ExecStart must run `via-verifier run`")
    need(("--coordinate" in ex) == coord, f"{path}: --coordinate {'missing' if coord else 'must not be set'}")
    need("--btc-key" in ex, f"{path}: the verifier's key (--btc-key) is needed to attest and sign")
    for h in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp"):
        need(vp.has_option("Service", h), f"{path}: hardening option {h} missing")
ver_path = os.path.join(root, "k8s", "verifier.yaml")
with open(ver_path) as f:
    docs = [d for d in yaml.safe_load_all(f) if d]
ss = [d for d in docs if d.get("kind") == "StatefulSet"]
vs = [d for d in docs if d.get("kind") == "Service"]
cm = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "ConfigMap"}
need(len(ss) >= 1 and len(vs) == 1, f"{ver_path}: a StatefulSet per verifier and the coordinator's Service")
coordinators = 0
for d in ss:
    spec = d.get("spec", {})
    need(spec.get("replicas") == 1, f"{ver_path}: a verifier key runs as exactly one replica")
    labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    for c in spec.get("template", {}).get("spec", {}).get("containers", []):
        need("VIA_DB" in env_of(c), f"{ver_path}: VIA_DB missing")
        args = c.get("args", [])
        need("--btc-key" in args, f"{ver_path}: --btc-key missing")
        if "--coordinate" in args:
            coordinators += 1
            for s_ in vs:
                sel = s_.get("spec", {}).get("selector", {})
                need(sel and all(labels.get(k) == v for k, v in sel.items()),
                     f"{ver_path}: the coordinator Service does not select the coordinator")
        for ref in c.get("envFrom", []):
            name = ref.get("configMapRef", {}).get("name")
            need(name in cm, f"{ver_path}: ConfigMap {name} missing")
            if name in cm:
                for k in ("VIA_BOOTSTRAP_TXID", "VIA_VERIFIER_KEYS", "VIA_COORDINATOR_URL", "VIA_BTC_RPC"):
                    need(k in cm[name].get("data", {}), f"{ver_path}: {k} missing from the ConfigMap")
need(coordinators == 1, f"{ver_path}: exactly one verifier is the coordinator")

if problems:
    for p in problems:
        print("FAIL:", p)
    sys.exit(1)
print("deploy: node, sequencer, verifier and coordinator units and manifests, KEDA ScaledObject "
      "and Grafana dashboard check out")
